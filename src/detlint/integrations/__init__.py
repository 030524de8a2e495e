"""Adapters that run detlint inside other tools (flake8)."""

"""Dependency rules (DET4xx): pins, lock files and VCS/URL requirements."""

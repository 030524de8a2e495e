"""Dependency files: requirements, pyproject, setup.cfg/setup.py, conda environments, Pipfile and
lock files, parsed offline into `DependencyFile` facts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DependencyFile:
    path: str

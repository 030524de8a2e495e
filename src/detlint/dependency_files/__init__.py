"""Dependency files: requirements, pyproject, setup.cfg/setup.py, conda environments, Pipfile and
lock files, parsed offline into `DependencyFile` facts (exact positions, no network, never raising).

- `parse_dependency_text(display, text)`: any dependency file discovery hands over.
- `parse_setup_py(display, module)`: a setup.py's literal requirements, from its libcst tree.
- `resolve_versions(files)`: the exact version of each package that locks and exact pins name.
- `project_versions(index)`: the same for a `ProjectIndex`, with the lock files beside it that
  discovery does not pass (`requirements*.lock`, `pylock.toml`); what `ProjectIndex.versions` returns.

Policy (which packages matter, what counts as pinned, which files are locks) is in
`detlint.catalogs.dependencies`, read from `rules/dependencies.yaml`.
"""

from __future__ import annotations

from detlint.dependency_files.dispatch import MIN_SIZE_LIMIT, detect_format, parse_dependency_text
from detlint.dependency_files.records import (
    FORMATS,
    KINDS,
    Clause,
    DependencyFile,
    Include,
    LockedPackage,
    Option,
    Problem,
    Requirement,
    ResolvedVersion,
)
from detlint.dependency_files.setup_files import parse_setup_py

__all__ = [
    "FORMATS",
    "KINDS",
    "MIN_SIZE_LIMIT",
    "Clause",
    "DependencyFile",
    "Include",
    "LockedPackage",
    "Option",
    "Problem",
    "Requirement",
    "ResolvedVersion",
    "detect_format",
    "parse_dependency_text",
    "parse_setup_py",
]

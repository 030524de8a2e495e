"""Dependency files: requirements, pyproject, setup.cfg/setup.py, conda environments, Pipfile and
lock files, parsed offline into `DependencyFile` facts (exact positions, no network, never raising).

- `parse_dependency_text(display, text)`: any dependency file discovery hands over.
- `parse_setup_py(display, module)`: a setup.py's literal requirements, from its libcst tree.

Parsing only: what each file says. The policy (which packages matter, what counts as pinned, which
files are locks) is `detlint.catalogs.dependencies`, read from `rules/dependencies.yaml`; the files
seen together (includes, lock files, the versions they pin) are `detlint.project.dependencies`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from detlint.dependency_files.dispatch import MIN_SIZE_LIMIT, detect_format, parse_dependency_text
    from detlint.dependency_files.setup_files import parse_setup_py

# The parsers load libcst and YAML: imported on first use, so that reading cached records (a run
# answered from the cache) loads neither.
_PARSERS = {
    "MIN_SIZE_LIMIT": "detlint.dependency_files.dispatch",
    "detect_format": "detlint.dependency_files.dispatch",
    "parse_dependency_text": "detlint.dependency_files.dispatch",
    "parse_setup_py": "detlint.dependency_files.setup_files",
}


def __getattr__(name: str) -> object:
    if name in _PARSERS:
        import importlib

        return getattr(importlib.import_module(_PARSERS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

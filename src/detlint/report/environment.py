"""The environment section of the audit page: the Python and platform that made the report, the ML
packages the project declares (pinned or not, backed by a lock file or not) with the versions
installed here, and the environment variables that change what a run computes. Nothing is imported:
installed versions come from package metadata."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detlint.catalogs.loader import Catalog
    from detlint.dependency_files.records import DependencyFile
    from detlint.project.dependencies import ProjectDeps


@dataclass(frozen=True)
class DeclaredPackage:
    name: str
    requirement: str  # as written
    file: str  # where
    pinned: str | None  # the exact version it pins, if it does
    locked: str | None  # the version a lock file of the project holds, and which file
    installed: str | None  # the version installed where the report was made


@dataclass(frozen=True)
class Variable:
    name: str
    value: str | None  # None: not set
    why: str


@dataclass(frozen=True)
class Environment:
    python: str
    platform: str
    packages: tuple[DeclaredPackage, ...]
    lock_files: tuple[str, ...]
    variables: tuple[Variable, ...]


def environment(catalog: Catalog, dependencies: ProjectDeps, variables: Mapping[str, str] | None = None) -> Environment:
    """`dependencies`: the project's dependency files, with the lock files found beside them."""
    locks = dependencies.lock_files()
    lock_paths = {file.path for file, _ in locks}
    declared = sorted((file for file in dependencies.all_files() if file.path not in lock_paths), key=lambda f: f.path)
    return Environment(
        python=f"{platform.python_implementation()} {platform.python_version()}",
        platform=platform.platform(),
        packages=tuple(_declared(dependencies, declared)),
        lock_files=tuple(sorted(lock_paths)),
        variables=tuple(_variables(catalog, os.environ if variables is None else variables)),
    )


def _declared(dependencies: ProjectDeps, files: Iterable[DependencyFile]) -> Iterable[DeclaredPackage]:
    policy, locked = dependencies.policy, dependencies.locked
    for file in files:
        for requirement in file.requirements:
            if requirement.key and policy.is_ml(requirement.key):
                lock = locked.get(policy.canonical(requirement.key))
                yield DeclaredPackage(
                    requirement.name,
                    requirement.text,
                    file.path,
                    policy.exact_version(requirement),
                    f"{lock.version} ({lock.path})" if lock is not None and lock.version else None,
                    _installed(requirement.name),
                )


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except (metadata.PackageNotFoundError, ValueError):
        return None


def _variables(catalog: Catalog, environ: Mapping[str, str]) -> Iterable[Variable]:
    for entry in catalog.entries("report", "environment_variables"):
        for name in entry["names"]:
            yield Variable(name, environ.get(name), entry["why"])

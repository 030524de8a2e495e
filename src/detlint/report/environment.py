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
    from detlint.catalogs.dependencies import Policy
    from detlint.catalogs.loader import Catalog
    from detlint.dependency_files.records import DependencyFile


@dataclass(frozen=True)
class DeclaredPackage:
    name: str
    requirement: str  # as written
    file: str  # where
    pinned: str | None  # the exact version it pins, if it does
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


def environment(
    catalog: Catalog, dependency_files: Iterable[DependencyFile], variables: Mapping[str, str] | None = None
) -> Environment:
    policy = catalog.dependency_policy
    files = sorted(dependency_files, key=lambda file: file.path)
    locks = tuple(file.path for file in files if policy.lock_tool(file))
    return Environment(
        python=f"{platform.python_implementation()} {platform.python_version()}",
        platform=platform.platform(),
        packages=tuple(_declared(policy, files)),
        lock_files=locks,
        variables=tuple(_variables(catalog, os.environ if variables is None else variables)),
    )


def _declared(policy: Policy, files: Iterable[DependencyFile]) -> Iterable[DeclaredPackage]:
    for file in files:
        for requirement in file.requirements:
            if requirement.key and policy.is_ml(requirement.key):
                yield DeclaredPackage(
                    requirement.name,
                    requirement.text,
                    file.path,
                    policy.exact_version(requirement),
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

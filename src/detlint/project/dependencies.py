"""The project's dependency files seen together, as DET401–DET403 and the framework versions see
them: `-r`/`-c` includes resolved (files discovery did not pass are read from the project root;
cycles and missing files reported, never looped on), lock files found, and the exact version of
every package that a lock or an exact pin names."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name
from packaging.version import Version

from detlint.catalogs.dependencies import MANIFEST_FORMATS, Policy
from detlint.catalogs.loader import load_catalog
from detlint.dependency_files.dispatch import MIN_SIZE_LIMIT, parse_dependency_text
from detlint.dependency_files.records import DependencyFile, Include, Requirement, ResolvedVersion
from detlint.discovery import classify
from detlint.finding import RelatedLocation
from detlint.versions import VersionRange

if TYPE_CHECKING:
    from detlint.project.disk import ProjectFiles
    from detlint.project.index import ProjectIndex


# -- versions ----------------------------------------------------------------------------------------
def resolve_versions(
    files: Iterable[DependencyFile] | Mapping[str, DependencyFile], policy: Policy | None = None
) -> dict[str, ResolvedVersion]:
    """Normalized (canonical) package name -> the exact version the project uses and where it is
    written. Lock files win over exact pins in requirements/conda/Pipfile files, which win over
    exact pins in pyproject/setup files; within a tier the first file by path wins."""
    policy = policy or load_catalog().dependency_policy
    ordered = sorted(files.values() if isinstance(files, Mapping) else files, key=lambda file: file.path)
    tiers: tuple[dict[str, ResolvedVersion], ...] = ({}, {}, {})
    for file in ordered:
        is_lock = policy.lock_tool(file) is not None
        for package in file.locked:
            if not package.version:
                continue  # locked to a commit or a file hash, no version number
            key = policy.canonical(package.key)
            tiers[0].setdefault(key, ResolvedVersion(package.version, file.path, package.line, package.name, True))
        for requirement in file.requirements:
            version = policy.exact_version(requirement)
            if version is None:
                continue
            tier = 0 if is_lock else 2 if file.format in MANIFEST_FORMATS else 1
            key = policy.canonical(requirement.key)
            resolved = ResolvedVersion(version, file.path, requirement.span.line, requirement.name, is_lock)
            tiers[tier].setdefault(key, resolved)
    merged: dict[str, ResolvedVersion] = {}
    for tier in tiers:
        for key, resolved in tier.items():
            merged.setdefault(key, resolved)
    return dict(sorted(merged.items()))


# -- the project's dependency files together ---------------------------------------------------------
@dataclass
class IncludeProblem:
    path: str
    include: Include
    message: str
    detail: str = ""
    help: str = ""
    related: tuple[RelatedLocation, ...] = ()


@dataclass
class ProjectDeps:
    policy: Policy
    disk: ProjectFiles
    max_bytes: int
    discovered: dict[str, DependencyFile]
    extra: dict[str, DependencyFile | None] = field(default_factory=dict)  # read from disk; None: absent
    include_problems: list[IncludeProblem] = field(default_factory=list)

    @classmethod
    def build(cls, index: ProjectIndex) -> ProjectDeps:
        settings = index.settings
        limit = max(settings.max_file_size, MIN_SIZE_LIMIT)
        deps = cls(load_catalog().dependency_policy, index.disk, limit, dict(index.dependency_files))
        deps._find_lock_files()
        deps._check_includes()
        return deps

    # -- files ----------------------------------------------------------------------------------------
    def get(self, path: str, format: str | None = None) -> DependencyFile | None:
        """A dependency file by display path: discovered, or read from the project root."""
        if path in self.discovered:
            return self.discovered[path]
        if path not in self.extra:
            self.extra[path] = self._read(path, format)
        return self.extra[path]

    def _read(self, path: str, format: str | None) -> DependencyFile | None:
        data = self.disk.read(path, self.max_bytes)
        try:
            text = data.decode("utf-8-sig") if data is not None else None
        except UnicodeDecodeError:
            return None
        if text is None:
            return None
        return parse_dependency_text(path, text, format)

    def all_files(self) -> Iterator[DependencyFile]:
        yield from self.discovered.values()
        yield from (file for file in self.extra.values() if file is not None)

    def _find_lock_files(self) -> None:
        """Lock files discovery does not pass (`requirements.lock`, `pylock.toml`, explicit conda
        specs), at the root and beside every dependency file."""
        directories = {""} | {posixpath.dirname(path) for path in self.discovered}
        for directory in sorted(directories):
            for kind in self.policy.lock_kinds:
                for pattern in kind.patterns:
                    for display in self.disk.glob(directory, pattern):
                        # A name discovery reads but did not pass is excluded or git-ignored: not
                        # part of the project as committed.
                        if display not in self.discovered and classify(Path(display)) is None:
                            self.get(display, kind.format)

    def lock_files(self) -> list[tuple[DependencyFile, str]]:
        found = []
        for file in sorted(self.all_files(), key=lambda file: file.path):
            tool = self.policy.lock_tool(file)
            if tool is not None and (file.locked or file.requirements):
                found.append((file, tool))
        return found

    @property
    def locked(self) -> dict[str, ResolvedVersion]:
        """Every package a lock file lists (canonical name -> where; the version is "" for a VCS
        package locked to a commit)."""
        if not hasattr(self, "_locked"):
            locked: dict[str, ResolvedVersion] = {}
            for file, _ in self.lock_files():
                for package in file.locked:
                    resolved = ResolvedVersion(package.version, file.path, package.line, package.name, True)
                    locked.setdefault(self.policy.canonical(package.key), resolved)
                for requirement in file.requirements:
                    version = self.policy.exact_version(requirement)
                    if version is not None:
                        resolved = ResolvedVersion(version, file.path, requirement.span.line, requirement.name, True)
                        locked.setdefault(self.policy.canonical(requirement.key), resolved)
            self._locked = locked
        return self._locked

    @property
    def versions(self) -> dict[str, ResolvedVersion]:
        if not hasattr(self, "_versions"):
            self._versions = resolve_versions(list(self.all_files()), self.policy)
        return self._versions

    # -- includes -------------------------------------------------------------------------------------
    def _check_includes(self) -> None:
        state: dict[str, str] = {}  # path -> "active" while on the stack, "done" after
        for start in sorted(self.discovered):
            if start in state:
                continue
            stack: list[tuple[str, Iterator[Include]]] = [(start, iter(self._includes_of(start)))]
            state[start] = "active"
            following: dict[str, Include] = {}  # path on the stack -> the include being followed from it
            while stack:
                path, pending = stack[-1]
                include = next(pending, None)
                if include is None:
                    state[path] = "done"
                    stack.pop()
                    continue
                target = include.path_from(path)
                if target is None:
                    continue
                if self.get(target, "requirements") is None:
                    where = f" (looked up as {target} from the project root)" if target != include.target else ""
                    self.include_problems.append(
                        IncludeProblem(
                            path,
                            include,
                            f"`{include.target}` is included but does not exist",
                            detail=f"pip stops at this line with an error{where}.",
                            help="Fix the path, or remove the include",
                        )
                    )
                    continue
                if state.get(target) == "active":
                    chain = [entry for entry, _ in stack]
                    cycle = chain[chain.index(target) :]
                    self.include_problems.append(
                        IncludeProblem(
                            path,
                            include,
                            f"including `{include.target}` closes an include cycle",
                            detail=f"The {len(cycle)} files of the cycle include one another, and pip stops with an "
                            "error when it meets a file a second time.",
                            help="Remove one of these includes",
                            related=tuple(
                                RelatedLocation(entry, following[entry].span, f"includes `{following[entry].target}`")
                                for entry in cycle
                                if entry != path and entry in following
                            ),
                        )
                    )
                    continue
                if target not in state:
                    state[target] = "active"
                    following[path] = include
                    stack.append((target, iter(self._includes_of(target))))

    def _includes_of(self, path: str) -> tuple[Include, ...]:
        file = self.get(path)
        return file.includes if file is not None else ()

    def closure(self, path: str) -> list[DependencyFile]:
        """The file, every file it includes (`-r`, `-c`, transitively), and the manifests of local
        projects it installs (`-e .`): what one install from it reads."""
        seen: set[str] = set()
        result = []
        pending = [path]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            file = self.get(current)
            if file is None:
                continue
            result.append(file)
            for include in file.includes:
                target = include.path_from(current)
                if target is not None:
                    pending.append(target)
            for requirement in file.requirements:
                if requirement.kind == "path" and requirement.url:
                    directory = self._local_directory(current, requirement.url)
                    if directory is not None:
                        for manifest in ("pyproject.toml", "setup.cfg", "setup.py"):
                            candidate = posixpath.normpath(posixpath.join(directory, manifest))
                            if candidate in self.discovered:
                                pending.append(candidate)
        return result

    @staticmethod
    def _local_directory(path: str, url: str) -> str | None:
        target = re.sub(r"\[.*\]$", "", url.split("#", 1)[0])
        target = target[7:] if target.startswith("file://") else target[5:] if target.startswith("file:") else target
        if target.startswith(("/", "~")) or "${" in target or target.lower().endswith((".whl", ".zip", ".gz")):
            return None
        return posixpath.normpath(posixpath.join(posixpath.dirname(path), target))

    def pinned_with(self, path: str, key: str) -> ResolvedVersion | None:
        """An exact pin of `key` in what an install from `path` reads (the file itself, its includes
        and constraints, the local projects it installs)."""
        for file in self.closure(path):
            for requirement in file.requirements:
                if self.policy.canonical(requirement.key) != key:
                    continue
                version = self.policy.exact_version(requirement)
                if version is not None:
                    return ResolvedVersion(version, file.path, requirement.span.line, requirement.name)
            for package in file.locked:
                if self.policy.canonical(package.key) == key:
                    return ResolvedVersion(package.version, file.path, package.line, package.name, True)
        return None

    @property
    def pins(self) -> dict[str, list[ResolvedVersion]]:
        """Every exact pin and locked version of each package, by file path order."""
        if not hasattr(self, "_pins"):
            pins: dict[str, list[ResolvedVersion]] = {}
            for file in sorted(self.all_files(), key=lambda file: file.path):
                for requirement in file.requirements:
                    version = self.policy.exact_version(requirement)
                    if version is not None:
                        resolved = ResolvedVersion(version, file.path, requirement.span.line, requirement.name)
                        pins.setdefault(self.policy.canonical(requirement.key), []).append(resolved)
                for package in file.locked:
                    if package.version:
                        resolved = ResolvedVersion(package.version, file.path, package.line, package.name, True)
                        pins.setdefault(self.policy.canonical(package.key), []).append(resolved)
            self._pins = pins
        return self._pins

    def suggestion(self, path: str, requirement: Requirement) -> ResolvedVersion | None:
        """The version to suggest for an unpinned requirement: one the requirement allows, pinned by a
        lock, else by a file in the same directory or above it (closest first), else by other files
        when they all agree."""
        candidates = [
            pin
            for pin in self.pins.get(self.policy.canonical(requirement.key), ())
            if (pin.path, pin.line) != (path, requirement.span.line) and satisfies(requirement, pin.version)
        ]
        if not candidates:
            return None
        locked = [pin for pin in candidates if pin.locked]
        directory = posixpath.dirname(path)
        related = [pin for pin in candidates if _is_ancestor(posixpath.dirname(pin.path), directory)]
        if locked or related:
            return (locked or sorted(related, key=lambda pin: -len(posixpath.dirname(pin.path))))[0]
        return candidates[0] if len({pin.version for pin in candidates}) == 1 else None

    def covered(self, path: str, key: str) -> ResolvedVersion | None:
        """Why an unpinned `key` in `path` is pinned after all: a lock file pins it, or a file the
        same install reads does."""
        key = self.policy.canonical(key)
        return self.locked.get(key) or self.pinned_with(path, key)

    def metadata_files(self) -> set[str]:
        """Requirements files a manifest reads as the package's own requirements (a setup.py naming
        them, setup.cfg's `file:`, pyproject's dynamic dependencies): library metadata, not an
        environment to pin. A name is matched as a path from the manifest's directory, or else as the
        end of a requirements file's path (`"base.txt"` joined to a directory at run time)."""
        manifests = [file for file in self.all_files() if file.metadata_sources]
        if not manifests:
            return set()
        requirement_files = [file.path for file in self.all_files() if file.format == "requirements"]
        found = set()
        for manifest in manifests:
            directory = posixpath.dirname(manifest.path)
            for name in manifest.metadata_sources:
                exact = posixpath.normpath(posixpath.join(directory, name))
                if exact in requirement_files:
                    found.add(exact)
                    continue
                found.update(path for path in requirement_files if path.endswith("/" + name.lstrip("./")))
        return found

    def own_distributions(self) -> set[str]:
        """The canonical names the project's root manifests give the project itself: a requirement on
        one of them installs the checkout's own code (examples run against the repository). A manifest
        below the root may be a vendored package, whose pins are the project's to keep."""
        names = (file.distribution for file in self.all_files() if file.distribution and "/" not in file.path)
        return {self.policy.canonical(canonicalize_name(name)) for name in names}

    def constraint_files(self) -> set[str]:
        """Files some other file reads with `-c`: their lines constrain, they do not install."""
        found = set()
        for file in list(self.all_files()):
            for include in file.includes:
                target = include.path_from(file.path)
                if include.kind == "constraint" and target is not None:
                    found.add(target)
        return found


def _is_ancestor(directory: str, of: str) -> bool:
    return directory == "" or of == directory or of.startswith(directory + "/")


def satisfies(requirement: Requirement, version: str) -> bool:
    """Whether `version` meets every clause of `requirement` (unknown syntax counts as no)."""
    for clause in requirement.clauses:
        operator, value = clause.operator, clause.version
        if operator == "||":
            return False
        if requirement.ecosystem == "conda" and operator == "=":
            operator, value = "==", value + ".*"
        try:
            # Parsed first, so that `===` compares the version as PEP 440 writes it (`v2.4` is `2.4`).
            if not VersionRange(operator + value).contains(Version(version)):
                return False
        except ValueError:  # InvalidSpecifier, InvalidVersion
            return False
    return True



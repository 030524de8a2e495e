"""The dependency policy: `rules/dependencies.yaml` made callable. Which packages matter, which
specifiers pin one version, when a VCS or URL requirement is pinned, which files are lock files."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detlint.dependency_files.pep508 import release_parts, url_fragment, vcs_of
from detlint.dependency_files.records import DependencyFile, Requirement
from detlint.finding import Confidence, Severity

if TYPE_CHECKING:
    from detlint.catalogs.loader import Catalog

MANIFEST_FORMATS = ("pyproject", "setup.cfg", "setup.py")  # where libraries declare ranges (DET402)
PINNABLE_FORMATS = ("requirements", "conda", "pipfile")  # where an application pins (DET401)
# Sections of a manifest that do not decide what gets installed (DET402 ignores them).
NOT_INSTALLED_SECTIONS = ("build-system.requires", "tool.uv.constraint-dependencies", "tool.uv.override-dependencies")


@dataclass(frozen=True)
class ExactForm:
    ecosystems: frozenset[str]
    operators: frozenset[str]
    min_release_parts: int = 0
    requires_build: bool = False


@dataclass(frozen=True)
class LockKind:
    id: str
    patterns: tuple[str, ...]
    format: str
    tool: str
    command: str
    suggest: bool
    manifests: tuple[str, ...] = ()


@dataclass(frozen=True)
class GeneratedHeader:
    pattern: re.Pattern[str]
    tool: str
    command: str
    suggest: bool
    manifests: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    ml_patterns: tuple[str, ...]
    exempt: frozenset[str]
    aliases: Mapping[str, str]
    exact_forms: tuple[ExactForm, ...]
    vcs: Mapping[str, re.Pattern[str]]
    hash_algorithms: frozenset[str]
    lock_kinds: tuple[LockKind, ...]
    headers: tuple[GeneratedHeader, ...]
    severities: Mapping[str, Severity]
    path_confidence: tuple[tuple[str, Confidence], ...] = ()
    import_names: tuple[tuple[str, tuple[str, ...]], ...] = ()
    used_through: tuple[str, ...] = ()

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Policy:
        def section(name: str):
            return catalog.entries("dependencies", name)

        return cls(
            ml_patterns=tuple(pattern for entry in section("ml_packages") for pattern in entry["patterns"]),
            exempt=frozenset(name for entry in section("exempt_packages") for name in entry["names"]),
            aliases={name: entry["canonical"] for entry in section("aliases") for name in entry["names"]},
            exact_forms=tuple(
                ExactForm(
                    frozenset(entry["ecosystems"]),
                    frozenset(entry["operators"]),
                    entry.get("min_release_parts", 0),
                    entry.get("requires_build", False),
                )
                for entry in section("exact_forms")
            ),
            vcs={scheme: re.compile(entry["pinned_revision"]) for entry in section("vcs") for scheme in entry["schemes"]},
            hash_algorithms=frozenset(name for entry in section("url_hashes") for name in entry["algorithms"]),
            lock_kinds=tuple(
                LockKind(
                    entry.id, tuple(entry["patterns"]), entry["format"], entry.get("tool", entry.id),
                    entry.get("command", ""), entry.get("suggest", False), tuple(entry.get("manifests", ())),
                )
                for entry in section("lock_files")
            ),  # fmt: skip
            headers=tuple(
                GeneratedHeader(
                    re.compile(entry["pattern"]), entry["tool"], entry.get("command", ""),
                    entry.get("suggest", False), tuple(entry.get("manifests", ())),
                )
                for entry in section("generated_headers")
            ),
            severities={entry.id: Severity(entry["severity"]) for entry in section("severities")},
            path_confidence=tuple(
                (pattern, Confidence(entry["confidence"]))
                for entry in section("path_confidence")
                for pattern in entry["directories"]
            ),
            import_names=tuple(
                (pattern, tuple(entry["modules"])) for entry in section("import_names") for pattern in entry["names"]
            ),
            used_through=tuple(pattern for entry in section("used_through") for pattern in entry["names"]),
        )

    # -- packages ------------------------------------------------------------------------------------
    def canonical(self, key: str) -> str:
        return self.aliases.get(key, key)

    def is_ml(self, key: str) -> bool:
        names = {key, self.canonical(key)}
        return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in self.ml_patterns)

    def is_exempt(self, key: str) -> bool:
        return key in self.exempt or self.canonical(key) in self.exempt

    def reported(self, key: str, deps: str) -> bool:
        """Whether an unpinned `key` is reported under `deps = "ml" | "all"`."""
        if not key or self.is_exempt(key):
            return False
        return deps == "all" or self.is_ml(key)

    def modules_of(self, key: str) -> tuple[str, ...]:
        """The top-level modules the package installs: the catalog's, else its name with `_` for `-`."""
        name = self.canonical(key)
        for pattern, modules in self.import_names:
            if fnmatch.fnmatchcase(name, pattern):
                return modules
        return (name.replace("-", "_"),)

    def is_used_through(self, key: str) -> bool:
        """Whether other packages of the stack import this one while a project runs (NumPy, Triton)."""
        names = {key, self.canonical(key)}
        return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in self.used_through)

    def severity_for(self, key: str) -> Severity:
        return self.severities["ml-stack" if self.is_ml(key) else "other-packages"]

    def confidence_for(self, path: str) -> Confidence | None:
        """A lower confidence for files under directories such as `docs/`, where a requirements
        file builds documentation rather than the environment results come from."""
        directories = path.split("/")[:-1]
        for pattern, confidence in self.path_confidence:
            if any(fnmatch.fnmatchcase(directory, pattern) for directory in directories):
                return confidence
        return None

    # -- pins ----------------------------------------------------------------------------------------
    def exact_version(self, requirement: Requirement) -> str | None:
        """The one version a registry requirement allows, or None when it allows more."""
        if requirement.kind != "registry":
            return None
        for clause in requirement.clauses:
            if "*" in clause.version or clause.operator == "||":
                continue
            for form in self.exact_forms:
                if requirement.ecosystem not in form.ecosystems or clause.operator not in form.operators:
                    continue
                if form.min_release_parts and release_parts(clause.version) < form.min_release_parts:
                    continue
                if form.requires_build and not requirement.build:
                    continue
                return clause.version
        return None

    def vcs_scheme(self, requirement: Requirement) -> str:
        return vcs_of(requirement.url) or "git"  # source tables (Poetry, uv, Pipfile) name git

    def vcs_pinned(self, requirement: Requirement) -> bool:
        if requirement.revision_kind in ("tag", "branch"):
            return False
        pattern = self.vcs.get(self.vcs_scheme(requirement))
        return bool(pattern and requirement.revision and pattern.fullmatch(requirement.revision))

    def url_hashed(self, requirement: Requirement) -> bool:
        return bool(requirement.hashes) or any(key in self.hash_algorithms for key in url_fragment(requirement.url))

    # -- lock files ---------------------------------------------------------------------------------
    def lock_kind_for_name(self, path: str) -> LockKind | None:
        name = posixpath.basename(path)
        return next(
            (kind for kind in self.lock_kinds if any(fnmatch.fnmatchcase(name, p) for p in kind.patterns)), None
        )

    def lock_tool(self, file: DependencyFile) -> str | None:
        """The tool that wrote `file` when it is a lock file (or a generated, fully pinned
        requirements file), else None."""
        if file.format == "requirements":
            for header in self.headers:
                if file.header and header.pattern.search(file.header):
                    return header.tool
            kind = self.lock_kind_for_name(file.path)
            return kind.tool if kind and kind.format == "requirements" else None
        if file.format in ("pyproject", "setup.cfg", "setup.py", "conda", "pipfile"):
            return None
        return next((kind.tool for kind in self.lock_kinds if kind.format == file.format), file.format)

    def lock_commands(self, tools: Iterable[str], manifest: str) -> list[str]:
        """Commands that write a lock for `manifest` (a file name): the one of the tool that
        manages the project, else the suggested ones that read such a manifest."""
        tools = set(tools)
        kinds: list[LockKind | GeneratedHeader] = [*self.lock_kinds, *self.headers]
        matching = [kind for kind in kinds if kind.tool in tools and kind.command]
        if not matching:
            matching = [kind for kind in kinds if kind.suggest and kind.command]
        name = posixpath.basename(manifest)
        return [
            kind.command.replace("{manifest}", name)
            for kind in matching
            if not kind.manifests or name in kind.manifests
        ][:2]

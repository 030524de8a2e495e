"""The project index: every file's facts together, the call graph over them, and the entry points."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from detlint.config import Settings
from detlint.dependency_files import DependencyFile, ResolvedVersion
from detlint.facts.model import Event, EventKind, FileFacts
from detlint.finding import RelatedLocation, Span
from detlint.project.callgraph import CallGraph, Reached
from detlint.project.dependencies import ProjectDeps, satisfies
from detlint.project.disk import ProjectFiles
from detlint.project.entry_points import EntryPoint, find_entry_points, results_not_kept
from detlint.results import FileResult
from detlint.versions import VersionRange


@dataclass
class ProjectIndex:
    files: dict[str, FileFacts] = field(default_factory=dict)  # Python files, by display path
    dependency_files: dict[str, DependencyFile] = field(default_factory=dict)  # by display path
    settings: Settings = field(default_factory=Settings)
    _reach_cache: dict[tuple[str, str | None], list[Reached]] = field(default_factory=dict, repr=False)
    _kept_cache: dict[tuple[str, str | None], bool] = field(default_factory=dict, repr=False)
    _events_of: dict[EventKind, list[tuple[FileFacts, Event]]] = field(default_factory=dict, repr=False)

    @cached_property
    def disk(self) -> ProjectFiles:
        """What the project pass reads beyond the analysed files, remembered for the saved pass."""
        return ProjectFiles(self.settings.root)

    @classmethod
    def build(cls, results: Iterable[FileResult], settings: Settings) -> ProjectIndex:
        results = list(results)
        return cls(
            files={result.path: result.facts for result in results if result.facts},
            dependency_files={result.path: result.dependencies for result in results if result.dependencies},
            settings=settings,
        )

    @cached_property
    def dependencies(self) -> ProjectDeps:
        """The project's dependency files seen together (built once: the DET4 rules share it)."""
        return ProjectDeps.build(self)

    @cached_property
    def versions(self) -> dict[str, ResolvedVersion]:
        """Exact versions the project's dependency files pin or lock, by normalized package name."""
        return dict(self.dependencies.versions)

    def framework_version(self, package: str) -> tuple[str | None, str]:
        """The version of a framework to judge against, and where it comes from: `target-versions`,
        then the project's pins and locks; None (with "newest catalogued release") when unknown."""
        if package in self.settings.target_versions:
            return self.settings.target_versions[package], "target-versions"
        resolved = self.versions.get(package)
        if resolved is not None:
            return resolved.version, f"{resolved.path}:{resolved.line}"
        return None, "the newest catalogued release"

    @cached_property
    def _ranged_requirements(self) -> dict[str, list]:
        """The requirements with a version condition in every dependency file, by package key (read once:
        DET101 asks for each draw)."""
        by_key: dict[str, list] = {}
        for file in self.dependencies.all_files():
            for requirement in file.requirements:
                if requirement.clauses:
                    by_key.setdefault(requirement.key, []).append(requirement)
        return by_key

    def may_install(self, package: str, versions: VersionRange) -> bool:
        """Whether the project's requirements of a package it does not pin (`tensorflow~=2.14.0`) allow a
        release in `versions`: its lowest release or a far later one satisfies them all. No requirement
        allows every release."""
        requirements = self._ranged_requirements.get(package, [])
        lowest = next((spec.version for spec in versions if spec.operator in (">=", "==", "~=")), None)
        candidates = [candidate for candidate in (lowest, "9999") if candidate]
        return not requirements or any(
            all(satisfies(requirement, candidate) for requirement in requirements) for candidate in candidates
        )

    def version_pin(self, package: str) -> RelatedLocation | None:
        """Where the project pins the framework version judged against (None for `target-versions` or
        the newest catalogued release)."""
        if package in self.settings.target_versions:
            return None
        resolved = self.versions.get(package)
        if resolved is None:
            return None
        what = "locked" if resolved.locked else "pinned"
        span = Span(resolved.line, 0, resolved.line, 0)
        return RelatedLocation(resolved.path, span, f"{package} {resolved.version} is {what} here")

    def events(self, kind: EventKind) -> Iterator[tuple[FileFacts, Event]]:
        """Every event of a kind in the project, reached by an entry point or not (found once per
        kind: several rules ask)."""
        if kind not in self._events_of:
            self._events_of[kind] = [
                (facts, event)
                for facts in self.files.values()
                for scope in facts.scopes.values()
                for event in scope.events
                if event.kind is kind
            ]
        return iter(self._events_of[kind])

    @cached_property
    def graph(self) -> CallGraph:
        return CallGraph(self.files)

    @cached_property
    def entry_points(self) -> tuple[EntryPoint, ...]:
        return find_entry_points(self)

    def reach(self, entry: EntryPoint) -> list[Reached]:
        """Seeding and RNG events on an entry point's path, in execution order (computed once)."""
        key = (entry.path, entry.start)
        if key not in self._reach_cache:
            self._reach_cache[key] = self.graph.reach(entry.facts, entry.start)
        return self._reach_cache[key]

    def keeps_results(self, entry: EntryPoint) -> bool:
        """Whether someone keeps what the entry point's run computes (`results_not_kept`; computed once:
        every run-hazard rule asks)."""
        key = (entry.path, entry.start)
        if key not in self._kept_cache:
            self._kept_cache[key] = not results_not_kept(self, entry, self.reach(entry))
        return self._kept_cache[key]

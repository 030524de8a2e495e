"""The project index: every file's facts together, the call graph over them, and the entry points."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from detlint.project.callgraph import CallGraph, Reached
from detlint.config import Settings
from detlint.dependency_files import DependencyFile, ResolvedVersion
from detlint.project.dependencies import project_versions
from detlint.results import FileResult
from detlint.facts.model import Event, EventKind, FileFacts, Site
from detlint.finding import Edit, Fix, Span
from detlint.project.disk import ProjectFiles

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class EntryPoint:
    """Where a run starts: a module's top level, then optionally one of its functions."""

    facts: FileFacts
    kind: str  # "main-guard", "script", "notebook", "project-script", "configured"
    start: str | None = None

    @property
    def path(self) -> str:
        return self.facts.path

    def describe(self) -> str:
        where = f"`{self.facts.module}:{self.start}`" if self.start else f"`{self.path}`"
        return {
            "main-guard": f"{where} (its `if __name__ == \"__main__\":` block)",
            "script": f"{where} (a script: it runs code at module level)",
            "notebook": f"{where} (a notebook)",
            "project-script": f"{where} ([project.scripts])",
            "configured": f"{where} (configured entry point)",
        }[self.kind]


@dataclass
class ProjectIndex:
    files: dict[str, FileFacts] = field(default_factory=dict)  # Python files, by display path
    dependency_files: dict[str, DependencyFile] = field(default_factory=dict)  # by display path
    settings: Settings = field(default_factory=Settings)
    _reach_cache: dict[tuple[str, str | None], list[Reached]] = field(default_factory=dict, repr=False)
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
    def versions(self) -> dict[str, ResolvedVersion]:
        """Exact versions the project's dependency files pin or lock, by normalized package name."""
        return project_versions(self)

    def framework_version(self, package: str) -> tuple[str | None, str]:
        """The version of a framework to judge against, and where it comes from: `target-versions`,
        then the project's pins and locks; None (with "newest catalogued release") when unknown."""
        if package in self.settings.target_versions:
            return self.settings.target_versions[package], "target-versions"
        resolved = self.versions.get(package)
        if resolved is not None:
            return resolved.version, f"{resolved.path}:{resolved.line}"
        return None, "the newest catalogued release"

    def first_site_importing(self, chain: tuple[Site, ...], package: str) -> Site:
        """The first site on a call chain in a file that imports the package: where the package's
        behaviour enters an entry point's flow in code that knows about it (the entry script itself
        when it does), so that a file that never imports the package gets no finding about it."""
        for site in chain:
            facts = self.files.get(site.path)
            if facts is not None and any(module.split(".")[0] == package for module in facts.imports):
                return site
        return chain[-1]

    def insertion_fix(self, site: Site, module: str, code: str, description: str) -> Fix | None:
        """An (unsafe) fix inserting `code` as its own line before the statement at `site`, written
        with the name the site's file binds to `module` (`np.random.seed(0)` under `import numpy as np`);
        None when the file binds no such name."""
        facts = self.files.get(site.path)
        if facts is None or facts.is_notebook:
            return None
        head, _, rest = code.partition(".")
        local = next((name for name, full in facts.bindings.items() if full == head), None)
        if head != module or local is None:
            return None
        line = site.statement_lines[0]
        edit = Edit(Span(line, 0, line, 0), f"{site.indent}{local}.{rest}\n")
        return Fix(description, (edit,), safe=False)

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
        found: dict[tuple[str, str | None], EntryPoint] = {}
        for entry in (*self._configured_entry_points(), *self._project_scripts(), *self._discovered_entry_points()):
            found.setdefault((entry.path, entry.start), entry)
        return tuple(sorted(found.values(), key=lambda entry: (entry.path, entry.start or "")))

    def reach(self, entry: EntryPoint) -> list[Reached]:
        """Seeding and RNG events on an entry point's path, in execution order (computed once)."""
        key = (entry.path, entry.start)
        if key not in self._reach_cache:
            self._reach_cache[key] = self.graph.reach(entry.facts, entry.start)
        return self._reach_cache[key]

    def _discovered_entry_points(self) -> Iterable[EntryPoint]:
        imported = self.graph.imported_modules() if self.settings.mode == "application" else set()
        for facts in self.files.values():
            if facts.is_test:
                continue
            if facts.is_notebook:
                yield EntryPoint(facts, "notebook")
            elif facts.has_main_guard:
                yield EntryPoint(facts, "main-guard")
            elif self.settings.mode == "application" and facts.runs_work and facts.module not in imported:
                yield EntryPoint(facts, "script")

    def _project_scripts(self) -> Iterable[EntryPoint]:
        """`[project.scripts] name = "pkg.cli:main"` in the root pyproject.toml."""
        try:
            document = tomllib.loads((self.disk.read("pyproject.toml") or b"").decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            return  # absent or broken: the dependency pass reports a broken file
        scripts = document.get("project", {}).get("scripts", {})
        for target in scripts.values() if isinstance(scripts, dict) else ():
            entry = self._entry_for(str(target), "project-script")
            if entry is not None:
                yield entry

    def _configured_entry_points(self) -> Iterable[EntryPoint]:
        for target in self.settings.entry_points:
            entry = self._entry_for(target, "configured")
            if entry is not None:
                yield entry

    def _entry_for(self, target: str, kind: str) -> EntryPoint | None:
        """`path/to/train.py`, `pkg.module` or `pkg.module:function`."""
        if target.endswith((".py", ".ipynb")):
            facts = self.files.get(target.replace("\\", "/").removeprefix("./"))
            return EntryPoint(facts, kind) if facts else None
        module, _, function = target.partition(":")
        facts = self.graph.modules.get(module.strip())
        if facts is None:
            return None
        start = function.strip().split(".")[0] or None  # `module:object.attr` starts at the object
        return EntryPoint(facts, kind, start)

"""Where a run starts: `if __name__ == "__main__":` blocks, guard-less scripts, notebooks,
`[project.scripts]` targets and configured `entry-points`."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detlint.catalogs.loader import load_catalog
from detlint.facts.model import MODULE_SCOPE, EventKind, FileFacts, is_side_script_path, is_tooling_path
from detlint.finding import RelatedLocation, Span

if TYPE_CHECKING:
    from detlint.project.callgraph import Reached
    from detlint.project.index import ProjectIndex


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


    def related(self) -> RelatedLocation:
        """Where the entry point is, for findings about its path: the `if __name__ == "__main__":`
        line of a main guard, else the top of its file."""
        guard = self.facts.main_guard if self.kind == "main-guard" else None
        line, column = (guard.span.line, guard.span.column) if guard else (1, 0)
        span = Span(line, column, line, column)
        what = {
            "main-guard": 'its `if __name__ == "__main__":` block',
            "script": "a script (it runs code at module level)",
            "notebook": "a notebook",
            "project-script": f"`{self.facts.module}:{self.start}` in [project.scripts]",
            "configured": f"`{self.facts.module}:{self.start}`, configured" if self.start else "configured",
        }[self.kind]
        return RelatedLocation(self.path, span, f"entry point: {what}")


def results_not_kept(index: ProjectIndex, entry: EntryPoint, reached: Sequence[Reached]) -> bool:
    """A run whose results nobody keeps, so that its seeding and deterministic mode do not matter: a
    side script (`is_side_script_path`: a benchmark, a demo, an export), a script of the documentation
    tree (`docs/`, a documentation gallery's example) or of the repository's tooling (`.github/`); a run
    whose path reads no data from the world (no `data_sources` call that reads: no file, dataset,
    environment or download) but draws random values, an API demo or a smoke test on random tensors,
    whether or not it saves what it computes; a run that traces or exports a model, trains nothing
    and reads nothing but stored weights (it keeps a program); a PyTorch package module's `if __name__ ==
    "__main__":` block whose path never updates a model's weights (`python -m pkg.model` runs the model,
    maybe one backward pass, on random input). A notebook, and an entry point the configuration
    declares, are always runs."""
    if entry.kind in ("notebook", "configured"):
        return False
    if is_side_script_path(entry.path) or is_tooling_path(entry.path) or {"docs", "doc"} & set(entry.path.split("/")[:-1]):
        return True
    if entry.facts.is_illustration:
        return True
    if not reads_data(reached) and any(
        item.event.kind is EventKind.RNG and dict(item.event.data).get("draws_values") for item in reached
    ):
        return True
    if _only_exports(reached):
        return True
    package = entry.path.rpartition("/")[0]
    if entry.kind != "main-guard" or not package or f"{package}/__init__.py" not in index.files:
        return False
    if not any(name == "torch" or name.startswith("torch.") for name in entry.facts.imports):
        return False  # the self-check idiom is PyTorch's; JAX and TensorFlow updates are not all catalogued
    updates = load_catalog().call_paths.weight_updates
    return not any(item.event.kind is EventKind.TRAIN and item.event.subject in updates for item in reached)


def reads_data(reached: Sequence[Reached], besides: frozenset[str] = frozenset()) -> bool:
    """Whether a path reaches a `data_sources` call that reads something (not a result written, nor a
    model built without stored weights), other than calls with one of the flags `besides`."""
    ignored = {"reads_nothing", "writes", *besides}
    return any(item.event.kind is EventKind.DATA and not ignored & set(dict(item.event.data)) for item in reached)


def _only_exports(reached: Sequence[Reached]) -> bool:
    """Whether a path traces or exports a model (`torch.jit.trace`, `torch.onnx.export`), trains
    nothing and reads nothing but stored weights: it keeps a program, which the example input it
    draws does not change."""
    exports = any(item.event.kind is EventKind.DATA and dict(item.event.data).get("exports") for item in reached)
    return (
        exports
        and not reads_data(reached, besides=frozenset({"loads_weights", "model"}))
        and not any(item.event.kind is EventKind.TRAIN for item in reached)
    )


def serves_only_unkept_runs(index: ProjectIndex, path: str) -> bool:
    """Whether a file below the project root sits above entry points whose results nobody keeps, and
    above no other (the requirements file of an `examples/ddp/` demo on random tensors). A run that seems
    to read nothing is not enough: it may read through code the call graph does not follow (an RPC)."""
    directory = path.rpartition("/")[0]
    entries = [entry for entry in index.entry_points if directory and entry.path.startswith(directory + "/")]
    return bool(entries) and not any(index.keeps_results(entry) for entry in entries)


def find_entry_points(index: ProjectIndex) -> tuple[EntryPoint, ...]:
    """Every entry point once, by path and start: an entry declared twice is one entry point, and so is
    a module's `if __name__ == "__main__":` block that calls the function a declared entry starts at."""
    found: dict[tuple[str, str | None], EntryPoint] = {}
    for entry in (*_configured(index), *_project_scripts(index), *_discovered(index)):
        found.setdefault((entry.path, entry.start), entry)
    declared = [entry for entry in found.values() if entry.start is not None]
    for entry in declared:
        guard = found.get((entry.path, None))
        if guard is not None and guard.kind == "main-guard" and _guard_calls(guard.facts, entry.start):
            del found[(entry.path, None)]  # `python -m pkg.cli` and the `train` script are one run
    return tuple(sorted(found.values(), key=lambda entry: (entry.path, entry.start or "")))


def _guard_calls(facts: FileFacts, function: str) -> bool:
    """Whether the module's `if __name__ == "__main__":` block calls one of its own functions."""
    target = f"{facts.module}.{function}"
    return any(
        event.guarded and event.kind is EventKind.CALL and event.subject == target
        for event in facts.scopes[MODULE_SCOPE].events
    )


def _discovered(index: ProjectIndex) -> Iterable[EntryPoint]:
    imported = index.graph.imported_modules() if index.settings.mode == "application" else set()
    for facts in index.files.values():
        if facts.is_test:
            continue
        if facts.is_notebook:
            yield EntryPoint(facts, "notebook")
        elif facts.has_main_guard:
            yield EntryPoint(facts, "main-guard")
        elif index.settings.mode == "application" and facts.runs_work and facts.module not in imported:
            yield EntryPoint(facts, "script")


def _project_scripts(index: ProjectIndex) -> Iterable[EntryPoint]:
    """`[project.scripts] name = "pkg.cli:main"` in the root pyproject.toml."""
    try:
        document = tomllib.loads((index.disk.read("pyproject.toml") or b"").decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return  # absent or broken: the dependency pass reports a broken file
    scripts = document.get("project", {}).get("scripts", {})
    for target in scripts.values() if isinstance(scripts, dict) else ():
        entry = _entry_for(index, str(target), "project-script")
        if entry is not None:
            yield entry


def _configured(index: ProjectIndex) -> Iterable[EntryPoint]:
    for target in index.settings.entry_points:
        entry = _entry_for(index, target, "configured")
        if entry is not None:
            yield entry


def _entry_for(index: ProjectIndex, target: str, kind: str) -> EntryPoint | None:
    """`path/to/train.py`, `pkg.module` or `pkg.module:function`."""
    if target.endswith((".py", ".ipynb")):
        facts = index.files.get(target.replace("\\", "/").removeprefix("./"))
        return EntryPoint(facts, kind) if facts else None
    module, _, function = target.partition(":")
    facts = index.graph.modules.get(module.strip())
    if facts is None:
        return None
    start = function.strip().split(".")[0] or None  # `module:object.attr` starts at the object
    return EntryPoint(facts, kind, start)

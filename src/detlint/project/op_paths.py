"""What the op and determinism-mode rules share: per entry point, the deterministic-mode level,
CUDA use and environment it sets on its path; per op call site, the entry points that reach it; and
the catalog entry and status of each op in the project's framework version."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from detlint.catalogs.loader import load_catalog
from detlint.catalogs.ops import OpEntry, OpIndex, Status
from detlint.facts.model import Event, EventKind, FileFacts
from detlint.facts.switches import CUDA_QUERIES, CUDA_STARTS
from detlint.finding import Confidence, RelatedLocation, short_code
from detlint.project.callgraph import Reached
from detlint.project.entry_points import EntryPoint
from detlint.project.index import ProjectIndex
from detlint.project.sites import landing

_LEVELS = {"off": 0, "warn": 1, "error": 2}


@dataclass
class EntryState:
    """What one entry point's path does about determinism."""

    entry: EntryPoint
    reached: list[Reached]

    def events(self, kind: EventKind, subject: str | None = None) -> list[Reached]:
        return [r for r in self.reached if r.event.kind is kind and (subject is None or r.event.subject == subject)]

    def mode(self, framework: str) -> str | None:
        """The strongest deterministic-mode level the path sets for a framework (None: never set)."""
        levels = [r.event.detail for r in self.events(EventKind.MODE, framework)]
        return max(levels, key=_LEVELS.__getitem__) if levels else None

    def mode_setting(self, framework: str, level: str) -> Reached | None:
        return next((r for r in self.events(EventKind.MODE, framework) if r.event.detail == level), None)

    @cached_property
    def first_cuda(self) -> Reached | None:
        """The first place the path uses (or asks for) a CUDA device; asking whether CUDA is there
        does not count."""
        return next((r for r in self.events(EventKind.CUDA) if r.event.detail != CUDA_QUERIES), None)

    @cached_property
    def cuda_start(self) -> Reached | None:
        """The first place the path starts CUDA work (environment variables are read by then)."""
        return next((r for r in self.events(EventKind.CUDA) if r.event.detail == CUDA_STARTS), None)

    def env(self, name: str) -> list[Reached]:
        return self.events(EventKind.ENV, name)

    def position(self, reached: Reached) -> int:
        return next(index for index, item in enumerate(self.reached) if item is reached)


def entry_states(index: ProjectIndex) -> list[EntryState]:
    return [EntryState(entry, index.reach(entry)) for entry in index.entry_points]


@dataclass(frozen=True)
class OpUse:
    facts: FileFacts
    event: Event
    entry: OpEntry
    status: Status
    reaching: tuple[tuple[EntryState, Reached], ...]  # entry points whose path calls it


class OpCatalogView:
    """One op catalog in the project's framework version."""

    def __init__(self, index: ProjectIndex, catalog: str) -> None:
        self.ops: OpIndex = load_catalog().ops[catalog]
        self.package = self.ops.coverage.package
        self.version, self.version_source = index.framework_version(self.package)
        self._by_id = {entry.id: entry for entry in self.ops.entries}
        self.prefix = f"{catalog}:"

    def pin(self, index: ProjectIndex) -> list[RelatedLocation]:
        """Where the project pins the version judged against, if it does."""
        pin = index.version_pin(self.package) if self.version else None
        return [pin] if pin is not None else []

    @property
    def version_text(self) -> str:
        shown = self.version or (str(self.ops.coverage.latest) if self.ops.coverage.latest else "recent versions")
        return f"{self.ops.coverage.title} {shown}"

    def uses(self, index: ProjectIndex, states: list[EntryState]) -> Iterator[OpUse]:
        reaching: dict[int, list[tuple[EntryState, Reached]]] = {}
        for state in states:
            for reached in state.events(EventKind.OP):
                reaching.setdefault(id(reached.event), []).append((state, reached))
        for facts, event in index.events(EventKind.OP):
            if not event.subject.startswith(self.prefix):
                continue
            entry = self._by_id.get(event.subject[len(self.prefix) :])
            status = self.ops.status(entry, self.version) if entry else None
            if entry is not None and status is not None:
                yield OpUse(facts, event, entry, status, tuple(reaching.get(id(event), ())))

    def properties(self, use: OpUse) -> dict:
        """What `detlint probe` needs to replay the op."""
        return {
            "catalog": use.entry.catalog,
            "op": use.entry.id,
            "probe": use.entry.probe,
            "arguments": dict(use.event.data),
            "framework": self.package,
            "framework_version": self.version,
        }


def describe_entries(states: list[EntryState]) -> str:
    names = [state.entry.describe() for state in states]
    return ", ".join(names[:2]) + (f" and {len(names) - 2} more" if len(names) > 2 else "")


def device_text(entry: OpEntry) -> str:
    where = {"cuda": "on CUDA", "cpu": "on CPU", "any": "on CPU and CUDA"}[entry.device]
    return where + ({"backward": " (in the backward pass)", "both": ""}.get(entry.pass_ or "", ""))


def unprotected_op_findings(rule, index: ProjectIndex, catalog: str, protected) -> Iterator:
    """Findings for op calls that some entry point reaches without the framework's deterministic mode
    (`protected(state, use)` says whether a path has it for that op), or that no entry point reaches."""
    view = OpCatalogView(index, catalog)
    states = entry_states(index)
    for use in view.uses(index, states):
        if use.status.default == "deterministic":
            continue  # deterministic in this version even without the mode
        exposed = [(state, reached) for state, reached in use.reaching if not protected(state, use)]
        if use.reaching and not exposed:
            continue
        confidence = use.event.confidence
        states_without = [state for state, _ in exposed]
        if not use.reaching:
            confidence = Confidence.LOW if index.settings.mode == "application" else confidence.lowered()
            hazard = ", and no entry point reaches it"
            where = "No entry point of this project reaches it, so its callers must enable deterministic mode."
        else:
            if use.entry.device == "cuda" and not any(state.first_cuda for state in states_without):
                confidence = Confidence.LOW  # nothing on these paths asks for CUDA: it likely runs on CPU
            hazard = " without deterministic mode"
            where = f"It is reached without deterministic mode from {describe_entries(states_without)}."
        site = use.event.site
        yield rule.finding(
            site.path,
            site.span,
            f"`{short_code(site.anchor)}` is nondeterministic {device_text(use.entry)}{hazard}",
            detail=f"It runs {use.entry.op}. {where} {mode_advice(view, use)}",
            help=use.entry.alternative,
            anchor=f"{use.entry.id}:{site.anchor}",
            scope=site.scope,
            confidence=confidence,
            statement_lines=site.statement_lines,
            related=[*entry_locations(states_without), *view.pin(index)],
            properties=view.properties(use),
        )


def entry_locations(states: list[EntryState], limit: int = 3) -> list[RelatedLocation]:
    """Where the first few entry points are, as related locations."""
    return [state.entry.related() for state in states[:limit]]


def mode_advice(view: OpCatalogView, use: OpUse) -> str:
    """What the framework's deterministic mode does with the op in the project's version."""
    mode = "deterministic mode"
    verdict = use.status.deterministic_mode
    if verdict == "deterministic":
        return f"In {view.version_text}, {mode} makes it deterministic."
    if verdict == "raises":
        return f"In {view.version_text} it has no deterministic implementation: {mode} makes it raise an error."
    return f"In {view.version_text}, {mode} does not cover it."


TF_DETERMINISM_VARIABLES = ("TF_DETERMINISTIC_OPS",)


def torch_mode_covers(state: EntryState, use: OpUse) -> bool:
    """Deterministic mode covers the op: on, or warn-only where the op has a deterministic
    implementation (warn-only changes only what happens to ops without one)."""
    level = state.mode("torch")
    return level == "error" or (level == "warn" and use.status.deterministic_mode == "deterministic")


def tf_determinism_on(state: EntryState, use: OpUse | None = None) -> bool:
    """`enable_op_determinism()` (or a helper that calls it), or `TF_DETERMINISTIC_OPS=1`."""
    if state.mode("tensorflow") == "error":
        return True
    return any(
        reached.event.detail.lower() in ("1", "true")
        for name in TF_DETERMINISM_VARIABLES
        for reached in state.env(name)
    )


def entry_finding(
    rule, index: ProjectIndex, state: EntryState, anchor: Reached, package: str, message: str, fix_code: str = "", **extra
):
    """A finding about an entry point's path, placed where the anchor event enters it in code that
    imports the package (so a file that never imports the framework gets no finding), with the entry
    point among its related locations. `fix_code`, a statement to insert before it, becomes an unsafe
    fix when the place is in the entry's own file."""
    site, fix = landing(index, state.entry, anchor.chain, package, fix_code, f"insert `{fix_code}`")
    if fix is not None:
        extra["fix"] = fix
    extra["related"] = [*extra.get("related", ()), state.entry.related()]
    return rule.finding(
        site.path,
        site.span,
        message,
        anchor=f"{state.entry.path}:{state.entry.start}:{site.anchor}",
        scope=site.scope,
        confidence=extra.pop("confidence", anchor.confidence),
        statement_lines=site.statement_lines,
        **extra,
    )

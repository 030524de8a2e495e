"""What the op and determinism-mode rules share: per entry point, the deterministic-mode level,
CUDA use and environment it sets on its path; per op call site, the entry points that reach it; and
the catalog entry and status of each op in the project's framework version."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

from detlint.catalogs.loader import load_catalog
from detlint.catalogs.ops import OpEntry, OpIndex, Status
from detlint.facts.model import KERAS_OP, REPEATABLE, Event, EventKind, FileFacts
from detlint.facts.switches import CUDA_QUERIES, CUDA_STARTS, CUDNN_MODE
from detlint.finding import Confidence, RelatedLocation, Span, short_code
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

    def trains(self, framework: str) -> bool:
        """The path trains with the framework (a backward pass, an optimizer step, a fit loop, outside
        no_grad): the framework's backward-only ops run only on such paths."""
        return any(
            r.event.kind is EventKind.TRAIN
            and r.event.detail == framework
            and not r.without_backward
            and (framework != "tensorflow" or self.runs_on_tensorflow(r.event))
            for r in self.reached
        )

    @cached_property
    def learns(self) -> bool:
        """The path trains something, with any framework (outside no_grad), or builds a model's layers
        (whose training may run where the call graph does not follow, as a custom loop behind a
        framework callback): what it is fed, in what order, may change a model."""
        return any(
            (r.event.kind is EventKind.TRAIN and not r.without_backward)
            or (r.event.kind is EventKind.RNG and dict(r.event.data).get("initialises_weights"))
            for r in self.reached
        )

    @cached_property
    def keras_backend(self) -> str:
        """The backend Keras 3 runs on along the path: the value the path last gives the backend
        variable (`os.environ["KERAS_BACKEND"] = "jax"`), else the default (TensorFlow)."""
        setting = load_catalog().entries("tf_ops", "keras_backend")[0]
        written = [reached.event.detail for reached in self.env(setting["environment"]) if reached.event.detail]
        return written[-1].lower() if written else setting["default"]

    def runs_on_tensorflow(self, event: Event) -> bool:
        """False for a call into standalone Keras (a layer, a loss, `fit`) on a path that runs Keras
        on another backend (JAX, PyTorch); `tf.keras` always runs on TensorFlow."""
        return self.keras_backend == "tensorflow" or not dict(event.data).get(KERAS_OP)

    @cached_property
    def outside_model(self) -> Reached | None:
        """Where the path first builds or loads a model whose layers detlint cannot see into
        (`from_pretrained`, `timm.create_model`: `data_sources` marked `model`)."""
        return next((r for r in self.events(EventKind.DATA) if dict(r.event.data).get("model")), None)

    @cached_property
    def first_cuda(self) -> Reached | None:
        """The first place the path uses (or asks for) a CUDA device; asking whether CUDA is there
        does not count."""
        return next(
            (
                r
                for r in self.events(EventKind.CUDA)
                if r.event.detail != CUDA_QUERIES
                and not (dict(r.event.data).get("module_constant") and r.event.site.path != self.entry.path)
            ),
            None,
        )

    @cached_property
    def cuda_start(self) -> Reached | None:
        """The first place the path starts CUDA work (environment variables are read by then)."""
        return next((r for r in self.events(EventKind.CUDA) if r.event.detail == CUDA_STARTS), None)

    def env(self, name: str) -> list[Reached]:
        return self.events(EventKind.ENV, name)

    def position(self, reached: Reached) -> int:
        return next(index for index, item in enumerate(self.reached) if item is reached)

    def seeded_before(self, library: str, reached: Reached) -> bool:
        """Whether the path seeds a library's global generator before it reaches an event (in any branch:
        the order the path's events come in, not which branches a run takes)."""
        for item in self.reached:
            if item is reached:
                return False
            if item.event.kind is EventKind.SEED and library in item.event.covers:
                return True
        return False


def entry_states(index: ProjectIndex) -> list[EntryState]:
    return [EntryState(entry, index.reach(entry)) for entry in index.entry_points]


@dataclass(frozen=True)
class OpUse:
    facts: FileFacts
    event: Event
    entry: OpEntry
    status: Status
    reaching: tuple[tuple[EntryState, Reached], ...]  # entry points whose path calls it (and trains, for backward ops)
    # A backward op reached only under no_grad or on paths that never train: its backward pass is not seen to run.
    forward_only: bool = False
    variants: tuple[str, ...] = ()  # the ops of the entries that matched the call and fare as badly, when several did

    @property
    def op_name(self) -> str:
        """The op as a message names it: `scatter_add`, not one variant's `scatter_add (1-D input)`,
        when variants that depend on the inputs' shapes all matched."""
        if len(self.variants) < 2:
            return self.entry.op
        qualifiers = " or ".join(variant.partition(" (")[2].removesuffix(")") for variant in self.variants)
        return f"{self.entry.op.partition(' (')[0]} ({qualifiers})"


class OpCatalogView:
    """One op catalog in the project's framework version."""

    def __init__(self, index: ProjectIndex, catalog: str) -> None:
        self.ops: OpIndex = load_catalog().ops[catalog]
        self.package = self.ops.coverage.package
        self.version, self.version_source = index.framework_version(self.package)
        self._by_id = {entry.id: entry for entry in self.ops.entries}
        self.prefix = f"{catalog}:"

    def judged(self, event: Event) -> tuple[OpEntry, Status] | None:
        """An OP event's catalog entry and its status in the project's version; None for another catalog.
        A call whose arguments make it repeatable is deterministic by default, whatever the mode does."""
        if not event.subject.startswith(self.prefix):
            return None
        entry = self._by_id.get(event.subject[len(self.prefix) :])
        status = self.ops.status(entry, self.version) if entry else None
        if status is not None and dict(event.data).get(REPEATABLE):
            status = replace(status, default="deterministic")
        return (entry, status) if entry is not None and status is not None else None

    def running(self, state: EntryState) -> Iterator[tuple[Reached, OpEntry, Status]]:
        """The catalog's ops an entry point's path runs, with their status: a backward op only where the
        path trains outside no_grad, and a Keras layer only where Keras runs on this framework."""
        for reached in state.events(EventKind.OP):
            judged = self.judged(reached.event)
            if judged is None or (self.package == "tensorflow" and not state.runs_on_tensorflow(reached.event)):
                continue
            entry, status = judged
            if entry.pass_ == "backward" and (reached.without_backward or not state.trains(self.package)):
                continue
            yield reached, entry, status

    def fixed_by_mode(self, state: EntryState, covered=None) -> list[Reached]:
        """The ops on an entry point's path that the framework's deterministic mode makes deterministic,
        one per call site, less those `covered(state, entry)` says another switch already covers: what its
        per-entry finding (DET204, DET207) lists."""
        found: dict[tuple[str, Span], Reached] = {}
        for reached, entry, _, fixed in self._running_fixed(state):
            if fixed and not (covered is not None and covered(state, entry)):
                found.setdefault(_site(reached), reached)
        return list(found.values())

    def varying_ops_fixed_by_mode(self, state: EntryState) -> list[Reached]:
        """The calls on the path of an op that is nondeterministic in every run that calls it (not only
        where code reads memory it never wrote) and that deterministic mode makes deterministic. An op
        the mode makes raise is DET206's finding, not the switch's; one the mode leaves nondeterministic
        counts only where the catalog says the mode demands its fix (`mode_demands_its_fix`: cuDNN's RNNs,
        whose fix is the cuBLAS workspace setting the mode requires) and on a training path; in inference
        DET201 reports it alone."""
        trains = state.trains(self.package)
        return [
            reached
            for reached, entry, status, fixed in self._running_fixed(state)
            if status.default != "deterministic"
            and not entry.only_when_misused
            and (fixed or (trains and entry.mode_demands_its_fix))
        ]

    def _running_fixed(self, state: EntryState) -> list[tuple[Reached, OpEntry, Status, bool]]:
        """`running`, with whether the mode is sure to make each call deterministic: the call varies, and
        no entry it matches is one the mode leaves varying or makes raise (`F.interpolate(x, mode=m)` may
        be bilinear, which the mode fixes, or bicubic, which it makes raise: DET201's or DET206's call)."""
        running = list(self.running(state))
        unsure = {_site(reached) for reached, _, status in running if _varies_under_mode(status)}
        return [
            (reached, entry, status, _fixed_by_mode(status) and _site(reached) not in unsure)
            for reached, entry, status in running
        ]

    def pin(self, index: ProjectIndex) -> list[RelatedLocation]:
        """Where the project pins the version judged against, if it does."""
        pin = index.version_pin(self.package) if self.version else None
        return [pin] if pin is not None else []

    @property
    def version_text(self) -> str:
        shown = self.version or (str(self.ops.coverage.latest) if self.ops.coverage.latest else "recent versions")
        return f"{self.ops.coverage.title} {shown}"

    def uses(self, index: ProjectIndex, states: list[EntryState]) -> Iterator[OpUse]:
        """Each op call with the runs that reach it; a call only runs whose results nobody keeps reach
        (a demo, a benchmark, a self-check: `results_not_kept`) is not a use, nor is a standalone Keras
        call that only runs on another backend reach (`KERAS_BACKEND=jax`)."""
        reaching: dict[int, list[tuple[EntryState, Reached]]] = {}
        not_uses: set[int] = set()
        for state in states:
            kept = index.keeps_results(state.entry)
            for reached in state.events(EventKind.OP):
                on_framework = self.package != "tensorflow" or state.runs_on_tensorflow(reached.event)
                if kept and on_framework:
                    reaching.setdefault(id(reached.event), []).append((state, reached))
                    not_uses.discard(id(reached.event))
                elif id(reached.event) not in reaching:
                    not_uses.add(id(reached.event))
        # Entries that differ only in what the inputs hold at run time (`scatter_add_` on a 1-D or an
        # N-D input) all match one call: it is one use, judged by the variant that fares worst and named
        # by the variants that fare as badly.
        by_site: dict[tuple[str, Span], OpUse] = {}
        for facts, event in index.events(EventKind.OP):
            judged = self.judged(event)
            if judged is None:
                continue
            entry, status = judged
            if id(event) in not_uses:
                continue
            calls = tuple(reaching.get(id(event), ()))
            use = OpUse(facts, event, entry, status, calls)
            if entry.pass_ == "backward" and calls:
                # Its backward pass runs only where a path trains, and never under no_grad.
                training = tuple(pair for pair in calls if not pair[1].without_backward and pair[0].trains(self.package))
                use = replace(use, reaching=training, forward_only=not training)
            key = (facts.path, event.site.span)
            known = by_site.get(key)
            if known is not None:
                if _risk(use.status) == _risk(known.status):
                    # As bad either way: the surer match says how sure the finding is.
                    surer = use if use.event.confidence.rank > known.event.confidence.rank else known
                    use = replace(surer, variants=(*(known.variants or (known.entry.op,)), entry.op))
                elif _risk(use.status) < _risk(known.status):
                    use = known
            by_site[key] = use
        yield from by_site.values()

    def properties(self, use: OpUse) -> dict:
        """What `detlint probe` needs to replay the op."""
        return {
            "catalog": use.entry.catalog,
            "op": use.entry.id,
            "probe": use.entry.probe,
            "arguments": {key: value for key, value in use.event.data if key != REPEATABLE},
            "framework": self.package,
            "framework_version": self.version,
        }


def _site(reached: Reached) -> tuple[str, Span]:
    return reached.event.site.path, reached.event.site.span


def _fixed_by_mode(status: Status) -> bool:
    """Nondeterministic by default, and deterministic under the mode."""
    return status.default != "deterministic" and status.deterministic_mode == "deterministic"


def _varies_under_mode(status: Status) -> bool:
    """Nondeterministic by default, and not made deterministic by the mode (it raises or still varies)."""
    return status.default != "deterministic" and status.deterministic_mode != "deterministic"


def _risk(status: Status) -> tuple[bool, int]:
    """How badly an op variant fares: nondeterministic by default first, then raising under
    deterministic mode, then staying nondeterministic under it."""
    under_mode = {"raises": 2, "nondeterministic": 1}.get(status.deterministic_mode or "", 0)
    return status.default != "deterministic", under_mode


def describe_entries(states: list[EntryState]) -> str:
    names = [state.entry.describe() for state in states]
    return ", ".join(names[:2]) + (f" and {len(names) - 2} more" if len(names) > 2 else "")


def device_text(entry: OpEntry) -> str:
    where = {"cuda": "on CUDA", "cpu": "on CPU", "any": "on CPU and CUDA"}[entry.device]
    return where + ({"backward": " (in the backward pass)", "both": ""}.get(entry.pass_ or "", ""))


def unprotected_op_findings(rule, index: ProjectIndex, catalog: str, protected, reported_per_entry) -> Iterator:
    """Findings for op calls that some entry point reaches without the framework's deterministic mode
    (`protected(state, use)` says whether a path has it for that op), or that no entry point reaches
    in a class's method (a library's layers; in an application an unreached free function says nothing
    about how it runs, nor does a backward-only op where the application's runs never train, while
    `mode = "library"` reports its functional API too). A `may_vary` entry (a
    whole API the mode does not reach, no kernel known to vary) is reported only where a path turns
    the mode on.
    An op the mode makes deterministic is left to the per-entry finding (`reported_per_entry(state)`:
    DET204, DET207), which lists it: turning the mode on is one change for all of them. Where no entry
    point reaches such an op (a library), the change belongs to the runs that use it, not to the call."""
    view = OpCatalogView(index, catalog)
    states = entry_states(index)
    # Runs use the framework's ops and none trains with it: no backward pass runs in this project.
    uses_ops = any(r.event.subject.startswith(view.prefix) for state in states for r in state.events(EventKind.OP))
    never_trained = uses_ops and not any(state.trains(view.package) for state in states)
    for use in view.uses(index, states):
        if use.status.default == "deterministic" or use.forward_only or use.entry.only_when_misused:
            # Deterministic in this version even without the mode, its backward is not seen to run, or it
            # varies only where code reads memory it never wrote (a bug to find by running, not a kernel choice).
            continue
        if use.entry.may_vary:
            # A whole API the mode does not reach (TF1 sessions), no kernel of its own known to vary: it
            # matters on paths that rely on the mode, and only there.
            exposed = [(state, reached) for state, reached in use.reaching if protected(state, use)]
            if not exposed:
                continue
        else:
            exposed = [(state, reached) for state, reached in use.reaching if not protected(state, use)]
        if use.entry.repeats_once_seeded:
            # An unseeded draw after the library's global seed is set takes its seed from it.
            library = use.entry.repeats_once_seeded
            exposed = [(state, reached) for state, reached in exposed if not state.seeded_before(library, reached)]
        if use.reaching and not exposed:
            continue
        if use.status.deterministic_mode == "deterministic" and not use.reaching:
            continue  # the mode fixes it wherever a run turns it on: a change for the runs, not this call
        if use.status.deterministic_mode == "deterministic":
            # Paths with a per-entry finding list the op there; a CUDA-only op on a path that never asks for
            # CUDA runs deterministically on the CPU.
            exposed = [
                (state, reached)
                for state, reached in exposed
                if not reported_per_entry(state)
                and (use.entry.device != "cuda" or view.ops.coverage.gpu_by_default or state.first_cuda)
            ]
            if not exposed:
                continue
        confidence = use.event.confidence
        states_without = [state for state, _ in exposed]
        application = index.settings.mode == "application"
        if not use.reaching and application and not _in_a_class(use.facts, use.event.site.scope):
            continue  # a helper no run calls: nothing says how, or whether, its op runs (a library's API counts)
        if not use.reaching and application and use.entry.pass_ == "backward" and never_trained:
            continue  # the application's runs use the framework and none trains: no backward pass runs
        if not use.reaching:
            confidence = Confidence.LOW if application else confidence.lowered()
            hazard = ", and no entry point reaches it"
            where = (
                "No entry point of this project reaches it, so its callers must enable deterministic mode "
                "(confidence lowered: whether it runs is not known)."
            )
        elif use.entry.may_vary:
            hazard = ", which deterministic mode does not cover"
            confidence = Confidence.LOW
            where = (
                f"It is reached with deterministic mode on from {describe_entries(states_without)}. "
                f"{view.ops.coverage.title}'s documentation says it can introduce nondeterminism; no kernel in it "
                "is known to vary (low confidence)."
            )
        else:
            hazard = " without deterministic mode"
            where = f"It is reached without deterministic mode from {describe_entries(states_without)}."
            device_unknown = not view.ops.coverage.gpu_by_default and not any(s.first_cuda for s in states_without)
            if use.entry.device == "cuda" and device_unknown:
                confidence = Confidence.LOW  # the device is unknown
                where += " Nothing on that path asks for CUDA, so it may run on the CPU (low confidence)."
        site = use.event.site
        yield rule.finding(
            site.path,
            site.span,
            f"`{short_code(site.anchor)}` {'may be' if use.entry.may_vary else 'is'} nondeterministic "
            f"{device_text(use.entry)}{hazard}",
            detail=f"It runs {use.op_name}. {where} {mode_advice(view, use)}",
            help=use.entry.alternative,
            anchor=f"{use.entry.id}:{site.anchor}",
            scope=site.scope,
            confidence=confidence,
            statement_lines=site.statement_lines,
            related=[*entry_locations(states_without), *view.pin(index)],
            properties=view.properties(use),
        )


def _in_a_class(facts: FileFacts, scope: str) -> bool:
    """Whether a scope is a method of a class (a layer's `forward`, a model's helper), or nested in one."""
    return any(scope.startswith(f"{name}.") for name in facts.classes)


MAX_LISTED_OPS = 10


def cudnn_flag_covers(state: EntryState, entry: OpEntry) -> bool:
    """cuDNN's own deterministic flag is on for the path, and the op is one of cuDNN's."""
    return entry.id in load_catalog().torch_switches.cudnn_covered and state.mode(CUDNN_MODE) == "error"


def listed_ops(fixed: list[Reached]) -> tuple[list[RelatedLocation], str]:
    """The ops a per-entry finding says its switch would make deterministic (`fixed_by_mode`): related
    locations (the first `MAX_LISTED_OPS`) and a clause for the message ("" when there are none)."""
    # Each kind of op once before any repeats, so that a capped list shows what the switch covers.
    repeats: Counter[str] = Counter()
    ordered = []
    for position, reached in enumerate(fixed):
        ordered.append((repeats[reached.event.detail], position, reached))
        repeats[reached.event.detail] += 1
    fixed = [reached for *_, reached in sorted(ordered, key=lambda item: item[:2])]
    related = [
        RelatedLocation(r.event.site.path, r.event.site.span, f"{r.event.detail}: deterministic mode makes it deterministic")
        for r in fixed[:MAX_LISTED_OPS]
    ]
    if not fixed:
        return related, ""
    names = sorted({r.event.detail for r in fixed})
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    calls = f"{len(fixed)} call{'s' if len(fixed) != 1 else ''}"
    return related, f"would make {calls} on this path deterministic ({shown})"


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
    implementation (warn-only changes only what happens to ops without one); or cuDNN's own flag,
    for the ops it covers."""
    level = state.mode("torch")
    if cudnn_flag_covers(state, use.entry):
        return True
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

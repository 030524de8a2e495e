"""What the audit page says, built from one run: a verdict per entry point, what each entry point's path
does about determinism, the findings grouped by family and by checklist item, the environment, the
provenance findings, the baseline comparison and the probe's measurements.

A verdict follows one written rule: findings on a path with an error at high or medium confidence make
it *not reproducible*; any other finding makes it *at risk*; none, *reproducible as far as detlint can
tell*. Findings about the analysis itself (an unused suppression, an advisory such as a file skipped
for its size) do not count. A finding that names entry points among its related places is on those
entry points' paths; any other is on the path of each entry point whose own file holds it or that
reaches its place (one of the statements the path runs or calls through). The project's verdict also
counts the findings on no entry point's path (dependency files, code no run reaches)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from detlint.facts.model import EventKind, Site
from detlint.facts.switches import CUDNN_MODE
from detlint.finding import Confidence, Finding, Severity

if TYPE_CHECKING:
    from detlint.baseline import BaselineEntry
    from detlint.catalogs.loader import Catalog
    from detlint.project.op_paths import EntryState
    from detlint.report.environment import Environment
    from detlint.report.probe import ProbeRow

NOT_REPRODUCIBLE = "not reproducible"
AT_RISK = "at risk"
REPRODUCIBLE = "reproducible as far as detlint can tell"
VERDICTS = (NOT_REPRODUCIBLE, AT_RISK, REPRODUCIBLE)
VERDICT_IDS = {NOT_REPRODUCIBLE: "not-reproducible", AT_RISK: "at-risk", REPRODUCIBLE: "reproducible"}

FAMILIES = {
    "DET0": "Analysis",
    "DET1": "Seeding",
    "DET2": "Nondeterministic ops and switches",
    "DET3": "Order",
    "DET4": "Dependencies",
    "DET5": "Provenance",
}
# mode subject -> (what it is called, the op catalog whose events say the path runs it)
FRAMEWORKS = {
    "torch": ("PyTorch", "torch_ops"),
    CUDNN_MODE: ("cuDNN (`torch.backends.cudnn.deterministic`)", "torch_ops"),
    "tensorflow": ("TensorFlow", "tf_ops"),
}
# The deterministic-mode levels of the facts, in words.
LEVELS = {"off": "off", "warn": "on, but only warns", "error": "on", None: "not set"}


def family_of(code: str) -> str:
    return code[:4]


# Findings about the analysis, not the code's reproducibility: an unused suppression.
_HYGIENE = frozenset({"DET090"})


def verdict_of(findings: Iterable[Finding]) -> str:
    """The verdict the findings on a path make (see the module's docstring)."""
    verdict = REPRODUCIBLE
    for finding in findings:
        if finding.code in _HYGIENE or finding.advisory:
            continue
        if finding.severity is Severity.ERROR and finding.confidence is not Confidence.LOW:
            return NOT_REPRODUCIBLE
        verdict = AT_RISK
    return verdict


@dataclass(frozen=True)
class Place:
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Seeding:
    libraries: tuple[str, ...]
    where: Place  # the seeding call
    called_from: Place | None  # the entry point's own statement that leads to it, when that is elsewhere
    call: str  # the seeding call's source text


@dataclass(frozen=True)
class EntryAudit:
    name: str  # how the entry point is described
    path: str
    verdict: str
    seedings: tuple[Seeding, ...]
    modes: tuple[tuple[str, str], ...]  # (framework or switch, its deterministic mode in words)
    cuda: Place | None  # where the path first uses a CUDA device
    data_order: tuple[tuple[str, Place], ...]  # what each loader with workers or tf.data step does with order
    ops: tuple[str, ...]  # the catalogued ops the path reaches
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class ChecklistRow:
    checklist: str
    item: str
    codes: tuple[str, ...]  # the rule codes of the findings that touch the item
    count: int


@dataclass(frozen=True)
class BaselineComparison:
    new: tuple[Finding, ...]
    fixed: tuple[BaselineEntry, ...]


@dataclass
class Audit:
    project: str
    findings: list[Finding]
    entries: list[EntryAudit]
    environment: Environment
    checklist: list[ChecklistRow]
    baseline: BaselineComparison | None = None
    # framework -> (the version its ops were judged against, None for the newest catalogued; where from)
    versions: Mapping[str, tuple[str | None, str]] = field(default_factory=dict)
    probe: list[ProbeRow] = field(default_factory=list)
    probe_environments: list[Mapping[str, Any]] = field(default_factory=list)
    # The frameworks installed where the page was made, as the probe's workers report them.
    installed_frameworks: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """The project's verdict: the worst of its entry points' and of the findings on no path."""
        verdicts = [entry.verdict for entry in self.entries] + [verdict_of(self.project_wide)]
        return min(verdicts, key=VERDICTS.index)

    @property
    def verdict_counts(self) -> list[tuple[str, int]]:
        counts = Counter(entry.verdict for entry in self.entries)
        return [(verdict, counts[verdict]) for verdict in VERDICTS]

    @property
    def family_counts(self) -> list[tuple[str, str, dict[str, int]]]:
        """(family code, family name, severity -> count) for each family with findings."""
        rows = []
        for family, name in FAMILIES.items():
            counts = Counter(f.severity.value for f in self.findings if family_of(f.code) == family)
            if counts:
                rows.append((family, name, {severity.value: counts[severity.value] for severity in Severity}))
        return rows

    @property
    def provenance(self) -> list[Finding]:
        return [finding for finding in self.findings if family_of(finding.code) == "DET5"]

    @property
    def project_wide(self) -> list[Finding]:
        """Findings on no entry point's path: dependency files, library code no run reaches."""
        on_paths = {id(finding) for entry in self.entries for finding in entry.findings}
        return [finding for finding in self.findings if id(finding) not in on_paths]


def entry_audit(state: EntryState, findings: Sequence[Finding], entry_paths: set[str]) -> EntryAudit:
    """What one entry point's path does about determinism, and the findings on it. `entry_paths`: the
    files of every entry point of the project, which a finding may name."""
    entry = state.entry
    places = {
        (site.path, line)
        for reached in state.reached
        for site in (*reached.chain, reached.event.site)
        for line in range(site.statement_lines[0], site.statement_lines[1] + 1)
    }
    on_path = tuple(finding for finding in findings if _on_path(finding, entry.path, entry_paths, places))
    seedings = tuple(
        Seeding(
            tuple(sorted(reached.event.covers)),
            _place(reached.event.site),
            # the call that leads into the helper that seeds (`set_seed(0)`), when there is one
            _place(reached.chain[-2]) if len(reached.chain) > 1 else None,
            reached.event.site.anchor,
        )
        for reached in state.events(EventKind.SEED)
    )
    used = {reached.event.subject.split(":")[0] for reached in state.events(EventKind.OP)}
    used |= {reached.event.detail for reached in state.events(EventKind.TRAIN)}
    framework_kinds = (EventKind.MODE, EventKind.CUDA, EventKind.LOADER, EventKind.TF_DATA, EventKind.RNG)
    used |= {reached.event.subject for kind in framework_kinds for reached in state.events(kind)}
    modes = tuple(
        (label, LEVELS[state.mode(subject)])
        for subject, (label, catalog) in FRAMEWORKS.items()
        if subject in used or (catalog in used and not _covered_by_torch_mode(state, subject))
    )
    cuda = state.first_cuda
    data_order = tuple(
        (_data_order(reached.event.kind, reached.event.detail, dict(reached.event.data)), _place(reached.event.site))
        for reached in state.reached
        if reached.event.kind in (EventKind.LOADER, EventKind.TF_DATA)
    )
    ops = tuple(sorted({reached.event.detail for reached in state.events(EventKind.OP) if reached.event.detail}))
    return EntryAudit(
        entry.describe(),
        entry.path,
        verdict_of(on_path),
        seedings,
        modes,
        _place(cuda.event.site) if cuda is not None else None,
        data_order,
        ops,
        on_path,
    )


def _covered_by_torch_mode(state: EntryState, subject: str) -> bool:
    """cuDNN's own switch, left unset where PyTorch's deterministic mode is on, which covers cuDNN."""
    return subject == CUDNN_MODE and state.mode("torch") == "error"


def _place(site: Site) -> Place:
    return Place(site.path, site.span.line)


def _data_order(kind: EventKind, detail: str, data: Mapping[str, object]) -> str:
    """What a DataLoader with worker processes, or a tf.data step, does with the order of the data."""
    if kind is EventKind.LOADER:
        keywords = (("generator", "`generator=`"), ("worker_init", "`worker_init_fn=`"))
        given = " and ".join(name for key, name in keywords if data.get(key))
        return f"a DataLoader with worker processes, given {given or 'neither `generator=` nor `worker_init_fn=`'}"
    if detail == "unseeded-shuffle":
        return "a tf.data shuffle without an op seed"
    return "a tf.data step that does not keep the order (`deterministic=False`)"


def _on_path(finding: Finding, entry: str, entry_paths: set[str], places: set[tuple[str, int]]) -> bool:
    named = {related.path for related in finding.related if related.path in entry_paths}
    if named:
        return entry in named
    # The entry point's own file runs (its top level at least); elsewhere, only the places reached.
    return finding.path == entry or (finding.path, finding.span.line) in places


def checklist_rows(catalog: Catalog, findings: Sequence[Finding]) -> list[ChecklistRow]:
    """Each checklist item, with the findings whose rules touch it (`checklist_items` in
    `rules/report.yaml`)."""
    rows = []
    for entry in catalog.entries("report", "checklist_items"):
        touching = [f for f in findings if any(f.code.startswith(prefix) for prefix in entry["codes"])]
        codes = tuple(sorted({finding.code for finding in touching}))
        rows.append(ChecklistRow(entry["checklist"], entry["item"], codes, len(touching)))
    return rows

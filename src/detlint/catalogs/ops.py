"""Queries over the nondeterministic-operation catalogs (`torch_ops`, `tf_ops`, `jax`, `xgboost`).

A rule resolves a call, asks which entries that name may be (`by_qualname`, `by_method`), how
certain it is that the call's arguments meet an entry's `conditions` (all must hold; see
`detlint.catalogs.conditions`) and what the entry's status is in the project's framework version
(`status`). XGBoost settings are matched through the training calls they apply to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from detlint.catalogs.conditions import CallKind, Conditions
from detlint.catalogs.entries import Entry
from detlint.finding import one_line
from detlint.versions import VersionRange, final_release

if TYPE_CHECKING:
    from detlint.catalogs.loader import Catalog

# The section holding each catalog's op entries.
OP_SECTIONS = {"torch_ops": "ops", "tf_ops": "ops", "jax": "ops", "xgboost": "settings"}


@dataclass(frozen=True)
class Status:
    """What an entry does in one version range."""

    versions: VersionRange
    deterministic_mode: str | None  # raises | deterministic | nondeterministic; None: no such mode (XGBoost)
    default: str  # nondeterministic | deterministic: without the deterministic mode
    switch: str | None = None  # a TF switch id the status needs instead of op determinism
    verified: bool = True
    note: str | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Status:
        return cls(
            versions=VersionRange(raw.get("versions", "")),
            deterministic_mode=raw.get("deterministic_mode"),
            default=raw.get("default", "nondeterministic"),
            switch=raw.get("switch"),
            verified=raw.get("verified", True),
            note=raw.get("note"),
        )


@dataclass(frozen=True)
class OpEntry:
    catalog: str
    id: str
    op: str
    functions: tuple[str, ...]
    methods: tuple[str, ...]
    classes: tuple[str, ...]
    device: str  # cuda | cpu | any
    pass_: str | None  # forward | backward | both; None for XGBoost settings
    conditions: Conditions  # all must hold
    statuses: tuple[Status, ...]
    alternative: str
    probe: str | None  # the probe recipe name
    no_probe_reason: str | None  # why there is no recipe, when there is none
    source: tuple[str, ...]
    training_calls: tuple[str, ...] = ()  # XGBoost: the training calls the setting applies to
    note: str | None = None
    only_when_misused: bool = False  # varies only where code reads memory it never wrote
    # A whole API the framework's docs say "can introduce" nondeterminism (TF1 sessions), not a kernel
    # known to vary: reported at low confidence.
    may_vary: bool = False
    # Deterministic mode does not fix it, but turning the mode on demands the setting that does (DET204).
    mode_demands_its_fix: bool = False
    floating_only: bool = False  # exact (so repeatable) on integer and boolean tensors
    # The library whose global seed, set earlier on the path, makes the call repeat (an unseeded
    # `tf.random.normal` after `tf.random.set_seed`).
    repeats_once_seeded: str | None = None
    # Calls meeting these are repeatable (deterministic by default), whatever the mode does with them.
    repeatable_when: Conditions | None = None

    def names(self, kind: CallKind) -> tuple[str, ...]:
        return {CallKind.FUNCTION: self.functions, CallKind.METHOD: self.methods, CallKind.CLASS: self.classes}[kind]


@dataclass(frozen=True)
class TrainingCall:
    """An XGBoost training call and where it takes its parameters."""

    id: str
    functions: tuple[str, ...]
    classes: tuple[str, ...]
    parameters_argument: tuple[str, int] | None  # (keyword, position) of the parameter dict, if any


@dataclass(frozen=True)
class Coverage:
    """Which framework a catalog describes and which of its releases."""

    title: str
    package: str
    deterministic_mode: str | None  # what turns the framework's deterministic mode on
    latest: Version | None  # the newest catalogued release: the version assumed when none is known
    verified: VersionRange | None  # the releases the facts were checked against
    gpu_by_default: bool = False  # ops run on the GPU whenever there is one, with no device written


def _tuple(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _op_entry(entry: Entry, calls: Mapping[str, list[str]]) -> OpEntry:
    probe = entry["probe"]
    return OpEntry(
        catalog=entry.catalog,
        id=entry.id,
        op=entry["op"],
        functions=_tuple(calls.get("functions")),
        methods=_tuple(calls.get("methods")),
        classes=_tuple(calls.get("classes")),
        device=entry["device"],
        pass_=entry.get("pass"),
        conditions=Conditions.op_form(entry.get("conditions")),
        statuses=tuple(Status.from_mapping(raw) for raw in entry["status"]),
        alternative=one_line(entry["alternative"]),
        probe=probe if isinstance(probe, str) else None,
        no_probe_reason=None if isinstance(probe, str) else probe["none"],
        source=_tuple(entry["source"]),
        training_calls=_tuple(entry.get("entry_points")),
        note=entry.get("note"),
        only_when_misused=bool(entry.get("only_when_misused")),
        may_vary=bool(entry.get("may_vary")),
        mode_demands_its_fix=bool(entry.get("mode_demands_its_fix")),
        floating_only=bool(entry.get("floating_only")),
        repeats_once_seeded=entry.get("repeats_once_seeded"),
        repeatable_when=Conditions.op_form(entry["repeatable_when"]) if entry.get("repeatable_when") else None,
    )


def _training_call(entry: Entry) -> TrainingCall:
    where = entry.get("parameters_argument")
    return TrainingCall(
        id=entry.id,
        functions=_tuple(entry.get("functions")),
        classes=_tuple(entry.get("classes")),
        parameters_argument=(where["keyword"], where["position"]) if where else None,
    )


def _setting_calls(entry: Entry, entry_points: Mapping[str, TrainingCall]) -> dict[str, list[str]]:
    """The training calls an XGBoost setting applies to: its `entry_points`, or all of them."""
    chosen = [entry_points[name] for name in entry.get("entry_points", entry_points)]
    return {
        "functions": [name for point in chosen for name in point.functions],
        "classes": [name for point in chosen for name in point.classes],
    }


class OpIndex:
    """The entries of one op catalog, indexed by the names calls use."""

    def __init__(self, catalog: Catalog, name: str = "torch_ops") -> None:
        if name not in OP_SECTIONS:
            raise KeyError(f"no op catalog {name!r} (known: {', '.join(OP_SECTIONS)})")
        self.name = name
        self.training_calls = {
            entry.id: _training_call(entry) for entry in catalog.sections.get((name, "entry_points"), ())
        }
        self.entries = tuple(
            _op_entry(entry, entry["calls"] if "calls" in entry.fields else _setting_calls(entry, self.training_calls))
            for entry in catalog.entries(name, OP_SECTIONS[name])
        )
        self.coverage = _coverage(catalog.entries(name, "coverage"), name)
        # "integral-dtype" -> names such as torch.long; see the catalog's `tensor_kinds`
        self.tensor_kinds: dict[str, frozenset[str]] = defaultdict(frozenset)
        for entry in catalog.sections.get((name, "tensor_kinds"), ()):
            self.tensor_kinds[entry["kind"]] |= frozenset(entry["names"])
        self._by_kind: dict[CallKind, dict[str, list[OpEntry]]] = {kind: defaultdict(list) for kind in CallKind}
        for entry in self.entries:
            for kind in CallKind:
                for call_name in entry.names(kind):
                    self._by_kind[kind][call_name].append(entry)

    def by_function(self, qualname: str) -> list[OpEntry]:
        return list(self._by_kind[CallKind.FUNCTION].get(qualname, ()))

    def by_method(self, name: str) -> list[OpEntry]:
        """Entries a method call `<receiver>.<name>(...)` may be, whatever the receiver is."""
        return list(self._by_kind[CallKind.METHOD].get(name, ()))

    def by_module_class(self, qualname: str) -> list[OpEntry]:
        """Entries for a class (or an alternate constructor such as `EmbeddingBag.from_pretrained`)."""
        return list(self._by_kind[CallKind.CLASS].get(qualname, ()))

    def by_qualname(self, qualname: str) -> list[tuple[OpEntry, CallKind]]:
        """A resolved call may be a function or a class: the entries of both, with how they matched."""
        return [(entry, CallKind.FUNCTION) for entry in self.by_function(qualname)] + [
            (entry, CallKind.CLASS) for entry in self.by_module_class(qualname)
        ]

    def training_call(self, qualname: str) -> TrainingCall | None:
        """XGBoost: the training entry point a function or class belongs to."""
        return next(
            (point for point in self.training_calls.values() if qualname in (*point.functions, *point.classes)),
            None,
        )

    def status(self, entry: OpEntry, version: Version | str | None = None) -> Status | None:
        """The status in force for a framework version; None when the catalog has none for it.
        Without a version: the newest catalogued release, or the newest range where no release is
        named (statuses are listed oldest first). Pre-releases and dev builds count as the release
        they lead to."""
        if version is None and self.coverage.latest is None:
            return entry.statuses[-1]
        target = self.coverage.latest if version is None else final_release(version)
        return next((status for status in entry.statuses if status.versions.contains(target)), None)


def _coverage(entries: tuple[Entry, ...], catalog: str) -> Coverage:
    if not entries:
        return Coverage(title=catalog, package=catalog, deterministic_mode=None, latest=None, verified=None)
    entry = entries[0]
    latest, verified = entry.get("latest"), entry.get("verified")
    return Coverage(
        title=entry["title"],
        package=entry["package"],
        deterministic_mode=entry.get("deterministic_mode"),
        latest=Version(latest) if latest else None,
        verified=VersionRange(verified) if verified else None,
        gpu_by_default=bool(entry.get("gpu_by_default")),
    )

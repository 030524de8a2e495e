"""The order rules' data: where an arbitrary order comes from (`Source`), how a value carries it
(`Flow`, in a `Shape` and `Role`), and each place that uses it (`Use`, with its `Reason`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

import libcst as cst

from detlint.finding import Confidence


class Shape(Enum):
    SEQ = "sequence"  # a list, tuple, iterator: its order is the source's order
    MAP = "mapping"  # a dict built in the source's order: lookups are fine, iterating it is not
    SET = "set"  # a set: only iterating it (or converting it to a sequence) exposes hash order
    TABLE = "table"  # a DataFrame whose rows came in the source's order: its methods say what they keep
    # A dict whose values are lists filled in the source's order (`by_label[label].append(path)`), with
    # `nested` the depth of those lists (1; 2 for the (key, value) pairs of `.items()`). Where its keys came
    # in that order too, a MAP flow of the same source says so.
    GROUPS = "groups"


class Role:
    VALUE = ""  # the source's own value (for a walk: the order in which directories are visited)
    WALK_ENTRY = "walk-entry"  # one (dirpath, dirnames, filenames) tuple of a walk
    DIRS = "dirs"  # a walk's list of subdirectory names
    FILES = "files"  # a walk's list of file names


@dataclass(frozen=True)
class Use:
    """One order-sensitive use of a source: `reason` completes "<subject> ..."; `at` is where it happens."""

    reason: str
    confidence: Confidence
    role: str
    via: str
    escape: bool = False
    compares: bool = False  # an order-sensitive comparison (`assertEqual(files, ["a", "b"])`)
    at: cst.CSTNode | None = field(default=None, compare=False)
    returns: bool = False  # handed back to the caller (returned or yielded): the callers decide
    passed: bool = False  # passed to a function that is not read (not returned, stored or kept)
    nested: int = 0  # handed on as an element this many containers deep (`yield (root, dirs, files)`: 1)
    shape: Shape = Shape.SEQ  # the shape it was handed on in (a dict of lists returned: GROUPS)


@dataclass(eq=False)
class Source:
    """An expression whose value has an arbitrary order, and what was done with it in its scope."""

    node: cst.CSTNode
    statement: cst.CSTNode | None
    label: str  # how messages name it, e.g. "`os.listdir(...)`"
    confidence: Confidence
    kind: str = "listing"  # "listing", "walk" or "set"
    hint: str = ""  # the sorted form to suggest
    sort_template: str = ""  # the sorted form as code, `{call}` standing for the expression (for fixes)
    bottom_up: bool = False  # a walk with topdown=False: sorting dirnames in place changes nothing
    elements: str = "unknown"  # for sets: "str", "number", "unknown" or "empty"
    names: dict[str, str] = field(default_factory=dict)  # role -> variable name (walks)
    uses: list[Use] = field(default_factory=list)
    scope: str = ""  # the dotted scope it is made in (a finding's scope, part of its fingerprint)


@dataclass(frozen=True)
class Flow:
    """A value carries `source`'s order in `shape`; `via` names the variable it travelled through."""

    source: Source
    shape: Shape
    role: str = Role.VALUE
    via: str = ""
    cap: Confidence = Confidence.HIGH
    # The value only holds the ordered value as an element, this many containers deep (`[files, labels]`
    # 1, a list of `(root, dirs, files)` tuples 2): its own order is not the source's; indexing it, or
    # iterating it, gives the element one level up.
    nested: int = 0
    # The order is already baked in (`enumerate(...)` numbers, `"".join(...)` text): whatever is done
    # with the value next, the use is this (text completing "<subject> ...").
    mark: str = ""
    # With `mark`: even order-free consumers (`sorted(enumerate(s))`) keep the damage.
    sticky: bool = False
    mark_at: cst.CSTNode | None = field(default=None, compare=False)  # where the mark was made
    # With `mark`: a value that holds the order as its data (a Dataset of this file, a loader), whose
    # mark says how it reads it. It uses the order where it is read (iterated, loaded, handed on);
    # built and never read, it uses nothing. Kept in a name for code elsewhere, it is like the order.
    carried: bool = False


Flows = tuple[Flow, ...]


def as_element(flows: Flows) -> Flows:
    """The flows of a value put into a container as one element."""
    return tuple(replace(flow, nested=flow.nested + 1) for flow in flows)


def reshaped(flow: Flow, shape: Shape) -> Flow:
    """The flow of a value rebuilt in another container type; an element keeps its own type."""
    return flow if flow.nested else replace(flow, shape=shape)


def entry_of(flow: Flow) -> Flow:
    """One level down a GROUPS flow: from the dict to a value, from a (key, value) pair to the value."""
    if flow.nested <= 1:
        return replace(flow, shape=Shape.SEQ, nested=0)
    return replace(flow, nested=flow.nested - 1)


def as_values(flows: Flows) -> tuple[Flows, Flows]:
    """The flows of a value stored in a dict: the GROUPS flows of the dict for the ordered lists and
    tables among them, and the rest (sets, mappings, values whose order is already marked)."""
    grouped = tuple(flow for flow in flows if flow.shape in (Shape.SEQ, Shape.TABLE) and not flow.nested and not flow.mark)
    rest = tuple(flow for flow in flows if flow not in grouped)
    return tuple(replace(flow, shape=Shape.GROUPS, nested=1) for flow in grouped), rest


def as_keys(flows: Flows) -> Flows:
    """The flows of a dict read as an iterable of its keys (`list(groups)`, `enumerate(groups)`): the
    order of its values stays behind."""
    return tuple(flow for flow in flows if not (flow.shape is Shape.GROUPS and flow.nested == 1))


def unnested(flows: Flows) -> Flows:
    """The flows of an element taken out of a container."""
    return tuple(replace(flow, nested=max(flow.nested - 1, 0)) for flow in flows)


@dataclass(frozen=True)
class Reason:
    text: str
    escape: bool = False  # the value leaves the scope (returned, stored, passed on): a set may, a dict likely
    compares: bool = False  # compared with an ordered value: what a test's verdict depends on
    returns: bool = False  # handed back to the caller: what the callers do with it decides
    passed: bool = False  # passed to a function that is not read


RETURNED = Reason("is returned to the caller", escape=True, returns=True)
YIELDED = Reason("is yielded to the caller", escape=True, returns=True)
YIELDED_EACH = "yields each item in that order"  # what a loop over the value does


def _carrying(flows: Flows, reason: str, at: cst.CSTNode, cap: Confidence | None = None) -> Flows:
    """The flows of a value that holds the order as its data and reads it as `reason` says (see
    `Flow.carried`); an order it already carries keeps its first reason."""
    return _unique(
        tuple(
            replace(
                flow, shape=Shape.SEQ, mark=flow.mark or reason, mark_at=flow.mark_at or at, carried=True,
                cap=Confidence.weakest(flow.cap, cap),
            )
            for flow in flows
            if not flow.nested
        )
    )  # fmt: skip


def _unique(flows: Flows) -> Flows:
    seen: list[Flow] = []
    for flow in flows:
        if flow not in seen:
            seen.append(flow)
    return tuple(seen)


def _one_source(args: list[tuple[cst.Arg, Flows]]) -> bool:
    """Every argument carries the order of one and the same source (two lists filled in one loop over a
    listing, a listing and a comprehension over it): items paired by position came from the same item.
    A single argument (`zip(files)`) pairs nothing."""
    sources = [{flow.source for flow in flows if not flow.nested and not flow.mark} for _, flows in args]
    return bool(sources) and all(sources) and bool(set.intersection(*sources))


def _off_default(state: dict[str, Flows], default: dict[str, Flows]) -> dict[str, Flows]:
    """`state` (a branch the code does not take by default) without the flows the default branch does
    not carry: the order is used only when a caller asks for it."""
    return {name: tuple(flow for flow in flows if flow in default.get(name, ())) for name, flows in state.items()}


def _merge(*states: dict[str, Flows]) -> dict[str, Flows]:
    merged: dict[str, Flows] = {}
    for state in states:
        for name, flows in state.items():
            merged[name] = _unique(merged.get(name, ()) + flows)
    return merged


def _chosen(args: list[tuple[cst.Arg, Flows]], which: str, keyword: str | None = None) -> list[tuple[cst.Arg, Flows]]:
    positional = [(arg, flows) for arg, flows in args if not arg.keyword and arg.star != "**"]
    if which == "first":
        named = [(arg, flows) for arg, flows in args if arg.keyword is not None and arg.keyword.value == keyword]
        return positional[:1] or named
    if which == "after-first":
        return positional[1:]
    return positional


def _is_walk_value(flow: Flow) -> bool:
    return flow.source.kind == "walk" and flow.role == Role.VALUE

"""Which catalogued nondeterministic operations a call may be, how sure that is, and the literal
arguments that decided it (kept for messages and for `detlint probe`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from detlint.catalogs.loader import Catalog
from detlint.finding import Confidence
from detlint.names import NOT_LITERAL, ImportTable
from detlint.catalogs.ops import CallArgs, CallKind, OpEntry, OpIndex, op_index

# The op catalogs a Python call can match (XGBoost settings are parameters, not calls).
OP_CATALOGS = ("torch_ops", "tf_ops", "jax")


@dataclass(frozen=True)
class OpCall:
    entry: OpEntry
    confidence: Confidence
    arguments: tuple[tuple[str, object], ...]  # literal arguments the entry's conditions read


def op_indexes(catalog: Catalog) -> tuple[OpIndex, ...]:
    return tuple(op_index(catalog, name) for name in OP_CATALOGS)


def match_ops(imports: ImportTable, call: cst.Call, indexes: tuple[OpIndex, ...]) -> Iterator[OpCall]:
    qualname = imports.resolve(call.func)
    for index in indexes:
        if qualname is not None:
            base = Confidence.MEDIUM if imports.resolved_through_star(call.func) else Confidence.HIGH
            candidates = [(entry, kind, base) for entry, kind in index.by_qualname(qualname)]
        elif isinstance(call.func, cst.Attribute) and imports.imports_any(frozenset({index.coverage.package})):
            # `x.index_add_(...)` with an unknown receiver, in a file that uses the framework.
            name = call.func.attr.value
            candidates = [(entry, CallKind.METHOD, Confidence.MEDIUM) for entry in index.by_method(name)]
        else:
            continue
        for entry, kind, confidence in candidates:
            args = CallArgs.from_call(call, kind)
            holds = index.conditions_hold(entry, args)
            if holds is False:
                continue
            if holds is None:
                runtime = any(condition.test == "runtime" for condition in entry.conditions)
                confidence = Confidence.LOW if runtime else Confidence.weakest(confidence, Confidence.MEDIUM)
            yield OpCall(entry, confidence, _arguments(entry, args))


def _arguments(entry: OpEntry, args: CallArgs) -> tuple[tuple[str, object], ...]:
    found: dict[str, object] = {}
    for condition in entry.conditions:
        if condition.keyword is None:
            continue
        value = args.keywords.get(condition.keyword, NOT_LITERAL)
        position = condition.positions.get(args.kind.value)
        if value is NOT_LITERAL and position is not None and position < len(args.positional):
            value = args.positional[position]
        if value is not NOT_LITERAL and _json_scalar(value):
            found[condition.keyword] = value
    return tuple(sorted(found.items()))


def _json_scalar(value: object) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))

"""Which catalogued nondeterministic operations a call may be, how sure that is, and the literal
arguments that decided it (kept for messages and for `detlint probe`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import libcst as cst

from detlint.catalogs.conditions import ArgumentView, CallKind, Level
from detlint.catalogs.ops import OpEntry, OpIndex
from detlint.finding import Confidence
from detlint.names import NOT_LITERAL, ImportTable

# The op catalogs a Python call can match (XGBoost settings are parameters, not calls).
OP_CATALOGS = ("torch_ops", "tf_ops", "jax")


@dataclass(frozen=True)
class OpCall:
    entry: OpEntry
    confidence: Confidence
    arguments: tuple[tuple[str, object], ...]  # literal arguments the entry's conditions read
    option: str = ""  # matched only when this command-line option is given (`args.compile_mode`)
    # The tensor the op is applied to: a method's receiver, a function's first argument.
    subject: cst.BaseExpression | None = None
    repeatable: bool = False  # the arguments make every run give the same result (`repeatable_when`)
    # How the call names the op: a layer's class (`nn.EmbeddingBag(...)`) is given its weights and
    # options, not the tensors it runs on.
    kind: CallKind = CallKind.FUNCTION


def match_ops(
    imports: ImportTable,
    call: cst.Call,
    indexes: tuple[OpIndex, ...],
    narrow: Callable[[cst.BaseExpression], object] | None = None,
) -> Iterator[OpCall]:
    """The catalog ops a call may be; `narrow` says what a non-literal argument is known to be (a
    command-line option's default)."""
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
            view = ArgumentView.of_call(call, kind)
            view.narrow = narrow
            verdict = entry.conditions.evaluate(view)
            if verdict.level is Level.NONE:
                continue
            # Only run time can tell (low), or an argument is not a literal or may hide in `*args` (medium).
            confidence = Confidence.weakest(confidence, verdict.level.confidence)
            repeatable = entry.repeatable_when is not None and entry.repeatable_when.evaluate(view).level is Level.CERTAIN
            yield OpCall(
                entry, confidence, _arguments(entry, view), verdict.option, _subject(call, kind, view), repeatable, kind
            )


def _subject(call: cst.Call, kind: CallKind, view: ArgumentView) -> cst.BaseExpression | None:
    if kind is CallKind.METHOD and isinstance(call.func, cst.Attribute):
        return call.func.value
    if kind is CallKind.FUNCTION and view.positional:
        return view.positional[0]
    return None


def _arguments(entry: OpEntry, view: ArgumentView) -> tuple[tuple[str, object], ...]:
    found: dict[str, object] = {}
    for condition in entry.conditions:
        if condition.argument is None:
            continue
        argument = view.find(condition.argument, position=condition.positions.get(view.kind))
        value = NOT_LITERAL if argument is None else view.literal(argument.value)
        if value is not NOT_LITERAL and _json_scalar(value):
            found[condition.argument] = value
    return tuple(sorted(found.items()))


def _json_scalar(value: object) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))

"""Argument conditions of catalog entries, and what a call site shows about its arguments.

Every catalog that says "this call is nondeterministic when its arguments are such" is read through
one `ArgumentView` of the call and judged by one evaluator. A condition's verdict is a `Level`:
`CERTAIN` when literal arguments (or documented defaults) decide that it holds, `MEDIUM` when an
argument that decides it is not a literal, `LOW` when only run time can tell, `NONE` when it does
not hold; an argument that may hide in a `*args` or an unreadable `**mapping` is `MEDIUM` or `LOW`
depending on the form.

The catalogs write conditions in two forms (rules/README.md): the op catalogs' form (`keyword`,
`positions`, a test, `default`; also used by the `rng` consumers) lists conditions that must *all*
hold, and the estimators' form (`argument`, `when_absent`, `runtime_values`, `requires`, ...) lists
conditions of which *any* makes a call random. Both parse into the same `Condition`, whose options
carry what the forms read differently (an explicit None, hidden arguments); a list of them is a
`Conditions` whose combinator is `all_of` (the weakest verdict) or `any_of` (the strongest).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst

from detlint.catalogs.schemas import estimators as estimator_schema
from detlint.catalogs.schemas import ops as op_schema
from detlint.finding import Confidence
from detlint.names import NOT_LITERAL, code_of, literal_value


class CallKind(str, enum.Enum):
    """How a call site names the callable: `torch.index_add(x, ...)`, `x.index_add_(...)`, `nn.Upsample(...)`."""

    FUNCTION = "function"
    METHOD = "method"
    CLASS = "class"


class Level(enum.IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    CERTAIN = 3

    @property
    def confidence(self) -> Confidence:
        return {3: Confidence.HIGH, 2: Confidence.MEDIUM}.get(int(self), Confidence.LOW)

    @classmethod
    def of(cls, confidence: Confidence | str) -> Level:
        return {"high": cls.CERTAIN, "medium": cls.MEDIUM}.get(Confidence(confidence).value, cls.LOW)


def same_value(value: object, expected: object) -> bool:
    """The one equality of literal arguments and catalog values: booleans equal only booleans (YAML
    `true` is not the literal 1), None only None, strings compare case-insensitively, numbers by
    value, sequences item by item; nothing else is equal."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value is expected
    if value is None or expected is None:
        return value is expected
    if isinstance(value, str) and isinstance(expected, str):
        return value.lower() == expected.lower()
    if isinstance(value, (int, float)) and isinstance(expected, (int, float)):
        return value == expected
    if isinstance(value, (tuple, list)) and isinstance(expected, (tuple, list)):  # `(1, 1)` and YAML `[1, 1]`
        return len(value) == len(expected) and all(map(same_value, value, expected))
    return False


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- the arguments a call site shows -------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """An argument or params key as written: its name, its value, and the node to report at."""

    key: str
    value: cst.BaseExpression
    node: cst.CSTNode


@dataclass(frozen=True)
class CommandLineDefault:
    """A value read from a command-line option (`args.mode` for `--mode`): known only as the option's
    default, which the command line may change."""

    value: object


# The entries of a `**mapping` (or a dict literal's `**spread`) when the caller can read them, else None.
DictResolver = Callable[[cst.BaseExpression], "ArgumentView | None"]


def _unreadable(node: cst.BaseExpression) -> None:
    return None


@dataclass
class ArgumentView:
    """The arguments of a call, or the entries of a params dict, by keyword (or key) and by position.
    Positions count from the first argument written, so a method call's receiver is not one of them."""

    keywords: dict[str, Found] = field(default_factory=dict)
    positional: list[cst.BaseExpression] = field(default_factory=list)
    kind: CallKind = CallKind.FUNCTION
    # The `*args` from which on positions cannot be known.
    star_args: str | None = None
    # A `**mapping` (or a mutation) that cannot be read: keywords not written may still be in it.
    opaque: str | None = None
    # What a non-literal value is known to be where the call is (`if not shuffle:` narrows `shuffle`).
    narrow: Callable[[cst.BaseExpression], object] | None = None

    @classmethod
    def of_call(
        cls, call: cst.Call, kind: CallKind = CallKind.FUNCTION, resolve: DictResolver = _unreadable
    ) -> ArgumentView:
        view = cls(kind=kind)
        for arg in call.args:
            if arg.star == "**":
                view.spread(arg.value, resolve)
            elif arg.star == "*":
                view.star_args = view.star_args or f"*{code_of(arg.value)}"
            elif arg.keyword is not None:
                view.keywords[arg.keyword.value] = Found(arg.keyword.value, arg.value, arg)
            elif view.star_args is None:
                view.positional.append(arg.value)
        return view

    @classmethod
    def of_dict(cls, node: cst.BaseExpression, resolve: DictResolver = _unreadable) -> ArgumentView | None:
        """`{"seed": 0, **base}` or `dict(seed=0)`; None for anything else."""
        if isinstance(node, cst.Dict):
            view = cls()
            for element in node.elements:
                if isinstance(element, cst.StarredDictElement):
                    view.spread(element.value, resolve)
                    continue
                key = literal_value(element.key)
                if isinstance(key, str):
                    view.keywords[key] = Found(key, element.value, element)
                else:
                    view.opaque = view.opaque or f"the key {code_of(element.key)}"
            return view
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
            view = cls.of_call(node, resolve=resolve)
            for value in view.positional:
                inner = resolve(value)
                if inner is None:
                    view.opaque = view.opaque or code_of(value)
                else:
                    view.merge(inner)
            view.positional = []
            return view
        return None

    def spread(self, mapping: cst.BaseExpression, resolve: DictResolver) -> None:
        """`**mapping`: its entries when they can be read, else it makes the view opaque."""
        entries = resolve(mapping)
        if entries is None:
            self.opaque = self.opaque or f"**{code_of(mapping)}"
        else:
            self.merge(entries)

    def merge(self, other: ArgumentView) -> None:
        self.keywords.update(other.keywords)
        self.opaque = self.opaque or other.opaque

    def literal(self, node: cst.BaseExpression) -> object:
        value = literal_value(node)
        if value is NOT_LITERAL and self.narrow is not None:
            return self.narrow(node)
        return value

    def find(self, name: str, aliases: Iterable[str] = (), position: int | None = None) -> Found | None:
        """The argument as written, by keyword (or an alias) or at its position; None when not written."""
        for key in (name, *aliases):
            if key in self.keywords:
                return self.keywords[key]
        if position is not None and position < len(self.positional):
            value = self.positional[position]
            return Found(name, value, value)
        return None

    def hiding(self, position: int | None = None) -> str | None:
        """What may pass an argument that is not written: a `*args` covering its position, or an
        unreadable `**mapping`; None when nothing can."""
        if position is not None and self.star_args is not None and position >= len(self.positional):
            return self.star_args
        return self.opaque


# -- conditions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    level: Level
    condition: Condition | None = None  # the condition that decided
    found: Found | None = None  # its argument as written; None when absent (a default decided)
    opaque: str | None = None  # what may hide the argument, when that made the verdict uncertain
    option: str = ""  # the command-line option's value as written, when only a value other than its default holds

    @property
    def random(self) -> bool:
        return self.level > Level.NONE


ALWAYS = Verdict(Level.CERTAIN)
NEVER = Verdict(Level.NONE)


def all_of(verdicts: Iterable[Verdict]) -> Verdict:
    """Every condition must hold: the weakest verdict (the first of equals)."""
    weakest = ALWAYS
    for verdict in verdicts:
        if verdict.level < weakest.level:
            weakest = verdict
            if weakest.level is Level.NONE:
                break
    return weakest


def any_of(verdicts: Iterable[Verdict]) -> Verdict:
    """Any condition may hold: the strongest verdict (the first of equals)."""
    strongest = NEVER
    for verdict in verdicts:
        if verdict.level > strongest.level:
            strongest = verdict
            if strongest.level is Level.CERTAIN:
                break
    return strongest


def _displayed_items(node: cst.BaseExpression) -> object:
    """The items a tuple or list display writes out, whatever they hold (`[left, right]` has two), or
    NOT_LITERAL where a starred item makes the count unknowable."""
    if isinstance(node, (cst.Tuple, cst.List)) and not any(
        isinstance(element, cst.StarredElement) for element in node.elements
    ):
        return tuple(element.value for element in node.elements)
    return NOT_LITERAL


_NO_DEFAULT = object()
_WHEN_ABSENT = {True: Level.CERTAIN, False: Level.NONE, "runtime": Level.LOW}


@dataclass(frozen=True)
class Condition:
    """One argument condition, in either catalog form (see rules/README.md)."""

    argument: str | None  # None: the condition reads no argument and always holds, up to `cap`
    aliases: tuple[str, ...] = ()
    positions: Mapping[CallKind, int] = field(default_factory=dict)
    test: str | None = None  # values | not_values | below | above | lengths | any_literal | given
    operand: Any = None  # the values, the bound, or True/False for `given`
    runtime_values: tuple[object, ...] = ()  # literals whose effect the library decides at run time
    when_absent: Level = Level.NONE
    non_literal: Level = Level.MEDIUM
    hidden: Level = Level.LOW  # the argument may be in a `*args` or an unreadable `**mapping`
    none_is_absent: bool = False  # an explicit None counts as not passing the argument
    cap: Level = Level.CERTAIN  # the most certain this condition can be (`effect: data_dependent`: low)
    requires: Conditions | None = None  # conditions that must hold as well
    what: str | None = None
    default: object = _NO_DEFAULT  # the documented default

    @classmethod
    def from_op_form(cls, raw: Mapping[str, Any]) -> Condition:
        """`{keyword, aliases?, positions?, <test>, default?}` or `{runtime: <what>}`: decided by the
        default when absent; an explicit None is not passing the argument, and arguments that may hide
        in `*args`/`**kwargs` are as uncertain as non-literal ones."""
        if "runtime" in raw:
            # `assumed: false`: the condition seldom holds in real code and nothing static shows when it
            # does, so the entry is not matched (it stays for `detlint probe` and the op reference).
            cap = Level.NONE if raw.get("assumed") is False else Level.LOW
            return cls(argument=None, cap=cap, what=raw["runtime"])
        test = next(name for name in op_schema.CONDITION_TESTS if name in raw)
        operand = tuple(raw[test]) if isinstance(raw[test], list) else raw[test]
        condition = cls(
            argument=raw["keyword"],
            aliases=tuple(raw.get("aliases", ())),
            positions={CallKind(kind): position for kind, position in raw.get("positions", {}).items()},
            test=test,
            operand=operand,
            # `given: true` holds for whatever is passed, `given: false` for nothing passed.
            non_literal=(Level.CERTAIN if operand else Level.NONE) if test == "given" else Level.MEDIUM,
            hidden=Level.MEDIUM,
            none_is_absent=True,
            default=raw.get("default", _NO_DEFAULT),
        )
        if test == "given":
            absent = Level.NONE if operand else Level.CERTAIN
        else:
            absent = Level.CERTAIN if condition.has_default and condition.accepts(condition.default) else Level.NONE
        return replace(condition, when_absent=absent)

    @classmethod
    def from_estimator_form(cls, raw: Mapping[str, Any]) -> Condition:
        """`{argument, aliases?, position?, <test>, when_absent, runtime_values?, non_literal?,
        effect?, requires?, what?, default?}`, or `{effect, what}` alone."""
        cap = Level.LOW if raw.get("effect") == "data_dependent" else Level.CERTAIN
        if "argument" not in raw:
            return cls(argument=None, cap=cap, what=raw.get("what"))
        test = next(name for name in estimator_schema.CONDITION_TESTS if name in raw)
        position = raw.get("position")
        requires = tuple(cls.from_estimator_form(required) for required in raw.get("requires", ()))
        return cls(
            argument=raw["argument"],
            aliases=tuple(raw.get("aliases", ())),
            positions={} if position is None else dict.fromkeys(CallKind, position),
            test=test,
            operand=tuple(raw[test]) if isinstance(raw[test], list) else raw[test],
            runtime_values=tuple(raw.get("runtime_values", ())),
            when_absent=_WHEN_ABSENT[raw["when_absent"]],
            non_literal=Level.NONE if raw.get("non_literal") == "ignore" else Level.MEDIUM,
            cap=cap,
            requires=Conditions(requires, all_of) if requires else None,
            what=raw.get("what"),
            default=raw.get("default", _NO_DEFAULT),
        )

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT

    def accepts(self, value: object) -> bool:
        """Whether a literal value passes the test."""
        if self.test == "values":
            return any(same_value(value, expected) for expected in self.operand)
        if self.test == "not_values":
            return not any(same_value(value, expected) for expected in self.operand)
        if self.test == "below":
            return _number(value) and value < self.operand  # type: ignore[operator]
        if self.test == "above":
            return _number(value) and value > self.operand  # type: ignore[operator]
        if self.test == "given":
            return bool(self.operand)
        if self.test == "lengths":
            return isinstance(value, (tuple, list)) and len(value) in self.operand
        return True  # any_literal

    def evaluate(self, view: ArgumentView) -> Verdict:
        if self.argument is None:
            return Verdict(self.cap, self)
        position = self.positions.get(view.kind)
        found = view.find(self.argument, self.aliases, position)
        hidden_in = view.hiding(position) if found is None else None
        option = ""
        if found is not None:
            value = view.literal(found.value)
            if self.test == "lengths" and value is NOT_LITERAL:
                value = _displayed_items(found.value)
            level = self._level(value)
            if isinstance(value, CommandLineDefault) and self._level(value.value) is not Level.CERTAIN:
                option = code_of(found.value)
        else:
            level = self.when_absent if hidden_in is None else self.hidden
        verdict = Verdict(min(level, self.cap), self, found, hidden_in, option)
        if verdict.random and self.requires is not None:
            needed = self.requires.evaluate(view)
            if needed.level < verdict.level:
                verdict = Verdict(needed.level, self, found, hidden_in or needed.opaque)
        return verdict

    def _level(self, value: object) -> Level:
        if isinstance(value, CommandLineDefault):
            # the default run is judged like any other non-literal value; an option's other values, low
            return self.non_literal if self._level(value.value) is Level.CERTAIN else min(Level.LOW, self.cap)
        if value is None and self.none_is_absent:
            return self.when_absent
        if value is NOT_LITERAL:
            return self.non_literal
        if any(same_value(value, runtime) for runtime in self.runtime_values):
            return Level.LOW
        return Level.CERTAIN if self.accepts(value) else Level.NONE


@dataclass(frozen=True)
class Conditions:
    """An entry's conditions and how their verdicts combine; none at all means the entry always applies."""

    items: tuple[Condition, ...]
    combine: Callable[[Iterable[Verdict]], Verdict]

    @classmethod
    def op_form(cls, raws: Iterable[Mapping[str, Any]] | None) -> Conditions:
        """The op catalogs' (and `rng` consumers') conditions: all must hold."""
        return cls(tuple(Condition.from_op_form(raw) for raw in raws or ()), all_of)

    @classmethod
    def estimator_form(cls, raws: Iterable[Mapping[str, Any]] | None) -> Conditions:
        """The estimators catalog's conditions: any of them makes a call random."""
        return cls(tuple(Condition.from_estimator_form(raw) for raw in raws or ()), any_of)

    def __iter__(self) -> Iterator[Condition]:
        return iter(self.items)

    def evaluate(self, view: ArgumentView) -> Verdict:
        if not self.items:
            return ALWAYS
        return self.combine(condition.evaluate(view) for condition in self.items)

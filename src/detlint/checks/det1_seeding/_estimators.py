"""What DET105 and DET106 share: reading a call's arguments (or a params dict's keys) including
`**params` spreads and dicts bound to a name in the same function, evaluating the `estimators`
catalog's argument conditions against them, and writing the fixed call for messages.

A condition's verdict is a `Level`: `CERTAIN` when literal arguments (or documented defaults) decide
that the call draws random numbers, `MEDIUM` when an argument that could make it random is not a
literal, `LOW` when the library decides at run time from the data (`svd_solver='auto'`) or when
arguments may hide in a `**mapping` that cannot be read, `NONE` when it is deterministic.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from detlint.catalogs.loader import Catalog, Entry
from detlint.finding import Confidence
from detlint.names import NOT_LITERAL, code_of, dotted_name, literal_value

CATALOG = "estimators"
RUNTIME = "runtime"


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


# -- arguments -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """An argument or params key as written: its name, its value, and the node to report at."""

    key: str
    value: cst.BaseExpression
    node: cst.CSTNode


@dataclass
class ArgumentView:
    """The arguments of a call, or the entries of a params dict, by keyword or key."""

    keywords: dict[str, Found] = field(default_factory=dict)
    positional: list[cst.BaseExpression] = field(default_factory=list)
    # Positions after a `*args` cannot be known.
    positions_known: bool = True
    # A `**mapping` (or a mutation) detlint cannot read: absent keys may still be given.
    opaque: str | None = None
    # What a non-literal value is known to be where the call is (`if not shuffle:` narrows `shuffle`).
    narrow: Callable[[cst.BaseExpression], object] | None = None

    def literal(self, node: cst.BaseExpression) -> object:
        value = literal_value(node)
        if value is NOT_LITERAL and self.narrow is not None:
            return self.narrow(node)
        return value

    def lookup(self, name: str, aliases: Sequence[str] = (), position: int | None = None) -> Found | None:
        for key in (name, *aliases):
            if key in self.keywords:
                return self.keywords[key]
        if position is not None and self.positions_known and position < len(self.positional):
            value = self.positional[position]
            return Found(name, value, value)
        return None

    def merge(self, other: ArgumentView) -> None:
        self.keywords.update(other.keywords)
        self.opaque = self.opaque or other.opaque


DictResolver = Callable[[cst.BaseExpression], "ArgumentView | None"]


def view_of_call(call: cst.Call, resolve: DictResolver) -> ArgumentView:
    view = ArgumentView()
    for arg in call.args:
        if arg.star == "**":
            spread = resolve(arg.value)
            if spread is None:
                view.opaque = view.opaque or f"**{code_of(arg.value)}"
            else:
                view.merge(spread)
        elif arg.star == "*":
            view.positions_known = False
        elif arg.keyword is not None:
            view.keywords[arg.keyword.value] = Found(arg.keyword.value, arg.value, arg)
        elif view.positions_known:
            view.positional.append(arg.value)
    return view


def view_of_dict_literal(node: cst.BaseExpression, resolve: DictResolver) -> ArgumentView | None:
    """`{"seed": 0, **base}` or `dict(seed=0)`; None for anything else."""
    if isinstance(node, cst.Dict):
        view = ArgumentView()
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                spread = resolve(element.value)
                if spread is None:
                    view.opaque = view.opaque or f"**{code_of(element.value)}"
                else:
                    view.merge(spread)
                continue
            key = literal_value(element.key)
            if isinstance(key, str):
                view.keywords[key] = Found(key, element.value, element)
            else:
                view.opaque = view.opaque or f"the key {code_of(element.key)}"
        return view
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
        view = view_of_call(node, resolve)
        for value in view.positional:
            inner = resolve(value)
            if inner is None:
                view.opaque = view.opaque or code_of(value)
            else:
                view.merge(inner)
        view.positional = []
        return view
    return None


# -- conditions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    level: Level
    condition: Mapping[str, Any] | None = None  # the condition that decided
    found: Found | None = None  # its argument as written; None when absent (a default decided)
    opaque: str | None = None  # the unreadable `**mapping` that made the verdict uncertain

    @property
    def random(self) -> bool:
        return self.level > Level.NONE


ALWAYS = Verdict(Level.CERTAIN)
NEVER = Verdict(Level.NONE)


def same_value(value: object, expected: object) -> bool:
    """Equality that keeps booleans apart from integers and ignores the case of strings."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value is expected
    if value is None or expected is None:
        return value is expected
    if isinstance(value, str) and isinstance(expected, str):
        return value.lower() == expected.lower()
    if isinstance(value, (int, float)) and isinstance(expected, (int, float)):
        return value == expected
    return False


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def condition_holds(condition: Mapping[str, Any], value: object) -> bool:
    """Whether a literal value satisfies the condition's test."""
    if "values" in condition:
        return any(same_value(value, expected) for expected in condition["values"])
    if "not_values" in condition:
        return not any(same_value(value, expected) for expected in condition["not_values"])
    if "below" in condition:
        return _number(value) and value < condition["below"]  # type: ignore[operator]
    if "above" in condition:
        return _number(value) and value > condition["above"]  # type: ignore[operator]
    return bool(condition.get("any_literal"))


def evaluate(conditions: Sequence[Mapping[str, Any]] | None, view: ArgumentView) -> Verdict:
    """The strongest verdict among conditions (any of them makes the call random); no conditions
    means always random."""
    if not conditions:
        return ALWAYS
    best = NEVER
    for condition in conditions:
        verdict = evaluate_one(condition, view)
        if verdict.level > best.level:
            best = verdict
    return best


def evaluate_one(condition: Mapping[str, Any], view: ArgumentView) -> Verdict:
    cap = Level.LOW if condition.get("effect") == "data_dependent" else Level.CERTAIN
    if "argument" not in condition:
        return Verdict(min(Level.CERTAIN, cap), condition)
    found = view.lookup(condition["argument"], condition.get("aliases", ()), condition.get("position"))
    if found is not None:
        value = view.literal(found.value)
        if value is NOT_LITERAL:
            level = Level.NONE if condition.get("non_literal") == "ignore" else Level.MEDIUM
        elif any(same_value(value, runtime) for runtime in condition.get("runtime_values", ())):
            level = Level.LOW
        else:
            level = Level.CERTAIN if condition_holds(condition, value) else Level.NONE
        verdict = Verdict(min(level, cap), condition, found)
    elif view.opaque is not None:
        verdict = Verdict(Level.LOW, condition, None, view.opaque)
    else:
        when_absent = condition["when_absent"]
        level = Level.LOW if when_absent == RUNTIME else Level.CERTAIN if when_absent is True else Level.NONE
        verdict = Verdict(min(level, cap), condition)
    if verdict.level and condition.get("requires"):
        for required in condition["requires"]:
            other = evaluate_one(required, view)
            if other.level < verdict.level:
                verdict = Verdict(other.level, verdict.condition, verdict.found, verdict.opaque or other.opaque)
    return verdict


# -- seeds -----------------------------------------------------------------------------------------


class Seed(enum.Enum):
    GIVEN = "given"  # any expression but a literal None: the user's seed
    NONE = "none"  # an explicit `random_state=None`
    ABSENT = "absent"
    UNKNOWN = "unknown"  # absent, but a `**mapping` may carry it


@dataclass(frozen=True)
class SeedStatus:
    state: Seed
    found: Found | None = None
    opaque: str | None = None


def seed_status(view: ArgumentView, names: Sequence[str], position: int | None = None) -> SeedStatus:
    none_found = None
    for index, name in enumerate(names):
        found = view.lookup(name, position=position if index == 0 else None)
        if found is None:
            continue
        if literal_value(found.value) is None:
            none_found = none_found or found
        else:
            return SeedStatus(Seed.GIVEN, found)
    if none_found is not None:
        return SeedStatus(Seed.NONE, none_found)
    if view.opaque is not None:
        return SeedStatus(Seed.UNKNOWN, None, view.opaque)
    return SeedStatus(Seed.ABSENT)


# -- scopes: dicts bound to names, estimators re-seeded after construction ----------------------------


@dataclass
class _Binding:
    # (statement index, value) of every assignment, and (index, key, value, node) of every update.
    values: list[tuple[int, cst.BaseExpression]] = field(default_factory=list)
    updates: list[tuple[int, str | None, cst.BaseExpression, cst.CSTNode]] = field(default_factory=list)
    opaque: str | None = None


class _Scope:
    """Names assigned in one function (or module) body, computed on first use."""

    def __init__(self, body: Sequence[cst.CSTNode], parameters: frozenset[str] = frozenset()) -> None:
        self.body = body
        self.parameters = parameters
        self._bindings: dict[str, _Binding] | None = None
        self.order: dict[int, int] = {}  # id(statement) -> its index in source order
        self._index = 0

    @property
    def bindings(self) -> dict[str, _Binding]:
        if self._bindings is None:
            self._bindings = {}
            for index, statement in enumerate(_statements(self.body, into_definitions=False)):
                self.order[id(statement)] = self._index = index
                self._collect(statement)
        return self._bindings

    def _collect(self, statement: cst.CSTNode) -> None:
        bindings = self._bindings
        assert bindings is not None
        if isinstance(statement, (cst.For,)):
            for name in _target_names(statement.target):
                bindings.setdefault(name, _Binding()).opaque = "a loop variable"
        elif isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None:
                    for name in _target_names(item.asname.name):
                        bindings.setdefault(name, _Binding()).opaque = "a with-statement target"
        if not isinstance(statement, cst.SimpleStatementLine):
            return
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    self._assign(target.target, small.value, small)
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                self._assign(small.target, small.value, small)
            elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
                binding = bindings.setdefault(small.target.value, _Binding())
                binding.updates.append((self._index, None, small.value, small))
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                self._method_update(small.value)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        bindings = self._bindings
        assert bindings is not None
        if isinstance(target, cst.Name):
            bindings.setdefault(target.value, _Binding()).values.append((self._index, value))
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and len(target.slice) == 1:
            index = target.slice[0].slice
            key = literal_value(index.value) if isinstance(index, cst.Index) else NOT_LITERAL
            binding = bindings.setdefault(target.value.value, _Binding())
            binding.updates.append((self._index, key if isinstance(key, str) else None, value, node))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for name in _target_names(target):
                bindings.setdefault(name, _Binding()).opaque = "an unpacking assignment"

    def _method_update(self, call: cst.Call) -> None:
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return
        if func.attr.value not in ("update", "setdefault"):
            return
        binding = self.bindings.setdefault(func.value.value, _Binding())
        if func.attr.value == "setdefault":
            if call.args and isinstance(literal_value(call.args[0].value), str) and len(call.args) > 1:
                key = literal_value(call.args[0].value)
                binding.updates.append((self._index, key, call.args[1].value, call))  # type: ignore[arg-type]
            return
        binding.updates.append((self._index, None, call, call))  # resolved when the dict is read


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


def _statements(body: Sequence[cst.CSTNode], *, into_definitions: bool) -> Iterator[cst.CSTNode]:
    """Every statement of a body, through compound statements; function and class bodies only when
    `into_definitions`."""
    for statement in body:
        yield statement
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and not into_definitions:
            continue
        for block in _blocks(statement):
            yield from _statements(block, into_definitions=into_definitions)


def _blocks(statement: cst.CSTNode) -> Iterator[Sequence[cst.CSTNode]]:
    suites = []
    body = getattr(statement, "body", None)
    if isinstance(body, cst.BaseSuite):
        suites.append(body)
    for name in ("orelse", "finalbody"):
        branch = getattr(statement, name, None)
        while branch is not None:
            suites.append(branch.body)
            branch = getattr(branch, "orelse", None) if isinstance(branch, cst.If) else None
    suites.extend(handler.body for handler in getattr(statement, "handlers", ()))
    suites.extend(case.body for case in getattr(statement, "cases", ()))
    for suite in suites:
        if isinstance(suite, cst.IndentedBlock):
            yield suite.body


def _parameters(node: cst.FunctionDef) -> frozenset[str]:
    params = node.params
    names = [param.name.value for param in (*params.posonly_params, *params.params, *params.kwonly_params)]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.append(star.name.value)
    return frozenset(names)


class EstimatorVisitor:
    """Mixin for DET105/DET106: tracks function scopes (to read dicts bound to names), the enclosing
    calls, and the names of estimators re-seeded after construction (`est.set_params(random_state=0)`,
    `est.random_state = 0`). Subclasses implement `on_call`."""

    SEED_ATTRIBUTES: frozenset[str] = frozenset({"random_state", "seed", "random_seed"})

    def visit_Module(self, node: cst.Module) -> None:
        self._scopes: list[_Scope] = [_Scope(node.body)]
        self._calls: list[cst.Call] = []
        self._reseeded = self._reseeded_names(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        self._scopes.append(_Scope(body, _parameters(node)))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()

    def visit_Call(self, node: cst.Call) -> None:
        self.on_call(node)
        self._calls.append(node)

    def leave_Call(self, original_node: cst.Call) -> None:
        self._calls.pop()

    def on_call(self, node: cst.Call) -> None:
        """Override to judge a call."""

    # -- helpers for the rules ----------------------------------------------------------------------
    def enclosing_call(self) -> cst.Call | None:
        return self._calls[-1] if self._calls else None

    def view(self, call: cst.Call) -> ArgumentView:
        view = view_of_call(call, self.resolve_dict)
        view.narrow = self.narrowed
        return view

    def narrowed(self, node: cst.BaseExpression) -> object:
        """True or False for a name whose truth the enclosing `if name:` / `if not name:` branches
        decide at this point, else NOT_LITERAL."""
        if not isinstance(node, cst.Name):
            return NOT_LITERAL
        blocks = {id(block) for block in self.context.block_stack}  # type: ignore[attr-defined]
        statements = {id(statement) for statement in self.context.statement_stack}  # type: ignore[attr-defined]
        for statement in reversed(self.context.statement_stack):  # type: ignore[attr-defined]
            if not isinstance(statement, cst.If):
                continue
            test, negated = statement.test, False
            if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                test, negated = test.expression, True
            if not (isinstance(test, cst.Name) and test.value == node.value):
                continue
            if id(statement.body) in blocks:
                return not negated
            orelse = statement.orelse
            in_else = isinstance(orelse, cst.Else) and id(orelse.body) in blocks
            if in_else or (isinstance(orelse, cst.If) and id(orelse) in statements):
                return negated
        return NOT_LITERAL

    def resolve_dict(self, node: cst.BaseExpression, depth: int = 0) -> ArgumentView | None:
        """The entries of a dict literal, `dict(...)`, or a name bound to one in this function (or,
        when the function does not bind it, the module); None when unknown."""
        if depth > 4:
            return None
        literal = view_of_dict_literal(node, lambda inner: self.resolve_dict(inner, depth + 1))
        if literal is not None or not isinstance(node, cst.Name):
            return literal
        for level, scope in enumerate(reversed(self._scopes)):
            if node.value in scope.parameters:
                return None
            binding = scope.bindings.get(node.value)
            if binding is not None:
                # In the current function, only what happened before the current statement counts.
                until = self._current_index(scope) if level == 0 else None
                return self._binding_view(binding, depth, until)
        return None

    def _current_index(self, scope: _Scope) -> int | None:
        for statement in reversed(self.context.statement_stack):  # type: ignore[attr-defined]
            if id(statement) in scope.order:
                return scope.order[id(statement)]
        return None

    def _binding_view(self, binding: _Binding, depth: int, until: int | None) -> ArgumentView | None:
        values = [value for index, value in binding.values if until is None or index < until]
        if binding.opaque or not values or (until is None and len(values) != 1):
            return None
        view = view_of_dict_literal(values[-1], lambda inner: self.resolve_dict(inner, depth + 1))
        if view is None:
            return None
        start = max(index for index, _ in binding.values if until is None or index < until)
        for index, key, value, node in binding.updates:
            if index < start or (until is not None and index >= until):
                continue
            if key is not None:
                view.keywords[key] = Found(key, value, node)
            elif isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
                # `params.update(...)`: its keywords, or a dict literal argument.
                update = view_of_call(value, lambda inner: self.resolve_dict(inner, depth + 1))
                for positional in update.positional:
                    inner = self.resolve_dict(positional, depth + 1)
                    if inner is None:
                        view.opaque = view.opaque or f"the update {code_of(positional)}"
                    else:
                        view.merge(inner)
                view.keywords.update(update.keywords)
                view.opaque = view.opaque or update.opaque
            else:
                inner = self.resolve_dict(value, depth + 1)
                if inner is None:
                    view.opaque = view.opaque or f"the update {code_of(value)}"
                else:
                    view.merge(inner)
        return view

    def assigned_name(self, node: cst.Call) -> str | None:
        """`est` (or `self.est`) in `est = Estimator(...)`, when the call is the whole value."""
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None  # type: ignore[attr-defined]
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        for small in statement.body:
            if isinstance(small, cst.Assign) and small.value is node and len(small.targets) == 1:
                return dotted_name(small.targets[0].target)
            if isinstance(small, cst.AnnAssign) and small.value is node:
                return dotted_name(small.target)
        return None

    def reseeded_later(self, node: cst.Call) -> bool:
        name = self.assigned_name(node)
        return name is not None and name in self._reseeded

    def _reseeded_names(self, module: cst.Module) -> frozenset[str]:
        names = set()
        for statement in _statements(module.body, into_definitions=True):
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Attribute) and target.target.attr.value in self.SEED_ATTRIBUTES:
                            owner = dotted_name(target.target.value)
                            if owner:
                                names.add(owner)
                elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    call = small.value
                    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "set_params":
                        if any(arg.keyword is not None and arg.keyword.value in self.SEED_ATTRIBUTES for arg in call.args):
                            owner = dotted_name(call.func.value)
                            if owner:
                                names.add(owner)
        return frozenset(names)


# -- messages --------------------------------------------------------------------------------------


def with_keyword(
    call: cst.Call, keyword: str, value: str = "0", *, position: int | None = None, limit: int = 88
) -> str:
    """The call with `keyword=value` set (replacing an existing value, also one given at `position`),
    as one line; long calls are abbreviated to `f(..., keyword=value)`."""
    new_value = cst.parse_expression(value)
    args = list(call.args)
    positional = [index for index, arg in enumerate(args) if arg.keyword is None and not arg.star]
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == keyword:
            args[index] = arg.with_changes(value=new_value)
            break
    else:
        if position is not None and position < len(positional) and not any(arg.star == "*" for arg in args):
            index = positional[position]
            args[index] = args[index].with_changes(value=new_value)
            return _one_line(call, args, f"{keyword}={value}", limit)
        if args:
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(
            cst.Arg(
                value=new_value,
                keyword=cst.Name(keyword),
                equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
            )
        )
    return _one_line(call, args, f"{keyword}={value}", limit)


def _one_line(call: cst.Call, args: list[cst.Arg], added: str, limit: int) -> str:
    text = cst.Module([]).code_for_node(call.with_changes(args=args))
    if "\n" in text or len(text) > limit:
        return f"{code_of(call.func)}(..., {added})"
    return text


def describe(found: Found) -> str:
    """`shuffle=True` / `'subsample': 0.8` as written."""
    node = found.node
    if isinstance(node, cst.Arg) and node.keyword is not None:
        return f"{node.keyword.value}={code_of(node.value)}"
    if isinstance(node, cst.DictElement):
        return f"{code_of(node.key)}: {code_of(node.value)}"
    return f"{found.key}={code_of(found.value)}"


def default_text(condition: Mapping[str, Any]) -> str:
    default = condition.get("default")
    return repr(default) if "default" in condition else "unset"


# -- catalog indexes -------------------------------------------------------------------------------

_INDEXES: dict[tuple[str, str], Any] = {}


def indexed(catalog: Catalog, name: str, build: Callable[[Catalog], Any]) -> Any:
    key = (catalog.digest, name)
    if key not in _INDEXES:
        _INDEXES[key] = build(catalog)
    return _INDEXES[key]


def callables_index(entries: Sequence[Entry], field_name: str = "callables") -> dict[str, Entry]:
    return {name: entry for entry in entries for name in entry.get(field_name, ())}

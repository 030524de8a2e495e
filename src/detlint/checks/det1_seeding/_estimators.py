"""What DET105, DET106 and DET107 share: the argument view of a call (or the entries of a params dict)
including `**params` spreads and dicts bound to a name in the same function, whether a seed is
given, and writing the fixed call for messages. The `estimators` catalog's conditions are judged by
`detlint.catalogs.conditions` against that view.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from detlint.analysis.scopes import Binding, Scope
from detlint.analysis.statements import SIMPLE_STATEMENTS, descendants, statements
from detlint.catalogs.conditions import ArgumentView, Condition, Found
from detlint.checks.base import FixSpec
from detlint.names import NOT_LITERAL, argument, code_of, dotted_name, literal_value

# -- seeds -----------------------------------------------------------------------------------------


class Seed(enum.Enum):
    GIVEN = "given"  # any expression but a literal None: the user's seed
    NONE = "none"  # an explicit `random_state=None`
    ABSENT = "absent"
    UNKNOWN = "unknown"  # absent, but a `**mapping` (or a `*args`) may carry it


@dataclass(frozen=True)
class SeedStatus:
    state: Seed
    found: Found | None = None
    opaque: str | None = None


def seed_status(view: ArgumentView, names: Sequence[str], position: int | None = None) -> SeedStatus:
    none_found = None
    for index, name in enumerate(names):
        found = view.find(name, position=position if index == 0 else None)
        if found is None:
            continue
        if literal_value(found.value) is None:
            none_found = none_found or found
        else:
            return SeedStatus(Seed.GIVEN, found)
    if none_found is not None:
        return SeedStatus(Seed.NONE, none_found)
    hidden_in = view.hiding(position)
    if hidden_in is not None:
        return SeedStatus(Seed.UNKNOWN, None, hidden_in)
    return SeedStatus(Seed.ABSENT)


class EstimatorVisitor:
    """Mixin for DET105/DET106: tracks function scopes (to read dicts bound to names), the enclosing
    calls, and the names of estimators re-seeded after construction (`est.set_params(random_state=0)`,
    `est.random_state = 0`). Subclasses implement `on_call`."""

    SEED_ATTRIBUTES: frozenset[str] = frozenset({"random_state", "seed", "random_seed"})

    def visit_Module(self, node: cst.Module) -> None:
        self._scopes: list[Scope] = [self.context.model.scope(node)]  # type: ignore[attr-defined]
        self._calls: list[cst.Call] = []
        self._reseeded = self._reseeded_names(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append(self.context.model.scope(node))  # type: ignore[attr-defined]

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
        view = ArgumentView.of_call(call, resolve=self.resolve_dict)
        view.narrow = self.narrowed
        return view

    def narrowed(self, node: cst.BaseExpression) -> object:
        """True or False for a name whose truth the enclosing `if name:` / `if not name:` branches
        decide at this point, else NOT_LITERAL."""
        if not isinstance(node, cst.Name):
            return NOT_LITERAL
        open_blocks = {id(block) for block in self.context.block_stack}  # type: ignore[attr-defined]
        open_statements = {id(statement) for statement in self.context.statement_stack}  # type: ignore[attr-defined]
        for statement in reversed(self.context.statement_stack):  # type: ignore[attr-defined]
            if not isinstance(statement, cst.If):
                continue
            test, negated = statement.test, False
            if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                test, negated = test.expression, True
            if not (isinstance(test, cst.Name) and test.value == node.value):
                continue
            if id(statement.body) in open_blocks:
                return not negated
            orelse = statement.orelse
            in_else = isinstance(orelse, cst.Else) and id(orelse.body) in open_blocks
            if in_else or (isinstance(orelse, cst.If) and id(orelse) in open_statements):
                return negated
        return NOT_LITERAL

    def resolve_dict(self, node: cst.BaseExpression, depth: int = 0) -> ArgumentView | None:
        """The entries of a dict literal, `dict(...)`, or a name bound to one in this function (or,
        when the function does not bind it, the module); None when unknown."""
        if depth > 4:
            return None
        literal = ArgumentView.of_dict(node, lambda inner: self.resolve_dict(inner, depth + 1))
        if literal is not None or not isinstance(node, cst.Name):
            return literal
        for level, scope in enumerate(reversed(self._scopes)):
            if node.value in scope.parameters:
                # The callers' dict, unless the function rebinds or updates it (`params["seed"] = 0`).
                rewritten = scope.bindings.get(node.value)
                return self._passed_dict(node.value, depth) if level == 0 and rewritten is None else None
            binding = scope.bindings.get(node.value)
            if binding is not None:
                # In the current function, only what happened before the current statement counts.
                until = scope.current_index(self.context.statement_stack) if level == 0 else None  # type: ignore[attr-defined]
                return self._binding_view(binding, depth, until)
        return None

    def _passed_dict(self, parameter: str, depth: int) -> ArgumentView | None:
        """The dict the file's calls of the enclosing function pass as `parameter` (`fit({"subsample":
        0.8}, data)`, or a module-level name bound to one), when they all pass the same one."""
        function = self.context.enclosing_function()  # type: ignore[attr-defined]
        if function is None:
            return None
        names = [param.name.value for param in function.params.params]
        position = names.index(parameter) if parameter in names else None
        passed: dict[str, cst.BaseExpression] = {}
        for call in descendants(self.context.module, (cst.Call,)):  # type: ignore[attr-defined]
            if not (isinstance(call.func, cst.Name) and call.func.value == function.name.value):
                continue
            found = argument(call, parameter, position)
            if found is None or found.star:
                return None  # a call that leaves the default, or spreads its arguments
            passed[code_of(found.value)] = found.value
        if len(passed) != 1:
            return None
        (value,) = passed.values()
        if isinstance(value, cst.Name):
            binding = self._scopes[0].bindings.get(value.value)
            return self._binding_view(binding, depth + 1, None) if binding is not None else None
        return ArgumentView.of_dict(value, lambda inner: self.resolve_dict(inner, depth + 1))

    def _binding_view(self, binding: Binding, depth: int, until: int | None) -> ArgumentView | None:
        values = [value for index, value in binding.values if until is None or index < until]
        if binding.opaque or not values or (until is None and len(values) != 1):
            return None
        view = ArgumentView.of_dict(values[-1], lambda inner: self.resolve_dict(inner, depth + 1))
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
                update = ArgumentView.of_call(value, resolve=lambda inner: self.resolve_dict(inner, depth + 1))
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
        for statement in statements(module.body, into_definitions=True):
            if not isinstance(statement, SIMPLE_STATEMENTS):
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


def without_asides(text: str) -> str:
    """Text without its parentheses, for a one-sentence message (the detail keeps them)."""
    return re.sub(r"\s*\([^()]*\)", "", text)


def describe(found: Found) -> str:
    """`shuffle=True` / `'subsample': 0.8` as written."""
    node = found.node
    if isinstance(node, cst.Arg) and node.keyword is not None:
        return f"{node.keyword.value}={code_of(node.value)}"
    if isinstance(node, cst.DictElement):
        return f"{code_of(node.key)}: {code_of(node.value)}"
    return f"{found.key}={code_of(found.value)}"


def default_text(condition: Condition) -> str:
    return repr(condition.default) if condition.has_default else "unset"


def seed_fix(module: cst.Module, node: cst.Call, keyword: str | None, value: str = "0") -> FixSpec | None:
    """`keyword=value` added to the call (or replacing `keyword=None`): it changes which random draws the
    call makes, so it is an unsafe fix."""
    if not keyword or any(arg.star for arg in node.args):
        return None
    new = cst.Arg(value=cst.parse_expression(value), keyword=cst.Name(keyword), equal=cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    ))  # fmt: skip
    args = [arg for arg in node.args if not (arg.keyword is not None and arg.keyword.value == keyword)]
    args, new = _on_its_own_line(node, args, new)
    fixed = node.with_changes(args=[*args, new])
    return FixSpec.replace(node, module.code_for_node(fixed), f"pass `{keyword}={value}`", safe=False)


def _on_its_own_line(call: cst.Call, args: list[cst.Arg], new: cst.Arg) -> tuple[list[cst.Arg], cst.Arg]:
    """In a call laid out one argument per line with a trailing comma, the new argument gets a line of
    its own, indented like the others, and the trailing comma."""
    if not args or not isinstance(args[-1].comma, cst.Comma):
        return args, new
    last = args[-1]
    if not isinstance(last.comma.whitespace_after, cst.ParenthesizedWhitespace):
        return args, new
    previous = args[-2].comma.whitespace_after if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else None
    indent_from = previous if isinstance(previous, cst.ParenthesizedWhitespace) else call.whitespace_before_args
    if not isinstance(indent_from, cst.ParenthesizedWhitespace):
        return args, new
    line_break = cst.ParenthesizedWhitespace(indent=indent_from.indent, last_line=indent_from.last_line)
    return [*args[:-1], last.with_changes(comma=cst.Comma(whitespace_after=line_break))], new.with_changes(
        comma=last.comma
    )

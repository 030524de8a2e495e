"""A scope's bindings: for each name a function (or module) body assigns, every assignment and update
in source order, across branches and loops, with the index of the statement that made it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from detlint.analysis.statements import SIMPLE_STATEMENTS, statements, target_names
from detlint.names import NOT_LITERAL, literal_value


@dataclass
class Binding:
    """What one name is given in one scope. Assignments in both branches of an `if` (or in a loop)
    are all kept: the name may hold any of them after it."""

    values: list[tuple[int, cst.BaseExpression]] = field(default_factory=list)  # (statement index, value)
    # (statement index, key or None, value, node): `d[k] = v`, `d.setdefault(k, v)`, `d.update(...)`
    # (its call as the value), `x += v`.
    updates: list[tuple[int, str | None, cst.BaseExpression, cst.CSTNode]] = field(default_factory=list)
    opaque: str | None = None  # why the value cannot be read: a loop variable, a with-target, unpacking


class Scope:
    """The names one function (or module) body binds, computed on first use. Nested definitions are
    scopes of their own."""

    def __init__(self, body: Sequence[cst.CSTNode], parameters: Sequence[str] = ()) -> None:
        self.body = body
        self.parameters = frozenset(parameters)
        self._bindings: dict[str, Binding] | None = None
        self._order: dict[int, int] = {}
        self._index = 0

    @property
    def bindings(self) -> dict[str, Binding]:
        if self._bindings is None:
            self._walk()
        assert self._bindings is not None
        return self._bindings

    def index_of(self, statement: cst.CSTNode) -> int | None:
        """A statement's place in the body's source order (the walker's), if the body holds it."""
        if self._bindings is None:
            self._walk()
        return self._order.get(id(statement))

    def _walk(self) -> None:
        self._bindings = {}
        for index, statement in enumerate(statements(self.body)):
            self._order[id(statement)] = self._index = index
            self._collect(statement)

    def _binding(self, name: str) -> Binding:
        assert self._bindings is not None
        return self._bindings.setdefault(name, Binding())

    def _collect(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, cst.For):
            for name in target_names(statement.target):
                self._binding(name).opaque = "a loop variable"
        elif isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None:
                    for name in target_names(item.asname.name):
                        self._binding(name).opaque = "a with-statement target"
        if not isinstance(statement, SIMPLE_STATEMENTS):
            return
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    self._assign(target.target, small.value, small)
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                self._assign(small.target, small.value, small)
            elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
                self._binding(small.target.value).updates.append((self._index, None, small.value, small))
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                self._method_update(small.value)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self._binding(target.value).values.append((self._index, value))
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and len(target.slice) == 1:
            index = target.slice[0].slice
            key = literal_value(index.value) if isinstance(index, cst.Index) else NOT_LITERAL
            self._binding(target.value.value).updates.append((self._index, key if isinstance(key, str) else None, value, node))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for name in target_names(target):
                self._binding(name).opaque = "an unpacking assignment"

    def _method_update(self, call: cst.Call) -> None:
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return
        if func.attr.value not in ("update", "setdefault"):
            return
        binding = self._binding(func.value.value)
        if func.attr.value == "setdefault":
            if call.args and isinstance(literal_value(call.args[0].value), str) and len(call.args) > 1:
                key = literal_value(call.args[0].value)
                binding.updates.append((self._index, key, call.args[1].value, call))  # type: ignore[arg-type]
            return
        binding.updates.append((self._index, None, call, call))  # read when the dict is

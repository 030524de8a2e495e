"""A scope's bindings: for each name a function (or module) body assigns, every assignment and update
in source order, across branches and loops, with the index of the statement that made it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from detlint.analysis.statements import SIMPLE_STATEMENTS, blocks, descendants, suite_statements, target_names
from detlint.names import NOT_LITERAL, dotted_name, literal_value


@dataclass
class Binding:
    """What one name is given in one scope. Assignments in both branches of an `if` (or in a loop)
    are all kept: the name may hold any of them after it."""

    values: list[tuple[int, cst.BaseExpression]] = field(default_factory=list)  # (statement index, value)
    # (statement index, key or None, value, node): `d[k] = v`, `d.setdefault(k, v)`, `d.update(...)`
    # (its call as the value), `x += v`.
    updates: list[tuple[int, str | None, cst.BaseExpression, cst.CSTNode]] = field(default_factory=list)
    # why the value cannot be read: a loop variable, a with-target, unpacking, an assignment expression,
    # an import, a definition, an exception name, `del`, `global`
    opaque: str | None = None


class Scope:
    """The names one function (or module) body binds, computed on first use. Nested definitions are
    scopes of their own."""

    def __init__(self, body: Sequence[cst.CSTNode], parameters: Sequence[str] = ()) -> None:
        self.body = body
        self.parameters = frozenset(parameters)
        self._bindings: dict[str, Binding] | None = None
        self._order: dict[int, int] = {}
        self._index = 0
        # By statement place: the block holding the statement (numbered in walk order), and the place
        # of the last statement nested in it (itself when it has none).
        self._blocks: list[int] = []
        self._ends: list[int] = []
        self._block_count = 0

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
        self._block_count = 0
        self._walk_block(self.body, 0)

    def _walk_block(self, body: Sequence[cst.CSTNode], block: int) -> None:
        """Every statement of a block, each before those nested in it (the order of `statements`). A
        `with` body always runs, so it continues the block around it; every other nested block is
        one of its own."""
        for statement in body:
            index = self._index = len(self._blocks)
            self._order[id(statement)] = index
            self._blocks.append(block)
            self._ends.append(index)
            self._collect(statement)
            if isinstance(statement, cst.With):
                self._walk_block(suite_statements(statement.body), block)
            elif not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                for nested in blocks(statement):
                    self._block_count += 1
                    self._walk_block(nested, self._block_count)
            self._ends[index] = len(self._blocks) - 1

    def _binding(self, name: str) -> Binding:
        assert self._bindings is not None
        return self._bindings.setdefault(name, Binding())

    def current_index(self, statement_stack: Sequence[cst.CSTNode]) -> int | None:
        """The place of the innermost statement being visited that the body holds."""
        for statement in reversed(statement_stack):
            index = self.index_of(statement)
            if index is not None:
                return index
        return None

    def binds(self, name: str) -> bool:
        return name in self.parameters or name in self.bindings

    def value_at(self, name: str, statement_stack: Sequence[cst.CSTNode]) -> cst.BaseExpression | None:
        """The value a name holds on every path to the innermost statement of `statement_stack` the body
        holds: the latest plain assignment ahead of it, in a block around it (`x = x.float()` then
        `y = f(x)`). None where the name may hold anything else there: a parameter or no assignment
        yet, a rebinding in a branch or any other form, an update, or a later assignment in a loop
        around it that carries a value over to the next pass."""
        binding = self._plain(name)
        current = self.current_index(statement_stack)
        if binding is None or current is None:
            return None
        ahead = [(index, value) for index, value in binding.values if index < current]
        if not ahead:
            return None
        index, value = ahead[-1]
        held = [(self._order[id(statement)], statement) for statement in statement_stack if id(statement) in self._order]
        if self._blocks[index] not in {self._blocks[place] for place, _ in held}:
            return None  # assigned in a branch the statement is not in
        # A loop around the statement that reassigns the name, where the assignment read is made before
        # the loop: a later pass may read the value the previous pass left.
        loops = [
            place for place, statement in held if isinstance(statement, (cst.For, cst.While)) and place > index
        ]
        if any(loop < later <= self._ends[loop] for loop in loops for later, _ in binding.values):
            return None
        return value

    def single_value(self, name: str) -> cst.BaseExpression | None:
        """The value of a name the body binds exactly once, by a plain assignment it never updates: what
        a function defined in the body finds when it runs. None for a parameter, or a name bound,
        rebound or updated any other way."""
        binding = self._plain(name)
        if name in self.parameters or binding is None or len(binding.values) != 1:
            return None
        return binding.values[0][1]

    def _plain(self, name: str) -> Binding | None:
        """A name's binding when plain assignments are all that bind it: no update, no other form."""
        binding = self.bindings.get(name)
        return None if binding is None or binding.opaque or binding.updates else binding

    def _collect(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, cst.For):
            for name in target_names(statement.target):
                self._binding(name).opaque = "a loop variable"
        elif isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None:
                    for name in target_names(item.asname.name):
                        self._binding(name).opaque = "a with-statement target"
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            self._binding(statement.name.value).opaque = "a definition"
            for declaration in descendants(statement, (cst.Global, cst.Nonlocal)):
                for item in declaration.names:
                    self._binding(item.name.value).opaque = "rebound by a nested definition"
        elif isinstance(statement, cst.Match):
            for case in statement.cases:
                for capture in descendants(case.pattern, (cst.MatchAs, cst.MatchStar, cst.MatchMapping)):
                    name = capture.rest if isinstance(capture, cst.MatchMapping) else capture.name
                    if name is not None:
                        self._binding(name.value).opaque = "a match capture"
        for handler in getattr(statement, "handlers", ()):
            if handler.name is not None:
                for name in target_names(handler.name.name):
                    self._binding(name).opaque = "an exception name"
        for part in _header(statement):
            for walrus in descendants(part, cst.NamedExpr, skip=_OWN_SCOPES):
                for name in target_names(walrus.target):
                    self._binding(name).opaque = "an assignment expression"
        if not isinstance(statement, SIMPLE_STATEMENTS):
            return
        for small in statement.body:
            self._other_binding(small)
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    self._assign(target.target, small.value, small)
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                self._assign(small.target, small.value, small)
            elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
                self._binding(small.target.value).updates.append((self._index, None, small.value, small))
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                self._method_update(small.value)

    def _other_binding(self, small: cst.BaseSmallStatement) -> None:
        """Names a small statement binds or unbinds without a value the scope can read."""
        if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
            for alias in small.names:
                bound = alias.asname.name if alias.asname is not None else alias.name
                name = bound.value if isinstance(bound, cst.Name) else dotted_name(bound)
                if name:  # `import a.b` binds `a`
                    self._binding(name.split(".")[0]).opaque = "an import"
        elif isinstance(small, cst.Del):
            for name in target_names(small.target):
                self._binding(name).opaque = "a del statement"
        elif isinstance(small, (cst.Global, cst.Nonlocal)):
            for item in small.names:
                self._binding(item.name.value).opaque = "a global declaration"

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression, node: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self._binding(target.value).values.append((self._index, value))
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and len(target.slice) == 1:
            index = target.slice[0].slice
            key = literal_value(index.value) if isinstance(index, cst.Index) else NOT_LITERAL
            self._binding(target.value.value).updates.append((self._index, key if isinstance(key, str) else None, value, node))
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            self._binding(target.value.value).updates.append((self._index, None, value, node))  # `x[:, 0] = v`
        elif isinstance(target, (cst.Tuple, cst.List)):
            for name in target_names(target):
                self._binding(name).opaque = "an unpacking assignment"

    def _method_update(self, call: cst.Call) -> None:
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return
        method = func.attr.value
        if method.endswith("_") and not method.startswith("_"):
            self._binding(func.value.value).opaque = "changed in place"  # `x.mul_(w)`, `x.requires_grad_()`
            return
        if method not in ("update", "setdefault"):
            return
        binding = self._binding(func.value.value)
        if func.attr.value == "setdefault":
            if call.args and isinstance(literal_value(call.args[0].value), str) and len(call.args) > 1:
                key = literal_value(call.args[0].value)
                binding.updates.append((self._index, key, call.args[1].value, call))  # type: ignore[arg-type]
            return
        binding.updates.append((self._index, None, call, call))  # read when the dict is


# What opens a scope of its own: an assignment expression inside it does not bind in this body
# (a comprehension's does, so comprehensions are entered).
_OWN_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def _header(statement: cst.CSTNode) -> list[cst.CSTNode]:
    """The parts of a statement that are not nested bodies: a simple statement line whole; a compound
    statement's tests (with its elifs'), iterable, context managers or subject. The walker yields
    nested bodies apart."""
    if isinstance(statement, SIMPLE_STATEMENTS):
        return [statement]
    parts = [getattr(statement, name, None) for name in ("test", "iter", "subject")]
    parts += [item.item for item in getattr(statement, "items", ())]
    parts += [decorator.decorator for decorator in getattr(statement, "decorators", ())]
    parts += [case.guard for case in getattr(statement, "cases", ())]
    branch = getattr(statement, "orelse", None)
    while isinstance(branch, cst.If):
        parts.append(branch.test)
        branch = branch.orelse
    return [part for part in parts if part is not None]

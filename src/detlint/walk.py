"""One read-only traversal of a libcst tree that calls batched visitors' `visit_*`/`leave_*` methods
in the order libcst's own `visit_batched` does, several times faster.

libcst's traversal serves transformers too: it rebuilds and revalidates every node it passes and
calls per-attribute hooks, which a visitor that only reads pays for at each of a file's ~10,000
nodes. Here each node class's child fields are found once, in the order libcst visits them, read
from the `visit_*(self, "field", ...)` calls of the class's `_visit_and_replace_children`; nodes that
hold only whitespace and punctuation are skipped unless some visitor asks for them.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterable, Mapping
from functools import cache

import libcst as cst

Callback = Callable[[cst.CSTNode], None]

# Nodes with nothing but whitespace, comments and punctuation below them.
_TRIVIA_BASES: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comment,
    cst.Comma,
    cst.Semicolon,
    cst.Colon,
    cst.Dot,
    cst.AssignEqual,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.ImportStar,
)


@cache
def child_fields(node_class: type[cst.CSTNode]) -> tuple[str, ...]:
    """The fields of a node class that may hold child nodes, in libcst's visiting order."""
    source = textwrap.dedent(inspect.getsource(node_class._visit_and_replace_children))
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("visit_")
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
    ]
    calls.sort(key=lambda call: (call.lineno, call.col_offset))
    return tuple(dict.fromkeys(str(call.args[1].value) for call in calls))  # type: ignore[attr-defined]


def collect_callbacks(visitors: Iterable[cst.BatchableCSTVisitor]) -> dict[str, list[Callback]]:
    """Every visitor's `visit_*`/`leave_*` callbacks by method name, in visitor order."""
    table: dict[str, list[Callback]] = {}
    for visitor in visitors:
        for name, callback in visitor.get_visitors().items():
            table.setdefault(name, []).append(callback)
    return table


def visit_batched(module: cst.CSTNode, visitors: Iterable[cst.BatchableCSTVisitor]) -> None:
    """Run the visitors over the tree in one depth-first pass (visit before children, leave after)."""
    if not _libcst_source_readable():
        cst.visit_batched(module, list(visitors))  # an install without libcst's .py files: its own walk
        return
    Walker(collect_callbacks(visitors)).walk(module)


@cache
def _libcst_source_readable() -> bool:
    try:
        return bool(child_fields(cst.Module))
    except (OSError, TypeError, SyntaxError):
        return False


class Walker:
    def __init__(self, callbacks: Mapping[str, list[Callback]]) -> None:
        self.callbacks = callbacks
        wanted = {name.partition("_")[2] for name in callbacks}
        # Skipping trivia is only safe while no visitor asks for any of it.
        self.skip_trivia = not any(
            issubclass(node_class, _TRIVIA_BASES) for node_class in _node_classes() if node_class.__name__ in wanted
        )
        self._plans: dict[type, tuple[tuple[Callback, ...], tuple[str, ...], tuple[Callback, ...]] | None] = {}

    def _plan(self, node_class: type) -> tuple[tuple[Callback, ...], tuple[str, ...], tuple[Callback, ...]] | None:
        if self.skip_trivia and issubclass(node_class, _TRIVIA_BASES):
            return None
        name = node_class.__name__
        visits = tuple(self.callbacks.get(f"visit_{name}", ()))
        leaves = tuple(self.callbacks.get(f"leave_{name}", ()))
        return visits, child_fields(node_class), leaves

    def walk(self, node: cst.CSTNode) -> None:
        plans = self._plans
        node_class = type(node)
        try:
            plan = plans[node_class]
        except KeyError:
            plan = plans[node_class] = self._plan(node_class)
        if plan is None:
            return
        visits, fields, leaves = plan
        for callback in visits:
            callback(node)
        walk = self.walk
        for field in fields:
            value = getattr(node, field)
            if isinstance(value, cst.CSTNode):
                walk(value)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    if isinstance(item, cst.CSTNode):
                        walk(item)
        for callback in leaves:
            callback(node)


@cache
def _node_classes() -> tuple[type[cst.CSTNode], ...]:
    """The node classes libcst exports (its `__subclasses__` also holds pre-`__slots__` copies)."""
    return tuple(value for value in vars(cst).values() if isinstance(value, type) and issubclass(value, cst.CSTNode))

"""Line and column ranges for chosen nodes, computed in one code-generation pass.

libcst's PositionProvider records a range for every node of the module, which costs about twice the
parse itself. Findings and facts need ranges for a handful of nodes, so this state records only
those (and the child nodes their syntactic ranges are hoisted from), with the same semantics.
It relies on libcst's code-generation protocol (`Module._codegen` and `CodegenState`), which is
why the libcst dependency is bounded below 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.internal import CodegenState

from detlint.finding import Span

_NEWLINES = ("\r\n", "\r", "\n")


class _LocatingState(CodegenState):
    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1
        self.column = 0
        self.wanted = wanted
        self.found: dict[int, Span] = {}
        self._starts: list[tuple[int, int] | None] = []

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            normalized = value.replace("\r\n", "\n").replace("\r", "\n")
            self.line += normalized.count("\n")
            self.column = len(normalized) - normalized.rfind("\n") - 1
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append((self.line, self.column) if id(node) in self.wanted else None)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        if start is not None and id(node) not in self.found:
            self.found[id(node)] = Span(start[0], start[1], self.line, self.column)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        if id(node) not in self.wanted:
            yield
            return
        # The range may be hoisted from children: make sure theirs are recorded too.
        for child in (start_node, end_node):
            if child is not None:
                self.wanted.add(id(child))
        start = (self.line, self.column)
        try:
            yield
        finally:
            if start_node is not None and id(start_node) in self.found:
                begin = self.found[id(start_node)]
                start = (begin.line, begin.column)
            end = (self.line, self.column)
            if end_node is not None and id(end_node) in self.found:
                finish = self.found[id(end_node)]
                end = (finish.end_line, finish.end_column)
            self.found[id(node)] = Span(start[0], start[1], end[0], end[1])


def locate(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, Span]:
    """Span of each node (keyed by `id(node)`), as libcst's PositionProvider would give it."""
    wanted = {id(node) for node in nodes}
    if not wanted:
        return {}
    state = _LocatingState(module, wanted)
    module._codegen(state)
    return state.found


def statement_nodes(statement: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes `statement_lines` needs located: the statement and the first line of its body."""
    body = getattr(statement, "body", None)
    if isinstance(statement, cst.BaseCompoundStatement) and isinstance(body, cst.IndentedBlock) and body.body:
        return [statement, body.body[0]]
    return [statement]


def statement_lines(spans: dict[int, Span], statement: cst.CSTNode) -> tuple[int, int]:
    """The lines a suppression comment may sit on: a simple statement's lines, or a compound
    statement's header (up to its body)."""
    where = spans[id(statement)]
    nodes = statement_nodes(statement)
    if len(nodes) == 2:
        return where.line, max(where.line, spans[id(nodes[1])].line - 1)
    return where.line, where.end_line

"""The one statement walker: every statement of a body through compound statements, the names an
assignment target binds, and a function's parameters. Pure syntax, so the import table may use it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

import libcst as cst

_Node = TypeVar("_Node", bound=cst.CSTNode)

# What holds small statements (assignments, expressions, imports): a line, or a one-line suite
# (`if x: y = 1`), which the walker yields as a simple statement of its own.
SIMPLE_STATEMENTS = (cst.SimpleStatementLine, cst.SimpleStatementSuite)


def statements(body: Sequence[cst.CSTNode], *, into_definitions: bool = False) -> Iterator[cst.CSTNode]:
    """Every statement of a body in source order, each before the statements nested in it (if/elif/else,
    for/while with else, try/except/else/finally, with, match); function and class bodies only when
    `into_definitions`."""
    for statement in body:
        yield statement
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and not into_definitions:
            continue
        for block in blocks(statement):
            yield from statements(block, into_definitions=into_definitions)


def blocks(statement: cst.CSTNode) -> Iterator[Sequence[cst.CSTNode]]:
    """The statement lists nested in a compound statement, in source order: its body, its except
    handlers, its elif/else branches, its finally block and its match cases. A one-line suite
    (`if x: y = 1`) is a list of one simple statement."""
    body = getattr(statement, "body", None)
    if isinstance(body, cst.BaseSuite):
        yield suite_statements(body)
    for handler in getattr(statement, "handlers", ()):
        yield suite_statements(handler.body)
    for name in ("orelse", "finalbody"):
        branch = getattr(statement, name, None)
        while branch is not None:
            yield suite_statements(branch.body)
            branch = getattr(branch, "orelse", None) if isinstance(branch, cst.If) else None
    for case in getattr(statement, "cases", ()):
        yield suite_statements(case.body)


def suite_statements(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return suite.body if isinstance(suite, cst.IndentedBlock) else (suite,)


def target_names(target: cst.BaseExpression) -> Iterator[str]:
    """The plain names an assignment target binds: a name, or the names inside a tuple or list (also
    starred). Attributes and subscripts bind no name."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from target_names(target.value)


def parameters(function: cst.FunctionDef | cst.Lambda, *, variadic: bool = True) -> tuple[str, ...]:
    """A function's (or lambda's) parameter names in order: positional-only, positional, keyword-only, then (when
    `variadic`) `*args` and `**kwargs`."""
    return tuple(param.name.value for param in parameter_nodes(function, variadic=variadic))


def parameter_nodes(function: cst.FunctionDef | cst.Lambda, *, variadic: bool = True) -> tuple[cst.Param, ...]:
    """The parameters themselves, in the order `parameters` names them."""
    params = function.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    if variadic:
        every += [star for star in (params.star_arg, params.star_kwarg) if isinstance(star, cst.Param)]
    return tuple(every)


def descendants(node: cst.CSTNode, kind: type[_Node], skip: tuple[type, ...] = ()) -> Iterator[_Node]:
    """Every node of type `kind` in `node`'s tree (itself included), in source order, not entering `skip`
    nodes."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, kind):
            yield current
        if not isinstance(current, skip):
            stack.extend(reversed(current.children))

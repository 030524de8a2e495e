"""The fast traversal calls visitors exactly as libcst's `visit_batched` does."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import libcst as cst
import pytest

from detlint import walk

REPO = Path(__file__).resolve().parents[1]
SAMPLES = [
    path
    for path in sorted((REPO / "src" / "detlint").rglob("*.py"))[:40] + sorted((REPO / "fixtures").rglob("*.py"))
    if path.stat().st_size > 200
]
EDGE_CASES = """\
from . import (a as b,)
from .x import *
@decorator(1)
async def f(x: int = 1, *args, y, **kw) -> "T":
    async with a as (b, c), d:
        yield [i async for i in g if i if not i]
    return {**kw, 'k': f"{x!r:>{width}}"}, lambda *, z=2: z
match command:
    case [Point(x=0, y=0), *rest] | {"k": _, **others} if rest:
        pass
try:
    del x[1:2:3], y
except* (A, B) as error:
    raise X from error
finally:
    global g; nonlocal_ = ...
while (n := n - 1) > 0 and a is not b:
    x @= y ** -z
else:
    print(*a, sep="")
type Alias[T] = list[T]
"""


class Recorder(cst.BatchableCSTVisitor):
    def __init__(self, node_classes) -> None:
        super().__init__()
        self.events: list[tuple[str, str, int]] = []
        self.node_classes = node_classes

    def get_visitors(self):
        visitors = {}
        for node_class in self.node_classes:
            name = node_class.__name__
            visitors[f"visit_{name}"] = lambda node, name=name: self.events.append(("visit", name, id(node)))
            visitors[f"leave_{name}"] = lambda node, name=name: self.events.append(("leave", name, id(node)))
        return visitors


def events(traverse, module: cst.Module, node_classes) -> list[tuple[str, str, int]]:
    recorder = Recorder(node_classes)
    traverse(module, [recorder])
    return recorder.events


ALL = walk._node_classes()
SEMANTIC = tuple(node_class for node_class in ALL if not issubclass(node_class, walk._TRIVIA_BASES))


@pytest.mark.parametrize("node_classes", [ALL, SEMANTIC], ids=["with-trivia", "semantic"])
@pytest.mark.parametrize("source", [EDGE_CASES, *SAMPLES], ids=lambda item: getattr(item, "name", "edge-cases"))
def test_same_calls_in_the_same_order_as_libcst(source, node_classes):
    text = source if isinstance(source, str) else source.read_text(encoding="utf-8")
    module = cst.parse_module(text)
    expected = events(cst.visit_batched, module, node_classes)
    assert events(walk.visit_batched, module, node_classes) == expected
    assert len(expected) > 10


def test_trivia_is_skipped_only_while_nobody_asks_for_it():
    assert walk.Walker(walk.collect_callbacks([Recorder(SEMANTIC)])).skip_trivia
    assert not walk.Walker(walk.collect_callbacks([Recorder([cst.Comment])])).skip_trivia


def test_child_fields_are_fields_of_every_concrete_node_class():
    concrete = [node_class for node_class in ALL if not node_class.__name__.startswith("Base")]
    assert len(concrete) > 150
    for node_class in concrete:
        assert set(walk.child_fields(node_class)) <= {field.name for field in dataclasses.fields(node_class)}


def test_without_libcst_sources_its_own_traversal_is_used(monkeypatch):
    module = cst.parse_module(EDGE_CASES)
    expected = events(cst.visit_batched, module, SEMANTIC)
    monkeypatch.setattr(walk, "_libcst_source_readable", lambda: False)
    monkeypatch.setattr(walk, "Walker", None)  # would raise if used
    assert events(walk.visit_batched, module, SEMANTIC) == expected

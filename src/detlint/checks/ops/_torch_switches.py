"""What DET203 and DET208 both need: where a file sets a PyTorch determinism switch, read through the
file's imports and the `torch_switches` catalog."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from detlint.catalog import Catalog, Entry
from detlint.rule import Rule

CATALOG = "torch_switches"
TORCH_FRAMEWORKS = frozenset({"torch", "lightning", "pytorch_lightning"})


@dataclass(frozen=True)
class SwitchWrite:
    """`<namespace>.<attribute> = <value>`, written as an assignment or with `setattr`."""

    node: cst.CSTNode  # what to report at
    namespace: str  # e.g. torch.backends.cudnn
    attribute: str  # e.g. benchmark
    value: object  # the literal value, or NOT_LITERAL

    @property
    def qualname(self) -> str:
        return f"{self.namespace}.{self.attribute}"


def switch_writes(rule: Rule, node: cst.CSTNode) -> Iterator[SwitchWrite]:
    """Attribute writes in an Assign/AnnAssign statement or a `setattr(ns, "attr", value)` call."""
    if isinstance(node, cst.Assign):
        for target in node.targets:
            yield from _attribute_write(rule, target.target, node.value)
    elif isinstance(node, cst.AnnAssign) and node.value is not None:
        yield from _attribute_write(rule, node.target, node.value)
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "setattr":
        if len(node.args) == 3 and all(arg.keyword is None and not arg.star for arg in node.args):
            namespace = rule.qualname(node.args[0].value)
            attribute = rule.literal(node.args[1].value)
            if namespace and isinstance(attribute, str):
                yield SwitchWrite(node, namespace, attribute, rule.literal(node.args[2].value))


def _attribute_write(rule: Rule, target: cst.BaseExpression, value: cst.BaseExpression) -> Iterator[SwitchWrite]:
    if isinstance(target, cst.Attribute):
        namespace = rule.qualname(target.value)
        if namespace:
            yield SwitchWrite(target, namespace, target.attr.value, rule.literal(value))
    elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
        # `cudnn.benchmark, cudnn.deterministic = True, False`
        if len(target.elements) == len(value.elements):
            for element, element_value in zip(target.elements, value.elements):
                yield from _attribute_write(rule, element.value, element_value.value)


class SwitchVisitor:
    """Mixin for torch switch rules: routes every switch write (assignment, annotated assignment,
    `setattr`) to `on_switch_write` and every call to `on_call`."""

    def visit_Assign(self, node: cst.Assign) -> None:
        self._route(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._route(node)

    def visit_Call(self, node: cst.Call) -> None:
        self._route(node)
        self.on_call(node)

    def _route(self, node: cst.CSTNode) -> None:
        for write in switch_writes(self, node):
            self.on_switch_write(write)

    def on_switch_write(self, write: SwitchWrite) -> None:
        """Override to judge a write."""

    def on_call(self, node: cst.Call) -> None:
        """Override to judge a call."""


def switch_entry(catalog: Catalog, qualname: str) -> Entry | None:
    return next((entry for entry in catalog.entries(CATALOG, "switches") if entry["attribute"] == qualname), None)


@dataclass(frozen=True)
class KeywordSwitch:
    """A call such as `Trainer(benchmark=True)` or `cudnn.flags(deterministic=True)`."""

    entry: Entry
    callable: str
    autotune: cst.Arg | None
    deterministic: cst.Arg | None


def keyword_switch(rule: Rule, call: cst.Call) -> KeywordSwitch | None:
    qualname = rule.qualname(call.func)
    if qualname is None:
        return None
    for entry in rule.catalog.entries(CATALOG, "keyword_switches"):
        if qualname in entry["callables"]:
            autotune = rule.argument(call, entry["autotune_keyword"]) if entry.get("autotune_keyword") else None
            deterministic = (
                rule.argument(call, entry["deterministic_keyword"]) if entry.get("deterministic_keyword") else None
            )
            return KeywordSwitch(entry, qualname, autotune, deterministic)
    return None


def short_name(qualname: str) -> str:
    """`lightning.pytorch.Trainer` -> `Trainer`, for messages."""
    return qualname.rsplit(".", 1)[-1]

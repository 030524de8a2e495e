"""What DET203 and DET208 both need: a visitor that routes every switch write and call to them."""

from __future__ import annotations

import libcst as cst

from detlint.facts.switches import KeywordSwitch, SwitchWrite, keyword_switch

TORCH_FRAMEWORKS = frozenset({"torch", "lightning", "pytorch_lightning"})


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
        for write in self.context.model.attribute_writes(node):
            self.on_switch_write(write)

    def keyword_switch(self, call: cst.Call) -> KeywordSwitch | None:
        return keyword_switch(self.context.imports, self.catalog, call)

    def on_switch_write(self, write: SwitchWrite) -> None:
        """Override to judge a write."""

    def on_call(self, node: cst.Call) -> None:
        """Override to judge a call."""


def short_name(qualname: str) -> str:
    """`lightning.pytorch.Trainer` -> `Trainer`, for messages."""
    return qualname.rsplit(".", 1)[-1]

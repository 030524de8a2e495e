"""Lookups over the `torch_switches` catalog: switch attributes, calls that set switches through
keywords, deterministic-mode functions and helpers, removed APIs, and the calls that mark CUDA use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from detlint.catalogs.entries import Entry, entries_by

if TYPE_CHECKING:
    from detlint.catalogs.loader import Catalog

CATALOG = "torch_switches"


class SwitchIndex:
    def __init__(self, catalog: Catalog) -> None:
        def section(name: str) -> tuple[Entry, ...]:
            return catalog.entries(CATALOG, name)

        self.switches = entries_by(section("switches"), "attribute")
        self.flag_namespaces = entries_by(section("flag_namespaces"), "id")
        self.keyword_switches = entries_by(section("keyword_switches"))
        self.mode_functions = entries_by(section("mode_functions"), "id")
        self.determinism_helpers = entries_by(section("determinism_helpers"))
        self.removed_apis = entries_by(section("removed_apis"), "id")
        self.cuda_markers = section("cuda_markers")
        # Switches that make only some ops deterministic (cuDNN's flag): the ops, by torch_ops id.
        self.cudnn_covered: frozenset[str] = frozenset(
            op for name in ("switches", "keyword_switches") for entry in section(name) for op in entry.get("covers_ops", ())
        )

"""Lookups over the `ordering` catalog: which calls and methods list directories, make sets or
consume an order, what loop bodies do with one, and which types hash in a per-process order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from detlint.catalogs.entries import Entry, entries_by

if TYPE_CHECKING:
    from detlint.catalogs.loader import Catalog

CATALOG = "ordering"


class OrderingIndex:
    def __init__(self, catalog: Catalog) -> None:
        def section(name: str) -> tuple[Entry, ...]:
            return catalog.entries(CATALOG, name)

        def hashes(key: str) -> dict[str, str]:
            return {name: entry["hash"] for name, entry in entries_by(section("hash_types"), key).items()}

        self.listing_callables = entries_by(section("listings"), "callables")
        self.listing_methods = entries_by(section("listings"), "methods")
        self.path = section("path_types")[0]
        self.archive_constructors = {name for entry in section("archive_paths") for name in entry["constructors"]}
        self.archive_annotations = {name for entry in section("archive_paths") for name in entry["annotations"]}
        self.assertion_callables = entries_by(section("assertions"), "callables")
        self.assertion_methods = entries_by(section("assertions"), "methods")
        self.consumer_callables = entries_by(section("consumers"), "callables")
        self.consumer_methods = entries_by(section("consumers"), "methods")
        self.method_receivers = frozenset(name for entry in section("consumers") for name in entry.get("receivers", ()))
        # the last part of the constructors `made_by` names (`Pool`): what a walk resolves at all
        self.maker_names = frozenset(
            maker.rpartition(".")[2] for entry in section("consumers") for maker in entry.get("made_by", ())
        )
        self.value_methods = entries_by(section("value_methods"), "methods")
        self.table_methods = entries_by(section("table_methods"), "methods")
        self.table_row_attributes = frozenset(section("tables")[0]["row_attributes"])
        self.loop_callables = entries_by(section("loop_effects"), "callables")
        self.loop_methods = entries_by(section("loop_effects"), "methods")
        self.user_inputs = frozenset(name for entry in section("user_inputs") for name in entry["callables"])
        self.sets = section("sets")[0]
        self.mappings = section("mappings")[0]
        self.search_paths = {
            (entry["mapping"], variable) for entry in section("search_paths") for variable in entry["variables"]
        }
        self.hash_callables = hashes("callables")
        self.hash_methods = hashes("methods")
        self.hash_iterable_callables = hashes("iterable_callables")
        self.hash_iterable_methods = hashes("iterable_methods")

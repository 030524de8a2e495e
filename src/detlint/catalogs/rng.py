"""Lookups over the `rng` catalog: which calls seed which global generator, which calls draw from one,
which generator objects need their own seed, and which values make unstable seeds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from detlint.catalogs.conditions import Conditions
from detlint.catalogs.entries import Entry, entries_by
from detlint.names import argument, literal_value

if TYPE_CHECKING:
    from detlint.catalogs.loader import Catalog

CATALOG = "rng"


@dataclass(frozen=True)
class Library:
    id: str
    display: str
    fix: str


class RngIndex:
    def __init__(self, catalog: Catalog) -> None:
        def entries(section: str) -> tuple[Entry, ...]:
            return catalog.entries(CATALOG, section)

        self.libraries = {e.id: Library(e.id, e["display"], e["fix"]) for e in entries("libraries")}
        self._seeders = entries_by(entries("seeders"))
        self._seeder_methods = entries_by(entries("seeders"), "methods")
        self._consumers = entries_by(entries("consumers"))
        self._consumers_by_id = {entry.id: entry for entry in entries("consumers")}
        self._consumer_conditions = {e.id: Conditions.op_form(e.get("conditions")) for e in entries("consumers")}
        self._consumer_prefixes = [(p, e) for e in entries("consumers") for p in e.get("prefixes", ())]
        self._consumer_methods = entries_by(entries("consumers"), "methods")
        self._generators = entries_by(entries("generators"))
        self.worker_loaders = entries("worker_loaders")
        self._worker_loaders = entries_by(self.worker_loaders)
        self._entropy_seeders = set(entries_by(entries("entropy_seeders")))
        self._unstable = entries_by(entries("unstable_sources"))
        self.seed_keywords = frozenset(name for e in entries("seed_keywords") for name in e["names"])
        self.key_consumers = entries_by(entries("key_consumers"))
        # Top-level packages the catalog describes (torch, numpy, transformers, ...).
        self.packages = frozenset(
            name.split(".")[0]
            for section in ("seeders", "consumers", "generators", "unstable_sources")
            for entry in entries(section)
            for name in (*entry.get("callables", ()), *entry.get("prefixes", ()))
        )

    def seeder(self, qualname: str) -> Entry | None:
        return self._seeders.get(qualname)

    def seeder_method(self, name: str) -> Entry | None:
        return self._seeder_methods.get(name)

    def consumer_by_id(self, entry_id: str) -> Entry:
        return self._consumers_by_id[entry_id]

    def consumer(self, qualname: str) -> Entry | None:
        entry = self._consumers.get(qualname)
        if entry is not None:
            return entry
        if "__" in qualname:
            return None  # `module.__dict__`, `__version__`: introspection, not a call into the library
        for prefix, candidate in self._consumer_prefixes:
            if qualname.startswith(prefix) and qualname not in candidate.get("exclude", ()):
                return candidate
        return None

    def consumer_method(self, name: str) -> Entry | None:
        return self._consumer_methods.get(name)

    def consumer_conditions(self, consumer: Entry) -> Conditions:
        """When a consumer draws, in the op catalogs' form of conditions (all must hold)."""
        return self._consumer_conditions[consumer.id]

    def generator(self, qualname: str) -> Entry | None:
        return self._generators.get(qualname)

    def worker_loader(self, qualname: str) -> Entry | None:
        return self._worker_loaders.get(qualname)

    def reseeds_from_entropy(self, call: cst.Call, qualname: str) -> bool:
        """`random.seed()`, `np.random.seed(None)`, `torch.seed()`: a fresh seed from the OS."""
        if qualname not in self._entropy_seeders:
            return False
        seeder = self.seeder(qualname)
        if seeder is None:
            return True  # takes no seed at all
        ref = seeder.get("seed_argument")
        if ref is None:
            return False  # seeds from its configuration
        seed = argument(call, ref["keyword"], ref.get("position"))
        return seed is None or literal_value(seed.value) is None

    def unstable_source(self, qualname: str) -> Entry | None:
        return self._unstable.get(qualname)

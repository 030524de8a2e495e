"""Lookups over the `rng` catalog: which calls seed which global generator, which calls draw from one,
which generator objects need their own seed, and which values make unstable seeds."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from detlint.catalogs.loader import Catalog, Entry, load_catalog
from detlint.names import argument, literal_value
from detlint.catalogs.ops import CallArgs, CallKind, Condition, all_hold

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
        self._seeders = _by_callable(entries("seeders"))
        self._seeder_methods = {m: e for e in entries("seeders") for m in e.get("methods", ())}
        self._consumers = _by_callable(entries("consumers"))
        self._consumer_prefixes = [(p, e) for e in entries("consumers") for p in e.get("prefixes", ())]
        self._consumer_methods = {m: e for e in entries("consumers") for m in e.get("methods", ())}
        self._generators = _by_callable(entries("generators"))
        self.worker_loaders = entries("worker_loaders")
        self._worker_loaders = _by_callable(self.worker_loaders)
        self._entropy_seeders = set(_by_callable(entries("entropy_seeders")))
        self._unstable = _by_callable(entries("unstable_sources"))
        self.seed_keywords = frozenset(name for e in entries("seed_keywords") for name in e["names"])
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
        ref = seeder["seed_argument"]
        seed = argument(call, ref["keyword"], ref.get("position"))
        return seed is None or literal_value(seed.value) is None

    def unstable_source(self, qualname: str) -> Entry | None:
        return self._unstable.get(qualname)


def _by_callable(entries: tuple[Entry, ...]) -> dict[str, Entry]:
    return {name: entry for entry in entries for name in entry.get("callables", ())}


_INDEXES: dict[str, RngIndex] = {}


def rng_index(catalog: Catalog | None = None) -> RngIndex:
    """The index of a catalog, built once per catalog content."""
    catalog = catalog or load_catalog()
    if catalog.digest not in _INDEXES:
        _INDEXES[catalog.digest] = RngIndex(catalog)
    return _INDEXES[catalog.digest]


def conditions_hold(entry: Entry, call: cst.Call) -> bool | None:
    """Whether a consumer entry's argument conditions hold for a call's literal arguments (None when
    only run time can tell); the same conditions, and evaluator, as the op catalogs'."""
    conditions = _conditions(entry)
    return all_hold(condition.evaluate(CallArgs.from_call(call, CallKind.FUNCTION)) for condition in conditions)


_CONDITIONS: dict[int, tuple[Condition, ...]] = {}


def _conditions(entry: Entry) -> tuple[Condition, ...]:
    if id(entry) not in _CONDITIONS:
        _CONDITIONS[id(entry)] = tuple(Condition.from_mapping(raw) for raw in entry.get("conditions", ()))
    return _CONDITIONS[id(entry)]

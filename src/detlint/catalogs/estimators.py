"""Lookups over the `estimators` catalog: the scikit-learn callables and pandas methods that draw
random numbers, the gradient-boosting libraries' models, training functions and settings, the
hyper-parameter search samplers and tuners, each with
its argument conditions parsed once (the estimators' form: any condition makes a call random)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from detlint.catalogs.conditions import Conditions
from detlint.catalogs.entries import Entry, entries_by

if TYPE_CHECKING:
    from detlint.catalogs.loader import Catalog

CATALOG = "estimators"
# Calls that seed NumPy's global RNG when the `rng` catalog is not loaded with this one (Python's
# `random.seed` likewise).
_FALLBACK_NUMPY_SEEDERS = frozenset({"numpy.random.seed"})
# The fields of each section that hold conditions.
_CONDITION_FIELDS = {"scikit_learn": "random_when", "gradient_boosting": "stochastic", "nondeterministic_settings": "when"}


@dataclass(frozen=True)
class GbmTarget:
    """A call that builds or trains a gradient-boosting model."""

    library: Entry
    params_argument: Mapping[str, Any] | None  # None for estimators (their keywords are the parameters)


class EstimatorIndex:
    def __init__(self, catalog: Catalog) -> None:
        self.scikit_learn = entries_by(catalog.entries(CATALOG, "scikit_learn"))
        self.methods = entries_by(catalog.entries(CATALOG, "methods"), "method")
        self.numpy_seeders = _seeders(catalog, "numpy", _FALLBACK_NUMPY_SEEDERS)
        self.python_random_seeders = _seeders(catalog, "random", frozenset({"random.seed"}))
        self.searches = entries_by(catalog.entries(CATALOG, "hyperparameter_search"))
        self.search_methods = entries_by(catalog.entries(CATALOG, "hyperparameter_search"), "methods")
        spaces = catalog.entries(CATALOG, "search_spaces")
        self.space_methods = entries_by(spaces, "methods")
        self.space_callables = entries_by(spaces, "callables")
        self.space_dict_values = entries_by(spaces, "dict_values")
        self.space_grids = entries_by(spaces, "grid_callables")
        seeds = catalog.entries(CATALOG, "seed_parameters")
        self.seed_names = frozenset(name for entry in seeds for name in entry["names"])
        self.seed_suffixes = tuple(suffix for entry in seeds for suffix in entry.get("suffixes", ()))
        replication = catalog.entries(CATALOG, "replication")
        # Method name -> the fewest arguments with which it trains (`model.train()` only sets a mode).
        self.training_methods: dict[str, int] = {}
        for entry in replication:
            for method in entry.get("methods", ()) if entry["role"] == "trains" else ():
                fewest = entry.get("min_arguments", 0)
                self.training_methods[method] = min(self.training_methods.get(method, fewest), fewest)
        evaluating = [entry for entry in replication if entry["role"] == "evaluates"]
        self.evaluating_methods = frozenset(name for entry in evaluating for name in entry.get("methods", ()))
        self.evaluating_callables = frozenset(name for entry in evaluating for name in entry.get("callables", ()))
        self.recording_methods = frozenset(
            name for entry in replication if entry["role"] == "records" for name in entry.get("methods", ())
        )
        self.replicating_callables = frozenset(
            name for entry in replication if entry["role"] == "replicates" for name in entry.get("callables", ())
        )
        self.gbm_targets: dict[str, GbmTarget] = {}
        for library in catalog.entries(CATALOG, "gradient_boosting"):
            for name in library["estimators"]:
                self.gbm_targets[name] = GbmTarget(library, None)
            for function in library.get("training_functions", ()):
                for name in function["callables"]:
                    self.gbm_targets[name] = GbmTarget(library, function["params_argument"])
        self.gbm_settings: dict[str, list[Entry]] = {}
        for entry in catalog.entries(CATALOG, "nondeterministic_settings"):
            self.gbm_settings.setdefault(entry["library"], []).append(entry)
        self._conditions = {
            (section, entry.id): Conditions.estimator_form(entry.get(field))
            for section, field in _CONDITION_FIELDS.items()
            for entry in catalog.entries(CATALOG, section)
        }

    def conditions(self, entry: Entry) -> Conditions:
        """When the entry's call is random: `random_when`, `stochastic` or `when`, by section."""
        return self._conditions[(entry.section, entry.id)]


def _seeders(catalog: Catalog, library: str, fallback: frozenset[str]) -> frozenset[str]:
    """The `rng` catalog's seeders covering a library's global state (`numpy`, `random`)."""
    try:
        seeders = catalog.entries("rng", "seeders")
    except KeyError:
        return fallback
    names = {name for entry in seeders if library in entry["covers"] for name in entry["callables"]}
    return frozenset(names) | fallback

"""The registry of probe recipes, keyed by the names the catalogs' `probe:` fields use.

A recipe has two halves. `plan(op, arguments, scale)` is plain Python: from the catalog entry's id,
the call's literal arguments and the size factor it returns the recipe's parameters (the *variant*:
what will run, as JSON). Findings whose variants are equal run once. `build(...)` runs in the worker
process, where the framework is imported, and turns a plan into a callable that executes the op once
on seeded synthetic inputs and returns its outputs.

Registering a recipe never imports its framework: the backend modules import it inside `build`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Plan = dict[str, Any]
Planner = Callable[[str | None, Mapping[str, Any], int], Plan]

# Sizes: a factor on the synthetic inputs' element counts.
SIZES = {"small": 1, "medium": 4, "large": 16}

BACKEND_MODULES = {
    "torch": "detlint.probe.backends.torch",
    "tensorflow": "detlint.probe.backends.tensorflow",
    "xgboost": "detlint.probe.backends.xgboost",
}

# Catalog recipe names the probe has no recipe for, and why.
NO_RECIPE: dict[str, str] = {
    "jax_scatter_add": "the probe has no JAX backend (JAX's deterministic mode is an XLA flag read at start-up)",
}


@dataclass(frozen=True)
class Recipe:
    name: str
    backend: str  # torch | tensorflow | xgboost
    plan: Planner
    build: Callable[..., Any]
    backward: bool = False  # compares gradients as well as outputs
    summary: str = ""


_REGISTRY: dict[str, Recipe] = {}


def register(name: str, backend: str, *, plan: Planner | None = None, backward: bool = False) -> Callable:
    """Decorator for a backend's `build` function."""

    def decorate(build: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY:
            raise ValueError(f"probe recipe {name!r} is registered twice")
        summary = (build.__doc__ or "").strip().split("\n")[0]
        _REGISTRY[name] = Recipe(name, backend, plan or default_plan, build, backward, summary)
        return build

    return decorate


def default_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    return {"scale": scale}


def registry() -> Mapping[str, Recipe]:
    """Every recipe of every backend (importing the backend modules, not the frameworks)."""
    import importlib

    for module in BACKEND_MODULES.values():
        importlib.import_module(module)
    return dict(_REGISTRY)


def lookup(name: str) -> Recipe | None:
    return registry().get(name)


# -- helpers for planners: read the call's literal arguments -----------------------------------------


def choice(arguments: Mapping[str, Any], keyword: str, options: tuple[str, ...], default: str) -> str:
    """A string argument that must be one of `options` (compared case-insensitively); else the default."""
    value = arguments.get(keyword)
    if isinstance(value, str) and value.lower() in options:
        return value.lower()
    return default


def flag(arguments: Mapping[str, Any], keyword: str, default: bool) -> bool:
    value = arguments.get(keyword)
    return value if isinstance(value, bool) else default


def integer(arguments: Mapping[str, Any], keyword: str, default: int | None) -> int | None:
    value = arguments.get(keyword)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def dtype(arguments: Mapping[str, Any], default: str, allowed: tuple[str, ...]) -> str:
    """`dtype=torch.float64` arrives as "torch.float64" or "float64" when the analyzer records it."""
    value = arguments.get("dtype")
    if isinstance(value, str):
        name = value.rsplit(".", 1)[-1]
        if name in allowed:
            return name
    return default

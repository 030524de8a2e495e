from typing import Any

from detlint.catalogs.schemas.fields import Schema, argument_ref, is_bool, is_str, list_of_str
from detlint.catalogs.schemas.ops import conditions
from detlint.versions import VersionRange


def _library_from_version(value: Any) -> str | None:
    expected = (
        "{framework, versions, library, why, framework_initializer?, packages?} (strings; versions, and the"
        " values of packages, PEP 440 ranges)"
    )
    required = {"framework", "versions", "library", "why"}
    if not isinstance(value, dict) or not required <= set(value) <= required | {"framework_initializer", "packages"}:
        return expected
    packages = value.get("packages", {})
    strings = [item for key, item in value.items() if key != "packages"]
    if not isinstance(packages, dict) or not all(isinstance(item, str) and item for item in strings):
        return expected
    try:
        for ranged in (value["versions"], *packages.values()):
            VersionRange(ranged)
    except (ValueError, TypeError):
        return expected
    return None


def _fixed_initializers(value: Any) -> str | None:
    if isinstance(value, dict) and set(value) == {"keyword", "names"} and isinstance(value["keyword"], str):
        if isinstance(value["names"], list) and all(isinstance(name, str) for name in value["names"]):
            return None
    return "{keyword: <argument>, names: [<initializer names>]}"


SCHEMA: dict[str, Schema] = {
    "rng": {
        "libraries": {"display": (is_str, True), "fix": (is_str, True)},
        "seeders": {
            "callables": (list_of_str, True),
            "methods": (list_of_str, False),
            "covers": (list_of_str, True),
            "seed_argument": (argument_ref, False),  # absent: the call seeds from elsewhere (a config)
        },
        "consumers": {
            "library": (is_str, True),
            "callables": (list_of_str, False),
            "prefixes": (list_of_str, False),
            "methods": (list_of_str, False),
            "exclude": (list_of_str, False),
            "conditions": (conditions(with_positions=True), False),
            "local_generator_keyword": (is_str, False),
            "seed_keyword": (is_str, False),
            "deferred": (is_bool, False),
            "draws_values": (is_bool, False),  # returns random numbers a program can feed in as data
            "initialises_weights": (is_bool, False),  # a layer's initial weights: stored weights replace them
            # The library drawn from changes with a framework's version (Keras 3 draws from Python's
            # `random`): `framework`, `versions` (where `library` applies; also when the version is
            # not known, as the newest release), `library`, `why`.
            "library_from_version": (_library_from_version, False),
            # {keyword, names}: an initializer given there whose name (case aside) is listed draws nothing.
            "fixed_initializers": (_fixed_initializers, False),
            "what": (is_str, True),
        },
        "generators": {
            "callables": (list_of_str, True),
            "seed_argument": (argument_ref, False),
            "seeded_by_method": (is_str, False),
            "always_unseeded": (is_bool, False),
        },
        "entropy_seeders": {"callables": (list_of_str, True)},
        "unstable_sources": {
            "callables": (list_of_str, True),
            "what": (is_str, True),
            "requires_unseeded": (is_bool, False),
        },
        "seed_keywords": {"names": (list_of_str, True)},
        # DET109: JAX's explicit keys: the calls that consume a key (each must get a fresh one).
        "key_consumers": {
            "callables": (list_of_str, True),
            "key_argument": (argument_ref, True),
            "what": (is_str, True),
        },
        "worker_loaders": {
            "callables": (list_of_str, True),
            "workers_argument": (argument_ref, True),
            "generator_keyword": (is_str, True),
            "worker_init_keyword": (is_str, True),
            "workers_reseed_since": (is_str, True),
            "workers_reseed": (list_of_str, True),
        },
    },
}

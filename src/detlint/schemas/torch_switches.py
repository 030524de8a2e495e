from detlint.schemas.fields import Schema, is_str, levels, list_of_str, one_of

SCHEMA: dict[str, Schema] = {
    "torch_switches": {
        "flag_namespaces": {"attributes": (list_of_str, True)},
        "switches": {
            "attribute": (is_str, True),
            "effect": (one_of("autotune", "deterministic"), True),
        },
        "keyword_switches": {
            "callables": (list_of_str, True),
            "autotune_keyword": (is_str, False),
            "deterministic_keyword": (is_str, False),
            "deterministic_levels": (levels, False),
        },
        "mode_functions": {
            "argument": (is_str, True),
            "levels": (levels, True),
            "warn_only_keyword": (is_str, False),
            "since": (is_str, False),
        },
        "removed_apis": {
            "replacement": (is_str, True),
            "deprecated_in": (is_str, False),
            "removed_in": (is_str, True),
        },
    },
}

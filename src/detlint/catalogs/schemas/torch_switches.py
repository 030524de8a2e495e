from detlint.catalogs.schemas.fields import Schema, is_bool, is_str, levels, list_of_str, one_of

SCHEMA: dict[str, Schema] = {
    "torch_switches": {
        "flag_namespaces": {"attributes": (list_of_str, True)},
        "switches": {
            "attribute": (is_str, True),
            "effect": (one_of("autotune", "deterministic"), True),
            "covers_ops": (list_of_str, False),  # a switch that covers only these torch_ops entries
        },
        "keyword_switches": {
            "callables": (list_of_str, True),
            "autotune_keyword": (is_str, False),
            "deterministic_keyword": (is_str, False),
            "deterministic_levels": (levels, False),
            "sets_environment": (list_of_str, False),
            "covers_ops": (list_of_str, False),
        },
        "determinism_helpers": {
            "callables": (list_of_str, True),
            "frameworks": (list_of_str, True),
            "warn_only_keyword": (is_str, False),
            "when_keyword": (is_str, False),
            "sets_environment": (list_of_str, False),
        },
        "cuda_markers": {
            "callables": (list_of_str, False),
            "prefixes": (list_of_str, False),
            "methods": (list_of_str, False),
            "keywords": (list_of_str, False),
            "string_prefixes": (list_of_str, False),
            "placement_keywords": (list_of_str, False),  # a device map: any value but CPU-only places on GPUs
            "accelerator_keyword": (is_str, False),
            "gpu_accelerators": (list_of_str, False),
            "exclude": (list_of_str, False),
            "packages": (list_of_str, False),
            "initializes": (is_bool, True),
            "unless_imported": (list_of_str, False),  # another device backend that takes over (torch_xla)
            "query": (is_bool, False),
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

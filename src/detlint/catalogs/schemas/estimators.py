"""Schema of `rules/estimators.yaml`: scikit-learn estimators, splitters and functions that draw random
numbers, pandas' `sample`, and the gradient-boosting libraries' stochastic parameters and seeds.

Argument conditions are shared by every section: a condition names one argument (or one key of a
params dict, with its aliases) and says for which literal values it holds, and whether it holds when
the argument is absent (`when_absent: true | false | runtime`). A condition without `argument` always
holds. `requires` lists conditions that must hold as well.
"""

from __future__ import annotations

from typing import Any

from detlint.catalogs.schemas.fields import Check, Schema, argument_ref, is_bool, is_str, list_of_str, one_of

CONFIDENCES = ("high", "medium", "low")
CONDITION_TESTS = ("values", "not_values", "below", "above", "any_literal")
_CONDITION_KEYS = {
    "argument",
    "aliases",
    "position",
    *CONDITION_TESTS,
    "runtime_values",
    "when_absent",
    "default",
    "non_literal",
    "effect",
    "requires",
    "what",
}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def condition(value: Any) -> str | None:
    """One argument condition (see the module docstring)."""
    expected = (
        "{argument?, aliases?, position?, values|not_values|below|above|any_literal, runtime_values?, "
        "when_absent: true|false|runtime, default?, non_literal?: maybe|ignore, "
        "effect?: random|data_dependent, requires?: [conditions], what?}"
    )
    if not isinstance(value, dict) or not set(value) <= _CONDITION_KEYS:
        return expected
    if "argument" not in value:
        # An unconditional condition: only its effect and description.
        return None if set(value) <= {"effect", "what"} else expected
    tests = [test for test in CONDITION_TESTS if test in value]
    valid = (
        isinstance(value["argument"], str)
        and len(tests) == 1
        and value.get("when_absent") in (True, False, "runtime")
        and isinstance(value.get("position", 0), int)
        and list_of_str(value.get("aliases", ["x"])) is None
        and isinstance(value.get("values", []), list)
        and isinstance(value.get("not_values", []), list)
        and isinstance(value.get("runtime_values", []), list)
        and _number(value.get("below", 0))
        and _number(value.get("above", 0))
        and value.get("any_literal", True) is True
        and value.get("non_literal", "maybe") in ("maybe", "ignore")
        and value.get("effect", "random") in ("random", "data_dependent")
        and is_str(value.get("what", "x")) is None
        and ("requires" not in value or conditions(value["requires"]) is None)
    )
    return None if valid else expected


def conditions(value: Any) -> str | None:
    if isinstance(value, list) and value and all(condition(item) is None for item in value):
        return None
    return "a non-empty list of conditions, each " + (condition(None) or "")


def _mapping_of(fields: dict[str, tuple[Check, bool]], what: str) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, dict) or not set(value) <= set(fields):
            return what
        for key, (field_check, required) in fields.items():
            if key not in value:
                if required:
                    return what
            elif field_check(value[key]) is not None:
                return what
        return None

    return check


def _list_of_mappings(fields: dict[str, tuple[Check, bool]], what: str) -> Check:
    item = _mapping_of(fields, what)

    def check(value: Any) -> str | None:
        if isinstance(value, list) and value and all(item(element) is None for element in value):
            return None
        return f"a non-empty list of {what}"

    return check


def _any_value(value: Any) -> str | None:
    return None


def _is_int(value: Any) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) else "an integer"


_TRAINING_FUNCTION = {
    "callables": (list_of_str, True),
    "params_argument": (argument_ref, True),
}

SCHEMA: dict[str, Schema] = {
    "estimators": {
        # DET105: a scikit-learn callable that uses randomness; `random_when` absent = always.
        "scikit_learn": {
            "callables": (list_of_str, True),
            "kind": (one_of("estimator", "splitter", "function", "generator", "search"), True),
            "why": (is_str, True),
            "random_when": (conditions, False),
            "seed_argument": (argument_ref, False),  # default {keyword: random_state}
            "seed_default": (_any_value, False),  # a fixed documented default: absence is seeded
            "seeds_sub_estimators": (is_bool, False),
            "since": (is_str, False),
        },
        # DET105: methods whose receiver type is unknown (pandas' `.sample`).
        "methods": {
            "method": (is_str, True),
            "frameworks": (list_of_str, True),
            "receivers": (list_of_str, True),
            "keywords": (list_of_str, True),  # every keyword of the method's signature
            "max_positional": (_is_int, True),
            "seed_argument": (argument_ref, True),
            "why": (is_str, True),
        },
        # DET107: hyper-parameter search samplers, tuners and search functions that draw candidates at
        # random, and study factories that build an unseeded default sampler.
        "hyperparameter_search": {
            "library": (is_str, True),
            "callables": (list_of_str, False),
            # Methods of a search (on any receiver, in a file importing `frameworks`) that run trials in
            # parallel when `parallel_argument` is a literal other than 1: seeded or not, trials finish
            # in a different order.
            "methods": (list_of_str, False),
            "frameworks": (list_of_str, False),
            "parallel_argument": (argument_ref, False),
            "why": (is_str, True),
            "seed_argument": (argument_ref, False),  # where the seed goes (not with sampler_argument)
            # Arguments that, given, take the seed's place: a seeded object passed in (Ray Tune's
            # `OptunaSearch(sampler=...)` uses the sampler and ignores `seed`).
            "seeded_instead_by": (list_of_str, False),
            # What an unseeded one draws from: fresh OS entropy, or the global state of Python's
            # `random` or NumPy (repeatable only when the run seeds that state first).
            "unseeded_draws_from": (one_of("entropy", "python-random", "numpy"), False),
            "seed_environment": (is_str, False),  # an environment variable that seeds it when set
            "seed_value": (is_str, False),  # the seed a fix or advice passes; default `0`
            "sampler_argument": (is_str, False),  # a factory: the sampler it builds when this is absent
            "default_sampler": (is_str, False),  # with sampler_argument: the class it builds, seeded by `seed=`
            # With sampler_argument: the methods of what it returns that make the sampler draw; a study
            # only read (its best trial, plots) draws nothing.
            "sampled_by": (list_of_str, False),
            # A run that builds a default search algorithm unless `search_argument` names one, directly
            # or in the config object passed as `config_argument`; it draws only in a file that calls
            # one of `samples_with` (a random distribution in the search space).
            "search_argument": (is_str, False),
            "config_argument": (is_str, False),
            "samples_with": (list_of_str, False),
        },
        # DET108: where a search space names its parameters, so a seed searched as one is seen.
        "search_spaces": {
            "library": (is_str, True),
            "frameworks": (list_of_str, True),  # a file must import one of them...
            "receivers": (list_of_str, False),  # ...unless a method is called on a name like these (`trial`)
            # A parameter declared by a call: `trial.suggest_int("seed", ...)` (methods, on any receiver),
            # `hp.choice("seed", [...])` (callables); its name is `name_argument`, its choices `choices_argument`.
            "methods": (list_of_str, False),
            "callables": (list_of_str, False),
            "name_argument": (argument_ref, False),
            "choices_argument": (argument_ref, False),
            # A parameter declared by a dict key whose value is one of these (`{"seed": tune.choice([...])}`).
            "dict_values": (list_of_str, False),
            # A search class whose grid argument maps parameter names to lists of values.
            "grid_callables": (list_of_str, False),
            "grid_argument": (argument_ref, False),
        },
        # DET108: the parameter names that are a random seed (`prefix__` of a pipeline step removed).
        "seed_parameters": {
            "names": (list_of_str, True),
            "suffixes": (list_of_str, False),
        },
        # DET110: calls that train a configuration, and calls that repeat it over data splits.
        "replication": {
            "role": (one_of("trains", "evaluates", "records", "replicates"), True),
            "methods": (list_of_str, False),
            "min_arguments": (_is_int, False),
            "callables": (list_of_str, False),
        },
        # DET106: one entry per gradient-boosting library.
        "gradient_boosting": {
            "library": (is_str, True),
            "estimators": (list_of_str, True),
            "always_stochastic": (list_of_str, False),
            "always_stochastic_what": (is_str, False),
            "training_functions": (_list_of_mappings(_TRAINING_FUNCTION, "{callables, params_argument}"), False),
            "seed_keywords": (list_of_str, True),  # estimator keywords and params keys that seed it
            "estimator_seed": (is_str, True),  # the keyword a fix adds to an estimator
            "params_seed": (is_str, True),  # the key a fix adds to a params dict
            "default_seed": (is_str, True),  # what an unseeded model uses, as documented
            "default_seed_fixed": (is_bool, True),
            "unseeded_confidence": (one_of(*CONFIDENCES), True),
            "unseeded_risk": (is_str, True),  # what an unseeded stochastic model still risks
            "stochastic": (conditions, True),
        },
        # DET106: settings that make a model nondeterministic whatever its seed.
        "nondeterministic_settings": {
            "library": (is_str, True),  # id of a gradient_boosting entry
            "when": (conditions, True),
            "confidence": (one_of(*CONFIDENCES), True),
            "problem": (is_str, True),  # the hazard, a clause of the finding's one-sentence message
            "detail": (is_str, True),  # why, for the finding's detail
            "fix": (is_str, True),
            "since": (is_str, False),
            "removed_in": (is_str, False),
        },
    },
}

"""Schemas of the nondeterministic-operation catalogs: `torch_ops`, `tf_ops`, `jax` and `xgboost`.

An op entry says, with only what a call site shows statically, which calls it matches (`calls`), on
which device and in which pass it is nondeterministic, the argument `conditions` under which it is
(all must hold), and its `status` per version range: what happens under the framework's
deterministic mode and whether it is nondeterministic without it. Version specifiers are parsed
here, so a catalog with a malformed range never loads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from detlint.catalogs.schemas.fields import Check, Schema, is_bool, is_str, list_of_str, one_of

if TYPE_CHECKING:
    from detlint.versions import VersionRange

CALL_KINDS = ("function", "method", "class")
DEVICES = ("cuda", "cpu", "any")
PASSES = ("forward", "backward", "both")
MODE_OUTCOMES = ("raises", "deterministic", "nondeterministic")
DEFAULT_OUTCOMES = ("nondeterministic", "deterministic")
CONDITION_TESTS = ("values", "not_values", "given", "below", "above", "lengths", "runtime")
SWITCH_SCOPES = ("all-ops", "cudnn", "workaround", "disables-checks", "op-order", "cpu-threads", "fusion")
TENSOR_KINDS = (
    "integral-dtype", "integral-cast", "integral-result", "index-result", "index-result-on-request",
    "index-result-keyword", "host-copy", "detached", "gradient-free-source", "tensor-keyword", "frozen-weights",
)
FLAG_ROLES = ("deterministic", "partial", "historic", "changes-random-bits")

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
# `at[].add` is JAX's indexed update `x.at[i].add(v)`: a method reached through `.at[...]`.
_METHOD = re.compile(r"(?:at\[\]\.)?[A-Za-z_]\w*")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_RECIPE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


# -- scalar checks -------------------------------------------------------------------------------------


# Versions are parsed by `packaging`, imported where a check runs: a run answered from the cache
# imports these schemas but checks no catalog.


def version(value: Any) -> str | None:
    from packaging.version import Version

    if not isinstance(value, str):
        return "a version string such as '2.4'"
    try:
        Version(value)
    except ValueError as error:
        return f"a version string ({error})"
    return None


def specifier(value: Any) -> str | None:
    from detlint.versions import VersionRange

    if not isinstance(value, str) or not value.strip():
        return "a non-empty version specifier string such as '>=1.8,<2.1'"
    try:
        VersionRange(value)
    except ValueError as error:
        return f"a version specifier ({error})"
    return None


def recipe(value: Any) -> str | None:
    """A probe recipe name, or `{none: <why there is no recipe>}`."""
    if isinstance(value, str) and _RECIPE.fullmatch(value):
        return None
    if isinstance(value, dict) and set(value) == {"none"} and is_str(value["none"]) is None:
        return None
    return "a snake_case probe recipe name, or {none: <why there is none>}"


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _is_literal(value: Any) -> bool:
    """A scalar or null, or a list of them (an argument written as a tuple: `(None, 1)`)."""

    def item(part: Any) -> bool:
        return part is None or _is_scalar(part)

    return item(value) or (isinstance(value, list) and bool(value) and all(map(item, value)))


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _problem_in_items(value: Any, check_item: Callable[[Any], str | None], what: str) -> str | None:
    """None when `value` is a non-empty list whose items all pass; else what was expected and why."""
    if not isinstance(value, list) or not value:
        return f"a non-empty list of {what}"
    for index, item in enumerate(value):
        problem = check_item(item)
        if problem:
            return f"a non-empty list of {what} (item {index}: {problem})"
    return None


def _mapping_problem(value: Any, allowed: Mapping[str, tuple[Check, bool]]) -> str | None:
    if not isinstance(value, dict):
        return "a mapping"
    unknown = sorted(set(value) - set(allowed), key=str)
    if unknown:
        return f"unknown key {unknown[0]!r} (allowed: {', '.join(allowed)})"
    for key, (check, required) in allowed.items():
        if key not in value:
            if required:
                return f"missing key {key!r}"
            continue
        problem = check(value[key])
        if problem:
            return f"{key!r} must be {problem}"
    return None


# -- calls ---------------------------------------------------------------------------------------------


def _names(pattern: re.Pattern[str], what: str) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, list) and value and all(isinstance(n, str) and pattern.fullmatch(n) for n in value):
            return None
        return f"a non-empty list of {what}"

    return check


_CALL_CHECKS: dict[str, tuple[Check, bool]] = {
    "functions": (_names(_DOTTED, "qualified names (torch.index_add)"), False),
    "methods": (_names(_METHOD, "method names (index_add_)"), False),
    "classes": (_names(_DOTTED, "qualified class names (torch.nn.Upsample)"), False),
}


def calls(value: Any) -> str | None:
    """`{functions: [...], methods: [...], classes: [...]}`, at least one of them."""
    problem = _mapping_problem(value, _CALL_CHECKS)
    if problem:
        return f"a mapping of functions/methods/classes ({problem})"
    return None if value else "a mapping with at least one of functions, methods, classes"


def _positions(value: Any) -> str | None:
    if (
        isinstance(value, dict)
        and value
        and set(value) <= set(CALL_KINDS)
        and all(isinstance(index, int) and not isinstance(index, bool) and index >= 0 for index in value.values())
    ):
        return None
    return "a mapping from function/method/class to a positional index (>= 0)"


def parameters_argument(value: Any) -> str | None:
    """Where a training function takes its parameter dict: `{keyword: params, position: 0}`."""
    if (
        isinstance(value, dict)
        and set(value) == {"keyword", "position"}
        and isinstance(value["keyword"], str)
        and _IDENTIFIER.fullmatch(value["keyword"])
        and isinstance(value["position"], int)
        and not isinstance(value["position"], bool)
        and value["position"] >= 0
    ):
        return None
    return "{keyword: <parameter name>, position: <index>}"


# -- conditions ----------------------------------------------------------------------------------------


def _test_problem(test: str, operand: Any) -> str | None:
    if test in ("values", "not_values"):
        fits = isinstance(operand, list) and bool(operand) and all(_is_literal(item) for item in operand)
        expected = "a non-empty list of literal values (strings, numbers, booleans, null, lists of them)"
    elif test == "given":
        fits, expected = isinstance(operand, bool), "true or false"
    elif test in ("below", "above"):
        fits, expected = _is_number(operand), "a number"
    elif test == "lengths":
        fits = isinstance(operand, list) and bool(operand) and all(_is_count(item) for item in operand)
        expected = "a non-empty list of item counts (integers from 0)"
    else:
        fits, expected = is_str(operand) is None, "a non-empty string saying what only run time shows"
    return None if fits else f"{test!r} must be {expected}"


def _argument_problem(value: dict[str, Any], test: str, with_positions: bool) -> str | None:
    keyword = value.get("keyword")
    if keyword is None:
        return None if test == "runtime" else "'keyword' is required unless the condition is 'runtime'"
    if not isinstance(keyword, str) or not _IDENTIFIER.fullmatch(keyword):
        return "'keyword' must be a parameter name"
    aliases = value.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and _IDENTIFIER.fullmatch(a) for a in aliases):
        return "'aliases' must be a list of parameter names"
    if "positions" in value:
        if not with_positions:
            return "'positions' is not used in this catalog: parameters are named"
        problem = _positions(value["positions"])
        if problem:
            return f"'positions' must be {problem}"
    return None


def _condition_problem(value: Any, with_positions: bool) -> str | None:
    if not isinstance(value, dict):
        return "a mapping"
    allowed = {"keyword", "aliases", "positions", "default", "assumed", *CONDITION_TESTS}
    unknown = sorted(set(value) - allowed, key=str)
    if unknown:
        return f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
    tests = [test for test in CONDITION_TESTS if test in value]
    if len(tests) != 1:
        return f"exactly one of {', '.join(CONDITION_TESTS)}"
    test = tests[0]
    if "default" in value and (test in ("given", "lengths", "runtime") or not _is_scalar(value["default"])):
        return "'default' (the value when the argument is absent) goes with values/not_values/below/above"
    if test == "runtime" and ({"aliases", "positions"} & set(value)):
        return "a 'runtime' condition names at most the keyword it is about"
    if "assumed" in value and (test != "runtime" or value["assumed"] is not False):
        return "'assumed: false' goes only with a 'runtime' condition"
    return _test_problem(test, value[test]) or _argument_problem(value, test, with_positions)


def conditions(*, with_positions: bool) -> Check:
    """A list of argument conditions, all of which must hold for the entry to apply."""

    def check(value: Any) -> str | None:
        return _problem_in_items(value, lambda item: _condition_problem(item, with_positions), "conditions")

    return check


# -- status per version range --------------------------------------------------------------------------


def _overlap(first: VersionRange, second: VersionRange) -> str | None:
    """A version both ranges contain, found among the versions either names (enough for the
    half-open `>=a,<b` ranges the catalogs use)."""
    from packaging.version import Version

    points = [Version(spec.version.removesuffix(".*")) for spec in (*first, *second) if spec.operator != "==="]
    points = points or [Version("0")]
    return next((str(point) for point in points if first.contains(point) and second.contains(point)), None)


def _overlap_problem(items: list[dict[str, Any]]) -> str | None:
    from detlint.versions import VersionRange

    ranges = [VersionRange(item.get("versions", "")) for item in items]
    for index, first in enumerate(ranges):
        for later, second in enumerate(ranges[index + 1 :], start=index + 1):
            shared = _overlap(first, second)
            if shared is not None:
                return f"version ranges that do not overlap (items {index} and {later} both contain {shared})"
    return None


def status(*, deterministic_mode: bool, switch: bool = False) -> Check:
    """Statuses per version range. `deterministic_mode` is what happens with the framework's
    determinism switch on (required where the framework has one); `default` what happens without it."""
    fields: dict[str, tuple[Check, bool]] = {"versions": (specifier, False)}
    if deterministic_mode:
        fields["deterministic_mode"] = (one_of(*MODE_OUTCOMES), True)
    fields["default"] = (one_of(*DEFAULT_OUTCOMES), not deterministic_mode)
    if switch:
        fields["switch"] = (is_str, False)
    fields["verified"] = (is_bool, False)
    fields["note"] = (is_str, False)

    def check(value: Any) -> str | None:
        problem = _problem_in_items(value, lambda item: _mapping_problem(item, fields), "status mappings")
        return problem or _overlap_problem(value)

    return check


# -- the catalogs --------------------------------------------------------------------------------------

_COVERAGE: dict[str, tuple[Check, bool]] = {
    "title": (is_str, True),
    "package": (is_str, True),
    "deterministic_mode": (is_str, False),
    "latest": (version, False),
    "verified": (specifier, False),
    "gpu_by_default": (is_bool, False),
}


def _op_fields(status_check: Check) -> dict[str, tuple[Check, bool]]:
    return {
        "op": (is_str, True),
        "calls": (calls, True),
        "device": (one_of(*DEVICES), True),
        "pass": (one_of(*PASSES), True),
        "conditions": (conditions(with_positions=True), False),
        "status": (status_check, True),
        "alternative": (is_str, True),
        "probe": (recipe, True),
        # Varies only where code reads memory it never wrote (a bug), not in every run that calls it.
        "only_when_misused": (is_bool, False),
        # The framework's docs say the API "can introduce" nondeterminism; no kernel is known to vary.
        "may_vary": (is_bool, False),
        "mode_demands_its_fix": (is_bool, False),
        # Varies only through floating-point rounding: integer and boolean inputs (or an integer `dtype=`)
        # give exact results, whatever the order of the additions.
        "floating_only": (is_bool, False),
        # The library (an id of `libraries` in rng.yaml) whose global seed, set earlier on the path,
        # makes the call repeat: the op draws its seed from it.
        "repeats_once_seeded": (is_str, False),
        # Calls meeting these give the same result in every run (pooling windows that cannot overlap:
        # each input gradient gets one atomic add), although the mode's check still raises on them.
        "repeatable_when": (conditions(with_positions=True), False),
    }


SCHEMA: dict[str, Schema] = {
    "torch_ops": {
        "coverage": _COVERAGE,
        "ops": _op_fields(status(deterministic_mode=True)),
        # What a call site shows about a tensor: integer dtypes, casts to them, copies to host memory.
        "tensor_kinds": {
            "kind": (one_of(*TENSOR_KINDS), True),
            "names": (list_of_str, True),
        },
    },
    "tf_ops": {
        "coverage": _COVERAGE,
        "switches": {
            "name": (is_str, True),
            "kind": (one_of("env", "function"), True),
            "setting": (is_str, False),
            "versions": (specifier, False),
            "scope": (one_of(*SWITCH_SCOPES), True),
            "deprecated_in": (version, False),
            "replacement": (is_str, False),
            "verified": (is_bool, False),
        },
        "ops": _op_fields(status(deterministic_mode=True, switch=True)),
        "keras_backend": {"environment": (is_str, True), "default": (is_str, True)},
        "data_pipeline": {
            "methods": (list_of_str, False),  # dataset methods, on any receiver in a file importing TF
            "callables": (list_of_str, False),  # functions, by qualified name
            "deterministic_keyword": (is_str, False),
            "seed_keyword": (is_str, False),
            "shuffle_keyword": (is_str, False),
            "shuffles_by_default": (is_bool, False),  # default true: absent, the call shuffles
            # Without a seed, the seed is drawn from this library's global state (Keras draws from
            # NumPy), so only seeding that library makes the order repeat.
            "unseeded_draws_from": (is_str, False),
            # The seed is a field of a config object passed as `seed_keyword` (TFDS's `ReadConfig`):
            # a config built in the call counts as seeded only when it sets one of these.
            "config_seed_fields": (list_of_str, False),
            # "parallel": without a seed the call also reads in completion order (not only unseeded).
            "unseeded_order": (one_of("parallel"), False),
            # `methods` apply in files importing one of these (default: tensorflow).
            "frameworks": (list_of_str, False),
            "option_attributes": (list_of_str, False),
            # The method's first argument is a function run on input elements, outside any gradient.
            "element_function": (is_bool, False),
        },
    },
    "jax": {
        "coverage": _COVERAGE,
        "flags": {
            "name": (is_str, True),
            "kind": (one_of("xla_flag", "env", "config"), True),
            "setting": (is_str, True),
            "role": (one_of(*FLAG_ROLES), True),
            "effect": (is_str, True),
            "versions": (specifier, False),
            "verified": (is_bool, False),
        },
        "ops": _op_fields(status(deterministic_mode=True)),
    },
    "xgboost": {
        "coverage": _COVERAGE,
        "entry_points": {
            "functions": (_names(_DOTTED, "qualified names"), False),
            "classes": (_names(_DOTTED, "qualified class names"), False),
            "parameters_argument": (parameters_argument, False),
        },
        "settings": {
            "op": (is_str, True),
            "conditions": (conditions(with_positions=False), True),
            "entry_points": (list_of_str, False),
            "device": (one_of(*DEVICES), True),
            "status": (status(deterministic_mode=False), True),
            "alternative": (is_str, True),
            "probe": (recipe, True),
        },
    },
}

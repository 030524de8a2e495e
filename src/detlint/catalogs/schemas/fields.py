"""Field checks for catalog schemas: each returns None when the value fits, else what it must be."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Check = Callable[[Any], str | None]
Schema = dict[str, dict[str, tuple[Check, bool]]]  # section -> field -> (check, required)

MODE_LEVELS = ("off", "warn", "error")


def is_str(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "a non-empty string"


def is_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def list_of_str(value: Any) -> str | None:
    if isinstance(value, list) and value and all(isinstance(item, str) and item for item in value):
        return None
    return "a non-empty list of strings"


def one_of(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else "one of " + ", ".join(choices)

    return check


def list_of(check: Check, what: str) -> Check:
    def check_list(value: Any) -> str | None:
        if isinstance(value, list) and value and all(check(item) is None for item in value):
            return None
        return f"a non-empty list of {what}"

    return check_list


def mapping(value: Any) -> str | None:
    return None if isinstance(value, dict) and value else "a non-empty mapping"


def levels(value: Any) -> str | None:
    if isinstance(value, dict) and value and all(level in MODE_LEVELS for level in value.values()):
        return None
    return "a mapping from literal values to " + "/".join(MODE_LEVELS)


def citation(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    if isinstance(value, list) and value and all(isinstance(item, str) and item.strip() for item in value):
        return None
    return "a citation (a string or a list of strings)"


def argument_ref(value: Any) -> str | None:
    """Where a call takes a value: `{keyword: seed, position: 0}` (position optional)."""
    if (
        isinstance(value, dict)
        and isinstance(value.get("keyword"), str)
        and set(value) <= {"keyword", "position"}
        and isinstance(value.get("position", 0), int)
    ):
        return None
    return "{keyword: <name>, position: <index>} (position optional)"

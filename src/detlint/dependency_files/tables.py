"""What the TOML dependency tables of Poetry, uv and Pipfile share: a package's table written back on
one line, its git revision, and the fields every requirement read from such a table carries."""

from __future__ import annotations

from typing import Any

from packaging.utils import canonicalize_name

from detlint.dependency_files.pep508 import vcs_revision
from detlint.finding import Span


def table_fields(name: str, span: Span, section: str, ecosystem: str) -> dict[str, Any]:
    """The `Requirement` fields of a package named by a table key, spanning its whole entry."""
    return dict(
        name=name,
        key=canonicalize_name(name),
        span=span,
        section=section,
        ecosystem=ecosystem,
        statement_lines=(span.line, span.end_line),
    )


def inline(table: dict[str, Any]) -> str:
    parts = ", ".join(f"{key} = {_value(value)}" for key, value in table.items())
    return "{ " + parts + " }"


def _value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return inline(value)
    return str(value)


def git_revision(table: dict[str, Any]) -> tuple[str, str]:
    for key in ("rev", "ref", "tag", "branch"):
        value = table.get(key)
        if isinstance(value, str) and value:
            return value, "rev" if key == "ref" else key
    url = table.get("git")
    return (vcs_revision("git+" + url), "") if isinstance(url, str) else ("", "")

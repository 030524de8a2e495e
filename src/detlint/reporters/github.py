"""GitHub Actions workflow commands: one `::error|warning|notice file=…,line=…::message` line per finding,
which the runner turns into an annotation on the pull request's diff.

Columns are 1-based and `endColumn` is the column after the last flagged character, as in the SARIF
and JSON reports. A notebook finding points at the line of the `.ipynb` file that holds the flagged
source line, and its message names the cell and the line in it. Paths are as given: `detlint check`
makes them relative to the repository, which is what the runner resolves them against
(`detlint.reporters.paths`). GitHub shows only the first few
annotations of each level per step, so a closing line gives the total.
"""

from __future__ import annotations

from collections.abc import Sequence

from detlint.finding import Finding, Severity
from detlint.reporters.common import Region, located_message

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}

# Order matters: `%` first, so the escapes added by later replacements are not escaped again.
_DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY_ESCAPES = (*_DATA_ESCAPES, (":", "%3A"), (",", "%2C"))


def escape_data(text: str) -> str:
    """Escape a command's message (what follows the second `::`)."""
    return _escape(text, _DATA_ESCAPES)


def escape_property(text: str) -> str:
    """Escape a property value (`file=…`, `title=…`), where `:` and `,` are separators too."""
    return _escape(text, _PROPERTY_ESCAPES)


def _escape(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for raw, escaped in escapes:
        text = text.replace(raw, escaped)
    return text


def render(findings: Sequence[Finding], **_options: object) -> str:
    lines = [_command(finding) for finding in findings]
    if findings:
        files = len({finding.path for finding in findings})
        lines.append(f"detlint: {_count(len(findings), 'finding')} in {_count(files, 'file')}")
    return "".join(f"{line}\n" for line in lines)


def _command(finding: Finding) -> str:
    region = Region.of(finding.span)
    properties = {
        "file": finding.path,
        "line": region.line,
        "col": region.column,
        "endLine": region.end_line,
        "endColumn": region.end_column,
        "title": f"{finding.code} ({finding.name})",
    }
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{COMMANDS[finding.severity]} {rendered}::{escape_data(located_message(finding))}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"

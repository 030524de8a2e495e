"""`--output-format github`: workflow commands that GitHub Actions turns into annotations."""

from __future__ import annotations

import pytest
from report_parsing import parse_github_commands, unescape
from reporter_samples import FINDINGS, assert_matches_golden

from detlint.finding import Finding, Severity
from detlint.reporters import github
from detlint.reporters.common import Region


def test_matches_golden_file():
    assert_matches_golden("github.txt")


def test_every_finding_parses_back_to_its_fields():
    output = github.render(FINDINGS)
    commands = parse_github_commands(output)
    assert len(commands) == len(FINDINGS)
    for finding, command in zip(FINDINGS, commands):
        region = Region.of(finding.span)
        assert command == {
            "command": github.COMMANDS[finding.severity],
            "file": finding.path,
            "line": str(finding.span.line),
            "col": str(finding.span.column + 1),
            "endLine": str(region.end_line),
            "endColumn": str(region.end_column),
            "title": f"{finding.code} ({finding.name})",
            "message": finding.message,
        }
    assert output.splitlines()[-1] == "detlint: 5 findings in 3 files"


def test_one_command_per_line_whatever_the_message_holds():
    output = github.render(FINDINGS)
    assert len(output.splitlines()) == len(FINDINGS) + 1
    assert all(line.startswith("::") for line in output.splitlines()[:-1])


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("x: 1, y", "x: 1, y", "x%3A 1%2C y"),
        ("%0A", "%250A", "%250A"),
    ],
)
def test_escaping(raw, data, prop):
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop
    assert unescape(prop) == raw


def test_severity_maps_to_the_command():
    assert github.COMMANDS == {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def test_no_findings_no_output():
    assert github.render([]) == ""


def test_columns_are_one_based_for_a_finding_at_the_start_of_a_line():
    finding: Finding = FINDINGS[1]
    (command,) = parse_github_commands(github.render([finding]))
    assert (command["line"], command["col"]) == ("20", "1")

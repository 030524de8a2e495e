"""`--output-format gitlab`: a GitLab Code Quality report."""

from __future__ import annotations

import json
from dataclasses import replace

from reporter_samples import FINDINGS, assert_matches_golden

from detlint.reporters import gitlab

SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def test_matches_golden_file():
    assert_matches_golden("gitlab.json")


def test_issues_have_the_fields_gitlab_reads():
    issues = json.loads(gitlab.render(FINDINGS))
    assert len(issues) == len(FINDINGS)
    for issue, finding in zip(issues, FINDINGS):
        assert issue["check_name"] == finding.code
        assert finding.message in issue["description"]
        assert issue["severity"] in SEVERITIES
        assert issue["location"] == {"path": finding.path, "lines": {"begin": finding.span.line}}
    assert [issue["severity"] for issue in issues] == ["major", "minor", "minor", "minor", "info"]


def test_fingerprints_are_unique_per_occurrence_and_do_not_move_with_line_numbers():
    issues = json.loads(gitlab.render(FINDINGS))
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)  # the two identical findings stay two issues
    moved = [replace(finding, span=replace(finding.span, line=finding.span.line + 10)) for finding in FINDINGS]
    assert [issue["fingerprint"] for issue in json.loads(gitlab.render(moved))] == fingerprints


def test_no_byte_order_mark_and_an_empty_report_is_an_empty_array():
    assert not gitlab.render(FINDINGS).startswith("\ufeff")
    assert json.loads(gitlab.render([])) == []


def test_every_repeat_of_an_identical_finding_is_an_issue_of_its_own():
    same = [FINDINGS[2]] * 3
    fingerprints = [issue["fingerprint"] for issue in json.loads(gitlab.render(same))]
    assert len(set(fingerprints)) == 3

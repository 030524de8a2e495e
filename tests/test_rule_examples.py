"""Every rule's VALID examples produce none of its findings; every INVALID example produces exactly
the findings its `# DETnnn` markers announce for that rule, each as many times as announced. No
example makes the analyzer fail (DET001, DET002) unless a marker announces it: a rule that raises
loses its findings, which a VALID example would otherwise take for silence. An example is one
file's source (written to the rule's `EXAMPLE_PATH`) or a small project `{path: source}`."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from detlint.checks.base import MetaRule
from detlint.finding import Confidence
from detlint.registry import rule_index
from detlint.testing import INTERNAL_ERRORS, as_project, check_project, expected_counts_in_project, found_counts

CASES = [
    pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{number}")
    for rule in rule_index().rules
    for kind, examples in (("valid", rule.VALID), ("invalid", rule.INVALID))
    for number, example in enumerate(examples)
]


@pytest.mark.parametrize(("rule", "kind", "example"), CASES)
def test_example(rule, kind, example):
    files = as_project(example, rule.EXAMPLE_PATH)
    codes = {rule.code, *INTERNAL_ERRORS}
    actual = found_counts(check_project(files), codes)
    expected = Counter({item: count for item, count in expected_counts_in_project(files).items() if item[2] in codes})
    marked = [item for item in expected if item[2] == rule.code]
    if kind == "valid":
        assert not marked, "a VALID example marks no finding of its rule"
        assert actual == expected, f"valid example flagged:\n{files}"
    else:
        assert marked, "an INVALID example must mark at least one line"
        assert actual == expected, f"example:\n{files}"


@pytest.mark.parametrize(
    "rule", [rule for rule in rule_index().rules if not issubclass(rule, MetaRule)], ids=lambda rule: rule.code
)
def test_findings_say_why_and_what_to_do_at_no_more_than_the_rules_confidence(rule):
    for example in rule.INVALID:
        for finding in check_project(as_project(example, rule.EXAMPLE_PATH)):
            if finding.code == rule.code:
                assert finding.message and finding.detail and finding.help, finding
                # A name the message lost (None formatted in its place); `random_state=None` is code.
                assert "`None`" not in finding.message and "None" not in re.sub("`[^`]*`", "", finding.message)
                assert isinstance(finding.confidence, Confidence), finding
                assert finding.confidence.rank <= rule.confidence.rank, finding

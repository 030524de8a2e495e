"""Every rule's VALID examples produce none of its findings; every INVALID example produces exactly
the findings its `# DETnnn` markers announce for that rule. An example is one file's source (written
to the rule's `EXAMPLE_PATH`) or a small project `{path: source}`."""

from __future__ import annotations

import pytest

from detlint.registry import rule_index
from detlint.testing import as_project, check_project, expected_in_project, found_in_project

CASES = [
    pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{number}")
    for rule in rule_index().rules
    for kind, examples in (("valid", rule.VALID), ("invalid", rule.INVALID))
    for number, example in enumerate(examples)
]


@pytest.mark.parametrize(("rule", "kind", "example"), CASES)
def test_example(rule, kind, example):
    files = as_project(example, rule.EXAMPLE_PATH)
    actual = found_in_project(check_project(files), rule.code)
    expected = {item for item in expected_in_project(files) if item[2] == rule.code}
    if kind == "valid":
        assert actual == set(), f"valid example flagged:\n{files}"
    else:
        assert expected, "an INVALID example must mark at least one line"
        assert actual == expected, f"example:\n{files}"

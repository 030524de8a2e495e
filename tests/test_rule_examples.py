"""Every rule's VALID examples produce none of its findings; every INVALID example produces exactly
the findings its `# DETnnn` markers announce for that rule."""

from __future__ import annotations

import pytest

from detlint.registry import rule_index
from detlint.testing import check_source, expected_findings, found

CASES = [
    pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{number}")
    for rule in rule_index().rules
    for kind, examples in (("valid", rule.VALID), ("invalid", rule.INVALID))
    for number, example in enumerate(examples)
]


@pytest.mark.parametrize(("rule", "kind", "example"), CASES)
def test_example(rule, kind, example):
    actual = found(check_source(example), rule.code)
    expected = {item for item in expected_findings(example) if item[1] == rule.code}
    if kind == "valid":
        assert actual == set(), f"valid example flagged:\n{example}"
    else:
        assert expected, "an INVALID example must mark at least one line"
        assert actual == expected, f"example:\n{example}"

from __future__ import annotations

import re

import pytest

from detlint.checks.base import DOC_SECTIONS, MetaRule, Rule
from detlint.checks.index import RegistryError, RuleIndex
from detlint.registry import rule_index

RULES = rule_index().rules


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_doc_page_has_every_section_in_order(rule):
    doc = rule.doc()
    positions = [doc.find(section) for section in DOC_SECTIONS]
    assert all(position >= 0 for position in positions), f"{rule.code} lacks one of {DOC_SECTIONS}"
    assert positions == sorted(positions)
    example = doc[doc.index("## Example") : doc.index("## Use instead")]
    use_instead = doc[doc.index("## Use instead") : doc.index("## References")]
    assert "```python" in example and "```python" in use_instead
    assert re.search(r"\[.+\]\(https?://", doc[doc.index("## References") :]), "references must be links"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_has_examples_and_summary(rule):
    # A whole sentence: not the lead-in to a list (`...version-aware:` became `version-aware:.`).
    assert rule.summary().endswith(".") and not re.search(r"[:;,]\.$", rule.summary())
    if getattr(rule, "example_free", False):
        assert issubclass(rule, MetaRule) and not rule.INVALID
        return
    assert rule.VALID and rule.INVALID


def test_codes_and_names_are_unique_and_well_formed():
    assert len({rule.code for rule in RULES}) == len(RULES)
    assert all(re.fullmatch(r"DET\d{3}", rule.code) for rule in RULES)
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*", rule.name) for rule in RULES)


def test_registry_rejects_duplicate_codes_and_bad_names():
    class First(Rule):
        code, name = "DET900", "first-rule"

    class Second(Rule):
        code, name = "DET900", "second-rule"

    class BadName(Rule):
        code, name = "DET901", "Bad_Name"

    with pytest.raises(RegistryError, match="DET900"):
        RuleIndex([First, Second])
    with pytest.raises(RegistryError, match="kebab"):
        RuleIndex([BadName])


def test_selectors_resolve_codes_prefixes_and_names():
    index = rule_index()
    assert index.codes_for("DET203") == {"DET203"}
    assert index.codes_for("cudnn-benchmark") == {"DET203"}
    assert {"DET203", "DET208"} <= index.codes_for("DET2")
    assert index.lookup("determinism-misconfigured").code == "DET208"

from __future__ import annotations

from conftest import REPO

from detlint.docs import expected_pages, ops_page, stale_pages, write_pages
from detlint.registry import rule_index


def test_committed_rule_pages_are_up_to_date():
    stale = stale_pages(REPO / "docs" / "rules", rule_index())
    assert stale == [], "run `python -m detlint.docs` and commit docs/rules"


def test_stale_and_extra_pages_are_detected(tmp_path):
    write_pages(tmp_path, rule_index())
    assert stale_pages(tmp_path, rule_index()) == []
    (tmp_path / "DET203.md").write_text("old")
    (tmp_path / "DET555.md").write_text("removed rule")
    assert stale_pages(tmp_path, rule_index()) == ["DET203.md", "DET555.md"]


def test_index_lists_every_rule_with_its_summary():
    index = expected_pages(rule_index())["index.md"]
    for rule in rule_index().rules:
        assert f"[{rule.code}]({rule.code}.md)" in index
        assert rule.summary() in index


def test_committed_ops_table_is_up_to_date():
    page = (REPO / "docs" / "ops.md").read_text(encoding="utf-8")
    assert page == ops_page(), "run `python -m detlint.docs` and commit docs/ops.md"
    assert "index_add" in page and "scatter_add" in page

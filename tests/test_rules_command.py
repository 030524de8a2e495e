"""`detlint rules` and `detlint rule`: rule names are what users type, so they are never cut; text
from the rules is shown as written, never read as markup; a rule's page is rendered on a terminal
and plain Markdown when piped."""

from __future__ import annotations

import re

import pytest

from detlint.registry import rule_index

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("columns", ["80", "60", "40"])
def test_rule_names_are_never_cut_and_summaries_wrap(cli, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    listing = cli("rules")
    assert listing.exit_code == 0
    assert "…" not in listing.stdout
    words = set(listing.stdout.split())
    for rule in rule_index().rules:
        assert rule.code in words and rule.name in words
    # Only a line that names a rule may run past the width: its code and name are kept whole.
    assert all(len(line.rstrip()) <= int(columns) or line.startswith("DET") for line in listing.stdout.splitlines())


def test_brackets_in_summaries_are_shown_as_written(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    listing = cli("rules").stdout
    assert "a `[project.scripts]` target" in listing
    assert "version-aware:." not in listing


def test_a_rule_page_is_rendered_on_a_terminal_and_markdown_when_piped(cli, monkeypatch):
    piped = cli("rule", "DET101").stdout
    assert piped.startswith("# DET101: unseeded-rng\n") and "## What it does" in piped
    monkeypatch.setenv("FORCE_COLOR", "1")
    rendered = cli("rule", "DET101").stdout
    assert "\x1b[" in rendered
    plain = ANSI.sub("", rendered)
    assert "DET101: unseeded-rng" in plain and "# DET101" not in plain and "## What it does" not in plain
    assert "[project.scripts]" in plain

"""Helpers for testing rules: inline expectations (`# DET203` at the end of a line) and running the
analyzer on a snippet. Rule examples, fixture trees and third-party rule packs all use them."""

from __future__ import annotations

import re
from pathlib import Path

from detlint.catalog import load_catalog
from detlint.config import Settings
from detlint.engine import AnalysisOptions, FileAnalyzer
from detlint.finding import Confidence, Finding
from detlint.registry import rule_index
from detlint.runner import build_selection, finalize
from detlint.sources import SourceFile

_EXPECTATION = re.compile(r"#\s*(?P<codes>DET\d{3}(?:\s*,\s*DET\d{3})*)\s*$")


def expected_findings(text: str) -> set[tuple[int, str]]:
    """(line, code) for every line ending in `# DETnnn` (or `# DETnnn, DETmmm`)."""
    expected = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = _EXPECTATION.search(line)
        if match:
            expected.update((number, code.strip()) for code in match.group("codes").split(","))
    return expected


def check_source(text: str, path: str = "example.py", *, floor: Confidence = Confidence.LOW) -> list[Finding]:
    """Every finding the analyzer (file rules, suppressions, DET090) reports on one snippet."""
    analyzer = FileAnalyzer(load_catalog(), rule_index().file_rules(), AnalysisOptions())
    source = SourceFile(Path(path), path, "python", Path(path).stem)
    result = analyzer.analyse_bytes(source, text.encode("utf-8"))
    return finalize([result], [], build_selection(Settings()), floor)


def found(findings: list[Finding], code: str | None = None) -> set[tuple[int, str]]:
    return {(finding.span.line, finding.code) for finding in findings if code is None or finding.code == code}

"""Helpers for testing rules: inline expectations (`# DET203` at the end of a line) and running the
analyzer on snippets or small projects. Rule examples, fixture trees and third-party rule packs all
use them."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from detlint.api import check_paths
from detlint.config import Settings
from detlint.finding import Confidence, Finding

_EXPECTATION = re.compile(r"#\s*(?P<codes>DET\d{3}(?:\s*,\s*DET\d{3})*)\s*$")

Example = str | Mapping[str, str]  # one file's source, or a project: {relative path: source}


def expected_counts(text: str) -> Counter[tuple[int, str]]:
    """How many findings of each code every line announces: a line ending in `# DET101` announces
    one, `# DET101, DET101` two, `# DET101, DET203` one of each. `# ok: DET101` announces none."""
    expected: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        match = _EXPECTATION.search(line)
        if match:
            expected.update((number, code.strip()) for code in match.group("codes").split(","))
    return expected


def expected_findings(text: str) -> set[tuple[int, str]]:
    """(line, code) for every line ending in `# DETnnn` (or `# DETnnn, DETmmm`)."""
    return set(expected_counts(text))


_SILENT = re.compile(r"# ok: (?P<code>DET\d{3})")


def silent_in_project(files: Mapping[str, str]) -> set[tuple[str, int, str]]:
    """(path, line, code) for every line carrying a `# ok: DETnnn` comment: must stay silent."""
    return {
        (path, number, match.group("code"))
        for path, text in files.items()
        for number, line in enumerate(text.splitlines(), start=1)
        if (match := _SILENT.search(line))
    }


def expected_in_project(files: Mapping[str, str]) -> set[tuple[str, int, str]]:
    return {(path, line, code) for path, text in files.items() for line, code in expected_findings(text)}


def as_project(example: Example, default_path: str = "example.py") -> dict[str, str]:
    return {default_path: example} if isinstance(example, str) else dict(example)


def check_project(
    files: Mapping[str, str | bytes], *, floor: Confidence = Confidence.LOW, **settings: object
) -> list[Finding]:
    """Every finding of a full run (file rules, project rules, suppressions, DET090) on a small project
    written to a temporary directory. `settings` are `Settings` fields, e.g. `mode="library"`."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        config = Settings(root=root, min_confidence=floor, **settings)
        return check_paths([root], config, jobs=1, use_cache=False).findings


def check_source(text: str, path: str = "example.py", *, floor: Confidence = Confidence.LOW) -> list[Finding]:
    """Every finding on one file."""
    return check_project({path: text}, floor=floor)


def found(findings: list[Finding], code: str | None = None) -> set[tuple[int, str]]:
    return {(finding.span.line, finding.code) for finding in findings if code is None or finding.code == code}


def found_in_project(findings: list[Finding], code: str | None = None) -> set[tuple[str, int, str]]:
    return {
        (finding.path, finding.span.line, finding.code) for finding in findings if code is None or finding.code == code
    }

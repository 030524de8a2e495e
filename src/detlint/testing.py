"""Helpers for testing rules: inline expectations (`# DET203` at the end of a line) and running the
analyzer on snippets or small projects. Rule examples, fixture trees and third-party rule packs all
use them.

Two markers are understood, each at the end of a line:

- `# DET101` (or `# DET101, DET203`, `# DET101, DET101` for two) announces the findings of that
  line, one per code listed;
- `# ok: DET101` (or `# ok: DET101, DET203`), optionally followed by a note in parentheses, says
  the line must stay silent for every code listed.

Anything else that looks like a marker (`# det101`, `#DET101.`, `# DET101 (why)`, `# DET1O1`) is a
`MalformedMarker`: a typo must not turn an expectation into a comment that checks nothing."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from detlint.api import check_paths
from detlint.config import Settings
from detlint.finding import Confidence, Finding

_CODES = r"(?P<codes>DET\d{3}(?:\s*,\s*DET\d{3})*)"
# A notebook's line ends as its JSON spells it: `... # DET505\n",`.
_JSON_END = r'(?:\\n)?(?:",?)?'
_EXPECTATION = re.compile(rf"#\s*{_CODES}\s*{_JSON_END}")
_SILENT = re.compile(rf"#\s*ok:\s*{_CODES}(?:\s+\(.*?\))?\s*{_JSON_END}")
# A comment that starts like a code (any case, a letter O for a zero, with or without `ok:`); the
# suppression comments (`detlint: ignore[...]`, `noqa:`) do not, nor a marker quoted in prose.
_MARKER_LIKE = re.compile(r"(?<!`)#\s*(?:ok\s*:?\s*)?det[\s_-]*[0-9o]", re.IGNORECASE)

# Reported when the analyzer itself fails (a file it cannot parse, a rule that raised): a test run
# that meets one has not checked what it claims, unless the input is about them.
INTERNAL_ERRORS = ("DET001", "DET002")

Example = str | Mapping[str, str]  # one file's source, or a project: {relative path: source}


class MalformedMarker(ValueError):
    """A comment that looks like an expectation marker but does not parse as one."""


def _markers(text: str) -> Iterable[tuple[int, re.Match[str] | None, re.Match[str] | None]]:
    """(line, expectation, silence) for every line with a marker; raises `MalformedMarker` on a
    marker-like comment that is neither."""
    for number, line in enumerate(text.splitlines(), start=1):
        start = _MARKER_LIKE.search(line)
        if not start:
            continue
        tail = line[start.start() :]
        expectation, silence = _EXPECTATION.fullmatch(tail), _SILENT.fullmatch(tail)
        if not (expectation or silence):
            raise MalformedMarker(f"line {number}: {tail!r} is not `# DETnnn[, DETnnn]` nor `# ok: DETnnn[, DETnnn]`")
        yield number, expectation, silence


def has_markers(text: str) -> bool:
    """Whether any line carries a marker, or something that looks like one."""
    return any(_MARKER_LIKE.search(line) for line in text.splitlines())


def _in_project(files: Mapping[str, str]) -> Iterable[tuple[str, int, re.Match[str] | None, re.Match[str] | None]]:
    for path, text in files.items():
        try:
            yield from ((path, *marker) for marker in _markers(text))
        except MalformedMarker as error:
            raise MalformedMarker(f"{path}: {error}") from None


def _codes(match: re.Match[str]) -> list[str]:
    return [code.strip() for code in match.group("codes").split(",")]


def expected_counts(text: str) -> Counter[tuple[int, str]]:
    """How many findings of each code every line announces: a line ending in `# DET101` announces
    one, `# DET101, DET101` two, `# DET101, DET203` one of each. `# ok: DET101` announces none."""
    return Counter(
        (number, code) for number, expectation, _ in _markers(text) if expectation for code in _codes(expectation)
    )


def expected_findings(text: str) -> set[tuple[int, str]]:
    """(line, code) for every line ending in `# DETnnn` (or `# DETnnn, DETmmm`)."""
    return set(expected_counts(text))


def silent_in_project(files: Mapping[str, str]) -> set[tuple[str, int, str]]:
    """(path, line, code) for every code of every `# ok: DETnnn[, DETmmm]` comment: must stay silent."""
    return {(path, number, code) for path, number, _, silence in _in_project(files) if silence for code in _codes(silence)}


def expected_counts_in_project(files: Mapping[str, str]) -> Counter[tuple[str, int, str]]:
    """(path, line, code) of every finding the markers of all files announce, with its multiplicity."""
    return Counter(
        (path, number, code) for path, number, expectation, _ in _in_project(files) if expectation for code in _codes(expectation)
    )


def expected_in_project(files: Mapping[str, str]) -> set[tuple[str, int, str]]:
    return set(expected_counts_in_project(files))


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


def found_counts(findings: Iterable[Finding], codes: Iterable[str] | None = None) -> Counter[tuple[str, int, str]]:
    """(path, line, code) of each finding (of `codes`, or all), with how many times it was reported."""
    wanted = None if codes is None else set(codes)
    return Counter(
        (finding.path, finding.span.line, finding.code)
        for finding in findings
        if wanted is None or finding.code in wanted
    )


def _once(counts: Counter) -> set:
    repeated = {item: count for item, count in counts.items() if count > 1}
    assert not repeated, f"reported more than once (compare `found_counts` if that is meant): {repeated}"
    return set(counts)


def found(findings: list[Finding], code: str | None = None) -> set[tuple[int, str]]:
    """(line, code) of each finding; fails if one is reported twice, which a set would hide."""
    return _once(Counter((finding.span.line, finding.code) for finding in findings if code in (None, finding.code)))


def found_in_project(findings: list[Finding], code: str | None = None) -> set[tuple[str, int, str]]:
    """(path, line, code) of each finding; fails if one is reported twice, which a set would hide."""
    return _once(found_counts(findings, None if code is None else (code,)))

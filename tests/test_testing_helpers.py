"""The inline markers of `detlint.testing`: what they announce, and that a marker with a typo fails
instead of checking nothing."""

from __future__ import annotations

from collections import Counter

import pytest

from detlint.finding import Confidence, Finding, Severity, Span
from detlint.testing import MalformedMarker, expected_counts, found, found_counts, silent_in_project


def test_markers_announce_one_finding_per_code_listed():
    text = "a()  # DET303\nb()  # DET303, DET303\nc()  #DET101 , DET203  \nd()\n"
    assert expected_counts(text) == Counter({(1, "DET303"): 1, (2, "DET303"): 2, (3, "DET101"): 1, (3, "DET203"): 1})


def test_ok_lines_list_every_code_they_silence_and_may_say_why():
    files = {"a.py": "a()  # ok: DET303, DET304\nb()  # ok: DET105 (random_state defaults to 0)\n"}
    assert silent_in_project(files) == {("a.py", 1, "DET303"), ("a.py", 1, "DET304"), ("a.py", 2, "DET105")}
    assert expected_counts(files["a.py"]) == Counter()


@pytest.mark.parametrize(
    "comment", ["# noqa: DET303", "# detlint: ignore[DET303]", "# deterministic", "# detail: x", "`# DET303` in prose"]
)
def test_comments_that_are_not_markers_announce_nothing(comment):
    assert expected_counts(f"a()  {comment}\n") == Counter()
    assert silent_in_project({"a.py": f"a()  {comment}\n"}) == set()


@pytest.mark.parametrize(
    "comment",
    ["# DET303 (unsorted)", "#DET303.", "# det303", "# DET3O3", "# DET30", "# DET303 DET304", "# ok DET303", "# ok: det303"],
)
def test_a_malformed_marker_fails(comment):
    with pytest.raises(MalformedMarker, match="line 2"):
        expected_counts(f"x = 1\na()  {comment}\n")


def _finding(line: int) -> Finding:
    return Finding("DET303", "unsorted-listing", "m", "a.py", Span(line, 0, line, 1), Severity.WARNING, Confidence.HIGH)


def test_found_refuses_to_hide_a_repeated_finding_that_found_counts_keeps():
    twice = [_finding(3), _finding(3)]
    assert found_counts(twice) == Counter({("a.py", 3, "DET303"): 2})
    with pytest.raises(AssertionError, match="more than once"):
        found(twice)


def test_a_malformed_marker_in_a_project_names_its_file():
    with pytest.raises(MalformedMarker, match="^pkg/a.py: line 1"):
        silent_in_project({"pkg/a.py": "a()  # ok: DET303 DET304\n"})

"""Rule selection (`select`, `extend-select`, `ignore`, `per-file-ignores`): the more specific selector
wins, a tie goes to `ignore`, and a selector that matches nothing names the key it came from."""

from __future__ import annotations

import pytest

from detlint.registry import rule_index
from detlint.selection import Selection, SelectorError

INDEX = rule_index()


def enabled(select=("ALL",), extend_select=(), ignore=()) -> set[str]:
    return set(Selection.build(INDEX, select=select, extend_select=extend_select, ignore=ignore).enabled)


def test_the_more_specific_selector_wins_and_a_tie_goes_to_ignore():
    assert "DET203" in enabled(select=["DET203"], ignore=["ALL"])
    assert "DET203" in enabled(select=["DET2"], ignore=["all"])
    assert "DET203" not in enabled(select=["DET2"], ignore=["DET20"])
    assert enabled(select=["ALL"], ignore=["ALL"]) == set()
    assert enabled(extend_select=["ALL"], select=[], ignore=["ALL"]) == set()
    # A rule's name is exactly as specific as its full code.
    assert "DET203" not in enabled(select=["cudnn-benchmark"], ignore=["DET203"])
    assert "DET203" not in enabled(select=["DET203"], ignore=["cudnn-benchmark"])
    assert "DET203" in enabled(select=["DET203"], ignore=["DET2"])


@pytest.mark.parametrize("key", ["select", "extend-select", "ignore", "per-file-ignores"])
def test_an_unknown_selector_names_its_key(key):
    arguments = {"select": ["ALL"]}
    if key == "per-file-ignores":
        arguments["per_file_ignores"] = {"tests/*": ["DET999"]}
        arguments["path_matcher"] = lambda pattern: lambda path: True
    else:
        arguments[key.replace("-", "_")] = ["DET999"]
    with pytest.raises(SelectorError, match=f"^'DET999' in {key} matches no rule") as raised:
        Selection.build(INDEX, **arguments)
    assert (raised.value.key, raised.value.selector) == (key, "DET999")

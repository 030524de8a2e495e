"""The golden files are written by tests/reporters/update_golden.py only: a test run compares, and a
changed output fails whatever the environment says."""

from __future__ import annotations

import pytest
import reporter_samples
import update_golden
from reporter_samples import GOLDEN, GOLDEN_OUTPUTS, assert_matches_golden


@pytest.mark.parametrize("name", sorted(GOLDEN_OUTPUTS))
def test_a_changed_output_fails_and_leaves_the_golden_file_alone(name, monkeypatch):
    before = (GOLDEN / name).read_bytes()
    monkeypatch.setitem(GOLDEN_OUTPUTS, name, lambda: "changed\n")
    # The variable an older test run read to rewrite the golden files instead of comparing.
    monkeypatch.setenv("DETLINT_UPDATE_GOLDEN", "1")
    with pytest.raises(AssertionError, match="differs from its golden file"):
        assert_matches_golden(name)
    assert (GOLDEN / name).read_bytes() == before


def test_the_update_script_writes_what_the_tests_compare(tmp_path, monkeypatch):
    monkeypatch.setattr(update_golden, "GOLDEN", tmp_path)
    update_golden.main()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(GOLDEN_OUTPUTS)
    monkeypatch.setattr(reporter_samples, "GOLDEN", tmp_path)
    for name in GOLDEN_OUTPUTS:
        assert_matches_golden(name)
        assert (tmp_path / name).read_bytes() == (GOLDEN / name).read_bytes()

"""The single-file fixture folders (fixtures/order, fixtures/estimators): each finding of the codes a
folder is about is announced by a `# DETnnn` marker on its line, each marker is met, and `# ok:
DETnnn` lines stay silent."""

from __future__ import annotations

import pytest
from conftest import REPO

from detlint.testing import check_project, expected_in_project, found_in_project, silent_in_project

FOLDERS = {"order": ("DET303", "DET304"), "estimators": ("DET105", "DET106")}
_RUNS: dict[str, tuple] = {}


def _run(folder: str):
    if folder not in _RUNS:
        root = REPO / "fixtures" / folder
        files = {f"{folder}/{path.name}": path.read_text(encoding="utf-8") for path in sorted(root.glob("*.py"))}
        _RUNS[folder] = (files, check_project(files))
    return _RUNS[folder]


@pytest.mark.parametrize(("folder", "code"), [(folder, code) for folder, codes in FOLDERS.items() for code in codes])
def test_fixtures_match_their_inline_expectations(folder, code):
    files, findings = _run(folder)
    expected = {item for item in expected_in_project(files) if item[2] == code}
    assert expected, f"the fixtures mark no {code} line"
    assert found_in_project(findings, code) == expected


@pytest.mark.parametrize("folder", FOLDERS)
def test_ok_lines_have_no_finding_of_their_code(folder):
    files, findings = _run(folder)
    silent = silent_in_project(files)
    assert len(silent) >= 10
    assert not silent & found_in_project(findings)


@pytest.mark.parametrize("folder", FOLDERS)
def test_fixtures_raise_no_internal_errors(folder):
    _, findings = _run(folder)
    assert not [finding for finding in findings if finding.code in ("DET001", "DET002")]

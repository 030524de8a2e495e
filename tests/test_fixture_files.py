"""The fixture folders analysed file by file (fixtures/order, fixtures/estimators, and any folder
added beside them): every Python file under such a folder, however deep, is analysed with its
folder, and the markers decide what is checked. For each code a folder marks (`# DETnnn` or
`# ok: DETnnn`), its findings are exactly those the markers announce, each as many times as
announced; `# ok:` lines stay silent for every code they list; no file makes the analyzer fail
(DET001, DET002)."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import REPO

from detlint.testing import (
    INTERNAL_ERRORS,
    check_project,
    expected_counts_in_project,
    found_counts,
    has_markers,
    silent_in_project,
)

FIXTURES = REPO / "fixtures"
# Folders whose markers another test checks, as whole projects.
CHECKED_AS_PROJECTS = {
    "deps": "test_deps_fixtures.py",
    "projects": "test_fixture_projects.py",
    "example-project": "test_cli.py",
}


def _files(folder: str) -> dict[str, str]:
    root = FIXTURES / folder
    return {
        f"{folder}/{path.relative_to(root).as_posix()}": path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.py"))
    }


def _marked_codes(files: dict[str, str]) -> set[str]:
    return {code for *_, code in expected_counts_in_project(files)} | {code for *_, code in silent_in_project(files)}


# Every other folder that carries a marker, or something like one (a malformed marker fails its
# folder's tests); one without any (fixtures/probe: the probe's inputs) has nothing to check.
FOLDERS = sorted(
    path.name
    for path in FIXTURES.iterdir()
    if path.is_dir() and path.name not in CHECKED_AS_PROJECTS and any(map(has_markers, _files(path.name).values()))
)
_RUNS: dict[str, tuple] = {}


def _run(folder: str):
    if folder not in _RUNS:
        files = _files(folder)
        _RUNS[folder] = (files, check_project(files))
    return _RUNS[folder]


def test_the_folders_analysed_file_by_file_include_order_and_estimators():
    assert {"order", "estimators"} <= set(FOLDERS)
    for folder in CHECKED_AS_PROJECTS:
        assert (FIXTURES / folder).is_dir(), f"{folder} is gone: drop it from CHECKED_AS_PROJECTS"


@pytest.mark.parametrize("folder", FOLDERS)
def test_findings_of_every_marked_code_match_the_markers(folder):
    files, findings = _run(folder)
    codes = _marked_codes(files) | set(INTERNAL_ERRORS)
    expected = expected_counts_in_project(files)
    assert expected, f"fixtures/{folder} marks no finding"
    actual = found_counts(findings, codes)
    assert actual == Counter({item: n for item, n in expected.items() if item[2] in codes}), "\n".join(
        f"{f.path}:{f.span.line}: {f.code} {f.message}" for f in findings if f.code in codes
    )


@pytest.mark.parametrize("folder", FOLDERS)
def test_ok_lines_have_no_finding_of_any_code_they_list(folder):
    files, findings = _run(folder)
    silent = silent_in_project(files)
    assert not silent & set(found_counts(findings))

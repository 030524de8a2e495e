"""Every fixture project under fixtures/deps/ gives exactly the findings its inline `# DETnnn`
markers announce (all rules, all files, each as many times as announced; DET001 and DET002 only
where marked): one folder per dependency format, plus malformed files,
include cycles, library mode and `deps = "all"`."""

from __future__ import annotations

import tomllib

import pytest
from conftest import REPO

from detlint.finding import Confidence, Severity
from detlint.testing import check_project, expected_counts_in_project, found_counts

FIXTURES = REPO / "fixtures" / "deps"
PROJECTS = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())


def _files(name: str) -> dict[str, str]:
    root = FIXTURES / name
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _settings(files: dict[str, str]) -> dict[str, object]:
    """`mode` and `deps` from the fixture's own `[tool.detlint]` table."""
    try:
        table = tomllib.loads(files.get("pyproject.toml", "")).get("tool", {}).get("detlint", {})
    except tomllib.TOMLDecodeError:  # the malformed fixture
        table = {}
    return {key: table[key] for key in ("mode", "deps") if key in table}


def run(name: str):
    files = _files(name)
    return files, check_project(files, **_settings(files))


def test_there_is_a_fixture_for_every_format():
    expected = {
        "requirements", "pip-compile", "pyproject-pep621", "poetry", "poetry-lock", "pdm", "uv", "setup-cfg",
        "setup-py", "conda", "conda-lock", "pipfile", "pipfile-lock", "malformed", "include-cycle", "library",
        "deps-all", "urls",
    }  # fmt: skip
    assert expected <= set(PROJECTS)


@pytest.mark.parametrize("name", PROJECTS)
def test_fixture_findings_match_inline_expectations(name):
    files, findings = run(name)
    assert found_counts(findings) == expected_counts_in_project(files), "\n".join(
        f"{f.path}:{f.span.line}: {f.code} {f.message}" for f in findings
    )


def test_findings_suggest_the_version_a_lock_or_another_file_pins_and_point_at_it():
    _, findings = run("requirements")
    by_line = {(f.path, f.span.line): f for f in findings}
    dev = by_line[("requirements-dev.in", 2)]
    assert "`torch==2.4.1`" in dev.help
    assert [(item.path.rsplit("/", 1)[-1], item.span.line) for item in dev.related] == [("base.txt", 2)]
    assert "base.txt" not in dev.message


def test_library_mode_reports_the_missing_lock_as_a_note_only():
    _, findings = run("library")
    (finding,) = findings
    assert (finding.code, finding.severity) == ("DET402", Severity.NOTE)


def test_deps_all_reports_other_packages_as_notes():
    _, findings = run("deps-all")
    severities = {f.span.line: f.severity for f in findings if f.code == "DET401"}
    assert severities == {2: Severity.NOTE, 3: Severity.NOTE}


def test_versioned_wheel_urls_are_medium_confidence_and_moving_archives_high():
    _, findings = run("urls")
    confidence = {f.span.line: f.confidence for f in findings}
    assert confidence[1] == Confidence.MEDIUM and confidence[2] == Confidence.HIGH


def test_ml_stack_findings_are_warnings():
    _, findings = run("conda")
    assert {f.severity for f in findings if f.code == "DET401"} == {Severity.WARNING}

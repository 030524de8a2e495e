"""Paths in reports: one rule for every format. Files are named relative to the working directory (the
CI formats: to the git work tree; see test_ci_formats_cli.py), whether detlint runs in the project, in a
subdirectory or beside it; the finding's path, its related locations and the paths its message cites
agree; baselines stay relative to the project root, so they match from anywhere."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import REPO, write

from detlint.finding import Confidence, Finding, RelatedLocation, Severity, Span
from detlint.reporters.paths import ReportPaths

BENCHMARK = "import torch\ntorch.backends.cudnn.benchmark = True\n"


@pytest.fixture
def example(tmp_path):
    """The example project (its DET101 finding has a related location and cites files in its message),
    beside an empty working directory."""
    target = tmp_path / "example-project"
    shutil.copytree(REPO / "fixtures" / "example-project", target, ignore=shutil.ignore_patterns(".detlint_cache"))
    (tmp_path / "elsewhere").mkdir()
    return target


def _det101(report: dict) -> dict:
    return next(finding for finding in report["findings"] if finding["code"] == "DET101")


@pytest.mark.parametrize(
    ("working_directory", "target", "folder"),
    [
        ("", "example-project", "example-project/src/classifier"),
        ("example-project", ".", "src/classifier"),
        ("example-project/src", "..", "classifier"),
        ("example-project/src/classifier", "../..", "."),
        ("elsewhere", "../example-project", "../example-project/src/classifier"),
    ],
)
def test_every_path_of_a_finding_is_relative_to_the_working_directory(
    cli, example, monkeypatch, working_directory, target, folder
):
    monkeypatch.chdir(example.parent / working_directory)
    report = cli.json("--no-cache", target)
    assert report["root"] == example.as_posix()
    finding = _det101(report)
    train = "train.py" if folder == "." else f"{folder}/train.py"
    assert finding["path"] == train
    # The entry point and the first use, both in train.py; messages name no other place.
    assert {related["path"] for related in finding["related"]} == {train}
    assert [related["line"] for related in finding["related"]] == [25, 30]
    text = cli("check", "--no-cache", "--output-format", "concise", target).stdout
    assert f"{train}:31:5: DET101 NumPy's global RNG is used but never seeded" in text
    assert {line.split(":")[0] for line in text.splitlines() if ": DET" in line} == {
        train,
        train.replace("train.py", "lightning_main.py"),
    }


def test_show_files_diff_and_fix_name_files_as_the_report_does(cli, tmp_path, monkeypatch):
    write(tmp_path / "proj", {"pyproject.toml": "[tool.detlint]\n", "pkg/a.py": BENCHMARK})
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert cli("check", "--show-files", "../proj").stdout.splitlines() == ["../proj/pkg/a.py", "../proj/pyproject.toml"]
    diff = cli("check", "--diff", "../proj")
    assert diff.exit_code == 1
    assert diff.stdout.startswith("--- a/../proj/pkg/a.py\n+++ b/../proj/pkg/a.py\n")
    assert cli("check", "--fix", "../proj").exit_code == 0
    assert "benchmark = False" in (tmp_path / "proj" / "pkg" / "a.py").read_text(encoding="utf-8")


def test_a_file_given_outside_the_project_root_is_named_as_given(cli, tmp_path, monkeypatch):
    write(tmp_path, {"proj/pyproject.toml": "[tool.detlint]\n", "proj/a.py": BENCHMARK, "loose/b.py": BENCHMARK})
    monkeypatch.chdir(tmp_path / "proj")
    paths = [finding["path"] for finding in cli.json("a.py", "../loose/b.py")["findings"]]
    assert paths == ["../loose/b.py", "a.py"]
    assert [line.split(":")[0] for line in cli("check", "a.py", "../loose/b.py").stdout.splitlines()[:2]] == [
        "../loose/b.py",
        "a.py",
    ]


def test_a_baseline_stays_relative_to_the_project_root_and_matches_from_anywhere(cli, example, monkeypatch):
    monkeypatch.chdir(example)
    assert cli("baseline", "--no-cache", "-o", ".detlint-baseline.json").exit_code == 0
    entries = json.loads((example / ".detlint-baseline.json").read_text(encoding="utf-8"))["entries"]
    assert {entry["path"] for entry in entries} == {"src/classifier/train.py", "src/classifier/lightning_main.py"}
    assert all("example-project" not in entry["message"] for entry in entries)
    for working_directory, target, baseline in [
        ("example-project", ".", ".detlint-baseline.json"),
        ("example-project/src", "..", "../.detlint-baseline.json"),
        ("elsewhere", "../example-project", "../example-project/.detlint-baseline.json"),
        ("", "example-project/src/classifier/train.py", "example-project/.detlint-baseline.json"),
    ]:
        monkeypatch.chdir(example.parent / working_directory)
        result = cli("check", "--no-cache", "--baseline", baseline, target)
        assert result.exit_code == 0, (working_directory, result.stdout, result.stderr)
        assert result.stdout == "All checks passed.\n"
        assert re.search(r"\d+ known findings? not shown, 0 stale entries", result.stderr), result.stderr


def _finding(message: str, path: str = "src/train.py", related: tuple[RelatedLocation, ...] = ()) -> Finding:
    return Finding("DET101", "unseeded-rng", message, path, Span(3, 0, 3, 4), Severity.WARNING, Confidence.HIGH,
                   related=related)  # fmt: skip


def test_messages_keep_what_only_looks_like_a_path(tmp_path):
    write(tmp_path / "proj", {"src/train.py": "", "requirements.txt": "", "setup.py": ""})
    paths = ReportPaths(tmp_path / "proj", tmp_path, {})
    message = (
        "`np.random.normal(size=3)` at src/train.py:24 in `classifier.train:12`; `torch.backends.cudnn` "
        "(pinned in requirements.txt:3, see setup.py.) not in docs/missing.py or `src/train.py`"
    )
    related = (RelatedLocation("src/train.py", Span(1, 0, 1, 1), "first use (src/train.py:1)"),)
    (moved,) = paths.findings([_finding(message, related=related)])
    assert moved.path == "proj/src/train.py"
    assert moved.message == (
        "`np.random.normal(size=3)` at proj/src/train.py:24 in `classifier.train:12`; `torch.backends.cudnn` "
        "(pinned in proj/requirements.txt:3, see proj/setup.py.) not in docs/missing.py or `proj/src/train.py`"
    )
    assert moved.related[0].path == "proj/src/train.py"
    assert moved.related[0].message == "first use (proj/src/train.py:1)"


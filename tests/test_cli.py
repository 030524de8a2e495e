from __future__ import annotations

import json
import re
import shutil
from collections import Counter

import pytest
from conftest import REPO, write

from detlint import __version__

EXAMPLE = REPO / "fixtures" / "example-project"
BENCHMARK = "import torch\ntorch.backends.cudnn.benchmark = True\n"
TEXT_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<code>DET\d{3}) (?P<message>.+)$")


@pytest.fixture
def example(tmp_path):
    target = tmp_path / "example-project"
    shutil.copytree(EXAMPLE, target)
    return target


def _text_findings(output: str) -> list[tuple[str, int, int, str, str]]:
    rows = []
    for line in output.splitlines():
        match = TEXT_LINE.match(line)
        if match:
            rows.append((match["path"], int(match["line"]), int(match["column"]), match["code"], match["message"]))
    return rows


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


def test_example_project_reports_det203_and_det208_at_the_marked_lines(cli, example):
    from detlint.testing import expected_counts_in_project

    result = cli("check", str(example))
    assert result.exit_code == 1, result.output
    actual = Counter((path, line, code) for path, line, _, code, _ in _text_findings(result.stdout))
    files = {source.relative_to(example.parent).as_posix(): source.read_text() for source in example.rglob("*.py")}
    assert actual == expected_counts_in_project(files)
    assert {"DET203", "DET208"} <= {code for _, _, code in actual}


def test_json_output_matches_text_output(cli, example):
    text = _text_findings(cli("check", str(example)).stdout)
    report = cli.json(str(example))
    assert report["version"] == 1
    assert report["root"] == example.as_posix()
    as_json = [(f["path"], f["line"], f["column"], f["code"], f["message"]) for f in report["findings"]]
    assert as_json == text
    for finding in report["findings"]:
        assert set(finding) >= {"code", "name", "message", "path", "line", "column", "end_line", "end_column",
                                "severity", "confidence", "fingerprint"}  # fmt: skip


def _many_files(root):
    files = {f"pkg/m{n:02d}.py": BENCHMARK if n % 3 else "import torch\nx = 1\n" for n in range(40)}
    files["pkg/misc.py"] = "import torch\ntorch.use_deterministic_algorithms(False)\n"
    return write(root, files)


def test_serial_parallel_cached_and_uncached_runs_print_the_same(cli, tmp_path):
    _many_files(tmp_path)
    serial = cli("check", "-j1", "--no-cache").stdout
    parallel = cli("check", "-j2", "--no-cache").stdout
    cold = cli("check", "-j2").stdout
    assert (tmp_path / ".detlint_cache").is_dir()
    warm = cli("check", "-j1").stdout
    assert serial == parallel == cold == warm
    assert len(_text_findings(serial)) == 26 + 1


def test_exit_codes(cli, tmp_path):
    write(tmp_path, {"clean.py": "import torch\nx = torch.zeros(3)\n"})
    assert cli("check").exit_code == 0
    write(tmp_path, {"bad.py": BENCHMARK})
    assert cli("check").exit_code == 1
    assert cli("check", "--exit-zero").exit_code == 0
    assert cli("check", "missing_dir").exit_code == 2
    assert cli("check", "--output-format", "xml").exit_code == 2


@pytest.mark.parametrize(
    ("files", "args", "where"),
    [
        ({"empty/.keep": ""}, ["empty"], "empty"),
        ({"notes.txt": "", ".venv/lib.py": BENCHMARK, "build/gen.py": BENCHMARK}, [], "."),
        ({"pyproject.toml": '[tool.detlint]\nextend-exclude = ["gen"]\n', "gen/a.py": BENCHMARK},
         ["--force-exclude", "gen"], "gen"),
    ],
)  # fmt: skip
def test_a_run_that_finds_no_files_says_so_and_exits_0(cli, tmp_path, files, args, where):
    write(tmp_path, files)
    for command in (["check"], ["check", "--output-format", "json"], ["check", "--show-files"]):
        result = cli(*command, *args)
        assert result.exit_code == 0, result.output
        assert result.stderr == f"detlint: No Python or dependency files found in {where}\n"
    assert json.loads(cli("check", "--output-format", "json", *args).stdout)["findings"] == []


def test_a_path_that_does_not_exist_is_a_usage_error(cli, tmp_path):
    write(tmp_path, {"a.py": BENCHMARK})
    result = cli("check", "a.py", "missing.py")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "detlint: error: missing.py: no such file or directory\n"


@pytest.mark.parametrize(
    ("args", "codes"),
    [
        (["--select", "DET203"], {"DET203"}),
        (["--select", "DET2", "--ignore", "cudnn-benchmark"], {"DET208"}),
        (["--ignore", "DET2", "--extend-select", "DET208"], {"DET208"}),
        (["--ignore", "DET2"], set()),
    ],
)
def test_selection_flags(cli, tmp_path, args, codes):
    write(tmp_path, {"a.py": BENCHMARK + "torch.use_deterministic_algorithms(False)\n"})
    assert {f["code"] for f in cli.json(*args)["findings"]} == codes


def test_unknown_selector_is_a_usage_error(cli, tmp_path):
    write(tmp_path, {"a.py": BENCHMARK})
    result = cli("check", "--select", "DET2,no-such-rule")
    assert result.exit_code == 2
    assert "no-such-rule" in result.stderr and "--select" in result.stderr


def test_min_confidence_hides_guesses(cli, tmp_path):
    write(tmp_path, {"a.py": "import torch\ntorch.backends.cudnn.benchmark = args.fast\n"})
    assert cli.json()["findings"] == []
    (finding,) = cli.json("--min-confidence", "low")["findings"]
    assert finding["confidence"] == "low"


def test_output_file_statistics_and_source(cli, tmp_path):
    write(tmp_path, {"a.py": BENCHMARK, "b.py": BENCHMARK})
    result = cli("check", "--statistics", "--show-source", "-o", "report.txt")
    assert result.exit_code == 1 and result.stdout == ""
    report = (tmp_path / "report.txt").read_text()
    assert "    2  DET203  cudnn-benchmark" in report
    assert "2 | torch.backends.cudnn.benchmark = True\n" in report
    assert "^^^^" in report
    assert "\x1b[" not in report


def test_colour_only_on_a_terminal_and_never_with_no_color(cli, tmp_path, monkeypatch):
    write(tmp_path, {"a.py": BENCHMARK})
    assert "\x1b[" not in cli("check").stdout
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in cli("check").stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli("check").stdout


def test_paths_are_shown_relative_to_the_working_directory(cli, tmp_path, monkeypatch):
    write(tmp_path, {"pyproject.toml": "[tool.detlint]\n", "pkg/a.py": BENCHMARK})
    monkeypatch.chdir(tmp_path / "pkg")
    assert cli("check").stdout.startswith("a.py:2:1: DET203")
    report = cli.json()
    assert report["findings"][0]["path"] == "a.py"
    assert report["root"] == tmp_path.as_posix()


def test_rules_and_rule_commands(cli):
    listing = cli("rules")
    assert listing.exit_code == 0
    assert "DET203" in listing.stdout and "cudnn-benchmark" in listing.stdout
    rows = json.loads(cli("rules", "--output-format", "json").stdout)
    assert {"DET001", "DET090", "DET203", "DET208"} <= {row["code"] for row in rows}
    page = cli("rule", "DET203")
    assert page.exit_code == 0 and page.stdout.startswith("# DET203: cudnn-benchmark")
    assert cli("rule", "cudnn-benchmark").stdout == page.stdout
    assert cli("rule", "DET777").exit_code == 2


def test_show_files_lists_what_would_be_checked(cli, tmp_path):
    write(tmp_path, {"a.py": "", "requirements.txt": "torch\n", "notes.txt": "", ".venv/lib.py": ""})
    assert cli("check", "--show-files").stdout.splitlines() == ["a.py", "requirements.txt"]


def test_force_exclude_applies_to_explicit_paths(cli, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.detlint]\nextend-exclude = ["generated"]\n', "generated/a.py": BENCHMARK})
    assert cli("check", "generated/a.py").exit_code == 1
    assert cli("check", "--force-exclude", "generated/a.py").exit_code == 0


def test_verbose_names_the_framework_versions_judged_against(cli, example):
    result = cli("check", "--verbose", str(example))
    assert "torch: judged against 2.4.1 (pyproject.toml:4)" in result.stderr
    assert "tensorflow: judged against the newest catalogued release" in result.stderr

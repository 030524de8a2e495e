"""`detlint check -`: the source on standard input, checked as one file of its project (editors: ALE,
nvim-lint, VS Code tasks). The project's other files come from disk, the buffer's content from stdin,
and the findings are reported under the file's path, relative to the working directory."""

from __future__ import annotations

import json

import pytest
from conftest import write

BENCHMARK = "import torch\ntorch.backends.cudnn.benchmark = True\n"
NOISY = "import numpy as np\n\n\ndef noisy():\n    return np.random.rand(3)\n"
# The entry point reads its data: a run on random numbers alone is a demo whose results nobody keeps.
TRAIN = 'from data import noisy\n\nif __name__ == "__main__":\n    rows = open("rows.csv").read()\n    noisy()\n'
SEEDED_TRAIN = (
    'import numpy as np\nfrom data import noisy\n\nif __name__ == "__main__":\n    np.random.seed(0)\n'
    '    rows = open("rows.csv").read()\n    noisy()\n'
)


@pytest.fixture
def project(tmp_path):
    """A project whose entry point (on disk) calls into data.py; data.py on disk draws no numbers."""
    return write(tmp_path / "proj", {"pyproject.toml": "[tool.detlint]\n", "train.py": TRAIN, "data.py": "x = 1\n"})


def test_the_buffer_is_judged_with_the_project_on_disk_and_reported_under_its_path(cli, project, monkeypatch):
    monkeypatch.chdir(project.parent)
    result = cli("check", "--stdin-filename", "proj/data.py", "-", input=NOISY)
    assert result.exit_code == 1, result.output
    # Unseeded only because train.py, read from disk, runs it from its main guard.
    assert result.stdout.startswith("proj/data.py:5:12: DET101 NumPy's global RNG is used but never seeded")
    (finding,) = json.loads(cli("check", "--output-format", "json", "--stdin-filename", "proj/data.py", "-",
                                input=NOISY).stdout)["findings"]  # fmt: skip
    assert (finding["path"], finding["line"], finding["code"]) == ("proj/data.py", 5, "DET101")
    assert "proj/train.py" in {related["path"] for related in finding["related"]}  # the entry point
    assert (project / "data.py").read_text(encoding="utf-8") == "x = 1\n"  # the disk copy was never read as it
    (project / "train.py").write_text(SEEDED_TRAIN, encoding="utf-8")
    clean = cli("check", "--stdin-filename", "proj/data.py", "-", input=NOISY)
    assert (clean.exit_code, clean.stdout) == (0, "All checks passed.\n")


def test_stdin_filename_alone_reads_standard_input(cli, project, monkeypatch):
    monkeypatch.chdir(project)
    result = cli("check", "--stdin-filename", "data.py", input=NOISY)
    assert result.exit_code == 1
    assert result.stdout.startswith("data.py:5:12: DET101")


def test_a_file_that_does_not_exist_yet_finds_its_project_and_settings(cli, project, monkeypatch):
    write(project, {"pyproject.toml": '[tool.detlint]\nper-file-ignores = { "new/**" = ["DET203"] }\n'})
    monkeypatch.chdir(project.parent)
    assert cli("check", "--stdin-filename", "proj/new/fresh.py", "-", input=BENCHMARK).exit_code == 0
    result = cli("check", "--stdin-filename", "proj/other/fresh.py", "-", input=BENCHMARK)
    assert result.stdout.startswith("proj/other/fresh.py:2:1: DET203")


def test_without_a_filename_the_buffer_is_a_file_of_the_current_directorys_project_named_dash(cli, project,
                                                                                           monkeypatch):  # fmt: skip
    monkeypatch.chdir(project)
    result = cli("check", "-", input=BENCHMARK)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("-:2:1: DET203 ")
    report = json.loads(cli("check", "--output-format", "json", "-", input=BENCHMARK).stdout)
    assert [finding["path"] for finding in report["findings"]] == ["-"]
    assert report["root"] == project.as_posix()
    empty = cli("check", "-", input="")
    assert (empty.exit_code, empty.stdout, empty.stderr) == (0, "All checks passed.\n", "")


def test_fix_prints_the_fixed_source_and_reports_what_is_left_on_stderr(cli, project, monkeypatch):
    monkeypatch.chdir(project)
    (project / "a.py").write_text(BENCHMARK, encoding="utf-8")
    source = BENCHMARK + "torch.use_deterministic_algorithms(False)\n"
    result = cli("check", "--fix", "--stdin-filename", "a.py", "-", input=source)
    assert result.stdout == source.replace("benchmark = True", "benchmark = False")
    assert result.exit_code == 1
    assert "Fixed 1 finding." in result.stderr
    assert "a.py:3:1: DET208" in result.stderr and "DET203" not in result.stderr
    assert (project / "a.py").read_text(encoding="utf-8") == BENCHMARK  # the file on disk is left alone
    # Nothing to fix: the source comes back unchanged, so an editor's buffer is never emptied.
    unchanged = cli("check", "--fix", "--stdin-filename", "a.py", "-", input="import torch\n")
    assert (unchanged.exit_code, unchanged.stdout) == (0, "import torch\n")


def test_diff_shows_the_fixes_of_the_buffer(cli, project, monkeypatch):
    monkeypatch.chdir(project)
    result = cli("check", "--diff", "--stdin-filename", "a.py", "-", input=BENCHMARK)
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/a.py\n+++ b/a.py\n")
    assert "+torch.backends.cudnn.benchmark = False\n" in result.stdout
    assert cli("check", "--diff", "-", input="import torch\n").exit_code == 0


def test_force_exclude_applies_to_the_filename(cli, project, monkeypatch):
    write(project, {"pyproject.toml": '[tool.detlint]\nextend-exclude = ["generated"]\n', "generated/a.py": ""})
    monkeypatch.chdir(project)
    assert cli("check", "--stdin-filename", "generated/a.py", "-", input=BENCHMARK).exit_code == 1
    excluded = cli("check", "--force-exclude", "--stdin-filename", "generated/a.py", "-", input=BENCHMARK)
    assert (excluded.exit_code, excluded.stdout) == (0, "All checks passed.\n")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-", "train.py"], "standard input (`-`) cannot be checked together with other PATHS"),
        (["--stdin-filename", "a.py", "train.py"], "standard input (`-`) cannot be checked together"),
        (["-", "-"], "standard input (`-`) cannot be checked together"),
        (["--stdin-filename", "requirements.txt", "-"], "only Python source (.py, .pyi) can be read"),
        (["--show-files", "-"], "--show-files lists files on disk"),
    ],
)
def test_combinations_that_mean_nothing_are_usage_errors(cli, project, monkeypatch, arguments, message):
    monkeypatch.chdir(project)
    result = cli("check", *arguments, input=BENCHMARK)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_rule_that_fails_on_the_buffer_exits_2(cli, project, monkeypatch):
    from detlint import registry
    from detlint.checks.base import Rule

    class Exploding(Rule):
        """Test double."""

        code, name = "DET999", "exploding"

        def visit_Assign(self, node):
            raise ZeroDivisionError("boom")

    index = registry.rule_index()
    monkeypatch.setattr(registry, "rule_index", lambda: registry.RuleIndex([*index.rules, Exploding]))
    monkeypatch.chdir(project)
    result = cli("check", "--no-cache", "--stdin-filename", "a.py", "-", input=BENCHMARK)
    assert result.exit_code == 2
    assert "a.py:1:1: DET002" in result.stdout and "a.py:2:1: DET203" in result.stdout
    assert "internal error" in result.stderr

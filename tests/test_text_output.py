"""Output for people, as ruff prints it: `concise` (one line per finding) and `full` (the source, the
related places, why and what to do), a summary with counts per rule and what the fixes would fix, and
text from rules and files that is never read as rich markup."""

from __future__ import annotations

import re

from conftest import REPO, write

BENCHMARK = "import torch\ntorch.backends.cudnn.benchmark = True\n"
# DET101 on the entry point's path, with the first use in another module and an unsafe fix.
SEEDING = {
    "model.py": "import torch\n\n\ndef build():\n    return torch.nn.Linear(2, 2)\n",
    "train.py": "import torch\nfrom model import build\n\n\nif __name__ == '__main__':\n    net = build()\n",
}
CONCISE_LINE = re.compile(r"^[^ :]+:\d+:\d+: DET\d{3} \S")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_concise_is_one_line_per_finding_and_text_is_its_other_name(cli, tmp_path):
    write(tmp_path, {"a.py": BENCHMARK, "b.py": BENCHMARK + "torch.use_deterministic_algorithms(False)\n"})
    concise = cli("check", "--no-cache", "--output-format", "concise")
    assert concise.exit_code == 1
    lines = concise.stdout.splitlines()
    assert lines[:3] == [
        "a.py:2:1: DET203 `torch.backends.cudnn.benchmark = True` makes cuDNN choose convolution algorithms "
        "by timing them in each run",
        "b.py:2:1: DET203 `torch.backends.cudnn.benchmark = True` makes cuDNN choose convolution algorithms "
        "by timing them in each run",
        "b.py:3:1: DET208 `use_deterministic_algorithms(False)` turns deterministic algorithms off",
    ]
    assert lines[3:] == ["Found 3 findings in 2 files: 2 DET203, 1 DET208.", "2 fixable with `--fix`."]
    assert cli("check", "--no-cache", "--output-format", "text").stdout == concise.stdout
    assert cli("check", "--no-cache").stdout == concise.stdout  # not a terminal: concise


def test_summary_counts_in_the_singular_and_names_unsafe_fixes(cli, tmp_path):
    write(tmp_path, SEEDING)
    lines = cli("check", "--no-cache").stdout.splitlines()
    assert lines[-2:] == ["Found 1 finding in 1 file: 1 DET101.", "1 fixable with `--fix --unsafe-fixes`."]


def test_a_clean_run_says_so(cli, tmp_path):
    write(tmp_path, {"a.py": "import torch\nx = torch.zeros(3)\n"})
    result = cli("check", "--no-cache")
    assert (result.exit_code, result.stdout) == (0, "All checks passed.\n")
    assert cli("check", "--no-cache", "--output-format", "full").stdout == "All checks passed.\n"


def test_full_shows_the_source_the_related_places_the_detail_and_help(cli, tmp_path):
    write(tmp_path, SEEDING)
    result = cli("check", "--no-cache", "--output-format", "full")
    assert result.stdout == (
        "DET101 PyTorch's default generator is used but never seeded on this entry point's path\n"
        " --> train.py:6:11\n"
        "  |\n"
        "5 | if __name__ == '__main__':\n"
        "6 |     net = build()\n"
        "  |           ^^^^^^^\n"
        "  |\n"
        " ::: model.py:5:12\n"
        "  |\n"
        "4 | def build():\n"
        "5 |     return torch.nn.Linear(2, 2)\n"
        "  |            ^^^^^^^^^^^^^^^^^^^^^ first use of PyTorch's default generator on this path\n"
        "  |\n"
        " ::: train.py:5:1\n"
        "  |\n"
        "4 |\n"
        "5 | if __name__ == '__main__':\n"
        "  | ^ entry point: its `if __name__ == \"__main__\":` block\n"
        "  |\n"
        "  = note: `torch.nn.Linear(2, 2)` constructs a module whose weights are initialised from PyTorch's\n"
        "          default generator, and nothing on the path of `train.py` (its `if __name__ == \"__main__\":`\n"
        "          block) seeds it, so it starts from a different state in every run.\n"
        "help: Call `torch.manual_seed(SEED)` at the start of the run (fixable with `--fix --unsafe-fixes`)\n"
        "\n"
        "Found 1 finding in 1 file: 1 DET101.\n"
        "1 fixable with `--fix --unsafe-fixes`.\n"
    )


def test_show_source_is_full_and_a_terminal_gets_full_by_default(cli, tmp_path, monkeypatch):
    write(tmp_path, {"a.py": BENCHMARK})
    full = cli("check", "--no-cache", "--output-format", "full").stdout
    assert "help: Set it to False when results must repeat (fixable with `--fix`)" in full
    assert cli("check", "--no-cache", "--show-source").stdout == full
    monkeypatch.setattr("detlint.cli._stdout_is_terminal", lambda: True)
    assert ANSI.sub("", cli("check", "--no-cache").stdout) == full
    monkeypatch.setenv("DETLINT_OUTPUT_FORMAT", "concise")
    assert CONCISE_LINE.match(cli("check", "--no-cache").stdout)


def test_long_flagged_ranges_show_their_ends(cli, tmp_path):
    call = "split = train_test_split(\n" + "".join(f"    a{n},\n" for n in range(10)) + ")\n"
    write(tmp_path, {"a.py": "from sklearn.model_selection import train_test_split\n" + call})
    full = cli("check", "--no-cache", "--output-format", "full", "--min-confidence", "low").stdout
    assert full.split("\n", 1)[1].startswith(
        "  --> a.py:2:9\n"
        "   |\n"
        " 1 | from sklearn.model_selection import train_test_split\n"
        " 2 | split = train_test_split(\n"
        "   |         ^^^^^^^^^^^^^^^^^\n"
        " 3 |     a0,\n"
        " 4 |     a1,\n"
        "   | ...\n"
        "12 |     a9,\n"
        "13 | )\n"
        "   | ^\n"
        "   |\n"
    )


def test_text_from_rules_and_files_is_not_markup(cli, tmp_path, monkeypatch):
    project = tmp_path / "proj[bold]"
    write(project, {
        "pyproject.toml": '[project]\nname = "t"\n[project.scripts]\ntool = "tool.cli:main"\n',
        "tool/__init__.py": "",
        "tool/cli.py": (
            "import random\n\n\ndef main():\n    with open('labels.txt') as handle:\n        print(handle.read())\n"
            "    return random.choice(['[red]', 'b'])\n"
        ),
    })  # fmt: skip
    monkeypatch.chdir(project)
    monkeypatch.setenv("FORCE_COLOR", "1")
    result = cli("check", "--no-cache", "--verbose", "--output-format", "full")
    shown = ANSI.sub("", result.stdout)
    assert "\x1b[" in result.stdout
    assert "`tool.cli:main` ([project.scripts])" in shown
    assert "random.choice(['[red]', 'b'])" in shown
    assert "proj[bold]" in result.stderr


def test_each_finding_of_the_example_project_is_one_concise_line(cli):
    result = cli("check", "--no-cache", str(REPO / "fixtures" / "example-project"))
    findings = [line for line in result.stdout.splitlines() if CONCISE_LINE.match(line)]
    assert len(findings) == 6 and all(len(line) < 220 for line in findings)


def test_source_is_quoted_in_its_declared_encoding_and_control_bytes_are_made_visible(cli, tmp_path):
    write(tmp_path, {
        "latin.py": "# -*- coding: latin-1 -*-\nimport torch\nname = 'café'\ntorch.backends.cudnn.benchmark = True\n"
        .encode("latin-1"),
        "binary.py": b"import torch\nx = '\x1b[31mred'\n\x00\n",
    })  # fmt: skip
    full = cli("check", "--no-cache", "--show-source").stdout
    assert "3 | name = 'café'\n" in full
    assert "2 | x = '\u241b[31mred'\n3 | \u2400\n" in full
    assert "\x1b" not in full and "\x00" not in full and "\ufffd" not in full

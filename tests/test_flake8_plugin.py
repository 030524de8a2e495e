"""The flake8 plugin, through the real flake8 in a subprocess: the same findings as `detlint check`,
with flake8 owning selection and `# noqa`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from importlib import metadata

import pytest
from conftest import REPO, write

from detlint.finding import Confidence
from detlint.integrations.flake8 import Plugin

BENCHMARK = "import torch\ntorch.backends.cudnn.benchmark = True\n"
GUESSED = "import torch\ntorch.backends.cudnn.benchmark = args.benchmark\n"  # low confidence
FLAKE8_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<code>\S+) (?P<message>.*)$")


def _plugin_installed() -> bool:
    try:
        entry_points = metadata.distribution("detlint").entry_points
    except metadata.PackageNotFoundError:
        return False
    assert any(ep.group == "flake8.extension" and ep.name == "DET" for ep in entry_points), (
        "detlint is installed without its flake8 entry point: reinstall it (pip install -e .)"
    )
    return True


pytestmark = pytest.mark.skipif(not _plugin_installed(), reason="flake8 finds plugins of installed packages only")


def flake8(cwd, *args: str, stdin: str | None = None) -> list[tuple[str, int, int, str, str]]:
    """(path, line, column, code, message) for each line flake8 prints; `--isolated` keeps any
    configuration file around the test out of it."""
    process = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert process.returncode in (0, 1), process.stderr
    rows = [FLAKE8_LINE.match(line) for line in process.stdout.splitlines()]
    assert all(rows), process.stdout
    return [(m["path"], int(m["line"]), int(m["column"]), m["code"], m["message"]) for m in rows if m]


@pytest.fixture
def example(tmp_path):
    target = tmp_path / "example-project"
    shutil.copytree(REPO / "fixtures" / "example-project", target, ignore=shutil.ignore_patterns(".detlint_cache"))
    return target


TRAIN = "src/classifier/train.py"


@pytest.mark.parametrize("working_directory", ["", "src"])
def test_same_findings_as_detlint_check(cli, example, monkeypatch, working_directory):
    here = example / working_directory
    monkeypatch.chdir(here)
    train = (example / TRAIN).relative_to(here).as_posix()
    checked = json.loads(cli("check", "--no-cache", "--output-format", "json", train).stdout)
    expected = [(train, f["line"], f["column"], f["code"], f["message"]) for f in checked["findings"]]
    assert expected  # the fixture is meant to have findings
    assert flake8(here, "--select", "DET", train) == expected  # both print 1-based columns


def test_lints_the_lines_flake8_gives_not_the_file_on_disk(example):
    on_disk = flake8(example, "--select", "DET", TRAIN)
    (example / TRAIN).write_text("x = 1\n")  # an editor's unsaved buffer differs from the file
    from_stdin = flake8(example, "--select", "DET", "--stdin-display-name", TRAIN, "-", stdin=BENCHMARK)
    assert [(path, line, code) for path, line, _, code, _ in from_stdin] == [(TRAIN, 2, "DET203")]
    assert on_disk and on_disk != from_stdin


def test_codes_work_with_select_and_extend_ignore(example):
    def codes(*args: str) -> set[str]:
        return {code for *_, code, _ in flake8(example, *args, TRAIN)}

    everything = codes("--select", "DET")
    assert {"DET203", "DET208"} <= everything
    torch_switches = {code for code in everything if code.startswith("DET2")}
    assert codes("--select", "DET2", "--extend-ignore", "DET203") == torch_switches - {"DET203"}
    assert codes("--select", "DET", "--extend-ignore", "DET2") == everything - torch_switches
    assert not any(code.startswith("DET") for code in codes("--select", "E,W,F"))


def test_noqa_is_left_to_flake8(tmp_path):
    write(tmp_path, {"a.py": BENCHMARK.replace("True", "True  # noqa: DET203")})
    assert flake8(tmp_path, "--select", "DET", "a.py") == []
    # With --disable-noqa the finding comes back: the plugin itself ignored the comment.
    assert [row[3] for row in flake8(tmp_path, "--select", "DET", "--disable-noqa", "a.py")] == ["DET203"]


def test_detlint_ignore_comments_still_apply(tmp_path):
    write(tmp_path, {"a.py": BENCHMARK.replace("True", "True  # detlint: ignore[cudnn-benchmark]")})
    assert flake8(tmp_path, "--select", "DET", "a.py") == []


def test_min_confidence_option(tmp_path):
    write(tmp_path, {"a.py": GUESSED})
    assert flake8(tmp_path, "--select", "DET", "a.py") == []
    (row,) = flake8(tmp_path, "--select", "DET", "--detlint-min-confidence", "low", "a.py")
    assert (row[1], row[2], row[3]) == (2, 1, "DET203")
    write(tmp_path, {"setup.cfg": "[flake8]\ndetlint-min-confidence = low\n"})
    process = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "DET", "a.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert "DET203" in process.stdout


def test_plugin_yields_zero_based_columns_and_code_first_text(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no configuration file around: the file is its own project
    monkeypatch.setattr(Plugin, "min_confidence", Confidence.HIGH)
    (row,) = Plugin(None, BENCHMARK.splitlines(keepends=True), "example.py").run()
    line, column, text, kind = row
    assert (line, column, kind) == (2, 0, Plugin)
    assert text.startswith("DET203 ")


UNCONFIGURED = {
    "pyproject.toml": '[project]\nname = "tool"\nversion = "0"\ndependencies = ["torch==2.4.1"]\n',
    "utils.py": "import os\n\nimport torch\n\n\ndef set_seed(seed):\n    torch.manual_seed(seed)\n"
    "    os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'\n    torch.use_deterministic_algorithms(True)\n",
    "train.py": "import torch\n\nfrom utils import set_seed\n\n\ndef main():\n    set_seed(0)\n"
    "    images = torch.load('images.pt').cuda()\n    torch.nn.Conv2d(3, 8, 3).cuda()(images).sum().backward()\n\n\n"
    "if __name__ == '__main__':\n    main()\n",
}


def test_one_file_of_a_project_without_a_detlint_table_is_judged_with_its_project(cli, tmp_path):
    write(tmp_path, UNCONFIGURED)
    whole = json.loads(cli("check", "--no-cache", "--output-format", "json", ".").stdout)["findings"]
    alone = json.loads(cli("check", "--no-cache", "--output-format", "json", "train.py").stdout)["findings"]
    assert whole == [] and alone == []  # utils.set_seed seeds torch and turns deterministic mode on
    assert flake8(tmp_path, "--select", "DET", "train.py") == []
    verbose = cli("check", "--no-cache", "--verbose", "train.py")
    assert "torch: judged against 2.4.1 (pyproject.toml:4)" in verbose.stderr
    # Positive control: without the helper's switch, the same single-file run is flagged.
    (tmp_path / "utils.py").write_text("import torch\n\n\ndef set_seed(seed):\n    torch.manual_seed(seed)\n")
    flagged = json.loads(cli("check", "--no-cache", "--output-format", "json", "train.py").stdout)["findings"]
    assert [finding["code"] for finding in flagged] == ["DET204"]
    assert [row[3] for row in flake8(tmp_path, "--select", "DET", "train.py")] == ["DET204"]

"""`detlint probe`: exit codes, usage errors, and the safety guarantee, for real: probing a project
whose modules have import side effects (and shadow torch and numpy) imports none of them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from probe_helpers import FINDINGS_FILE, SIDE_EFFECTS, installed, op_finding, plain_finding

from detlint.reporters import json_report

needs_torch = pytest.mark.skipif(not installed("torch"), reason="torch is not installed")


ORIGINAL_PYTHONPATH = os.environ.get("PYTHONPATH", "")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The side-effect project, copied; the working directory, and first on PYTHONPATH (which the
    probe's workers inherit; this test process started before, so it imported nothing from there)."""
    target = tmp_path / "project"
    shutil.copytree(SIDE_EFFECTS, target)
    monkeypatch.chdir(target)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(target), ORIGINAL_PYTHONPATH])))
    return target


def imported(project: Path) -> list[str]:
    return sorted(path.name for path in project.glob("IMPORTED-*"))


@needs_torch
@pytest.mark.slow
def test_probing_a_project_never_imports_its_modules(cli, project):
    result = cli("probe", ".", "--output-format", "json", "--runs", "4")
    assert imported(project) == []
    assert result.exit_code == 1, result.stdout + result.stderr
    findings = json.loads(result.stdout)["findings"]
    probed = [finding for finding in findings if "probe" in finding]
    assert probed, "the analyzer found no op to probe in train.py"
    index_put = next(f for f in probed if f["properties"]["op"] == "index-put-accumulate-cpu")
    assert index_put["path"] == "train.py"
    assert index_put["probe"]["status"] == "confirmed"
    assert index_put["probe"]["deterministic_mode"]["fixed"] is True
    assert index_put["probe"]["environment"]["framework"] == "torch"  # the real torch, not ./torch.py


@needs_torch
@pytest.mark.slow
def test_probe_from_a_findings_file_writes_sarif_and_leaves_torch_to_the_worker(project, tmp_path):
    out = tmp_path / "probe.sarif"
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from detlint.cli import main\n"
        f"result = CliRunner().invoke(main, ['probe', '--from', {str(FINDINGS_FILE)!r}, '--output-format', 'sarif',"
        f" '-o', {str(out)!r}])\n"
        "print(result.exit_code, 'torch' in sys.modules, 'numpy' in sys.modules)\n"
    )
    # `python -c` puts the working directory (the project) first on sys.path: had detlint's own process
    # imported torch or numpy, it would have imported the project's. (Not PYTHONPATH: a sitecustomize
    # there would be imported by any Python that starts, before detlint.)
    environment = {**os.environ, "PYTHONPATH": ORIGINAL_PYTHONPATH}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=project, check=True,
                         env=environment)  # fmt: skip
    assert run.stdout.split() == ["1", "False", "False"], run.stdout + run.stderr
    assert imported(project) == []
    results = json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
    statuses = {
        result["locations"][0]["physicalLocation"]["region"]["startLine"]: result["properties"].get("probe")
        for result in results
    }
    assert statuses[3] is None
    assert statuses[10]["status"] == "confirmed" and statuses[20]["status"] == "confirmed"
    assert statuses[30]["status"] == "not-observed"
    assert statuses[40]["status"] == "raises-in-deterministic-mode"
    assert statuses[50]["status"] == statuses[60]["status"] == "skipped"


def write_report(path: Path, findings) -> Path:
    path.write_text(json_report.render(findings), encoding="utf-8")
    return path


def test_nothing_confirmed_exits_0(cli, tmp_path):
    report = write_report(tmp_path / "findings.json", [plain_finding(), op_finding("compile-autotune", None)])
    result = cli("probe", "--from", str(report))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "compile-autotune" in result.stdout and "skipped" in result.stdout
    assert result.stdout.splitlines()[-1] == "detlint probe: 1 skipped."


def test_nothing_to_probe_exits_0(cli, tmp_path):
    report = write_report(tmp_path / "findings.json", [plain_finding()])
    result = cli("probe", "--from", str(report), "--output-format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"][0]["code"] == "DET101"


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--from", "{report}", "src"], "give PATHS or --from, not both"),
        (["--from", "{bad}"], "is not JSON"),
        (["--from", "{missing}"], "does not exist"),
        (["--from", "{report}", "--runs", "1"], "--runs"),
        (["--from", "{report}", "--device", "tpu"], "--device"),
        (["--from", "{report}", "--size", "huge"], "--size"),
    ],
)
def test_usage_errors_exit_2(cli, tmp_path, arguments, message):
    report = write_report(tmp_path / "findings.json", [plain_finding()])
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    paths = {"report": report, "bad": bad, "missing": tmp_path / "missing.json"}
    result = cli("probe", *(argument.format(**paths) for argument in arguments))
    assert result.exit_code == 2
    assert message in result.stderr

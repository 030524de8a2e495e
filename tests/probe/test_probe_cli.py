"""`detlint probe`: exit codes, usage errors, and the safety guarantee, for real: probing a project
whose modules have import side effects (and shadow torch and numpy) imports none of them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from probe_helpers import FINDINGS_FILE, REPO, SIDE_EFFECTS, installed, op_finding, plain_finding

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


# -- a probe that cannot run is not a pass ------------------------------------------------------------

INDEX_PUT = ("index-put-accumulate-cpu", "index_put_accumulate", {"accumulate": True})


@pytest.fixture
def without_torch(tmp_path_factory, monkeypatch):
    """torch made unimportable for the probe's workers: a `torch` package first on PYTHONPATH (outside
    the working directory and the project, whose entries the workers drop) that fails to import as a
    missing module does."""
    shadow = tmp_path_factory.mktemp("shadow")
    (shadow / "torch").mkdir()
    (shadow / "torch" / "__init__.py").write_text(
        'raise ModuleNotFoundError("No module named \'torch\'", name="torch")\n', encoding="utf-8"
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(shadow), ORIGINAL_PYTHONPATH])))


def test_a_missing_framework_says_what_to_install_and_exits_2(cli, tmp_path, without_torch):
    report = write_report(tmp_path / "findings.json", [op_finding(*INDEX_PUT), plain_finding(line=2)])
    result = cli("probe", "--from", str(report), "--runs", "2")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "skipped" in result.stdout  # the report still shows every finding
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "detlint probe: torch is not installed (ModuleNotFoundError: No module named 'torch'): install it where "
        'detlint runs, with `pip install "detlint[torch]"` (or your platform\'s build of it)'
    )
    assert lines[-1] == "detlint probe: no recipe could run here, so nothing was confirmed or ruled out"
    as_json = cli("probe", "--from", str(report), "--output-format", "json")
    assert as_json.exit_code == 2
    (probed,) = [finding for finding in json.loads(as_json.stdout)["findings"] if "probe" in finding]
    assert probed["probe"]["status"] == "skipped"


@needs_torch
def test_cuda_without_a_gpu_says_so_and_exits_2(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # no GPU, on any machine
    report = write_report(tmp_path / "findings.json", [op_finding(*INDEX_PUT)])
    result = cli("probe", "--from", str(report), "--device", "cuda", "--runs", "2")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        "detlint probe: no usable GPU for torch: no CUDA device (torch.cuda.is_available() is False)",
        "detlint probe: no recipe could run here, so nothing was confirmed or ruled out",
    ]


def _default_mode(differing: int) -> dict:
    return {"outcome": "ran", "runs": 2, "differing_runs": differing, "max_abs_diff": 1e-7 if differing else 0.0,
            "differing_share": 0.5 if differing else 0.0, "seconds": 0.01, "samples": 2}  # fmt: skip


@pytest.mark.parametrize(("differing", "status"), [(0, 0), (1, 1)])
def test_when_some_recipes_ran_the_exit_follows_them_and_stderr_names_what_is_missing(
    cli, tmp_path, monkeypatch, differing, status
):
    from detlint.probe import session

    class Worker:
        """torch runs (its default mode differs `differing` times); TensorFlow is not installed."""

        def __init__(self, backend, mode, options, directory):
            self.alive = True
            if backend.name == "tensorflow":
                self.hello = {"skipped": "tensorflow is not installed (no module)", "unavailable": "framework"}
            else:
                self.hello = {"environment": {"framework": backend.name, "version": "2.4.1", "device": "cpu"}}

        def ask(self, request, timeout):
            return {"environment": self.hello["environment"],
                    "modes": {"default": _default_mode(differing), "deterministic": _default_mode(0)}}  # fmt: skip

        def close(self, kill=False):
            pass

    monkeypatch.setattr(session, "_Worker", Worker)
    findings = [
        op_finding(*INDEX_PUT, line=1),
        op_finding("tf-bincount", "tf_bincount", catalog="tf_ops", framework="tensorflow", line=2),
    ]
    result = cli("probe", "--from", str(write_report(tmp_path / "findings.json", findings)))
    assert result.exit_code == status, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        'detlint probe: tensorflow is not installed (no module): install it where detlint runs, with '
        '`pip install "detlint[tensorflow]"` (or your platform\'s build of it)'
    ]


def test_each_backend_names_an_extra_that_installs_its_framework():
    from detlint.probe.backends import BACKENDS

    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    for backend in BACKENDS.values():
        assert any(requirement.startswith(backend.package) for requirement in extras[backend.extra]), backend

"""Selection, grouping, notes and the workers' environment, without running a framework."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from probe_helpers import op_finding, plain_finding

from detlint.probe import session
from detlint.probe.backends import BACKENDS
from detlint.probe.results import Environment, ModeResult, ProbeResult, ProbeStatus
from detlint.probe.session import ProbeOptions, Target, probe_findings, worker_environment


@pytest.fixture
def ran_groups(monkeypatch):
    """Replaces running a group by a canned result; records the groups that would have run."""
    groups = []

    def fake_run(workers, group, options):
        groups.append((group.recipe.name, dict(group.variant), list(group.members)))
        mode = ModeResult("ran", runs=options.runs, seconds=1.0, samples=options.runs)
        environment = Environment("torch", "2.13.0+cpu", "cpu", None, 2)
        return ProbeResult.from_modes(group.recipe.name, group.variant, mode, mode, environment)

    monkeypatch.setattr(session, "_run_group", fake_run)
    return groups


def test_findings_with_the_same_recipe_and_variant_run_once(ran_groups):
    findings = [
        op_finding("index-put-accumulate-cpu", "index_put_accumulate", {"accumulate": True}, line=1),
        plain_finding(line=2),
        op_finding("index-put-accumulate-cpu", "index_put_accumulate", {"accumulate": True}, line=3),
        op_finding("index-put-duplicate-indices", "index_put_duplicate_indices", {"accumulate": False}, line=4),
        op_finding("scatter-reduce-sum-mean", "scatter_reduce", {"reduce": "sum"}, line=5),
        op_finding("scatter-reduce-sum-mean", "scatter_reduce", {"reduce": "mean"}, line=6),
        op_finding("scatter-reduce-sum-mean", "scatter_reduce", {"reduce": "sum", "ignored": [1, 2]}, line=7),
        op_finding("scatter-add-1d", "scatter_add", line=8),
        op_finding("scatter-add-nd", "scatter_add", line=9),
    ]
    results = probe_findings(findings, ProbeOptions())
    assert [(name, members) for name, _, members in ran_groups] == [
        ("index_put_accumulate", [0, 2]),
        ("index_put_duplicate_indices", [3]),
        ("scatter_reduce", [4, 6]),
        ("scatter_reduce", [5]),
        ("scatter_add", [7]),
        ("scatter_add", [8]),
    ]
    assert results[1] is None
    assert results[0] == results[2] and results[0].status is ProbeStatus.NOT_OBSERVED


def test_size_scales_the_variant(ran_groups):
    probe_findings([op_finding("index-add", "index_add")], ProbeOptions(size="large"))
    assert ran_groups[0][1]["scale"] == 16


def test_findings_without_a_recipe_are_skipped_with_the_catalogs_reason(ran_groups):
    findings = [
        op_finding("compile-autotune", None, {"mode": "max-autotune"}),
        op_finding("jax-scatter-add", "jax_scatter_add", catalog="jax", framework="jax"),
        op_finding("index-add", "no_such_recipe"),
        op_finding("no-such-op", None),
    ]
    results = probe_findings(findings, ProbeOptions())
    assert ran_groups == []
    assert [result.status for result in results] == [ProbeStatus.SKIPPED] * 4
    assert results[0].reason.startswith("no recipe: kernel choice depends on on-device timing")
    assert results[1].reason.startswith("no recipe: the probe has no JAX backend")
    assert results[2].reason == "no recipe named 'no_such_recipe' in this version of detlint"
    assert results[3].reason == "no recipe for this op in the catalog"


def test_notes_name_a_device_or_version_other_than_the_catalogued_one(ran_groups):
    findings = [
        op_finding("index-add", "index_add", framework_version="1.13"),
        op_finding("index-put-accumulate-cpu", "index_put_accumulate", {"accumulate": True}, framework_version="2.13"),
    ]
    cuda_entry, cpu_entry = probe_findings(findings, ProbeOptions())
    assert cuda_entry.notes == (
        "catalogued as nondeterministic on CUDA; probed on CPU, which runs other kernels",
        "the project uses torch 1.13; probed with 2.13.0+cpu",
    )
    assert cpu_entry.notes == ()


def test_target_reads_the_properties_the_op_rules_write():
    target = Target.of(op_finding("index-add", "index_add", {"alpha": 2}, framework_version="2.4"))
    assert target == Target("torch_ops", "index-add", "index_add", {"alpha": 2}, "torch", "2.4")
    assert Target.of(plain_finding()) is None


def test_same_release():
    assert session._same_release("2.4", "2.4.1+cu121")
    assert session._same_release("2.13.0", "2.13.0+cpu")
    assert not session._same_release("2.4", "2.13.0")
    assert not session._same_release("2.4.1", "2.4.0")


def test_workers_cannot_import_from_the_project_or_the_working_directory(tmp_path, monkeypatch):
    project, elsewhere = tmp_path / "project", tmp_path / "site"
    (project / "src").mkdir(parents=True)
    elsewhere.mkdir()
    monkeypatch.chdir(tmp_path / "project")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(project / "src"), str(elsewhere), "", "."]))
    monkeypatch.setenv("PYTHONSTARTUP", str(project / "startup.py"))
    environment = worker_environment(BACKENDS["torch"], ProbeOptions(protected=(project,)))
    entries = environment["PYTHONPATH"].split(os.pathsep)
    assert entries == [str(Path(session.__file__).resolve().parents[2]), str(elsewhere)]
    assert environment["PYTHONSAFEPATH"] == "1"
    assert "PYTHONSTARTUP" not in environment


def test_a_backend_that_cannot_start_skips_its_recipes_once(monkeypatch, tmp_path):
    class Refusing:
        def __init__(self, backend, mode, options, directory):
            self.hello = {"skipped": "tensorflow is not installed (no module)"}
            self.alive = True
            starts.append(backend.name)

        def close(self, kill=False):
            pass

    starts: list[str] = []
    monkeypatch.setattr(session, "_Worker", Refusing)
    findings = [
        op_finding("tf-bincount", "tf_bincount", catalog="tf_ops", framework="tensorflow", line=1),
        op_finding("tf-adjust-contrast", "tf_adjust_contrast", catalog="tf_ops", framework="tensorflow", line=2),
    ]
    results = probe_findings(findings, ProbeOptions())
    assert starts == ["tensorflow"]
    assert [result.reason for result in results] == ["tensorflow is not installed (no module)"] * 2


def fake_interpreter(tmp_path: Path, body: str) -> str:
    """An executable that stands in for `python -m detlint.probe.worker BACKEND MODE`."""
    import stat
    import sys

    script = tmp_path / "fake-python"
    script.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.mark.skipif(os.name != "posix", reason="uses a script with a #! line")
def test_the_protocol_passes_over_noise_and_carries_both_modes(tmp_path, monkeypatch):
    body = (
        "import json, sys\n"
        "print('a banner from a site customisation', flush=True)\n"
        "env = {'framework': 'torch', 'version': '9.9', 'device': 'cpu', 'threads': 2}\n"
        "print(json.dumps({'environment': env}), flush=True)\n"
        "for line in sys.stdin:\n"
        "    request = json.loads(line)\n"
        "    ran = {'outcome': 'ran', 'runs': request['runs'], 'differing_runs': 0, 'seconds': 0.5}\n"
        "    raises = {'outcome': 'raises', 'message': 'RuntimeError: no deterministic kernel'}\n"
        "    print(json.dumps({'environment': env, 'modes': {'default': ran, 'deterministic': raises}}), flush=True)\n"
    )
    monkeypatch.setattr(session.sys, "executable", fake_interpreter(tmp_path, body))
    [result] = probe_findings([op_finding("histc", "histc")], ProbeOptions(runs=3))
    assert result.status is ProbeStatus.RAISES
    assert result.deterministic.message == "RuntimeError: no deterministic kernel"
    assert result.environment.version == "9.9"


@pytest.mark.skipif(os.name != "posix", reason="uses a script with a #! line")
def test_a_worker_that_dies_is_skipped_with_its_last_words(tmp_path, monkeypatch):
    body = "import sys\nprint('Segmentation fault in libcuda', file=sys.stderr)\nsys.exit(3)\n"
    monkeypatch.setattr(session.sys, "executable", fake_interpreter(tmp_path, body))
    [result] = probe_findings([op_finding("histc", "histc")], ProbeOptions())
    assert result.status is ProbeStatus.SKIPPED
    assert result.reason == "the torch worker exited (3) starting: Segmentation fault in libcuda"

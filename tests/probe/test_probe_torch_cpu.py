"""The probe for real, on this machine's CPU with torch (installed by requirements-dev.lock): float32
`index_put_(..., accumulate=True)` with many duplicate indices and two threads differs between runs
and deterministic mode fixes it; ops that are deterministic on CPU are never confirmed. One probe of
the hand-written findings file serves most tests (one worker process)."""

from __future__ import annotations

import pytest
from probe_helpers import FINDINGS_FILE, installed, op_finding

from detlint.probe.report import load_findings
from detlint.probe.results import ProbeStatus
from detlint.probe.session import ProbeOptions, probe_findings

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not installed("torch"), reason="torch is not installed")]


@pytest.fixture(scope="module")
def probed():
    findings = load_findings(FINDINGS_FILE)
    results = probe_findings(findings, ProbeOptions(runs=5, device="cpu"))
    return {finding.span.line: result for finding, result in zip(findings, results)}


def test_index_put_accumulate_is_confirmed_and_fixed_by_deterministic_mode(probed):
    result = probed[10]
    assert result.status is ProbeStatus.CONFIRMED, result
    assert 1 <= result.default.differing_runs <= 4 and result.default.runs == 5
    assert result.default.max_abs_diff > 0
    assert 0 < result.default.differing_share <= 1
    assert result.deterministic.outcome == "ran" and result.deterministic.differing_runs == 0
    assert result.fixed_by_deterministic_mode is True
    assert result.time_ratio is not None and result.time_ratio > 0
    assert result.environment.framework == "torch" and result.environment.device == "cpu"
    assert result.environment.threads >= 2
    assert result.variant == {"accumulate": True, "dtype": "float32", "slots": 256, "elements": 4 << 20}


def test_findings_of_one_variant_share_one_run(probed):
    assert probed[20].default == probed[10].default
    assert probed[20].deterministic == probed[10].deterministic
    assert probed[20].notes == ("the project uses torch 2.4; probed with " + probed[10].environment.version,)
    assert probed[10].notes == ()


def test_an_op_deterministic_on_cpu_is_not_observed_with_a_device_note(probed):
    result = probed[30]
    assert result.status is ProbeStatus.NOT_OBSERVED
    assert result.default.differing_runs == 0 and result.deterministic.differing_runs == 0
    assert result.fixed_by_deterministic_mode is None
    assert any("catalogued as nondeterministic on CUDA; probed on CPU" in note for note in result.notes)


def test_an_op_without_a_deterministic_implementation_raises_in_deterministic_mode(probed):
    result = probed[40]
    assert result.status is ProbeStatus.RAISES
    assert result.deterministic.outcome == "raises"
    assert "does not have a deterministic implementation" in result.deterministic.message
    assert result.to_dict()["deterministic_mode"]["message"] == result.deterministic.message


def test_skipped_findings_say_why(probed):
    assert probed[50].status is ProbeStatus.SKIPPED
    assert probed[50].reason.startswith("no recipe: kernel choice depends on on-device timing")
    assert probed[60].status is ProbeStatus.SKIPPED
    assert probed[60].reason.startswith("no recipe: the probe has no JAX backend")
    assert probed[3] is None  # not an op finding


@pytest.mark.skipif(installed("tensorflow"), reason="tensorflow is installed")
def test_a_missing_framework_is_skipped_with_the_reason(probed):
    assert probed[70].status is ProbeStatus.SKIPPED
    assert probed[70].reason.startswith("tensorflow is not installed (ModuleNotFoundError")


DETERMINISTIC_ON_CPU = [
    ("cumsum-float", "cumsum", {}),
    ("histc", "histc", {}),
    ("bincount-weighted", "bincount", {}),
    ("scatter-reduce-sum-mean", "scatter_reduce", {"reduce": "sum"}),
    ("avg-pool3d-backward", "avg_pool3d_backward", {}),
    ("cudnn-convolution", "conv_cudnn", {}),
]


def test_ops_deterministic_on_cpu_are_never_confirmed():
    findings = [op_finding(op, recipe, arguments, line=line) for line, (op, recipe, arguments) in
                enumerate(DETERMINISTIC_ON_CPU)]
    results = probe_findings(findings, ProbeOptions(runs=4, device="cpu"))
    statuses = {finding.properties["op"]: result.status for finding, result in zip(findings, results)}
    assert statuses == {op: ProbeStatus.NOT_OBSERVED for op, _, _ in DETERMINISTIC_ON_CPU}


def test_the_put_without_accumulate_variant_runs_apart_from_the_accumulating_one():
    findings = [
        op_finding("put-accumulate-cpu", "put_accumulate", {"accumulate": True}, line=1),
        op_finding("put-no-accumulate", "put_duplicate_indices", {"accumulate": False}, line=2),
    ]
    accumulate, overwrite = probe_findings(findings, ProbeOptions(runs=5, device="cpu"))
    assert accumulate.status is ProbeStatus.CONFIRMED and accumulate.fixed_by_deterministic_mode
    assert overwrite.variant["accumulate"] is False
    assert overwrite.deterministic.outcome == "raises"  # put_(accumulate=False) has no deterministic kernel


def test_without_a_gpu_asking_for_cuda_is_skipped_with_the_reason():
    [result] = probe_findings([op_finding("index-add", "index_add")], ProbeOptions(device="cuda"))
    if result.environment is not None and result.environment.device == "cuda":
        pytest.skip("this machine has a GPU")
    assert result.status is ProbeStatus.SKIPPED
    assert result.reason == "no CUDA device (torch.cuda.is_available() is False)"


def test_a_recipe_over_its_time_limit_is_skipped_and_the_next_one_still_runs():
    findings = [
        op_finding("index-put-accumulate-cpu", "index_put_accumulate", {"accumulate": True}, line=1),
        op_finding("nll-loss-2d", "nll_loss2d", line=2),
    ]
    # A limit ten times what the fast recipe needs on a loaded machine, and a tenth of what the slow
    # one needs on an idle one: 4,000 calls of a 4M-element index_put_ take minutes, 4,000 small
    # losses about a second (the worker's start, importing torch, is not counted).
    slow, fast = probe_findings(findings, ProbeOptions(runs=2000, device="cpu", timeout=15.0))
    assert slow.status is ProbeStatus.SKIPPED
    assert slow.reason == "timed out after 15 s running index_put_accumulate"
    assert fast.status is ProbeStatus.NOT_OBSERVED

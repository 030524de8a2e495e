"""XGBoost for real on the CPU (xgboost-cpu is in requirements-dev.lock): the shotgun updater's
predictions differ between two trainings with the same seed, and coord_descent, the catalog's
alternative, does not; GPU settings are skipped without CUDA."""

from __future__ import annotations

import pytest
from probe_helpers import installed, op_finding

from detlint.probe.results import ProbeStatus
from detlint.probe.session import ProbeOptions, probe_findings

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not installed("xgboost"), reason="xgboost is not installed")]


def xgboost_finding(op: str, recipe: str, arguments: dict, line: int):
    return op_finding(op, recipe, arguments, catalog="xgboost", framework="xgboost", line=line, code="DET106")


def test_shotgun_is_confirmed_and_gpu_training_needs_cuda():
    findings = [
        # More threads than a small machine has cores: the updates race even while other processes
        # hold the cores, where two threads may run one after the other.
        xgboost_finding("gblinear-shotgun", "xgboost_shotgun", {"updater": "shotgun", "nthread": 8}, 1),
        xgboost_finding("gpu-hist-atomics", "xgboost_gpu_hist", {"tree_method": "gpu_hist"}, 2),
    ]
    # Twelve runs on medium data: on a loaded machine short runs may not interleave their updates.
    shotgun, gpu = probe_findings(findings, ProbeOptions(runs=12, device="cpu", size="medium"))
    assert shotgun.status is ProbeStatus.CONFIRMED, shotgun
    assert shotgun.variant["nthread"] == 8
    assert shotgun.fixed_by_deterministic_mode is True
    assert shotgun.environment.framework == "xgboost" and shotgun.environment.device == "cpu"
    assert gpu.status is ProbeStatus.SKIPPED
    assert gpu.reason == "the call trains on CUDA (its tree_method/device literals) and --device is cpu"

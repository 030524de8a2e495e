"""The CUDA path (marker `gpu`): skipped on machines without a CUDA GPU and torch built for it.

On CUDA, scatter_add and index_add accumulate with atomics (confirmed, fixed by deterministic mode)
and histc counts with atomics on integer-valued floats (never differs, but has no deterministic
kernel)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from probe_helpers import installed, op_finding

from detlint.probe.results import ProbeStatus
from detlint.probe.session import ProbeOptions, probe_findings

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def cuda():
    if not installed("torch"):
        pytest.skip("torch is not installed")
    check = "import torch; print(torch.cuda.is_available())"
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=300)
    if result.stdout.strip() != "True":
        pytest.skip("no CUDA GPU")


def test_cuda_atomics_are_confirmed_and_fixed(cuda):
    findings = [
        op_finding("scatter-add-1d", "scatter_add", line=1),
        op_finding("index-add", "index_add", line=2),
        op_finding("histc", "histc", line=3),
    ]
    scatter, index_add, histc = probe_findings(findings, ProbeOptions(device="cuda"))
    for result in (scatter, index_add):
        assert result.status is ProbeStatus.CONFIRMED, result
        assert result.fixed_by_deterministic_mode is True
        assert result.environment.device == "cuda" and result.environment.gpu
        assert result.notes == ()
    assert histc.status is ProbeStatus.RAISES, histc
    assert "deterministic" in histc.deterministic.message

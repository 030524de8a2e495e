"""The CUDA path (marker `gpu`): skipped on machines without a CUDA GPU and torch built for it.

On CUDA, scatter_add and index_add accumulate with atomics (confirmed, fixed by deterministic mode)
and histc counts with atomics on integer-valued floats (never differs, but has no deterministic
kernel). And what the catalog says deterministic mode does with each PyTorch op, for the installed
release, is what the mode does on this GPU."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest
from packaging.version import Version
from probe_helpers import installed, op_finding

from detlint.catalogs.loader import load_catalog
from detlint.catalogs.ops import OpIndex
from detlint.probe.recipes import registry
from detlint.probe.results import ProbeResult, ProbeStatus
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


def _disagreement(verdict: str, result: ProbeResult) -> str | None:
    """How a probe result contradicts the catalog's verdict for deterministic mode, if it does."""
    outcome = result.deterministic.outcome if result.deterministic else None
    if verdict == "raises":
        return None if outcome == "raises" else f"the mode did not raise ({outcome})"
    if outcome != "ran":
        return f"the mode {outcome}: {result.deterministic.message if result.deterministic else result.reason}"
    if verdict == "deterministic" and result.status is ProbeStatus.CONFIRMED and not result.fixed_by_deterministic_mode:
        return "the mode did not make the runs identical"
    return None


def test_the_catalogs_mode_verdicts_hold_on_this_gpu(cuda):
    index = OpIndex(load_catalog())
    release = Version(importlib.metadata.version("torch")).base_version
    recipes = registry()
    entries = [
        (entry, status)
        for entry in index.entries
        if entry.device in ("cuda", "any") and entry.probe in recipes
        and (status := index.status(entry, release)) is not None and status.deterministic_mode
    ]
    findings = [op_finding(entry.id, entry.probe, line=number) for number, (entry, _) in enumerate(entries, 1)]
    results = probe_findings(findings, ProbeOptions(device="cuda"))
    disagreements = {
        entry.id: f"catalog: {status.deterministic_mode}; {problem}"
        for (entry, status), result in zip(entries, results)
        if (problem := _disagreement(status.deterministic_mode, result))
    }
    assert len(entries) > 40
    assert disagreements == {}, f"torch {release}"

"""Probe results merged into the JSON, SARIF and text reports (with results made by hand)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from probe_helpers import FINDINGS_FILE, op_finding, plain_finding

from detlint.finding import RelatedLocation, Span
from detlint.probe.report import FindingsFileError, finding_from_dict, load_findings, render
from detlint.probe.results import Environment, ModeResult, ProbeResult, ProbeStatus
from detlint.reporters import json_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reporters"))
from report_parsing import assert_valid_sarif, needs_sarif_schema  # noqa: E402

CPU = Environment("torch", "2.13.0+cpu", "cpu", None, 2)


def confirmed() -> ProbeResult:
    default = ModeResult("ran", runs=5, differing_runs=4, max_abs_diff=0.0015, differing_share=0.98, seconds=0.03,
                         samples=5)  # fmt: skip
    deterministic = ModeResult("ran", runs=5, differing_runs=0, seconds=0.02, samples=5)
    return ProbeResult.from_modes("index_put_accumulate", {"accumulate": True}, default, deterministic, CPU)


def raising() -> ProbeResult:
    default = ModeResult("ran", runs=5, seconds=0.001, samples=5)
    deterministic = ModeResult("raises", message="RuntimeError: max_unpooling2d_forward_out does not have a "
                               "deterministic implementation")  # fmt: skip
    return ProbeResult.from_modes("max_unpool_repeated_indices", {"scale": 1}, default, deterministic, CPU)


def skipped() -> ProbeResult:
    return ProbeResult.skipped("tensorflow is not installed (ModuleNotFoundError: No module named 'tensorflow')",
                               recipe="tf_bincount", variant={"bins": 256})  # fmt: skip


FINDINGS = [
    plain_finding(line=1),
    op_finding("index-put-accumulate-cpu", "index_put_accumulate", {"accumulate": True}, line=2),
    op_finding("max-unpool", "max_unpool_repeated_indices", line=3, code="DET206"),
    op_finding("tf-bincount", "tf_bincount", catalog="tf_ops", framework="tensorflow", line=4, code="DET202"),
]
RESULTS = [None, confirmed(), raising(), skipped()]


def test_statuses_and_derived_numbers():
    assert confirmed().status is ProbeStatus.CONFIRMED
    assert confirmed().fixed_by_deterministic_mode is True
    assert confirmed().time_ratio == pytest.approx(2 / 3)
    assert raising().status is ProbeStatus.RAISES and raising().time_ratio is None
    failed = ProbeResult.from_modes("cumsum", {}, ModeResult("error", message="RuntimeError: boom"), None, CPU)
    assert failed.status is ProbeStatus.SKIPPED
    assert failed.reason == "the recipe failed on this device: RuntimeError: boom"


def test_json_adds_a_probe_object_to_probed_findings_only():
    document = json.loads(render("json", FINDINGS, RESULTS))
    assert document["version"] == json_report.SCHEMA_VERSION
    findings = document["findings"]
    assert [finding["line"] for finding in findings] == [1, 2, 3, 4]
    assert "probe" not in findings[0]
    assert findings[1]["properties"]["probe"] == "index_put_accumulate"  # the analyzer's properties stay
    probe = findings[1]["probe"]
    assert probe["status"] == "confirmed"
    assert (probe["runs"], probe["differing_runs"], probe["max_abs_diff"]) == (5, 4, 0.0015)
    assert probe["deterministic_mode"] == {"outcome": "ran", "runs": 5, "differing_runs": 0, "fixed": True,
                                           "message": None}  # fmt: skip
    assert probe["timing"]["ratio"] == pytest.approx(0.666667)
    assert probe["environment"] == {"framework": "torch", "version": "2.13.0+cpu", "device": "cpu", "gpu": None,
                                    "threads": 2}  # fmt: skip
    assert findings[2]["probe"]["status"] == "raises-in-deterministic-mode"
    assert findings[2]["probe"]["deterministic_mode"]["message"].startswith("RuntimeError: max_unpooling2d")
    assert findings[3]["probe"]["status"] == "skipped"
    assert findings[3]["probe"]["reason"].startswith("tensorflow is not installed")
    assert document["probe"]["environments"] == [probe["environment"]]


def test_json_output_reads_back_as_findings(tmp_path):
    path = tmp_path / "probed.json"
    path.write_text(render("json", FINDINGS, RESULTS), encoding="utf-8")
    assert load_findings(path) == FINDINGS


def test_non_finite_differences_are_null_in_json():
    default = ModeResult("ran", runs=3, differing_runs=1, max_abs_diff=float("nan"), differing_share=0.5)
    result = ProbeResult.from_modes("empty_uninitialized", {}, default, None, CPU)
    assert result.to_dict()["max_abs_diff"] is None
    assert result.to_dict()["deterministic_mode"]["outcome"] == "not-run"


@needs_sarif_schema
def test_sarif_results_carry_the_probe_object_in_their_properties():
    log = json.loads(render("sarif", FINDINGS, RESULTS))
    assert_valid_sarif(log)
    results = log["runs"][0]["results"]
    assert "probe" not in results[0]["properties"]
    assert results[1]["properties"]["probe"]["status"] == "confirmed"
    assert results[1]["properties"]["probe"]["recipe"] == "index_put_accumulate"
    assert results[1]["properties"]["op"] == "index-put-accumulate-cpu"
    assert results[3]["properties"]["probe"]["reason"].startswith("tensorflow is not installed")


def test_text_is_a_table_with_reasons_and_a_summary():
    text = render("text", FINDINGS, RESULTS)
    assert "Probed with torch 2.13.0+cpu on cpu, 2 threads" in text
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("train.py:2"))
    assert "confirmed" in row and "4/5" in row and "0.0015" in row and "98.00%" in row and "fixed" in row
    assert "0.67x" in row
    assert "raises" in next(line for line in lines if line.startswith("train.py:3 "))
    assert "train.py:4 (tf-bincount): tensorflow is not installed" in text
    assert lines[-1] == "detlint probe: 1 confirmed, 1 raises-in-deterministic-mode, 1 skipped."


def test_text_without_anything_to_probe():
    assert render("text", [plain_finding()], [None]) == "detlint probe: no finding names a catalogued op to probe.\n"


def test_findings_round_trip_through_json():
    finding = op_finding("index-add", "index_add", {"alpha": 2})
    from dataclasses import replace

    finding = replace(finding, related=(RelatedLocation("main.py", Span(7, 2, 7, 2), "called here"),), cell=(2, 3))
    assert finding_from_dict(json_report.finding_to_dict(finding)) == finding


def test_the_fixture_report_loads():
    findings = load_findings(FINDINGS_FILE)
    assert len(findings) == 8
    assert findings[1].properties["probe"] == "index_put_accumulate"


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "is not JSON"),
        ('{"version": 1}', "is not a detlint JSON report"),
        ('{"version": 2, "findings": []}', "has report version 2"),
        ('{"version": 1, "findings": [{"code": "DET201"}]}', "a finding lacks or mistypes"),
    ],
)
def test_bad_findings_files(tmp_path, content, message):
    path = tmp_path / "findings.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FindingsFileError, match=message):
        load_findings(path)

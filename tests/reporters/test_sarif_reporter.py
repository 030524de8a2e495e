"""`--output-format sarif`: SARIF 2.1.0 for GitHub code scanning, checked against the OASIS schema."""

from __future__ import annotations

import json

import pytest
from report_parsing import assert_valid_sarif, needs_sarif_schema
from reporter_samples import FINDINGS, ROOT, RULES, SeedlessLoader, assert_matches_golden

from detlint import __version__
from detlint.docs import rule_page
from detlint.reporters import sarif


def render(findings=FINDINGS) -> dict:
    return json.loads(sarif.render(findings, rules=RULES, base=ROOT))


def test_matches_golden_file():
    assert_matches_golden("sarif.json")


@needs_sarif_schema
@pytest.mark.parametrize("findings", [FINDINGS, []], ids=["findings", "empty"])
def test_valid_against_the_sarif_schema(findings):
    assert_valid_sarif(render(findings))


def test_log_and_driver():
    log = render()
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("detlint", __version__)
    assert driver["informationUri"].startswith("https://")
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///work/project/"}}
    assert run["columnKind"] == "unicodeCodePoints"


def test_rules_come_from_rule_metadata():
    rules = render()["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["DET901", "DET902", "DET903"]
    loader = rules[0]
    assert loader["name"] == "seedless-loader"
    assert loader["shortDescription"]["text"] == SeedlessLoader.summary()
    assert loader["fullDescription"]["text"].startswith(SeedlessLoader.summary())
    assert "Each worker draws its own random state" in loader["fullDescription"]["text"]
    assert loader["helpUri"] == "https://example.org/reproducibility#dataloader"
    assert loader["help"] == {"text": rule_page(SeedlessLoader), "markdown": rule_page(SeedlessLoader)}
    assert loader["defaultConfiguration"] == {"level": "error"}
    assert loader["properties"]["precision"] == "medium"
    assert "helpUri" not in rules[1]  # no references
    assert [rule["properties"]["precision"] for rule in rules] == ["medium", "high", "low"]


def test_results_point_at_their_rule_and_location():
    run = render()["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(FINDINGS)
    for result, finding in zip(results, FINDINGS):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding.code
        assert result["level"] == finding.severity.value
        assert result["message"]["text"] == finding.message
        assert result["partialFingerprints"] == {"detlintFingerprint/v1": finding.fingerprint}
        assert result["properties"]["confidence"] == finding.confidence.value
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    first = results[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "src/train.py"
    assert first["region"] == {"startLine": 12, "startColumn": 5, "endLine": 14, "endColumn": 6}
    assert results[0]["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "src/data.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 19},
            },
            "message": {"text": "the dataset is defined here"},
        }
    ]
    odd = results[-1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert odd == "odd%20dir/a%2Cb%3Ac%20%C3%A9.py"


def test_long_descriptions_are_clipped_for_github():
    clipped = sarif._clip("word " * 400)
    assert len(clipped) <= sarif.MAX_DESCRIPTION and clipped.endswith("…")


@needs_sarif_schema
def test_the_schema_check_does_reject_invalid_logs():
    log = render()
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError, match="level"):
        assert_valid_sarif(log)

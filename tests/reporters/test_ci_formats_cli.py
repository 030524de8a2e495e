"""The CI formats through `detlint check --output-format`, on the example project and its real rules."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import REPO
from report_parsing import assert_valid_sarif, needs_sarif_schema, parse_github_commands

from detlint.cli import check as check_command
from detlint.reporters import FORMATS


@pytest.fixture
def example(tmp_path):
    target = tmp_path / "example-project"
    shutil.copytree(REPO / "fixtures" / "example-project", target, ignore=shutil.ignore_patterns(".detlint_cache"))
    return target


def check(cli, example, output_format: str) -> tuple[dict, str]:
    """The JSON report (the reference) and the report in the given format."""
    reference = cli.json("--no-cache", str(example))
    result = cli("check", "--no-cache", "--output-format", output_format, str(example))
    assert result.exit_code == 1, result.output
    return reference, result.stdout


def test_ci_formats_are_offered_by_the_cli():
    (option,) = [param for param in check_command.params if param.name == "output_format"]
    assert {"github", "sarif", "gitlab"} <= set(option.type.choices) == set(FORMATS)


def test_github(cli, example):
    reference, output = check(cli, example, "github")
    commands = parse_github_commands(output)
    expected = [(f["path"], str(f["line"]), str(f["column"]), f["code"], f["message"]) for f in reference["findings"]]
    assert [(c["file"], c["line"], c["col"], c["title"].split()[0], c["message"]) for c in commands] == expected


@needs_sarif_schema
def test_sarif(cli, example):
    reference, output = check(cli, example, "sarif")
    log = json.loads(output)
    assert_valid_sarif(log)
    (run,) = log["runs"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == example.resolve().as_uri() + "/"
    located = [
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"]) for r in run["results"]
    ]
    assert located == [(f["path"], f["code"]) for f in reference["findings"]]
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} == {f["code"] for f in reference["findings"]}


def test_gitlab(cli, example):
    reference, output = check(cli, example, "gitlab")
    issues = json.loads(output)
    assert [(i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues] == [
        (f["path"], f["line"]) for f in reference["findings"]
    ]
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)

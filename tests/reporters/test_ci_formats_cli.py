"""The CI formats through `detlint check --output-format`, on the example project and its real rules."""

from __future__ import annotations

import json
import os
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
    # Outside any git work tree, paths are relative to the working directory, as in every format.
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == example.parent.resolve().as_uri() + "/"
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


@pytest.fixture
def monorepo(tmp_path):
    """A git work tree whose project lives in a subdirectory."""
    (tmp_path / ".git").mkdir()
    project = tmp_path / "services" / "trainer"
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text("[tool.detlint]\n", encoding="utf-8")
    (project / "train.py").write_text("import torch\ntorch.backends.cudnn.benchmark = True\n", encoding="utf-8")
    return project


@pytest.mark.parametrize("working_directory", [".", "services/trainer", "services"])
def test_ci_formats_name_files_relative_to_the_repository_wherever_detlint_runs(cli, monorepo, monkeypatch,
                                                                                working_directory):  # fmt: skip
    here = monorepo.parents[1] / working_directory
    monkeypatch.chdir(here)
    target = os.path.relpath(monorepo, here)
    expected = "services/trainer/train.py"
    (command,) = parse_github_commands(cli("check", "--output-format", "github", target).stdout)
    assert command["file"] == expected
    (issue,) = json.loads(cli("check", "--output-format", "gitlab", target).stdout)
    assert issue["location"]["path"] == expected
    (run,) = json.loads(cli("check", "--output-format", "sarif", target).stdout)["runs"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == expected
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == monorepo.parents[1].resolve().as_uri() + "/"
    # What people read stays relative to where they are.
    shown = (monorepo / "train.py").relative_to(here).as_posix()
    assert cli("check", target).stdout.startswith(f"{shown}:2:1: DET203")
    assert cli.json(target)["findings"][0]["path"] == shown

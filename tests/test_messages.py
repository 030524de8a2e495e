"""What every rule reports reads like a modern linter's: a one-sentence message that names the thing
and the hazard and fits on a line, the why in `detail`, what to do in `help`, and other places as
related locations, never as `path:line` inside the text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPO

from detlint.api import check_paths
from detlint.config import Settings
from detlint.finding import Confidence, Finding, short_code
from detlint.registry import rule_index
from detlint.testing import as_project, check_project

# A file of another place named by line: `src/x.py:5`, `requirements.txt:1`.
PLACE = re.compile(r"[\w./-]+\.(?:py|ipynb|txt|in|toml|cfg|yml|yaml|lock):\d+")
CODE = re.compile(r"`[^`]*`")
MAX_MESSAGE = 150
FIXTURES = sorted(
    path
    for pattern in ("projects/*", "deps/*", "order", "estimators", "example-project")
    for path in (REPO / "fixtures").glob(pattern)
    if path.is_dir()
)


def _example_findings() -> list[Finding]:
    findings = []
    for rule in rule_index().rules:
        for example in rule.INVALID:
            findings.extend(check_project(as_project(example, rule.EXAMPLE_PATH)))
    return findings


def _fixture_findings() -> list[Finding]:
    findings = []
    for root in FIXTURES:
        settings = Settings(root=Path(root), min_confidence=Confidence.LOW)
        findings.extend(check_paths([Path(root)], settings, jobs=1, use_cache=False).findings)
    return findings


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    found = _example_findings() + _fixture_findings()
    assert {finding.code[:4] for finding in found} >= {"DET0", "DET1", "DET2", "DET3", "DET4"}
    return found


def test_messages_are_one_short_sentence(findings):
    for finding in findings:
        message = finding.message
        prose = CODE.sub("`…`", message)
        assert "\n" not in message and len(message) <= MAX_MESSAGE, message
        if finding.code == "DET001":
            continue  # it quotes the parser's own words (CPython's "Did you mean ...?")
        assert "; " not in prose and ". " not in prose and not prose.endswith("."), message


def test_messages_name_no_other_place_and_related_locations_carry_them(findings):
    for finding in findings:
        assert not PLACE.search(finding.message), finding.message
        assert not PLACE.search(finding.detail), finding.detail
    related = [finding for finding in findings if finding.related]
    assert {finding.code for finding in related} >= {"DET101", "DET102", "DET204", "DET208", "DET401"}


def test_rules_say_why_and_what_to_do(findings):
    for finding in findings:
        if finding.code.startswith("DET0"):
            continue
        assert finding.detail.endswith("."), (finding.code, finding.detail)
        assert finding.help and finding.help[0].isupper(), (finding.code, finding.help)


def test_a_version_is_quoted_once():
    files = {
        "requirements.txt": "torch==2.4.1\n",
        "train.py": "import torch\n\nif __name__ == '__main__':\n    x = torch.zeros(4).cuda()\n"
        "    torch.histc(x, bins=4)\n",
    }
    (finding,) = [finding for finding in check_project(files) if finding.code == "DET201"]
    text = f"{finding.message} {finding.detail} {finding.help}"
    assert text.count("2.4.1") == 1 and "In PyTorch 2.4.1 it has no deterministic implementation" in text
    assert [(item.path, item.span.line, item.message) for item in finding.related][-1] == (
        "requirements.txt", 1, "torch 2.4.1 is pinned here"
    )


@pytest.mark.parametrize(
    ("code", "short"),
    [
        ("train_test_split(X, y)", "train_test_split(X, y)"),
        ("RandomForestClassifier(n_estimators=100, max_depth=8, n_jobs=4)", "RandomForestClassifier(...)"),
        ("sklearn.neural_network.MLPClassifier(hidden_layer_sizes=(64,))", "neural_network.MLPClassifier(...)"),
        ("package.a_really_long_module_name_here.MLPClassifier(hidden_layer_sizes=(64,))", "MLPClassifier(...)"),
        ("x = [\n    1,\n    2,\n]", "x = [ 1, 2, ]"),
        # a method chain names the call it ends with
        ("x.contiguous().view(x.size()[:4] + (-1,)).median(dim=-1)", "x.contiguous(…)….median(...)"),
        ("torch.nn.functional.softmax(logits_of_the_model).log()", "torch.nn.functional.softmax(…)….log(...)"),
        ('logits_tensor.argmax(dim=-1).float().mean(")")', "logits_tensor.argmax(…)….mean(...)"),
        ("build_the_model_from(config_path)(inputs, targets)", "build_the_model_from(...)"),
        ("torch.nn.functional.interpolate(x, size=(64, 64), mode='bilinear')", "torch.nn.functional.interpolate(...)"),
    ],
)
def test_short_code_keeps_the_head_of_a_long_call(code, short):
    assert short_code(code) == short

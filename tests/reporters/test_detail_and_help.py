"""A finding's one-sentence message, its detail (why) and help (what to do) in each format: the JSON
report carries all three, a SARIF result's message all three as paragraphs, and the one-line formats
(GitHub annotations, GitLab, flake8) the message alone."""

from __future__ import annotations

import json
from dataclasses import replace

from report_parsing import parse_github_commands
from reporter_samples import FINDINGS, ROOT, RULES

from detlint.reporters import github, gitlab, json_report, sarif

EXPLAINED = replace(
    FINDINGS[0],
    message="`DataLoader(num_workers=4)` starts workers whose random state differs between runs",
    detail="The main process never seeds PyTorch.",
    help="Pass `generator=torch.Generator().manual_seed(SEED)`",
)


def test_json_carries_detail_and_help():
    (finding,) = json.loads(json_report.render([EXPLAINED]))["findings"]
    assert (finding["message"], finding["detail"], finding["help"]) == (
        EXPLAINED.message, EXPLAINED.detail, EXPLAINED.help
    )
    (plain,) = json.loads(json_report.render([FINDINGS[1]]))["findings"]
    assert (plain["detail"], plain["help"]) == ("", "")


def test_sarif_message_is_message_detail_and_help():
    (result,) = json.loads(sarif.render([EXPLAINED], rules=RULES, root=ROOT))["runs"][0]["results"]
    assert result["message"]["text"] == f"{EXPLAINED.message}\n\n{EXPLAINED.detail}\n\n{EXPLAINED.help}"
    assert result["relatedLocations"][0]["message"]["text"] == "the dataset is defined here"


def test_one_line_formats_keep_the_message_alone():
    (command,) = parse_github_commands(github.render([EXPLAINED], root=ROOT))
    assert command["message"] == EXPLAINED.message
    (issue,) = json.loads(gitlab.render([EXPLAINED], root=ROOT))
    assert issue["description"] == f"{EXPLAINED.code} {EXPLAINED.message}"

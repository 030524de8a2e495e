"""Baselines: `detlint baseline -o FILE` records today's findings; `check --baseline FILE` shows new ones."""

from __future__ import annotations

import json

import pytest
from conftest import write

from detlint import baseline
from detlint.finding import Confidence, Finding, Severity, Span

BENCHMARK = "torch.backends.cudnn.benchmark = True\n"
TRAIN = "import torch\n\n" + BENCHMARK


def finding(path: str = "a.py", line: int = 1, fingerprint: str = "f" * 32, code: str = "DET203") -> Finding:
    return Finding(code, "cudnn-benchmark", "benchmark on", path, Span(line, 0, line, 4), Severity.WARNING,
                   Confidence.HIGH, fingerprint=fingerprint)  # fmt: skip


# -- the file format and matching ---------------------------------------------------------------------
def test_file_round_trips_and_is_sorted_and_versioned():
    findings = [finding("b.py"), finding("a.py", fingerprint="0" * 32)]
    text = baseline.dumps(findings)
    document = json.loads(text)
    assert document["version"] == baseline.BASELINE_VERSION
    assert [entry["path"] for entry in document["entries"]] == ["a.py", "b.py"]
    assert set(document["entries"][0]) == {"path", "code", "fingerprint", "message"}
    assert baseline.loads(text) == sorted(baseline.BaselineEntry.of(f) for f in findings)


def test_matching_ignores_lines_and_counts_identical_entries():
    entries = baseline.loads(baseline.dumps([finding(line=1), finding(line=2)]))
    outcome = baseline.apply([finding(line=10), finding(line=11), finding(line=12)], entries)
    assert [f.span.line for f in outcome.new] == [12]  # two entries absorb two findings, not three
    assert (outcome.absorbed, outcome.stale) == (2, [])


def test_entries_that_match_nothing_are_stale_only_where_the_run_looked():
    entries = baseline.loads(baseline.dumps([finding("a.py"), finding("b.py"), finding("a.py", code="DET208")]))
    outcome = baseline.apply([], entries, checked=lambda entry: entry.path == "a.py" and entry.code == "DET203")
    assert [(entry.path, entry.code) for entry in outcome.stale] == [("a.py", "DET203")]


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("{", "not JSON"),
        ("[]", "not a detlint baseline"),
        ('{"version": 99, "entries": []}', "version 99 is not supported"),
        ('{"version": 1, "entries": [{"path": "a.py"}]}', 'entry 0 needs the strings "path", "code" and "fingerprint"'),
    ],
)
def test_malformed_files_are_named_errors(text, complaint):
    with pytest.raises(baseline.BaselineError, match=complaint):
        baseline.loads(text, source="b.json")


# -- through the CLI ----------------------------------------------------------------------------------
@pytest.fixture
def project(tmp_path, cli):
    write(tmp_path, {"train.py": TRAIN})
    result = cli("baseline", "--no-cache", "-o", "baseline.json", ".")
    assert result.exit_code == 0, result.output
    assert "wrote 1 baseline entry to baseline.json" in result.stderr
    return tmp_path


def check(cli, *args: str):
    return cli("check", "--no-cache", "--baseline", "baseline.json", *args, ".")


def test_baseline_survives_lines_inserted_above_the_finding(cli, project):
    write(project, {"train.py": "import os\n\n# a comment\nprint(os.getcwd())\n" + TRAIN})
    result = check(cli)
    assert result.exit_code == 0, result.output
    assert result.stdout == "All checks passed.\n"
    assert "1 known finding not shown, 0 stale entries" in result.stderr


def test_a_new_finding_is_reported(cli, project):
    write(project, {"train.py": TRAIN + "\n\ndef tune():\n    " + BENCHMARK})
    result = check(cli, "--output-format", "json")
    assert result.exit_code == 1
    assert [(f["line"], f["code"]) for f in json.loads(result.stdout)["findings"]] == [(7, "DET203")]


def test_a_fixed_finding_leaves_a_stale_entry(cli, project):
    write(project, {"train.py": "import torch\n"})
    result = check(cli)
    assert result.exit_code == 0
    (note,) = result.stderr.splitlines()
    assert "0 known findings not shown, 1 stale entry" in note
    assert "detlint baseline -o baseline.json" in note


def test_entries_for_files_outside_the_run_are_not_stale(cli, project):
    write(project, {"other.py": "x = 1\n"})
    result = cli("check", "--no-cache", "--baseline", "baseline.json", "other.py")
    assert result.exit_code == 0
    assert "0 stale entries" in result.stderr


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (None, "cannot read baseline"),
        ("not json", "not JSON"),
        ('{"version": 1, "entries": [3]}', "entry 0 needs"),
    ],
)
def test_malformed_baseline_is_a_usage_error(cli, tmp_path, content, complaint):
    write(tmp_path, {"train.py": TRAIN})
    if content is not None:
        write(tmp_path, {"baseline.json": content})
    result = check(cli)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("detlint: error: baseline.json: ")
    assert complaint in result.stderr


def test_baseline_command_needs_an_output_file(cli, tmp_path):
    result = cli("baseline", ".")
    assert result.exit_code == 2
    assert "--output" in result.stderr


# -- fingerprints outlive the wording of messages -------------------------------------------------------
def test_file_problems_keep_the_fingerprints_their_earlier_wording_gave():
    """DET001 hashes its text; now that the advice moved from the message to `help`, the hash is still
    taken over the earlier wording, so baselines written before keep matching."""
    from detlint.finding import fingerprint
    from detlint.testing import check_project

    files = {"latin.py": b"x = 'caf\xe9'\n", "big.py": "x = 1\n" * 20, "requirements.txt": b"caf\xe9\n"}
    found = {f.path: f for f in check_project(files, max_file_size=64)}
    earlier = {
        "latin.py": "cannot decode byte 0xe9 as utf-8: save the file as UTF-8 or declare its encoding "
        "(`# -*- coding: latin-1 -*-`)",
        "big.py": "file is 120 bytes, larger than max-file-size (64 bytes): not analysed; raise `max-file-size` "
        "in [tool.detlint] to analyse it",
        "requirements.txt": "cannot decode byte 0xe9 as UTF-8: save the file as UTF-8",
    }
    for path, text in earlier.items():
        assert found[path].code == "DET001" and found[path].help
        assert found[path].fingerprint == fingerprint("DET001", path, text, "", 0), path

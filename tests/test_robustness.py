"""Bad input never crashes a run and never hides the good files' findings."""

from __future__ import annotations

import pytest
from conftest import write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detlint.checks.base import ProjectRule, Rule
from detlint.testing import check_source

BENCHMARK = "import torch\ntorch.backends.cudnn.benchmark = True\n"


def _bad_project(root):
    return write(
        root,
        {
            "good.py": BENCHMARK,
            "syntax_error.py": "import torch\ndef train(:\n    pass\n",
            "python2.py": "print 'hello'\n",
            "latin1.py": "name = 'caf\xe9'\n".encode("latin-1"),
            "binary.py": b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)),
            "huge.py": "".join(f"value_{n:06d} = compute_something({n}, {n + 1}, {n + 2})\n" for n in range(50_000)),
            "nested.py": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
            "nested_list.py": "x = " + "[" * 5000 + "]" * 5000 + "\n",
            "empty.py": "",
            "bom.py": "\ufeffimport torch\ntorch.backends.cudnn.benchmark = True\n",
            "cookie.py": "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".encode("latin-1"),
        },
    )


def test_every_bad_file_gets_exactly_one_det001_and_good_files_are_analysed(cli, tmp_path):
    _bad_project(tmp_path)
    report = cli.json("--no-cache")
    by_file: dict[str, list[str]] = {}
    for finding in report["findings"]:
        by_file.setdefault(finding["path"], []).append(finding["code"])
    for bad in ("syntax_error.py", "python2.py", "latin1.py", "binary.py", "huge.py", "nested.py", "nested_list.py"):
        assert by_file.get(bad) == ["DET001"], bad
    assert by_file["good.py"] == ["DET203"]
    assert by_file["bom.py"] == ["DET203"]
    assert "empty.py" not in by_file and "cookie.py" not in by_file


def test_det001_says_where_and_why(cli, tmp_path):
    _bad_project(tmp_path)
    findings = {f["path"]: f for f in cli.json("--no-cache")["findings"] if f["code"] == "DET001"}
    assert findings["syntax_error.py"]["line"] == 2
    assert "syntax error" in findings["syntax_error.py"]["message"]
    assert "print" in findings["python2.py"]["message"]  # CPython's "Missing parentheses" hint
    assert findings["latin1.py"]["line"] == 1 and "0xe9" in findings["latin1.py"]["message"]
    assert "NUL" in findings["binary.py"]["message"]
    assert "max-file-size" in findings["huge.py"]["message"]
    assert "nested deeper than 200" in findings["nested.py"]["message"]


def test_a_large_file_under_the_limit_is_analysed(cli, tmp_path):
    body = "".join(f"v{n} = {n}\n" for n in range(20_000))
    write(tmp_path, {"big.py": "import torch\n" + body + "torch.backends.cudnn.benchmark = True\n"})
    (finding,) = cli.json("--no-cache")["findings"]
    assert (finding["code"], finding["line"]) == ("DET203", 20_002)


def test_max_file_size_is_configurable(cli, tmp_path):
    write(tmp_path, {"pyproject.toml": "[tool.detlint]\nmax-file-size = 10\n", "a.py": BENCHMARK})
    (finding,) = cli.json("--no-cache")["findings"]
    assert finding["code"] == "DET001"


GENERATED = "".join(f"TABLE_{n:05d} = {n}\n" for n in range(40))  # 640 bytes


@pytest.mark.parametrize(
    ("name", "content"),
    # Dependency files are read up to a limit of at least 16 MiB (lock files list every package).
    [("generated_table.py", GENERATED), ("requirements.txt", "# generated\n" * 1_500_000)],
)
def test_a_file_over_the_size_limit_is_a_warning_that_does_not_fail_the_run(cli, tmp_path, name, content):
    write(tmp_path, {"pyproject.toml": "[tool.detlint]\nmax-file-size = 100\n", name: content})
    text = cli("check", "--no-cache")
    assert text.exit_code == 0, text.output
    assert f"{name}:1:1: DET001 file is " in text.stdout and "larger than max-file-size" in text.stdout
    report = cli.json("--no-cache")
    (finding,) = report["findings"]
    assert (finding["path"], finding["code"], finding["severity"]) == (name, "DET001", "warning")
    assert finding["properties"] == {"advisory": True}
    for output_format, shown in [("github", f"::warning file={name},line=1"), ("gitlab", '"severity": "minor"'),
                                 ("sarif", '"level": "warning"')]:  # fmt: skip
        result = cli("check", "--no-cache", "--output-format", output_format)
        assert result.exit_code == 0 and shown in result.stdout, (output_format, result.stdout)
    # With any other finding, the run fails as before.
    write(tmp_path, {"train.py": BENCHMARK})
    assert cli("check", "--no-cache").exit_code == 1


def test_a_file_that_cannot_be_parsed_still_fails_the_run(cli, tmp_path):
    write(tmp_path, {"python2.py": "print 'hello'\n"})
    result = cli("check", "--no-cache")
    assert result.exit_code == 1
    assert cli.json("--no-cache")["findings"][0]["severity"] == "error"


def test_deep_but_legal_nesting_is_fine():
    assert check_source("import torch\nx = " + "(" * 150 + "1" + ")" * 150 + "\n") == []


def add_rule(monkeypatch: pytest.MonkeyPatch, rule: type) -> None:
    """Run `rule` besides the built-in rules for the rest of the test."""
    from detlint import registry

    index = registry.rule_index()
    monkeypatch.setattr(registry, "rule_index", lambda: registry.RuleIndex([*index.rules, rule]))


def test_a_crashing_rule_becomes_det002_and_other_rules_still_report(monkeypatch, cli, tmp_path):
    class Exploding(Rule):
        """Test double."""

        code, name = "DET999", "exploding"

        def visit_Assign(self, node):
            raise ZeroDivisionError("boom")

    add_rule(monkeypatch, Exploding)
    write(tmp_path, {"a.py": BENCHMARK})
    result = cli("check", "--no-cache", "--output-format", "json")
    assert result.exit_code == 2
    assert "internal error" in result.stderr
    import json

    codes = sorted(f["code"] for f in json.loads(result.stdout)["findings"])
    assert codes == ["DET002", "DET203"]
    assert "--debug" in result.stderr
    debug = cli("check", "--no-cache", "--debug")
    assert "ZeroDivisionError: boom" in debug.stderr


def test_a_failure_of_the_shared_analysis_costs_one_file_not_the_run(monkeypatch, cli, tmp_path):
    from detlint.facts import collector

    real = collector.FactsCollector.facts

    def facts(self):
        if self.context.path == "broken.py":
            raise TypeError("unhashable type: 'list'")
        return real(self)

    monkeypatch.setattr(collector.FactsCollector, "facts", facts)
    write(tmp_path, {"broken.py": BENCHMARK, "good.py": BENCHMARK})
    result = cli("check", "--no-cache", "--output-format", "json")
    assert result.exit_code == 2 and "internal error" in result.stderr
    import json

    found = sorted((f["path"], f["code"]) for f in json.loads(result.stdout)["findings"])
    assert found == [("broken.py", "DET002"), ("good.py", "DET203")]
    assert "TypeError: unhashable type" in cli("check", "--no-cache", "--debug").stderr


def test_a_module_level_comparison_with_a_list_is_no_main_guard_and_no_crash():
    assert check_source("import torch\nif columns == ['train']:\n    torch.backends.cudnn.benchmark = True\n") != []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("()[]{}:=.,'\"#\\\n \tabcx0123+-*/@torchbenchmarkTrue")), max_size=300))
def test_arbitrary_text_never_raises(text):
    for finding in check_source(text):
        assert finding.code in {"DET001", "DET090", "DET203", "DET208"}


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(data):
    from pathlib import Path

    from detlint.catalogs.loader import load_catalog
    from detlint.engine import FileAnalyzer
    from detlint.registry import rule_index
    from detlint.results import AnalysisOptions
    from detlint.sources import SourceFile

    analyzer = FileAnalyzer(load_catalog(), rule_index().file_rules(), AnalysisOptions())
    result = analyzer.analyse_bytes(SourceFile(Path("x.py"), "x.py", "python", "x"), data)
    assert all(finding.code == "DET001" for finding in result.findings)
    assert len(result.findings) <= 1


@pytest.mark.parametrize("depth", [300, 1000, 5000])
def test_long_operator_chains_do_not_crash(depth):
    findings = check_source("x = " + " + ".join(["1"] * depth) + "\n")
    assert {finding.code for finding in findings} <= {"DET001"}


@pytest.mark.parametrize("output_format", ["json", "sarif", "github", "gitlab", "text"])
def test_a_crashing_project_rule_becomes_det002_in_every_format(monkeypatch, cli, tmp_path, output_format):
    class ExplodingProjectRule(ProjectRule):
        """Test double."""

        code, name = "DET998", "exploding-project-rule"

        def check(self, index):
            raise KeyError("boom")

    add_rule(monkeypatch, ExplodingProjectRule)
    write(tmp_path, {"b.py": "x = 1\n", "a.py": BENCHMARK})
    result = cli("check", "--no-cache", "--output-format", output_format)
    assert result.exit_code == 2
    assert "DET002" in result.stdout and "DET203" in result.stdout
    assert "project rule DET998 (exploding-project-rule) failed on this project: KeyError: 'boom'" in result.stdout
    if output_format == "json":
        import json

        findings = json.loads(result.stdout)["findings"]
        assert sorted((f["code"], f["path"]) for f in findings) == [("DET002", "a.py"), ("DET203", "a.py")]

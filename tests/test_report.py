"""`detlint report`: the audit page of a fixture project, as HTML (parsed: balanced, self-contained, every
section there) and as Markdown (parsed by a CommonMark parser with tables); its exit status and
errors; a baseline comparison; the probe's real CPU measurements; and the page in a headless browser
where one is installed."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from detlint.catalogs.loader import load_catalog
from detlint.finding import Confidence, Finding, Severity, Span
from detlint.report.audit import AT_RISK, NOT_REPRODUCIBLE, REPRODUCIBLE, verdict_of

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "fixtures" / "example-project"
SECTIONS = ("summary", "counts", "entry-points", "environment", "provenance", "probe", "checklists")
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "source", "wbr", "area", "base", "embed", "track"}


class _Page(HTMLParser):
    """Tags opened and closed in order, ids, and every attribute that could fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.fetching: list[tuple[str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("src", "href", "srcset", "xlink:href", "action", "data"):
                self.fetching.append((tag, value or ""))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1] if self.open else 'nothing'}")
            return
        self.open.pop()


def _parsed(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """The fixture project's page in both formats, with the command's exit status."""
    from click.testing import CliRunner

    from detlint.cli import main

    out = tmp_path_factory.mktemp("report")
    made = {}
    for name in ("report.html", "report.md"):
        run = CliRunner().invoke(main, ["report", str(PROJECT), "-o", str(out / name), "--no-cache"])
        made[name] = (run.exit_code, (out / name).read_text(encoding="utf-8"))
    return made


def test_the_html_page_is_balanced_self_contained_and_holds_every_section(reports):
    status, html = reports["report.html"]
    assert status == 1  # the project has findings, as `check` says
    page = _parsed(html)
    assert page.problems == [] and page.open == []
    assert set(SECTIONS) <= page.ids
    assert page.fetching == [] and not {"script", "link", "iframe", "img"} & page.tags
    assert "http://" not in html and "https://" not in html


def test_the_page_says_what_each_entry_point_does(reports):
    _, html = reports["report.html"]
    assert f'<span class="verdict v-at-risk">{AT_RISK}</span>' in html
    # The training script seeds through its helper module: the page names the helper's call.
    assert "<code>torch.manual_seed(seed)</code> at <code>src/classifier/utils.py:10</code>" in html
    assert "called from <code>src/classifier/train.py:20</code>" in html
    # warn_only=True; Trainer(deterministic=True)
    assert "PyTorch: on, but only warns" in html and "PyTorch: on</td>" in html
    assert "<code>convolution (cuDNN)</code>" in html and "Ops judged against torch 2.4.1 (pyproject.toml:4)" in html
    for code in ("DET101", "DET203", "DET208"):
        assert f"<code>{code}</code>" in html
    # Environment: the pinned framework and the variables that change a run.
    assert "<code>torch==2.4.1</code>" in html and "<code>CUBLAS_WORKSPACE_CONFIG</code>" in html


def test_every_checklist_item_is_listed_with_the_rules_that_touch_it(reports):
    _, html = reports["report.html"]
    for item in load_catalog().entries("report", "checklist_items"):
        assert item["item"].replace("&", "&amp;") in html
    # DET101 is a gap in statistical significance: a run's seeds are not under control.
    row = html[html.index("Experiment statistical significance") :].split("</tr>")[0]
    assert "<code>DET101</code>" in row


def test_the_markdown_variant_parses_into_tables_and_sections(reports):
    status, text = reports["report.md"]
    assert status == 1
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    headings = [tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open"]
    sections = ("Findings by family", "Entry points", "Environment", "Provenance", "Probe")
    sections += ("Reproducibility checklists",)
    assert set(sections) <= set(headings)
    assert sum(token.type == "table_open" for token in tokens) >= 5
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<td><code>DET101</code> unseeded-rng</td>" in rendered


def test_exit_zero_and_a_written_page_either_way(cli, tmp_path):
    run = cli("report", str(PROJECT), "-o", "page.html", "--exit-zero", "--no-cache")
    assert run.exit_code == 0 and (tmp_path / "page.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "train.py").write_text("print('hello')\n", encoding="utf-8")
    run = cli("report", str(clean), "-o", "clean.md", "--no-cache")
    assert run.exit_code == 0
    assert "**Verdict: reproducible as far as detlint can tell**" in (tmp_path / "clean.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("[1, 2]", "is not a `detlint probe --output-format json` result"),
        ('{"findings": [{"probe": {"runs": "five"}}]}', "a probe result lacks or mistypes a field"),
        ('{"findings": [{"probe": {"timing": 3}}]}', "a probe result lacks or mistypes a field"),
    ],
)
def test_a_bad_probe_file_is_a_usage_error(cli, tmp_path, content, says):
    (tmp_path / "probe.json").write_text(content, encoding="utf-8")
    run = cli("report", str(PROJECT), "-o", "page.html", "--probe", "probe.json", "--no-cache")
    assert run.exit_code == 2 and says in run.stderr
    assert not (tmp_path / "page.html").exists()


TWO_RUNS = {
    "helpers.py": "import torch\n\ndef histogram(x):\n    return torch.histc(x.cuda(), bins=4)\n\ndef seed():\n"
    "    torch.manual_seed(0)\n",
    "a.py": "import torch\nfrom helpers import histogram, seed\n\nif __name__ == '__main__':\n    seed()\n"
    "    print(histogram(torch.ones(4)))\n",
    "b.py": "import torch\nfrom helpers import seed\n\nif __name__ == '__main__':\n    seed()\n"
    "    print(torch.nn.Linear(2, 2)(torch.ones(2)))  # noqa: DET101\n",
    "requirements.txt": "torch>=2\n",
}


def test_findings_go_to_the_entry_points_whose_paths_reach_them(cli, tmp_path):
    project = tmp_path / "two"
    project.mkdir()
    for name, text in TWO_RUNS.items():
        (project / name).write_text(text, encoding="utf-8")
    (project / "pyproject.toml").write_text("[tool.detlint]\n", encoding="utf-8")
    run = cli("report", str(project), "-o", "page.md", "--no-cache", "--extend-select", "DET090")
    page = (tmp_path / "page.md").read_text(encoding="utf-8")
    a = page[page.index("### `a.py`") : page.index("### `b.py`")]
    b = page[page.index("### `b.py`") : page.index("## Environment")]
    assert "`DET201` nondeterministic-torch-op" in a and "DET201" not in b  # b never calls `histogram()`
    assert a.splitlines()[0].endswith(": at risk")
    assert "### `b.py` (its `if __name__ == \"__main__\":` block): reproducible as far as detlint can tell" in b
    assert "DET090" in b  # an unused suppression is listed, but says nothing of reproducibility
    # The unpinned framework is on no entry point's path, yet counts for the project's verdict.
    assert "### Findings on no entry point's path" in b and "`DET401`" in b
    assert "**Verdict: at risk**" in page and run.exit_code == 1


def test_without_jinja2_the_command_says_which_extra_to_install(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "jinja2", None)  # `import jinja2` raises ImportError
    run = cli("report", str(PROJECT), "-o", "page.html", "--no-cache")
    assert run.exit_code == 2
    assert 'pip install "detlint[report]"' in run.stderr


def test_a_baseline_shows_what_is_new_and_what_was_fixed(cli, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    assert cli("baseline", str(project), "-o", "baseline.json", "--no-cache").exit_code == 0
    entries = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))["entries"]
    assert any(entry["code"] == "DET101" for entry in entries)
    # Seed NumPy in the helper: the DET101 entry is fixed; drop the DET203 entries: they are new.
    utils = project / "src" / "classifier" / "utils.py"
    utils.write_text(utils.read_text(encoding="utf-8").replace(
        "    torch.manual_seed(seed)\n", "    torch.manual_seed(seed)\n    numpy.random.seed(seed)\n"
    ).replace("import random\n", "import random\n\nimport numpy\n"), encoding="utf-8")  # fmt: skip
    kept = [entry for entry in entries if entry["code"] != "DET203"]
    (tmp_path / "baseline.json").write_text(json.dumps({"version": 1, "tool": "detlint", "entries": kept}))
    run = cli("report", str(project), "-o", "page.md", "--baseline", "baseline.json", "--no-cache")
    page = (tmp_path / "page.md").read_text(encoding="utf-8")
    section = page[page.index("## Since the baseline") :]
    assert run.exit_code == 1
    assert "- fixed: `DET101`" in section
    assert "`DET203` cudnn-benchmark" in section and "`DET208`" not in section


def test_the_verdict_rule():
    def finding(severity: Severity, confidence: Confidence) -> Finding:
        return Finding("DET101", "unseeded-rng", "m", "a.py", Span(1, 0, 1, 1), severity, confidence)

    assert verdict_of([]) == REPRODUCIBLE
    assert verdict_of([finding(Severity.WARNING, Confidence.HIGH)]) == AT_RISK
    assert verdict_of([finding(Severity.ERROR, Confidence.LOW)]) == AT_RISK
    assert verdict_of([finding(Severity.WARNING, Confidence.HIGH), finding(Severity.ERROR, Confidence.MEDIUM)]) == (
        NOT_REPRODUCIBLE
    )


@pytest.mark.slow
def test_the_probe_section_shows_real_cpu_measurements(cli, tmp_path, monkeypatch):
    pytest.importorskip("torch", reason="torch is not installed")
    monkeypatch.syspath_prepend(str(REPO / "tests" / "probe"))
    from probe_helpers import op_finding

    from detlint.probe.report import render_json
    from detlint.probe.session import ProbeOptions, probe_findings

    findings = [op_finding("put-accumulate-cpu", "put_accumulate", {"accumulate": True}, line=10)]
    results = probe_findings(findings, ProbeOptions(runs=5, device="cpu", threads=2))
    (tmp_path / "probe.json").write_text(render_json(findings, results), encoding="utf-8")
    run = cli("report", str(PROJECT), "-o", "page.html", "--probe", "probe.json", "--no-cache")
    assert run.exit_code == 1
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="probe">') :]
    differing = results[0].default.differing_runs
    assert results[0].status.value == "confirmed" and differing >= 1
    assert f"<td>confirmed</td><td>5</td>\n<td>{differing}</td>" in section
    assert "Measured with torch" in section and "on cpu" in section and "2 threads" in section
    assert f"{differing}/5 runs differ" in section and "<svg" in section and "time in deterministic mode" in section
    assert "<td>fixes it, " in section  # deterministic mode makes every run agree


def _browser() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


@pytest.mark.slow
@pytest.mark.skipif(_browser() is None, reason="no Chromium installed (the distribution's `chromium` package)")
def test_the_page_renders_in_a_headless_browser_without_console_errors(reports, tmp_path):
    _, html = reports["report.html"]
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    run = subprocess.run(
        [_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "<title>Reproducibility audit: example-project</title>" in run.stdout
    assert 'id="checklists"' in run.stdout
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []


def test_each_loader_with_workers_is_listed_with_what_seeds_its_workers(cli, tmp_path):
    run = cli("report", str(REPO / "fixtures" / "projects" / "dataloader_workers"), "-o", "page.md", "--no-cache")
    page = (tmp_path / "page.md").read_text(encoding="utf-8")
    train = page[page.index("### `fixtures/projects/dataloader_workers/train.py`") :].split("\n### ")[0]
    assert run.exit_code == 1
    assert "- Deterministic mode: PyTorch: not set\n" in train
    assert train.count("a DataLoader with worker processes, given neither `generator=` nor `worker_init_fn=`") == 2
    assert "at `fixtures/projects/dataloader_workers/train.py:18`" in train


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_the_installed_frameworks_are_asked_in_a_worker_process(cli, tmp_path):
    imported_before = "torch" in sys.modules
    run = cli("report", str(PROJECT), "-o", "page.md", "--query-frameworks", "--no-cache")
    page = (tmp_path / "page.md").read_text(encoding="utf-8")
    assert run.exit_code == 1
    assert f"Frameworks installed here: torch {metadata.version('torch')} on " in page
    assert ("torch" in sys.modules) == imported_before  # asked in a worker, not imported here

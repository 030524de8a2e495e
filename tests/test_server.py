"""`detlint server`, driven as an editor drives it: the real server process over stdio, through the
small client in `lsp_client.py`. No timing is asserted; waits are generous (see `lsp_client.TIMEOUT`)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import write
from lsp_client import SOURCE, TIMEOUT, LspClient

pytestmark = pytest.mark.slow

PYPROJECT = '[project]\nname = "demo"\nversion = "0"\ndependencies = []\n\n[tool.detlint]\n'
BENCHMARK = "import torch\n\ntorch.backends.cudnn.benchmark = True\n"
# A script with a safe fix (DET203) and an unsafe one (DET101: seeding changes the numbers drawn). Its
# runs read data: a run on random numbers alone is a demo whose results nobody keeps, and is not reported.
SCRIPT = (
    "import numpy as np\nimport torch\n\ntorch.backends.cudnn.benchmark = True\n\n"
    'if __name__ == "__main__":\n    x = np.random.rand(3)\n    data = np.loadtxt("data.csv")\n'
)
# An entry point in one file, reading its data, reaching an unseeded draw in another.
PROJECT = {
    "pyproject.toml": PYPROJECT,
    "train.py": 'from lib import work\n\nif __name__ == "__main__":\n    data = open("data.csv").read()\n    work()\n',
    "lib.py": "import numpy as np\n\n\ndef work():\n    return np.random.rand(3)\n",
    "tuning.py": BENCHMARK,
    "script.py": SCRIPT,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path / "demo", PROJECT)


@pytest.fixture
def client(project: Path):
    session = LspClient(project)
    yield session
    session.close()


def codes(diagnostics: list[dict]) -> list[str]:
    return [diagnostic["code"] for diagnostic in diagnostics]


def span(diagnostic: dict) -> tuple[int, int, int, int]:
    start, end = diagnostic["range"]["start"], diagnostic["range"]["end"]
    return start["line"], start["character"], end["line"], end["character"]


def applied(text: str, edits: list[dict]) -> str:
    """The text with a client's text edits made (ASCII text: UTF-16 units are characters)."""
    lines = text.splitlines(keepends=True)

    def offset(position: dict) -> int:
        return sum(len(line) for line in lines[: position["line"]]) + position["character"]

    for edit in sorted(edits, key=lambda edit: offset(edit["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


def actions(client: LspClient, uri: str, diagnostics: list[dict], **context) -> dict[str, dict]:
    answer = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": diagnostics[0]["range"],
        "context": {"diagnostics": diagnostics, **context},
    })  # fmt: skip
    return {action["title"]: action for action in answer}


def test_a_quick_fix_applied_and_sent_back_clears_the_diagnostic(client, project):
    client.initialize(project)
    uri = client.open(project / "tuning.py")
    diagnostics = client.diagnostics(uri)
    assert codes(diagnostics) == ["DET203"]
    assert span(diagnostics[0]) == (2, 0, 2, 30)  # `torch.backends.cudnn.benchmark`
    assert diagnostics[0]["severity"] == 2 and diagnostics[0]["source"] == "detlint"
    assert diagnostics[0]["codeDescription"]["href"].endswith("/docs/rules/DET203.md")

    offered = actions(client, uri, diagnostics)
    fix = offered["DET203: turn cuDNN benchmarking off"]
    assert fix["kind"] == "quickfix" and fix["isPreferred"]
    fixed = applied(BENCHMARK, fix["edit"]["changes"][uri])
    assert fixed == "import torch\n\ntorch.backends.cudnn.benchmark = False\n"

    seen = client.seen
    client.change(uri, fixed, version=2)
    assert client.diagnostics(uri, after=seen) == []


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Ignore DET203 on this line", "import torch\n\ntorch.backends.cudnn.benchmark = True  # detlint: ignore[DET203]\n"),
        ("Ignore DET203 in this file", "# detlint: file-ignore[DET203]\n" + BENCHMARK),
    ],
)
def test_an_ignore_action_inserts_a_suppression_that_silences_the_finding(client, project, title, expected):
    client.initialize(project)
    uri = client.open(project / "tuning.py")
    diagnostics = client.diagnostics(uri)
    assert codes(diagnostics) == ["DET203"]
    silenced = applied(BENCHMARK, actions(client, uri, diagnostics)[title]["edit"]["changes"][uri])
    assert silenced == expected
    seen = client.seen
    client.change(uri, silenced, version=2)
    assert client.diagnostics(uri, after=seen) == []


def test_unsafe_fixes_say_so_and_fix_all_applies_only_the_safe_ones(client, project):
    client.initialize(project)
    uri = client.open(project / "script.py")
    diagnostics = client.diagnostics(uri)
    assert codes(diagnostics) == ["DET203", "DET101"]
    unseeded = diagnostics[1]
    offered = actions(client, uri, [unseeded])
    unsafe = [title for title in offered if title.endswith("(unsafe)")]
    assert unsafe == ["DET101: seed NumPy's global RNG (unsafe)"]
    assert "isPreferred" not in offered[unsafe[0]]
    assert "np.random.seed(0)" in applied(SCRIPT, offered[unsafe[0]]["edit"]["changes"][uri])

    fix_all = actions(client, uri, diagnostics, only=["source.fixAll.detlint"])
    assert list(fix_all) == ["detlint: fix all safe findings"]
    assert fix_all["detlint: fix all safe findings"]["kind"] == "source.fixAll.detlint"
    fixed = applied(SCRIPT, fix_all["detlint: fix all safe findings"]["edit"]["changes"][uri])
    assert fixed == SCRIPT.replace("benchmark = True", "benchmark = False")


@pytest.mark.parametrize("told_by", ["workspace/didChangeWatchedFiles", "textDocument/didSave"])
def test_a_cross_file_finding_appears_on_its_line_with_the_entry_point_related(client, project, told_by):
    client.initialize(project)
    uri = client.open(project / "lib.py")
    diagnostics = client.diagnostics(uri)
    assert codes(diagnostics) == ["DET101"]
    assert span(diagnostics[0]) == (4, 11, 4, 28)  # `np.random.rand(3)`
    related = diagnostics[0]["relatedInformation"]
    assert [(item["location"]["uri"], item["location"]["range"]["start"]["line"]) for item in related] == [
        ((project / "train.py").as_uri(), 2)
    ]
    assert "entry point" in related[0]["message"]

    # Seeding in the entry point, saved (in the editor, or outside it), clears the finding in the other file.
    seen = client.seen
    train = project / "train.py"
    train.write_text(
        'import numpy as np\nfrom lib import work\n\nif __name__ == "__main__":\n    np.random.seed(0)\n'
        '    data = open("data.csv").read()\n    work()\n'
    )
    if told_by == "textDocument/didSave":
        client.notify(told_by, {"textDocument": {"uri": train.as_uri()}})
    else:
        client.notify(told_by, {"changes": [{"uri": train.as_uri(), "type": 2}]})
    assert client.diagnostics(uri, after=seen) == []


def test_hover_on_a_flagged_range_explains_the_rule_and_the_fix(client, project):
    client.initialize(project)
    uri = client.open(project / "lib.py")
    client.diagnostics(uri)
    text = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 4, "character": 15}})
    markdown = text["contents"]["value"]
    assert markdown.startswith("**DET101** `unseeded-rng`")
    assert "**Fix:** Call `numpy.random.seed(SEED)`" in markdown
    assert "/docs/rules/DET101.md" in markdown
    outside = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 4}})
    assert outside is None


def test_a_syntax_error_mid_edit_is_det001_and_the_server_goes_on(client, project):
    client.initialize(project)
    uri = client.open(project / "tuning.py")
    assert codes(client.diagnostics(uri)) == ["DET203"]
    seen = client.seen
    client.change(uri, "import torch\n\ntorch.backends.cudnn.benchmark = (\n", version=2)
    assert codes(client.diagnostics(uri, after=seen)) == ["DET001"]
    seen = client.seen
    client.change(uri, BENCHMARK, version=3)
    assert codes(client.diagnostics(uri, after=seen)) == ["DET203"]
    assert client.shutdown() == 0


def test_closing_a_document_clears_its_diagnostics(client, project):
    client.initialize(project)
    uri = client.open(project / "tuning.py")
    assert codes(client.diagnostics(uri)) == ["DET203"]
    seen = client.seen
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri, after=seen) == []


def test_initialization_options_select_rules(project):
    client = LspClient(project)
    try:
        client.initialize(project, options={"select": ["DET1"]})
        assert client.diagnostics(client.open(project / "tuning.py")) == []
        assert codes(client.diagnostics(client.open(project / "lib.py"))) == ["DET101"]
    finally:
        client.close()


def test_workspace_configuration_is_read_and_a_changed_config_file_rechecks(project):
    client = LspClient(project, configuration={"select": ["DET2"]})
    try:
        client.initialize(project, options={"select": ["DET1"]})  # the configuration's select wins
        registered = client.wait_until(lambda: client.registrations, "a registration")
        assert [registration["method"] for registration in registered] == ["workspace/didChangeWatchedFiles"]
        lib, bench = client.open(project / "lib.py"), client.open(project / "tuning.py")
        assert client.diagnostics(lib, lambda found: "DET101" not in codes(found)) == []
        assert codes(client.diagnostics(bench, lambda found: found != [])) == ["DET203"]

        seen = client.seen
        (project / "pyproject.toml").write_text(PYPROJECT + 'ignore = ["DET203"]\n')
        changed = {"changes": [{"uri": (project / "pyproject.toml").as_uri(), "type": 2}]}
        client.notify("workspace/didChangeWatchedFiles", changed)
        # A check started before the change may still publish first: wait for the one after it.
        assert client.diagnostics(bench, lambda found: found == [], after=seen) == []
    finally:
        client.close()


def test_a_bad_setting_is_shown_to_the_user(project):
    client = LspClient(project)
    try:
        client.initialize(project, options={"minConfidence": "sure"})
        client.open(project / "tuning.py")
        message = client.wait_until(
            lambda: [note for note in client.notifications if note["method"] == "window/showMessage"], "a message"
        )[0]
        assert "minConfidence" in message["params"]["message"]
    finally:
        client.close()


def test_notebook_cells_get_their_own_diagnostics(project):
    notebook = (project / "explore.ipynb").as_uri()
    cells = [
        ("markdown", "# Exploring", f"{notebook}#cell1"),
        ("code", "import numpy as np", f"{notebook}#cell2"),
        ("code", "x = 1\nnoise = np.random.rand(3)", f"{notebook}#cell3"),
    ]
    client = LspClient(project)
    try:
        capabilities = {"notebookDocument": {"synchronization": {}}}
        assert "notebookDocumentSync" in client.initialize(project, capabilities=capabilities)["capabilities"]
        client.notify("notebookDocument/didOpen", {
            "notebookDocument": {"uri": notebook, "notebookType": "jupyter-notebook", "version": 1, "cells": [
                {"kind": 1 if kind == "markdown" else 2, "document": uri} for kind, _, uri in cells]},
            "cellTextDocuments": [
                {"uri": uri, "languageId": "markdown" if kind == "markdown" else "python", "version": 1, "text": text}
                for kind, text, uri in cells],
        })  # fmt: skip
        cell = cells[2][2]
        diagnostics = client.diagnostics(cell)
        assert codes(diagnostics) == ["DET101"]
        assert span(diagnostics[0]) == (1, 8, 1, 25)  # `np.random.rand(3)` in the third cell

        ignore = actions(client, cell, diagnostics)["Ignore DET101 on this line"]
        silenced = applied(cells[2][1], ignore["edit"]["changes"][cell])
        assert silenced == "x = 1\nnoise = np.random.rand(3)  # detlint: ignore[DET101]"
        seen = client.seen
        client.notify("notebookDocument/didChange", {
            "notebookDocument": {"uri": notebook, "version": 2},
            "change": {"cells": {"textContent": [
                {"document": {"uri": cell, "version": 2}, "changes": [{"text": silenced}]},
            ]}},
        })  # fmt: skip
        assert client.diagnostics(cell, after=seen) == []
    finally:
        client.close()


def test_with_tcp_it_answers_on_that_port_of_localhost(project):
    with socket.socket() as probe:  # a port that is free now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "detlint", "server", "--tcp", str(port)], cwd=project,
        env={"PYTHONPATH": str(SOURCE), "PATH": ""}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the server never listened"
                time.sleep(0.2)
        with connection:
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                               "params": {"processId": None, "rootUri": project.as_uri(), "capabilities": {}}})
            connection.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body.encode())
            answer = b""
            while b'"serverInfo"' not in answer:
                chunk = connection.recv(65536)
                assert chunk, "the server closed the connection"
                answer += chunk
        assert b'"codeActionProvider"' in answer and b'"name": "detlint"' in answer
    finally:
        server.kill()
        server.wait(TIMEOUT)


def test_without_the_server_extra_it_exits_2_and_says_what_to_install(tmp_path):
    blocked = "import sys; sys.modules['pygls'] = None; from detlint.cli import main; main()"
    process = subprocess.run(
        [sys.executable, "-c", blocked, "server"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(SOURCE), "PATH": ""},
    )  # fmt: skip
    assert process.returncode == 2
    assert 'pip install "detlint[server]"' in process.stderr


@pytest.mark.parametrize(
    ("imported", "loads_server"),
    [("detlint.cli, detlint.api, detlint.integrations.flake8", False), ("detlint.server.app", True)],
)
def test_only_the_server_module_loads_pygls(imported, loads_server):
    probe = f"import json, sys, {imported}; print(json.dumps(sorted(sys.modules)))"
    process = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(SOURCE), "PATH": ""},
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    loaded = json.loads(process.stdout)
    assert ("pygls" in loaded, "lsprotocol" in loaded) == (loads_server, loads_server)

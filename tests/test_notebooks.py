"""Notebooks: code cells analysed as one module, magics masked, findings located by cell."""

from __future__ import annotations

import json

from conftest import write

from detlint.notebook import notebook_module


def _notebook(*cells: list[str], kinds: tuple[str, ...] = ()) -> str:
    document = {
        "cells": [
            {"cell_type": kinds[i] if i < len(kinds) else "code", "execution_count": None, "metadata": {},
             "outputs": [], "source": source}
            for i, source in enumerate(cells)
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }  # fmt: skip
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def test_magics_and_shell_escapes_are_masked_not_parse_errors(cli, tmp_path):
    write(tmp_path, {"nb.ipynb": _notebook(
        ["%matplotlib inline\n", "!pip install torch\n", "import torch\n"],
        ["%%time\n", "x = 1 +\n"],
        ["for i in range(2):\n", "    !echo $i\n", "files = !ls\n", "torch?"],
    )})  # fmt: skip
    assert cli.json("--no-cache")["findings"] == []


def test_findings_are_located_by_cell_in_text_and_by_file_line_in_json(cli, tmp_path):
    source = _notebook(
        ["# Training\n"],
        ["import torch\n", "torch.backends.cudnn.benchmark = True\n"],
        kinds=("markdown", "code"),
    )
    write(tmp_path, {"nb.ipynb": source})
    text = cli("check", "--no-cache").stdout
    assert text.startswith("nb.ipynb:cell 2:line 2:1: DET203")
    (finding,) = cli.json("--no-cache")["findings"]
    raw_line = source.splitlines()[finding["line"] - 1]
    assert "torch.backends.cudnn.benchmark = True" in raw_line
    assert (finding["cell"], finding["cell_line"]) == (2, 2)


def test_a_notebook_is_an_entry_point_and_cells_run_in_order(cli, tmp_path):
    write(tmp_path, {
        "unseeded.ipynb": _notebook(["import torch\n"], ["model = torch.nn.Linear(2, 2)\n"]),
        "seeded.ipynb": _notebook(["import torch\n", "torch.manual_seed(0)\n"], ["model = torch.nn.Linear(2, 2)\n"]),
        "late.ipynb": _notebook(["import torch\n", "model = torch.nn.Linear(2, 2)\n"], ["torch.manual_seed(0)\n"]),
    })  # fmt: skip
    found = {(f["path"], f["code"], f.get("cell")) for f in cli.json("--no-cache")["findings"]}
    assert found == {("unseeded.ipynb", "DET101", 2), ("late.ipynb", "DET102", 2)}


def test_suppression_comments_work_in_cells(cli, tmp_path):
    write(tmp_path, {"nb.ipynb": _notebook(["import torch\n", "torch.backends.cudnn.benchmark = True  # noqa: DET203\n"])})
    assert cli.json("--no-cache")["findings"] == []


def test_broken_notebook_is_det001(cli, tmp_path):
    write(tmp_path, {"bad.ipynb": '{"cells": [', "good.py": "import torch\ntorch.backends.cudnn.benchmark = True\n"})
    codes = sorted((f["path"], f["code"]) for f in cli.json("--no-cache")["findings"])
    assert codes == [("bad.ipynb", "DET001"), ("good.py", "DET203")]


def test_syntax_error_in_a_cell_points_at_the_cell(cli, tmp_path):
    write(tmp_path, {"nb.ipynb": _notebook(["x = 1\n"], ["def broken(:\n", "    pass\n"])})
    (finding,) = cli.json("--no-cache")["findings"]
    assert finding["code"] == "DET001" and finding["cell"] == 2


def test_module_text_keeps_line_structure():
    module = notebook_module(_notebook(["a = 1\n", "b = 2"], ["c = 3"]).encode())
    assert module.text == "a = 1\nb = 2\nc = 3\n"
    assert [(line.cell, line.line) for line in module.lines] == [(1, 1), (1, 2), (2, 1)]

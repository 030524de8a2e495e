"""Notebooks: code cells analysed as one module, magics masked, findings located by cell."""

from __future__ import annotations

import json

import pytest
from conftest import write

from detlint.finding import Edit, Fix, Span
from detlint.notebook import notebook_module
from detlint.testing import check_project


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
        ["%%writefile notes.txt\n", "x = 1 +\n"],
        ["for i in range(2):\n", "    !echo $i\n", "files = !ls\n", "torch?"],
        ["torch.backends.cudnn.benchmark = True\n"],
    )})  # fmt: skip
    # No DET001, the shell escape is read for what it installs, and the cell after the magics is analysed.
    findings = cli.json("--no-cache")["findings"]
    assert [(f["code"], f["cell"], f["cell_line"]) for f in findings] == [("DET505", 1, 2), ("DET203", 4, 1)]


def test_ipython_reads_what_python_would_not_and_nothing_more(cli, tmp_path):
    # IPython removes a whole cell's indent; `%` continuing a statement is an operator, and a `?` in a
    # comment asks for no help: none of these is a parse error, and each cell is analysed.
    write(tmp_path, {"nb.ipynb": _notebook(
        ["import torch\n", "print('%d%% of it' \\\n", "      % (50,))\n"],
        ["  total = (1,  # how nice is that?\n", "           2)\n", "  torch.backends.cudnn.benchmark = True\n"],
        ["s = \"\"\"\n", "!not a shell line\n", "\"\"\"\n", "torch.backends.cudnn.benchmark = True\n"],
        ["   \n", "  def f():\n", "      return 1\n", "  torch.backends.cudnn.benchmark = True\n"],
    )})  # fmt: skip
    findings = cli.json("--no-cache")["findings"]
    assert [(f["code"], f["cell"], f["cell_line"], f["cell_column"]) for f in findings] == [
        ("DET203", 2, 3, 3),  # the column in the cell as written, before IPython's dedent
        ("DET203", 3, 4, 1),
        ("DET203", 4, 4, 3),  # blank lines first, then the indent of the first line with code
    ]


def test_a_cell_timed_or_captured_runs_its_body_as_python(cli, tmp_path):
    write(tmp_path, {"nb.ipynb": _notebook(
        ["import torch\n"],
        ["%%time\n", "torch.backends.cudnn.benchmark = True\n"],
        ["%%capture out\n", "%matplotlib inline\n", "torch.backends.cudnn.benchmark = True\n"],
        ["%%bash\n", "torch.backends.cudnn.benchmark = True\n"],
    )})  # fmt: skip
    findings = cli.json("--no-cache")["findings"]
    assert [(f["code"], f["cell"], f["cell_line"]) for f in findings] == [("DET203", 2, 2), ("DET203", 3, 3)]


def test_a_notebook_in_another_language_holds_no_python(tmp_path):
    document = json.loads(_notebook(["library(catboost)\n", "model <- catboost.train(pool)\n"]))
    document["metadata"] = {"kernelspec": {"name": "ir", "language": "R"}, "language_info": {"name": "R"}}
    assert notebook_module(json.dumps(document).encode()).text == ""
    python = json.loads(_notebook(["x = 1\n"]))
    python["metadata"] = {"kernelspec": {"name": "python3", "language": "python"}}
    assert notebook_module(json.dumps(python).encode()).text == "x = 1\n"


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
    write(tmp_path, {"nb.ipynb": _notebook(
        ["import torch\n", "torch.backends.cudnn.benchmark = True  # noqa: DET203\n"],
        ["torch.backends.cudnn.benchmark = True\n"],
    )})  # fmt: skip
    findings = cli.json("--no-cache")["findings"]
    assert [(f["code"], f["cell"], f["cell_line"]) for f in findings] == [("DET203", 2, 1)]


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


# -- output: cells as people read them, the .ipynb line for CI ----------------------------------------
CELLS = (
    ["# Training\n"],
    ["import os\n", "import torch\n", "%matplotlib inline\n", "torch.backends.cudnn.benchmark = True\n",
     "names = os.listdir('data')\n", "first = names[:3]\n"],
)  # fmt: skip
KINDS = ("markdown", "code")


def _notebook_as(layout: str) -> str:
    document = json.loads(_notebook(*CELLS, kinds=KINDS))
    if layout == "pretty":
        return json.dumps(document, indent=1, sort_keys=True) + "\n"
    if layout == "one-line":
        return json.dumps(document, sort_keys=True)
    for cell in document["cells"]:  # each cell's source as one string, non-ASCII escaped
        cell["source"] = "".join(cell["source"]) + "x = 'é'\n"
    return json.dumps(document, indent=2)


def test_full_output_quotes_the_cell_not_the_json(cli, tmp_path):
    write(tmp_path, {"nb.ipynb": _notebook_as("pretty")})
    full = cli("check", "--no-cache", "--output-format", "full").stdout
    assert (
        " --> nb.ipynb:cell 2:line 4:1\n"
        "  |\n"
        "3 | %matplotlib inline\n"
        "4 | torch.backends.cudnn.benchmark = True\n"
        "  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    ) in full
    assert '"source"' not in full and "\\n" not in full


@pytest.mark.parametrize("layout", ["pretty", "one-line", "string-sources"])
def test_ci_formats_point_at_the_json_string_of_the_line_and_name_the_cell(cli, tmp_path, layout):
    raw = _notebook_as(layout)
    write(tmp_path, {"nb.ipynb": raw})
    findings = cli.json("--no-cache")["findings"]
    commands = [line for line in cli("check", "--no-cache", "--output-format", "github").stdout.splitlines()
                if line.startswith("::")]  # fmt: skip
    sarif = json.loads(cli("check", "--no-cache", "--output-format", "sarif").stdout)["runs"][0]["results"]
    gitlab = json.loads(cli("check", "--no-cache", "--output-format", "gitlab").stdout)
    lines = raw.splitlines()
    expected = {"DET203": "torch.backends.cudnn.benchmark", "DET303": "os.listdir('data')"}
    assert {finding["code"] for finding in findings} == set(expected)
    for finding, command, result, issue in zip(findings, commands, sarif, gitlab):
        flagged = expected[finding["code"]]
        line, column = finding["line"], finding["column"]
        assert lines[line - 1][column - 1 :].startswith(flagged), (layout, finding)
        assert lines[line - 1][finding["end_column"] - 1 - len(flagged) :].startswith(flagged)
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (line, column)
        assert f"line={line},col={column}," in command
        assert issue["location"]["lines"]["begin"] == line
        where = f"cell 2, line {finding['cell_line']}: "
        assert command.split("::")[2].startswith(where) and result["message"]["text"].startswith(where)
        assert issue["description"].startswith(f"{finding['code']} {where}")
        assert (finding["cell"], finding["cell_column"]) == (2, 1 if finding["code"] == "DET203" else 9)


@pytest.mark.parametrize("layout", ["pretty", "one-line", "string-sources"])
def test_fixes_rewrite_the_cells_and_leave_the_rest_of_the_file_as_it_was(cli, tmp_path, layout):
    raw = _notebook_as(layout)
    write(tmp_path, {"nb.ipynb": raw})
    diff = cli("check", "--no-cache", "--diff")
    assert diff.exit_code == 1 and "+++ b/nb.ipynb" in diff.stdout
    assert (tmp_path / "nb.ipynb").read_text() == raw
    fixed = cli("check", "--no-cache", "--fix")
    assert "Fixed 2 findings." in fixed.stderr and fixed.stdout == "All checks passed.\n"
    new = (tmp_path / "nb.ipynb").read_text(encoding="utf-8")
    expected = raw.replace("benchmark = True", "benchmark = False").replace(
        "os.listdir('data')", "sorted(os.listdir('data'))"
    )
    assert new == expected
    assert json.loads(new)["cells"][1]["source"] == json.loads(expected)["cells"][1]["source"]


def test_fix_edits_move_into_cells_unless_they_touch_a_magic_line_two_cells_or_an_indented_cell():
    from detlint.run.orchestrate import _fix_in_cells

    module = notebook_module(_notebook(["import torch\n", "%time x = 1\n"], ["y = 2\n"], ["  z = 4\n"]).encode())
    in_cell = Fix("f", (Edit(Span(3, 4, 3, 5), "3"),), safe=True)
    assert _fix_in_cells(in_cell, module).edits == (Edit(Span(1, 4, 1, 5), "3", cell=2),)
    on_magic = Fix("f", (Edit(Span(2, 0, 2, 4), "pass"),), safe=True)
    across = Fix("f", (Edit(Span(1, 0, 3, 0), ""),), safe=True)
    indented = Fix("f", (Edit(Span(4, 4, 4, 5), "5"),), safe=True)
    assert _fix_in_cells(on_magic, module) is None and _fix_in_cells(across, module) is None
    assert _fix_in_cells(indented, module) is None


def test_unsafe_insertion_fixes_apply_in_cells(cli, tmp_path):
    write(tmp_path, {"nb.ipynb": _notebook(["import numpy as np\n"], ["x = np.random.rand(3)\n"])})
    assert [(f["code"], f["cell"]) for f in cli.json("--no-cache")["findings"]] == [("DET101", 2)]
    cli("check", "--no-cache", "--fix", "--unsafe-fixes")
    document = json.loads((tmp_path / "nb.ipynb").read_text())
    assert document["cells"][1]["source"] == ["np.random.seed(0)\n", "x = np.random.rand(3)\n"]
    assert cli.json("--no-cache")["findings"] == []


def test_a_notebook_is_never_imported_so_a_listing_its_top_level_leaves_unread_is_no_finding():
    lines = ["import os\n", "names = os.listdir('data')\n"]
    module = check_project({"prepare.py": "".join(lines)})
    assert [(f.code, f.span.line, f.confidence.value) for f in module] == [("DET303", 2, "medium")]
    assert "kept at module level for use elsewhere" in module[0].message
    assert [f for f in check_project({"prepare.ipynb": _notebook(lines)}) if f.code == "DET303"] == []
    # a function defined in a later cell reads the global
    reader = ["def batch(i):\n", "    return names[i * 32:(i + 1) * 32]\n"]
    assert [f.code for f in check_project({"prepare.ipynb": _notebook(lines, reader)})] == ["DET303"]

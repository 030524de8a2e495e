"""Notebook findings name their cell: text shows `cell N:line M`, JSON and SARIF carry both numbers
next to the line in the `.ipynb` file."""

from __future__ import annotations

import json
from dataclasses import replace

from reporter_samples import FINDINGS, ROOT, RULES

from detlint.reporters import json_report, sarif, text

IN_NOTEBOOK = replace(FINDINGS[1], path="nb.ipynb", cell=(3, 2))


def test_text_shows_the_cell_and_its_line():
    assert text.render([IN_NOTEBOOK]).startswith("nb.ipynb:cell 3:line 2:1: DET902 ")


def test_json_keeps_the_file_line_and_adds_the_cell():
    (finding,) = json.loads(json_report.render([IN_NOTEBOOK]))["findings"]
    assert (finding["line"], finding["cell"], finding["cell_line"]) == (20, 3, 2)
    (plain,) = json.loads(json_report.render([FINDINGS[1]]))["findings"]
    assert "cell" not in plain


def test_sarif_result_properties_name_the_cell():
    (result,) = json.loads(sarif.render([IN_NOTEBOOK], rules=RULES, base=ROOT))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 20
    assert (result["properties"]["notebookCell"], result["properties"]["notebookCellLine"]) == (3, 2)

"""Versioned JSON: the input of `detlint probe` and of baselines. Lines are 1-based; columns are
1-based as in the text output. Paths are as given (`detlint check` makes them relative to the working
directory, see `detlint.reporters.paths`); `root`, when known, is the project root, absolute."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from detlint import __version__
from detlint.finding import Finding
from detlint.reporters.common import Region

SCHEMA_VERSION = 1


def finding_to_dict(finding: Finding) -> dict:
    """A finding as JSON; a notebook finding also names its cell and the line in that cell (its `line`
    is the line of the `.ipynb` file)."""
    region = Region.of(finding.span)
    document = {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "path": finding.path,
        "line": region.line,
        "column": region.column,
        "end_line": region.end_line,
        "end_column": region.end_column,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "fingerprint": finding.fingerprint,
        "related": [
            {
                "path": related.path,
                "line": related.span.line,
                "column": Region.of(related.span).column,
                "message": related.message,
            }
            for related in finding.related
        ],
    }
    if finding.cell is not None:
        document["cell"], document["cell_line"] = finding.cell
    if finding.properties:
        document["properties"] = dict(finding.properties)
    return document


def render(findings: Sequence[Finding], *, root: Path | None = None, **_options: object) -> str:
    document: dict = {"version": SCHEMA_VERSION, "tool": {"name": "detlint", "version": __version__}}
    if root is not None:
        document["root"] = root_field(root)
    document["findings"] = [finding_to_dict(finding) for finding in findings]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def root_field(root: Path) -> str:
    """The project root as the report's `root` field: absolute, with forward slashes."""
    return Path(os.path.abspath(root)).as_posix()

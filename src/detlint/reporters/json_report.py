"""Versioned JSON: the input of `detlint probe` and of baselines. Lines are 1-based; columns are
1-based as in the text output. `message` is one sentence; `detail` says why and `help` what to do.
Paths are as given (`detlint check` makes them relative to the working directory, see
`detlint.reporters.paths`); `root`, when known, is the project root, absolute."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from detlint import __version__
from detlint.finding import Finding, RelatedLocation, Span
from detlint.reporters.common import Region

SCHEMA_VERSION = 1


def finding_to_dict(finding: Finding) -> dict:
    """A finding as JSON; a notebook finding also names its cell and the position in that cell (its
    `line` and columns are those of the `.ipynb` file)."""
    region = Region.of(finding.span)
    document = {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "detail": finding.detail,
        "help": finding.help,
        "path": finding.path,
        "line": region.line,
        "column": region.column,
        "end_line": region.end_line,
        "end_column": region.end_column,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "fingerprint": finding.fingerprint,
        "related": [_related(related) for related in finding.related],
    }
    if finding.cell is not None:
        document.update(_cell(finding.cell, finding.cell_span))
    if finding.properties:
        document["properties"] = dict(finding.properties)
    return document


def _related(related: RelatedLocation) -> dict:
    document = {
        "path": related.path,
        "line": related.span.line,
        "column": Region.of(related.span).column,
        "message": related.message,
    }
    if related.cell is not None:
        document.update(_cell(related.cell, related.cell_span))
    return document


def _cell(cell: tuple[int, int], span: Span | None) -> dict:
    document = {"cell": cell[0], "cell_line": cell[1]}
    if span is not None:
        region = Region.of(span)
        document.update(cell_column=region.column, cell_end_line=region.end_line, cell_end_column=region.end_column)
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

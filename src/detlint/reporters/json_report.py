"""Versioned JSON: the input of `detlint probe` and of baselines. Lines are 1-based; columns are
1-based as in the text output."""

from __future__ import annotations

import json
from collections.abc import Sequence

from detlint import __version__
from detlint.finding import Finding

SCHEMA_VERSION = 1


def finding_to_dict(finding: Finding) -> dict:
    span = finding.span
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "path": finding.path,
        "line": span.line,
        "column": span.column + 1,
        "end_line": span.end_line,
        "end_column": span.end_column + 1,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "fingerprint": finding.fingerprint,
        "related": [
            {
                "path": related.path,
                "line": related.span.line,
                "column": related.span.column + 1,
                "message": related.message,
            }
            for related in finding.related
        ],
    }


def render(findings: Sequence[Finding], **_options: object) -> str:
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "detlint", "version": __version__},
        "findings": [finding_to_dict(finding) for finding in findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

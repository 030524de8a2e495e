"""SARIF 2.1.0, the format of GitHub code scanning and other static-analysis viewers.

One run. `tool.driver.rules` describes every rule that has a result, from the rule's own metadata and
doc page; each result points at its rule by id and index. Locations are relative to `base`
(`uriBaseId` `%SRCROOT%`, whose absolute URI is in `originalUriBaseIds`): `detlint check` makes the
paths relative to the repository (`detlint.reporters.paths`). Lines and columns are 1-based, and
`endColumn` is the column after the last flagged character; in a notebook they are those of the
`.ipynb` file (the JSON string that holds the flagged source line), and the message names the cell. A
result's message is the finding's message, detail and help, one paragraph each. Output depends only
on the findings, the rules and the base: no timestamps, no machine names.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from detlint import __version__
from detlint.finding import Finding, RelatedLocation, one_line
from detlint.reporters.common import Region, located_message, rules_or_builtin

if TYPE_CHECKING:
    from detlint.checks.base import RuleMeta
    from detlint.checks.index import RuleIndex

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/detlint/detlint"
SRCROOT = "%SRCROOT%"
# A stable identity per result, so code scanning tracks an alert across commits that move it.
FINGERPRINT_KEY = "detlintFingerprint/v1"
# GitHub shows at most this many characters of a rule's short and full descriptions.
MAX_DESCRIPTION = 1024


def render(
    findings: Sequence[Finding], *, rules: RuleIndex | None = None, base: Path | None = None, **_options: object
) -> str:
    """`base`: the directory the findings' paths are relative to (absent from the log when None)."""
    index = rules_or_builtin(rules)
    codes = sorted({finding.code for finding in findings})
    position = {code: number for number, code in enumerate(codes)}
    run: dict = {
        "tool": {
            "driver": {
                "name": "detlint",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(code, index.by_code.get(code)) for code in codes],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(finding, position[finding.code]) for finding in findings],
    }
    if base is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": Path(os.path.abspath(base)).as_uri().rstrip("/") + "/"}}
    log = {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _descriptor(code: str, rule: type[RuleMeta] | None) -> dict:
    """A rule's `reportingDescriptor`; a code the index does not know still gets its id."""
    if rule is None:
        return {"id": code}
    page = _page(rule)
    descriptor: dict = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.summary() or rule.name)},
        "fullDescription": {"text": _clip(_full_description(rule) or rule.summary() or rule.name)},
    }
    references = rule.references()
    if references:
        descriptor["helpUri"] = references[0]
    descriptor["help"] = {"text": page, "markdown": page}
    descriptor["defaultConfiguration"] = {"level": rule.severity.value}
    descriptor["properties"] = {"precision": rule.confidence.value, "tags": ["reproducibility"]}
    return descriptor


def _page(rule: type[RuleMeta]) -> str:
    from detlint.docs import rule_page

    return rule_page(rule)


def _full_description(rule: type[RuleMeta]) -> str:
    """What the rule checks and why it matters: the first paragraphs of those two doc sections."""
    paragraphs = (_first_paragraph(rule.doc(), heading) for heading in ("What it does", "Why is this bad?"))
    return " ".join(paragraph for paragraph in paragraphs if paragraph)


def _first_paragraph(doc: str, heading: str) -> str:
    match = re.search(rf"(?:^|\n)## {re.escape(heading)}[ \t]*\n(.+?)(?:\n[ \t]*\n|\n## |\Z)", doc, re.S)
    return one_line(match.group(1)) if match else ""


def _clip(text: str) -> str:
    if len(text) <= MAX_DESCRIPTION:
        return text
    return text[: MAX_DESCRIPTION - 1].rsplit(" ", 1)[0] + "…"


def _result(finding: Finding, rule_index: int) -> dict:
    result: dict = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": finding.severity.value,  # detlint's severities are SARIF's level names
        "message": {"text": _message_text(finding)},
        "locations": [{"physicalLocation": _physical_location(finding.path, Region.of(finding.span))}],
    }
    if finding.related:
        result["relatedLocations"] = [
            _related_location(number, related) for number, related in enumerate(finding.related, start=1)
        ]
    if finding.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    result["properties"] = {
        **finding.properties,
        "precision": finding.confidence.value,
        "confidence": finding.confidence.value,
    }
    if finding.cell is not None:  # the region is the line in the .ipynb file; this is where Jupyter shows it
        result["properties"]["notebookCell"], result["properties"]["notebookCellLine"] = finding.cell
    return result


def _message_text(finding: Finding) -> str:
    """The message (naming the notebook cell), then its detail and help as paragraphs of their own."""
    return "\n\n".join(part for part in (located_message(finding), finding.detail, finding.help) if part)


def _related_location(number: int, related: RelatedLocation) -> dict:
    return {
        "id": number,
        "physicalLocation": _physical_location(related.path, Region.of(related.span)),
        "message": {"text": related.message},
    }


def _physical_location(path: str, region: Region) -> dict:
    return {
        "artifactLocation": {"uri": quote(path), "uriBaseId": SRCROOT},
        "region": {
            "startLine": region.line,
            "startColumn": region.column,
            "endLine": region.end_line,
            "endColumn": region.end_column,
        },
    }

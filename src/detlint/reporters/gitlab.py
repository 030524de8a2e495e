"""GitLab Code Quality: a JSON array of Code Climate issues, published with
`artifacts: reports: codequality: <file>` and shown in merge requests.

GitLab merges issues with equal fingerprints into one entry, so each occurrence gets its own: the
finding's line-independent fingerprint, told apart from identical findings of the same report by
their order. Paths are as given (`detlint check` makes them relative to the repository, see
`detlint.reporters.paths`); lines are 1-based (in a notebook, the line of the `.ipynb` file, with the
cell named in the description).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence

from detlint.finding import Finding, Severity
from detlint.reporters.common import located_message

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.NOTE: "info"}


def render(findings: Sequence[Finding], **_options: object) -> str:
    seen: Counter[str] = Counter()
    issues = []
    for finding in findings:
        identity = finding.fingerprint or f"{finding.code}:{finding.path}:{finding.span.line}:{finding.span.column}"
        issues.append(_issue(finding, finding.path, _occurrence_fingerprint(identity, seen[identity])))
        seen[identity] += 1
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _occurrence_fingerprint(identity: str, repeat: int) -> str:
    return hashlib.md5(f"{identity}\x1f{repeat}".encode(), usedforsecurity=False).hexdigest()


def _issue(finding: Finding, path: str, fingerprint: str) -> dict:
    return {
        "description": f"{finding.code} {located_message(finding)}",
        "check_name": finding.code,
        "fingerprint": fingerprint,
        "severity": SEVERITIES[finding.severity],
        "location": {"path": path, "lines": {"begin": finding.span.line}},
    }

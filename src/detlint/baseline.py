"""Baselines: accept the findings a project has today and report only new ones.

`detlint baseline -o FILE` records every finding as (path, code, fingerprint), with its message for
the people reading the file; `detlint check --baseline FILE` drops the findings the file accounts for.
Fingerprints hold no line numbers, so a baseline survives edits above a finding. Matching counts: two
identical entries absorb two identical findings, and a third is new. Entries that absorb nothing are
stale: the finding was fixed, or its code changed enough to be a different finding.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from detlint.finding import Finding

BASELINE_VERSION = 1
_ENTRY_KEYS = ("path", "code", "fingerprint", "message")


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a detlint baseline."""


@dataclass(frozen=True, order=True)
class BaselineEntry:
    path: str
    code: str
    fingerprint: str
    message: str = ""  # for people reading the file; matching ignores it

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.code, self.fingerprint)

    @classmethod
    def of(cls, finding: Finding) -> BaselineEntry:
        return cls(finding.path, finding.code, finding.fingerprint, finding.message)


@dataclass(frozen=True)
class BaselineResult:
    new: list[Finding]  # findings the baseline does not account for
    absorbed: int  # findings it does
    stale: list[BaselineEntry]  # entries that matched nothing


def dumps(findings: Iterable[Finding]) -> str:
    """The baseline file for these findings. Entries are sorted by path, code and fingerprint, so the
    file changes only where findings do."""
    entries = sorted(BaselineEntry.of(finding) for finding in findings)
    document = {"version": BASELINE_VERSION, "tool": "detlint", "entries": [asdict(entry) for entry in entries]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> list[BaselineEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read baseline: {error}") from None
    return loads(text, source=str(path))


def loads(text: str, *, source: str = "baseline") -> list[BaselineEntry]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{source}: not JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise BaselineError(f"{source}: not a detlint baseline (expected an object with an \"entries\" list)")
    if document.get("version") != BASELINE_VERSION:
        raise BaselineError(
            f"{source}: baseline version {document.get('version')!r} is not supported (this detlint reads "
            f"version {BASELINE_VERSION}); write a new one with `detlint baseline -o {source}`"
        )
    return [_entry(raw, number, source) for number, raw in enumerate(document["entries"])]


def _entry(raw: object, number: int, source: str) -> BaselineEntry:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(key), str) for key in _ENTRY_KEYS[:3]):
        raise BaselineError(f"{source}: entry {number} needs the strings \"path\", \"code\" and \"fingerprint\"")
    message = raw.get("message", "")
    return BaselineEntry(raw["path"], raw["code"], raw["fingerprint"], message if isinstance(message, str) else "")


def apply(
    findings: Sequence[Finding],
    entries: Iterable[BaselineEntry],
    *,
    checked: Callable[[BaselineEntry], bool] = lambda _entry: True,
) -> BaselineResult:
    """Split findings into new ones and those the baseline absorbs. Only entries for which `checked`
    holds can be stale: an entry about a file or rule this run did not look at may still be current."""
    entries = list(entries)
    available = Counter(entry.key for entry in entries)
    new = []
    for finding in findings:
        key = (finding.path, finding.code, finding.fingerprint)
        if available[key] > 0:
            available[key] -= 1
        else:
            new.append(finding)
    stale = []
    for entry in sorted(entries):
        if available[entry.key] > 0:
            available[entry.key] -= 1
            if checked(entry):
                stale.append(entry)
    return BaselineResult(new, len(findings) - len(new), stale)

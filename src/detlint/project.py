"""The project pass: every file's facts in one index, judged by the project rules."""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from detlint.facts import FileFacts
from detlint.finding import Finding
from detlint.rule import ProjectRule


@dataclass
class ProjectIndex:
    files: dict[str, FileFacts] = field(default_factory=dict)  # by display path
    target_versions: dict[str, str] = field(default_factory=dict)
    mode: str = "application"

    @classmethod
    def build(cls, facts: Iterable[FileFacts], *, target_versions: dict[str, str], mode: str) -> ProjectIndex:
        return cls({item.path: item for item in facts}, dict(target_versions), mode)


def run_project_rules(
    index: ProjectIndex, rules: Sequence[type[ProjectRule]]
) -> tuple[list[Finding], list[str]]:
    """Findings of every project rule, and the tracebacks of those that failed (the others still run)."""
    findings: list[Finding] = []
    failures: list[str] = []
    for rule in rules:
        try:
            findings.extend(rule().check(index))
        except Exception:  # noqa: BLE001 - one failing project rule must not hide the rest
            failures.append(f"project rule {rule.code} ({rule.name}) failed:\n{traceback.format_exc()}")
    return findings, failures

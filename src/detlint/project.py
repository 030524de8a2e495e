"""The project pass: every file's facts in one index, judged by the project rules."""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from detlint.config import Settings
from detlint.deps import DependencyFile
from detlint.engine import FileResult
from detlint.facts import FileFacts
from detlint.finding import Finding
from detlint.rule import ProjectRule


@dataclass
class ProjectIndex:
    files: dict[str, FileFacts] = field(default_factory=dict)  # Python files, by display path
    dependency_files: dict[str, DependencyFile] = field(default_factory=dict)  # by display path
    settings: Settings = field(default_factory=Settings)

    @classmethod
    def build(cls, results: Iterable[FileResult], settings: Settings) -> ProjectIndex:
        results = list(results)
        return cls(
            files={result.path: result.facts for result in results if result.facts},
            dependency_files={result.path: result.dependencies for result in results if result.dependencies},
            settings=settings,
        )


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

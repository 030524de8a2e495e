"""Runs the project rules over the project index."""

from __future__ import annotations

import traceback
from collections.abc import Sequence

from detlint.checks.base import ProjectRule
from detlint.finding import Finding
from detlint.project.index import ProjectIndex


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

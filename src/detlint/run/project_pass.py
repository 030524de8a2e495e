"""The project pass: the project rules over every file's facts, and what the pass read to judge them."""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from detlint.config import FRAMEWORKS, Settings
from detlint.facts.model import is_run_hazard_outside_runs
from detlint.finding import Finding
from detlint.project.disk import Outcome, Request
from detlint.results import FileResult

if TYPE_CHECKING:  # the rules load the parser: a run that reuses the last project pass needs neither
    from detlint.checks.base import ProjectRule
    from detlint.project.index import ProjectIndex

@dataclass
class ProjectPass:
    findings: list[Finding]
    disk_log: dict[Request, Outcome]  # what the pass read besides the files' results (`ProjectFiles`)
    # framework -> (version judged against or None for the newest catalogued, where it comes from)
    versions: dict[str, tuple[str | None, str]]
    tracebacks: list[str] = field(default_factory=list)  # of the project rules that failed
    failures: list[str] = field(default_factory=list)  # one line each: which project rule failed, and how

    def findings_on(self, paths: Sequence[str]) -> list[Finding]:
        """The pass's findings, and a DET002 for each project rule that failed, placed on the first of
        `paths` (the files a run reports on): whatever a failed rule would have found is missing."""
        if not self.failures or not paths:
            return self.findings
        from detlint.checks.det0_meta.det002_internal_error import InternalError

        anchor = min(paths)
        return [
            *self.findings,
            *(InternalError.failure(anchor, message, "its findings are missing") for message in self.failures),
        ]


def project_pass(results: Sequence[FileResult], settings: Settings) -> ProjectPass:
    from detlint.project.index import ProjectIndex
    from detlint.registry import rule_index

    index = ProjectIndex.build(results, settings)
    findings, tracebacks, failures = run_project_rules(index, rule_index().project_rules())
    versions = {package: index.framework_version(package) for package in FRAMEWORKS}
    return ProjectPass(findings, index.disk.log, versions, tracebacks, failures)


def run_project_rules(
    index: ProjectIndex, rules: Sequence[type[ProjectRule]]
) -> tuple[list[Finding], list[str], list[str]]:
    """Findings of every project rule; the tracebacks of those that failed (the others still run), and
    a line for each saying what failed, for its DET002."""
    findings: list[Finding] = []
    tracebacks: list[str] = []
    failures: list[str] = []
    for rule in rules:
        try:
            # A project rule judges side scripts by the runs that reach the code (`results_not_kept`); a
            # finding located in a test file is dropped, as a file rule's is.
            findings.extend(
                finding
                for finding in rule().check(index)
                if not is_run_hazard_outside_runs(finding.code, finding.path, project=True)
            )
        except Exception as error:  # noqa: BLE001 - one failing project rule must not hide the rest
            tracebacks.append(f"project rule {rule.code} ({rule.name}) failed:\n{traceback.format_exc()}")
            failures.append(
                f"project rule {rule.code} ({rule.name}) failed on this project: {type(error).__name__}: {error}"
            )
    return findings, tracebacks, failures

"""From one run to the audit: the project's entry points walked again from the run's own facts, the
environment read here, the baseline and probe files read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detlint.baseline import BaselineEntry, apply
from detlint.catalogs.loader import load_catalog
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import entry_states
from detlint.report.audit import Audit, BaselineComparison, checklist_rows, entry_audit
from detlint.report.environment import environment
from detlint.report.probe import load_probe

if TYPE_CHECKING:
    from detlint.api import RunResult
    from detlint.config import Settings


def build_audit(
    result: RunResult,
    settings: Settings,
    title: str,
    *,
    baseline: Sequence[BaselineEntry] | None = None,
    checked: Callable[[BaselineEntry], bool] = lambda _entry: True,
    probe_file: Path | None = None,
    installed_frameworks: Sequence[Mapping[str, Any]] = (),
) -> Audit:
    """The audit of a run made with `keep_project`. `checked` says which baseline entries this run
    looked at (only those can be fixed since); `installed_frameworks`: what the probe's workers report
    of the installed frameworks. Raises `ProbeFileError` for a bad probe file."""
    catalog = load_catalog()
    index = ProjectIndex.build(result.project_files, settings)
    findings = list(result.findings)
    shown = {source.display for source in result.files}
    states = entry_states(index)
    entry_paths = {state.entry.path for state in states}
    imported = {module.split(".")[0] for facts in index.files.values() for module in facts.imports}
    audit = Audit(
        project=title,
        findings=findings,
        entries=[entry_audit(state, findings, entry_paths) for state in states if state.entry.path in shown],
        environment=environment(catalog, index.dependencies),
        checklist=checklist_rows(catalog, findings),
        versions={
            package: judged
            for package, judged in result.versions.items()
            if package in imported or package.removesuffix("lib") in imported  # jaxlib: `import jax`
        },
        installed_frameworks=list(installed_frameworks),
    )
    if baseline is not None:
        outcome = apply(findings, baseline, checked=checked)
        audit.baseline = BaselineComparison(tuple(outcome.new), tuple(outcome.stale))
    if probe_file is not None:
        audit.probe, audit.probe_environments = load_probe(probe_file)
    return audit

"""From one run to the audit: the project's entry points walked again from the saved facts (mostly
from the cache the run just filled), the environment read here, the baseline and probe files read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from detlint.api import saved_project
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
    *,
    baseline: Sequence[BaselineEntry] | None = None,
    checked: Callable[[BaselineEntry], bool] = lambda _entry: True,
    probe_file: Path | None = None,
    use_cache: bool = True,
) -> Audit:
    """The audit of a run's findings. `checked` says which baseline entries this run looked at (only
    those can be fixed since). Raises `ProbeFileError` for a bad probe file."""
    catalog = load_catalog()
    index = ProjectIndex.build(saved_project(settings, use_cache=use_cache), settings)
    findings = list(result.findings)
    shown = {source.display for source in result.files}
    entries = [entry_audit(state, findings) for state in entry_states(index) if state.entry.path in shown]
    audit = Audit(
        project=settings.root.name or str(settings.root),
        findings=findings,
        entries=entries,
        environment=environment(catalog, index.dependency_files.values()),
        checklist=checklist_rows(catalog, findings),
        versions=result.versions,
    )
    if baseline is not None:
        outcome = apply(findings, baseline, checked=checked)
        audit.baseline = BaselineComparison(tuple(outcome.new), tuple(outcome.stale))
    if probe_file is not None:
        audit.probe, audit.probe_environments = load_probe(probe_file)
    return audit

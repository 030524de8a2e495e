"""What the per-file pass hands on: one file's result, and the options it depends on. Kept apart from
the engine so that reading results from the cache never loads the parser."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detlint.dependency_files import DependencyFile
    from detlint.facts.model import FileFacts
    from detlint.finding import Finding
    from detlint.notebook import NotebookModule
    from detlint.suppress import Suppression


@dataclass(frozen=True)
class AnalysisOptions:
    """Settings that change per-file results; part of the cache key."""

    max_file_size: int = 1024 * 1024
    deps: str = "ml"  # which packages an install in the code must pin (`deps` in the settings)
    # Hub revisions the project locks (`detlint-revisions.toml`, the Hub cache's refs in the project):
    # (kind, repository id, commit hash), sorted. Fixes write them in.
    locked_revisions: tuple[tuple[str, str, str], ...] = ()
    # The directories at the project's root (sorted): `checkpoints/bert` is local when `checkpoints` is one.
    root_entries: tuple[str, ...] = ()


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    facts: FileFacts | None = None
    dependencies: DependencyFile | None = None  # for dependency files (and setup.py)
    notebook: NotebookModule | None = None  # for notebooks: where each analysed line comes from
    tracebacks: list[str] = field(default_factory=list)  # internal errors, shown with --debug

    def report_part(self) -> FileResult:
        """The result without what only the project pass reads (facts, dependencies)."""
        return replace(self, facts=None, dependencies=None)

    def same_project_inputs(self, other: FileResult) -> bool:
        """Whether the project pass sees the two results alike."""
        return self.facts == other.facts and self.dependencies == other.dependencies

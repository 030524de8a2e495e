"""What several reporters share: 1-based positions, paths as CI systems expect them, notebook cells
named in messages, the rule index."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from detlint.finding import Finding, Span
from detlint.ignore import repository_root

if TYPE_CHECKING:
    from detlint.checks.index import RuleIndex


@dataclass(frozen=True)
class Region:
    """A span in the convention of editors, SARIF and GitHub: lines and columns start at 1, and
    `end_column` is the column just after the last flagged character."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def of(cls, span: Span) -> Region:
        return cls(span.line, span.column + 1, span.end_line, span.end_column + 1)


class RepositoryPaths:
    """Rewrites finding paths (relative to the project root) to be relative to the git work tree that
    holds the project, which is what GitHub and GitLab resolve annotations against when the project
    sits in a subdirectory of the repository. Without a root, paths stay as they are."""

    def __init__(self, root: Path | None) -> None:
        self.root = Path(os.path.abspath(root)) if root is not None else None
        self.base = repository_root(self.root) if self.root is not None else None

    def __call__(self, path: str) -> str:
        if self.root is None or self.base is None:  # (both or neither)
            return path
        try:
            return Path(os.path.abspath(self.root / path)).relative_to(self.base).as_posix()
        except ValueError:  # a file outside the repository keeps its own name
            return path


def located_message(finding: Finding) -> str:
    """The message, prefixed in a notebook with the cell and its line (`cell 3, line 2: ...`): CI
    annotations point at the line of the `.ipynb` file's JSON, which is not how anyone reads a
    notebook."""
    if finding.cell is None:
        return finding.message
    return f"cell {finding.cell[0]}, line {finding.cell[1]}: {finding.message}"


def rules_or_builtin(rules: RuleIndex | None) -> RuleIndex:
    """The rules the caller passed, else the built-in ones (imported late: the registry loads libcst,
    which `detlint --version` must not pay for)."""
    if rules is not None:
        return rules
    from detlint.registry import rule_index

    return rule_index()

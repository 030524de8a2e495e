"""What several reporters share: 1-based positions, notebook cells named in messages, the rule index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from detlint.finding import Finding, Span

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

"""Plain text, one `path:line:col: CODE message` line per finding (the shape editors and terminals
make clickable), optionally with a source frame and per-rule counts; colour as rich markup on request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from rich.markup import escape
from rich.text import Text

from detlint.finding import Finding, Severity

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}

SourceLines = Callable[[str], Sequence[str]]  # path -> its lines, for --show-source


def render(
    findings: Sequence[Finding],
    *,
    show_source: bool = False,
    statistics: bool = False,
    source_lines: SourceLines | None = None,
    color: bool = False,
    **_options: object,
) -> str:
    """Plain text, or rich console markup when `color` is set."""
    out: list[str] = []
    for finding in findings:
        out.append(_line(finding))
        if show_source and source_lines is not None:
            out.extend(_frame(finding, source_lines(finding.path)))
    if statistics and findings:
        out.append("")
        out.extend(_statistics(findings))
    if findings:
        files = len({finding.path for finding in findings})
        noun = "finding" if len(findings) == 1 else "findings"
        out.append(f"[bold]Found {len(findings)} {noun} in {files} file{'s' if files != 1 else ''}.[/bold]")
    rendered = "\n".join(out) + ("\n" if out else "")
    return rendered if color else Text.from_markup(rendered).plain


def _line(finding: Finding) -> str:
    span = finding.span
    # Notebook findings are shown by cell, as Jupyter shows code (nbQA's convention).
    line = f"cell {finding.cell[0]}:line {finding.cell[1]}" if finding.cell else str(span.line)
    location = escape(f"{finding.path}:{line}:{span.column + 1}:")
    style = _SEVERITY_STYLE[finding.severity]
    confidence = "" if finding.confidence.value == "high" else f" [dim]({finding.confidence.value} confidence)[/dim]"
    return f"[bold]{location}[/bold] [{style}]{finding.code}[/{style}] {escape(finding.message)}{confidence}"


def _frame(finding: Finding, lines: Sequence[str]) -> list[str]:
    span = finding.span
    if not 1 <= span.line <= len(lines):
        return []
    frame = []
    for number in range(max(1, span.line - 1), min(len(lines), span.end_line) + 1):
        frame.append(f"[dim]{number:>5} |[/dim] {escape(lines[number - 1].rstrip())}")
        if number == span.line:
            width = (span.end_column if span.end_line == span.line else len(lines[number - 1].rstrip())) - span.column
            frame.append(f"[dim]      |[/dim] {' ' * span.column}[red]{'^' * max(1, width)}[/red]")
    return [*frame, ""]


def _statistics(findings: Sequence[Finding]) -> list[str]:
    counts = Counter((finding.code, finding.name) for finding in findings)
    return [f"{count:>5}  {code}  {name}" for (code, name), count in sorted(counts.items())]

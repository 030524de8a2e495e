"""Text for people, in ruff's two layouts.

`concise`: one `path:line:col: CODE message` line per finding, the shape editors and terminals make
clickable. `full`: the message, then the flagged source with the range marked, each related location
(the entry point, the first use, the seeding helper) with its own source, the finding's detail and a
`help:` line saying what to do. Both end with a summary: the number of findings and files, the count
per rule and how many `--fix` (or `--fix --unsafe-fixes`) would fix, or "All checks passed.".

Output is built as rich `Text`, so nothing that comes from a rule or a file (`[project.scripts]`, a
line of source) is ever read as markup; with `color`, the result is rich markup of that text.
Notebook findings are shown by cell, with the cell's own lines, as Jupyter shows them.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text

from detlint.finding import Finding, Severity, Span

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}
_GUTTER = "blue"
# A long flagged range shows its first and last lines around a `...` row.
_MAX_FRAME_LINES = 6
_DETAIL_WIDTH = 100

# (path, notebook cell number or None) -> the lines to show: those of the file, or of that cell.
SourceLines = Callable[[str, int | None], Sequence[str]]


def render(
    findings: Sequence[Finding],
    *,
    full: bool = False,
    show_source: bool = False,
    statistics: bool = False,
    source_lines: SourceLines | None = None,
    color: bool = False,
    **_options: object,
) -> str:
    """`concise` text, or `full` with `full` (or `show_source`, its older name); rich markup when
    `color` is set, plain text otherwise."""
    out = Text()
    full = full or show_source
    for finding in findings:
        if full:
            _full(out, finding, source_lines)
        else:
            out.append_text(concise_line(finding))
            out.append("\n")
    if statistics and findings:
        if not full:
            out.append("\n")
        for (code, name), count in sorted(Counter((f.code, f.name) for f in findings).items()):
            out.append(f"{count:>5}  {code}  {name}\n")
        if full:
            out.append("\n")
    for line in summary_lines(findings):
        out.append(line, style="bold")
        out.append("\n")
    return out.markup if color else out.plain


def concise_line(finding: Finding) -> Text:
    """`path:line:col: CODE message`, with `(medium confidence)` after a finding that is not certain."""
    line = Text()
    line.append(f"{location(finding.path, finding.span, finding.cell, finding.cell_span)}:", style="bold")
    line.append(" ")
    line.append(finding.code, style=_SEVERITY_STYLE[finding.severity])
    line.append(" ")
    line.append(finding.message)
    if finding.confidence.value != "high":
        line.append(f" ({finding.confidence.value} confidence)", style="dim")
    return line


def location(path: str, span: Span, cell: tuple[int, int] | None = None, cell_span: Span | None = None) -> str:
    """`path:line:col` (1-based column); in a notebook `path:cell N:line M:col`, as nbQA writes it."""
    if cell is not None:
        column = (cell_span or span).column + 1
        return f"{path}:cell {cell[0]}:line {cell[1]}:{column}"
    return f"{path}:{span.line}:{span.column + 1}"


def summary_lines(findings: Sequence[Finding]) -> list[str]:
    """`Found 3 findings in 2 files: 1 DET101, 2 DET203.` and what the fixes would fix; on a clean
    run, `All checks passed.`"""
    if not findings:
        return ["All checks passed."]
    files = len({finding.path for finding in findings})
    counts = Counter(finding.code for finding in findings)
    per_code = ", ".join(f"{count} {code}" for code, count in sorted(counts.items()))
    lines = [f"Found {_count(len(findings), 'finding')} in {_count(files, 'file')}: {per_code}."]
    safe = sum(1 for finding in findings if finding.fix is not None and finding.fix.safe)
    unsafe = sum(1 for finding in findings if finding.fix is not None and not finding.fix.safe)
    if safe and unsafe:
        lines.append(f"{safe} fixable with `--fix` ({unsafe} more with `--fix --unsafe-fixes`).")
    elif safe:
        lines.append(f"{safe} fixable with `--fix`.")
    elif unsafe:
        lines.append(f"{unsafe} fixable with `--fix --unsafe-fixes`.")
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# -- full -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    arrow: str  # `-->` for the finding, `:::` for a related location
    path: str
    span: Span  # in the lines shown: the file's, or the notebook cell's
    cell: int | None
    where: str  # the location as text
    label: str = ""  # what a related location is


def _full(out: Text, finding: Finding, source_lines: SourceLines | None) -> None:
    out.append(finding.code, style=_SEVERITY_STYLE[finding.severity])
    out.append(" ")
    out.append(finding.message, style="bold")
    if finding.confidence.value != "high":
        out.append(f" ({finding.confidence.value} confidence)", style="dim")
    out.append("\n")
    places = [
        _Place("-->", finding.path, finding.cell_span or finding.span, finding.cell[0] if finding.cell else None,
               location(finding.path, finding.span, finding.cell, finding.cell_span)),
        *(
            _Place(":::", related.path, related.cell_span or related.span,
                   related.cell[0] if related.cell else None,
                   location(related.path, related.span, related.cell, related.cell_span), related.message)
            for related in finding.related
        ),
    ]  # fmt: skip
    frames = [(place, _frame_rows(_lines(source_lines, place.path, place.cell), place.span)) for place in places]
    width = max((len(number) for _, rows in frames for number, _, _ in rows), default=1)
    gutter = " " * (width + 1)
    for place, rows in frames:
        out.append(f"{gutter[:-1]}{place.arrow} ", style=_GUTTER)
        out.append(place.where)
        if place.label and not rows:
            out.append(f": {place.label}")
        out.append("\n")
        if not rows:
            continue
        out.append(f"{gutter}|\n", style=_GUTTER)
        label = place.label
        for number, text, marks in rows:
            out.append(f"{number:>{width}} |" + (" " if text else ""), style=_GUTTER)
            out.append(text)
            out.append("\n")
            if marks is not None:
                start, length = marks
                out.append(f"{gutter}| ", style=_GUTTER)
                out.append(" " * start + "^" * length + (f" {label}" if label else ""), style="red")
                out.append("\n")
                label = ""  # only under the first marked line
        out.append(f"{gutter}|\n", style=_GUTTER)
    if finding.detail:
        lead = f"{gutter}= note: "
        for line in textwrap.wrap(finding.detail, _DETAIL_WIDTH, initial_indent=lead,
                                  subsequent_indent=" " * len(lead), break_long_words=False,
                                  break_on_hyphens=False):  # fmt: skip
            out.append(line)
            out.append("\n")
    help_text = _help(finding)
    if help_text:
        out.append("help", style="bold cyan")
        out.append(f": {help_text}\n")
    out.append("\n")


def _help(finding: Finding) -> str:
    text = finding.help or (finding.fix.description if finding.fix is not None else "")
    if finding.fix is None:
        return text
    how = "`--fix`" if finding.fix.safe else "`--fix --unsafe-fixes`"
    return f"{text} (fixable with {how})" if text else f"fixable with {how}"


def _lines(source_lines: SourceLines | None, path: str, cell: int | None) -> Sequence[str]:
    if source_lines is None:
        return ()
    return source_lines(path, cell)


def _frame_rows(lines: Sequence[str], span: Span) -> list[tuple[str, str, tuple[int, int] | None]]:
    """(line number, text, marker (start, length) or None) for the line before the span and the span's
    lines, the middle of a long span left out; the first and last lines of the span are marked. Empty
    when the lines do not hold the span."""
    if not 1 <= span.line <= len(lines):
        return []
    last = min(max(span.end_line, span.line), len(lines))
    numbers = list(range(span.line, last + 1))
    if len(numbers) > _MAX_FRAME_LINES:
        numbers = [*numbers[:3], 0, *numbers[-2:]]
    rows: list[tuple[str, str, tuple[int, int] | None]] = []
    if span.line > 1:
        rows.append((str(span.line - 1), _display(lines[span.line - 2]), None))
    for number in numbers:
        if number == 0:
            rows.append(("", "...", None))
            continue
        raw = lines[number - 1].rstrip()
        if number not in (span.line, last):
            rows.append((str(number), _display(raw), None))
            continue
        begin = span.column if number == span.line else len(raw) - len(raw.lstrip())
        end = span.end_column if number == span.end_line else len(raw)
        start, stop = len(raw[:begin].expandtabs(4)), len(raw[:end].expandtabs(4))
        rows.append((str(number), _display(raw), (start, max(1, stop - start))))
    return rows


def _display(line: str) -> str:
    return line.rstrip().expandtabs(4)

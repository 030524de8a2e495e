"""Inline SVG charts for the audit page: no script, no remote resource."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from detlint.report.probe import ProbeRow

_BAR_HEIGHT = 18
_GAP = 10
_LABEL_WIDTH = 360
_BAR_WIDTH = 300


def probe_chart(rows: Sequence[ProbeRow]) -> str:
    """Per probed op, two bars: the share of runs whose outputs differed from the first run's (red)
    and deterministic mode's change in time, in % (blue when slower, green when faster; scaled to the
    largest change)."""
    measured = [row for row in rows if row.runs]
    if not measured:
        return ""
    largest_overhead = max((abs(row.overhead_percent or 0.0) for row in measured), default=0.0) or 1.0
    row_height = 2 * _BAR_HEIGHT + _GAP
    height = row_height * len(measured) + _GAP
    width = _LABEL_WIDTH + _BAR_WIDTH + 280  # room for the bars' labels
    parts = [
        f'<svg role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="Probe results per op">'
    ]
    for number, row in enumerate(measured):
        top = _GAP + number * row_height
        differing = (row.differing_runs or 0) / row.runs
        overhead = row.overhead_percent
        parts.append(
            f'<text x="0" y="{top + _BAR_HEIGHT - 4}" font-size="12">{escape(_shorten(row.op))}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{top}" width="{max(differing * _BAR_WIDTH, 1):.1f}" '
            f'height="{_BAR_HEIGHT - 2}" fill="#c0392b"><title>{row.differing_runs} of {row.runs} runs '
            f"differed</title></rect>"
            f'<text x="{_LABEL_WIDTH + max(differing * _BAR_WIDTH, 1) + 6:.1f}" y="{top + _BAR_HEIGHT - 4}" '
            f'font-size="12">{row.differing_runs}/{row.runs} runs differ</text>'
        )
        if overhead is not None:
            length = max(abs(overhead) / largest_overhead * _BAR_WIDTH, 1)
            parts.append(
                f'<rect x="{_LABEL_WIDTH}" y="{top + _BAR_HEIGHT}" width="{length:.1f}" height="{_BAR_HEIGHT - 2}" '
                f'fill="{"#2e6da4" if overhead >= 0 else "#2e8b57"}">'
                f"<title>deterministic mode: {overhead:+.0f}% time</title></rect>"
                f'<text x="{_LABEL_WIDTH + length + 6:.1f}" y="{top + 2 * _BAR_HEIGHT - 4}" font-size="12">'
                f"{overhead:+.0f}% time in deterministic mode</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _shorten(text: str, limit: int = 56) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

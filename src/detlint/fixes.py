"""Applying fixes to source text: every edit of every chosen fix, from the end of the file backwards
so earlier positions stay valid; an edit that overlaps one already applied is left for the next run.
Files are written whole or not at all (a temporary file renamed into place)."""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from detlint.finding import Edit, Finding


def chosen(findings: Iterable[Finding], *, unsafe: bool) -> list[Finding]:
    return [finding for finding in findings if finding.fix and (finding.fix.safe or unsafe) and finding.cell is None]


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, int]:
    """The text with the edits made, and how many were made."""
    starts = _line_starts(text)
    ordered = sorted(edits, key=lambda edit: (edit.span.line, edit.span.column, edit.span.end_line, edit.span.end_column))
    made = 0
    limit = len(text) + 1  # offset where the last applied edit began
    for edit in reversed(ordered):
        begin = starts[edit.span.line - 1] + edit.span.column
        end = starts[edit.span.end_line - 1] + edit.span.end_column
        if end > limit:
            continue  # overlaps a later edit
        text = text[:begin] + edit.text + text[end:]
        limit = begin
        made += 1
    return text, made


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def fix_file(path: Path, findings: list[Finding]) -> tuple[str, str, int]:
    """(old text, new text, fixes applied) for one file."""
    old = path.read_bytes().decode("utf-8")  # as the engine read it: line endings untouched
    edits = [edit for finding in findings for edit in finding.fix.edits]
    new, made = apply_edits(old, edits)
    return old, new, made


def write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".detlint")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def unified_diff(path: str, old: str, new: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"))

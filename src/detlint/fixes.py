"""Applying fixes to source text: every edit of every chosen fix, from the end of the file backwards
so earlier positions stay valid; an edit that overlaps one already applied is left for the next run.
In a notebook the edits change cells: each changed cell's `source` is rewritten in place in the JSON
text, spelled as the file spells it (one string per line or one string, its indentation, ASCII
escapes or not), and the rest of the file is left byte for byte. Files are written whole or not at
all (a temporary file renamed into place)."""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from detlint.finding import Edit, Finding
from detlint.notebook import SourceValue, source_values


def chosen(findings: Iterable[Finding], *, unsafe: bool) -> list[Finding]:
    return [finding for finding in findings if finding.fix and (finding.fix.safe or unsafe)]


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
    """(old text, new text, edits made) for one file."""
    old = path.read_bytes().decode("utf-8")  # as the engine read it: line endings untouched
    edits = [edit for finding in findings if finding.fix for edit in finding.fix.edits]
    if any(edit.cell is not None for edit in edits):
        return old, *_fix_notebook(old, edits)
    new, made = apply_edits(old, edits)
    return old, new, made


def _fix_notebook(raw: str, edits: list[Edit]) -> tuple[str, int]:
    values = source_values(raw)
    by_cell: dict[int, list[Edit]] = {}
    for edit in edits:
        if edit.cell in values:
            by_cell.setdefault(edit.cell, []).append(edit)
    made = 0
    splices = []
    for cell, cell_edits in by_cell.items():
        value = values[cell]
        old = "".join(json.loads(raw[start:end]) for start, end in value.strings)
        new, count = apply_edits(old, cell_edits)
        if new != old:
            splices.append((value.start, value.end, _spell_source(raw, value, new)))
            made += count
    for start, end, text in sorted(splices, reverse=True):
        raw = raw[:start] + text + raw[end:]
    json.loads(raw)  # a bug here must never write a broken notebook
    return raw, made


def _spell_source(raw: str, value: SourceValue, source: str) -> str:
    """A cell's new `source` value, written as the file writes the old one."""
    ascii_only = "\\u" in raw and all(ord(char) < 128 for char in raw)
    if not value.is_list:
        return json.dumps(source, ensure_ascii=ascii_only)
    parts = [json.dumps(line, ensure_ascii=ascii_only) for line in source.splitlines(keepends=True)]
    old = raw[value.start : value.end]
    if "\n" not in old or not value.strings:
        return "[" + (", " if ", " in old or not value.strings else ",").join(parts) + "]"
    if not parts:
        return "[]"
    first = value.strings[0][0]
    item_indent = raw[raw.rfind("\n", 0, first) + 1 : first]
    closing = raw[raw.rfind("\n", 0, value.end - 1) + 1 : value.end - 1]
    if item_indent.strip() or closing.strip():  # items or the bracket share lines: keep to one line
        return "[" + ", ".join(parts) + "]"
    line_break = "\r\n" if "\r\n" in old else "\n"
    return f"[{line_break}" + f",{line_break}".join(item_indent + part for part in parts) + line_break + closing + "]"


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

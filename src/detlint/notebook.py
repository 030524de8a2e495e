"""Jupyter notebooks as one Python module: the code cells in order, IPython magics and shell escapes
masked (a `pass` keeps the line and its indentation), and a map from each line of that module back
to its cell, its line in the cell, and where the `.ipynb` file's JSON spells it.

The map comes from a scan of the JSON text that records where each cell's `source` value and each of
its strings lie, so it holds for notebooks written one string per line (as Jupyter writes them), as
one string per cell, or all on one line. The same scan lets fixes rewrite just a cell's `source`.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass

from detlint.sources import Unreadable

# A line IPython reads at its start as a magic (`%magic`, `%%cell_magic`), a shell escape (`!cmd`), a
# help request (`??obj`) or an assignment from one (`files = !ls`); `obj?` help is told by the code's end.
_MAGIC = re.compile(r"^\s*(?:[%!]|\?\?|\w[\w.]*\s*=\s*[%!])")
_LEADING_INDENT = re.compile(r"^[ \t]+")
# Cell magics whose body is shell commands.
_SHELL_CELL_MAGICS = frozenset({"%%bash", "%%sh", "%%script", "%%system"})
# Cell magics that run their body as Python in the notebook's namespace (timing it, capturing its
# output, profiling it): the body is code like any other cell's.
_PYTHON_CELL_MAGICS = frozenset({"%%time", "%%timeit", "%%capture", "%%prun"})
# One decoded character of a JSON string's content: a surrogate pair, an escape, or a plain character.
_JSON_CHAR = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.|[^\\]", re.S)
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class CellLine:
    cell: int  # 1-based, counting every cell (as Jupyter shows execution order positions)
    line: int  # 1-based within the cell
    file_line: int  # 1-based line of the .ipynb file whose JSON string holds this source line (0 when unknown)
    file_column: int = 0  # 0-based column in that line where this source line's first character is spelled
    escaped: str = ""  # the source line as the JSON string spells it, from `file_column` on
    masked: bool = False  # an IPython line the module holds as `pass`: its text is not the cell's
    dedent: int = 0  # leading characters IPython removes (a cell indented as a whole): add to columns

    def file_column_of(self, column: int) -> int:
        """The column in the .ipynb file of the character at `column` of this source line."""
        if column <= 0:
            return self.file_column
        spelled = 0
        for count, match in enumerate(_JSON_CHAR.finditer(self.escaped), start=1):
            spelled = match.end()
            if count == column:
                break
        return self.file_column + spelled


@dataclass(frozen=True)
class NotebookModule:
    text: str
    lines: tuple[CellLine, ...]  # one per line of `text`

    def where(self, line: int) -> CellLine | None:
        return self.lines[line - 1] if 1 <= line <= len(self.lines) else None


@dataclass(frozen=True)
class SourceValue:
    """Where a cell's `source` lies in the notebook's JSON text: the whole value (`start` to `end`),
    whether it is a list of strings or one string, and each string token (from its opening quote to
    just after its closing one)."""

    start: int
    end: int
    is_list: bool
    strings: tuple[tuple[int, int], ...]


def notebook_module(data: bytes) -> NotebookModule:
    """The notebook's code cells as one Python module; empty for a notebook in another language (an R
    kernel's), which holds no Python."""
    raw, cells, python = _load(data)
    if not python:
        return NotebookModule("", ())
    values = source_values(raw)
    line_starts = _line_starts(raw)
    text_lines: list[str] = []
    where: list[CellLine] = []
    for number, cell in enumerate(cells, start=1):
        source = _source_lines(cell)
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or source is None:
            continue
        dedented, removed = _dedent(source)
        masked = _mask(dedented)
        value = values.get(number)
        spelled = _spelled_lines(raw, value, line_starts, source) if value is not None else []
        for index, line in enumerate(masked):
            file_line, file_column, escaped = spelled[index] if index < len(spelled) else (0, 0, "")
            text_lines.append(line)
            changed = line != dedented[index]
            where.append(CellLine(number, index + 1, file_line, file_column, escaped, changed, removed[index]))
    return NotebookModule("".join(f"{line}\n" for line in text_lines), tuple(where))


def _dedent(lines: list[str]) -> tuple[list[str], list[int]]:
    """IPython's first cleanups: blank lines at the cell's start are dropped, then, when the first line
    left is indented, that indentation is removed from every line that starts with it. The lines (the
    blank ones kept, so that line numbers hold), and how many characters each lost."""
    first = next((line for line in lines if line.strip()), "")
    match = _LEADING_INDENT.match(first)
    if match is None:
        return lines, [0] * len(lines)
    space = match.group(0)
    removed = [len(space) if line.startswith(space) else 0 for line in lines]
    return [line[count:] for line, count in zip(lines, removed)], removed


def cell_source_lines(data: bytes, cell: int) -> list[str]:
    """The lines of a cell's source as the notebook holds them (magics unmasked); empty when the
    notebook or the cell cannot be read."""
    try:
        _, cells, _ = _load(data)
    except Unreadable:
        return []
    if not 1 <= cell <= len(cells):
        return []
    return _source_lines(cells[cell - 1]) or []


def _load(data: bytes) -> tuple[str, list, bool]:
    """The notebook's JSON text, its cells, and whether it holds Python."""
    try:
        raw = data.decode("utf-8")
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", 1)
        raise Unreadable(f"not a valid notebook (JSON): {error}", line) from None
    except RecursionError:
        raise Unreadable("not a valid notebook (JSON): nested too deeply") from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise Unreadable("not a valid notebook: no `cells` list")
    return raw, cells, _python_kernel(document)


def _python_kernel(document: object) -> bool:
    """Whether the notebook's metadata says it runs Python (or says nothing of its language)."""
    metadata = document.get("metadata") if isinstance(document, dict) else None
    if not isinstance(metadata, dict):
        return True
    kernel = metadata.get("kernelspec") if isinstance(metadata.get("kernelspec"), dict) else {}
    info = metadata.get("language_info") if isinstance(metadata.get("language_info"), dict) else {}
    language = kernel.get("language") or info.get("name")
    # Spark's Python kernels (sparkmagic) name their language `pyspark`.
    return not isinstance(language, str) or language.lower().startswith(("python", "pyspark"))


def _source_lines(cell: object) -> list[str] | None:
    source = cell.get("source") if isinstance(cell, dict) else None
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        source = "".join(source)
    if not isinstance(source, str):
        return None
    return source.splitlines() or [""]


def _mask(lines: list[str]) -> list[str]:
    if lines and lines[0].split()[:1] and lines[0].split()[0] in _PYTHON_CELL_MAGICS:
        return [f"pass  # cell magic: {lines[0].strip()}", *_mask(lines[1:])]
    if lines and lines[0].lstrip().startswith("%%"):
        # A cell that runs its body in a shell keeps the text in a comment: a `%%bash` cell's
        # `pip install x` is read there. Other cell magics (`%%writefile`, `%%html`) run nothing of it.
        shell = lines[0].split()[0] in _SHELL_CELL_MAGICS
        body = [(f"pass  # cell: {line.strip()}" if shell else "pass") if line.strip() else "" for line in lines[1:]]
        return [f"pass  # cell magic: {lines[0].strip()}", *body]
    masked = []
    continued, indent = False, ""  # a magic whose line ends with `\` goes on in the next line
    python = _PythonLines()
    for line in lines:
        if continued or (not python.open and _is_magic(line, python)):
            indent = indent if continued else line[: len(line) - len(line.lstrip())]
            masked.append(f"{indent}pass  # IPython: {line.strip()}")
            continued = line.rstrip().endswith("\\")
        else:
            masked.append(line)
            python.read(line)
    return masked


def _is_magic(line: str, python: _PythonLines) -> bool:
    """A line IPython transforms: a magic or shell escape at its start, or a help request (`obj?`,
    `obj??`) ending its code (a `?` inside a comment or a string asks for nothing)."""
    if line.lstrip().startswith("#"):
        return False
    return bool(_MAGIC.search(line)) or python.code_of(line).rstrip().endswith("?")


class _PythonLines:
    """Reads Python lines one after another, enough to tell whether the statement goes on in the next
    line (an open bracket, a backslash at the end, an open triple-quoted string): a line inside a statement
    is never a magic, whatever it starts with (`% (a, b)` continuing a format)."""

    def __init__(self) -> None:
        self.depth = 0
        self.string = ""  # the open triple quote
        self.backslash = False

    @property
    def open(self) -> bool:
        return self.depth > 0 or bool(self.string) or self.backslash

    def code_of(self, line: str) -> str:
        """The line without its comment and with its strings' text blanked, read from a fresh state."""
        return _PythonLines()._scan(line, keep=True)

    def read(self, line: str) -> None:
        self._scan(line, keep=False)

    def _scan(self, line: str, *, keep: bool) -> str:
        code: list[str] = []
        index, length = 0, len(line)
        quote = ""
        while index < length:
            char = line[index]
            if self.string:
                if line.startswith(self.string, index):
                    index += 3
                    self.string = ""
                else:
                    index += 2 if char == "\\" else 1
                continue
            if quote:
                if char == "\\":
                    index += 2
                    continue
                if char == quote:
                    quote = ""
                    code.append(char)
                index += 1
                continue
            if char == "#":
                break
            if line.startswith(('"""', "'''"), index):
                self.string = line[index : index + 3]
                code.append(char)
                index += 3
                continue
            if char in "\"'":
                quote = char
                code.append(char)
            else:
                code.append(char)
                self.depth = max(0, self.depth + (char in "([{") - (char in ")]}"))
            index += 1
        text = "".join(code)
        self.backslash = text.rstrip().endswith("\\") and not self.string
        return text


# -- where the JSON text spells each source line --------------------------------------------------------


def _spelled_lines(
    raw: str, value: SourceValue, line_starts: list[int], lines: list[str]
) -> list[tuple[int, int, str]]:
    """(file line, file column, escaped text) of each source line of a cell: the position in the JSON
    text of the line's first character, and its spelling up to the end of the line or of its string."""
    offsets: list[int] = []  # the JSON offset of each decoded character of the source
    ends: list[int] = []  # the offset where the string holding that character ends (its closing quote)
    for start, end in value.strings:
        for match in _JSON_CHAR.finditer(raw, start + 1, end - 1):
            offsets.append(match.start())
            ends.append(end - 1)
    tail = value.strings[-1][1] - 1 if value.strings else value.start
    spelled = []
    decoded = 0
    source = "".join(json.loads(raw[start:end]) for start, end in value.strings)
    for text, line in zip(source.splitlines(keepends=True), lines):
        begin = offsets[decoded] if decoded < len(offsets) else tail
        stop_index = decoded + len(line)
        limit = ends[decoded] if decoded < len(ends) else tail
        stop = min(offsets[stop_index] if stop_index < len(offsets) else tail, limit)
        number = bisect.bisect_right(line_starts, begin)
        spelled.append((number, begin - line_starts[number - 1], raw[begin:max(begin, stop)]))
        decoded += len(text)
    return spelled


def _line_starts(raw: str) -> list[int]:
    return [0, *(match.end() for match in _LINE_BREAK.finditer(raw))]


def source_values(raw: str) -> dict[int, SourceValue]:
    """For each cell (numbered from 1) with a string or list `source`, where that value lies in the
    notebook's JSON text. Empty when the text is not a JSON object with a `cells` list."""
    try:
        return _source_values(raw)
    except (ValueError, IndexError):
        return {}


def _source_values(raw: str) -> dict[int, SourceValue]:
    top = _skip_space(raw, 0)
    if raw[top] != "{":
        return {}
    cells = None
    for key, start, _ in _members(raw, top):
        if key == "cells":
            cells = start  # the last one wins, as in json.loads
    if cells is None or raw[cells] != "[":
        return {}
    values = {}
    for number, (start, _) in enumerate(_items(raw, cells), start=1):
        if raw[start] != "{":
            continue
        source = None
        for key, value_start, value_end in _members(raw, start):
            if key == "source":
                source = (value_start, value_end)
        if source is None:
            continue
        value_start, value_end = source
        if raw[value_start] == '"':
            values[number] = SourceValue(value_start, value_end, False, ((value_start, value_end),))
        elif raw[value_start] == "[":
            strings = tuple((s, e) for s, e in _items(raw, value_start) if raw[s] == '"')
            values[number] = SourceValue(value_start, value_end, True, strings)
    return values


def _skip_space(raw: str, position: int) -> int:
    return _WHITESPACE.match(raw, position).end()  # type: ignore[union-attr]


def _string_end(raw: str, position: int) -> int:
    return json.decoder.scanstring(raw, position + 1)[1]  # type: ignore[attr-defined]


def _skip_value(raw: str, position: int) -> int:
    """The offset just after the JSON value that starts at `position`."""
    depth = 0
    while True:
        position = _skip_space(raw, position)
        char = raw[position]
        if char == '"':
            position = _string_end(raw, position)
        elif char in "[{":
            depth += 1
            position += 1
            continue
        elif char in "]}":
            depth -= 1
            position += 1
        elif char in ",:":
            position += 1
            continue
        else:
            scalar = _SCALAR.match(raw, position)
            if scalar is None:
                raise ValueError(f"unexpected {char!r} at {position}")
            position = scalar.end()
        if depth <= 0:
            return position


def _members(raw: str, position: int):
    """(key, value start, value end) of each member of the object at `position`."""
    position = _skip_space(raw, position + 1)
    if raw[position] == "}":
        return
    while True:
        key, position = json.decoder.scanstring(raw, position + 1)  # type: ignore[attr-defined]
        position = _skip_space(raw, position)  # at the colon
        start = _skip_space(raw, position + 1)
        end = _skip_value(raw, start)
        yield key, start, end
        position = _skip_space(raw, end)
        if raw[position] == "}":
            return
        position = _skip_space(raw, position + 1)


def _items(raw: str, position: int):
    """(start, end) of each item of the array at `position`."""
    position = _skip_space(raw, position + 1)
    if raw[position] == "]":
        return
    while True:
        end = _skip_value(raw, position)
        yield position, end
        position = _skip_space(raw, end)
        if raw[position] == "]":
            return
        position = _skip_space(raw, position + 1)

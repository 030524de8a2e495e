"""Jupyter notebooks as one Python module: the code cells in order, IPython magics and shell escapes
masked (a `pass` keeps the line and its indentation), and a map from each line of that module back
to its cell, its line in the cell, and its line in the `.ipynb` file itself."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from detlint.sources import Unreadable

# `%magic`, `%%cell_magic`, `!shell`, `obj?`/`??obj` help, `var = !cmd` / `var = %magic` captures.
_MAGIC = re.compile(r"^\s*(?:[%!]|\?\?|\w[\w.]*\s*=\s*[%!])|\?\s*$")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


@dataclass(frozen=True)
class CellLine:
    cell: int  # 1-based, counting every cell (as Jupyter shows execution order positions)
    line: int  # 1-based within the cell
    file_line: int  # 1-based line of the .ipynb file that holds this source line (0 when unknown)


@dataclass(frozen=True)
class NotebookModule:
    text: str
    lines: tuple[CellLine, ...]  # one per line of `text`

    def where(self, line: int) -> CellLine | None:
        return self.lines[line - 1] if 1 <= line <= len(self.lines) else None


def notebook_module(data: bytes) -> NotebookModule:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", 1)
        raise Unreadable(f"not a valid notebook (JSON): {error}", line) from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise Unreadable("not a valid notebook: no `cells` list")
    file_lines = _source_line_numbers(data.decode("utf-8"))
    text_lines: list[str] = []
    where: list[CellLine] = []
    for number, cell in enumerate(cells, start=1):
        source = _source_lines(cell)
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or source is None:
            continue
        masked = _mask(source)
        positions = file_lines.get(number - 1, [])
        for index, line in enumerate(masked):
            text_lines.append(line)
            where.append(CellLine(number, index + 1, positions[index] if index < len(positions) else 0))
    return NotebookModule("".join(f"{line}\n" for line in text_lines), tuple(where))


def _source_lines(cell: object) -> list[str] | None:
    source = cell.get("source") if isinstance(cell, dict) else None
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        source = "".join(source)
    if not isinstance(source, str):
        return None
    return source.splitlines() or [""]


def _mask(lines: list[str]) -> list[str]:
    if lines and lines[0].lstrip().startswith("%%"):
        return [f"pass  # cell magic: {lines[0].strip()}"] + ["pass" if line.strip() else "" for line in lines[1:]]
    masked = []
    for line in lines:
        if _MAGIC.search(line) and not line.lstrip().startswith("#"):
            indent = line[: len(line) - len(line.lstrip())]
            masked.append(f"{indent}pass  # IPython: {line.strip()}")
        else:
            masked.append(line)
    return masked


def _source_line_numbers(raw: str) -> dict[int, list[int]]:
    """For each cell (0-based), the .ipynb line of each of its source lines, as notebook files are
    written (`"source": [` then one JSON string per line). Cells written otherwise map to the line of
    their `"source"` key."""
    numbers: dict[int, list[int]] = {}
    cell = -1
    in_source = False
    for line_number, line in enumerate(raw.splitlines(), start=1):
        stripped = line.strip()
        if in_source:
            if _STRING.match(stripped):
                numbers.setdefault(cell, []).append(line_number)
                continue
            in_source = False
        if stripped.startswith('"cell_type"'):
            cell += 1
        elif stripped.startswith('"source"'):
            rest = stripped.split(":", 1)[1].strip()
            if rest == "[":
                in_source = True
            else:  # the whole source on this line
                numbers[cell] = [line_number] * max(1, len(_STRING.findall(rest)))
    return numbers

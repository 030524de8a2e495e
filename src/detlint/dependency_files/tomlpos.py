"""TOML: values from `tomllib`, positions from a small scanner.

`tomllib` gives no positions, so a second pass walks the (already validated) text and records where
each key's value is written: `("project", "dependencies", 2)` is the third string of
`[project] dependencies = [...]`, `("package", 4, "name")` the name of the fifth `[[package]]`.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from typing import Any

from detlint.dependency_files.records import Problem
from detlint.finding import Span

Path = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")
_ERROR_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def load(text: str) -> tuple[dict[str, Any] | None, Problem | None]:
    """The document, or the decoder's complaint with its line and column."""
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _ERROR_POSITION.search(message)
        line, column = (int(match.group(1)), int(match.group(2)) - 1) if match else (1, 0)
        message = message[: match.start()] if match else message
        return None, Problem(line, max(column, 0), f"not valid TOML: {message}")
    except (RecursionError, ValueError) as error:  # pragma: no cover - defensive
        return None, Problem(1, 0, f"not valid TOML: {error}")


class Positions:
    """Where each value is: `span(path)` for a value, `line(path)` for its first line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self.spans: dict[Path, tuple[int, int]] = {}
        try:
            _Scanner(text, self.spans).run()
        except (IndexError, ValueError, RecursionError):
            pass  # positions are best effort: a miss falls back to the table or line 1

    def _point(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index]

    def raw(self, path: Path) -> tuple[int, int] | None:
        """Start and end offsets of the value at `path`, if the scanner saw it."""
        return self.spans.get(tuple(path))

    def point(self, offset: int) -> tuple[int, int]:
        return self._point(offset)

    def span(self, path: Path) -> Span:
        """The value at `path`, or the nearest enclosing value or table that has a position."""
        for length in range(len(path), 0, -1):
            where = self.spans.get(tuple(path[:length]))
            if where is not None:
                start, end = where
                if length < len(path):  # only the container is known: point at its first line
                    end = start
                return Span(*self._point(start), *self._point(end))
        return Span(1, 0, 1, 0)


class _Scanner:
    def __init__(self, text: str, spans: dict[Path, tuple[int, int]]) -> None:
        self.text = text
        self.n = len(text)
        self.i = 0
        self.spans = spans
        self.table: Path = ()
        self.array_tables: dict[Path, int] = {}  # resolved path of a [[table]] -> its last index

    # -- low-level ------------------------------------------------------------------------------
    def skip(self, newlines: bool) -> None:
        while self.i < self.n:
            char = self.text[self.i]
            if char in " \t\r" or (newlines and char == "\n"):
                self.i += 1
            elif char == "#":
                end = self.text.find("\n", self.i)
                self.i = self.n if end < 0 else end
            else:
                return

    def key(self) -> list[str]:
        parts = []
        while True:
            self.skip(False)
            char = self.text[self.i]
            if char in "\"'":
                start = self.i
                self.string()
                parts.append(tomllib.loads(f"k = {self.text[start:self.i]}")["k"])
            else:
                match = _BARE_KEY.match(self.text, self.i)
                if not match:
                    raise ValueError("expected a key")
                parts.append(match.group())
                self.i = match.end()
            self.skip(False)
            if self.i < self.n and self.text[self.i] == ".":
                self.i += 1
                continue
            return parts

    def string(self) -> None:
        quote = self.text[self.i]
        if self.text.startswith(quote * 3, self.i):
            end = self.text.find(quote * 3, self.i + 3)
            while quote == '"' and end > 0 and _escaped(self.text, end):
                end = self.text.find(quote * 3, end + 1)
            if end < 0:
                raise ValueError("unterminated string")
            end += 3
            while end < self.n and self.text[end] == quote:  # up to two quotes may end the content
                end += 1
            self.i = end
            return
        j = self.i + 1
        while j < self.n and self.text[j] != quote:
            j += 2 if quote == '"' and self.text[j] == "\\" else 1
        self.i = j + 1

    # -- structure --------------------------------------------------------------------------------
    def resolve(self, keys: list[str]) -> Path:
        """A header's path with the current index of every array of tables along it."""
        path: list[str | int] = []
        for key in keys:
            path.append(key)
            index = self.array_tables.get(tuple(path))
            if index is not None:
                path.append(index)
        return tuple(path)

    def run(self) -> None:
        while True:
            self.skip(True)
            if self.i >= self.n:
                return
            start = self.i
            if self.text.startswith("[[", self.i):
                self.i += 2
                keys = self.key()
                self.i += 2  # ]]
                parent = self.resolve(keys[:-1])
                base = (*parent, keys[-1])
                index = self.array_tables.get(base, -1) + 1
                self.array_tables[base] = index
                # deeper arrays of tables restart under a new parent element
                for other in [path for path in self.array_tables if path[: len(base)] == base and path != base]:
                    del self.array_tables[other]
                self.table = (*base, index)
                self.spans[self.table] = (start, self.i)
            elif self.text[self.i] == "[":
                self.i += 1
                keys = self.key()
                self.i += 1  # ]
                self.table = self.resolve(keys)
                self.spans.setdefault(self.table, (start, self.i))
            else:
                self.pair(self.table)

    def pair(self, base: Path) -> None:
        keys = self.key()
        self.skip(False)
        if self.text[self.i] != "=":
            raise ValueError("expected =")
        self.i += 1
        path = (*base, *keys)
        for length in range(len(base) + 1, len(path)):  # dotted keys define their tables here
            self.spans.setdefault(path[:length], (self.i, self.i))
        self.value(path)

    def value(self, path: Path) -> None:
        self.skip(False)
        start = self.i
        char = self.text[self.i]
        if char in "\"'":
            self.string()
        elif char == "[":
            self.i += 1
            index = 0
            while True:
                self.skip(True)
                if self.text[self.i] == "]":
                    self.i += 1
                    break
                self.value((*path, index))
                index += 1
                self.skip(True)
                if self.text[self.i] == ",":
                    self.i += 1
        elif char == "{":
            self.i += 1
            while True:
                self.skip(False)
                if self.text[self.i] == "}":
                    self.i += 1
                    break
                self.pair(path)
                self.skip(False)
                if self.text[self.i] == ",":
                    self.i += 1
        else:
            match = _SCALAR_END.search(self.text, self.i)
            end = match.start() if match else self.n
            self.i = end
            while self.i > start and self.text[self.i - 1] in " \t\r":
                self.i -= 1
        self.spans[path] = (start, self.i)


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def string_locator(positions: Positions, path: Path, value: str):
    """The span of the string at `path`, and a function from offsets in its value to positions:
    exact for a one-line string without escapes, else its opening quote."""
    span = positions.span(path)
    raw = positions.raw(path)
    if raw is not None:
        start, end = raw
        literal = positions.text[start:end]
        quote = literal[:1]
        if quote in "\"'" and not literal.startswith(quote * 3) and literal[1:-1] == value:
            line, column = positions.point(start + 1)
            return span, lambda offset: (line, column + min(max(offset, 0), len(value)))
    return span, lambda offset: (span.line, span.column)

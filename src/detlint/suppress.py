"""Suppression comments: `# noqa[: CODES]`, `# detlint: ignore[CODES]` and `# detlint: file-ignore[CODES]`.

A trailing comment covers every line of the statement it ends (a multi-line call can be silenced on
any of its lines); a `# detlint: ignore[...]` alone on a line covers the statement below it. Selectors
are codes, code prefixes (`DET2`) or rule names (`cudnn-benchmark`).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass

from detlint.finding import Edit, Finding, Span

_NOQA = re.compile(r"#\s*noqa(?::\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
_DETLINT = re.compile(r"#\s*detlint:\s*(?P<kind>ignore|file-ignore)\[(?P<selectors>[^\]]*)\]", re.I)
_HINT = re.compile(r"noqa|detlint:", re.I)
# The first lines of a file that must stay first: a shebang, a coding declaration.
_PREAMBLE = re.compile(r"#!|#.*coding[:=]")


@dataclass(frozen=True)
class Suppression:
    kind: str  # "noqa", "ignore" or "file"
    line: int  # where the comment is
    column: int
    applies_to: int  # the line whose statement it covers (0 for file-wide)
    selectors: tuple[str, ...] | None  # None: a blanket `# noqa`

    def covers(self, finding: Finding) -> bool:
        if self.kind == "file":
            return True
        first, last = finding.statement_lines or (finding.span.line, finding.span.line)
        return first <= self.applies_to <= last


def selector_matches(selector: str, code: str, name: str) -> bool:
    selector = selector.strip()
    if selector.upper().startswith("DET"):
        return code.startswith(selector.upper())
    return selector.lower() == name


def parse_suppressions(text: str, *, python: bool = True) -> list[Suppression]:
    """Suppressions in Python source, or (`python=False`) in a `#`-commented data file such as
    requirements.txt, TOML or YAML."""
    if not _HINT.search(text):
        return []
    comments = list(_comments(text) if python else _hash_comments(text))
    code_lines = _code_lines(text)
    found: list[Suppression] = []
    for line, column, comment, own_line in comments:
        for match in _DETLINT.finditer(comment):
            selectors = tuple(part.strip() for part in match.group("selectors").split(",") if part.strip())
            if match.group("kind").lower() == "file-ignore":
                found.append(Suppression("file", line, column, 0, selectors))
            else:
                target = _next_code_line(code_lines, line) if own_line else line
                found.append(Suppression("ignore", line, column, target, selectors))
        noqa = _NOQA.search(comment)
        if noqa:
            codes = noqa.group("codes")
            selectors = tuple(re.split(r"[,\s]+", codes.upper().strip())) if codes else None
            found.append(Suppression("noqa", line, column, line, selectors))
    return found


def _comments(text: str) -> Iterable[tuple[int, int, str, bool]]:
    """(line, column, comment text, whether the comment is alone on its line)."""
    lines = text.splitlines()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                line, column = token.start
                yield line, column, token.string, not lines[line - 1][:column].strip()
    except (tokenize.TokenError, SyntaxError, IndexError):
        return


def _hash_comments(text: str) -> Iterable[tuple[int, int, str, bool]]:
    """`#` comments of data files: a `#` at the start of a line or after white space, outside quotes
    (what requirements, TOML and YAML files have in common)."""
    for number, line in enumerate(text.splitlines(), start=1):
        quote = None
        for column, char in enumerate(line):
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#" and (column == 0 or line[column - 1].isspace()):
                yield number, column, line[column:], not line[:column].strip()
                break


def _code_lines(text: str) -> list[int]:
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _next_code_line(code_lines: list[int], line: int) -> int:
    return next((number for number in code_lines if number > line), line)


@dataclass(frozen=True)
class UnusedSuppression:
    suppression: Suppression
    selector: str


def apply_suppressions(
    findings: list[Finding], suppressions: list[Suppression]
) -> tuple[list[Finding], list[UnusedSuppression]]:
    """Split findings into those that stay, and list every explicit selector that silenced nothing."""
    used: set[tuple[int, str]] = set()
    kept = []
    for finding in findings:
        silenced = False
        for index, suppression in enumerate(suppressions):
            if not suppression.covers(finding):
                continue
            if suppression.selectors is None:
                silenced = True
                continue
            for selector in suppression.selectors:
                if selector_matches(selector, finding.code, finding.name):
                    used.add((index, selector))
                    silenced = True
        if not silenced:
            kept.append(finding)
    unused = [
        UnusedSuppression(suppression, selector)
        for index, suppression in enumerate(suppressions)
        for selector in suppression.selectors or ()
        if (index, selector) not in used
    ]
    return kept, unused


def line_ignore_edit(text: str, line: int, code: str) -> Edit:
    """The edit that silences `code` on `line` of Python source: the code added to the line's own
    `# detlint: ignore[...]` comment, else such a comment at the end of the line."""
    own = [comment for comment in _comments(text) if comment[0] == line and not comment[3]]
    for _, column, comment, _ in own:
        match = next((m for m in _DETLINT.finditer(comment) if m.group("kind").lower() == "ignore"), None)
        if match is not None:
            return _added_selector(line, column + match.end() - 1, match.group("selectors"), code)
    content = text.splitlines()[line - 1].rstrip() if line <= len(text.splitlines()) else ""
    return Edit(Span(line, len(content), line, len(content)), f"  # detlint: ignore[{code}]")


def file_ignore_edit(text: str, code: str) -> Edit:
    """The edit that silences `code` in the whole file: the code added to its `# detlint:
    file-ignore[...]` comment, else such a comment on a line of its own at the top (below a shebang
    and a coding declaration)."""
    for line, column, comment, _ in _comments(text):
        match = next((m for m in _DETLINT.finditer(comment) if m.group("kind").lower() == "file-ignore"), None)
        if match is not None:
            return _added_selector(line, column + match.end() - 1, match.group("selectors"), code)
    lines = text.splitlines()
    top = next((number for number, line in enumerate(lines[:2]) if not _PREAMBLE.match(line)), min(len(lines), 2))
    newline = "\r\n" if "\r\n" in text else "\n"
    return Edit(Span(top + 1, 0, top + 1, 0), f"# detlint: file-ignore[{code}]{newline}")


def _added_selector(line: int, column: int, selectors: str, code: str) -> Edit:
    """`code` inserted before the `]` at `column` that closes the selectors of a comment."""
    separator = ", " if selectors.strip() else ""
    return Edit(Span(line, column, line, column), f"{separator}{code}")

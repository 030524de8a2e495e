"""Git's ignore rules without git: `.gitignore` files and `.git/info/exclude`, with git's pattern syntax.

Each pattern compiles to one regular expression over a `/`-separated path relative to the directory
its rule file sits in. The same patterns serve the `exclude` and `per-file-ignores` settings, which are
relative to the project root.

Git decides path by path: a pattern speaks for what it matches itself, the nearest `.gitignore` with
a pattern matching the path decides, and nothing inside an excluded directory is looked at. The
`pathspec` package judges a path as a whole, its directories' matches included, so it answers
otherwise where that shows: it ignores `out/a.py` under `out/**/`, keeps `gen/keep.py` under `gen`
then `!*.py`, and, one spec per `.gitignore`, lets a nested `!cache/` keep `cache/gen_x.py` that an
outer `gen_*.py` ignores. `tests/test_discovery.py` holds these cases with git's answers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# Character classes git accepts inside brackets (`[[:digit:]]`), as Python class contents.
_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern; `regex` matches a whole path relative to the pattern's base directory."""

    text: str
    regex: re.Pattern[str]
    negated: bool  # `!pattern`: a match re-includes
    dir_only: bool  # `pattern/`: matches directories only

    def matches(self, path: str, is_dir: bool) -> bool:
        """Whether the glob matches this path itself; applying `negated` is the caller's business."""
        return (is_dir or not self.dir_only) and self.regex.fullmatch(path) is not None

    def matches_path(self, path: str) -> bool:
        """Whether the glob matches the file `path` or one of its parent directories."""
        return any(self.matches(parent, True) for parent in ancestors(path)) or self.matches(path, False)


def parse_line(line: str) -> Pattern | None:
    """One line of a rule file as a pattern; None for blank lines, comments and a bare `!` or `/`."""
    text = _trim_trailing_spaces(line)
    if not text or text.startswith("#"):
        return None
    negated = text.startswith("!")
    body = text[1:] if negated else text
    dir_only = body.endswith("/")
    body = body.rstrip("/")
    anchored = "/" in body  # a slash anywhere but at the end ties the pattern to its base directory
    body = body.lstrip("/")
    if not body:
        return None
    glob = _translate(body)
    regex = glob if anchored else f"(?:.*/)?{glob}"
    return Pattern(text, re.compile(regex, re.DOTALL), negated, dir_only)


def compile_pattern(text: str) -> Pattern:
    """A pattern from the settings: gitignore syntax, but an empty pattern or a comment is an error."""
    pattern = parse_line(text)
    if pattern is None:
        raise ValueError(f"{text!r} is not a path pattern")
    return pattern


def verdict(patterns: Sequence[Pattern], path: str, is_dir: bool) -> bool | None:
    """What the last matching pattern says (True: ignore, False: re-include); None if none matches."""
    for pattern in reversed(patterns):
        if pattern.matches(path, is_dir):
            return not pattern.negated
    return None


def ancestors(path: str) -> Iterator[str]:
    """The parent directories of a relative path, outermost first: `a`, `a/b` for `a/b/c`."""
    parts = path.split("/")
    return ("/".join(parts[:depth]) for depth in range(1, len(parts)))


def repository_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding `.git` (a directory, or a file in worktrees and
    submodules); `start` itself outside any repository."""
    start = Path(os.path.abspath(start))
    return next((directory for directory in (start, *start.parents) if (directory / ".git").exists()), start)


class IgnoreRules:
    """Git's ignore rules for the tree under `root`. A directory's `.gitignore` is read the first time a
    path below it is asked about; `.git/info/exclude` ranks below every `.gitignore`, as in git."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self._exclude = _read_patterns(self.root / ".git" / "info" / "exclude")
        self._files: dict[str, tuple[Pattern, ...]] = {}  # directory relative to root -> its patterns
        self._directories: dict[str, bool] = {}  # directory relative to root -> its own verdict

    def is_ignored(self, path: Path, is_dir: bool) -> bool:
        """What git says: the path is ignored if it or one of its parent directories is, so a negated
        pattern cannot re-include a file inside an ignored directory."""
        relative = self._relative(path)
        if relative is None:
            return False
        return any(map(self._directory_ignored, ancestors(relative))) or self._decide(relative, is_dir)

    def matches(self, path: Path, is_dir: bool) -> bool:
        """The path's own verdict, for walkers that never descend into ignored directories."""
        relative = self._relative(path)
        return relative is not None and self._decide(relative, is_dir)

    def matches_relative(self, relative: str, is_dir: bool) -> bool:
        """`matches` for a path already made relative to the root (with forward slashes)."""
        return self._decide(relative, is_dir)

    def relative(self, path: Path) -> str | None:
        """The path relative to root with forward slashes; "" for root, None outside it."""
        absolute = Path(os.path.abspath(path))
        return "" if absolute == self.root else self._relative(absolute)

    def _relative(self, path: Path) -> str | None:
        """The path relative to root; None for root itself and for paths outside it."""
        absolute = Path(os.path.abspath(path))
        if absolute == self.root or not absolute.is_relative_to(self.root):
            return None
        return absolute.relative_to(self.root).as_posix()

    def _directory_ignored(self, relative: str) -> bool:
        if relative not in self._directories:
            self._directories[relative] = self._decide(relative, True)
        return self._directories[relative]

    def _decide(self, relative: str, is_dir: bool) -> bool:
        parts = relative.split("/")
        for depth in range(len(parts) - 1, -1, -1):  # the nearest .gitignore first
            found = verdict(self._patterns_in("/".join(parts[:depth])), "/".join(parts[depth:]), is_dir)
            if found is not None:
                return found
        return bool(verdict(self._exclude, relative, is_dir))

    def _patterns_in(self, directory: str) -> tuple[Pattern, ...]:
        if directory not in self._files:
            self._files[directory] = _read_patterns(self.root / directory / ".gitignore")
        return self._files[directory]


def _read_patterns(file: Path) -> tuple[Pattern, ...]:
    try:
        # surrogateescape: undecodable bytes stay as os.scandir reports them in file names.
        text = file.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:  # absent, a directory, unreadable: no rules, as for git
        return ()
    lines = (line.removesuffix("\r") for line in text.split("\n"))
    return tuple(pattern for pattern in map(parse_line, lines) if pattern is not None)


def _trim_trailing_spaces(line: str) -> str:
    """Drop trailing spaces, keeping one escaped with a backslash (`foo\\ `)."""
    trimmed = line.rstrip(" ")
    backslashes = len(trimmed) - len(trimmed.rstrip("\\"))
    return trimmed + " " if trimmed != line and backslashes % 2 == 1 else trimmed


def _translate(glob: str) -> str:
    """Regex source for a glob; `**` as a whole segment spans directories, elsewhere it is `*`."""
    segments = glob.split("/")
    parts = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            # `a/**` matches everything inside `a`; `**/b` and `a/**/b` allow zero or more directories.
            parts.append(".+" if last else "(?:.*/)?")
        else:
            parts.append(_translate_segment(segment) + ("" if last else "/"))
    return "".join(parts)


def _translate_segment(segment: str) -> str:
    parts: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        index += 1
        if char == "*":
            if parts[-1:] != ["[^/]*"]:  # runs of stars mean one star; repeating it only adds backtracking
                parts.append("[^/]*")
        elif char == "?":
            parts.append("[^/]")
        elif char == "[" and (bracket := _translate_bracket(segment, index)) is not None:
            regex, index = bracket
            parts.append(regex)
        elif char == "\\" and index < len(segment):
            parts.append(re.escape(segment[index]))
            index += 1
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _translate_bracket(segment: str, start: int) -> tuple[str, int] | None:
    """Translate `[...]` whose contents begin at `start`: the regex and the index after `]`, or None
    when the bracket is never closed (then `[` is literal)."""
    index = start
    negated = segment[index : index + 1] in ("!", "^")
    index += negated
    members: list[str] = []
    while index < len(segment):
        char = segment[index]
        if char == "]" and index > start + negated:  # `]` first in the brackets is a member
            body = "".join(members)
            if negated:
                return f"[^/{body}]", index + 1
            return (f"(?!/)[{body}]" if body else "(?!)"), index + 1  # brackets never match `/`
        if char == "[" and segment.startswith(":", index + 1):
            end = segment.find(":]", index + 2)
            if end >= 0 and segment[index + 2 : end] in _POSIX_CLASSES:
                members.append(_POSIX_CLASSES[segment[index + 2 : end]])
                index = end + 2
                continue
        low, index = _bracket_char(segment, index)
        if segment[index : index + 1] == "-" and segment[index + 1 : index + 2] not in ("", "]"):
            high, index = _bracket_char(segment, index + 1)
            if low <= high:  # a reversed range matches nothing
                members.append(f"{re.escape(low)}-{re.escape(high)}")
        else:
            members.append(re.escape(low))
    return None


def _bracket_char(segment: str, index: int) -> tuple[str, int]:
    """The bracket member at `index`, with a backslash escape resolved, and the index after it."""
    if segment[index] == "\\" and index + 1 < len(segment):
        return segment[index + 1], index + 2
    return segment[index], index + 1

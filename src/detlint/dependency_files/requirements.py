"""pip requirements files (`requirements*.txt`, `*.in`, constraints, pip-compile and pip freeze
output) and the pip-style lines other formats embed (conda's `pip:` list, PDM dev-dependencies).

pip's reading order is followed: a trailing backslash joins the next line (a comment line ends the
join), a `#` at the start or after white space starts a comment, option lines start with `-`, and a
requirement line's own options (`--hash`) follow the requirement.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name

from detlint.dependency_files.pep508 import (
    RequirementError,
    looks_like_path,
    looks_like_url,
    name_from_link,
    parse_requirement,
    vcs_of,
    vcs_revision,
)
from detlint.dependency_files.records import DependencyFile, Include, Option, Problem, Requirement
from detlint.finding import Span, one_line

_COMMENT = re.compile(r"(^|\s+)#.*$")
_TOKEN = re.compile(r"\S+")
_NAMED_URL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")

# Options pip accepts in a requirements file (pip docs, "Requirements File Format").
_INCLUDES = {"-r": "requirement", "--requirement": "requirement", "-c": "constraint", "--constraint": "constraint"}
_EDITABLE = ("-e", "--editable")
_VALUE_OPTIONS = {
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "--no-binary": "--no-binary",
    "--only-binary": "--only-binary",
    "--trusted-host": "--trusted-host",
    "--use-feature": "--use-feature",
}
_FLAG_OPTIONS = ("--no-index", "--pre", "--prefer-binary", "--require-hashes")
# Options that may follow a requirement on its line.
_PER_REQUIREMENT = ("--hash", "--global-option", "--config-settings", "-C")
# File-level options pip applies even after a requirement: their parser callbacks write into the
# package finder's settings as the line is read (`--no-binary`, `--only-binary`).
_APPLIED_AFTER_REQUIREMENT = ("--no-binary", "--only-binary")

Locate = Callable[[int], tuple[int, int]]  # offset in a logical line -> (line, column)


@dataclass
class Collected:
    """What lines yield, gathered by a parser before it freezes them into a DependencyFile."""

    requirements: list[Requirement] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def freeze(self, display: str, format: str, **extra: object) -> DependencyFile:
        return DependencyFile(
            path=display,
            format=format,
            requirements=tuple(self.requirements),
            includes=tuple(self.includes),
            options=tuple(self.options),
            problems=tuple(self.problems),
            **extra,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class LogicalLine:
    text: str
    origins: tuple[tuple[int, int], ...]  # (line, column) of every character
    first_line: int
    last_line: int

    def locate(self, offset: int) -> tuple[int, int]:
        if not self.origins:
            return self.first_line, 0
        if offset >= len(self.origins):
            line, column = self.origins[-1]
            return line, column + 1
        return self.origins[max(offset, 0)]


def logical_lines(text: str) -> list[LogicalLine]:
    """Physical lines joined at trailing backslashes, comments removed, blank lines dropped."""
    result = []
    pending: list[tuple[str, int]] = []  # (physical text without the backslash, line number)
    for number, line in enumerate(text.splitlines(), start=1):
        comment_line = bool(_COMMENT.match(line))
        if line.endswith("\\") and not comment_line:
            pending.append((line[:-1], number))
            continue
        pending.append((line, number))
        chars: list[str] = []
        origins: list[tuple[int, int]] = []
        for physical, physical_number in pending:
            chars.append(physical)
            origins.extend((physical_number, column) for column in range(len(physical)))
        joined = "".join(chars)
        first, last = pending[0][1], pending[-1][1]
        pending = []
        match = _COMMENT.search(joined)
        if match:
            joined = joined[: match.start()]
        if joined.strip():
            result.append(LogicalLine(joined, tuple(origins[: len(joined)]), first, last))
    if pending:  # a backslash on the last line: pip reads what came before it
        joined = "".join(physical for physical, _ in pending)
        origins = [(number, column) for physical, number in pending for column in range(len(physical))]
        match = _COMMENT.search(joined)
        joined = joined[: match.start()] if match else joined
        if joined.strip():
            result.append(LogicalLine(joined, tuple(origins[: len(joined)]), pending[0][1], pending[-1][1]))
    return result


def leading_comments(text: str, limit: int = 40) -> str:
    """The comment block a file starts with (where generators write their banner)."""
    header = []
    for line in text.splitlines()[:limit]:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        header.append(stripped)
    return "\n".join(header).strip()


def parse_requirements_file(display: str, text: str) -> DependencyFile:
    collected = Collected()
    for line in logical_lines(text):
        parse_line(line.text, line.locate, collected, "requirements", (line.first_line, line.last_line))
    return collected.freeze(display, "requirements", header=leading_comments(text))


def _span(locate: Locate, start: int, end: int) -> Span:
    line, column = locate(start)
    end_line, end_column = locate(end - 1) if end > start else (line, column)
    return Span(line, column, end_line, end_column + (1 if end > start else 0))


def parse_line(
    text: str,
    locate: Locate,
    collected: Collected,
    section: str,
    statement_lines: tuple[int, int] | None = None,
    *,
    allow_options: bool = True,
) -> None:
    """One logical line: an option, an include, or a requirement with its own options."""
    tokens = [(match.start(), match.end(), match.group()) for match in _TOKEN.finditer(text)]
    if not tokens:
        return
    start, _, first = tokens[0]
    if first.startswith("-"):
        if not allow_options and not first.startswith(_EDITABLE):
            line, column = locate(start)
            collected.problems.append(Problem(line, column, f"`{first}` is not a requirement"))
            return
        _option_line(text, tokens, locate, collected, section, statement_lines)
        return
    # The requirement runs up to the first token that starts with `-` (pip's own split).
    cut = next((index for index, token in enumerate(tokens) if token[2].startswith("-") and index), len(tokens))
    end = tokens[cut - 1][1]
    hashes, ok = _requirement_options(text, tokens[cut:], locate, collected)
    if not ok:
        return
    requirement = build_requirement(
        text[start:end], start, locate, section, statement_lines, collected, hashes=hashes
    )
    if requirement is not None:
        collected.requirements.append(requirement)


def _split_option(token: str) -> tuple[str, str | None]:
    """`--index-url=URL` -> ("--index-url", "URL"); `-rfile` -> ("-r", "file"); `--pre` -> ("--pre", None)."""
    if token.startswith("--"):
        name, sep, value = token.partition("=")
        return name, value if sep else None
    if len(token) > 2:
        return token[:2], token[2:].lstrip("=")
    return token, None


def _option_line(
    text: str,
    tokens: list[tuple[int, int, str]],
    locate: Locate,
    collected: Collected,
    section: str,
    statement_lines: tuple[int, int] | None,
) -> None:
    start, end, token = tokens[0]
    name, value = _split_option(token)
    value_start = start + len(token) - len(value) if value is not None else None
    rest = tokens[1:]
    line, column = locate(start)
    if name in _EDITABLE or name in _INCLUDES or name in _VALUE_OPTIONS:
        if value is None or value == "":
            if not rest:
                collected.problems.append(Problem(line, column, f"`{name}` needs a value"))
                return
            value_start = rest[0][0]
            value = text[value_start:].strip() if name in _EDITABLE else rest[0][2]
            rest = rest[1:] if name not in _EDITABLE else []
        elif name in _EDITABLE:
            value = text[value_start:].strip()
            rest = []
        assert value_start is not None
        if rest:
            extra = text[rest[0][0] :].strip()
            collected.problems.append(Problem(line, column, f"unexpected text after `{name} {value}`: `{extra}`"))
            return
        if name in _EDITABLE:
            requirement = build_requirement(
                value, value_start, locate, section, statement_lines, collected, editable=True
            )
            if requirement is not None:
                collected.requirements.append(requirement)
        elif name in _INCLUDES:
            span = _span(locate, start, value_start + len(value))
            collected.includes.append(Include(_INCLUDES[name], value, span))
        else:
            collected.options.append(Option(_VALUE_OPTIONS[name], value, _span(locate, start, value_start + len(value))))
        return
    if name in _FLAG_OPTIONS and value is None and not rest:
        collected.options.append(Option(name, "", _span(locate, start, end)))
        return
    if name in _PER_REQUIREMENT:
        collected.problems.append(Problem(line, column, f"`{name}` must follow a requirement on its line"))
        return
    collected.problems.append(Problem(line, column, f"pip does not accept the option `{name}` in a requirements file"))


def _requirement_options(
    text: str, tokens: list[tuple[int, int, str]], locate: Locate, collected: Collected
) -> tuple[tuple[str, ...], bool]:
    hashes: list[str] = []
    index = 0
    while index < len(tokens):
        start, _, token = tokens[index]
        name, value = _split_option(token) if token.startswith("--") else (token, None)
        if name not in _PER_REQUIREMENT:
            line, column = locate(start)
            if name in _APPLIED_AFTER_REQUIREMENT and name in _VALUE_OPTIONS:
                if value is None and index + 1 < len(tokens):
                    index += 1
                    value = tokens[index][2]
                end = tokens[index][1]
                collected.options.append(Option(_VALUE_OPTIONS[name], value or "", _span(locate, start, end)))
                index += 1
                continue
            if token.startswith("--") and (name in _VALUE_OPTIONS or name in _FLAG_OPTIONS or name in _INCLUDES):
                # pip parses it, keeps the requirement and drops the option (only per-requirement
                # options count on a requirement's line).
                message = f"pip ignores `{name}` after a requirement: write it on a line of its own"
                collected.problems.append(Problem(line, column, message))
                takes_value = value is None and name not in _FLAG_OPTIONS
                index += 2 if takes_value else 1
                continue
            message = (
                f"`{token}` is not a version specifier: pip reads it as an option and rejects it"
                if not token.startswith("--")
                else f"pip does not accept the option `{name}` after a requirement"
            )
            collected.problems.append(Problem(line, column, message))
            return (), False
        if value is None:
            index += 1
            if index >= len(tokens):
                line, column = locate(start)
                collected.problems.append(Problem(line, column, f"`{name}` needs a value"))
                return (), False
            value = tokens[index][2]
        if name == "--hash":
            if not re.fullmatch(r"(sha256|sha384|sha512):[0-9a-fA-F]+", value):
                line, column = locate(start)
                collected.problems.append(
                    Problem(line, column, f"`--hash={value}` is not `sha256:`, `sha384:` or `sha512:` and a hex digest")
                )
                return (), False
            hashes.append(value)
        index += 1
    return tuple(hashes), True


def build_requirement(
    text: str,
    offset: int,
    locate: Locate,
    section: str,
    statement_lines: tuple[int, int] | None,
    collected: Collected,
    *,
    editable: bool = False,
    hashes: tuple[str, ...] = (),
    strict: bool = False,
) -> Requirement | None:
    """A requirement from pip-style text: PEP 508, a URL, or a local path (`strict`: PEP 508 only,
    as in pyproject and setup files). Problems go to `collected`."""
    text = text.rstrip()
    span = _span(locate, offset, offset + len(text))
    common = dict(span=span, text=one_line(text), section=section, statement_lines=statement_lines)
    named_url = _NAMED_URL.match(text)
    if not strict and not named_url and (looks_like_url(text) or editable or looks_like_path(text)):
        return _link_requirement(text, editable, hashes, common)
    try:
        parsed = parse_requirement(text)
    except RequirementError as error:
        line, column = locate(offset + error.offset)
        collected.problems.append(Problem(line, column, f"invalid requirement `{' '.join(text.split())}`: {error.message}"))
        return None
    span = _span(locate, offset + parsed.name_start, offset + parsed.end)
    common["span"] = span
    if parsed.url:
        vcs = vcs_of(parsed.url)
        kind = "vcs" if vcs else "path" if parsed.url.startswith(("file:", ".", "/")) else "url"
        return Requirement(
            name=parsed.name,
            key=canonicalize_name(parsed.name),
            specifier="",
            clauses=(),
            extras=parsed.extras,
            marker=parsed.marker,
            url=parsed.url,
            kind=kind,
            revision=vcs_revision(parsed.url) if vcs else "",
            editable=editable,
            hashes=hashes,
            **common,
        )
    return Requirement(
        name=parsed.name,
        key=canonicalize_name(parsed.name),
        specifier=parsed.specifier,
        clauses=parsed.clauses,
        extras=parsed.extras,
        marker=parsed.marker,
        editable=editable,
        hashes=hashes,
        **common,
    )


def _link_requirement(text: str, editable: bool, hashes: tuple[str, ...], common: dict) -> Requirement:
    marker = ""
    if "; " in text:  # pip splits a URL or path from its marker at "; "
        text, marker = (part.strip() for part in text.split("; ", 1))
    extras: tuple[str, ...] = ()
    match = re.match(r"(.*?)\[([^\]]*)\]$", text)
    if match and not looks_like_url(text):
        text, extras = match.group(1), tuple(part.strip() for part in match.group(2).split(",") if part.strip())
    vcs = vcs_of(text)
    is_path = not vcs and (text.startswith("file:") or not looks_like_url(text))
    name = name_from_link(text) if not is_path or text.lower().endswith((".whl", ".tar.gz", ".zip")) else ""
    name = name or (re.split(r"[\[=<>!~ ]", (text.split("#egg=", 1)[1]), maxsplit=1)[0] if "#egg=" in text else "")
    return Requirement(
        name=name,
        key=canonicalize_name(name),
        specifier="",
        clauses=(),
        extras=extras,
        marker=marker,
        url=text,
        kind="vcs" if vcs else "path" if is_path else "url",
        revision=vcs_revision(text) if vcs else "",
        editable=editable,
        hashes=hashes,
        **common,
    )

"""PEP 508 requirement strings, PEP 440 version clauses and environment markers, split into their
parts as written, with the offsets parsers need for positions.

Whether a clause or a marker is valid is decided by `packaging` (`Specifier`, `Marker`), which pip
reads them with. What stays here is what `packaging` does not give: the parts as written, where each
starts, and what is wrong and where, in words a finding can show (its errors carry no position).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from packaging.markers import Marker
from packaging.specifiers import InvalidSpecifier, Specifier
from packaging.version import Version

from detlint.dependency_files.records import Clause

NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_OPERATOR = re.compile(r"===|==|!=|~=|<=|>=|<|>")
_VERSION_CHARS = re.compile(r"[A-Za-z0-9_.*+!-]+")

# The variables of the marker grammar, to name an unknown one when `packaging` rejects a marker.
MARKER_VARIABLES = frozenset(
    {
        "python_version", "python_full_version", "os_name", "sys_platform", "platform_release",
        "platform_system", "platform_version", "platform_machine", "platform_python_implementation",
        "implementation_name", "implementation_version", "extra", "extras", "dependency_groups",
        # legacy spellings packaging still accepts
        "os.name", "sys.platform", "platform.version", "platform.machine",
        "platform.python_implementation", "python_implementation",
    }
)  # fmt: skip

VCS_SCHEMES = ("git", "hg", "svn", "bzr")
ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")


class RequirementError(ValueError):
    """Why a requirement string is invalid; `offset` is where, within the string."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def is_version(text: str) -> bool:
    """Whether `text` is a PEP 440 version and nothing else (`packaging` allows white space around it)."""
    if text != text.strip():
        return False
    try:
        Version(text)
    except ValueError:  # InvalidVersion, or a number too long to convert
        return False
    return True


def release_parts(version: str) -> int:
    """How many numbers the release segment starts with: `2.1.0` has 3, `1.26` has 2, `1.26.*` and
    conda's `1.26.4_cuda` too, which are no PEP 440 versions, hence a pattern and not `packaging`."""
    match = re.match(r"v?(?:[0-9]+!)?([0-9]+(?:\.[0-9]+)*)", version, re.I)
    return match.group(1).count(".") + 1 if match else 0


@dataclass(frozen=True)
class ParsedRequirement:
    name: str
    name_start: int
    extras: tuple[str, ...]
    specifier: str
    clauses: tuple[Clause, ...]
    marker: str
    url: str
    end: int  # offset just past the requirement (trailing white space excluded)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t":
        position += 1
    return position


def parse_requirement(text: str) -> ParsedRequirement:
    """A PEP 508 requirement (`name[extras] specifier ; marker` or `name[extras] @ url ; marker`)."""
    position = _skip_space(text, 0)
    match = NAME.match(text, position)
    if not match:
        raise RequirementError("expected a package name", position)
    name, name_start = match.group(), position
    position = _skip_space(text, match.end())
    extras: list[str] = []
    if position < len(text) and text[position] == "[":
        close = text.find("]", position)
        if close < 0:
            raise RequirementError("unclosed `[` in the extras", position)
        inner = text[position + 1 : close]
        for part in inner.split(","):
            part = part.strip()
            if not part and inner.strip():
                raise RequirementError("empty extra name between commas", position)
            if part and not NAME.fullmatch(part):
                raise RequirementError(f"invalid extra name `{part}`", position)
            if part:
                extras.append(part)
        position = _skip_space(text, close + 1)
    url = specifier = marker = ""
    clauses: tuple[Clause, ...] = ()
    if position < len(text) and text[position] == "@":
        position = _skip_space(text, position + 1)
        url_end = position
        while url_end < len(text) and not text[url_end].isspace():
            url_end += 1
        url = text[position:url_end]
        if not url:
            raise RequirementError("expected a URL after `@`", position)
        position = _skip_space(text, url_end)
        end = url_end
        if position < len(text) and text[position] == ";" and url_end < position:
            marker = text[position + 1 :].strip()
            _check_marker(marker, position + 1)
            end = len(text.rstrip())
        elif position < len(text) and text[position] == ";":
            raise RequirementError("a marker after a URL needs a space before the `;`", position)
        elif position < len(text):
            raise RequirementError(f"unexpected text after the URL: `{text[position:].strip()}`", position)
        return ParsedRequirement(name, name_start, tuple(extras), "", (), marker, url, end)
    end = position
    if position < len(text) and text[position] not in ";":
        parenthesized = text[position] == "("
        spec_start = position + 1 if parenthesized else position
        spec_end = len(text)
        semicolon = text.find(";", spec_start)
        if parenthesized:
            spec_end = text.find(")", spec_start)
            if spec_end < 0:
                raise RequirementError("unclosed `(` around the version specifier", position)
        elif semicolon >= 0:
            spec_end = semicolon
        specifier = text[spec_start:spec_end].strip()
        clauses = parse_specifier(specifier, spec_start, name)
        position = _skip_space(text, spec_end + 1 if parenthesized else spec_end)
        end = spec_end + 1 if parenthesized else spec_start + len(text[spec_start:spec_end].rstrip())
    if position < len(text) and text[position] == ";":
        marker = text[position + 1 :].strip()
        _check_marker(marker, position + 1)
        end = len(text.rstrip())
    elif position < len(text):
        raise RequirementError(f"unexpected text: `{text[position:].strip()}`", position)
    return ParsedRequirement(name, name_start, tuple(extras), specifier, clauses, marker, "", end)


def parse_specifier(specifier: str, offset: int = 0, name: str = "") -> tuple[Clause, ...]:
    """PEP 440 clauses separated by commas; an empty specifier has none."""
    if not specifier.strip():
        return ()
    clauses = []
    position = 0
    parts = specifier.split(",")
    if len(parts) > 1 and not parts[-1].strip():
        parts.pop()  # a trailing comma is accepted (as packaging does)
    for part in parts:
        stripped = part.strip()
        where = offset + position + (len(part) - len(part.lstrip()))
        position += len(part) + 1
        if not stripped:
            raise RequirementError("empty version clause between commas", where)
        clauses.append(parse_clause(stripped, where, name))
    return tuple(clauses)


def parse_clause(clause: str, offset: int = 0, name: str = "") -> Clause:
    match = _OPERATOR.match(clause)
    if not match:
        if clause.startswith("=") and not clause.startswith("=="):
            fixed = f"{name}=={clause[1:].strip()}" if name else f"=={clause[1:].strip()}"
            raise RequirementError(f"`=` is not a version operator (conda syntax): write `{fixed}`", offset)
        if is_version(clause):
            raise RequirementError(f"a version needs an operator: write `=={clause}`", offset)
        raise RequirementError(f"invalid version specifier `{clause}`", offset)
    operator = match.group()
    version = clause[match.end() :].strip()
    if not version:
        raise RequirementError(f"expected a version after `{operator}`", offset)
    if not _is_specifier(operator, version):
        raise RequirementError(_clause_problem(operator, version), offset)
    return Clause(operator, version)


def _is_specifier(operator: str, version: str) -> bool:
    try:
        Specifier(f"{operator} {version}")  # the space keeps `== ==1` from reading as `=== =1`
    except InvalidSpecifier:
        return False
    return True


def _clause_problem(operator: str, version: str) -> str:
    """Why `packaging` rejects a clause. Operators differ in what they take after the release
    numbers: `==`/`!=` a `.*` wildcard or a `+local` label, `~=` needs two release numbers, the
    ordered comparisons take neither; `===` takes any text but white space, `;` and `)`."""
    if operator == "===" or not _VERSION_CHARS.fullmatch(version):
        return f"invalid version `{version}`"
    if operator == "~=" and _is_specifier(">=", version):
        return f"`~=` needs at least two release numbers, got `{version}`"
    if operator in ("<", "<=", ">", ">=") and _is_specifier("==", version):
        return f"`{operator}` takes neither a `.*` wildcard nor a `+local` label"
    return f"`{version}` is not a PEP 440 version"


# -- environment markers ---------------------------------------------------------------------------
_MARKER_TOKEN = re.compile(
    r"\s*(?:(?P<paren>[()])|(?P<string>'[^']*'|\"[^\"]*\")|(?P<op>===|==|!=|~=|<=|>=|<|>)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)


def _check_marker(marker: str, offset: int) -> None:
    if not marker:
        raise RequirementError("expected an environment marker after `;`", offset)
    try:
        Marker(marker)
    except (ValueError, SyntaxError):  # InvalidMarker; before 26 also ast's errors on a quoted string
        raise _marker_problem(marker, offset) from None


def _marker_problem(marker: str, offset: int) -> RequirementError:
    """What is wrong with a marker `packaging` rejects, read with PEP 508's marker grammar: the
    first token that does not fit, or else the whole marker."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while marker[position:].strip():
        match = _MARKER_TOKEN.match(marker, position)
        if not match:
            return RequirementError(f"invalid environment marker near `{marker[position:].strip()}`", offset + position)
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    try:
        _MarkerParser(tokens, marker, offset).disjunction()
    except RequirementError as problem:
        return problem
    return RequirementError(f"invalid environment marker `{marker}`", offset)


class _MarkerParser:
    def __init__(self, tokens: list[tuple[str, str]], marker: str, offset: int) -> None:
        self.tokens, self.marker, self.offset, self.index = tokens, marker, offset, 0

    def _fail(self, what: str) -> RequirementError:
        return RequirementError(f"invalid environment marker `{self.marker}`: {what}", self.offset)

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("", "")

    def disjunction(self) -> None:
        self.conjunction()
        while self._peek() == ("word", "or"):
            self.index += 1
            self.conjunction()

    def conjunction(self) -> None:
        self.expression()
        while self._peek() == ("word", "and"):
            self.index += 1
            self.expression()

    def expression(self) -> None:
        if self._peek() == ("paren", "("):
            self.index += 1
            self.disjunction()
            if self._peek() != ("paren", ")"):
                raise self._fail("unclosed `(`")
            self.index += 1
            return
        self.value()
        kind, text = self._peek()
        if kind == "op" or (kind == "word" and text == "in"):
            self.index += 1
        elif (kind, text) == ("word", "not"):
            self.index += 1
            if self._peek() != ("word", "in"):
                raise self._fail("expected `in` after `not`")
            self.index += 1
        else:
            raise self._fail("expected a comparison operator")
        self.value()

    def value(self) -> None:
        kind, text = self._peek()
        if kind == "string":
            self.index += 1
        elif kind == "word" and text in MARKER_VARIABLES:
            self.index += 1
        elif kind == "word":
            raise self._fail(f"unknown variable `{text}`")
        else:
            raise self._fail("expected a variable or a quoted string")


# -- URLs and paths ----------------------------------------------------------------------------------
def vcs_of(url: str) -> str:
    """"git", "hg", "svn" or "bzr" for `git+https://...` and the like, else ""."""
    scheme = url.split(":", 1)[0].lower()
    prefix = scheme.split("+", 1)[0]
    return prefix if "+" in scheme and prefix in VCS_SCHEMES else ""


def looks_like_url(text: str) -> bool:
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", text)) or bool(vcs_of(text)) or text.startswith("file:")


def looks_like_path(text: str) -> bool:
    """What pip installs as a local path: `.`/`..`, `./x`, `/abs`, `~/x`, `C:\\x`, `dir/sub`,
    or an archive file name."""
    head = re.split(r"[\[;\s]", text, maxsplit=1)[0]
    return (
        head.startswith((".", "/", "~", "\\"))
        or bool(re.match(r"[A-Za-z]:[\\/]", head))
        or "/" in head
        or "\\" in head
        or head.lower().endswith(ARCHIVE_SUFFIXES)
    )


def vcs_revision(url: str) -> str:
    """The `@ref` of a VCS URL (`git+https://host/o/r.git@v1.0#egg=x` gives `v1.0`), "" if none."""
    body = url.split("#", 1)[0]
    body = body.split("+", 1)[1] if "+" in body.split(":", 1)[0] else body
    if "://" in body:
        parts = urlsplit(body)
        path = parts.path
    else:  # scp-like `git@host:org/repo.git@ref`
        path = body.split(":", 1)[1] if ":" in body else body
    return unquote(path.rsplit("@", 1)[1]) if "@" in path else ""


def url_fragment(url: str) -> dict[str, str]:
    """`#egg=name&subdirectory=x&sha256=...` as a mapping."""
    if "#" not in url:
        return {}
    fragment = url.split("#", 1)[1]
    pairs = (part.split("=", 1) for part in fragment.split("&") if "=" in part)
    return {key.lower(): value for key, value in pairs}


def name_from_link(url: str) -> str:
    """The package a URL installs, when it says: `#egg=name`, or a wheel/sdist file name."""
    egg = url_fragment(url).get("egg", "")
    if egg:
        return re.split(r"[\[=<>!~ ]", egg, maxsplit=1)[0]
    filename = unquote(url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])
    if filename.lower().endswith(".whl"):
        return filename.split("-", 1)[0]
    for suffix in ARCHIVE_SUFFIXES:
        if filename.lower().endswith(suffix):
            stem = filename[: -len(suffix)]
            match = re.match(r"(.+?)-v?[0-9][^-]*$", stem)
            return match.group(1) if match else ""
    return ""


def version_from_link(url: str) -> str:
    """The version a wheel or sdist file name carries (`torch-2.0.0%2Bcu118-cp310-...whl` gives
    `2.0.0+cu118`), "" when the URL does not say."""
    filename = unquote(url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])
    if filename.lower().endswith(".whl"):
        parts = filename.split("-")
        return parts[1] if len(parts) >= 5 else ""
    for suffix in ARCHIVE_SUFFIXES:
        if filename.lower().endswith(suffix):
            match = re.match(r".+?-(v?[0-9][^-]*)$", filename[: -len(suffix)])
            return match.group(1) if match and is_version(match.group(1)) else ""
    return ""

"""A dependency-free subset of PEP 440: version numbers and version specifiers.

detlint reads versions from lock files, requirement pins and its own catalogs, and must not depend
on `packaging` being installed in the environment it checks. What is supported:

- `Version.parse("1!2.4.0rc1.post2.dev3+cu121")`: epoch, release, pre-release (a/b/rc and their
  spellings alpha/beta/c/pre/preview), post-release (`.post1`, `-1`, `rev`/`r`), development release
  and local label, normalised as PEP 440 says. Local labels are kept for display but ignored when
  versions are compared: `2.4.0+cu121 == 2.4.0`.
- `SpecifierSet.parse(">=1.8,<2.1")` with `==`, `==X.*`, `!=`, `!=X.*`, `<`, `<=`, `>`, `>=`, `~=`,
  `===`; `contains(version)` follows PEP 440's matching rules. A version that is already pinned is
  "present on the system", so pre-releases are matched like any other version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import total_ordering

_PRE_SPELLINGS = {"a": "a", "alpha": "a", "b": "b", "beta": "b", "c": "rc", "rc": "rc", "pre": "rc", "preview": "rc"}
_PRE_ORDER = {"a": 0, "b": 1, "rc": 2}

_VERSION = re.compile(
    r"""
    v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?:[-_.]?(?P<pre_letter>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_number>[0-9]+)?)?
    (?:-(?P<post_implicit>[0-9]+)|[-_.]?(?P<post_letter>post|rev|r)[-_.]?(?P<post_number>[0-9]+)?)?
    (?:[-_.]?(?P<dev_marker>dev)[-_.]?(?P<dev>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    """,
    re.VERBOSE | re.IGNORECASE,
)

# Sorts before and after every integer in comparison keys.
_BOTTOM = (-1,)
_TOP = (float("inf"),)


_PARSED: dict[str, Version] = {}  # text -> parsed version


@total_ordering
@dataclass(frozen=True, eq=False)
class Version:
    """A parsed PEP 440 version. Compare with `<`, `==` etc.; the local label takes no part."""

    epoch: int
    release: tuple[int, ...]
    pre: tuple[str, int] | None = None
    post: int | None = None
    dev: int | None = None
    local: str | None = None

    @classmethod
    def parse(cls, text: str) -> Version:
        if isinstance(text, str) and text in _PARSED:
            return _PARSED[text]  # the same few versions are asked for again and again
        if not isinstance(text, str):
            raise ValueError(f"a version must be a string, got {text!r}")
        match = _VERSION.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"invalid version {text!r}: expected a PEP 440 version such as '2.4.0'")
        parts = match.groupdict()
        version = cls(
            epoch=int(parts["epoch"] or 0),
            release=tuple(int(part) for part in parts["release"].split(".")),
            pre=_pre_release(parts["pre_letter"], parts["pre_number"]),
            post=_post_release(parts["post_implicit"], parts["post_letter"], parts["post_number"]),
            dev=int(parts["dev"] or 0) if parts["dev_marker"] else None,
            local=_normalise_local(parts["local"]),
        )
        _PARSED[text] = version
        return version

    @property
    def public(self) -> str:
        text = f"{self.epoch}!" if self.epoch else ""
        text += ".".join(str(part) for part in self.release)
        if self.pre:
            text += f"{self.pre[0]}{self.pre[1]}"
        if self.post is not None:
            text += f".post{self.post}"
        if self.dev is not None:
            text += f".dev{self.dev}"
        return text

    @property
    def base(self) -> Version:
        """The final release this version leads to or follows: `2.1.0rc1` and `2.1.0.post1` -> `2.1.0`."""
        return Version(self.epoch, self.release)

    @property
    def is_prerelease(self) -> bool:
        return self.pre is not None or self.dev is not None

    @property
    def is_postrelease(self) -> bool:
        return self.post is not None

    def __str__(self) -> str:
        return f"{self.public}+{self.local}" if self.local else self.public

    def _release_key(self) -> tuple:
        """Epoch, release and pre-release: what a version and its post-releases share."""
        return self._key()[:3]

    def _key(self) -> tuple:
        release = list(self.release)
        while len(release) > 1 and release[-1] == 0:
            release.pop()  # 1.0 == 1.0.0
        if self.pre is not None:
            pre: tuple = (_PRE_ORDER[self.pre[0]], self.pre[1])
        elif self.dev is not None and self.post is None:
            pre = _BOTTOM  # 1.0.dev1 sorts before 1.0a1
        else:
            pre = _TOP
        post = _BOTTOM if self.post is None else (self.post,)
        dev = _TOP if self.dev is None else (self.dev,)
        return (self.epoch, tuple(release), pre, post, dev)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())


def _pre_release(letter: str | None, number: str | None) -> tuple[str, int] | None:
    return None if letter is None else (_PRE_SPELLINGS[letter.lower()], int(number or 0))


def _post_release(implicit: str | None, letter: str | None, number: str | None) -> int | None:
    if implicit is not None:
        return int(implicit)
    return None if letter is None else int(number or 0)


def _normalise_local(local: str | None) -> str | None:
    return None if local is None else re.sub(r"[-_]", ".", local.lower())


def _version(value: Version | str) -> Version:
    return value if isinstance(value, Version) else Version.parse(value)


# -- specifiers --------------------------------------------------------------------------------------

_OPERATORS = ("===", "~=", "==", "!=", "<=", ">=", "<", ">")
_SPECIFIER = re.compile(r"\s*(?P<operator>===|~=|==|!=|<=|>=|<|>)\s*(?P<version>[A-Za-z0-9][^\s,;]*)\s*")


@dataclass(frozen=True)
class Specifier:
    """One clause such as `>=1.8` or `==2.*`."""

    operator: str
    version: str  # as written (normalised), `2.*` keeps its wildcard

    @classmethod
    def parse(cls, text: str) -> Specifier:
        match = _SPECIFIER.fullmatch(text)
        if match is None:
            raise ValueError(
                f"invalid version specifier {text.strip()!r}: expected an operator "
                f"({', '.join(_OPERATORS)}) followed by a version"
            )
        operator, version = match.group("operator"), match.group("version")
        if operator == "===":
            return cls(operator, version)
        wildcard = version.endswith(".*")
        if wildcard and operator not in ("==", "!="):
            raise ValueError(f"invalid version specifier {text.strip()!r}: '.*' is allowed only with == and !=")
        parsed = _parse_in_specifier(text, version[:-2] if wildcard else version)
        _check_clause(text, operator, parsed, wildcard)
        return cls(operator, f"{parsed}.*" if wildcard else str(parsed))

    @property
    def is_wildcard(self) -> bool:
        return self.version.endswith(".*")

    def contains(self, version: Version | str) -> bool:
        candidate = _version(version)
        if self.operator == "===":
            return str(candidate).lower() == self.version.lower()
        if self.is_wildcard:
            matched = _prefix_match(candidate, Version.parse(self.version[:-2]))
            return matched if self.operator == "==" else not matched
        target = Version.parse(self.version)
        return _COMPARE[self.operator](candidate, target)

    def __str__(self) -> str:
        return f"{self.operator}{self.version}"


def _parse_in_specifier(text: str, version: str) -> Version:
    try:
        return Version.parse(version)
    except ValueError:
        raise ValueError(f"invalid version specifier {text.strip()!r}: {version!r} is not a version") from None


def _check_clause(text: str, operator: str, version: Version, wildcard: bool) -> None:
    problem = None
    if version.local and operator not in ("==", "!="):
        problem = "a local version label is allowed only with == and !="
    elif wildcard and (version.local or version.is_prerelease or version.is_postrelease):
        problem = "a '.*' prefix must be release numbers only, such as ==2.1.*"
    elif operator == "~=" and len(version.release) < 2:
        problem = "~= needs at least two release segments (~=2.1, not ~=2)"
    if problem:
        raise ValueError(f"invalid version specifier {text.strip()!r}: {problem}")


def _prefix_match(candidate: Version, prefix: Version) -> bool:
    """`==2.1.*`: the candidate's public version starts with the prefix (release padded with zeros)."""
    if candidate.epoch != prefix.epoch:
        return False
    width = len(prefix.release)
    return (candidate.release + (0,) * width)[:width] == prefix.release


def _equal(candidate: Version, target: Version) -> bool:
    if target.local is not None:
        return candidate == target and candidate.local == target.local
    return candidate == target


def _less(candidate: Version, target: Version) -> bool:
    # PEP 440: `<2.0` must not match 2.0's own pre-releases (2.0rc1, 2.0.dev1), unless 2.0 is itself
    # one; the first of them is 2.0.dev0.
    if target.is_prerelease:
        return candidate < target
    return candidate < Version(target.epoch, target.release, post=target.post, dev=0)


def _greater(candidate: Version, target: Version) -> bool:
    # PEP 440: `>1.7` must not match 1.7's post-releases (1.7.post1), unless 1.7 is itself one.
    if not candidate > target:
        return False
    is_post_of_target = candidate.post is not None and candidate._release_key() == target._release_key()
    return target.post is not None or target.dev is not None or not is_post_of_target


def _compatible(candidate: Version, target: Version) -> bool:
    prefix = Version(target.epoch, target.release[:-1])
    return candidate >= target and _prefix_match(candidate, prefix)


_COMPARE = {
    "==": _equal,
    "!=": lambda candidate, target: not _equal(candidate, target),
    "<": _less,
    "<=": lambda candidate, target: candidate <= target,
    ">": _greater,
    ">=": lambda candidate, target: candidate >= target,
    "~=": _compatible,
}


@dataclass(frozen=True)
class SpecifierSet:
    """Comma-separated clauses that must all hold; the empty set contains every version."""

    specifiers: tuple[Specifier, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SpecifierSet:
        if not isinstance(text, str):
            raise ValueError(f"a version specifier must be a string, got {text!r}")
        if not text.strip():
            return cls()
        return cls(tuple(Specifier.parse(clause) for clause in text.split(",")))

    def contains(self, version: Version | str) -> bool:
        candidate = _version(version)
        return all(specifier.contains(candidate) for specifier in self.specifiers)

    def __contains__(self, version: Version | str) -> bool:
        return self.contains(version)

    def __iter__(self) -> Iterator[Specifier]:
        return iter(self.specifiers)

    def __str__(self) -> str:
        return ",".join(str(specifier) for specifier in self.specifiers)

"""PEP 440 versions as detlint judges them; parsing and matching are `packaging`'s.

Two policies sit on top:

- A version a project pins is already chosen, not a candidate to pick among, so a range contains
  its pre-releases like any other version (`packaging` leaves them out unless asked).
- The catalogs record behaviour per release, so a framework version counts as the final release it
  leads to or follows: `2.1.0rc1`, `2.1.0.post1` and `2.1.0+cu121` all count as `2.1.0`.

Invalid versions raise `packaging.version.InvalidVersion` and invalid ranges `InvalidSpecifier`,
both `ValueError`s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from packaging.specifiers import Specifier, SpecifierSet
from packaging.version import Version


@dataclass(frozen=True)
class VersionRange:
    """Comma-separated PEP 440 clauses that must all hold (`>=1.8,<2.1`); "" holds for every
    version. Prints as written, where `packaging` would sort the clauses."""

    text: str
    specifiers: SpecifierSet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "specifiers", SpecifierSet(self.text))

    def contains(self, version: Version | str) -> bool:
        return self.specifiers.contains(version, prereleases=True)

    def __iter__(self) -> Iterator[Specifier]:
        return iter(self.specifiers)

    def __str__(self) -> str:
        return self.text


@lru_cache(maxsize=256)  # the same few framework versions are asked about once per op call site
def final_release(version: Version | str) -> Version:
    """The release without its pre-, post-, dev- or local part: `2.1.0rc1` -> `2.1.0`."""
    parsed = version if isinstance(version, Version) else Version(version)
    return Version(parsed.base_version)

"""Validated catalog entries, as every family's index reads them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class CatalogError(Exception):
    """A catalog file that does not match its schema; the message names file, entry and key."""


@dataclass(frozen=True)
class Entry:
    """One validated catalog entry. Fields are read with `entry["key"]` or `entry.get("key")`."""

    catalog: str
    section: str
    fields: Mapping[str, Any]

    @property
    def id(self) -> str:
        return self.fields["id"]

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)


def entries_by(entries: Iterable[Entry], key: str = "callables") -> dict[str, Entry]:
    """The entries by each name their `key` field lists (a name or a list of names)."""
    index: dict[str, Entry] = {}
    for entry in entries:
        names = entry.get(key, ())
        for name in (names,) if isinstance(names, str) else names:
            index[name] = entry
    return index

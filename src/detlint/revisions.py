"""The Hub revisions a project locks, which fixes write into unpinned loaders: `detlint-revisions.toml`
at the project root, and the refs of a Hugging Face Hub cache kept in the project (each
`models--org--name/refs/main` file holds the commit `main` resolved to when it was downloaded)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from detlint.config import ConfigError

LOCK_FILE = "detlint-revisions.toml"
# [table] in the lock -> the kind of repository it lists
_TABLES = {"models": "model", "datasets": "dataset"}
# Where a project keeps a Hub cache (`HF_HUB_CACHE` pointed into it), and each kind's folder prefix:
# https://huggingface.co/docs/huggingface_hub/guides/manage-cache#understand-caching
_CACHE_DIRECTORIES = (".", "hub", "hf_cache", ".hf_cache", "cache", ".cache/huggingface/hub", "huggingface/hub")
_CACHE_PREFIXES = {"models--": "model", "datasets--": "dataset"}
_HEX = frozenset("0123456789abcdef")


def locked_revisions(root: Path) -> tuple[tuple[str, str, str], ...]:
    """(kind, repository id, commit) for every revision the project locks, sorted; the lock file wins
    over a cache. A malformed lock file is a configuration error that names the entry."""
    found: dict[tuple[str, str], str] = {}
    for directory in _CACHE_DIRECTORIES:
        base = root / directory
        if not base.is_dir():
            continue
        for prefix, kind in _CACHE_PREFIXES.items():
            for ref in sorted(base.glob(f"{prefix}*/refs/main")):
                commit = _read_commit(ref)
                if commit:
                    found[(kind, ref.parent.parent.name.removeprefix(prefix).replace("--", "/"))] = commit
    found.update(_lock_file(root / LOCK_FILE))
    return tuple(sorted((kind, name, commit) for (kind, name), commit in found.items()))


def _read_commit(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if _is_commit(text) else None


def _is_commit(text: object) -> bool:
    return isinstance(text, str) and len(text) in (40, 64) and set(text) <= _HEX


def _lock_file(path: Path) -> dict[tuple[str, str], str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read the revisions lock: {error}", file=path) from None
    locked: dict[tuple[str, str], str] = {}
    for table, entries in data.items():
        if table not in _TABLES or not isinstance(entries, dict):
            expected = ", ".join(_TABLES)
            raise ConfigError(f"unknown table '{table}' (expected: {expected}, each mapping ids to commits)", file=path)
        for name, commit in entries.items():
            if not _is_commit(commit):
                problem = f"'{table}.{name}' must be a full commit hash (40 hex digits), got {commit!r}"
                raise ConfigError(problem, file=path)
            locked[(_TABLES[table], name)] = commit
    return locked

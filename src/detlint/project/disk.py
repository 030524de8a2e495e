"""Files the project pass reads from disk besides the analysed ones (lock files discovery does not
pass, `-r` includes, the root pyproject.toml). Every read and listing is remembered with its outcome,
so that a saved project pass can later tell whether any of them changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

Outcome = str | tuple[str, ...] | None
# (operation, path, argument): ("read", path, max_bytes) or ("glob", directory, pattern)
Request = tuple[str, str, "int | str | None"]


class ProjectFiles:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.log: dict[Request, Outcome] = {}

    def read(self, path: str, max_bytes: int | None = None) -> bytes | None:
        """The bytes of a file under the root; None when absent, unreadable or over `max_bytes`."""
        data = self._read(path, max_bytes)
        self.log[("read", path, max_bytes)] = None if data is None else hashlib.blake2b(data).hexdigest()
        return data

    def glob(self, directory: str, pattern: str) -> tuple[str, ...]:
        """Root-relative paths of the files in `directory` whose names match `pattern`, sorted."""
        base = self.root / directory if directory else self.root
        found = tuple(
            f"{directory}/{location.name}" if directory else location.name
            for location in (sorted(base.glob(pattern)) if base.is_dir() else ())
            if location.is_file()
        )
        self.log[("glob", directory, pattern)] = found
        return found

    def _read(self, path: str, max_bytes: int | None) -> bytes | None:
        location = self.root / path
        try:
            if not location.is_file() or (max_bytes is not None and location.stat().st_size > max_bytes):
                return None
            return location.read_bytes()
        except OSError:
            return None

    @classmethod
    def unchanged(cls, root: Path, log: dict[Request, Outcome]) -> bool:
        """Whether every read and listing in `log` still has the same outcome."""
        now = cls(root)
        for operation, path, argument in log:
            if operation == "read":
                now.read(path, argument if isinstance(argument, int) else None)
            else:
                now.glob(path, str(argument))
        return now.log == log

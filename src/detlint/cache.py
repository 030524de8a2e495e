"""A content-addressed cache of per-file results in `.detlint_cache/`.

The key covers everything a file's result depends on: its bytes and display path, the detlint
version, the catalog and the analysis options. Writes are atomic (a temporary file renamed into
place), and an unreadable or corrupt entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from detlint import __version__
from detlint.engine import FileResult

_LAYOUT = "v1"


class ResultCache:
    def __init__(self, directory: Path, salt: str) -> None:
        self.directory = directory / _LAYOUT
        self.salt = f"{__version__}\0{salt}".encode()

    def key(self, display: str, data: bytes) -> str:
        digest = hashlib.blake2b(self.salt, digest_size=20)
        digest.update(display.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / key

    def get(self, key: str) -> FileResult | None:
        try:
            with self._path(key).open("rb") as handle:
                result = pickle.load(handle)
        except Exception:  # noqa: BLE001 - missing, truncated or foreign entries are misses
            return None
        return result if isinstance(result, FileResult) else None

    def put(self, key: str, result: FileResult) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._write_tag()
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(result, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, target)
        except OSError:
            pass  # a read-only or full disk only costs speed

    def _write_tag(self) -> None:
        # Marks the folder as a cache for backup and archiving tools, and keeps it out of git.
        root = self.directory.parent
        for name, content in (("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n"), (".gitignore", "*\n")):
            marker = root / name
            if not marker.exists():
                marker.write_text(content)

"""The cache in `.detlint_cache/`: per-file results, content-addressed, and one snapshot per project
of the last run.

A file's key covers everything its result depends on: its bytes and display path, the detlint
version, the catalog and the analysis options. A snapshot keeps what a run over the same project can
reuse when little changed: each file's key and findings, the project pass's output, and the last
run's final findings. Writes are atomic (a temporary file renamed into place), and an unreadable or
corrupt entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detlint import __version__
from detlint.results import FileResult

if TYPE_CHECKING:
    from detlint.finding import Finding
    from detlint.project.disk import Outcome, Request

_LAYOUT = "v1"


@dataclass
class RunSummary:
    """What every run over the project reads of its snapshot: small, so a run where nothing changed
    stays fast."""

    stamps: dict[str, tuple[int, int, int, str]]  # display path -> (mtime_ns, size, inode, cache key)
    written_ns: int  # when the run started; also ties the summary to its ProjectSnapshot
    disk_log: dict[Request, Outcome]  # what the project pass read besides (`ProjectFiles`)
    versions: dict[str, tuple[str | None, str]]
    final_key: str = ""  # the files, the selection and the reported paths of the last run
    final_findings: list[Finding] = field(default_factory=list)

    @property
    def keys(self) -> dict[str, str]:
        """Display path -> cache key, for every file of the project pass."""
        return {display: stamp[3] for display, stamp in self.stamps.items()}


@dataclass
class ProjectSnapshot:
    """What a run where some files changed reuses: the others' findings and the project pass."""

    written_ns: int  # the RunSummary's
    reports: dict[str, FileResult]  # display path -> its result without facts (`FileResult.report_part`)
    project_findings: list[Finding]


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
        result = self._read(self._path(key))
        return result if isinstance(result, FileResult) else None

    def put(self, key: str, result: FileResult) -> None:
        self._write(self._path(key), result)

    def snapshot_name(self, *parts: str) -> str:
        return self.key("\0".join(parts), b"")

    def summary(self, name: str) -> RunSummary | None:
        found = self._read(self.directory / "projects" / f"{name}.summary")
        return found if isinstance(found, RunSummary) else None

    def snapshot(self, summary: RunSummary, name: str) -> ProjectSnapshot | None:
        found = self._read(self.directory / "projects" / name)
        return found if isinstance(found, ProjectSnapshot) and found.written_ns == summary.written_ns else None

    def put_snapshot(self, name: str, summary: RunSummary, snapshot: ProjectSnapshot) -> None:
        self._write(self.directory / "projects" / name, snapshot)
        self._write(self.directory / "projects" / f"{name}.summary", summary)

    @staticmethod
    def _read(path: Path) -> Any:
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)
        except Exception:  # noqa: BLE001 - missing, truncated or foreign entries are misses
            return None

    def _write(self, target: Path, value: object) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._write_tag()
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
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

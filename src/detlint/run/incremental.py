"""Incremental reuse: what a run takes from the cache instead of working it out again.

A file whose key matches the project snapshot takes its findings from there, and any other file whose
key the cache holds takes its result from the cache; only the rest is analysed. The last project pass
is reused when no file's facts, no file's presence and nothing it read from disk changed, and the last
run's final findings when, besides, the selection and the reported files are the same."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from detlint.catalogs.loader import catalog_digest
from detlint.config import Settings
from detlint.finding import Finding
from detlint.project.disk import ProjectFiles
from detlint.results import AnalysisOptions, FileResult
from detlint.run import pool
from detlint.run.cache import ProjectSnapshot, ResultCache, RunSummary
from detlint.run.project_pass import ProjectPass
from detlint.sources import SourceFile

# A file modified this close before a run may be edited again within its timestamp's resolution:
# its bytes are hashed on the next run, whatever its stamp says.
RACY_NS = 2_000_000_000

Progress = Callable[[int, int], None]  # (files done, files total)


def cache_salt(options: AnalysisOptions) -> str:
    return hashlib.sha256(f"{catalog_digest()}\0{_code_digest()}\0{options!r}".encode()).hexdigest()


@functools.cache
def _code_digest() -> str:
    """The analyzer's own source: a changed rule or facts collector invalidates the cache even
    without a new version number (editable installs, development)."""
    digest = hashlib.sha256()
    package = Path(__file__).parents[1]
    for path in sorted(package.rglob("*.py")):
        if "probe" not in path.relative_to(package).parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def open_cache(settings: Settings, options: AnalysisOptions) -> ResultCache:
    return ResultCache(settings.result_cache, cache_salt(options))


class IncrementalRun:
    """One project's files through the per-file pass, each result from the snapshot, the cache or the
    analyzer; and what of the project pass and the final findings the snapshot can stand in for.
    Without a cache, every file is analysed and nothing is reused."""

    def __init__(
        self,
        sources: Sequence[SourceFile],
        settings: Settings,
        options: AnalysisOptions,
        cache: ResultCache | None,
        jobs: int | None,
        progress: Progress | None,
        identity: Sequence[str] = (),
    ) -> None:
        """`identity` names the snapshot (one per project and settings); without it none is read or written."""
        self.settings, self.options = settings, options
        self.cache, self.jobs, self.progress = cache, jobs, progress
        self.snapshot_name = cache.snapshot_name(*identity) if cache is not None and identity else None
        self.summary = cache.summary(self.snapshot_name) if cache is not None and self.snapshot_name else None
        self.started_ns = time.time_ns()
        self.sources: list[SourceFile] = []
        self.stamps: list[tuple[int, int, int] | None] = []
        self.keys: list[str | None] = []
        self._positions: dict[str, int] = {}
        self._results: list[FileResult] = []
        self._reused: set[int] = set()  # positions whose result is the snapshot's (without facts)
        self.add(sources)

    def add(self, sources: Sequence[SourceFile]) -> None:
        """More files of the project (before any result is asked for): files that others include."""
        for source in sources:
            self._positions[source.display] = len(self.sources)
            self.sources.append(source)
            self.stamps.append(None)
            self.keys.append(self._key(len(self.sources) - 1))

    def include_targets(self, source: SourceFile) -> list[str]:
        """The files a dependency file includes (`-r`, `-c`), by display path, from its result: the
        cache holds it for an unchanged file, else it is analysed now (and kept). A file not yet part
        of the run joins it."""
        if source.display not in self._positions:
            self.add([source])
        position = self._positions[source.display]
        result = self._cached(self.keys[position])
        if result is None:
            (result,) = self._analyse([position])
            self._put(position, result)
        if result.dependencies is None:
            return []
        found = (include.path_from(source.display) for include in result.dependencies.includes)
        return [path for path in found if path is not None]

    def _key(self, position: int) -> str | None:
        """The file's cache key: the last run's when its size, inode and modification time are
        unchanged (and it was not modified so close to that run that an edit could share its
        timestamp), else a digest of its bytes."""
        source = self.sources[position]
        if self.cache is None:
            return None
        try:
            stat = source.path.stat()
            self.stamps[position] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            known = self.summary.stamps.get(source.display) if self.summary is not None else None
            if (
                known is not None
                and known[:3] == self.stamps[position]
                and stat.st_mtime_ns < self.summary.written_ns - RACY_NS  # type: ignore[union-attr]
            ):
                return known[3]
            return self.cache.key(source.display, source.path.read_bytes())
        except OSError:
            return None  # unreadable: analysed afresh, and DET001 says why

    @functools.cached_property
    def snapshot(self) -> ProjectSnapshot | None:
        if self.cache is None or self.summary is None or self.snapshot_name is None:
            return None
        return self.cache.snapshot(self.summary, self.snapshot_name)

    def _cached(self, key: str | None) -> FileResult | None:
        return self.cache.get(key) if self.cache is not None and key is not None else None

    def final_key(self, selection_key: str | None, reported: Sequence[str]) -> str | None:
        """What the final findings depend on beyond the snapshot's identity (the files reported on,
        by display path, among them); None: not to be reused."""
        if selection_key is None or self.snapshot_name is None:
            return None
        digest = hashlib.blake2b(selection_key.encode(), digest_size=20)
        for display in reported:
            digest.update(f"\0{display}".encode("utf-8", "surrogateescape"))
        digest.update(b"\0\0")
        for source, key in zip(self.sources, self.keys):
            digest.update(f"\0{source.display}\0{key}".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def known_findings(self, final_key: str | None) -> RunSummary | None:
        """The last run's summary when its final findings answer this run."""
        summary = self.summary
        if final_key is None or summary is None or summary.final_key != final_key:
            return None
        return summary if ProjectFiles.unchanged(self.settings.root, summary.disk_log) else None

    def file_results(self) -> list[FileResult]:
        """Each file's result, in the order of the sources; facts are left out where the snapshot gave it."""
        snapshot, summary = self.snapshot, self.summary
        known = summary.keys if snapshot is not None and summary is not None else {}
        results: list[FileResult | None] = [None] * len(self.sources)
        for position, (source, key) in enumerate(zip(self.sources, self.keys)):
            report = snapshot.reports.get(source.display) if snapshot is not None else None
            if report is not None and key is not None and known.get(source.display) == key:
                results[position] = report
                self._reused.add(position)
        self._results = self._complete(results)
        return self._results

    def saved_project_pass(self) -> ProjectPass | None:
        """The snapshot's project pass when none of its inputs changed (after `file_results`)."""
        snapshot, summary = self.snapshot, self.summary
        if snapshot is None or summary is None or not self._project_inputs_unchanged(summary):
            return None
        return ProjectPass(list(snapshot.project_findings), summary.disk_log, summary.versions)

    def _project_inputs_unchanged(self, summary: RunSummary) -> bool:
        known = summary.keys
        if known.keys() != {source.display for source in self.sources}:
            return False  # a file came or went
        for position, (source, result) in enumerate(zip(self.sources, self._results)):
            if position not in self._reused:
                before = self._cached(known[source.display])
                if before is None or not before.same_project_inputs(result):
                    return False
        return ProjectFiles.unchanged(self.settings.root, summary.disk_log)

    def full_results(self) -> list[FileResult]:
        """Every file's result with its facts: the ones the snapshot stood in for come from the cache."""
        if not self._results:
            self._results = self._complete([None] * len(self.sources))
        full = list(self._results)
        missing = []
        for position in sorted(self._reused):
            found = self._cached(self.keys[position])
            if found is None:
                missing.append(position)
            else:
                full[position] = found
        for position, result in zip(missing, self._analyse(missing)):
            full[position] = result
            self._put(position, result)
        return full

    def _complete(self, results: list[FileResult | None]) -> list[FileResult]:
        """Fill the gaps from the cache, then by analysing, reporting progress as files finish."""
        misses = []
        for position, result in enumerate(results):
            if result is None:
                results[position] = self._cached(self.keys[position])
                if results[position] is None:
                    misses.append(position)
        done = len(results) - len(misses)
        if self.progress:
            self.progress(done, len(results))
        for position, result in zip(misses, self._analyse(misses)):
            results[position] = result
            self._put(position, result)
            done += 1
            if self.progress:
                self.progress(done, len(results))
        return [result for result in results if result is not None]

    def _analyse(self, positions: list[int]) -> Iterator[FileResult]:
        return pool.analyse([self.sources[position] for position in positions], self.options, self.jobs)

    def _put(self, position: int, result: FileResult) -> None:
        key = self.keys[position]
        if self.cache is not None and key is not None and not result.tracebacks:
            self.cache.put(key, result)

    def save(self, final_findings: list[Finding], final_key: str | None, project: ProjectPass) -> None:
        """Remember this run for the next one (only runs with no internal error, and every file keyed)."""
        if self.cache is None or self.snapshot_name is None or None in self.keys:
            return
        stamps = {
            source.display: (*stamp, key)
            for source, stamp, key in zip(self.sources, self.stamps, self.keys)
            if stamp is not None and key is not None
        }
        summary = RunSummary(
            stamps, self.started_ns, project.disk_log, project.versions, final_key or "",
            final_findings if final_key else [],
        )  # fmt: skip
        reports = {result.path: result.report_part() for result in self._results}
        saved = ProjectSnapshot(self.started_ns, reports, list(project.findings))
        self.cache.put_snapshot(self.snapshot_name, summary, saved)

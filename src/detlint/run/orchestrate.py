"""One run: discover files, analyse each (from the cache, serially or in a process pool), run the
project pass, then apply suppressions, selection and the confidence floor. Output order never depends
on scheduling: results are collected in discovery order and findings sorted."""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from detlint.run.cache import ProjectSnapshot, ResultCache, RunSummary
from detlint.catalogs.loader import catalog_digest
from detlint.config import Settings
from detlint.discovery import discover
from detlint.finding import Confidence, Finding, Span
from detlint.ignore import compile_pattern
from detlint.notebook import NotebookModule
from detlint.project.disk import ProjectFiles
from detlint.results import AnalysisOptions, FileResult
from detlint.sources import SourceFile
from detlint.suppress import UnusedSuppression, apply_suppressions

if TYPE_CHECKING:  # the parser and the rules load only when some file is analysed
    from detlint.engine import FileAnalyzer
    from detlint.selection import Selection

FRAMEWORKS = ("torch", "tensorflow", "jax", "xgboost")
# A file modified this close before a run may be edited again within its timestamp's resolution:
# its bytes are hashed on the next run, whatever its stamp says.
RACY_NS = 2_000_000_000
# Below this many files to analyse, starting worker processes costs more than it saves.
MIN_FILES_PER_WORKER = 8

Progress = Callable[[int, int], None]  # (files done, files total)


@dataclass
class RunResult:
    findings: list[Finding]
    files: list[SourceFile]
    tracebacks: list[str] = field(default_factory=list)
    # framework -> (version judged against or None for the newest catalogued, where it comes from)
    versions: dict[str, tuple[str | None, str]] = field(default_factory=dict)

    @property
    def internal_error(self) -> bool:
        return bool(self.tracebacks)


def analysis_options(settings: Settings) -> AnalysisOptions:
    return AnalysisOptions(max_file_size=settings.max_file_size)


def build_selection(settings: Settings, *, select=None, extend_select=(), ignore=None) -> Selection:
    from detlint.registry import rule_index
    from detlint.selection import Selection

    return Selection.build(
        rule_index(),
        select=settings.select if select is None else select,
        extend_select=(*settings.extend_select, *extend_select),
        ignore=settings.ignore if ignore is None else ignore,
        per_file_ignores=settings.per_file_ignores,
        path_matcher=path_matcher,
    )


def path_matcher(pattern: str) -> Callable[[str], bool]:
    """A gitignore-style glob over display paths (relative to the project root)."""
    return compile_pattern(pattern).matches_path


def run(
    paths: Sequence[Path],
    settings: Settings,
    selection: Selection | Callable[[], Selection],
    *,
    selection_key: str | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    force_exclude: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    """Check the files under `paths`. `selection` may be a function that builds it, called only when
    the findings are not already known; `selection_key`, a string that names what it selects, lets a
    run whose files, settings and selection all match the last one's return its findings at once."""
    discovery = {
        "exclude": settings.exclude,
        "extend_exclude": settings.extend_exclude,
        "respect_gitignore": settings.respect_gitignore,
    }
    sources = discover(paths, settings.root, force_exclude=force_exclude, **discovery)
    index_sources = sources
    index_paths: Sequence[Path] = paths
    if _covers_part_of_project(paths, settings):
        # pre-commit passes only changed files: judge them against the whole project (mostly from the
        # cache), report on them alone.
        known = {source.display for source in sources}
        rest = [source for source in discover([settings.root], settings.root, **discovery) if source.display not in known]
        index_sources, index_paths = [*sources, *rest], [settings.root]
    options = analysis_options(settings)
    cache = _open_cache(settings, options) if use_cache else None
    # One snapshot per project and settings; partial runs share the whole project's.
    identity = (repr(settings), *(str(path.resolve()) for path in index_paths), str(force_exclude))
    project = _ProjectRun(index_sources, settings, options, cache, jobs, progress, identity)
    final_key = project.final_key(selection_key, len(sources))
    known = project.known_findings(final_key)
    if known is not None:
        return RunResult(known.final_findings, sources, [], known.versions)
    chosen = selection() if callable(selection) else selection  # before the work: a bad selector fails fast
    results, project_findings, versions, tracebacks = project.run()
    findings = finalize(results[: len(sources)], project_findings, chosen, settings.min_confidence)
    tracebacks.extend(trace for result in results for trace in result.tracebacks)
    if not tracebacks:
        project.save(findings, final_key)
    return RunResult(findings, sources, tracebacks, versions)


def _covers_part_of_project(paths: Sequence[Path], settings: Settings) -> bool:
    """Whether the paths leave out part of a project whose root a configuration file marks."""
    if settings.config_file is None:
        return False
    root = settings.root.resolve()
    return not any(root == path.resolve() or root.is_relative_to(path.resolve()) for path in paths)


def finalize(
    results: Sequence[FileResult], project_findings: Sequence[Finding], selection: Selection, floor: Confidence
) -> list[Finding]:
    by_path: dict[str, list[Finding]] = {result.path: list(result.findings) for result in results}
    for finding in project_findings:
        if finding.path in by_path:  # only files of this run are reported on
            by_path[finding.path].append(finding)
    kept: list[Finding] = []
    for result in results:
        remaining, unused = apply_suppressions(by_path[result.path], result.suppressions)
        remaining.extend(_unused_suppression_findings(result.path, unused))
        kept.extend(
            finding
            for finding in remaining
            if selection.allows(finding.code, finding.path) and finding.confidence.at_least(floor)
        )
    notebooks = {result.path: result.notebook for result in results if result.notebook is not None}
    if notebooks:
        kept = [_in_notebook_cells(finding, notebooks) for finding in kept]
    return sorted(kept, key=Finding.sort_key)


def _in_notebook_cells(finding: Finding, notebooks: dict[str, NotebookModule]) -> Finding:
    """Notebook findings were made on the module of joined cells: give them their cell, and the
    line of the .ipynb file, for tools that open the file itself."""

    def file_span(path: str, span: Span) -> tuple[Span, tuple[int, int] | None]:
        where = notebooks[path].where(span.line) if path in notebooks else None
        if where is None:
            return span, None
        end = notebooks[path].where(span.end_line) or where
        return Span(where.file_line or 1, span.column, end.file_line or 1, span.end_column), (where.cell, where.line)

    span, cell = file_span(finding.path, finding.span)
    related = tuple(replace(item, span=file_span(item.path, item.span)[0]) for item in finding.related)
    return replace(finding, span=span, cell=cell, related=related)


def _unused_suppression_findings(path: str, unused: Sequence[UnusedSuppression]) -> list[Finding]:
    from detlint.checks.det0_meta.det090_unused_suppression import UnusedSuppressionRule

    findings = []
    for item in unused:
        suppression, selector = item.suppression, item.selector
        if suppression.kind == "noqa" and not selector.upper().startswith("DET"):
            continue  # another tool's code
        message = (
            f"unused suppression: no {selector} finding here to silence"
            if _selects_any(selector)
            else f"suppression names no detlint rule: `{selector}` (see `detlint rules`)"
        )
        findings.append(
            UnusedSuppressionRule.at(
                path, message, suppression.line, suppression.column,
                anchor=f"{suppression.kind}:{selector}", occurrence=suppression.line,
            )  # fmt: skip
        )
    return findings


def _selects_any(selector: str) -> bool:
    from detlint.registry import rule_index

    try:
        return bool(rule_index().codes_for(selector))
    except ValueError:
        return False


# -- per-file analysis, cached and parallel ---------------------------------------------------------
_worker_analyzer: FileAnalyzer | None = None


def _make_analyzer(options: AnalysisOptions) -> FileAnalyzer:
    from detlint.catalogs.loader import load_catalog
    from detlint.engine import FileAnalyzer
    from detlint.registry import rule_index

    return FileAnalyzer(load_catalog(), rule_index().file_rules(), options)


def _init_worker(options: AnalysisOptions) -> None:
    global _worker_analyzer
    _worker_analyzer = _make_analyzer(options)
    # The modules, rules and catalogs live as long as the worker: keep the cyclic collector, which
    # the millions of short-lived tree nodes set off, from scanning them again and again.
    gc.freeze()


def _analyse_in_worker(source: SourceFile) -> FileResult:
    assert _worker_analyzer is not None
    return _worker_analyzer.analyse(source)


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


def _open_cache(settings: Settings, options: AnalysisOptions) -> ResultCache:
    return ResultCache(settings.cache_dir or settings.root / ".detlint_cache", cache_salt(options))


def analyse_files(
    sources: Sequence[SourceFile],
    options: AnalysisOptions,
    settings: Settings,
    *,
    jobs: int | None,
    use_cache: bool,
    progress: Progress | None,
) -> list[FileResult]:
    """Every file's full result (facts included), from the cache where it has them."""
    cache = _open_cache(settings, options) if use_cache else None
    return _ProjectRun(sources, settings, options, cache, jobs, progress).full_results()


class _ProjectRun:
    """One project's files through the per-file pass and the project pass, reusing the cache: a file
    whose key matches the snapshot takes its findings from there; the project pass is reused when no
    file's facts, no file's presence and nothing it read from disk changed."""

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
        self.sources, self.settings, self.options = sources, settings, options
        self.cache, self.jobs, self.progress = cache, jobs, progress
        self.snapshot_name = cache.snapshot_name(*identity) if cache is not None and identity else None
        self.summary = cache.summary(self.snapshot_name) if cache is not None and self.snapshot_name else None
        self.started_ns = time.time_ns()
        self.stamps: list[tuple[int, int, int] | None] = [None] * len(sources)
        self.keys: list[str | None] = [self._key(position) for position in range(len(sources))]
        self._project: tuple[list[Finding], dict, dict] | None = None
        self._results: list[FileResult] = []
        self._reused: set[int] = set()  # positions whose result is the snapshot's (without facts)

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

    def final_key(self, selection_key: str | None, reported: int) -> str | None:
        """What the final findings depend on beyond the snapshot's identity; None: not to be reused."""
        if selection_key is None or self.snapshot_name is None:
            return None
        digest = hashlib.blake2b(f"{selection_key}\0{reported}".encode(), digest_size=20)
        for source, key in zip(self.sources, self.keys):
            digest.update(f"\0{source.display}\0{key}".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def known_findings(self, final_key: str | None) -> RunSummary | None:
        summary = self.summary
        if final_key is None or summary is None or summary.final_key != final_key:
            return None
        return summary if ProjectFiles.unchanged(self.settings.root, summary.disk_log) else None

    def run(self) -> tuple[list[FileResult], list[Finding], dict[str, tuple[str | None, str]], list[str]]:
        """Each file's result (facts left out where the snapshot gave it), the project findings, the
        framework versions judged against, and the tracebacks of the project pass."""
        snapshot, summary = self.snapshot, self.summary
        known = summary.keys if snapshot is not None and summary is not None else {}
        results: list[FileResult | None] = [None] * len(self.sources)
        for position, (source, key) in enumerate(zip(self.sources, self.keys)):
            report = snapshot.reports.get(source.display) if snapshot is not None else None
            if report is not None and key is not None and known.get(source.display) == key:
                results[position] = report
                self._reused.add(position)
        self._results = self._complete(results)
        if summary is not None and snapshot is not None and self._project_inputs_unchanged(summary, known):
            self._project = (snapshot.project_findings, summary.disk_log, summary.versions)
            return self._results, list(snapshot.project_findings), summary.versions, []
        from detlint.project.index import ProjectIndex
        from detlint.run.project_pass import run_project_rules
        from detlint.registry import rule_index

        with _collector_paused():
            index = ProjectIndex.build(self.full_results(), self.settings)
            project_findings, tracebacks = run_project_rules(index, rule_index().project_rules())
        versions = {package: index.framework_version(package) for package in FRAMEWORKS}
        self._project = (project_findings, index.disk.log, versions)
        return self._results, project_findings, versions, tracebacks

    def _project_inputs_unchanged(self, summary: RunSummary, known: dict[str, str]) -> bool:
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
        for position, result in zip(missing, _analyse(self.sources, missing, self.options, self.jobs)):
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
        for position, result in zip(misses, _analyse(self.sources, misses, self.options, self.jobs)):
            results[position] = result
            self._put(position, result)
            done += 1
            if self.progress:
                self.progress(done, len(results))
        return [result for result in results if result is not None]

    def _put(self, position: int, result: FileResult) -> None:
        key = self.keys[position]
        if self.cache is not None and key is not None and not result.tracebacks:
            self.cache.put(key, result)

    def save(self, final_findings: list[Finding], final_key: str | None) -> None:
        """Remember this run for the next one (only runs with no internal error, and every file keyed)."""
        if self.cache is None or self.snapshot_name is None or self._project is None or None in self.keys:
            return
        project_findings, disk_log, versions = self._project
        stamps = {
            source.display: (*stamp, key)
            for source, stamp, key in zip(self.sources, self.stamps, self.keys)
            if stamp is not None and key is not None
        }
        summary = RunSummary(stamps, self.started_ns, disk_log, versions, final_key or "", final_findings if final_key else [])
        reports = {result.path: result.report_part() for result in self._results}
        self.cache.put_snapshot(self.snapshot_name, summary, ProjectSnapshot(self.started_ns, reports, list(project_findings)))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading every file's facts from the cache, and judging them, builds hundreds of thousands of
    objects and frees few: the cyclic collector would rescan the growing heap over and over (it
    triples the time of reading the cache). Afterwards those objects are frozen out of later scans;
    they hold no reference cycles, and reference counting still frees them when they are dropped."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()  # what was built stays out of later collections' scans
            gc.enable()


def _analyse(sources: Sequence[SourceFile], positions: list[int], options: AnalysisOptions, jobs: int | None):
    todo = [sources[position] for position in positions]
    if not todo:
        return
    workers = min(jobs or os.cpu_count() or 1, len(todo) // MIN_FILES_PER_WORKER)
    if workers <= 1:
        analyzer = _make_analyzer(options)
        yield from map(analyzer.analyse, todo)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(options,)) as pool:
        yield from pool.map(_analyse_in_worker, todo, chunksize=max(1, len(todo) // (workers * 8)))

"""One run: discover files, analyse each (from the cache, serially or in a process pool), run the
project pass, then apply suppressions, selection and the confidence floor. Output order never depends
on scheduling: results are collected in discovery order and findings sorted."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from detlint.cache import ResultCache
from detlint.catalog import load_catalog
from detlint.config import Settings
from detlint.discovery import discover
from detlint.engine import AnalysisOptions, FileAnalyzer, FileResult
from detlint.finding import Confidence, Finding, Span
from detlint.gitignore import compile_pattern
from detlint.notebook import NotebookModule
from detlint.project import ProjectIndex, run_project_rules
from detlint.registry import rule_index
from detlint.selection import Selection
from detlint.sources import SourceFile
from detlint.suppress import UnusedSuppression, apply_suppressions

FRAMEWORKS = ("torch", "tensorflow", "jax", "xgboost")
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
    selection: Selection,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    force_exclude: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    discovery = {
        "exclude": settings.exclude,
        "extend_exclude": settings.extend_exclude,
        "respect_gitignore": settings.respect_gitignore,
    }
    sources = discover(paths, settings.root, force_exclude=force_exclude, **discovery)
    index_sources = sources
    if _covers_part_of_project(paths, settings):
        # pre-commit passes only changed files: judge them against the whole project (mostly from the
        # cache), report on them alone.
        known = {source.display for source in sources}
        rest = [source for source in discover([settings.root], settings.root, **discovery) if source.display not in known]
        index_sources = [*sources, *rest]
    options = analysis_options(settings)
    results = analyse_files(index_sources, options, settings, jobs=jobs, use_cache=use_cache, progress=progress)
    index = ProjectIndex.build(results, settings)
    project_findings, tracebacks = run_project_rules(index, rule_index().project_rules())
    findings = finalize(results[: len(sources)], project_findings, selection, settings.min_confidence)
    tracebacks.extend(trace for result in results for trace in result.tracebacks)
    versions = {package: index.framework_version(package) for package in FRAMEWORKS}
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
    index = rule_index()
    findings = []
    for item in unused:
        suppression, selector = item.suppression, item.selector
        if suppression.kind == "noqa" and not selector.upper().startswith("DET"):
            continue  # another tool's code
        known = _selects_any(selector)
        message = (
            f"unused suppression: no {selector} finding here to silence"
            if known
            else f"suppression names no detlint rule: `{selector}` (see `detlint rules`)"
        )
        span = Span(suppression.line, suppression.column, suppression.line, suppression.column)
        rule = index["DET090"]
        finding = Finding(rule.code, rule.name, message, path, span, rule.severity, rule.confidence)
        findings.append(finding.with_fingerprint(f"{suppression.kind}:{selector}", "", suppression.line))
    return findings


def _selects_any(selector: str) -> bool:
    try:
        return bool(rule_index().codes_for(selector))
    except ValueError:
        return False


# -- per-file analysis, cached and parallel ---------------------------------------------------------
_worker_analyzer: FileAnalyzer | None = None


def _make_analyzer(options: AnalysisOptions) -> FileAnalyzer:
    return FileAnalyzer(load_catalog(), rule_index().file_rules(), options)


def _init_worker(options: AnalysisOptions) -> None:
    global _worker_analyzer
    _worker_analyzer = _make_analyzer(options)


def _analyse_in_worker(source: SourceFile) -> FileResult:
    assert _worker_analyzer is not None
    return _worker_analyzer.analyse(source)


def cache_salt(options: AnalysisOptions) -> str:
    return hashlib.sha256(f"{load_catalog().digest}\0{_code_digest()}\0{options!r}".encode()).hexdigest()


@functools.cache
def _code_digest() -> str:
    """The analyzer's own source: a changed rule or facts collector invalidates the cache even
    without a new version number (editable installs, development)."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        if "probe" not in path.relative_to(package).parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def analyse_files(
    sources: Sequence[SourceFile],
    options: AnalysisOptions,
    settings: Settings,
    *,
    jobs: int | None,
    use_cache: bool,
    progress: Progress | None,
) -> list[FileResult]:
    cache = ResultCache(settings.cache_dir or settings.root / ".detlint_cache", cache_salt(options)) if use_cache else None
    results: list[FileResult | None] = [None] * len(sources)
    keys: dict[int, str] = {}
    misses: list[int] = []
    for position, source in enumerate(sources):
        if cache is not None:
            try:
                keys[position] = cache.key(source.display, source.path.read_bytes())
            except OSError:
                misses.append(position)
                continue
            cached = cache.get(keys[position])
            if cached is not None:
                results[position] = cached
                continue
        misses.append(position)
    done = len(sources) - len(misses)
    if progress:
        progress(done, len(sources))
    for position, result in zip(misses, _analyse(sources, misses, options, jobs)):
        results[position] = result
        if cache is not None and position in keys and not result.tracebacks:
            cache.put(keys[position], result)
        done += 1
        if progress:
            progress(done, len(sources))
    return [result for result in results if result is not None]


def _analyse(sources: Sequence[SourceFile], positions: list[int], options: AnalysisOptions, jobs: int | None):
    todo = [sources[position] for position in positions]
    workers = min(jobs or os.cpu_count() or 1, len(todo) // MIN_FILES_PER_WORKER)
    if workers <= 1:
        analyzer = _make_analyzer(options)
        yield from map(analyzer.analyse, todo)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(options,)) as pool:
        yield from pool.map(_analyse_in_worker, todo, chunksize=max(1, len(todo) // (workers * 8)))

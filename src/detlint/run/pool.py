"""Where files are analysed: in this process, or in a pool of worker processes for runs large enough to
pay for starting them. Results come back in the order the files were given, whatever the scheduling,
so `-j1` and `-jN` report the same."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from detlint.results import AnalysisOptions, FileResult
from detlint.sources import SourceFile

if TYPE_CHECKING:  # the parser and the rules load only when some file is analysed
    from detlint.engine import FileAnalyzer

# Below this many files to analyse, starting worker processes costs more than it saves.
MIN_FILES_PER_WORKER = 8


def analyzer(options: AnalysisOptions) -> FileAnalyzer:
    """An analyzer with the catalog and the file rules (both loaded once per process)."""
    from detlint.catalogs.loader import load_catalog
    from detlint.engine import FileAnalyzer
    from detlint.registry import rule_index

    return FileAnalyzer(load_catalog(), rule_index().file_rules(), options)


def analyse(sources: Sequence[SourceFile], options: AnalysisOptions, jobs: int | None) -> Iterator[FileResult]:
    """Each file's result, in the order of `sources`; `jobs` caps the worker processes (None: one per core)."""
    if not sources:
        return
    workers = min(jobs or os.cpu_count() or 1, len(sources) // MIN_FILES_PER_WORKER)
    if workers <= 1:
        yield from map(analyzer(options).analyse, sources)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(options,)) as pool:
        # `map` yields in submission order, however the workers finish.
        yield from pool.map(_analyse_in_worker, sources, chunksize=max(1, len(sources) // (workers * 8)))


_worker_analyzer: FileAnalyzer | None = None


def _init_worker(options: AnalysisOptions) -> None:
    global _worker_analyzer
    _worker_analyzer = analyzer(options)
    # The modules, rules and catalogs live as long as the worker: keep the cyclic collector, which
    # the millions of short-lived tree nodes set off, from scanning them again and again.
    gc.freeze()


def _analyse_in_worker(source: SourceFile) -> FileResult:
    assert _worker_analyzer is not None
    return _worker_analyzer.analyse(source)

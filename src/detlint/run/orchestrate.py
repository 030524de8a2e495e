"""One run: discover the files, take each one's result from the cache or analyse it, run the project
pass (or reuse the last one), then apply suppressions, selection and the confidence floor. Output
order never depends on scheduling: results are collected in discovery order and findings sorted."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from detlint.config import Settings
from detlint.discovery import classify, discover, module_name
from detlint.finding import Confidence, Finding, Fix, RelatedLocation, Span
from detlint.notebook import NotebookModule
from detlint.results import AnalysisOptions, FileResult
from detlint.revisions import locked_revisions
from detlint.run import pool
from detlint.run.included import included_sources, reachable
from detlint.run.incremental import IncrementalRun, Progress, open_cache
from detlint.run.project_pass import project_pass
from detlint.sources import SourceFile
from detlint.suppress import UnusedSuppression, apply_suppressions

if TYPE_CHECKING:  # the rules load the parser, which a run answered from the cache never needs
    from detlint.selection import Selection


@dataclass
class RunResult:
    findings: list[Finding]
    files: list[SourceFile]
    tracebacks: list[str] = field(default_factory=list)
    # framework -> (version judged against or None for the newest catalogued, where it comes from)
    versions: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    # Every file of the project pass with its facts, when the run was asked to keep them.
    project_files: list[FileResult] = field(default_factory=list)

    @property
    def internal_error(self) -> bool:
        return bool(self.tracebacks)


def analysis_options(settings: Settings) -> AnalysisOptions:
    root = settings.root
    return AnalysisOptions(
        max_file_size=settings.max_file_size,
        deps=settings.deps,
        # A run from the home directory: its folders and its Hub cache say nothing about the code.
        locked_revisions=locked_revisions(root) if root != Path.home() else (),
        root_entries=_root_directories(root) if root != Path.home() else (),
    )


def _root_directories(root: Path) -> tuple[str, ...]:
    """The project root's directories, hidden ones aside (`.git`, the cache): a relative name that starts
    with one (`checkpoints/bert`) is local."""
    try:
        return tuple(sorted(entry.name for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith(".")))
    except OSError:
        return ()


def discover_sources(paths: Sequence[Path], settings: Settings, *, force_exclude: bool = False) -> list[SourceFile]:
    """The files a run over `paths` checks, sorted by display path: those the settings do not exclude,
    and every path given explicitly unless `force_exclude`. A run adds the requirements files they
    include (`run.included`)."""
    return discover(
        paths,
        settings.root,
        exclude=settings.exclude,
        extend_exclude=settings.extend_exclude,
        force_exclude=force_exclude,
        respect_gitignore=settings.respect_gitignore,
    )


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
    keep_project: bool = False,
) -> RunResult:
    """Check the files under `paths`. `selection` may be a function that builds it, called only when
    the findings are not already known; `selection_key`, a string that names what it selects, lets a
    run whose files, settings and selection all match the last one's return its findings at once.
    `keep_project`: the result holds every file of the project pass with its facts."""
    sources = discover_sources(paths, settings, force_exclude=force_exclude)
    project_sources = sources
    project_paths: Sequence[Path] = paths
    if _covers_part_of_project(paths, settings):
        # pre-commit passes only changed files: judge them against the whole project (mostly from the
        # cache), report on them alone.
        known = {source.display for source in sources}
        rest = [source for source in discover_sources([settings.root], settings) if source.display not in known]
        project_sources, project_paths = [*sources, *rest], [settings.root]
    options = analysis_options(settings)
    cache = open_cache(settings, options) if use_cache else None
    # One snapshot per project and settings; partial runs share the whole project's.
    identity = (repr(settings), *(str(path.resolve()) for path in project_paths), str(force_exclude))
    files = IncrementalRun(project_sources, settings, options, cache, jobs, progress, identity)
    added, includes = included_sources(project_sources, settings, files.include_targets)
    # Included files are reported with the files that include them, and when named on the command line.
    given = {os.path.realpath(path) for path in paths} if added else set()
    named = [source.display for source in added if os.path.realpath(source.path) in given]
    reached = reachable([*(source.display for source in sources), *named], includes)
    sources = [source for source in files.sources if source.display in reached]
    shown = {source.display for source in sources}
    final_key = files.final_key(selection_key, sorted(shown))
    known_run = files.known_findings(final_key)
    if known_run is not None:
        kept = files.full_results() if keep_project else []
        return RunResult(known_run.final_findings, sources, [], known_run.versions, kept)
    chosen = selection() if callable(selection) else selection  # before the work: a bad selector fails fast
    results = files.file_results()
    project = files.saved_project_pass()
    if project is None:
        with _collector_paused():
            project = project_pass(files.full_results(), settings)
    reported = [result for result in results if result.path in shown]
    project_findings = project.findings_on([result.path for result in reported])
    findings = finalize(reported, project_findings, chosen, settings.min_confidence)
    tracebacks = [*project.tracebacks, *(trace for result in results for trace in result.tracebacks)]
    if not tracebacks:
        files.save(findings, final_key, project)
    return RunResult(findings, sources, tracebacks, project.versions, files.full_results() if keep_project else [])


def saved_project(settings: Settings, *, jobs: int | None = None, use_cache: bool = True) -> list[FileResult]:
    """Every file of the project the settings are rooted in, as saved, with its facts (mostly from the
    cache): what `run_source` judges one file's source with. Outside any project there is nothing
    beyond the file itself, as in a run over that file."""
    if not settings.in_project:
        return []
    sources = discover_sources([settings.root], settings)
    options = analysis_options(settings)
    cache = open_cache(settings, options) if use_cache else None
    files = IncrementalRun(sources, settings, options, cache, jobs, None)
    included_sources(sources, settings, files.include_targets)
    return files.full_results()


def run_source(
    path: Path,
    data: bytes,
    settings: Settings,
    saved: Sequence[FileResult],
    selection: Selection | None,
    *,
    noqa: bool = True,
) -> list[Finding]:
    """The findings a run would report on the Python file or notebook at `path` if it held `data`: its own, and the
    project rules' over it and the `saved` results of the other files. See `finalize` for `selection`
    and `noqa`."""
    source = source_file(path, settings)
    result = pool.analyzer(analysis_options(settings)).analyse_bytes(source, data)
    project = project_pass([result, *(other for other in saved if other.path != result.path)], settings)
    return finalize([result], project.findings_on([result.path]), selection, settings.min_confidence, noqa=noqa)


def source_file(path: Path, settings: Settings) -> SourceFile:
    """The Python file or notebook at `path` as a run knows it, whether or not it exists on disk."""
    kind = "notebook" if classify(path) == "notebook" else "python"
    return SourceFile(path, _display_path(path, settings.root), kind, module_name(path, settings.root))


def _display_path(path: Path, root: Path) -> str:
    """The path as a run shows it: relative to the project root where it lies below it."""
    absolute = Path(os.path.abspath(path))
    return absolute.relative_to(root).as_posix() if absolute.is_relative_to(root) else path.as_posix()


def _covers_part_of_project(paths: Sequence[Path], settings: Settings) -> bool:
    """Whether the paths leave out part of the project the settings are rooted in."""
    if not settings.in_project:
        return False
    root = settings.root.resolve()
    return not any(root == path.resolve() or root.is_relative_to(path.resolve()) for path in paths)


def finalize(
    results: Sequence[FileResult],
    project_findings: Sequence[Finding],
    selection: Selection | None,
    floor: Confidence,
    *,
    noqa: bool = True,
) -> list[Finding]:
    """The findings to report on the files of `results`, sorted. `selection` None and `noqa` False
    leave to a host linter (flake8) what it owns: rule selection, and `# noqa` comments with the
    report of unused suppressions (DET090)."""
    by_path: dict[str, list[Finding]] = {result.path: list(result.findings) for result in results}
    for finding in project_findings:
        if finding.path in by_path:  # only files of this run are reported on
            by_path[finding.path].append(finding)
    kept: list[Finding] = []
    for result in results:
        suppressions = result.suppressions if noqa else [item for item in result.suppressions if item.kind != "noqa"]
        remaining, unused = apply_suppressions(by_path[result.path], suppressions)
        if noqa:
            remaining.extend(_unused_suppression_findings(result.path, unused))
        kept.extend(
            finding
            for finding in remaining
            if (selection is None or selection.allows(finding.code, finding.path))
            and finding.confidence.at_least(floor)
        )
    notebooks = {result.path: result.notebook for result in results if result.notebook is not None}
    if notebooks:
        kept = [_in_notebook_cells(finding, notebooks) for finding in kept]
    return sorted(kept, key=Finding.sort_key)


def _in_notebook_cells(finding: Finding, notebooks: dict[str, NotebookModule]) -> Finding:
    """Notebook findings were made on the module of joined cells: give them their cell and the range
    in it, and the range in the .ipynb file for tools that open the file itself; fixes are rewritten
    to edit cells (a fix that would touch a masked IPython line, a line of a cell indented as a whole, or
    two cells, is dropped)."""

    def located(path: str, span: Span) -> tuple[Span, tuple[int, int] | None, Span | None]:
        notebook = notebooks.get(path)
        where = notebook.where(span.line) if notebook is not None else None
        if notebook is None or where is None:
            return span, None, None
        end = notebook.where(span.end_line)
        if end is None or end.cell != where.cell:
            end, end_column = where, len(where.escaped)
        else:
            end_column = span.end_column + end.dedent
        column = span.column + where.dedent  # the cell's own columns, before IPython removed its indent
        in_file = Span(where.file_line or 1, where.file_column_of(column), end.file_line or 1,
                       end.file_column_of(end_column))  # fmt: skip
        return in_file, (where.cell, where.line), Span(where.line, column, end.line, end_column)

    if finding.path not in notebooks:
        related = tuple(_related_in_cells(item, located) for item in finding.related)
        return replace(finding, related=related) if related != finding.related else finding
    span, cell, cell_span = located(finding.path, finding.span)
    related = tuple(_related_in_cells(item, located) for item in finding.related)
    fix = _fix_in_cells(finding.fix, notebooks[finding.path]) if finding.fix is not None else None
    return replace(finding, span=span, cell=cell, cell_span=cell_span, related=related, fix=fix)


def _related_in_cells(item: RelatedLocation, located) -> RelatedLocation:
    span, cell, cell_span = located(item.path, item.span)
    return item if cell is None else replace(item, span=span, cell=cell, cell_span=cell_span)


def _fix_in_cells(fix: Fix, notebook: NotebookModule) -> Fix | None:
    edits = []
    for edit in fix.edits:
        first, last = notebook.where(edit.span.line), notebook.where(edit.span.end_line)
        if first is None or last is None or first.cell != last.cell:
            return None
        touched = notebook.lines[edit.span.line - 1 : edit.span.end_line]
        if any(line.masked or line.dedent for line in touched):
            return None  # an IPython line, or a cell indented as a whole (an inserted line's indent is unknown)
        span = Span(first.line, edit.span.column, last.line, edit.span.end_column)
        edits.append(replace(edit, span=span, cell=first.cell))
    return replace(fix, edits=tuple(edits))


def _unused_suppression_findings(path: str, unused: Sequence[UnusedSuppression]) -> list[Finding]:
    from detlint.checks.det0_meta.det090_unused_suppression import UnusedSuppressionRule

    findings = []
    for item in unused:
        suppression, selector = item.suppression, item.selector
        if suppression.kind == "noqa" and not selector.upper().startswith("DET"):
            continue  # another tool's code
        if _selects_any(selector):
            message = f"unused suppression: no {selector} finding here to silence"
            advice = "Remove it, or move it to the statement it was meant for"
        else:
            message = f"suppression names no detlint rule: `{selector}`"
            advice = "Name a rule by its code or name (see `detlint rules`)"
        findings.append(
            UnusedSuppressionRule.at(
                path, message, suppression.line, suppression.column,
                anchor=f"{suppression.kind}:{selector}", occurrence=suppression.line, help=advice,
            )  # fmt: skip
        )
    return findings


def _selects_any(selector: str) -> bool:
    from detlint.registry import rule_index

    try:
        return bool(rule_index().codes_for(selector))
    except ValueError:
        return False


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

"""The `detlint` command. Exit codes: 0 clean, 1 findings, 2 usage, configuration or internal error.
Advisory findings (a file skipped for its size) are reported but do not by themselves make it 1."""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from rich.console import Console

from detlint import __version__
from detlint.reporters import FORMATS

if TYPE_CHECKING:
    from detlint.api import RunResult
    from detlint.reporters.paths import ReportPaths
    from detlint.sources import SourceFile
    from detlint.baseline import BaselineEntry
    from detlint.config import Settings
    from detlint.finding import Finding
    from detlint.selection import Selection

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# Runs with fewer files than this finish before a progress bar would be worth drawing.
PROGRESS_MIN_FILES = 200
# The packages `detlint server` needs beyond the base install (the `server` extra).
SERVER_EXTRA = ("pygls", "lsprotocol")


class DetlintGroup(click.Group):
    """Turns every unexpected exception into exit 2 with a one-line message (tracebacks with --debug)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 - the last line of defence
            if "--debug" in sys.argv:
                traceback.print_exc()
            click.echo(f"detlint: internal error: {type(error).__name__}: {error} (run with --debug)", err=True)
            ctx.exit(EXIT_ERROR)


def _split(values: Sequence[str]) -> tuple[str, ...] | None:
    """`--select DET2,DET3 --select cudnn-benchmark` -> ("DET2", "DET3", "cudnn-benchmark")."""
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _fail(message: str) -> NoReturn:
    click.echo(f"detlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@click.group(cls=DetlintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="detlint")
def main() -> None:
    """Find what makes machine-learning runs irreproducible."""


@dataclass(frozen=True)
class RunRequest:
    """What every command that analyses a project is asked: which files, configuration and rules."""

    paths: tuple[Path, ...]
    select: tuple[str, ...]
    extend_select: tuple[str, ...]
    ignore: tuple[str, ...]
    min_confidence: str | None
    jobs: int | None
    no_cache: bool
    force_exclude: bool
    config_path: Path | None
    verbose: bool
    debug: bool

    @property
    def targets(self) -> tuple[Path, ...]:
        """The paths to analyse: those given, else the current directory."""
        return self.paths or (Path("."),)


_RUN_OPTIONS = (
    click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
    click.option("--select", multiple=True,
                 help="Rules to run: codes, prefixes (DET2) or names; replaces the config's."),
    click.option("--extend-select", multiple=True, help="Rules to run in addition to the selected ones."),
    click.option("--ignore", multiple=True, help="Rules not to run; replaces the config's."),
    click.option("--min-confidence", type=click.Choice(["low", "medium", "high"]), help="Hide less certain findings."),
    click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: one per core)."),
    click.option("--no-cache", is_flag=True, help="Analyse every file afresh; read and write no cache."),
    click.option("--force-exclude", is_flag=True, help="Apply excludes to paths given on the command line too."),
    click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="Use this pyproject.toml or detlint.toml instead of the nearest one."),
    click.option("-v", "--verbose", is_flag=True, help="Say which configuration and files were used."),
    click.option("--debug", is_flag=True, help="Show tracebacks of internal errors."),
)  # fmt: skip
_REQUEST_FIELDS = tuple(field.name for field in fields(RunRequest))


def run_options(command: Callable) -> Callable:
    """The PATHS argument and the discovery, configuration and selection options, handed to the
    command as one `RunRequest` (its first parameter); the command's own options follow them."""

    @functools.wraps(command)
    def with_request(**options: object):
        request = RunRequest(**{name: options.pop(name) for name in _REQUEST_FIELDS})  # type: ignore[arg-type]
        return command(request, **options)

    for decorate in reversed(_RUN_OPTIONS):  # click lists the last applied first
        with_request = decorate(with_request)
    return with_request


@main.command()
@run_options
@click.option(
    "--output-format",
    type=click.Choice(sorted(FORMATS)),
    default=lambda: os.environ.get("DETLINT_OUTPUT_FORMAT"),
    show_default="full on a terminal, else concise",
    help="How to print findings: `concise` (one line each; `text` is the same), `full` (with the source, "
    "related places, why and how to fix), or a format for tools.",
)
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--statistics", is_flag=True, help="Count findings per rule after the list.")
@click.option("--show-source", is_flag=True, help="Print findings in the `full` format.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings this baseline file (see `detlint baseline`) does not record.")  # fmt: skip
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--show-files", is_flag=True, help="List the files that would be checked, and stop.")
@click.option("--fix", is_flag=True, help="Apply safe fixes, then report what is left.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff: also fixes that change behaviour.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; change no file.")
@click.option("--stdin-filename", type=click.Path(dir_okay=False, path_type=Path),
              help="Check the source on standard input as this file of its project (PATHS: `-` or none).")  # fmt: skip
def check(
    request: RunRequest,
    output_format: str | None,
    output_file: Path | None,
    statistics: bool,
    show_source: bool,
    baseline_file: Path | None,
    exit_zero: bool,
    show_files: bool,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    stdin_filename: Path | None,
) -> None:
    """Check PATHS (default: the current directory) for reproducibility hazards. `-` reads the source
    of one Python file from standard input (see --stdin-filename); with --fix, the fixed source is
    printed and the findings go to stderr."""
    stderr = Console(stderr=True)
    output_format = _output_format(output_format, output_file, show_source)
    buffer = _stdin_buffer(request, stdin_filename, show_files=show_files)
    settings, selection = _configure(request, stderr, start=buffer.path if buffer else None)
    if buffer is not None:
        _check_buffer(buffer, request, settings, selection, output_format=output_format, output_file=output_file,
                      statistics=statistics, baseline_file=baseline_file,
                      exit_zero=exit_zero, fix=fix, unsafe_fixes=unsafe_fixes, diff=diff)  # fmt: skip
    if show_files:
        from detlint.api import discover_sources

        selection()  # a bad selector is a configuration error here too
        files = _discover_or_fail(
            lambda: discover_sources(request.targets, settings, force_exclude=request.force_exclude)
        )
        shown = _report_paths(settings.root, Path.cwd(), files)
        click.echo("".join(f"{shown(source.display)}\n" for source in files), nl=False)
        _say_if_nothing_found(request, files)
        return
    baseline = _load_baseline(baseline_file) if baseline_file else None  # a bad file fails before the run
    result = _analyse(request, settings, selection, stderr, progress=not output_file)
    if diff or fix:
        shown = _report_paths(settings.root, Path.cwd(), result.files)
        fixed = _apply_fixes(result.findings, shown, unsafe=unsafe_fixes, write=not diff)
        if diff:
            sys.exit(EXIT_FINDINGS if fixed else EXIT_CLEAN)
        if fixed:
            stderr.print(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.")
            result = _analyse(request, settings, selection, stderr, progress=False)
    findings = result.findings
    if baseline_file and baseline is not None:
        findings = _without_baselined(findings, baseline_file, baseline, result, selection)
    paths = _report_paths(settings.root, _report_base(output_format, settings.root), result.files)
    _emit(findings, paths, output_format, output_file, statistics)
    if result.internal_error:
        sys.exit(EXIT_ERROR)
    sys.exit(_exit_status(findings, exit_zero))


@dataclass(frozen=True)
class StdinBuffer:
    """Source read from standard input, checked as the Python file at `path` of its project: the
    project's other files come from disk, this one's content from the buffer."""

    path: Path
    data: bytes
    name: str | None = None  # what reports call it instead of its path ("-" without --stdin-filename)


def _stdin_buffer(request: RunRequest, stdin_filename: Path | None, *, show_files: bool) -> StdinBuffer | None:
    """The buffer to check when PATHS is `-` or --stdin-filename is given (then read from stdin), else
    None. Combinations that cannot mean anything are usage errors (exit 2)."""
    dashes = sum(path.as_posix() == "-" for path in request.paths)
    if not dashes and stdin_filename is None:
        return None
    if dashes != len(request.paths) or dashes > 1:
        raise click.UsageError("standard input (`-`) cannot be checked together with other PATHS")
    if show_files:
        raise click.UsageError("--show-files lists files on disk; it does not read standard input")
    if stdin_filename is not None:
        from detlint.discovery import classify

        if classify(stdin_filename) != "python":
            raise click.UsageError(
                f"--stdin-filename {stdin_filename.as_posix()}: only Python source (.py, .pyi) can be read from "
                "standard input"
            )
    data = sys.stdin.buffer.read()
    if stdin_filename is None:  # as ruff does: a file of the current directory's project, shown as `-`
        return StdinBuffer(Path.cwd() / "stdin.py", data, name="-")
    return StdinBuffer(stdin_filename, data)


def _check_buffer(
    buffer: StdinBuffer,
    request: RunRequest,
    settings: Settings,
    selection: Callable[[], Selection],
    *,
    output_format: str,
    output_file: Path | None,
    statistics: bool,
    baseline_file: Path | None,
    exit_zero: bool,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
) -> NoReturn:
    """`check` on standard input. --diff prints the diff of the buffer; --fix prints the whole fixed
    source to stdout (the source unchanged when there is nothing to fix, so an editor that pipes its
    buffer through detlint never loses it) and reports the findings left on stderr."""
    baseline = _load_baseline(baseline_file) if baseline_file else None
    result = _analyse_buffer(buffer, request, settings, selection)
    paths = _report_paths(settings.root, _report_base(output_format, settings.root), result.files,
                          names={result.files[0].display: buffer.name} if buffer.name else None)  # fmt: skip
    if fix or diff:
        from detlint.fixes import apply_edits, chosen, unified_diff

        try:
            old = buffer.data.decode("utf-8")
        except UnicodeDecodeError as error:
            click.echo(f"detlint: cannot fix {paths(result.files[0].display)}: {error}", err=True)
            old = None
        new, made = old, 0
        if old is not None:
            edits = [edit for finding in chosen(result.findings, unsafe=unsafe_fixes) for edit in finding.fix.edits]
            new, made = apply_edits(old, edits)
        if diff:
            if made:
                click.echo(unified_diff(paths(result.files[0].display), old, new), nl=False)
            sys.exit(EXIT_FINDINGS if made else EXIT_CLEAN)
        if made:
            click.echo(f"Fixed {made} finding{'s' if made != 1 else ''}.", err=True)
            buffer = replace(buffer, data=new.encode("utf-8"))
            result = _analyse_buffer(buffer, request, settings, selection)
        stdout = sys.stdout.buffer
        stdout.write(buffer.data)
        stdout.flush()
    findings = result.findings
    if baseline_file and baseline is not None:
        findings = _without_baselined(findings, baseline_file, baseline, result, selection)
    _emit(findings, paths, output_format, output_file, statistics,
          texts={result.files[0].display: buffer.data.decode("utf-8", errors="replace")}, to_stderr=fix)  # fmt: skip
    if result.internal_error:
        sys.exit(EXIT_ERROR)
    sys.exit(_exit_status(findings, exit_zero))


def _analyse_buffer(
    buffer: StdinBuffer, request: RunRequest, settings: Settings, selection: Callable[[], Selection]
) -> RunResult:
    """The findings on the buffer, judged with the rest of its project (as saved, mostly from the
    cache). With --force-exclude, a buffer for an excluded file on disk has none, as in a run over it."""
    from detlint.api import RunResult, check_source, discover_sources, saved_project, source_file

    source = source_file(buffer.path, settings)
    if request.force_exclude and buffer.path.is_file():
        if not discover_sources([buffer.path], settings, force_exclude=True):
            return RunResult([], [source])
    project = saved_project(settings, jobs=request.jobs, use_cache=not request.no_cache)
    findings = check_source(buffer.path, buffer.data, settings, project=project, selection=selection())
    # A rule that failed is a DET002 finding; its message stands in for the traceback, which
    # check_source does not return, so that the run exits 2 as a run over files does.
    failures = [finding.message for finding in findings if finding.code == "DET002"]
    if failures:
        click.echo("detlint: internal error in some rules; see DET002 findings", err=True)
    return RunResult(findings, [source], failures)


@main.command("baseline")
@run_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The baseline file to write, e.g. .detlint-baseline.json.")  # fmt: skip
def write_baseline(request: RunRequest, output: Path) -> None:
    """Record the findings in PATHS in a baseline file, so that `detlint check --baseline FILE` reports
    only findings that are new since."""
    from detlint import baseline

    stderr = Console(stderr=True)
    settings, selection = _configure(request, stderr)
    result = _analyse(request, settings, selection, stderr, progress=True)
    try:
        output.write_text(baseline.dumps(result.findings), encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror or error}")
    entries = _count(len(result.findings), "baseline entry", "baseline entries")
    click.echo(f"detlint: wrote {entries} to {output}", err=True)
    sys.exit(EXIT_ERROR if result.internal_error else EXIT_CLEAN)


@main.command("report")
@run_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The page to write, e.g. report.html.")
@click.option("--format", "report_format", type=click.Choice(["html", "markdown"]), default=None,
              show_default="markdown for a .md file, else html",
              help="A self-contained HTML page, or Markdown for a pull-request comment.")
@click.option("--probe", "probe_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Add the measurements of `detlint probe --output-format json` (its output file).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Compare with this baseline: new findings, and those fixed since.")
@click.option("--query-frameworks", is_flag=True,
              help="Ask the installed PyTorch and TensorFlow, in a worker process as the probe does, for their "
              "versions and, with a GPU, CUDA and cuDNN.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
def write_report(
    request: RunRequest,
    output: Path,
    report_format: str | None,
    probe_file: Path | None,
    baseline_file: Path | None,
    query_frameworks: bool,
    exit_zero: bool,
) -> None:
    """Write a reproducibility audit page for PATHS: a verdict per entry point, what each path seeds and
    switches on, the ops it reaches, the environment, provenance, probe measurements and the
    reproducibility checklist items each finding touches. Exits as `check` does; the page is written
    either way."""
    from detlint.probe.session import framework_environments
    from detlint.report.build import build_audit
    from detlint.report.probe import ProbeFileError
    from detlint.report.render import MissingExtra, render

    stderr = Console(stderr=True)
    settings, selection = _configure(request, stderr)
    baseline = _load_baseline(baseline_file) if baseline_file else None
    result = _analyse(request, settings, selection, stderr, progress=True, keep_project=True)
    checked_files = {source.display for source in result.files}
    title = settings.root.name if settings.in_project else request.targets[0].resolve().name
    try:
        audit = build_audit(
            result, settings, title, baseline=baseline, probe_file=probe_file,
            installed_frameworks=framework_environments() if query_frameworks else (),
            checked=lambda entry: entry.path in checked_files and selection().allows(entry.code, entry.path),
        )  # fmt: skip
        page = render(audit, report_format or ("markdown" if output.suffix.lower() in (".md", ".markdown") else "html"))
    except (ProbeFileError, MissingExtra) as error:
        _fail(str(error))
    try:
        output.write_text(page, encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror or error}")
    audited = _count(len(result.findings), "finding", "findings")
    click.echo(f"detlint: wrote the audit of {audited} to {output}", err=True)
    if result.internal_error:
        sys.exit(EXIT_ERROR)
    sys.exit(_exit_status(result.findings, exit_zero))


def _configure(
    request: RunRequest, stderr: Console, *, start: Path | None = None
) -> tuple[Settings, Callable[[], Selection]]:
    """Settings for a request (those that govern `start` when given: a file that need not exist), and
    the rule selection, built when first asked for: the rules load the parser, which a run whose
    findings the cache already holds never needs. Configuration errors end the command with exit 2."""
    from detlint.api import build_selection, settings_from
    from detlint.config import ConfigError
    from detlint.finding import Confidence

    first = request.targets[0]
    if start is None:
        start = first if first.exists() else Path.cwd()
    floor = Confidence(request.min_confidence) if request.min_confidence else None
    try:
        settings = settings_from(start, request.config_path, min_confidence=floor)
    except ConfigError as error:
        _fail(str(error))
    config_file = settings.config_file
    if request.verbose:
        stderr.print(
            f"detlint {__version__}: configuration {config_file or '(defaults)'}, root {settings.root}",
            soft_wrap=True, markup=False, highlight=False,
        )  # fmt: skip

    @functools.cache
    def selection() -> Selection:
        from detlint.selection import SelectorError

        try:
            build_selection(settings)
        except SelectorError as error:
            _fail(str(ConfigError(str(error), key=error.key, file=config_file)))
        try:
            return build_selection(
                settings,
                select=_split(request.select),
                extend_select=_split(request.extend_select) or (),
                ignore=_split(request.ignore),
            )
        except SelectorError as error:
            _fail(f"--{error.key}: {error}")

    return settings, selection


def _analyse(
    request: RunRequest,
    settings: Settings,
    selection: Callable[[], Selection],
    stderr: Console,
    *,
    progress: bool,
    keep_project: bool = False,
) -> RunResult:
    """One run over the request's paths, with a progress bar on a terminal and the diagnostics that
    --verbose and --debug ask for."""
    from detlint.api import check_paths

    selection_key = repr((request.select, request.extend_select, request.ignore))
    with _progress(stderr, enabled=progress and stderr.is_terminal) as report_progress:
        result = _discover_or_fail(
            lambda: check_paths(request.targets, settings, selection=selection, selection_key=selection_key,
                                jobs=request.jobs, use_cache=not request.no_cache,
                                force_exclude=request.force_exclude, progress=report_progress,
                                keep_project=keep_project)  # fmt: skip
        )
    _say_if_nothing_found(request, result.files)
    if request.verbose:
        stderr.print(f"checked {_count(len(result.files), 'file', 'files')}", markup=False, highlight=False)
        for package, (version, source) in result.versions.items():
            where = f"{version} ({source})" if version else "the newest catalogued release"
            stderr.print(f"{package}: judged against {where}", soft_wrap=True, markup=False, highlight=False)
    if request.debug:
        for trace in result.tracebacks:
            stderr.print(trace, markup=False, highlight=False)
    if result.internal_error:
        stderr.print("detlint: internal error in some rules; see DET002 findings (run with --debug)", markup=False)
    return result


def _exit_status(findings: Sequence[Finding], exit_zero: bool) -> int:
    """1 when a finding fails the run; advisory findings (a file skipped for its size) are shown but
    do not count."""
    failing = any(not finding.advisory for finding in findings)
    return EXIT_FINDINGS if failing and not exit_zero else EXIT_CLEAN


def _say_if_nothing_found(request: RunRequest, files: Sequence[SourceFile]) -> None:
    """An empty run is not an error, but it is not a clean project either: say so on stderr."""
    if not files:
        where = ", ".join(path.as_posix() for path in request.targets)
        click.echo(f"detlint: No Python or dependency files found in {where}", err=True)


def _apply_fixes(findings, shown: ReportPaths, *, unsafe: bool, write: bool) -> int:
    """Apply (or, without `write`, print as a diff) the fixes of the findings; the number applied."""
    from detlint.fixes import chosen, fix_file, unified_diff, write_atomically

    by_path: dict[str, list] = {}
    for finding in chosen(findings, unsafe=unsafe):
        by_path.setdefault(finding.path, []).append(finding)
    applied = 0
    for display, items in sorted(by_path.items()):
        path = shown.location(display)
        try:
            old, new, made = fix_file(path, items)
        except (OSError, UnicodeDecodeError) as error:
            click.echo(f"detlint: cannot fix {shown(display)}: {error}", err=True)
            continue
        if new == old:
            continue
        applied += made
        if write:
            write_atomically(path, new)
        else:
            click.echo(unified_diff(shown(display), old, new), nl=False)
    return applied


def _load_baseline(path: Path) -> list[BaselineEntry]:
    from detlint.baseline import BaselineError, load

    try:
        return load(path)
    except BaselineError as error:
        _fail(str(error))


def _without_baselined(
    findings: list[Finding],
    baseline_file: Path,
    entries: list[BaselineEntry],
    result: RunResult,
    selection: Callable[[], Selection],
) -> list[Finding]:
    """The findings the baseline does not record, and a one-line account of it on stderr. Only entries
    about files and rules this run checked can be stale."""
    from detlint.baseline import apply

    checked_files = {source.display for source in result.files}
    outcome = apply(findings, entries, checked=lambda e: e.path in checked_files and selection().allows(e.code, e.path))
    known = _count(outcome.absorbed, "known finding", "known findings")
    stale = _count(len(outcome.stale), "stale entry", "stale entries")
    note = f"detlint: baseline {baseline_file}: {known} not shown, {stale}"
    if outcome.stale:
        note += f" (fixed or changed; refresh with `detlint baseline -o {baseline_file}`)"
    click.echo(note, err=True)  # one line, never wrapped
    return outcome.new


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _discover_or_fail(action: Callable):
    try:
        return action()
    except FileNotFoundError as error:
        _fail(str(error))


def _output_format(output_format: str | None, output_file: Path | None, show_source: bool) -> str:
    """The format asked for; without one, `full` for a person at a terminal and `concise` for
    everything else (a pipe, a file, CI logs). `--show-source` asks for `full`."""
    if output_format is None:
        output_format = "full" if output_file is None and _stdout_is_terminal() else "concise"
    if show_source and output_format in ("concise", "text"):
        return "full"
    return output_format


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _report_paths(
    root: Path, base: Path, files: Iterable[SourceFile], names: Mapping[str, str] | None = None
) -> ReportPaths:
    """How a report relative to `base` names the files of a run (see `detlint.reporters.paths`)."""
    from detlint.reporters.paths import ReportPaths

    return ReportPaths(root, base, {source.display: source.path for source in files}, names=names or {})


def _report_base(output_format: str, root: Path) -> Path:
    from detlint.reporters.paths import report_base

    return report_base(output_format, root)


def _emit(
    findings,
    paths: ReportPaths,
    output_format: str,
    output_file: Path | None,
    statistics: bool,
    *,
    texts: Mapping[str, str] | None = None,
    to_stderr: bool = False,
):
    """Print the report (on stderr `to_stderr`), or write it to `output_file`. Its paths follow one
    rule, whatever the format: see `detlint.reporters.paths`. `texts`: the source of files whose
    content is not on disk (standard input), by display path."""
    from detlint.reporters import render

    buffered = {paths(display): text.splitlines() for display, text in (texts or {}).items()}
    stdout = Console(soft_wrap=True, highlight=False)
    color = output_file is None and not to_stderr and stdout.is_terminal and not stdout.no_color
    report = render(
        output_format,
        paths.findings(findings),
        statistics=statistics,
        source_lines=functools.cache(
            lambda path, cell: buffered[path] if path in buffered else _read_lines(paths.base / path, cell)
        ),
        color=color,
        root=paths.root,
        base=paths.base,
    )
    if output_file is not None:
        output_file.write_text(report, encoding="utf-8")
    elif to_stderr:
        click.echo(report, nl=False, err=True)
    elif color:
        stdout.print(report, end="")
    else:
        click.echo(report, nl=False)


def _read_lines(path: Path, cell: int | None = None) -> list[str]:
    """The lines of a file (or of one cell of a notebook) to quote in the output: decoded as Python
    would decode the file, control characters made visible."""
    from detlint.notebook import cell_source_lines
    from detlint.sources import display_lines, printable

    try:
        data = path.read_bytes()
    except OSError:
        return []
    if cell is not None:
        return [printable(line) for line in cell_source_lines(data, cell)]
    return display_lines(data)


class _progress:
    """A transient progress bar on stderr for long runs on a terminal; a no-op otherwise."""

    def __init__(self, console: Console, enabled: bool) -> None:
        self.console = console
        self.enabled = enabled
        self.bar = None
        self.task = None

    def __enter__(self) -> Callable[[int, int], None]:
        return self.update

    def update(self, done: int, total: int) -> None:
        if not self.enabled or total < PROGRESS_MIN_FILES:
            return
        if self.bar is None:
            from rich.progress import Progress

            self.bar = Progress(console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("checking", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@main.command("clean")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def clean(path: Path | None) -> None:
    """Remove the result cache of the project at PATH (default: the current directory)."""
    import shutil

    from detlint.config import ConfigError, settings_for

    start = (path or Path.cwd()).resolve()
    try:
        settings = settings_for(start)
    except ConfigError as error:
        _fail(str(error))
    # Outside any project, the folder given is the one whose cache is meant.
    cache_dir = settings.result_cache if settings.in_project else start / ".detlint_cache"
    if cache_dir.is_dir():
        shutil.rmtree(cache_dir)
        click.echo(f"removed {cache_dir}")


@main.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(output_format: str) -> None:
    """List every rule."""
    import textwrap

    from rich.table import Table
    from rich.text import Text

    from detlint.registry import rule_index

    rules = rule_index().rules
    if output_format == "json":
        rows = [
            {"code": r.code, "name": r.name, "summary": r.summary(), "severity": r.severity.value,
             "confidence": r.confidence.value, "frameworks": sorted(r.frameworks), "kind": r.kind()}
            for r in rules
        ]  # fmt: skip
        click.echo(json.dumps(rows, indent=2))
        return
    console = Console(soft_wrap=False, highlight=False)
    name_width = max(len(rule.name) for rule in rules)
    # Codes and names are what users type: never cut, never wrapped. The summary wraps in what is left,
    # and below a usable width each rule's summary goes on lines of its own.
    fixed = len("DET000") + name_width + len("warning") + 3 * 2
    if console.width - fixed >= 24:
        table = Table("Code", "Name", "Severity", "Summary", box=None, pad_edge=False)
        table.columns[0].no_wrap = table.columns[2].no_wrap = True
        table.columns[1].no_wrap, table.columns[1].min_width = True, name_width
        table.columns[3].overflow = "fold"  # a long `code` span breaks rather than ends in "…"
        for rule in rules:
            table.add_row(Text(rule.code), Text(rule.name), Text(rule.severity.value), Text(rule.summary()))
        console.print(table)
        return
    for rule in rules:
        click.echo(f"{rule.code}  {rule.name}  {rule.severity.value}")
        indent = " " * 4
        summary = textwrap.fill(rule.summary(), max(console.width, 24), initial_indent=indent, subsequent_indent=indent)
        click.echo(summary)


@main.command("rule")
@click.argument("code_or_name")
def explain_rule(code_or_name: str) -> None:
    """Show the documentation of one rule (by code or name)."""
    from rich.markdown import Markdown

    from detlint.docs import rule_page
    from detlint.registry import rule_index

    rule = rule_index().lookup(code_or_name)
    if rule is None:
        _fail(f"no rule {code_or_name!r} (see `detlint rules`)")
    page = rule_page(rule)
    console = Console()
    if console.is_terminal:
        console.print(Markdown(page))
    else:
        click.echo(page, nl=False)


@main.command("server")
@click.option("--tcp", "tcp_port", type=click.IntRange(1, 65535), help="Listen on this port of localhost instead of stdio.")
def server(tcp_port: int | None) -> None:
    """Run the language server for editors (over standard input and output unless --tcp)."""
    try:
        from detlint.server.app import serve
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in SERVER_EXTRA:
            raise
        _fail(f'the language server needs {error.name}: pip install "detlint[server]"')
    serve(tcp_port)


@main.command("probe")
@run_options
@click.option("--from", "from_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Probe the findings of this `detlint check --output-format json` report instead of PATHS.")
@click.option("--runs", type=click.IntRange(min=2), default=5, show_default=True,
              help="Runs per op with identical inputs, compared bitwise.")
@click.option("--device", type=click.Choice(["auto", "cuda", "cpu"]), default="auto", show_default=True,
              help="Where to run the ops (auto: CUDA when available).")
@click.option("--size", type=click.Choice(["small", "medium", "large"]), default="small", show_default=True,
              help="Synthetic input size (medium: 4x, large: 16x the elements of small).")
@click.option("--timeout", type=click.FloatRange(min=1), default=120.0, show_default=True,
              help="Seconds one recipe may take before it is skipped.")
@click.option("--threads", type=click.IntRange(min=1), help="CPU threads for PyTorch (default: its own, at least 2).")
@click.option("--output-format", "probe_format", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, help="How to print the findings with their probe results.")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
def probe(
    request: RunRequest,
    from_file: Path | None,
    runs: int,
    device: str,
    size: str,
    timeout: float,
    threads: int | None,
    probe_format: str,
    output_file: Path | None,
) -> None:
    """Run the ops behind op findings on synthetic inputs: is each really nondeterministic on this device
    and version, and what does deterministic mode cost? Never imports the project's code. Exit 0 when
    nothing is confirmed, 1 when some op is, 2 on usage errors and when no recipe could run because a
    framework is not installed or the device asked for is absent (an unrun probe is not a pass)."""
    from detlint.probe.report import FindingsFileError, load_findings, ran_any, render, unavailable_notes
    from detlint.probe.session import ProbeOptions, probe_findings
    from detlint.registry import rule_index

    stderr = Console(stderr=True)
    internal_error = False
    if from_file is not None:
        if request.paths:
            _fail("give PATHS or --from, not both")
        try:
            findings = load_findings(from_file)
        except FindingsFileError as error:
            _fail(str(error))
        root, protected = None, (from_file.parent,)
    else:
        settings, selection = _configure(request, stderr)
        result = _analyse(request, settings, selection, stderr, progress=not output_file)
        findings, root, internal_error = result.findings, settings.root, result.internal_error
        protected = (settings.root, *request.targets)
        findings = _report_paths(root, _report_base(probe_format, root), result.files).findings(findings)

    def progress(done: int, total: int, recipe: str) -> None:
        if request.verbose and recipe:
            stderr.print(f"probe: {recipe} ({done + 1}/{total})", markup=False, highlight=False)

    options = ProbeOptions(runs=runs, device=device, size=size, timeout=timeout, threads=threads,
                           protected=tuple(protected))  # fmt: skip
    results = probe_findings(findings, options, progress=progress)
    stdout = Console(soft_wrap=True, highlight=False)
    color = output_file is None and stdout.is_terminal and not stdout.no_color
    report = render(probe_format, findings, results, rules=rule_index(), root=root,
                    base=_report_base(probe_format, root) if root else None, color=color,
                    width=stdout.width if stdout.is_terminal else None)  # fmt: skip
    if output_file is not None:
        output_file.write_text(report, encoding="utf-8")
    else:
        click.echo(report, nl=False, color=color)
    if internal_error:
        sys.exit(EXIT_ERROR)
    notes = unavailable_notes(results)
    for note in notes:
        click.echo(f"detlint probe: {note}", err=True)
    if notes and not ran_any(results):
        click.echo("detlint probe: no recipe could run here, so nothing was confirmed or ruled out", err=True)
        sys.exit(EXIT_ERROR)
    confirmed = any(result is not None and result.status.value == "confirmed" for result in results)
    sys.exit(EXIT_FINDINGS if confirmed else EXIT_CLEAN)

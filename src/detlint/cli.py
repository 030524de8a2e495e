"""The `detlint` command. Exit codes: 0 clean, 1 findings, 2 usage, configuration or internal error."""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console

from detlint import __version__
from detlint.reporters import FORMATS

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# Runs with fewer files than this finish before a progress bar would be worth drawing.
PROGRESS_MIN_FILES = 200


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


def _fail(message: str) -> None:
    click.echo(f"detlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@click.group(cls=DetlintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="detlint")
def main() -> None:
    """Find what makes machine-learning runs irreproducible."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, help="Rules to run: codes, prefixes (DET2) or names; replaces the config's.")
@click.option("--extend-select", multiple=True, help="Rules to run in addition to the selected ones.")
@click.option("--ignore", multiple=True, help="Rules not to run; replaces the config's.")
@click.option(
    "--output-format",
    type=click.Choice(sorted(FORMATS)),
    default=lambda: os.environ.get("DETLINT_OUTPUT_FORMAT", "text"),
    show_default="text",
    help="How to print findings.",
)
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--statistics", is_flag=True, help="Count findings per rule after the list.")
@click.option("--show-source", is_flag=True, help="Show the flagged source lines under each finding.")
@click.option("--min-confidence", type=click.Choice(["low", "medium", "high"]), help="Hide less certain findings.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: one per core).")
@click.option("--no-cache", is_flag=True, help="Analyse every file afresh; read and write no cache.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to paths given on the command line too.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Use this pyproject.toml or detlint.toml instead of the nearest one.")  # fmt: skip
@click.option("--show-files", is_flag=True, help="List the files that would be checked, and stop.")
@click.option("-v", "--verbose", is_flag=True, help="Say which configuration and files were used.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def check(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    output_file: Path | None,
    statistics: bool,
    show_source: bool,
    min_confidence: str | None,
    jobs: int | None,
    no_cache: bool,
    exit_zero: bool,
    force_exclude: bool,
    config_path: Path | None,
    show_files: bool,
    verbose: bool,
    debug: bool,
) -> None:
    """Check PATHS (default: the current directory) for reproducibility hazards."""
    from detlint.config import ConfigError, find_config, load_settings
    from detlint.finding import Confidence
    from detlint.runner import build_selection, run
    from detlint.selection import SelectorError

    paths = paths or (Path("."),)
    stderr = Console(stderr=True)
    try:
        config_file = config_path or find_config(paths[0] if paths[0].exists() else Path.cwd())
        settings = load_settings(config_file)
        try:
            build_selection(settings)
        except SelectorError as error:
            raise ConfigError(str(error), key=error.key, file=config_file) from None
    except ConfigError as error:
        _fail(str(error))
    if min_confidence:
        settings = settings.with_overrides(min_confidence=Confidence(min_confidence))
    try:
        selection = build_selection(
            settings, select=_split(select), extend_select=_split(extend_select) or (), ignore=_split(ignore)
        )
    except SelectorError as error:
        _fail(f"--{error.key}: {error}")
    if verbose:
        stderr.print(f"detlint {__version__}: configuration {config_file or '(defaults)'}, root {settings.root}")

    if show_files:
        from detlint.discovery import discover

        files = _discover_or_fail(lambda: discover(paths, settings.root, exclude=settings.exclude,
                                  extend_exclude=settings.extend_exclude, force_exclude=force_exclude,
                                  respect_gitignore=settings.respect_gitignore))  # fmt: skip
        click.echo("".join(f"{source.display}\n" for source in files), nl=False)
        return

    with _progress(stderr, enabled=stderr.is_terminal and not output_file) as progress:
        result = _discover_or_fail(
            lambda: run(paths, settings, selection, jobs=jobs, use_cache=not no_cache,
                        force_exclude=force_exclude, progress=progress)  # fmt: skip
        )
    if verbose:
        stderr.print(f"checked {len(result.files)} files")
    if debug:
        for trace in result.tracebacks:
            stderr.print(trace, markup=False, highlight=False)
    if result.internal_error:
        stderr.print("detlint: internal error in some rules; see DET002 findings (run with --debug)", markup=False)

    _emit(result.findings, settings.root, output_format, output_file, statistics, show_source)
    if result.internal_error:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if result.findings and not exit_zero else EXIT_CLEAN)


def _discover_or_fail(action: Callable):
    try:
        return action()
    except FileNotFoundError as error:
        _fail(str(error))


def _emit(findings, root: Path, output_format: str, output_file: Path | None, statistics: bool, show_source: bool):
    from detlint.registry import rule_index
    from detlint.reporters import render

    if output_format == "text":
        findings = [replace(finding, path=_relative_to_cwd(root / finding.path)) for finding in findings]
    stdout = Console(soft_wrap=True, highlight=False)
    color = output_file is None and stdout.is_terminal and not stdout.no_color
    report = render(
        output_format,
        findings,
        statistics=statistics,
        show_source=show_source,
        source_lines=lambda path: _read_lines(Path(path) if output_format == "text" else root / path),
        color=color,
        rules=rule_index(),
        root=root,
    )
    if output_file is not None:
        output_file.write_text(report, encoding="utf-8")
    elif color:
        stdout.print(report, end="")
    else:
        click.echo(report, nl=False)


def _relative_to_cwd(path: Path) -> str:
    """Text output names files as the user's shell sees them, so editors and terminals can open them."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


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


@main.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(output_format: str) -> None:
    """List every rule."""
    from rich.table import Table

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
    table = Table("Code", "Name", "Severity", "Summary", box=None, pad_edge=False)
    for rule in rules:
        table.add_row(rule.code, rule.name, rule.severity.value, rule.summary())
    Console(soft_wrap=False).print(table)


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

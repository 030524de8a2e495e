"""detlint as a flake8 plugin, and so in every editor that runs flake8.

Registered as the `DET` entry point of the `flake8.extension` group. flake8 hands over one file's
lines at a time; the plugin parses those lines, never the file on disk (editors lint unsaved buffers
through stdin), and analyses them as `detlint check FILE` does: the file rules, then the project rules
over the file's project (the other files as saved, mostly from detlint's cache), with the
`[tool.detlint]` settings of the nearest configuration file.

What flake8 owns stays flake8's: rule selection (`--select`, `--extend-ignore`, per-file ignores) and
`# noqa` comments, so detlint does not apply its own selection or noqa handling here, and reports no
unused suppressions (DET090). detlint's own `# detlint: ignore[...]` comments, which flake8 does not
read, still apply.
"""

from __future__ import annotations

import ast
import functools
import io
import os
import tokenize
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from detlint import __version__
from detlint.catalogs.loader import load_catalog
from detlint.config import Settings, find_config, load_settings
from detlint.discovery import discover, module_name
from detlint.engine import FileAnalyzer
from detlint.results import AnalysisOptions, FileResult
from detlint.finding import Confidence, Finding
from detlint.project.index import ProjectIndex
from detlint.run.project_pass import run_project_rules
from detlint.registry import rule_index
from detlint.run.orchestrate import analyse_files, analysis_options
from detlint.sources import SourceFile
from detlint.suppress import apply_suppressions

MIN_CONFIDENCE_OPTION = "--detlint-min-confidence"


class Plugin:
    name = "detlint"
    version = __version__
    # Set from --detlint-min-confidence; None leaves the floor to the project's configuration.
    min_confidence: ClassVar[Confidence | None] = None

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        # `tree` goes unused, but asking for it is what makes flake8 call the plugin once per file.
        self.lines = lines
        self.filename = filename

    @staticmethod
    def add_options(option_manager: Any) -> None:
        option_manager.add_option(
            MIN_CONFIDENCE_OPTION,
            choices=[confidence.value for confidence in Confidence],
            default=None,
            parse_from_config=True,
            help="Hide detlint findings less certain than this (default: min-confidence in [tool.detlint], "
            "else medium).",
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        value = options.detlint_min_confidence
        cls.min_confidence = Confidence(value) if value else None

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        for finding in check_lines(self.lines, self.filename, min_confidence=self.min_confidence):
            # flake8 wants 0-based columns (it adds 1) and the message to start with the code.
            yield finding.span.line, finding.span.column, f"{finding.code} {finding.message}", type(self)


def check_lines(lines: Sequence[str], filename: str, *, min_confidence: Confidence | None = None) -> list[Finding]:
    """The findings `detlint check FILENAME` would report if the file held `lines`, before selection
    and `# noqa`, which are left to flake8."""
    path = Path(filename)
    config_file = find_config(path)
    settings = _settings(config_file)
    source = SourceFile(path, _display_path(path, settings.root), "python", module_name(path, settings.root))
    result = _analyzer(analysis_options(settings)).analyse_bytes(source, _source_bytes(lines))
    project = [result, *(saved for saved in _saved_project(config_file) if saved.path != result.path)]
    project_findings, _failures = run_project_rules(ProjectIndex.build(project, settings), rule_index().project_rules())
    findings = [*result.findings, *(finding for finding in project_findings if finding.path == result.path)]
    detlint_comments = [suppression for suppression in result.suppressions if suppression.kind != "noqa"]
    kept, _unused = apply_suppressions(findings, detlint_comments)
    floor = min_confidence or settings.min_confidence
    return sorted((finding for finding in kept if finding.confidence.at_least(floor)), key=Finding.sort_key)


@functools.cache
def _settings(config_file: Path | None) -> Settings:
    # flake8 checks many files per process, and most share one configuration file.
    return load_settings(config_file)


@functools.cache
def _saved_project(config_file: Path | None) -> tuple[FileResult, ...]:
    """Every file of the project that a configuration file marks, as saved, for the rules that follow
    several files. Analysed once per flake8 process, mostly from detlint's cache; without a
    configuration file there is no project beyond the file itself (as in `detlint check`)."""
    if config_file is None:
        return ()
    settings = _settings(config_file)
    sources = discover([settings.root], settings.root, exclude=settings.exclude,
                       extend_exclude=settings.extend_exclude, respect_gitignore=settings.respect_gitignore)  # fmt: skip
    # flake8 already runs one process per core: analyse serially inside each.
    results = analyse_files(sources, analysis_options(settings), settings, jobs=1, use_cache=True, progress=None)
    return tuple(results)


@functools.cache
def _analyzer(options: AnalysisOptions) -> FileAnalyzer:
    return FileAnalyzer(load_catalog(), rule_index().file_rules(), options)


def _display_path(path: Path, root: Path) -> str:
    """The path as `detlint check` shows it: relative to the project root where it lies below it."""
    absolute = Path(os.path.abspath(path))
    return absolute.relative_to(root).as_posix() if absolute.is_relative_to(root) else path.as_posix()


def _source_bytes(lines: Sequence[str]) -> bytes:
    """The lines as bytes in the encoding their coding declaration names (flake8 has decoded them), so
    the engine decodes them back to the same text."""
    text = "".join(lines)
    utf8 = text.encode("utf-8")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(utf8).readline)
        return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return utf8

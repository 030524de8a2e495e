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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from detlint import __version__
from detlint.api import check_source, saved_project, settings_from
from detlint.config import Settings, find_config, find_project_root, load_settings
from detlint.finding import Confidence, Finding
from detlint.reporters.paths import ReportPaths
from detlint.results import FileResult

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
    governing = _governing(path.resolve().parent)
    settings = _settings(governing, min_confidence)
    findings = check_source(path, "".join(lines), settings, project=_saved_project(governing), hosted=True)
    # flake8 names the file itself; the paths messages cite follow detlint's rule, relative to the
    # working directory, so that they agree with it.
    return ReportPaths(settings.root, Path.cwd()).findings(findings)


@functools.cache
def _governing(directory: Path) -> Path | None:
    """The configuration file or, without one, the project root that governs a directory's files
    (looked up once per directory: flake8 checks many files per process)."""
    return find_config(directory) or find_project_root(directory)


@functools.cache
def _settings(governing: Path | None, min_confidence: Confidence | None) -> Settings:
    """The settings of a configuration file or a project root (None: neither)."""
    settings = settings_from(governing) if governing else load_settings(None)
    return settings.with_overrides(min_confidence=min_confidence)


@functools.cache
def _saved_project(governing: Path | None) -> tuple[FileResult, ...]:
    """The project's files as saved, analysed once per flake8 process (mostly from detlint's cache)."""
    # flake8 already runs one process per core: analyse serially inside each.
    return tuple(saved_project(_settings(governing, None), jobs=1))

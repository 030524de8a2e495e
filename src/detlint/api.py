"""The one way from inputs to findings, behind every front end: the `detlint` command, the flake8 plugin,
`detlint.testing` and editors. Nothing here prints or exits: bad input raises (`ConfigError`,
`SelectorError`, `FileNotFoundError` for a path that does not exist) and the front end words it.

Importing this module loads neither the parser nor the rules: a run whose findings the cache already
holds never needs them, and they load when a file is analysed or a selection is built."""

from __future__ import annotations

import io
import tokenize
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from detlint.config import Settings, settings_for
from detlint.ignore import compile_pattern
from detlint.run.orchestrate import (
    Progress, RunResult, discover_sources, run, run_source, saved_project, source_file,
)  # fmt: skip

if TYPE_CHECKING:
    from detlint.finding import Confidence, Finding
    from detlint.results import FileResult
    from detlint.selection import Selection

__all__ = [
    "Progress", "RunResult", "build_selection", "check_paths", "check_source", "discover_sources", "saved_project",
    "settings_from", "source_file",
]  # fmt: skip

# The selection key of runs that use the settings' own selection, which the snapshot's identity covers.
_SETTINGS_SELECTION = "settings"


def settings_from(
    start: Path, config_file: Path | None = None, *, min_confidence: Confidence | None = None
) -> Settings:
    """The settings that govern `start`, a file or directory: `config_file`'s when given, else the
    nearest configuration file's, else the defaults rooted at the project `start` lies in (see
    `config.settings_for`). `min_confidence`, when given, replaces the configured floor. Raises
    `ConfigError`."""
    return settings_for(start, config_file).with_overrides(min_confidence=min_confidence)


def build_selection(
    settings: Settings,
    *,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] | None = None,
) -> Selection:
    """The rules that report where: the settings' selectors, with `select` and `ignore` replacing
    theirs and `extend_select` adding to them. Raises `SelectorError`."""
    from detlint.registry import rule_index
    from detlint.selection import Selection

    return Selection.build(
        rule_index(),
        select=settings.select if select is None else select,
        extend_select=(*settings.extend_select, *extend_select),
        ignore=settings.ignore if ignore is None else ignore,
        per_file_ignores=settings.per_file_ignores,
        path_matcher=_path_matcher,
    )


def _path_matcher(pattern: str) -> Callable[[str], bool]:
    """A gitignore-style glob over display paths (relative to the project root)."""
    return compile_pattern(pattern).matches_path


def check_paths(
    paths: Sequence[Path],
    settings: Settings,
    *,
    selection: Selection | Callable[[], Selection] | None = None,
    selection_key: str | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    force_exclude: bool = False,
    progress: Progress | None = None,
    keep_project: bool = False,
) -> RunResult:
    """Every finding on the files under `paths`, judged with the rest of their project; with
    `keep_project`, also every file of the project with its facts (`RunResult.project_files`).

    `selection` (default: the settings') may be a function that builds it, called only when the
    findings are not already known; with a function, `selection_key`, a string that names what it
    selects, lets a run whose files and settings match the last one's return its findings from the
    cache at once. `jobs` caps the worker processes (None: one per core); `progress` is called with
    (files done, files total) as files are analysed."""
    if selection is None:
        selection, selection_key = partial(build_selection, settings), _SETTINGS_SELECTION
    return run(
        paths, settings, selection, selection_key=selection_key, jobs=jobs, use_cache=use_cache,
        force_exclude=force_exclude, progress=progress, keep_project=keep_project,
    )  # fmt: skip


def check_source(
    path: Path,
    text: str | bytes,
    settings: Settings,
    *,
    project: Sequence[FileResult] | None = None,
    selection: Selection | None = None,
    hosted: bool = False,
) -> list[Finding]:
    """The findings on the Python file (or notebook: its JSON text) at `path` if it held `text` (an
    editor's unsaved buffer, the lines flake8 hands over, standard input), judged with the other files of `project`:
    `saved_project(settings)`, read now unless given (a front end may keep it while the files on disk
    stay the same). Bytes are decoded as the interpreter would (a BOM, a coding declaration).

    `selection` defaults to the settings'. `hosted`: a host linter (flake8) owns rule selection and
    `# noqa` comments, so neither is applied here and no unused suppression (DET090) is reported;
    detlint's own `# detlint: ignore[...]` comments still apply."""
    saved = saved_project(settings) if project is None else project
    chosen = None if hosted else selection if selection is not None else build_selection(settings)
    data = text if isinstance(text, bytes) else _encoded(text)
    return run_source(path, data, settings, saved, chosen, noqa=not hosted)


def _encoded(text: str) -> bytes:
    """The text as bytes in the encoding its coding declaration names, so that the analyzer decodes
    it back to the same text."""
    utf8 = text.encode("utf-8")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(utf8).readline)
        return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return utf8

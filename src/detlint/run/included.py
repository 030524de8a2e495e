"""Requirements files that other requirements files include (`-r reqs/base.txt`, `-c constraints/ci.txt`):
part of every install from the file that names them, so a run checks them with it, whatever their
names."""

from __future__ import annotations

import re
from collections.abc import Sequence

from detlint.config import Settings
from detlint.discovery import discover_named
from detlint.sources import DEPENDENCY_FILE_MIN_LIMIT, SourceFile

_MAY_INCLUDE = re.compile(r"^[ \t]*(?:-[rc]|--requirement|--constraint)", re.MULTILINE)


def with_included(sources: Sequence[SourceFile], settings: Settings) -> list[SourceFile]:
    """`sources` and, transitively, the requirements files they include that exist below the project
    root and are not excluded; each file once, sorted by display path."""
    known = {source.display: source for source in sources}
    pending = [source for source in sources if source.kind == "dependency" and source.display.endswith((".txt", ".in"))]
    while pending:
        targets = sorted({target for source in pending for target in _included_paths(source)} - known.keys())
        pending = discover_named(
            targets,
            settings.root,
            "dependency",
            exclude=settings.exclude,
            extend_exclude=settings.extend_exclude,
            respect_gitignore=settings.respect_gitignore,
        )
        known.update((source.display, source) for source in pending)
    return sorted(known.values(), key=lambda source: source.display)


def _included_paths(source: SourceFile) -> list[str]:
    try:
        if source.path.stat().st_size > DEPENDENCY_FILE_MIN_LIMIT:
            return []  # the analysis reports the file as too large
        text = source.path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []  # the analysis reports what is wrong with it
    if not _MAY_INCLUDE.search(text):
        return []
    # Imported only now: a run answered from the cache loads no parser.
    from detlint.dependency_files.requirements import parse_requirements_file

    found = (include.path_from(source.display) for include in parse_requirements_file(source.display, text).includes)
    return [path for path in found if path is not None]

"""Requirements files that other requirements files include (`-r reqs/base.txt`, `-c constraints/ci.txt`):
part of every install from the file that names them, so a run checks them with it, whatever their
names. The includes come from each file's result, so an unchanged file is not read again."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from detlint.config import Settings
from detlint.discovery import discover_named
from detlint.sources import SourceFile

IncludesOf = Callable[[SourceFile], Sequence[str]]  # a dependency file's include targets, by display path


def included_sources(
    sources: Sequence[SourceFile], settings: Settings, includes_of: IncludesOf
) -> tuple[list[SourceFile], dict[str, list[str]]]:
    """The files the requirements files among `sources` include, transitively, that exist below the
    project root, are not excluded and are not among `sources`; and every file's include targets."""
    known = {source.display for source in sources}
    graph: dict[str, list[str]] = {}
    added: list[SourceFile] = []
    # Only requirements files include (a lock file's result is large: leave it in the cache).
    pending = [source for source in sources if source.kind == "dependency" and source.display.endswith((".txt", ".in"))]
    while pending:
        for source in pending:
            graph[source.display] = list(includes_of(source))
        targets = sorted({target for source in pending for target in graph[source.display]} - known)
        pending = discover_named(
            targets,
            settings.root,
            "dependency",
            exclude=settings.exclude,
            extend_exclude=settings.extend_exclude,
            respect_gitignore=settings.respect_gitignore,
        )
        known.update(source.display for source in pending)
        added.extend(pending)
    return added, graph


def reachable(starts: Iterable[str], graph: dict[str, list[str]]) -> set[str]:
    """The files an install from any of `starts` reads, `starts` included."""
    seen: set[str] = set()
    pending = list(starts)
    while pending:
        display = pending.pop()
        if display not in seen:
            seen.add(display)
            pending.extend(graph.get(display, ()))
    return seen

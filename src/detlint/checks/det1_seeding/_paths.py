"""What DET101 and DET102 share: per entry point and library, the RNG uses and seeding calls on its
path, and where in the user's code to report them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from detlint.catalogs.loader import load_catalog
from detlint.catalogs.rng import Library
from detlint.facts.model import EventKind, Site
from detlint.finding import RelatedLocation
from detlint.project.callgraph import Reached
from detlint.project.entry_points import EntryPoint
from detlint.project.index import ProjectIndex


@dataclass(frozen=True)
class LibraryPath:
    entry: EntryPoint
    library: Library
    uses: tuple[Reached, ...]  # draws from the library's global generator, in execution order
    seeds: tuple[Reached, ...]  # calls that seed it, in execution order
    partial_seeds: tuple[Reached, ...]  # calls that seed only part of it (`torch.cuda.manual_seed_all`)
    order: dict[int, int]  # id(Reached) -> position on the path

    def before(self, first: Reached, second: Reached) -> bool:
        return self.order[id(first)] < self.order[id(second)]


def library_paths(index: ProjectIndex) -> Iterator[LibraryPath]:
    """For every entry point, every library whose global generator its path draws from."""
    libraries = load_catalog().rng.libraries
    for entry in index.entry_points:
        reached = index.reach(entry)
        order = {id(item): position for position, item in enumerate(reached)}
        for library in libraries.values():
            uses = tuple(r for r in reached if r.event.kind is EventKind.RNG and r.event.subject == library.id)
            if uses:
                seeds = tuple(r for r in reached if r.event.kind is EventKind.SEED and library.id in r.event.covers)
                partial = tuple(
                    r
                    for r in reached
                    if r.event.kind is EventKind.SEED and any(c.startswith(f"{library.id}.") for c in r.event.covers)
                )
                yield LibraryPath(entry, library, uses, seeds, partial, order)


def related(site: Site, message: str) -> RelatedLocation:
    return RelatedLocation(site.path, site.span, message)

"""What DET101 and DET102 share: per entry point and library, the RNG uses and seeding calls on its
path, and where in the user's code to report them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from detlint.catalogs.loader import load_catalog
from detlint.catalogs.rng import Library
from detlint.facts.model import Event, EventKind, FileFacts, Site
from detlint.finding import Fix, RelatedLocation
from detlint.project.callgraph import Reached
from detlint.project.entry_points import EntryPoint
from detlint.project.index import ProjectIndex
from detlint.project.sites import insertion_fix
from detlint.versions import VersionRange, final_release


@dataclass(frozen=True)
class LibraryPath:
    entry: EntryPoint
    library: Library
    uses: tuple[Reached, ...]  # draws from the library's global generator, in execution order
    seeds: tuple[Reached, ...]  # calls that seed it, in execution order
    partial_seeds: tuple[Reached, ...]  # calls that seed only part of it (`torch.cuda.manual_seed_all`)
    order: dict[int, int]  # id(Reached) -> position on the path
    run_seeds: tuple[Reached, ...] = ()  # every seeding call on the path, of any library

    def before(self, first: Reached, second: Reached) -> bool:
        return self.order[id(first)] < self.order[id(second)]


def library_paths(index: ProjectIndex) -> Iterator[LibraryPath]:
    """For every entry point whose results someone keeps (not a demo, a benchmark or a self-check:
    `results_not_kept`), every library whose global generator its path draws from. In a DataLoader's
    worker processes, PyTorch reseeds `random`, NumPy and torch from a base seed drawn from torch's
    generator: a draw there is a use of torch's."""
    rng = load_catalog().rng
    reseeded = _reseeded_in_workers(index)
    for entry in index.entry_points:
        if not index.keeps_results(entry):
            continue
        reached = index.reach(entry)
        replaced = _initial_weights_replaced(reached)
        order = {id(item): position for position, item in enumerate(reached)}
        run_seeds = tuple(r for r in reached if r.event.kind is EventKind.SEED)
        drawn_from = {
            id(r): "torch" if r.in_worker and r.event.subject in reseeded else drawn_library(index, r.event)
            for r in reached
            if r.event.kind is EventKind.RNG and not (replaced and dict(r.event.data).get("initialises_weights"))
        }
        for library in rng.libraries.values():
            uses = tuple(r for r in reached if drawn_from.get(id(r)) == library.id)
            if uses:
                seeds = tuple(r for r in run_seeds if library.id in r.event.covers)
                partial = tuple(r for r in run_seeds if any(c.startswith(f"{library.id}.") for c in r.event.covers))
                yield LibraryPath(entry, library, uses, seeds, partial, order, run_seeds)


def drawn_library(index: ProjectIndex, event: Event) -> str:
    """The library whose global generator a draw uses: the catalog's, or, where that changes with a
    framework's version (Keras 3), the one for the version judged against (the newest when unknown)."""
    by_version = version_rule(event)
    if by_version is None:
        return event.subject
    version, _ = index.framework_version(by_version["framework"])
    if version is not None:
        applies = VersionRange(by_version["versions"]).contains(final_release(version))
    else:
        packages = by_version.get("packages") or {by_version["framework"]: by_version["versions"]}
        applies = all(index.may_install(package, VersionRange(ranged)) for package, ranged in packages.items())
    return by_version["library"] if applies else event.subject


def version_rule(event: Event) -> dict | None:
    """The consumer's `library_from_version`, for a draw whose library depends on a version."""
    consumer = dict(event.data).get("consumer")
    return load_catalog().rng.consumer_by_id(consumer)["library_from_version"] if consumer else None


def _initial_weights_replaced(reached: list[Reached]) -> bool:
    """Whether a path evaluates stored weights: it loads them (`load_state_dict`, `from_pretrained`),
    runs code under no_grad and never trains, so the layers' random initial weights are replaced before
    they count (evaluation, inference, sampling). Without a no_grad region the path may train through a
    framework whose loop is not seen (a fine-tuning runner); one in a constructor (an initialisation
    idiom) or in what a DataLoader runs to build a batch says nothing of what the run does."""
    loads = any(r.event.kind is EventKind.DATA and dict(r.event.data).get("loads_weights") for r in reached)
    evaluates = any(
        (r.event.kind is EventKind.NO_GRAD or r.no_grad)
        and not r.makes_batches
        and not r.event.site.scope.endswith("__init__")
        for r in reached
    )
    return loads and evaluates and not any(r.event.kind is EventKind.TRAIN for r in reached)


def _reseeded_in_workers(index: ProjectIndex) -> frozenset[str]:
    """The libraries a DataLoader's workers reseed in the project's PyTorch version."""
    version, _ = index.framework_version("torch")
    found: set[str] = set()
    for loader in load_catalog().rng.worker_loaders:
        since = loader["workers_reseed_since"]
        if version is None or final_release(version) >= final_release(since):
            found.update(loader["workers_reseed"])
    return frozenset(found)


def seeding_fix(index: ProjectIndex, path: LibraryPath) -> Fix | None:
    """An (unsafe) fix that seeds the library with the run's own seed, right after the run seeds
    another one in the entry point's file: after `set_seed(args.seed)`, `torch.manual_seed(args.seed)`.
    None when the run seeds nothing there before the library's first use."""
    entry_file = index.files[path.entry.path]
    chosen: tuple[Site, object] | None = None
    for seed in path.run_seeds:
        if not path.before(seed, path.uses[0]):
            break
        # The innermost call in the entry's file that names the seed: the helper's call, or the
        # seeding call itself; the last such before the first use.
        for site in reversed(seed.chain):
            event = seed.event if site is seed.chain[-1] else _call_at(entry_file, site)
            given = dict(event.data).get("seed") if event is not None and site.path == entry_file.path else None
            if given:
                chosen = (site, given)
                break
    if chosen is None:
        return None
    site, given = chosen
    code = path.library.fix.replace("SEED", str(given))
    return insertion_fix(index, site, path.library.id, code, f"seed {path.library.display}", after=True)


def _call_at(facts: FileFacts, site: Site) -> Event | None:
    scope = facts.scopes.get(site.scope)
    return next((event for event in scope.events if event.site == site), None) if scope else None


def related(site: Site, message: str) -> RelatedLocation:
    return RelatedLocation(site.path, site.span, message)

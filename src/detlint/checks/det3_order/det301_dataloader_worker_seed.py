from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from detlint.catalogs.call_paths import ITERATION
from detlint.catalogs.loader import load_catalog
from detlint.checks.base import ProjectRule
from detlint.facts.model import EventKind
from detlint.finding import Confidence, Edit, Finding, Fix, Severity, Span, short_code
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import describe_entries, entry_locations, entry_states
from detlint.versions import final_release


class DataloaderWorkerSeed(ProjectRule):
    """
    ## What it does
    Checks `DataLoader`s with worker processes (`num_workers` not 0, literal or not) whose workers'
    random state is not reproducible. It knows how each PyTorch version seeds workers, and reports:

    - the entry point's main process never seeds PyTorch and passes no seeded `generator=`: each
      worker's base seed is drawn from that unseeded generator;
    - PyTorch older than 1.9 with NumPy randomness on the path and no `worker_init_fn`: every worker
      starts from a copy of the same NumPy state;
    - a dataset that keeps its own generator (`self.rng = np.random.default_rng(0)`,
      `torch.Generator()`) in `__init__` and draws from it in `__getitem__`: each worker gets a copy
      in the same state and draws the same numbers.

    `worker_init_fn=`, `generator=`, Lightning's `seed_everything(workers=True)` and a seeded main
    process are recognised. A loader whose dataset is the project's own code and draws no random
    numbers is not reported: its workers' seeds change nothing. Where the path also draws from PyTorch's unseeded generator, DET101 reports it and its
    fix (seeding PyTorch) fixes the workers too, so DET301 does not repeat it.

    ## Why is this bad?
    Since PyTorch 1.9 each worker reseeds `torch`, `random` and NumPy's global generator from a base
    seed drawn from the main process's generator: reproducible only when that generator is seeded.
    Generators held by the dataset are copied into every worker unchanged, so augmentations repeat
    across workers and the effective data differs from what the code suggests.

    ## Example
    ```python
    import numpy as np
    from torch.utils.data import Dataset

    class Noisy(Dataset):
        def __init__(self):
            self.rng = np.random.default_rng(0)

        def __getitem__(self, index):
            return self.rng.normal()
    ```

    ## Use instead
    ```python
    import numpy as np
    import torch
    from torch.utils.data import Dataset

    class Noisy(Dataset):
        def __getitem__(self, index):
            # Derived per item from the worker's seed: reproducible and different in every worker.
            rng = np.random.default_rng([torch.initial_seed() % 2**32, index])
            return rng.normal()
    ```

    ## References
    - [PyTorch: Reproducibility, DataLoader](https://pytorch.org/docs/stable/notes/randomness.html#dataloader)
    - [PyTorch: torch.utils.data worker seeding](https://pytorch.org/docs/stable/data.html#randomness-in-multi-process-data-loading)
    """

    fix = "unsafe"
    code = "DET301"
    name = "dataloader-worker-seed"
    severity = Severity.WARNING

    VALID = (
        "import torch\nfrom torch.utils.data import DataLoader\n\nif __name__ == '__main__':\n"
        "    torch.manual_seed(0)\n    loader = DataLoader(range(8), num_workers=4, shuffle=True)\n",
        "import torch\nfrom torch.utils.data import DataLoader\n\nif __name__ == '__main__':\n"
        "    g = torch.Generator().manual_seed(0)\n    loader = DataLoader(range(8), num_workers=2, generator=g)\n",
        "from torch.utils.data import DataLoader\n\nif __name__ == '__main__':\n    loader = DataLoader(range(8))\n",
        # The project's dataset draws nothing, whatever the number of workers: their seeds change nothing.
        "import sys\nfrom torch.utils.data import DataLoader, Dataset\n\nclass Squares(Dataset):\n"
        "    def __len__(self):\n        return 8\n\n    def __getitem__(self, index):\n        return index * index\n\n"
        "if __name__ == '__main__':\n    loader = DataLoader(Squares(), num_workers=int(sys.argv[1]))\n"
        "    for batch in loader:\n        print(batch)\n",
        # Workers (their number from the command line) draw from `random`, reseeded from torch's unseeded
        # generator: DET101 reports it, and seeding torch fixes both.
        "import random\nimport sys\nfrom torch.utils.data import DataLoader, Dataset\n\nclass Jitter(Dataset):\n"
        "    def __len__(self):\n        return 8\n\n    def __getitem__(self, index):\n        return index + random.random()\n\n"
        "if __name__ == '__main__':\n    loader = DataLoader(Jitter(), num_workers=int(sys.argv[1]))\n"
        "    for batch in loader:\n        print(batch)\n",
        # A dataset that adds the index to what its base class returns, iterated through a logging helper.
        "import sys\nimport torch\nfrom torchvision.datasets import ImageFolder\n\nclass WithIndex(ImageFolder):\n"
        "    def __getitem__(self, index):\n        image, _ = super().__getitem__(index)\n        return image, index\n\n"
        "def features(loader, log):\n    return [batch for batch in log.every(loader, 10)]\n\n"
        "if __name__ == '__main__':\n    data = WithIndex(sys.argv[1])\n"
        "    features(torch.utils.data.DataLoader(data, num_workers=int(sys.argv[2])), None)\n",
    )
    INVALID = (
        "from torch.utils.data import DataLoader\n\nif __name__ == '__main__':\n"
        "    loader = DataLoader(range(8), num_workers=4)  # DET301\n",
        "import numpy as np\nfrom torch.utils.data import Dataset\n\nclass Noisy(Dataset):\n    def __init__(self):\n"
        "        self.rng = np.random.default_rng(0)  # DET301\n\n    def __getitem__(self, index):\n"
        "        return self.rng.normal()\n",
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        yield from self._held_generators(index)
        version, _ = index.framework_version("torch")
        loader_entry = next(iter(load_catalog().rng.worker_loaders), None)
        old = version is not None and loader_entry is not None and (
            final_release(version) < Version(loader_entry["workers_reseed_since"])
        )
        exposed: dict[int, tuple] = {}
        hook_sites = _iteration_sites(index)
        draws_nothing: dict[object, bool] = {}  # dataset class -> `_draws_nothing`, once per run
        for state in entry_states(index):
            seeded = any("torch" in r.event.covers for r in state.events(EventKind.SEED))
            numpy_used = any(r.event.subject == "numpy" for r in state.events(EventKind.RNG))
            quiet = _loaders_whose_workers_draw_nothing(state, hook_sites)
            # Draws from torch's generator (in workers, every reseeded generator's) that DET101 reports
            # unseeded on this path: seeding torch, its fix, fixes the workers too.
            torch_reported = not seeded and any(
                r.event.subject == "torch" or r.in_worker for r in state.events(EventKind.RNG)
            )
            for reached in state.events(EventKind.LOADER):
                given = dict(reached.event.data)
                dataset = given.get("dataset")
                if dataset not in draws_nothing:
                    draws_nothing[dataset] = _draws_nothing(index, dataset)
                if (reached.event.site.path, given.get("loader")) in quiet or draws_nothing[dataset]:
                    continue  # its workers are seen to draw no random numbers: their seeds change nothing
                if not seeded and not given.get("generator"):
                    if torch_reported:
                        continue  # one change fixes both: DET101 says it
                    problem = "unseeded"
                elif old and numpy_used and not given.get("worker_init"):
                    problem = "numpy"
                else:
                    continue
                exposed.setdefault(id(reached.event), (reached, problem, []))[2].append(state)
        for reached, problem, states in exposed.values():
            site = reached.event.site
            fixed = dict(reached.event.data).get("fix")
            fix = Fix("pass a seeded `generator=`", (Edit(site.span, fixed),), safe=False) if fixed else None
            subject = f"`{short_code(site.anchor)}`"
            if problem == "unseeded":
                message = f"{subject} starts worker processes whose random state differs between runs"
                detail = (
                    f"On the path of {describe_entries(states)} the main process never seeds PyTorch, so each "
                    "worker's base seed is drawn from an unseeded generator."
                )
                advice = (
                    "Seed the main process (`torch.manual_seed`) or pass "
                    "`generator=torch.Generator().manual_seed(SEED)`"
                )
                related = entry_locations(states)
            else:
                message = f"{subject} starts worker processes that share one NumPy random state"
                detail = (
                    f"In PyTorch {version}, workers start from copies of the main process's NumPy state, so every "
                    f"worker on the path of {describe_entries(states)} draws the same NumPy numbers."
                )
                advice = "Pass a `worker_init_fn` that reseeds NumPy from `torch.initial_seed()`"
                pin = index.version_pin("torch")
                related = [*entry_locations(states), *([pin] if pin else [])]
            yield self.finding(
                site.path,
                site.span,
                message,
                detail=detail,
                help=advice,
                related=related,
                anchor=site.anchor,
                scope=site.scope,
                confidence=reached.confidence,
                statement_lines=site.statement_lines,
                fix=fix,
            )

    def _held_generators(self, index: ProjectIndex) -> Iterable[Finding]:
        loaders = any(index.events(EventKind.LOADER))
        for _, event in index.events(EventKind.OWN_GENERATOR):
            site = event.site
            yield self.finding(
                site.path,
                site.span,
                f"`{event.subject}` draws from a generator it keeps, so every DataLoader worker draws the same numbers",
                detail=f"The dataset holds its own generator (`{short_code(site.anchor)}`) and draws from it in "
                "`__getitem__`: every worker process gets a copy of it in the same state.",
                help="Derive the generator per item or per worker from `torch.initial_seed()`",
                anchor=f"{event.subject}:{site.anchor}",
                scope=site.scope,
                confidence=Confidence.HIGH if loaders else Confidence.MEDIUM,
                statement_lines=site.statement_lines,
            )


def _iteration_sites(index: ProjectIndex) -> tuple[dict[tuple[str, Span], int], set[tuple[str, int]]]:
    """Where a loader's iteration calls into its dataset, by (path, span): the loader's number; and
    the (path, number) of each loader whose dataset code is the project's own (those calls resolve),
    so what its workers run is seen."""
    sites: dict[tuple[str, Span], int] = {}
    followed: set[tuple[str, int]] = set()
    for facts, event in index.events(EventKind.CALL):
        loader = dict(event.data).get("loader")
        if loader is None:
            continue
        sites[(event.site.path, event.site.span)] = loader
        if index.graph.resolve(event.subject, facts):
            followed.add((event.site.path, loader))
    return sites, followed


def _draws_nothing(index: ProjectIndex, dataset: object) -> bool:
    """A project dataset class whose methods draw no random numbers and call no other project code
    (`ReturnIndexDataset(ImageFolder)` returning `super().__getitem__(i)` and the index), wherever
    its loader is iterated."""
    if not isinstance(dataset, str) or not dataset:
        return False
    classes = {
        (path, scope.rpartition(".")[0])
        for method in load_catalog().call_paths.hook_methods(ITERATION)
        for path, scope in index.graph.resolve(f"{dataset}.{method}")
    }
    if not classes:
        return False  # not the project's own: what it draws is not seen
    for path, owner in classes:
        facts = index.files[path]
        for name, scope in facts.scopes.items():
            if not name.startswith(f"{owner}."):
                continue
            for event in scope.events:
                if event.kind in (EventKind.RNG, EventKind.OWN_GENERATOR, EventKind.PARAM):
                    return False
                if event.kind is EventKind.CALL and index.graph.resolve(event.subject, facts):
                    return False  # project code it calls may draw
    return True


def _loaders_whose_workers_draw_nothing(state, hook_sites) -> set[tuple[str, object]]:
    """(path, loader number) of each loader whose workers run the project's own dataset code without
    drawing random numbers on this path. (A random transform built on the path draws from torch's
    generator: where that is unseeded, DET101 reports it and DET301 stays silent anyway.)"""
    sites, followed = hook_sites
    drawing = set()
    for reached in state.events(EventKind.RNG):
        drawing.update((site.path, sites[(site.path, site.span)]) for site in reached.chain
                       if (site.path, site.span) in sites)  # fmt: skip
    return followed - drawing

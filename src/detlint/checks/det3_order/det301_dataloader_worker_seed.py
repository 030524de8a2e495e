from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from detlint.catalogs.call_paths import ITERATION
from detlint.catalogs.loader import load_catalog
from detlint.checks.base import ProjectRule
from detlint.facts.model import EventKind
from detlint.finding import Confidence, Edit, Finding, Fix, Severity, short_code
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import EntryState, describe_entries, entry_locations, entry_states
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
        # The project's dataset applies the transform it is given (one that draws nothing), and a helper
        # in another module iterates the loader.
        {
            "extract.py": "def extract(loader):\n    out = []\n    for images, index in loader:\n"
            "        out.append(images)\n    return out\n",
            "main.py": "import sys\nimport torch\nfrom torchvision import transforms\nfrom extract import extract\n\n"
            "class Images(torch.utils.data.Dataset):\n    def __init__(self, paths, transform=None):\n"
            "        self.paths = paths\n        self.transform = transform\n\n    def __len__(self):\n"
            "        return len(self.paths)\n\n    def __getitem__(self, index):\n"
            "        return self.transform(self.paths[index]), index\n\n"
            "if __name__ == '__main__':\n"
            "    plain = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])\n"
            "    data = Images(sys.argv[1:], transform=plain)\n"
            "    extract(torch.utils.data.DataLoader(data, num_workers=4))\n",
        },
    )
    INVALID = (
        "from torch.utils.data import DataLoader\n\nif __name__ == '__main__':\n"
        "    loader = DataLoader(range(8), num_workers=4)  # DET301\n",
        "import numpy as np\nfrom torch.utils.data import Dataset\n\nclass Noisy(Dataset):\n    def __init__(self):\n"
        "        self.rng = np.random.default_rng(0)  # DET301\n\n    def __getitem__(self, index):\n"
        "        return self.rng.normal()\n",
        # PyTorch 1.8 copies NumPy's state into every worker, here those a helper's iteration starts.
        {
            "requirements.txt": "torch==1.8.1\nnumpy==1.24.4\n",
            "extract.py": "def every(loader):\n    for batch in loader:\n        yield batch\n",
            "main.py": "import numpy as np\nimport torch\nfrom extract import every\n\n"
            "class Jitter(torch.utils.data.Dataset):\n    def __len__(self):\n        return 8\n\n"
            "    def __getitem__(self, index):\n        return index + np.random.rand()\n\n"
            "if __name__ == '__main__':\n    torch.manual_seed(0)\n    np.random.seed(0)\n"
            "    loader = torch.utils.data.DataLoader(Jitter(), num_workers=4)  # DET301\n"
            "    for batch in every(loader):\n        print(batch)\n",
        },
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        yield from self._held_generators(index)
        version, _ = index.framework_version("torch")
        loader_entry = next(iter(load_catalog().rng.worker_loaders), None)
        old = version is not None and loader_entry is not None and (
            final_release(version) < Version(loader_entry["workers_reseed_since"])
        )
        exposed: dict[int, tuple] = {}
        draws_nothing: dict[object, bool] = {}  # dataset class -> `_draws_nothing`, once per run
        for state in entry_states(index):
            seeded = any("torch" in r.event.covers for r in state.events(EventKind.SEED))
            numpy_used = any(r.event.subject == "numpy" for r in state.events(EventKind.RNG))
            quiet = _loaders_whose_workers_draw_nothing(state)
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


def _loaders_whose_workers_draw_nothing(state: EntryState) -> set[tuple[str, int]]:
    """(path, loader number) of each loader whose iteration on this path runs the project's own dataset
    code in worker processes, where that code draws no random numbers. (A random transform built on the
    path draws from torch's generator: where that is unseeded, DET101 reports it and DET301 stays silent
    anyway.)"""
    entered = {r.loader for r in state.reached if r.loader and r.event.kind in (EventKind.CALL, EventKind.PARAM)}
    drawing = {r.loader for r in state.events(EventKind.RNG) if r.loader}
    return entered - drawing

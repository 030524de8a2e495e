from __future__ import annotations

from collections.abc import Iterable

from detlint.checks.base import ProjectRule
from detlint.checks.det1_seeding._paths import library_paths, related
from detlint.finding import Confidence, Finding, Severity, short_code
from detlint.project.index import ProjectIndex


class SeedAfterUse(ProjectRule):
    """
    ## What it does
    Reports seeding that runs only after the library's global generator was already used on an
    entry point's path: the model was constructed, or data was split or sampled, before the seed.

    Uses that draw nothing until later (constructing a shuffling `DataLoader`, a dropout layer, a
    random augmentation) do not count: seeding after them but before they run is in time. The
    finding points at the statement that leads to the seeding call, in the function where the
    paths to the use and to the seed part, with the earlier use as a related location.

    ## Why is this bad?
    Every draw before the seed comes from an unseeded generator: the initial weights (or the split)
    differ between runs even though the code looks seeded. This is the classic "seed after
    `model = Net()`".

    ## Example
    ```python
    import torch

    model = torch.nn.Linear(10, 1)
    torch.manual_seed(0)
    ```

    ## Use instead
    ```python
    import torch

    torch.manual_seed(0)
    model = torch.nn.Linear(10, 1)
    ```

    ## References
    - [PyTorch: Reproducibility](https://pytorch.org/docs/stable/notes/randomness.html)
    - [PyTorch: torch.manual_seed](https://pytorch.org/docs/stable/generated/torch.manual_seed.html)
    """

    code = "DET102"
    name = "seed-after-use"
    severity = Severity.WARNING

    VALID = (
        "import torch\ntorch.manual_seed(0)\nmodel = torch.nn.Linear(2, 2)\n",
        # Constructing a shuffling loader draws nothing until it is iterated.
        "import torch\nloader = torch.utils.data.DataLoader(range(10), shuffle=True)\ntorch.manual_seed(0)\n"
        "for batch in loader:\n    pass\n",
        {
            "utils.py": "import torch\n\ndef seed_all():\n    torch.manual_seed(0)\n",
            "train.py": "import torch\nfrom utils import seed_all\n\ndef main():\n    seed_all()\n    return torch.nn.Linear(2, 2)\n\n"
            "if __name__ == '__main__':\n    main()\n",
        },
    )
    INVALID = (
        "import torch\nmodel = torch.nn.Linear(2, 2)\ntorch.manual_seed(0)  # DET102\n",
        {
            "utils.py": "import random\nimport numpy as np\nimport torch\n\ndef set_seed(seed):\n    random.seed(seed)\n"
            "    np.random.seed(seed)\n    torch.manual_seed(seed)\n",
            "train.py": "import torch\nfrom utils import set_seed\n\ndef main():\n    model = torch.nn.Linear(2, 2)\n"
            "    set_seed(0)  # DET102\n\nif __name__ == '__main__':\n    main()\n",
        },
        "import numpy as np\n\nif __name__ == '__main__':\n"
        "    idx = np.random.permutation(100)\n    np.random.seed(1)  # DET102\n",
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        reported: set[tuple[str, int, int, str]] = set()
        for path in library_paths(index):
            if not path.seeds:
                continue  # never seeded: DET101
            seed = path.seeds[0]
            early = [use for use in path.uses if not use.event.deferred and path.before(use, seed)]
            if not early:
                continue
            use = early[0]
            seed_site, use_site = _where_paths_part(seed.chain, use.chain)
            key = (seed_site.path, seed_site.span.line, seed_site.span.column, path.library.id)
            if key in reported:
                continue
            reported.add(key)
            yield self.finding(
                seed_site.path,
                seed_site.span,
                f"{path.library.display} is seeded only after it was already used",
                detail=f"`{short_code(use.event.site.anchor)}` {use.event.detail} before this seed runs, so "
                "those draws come from an unseeded generator and differ between runs.",
                help="Seed before building the model or the data",
                anchor=f"{path.library.id}:{seed_site.anchor}",
                scope=seed_site.scope,
                confidence=Confidence.weakest(seed.confidence, use.confidence),
                statement_lines=seed_site.statement_lines,
                related=[related(use.event.site, f"{path.library.display} used here, before it is seeded")]
                + ([] if use_site == use.event.site else [related(use_site, "the use is reached from here")]),
            )


def _where_paths_part(seed_chain, use_chain):
    """The statements, in the innermost function both paths pass through, that lead to the seed and
    to the use."""
    common = 0
    while common < min(len(seed_chain), len(use_chain)) - 1 and seed_chain[common] == use_chain[common]:
        common += 1
    return seed_chain[common], use_chain[common]

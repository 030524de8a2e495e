from __future__ import annotations

from collections.abc import Iterable

from detlint.checks.base import ProjectRule
from detlint.checks.det1_seeding._paths import drawn_library, library_paths, related, seeding_fix, version_rule
from detlint.finding import Confidence, Finding, Severity, short_code
from detlint.project.index import ProjectIndex
from detlint.project.sites import landing


class UnseededRng(ProjectRule):
    """
    ## What it does
    Reports, for each entry point (a `__main__` block, a script, a `[project.scripts]` target or a
    configured entry point), every library whose global random generator is used on its path but
    never seeded on that path: Python's `random`, NumPy, PyTorch or TensorFlow.

    Seeding is followed across the project's own modules: a script that calls `utils.set_seed()`,
    which calls `torch.manual_seed`, is seeded. Framework helpers count for what they seed
    (`transformers.set_seed`, Lightning's `seed_everything`, `accelerate.utils.set_seed`,
    `keras.utils.set_random_seed`, ...). One finding per library, so partial seeding (PyTorch
    seeded, NumPy not) is reported for exactly the missing library. It is reported where the
    library's randomness enters the entry point's flow, with the first use as a related location.
    On a path that loads stored weights (`load_state_dict`, `from_pretrained`, a torchvision model
    with `weights=`), runs code under `torch.no_grad()` and never trains, the layers' random initial
    weights are replaced and do not count as a use; what the run draws after that (sampling noise)
    still does. Nor is a value drawn to become text, a name or a port (`f"{random.randrange(2**32)}"`,
    `str(random.randint(20000, 30000))`), or a seed drawn to be logged and used (`seed =
    random.randint(...)`): neither is an input to what the run computes.

    Keras 3 (`keras` 3, and `tf.keras` from TensorFlow 2.16) seeds an unseeded layer, initializer,
    `keras.random` call or `SeedGenerator` from Python's `random`, not from TensorFlow's global seed:
    `tf.random.set_seed` alone leaves those runs unseeded, and the finding names Python's `random`
    (`keras.utils.set_random_seed` seeds both); a layer given TensorFlow's own initializer
    (`kernel_initializer=tf.random_normal_initializer(...)`) draws from TensorFlow's seed. A project
    that pins TensorFlow before 2.16, or whose requirements allow no later release
    (`tensorflow~=2.14.0`, `tensorflow-macos<2.16`, `keras<3`), is judged as Keras 2, whose layers
    take TensorFlow's seed.

    The unsafe fix (`--fix --unsafe-fixes`) seeds the library with the run's own seed: right after
    the last seeding call the entry point's file makes before the first use (`set_seed(args.seed)`
    is followed by `torch.manual_seed(args.seed)`; inside a helper of that file, with the helper's
    parameter). A run that seeds nothing gets `torch.manual_seed(0)` where the library first enters.

    ## Why is this bad?
    An unseeded generator starts from a different state in every process: weights are initialised
    differently, data is shuffled and augmented differently, and two runs of the same code give
    different models. Seeding one library does not seed the others.

    ## Example
    ```python
    import numpy as np
    import torch

    def main():
        torch.manual_seed(0)
        data = np.load("train.npy")
        noise = np.random.normal(size=data.shape)  # NumPy is never seeded
        model = torch.nn.Linear(10, 1)

    if __name__ == "__main__":
        main()
    ```

    ## Use instead
    ```python
    import numpy as np
    import torch

    def main():
        torch.manual_seed(0)
        np.random.seed(0)
        data = np.load("train.npy")
        noise = np.random.normal(size=data.shape)
        model = torch.nn.Linear(10, 1)

    if __name__ == "__main__":
        main()
    ```

    ## References
    - [PyTorch: Reproducibility](https://pytorch.org/docs/stable/notes/randomness.html)
    - [NumPy: legacy seeding](https://numpy.org/doc/stable/reference/random/generated/numpy.random.seed.html)
    - [TensorFlow: tf.random.set_seed](https://www.tensorflow.org/api_docs/python/tf/random/set_seed)
    """

    fix = "unsafe"
    code = "DET101"
    name = "unseeded-rng"
    severity = Severity.WARNING

    VALID = (
        "import torch\n\ndef main():\n    torch.manual_seed(0)\n    model = torch.nn.Linear(2, 2)\n\n"
        "if __name__ == '__main__':\n    main()\n",
        # Library code without an entry point.
        "import torch\n\ndef build():\n    return torch.nn.Linear(2, 2)\n",
        # Seeding through a helper of another module.
        {
            "utils.py": "import random\nimport numpy as np\nimport torch\n\ndef set_seed(seed):\n"
            "    random.seed(seed)\n    np.random.seed(seed)\n    torch.manual_seed(seed)\n",
            "train.py": "import numpy as np\nimport torch\nfrom utils import set_seed\n\ndef main():\n    set_seed(0)\n"
            "    x = np.random.rand(3)\n    model = torch.nn.Linear(3, 1)\n\nif __name__ == '__main__':\n    main()\n",
        },
        "from transformers import set_seed\nimport torch\nset_seed(42)\nmodel = torch.nn.Linear(2, 2)\n",
        "import lightning as L\nimport torch\n\nif __name__ == '__main__':\n    L.seed_everything(7)\n"
        "    model = torch.nn.Linear(2, 2)\n",
        # Values drawn to be text: a graph's name prefix, a port number.
        "import os, random\nimport numpy as np\n\nif __name__ == '__main__':\n"
        "    os.environ['MASTER_PORT'] = str(random.randint(20000, 30000))\n"
        "    prefix = f'{random.randrange(2**32)}_graph'\n    print(prefix, np.load('x.npy').sum())\n",
        # A generator of its own is not the global one.
        "import torch\n\nif __name__ == '__main__':\n    g = torch.Generator().manual_seed(0)\n"
        "    idx = torch.randperm(10, generator=g)\n",
        # Keras 2 (TensorFlow before 2.16) seeds layers from TensorFlow's global seed.
        {
            "requirements.txt": "tensorflow==2.15.1\n",
            "train.py": "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n"
            "    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n    model.save('m.keras')\n",
        },
        {
            "requirements.txt": "keras==2.15.0\ntensorflow-cpu>=2.12,<2.16\n",
            "train.py": "import keras\nimport tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n"
            "    model = keras.Sequential([keras.layers.Dense(1)])\n    model.save('m.keras')\n",
        },
        {
            "requirements.txt": "tensorflow~=2.14.0\n",
            "train.py": "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n"
            "    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n    model.save('m.keras')\n",
        },
        # A layer whose kernel starts at zeros draws nothing.
        "import tensorflow as tf\n\nif __name__ == '__main__':\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(1, kernel_initializer='zeros')])\n"
        "    model.save('m.keras')\n",
        # TensorFlow's own initializer draws from TensorFlow's seed, whatever the Keras version.
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n"
        "    layer = tf.keras.layers.Dense(1, kernel_initializer=tf.random_normal_initializer(0.0, 0.02))\n"
        "    model = tf.keras.Sequential([layer])\n    model.save('m.keras')\n",
        "import keras\n\nif __name__ == '__main__':\n    keras.utils.set_random_seed(0)\n"
        "    model = keras.Sequential([keras.layers.Dense(1)])\n    noise = keras.random.SeedGenerator()\n"
        "    model.save('m.keras')\n",
    )
    INVALID = (
        # Keras 3 (`tf.keras` from TensorFlow 2.16) seeds layers from Python's `random`, not TensorFlow's seed.
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])  # DET101\n    model.save('m.keras')\n",
        "import keras\nimport numpy as np\n\nif __name__ == '__main__':\n    data = np.load('x.npy')\n"
        "    noise = keras.random.normal(data.shape)  # DET101\n    np.save('y.npy', data + noise)\n",
        # A value drawn and then formatted is still drawn for the run.
        "import random\nimport numpy as np\n\nif __name__ == '__main__':\n    data = np.load('x.npy')\n"
        "    k = random.randint(0, 9)  # DET101\n    print(f'{k}', data[k])\n",
        "import numpy as np\nimport torch\n\ndef main():\n    torch.manual_seed(0)\n    data = np.load('train.npy')\n"
        "    noise = np.random.normal(size=data.shape)\n\nif __name__ == '__main__':\n    main()  # DET101\n",
        "import torch\n\nmodel = torch.nn.Linear(4, 2)  # DET101\nprint(model(torch.ones(4)))\n",
        {
            "model.py": "from torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.fc = nn.Linear(3, 1)\n",
            "train.py": "import torch\nfrom model import Net\n\ndef main():\n    torch.cuda.manual_seed_all(0)\n"
            "    return Net()\n\nif __name__ == '__main__':\n    main()  # DET101\n",
        },
        # Stored weights loaded, but the new head's weights are random: a loader building its batches is
        # not an evaluation.
        "import torch\nfrom torch.utils.data import DataLoader, Dataset\nfrom transformers import AutoModel\n\n"
        "class Shards(Dataset):\n    def __len__(self):\n        return 8\n\n    def __getitem__(self, index):\n"
        "        return torch.load(f'shard{index}.pt')\n\ndef main():\n"
        "    backbone = AutoModel.from_pretrained('bert-base-uncased')\n    head = torch.nn.Linear(768, 2)\n"
        "    for batch in DataLoader(Shards()):\n        print(head(backbone(batch).pooler_output))\n"
        "    torch.save(head.state_dict(), 'head.pt')\n\nif __name__ == '__main__':\n    main()  # DET101\n",
        # Nor is the function tf.data runs on each element.
        "import tensorflow as tf\nfrom transformers import TFAutoModel\n\ndef parse(path):\n"
        "    return tf.io.parse_tensor(tf.io.read_file(path), tf.float32)\n\nif __name__ == '__main__':\n"
        "    backbone = TFAutoModel.from_pretrained('bert-base-uncased')\n"
        "    head = tf.keras.layers.Dense(2)  # DET101\n"
        "    for batch in tf.data.Dataset.list_files('shards/*', shuffle=False).map(parse):\n"
        "        print(head(backbone(batch).pooler_output))\n    head.save_weights('head.h5')\n",
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        # One finding per place and library, naming every entry point that reaches it unseeded.
        grouped: dict[tuple[str, tuple[int, int], str], list] = {}
        for path in library_paths(index):
            if path.seeds:
                continue  # seeded somewhere on the path: DET102 judges the order
            first = path.uses[0]
            library = path.library
            site, fix = landing(
                index, path.entry, first.chain, library.id, library.fix.replace("SEED", "0"), f"seed {library.display}"
            )
            fix = seeding_fix(index, path) or fix  # the run's own seed, where it seeds the rest
            key = (site.path, (site.span.line, site.span.column), library.id)
            grouped.setdefault(key, []).append((path, first, site, fix))
        for items in grouped.values():
            path, first, site, fix = items[0]
            entries = [item[0].entry for item in items]
            use = first.event
            display = path.library.display
            hint = (
                f" (`{path.partial_seeds[0].event.subject}` seeds only part of it)" if path.partial_seeds else ""
            )
            where = "this entry point's path" if len(entries) == 1 else f"the paths of {len(entries)} entry points"
            confidence = Confidence.weakest(*(item[1].confidence for item in items))
            drawn = f"`{short_code(use.site.anchor)}` {use.detail}"
            if first.in_worker and drawn_library(index, use) != path.library.id:
                # PyTorch reseeds the worker's generators from torch's base seed: seeding torch fixes it.
                drawn += f" in a DataLoader worker, which PyTorch reseeds from {display}"
            elif drawn_library(index, use) != use.subject:
                drawn += f" ({version_rule(use)['why'].strip()})"
            yield self.finding(
                site.path,
                site.span,
                f"{display} is used but never seeded on {where}",
                detail=f"{drawn}, and nothing on the path of "
                f"{', '.join(entry.describe() for entry in entries)} seeds it{hint}, so it starts from a "
                f"different state in every run.",
                help=f"Call `{path.library.fix}` at the start of the run",
                anchor=f"{path.library.id}:{site.anchor}",
                scope=site.scope,
                confidence=confidence,
                statement_lines=site.statement_lines,
                related=[
                    related(first.event.site, f"first use of {display} on this path"),
                    *(entry.related() for entry in entries),
                ],
                fix=fix,
            )

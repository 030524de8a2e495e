from __future__ import annotations

import libcst as cst

from detlint.checks.base import Rule
from detlint.finding import Confidence, Severity
from detlint.names import argument, dotted_name

_STRING_NODES = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


class UnstableSeed(Rule):
    """
    ## What it does
    Checks for seeds that differ between runs: values from the clock (`time.time()`,
    `datetime.now()`), from the operating system (`os.urandom`, `uuid.uuid4()`, `secrets`), from the
    process (`os.getpid()`, `id()`), from `hash()` of a string (salted per process), or from another
    random generator that is not itself seeded first (`random.randint(...)`). Also `random.seed()`,
    `np.random.seed()` and `torch.seed()` without a value, which reseed from OS entropy.

    The seed is any value given to a seeding call (`torch.manual_seed`, `np.random.seed`,
    `seed_everything`, `default_rng`, `Generator.manual_seed`, `jax.random.key`, ...) or to a `seed=`,
    `random_state=` or `random_seed=` keyword, directly or through a variable assigned in the same
    function.

    ## Why is this bad?
    A seed that changes every run seeds nothing: the run cannot be repeated, and unless the value is
    logged, not even investigated.

    ## Example
    ```python
    import time
    import torch

    torch.manual_seed(int(time.time()))
    ```

    ## Use instead
    ```python
    import torch

    SEED = 1234  # or read it from the configuration / command line, and log it
    torch.manual_seed(SEED)
    ```

    ## References
    - [Python: random.seed](https://docs.python.org/3/library/random.html#random.seed)
    - [Python: PYTHONHASHSEED](https://docs.python.org/3/using/cmdline.html#envvar-PYTHONHASHSEED)
    - [PyTorch: torch.seed](https://pytorch.org/docs/stable/generated/torch.seed.html)
    """

    code = "DET103"
    name = "unstable-seed"
    severity = Severity.WARNING

    VALID = (
        "import torch\ntorch.manual_seed(42)\n",
        "import torch\ndef main(args):\n    torch.manual_seed(args.seed)\n",
        "import random\nrandom.seed(0)\nseed = random.randint(0, 2**31)\nimport numpy as np\nnp.random.seed(seed)\n",
        "import time\nstart = time.time()\nprint(time.time() - start)\n",
        "import numpy as np\nrng = np.random.default_rng(seed=7)\n",
        "from sklearn.model_selection import train_test_split\ntrain_test_split([1, 2], random_state=0)\n",
        "import torch\ng = torch.Generator()\ng.manual_seed(torch.initial_seed() % 2**32)\n",
        # hash() of numbers is the same in every process.
        "import numpy as np\ndef rng(seed, epoch):\n    return np.random.default_rng(hash((seed, epoch)) % 2**32)\n",
    )
    INVALID = (
        "import time\nimport torch\ntorch.manual_seed(int(time.time()))  # DET103\n",
        "import time, random\ndef main():\n    seed = int(time.time() * 1000) % 2**32\n    random.seed(seed)  # DET103\n",
        "from datetime import datetime\nimport numpy as np\nnp.random.seed(datetime.now().microsecond)  # DET103\n",
        "import os\nimport lightning as L\nL.seed_everything(int.from_bytes(os.urandom(4), 'little'))  # DET103\n",
        "import random\nrandom.seed()  # DET103\n",
        "import torch\ntorch.seed()  # DET103\n",
        "import random\nimport numpy as np\nnp.random.seed(random.randint(0, 1000))  # DET103\n",
        "from sklearn.ensemble import RandomForestClassifier\nimport uuid\n"
        "RandomForestClassifier(random_state=uuid.uuid4().int % 1000)  # DET103\n",
        "import numpy as np\nrng = np.random.default_rng(hash('experiment-1'))  # DET103\n",
        "import os, jax\nkey = jax.random.PRNGKey(os.getpid())  # DET103\n",
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.rng = context.catalog.rng
        # per scope: variable -> the expression last assigned to it (judged only when used as a seed)
        self._assigned: dict[str, dict[str, cst.BaseExpression]] = {}
        self._seeded: set[str] = set()  # libraries seeded so far in this file

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self._assigned.setdefault(self._scope(), {})[target.target.value] = node.value

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.qualname(node.func)
        seeder = self.rng.seeder(qualname) if qualname else None
        if qualname and self.rng.reseeds_from_entropy(node, qualname):
            self.report(
                node,
                f"`{qualname}()` without a value reseeds from operating-system entropy",
                detail="Every run then starts from a different state, and nothing records which one it was.",
                help="Pass a fixed seed",
                confidence=self.resolution_confidence(node.func),
            )
            return
        if seeder is not None:
            self._seeded.update(seeder["covers"])
        for seed in self._seed_values(node, qualname):
            found = self._unstable_source(seed.value)
            if found:
                what, confidence = found
                self.report(
                    seed,
                    f"the seed comes from {what}, which differs on every run",
                    detail="A seed that changes from run to run makes the run as irreproducible as no seed at all.",
                    help="Use a fixed integer (from the configuration or the command line) and log it",
                    confidence=confidence,
                )

    def _scope(self) -> str:
        return ".".join(self.context.scope_stack)

    def _seed_values(self, node: cst.Call, qualname: str | None) -> list[cst.Arg]:
        values = []
        entry = (self.rng.seeder(qualname) or self.rng.generator(qualname)) if qualname else None
        if entry is not None and entry.get("seed_argument"):
            ref = entry["seed_argument"]
            values.append(argument(node, ref["keyword"], ref.get("position")))
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value == "manual_seed":
            values.append(argument(node, "seed", 0))
        values.extend(
            arg for arg in node.args if arg.keyword is not None and arg.keyword.value in self.rng.seed_keywords
        )
        return [value for value in values if value is not None]

    def _unstable_source(self, expression: cst.BaseExpression, depth: int = 3) -> tuple[str, Confidence] | None:
        """What makes an expression differ between runs, if anything, and how sure that is; variables
        are followed to what was last assigned to them in the same function (a few steps deep)."""
        for node in _walk(expression):
            if isinstance(node, cst.Name) and depth:
                assigned = self._assigned.get(self._scope(), {}).get(node.value)
                known = self._unstable_source(assigned, depth - 1) if assigned is not None else None
                if known:
                    return known
            if not isinstance(node, cst.Call):
                continue
            qualname = self.qualname(node.func) or dotted_name(node.func)
            entry = self.rng.unstable_source(qualname) if qualname else None
            if entry is None:
                continue
            consumer = self.rng.consumer(qualname) if entry.get("requires_unseeded") else None
            if consumer is not None and consumer["library"] in self._seeded:
                continue  # drawn from a generator this file seeded earlier: reproducible
            confidence = Confidence.MEDIUM if consumer is not None else Confidence.HIGH
            if qualname == "hash":
                confidence = _hash_confidence(node)
                if confidence is None:
                    continue
            return f"{entry['what']} (`{qualname}()`)", confidence
        return None


def _hash_confidence(call: cst.Call) -> Confidence | None:
    """`hash()` is salted per process only for str and bytes: sure for a string, unknown (low) for a
    variable, and stable for numbers and tuples of them."""
    if not call.args:
        return None
    value = call.args[0].value
    if isinstance(value, _STRING_NODES) or (isinstance(value, cst.Call) and dotted_name(value.func) == "str"):
        return Confidence.HIGH
    if isinstance(value, (cst.Tuple, cst.Integer, cst.Float)):
        elements = [element.value for element in value.elements] if isinstance(value, cst.Tuple) else [value]
        if not any(isinstance(element, _STRING_NODES) for element in elements):
            return None
        return Confidence.HIGH
    return Confidence.LOW


def _walk(expression: cst.CSTNode):
    """The expression and its sub-expressions, without descending into lambdas."""
    stack = [expression]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, cst.Lambda):
            stack.extend(reversed(node.children))



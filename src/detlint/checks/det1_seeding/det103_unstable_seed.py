from __future__ import annotations

import libcst as cst

from detlint.checks.base import Rule
from detlint.finding import Confidence, Severity
from detlint.names import argument, dotted_name, literal_value

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
    `seed_everything`, `default_rng`, `Generator.manual_seed`, `jax.random.key`, the project's own
    `set_seed(...)`-like helpers, ...) or to a `seed=`, `random_state=` or `random_seed=` keyword,
    directly or through a variable assigned in the same function or a module-level constant. Seeds
    set up before they are used are checked where they are written: the default of a command-line
    option named like a seed (`add_argument("--seed", default=...)`), of a parameter (`def
    set_seed(seed=...)`) and of a config field (`seed: int = ...`, `field(default_factory=...)`).

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
        "import argparse\nparser = argparse.ArgumentParser()\nparser.add_argument('--seed', type=int, default=0)\n",
        "import time\nparser.add_argument('--timeout', default=time.time())\n",
        "from dataclasses import dataclass\n@dataclass\nclass Config:\n    seed: int = 1234\n",
    )
    INVALID = (
        "import time\nimport torch\ntorch.manual_seed(int(time.time()))  # DET103\n",
        "import time, random\ndef main():\n    seed = int(time.time() * 1000) % 2**32  # DET103\n    random.seed(seed)\n",
        "from datetime import datetime\nimport numpy as np\nnp.random.seed(datetime.now().microsecond)  # DET103\n",
        "import os\nimport lightning as L\nL.seed_everything(int.from_bytes(os.urandom(4), 'little'))  # DET103\n",
        "import random\nrandom.seed()  # DET103\n",
        "import torch\ntorch.seed()  # DET103\n",
        "import random\nimport numpy as np\nnp.random.seed(random.randint(0, 1000))  # DET103\n",
        "from sklearn.ensemble import RandomForestClassifier\nimport uuid\n"
        "RandomForestClassifier(random_state=uuid.uuid4().int % 1000)  # DET103\n",
        "import numpy as np\nrng = np.random.default_rng(hash('experiment-1'))  # DET103\n",
        "import os, jax\nkey = jax.random.PRNGKey(os.getpid())  # DET103\n",
        # Seeds set up before they reach a seeding call: a constant, an option's default, a helper's
        # parameter, a config field.
        "import time, torch\nSEED = int(time.time())  # DET103\ndef main():\n    torch.manual_seed(SEED)\n",
        "import argparse, time\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('--seed', type=int, default=int(time.time()))  # DET103\n",
        "import random, time\ndef set_seed(seed=time.time_ns()):  # DET103\n    random.seed(seed)\n",
        "import time\nfrom utils import set_seed\nset_seed(int(time.time()))  # DET103\n",
        "import time\nfrom dataclasses import dataclass, field\n@dataclass\nclass Config:\n"
        "    seed: int = field(default_factory=lambda: int(time.time()))  # DET103\n",
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.rng = context.catalog.rng
        self._seeded: set[str] = set()  # libraries seeded so far in this file
        self._reported: set[int] = set()  # ids of the nodes reported

    # -- seeds set up before they are used: defaults of options, parameters and config fields ----------
    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """`seed: int = int(time.time())` in a config class (a dataclass field, also through
        `field(default=...)` or `field(default_factory=lambda: ...)`)."""
        name = dotted_name(node.target) or ""
        if node.value is not None and _names_a_seed(name.rpartition(".")[2]):
            self._check_default(node.value, f"`{name}`")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """`def set_seed(seed=int(time.time()))`: every call that omits the seed gets a new one."""
        for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
            if param.default is not None and _names_a_seed(param.name.value):
                self._check_default(param.default, f"the default of `{param.name.value}`")

    def _check_default(self, value: cst.BaseExpression, what: str) -> None:
        if isinstance(value, cst.Call) and (self.qualname(value.func) or "").endswith("field"):
            given = argument(value, "default") or argument(value, "default_factory")
            value = given.value if given is not None else value
        if isinstance(value, cst.Lambda):
            value = value.body
        found = self._unstable_source(value)
        if found:
            source, confidence, _ = found
            self.report(
                value,
                f"{what} comes from {source}, which differs on every run",
                detail="Every run that keeps this default gets a different seed, so none can be repeated.",
                help="Default to a fixed integer and log the seed a run uses",
                confidence=confidence,
            )

    def _argparse_default(self, node: cst.Call) -> None:
        """`parser.add_argument("--seed", default=int(time.time()))`: the run's seed when the command
        line gives none."""
        options = [literal_value(arg.value) for arg in node.args if arg.keyword is None]
        if not any(isinstance(option, str) and _names_a_seed(option.lstrip("-")) for option in options):
            return
        default = argument(node, "default")
        if default is not None:
            self._check_default(default.value, f"the default of `{next(o for o in options if isinstance(o, str))}`")

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.qualname(node.func)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "add_argument":
            self._argparse_default(node)
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
                what, confidence, origin = found
                # Through a variable, the change belongs where it is assigned: one finding there,
                # however many seeding calls use it.
                place = origin if origin is not None else seed
                if id(place) in self._reported:
                    continue
                self._reported.add(id(place))
                self.report(
                    place,
                    f"the seed comes from {what}, which differs on every run",
                    detail="A seed that changes from run to run makes the run as irreproducible as no seed at all.",
                    help="Use a fixed integer (from the configuration or the command line) and log it",
                    confidence=confidence,
                )

    def _seed_values(self, node: cst.Call, qualname: str | None) -> list[cst.Arg]:
        values = []
        entry = (self.rng.seeder(qualname) or self.rng.generator(qualname)) if qualname else None
        if entry is not None and entry.get("seed_argument"):
            ref = entry["seed_argument"]
            values.append(argument(node, ref["keyword"], ref.get("position")))
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value == "manual_seed":
            values.append(argument(node, "seed", 0))
        elif _names_a_seed((dotted_name(node.func) or "").rpartition(".")[2]):
            values.append(argument(node, "seed", 0))  # the project's own `set_seed(...)` helper
        values.extend(
            arg for arg in node.args if arg.keyword is not None and arg.keyword.value in self.rng.seed_keywords
        )
        return [value for value in values if value is not None]

    def _unstable_source(
        self, expression: cst.BaseExpression, depth: int = 3
    ) -> tuple[str, Confidence, cst.BaseExpression | None] | None:
        """What makes an expression differ between runs, if anything, how sure that is, and the
        assigned expression it came through (None when it is in `expression` itself); variables are
        followed to what was last assigned to them in the same function, or at module level (a few
        steps deep)."""
        for node in _walk(expression):
            if isinstance(node, cst.Name) and depth:
                # A local variable, else a module-level constant (`SEED = int(time.time())`).
                assigned = self.context.model.assigned(node.value)
                known = self._unstable_source(assigned, depth - 1) if assigned is not None else None
                if known:
                    return known[0], known[1], known[2] if known[2] is not None else assigned
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
            return f"{entry['what']} (`{qualname}()`)", confidence, None
        return None


def _names_a_seed(name: str) -> bool:
    """`seed`, `random_seed`, `SEED`, `set_seed`, `seed_all`: a name that says it holds or sets a seed."""
    return "seed" in name.lower()


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



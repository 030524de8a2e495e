from __future__ import annotations

import libcst as cst

from detlint.analysis.statements import descendants, suite_statements
from detlint.checks.base import Rule
from detlint.finding import Confidence, Severity
from detlint.names import BUILTIN_NAMES, argument, dotted_name, literal_value


class UnseededGenerator(Rule):
    """
    ## What it does
    Checks for random generator objects created without a seed: `np.random.default_rng()`,
    `np.random.RandomState()`, `np.random.Generator(PCG64())`, `random.Random()`, a
    `torch.Generator()` that is never given `manual_seed`, and
    `tf.random.Generator.from_non_deterministic_state()`.

    A `torch.Generator` counts as seeded when `.manual_seed(...)` is chained on it, called anywhere
    in the file on the name it is assigned to, or called by a class of the file on the attribute
    named like the argument the generator is handed to it as, in a statement of a method's own body
    (`Sampler(generator=torch.Generator())` and `self.generator.manual_seed(epoch)` in
    `Sampler.__iter__`; not under an `if`). A generator made as the fallback of a parameter the
    caller did not pass (`if rng is None: rng = np.random.default_rng()`) is reported at low
    confidence: the callers may always pass a seeded one.

    ## Why is this bad?
    A generator object has its own state, independent of the global seed: `np.random.seed(0)` does
    not seed `default_rng()`, and `torch.manual_seed(0)` does not seed a new `torch.Generator()`.
    Without a seed of its own it starts from operating-system entropy in every run.

    ## Example
    ```python
    import numpy as np

    np.random.seed(0)
    rng = np.random.default_rng()
    ```

    ## Use instead
    ```python
    import numpy as np

    rng = np.random.default_rng(0)
    ```

    ## References
    - [NumPy: default_rng](https://numpy.org/doc/stable/reference/random/generator.html#numpy.random.default_rng)
    - [PyTorch: torch.Generator](https://pytorch.org/docs/stable/generated/torch.Generator.html)
    - [TensorFlow: tf.random.Generator](https://www.tensorflow.org/api_docs/python/tf/random/Generator)
    """

    code = "DET104"
    name = "unseeded-generator"
    severity = Severity.WARNING

    VALID = (
        "import numpy as np\nrng = np.random.default_rng(0)\n",
        "import numpy as np\ndef make(seed):\n    return np.random.default_rng(seed)\n",
        "import random\nr = random.Random(42)\n",
        "import torch\ng = torch.Generator()\ng.manual_seed(0)\n",
        "import torch\ng = torch.Generator(device='cpu').manual_seed(0)\n",
        "import torch\nclass Data:\n    def __init__(self, seed):\n        self.gen = torch.Generator()\n"
        "        self.gen.manual_seed(seed)\n",
        "import numpy as np\nrng = np.random.Generator(np.random.PCG64(12345))\n",
        "import torch\nclass Sampler:\n    def __init__(self, generator):\n        self.generator = generator\n\n"
        "    def __iter__(self):\n        self.generator.manual_seed(self.epoch)\n        yield from range(4)\n\n"
        "sampler = Sampler(generator=torch.Generator())\n",
        # Seeded inside `with` or `try`, or by reassigning the seeded generator: it still always runs.
        "import threading\nimport torch\nclass Sampler:\n    def __init__(self, generator, seed):\n"
        "        self.generator = generator\n        with threading.Lock():\n"
        "            self.generator = self.generator.manual_seed(seed)\n\n"
        "    def __iter__(self):\n        yield from torch.randperm(4, generator=self.generator).tolist()\n\n"
        "sampler = Sampler(generator=torch.Generator(), seed=0)\n",
        "import torch\nclass Sampler:\n    def __init__(self, generator, seed):\n        self.generator = generator\n"
        "        try:\n            self.generator.manual_seed(seed)\n        except RuntimeError:\n            raise\n\n"
        "    def __iter__(self):\n        yield from torch.randperm(4, generator=self.generator).tolist()\n\n"
        "sampler = Sampler(generator=torch.Generator(), seed=0)\n",
    )
    INVALID = (
        "import numpy as np\nrng = np.random.default_rng()  # DET104\n",
        "import numpy as np\nrng = np.random.default_rng(None)  # DET104\n",
        "from numpy.random import RandomState\nstate = RandomState()  # DET104\n",
        "import random\nr = random.Random()  # DET104\n",
        "import numpy as np\nrng = np.random.Generator(np.random.PCG64())  # DET104\n",
        "import torch\ng = torch.Generator()  # DET104\nidx = torch.randperm(10, generator=g)\n",
        "import torch\nloader = torch.utils.data.DataLoader(range(4), shuffle=True, generator=torch.Generator())  # DET104\n",
        "import tensorflow as tf\ng = tf.random.Generator.from_non_deterministic_state()  # DET104\n",
        # The fallback for a caller that passes no generator: reported at low confidence.
        "import numpy as np\ndef simulate(n, rng=None):\n    if rng is None:\n"
        "        rng = np.random.default_rng()  # DET104\n    return rng.normal(size=n)\n",
        "import numpy as np\ndef simulate(n, rng=None):\n    rng = rng or np.random.default_rng()  # DET104\n"
        "    return rng.normal(size=n)\n",
        "import numpy as np\nclass Sim:\n    def __init__(self, rng=None):\n"
        "        self.rng = rng if rng is not None else np.random.default_rng()  # DET104\n",
        # Handed to a class of the file that draws from it and never seeds it.
        "import torch\nclass Sampler:\n    def __init__(self, generator):\n        self.generator = generator\n\n"
        "    def __iter__(self):\n        yield from torch.randperm(4, generator=self.generator).tolist()\n\n"
        "sampler = Sampler(generator=torch.Generator())  # DET104\n",
        # Seeded only when the caller asks for it: by default the generator is not.
        "import torch\nclass Sampler:\n    def __init__(self, generator, seed=None):\n        self.generator = generator\n"
        "        if seed is not None:\n            self.generator.manual_seed(seed)\n\n"
        "    def __iter__(self):\n        yield from torch.randperm(4, generator=self.generator).tolist()\n\n"
        "sampler = Sampler(generator=torch.Generator())  # DET104\n",
        "import torch\nclass Sampler:\n    def __init__(self, generator, seed=None):\n        self.generator = generator\n"
        "        if seed is None:\n            return\n        self.generator.manual_seed(seed)\n\n"
        "    def __iter__(self):\n        yield from torch.randperm(4, generator=self.generator).tolist()\n\n"
        "sampler = Sampler(generator=torch.Generator())  # DET104\n",
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.rng = context.catalog.rng
        # Generators seeded by a method call, judged once the whole file is seen.
        self._needs_method_seed: list[tuple[cst.Call, str]] = []
        self._argument_of: dict[int, cst.Call] = {}  # a call written as an argument -> the call it is passed to

    def visit_Call(self, node: cst.Call) -> None:
        for arg in node.args:
            if isinstance(arg.value, cst.Call):
                self._argument_of[id(arg.value)] = node
        qualname = self.qualname(node.func)
        entry = self.rng.generator(qualname) if qualname else None
        if entry is None:
            return
        if entry.get("seeded_by_method"):
            self._needs_method_seed.append((node, qualname))
        elif entry.get("always_unseeded"):
            self._report(
                node, qualname, "always starts from operating-system entropy", "Use `Generator.from_seed(SEED)`"
            )
        elif entry.get("seed_argument"):
            ref = entry["seed_argument"]
            seed = argument(node, ref["keyword"], ref.get("position"))
            if seed is None or literal_value(seed.value) is None:
                problem = "has no seed, so it starts from operating-system entropy"
                fallback = self._fallback_for(node)
                unknown = (
                    f" It is made only when the caller passes no `{fallback}`, and callers may always pass a seeded "
                    "one (low confidence)."
                    if fallback
                    else ""
                )
                self._report(node, qualname, problem, f"Pass one: `{qualname}(SEED)`", unknown=unknown)

    def _fallback_for(self, node: cst.Call) -> str | None:
        """The parameter a generator stands in for when the caller passes none: `if rng is None: rng =
        np.random.default_rng()`, `rng = rng or default_rng()`, `rng if rng is not None else ...`."""
        stack = self.context.statement_stack
        function = self.context.enclosing_function()
        if function is None:
            return None
        parameters = {param.name.value for param in (*function.params.params, *function.params.kwonly_params)}
        statement = stack[-1] if stack else None
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and statement.body else None
        if not isinstance(small, cst.Assign) or len(small.targets) != 1:
            return None
        value = small.value
        if isinstance(value, (cst.BooleanOperation, cst.IfExp)):
            # `rng = rng or default_rng()`, `self.rng = rng if rng is not None else default_rng()`
            return next((name for name in sorted(parameters) if _mentions(value, name)), None)
        target = small.targets[0].target
        name = target.value if isinstance(target, cst.Name) else None
        guard = next((s for s in reversed(stack[:-1]) if isinstance(s, (cst.If, cst.FunctionDef))), None)
        if name in parameters and value is node and isinstance(guard, cst.If) and _mentions(guard.test, name):
            return name  # `if rng is None:` then `rng = default_rng()`
        return None

    def leave_Module(self, original_node: cst.Module) -> None:
        model = self.context.model
        for call, qualname in self._needs_method_seed:
            name = model.bound_to(call)
            if "manual_seed" in model.methods_on_result(call) or (name and "manual_seed" in model.methods_on(name)):
                continue
            fix = (
                f"Call `{name}.manual_seed(SEED)` before using it" if name else f"Use `{qualname}().manual_seed(SEED)`"
            )
            receiver, keyword = self._project_receiver(call)
            if receiver is not None and keyword and _class_seeds(original_node, receiver, keyword):
                continue
            self._report(
                call, qualname, "is never seeded", fix,
                unknown=f" It is handed to `{receiver}`, which may seed it (low confidence)." if receiver else "",
            )  # fmt: skip

    def _project_receiver(self, call: cst.Call) -> tuple[str | None, str]:
        """The first call this generator is handed to, through any nesting, that is not a framework's,
        and the keyword it is handed over as there: code the file cannot see into may seed it
        (`SeedableSampler(generator=torch.Generator())`)."""
        external = self.context.model.external
        inner, outer = call, self._argument_of.get(id(call))
        while outer is not None:
            name = self.qualname(outer.func)
            if name is None and isinstance(outer.func, cst.Attribute):
                return None, ""  # a method of some value (`x.normal_(generator=...)`): not known to seed it
            builtin = name is None and isinstance(outer.func, cst.Name) and outer.func.value in BUILTIN_NAMES
            if not builtin and (name is None or name.split(".")[0] not in external):
                keyword = next((arg.keyword.value for arg in outer.args if arg.value is inner and arg.keyword), "")
                return name or self.context.module.code_for_node(outer.func), keyword
            # `getattr(s, "generator", torch.Generator())`: look further out
            inner, outer = outer, self._argument_of.get(id(outer))
        return None, ""

    def _report(self, node: cst.Call, qualname: str, problem: str, fix: str, unknown: str = "") -> None:
        self.report(
            node,
            f"`{qualname}()` {problem}",
            detail="A generator object keeps its own state, independent of the global seed: seeding the library "
            "does not seed it." + unknown,
            help=fix,
            confidence=Confidence.LOW if unknown else self.resolution_confidence(node.func),
        )


def _class_seeds(module: cst.Module, receiver: str, attribute: str) -> bool:
    """Whether a class of the module named `receiver` calls `self.<attribute>.manual_seed(...)` where
    it runs whenever a method does: in the method's own body (also inside `with` and `try`), before
    any branch that may leave the method, and not under an `if`."""
    classes = (statement for statement in module.body if isinstance(statement, cst.ClassDef))
    for definition in (c for c in classes if c.name.value == receiver):
        methods = (node for node in suite_statements(definition.body) if isinstance(node, cst.FunctionDef))
        if any(_always_seeds(suite_statements(method.body), f"self.{attribute}") for method in methods):
            return True
    return False


def _always_seeds(body, generator: str) -> bool:
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                value = small.value if isinstance(small, (cst.Expr, cst.Assign)) else None
                func = value.func if isinstance(value, cst.Call) else None
                if isinstance(func, cst.Attribute) and func.attr.value == "manual_seed":
                    # `self.generator.manual_seed(seed)`, or `self.generator = generator.manual_seed(seed)`
                    targets = [dotted_name(target.target) for target in getattr(small, "targets", ())]
                    if generator in (dotted_name(func.value), *targets):
                        return True
                if isinstance(small, (cst.Return, cst.Raise)):
                    return False
        elif isinstance(statement, (cst.With, cst.Try)):
            if _always_seeds(suite_statements(statement.body), generator):
                return True
        elif any(descendants(statement, (cst.Return, cst.Raise), skip=(cst.FunctionDef, cst.ClassDef, cst.Lambda))):
            return False  # `if seed is None: return`: what follows may not run
    return False


def _mentions(node: cst.CSTNode, name: str) -> bool:
    return any(found.value == name for found in descendants(node, (cst.Name,)))

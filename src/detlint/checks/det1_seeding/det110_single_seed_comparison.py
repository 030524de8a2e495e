from __future__ import annotations

import libcst as cst

from detlint.analysis.statements import descendants
from detlint.checks.base import Rule
from detlint.finding import Confidence, Severity, short_code
from detlint.names import code_of, literal_value


class SingleSeedComparison(Rule):
    """
    ## What it does
    Checks loops that compare configurations (models, hyper-parameters, datasets) by training each
    once with the same fixed seed: a `for` over a list, tuple or dict written out with two items or
    more (also through a name bound to one), whose body trains (`fit`, `xgb.train`, `backward`, also
    inside a function of the same file it calls), scores it (`score`, `evaluate`, `predict`, a
    scikit-learn metric) and keeps each result (appends it, stores it by key, prints or logs it), in
    a file that fixes a seed (`torch.manual_seed(0)`, `random_state=42`). A loop that only times its
    trainings compares no result.

    A comparison is not reported when each configuration is already repeated: over seeds (a loop
    around or inside it whose variable seeds the run) or over data splits (cross-validation,
    `cross_val_score`, `KFold`, a grid search). Nor is a loop over seeds itself, nor a file that seeds
    nothing (DET101 and DET105 report those runs). Reported at low confidence: whether the
    differences between the configurations are meant as a finding is not visible in the code.

    ## Why is this bad?
    A fixed seed makes each run repeatable, not representative. Training the same configuration with
    another seed moves its score, and for neural networks and small datasets that spread is often as
    large as the differences between the configurations compared. A ranking read from one seed per
    configuration can reverse with the next seed, so it does not replicate.

    ## Example
    ```python
    import torch

    torch.manual_seed(0)
    results = {}
    for lr in [0.1, 0.01, 0.001]:
        results[lr] = train_and_evaluate(lr)
    ```

    ## Use instead
    ```python
    import statistics
    import torch

    results = {}
    for lr in [0.1, 0.01, 0.001]:
        scores = []
        for seed in range(5):
            torch.manual_seed(seed)
            scores.append(train_and_evaluate(lr))
        results[lr] = (statistics.mean(scores), statistics.stdev(scores))
    ```

    ## References
    - [Bouthillier et al.: Accounting for Variance in Machine Learning Benchmarks (MLSys 2021)](https://arxiv.org/abs/2103.03098)
    - [Reimers and Gurevych: Reporting Score Distributions Makes a Difference (EMNLP 2017)](https://arxiv.org/abs/1707.09861)
    - [Henderson et al.: Deep Reinforcement Learning that Matters (AAAI 2018)](https://arxiv.org/abs/1709.06560)
    - [Dodge et al.: Fine-Tuning Pretrained Language Models: Weight Initializations, Data Orders, and Early Stopping](https://arxiv.org/abs/2002.06305)
    """

    code = "DET110"
    name = "single-seed-comparison"
    severity = Severity.NOTE
    confidence = Confidence.LOW

    VALID = (
        # Each configuration repeated over seeds.
        "import torch\nresults = {}\nfor lr in [0.1, 0.01]:\n    scores = []\n    for seed in range(5):\n"
        "        torch.manual_seed(seed)\n        scores.append(model(lr).fit(x, y).score(xt, yt))\n"
        "    results[lr] = scores\n",
        # Over data splits.
        "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.linear_model import LogisticRegression\n"
        "from sklearn.model_selection import cross_val_score\n"
        "models = {'rf': RandomForestClassifier(random_state=0), 'lr': LogisticRegression()}\n"
        "for name, model in models.items():\n    print(name, cross_val_score(model, x, y, cv=5).mean())\n",
        # A loop over seeds is the replication itself.
        "import torch\nscores = []\nfor seed in [0, 1, 2]:\n    torch.manual_seed(seed)\n    scores.append(train(seed))\n",
        # Nothing is seeded: DET101 reports the run.
        "models = [make_a(), make_b()]\nfor model in models:\n    model.fit(x, y)\n    print(model.score(xt, yt))\n",
        # One configuration only.
        "import torch\ntorch.manual_seed(0)\nfor lr in [0.1]:\n    print(train(lr).fit(x, y))\n",
        # Timing the trainings compares no result.
        "import time\nfrom sklearn.decomposition import PCA\ntimes = []\n"
        "for n in [2, 10, 154]:\n    start = time.time()\n    PCA(n, random_state=42).fit(x)\n"
        "    times.append(time.time() - start)\n",
        # Repeated over seeds given as an offset, or positionally under a seed's name.
        "import torch\nresults = {}\nfor lr in [0.1, 0.01]:\n    for rep in range(3):\n"
        "        torch.manual_seed(1000 + rep)\n        results[lr, rep] = model(lr).fit(x, y).score(xt, yt)\n",
        "import torch\ntorch.manual_seed(0)\nscores = {}\nfor lr in [0.1, 0.01]:\n    for seed in range(3):\n"
        "        scores[lr, seed] = run(lr, seed).fit(x, y).score(xt, yt)\n",
        # Not training: PyTorch's `train()` only sets a mode.
        "import torch\ntorch.manual_seed(0)\nfor model in [a, b]:\n    model.train()\n    print(model(x))\n",
    )
    INVALID = (
        "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.svm import SVC\n"
        "models = {'rf': RandomForestClassifier(random_state=42), 'svm': SVC(random_state=42)}\nscores = {}\n"
        "for name, model in models.items():  # DET110\n    model.fit(x_train, y_train)\n"
        "    scores[name] = model.score(x_test, y_test)\n",
        "import torch\n\ndef run(lr):\n    model = Net()\n    for batch in loader:\n        loss = model(batch).mean()\n"
        "        loss.backward()\n    return evaluate(model)\n\ntorch.manual_seed(0)\nresults = []\n"
        "for lr in (0.1, 0.01, 0.001):  # DET110\n    results.append(run(lr))\n",
        # A grid is one comparison, reported at its outermost loop.
        "import torch\ntorch.manual_seed(0)\nscores = {}\nfor lr in [0.1, 0.01]:  # DET110\n    for depth in [2, 4]:\n"
        "        scores[lr, depth] = model(lr, depth).fit(x, y).score(xt, yt)\n",
    )

    def visit_Module(self, node: cst.Module) -> None:
        self._functions = {
            definition.name.value: definition for definition in descendants(node, (cst.FunctionDef,))
        }
        self._fixes_a_seed = self._any_fixed_seed(node)
        self._loops: list[cst.For] = []

    def visit_For(self, node: cst.For) -> None:
        self._loops.append(node)
        if not self._fixes_a_seed or not isinstance(node.body, cst.IndentedBlock):
            return
        count = self._configurations(node.iter)
        if count < 2 or self._seeds_with_loop_variable(node) or self._under_seed_loop():
            return
        if any(self._configurations(loop.iter) >= 2 for loop in self._loops[:-1]):
            return  # a grid: the outermost loop is the one reported
        body = [*descendants(node.body, (cst.Call,))]
        called = [self._functions[call.func.value] for call in body if isinstance(call.func, cst.Name)
                  and call.func.value in self._functions]
        reached = body + [call for function in called for call in descendants(function, (cst.Call,))]
        if not any(self._trains(call) for call in reached) or not any(self._evaluates(call) for call in reached):
            return  # nothing trained, or nothing scored (a loop that times its trainings)
        if any(self._replicates(call) for call in reached):
            return
        if not self._keeps_results(node.body) or self._nested_seed_loop(node.body):
            return
        target = short_code(code_of(node.target), 30)
        self.report(
            node,
            f"`for {target} in ...` compares {count} configurations trained once each with a fixed seed",
            detail="Each configuration is trained with one seed, so its score carries that seed's luck: another seed "
            "moves every score, often by as much as the differences compared, and the ranking may not replicate "
            "(low confidence: whether the comparison is a finding is not visible in the code).",
            help="Train each configuration with several seeds and compare the means and spreads",
            confidence=Confidence.LOW,
        )

    def leave_For(self, original_node: cst.For) -> None:
        self._loops.pop()

    # -- shapes -------------------------------------------------------------------------------------
    def _configurations(self, iterable: cst.BaseExpression) -> int:
        """How many configurations a loop walks: the items of a list, tuple, set or dict written out
        (`.items()`, `.values()`, `.keys()` of one, or a name bound to one); 0 when unknown."""
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute) and not iterable.args:
            if iterable.func.attr.value in ("items", "values", "keys"):
                iterable = iterable.func.value
        if isinstance(iterable, cst.Name):
            bound = self.context.model.assigned(iterable.value)
            iterable = bound if bound is not None else iterable
        if isinstance(iterable, (cst.List, cst.Tuple, cst.Set)):
            return len(iterable.elements)
        if isinstance(iterable, cst.Dict):
            return len(iterable.elements)
        return 0

    def _trains(self, call: cst.Call) -> bool:
        if not isinstance(call.func, cst.Attribute):
            return False
        fewest = self.catalog.estimators.training_methods.get(call.func.attr.value)
        return fewest is not None and len(call.args) >= fewest

    def _evaluates(self, call: cst.Call) -> bool:
        """A score: a method (or a function of the same name, `evaluate(model)`) or a metric."""
        estimators = self.catalog.estimators
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        return name in estimators.evaluating_methods or self.qualname(func) in estimators.evaluating_callables

    def _replicates(self, call: cst.Call) -> bool:
        qualname = self.qualname(call.func)
        return qualname is not None and qualname in self.catalog.estimators.replicating_callables

    def _seeds_with_loop_variable(self, loop: cst.For) -> bool:
        names = {name.value for name in descendants(loop.target, (cst.Name,))}
        return any(self._seeds_with(call, names) for call in descendants(loop.body, (cst.Call,)))

    def _under_seed_loop(self) -> bool:
        return any(self._seeds_with_loop_variable(loop) for loop in self._loops[:-1])

    def _nested_seed_loop(self, body: cst.BaseSuite) -> bool:
        return any(self._seeds_with_loop_variable(loop) for loop in descendants(body, (cst.For,)))

    def _seeds_with(self, call: cst.Call, names: set[str]) -> bool:
        """The call seeds something with one of `names` (also in an expression, `1000 + rep`): a seeder
        or a seed keyword given it, or any call given a loop variable named as a seed (`run(lr, seed)`)."""
        rng = self.catalog.rng
        seed_named = {name for name in names if "seed" in name.lower() or name in self.catalog.estimators.seed_names}
        for arg in call.args:
            used = {found.value for found in descendants(arg.value, (cst.Name,))} & names
            if not used:
                continue
            if used & seed_named or (arg.keyword is not None and arg.keyword.value in rng.seed_keywords):
                return True
            qualname = self.qualname(call.func) or code_of(call.func)
            if arg.keyword is None and (rng.seeder(qualname) is not None or "seed" in qualname.rpartition(".")[2].lower()):
                return True
        return False

    def _any_fixed_seed(self, module: cst.Module) -> bool:
        """The file fixes a seed: a seeding call or a seed keyword given a literal or a module constant."""
        rng = self.catalog.rng
        for call in descendants(module, (cst.Call,)):
            qualname = self.qualname(call.func)
            for arg in call.args:
                seeding = (arg.keyword is not None and arg.keyword.value in rng.seed_keywords) or (
                    arg.keyword is None and qualname is not None and rng.seeder(qualname) is not None
                )
                if seeding and self._fixed(arg.value):
                    return True
        return False

    def _fixed(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Name):
            bound = self.context.model.module_constant(value.value)
            return bound is not None and isinstance(literal_value(bound), int)
        return isinstance(literal_value(value), int) and not isinstance(literal_value(value), bool)

    def _keeps_results(self, body: cst.BaseSuite) -> bool:
        """The loop keeps what each configuration gives: appends it, stores it by key, prints or logs it."""
        for node in descendants(body, (cst.Call, cst.Assign)):
            if isinstance(node, cst.Assign):
                if any(isinstance(target.target, cst.Subscript) for target in node.targets):
                    return True
                continue
            func = node.func
            name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
            if name in self.catalog.estimators.recording_methods:
                return True
        return False

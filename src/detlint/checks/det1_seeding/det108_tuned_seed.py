from __future__ import annotations

import libcst as cst

from detlint.catalogs.conditions import ArgumentView
from detlint.catalogs.entries import Entry
from detlint.analysis.statements import descendants
from detlint.checks.base import Rule
from detlint.checks.det1_seeding._estimators import EstimatorVisitor
from detlint.finding import Confidence, Severity, short_code
from detlint.names import NOT_LITERAL, argument, code_of, literal_value


class TunedSeed(EstimatorVisitor, Rule):
    """
    ## What it does
    Checks hyper-parameter searches whose search space holds the random seed: Optuna's
    `trial.suggest_int("seed", ...)`, Hyperopt's `hp.choice("seed", [...])`, Keras Tuner's
    `hp.Int("seed", ...)`, Ray Tune's `{"seed": tune.choice([...])}`, and scikit-learn grids with
    several values of `random_state` (also a pipeline step's `clf__random_state`). Names ending in
    `_seed` (`data_seed`) are reported at medium confidence. A parameter with one value is not
    searched and is not reported.

    It also reports, at medium confidence, a loop over seeds that keeps the best run: the loop
    variable seeds the run (`torch.manual_seed(seed)`, `set_seed(seed)`, `random_state=seed`) and an
    `if` directly in the loop compares a result with a `best...` name bound before the loop. A loop
    that collects every seed's result, or keeps the best epoch of each seed, is not reported.

    ## Why is this bad?
    A search keeps the configuration that scored best. When the seed is one of the parameters it
    keeps the seed whose run happened to score best: the reported score is the luck of one draw, not
    a property of the model, so it is optimistic and does not replicate with any other seed. The
    spread between seeds is often as large as the differences the search is meant to find.

    ## Example
    ```python
    def objective(trial):
        lr = trial.suggest_float("lr", 1e-5, 1e-2, log=True)
        seed = trial.suggest_int("seed", 0, 100)
        return train(lr=lr, seed=seed)
    ```

    ## Use instead
    ```python
    def objective(trial):
        lr = trial.suggest_float("lr", 1e-5, 1e-2, log=True)
        return train(lr=lr, seed=0)

    # Then train the chosen configuration with several seeds and report the mean and the spread.
    scores = [train(lr=best_lr, seed=seed) for seed in range(5)]
    ```

    ## References
    - [Bouthillier et al.: Accounting for Variance in Machine Learning Benchmarks (MLSys 2021)](https://arxiv.org/abs/2103.03098)
    - [Dodge et al.: Fine-Tuning Pretrained Language Models: Weight Initializations, Data Orders, and Early Stopping](https://arxiv.org/abs/2002.06305)
    - [Henderson et al.: Deep Reinforcement Learning that Matters (AAAI 2018)](https://arxiv.org/abs/1709.06560)
    - [Picard: torch.manual_seed(3407) is all you need](https://arxiv.org/abs/2109.08203)
    """

    code = "DET108"
    name = "tuned-seed"
    severity = Severity.WARNING
    # Every file: a loop over seeds needs no search library (each search space entry names its own).

    VALID = (
        "import optuna\ndef objective(trial):\n    lr = trial.suggest_float('lr', 1e-4, 1e-1)\n    return train(lr, seed=0)\n",
        "import optuna\ndef objective(trial):\n    return train(seed=trial.suggest_categorical('seed', [42]))\n",
        "from sklearn.model_selection import GridSearchCV\n"
        "search = GridSearchCV(model, {'C': [0.1, 1, 10], 'random_state': [0]})\n",
        "from hyperopt import hp\nspace = {'lr': hp.loguniform('lr', -8, -2)}\n",
        # `suggest_int` on something that is not a trial, in a file without Optuna.
        "def f(form):\n    return form.suggest_int('seed', 1, 9)\n",
        # Not a search space: a seed passed to a function that happens to be named like one.
        "import random\nrandom.choice(['seed', 'other'])\n",
        # Seeds as replicates: every result is kept.
        "import torch\nscores = []\nfor seed in range(5):\n    torch.manual_seed(seed)\n    scores.append(train_and_evaluate())\n",
        # The best epoch of each seed, reset for every seed.
        "import torch\nresults = []\nfor seed in range(3):\n    torch.manual_seed(seed)\n    best = 0.0\n"
        "    for epoch in range(10):\n        acc = step()\n        if acc > best:\n            best = acc\n    results.append(best)\n",
    )
    INVALID = (
        "import optuna\ndef objective(trial):\n    seed = trial.suggest_int('seed', 0, 100)  # DET108\n    return train(seed=seed)\n",
        # A search space handed to a trainer that runs Optuna: the file never imports it.
        "def hp_space(trial):\n    return {'lr': trial.suggest_float('lr', 1e-6, 1e-4), 'seed': trial.suggest_int('seed', 1, 40)}  # DET108\n",
        "from hyperopt import hp\nspace = {'seed': hp.choice('seed', [0, 1, 2])}  # DET108\n",
        "import keras_tuner as kt\ndef build(hp):\n    tf_seed = hp.Int('init_seed', 0, 10)  # DET108\n    return make(tf_seed)\n",
        "from ray import tune\nconfig = {'lr': tune.loguniform(1e-4, 1e-1), 'seed': tune.choice([0, 1, 2])}  # DET108\n",
        "from sklearn.model_selection import GridSearchCV\n"
        "grid = {'clf__C': [1, 10], 'clf__random_state': [0, 1, 2]}  # DET108\nsearch = GridSearchCV(pipe, grid)\n",
        "from sklearn.model_selection import RandomizedSearchCV\n"
        "search = RandomizedSearchCV(model, param_distributions={'random_state': range(10)})  # DET108\n",
        "import torch\nbest_acc, best_seed = 0.0, None\nfor seed in range(10):  # DET108\n    torch.manual_seed(seed)\n"
        "    acc = train_and_evaluate()\n    if acc > best_acc:\n        best_acc, best_seed = acc, seed\n",
    )

    def on_call(self, node: cst.Call) -> None:
        estimators = self.catalog.estimators
        qualname = self.qualname(node.func)
        if qualname is not None:
            entry = estimators.space_callables.get(qualname)
            if entry is not None:
                self._declared(node, entry)
            grid = estimators.space_grids.get(qualname)
            if grid is not None:
                self._grid(node, grid)
        elif isinstance(node.func, cst.Attribute):
            entry = estimators.space_methods.get(node.func.attr.value)
            if entry is not None and self._in_search_code(node.func.value, entry):
                self._declared(node, entry)

    def _in_search_code(self, receiver: cst.BaseExpression, entry: Entry) -> bool:
        """A search-space method: the file imports the library, or the receiver is named as the library
        names it (`trial.suggest_int(...)` in a file that receives Optuna's trial from elsewhere)."""
        if self.context.imports.imports_any(frozenset(entry["frameworks"])):
            return True
        return isinstance(receiver, cst.Name) and receiver.value in entry.get("receivers", ())

    def visit_Dict(self, node: cst.Dict) -> None:
        """`{"seed": tune.choice([0, 1, 2])}`: a key whose value is a search-space call names it."""
        for element in node.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(element.value, cst.Call):
                continue
            qualname = self.qualname(element.value.func)
            if qualname is None or qualname not in self.catalog.estimators.space_dict_values:
                continue
            name = literal_value(element.key)
            choices = element.value.args[0].value if element.value.args else None
            if isinstance(name, str) and not _single_value(choices):
                self._report(element, name, f"`{short_code(code_of(element.value))}`")

    def visit_For(self, node: cst.For) -> None:
        """`for seed in range(10): set_seed(seed); ...; if score > best_score: best_score = ...`."""
        if not isinstance(node.target, cst.Name) or not isinstance(node.body, cst.IndentedBlock):
            return
        seed = node.target.value
        kept = {
            name
            for statement in node.body.body
            if isinstance(statement, cst.If) and isinstance(statement.test, cst.Comparison)
            for name in _assigned_names(statement.body)
            if "best" in name.lower()
        }
        kept &= self._names_bound_before(node) if kept else set()
        if not kept or not any(self._seeds_with(call, seed) for call in descendants(node.body, (cst.Call,))):
            return
        self.report(
            node,
            f"`for {seed} in ...` keeps the run of the best seed (in `{sorted(kept)[0]}`)",
            detail="The loop trains with each seed and keeps the one that scored best: that score is the luck of "
            "one draw, not a property of the configuration, so it is optimistic and does not replicate with another "
            "seed (medium confidence: read from the loop's shape).",
            help="Report the mean and the spread over all seeds instead of the best one",
            confidence=Confidence.MEDIUM,
        )

    def _seeds_with(self, call: cst.Call, name: str) -> bool:
        """The call seeds something with `name`: a seeding function given it first (`torch.manual_seed(seed)`,
        a project's `set_seed(seed)`), or a seed keyword given it (`random_state=seed`)."""
        for arg in call.args:
            if not (isinstance(arg.value, cst.Name) and arg.value.value == name):
                continue
            if arg.keyword is not None:
                return arg.keyword.value in self.catalog.rng.seed_keywords
            qualname = self.qualname(call.func) or code_of(call.func)
            return self.catalog.rng.seeder(qualname) is not None or "seed" in qualname.rpartition(".")[2].lower()
        return False

    def _names_bound_before(self, loop: cst.For) -> set[str]:
        """The names assigned in the loop's block before the loop."""
        block = self.enclosing_block()
        statements = block.body if isinstance(block, cst.IndentedBlock) else self.context.module.body
        names: set[str] = set()
        for statement in statements:
            if statement is loop:
                break
            if isinstance(statement, cst.SimpleStatementLine):
                names.update(_assigned_names([statement]))
        return names

    # -- declarations -------------------------------------------------------------------------------
    def _declared(self, node: cst.Call, entry: Entry) -> None:
        where = entry.get("name_argument")
        found = argument(node, where["keyword"], where.get("position")) if where else None
        name = literal_value(found.value) if found is not None else NOT_LITERAL
        if not isinstance(name, str):
            return
        choices_at = entry.get("choices_argument")
        choices = argument(node, choices_at["keyword"], choices_at.get("position")) if choices_at else None
        if choices is not None and _single_value(choices.value):
            return
        if _empty_range(node):
            return
        self._report(node, name, f"`{short_code(code_of(node))}`")

    def _grid(self, node: cst.Call, entry: Entry) -> None:
        where = entry["grid_argument"]
        found = argument(node, where["keyword"], where.get("position"))
        if found is None:
            return
        grids = found.value.elements if isinstance(found.value, (cst.List, cst.Tuple)) else (found.value,)
        for grid in grids:
            view = self.resolve_dict(grid.value if isinstance(grid, cst.BaseElement) else grid)
            if view is not None:
                self._grid_entries(view)

    def _grid_entries(self, view: ArgumentView) -> None:
        for key, found in view.keywords.items():
            values = found.value
            several = isinstance(values, (cst.List, cst.Tuple, cst.Set)) and len(values.elements) > 1
            if several or isinstance(values, cst.Call):
                self._report(found.node, key, f"`{short_code(code_of(found.node))}`", certain=several)

    # -- findings -----------------------------------------------------------------------------------
    def _report(self, node: cst.CSTNode, name: str, subject: str, certain: bool = True) -> None:
        match = self._seed_match(name)
        if match is None:
            return
        confidence = match if certain else Confidence.weakest(match, Confidence.MEDIUM)
        self.report(
            node,
            f"{subject} searches the random seed `{name}` as a hyper-parameter",
            detail="The search keeps the seed whose run scored best: that score is the luck of one draw, not a "
            "property of the configuration, so it is optimistic and does not replicate with another seed.",
            help="Fix the seed during the search, then train the chosen configuration with several seeds and "
            "report the mean and the spread",
            confidence=confidence,
        )

    def _seed_match(self, name: str) -> Confidence | None:
        """How sure a parameter name is a seed: a listed name (after a pipeline step's `step__`), or one
        with a seed suffix (`data_seed`), less sure."""
        bare = name.rpartition("__")[2].lower()
        estimators = self.catalog.estimators
        if bare in estimators.seed_names:
            return Confidence.HIGH
        if bare.endswith(estimators.seed_suffixes):
            return Confidence.MEDIUM
        return None


def _single_value(node: cst.BaseExpression | None) -> bool:
    """A literal list or tuple of at most one value: nothing to search."""
    return isinstance(node, (cst.List, cst.Tuple)) and len(node.elements) <= 1


def _empty_range(call: cst.Call) -> bool:
    """`suggest_int("seed", 3, 3)`: bounds that leave one value."""
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    if len(positional) < 3:
        return False
    low, high = literal_value(positional[1]), literal_value(positional[2])
    return low is not NOT_LITERAL and low == high


def _assigned_names(statements) -> set[str]:
    """The plain names the statements assign (tuple targets included), not looking into nested blocks."""
    body = statements.body if isinstance(statements, cst.BaseSuite) else statements
    names: set[str] = set()
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                for target in targets:
                    elements = target.elements if isinstance(target, (cst.Tuple, cst.List)) else [target]
                    for element in elements:
                        value = element.value if isinstance(element, cst.BaseElement) else element
                        if isinstance(value, cst.Name):
                            names.add(value.value)
    return names

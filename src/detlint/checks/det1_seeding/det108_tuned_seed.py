from __future__ import annotations

import libcst as cst

from detlint.catalogs.conditions import ArgumentView
from detlint.catalogs.entries import Entry
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
    frameworks = frozenset({"optuna", "hyperopt", "keras_tuner", "kerastuner", "ray", "sklearn"})

    VALID = (
        "import optuna\ndef objective(trial):\n    lr = trial.suggest_float('lr', 1e-4, 1e-1)\n    return train(lr, seed=0)\n",
        "import optuna\ndef objective(trial):\n    return train(seed=trial.suggest_categorical('seed', [42]))\n",
        "from sklearn.model_selection import GridSearchCV\n"
        "search = GridSearchCV(model, {'C': [0.1, 1, 10], 'random_state': [0]})\n",
        "from hyperopt import hp\nspace = {'lr': hp.loguniform('lr', -8, -2)}\n",
        # Not a search space: a seed passed to a function that happens to be named like one.
        "import random\nrandom.choice(['seed', 'other'])\n",
    )
    INVALID = (
        "import optuna\ndef objective(trial):\n    seed = trial.suggest_int('seed', 0, 100)  # DET108\n    return train(seed=seed)\n",
        "from hyperopt import hp\nspace = {'seed': hp.choice('seed', [0, 1, 2])}  # DET108\n",
        "import keras_tuner as kt\ndef build(hp):\n    tf_seed = hp.Int('init_seed', 0, 10)  # DET108\n    return make(tf_seed)\n",
        "from ray import tune\nconfig = {'lr': tune.loguniform(1e-4, 1e-1), 'seed': tune.choice([0, 1, 2])}  # DET108\n",
        "from sklearn.model_selection import GridSearchCV\n"
        "grid = {'clf__C': [1, 10], 'clf__random_state': [0, 1, 2]}  # DET108\nsearch = GridSearchCV(pipe, grid)\n",
        "from sklearn.model_selection import RandomizedSearchCV\n"
        "search = RandomizedSearchCV(model, param_distributions={'random_state': range(10)})  # DET108\n",
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
            if entry is not None and self.context.imports.imports_any(frozenset(entry["frameworks"])):
                self._declared(node, entry)

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

from __future__ import annotations

import libcst as cst

from detlint.catalogs.conditions import ALWAYS, ArgumentView, Level, Verdict
from detlint.catalogs.entries import Entry
from detlint.catalogs.estimators import GbmTarget
from detlint.checks.base import Rule
from detlint.checks.det1_seeding._estimators import (
    EstimatorVisitor,
    Seed,
    describe,
    seed_status,
    with_keyword,
    without_asides,
)
from detlint.finding import Severity, short_code
from detlint.names import code_of


class GbmMissingSeed(EstimatorVisitor, Rule):
    """
    ## What it does
    Checks XGBoost, LightGBM and CatBoost models (scikit-learn wrappers such as `XGBClassifier`,
    `LGBMRegressor`, `CatBoostClassifier`, and `xgb.train`/`lgb.train`/`catboost.train` with a params
    dict written in the same function, in the module, or passed to the function by every call of it
    in the file) for settings that are nondeterministic whatever the seed, and
    for stochastic parameters (`subsample` or `colsample_*` below 1, DART, GOSS, LightGBM bagging,
    CatBoost's `bootstrap_type`/`rsm`, ...) without a seed.

    ## Why is this bad?
    XGBoost's `updater='shotgun'` (the default updater of `booster='gblinear'`) fits with Hogwild-style
    parallel coordinate descent and gives a different model on every run; `deterministic_histogram=False`
    (XGBoost 1.1-1.4) turns off the rounding that makes the GPU histogram reproducible. LightGBM on
    the GPU (`device_type='gpu'`) does not reproduce its results between runs unless it computes in
    double precision (`gpu_use_dp=True`), and CatBoost documents GPU training (`task_type='GPU'`) as
    nondeterministic, as the order of its floating point sums is not fixed. LightGBM's
    `deterministic=True` without `force_col_wise=True` or `force_row_wise=True` still lets a timing
    test pick the histogram layout, which its documentation asks to fix. These are reported at high
    or medium confidence. A seeded LightGBM model that leaves the thread count to the machine is
    reported at low confidence: it repeats on one machine, but another core count can change the
    model.

    A missing seed is a smaller risk in these libraries than in scikit-learn: each documents a fixed
    default seed (XGBoost `seed=0`, LightGBM `bagging_seed=3`, `feature_fraction_seed=2`, ..., CatBoost
    `random_seed=0`), so one model trained alone repeats. The seed is still implicit: every model gets
    the same one, and before XGBoost 3.3 the sampling random state is shared by all models trained in
    one process, so models trained side by side (cross-validation folds, ensembles, searches) depend
    on each other. Unseeded stochastic models are therefore reported at low confidence, shown with
    `--min-confidence low`.

    ## Example
    ```python
    import xgboost as xgb

    model = xgb.XGBClassifier(subsample=0.8, colsample_bytree=0.8)
    linear = xgb.XGBRegressor(booster="gblinear", updater="shotgun")
    ```

    ## Use instead
    ```python
    import xgboost as xgb

    model = xgb.XGBClassifier(subsample=0.8, colsample_bytree=0.8, random_state=0)
    linear = xgb.XGBRegressor(booster="gblinear", updater="coord_descent")
    ```

    ## References
    - [XGBoost parameters](https://xgboost.readthedocs.io/en/stable/parameter.html)
    - [LightGBM FAQ: GPU results over several runs](https://lightgbm.readthedocs.io/en/v4.6.0/FAQ.html)
    - [CatBoost: Training on GPU](https://catboost.ai/docs/en/features/training-on-gpu)
    - [XGBoost 3.3 release notes: local random number generator](https://xgboost.readthedocs.io/en/latest/changes/v3.3.0.html)
    - [LightGBM parameters: seed](https://lightgbm.readthedocs.io/en/latest/Parameters.html#seed)
    - [CatBoost common parameters: random_seed](https://catboost.ai/docs/en/references/training-parameters/common#random_seed)
    """

    code = "DET106"
    name = "gbm-missing-seed"
    severity = Severity.WARNING
    frameworks = frozenset({"xgboost", "lightgbm", "catboost"})

    VALID = (
        "import xgboost as xgb\nxgb.XGBClassifier(subsample=0.8, random_state=0)\n",
        "import xgboost as xgb\nxgb.XGBClassifier(max_depth=6, n_estimators=300)\n",
        "import xgboost as xgb\nxgb.XGBRegressor(booster='gblinear', updater='coord_descent')\n",
        "import xgboost as xgb\nparams = {'subsample': 0.8, 'seed': 42}\nbst = xgb.train(params, dtrain)\n",
        "import xgboost as xgb\n\ndef fit(params, dtrain):\n    return xgb.train(params, dtrain)\n",
        "import lightgbm as lgb\nlgb.LGBMClassifier(subsample=0.8)\n",
        "import lightgbm as lgb\nlgb.LGBMClassifier(subsample=0.8, subsample_freq=1, random_state=7, n_jobs=4)\n",
        "from catboost import CatBoostClassifier\nCatBoostClassifier(iterations=500, depth=6)\n",
        "from catboost import CatBoostClassifier\nCatBoostClassifier(rsm=0.5, random_seed=1)\n",
        "import xgboost as xgb\nxgb.XGBClassifier(subsample=1.0, deterministic_histogram=True)\n",
        # LightGBM's GPU in double precision, CatBoost on the CPU.
        "import lightgbm as lgb\nlgb.LGBMClassifier(device_type='gpu', gpu_use_dp=True)\n",
        "import lightgbm as lgb\nlgb.LGBMClassifier(deterministic=True, force_col_wise=True, random_state=0)\n",
        "from catboost import CatBoostClassifier\nCatBoostClassifier(task_type='CPU', random_seed=0)\n",
    )
    INVALID = (
        "import xgboost as xgb\nxgb.XGBRegressor(booster='gblinear', updater='shotgun')  # DET106\n",
        "import xgboost as xgb\nxgb.XGBRegressor(booster='gblinear')  # DET106\n",
        "import xgboost as xgb\nparams = {\n    'booster': 'gblinear',\n    'updater': 'shotgun',  # DET106\n}\n"
        "bst = xgb.train(params, dtrain)\n",
        "import xgboost as xgb\nxgb.XGBClassifier(tree_method='gpu_hist', deterministic_histogram=False)  # DET106\n",
        "import xgboost as xgb\nxgb.XGBClassifier(subsample=0.8, colsample_bytree=0.8)  # DET106\n",
        "from xgboost import XGBRFClassifier\nXGBRFClassifier(n_estimators=100)  # DET106\n",
        "import xgboost as xgb\nparams = {'objective': 'binary:logistic', 'subsample': 0.7}\n"
        "bst = xgb.train(params, dtrain, num_boost_round=100)  # DET106\n",
        "import lightgbm as lgb\nlgb.LGBMRegressor(subsample=0.8, subsample_freq=1, random_state=None)  # DET106\n",
        "import lightgbm as lgb\nparams = dict(objective='binary', feature_fraction=0.9)\nmodel = lgb.train(params, train_set)  # DET106\n",
        "from catboost import CatBoostRegressor\nCatBoostRegressor(bootstrap_type='Bernoulli', subsample=0.66)  # DET106\n",
        "import lightgbm as lgb\nmodel = lgb.train({'device': 'gpu', 'seed': 1}, train_set)  # DET106\n",
        "from catboost import CatBoostClassifier\nCatBoostClassifier(task_type='GPU', random_seed=0)  # DET106\n",
        "import lightgbm as lgb\nlgb.LGBMRegressor(deterministic=True, random_state=0)  # DET106\n",
        # Seeded, but the thread count is the machine's (low confidence).
        "import lightgbm as lgb\nlgb.LGBMClassifier(subsample=0.8, subsample_freq=1, random_state=7)  # DET106\n",
        # A params dict handed to the training helper by its caller.
        "import xgboost as xgb\n\ndef fit(params, dtrain):\n    return xgb.train(params, dtrain)\n\n"
        "model = fit({'booster': 'gblinear', 'updater': 'shotgun'}, data)  # DET106\n",
    )

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._reported: set[tuple[int, str]] = set()

    def on_call(self, node: cst.Call) -> None:
        qualname = self.qualname(node.func)
        estimators = self.catalog.estimators
        target = estimators.gbm_targets.get(qualname) if qualname else None
        if target is None:
            return
        library = target.library
        if target.params_argument is None:
            view: ArgumentView | None = self.view(node)
        else:
            argument = self.argument(node, target.params_argument["keyword"], target.params_argument.get("position"))
            view = self.resolve_dict(argument.value) if argument is not None else None
        if view is None:
            return  # no params, or params detlint cannot read
        for setting in estimators.gbm_settings.get(library.id, ()):
            self._check_setting(node, setting, estimators.conditions(setting).evaluate(view))
        self._check_seed(node, qualname or "", target, view)

    def _check_setting(self, node: cst.Call, setting: Entry, verdict: Verdict) -> None:
        if not verdict.random:
            return
        # A setting written out is reported where it is written; one left at its default, at the call.
        where = verdict.found.node if verdict.found is not None else node
        if (id(where), setting.id) in self._reported:
            return
        self._reported.add((id(where), setting.id))
        level = min(verdict.level, Level.of(setting["confidence"]))
        subject = describe(verdict.found) if verdict.found is not None else short_code(code_of(node))
        self.report(
            where,
            f"`{subject}` {setting['problem']}",
            detail=setting["detail"],
            help=setting["fix"][:1].upper() + setting["fix"][1:],
            confidence=level.confidence,
        )

    def _check_seed(self, node: cst.Call, qualname: str, target: GbmTarget, view: ArgumentView) -> None:
        library = target.library
        seed = seed_status(view, library["seed_keywords"])
        if seed.state in (Seed.GIVEN, Seed.UNKNOWN) or self.reseeded_later(node):
            return
        if qualname in library.get("always_stochastic", ()):
            verdict = ALWAYS
        else:
            verdict = self.catalog.estimators.conditions(library).evaluate(view)
        if not verdict.random:
            return
        level = min(verdict.level, Level.of(library["unseeded_confidence"]))
        if verdict.condition is None:
            what = library.get("always_stochastic_what", "draws random numbers")
        else:
            what = verdict.condition.what or "draws random numbers"
        short = without_asides(what)
        if verdict.condition is not None and verdict.found is not None:
            short += f" (`{describe(verdict.found)}`)"
        subject = f"`{short_code(code_of(node))}`"
        if target.params_argument is None:
            missing = f"`{library['estimator_seed']}`" if seed.state is Seed.ABSENT else f"a seed (`{describe(seed.found)}`)"  # type: ignore[arg-type]
            fix = f"`{with_keyword(node, library['estimator_seed'])}`"
        else:
            key = library["params_seed"]
            missing = f"a `{key}` in its params" if seed.state is Seed.ABSENT else f"a seed (`{describe(seed.found)}`)"  # type: ignore[arg-type]
            params = self.argument(node, target.params_argument["keyword"], target.params_argument.get("position"))
            name = code_of(params.value) if params is not None and isinstance(params.value, cst.Name) else None
            fix = f'`{name}["{key}"] = 0`' if name else f'add `"{key}": 0` to the params dict'
        self.report(
            node,
            f"{subject} {short} without {missing}",
            detail=(f"It {what}. " if what != without_asides(what) else "")
            + f"{library['library']} uses {library['default_seed']}, so {library['unseeded_risk']}.",
            help=f"Set the seed explicitly: {fix}",
            confidence=level.confidence,
        )

from __future__ import annotations

import libcst as cst

from detlint.analysis.statements import descendants
from detlint.catalogs.entries import Entry
from detlint.checks.base import FixSpec, Rule
from detlint.checks.det1_seeding._estimators import EstimatorVisitor, Seed, seed_fix, seed_status
from detlint.facts.switches import env_writes
from detlint.finding import Confidence, Severity, short_code
from detlint.names import argument, code_of, given, literal_value


class UnseededSearch(EstimatorVisitor, Rule):
    """
    ## What it does
    Checks hyper-parameter searches that draw the candidates they try at random without a seed:
    Optuna's samplers (`TPESampler`, `RandomSampler`, `CmaEsSampler`, `NSGAIISampler`, ...) without
    `seed=`, `optuna.create_study()`/`load_study()` without a `sampler=` when the study is optimized
    (its default TPESampler is unseeded; a study only read for its results draws nothing, and one
    handed to other code is reported at low confidence), Hyperopt's `fmin` without `rstate=`, and Keras Tuner's `RandomSearch`,
    `BayesianOptimization` and `Hyperband` (and their oracles) without `seed=`, and Ray Tune's search
    algorithms: `BasicVariantGenerator` without `random_state=`, `OptunaSearch` without `seed=` or a
    `sampler=`, `HyperOptSearch` and `HEBOSearch` without `random_state_seed=`, and a `Tuner` (or
    `tune.run`) that names no search algorithm where the search space holds random distributions
    (`tune.loguniform`, `tune.choice`, ...): its default `BasicVariantGenerator` has no seed.

    ## Why is this bad?
    The search decides which configurations are trained, so an unseeded search reports a different
    best configuration, and a different best score, every time it runs. Optuna's samplers and
    Hyperopt's `fmin` seed themselves from the operating system's entropy: seeding NumPy or Python
    does not reach them, and the finding is certain. Hyperopt is seeded by `HYPEROPT_FMIN_SEED` when the
    file sets it. Keras Tuner draws an unseeded oracle's seed from Python's global `random` state: a
    file that seeds it (`random.seed`, `keras.utils.set_random_seed`) makes the search repeat as long
    as the draws before it stay the same, and the finding is then medium. Ray Tune's
    `BasicVariantGenerator` and `HEBOSearch` draw from NumPy's global state in the driver likewise
    (medium when the file seeds NumPy); `OptunaSearch` and `HyperOptSearch` from fresh entropy.

    A seeded search still differs between runs when its trials run in parallel: Optuna's
    `study.optimize(..., n_jobs=4)` (or `-1`) is reported at medium confidence, as trials finish, and
    are learned from, in an order that changes. scikit-learn's `RandomizedSearchCV` is DET105's.

    ## Example
    ```python
    import optuna

    study = optuna.create_study(direction="maximize")
    study.optimize(objective, n_trials=100)
    ```

    ## Use instead
    ```python
    import optuna

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=100)
    ```

    ## References
    - [Optuna FAQ: How can I obtain reproducible optimization results?](https://optuna.readthedocs.io/en/stable/faq.html#how-can-i-obtain-reproducible-optimization-results)
    - [Hyperopt: fmin](https://hyperopt.github.io/hyperopt/getting-started/minimizing_functions/)
    - [Keras Tuner: RandomSearch](https://keras.io/keras_tuner/api/tuners/random/)
    - [Ray Tune: BasicVariantGenerator](https://docs.ray.io/en/latest/tune/api/doc/ray.tune.search.BasicVariantGenerator.html)
    """

    fix = "unsafe"
    code = "DET107"
    name = "unseeded-search"
    severity = Severity.WARNING
    frameworks = frozenset({"optuna", "hyperopt", "keras_tuner", "kerastuner", "ray"})

    VALID = (
        "import optuna\nstudy = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=42))\n",
        "from optuna.samplers import RandomSampler\nsampler = RandomSampler(0)\n",
        "import optuna\nsampler = optuna.samplers.CmaEsSampler(seed=args.seed)\nstudy = optuna.create_study(sampler=sampler)\n",
        "import numpy as np\nfrom hyperopt import fmin, tpe\n"
        "best = fmin(f, space, algo=tpe.suggest, max_evals=50, rstate=np.random.default_rng(1))\n",
        "import os\nfrom hyperopt import fmin, tpe\nos.environ['HYPEROPT_FMIN_SEED'] = '1'\n"
        "best = fmin(f, space, algo=tpe.suggest, max_evals=50)\n",
        "import keras_tuner as kt\ntuner = kt.RandomSearch(build_model, 'val_accuracy', 20, 7)\n",
        "import keras_tuner\ntuner = keras_tuner.Hyperband(build_model, objective='val_loss', seed=1)\n",
        "import optuna\nstudy = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))\n"
        "study.optimize(objective, n_trials=100, n_jobs=1)\n",
        # A study only read: its sampler never draws.
        "import optuna\nstudy = optuna.load_study(study_name='rf', storage='sqlite:///rf.db')\nprint(study.best_params)\n",
        # Someone else's `fmin`.
        "from scipy.optimize import fmin\nxopt = fmin(f, x0)\n",
        # Ray Tune's searchers, seeded or given a seeded sampler.
        "from ray.tune.search import BasicVariantGenerator\nsearch = BasicVariantGenerator(random_state=0)\n",
        "import optuna\nfrom ray.tune.search.optuna import OptunaSearch\n"
        "search = OptunaSearch(sampler=optuna.samplers.TPESampler(seed=0), metric='loss', mode='min')\n",
        "from ray.tune.search.hyperopt import HyperOptSearch\nsearch = HyperOptSearch(metric='loss', mode='min', random_state_seed=1)\n",
        # Ray Tune's default generator over a grid draws nothing.
        "from ray import tune\ntuner = tune.Tuner(train, param_space={'lr': tune.grid_search([0.1, 0.01])})\n",
    )
    INVALID = (
        "import optuna\nstudy = optuna.create_study(direction='maximize')  # DET107\nstudy.optimize(objective, n_trials=50)\n",
        "import optuna\noptuna.create_study(sampler=None).optimize(objective, n_trials=50)  # DET107\n",
        "import optuna\n\ndef resume(name, url):\n    study = optuna.load_study(study_name=name, storage=url)  # DET107\n"
        "    trial = study.ask()\n    return trial\n",
        "import optuna\nsampler = optuna.samplers.TPESampler(multivariate=True)  # DET107\n",
        "from optuna.samplers import RandomSampler\nsampler = RandomSampler(seed=None)  # DET107\n",
        "from hyperopt import fmin, tpe\nbest = fmin(f, space, algo=tpe.suggest, max_evals=50)  # DET107\n",
        "import keras_tuner as kt\ntuner = kt.BayesianOptimization(build_model, objective='val_loss')  # DET107\n",
        "import random\nimport keras_tuner as kt\nrandom.seed(0)\ntuner = kt.RandomSearch(build_model, 'val_loss')  # DET107\n",
        "import optuna\nstudy = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))\n"
        "study.optimize(objective, n_trials=100, n_jobs=-1)  # DET107\n",
        "from ray import tune\nfrom ray.tune.search.optuna import OptunaSearch\n"
        "tuner = tune.Tuner(train, tune_config=tune.TuneConfig(search_alg=OptunaSearch(metric='loss', mode='min')))  # DET107\n",
        "import numpy as np\nfrom ray.tune.search import BasicVariantGenerator\nnp.random.seed(0)\n"
        "search = BasicVariantGenerator()  # DET107\n",
        "from ray import tune\nspace = {'lr': tune.loguniform(1e-4, 1e-1)}\n"
        "tuner = tune.Tuner(train, param_space=space, tune_config=tune.TuneConfig(num_samples=8))  # DET107\n",
    )

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._seeded_globals: set[str] = set()  # `python-random`, `numpy`: global states the file seeds
        self._environment: frozenset[str] | None = None  # the variables the file sets, read once needed

    def on_call(self, node: cst.Call) -> None:
        qualname = self.qualname(node.func)
        if qualname is None:
            if isinstance(node.func, cst.Attribute):
                entry = self.catalog.estimators.search_methods.get(node.func.attr.value)
                if entry is not None and self.context.imports.imports_any(frozenset(entry["frameworks"])):
                    self._check_parallel(node, entry)
            return
        estimators = self.catalog.estimators
        for state, seeders in (("python-random", estimators.python_random_seeders), ("numpy", estimators.numpy_seeders)):
            if qualname in seeders:
                self._seeded_globals.add(state)
                return
        entry = self.catalog.estimators.searches.get(qualname)
        if entry is None:
            return
        if entry.get("sampler_argument"):
            self._check_factory(node, entry)
        elif entry.get("search_argument"):
            self._check_default_search(node, entry)
        else:
            self._check_seeded(node, entry)

    def _check_seeded(self, node: cst.Call, entry: Entry) -> None:
        seed_argument = entry["seed_argument"]
        keyword, position = seed_argument["keyword"], seed_argument.get("position")
        seed = seed_status(self.view(node), [keyword, *entry.get("seeded_instead_by", ())], position)
        environment = entry.get("seed_environment")
        if seed.state is Seed.GIVEN or (environment and environment in self._environment_set()):
            return
        value = entry.get("seed_value", "0")
        if seed.state is Seed.UNKNOWN:
            given, confidence = f"may get no `{keyword}` (it may come from `{seed.opaque}`)", Confidence.LOW
        else:
            given = "with `{}=None`".format(keyword) if seed.state is Seed.NONE else f"without `{keyword}`"
            confidence = self._confidence(entry)
        positional = seed.found is not None and isinstance(seed.found.node, cst.Arg) and seed.found.node.keyword is None
        # A seed that is an object (Hyperopt's generator) may need an import: advice only.
        fix = None if positional or "seed_value" in entry.fields else seed_fix(self.context.module, node, keyword)
        self._report(node, entry, given, f"`{keyword}={value}`", confidence, fix)

    def _check_parallel(self, node: cst.Call, entry: Entry) -> None:
        """`study.optimize(objective, n_jobs=4)`: trials finish, and are learned from, in a varying order."""
        where = entry["parallel_argument"]
        found = argument(node, where["keyword"], where.get("position"))
        value = literal_value(found.value) if found is not None else 1
        if isinstance(value, bool) or not isinstance(value, int) or value == 1:
            return
        self.report(
            node,
            f"`{short_code(code_of(node))}` {entry['why']} (`{where['keyword']}={value}`)",
            detail="Trials finish in an order that changes between runs, and the search learns from them in that "
            "order: even a seeded search suggests different configurations and may report a different best one "
            "(medium confidence: the receiver's type is not known).",
            help=f"Run the trials one at a time (`{where['keyword']}=1`) when the result must repeat",
            confidence=Confidence.MEDIUM,
        )

    def _check_factory(self, node: cst.Call, entry: Entry) -> None:
        argument = entry["sampler_argument"]
        view = self.view(node)
        found = view.find(argument)
        if found is not None and literal_value(found.value) is not None:
            return  # a sampler is given: it is judged where it is built
        if found is None and view.hiding(None) is not None:
            return  # `**options` may carry one
        sampling = self._sampling(node, frozenset(entry.get("sampled_by", ())))
        if sampling is None:
            return
        sampler = entry["default_sampler"]
        package, _, path = sampler.partition(".")
        module = self.context.imports.local_name(package)  # `optuna`, or `opt` for `import optuna as opt`
        written = f"{module}.{path}(seed=0)" if module is not None else None
        given = f"as `{argument}=None`" if found is not None else f"as no `{argument}=` is given"
        fix = seed_fix(self.context.module, node, argument, written) if written is not None else None
        advice = f"`{argument}={written or short_code(sampler) + '(seed=0)'}`"
        confidence = self._confidence(entry) if sampling else Confidence.LOW
        self._report(node, entry, given, advice, confidence, fix)

    def _check_default_search(self, node: cst.Call, entry: Entry) -> None:
        """`tune.Tuner(train, param_space={"lr": tune.loguniform(...)})` with no `search_alg`: Ray Tune's
        default generator samples the space without a seed."""
        search = entry["search_argument"]
        if given(argument(node, search)):
            return
        config = argument(node, entry["config_argument"])
        if config is not None and not (isinstance(config.value, cst.Call) and not given(argument(config.value, search))):
            return  # a config built elsewhere may name one
        if any(arg.star == "**" for arg in node.args) or not self._calls_any(frozenset(entry["samples_with"])):
            return  # the options may name one, or the space holds no random distribution
        advice = (
            f"`BasicVariantGenerator(random_state=0)` (from `ray.tune.search`) as `{search}`, "
            f"in `{entry['config_argument']}=TuneConfig(...)` for a `Tuner`"
        )
        self._report(node, entry, f"as no `{search}=` is given", advice, self._confidence(entry), None)

    def _calls_any(self, callables: frozenset[str]) -> bool:
        return any(self.qualname(call.func) in callables for call in descendants(self.context.module, (cst.Call,)))

    def _sampling(self, node: cst.Call, methods: frozenset[str]) -> bool | None:
        """Whether the study a factory returns is made to sample here: True when it is optimized (or
        asked for a trial) where it is made, None when it is only read (its best trial, plots), False
        when it leaves the function and what happens to it is not seen."""
        outer = self.enclosing_call()
        func = outer.func if outer is not None else None
        if isinstance(func, cst.Attribute) and func.value is node:
            return func.attr.value in methods or None  # `create_study().optimize(...)`
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and statement.body else None
        if not isinstance(small, cst.Assign) or small.value is not node or len(small.targets) != 1:
            return False
        target = small.targets[0].target
        if not isinstance(target, cst.Name):
            return False
        scope = self.context.enclosing_function()
        for call in descendants(scope or self.context.module, (cst.Call,)):
            called = call.func
            if (
                isinstance(called, cst.Attribute)
                and called.attr.value in methods
                and isinstance(called.value, cst.Name)
                and called.value.value == target.value
            ):
                return True
        # Handed on (returned, passed to a helper, kept on `self`) or only read here.
        return False if _leaves(scope, target.value) else None

    def _report(
        self, node: cst.Call, entry: Entry, given: str, advice: str, confidence: Confidence, fix: FixSpec | None
    ) -> None:
        subject = f"`{short_code(code_of(node))}`"
        if entry["unseeded_draws_from"] == "entropy":
            consequence = (
                "Unseeded, it seeds itself from the operating system's entropy, so every run tries different "
                "configurations and reports a different best one; seeding NumPy or Python does not reach it."
            )
        else:
            state = "Python's global `random` state" if entry["unseeded_draws_from"] == "python-random" else "NumPy's global state"
            consequence = (
                f"Unseeded, it draws from {state}: the search repeats only when the run seeds that state first "
                "and every draw before it stays the same."
            )
        environment = entry.get("seed_environment")
        if environment:
            consequence += f" Setting `{environment}` seeds it too."
        self.report(
            node,
            f"{subject} {entry['why']}{',' if entry.get('sampler_argument') else ''} {given}",
            detail=consequence,
            help=f"Pass a fixed seed: {advice}",
            confidence=Confidence.weakest(confidence, self.resolution_confidence(node.func)),
            fix=fix,
        )

    def _confidence(self, entry: Entry) -> Confidence:
        if entry["unseeded_draws_from"] in self._seeded_globals:
            return Confidence.MEDIUM
        return Confidence.HIGH

    def _environment_set(self) -> frozenset[str]:
        """The environment variables the file sets (`os.environ["HYPEROPT_FMIN_SEED"] = "1"`)."""
        if self._environment is None:
            imports = self.context.imports
            self._environment = frozenset(
                write.name
                for node in descendants(self.context.module, (cst.Assign, cst.Call))
                for write in env_writes(imports, node)
            )
        return self._environment


def _leaves(scope: cst.FunctionDef | None, name: str) -> bool:
    """Whether a function hands the value of `name` on: returns it, passes it to a call, or stores it."""
    if scope is None:
        return False
    for node in descendants(scope, (cst.Return, cst.Arg, cst.Assign)):
        value = node.value
        if isinstance(value, cst.Name) and value.value == name:
            return True
    return False

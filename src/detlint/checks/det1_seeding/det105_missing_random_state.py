from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from detlint.catalogs.conditions import ArgumentView, Condition, Level, Verdict
from detlint.catalogs.entries import Entry
from detlint.checks.base import Report, Rule
from detlint.checks.det1_seeding._estimators import (
    EstimatorVisitor,
    Seed,
    SeedStatus,
    default_text,
    describe,
    seed_fix,
    seed_status,
    with_keyword,
    without_asides,
)
from detlint.finding import Confidence, Severity, short_code
from detlint.names import code_of, literal_value

_DEFAULT_SEED = {"keyword": "random_state"}
# Calls that seed NumPy's global RNG are the `rng` catalog's seeders covering NumPy and a project's own
# `set_seed(...)`-like helpers (most of them seed NumPy): scikit-learn and pandas then repeat their
# draws as long as the draws before them stay the same. A helper is a call with "seed" in its name
# outside these libraries.
_LIBRARIES = frozenset(
    {
        "numpy", "random", "torch", "tensorflow", "jax", "keras", "tf_keras", "sklearn", "xgboost",
        "lightgbm", "catboost", "pandas", "transformers", "lightning", "pytorch_lightning", "accelerate",
    }
)  # fmt: skip


def _test_text(condition: Condition) -> str:
    if condition.test == "values":
        return "is " + " or ".join(repr(value) for value in condition.operand)
    if condition.test == "not_values":
        return "is not " + " or ".join(repr(value) for value in condition.operand)
    if condition.test == "below":
        return f"is below {condition.operand}"
    if condition.test == "above":
        return f"is above {condition.operand}"
    return "is a literal"


def reason(verdict: Verdict) -> str:
    """Why a verdict says random, as a parenthesis after the estimator's `why`."""
    condition, found = verdict.condition, verdict.found
    if condition is None:
        return ""
    if verdict.opaque is not None:
        return f" (its arguments may come from `{verdict.opaque}`, which detlint cannot read)"
    if verdict.level == Level.MEDIUM and found is not None:
        return f" if `{condition.argument}` {_test_text(condition)} (`{describe(found)}` is only known at run time)"
    if verdict.level == Level.LOW:
        if condition.what is not None:
            return f" ({condition.what})"
        return f" (`{condition.argument}` is decided at run time)"
    if found is not None:
        return f" (`{describe(found)}`)"
    if condition.argument is not None:
        return f" (`{condition.argument}` defaults to {default_text(condition)})"
    return f" ({condition.what})" if condition.what is not None else ""


def seed_text(seed: SeedStatus, keyword: str) -> str:
    if seed.state is Seed.NONE:
        return f"with `{keyword}=None`"
    if seed.state is Seed.UNKNOWN:
        return f"without a visible `{keyword}` (it may come from `{seed.opaque}`)"
    return f"without `{keyword}`"


@dataclass
class _Pending:
    report: Report
    subject: str
    why: str
    reason: str
    seed: str
    fix: str
    certain: bool


class MissingRandomState(EstimatorVisitor, Rule):
    """
    ## What it does
    Checks for scikit-learn estimators, splitters and functions that draw random numbers
    (`train_test_split`, `KFold(shuffle=True)`, `ShuffleSplit`, forests, gradient boosting,
    `SGDClassifier`, `MLPClassifier`, `KMeans`, `TSNE`, `PCA(svd_solver="randomized")`, `resample`,
    `shuffle`, the `make_*` generators, ...) without `random_state` or with `random_state=None`, and
    pandas' `DataFrame.sample(...)` without `random_state`.

    ## Why is this bad?
    With `random_state=None`, scikit-learn and pandas draw from NumPy's global random state: unless
    NumPy is seeded, every run splits, shuffles, initialises and subsamples differently, so scores
    and models change from run to run. Even with `np.random.seed(...)` the draws depend on every
    earlier use of the global state, so adding one call elsewhere changes them (those calls are
    reported at medium confidence).

    Only calls that really draw random numbers for their arguments are reported: `KFold()` without
    `shuffle=True`, `LogisticRegression()` with its default `lbfgs` solver, `SVC()` without
    `probability=True` and `train_test_split(..., shuffle=False)` are deterministic. An argument that
    is not a literal (`KFold(shuffle=args.shuffle)`) lowers the confidence to medium; randomness the
    library decides from the data (`PCA(svd_solver="auto")`) or arguments hidden in `**kwargs` lower
    it to low. Any `random_state` other than a literal `None` counts as a seed. Estimators passed to a
    meta-estimator that seeds them (`BaggingClassifier`, `AdaBoostClassifier`) are judged through
    the meta-estimator, and an estimator re-seeded later (`est.set_params(random_state=0)`) is not
    reported. pandas' `.sample` is recognised by name in files that import pandas.

    ## Example
    ```python
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import KFold, train_test_split

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    folds = KFold(n_splits=5, shuffle=True)
    model = RandomForestClassifier(n_estimators=200)
    ```

    ## Use instead
    ```python
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import KFold, train_test_split

    SEED = 0
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=SEED)
    folds = KFold(n_splits=5, shuffle=True, random_state=SEED)
    model = RandomForestClassifier(n_estimators=200, random_state=SEED)
    ```

    ## References
    - [scikit-learn: Controlling randomness](https://scikit-learn.org/stable/common_pitfalls.html#controlling-randomness)
    - [scikit-learn glossary: random_state](https://scikit-learn.org/stable/glossary.html#term-random_state)
    - [pandas: DataFrame.sample](https://pandas.pydata.org/docs/reference/api/pandas.DataFrame.sample.html)
    """

    fix = "unsafe"
    code = "DET105"
    name = "missing-random-state"
    severity = Severity.WARNING
    frameworks = frozenset({"sklearn", "pandas"})

    VALID = (
        "from sklearn.model_selection import train_test_split\n"
        "X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0)\n",
        "from sklearn.model_selection import train_test_split\ntrain_test_split(X, y, shuffle=False)\n",
        "from sklearn.model_selection import KFold, StratifiedKFold\nKFold(n_splits=5)\nStratifiedKFold(5, shuffle=False)\n",
        "from sklearn.model_selection import KFold\nKFold(n_splits=5, shuffle=True, random_state=SEED)\n",
        "from sklearn.linear_model import LogisticRegression\nLogisticRegression(max_iter=1000)\n",
        "from sklearn.svm import SVC\nSVC(kernel='rbf', C=10)\n",
        "from sklearn.ensemble import RandomForestClassifier\nRandomForestClassifier(random_state=rng)\n",
        "import sklearn.ensemble as ens\nclf = ens.ExtraTreesClassifier(random_state=args.seed)\n",
        "from sklearn.ensemble import RandomForestClassifier\n"
        "clf = RandomForestClassifier()\nclf.set_params(random_state=0)\n",
        "from sklearn.ensemble import BaggingClassifier\nfrom sklearn.tree import DecisionTreeClassifier\n"
        "BaggingClassifier(DecisionTreeClassifier(max_depth=3), random_state=0)\n",
        "from sklearn.model_selection import permutation_test_score\npermutation_test_score(clf, X, y)\n",
        "from sklearn.decomposition import PCA\nPCA(n_components=2, svd_solver='full')\n",
        "from sklearn.cluster import KMeans\nKMeans(n_clusters=3, init=centers, n_init=1, random_state=0)\n",
        "from sklearn.ensemble import RandomForestClassifier\nmodels = [RandomForestClassifier]\n",
        "import random\nimport pandas as pd\nrandom.sample(items, 3)\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv')\ndf.sample(frac=1, random_state=0)\n",
        "import pandas as pd\nrng.sample(population, k=3)\n",
        "import pandas as pd\nimport torch\ndist.sample((10,), seed=1)\n",
        "def split(X, y):\n    return train_test_split(X, y)\n",
    )
    INVALID = (
        "from sklearn.model_selection import train_test_split\n"
        "X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2)  # DET105\n",
        "from sklearn.model_selection import train_test_split as tts\ntts(X, y, random_state=None)  # DET105\n",
        "import sklearn.ensemble as ens\nclf = ens.RandomForestClassifier(n_estimators=100)  # DET105\n",
        "from sklearn import model_selection\nmodel_selection.KFold(n_splits=5, shuffle=True)  # DET105\n",
        "from sklearn.model_selection import StratifiedKFold, cross_val_score\n"
        "scores = cross_val_score(clf, X, y, cv=StratifiedKFold(5, shuffle=True))  # DET105\n",
        "from sklearn.model_selection import KFold\nKFold(n_splits=5, shuffle=args.shuffle)  # DET105\n",
        "from sklearn.linear_model import LogisticRegression\nLogisticRegression(solver='saga')  # DET105\n",
        "from sklearn.svm import SVC\nSVC(probability=True)  # DET105\n",
        "from sklearn.decomposition import PCA\nPCA(n_components=50, svd_solver='randomized')  # DET105\n",
        "from sklearn.manifold import TSNE\nemb = TSNE(n_components=2).fit_transform(X)  # DET105\n",
        "from sklearn.cluster import KMeans\nfrom sklearn.utils import resample, shuffle\n"
        "KMeans(n_clusters=8)  # DET105\nresample(X, n_samples=100)  # DET105\nX, y = shuffle(X, y)  # DET105\n",
        "from sklearn.datasets import make_classification\nX, y = make_classification(n_samples=500)  # DET105\n",
        "from sklearn.ensemble import BaggingClassifier\nfrom sklearn.tree import DecisionTreeClassifier\n"
        "BaggingClassifier(DecisionTreeClassifier(max_depth=3))  # DET105\n",
        "import sklearn\nclf = sklearn.neural_network.MLPClassifier(hidden_layer_sizes=(64,))  # DET105\n",
        "import pandas as pd\ndf = pd.read_csv('train.csv')\ndf = df.sample(frac=1)  # DET105\n",
        "import pandas as pd\npd.read_csv('train.csv').sample(n=100)  # DET105\n",
    )

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._pending: list[_Pending] = []
        self._numpy_seeded = False

    def on_call(self, node: cst.Call) -> None:
        qualname = self.qualname(node.func)
        if qualname is not None:
            entry = self.catalog.estimators.scikit_learn.get(qualname)
            if entry is not None:
                self._check_sklearn(node, entry)
                return
            self._note_numpy_seed(node, qualname)
        elif isinstance(node.func, cst.Name) and "seed" in node.func.value.lower():
            # A project's own `set_seed(args.seed)` helper: most of them seed NumPy's global RNG.
            self._numpy_seeded = self._numpy_seeded or _given_a_seed(node)
        if isinstance(node.func, cst.Attribute):
            entry = self.catalog.estimators.methods.get(node.func.attr.value)
            if entry is not None:
                self._check_method(node, entry, qualname)

    def _note_numpy_seed(self, node: cst.Call, qualname: str) -> None:
        if not _given_a_seed(node):
            return
        if qualname in self.catalog.estimators.numpy_seeders:
            self._numpy_seeded = True
        elif qualname.split(".")[0] not in _LIBRARIES and "seed" in qualname.rsplit(".", 1)[-1].lower():
            self._numpy_seeded = True  # the project's own helper, e.g. `from utils import set_seed`

    # -- scikit-learn ---------------------------------------------------------------------------------
    def _check_sklearn(self, node: cst.Call, entry: Entry) -> None:
        if self._seeded_by_meta_estimator(node):
            return
        view = self.view(node)
        seed_argument = entry.get("seed_argument") or _DEFAULT_SEED
        keyword = seed_argument["keyword"]
        seed = seed_status(view, [keyword], seed_argument.get("position"))
        if seed.state is Seed.GIVEN or (seed.state is Seed.ABSENT and "seed_default" in entry.fields):
            return
        if "seed_default" in entry.fields and seed.state is Seed.UNKNOWN:
            return
        verdict = self.catalog.estimators.conditions(entry).evaluate(view)
        if not verdict.random or self.reseeded_later(node):
            return
        level = verdict.level
        if seed.state is Seed.UNKNOWN:
            level = min(level, Level.LOW)
        confidence = min(level, Level.of(self.resolution_confidence(node.func)))
        because = "" if seed.state is Seed.UNKNOWN and verdict.opaque else reason(verdict)
        fix = with_keyword(node, keyword, position=seed_argument.get("position"))
        self._emit(node, entry["why"], because, seed_text(seed, keyword), fix, confidence, keyword)

    def _seeded_by_meta_estimator(self, node: cst.Call) -> bool:
        parent = self.enclosing_call()
        if parent is None or not any(arg.value is node for arg in parent.args):
            return False
        qualname = self.qualname(parent.func)
        entry = self.catalog.estimators.scikit_learn.get(qualname) if qualname else None
        return bool(entry and entry.get("seeds_sub_estimators"))

    # -- pandas' sample --------------------------------------------------------------------------------
    def _check_method(self, node: cst.Call, entry: Entry, qualname: str | None) -> None:
        frameworks = frozenset(entry["frameworks"])
        if qualname is not None or not self.context.imports.imports_any(frameworks):
            return  # `random.sample`, `np.random.sample`: resolved names are someone else's
        if any(arg.star for arg in node.args):
            return
        keywords = [arg.keyword.value for arg in node.args if arg.keyword is not None]
        positional = [arg for arg in node.args if arg.keyword is None]
        if any(keyword not in entry["keywords"] for keyword in keywords) or len(positional) > entry["max_positional"]:
            return
        seed_argument = entry["seed_argument"]
        seed = seed_status(ArgumentView.of_call(node), [seed_argument["keyword"]])
        if seed.state is Seed.GIVEN:
            return
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
        receiver_qualname = self.qualname(receiver.func) if isinstance(receiver, cst.Call) else None
        if receiver_qualname and receiver_qualname.split(".")[0] in frameworks:
            level = Level.CERTAIN
        elif keywords or (positional and isinstance(literal_value(positional[0].value), int)):
            level = Level.MEDIUM
        else:
            level = Level.LOW
        self._emit(
            node,
            entry["why"],
            "",
            seed_text(seed, seed_argument["keyword"]),
            with_keyword(node, seed_argument["keyword"]),
            level,
            seed_argument["keyword"],
        )

    # -- messages -------------------------------------------------------------------------------------
    def _emit(
        self, node: cst.Call, why: str, because: str, seed: str, fix: str, level: Level, keyword: str | None = None
    ) -> None:
        subject = f"`{short_code(code_of(node))}`"
        pending = _Pending(
            report=None,  # type: ignore[arg-type]
            subject=subject,
            why=why,
            reason=because,
            seed=seed,
            fix=fix,
            certain=level == Level.CERTAIN,
        )
        self.report(
            node,
            f"{subject} {without_asides(why)} {without_asides(seed)}",
            detail=self._detail(pending, numpy_seeded=False),
            help=f"Pass a fixed seed: `{fix}`",
            confidence=level.confidence,
            fix=seed_fix(self.context.module, node, keyword),
        )
        pending.report = self.context.reports[-1]
        self._pending.append(pending)

    @staticmethod
    def _detail(pending: _Pending, *, numpy_seeded: bool) -> str:
        if numpy_seeded and pending.certain:
            consequence = (
                "Without a seed it draws from NumPy's global random state, which this file seeds: its result "
                "repeats only while every earlier draw from that state stays the same."
            )
        elif pending.certain:
            # The run may seed NumPy in another file: say what holds either way.
            consequence = (
                "Without a seed it draws from NumPy's global random state: its result changes between runs "
                "unless the run seeds NumPy before this call, and even then it shifts whenever an earlier draw "
                "from that state changes."
            )
        else:
            consequence = "Without a seed its result can change between runs."
        because = ""
        if pending.seed != without_asides(pending.seed):  # `(it may come from **params)`
            because = f"It {pending.why}{pending.reason} {pending.seed}. "
        elif pending.reason or pending.why != without_asides(pending.why):
            because = f"It {pending.why}{pending.reason}. "
        return because + consequence

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self._numpy_seeded:
            return
        for pending in self._pending:
            if not pending.certain:
                continue
            pending.report.detail = self._detail(pending, numpy_seeded=True)
            if pending.report.confidence == Confidence.HIGH:
                pending.report.confidence = Confidence.MEDIUM


def _given_a_seed(call: cst.Call) -> bool:
    """A seed is passed: a literal or the run's own (`args.seed`, `cfg.SEED`); not `None` nor nothing,
    which seed from entropy (DET103 judges seeds that change between runs)."""
    if not call.args or call.args[0].star:
        return False
    given = call.args[0].value
    return not (isinstance(given, cst.Name) and given.value == "None")

"""DET105 (missing-random-state) and DET106 (gbm-missing-seed): fixture trees with inline
expectations, confidences, messages, and the consistency of the `estimators` catalog."""

from __future__ import annotations

import libcst as cst
import pytest

from detlint.catalogs.conditions import ArgumentView, Condition, Conditions, Level
from detlint.catalogs.loader import CatalogError, load_catalog, parse_catalog_file
from detlint.checks.det1_seeding._estimators import with_keyword
from detlint.finding import Confidence
from detlint.testing import check_source


def _one(source: str, code: str):
    findings = [finding for finding in check_source(source) if finding.code == code]
    assert len(findings) == 1, findings
    return findings[0]


SK = "from sklearn.model_selection import KFold, train_test_split\n"


@pytest.mark.parametrize(
    ("source", "confidence"),
    [
        (SK + "train_test_split(X, y)\n", Confidence.HIGH),
        (SK + "train_test_split(X, y, random_state=None)\n", Confidence.HIGH),
        (SK + "KFold(n_splits=3, shuffle=flag)\n", Confidence.MEDIUM),
        (SK + "KFold(n_splits=3, **options)\n", Confidence.LOW),
        (SK + "from sklearn.model_selection import *\nShuffleSplit(n_splits=3)\n", Confidence.MEDIUM),
        ("from sklearn.decomposition import PCA\nPCA(n_components=5)\n", Confidence.LOW),
        ("from sklearn.decomposition import PCA\nPCA(n_components=5, svd_solver='arpack')\n", Confidence.HIGH),
        ("from sklearn.ensemble import HistGradientBoostingRegressor as H\nH(early_stopping=True)\n", Confidence.HIGH),
        ("from sklearn.ensemble import HistGradientBoostingRegressor as H\nH(early_stopping=False)\n", Confidence.LOW),
        ("import numpy as np\n" + SK + "np.random.seed(1)\ntrain_test_split(X, y)\n", Confidence.MEDIUM),
        (SK + "from utils import set_seed\nset_seed(1)\ntrain_test_split(X, y)\n", Confidence.MEDIUM),
        # The run's own seed seeds NumPy as well as a literal does.
        (SK + "from utils import set_seed\nset_seed(args.seed)\ntrain_test_split(X, y)\n", Confidence.MEDIUM),
        (SK + "def set_seed(s): ...\nset_seed(seed=cfg.seed)\ntrain_test_split(X, y)\n", Confidence.MEDIUM),
        ("import numpy as np\n" + SK + "np.random.seed(cfg.SEED)\ntrain_test_split(X, y)\n", Confidence.MEDIUM),
        ("import numpy as np\n" + SK + "np.random.seed(None)\ntrain_test_split(X, y)\n", Confidence.HIGH),
        ("import numpy as np\n" + SK + "np.random.seed()\ntrain_test_split(X, y)\n", Confidence.HIGH),
        ("import pandas as pd\ndf.sample(frac=0.5)\n", Confidence.MEDIUM),
        ("import pandas as pd\ndf.sample()\n", Confidence.LOW),
        ("import pandas as pd\npd.DataFrame(d).sample(frac=1)\n", Confidence.HIGH),
    ],
)
def test_det105_confidence(source, confidence):
    assert _one(source, "DET105").confidence == confidence


def test_det105_on_a_seeded_numpy_says_the_result_is_fragile_not_changing():
    finding = _one(SK + "from utils import set_seed\nset_seed(args.seed)\ntrain_test_split(X, y)\n", "DET105")
    assert "which this file seeds: its result repeats only while every earlier draw" in finding.detail
    assert "changes between runs" not in finding.detail


def test_det105_without_a_seed_in_the_file_does_not_claim_the_run_is_unseeded():
    finding = _one(SK + "train_test_split(X, y)\n", "DET105")  # the run may seed NumPy elsewhere
    assert "changes between runs unless the run seeds NumPy before this call" in finding.detail


@pytest.mark.parametrize(
    ("source", "confidence"),
    [
        ("import xgboost as xgb\nxgb.XGBRegressor(updater='shotgun')\n", Confidence.HIGH),
        ("import xgboost as xgb\nxgb.XGBRegressor(booster='gblinear')\n", Confidence.MEDIUM),
        ("import xgboost as xgb\nxgb.XGBRegressor(updater=args.updater, random_state=0)\n", Confidence.MEDIUM),
        ("import xgboost as xgb\nxgb.XGBClassifier(deterministic_histogram=False)\n", Confidence.MEDIUM),
        # Every library documents a fixed default seed: an unseeded stochastic model is only a note.
        ("import xgboost as xgb\nxgb.XGBClassifier(subsample=0.5)\n", Confidence.LOW),
        ("import lightgbm as lgb\nlgb.LGBMClassifier(extra_trees=True)\n", Confidence.LOW),
        ("from catboost import CatBoostRegressor\nCatBoostRegressor(rsm=0.1)\n", Confidence.LOW),
    ],
)
def test_det106_confidence(source, confidence):
    assert _one(source, "DET106").confidence == confidence


def test_det106_unseeded_models_are_hidden_at_the_default_floor():
    source = "import xgboost as xgb\nxgb.XGBClassifier(subsample=0.5)\n"
    assert not [finding for finding in check_source(source, floor=Confidence.MEDIUM) if finding.code == "DET106"]


def test_message_names_the_call_and_the_hazard_and_help_the_exact_fix():
    finding = _one(SK + "X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2)\n", "DET105")
    assert finding.message == (
        "`train_test_split(X, y, test_size=0.2)` shuffles the rows before splitting them without `random_state`"
    )
    assert "(`shuffle` defaults to True)" in finding.detail and "changes between runs" in finding.detail
    assert finding.help == "Pass a fixed seed: `train_test_split(X, y, test_size=0.2, random_state=0)`"


def test_message_explains_an_explicit_trigger_and_a_none_seed():
    finding = _one(SK + "KFold(5, shuffle=True, random_state=None)\n", "DET105")
    assert "(`shuffle=True`)" in finding.detail
    assert finding.message.endswith("with `random_state=None`")
    assert "`KFold(5, shuffle=True, random_state=0)`" in finding.help


def test_message_for_a_numpy_seeded_file_explains_the_order_dependence():
    finding = _one("import numpy as np\n" + SK + "np.random.seed(1)\ntrain_test_split(X, y)\n", "DET105")
    assert "which this file seeds" in finding.detail


def test_long_calls_are_abbreviated_in_the_fix():
    call = cst.parse_expression("RandomForestClassifier(" + ", ".join(f"p{i}={i}" for i in range(30)) + ")")
    assert with_keyword(call, "random_state") == "RandomForestClassifier(..., random_state=0)"


def test_det106_params_fix_names_the_dict():
    source = "import xgboost as xgb\np = {'subsample': 0.7}\nxgb.train(p, dtrain)\n"
    assert '`p["seed"] = 0`' in _one(source, "DET106").help


def test_det106_reads_only_updates_before_the_call():
    source = (
        "import lightgbm as lgb\n"
        "def fit(ds):\n"
        "    params = {'bagging_fraction': 0.5, 'bagging_freq': 1}\n"
        "    first = lgb.train(params, ds)\n"
        "    params['seed'] = 3\n"
        "    return lgb.train(params, ds)\n"
    )
    findings = [finding for finding in check_source(source) if finding.code == "DET106" and "seed`" in finding.message]
    assert [finding.span.line for finding in findings] == [4]


def test_a_dict_element_is_reported_once_for_several_training_calls():
    source = (
        "import xgboost as xgb\n"
        "params = {'updater': 'shotgun', 'booster': 'gblinear'}\n"
        "a = xgb.train(params, d1)\n"
        "b = xgb.train(params, d2)\n"
    )
    findings = [finding for finding in check_source(source) if finding.code == "DET106"]
    assert [finding.span.line for finding in findings] == [2]


# -- the condition evaluator ------------------------------------------------------------------------


def _view(call: str) -> ArgumentView:
    return ArgumentView.of_call(cst.parse_expression(call))


def evaluate(conditions, view: ArgumentView):
    return Conditions.estimator_form(conditions).evaluate(view)


def condition_holds(test, value: object) -> bool:
    """Whether a literal passes a condition's test (`{"values": [...]}`, `{"below": 1}`, ...)."""
    return Condition.from_estimator_form({"argument": "x", "when_absent": False, **test}).accepts(value)


BAGGING = [
    {
        "argument": "bagging_fraction",
        "aliases": ["subsample"],
        "below": 1,
        "when_absent": False,
        "requires": [{"argument": "bagging_freq", "aliases": ["subsample_freq"], "above": 0, "when_absent": False}],
    }
]


@pytest.mark.parametrize(
    ("call", "level"),
    [
        ("f(subsample=0.8)", Level.NONE),
        ("f(subsample=0.8, subsample_freq=1)", Level.CERTAIN),
        ("f(bagging_fraction=0.8, bagging_freq=n)", Level.MEDIUM),
        ("f(subsample=1.0, subsample_freq=1)", Level.NONE),
        ("f(subsample=True, subsample_freq=1)", Level.NONE),
        ("f(**kw)", Level.LOW),
        ("f()", Level.NONE),
    ],
)
def test_conditions_with_aliases_and_requirements(call, level):
    assert evaluate(BAGGING, _view(call)).level == level


def test_runtime_values_and_data_dependent_effects_are_low():
    solver = [{"argument": "svd_solver", "values": ["arpack"], "runtime_values": ["auto"], "when_absent": "runtime"}]
    assert evaluate(solver, _view("PCA(svd_solver='auto')")).level == Level.LOW
    assert evaluate(solver, _view("PCA()")).level == Level.LOW
    assert evaluate(solver, _view("PCA(svd_solver='ARPACK')")).level == Level.CERTAIN
    assert evaluate([{"effect": "data_dependent", "what": "x"}], _view("f()")).level == Level.LOW
    assert evaluate(None, _view("f()")).level == Level.CERTAIN


def test_values_keep_booleans_apart_from_numbers():
    assert condition_holds({"values": [True]}, True)
    assert not condition_holds({"values": [True]}, 1)
    assert not condition_holds({"below": 1}, False)
    assert condition_holds({"not_values": [None]}, 0)


# -- the catalog ------------------------------------------------------------------------------------

CATALOG = load_catalog()


def _conditions(entries, field):
    for entry in entries:
        stack = list(entry.get(field) or ())
        while stack:
            condition = stack.pop()
            stack.extend(condition.get("requires", ()))
            yield entry, condition


def test_documented_defaults_agree_with_when_absent():
    """Where a condition records the documented default, `when_absent` must be what the test says
    about that default."""
    sections = [
        (CATALOG.entries("estimators", "scikit_learn"), "random_when"),
        (CATALOG.entries("estimators", "gradient_boosting"), "stochastic"),
        (CATALOG.entries("estimators", "nondeterministic_settings"), "when"),
    ]
    checked = 0
    for entries, field in sections:
        for entry, condition in _conditions(entries, field):
            if "default" not in condition or condition.get("values") == []:
                continue
            default = condition["default"]
            if any(default == value for value in condition.get("runtime_values", ())):
                expected = "runtime"
            else:
                expected = condition_holds(condition, default)
            assert condition["when_absent"] == expected, (entry.id, condition)
            checked += 1
    assert checked > 40


def test_every_callable_is_catalogued_once_under_its_library():
    seen: dict[str, str] = {}
    for entry in CATALOG.entries("estimators", "scikit_learn"):
        for name in entry["callables"]:
            assert name.startswith("sklearn."), name
            assert name not in seen, f"{name} in {seen.get(name)} and {entry.id}"
            seen[name] = entry.id
    libraries = {entry.id: entry for entry in CATALOG.entries("estimators", "gradient_boosting")}
    for library in libraries.values():
        names = [*library["estimators"], *(n for f in library.get("training_functions", ()) for n in f["callables"])]
        assert all(name.startswith(library.id + ".") for name in names)
        assert len(names) == len(set(names))
        assert set(library.get("always_stochastic", ())) <= set(library["estimators"])
        assert library["estimator_seed"] in library["seed_keywords"]
        assert library["params_seed"] in library["seed_keywords"]
        assert library["default_seed_fixed"] is True and library["unseeded_confidence"] == "low"
    for setting in CATALOG.entries("estimators", "nondeterministic_settings"):
        assert setting["library"] in libraries


def test_catalog_covers_the_reference_list():
    """The scikit-learn estimators of the determinism facts (section 5.5) are all catalogued."""
    names = {name.rsplit(".", 1)[1] for e in CATALOG.entries("estimators", "scikit_learn") for name in e["callables"]}
    for name in (
        "train_test_split ShuffleSplit StratifiedShuffleSplit GroupShuffleSplit KFold StratifiedKFold RepeatedKFold "
        "RepeatedStratifiedKFold StratifiedGroupKFold shuffle resample make_classification RandomForestClassifier "
        "ExtraTreesRegressor RandomTreesEmbedding BaggingClassifier IsolationForest GradientBoostingRegressor "
        "HistGradientBoostingClassifier AdaBoostClassifier DecisionTreeClassifier ExtraTreeClassifier SGDClassifier "
        "Perceptron PassiveAggressiveClassifier LogisticRegression Ridge Lasso ElasticNet RANSACRegressor "
        "TheilSenRegressor SVC NuSVC LinearSVC LinearSVR KMeans MiniBatchKMeans BisectingKMeans SpectralClustering "
        "PCA TruncatedSVD NMF FastICA LatentDirichletAllocation DictionaryLearning TSNE MDS SpectralEmbedding "
        "GaussianMixture BayesianGaussianMixture MLPClassifier MLPRegressor RBFSampler Nystroem "
        "GaussianRandomProjection SparseRandomProjection QuantileTransformer KBinsDiscretizer IterativeImputer "
        "permutation_importance RandomizedSearchCV ParameterSampler learning_curve"
    ).split():
        assert name in names, name


GOOD = """
schema: 1
catalog: estimators
description: test
scikit_learn:
  - id: kfold
    callables: [sklearn.model_selection.KFold]
    kind: splitter
    why: shuffles
    random_when:
      - {argument: shuffle, values: [true], when_absent: false}
    source: https://example.org
"""


@pytest.mark.parametrize(
    "change",
    [
        ("when_absent: false", "when_absent: maybe"),
        ("values: [true]", "values: [true], below: 1"),
        ("values: [true], ", ""),
        ("argument: shuffle", "argument: shuffle, colour: red"),
        ("when_absent: false}", "when_absent: false, requires: [{argument: cv}]}"),
        ("kind: splitter", "kind: transformer"),
    ],
)
def test_malformed_conditions_are_catalog_errors(change):
    parse_catalog_file("good.yaml", GOOD)
    with pytest.raises(CatalogError):
        parse_catalog_file("bad.yaml", GOOD.replace(*change))


def test_a_positional_none_seed_is_replaced_in_the_fix():
    finding = _one(SK + "KFold(5, True, None)\n", "DET105")
    assert "`KFold(5, True, 0)`" in finding.help


def test_torch_seeding_does_not_count_as_seeding_numpy():
    source = "import torch\n" + SK + "torch.cuda.manual_seed_all(0)\ntrain_test_split(X, y)\n"
    assert _one(source, "DET105").confidence == Confidence.HIGH

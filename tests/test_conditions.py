"""The condition evaluator and argument view shared by the op, rng and estimators catalogs."""

from __future__ import annotations

import libcst as cst

from detlint.catalogs.conditions import (
    ArgumentView,
    CallKind,
    Condition,
    Conditions,
    Level,
    all_of,
    any_of,
    same_value,
)
from detlint.names import NOT_LITERAL


def view(source: str, kind: CallKind = CallKind.FUNCTION, **options) -> ArgumentView:
    call = cst.parse_expression(source)
    assert isinstance(call, cst.Call)
    return ArgumentView.of_call(call, kind, **options)


SHUFFLE = {"argument": "shuffle", "position": 1, "values": [True], "when_absent": False}
FEW_SPLITS = {"argument": "n_splits", "below": 3, "when_absent": False}


def test_the_forms_differ_only_in_how_verdicts_combine():
    conditions = tuple(Condition.from_estimator_form(raw) for raw in (SHUFFLE, FEW_SPLITS))
    call = view("KFold(n_splits=5, shuffle=True)")
    assert Conditions(conditions, any_of).evaluate(call).level is Level.CERTAIN
    assert Conditions(conditions, all_of).evaluate(call).level is Level.NONE
    assert Conditions((), all_of).evaluate(call).level is Conditions((), any_of).evaluate(call).level is Level.CERTAIN


def test_the_strongest_verdict_keeps_the_condition_and_argument_that_decided():
    verdict = Conditions.estimator_form([FEW_SPLITS, SHUFFLE]).evaluate(view("KFold(5, True)"))
    assert verdict.condition.argument == "shuffle"
    assert cst.Module([]).code_for_node(verdict.found.value) == "True"


def test_an_explicit_none_is_absent_in_the_op_form_and_a_literal_in_the_estimators_form():
    not_given = Conditions.op_form([{"keyword": "weights", "positions": {"function": 1}, "given": False}])
    assert not_given.evaluate(view("torch.bincount(x, None)")).level is Level.CERTAIN
    assert not_given.evaluate(view("torch.bincount(x, w)")).level is Level.NONE
    default_init = Conditions.estimator_form([{"argument": "w_init", "values": [None], "when_absent": False}])
    verdict = default_init.evaluate(view("FastICA(w_init=None)"))
    assert verdict.level is Level.CERTAIN and verdict.found is not None
    assert default_init.evaluate(view("FastICA()")).level is Level.NONE


def test_hidden_arguments_are_medium_in_the_op_form_and_low_in_the_estimators_form():
    op = Conditions.op_form([{"keyword": "shuffle", "positions": {"function": 1}, "values": [True]}])
    estimator = Conditions.estimator_form([SHUFFLE])
    for source, hiding in (("KFold(5, **options)", "**options"), ("KFold(5, *rest)", "*rest")):
        assert op.evaluate(view(source)).level is Level.MEDIUM
        verdict = estimator.evaluate(view(source))
        assert (verdict.level, verdict.opaque) == (Level.LOW, hiding)
    # Positions written before a `*args` are still read.
    assert estimator.evaluate(view("KFold(5, True, *rest)")).level is Level.CERTAIN
    assert op.evaluate(view("KFold(5, False, *rest)")).level is Level.NONE


def test_positions_depend_on_the_call_kind():
    accumulate = Conditions.op_form(
        [{"keyword": "accumulate", "positions": {"function": 3, "method": 2}, "values": [True], "default": False}]
    )
    assert accumulate.evaluate(view("x.index_put_(i, v, True)", CallKind.METHOD)).level is Level.CERTAIN
    assert accumulate.evaluate(view("torch.index_put(x, i, v)", CallKind.FUNCTION)).level is Level.NONE
    assert accumulate.evaluate(view("torch.index_put(x, i, v, True)", CallKind.CLASS)).level is Level.NONE


def test_spreads_are_read_through_the_resolver_and_opaque_otherwise():
    params = cst.parse_expression("{'subsample': 0.5, **base}")
    resolved = view("XGBClassifier(**params)", resolve=lambda node: ArgumentView.of_dict(params))
    assert set(resolved.keywords) == {"subsample"} and resolved.opaque == "**base"
    assert view("XGBClassifier(**params)").opaque == "**params"
    assert ArgumentView.of_dict(cst.parse_expression("dict(seed=0)")).keywords.keys() == {"seed"}
    assert ArgumentView.of_dict(cst.parse_expression("make_params()")) is None


def test_narrowing_decides_a_non_literal_argument():
    shuffle = Conditions.estimator_form([SHUFFLE])
    call = view("KFold(5, shuffle=flag)")
    assert shuffle.evaluate(call).level is Level.MEDIUM
    call.narrow = lambda node: True if isinstance(node, cst.Name) and node.value == "flag" else NOT_LITERAL
    assert shuffle.evaluate(call).level is Level.CERTAIN


def test_one_comparison_for_every_catalog():
    assert same_value("Bilinear", "bilinear")
    assert not same_value(1, True) and not same_value(True, 1)
    assert same_value(1, 1.0) and not same_value(0, None)
    # An argument written as a tuple meets a YAML list item by item (`output_size=(1, 1)`).
    assert same_value((1, 1), [1, 1]) and not same_value((1,), [1, 1]) and not same_value((True,), [1])


def test_a_command_line_option_is_judged_by_its_default_and_low_when_only_another_value_matches():
    from detlint.catalogs.conditions import CommandLineDefault

    autotune = Condition.from_op_form({"keyword": "mode", "values": ["max-autotune"]})

    def level(default: object) -> Level:
        options = view("compile(model, mode=args.mode)")
        options.narrow = lambda node: CommandLineDefault(default)
        return autotune.evaluate(options).level

    assert level("max-autotune") is Level.MEDIUM  # the default run autotunes; the option may change it
    assert level(None) is Level.LOW  # only `--mode max-autotune` does
    assert level("default") is Level.LOW
    assert autotune.evaluate(view("compile(model, mode=args.mode)")).level is Level.MEDIUM  # not an option


def test_lengths_count_the_items_of_a_sequence_literal():
    two_dimensions = Conditions.op_form([{"keyword": "pad", "positions": {"function": 1}, "lengths": [4]}])
    assert two_dimensions.evaluate(view("F.pad(x, (1, 1, 2, 2))")).level is Level.CERTAIN
    assert two_dimensions.evaluate(view("F.pad(x, pad=[0, 0, 1, 1])")).level is Level.CERTAIN
    assert two_dimensions.evaluate(view("F.pad(x, (1, 1))")).level is Level.NONE
    assert two_dimensions.evaluate(view("F.pad(x, 4)")).level is Level.NONE  # a number has no items
    assert two_dimensions.evaluate(view("F.pad(x, padding)")).level is Level.MEDIUM
    # The count is written out even where the values are not.
    assert two_dimensions.evaluate(view("F.pad(x, [left, right, top, bottom])")).level is Level.CERTAIN
    assert two_dimensions.evaluate(view("F.pad(x, (p, p))")).level is Level.NONE
    assert two_dimensions.evaluate(view("F.pad(x, (*sides, 1))")).level is Level.MEDIUM
    assert two_dimensions.evaluate(view("F.pad(x)")).level is Level.NONE  # no default: absent never holds

from __future__ import annotations

import re

import libcst as cst
import pytest
from packaging.version import Version

from detlint.catalogs.conditions import ArgumentView, CallKind, Level
from detlint.catalogs.docs import render_ops_table
from detlint.catalogs.loader import CatalogError, load_catalog, parse_catalog_file
from detlint.catalogs.ops import OP_SECTIONS, OpEntry, OpIndex
from detlint.names import NOT_LITERAL
from detlint.versions import VersionRange

FUNCTION, METHOD, CLASS = CallKind.FUNCTION, CallKind.METHOD, CallKind.CLASS
TORCH_MINORS = [f"1.{minor}" for minor in range(7, 14)] + [f"2.{minor}" for minor in range(12)]


@pytest.fixture(scope="module")
def torch() -> OpIndex:
    return load_catalog().ops["torch_ops"]


def entry(index: OpIndex, entry_id: str) -> OpEntry:
    return next(candidate for candidate in index.entries if candidate.id == entry_id)


def args(source: str, kind: CallKind) -> ArgumentView:
    call = cst.parse_expression(source)
    assert isinstance(call, cst.Call)
    return ArgumentView.of_call(call, kind)


def holds(candidate: OpEntry, call: ArgumentView) -> Level:
    """CERTAIN when every condition holds, NONE when one fails, else how uncertain it is."""
    return candidate.conditions.evaluate(call).level


def matching(candidates: list[OpEntry], call: ArgumentView) -> list[str]:
    """Ids of the entries whose conditions hold or may hold for the call."""
    return list(matching_levels(candidates, call))


def matching_levels(candidates: list[OpEntry], call: ArgumentView) -> dict[str, Level]:
    """The entries whose conditions hold or may hold for the call, with how sure that is."""
    levels = {candidate.id: holds(candidate, call) for candidate in candidates}
    return {entry_id: level for entry_id, level in levels.items() if level is not Level.NONE}


def mode(index: OpIndex, entry_id: str, version: str) -> str | None:
    status = index.status(entry(index, entry_id), version)
    return status and status.deterministic_mode


# -- the facts the issue names -------------------------------------------------------------------------


def test_two_dimensional_scatter_add_raises_on_1_12_and_is_deterministic_on_2_4(torch):
    candidates = torch.by_method("scatter_add_")
    assert {candidate.id for candidate in candidates} == {"scatter-add-1d", "scatter-add-nd"}
    assert mode(torch, "scatter-add-nd", "1.12.1") == "raises"
    assert mode(torch, "scatter-add-nd", "2.4.0+cu121") == "deterministic"
    assert mode(torch, "scatter-add-1d", "1.12.1") == "deterministic"


def test_kthvalue_raises_on_2_9_and_not_on_2_10(torch):
    [kthvalue] = torch.by_function("torch.kthvalue")
    assert torch.status(kthvalue, "2.9.1").deterministic_mode == "raises"
    assert torch.status(kthvalue, "2.10.0").deterministic_mode == "deterministic"
    assert torch.by_method("kthvalue") == [kthvalue]


def test_bincount_without_weights_changes_between_2_0_and_2_1(torch):
    candidates = torch.by_function("torch.bincount")
    unweighted = matching(candidates, args("torch.bincount(x, minlength=10)", FUNCTION))
    assert unweighted == ["bincount-unweighted"]
    assert mode(torch, "bincount-unweighted", "2.0.1") == "raises"
    assert mode(torch, "bincount-unweighted", "2.1.0") == "deterministic"
    assert matching(candidates, args("torch.bincount(x, weights=None)", FUNCTION)) == ["bincount-unweighted"]
    assert matching(candidates, args("torch.bincount(x, w)", FUNCTION)) == ["bincount-weighted"]
    assert matching(torch.by_method("bincount"), args("x.bincount(w)", METHOD)) == ["bincount-weighted"]
    assert mode(torch, "bincount-weighted", "2.1.0") == "raises"


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ('F.interpolate(x, scale_factor=2, mode="nearest")', FUNCTION),
        ('F.interpolate(x, None, 2, "nearest")', FUNCTION),
        ("F.interpolate(x, scale_factor=2)", FUNCTION),
        ('F.upsample(x, size=(4, 4), mode="nearest")', FUNCTION),
        ('nn.Upsample(scale_factor=2, mode="nearest")', CLASS),
        ('nn.Upsample(None, 2, "nearest")', CLASS),
        ("nn.Upsample(scale_factor=2)", CLASS),
    ],
)
def test_nearest_interpolation_is_never_flagged(torch, source, kind):
    call = args(source, kind)
    for index in (load_catalog().ops[name] for name in OP_SECTIONS):
        for candidate in index.entries:
            assert holds(candidate, call) is Level.NONE or not _written_as(candidate, source), candidate.id


def _written_as(candidate: OpEntry, source: str) -> bool:
    called = source.split("(")[0].split(".")[-1]
    return any(name.split(".")[-1] == called for name in (*candidate.functions, *candidate.classes))


def test_interpolate_modes_pick_their_entries(torch):
    interpolate = torch.by_function("torch.nn.functional.interpolate")

    def entries(call: str) -> dict[str, Level]:
        return matching_levels(interpolate, args(call, FUNCTION))

    certain = Level.CERTAIN
    assert entries('F.interpolate(x, scale_factor=2, mode="bilinear")') == {"interpolate-bilinear-backward": certain}
    assert entries('F.interpolate(x, None, 2, "bicubic")') == {"interpolate-linear-backward": certain}
    antialiased = 'F.interpolate(x, scale_factor=2, mode="bilinear", antialias=True)'
    assert entries(antialiased) == {"interpolate-antialias-backward": certain}
    assert entries('F.interpolate(x, size=8, mode="nearest")') == {}
    # A mode that is not a literal may be any of them.
    assert set(entries("F.interpolate(x, scale_factor=2, mode=m)").values()) == {Level.MEDIUM}
    upsample = torch.by_module_class("torch.nn.Upsample")
    assert matching_levels(upsample, args('nn.Upsample(None, 2, "trilinear")', CLASS)) == {
        "interpolate-trilinear-backward": certain
    }


def test_the_pad_length_picks_the_padding_kernel(torch):
    pad = torch.by_function("torch.nn.functional.pad")

    def entries(call: str) -> dict[str, Level]:
        return matching_levels(pad, args(call, FUNCTION))

    assert entries('F.pad(x, (1, 1, 1, 1), mode="reflect")') == {"pad-reflect-2d-backward": Level.CERTAIN}
    assert entries('F.pad(x, [2, 2], "reflect")') == {"pad-reflect-backward": Level.CERTAIN}
    assert entries('F.pad(x, (0, 0, 0, 0, 1, 1), "replicate")') == {"pad-replicate-3d-5d-backward": Level.CERTAIN}
    # A pad that is not a literal may have any length.
    assert entries('F.pad(x, (1,) * 6, "replicate")') == {
        "pad-replicate-3d-5d-backward": Level.MEDIUM,
        "pad-replicate-4d-backward": Level.MEDIUM,
    }
    assert entries("F.pad(x, (1, 1, 1, 1))") == {}


@pytest.mark.parametrize(
    ("entry_id", "before", "outcome_before", "after", "outcome_after"),
    [
        ("index-add", "1.8", "raises", "1.9", "deterministic"),
        ("index-select-backward", "1.8", "raises", "1.9", "deterministic"),
        ("index-copy", "1.8", "raises", "1.9", "deterministic"),
        ("index-copy", "1.7", "nondeterministic", "1.8", "raises"),
        ("index-put-accumulate-cpu", "1.7", "nondeterministic", "1.8", "deterministic"),
        ("put-no-accumulate", "1.8", "nondeterministic", "1.9", "raises"),
        ("scatter-add-1d", "1.9", "raises", "1.10", "deterministic"),
        ("gather-nd-backward", "1.12", "raises", "1.13", "deterministic"),
        ("gather-1d-backward", "1.8", "nondeterministic", "1.9", "deterministic"),
        ("embedding-bag-sum-mean-backward", "1.8", "raises", "1.9", "deterministic"),
        ("max-unpool", "1.12", "nondeterministic", "1.13", "raises"),
        ("cumsum-float", "1.12", "nondeterministic", "1.13", "raises"),
        ("cumsum-float", "2.5", "raises", "2.6", "deterministic"),
        ("interpolate-bilinear-backward", "2.0", "raises", "2.1", "deterministic"),
        ("upsample-bilinear-backward", "2.0", "raises", "2.1", "deterministic"),
        ("interpolate-trilinear-backward", "2.8", "raises", "2.9", "deterministic"),
        ("reflection-pad2d-backward", "2.6", "raises", "2.7", "deterministic"),
        ("pad-reflect-2d-backward", "2.6", "raises", "2.7", "deterministic"),
        ("grid-sample-backward", "1.8", "nondeterministic", "1.9", "raises"),
        ("scatter-cuda", "2.0", "nondeterministic", "2.1", "deterministic"),
        ("scatter-reduce-prod", "2.0", "nondeterministic", "2.1", "raises"),
        ("resize-quantized", "2.0", "nondeterministic", "2.1", "raises"),
        ("uninitialized-memory", "2.0", "nondeterministic", "2.1", "deterministic"),
        ("replication-pad2d-backward", "2.1", "raises", "2.2", "deterministic"),
        ("pad-replicate-4d-backward", "2.1", "raises", "2.2", "deterministic"),
        ("replication-pad1d-backward", "2.2", "raises", "2.3", "deterministic"),
        ("replication-pad3d-backward", "2.2", "raises", "2.3", "deterministic"),
        ("pad-replicate-3d-5d-backward", "2.2", "raises", "2.3", "deterministic"),
        ("cublas-matmul", "2.9", "raises", "2.10", "deterministic"),
        ("compile-autotune", "2.9", "nondeterministic", "2.10", "deterministic"),
    ],
)
def test_verdicts_change_where_the_docstrings_changed(torch, entry_id, before, outcome_before, after, outcome_after):
    assert mode(torch, entry_id, before) == outcome_before
    assert mode(torch, entry_id, after) == outcome_after


@pytest.mark.parametrize(
    "entry_id",
    [
        "avg-pool3d-backward",
        "adaptive-avg-pool2d-backward",
        "adaptive-avg-pool3d-backward",
        "max-pool3d-backward",
        "adaptive-max-pool2d-backward",
        "fractional-max-pool2d-backward",
        "fractional-max-pool3d-backward",
        "interpolate-linear-backward",
        "reflection-pad1d-backward",
        "pad-reflect-backward",
        "nll-loss-2d",
        "ctc-loss-backward",
        "embedding-bag-max-backward",
        "histc",
        "bincount-weighted",
    ],
)
def test_ops_without_a_deterministic_implementation_raise_from_1_7_to_2_11(torch, entry_id):
    assert {mode(torch, entry_id, version) for version in TORCH_MINORS} == {"raises"}


def test_index_reduce_raises_under_the_mode_from_the_release_that_added_it(torch):
    assert mode(torch, "index-reduce", "1.11") is None
    assert {mode(torch, "index-reduce", version) for version in ("1.12", "2.0", "2.11")} == {"raises"}


def test_reflection_pad3d_is_catalogued_from_1_10_when_the_module_appeared(torch):
    assert mode(torch, "reflection-pad3d-backward", "1.9") is None
    assert mode(torch, "reflection-pad3d-backward", "1.10") == "raises"


def test_every_torch_entry_has_a_status_from_its_first_release_to_the_latest(torch):
    for candidate in torch.entries:
        known = [version for version in TORCH_MINORS if torch.status(candidate, version) is not None]
        assert known, candidate.id
        assert known == TORCH_MINORS[TORCH_MINORS.index(known[0]) :], candidate.id


def test_prereleases_and_unpinned_projects(torch):
    kthvalue = entry(torch, "kthvalue")
    assert torch.status(kthvalue, "2.10.0rc1").deterministic_mode == "deterministic"
    assert torch.status(kthvalue, Version("2.10.0.dev20250901")).deterministic_mode == "deterministic"
    # An unpinned project gets the newest version the catalog covers: 2.11, where kthvalue is fixed.
    assert torch.coverage.latest == Version("2.11")
    assert torch.status(kthvalue, None).deterministic_mode == "deterministic"
    assert torch.status(entry(torch, "index-add"), None).default == "nondeterministic"


def test_statuses_without_the_mode(torch):
    assert torch.status(entry(torch, "index-add"), "2.4").default == "nondeterministic"
    assert torch.status(entry(torch, "kthvalue"), "2.10").default == "deterministic"


# -- the catalogs as a whole ---------------------------------------------------------------------------


def all_entries() -> list[OpEntry]:
    return [candidate for name in OP_SECTIONS for candidate in load_catalog().ops[name].entries]


def test_every_entry_has_a_probe_recipe_or_says_why_not():
    for candidate in all_entries():
        assert (candidate.probe is None) != (candidate.no_probe_reason is None), candidate.id
        assert candidate.probe is None or re.fullmatch(r"[a-z][a-z0-9_]*", candidate.probe)


def test_every_specifier_in_the_catalogs_parses():
    catalog = load_catalog()
    for (name, section), entries in catalog.sections.items():
        if name not in OP_SECTIONS:
            continue
        for raw in entries:
            for status in raw.get("status", ()):
                VersionRange(status.get("versions", ""))
            if raw.get("versions"):
                VersionRange(raw["versions"])
            if section == "coverage" and raw.get("latest"):
                Version(raw["latest"])


def test_statuses_are_listed_oldest_first(torch):
    for candidate in torch.entries:
        in_force = [candidate.statuses.index(s) for v in TORCH_MINORS if (s := torch.status(candidate, v))]
        assert in_force == sorted(in_force), candidate.id


def test_every_entry_cites_an_upstream_source_not_the_facts_file():
    for candidate in all_entries():
        assert candidate.source
        assert not any("determinism-facts" in source for source in candidate.source), candidate.id


def test_positions_name_call_kinds_the_entry_has():
    for candidate in all_entries():
        for condition in candidate.conditions:
            for kind in condition.positions:
                assert candidate.names(CallKind(kind)), (candidate.id, kind)


def test_cross_references_resolve():
    catalog = load_catalog()
    switches = {switch.id for switch in catalog.entries("tf_ops", "switches")}
    for candidate in catalog.ops["tf_ops"].entries:
        assert {status.switch for status in candidate.statuses} - {None} <= switches, candidate.id
    xgboost = catalog.ops["xgboost"]
    for candidate in xgboost.entries:
        assert set(candidate.training_calls) <= set(xgboost.training_calls), candidate.id
    for point in xgboost.training_calls.values():
        assert point.functions or point.classes, point.id


def test_entry_counts():
    counts = {name: len(load_catalog().ops[name].entries) for name in OP_SECTIONS}
    assert counts["torch_ops"] >= 55 and counts["tf_ops"] >= 40
    assert counts["jax"] >= 2 and counts["xgboost"] >= 8


# -- TensorFlow, JAX and XGBoost -----------------------------------------------------------------------


def test_tensorflow_statuses_and_switches():
    catalog = load_catalog()
    tf = catalog.ops["tf_ops"]
    assert mode(tf, "tf-segment-reductions", "2.4") == "nondeterministic"
    assert mode(tf, "tf-segment-reductions", "2.6") == "raises"
    assert mode(tf, "tf-segment-reductions", "2.7") == "deterministic"
    assert mode(tf, "tf-depthwise-conv-backward", "2.9") == "raises"
    assert mode(tf, "tf-depthwise-conv-backward", "2.10") == "deterministic"
    assert tf.status(entry(tf, "tf-cudnn-convolution"), "2.0").switch == "tf-cudnn-deterministic"
    [switch] = [s for s in catalog.entries("tf_ops", "switches") if s.id == "enable-op-determinism"]
    switch_versions = VersionRange(switch["versions"])
    assert not switch_versions.contains("2.7") and switch_versions.contains("2.8")
    nearest = entry(tf, "tf-upsampling-nearest-backward")
    assert holds(nearest, args("layers.UpSampling2D(size=(2, 2))", CLASS)) is Level.CERTAIN
    assert holds(nearest, args('layers.UpSampling2D((2, 2), None, "bilinear")', CLASS)) is Level.NONE


def test_jax_indexed_updates_are_found_by_their_method_form():
    jax = load_catalog().ops["jax"]
    assert [candidate.id for candidate in jax.by_method("at[].add")] == ["jax-scatter-add"]
    assert jax.status(entry(jax, "jax-scatter-add")).deterministic_mode == "deterministic"


def test_xgboost_settings_are_matched_through_training_calls():
    xgboost = load_catalog().ops["xgboost"]
    assert xgboost.training_call("xgboost.train").parameters_argument == ("params", 0)
    assert xgboost.training_call("xgboost.XGBClassifier").parameters_argument is None
    assert xgboost.training_call("sklearn.svm.SVC") is None
    settings = xgboost.by_function("xgboost.train")
    assert "distributed-training" not in {candidate.id for candidate in settings}
    dask = xgboost.by_module_class("xgboost.dask.DaskXGBClassifier")
    assert "distributed-training" in {candidate.id for candidate in dask}
    params = ArgumentView.of_dict(cst.parse_expression('{"tree_method": "gpu_hist", "deterministic_histogram": False}'))
    assert matching(settings, params)[:2] == ["gpu-hist-atomics", "deterministic-histogram-off"]
    assert xgboost.status(entry(xgboost, "gpu-hist-atomics"), "1.0.2").default == "nondeterministic"
    assert xgboost.status(entry(xgboost, "gpu-hist-atomics"), "1.1.0").default == "deterministic"
    assert xgboost.status(entry(xgboost, "deterministic-histogram-off"), "1.4.2").default == "nondeterministic"
    assert xgboost.status(entry(xgboost, "deterministic-histogram-off"), "1.5.0").default == "deterministic"
    assert xgboost.status(entry(xgboost, "global-sampling-rng"), "3.2").default == "nondeterministic"
    threads = entry(xgboost, "thread-count")
    assert holds(threads, args("xgboost.XGBClassifier(n_jobs=4)", CLASS)) is Level.NONE
    assert holds(threads, args("xgboost.XGBClassifier(n_jobs=-1)", CLASS)) is Level.LOW
    assert holds(threads, args("xgboost.XGBClassifier()", CLASS)) is Level.LOW


# -- the query API -------------------------------------------------------------------------------------


def test_lookups_by_each_call_form(torch):
    assert {candidate.id for candidate in torch.by_function("torch.index_put")} == {
        "index-put-accumulate-cpu",
        "index-put-duplicate-indices",
    }
    assert [candidate.id for candidate in torch.by_module_class("torch.nn.AdaptiveAvgPool2d")] == [
        "adaptive-avg-pool2d-backward"
    ]
    assert torch.by_function("torch.nn.AdaptiveAvgPool2d") == []
    from_pretrained = torch.by_qualname("torch.nn.EmbeddingBag.from_pretrained")
    assert {(candidate.id, kind) for candidate, kind in from_pretrained} == {
        ("embedding-bag-max-backward", CLASS),
        ("embedding-bag-sum-mean-backward", CLASS),
    }
    assert torch.by_method("no_such_method") == []


def test_positions_differ_between_functions_methods_and_classes(torch):
    accumulate = entry(torch, "index-put-accumulate-cpu")
    assert holds(accumulate, args("torch.index_put(x, idx, v, True)", FUNCTION)) is Level.CERTAIN
    assert holds(accumulate, args("x.index_put_(idx, v, True)", METHOD)) is Level.CERTAIN
    assert holds(accumulate, args("x.index_put_(idx, v)", METHOD)) is Level.NONE
    assert holds(accumulate, args("x.index_put_(idx, v, accumulate=False)", METHOD)) is Level.NONE
    bag = entry(torch, "embedding-bag-max-backward")
    assert holds(bag, args('F.embedding_bag(i, w, None, None, 2, False, "max")', FUNCTION)) is Level.CERTAIN
    assert holds(bag, args('nn.EmbeddingBag(10, 3, None, 2.0, False, "max")', CLASS)) is Level.CERTAIN
    assert holds(bag, args("nn.EmbeddingBag(10, 3)", CLASS)) is Level.NONE


def test_unknowable_arguments_are_uncertain(torch):
    accumulate = entry(torch, "index-put-accumulate-cpu")
    assert holds(accumulate, args("x.index_put_(idx, v, acc)", METHOD)) is Level.MEDIUM
    assert holds(accumulate, args("x.index_put_(*rest)", METHOD)) is Level.MEDIUM
    assert holds(accumulate, args("x.index_put_(idx, v, **options)", METHOD)) is Level.MEDIUM
    assert holds(accumulate, args("x.index_put_(idx, v, *rest)", METHOD)) is Level.MEDIUM
    # A runtime condition never decides (low), but a failing literal condition still does.
    duplicates = entry(torch, "index-put-duplicate-indices")
    assert holds(duplicates, args("x.index_put_(idx, v)", METHOD)) is Level.LOW
    assert holds(duplicates, args("x.index_put_(idx, v, True)", METHOD)) is Level.NONE
    assert holds(entry(torch, "index-add"), args("x.index_add_(0, i, s)", METHOD)) is Level.CERTAIN


def test_given_counts_any_non_none_expression(torch):
    median = entry(torch, "median-with-indices")
    assert holds(median, args("torch.median(x)", FUNCTION)) is Level.NONE
    assert holds(median, args("torch.median(x, d)", FUNCTION)) is Level.CERTAIN
    assert holds(median, args("x.median(dim=None)", METHOD)) is Level.NONE
    assert holds(median, args("x.median(0)", METHOD)) is Level.CERTAIN


def test_booleans_match_only_booleans(torch):
    accumulate = entry(torch, "index-put-accumulate-cpu")
    assert holds(accumulate, args("x.index_put_(idx, v, 1)", METHOD)) is Level.NONE
    assert holds(accumulate, args("x.index_put_(accumulate=True)", METHOD)) is Level.CERTAIN


def test_argument_view_of_a_call():
    call = args("f(1, 'a', *rest, 3, k=[1, 2], **more)", FUNCTION)
    assert [call.literal(value) for value in call.positional] == [1, "a"]
    assert {key: call.literal(found.value) for key, found in call.keywords.items()} == {"k": [1, 2]}
    assert (call.star_args, call.opaque) == ("*rest", "**more")
    assert call.hiding(1) == "**more" and call.hiding(2) == "*rest" and call.hiding() == "**more"
    view = args("f(g(x))", METHOD)
    assert [view.literal(value) for value in view.positional] == [NOT_LITERAL]


def test_unknown_catalog_name_is_an_error():
    with pytest.raises(KeyError, match="no op catalog"):
        OpIndex(load_catalog(), "rng")


def test_index_is_built_once_per_catalog():
    catalog = load_catalog()
    assert catalog.ops["tf_ops"] is catalog.ops["tf_ops"]


# -- the generated reference page ----------------------------------------------------------------------


def test_reference_page_lists_every_entry_once():
    catalog = load_catalog()
    page = render_ops_table(catalog)
    assert page.startswith("# Nondeterministic operations\n") and page.endswith("|\n")
    rows = [line for line in page.splitlines() if line.startswith("| ") and not line.startswith("| Op ")]
    rows = [row for row in rows if not row.startswith(("| Switch ", "| Flag ", "| Setting "))]
    switches_and_flags = len(catalog.entries("tf_ops", "switches")) + len(catalog.entries("jax", "flags"))
    assert len(rows) == len(all_entries()) + switches_and_flags
    assert len(set(rows)) == len(rows)
    for heading in ("## PyTorch", "## TensorFlow", "## JAX / XLA", "## XGBoost"):
        assert f"\n{heading}\n" in page


def test_reference_page_rows_read_as_the_facts(torch):
    page = render_ops_table(load_catalog())
    [kthvalue] = [line for line in page.splitlines() if line.startswith("| kthvalue |")]
    assert "`>=1.8,<2.10`: **raises**" in kthvalue
    assert "`>=2.10`: deterministic, deterministic without it too *(unverified)*" in kthvalue
    [interpolate] = [line for line in page.splitlines() if line.startswith("| interpolate (mode linear or bicubic")]
    assert '`mode` is `"linear"` or `"bicubic"` (default `"nearest"`)' in interpolate
    [reflect] = [line for line in page.splitlines() if line.startswith('| pad (mode="reflect", two padded')]
    assert "`pad` holds 4 items" in reflect and "`>=2.7`: deterministic" in reflect
    assert "`weights` not given" in page and "*at run time:* the input is 1-D" in page


# -- schema rejections ---------------------------------------------------------------------------------

GOOD = """
schema: 1
catalog: torch_ops
description: test
coverage:
  - id: torch
    title: PyTorch
    package: torch
    latest: "2.11"
    source: https://example.org
ops:
  - id: index-add
    op: index_add
    calls:
      functions: [torch.index_add]
      methods: [index_add_]
    device: cuda
    pass: forward
    conditions:
      - {keyword: accumulate, positions: {function: 3, method: 2}, values: [true], default: false}
    status:
      - {versions: ">=1.7,<1.9", deterministic_mode: raises}
      - {versions: ">=1.9", deterministic_mode: deterministic}
    alternative: Enable deterministic mode.
    probe: index_add
    source: https://example.org
"""


def test_the_good_example_loads():
    sections = parse_catalog_file("ops.yaml", GOOD)
    assert len(sections[("torch_ops", "ops")]) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ((">=1.9", ">=1.x"), r"ops\[0\]: key 'status' .*must be a version specifier .*'>=1.x'"),
        ((">=1.9", ">=1.8"), "ranges that do not overlap .*both contain 1.8"),
        ((">=1.7,<1.9", ""), "non-empty version specifier"),
        (("deterministic_mode: raises", "deterministic_mode: maybe"), "one of raises, deterministic, nondeterministic"),
        (("deterministic_mode: raises", "default: raises"), "missing key 'deterministic_mode'"),
        (("deterministic_mode: raises", "deterministic_mode: raises, switch: x"), "unknown key 'switch'"),
        (('latest: "2.11"', "latest: two"), "'latest' must be a version string"),
        (("device: cuda", "device: gpu"), "'device' must be one of cuda, cpu, any"),
        (("pass: forward", "pass: both-ways"), "one of forward, backward, both"),
        (("probe: index_add", "probe: Index Add"), "snake_case probe recipe"),
        (("probe: index_add", "probe: {none: ''}"), "snake_case probe recipe"),
        (("probe: index_add", "probe: {skip: why}"), "snake_case probe recipe"),
        (("methods: [index_add_]", "methods: [x.index_add_]"), "method names"),
        (("functions: [torch.index_add]", "functions: []"), "qualified names"),
        (("      functions: [torch.index_add]\n      methods: [index_add_]\n", "      {}\n"), "at least one"),
        (("values: [true], default: false", "values: [true], given: true"), "exactly one of"),
        (("values: [true], default: false", "given: true, default: false"), "'default'"),
        (("values: [true], default: false", "values: []"), "non-empty list of literal values"),
        (("values: [true], default: false", "below: one"), "'below' must be a number"),
        (("values: [true], default: false", "lengths: [two]"), "'lengths' must be a non-empty list of item counts"),
        (("values: [true], default: false", "lengths: [-2]"), "'lengths' must be a non-empty list of item counts"),
        (("values: [true], default: false", "lengths: [4], default: false"), "'default'"),
        (("{function: 3, method: 2}", "{function: 3, module: 2}"), "'positions' must be a mapping"),
        (("{function: 3, method: 2}", "{function: -1}"), "'positions' must be a mapping"),
        (("keyword: accumulate, ", ""), "'keyword' is required"),
        (("keyword: accumulate, ", "keyword: 2, "), "'keyword' must be a parameter name"),
        (("keyword: accumulate, ", "keyword: accumulate, flag: x, "), "unknown key 'flag'"),
        (("{keyword: accumulate", "{runtime: input is 1-D, keyword: accumulate"), "exactly one of"),
        (("    alternative: Enable deterministic mode.\n", ""), "missing required key 'alternative'"),
    ],
)
def test_bad_op_entries_are_rejected_with_the_entry_and_key(change, message):
    with pytest.raises(CatalogError, match=message):
        parse_catalog_file("ops.yaml", GOOD.replace(*change))


def test_runtime_conditions_take_only_a_description():
    bad = GOOD.replace(
        "{keyword: accumulate, positions: {function: 3, method: 2}, values: [true], default: false}",
        "{runtime: the input is 1-D, positions: {function: 0}}",
    )
    with pytest.raises(CatalogError, match="names at most the keyword"):
        parse_catalog_file("ops.yaml", bad)


XGBOOST = """
schema: 1
catalog: xgboost
description: test
entry_points:
  - id: native
    functions: [xgboost.train]
    parameters_argument: {keyword: params, position: 0}
    source: https://example.org
settings:
  - id: shotgun
    op: shotgun
    conditions:
      - {keyword: updater, values: [shotgun]}
    device: cpu
    status:
      - {default: nondeterministic}
    alternative: coord_descent
    probe: xgboost_shotgun
    source: https://example.org
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("updater, values", "updater, positions: {function: 0}, values"), "'positions' is not used"),
        (("{default: nondeterministic}", "{deterministic_mode: raises}"), "unknown key 'deterministic_mode'"),
        (("{default: nondeterministic}", "{versions: '>=1'}"), "missing key 'default'"),
        (("{keyword: params, position: 0}", "{keyword: params}"), "parameters_argument"),
    ],
)
def test_bad_xgboost_entries_are_rejected(change, message):
    assert parse_catalog_file("xgboost.yaml", XGBOOST)
    with pytest.raises(CatalogError, match=message):
        parse_catalog_file("xgboost.yaml", XGBOOST.replace(*change))


def test_every_alternative_reads_as_a_help_line():
    """An op's alternative is the `help:` of its findings: a sentence that starts with a capital."""
    for index in load_catalog().ops.values():
        for entry in index.entries:
            assert entry.alternative[:1].isupper(), (entry.catalog, entry.id, entry.alternative)

"""The recipe registry against the catalogs: every `probe:` name has a recipe or an explicit reason,
no recipe is orphaned, and every plan is JSON that honours the call's literal arguments. None of this
imports a framework."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from detlint.catalogs.loader import load_catalog
from detlint.probe.backends import BACKENDS, FRAMEWORK_BACKENDS
from detlint.probe.recipes import NO_RECIPE, SIZES, registry

ENTRIES = [entry for ops in load_catalog().ops.values() for entry in ops.entries]
CATALOG_RECIPES = {entry.probe for entry in ENTRIES if entry.probe}


def test_every_catalog_recipe_name_has_a_recipe_or_a_reason():
    missing = sorted(CATALOG_RECIPES - set(registry()) - set(NO_RECIPE))
    assert not missing, f"catalog probe names without a recipe or a NO_RECIPE reason: {missing}"


def test_no_recipe_is_orphaned_and_no_reason_hides_a_recipe():
    assert sorted(set(registry()) - CATALOG_RECIPES) == []
    assert sorted(set(NO_RECIPE) - CATALOG_RECIPES) == []
    assert not set(NO_RECIPE) & set(registry())
    assert all(reason.strip() for reason in NO_RECIPE.values())


def test_every_entry_without_a_recipe_says_why():
    assert all(entry.no_probe_reason for entry in ENTRIES if not entry.probe)


WITH_RECIPE = [entry for entry in ENTRIES if entry.probe in registry()]


@pytest.mark.parametrize("entry", WITH_RECIPE, ids=lambda entry: f"{entry.catalog}:{entry.id}")
def test_recipes_match_their_entries_framework(entry):
    recipe = registry()[entry.probe]
    package = load_catalog().ops[entry.catalog].coverage.package
    assert FRAMEWORK_BACKENDS[package] == recipe.backend
    assert recipe.backend in BACKENDS
    assert recipe.summary, f"{recipe.name} has no docstring summary"


@pytest.mark.parametrize("entry", WITH_RECIPE, ids=lambda entry: f"{entry.catalog}:{entry.id}")
@pytest.mark.parametrize("scale", sorted(SIZES.values()))
def test_plans_are_json_and_grow_with_the_scale(entry, scale):
    recipe = registry()[entry.probe]
    plan = recipe.plan(entry.id, {}, scale)
    assert json.loads(json.dumps(plan)) == plan
    if "scale" in plan:
        assert plan["scale"] == scale
    else:  # the recipes that size their data themselves, in rows or elements
        (size,) = {"rows", "elements"} & set(plan)
        assert plan[size] == recipe.plan(entry.id, {}, SIZES["small"])[size] * scale


def _plan(recipe: str, op: str | None, **arguments):
    return registry()[recipe].plan(op, arguments, 1)


def test_plans_honour_the_calls_literal_arguments():
    assert _plan("index_put_accumulate", "index-put-accumulate-cpu", accumulate=True)["accumulate"] is True
    assert _plan("index_put_accumulate", None, accumulate=False)["accumulate"] is False
    assert _plan("index_put_accumulate", None, dtype="torch.float64")["dtype"] == "float64"
    assert _plan("scatter_reduce", "scatter-reduce-sum-mean", reduce="mean")["reduce"] == "mean"
    assert _plan("scatter_reduce", "scatter-reduce-prod")["reduce"] == "prod"
    assert _plan("embedding_bag_max_backward", None)["mode"] == "max"
    assert _plan("embedding_bag_backward", None, mode="sum")["mode"] == "sum"
    assert _plan("interpolate_backward", None, mode="trilinear")["dims"] == 3
    assert _plan("interpolate_backward", None, mode="linear", align_corners=True)["align_corners"] is True
    assert _plan("interpolate_backward", None, mode="nearest")["align_corners"] is None
    assert _plan("bincount", "bincount-weighted")["weights"] is True
    assert _plan("bincount", "bincount-unweighted")["weights"] is False
    assert _plan("median_with_indices", None, dim=0)["dim"] == 0
    assert _plan("scatter_add", "scatter-add-1d")["dims"] == 1
    assert _plan("reflection_pad_backward", "reflection-pad3d-backward")["dims"] == 3
    assert _plan("xgboost_gpu_hist", "gpu-hist-atomics", tree_method="gpu_hist")["tree_method"] == "gpu_hist"
    assert _plan("xgboost_gpu_hist", "cuda-device", device="cuda")["cuda"] is True
    assert _plan("xgboost_shotgun", None, feature_selector="shuffle", nthread=4)["nthread"] == 4
    assert _plan("xgboost_thread_count", None, n_jobs=3)["nthread"] == 3
    assert _plan("tf_resize_bilinear_backward", None, method="nearest")["method"] == "nearest"
    assert _plan("tf_fractional_pool", None, seed=7)["seed"] == 7


def test_each_interpolation_and_padding_entry_plans_the_kernel_it_stands_for():
    def planned(recipe: str, op: str, **arguments) -> dict:
        plan = _plan(recipe, op, **arguments)
        return {key: plan[key] for key in ("mode", "antialias", "dims") if key in plan}

    assert planned("interpolate_backward", "interpolate-linear-backward") == {
        "mode": "linear", "antialias": False, "dims": 1
    }
    assert planned("interpolate_backward", "interpolate-linear-backward", mode="bicubic")["mode"] == "bicubic"
    assert planned("interpolate_backward", "interpolate-bilinear-backward")["mode"] == "bilinear"
    assert planned("interpolate_backward", "interpolate-trilinear-backward") == {
        "mode": "trilinear", "antialias": False, "dims": 3
    }
    assert planned("interpolate_backward", "interpolate-antialias-backward") == {
        "mode": "bilinear", "antialias": True, "dims": 2
    }
    # antialias applies to bilinear and bicubic only
    assert planned("interpolate_backward", None, mode="trilinear", antialias=True)["antialias"] is False
    assert planned("reflection_pad_backward", "pad-reflect-backward")["dims"] == 1
    assert planned("reflection_pad_backward", "pad-reflect-2d-backward")["dims"] == 2


def test_arguments_that_do_not_fit_fall_back_to_the_defaults():
    assert _plan("scatter_reduce", None, reduce="no-such-reduction")["reduce"] == "sum"
    assert _plan("index_put_accumulate", None, accumulate="yes")["accumulate"] is True
    assert _plan("median_with_indices", None, dim=True)["dim"] == 1


def test_the_registry_imports_no_framework():
    code = (
        "import sys\n"
        "from detlint.probe.recipes import registry\n"
        "from detlint.probe import report, session\n"
        "assert len(registry()) > 60\n"
        "loaded = {'torch', 'tensorflow', 'xgboost', 'numpy', 'jax'} & set(sys.modules)\n"
        "print(sorted(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

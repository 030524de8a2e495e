"""XGBoost: train on a seeded synthetic regression data set with the flagged parameters, predict, and
compare the predictions bitwise between runs.

XGBoost has no deterministic mode. Its "deterministic mode" here is the parameter set the catalog
recommends instead: `updater="coord_descent"` for the shotgun updater, one fixed `nthread` for the
thread-count entry, `deterministic_histogram=True` before 1.5 for GPU histograms (the same parameters
from 1.5, which are deterministic), and one model trained at a time for the process-wide sampling RNG.
The time ratio compares those two parameter sets. `tree_method` and `device` come from the call's
literal arguments.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Mapping
from typing import Any

from detlint.probe.measure import array_diff, first_line, import_framework, measure
from detlint.probe.recipes import Plan, choice, integer, lookup, register
from detlint.probe.results import DEVICE, ERROR, FRAMEWORK, RAISES

# -- the worker's side ----------------------------------------------------------------------------------


def start(mode: str, options: Mapping[str, Any]) -> dict[str, Any]:
    xgboost = import_framework("numpy", "xgboost")
    if isinstance(xgboost, str):
        return {"skipped": xgboost, "unavailable": FRAMEWORK}
    return {"environment": _environment(xgboost, None, None)}


def _environment(xgboost, device: str | None, threads: int | None) -> dict[str, Any]:
    return {
        "framework": "xgboost",
        "version": xgboost.__version__,
        "device": device,
        "gpu": None,
        "threads": threads or os.cpu_count(),
    }


def _version(xgboost) -> tuple[int, int]:
    parts = xgboost.__version__.split(".")
    try:
        return int(parts[0]), int("".join(ch for ch in parts[1] if ch.isdigit()) or 0)
    except (IndexError, ValueError):
        return (0, 0)


def execute(request: Mapping[str, Any]) -> dict[str, Any]:
    import xgboost

    recipe = lookup(request["recipe"])
    if recipe is None or recipe.backend != "xgboost":
        return {"skipped": f"no xgboost recipe {request['recipe']!r}"}
    plan = request["plan"]
    requested = request.get("device", "auto")
    device = "cuda" if plan.get("cuda") else "cpu"
    if device == "cuda":
        if requested == "cpu":
            return {"skipped": "the call trains on CUDA (its tree_method/device literals) and --device is cpu"}
        if not xgboost.build_info().get("USE_CUDA"):
            return {"skipped": "the call trains on CUDA, and this XGBoost build has no CUDA support",
                    "unavailable": DEVICE}  # fmt: skip
    # CPU-only hazards (the shotgun updater, thread counts) run on the CPU whatever --device says.
    seed = int(request.get("seed", 0))
    context = Ctx(xgboost, plan, seed, device)
    modes = {}
    for mode in request["modes"]:
        deterministic = mode == "deterministic"
        try:
            modes[mode] = measure(
                lambda: recipe.build(context, plan, deterministic),
                lambda first, other: array_diff(first, other),
                runs=int(request.get("runs", 5)),
                repeats=int(request.get("repeats", 5)),
            )
        except Exception as error:  # noqa: BLE001 - reported, not raised
            modes[mode] = {"outcome": RAISES if deterministic else ERROR, "message": first_line(error)}
    return {"environment": _environment(xgboost, device, plan.get("nthread") or None), "modes": modes}


class Ctx:
    def __init__(self, xgboost, plan: Plan, seed: int, device: str) -> None:
        import numpy as np

        self.xgb = xgboost
        self.version = _version(xgboost)
        self.device = device
        random = np.random.RandomState(seed)
        rows, features = plan.get("rows", 4000), plan.get("features", 20)
        self.features = random.standard_normal((rows, features)).astype("float32")
        weights = random.standard_normal(features)
        self.labels = (self.features @ weights + 0.1 * random.standard_normal(rows)).astype("float32")
        self.data = xgboost.DMatrix(self.features, label=self.labels)

    def train(self, params: Mapping[str, Any], rounds: int):
        booster = self.xgb.train(dict(params), self.data, num_boost_round=rounds)
        return booster.predict(self.data)

    def gpu_params(self, tree_method: str) -> dict[str, Any]:
        if self.version >= (2, 0):
            return {"tree_method": "hist" if tree_method in ("gpu_hist", "hist") else tree_method, "device": "cuda"}
        return {"tree_method": "gpu_hist"}


def _recipe(name: str, plan=None):
    return register(name, "xgboost", plan=plan)


def _gpu_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    histogram = arguments.get("deterministic_histogram")
    return {
        "cuda": True,
        "tree_method": choice(arguments, "tree_method", ("gpu_hist", "hist", "approx"), "hist"),
        "deterministic_histogram": histogram if isinstance(histogram, bool) else None,
        "rows": 20000 * scale,
        "rounds": 20,
    }


@_recipe("xgboost_gpu_hist", plan=_gpu_plan)
def xgboost_gpu_hist(t: Ctx, plan: Plan, deterministic: bool):
    """Histogram trees on CUDA (tree_method/device from the call)."""
    params: dict[str, Any] = {**t.gpu_params(plan["tree_method"]), "max_depth": 8, "seed": 0}
    if (1, 1) <= t.version < (1, 5):
        params["deterministic_histogram"] = True if deterministic else plan["deterministic_histogram"] is not False
    return lambda: t.train(params, plan["rounds"])


def _shotgun_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    threads = integer(arguments, "nthread", integer(arguments, "n_jobs", None))
    return {
        "feature_selector": choice(arguments, "feature_selector", ("cyclic", "shuffle"), "cyclic"),
        "nthread": max(2, threads or os.cpu_count() or 2),
        "rows": 1000 * scale,
        "features": 20,
        "rounds": 10,
    }


@_recipe("xgboost_shotgun", plan=_shotgun_plan)
def xgboost_shotgun(t: Ctx, plan: Plan, deterministic: bool):
    """gblinear with the parallel shotgun updater (deterministic: coord_descent)."""
    params = {
        "booster": "gblinear",
        "updater": "coord_descent" if deterministic else "shotgun",
        "feature_selector": plan["feature_selector"],
        "nthread": plan["nthread"],
        "seed": 0,
    }
    return lambda: t.train(params, plan["rounds"])


def _threads_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    threads = integer(arguments, "nthread", integer(arguments, "n_jobs", None))
    return {
        "tree_method": choice(arguments, "tree_method", ("hist", "approx", "exact"), "hist"),
        "nthread": threads if threads and threads > 0 else 0,
        "rows": 5000 * scale,
        "rounds": 10,
    }


@_recipe("xgboost_thread_count", plan=_threads_plan)
def xgboost_thread_count(t: Ctx, plan: Plan, deterministic: bool):
    """CPU trees trained with a different thread count on every run, as on different machines
    (deterministic: the same nthread every run)."""
    cores = os.cpu_count() or 2
    fixed = plan["nthread"] or cores
    counts = itertools.cycle([fixed] if deterministic else sorted({cores, 1, max(2, cores // 2)}, reverse=True))
    base = {"tree_method": plan["tree_method"], "max_depth": 8, "seed": 0}
    return lambda: t.train({**base, "nthread": next(counts)}, plan["rounds"])


def _sampling_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    return {"subsample": 0.5, "colsample_bytree": 0.5, "rows": 5000 * scale, "rounds": 10}


@_recipe("xgboost_sampling_global_rng", plan=_sampling_plan)
def xgboost_sampling_global_rng(t: Ctx, plan: Plan, deterministic: bool):
    """A sampling model trained while another one trains in a second thread, sharing the process's RNG
    (deterministic: trained alone)."""
    params = {"tree_method": "hist", "subsample": plan["subsample"], "colsample_bytree": plan["colsample_bytree"],
              "seed": 0, "nthread": 1}  # fmt: skip
    other = {**params, "seed": 1}

    def call():
        if deterministic:
            return t.train(params, plan["rounds"])
        neighbour = threading.Thread(target=t.train, args=(other, plan["rounds"]))
        neighbour.start()
        try:
            return t.train(params, plan["rounds"])
        finally:
            neighbour.join()

    return call

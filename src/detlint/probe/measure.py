"""The measurement loop every backend shares (it runs in the worker process).

A recipe is built once per mode (its synthetic inputs are seeded), called once to warm up, then
called `runs` times with the same inputs, reseeding before every call; each call's outputs are
compared bitwise with the first call's. Every call after the warm-up is timed (extra calls up to
`repeats` are timed only), and the median is the mode's time.
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from detlint.probe.results import RAN


@dataclass(frozen=True)
class Diff:
    """How one run's outputs differ from the first run's."""

    differing: int  # elements that differ bitwise
    total: int  # elements compared
    max_abs: float  # largest |a - b| over the differing elements (inf/nan when one is not finite)


SAME = Diff(0, 0, 0.0)

Compare = Callable[[Any, Any], Diff]


def merge(diffs: Sequence[Diff]) -> Diff:
    """The diff of several outputs of one call, taken together."""
    differing = sum(diff.differing for diff in diffs)
    total = sum(diff.total for diff in diffs)
    max_abs = max((diff.max_abs for diff in diffs if diff.differing), default=0.0, key=_magnitude)
    return Diff(differing, total, max_abs)


def _magnitude(value: float) -> float:
    return float("inf") if value != value else value  # NaN ranks with infinity


def measure(
    build: Callable[[], Callable[[], Any]],
    compare: Compare,
    *,
    runs: int,
    repeats: int,
    reseed: Callable[[], None] = lambda: None,
    synchronize: Callable[[], None] = lambda: None,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, Any]:
    """Build, warm up, run and compare; a `ModeResult` as a dict. Exceptions propagate (the caller
    decides whether they are the framework refusing deterministic mode or a failed recipe)."""
    reseed()
    call = build()
    reseed()
    call()  # warm-up: lazy initialisation, caches, algorithm selection
    synchronize()
    outputs: list[Any] = []
    samples: list[float] = []
    for number in range(max(runs, repeats)):
        reseed()
        synchronize()
        start = clock()
        result = call()
        synchronize()
        samples.append(clock() - start)
        if number < runs:
            outputs.append(result)
    diffs = [compare(outputs[0], other) for other in outputs[1:]]
    differing = [diff for diff in diffs if diff.differing]
    return {
        "outcome": RAN,
        "runs": runs,
        "differing_runs": len(differing),
        "max_abs_diff": max((diff.max_abs for diff in differing), default=0.0, key=_magnitude),
        "differing_share": max((diff.differing / diff.total for diff in differing if diff.total), default=0.0),
        "seconds": statistics.median(samples),
        "samples": len(samples),
    }


def first_line(error: BaseException, limit: int = 400) -> str:
    """An exception as one short line: its type and the first line of its message."""
    text = str(error).strip().splitlines()
    message = text[0].strip() if text else ""
    line = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return line if len(line) <= limit else line[: limit - 1] + "…"


def import_framework(*names: str) -> ModuleType | str:
    """The last of the named modules, imported in order; or, when one cannot be imported, why the
    backend is skipped (a broken installation is a reason to skip, never to crash)."""
    module: ModuleType | None = None
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            return f"{name} is not installed ({first_line(error)})"
        except Exception as error:  # noqa: BLE001 - see the docstring
            return f"{name} cannot be imported ({first_line(error)})"
    assert module is not None
    return module


def array_diff(first: Any, other: Any) -> Diff:
    """Bitwise comparison of two numpy arrays (TensorFlow and XGBoost outputs): NaNs with the same bits
    are equal, 0.0 and -0.0 are not."""
    import numpy as np

    a, b = np.ascontiguousarray(first), np.ascontiguousarray(other)
    if a.shape != b.shape or a.dtype != b.dtype:
        size = max(a.size, b.size)
        return Diff(size, size, float("inf"))
    if a.size == 0:
        return Diff(0, 0, 0.0)
    width = a.dtype.itemsize
    bytes_a = a.reshape(-1).view(np.uint8).reshape(-1, width)
    bytes_b = b.reshape(-1).view(np.uint8).reshape(-1, width)
    mask = (bytes_a != bytes_b).any(axis=1)
    differing = int(mask.sum())
    if not differing:
        return Diff(0, a.size, 0.0)
    if a.dtype.kind not in "fciub":
        return Diff(differing, a.size, float("inf"))
    wide = np.complex128 if a.dtype.kind == "c" else np.float64
    delta = np.abs(a.reshape(-1)[mask].astype(wide) - b.reshape(-1)[mask].astype(wide))
    return Diff(differing, a.size, float(np.max(delta)))

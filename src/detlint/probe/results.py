"""What a probe observed: per mode (default and deterministic), and the verdict for a finding.

Worker processes send `ModeResult`s as plain JSON; the parent turns them into a `ProbeResult`, which
every finding of a group shares (with its own notes).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class ProbeStatus(str, enum.Enum):
    CONFIRMED = "confirmed"  # repeated runs with identical inputs gave different outputs
    NOT_OBSERVED = "not-observed"  # identical in every run on this device and version
    RAISES = "raises-in-deterministic-mode"  # no difference seen, and deterministic mode raises
    SKIPPED = "skipped"  # not run: no framework, no device, no recipe, a timeout or a crash

    def __str__(self) -> str:
        return self.value


# Why nothing of a backend can run on this machine, in a worker's `unavailable` answer: its framework
# cannot be imported, or the device asked for (`--device cuda`) is absent. An unrun probe is not a pass.
FRAMEWORK, DEVICE = "framework", "device"


@dataclass(frozen=True)
class Unavailable:
    backend: str  # torch | tensorflow | xgboost
    missing: str  # FRAMEWORK | DEVICE


# What one mode of a recipe did: `ran` (compared and timed), `raises` (the framework refused it; in
# deterministic mode, the framework's "no deterministic implementation" error) or `error` (the recipe
# failed in default mode, which makes the whole probe `skipped`).
RAN, RAISES, ERROR = "ran", "raises", "error"


@dataclass(frozen=True)
class ModeResult:
    outcome: str  # ran | raises | error
    runs: int = 0
    differing_runs: int = 0  # runs whose outputs differ bitwise from the first run's
    max_abs_diff: float | None = None  # largest |difference| over the differing elements (None: not finite)
    differing_share: float = 0.0  # the largest share of output elements that differ, over the runs
    seconds: float | None = None  # median time of one call (after a warm-up call)
    samples: int = 0  # how many timed calls the median is over
    message: str | None = None  # raises / error: the framework's message

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ModeResult:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in raw.items() if key in known})

    @property
    def differs(self) -> bool:
        return self.outcome == RAN and self.differing_runs > 0


@dataclass(frozen=True)
class Environment:
    """Where a recipe ran."""

    framework: str
    version: str | None = None
    device: str | None = None  # cpu | cuda
    gpu: str | None = None  # the GPU's name on CUDA
    threads: int | None = None  # the framework's CPU threads
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. cuDNN's version

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Environment:
        known = ("framework", "version", "device", "gpu", "threads")
        return cls(
            **{key: raw[key] for key in known if key in raw},
            extra={key: value for key, value in raw.items() if key not in known},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "version": self.version,
            "device": self.device,
            "gpu": self.gpu,
            "threads": self.threads,
            **self.extra,
        }

    def describe(self) -> str:
        where = self.gpu or self.device or "?"
        if self.device == "cuda" and self.gpu:
            where = f"cuda ({self.gpu})"
        threads = f", {self.threads} threads" if self.threads else ""
        return f"{self.framework} {self.version or '?'} on {where}{threads}"


@dataclass(frozen=True)
class ProbeResult:
    status: ProbeStatus
    recipe: str | None = None
    variant: Mapping[str, Any] = field(default_factory=dict)  # the recipe's parameters: what ran
    reason: str | None = None  # skipped: why
    default: ModeResult | None = None
    deterministic: ModeResult | None = None
    environment: Environment | None = None
    notes: tuple[str, ...] = ()
    unavailable: Unavailable | None = None  # skipped because nothing of its backend can run here

    @classmethod
    def skipped(cls, reason: str, *, recipe: str | None = None, variant: Mapping[str, Any] | None = None,
                environment: Environment | None = None,
                unavailable: Unavailable | None = None) -> ProbeResult:  # fmt: skip
        return cls(ProbeStatus.SKIPPED, recipe, dict(variant or {}), reason, environment=environment,
                   unavailable=unavailable)  # fmt: skip

    @classmethod
    def from_modes(
        cls,
        recipe: str,
        variant: Mapping[str, Any],
        default: ModeResult,
        deterministic: ModeResult | None,
        environment: Environment | None,
    ) -> ProbeResult:
        """The verdict: confirmed when the default mode's runs differ (whatever deterministic mode does),
        else raises-in-deterministic-mode when that mode raises, else not-observed. A recipe that fails
        in default mode is skipped: nothing was observed about the op."""
        if default.outcome != RAN:
            reason = f"the recipe failed on this device: {default.message or 'unknown error'}"
            return cls(ProbeStatus.SKIPPED, recipe, dict(variant), reason, default, deterministic, environment)
        if default.differs:
            status = ProbeStatus.CONFIRMED
        elif deterministic is not None and deterministic.outcome == RAISES:
            status = ProbeStatus.RAISES
        else:
            status = ProbeStatus.NOT_OBSERVED
        return cls(status, recipe, dict(variant), None, default, deterministic, environment)

    @property
    def fixed_by_deterministic_mode(self) -> bool | None:
        """Whether deterministic mode removed an observed difference (None: nothing to fix, or not run)."""
        if self.default is None or not self.default.differs or self.deterministic is None:
            return None
        return self.deterministic.outcome == RAN and self.deterministic.differing_runs == 0

    @property
    def time_ratio(self) -> float | None:
        """Deterministic mode's median time over the default mode's."""
        default, deterministic = self.default, self.deterministic
        if default is None or deterministic is None or default.outcome != RAN or deterministic.outcome != RAN:
            return None
        if not default.seconds or deterministic.seconds is None:
            return None
        return deterministic.seconds / default.seconds

    def to_dict(self) -> dict[str, Any]:
        """The `probe` object of a finding in JSON and SARIF output."""
        default, deterministic = self.default, self.deterministic
        ran = default is not None and default.outcome == RAN
        document: dict[str, Any] = {
            "status": self.status.value,
            "recipe": self.recipe,
            "variant": dict(self.variant),
            "runs": default.runs if ran else None,
            "differing_runs": default.differing_runs if ran else None,
            "max_abs_diff": _number(default.max_abs_diff) if ran else None,
            "differing_share": _number(default.differing_share) if ran else None,
            "deterministic_mode": _mode_document(deterministic, self.fixed_by_deterministic_mode),
            "timing": {
                "default_s": _number(default.seconds) if ran else None,
                "deterministic_s": _number(deterministic.seconds)
                if deterministic is not None and deterministic.outcome == RAN
                else None,
                "ratio": _number(self.time_ratio),
                "samples": default.samples if ran else None,
            },
            "environment": self.environment.to_dict() if self.environment else None,
        }
        if self.reason:
            document["reason"] = self.reason
        if self.notes:
            document["notes"] = list(self.notes)
        return document


def _mode_document(result: ModeResult | None, fixed: bool | None) -> dict[str, Any]:
    if result is None:
        return {"outcome": "not-run", "runs": None, "differing_runs": None, "fixed": None, "message": None}
    ran = result.outcome == RAN
    return {
        "outcome": result.outcome,
        "runs": result.runs if ran else None,
        "differing_runs": result.differing_runs if ran else None,
        "fixed": fixed,
        "message": result.message,
    }


def _number(value: float | None) -> float | None:
    """JSON has no infinities or NaN; round to keep reports short and stable."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.6g}")

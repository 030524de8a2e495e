"""What the probe tests share: the fixtures, findings built by hand, and whether a framework is there."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from detlint.finding import Confidence, Finding, Severity, Span

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "probe"
FINDINGS_FILE = FIXTURES / "findings.json"
SIDE_EFFECTS = FIXTURES / "side-effects"


def installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def op_finding(
    op: str,
    recipe: str | None,
    arguments: dict[str, Any] | None = None,
    *,
    catalog: str = "torch_ops",
    framework: str = "torch",
    framework_version: str | None = None,
    line: int = 1,
    code: str = "DET201",
) -> Finding:
    """An op finding as the op rules write it."""
    return Finding(
        code=code,
        name="nondeterministic-op",
        message=f"`{op}` is nondeterministic",
        path="train.py",
        span=Span(line, 4, line, 30),
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
        fingerprint=f"{op}-{line}",
        properties={
            "catalog": catalog,
            "op": op,
            "probe": recipe,
            "arguments": dict(arguments or {}),
            "framework": framework,
            "framework_version": framework_version,
        },
    )


def plain_finding(line: int = 1) -> Finding:
    return Finding(
        code="DET101",
        name="unseeded-rng",
        message="unseeded",
        path="train.py",
        span=Span(line, 0, line, 10),
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
    )

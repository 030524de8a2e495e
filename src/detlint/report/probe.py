"""The probe section of the audit page, read from a `detlint probe --output-format json` result: per op,
how many runs were compared, how many differed, the largest difference, and what deterministic mode
costs; and the devices and versions measured."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ProbeFileError(Exception):
    """A --probe file that is not a probe result."""


@dataclass(frozen=True)
class ProbeRow:
    op: str  # the finding's code and place, and the recipe run
    status: str
    runs: int | None
    differing_runs: int | None
    max_abs_diff: float | None
    overhead_percent: float | None  # deterministic mode's extra time, in % of the default's
    deterministic_mode: str  # what deterministic mode did: "fixes it", "ran", "raises", "not-run", ...
    reason: str | None


def load_probe(path: Path) -> tuple[list[ProbeRow], list[Mapping[str, Any]]]:
    """The probed findings' rows and the environments measured."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProbeFileError(f"cannot read {path}: {error.strerror or error}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ProbeFileError(f"{path} is not JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise ProbeFileError(f"{path} is not a `detlint probe --output-format json` result (no `findings` list)")
    try:
        return _rows(document["findings"]), _environments(document)
    except (AttributeError, TypeError, ValueError) as error:
        raise ProbeFileError(f"{path}: a probe result lacks or mistypes a field ({error})") from None


def _rows(findings: list[Any]) -> list[ProbeRow]:
    rows = []
    for finding in findings:
        probe = finding.get("probe") if isinstance(finding, dict) else None
        if not isinstance(probe, dict):
            continue
        ratio = _number((probe.get("timing") or {}).get("ratio"), float)
        mode = probe.get("deterministic_mode") or {}
        rows.append(
            ProbeRow(
                op=f"{finding.get('code', '?')} {finding.get('path', '?')}:{finding.get('line', '?')} "
                f"({probe.get('recipe') or 'no recipe'})",
                status=str(probe.get("status", "?")),
                runs=_number(probe.get("runs"), int),
                differing_runs=_number(probe.get("differing_runs"), int),
                max_abs_diff=_number(probe.get("max_abs_diff"), float),
                overhead_percent=(ratio - 1) * 100 if ratio is not None else None,
                deterministic_mode="fixes it" if mode.get("fixed") else str(mode.get("outcome", "not-run")),
                reason=probe.get("reason"),
            )
        )
    return rows


def _environments(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    environments = (document.get("probe") or {}).get("environments") or []
    return [environment for environment in environments if isinstance(environment, dict)]


def _number(value: object, kind: type) -> Any:
    """A JSON number as `kind`, None for null; anything else is a mistyped field."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{value!r} is not a number")
    return kind(value)

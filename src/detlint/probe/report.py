"""Probe results merged into the findings: a text table (rich), JSON (a `probe` object per finding, in
the format of `detlint check --output-format json`) and SARIF (`properties.probe` of each result,
written by the SARIF reporter itself)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detlint import __version__
from detlint.finding import Confidence, Finding, RelatedLocation, Severity, Span
from detlint.probe.results import FRAMEWORK, ProbeResult, ProbeStatus
from detlint.reporters import json_report, sarif

if TYPE_CHECKING:
    from detlint.checks.index import RuleIndex

FORMATS = ("text", "json", "sarif")


class FindingsFileError(Exception):
    """A --from file that is not detlint's JSON findings."""


def load_findings(path: Path) -> list[Finding]:
    """The findings of a `detlint check --output-format json` report."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise FindingsFileError(f"cannot read {path}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise FindingsFileError(f"{path} is not JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise FindingsFileError(f"{path} is not a detlint JSON report (no `findings` list)")
    if document.get("version") != json_report.SCHEMA_VERSION:
        raise FindingsFileError(
            f"{path} has report version {document.get('version')!r}; this detlint reads version "
            f"{json_report.SCHEMA_VERSION}"
        )
    try:
        return [finding_from_dict(raw) for raw in document["findings"]]
    except (KeyError, TypeError, ValueError) as error:
        raise FindingsFileError(f"{path}: a finding lacks or mistypes {error}") from None


def finding_from_dict(raw: Mapping[str, Any]) -> Finding:
    """The inverse of `json_report.finding_to_dict` (columns there are 1-based)."""
    line, column = int(raw["line"]), int(raw["column"])
    span = Span(line, column - 1, int(raw.get("end_line", line)), int(raw.get("end_column", column)) - 1)
    related = tuple(
        RelatedLocation(
            str(item["path"]),
            Span(int(item["line"]), int(item.get("column", 1)) - 1, int(item["line"]), int(item.get("column", 1)) - 1),
            str(item.get("message", "")),
        )
        for item in raw.get("related", ())
    )
    cell = (int(raw["cell"]), int(raw["cell_line"])) if "cell" in raw and "cell_line" in raw else None
    properties = raw.get("properties") or {}
    if not isinstance(properties, Mapping):
        raise TypeError("properties")
    return Finding(
        code=str(raw["code"]),
        name=str(raw.get("name", "")),
        message=str(raw.get("message", "")),
        detail=str(raw.get("detail", "")),
        help=str(raw.get("help", "")),
        path=str(raw["path"]),
        span=span,
        severity=Severity(raw.get("severity", "warning")),
        confidence=Confidence(raw.get("confidence", "medium")),
        fingerprint=str(raw.get("fingerprint", "")),
        related=related,
        cell=cell,
        properties=dict(properties),
    )


def unavailable_notes(results: Sequence[ProbeResult | None]) -> list[str]:
    """What keeps recipes from running on this machine, and what to do about it: one line per backend
    whose framework cannot be imported or whose device is absent."""
    from detlint.probe.backends import BACKENDS

    notes: dict[tuple[str, str], str] = {}
    for result in results:
        if result is None or result.unavailable is None:
            continue
        backend, missing = BACKENDS[result.unavailable.backend], result.unavailable.missing
        if (backend.name, missing) in notes:
            continue
        if missing == FRAMEWORK:
            note = (f"{result.reason}: install it where detlint runs, with `pip install \"detlint[{backend.extra}]\"` "
                    "(or your platform's build of it)")  # fmt: skip
        else:
            note = f"no usable GPU for {backend.name}: {result.reason}"
        notes[(backend.name, missing)] = note
    return list(notes.values())


def ran_any(results: Sequence[ProbeResult | None]) -> bool:
    """Whether some recipe ran, whatever it found."""
    return any(result is not None and result.status is not ProbeStatus.SKIPPED for result in results)


def render(
    output_format: str,
    findings: Sequence[Finding],
    results: Sequence[ProbeResult | None],
    *,
    rules: RuleIndex | None = None,
    root: Path | None = None,
    base: Path | None = None,
    color: bool = False,
    width: int | None = None,
) -> str:
    """`root`: the project root (JSON's `root`); `base`: the directory the paths are relative to
    (SARIF's `%SRCROOT%`). Either may be unknown (None), as for findings read from a file."""
    if output_format == "json":
        return render_json(findings, results, root=root)
    if output_format == "sarif":
        return render_sarif(findings, results, rules=rules, base=base)
    return render_text(findings, results, color=color, width=width)


def render_json(
    findings: Sequence[Finding], results: Sequence[ProbeResult | None], *, root: Path | None = None
) -> str:
    documents = []
    for finding, result in zip(findings, results):
        document = json_report.finding_to_dict(finding)
        if result is not None:
            document["probe"] = result.to_dict()
        documents.append(document)
    report: dict[str, Any] = {"version": json_report.SCHEMA_VERSION}
    report["tool"] = {"name": "detlint", "version": __version__}
    if root is not None:
        report["root"] = json_report.root_field(root)
    report["probe"] = {"environments": _environments(results)}
    report["findings"] = documents
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render_sarif(
    findings: Sequence[Finding],
    results: Sequence[ProbeResult | None],
    *,
    rules: RuleIndex | None = None,
    base: Path | None = None,
) -> str:
    """The SARIF reporter's log; a probed finding's `properties.probe` (the recipe name the analyzer
    wrote) becomes the probe object, which names the recipe too."""
    merged = [
        replace(finding, properties={**finding.properties, "probe": result.to_dict()}) if result else finding
        for finding, result in zip(findings, results)
    ]
    return sarif.render(merged, rules=rules, base=base)


def _environments(results: Sequence[ProbeResult | None]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for result in results:
        if result is not None and result.environment is not None:
            document = result.environment.to_dict()
            seen.setdefault(json.dumps(document, sort_keys=True), document)
    return list(seen.values())


# -- text ------------------------------------------------------------------------------------------------

_STYLES = {
    ProbeStatus.CONFIRMED: "bold red",
    ProbeStatus.RAISES: "yellow",
    ProbeStatus.NOT_OBSERVED: "green",
    ProbeStatus.SKIPPED: "dim",
}


def render_text(
    findings: Sequence[Finding], results: Sequence[ProbeResult | None], *, color: bool = False, width: int | None = None
) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width or 160, soft_wrap=False,
                      highlight=False)  # fmt: skip
    probed = [(finding, result) for finding, result in zip(findings, results) if result is not None]
    if not probed:
        console.print("detlint probe: no finding names a catalogued op to probe.")
        return buffer.getvalue()
    for environment in sorted({result.environment.describe() for _, result in probed if result.environment}):
        console.print(f"Probed with {environment}", markup=False)
    table = Table(box=None, pad_edge=False, show_edge=False)
    for heading, justify in (("Location", "left"), ("Op", "left"), ("Status", "left"), ("Differing runs", "right"),
                             ("max |Δ|", "right"), ("Elements", "right"), ("Deterministic mode", "left"),
                             ("Time ratio", "right")):  # fmt: skip
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    details: list[str] = []
    for finding, result in probed:
        location = f"{finding.path}:{finding.span.line}"
        op = str(finding.properties.get("op") or result.recipe or "?")
        table.add_row(
            Text(location),  # text from files and rules is never markup
            Text(op),
            f"[{_STYLES[result.status]}]{result.status.value}[/]",
            *_numbers(result),
            _deterministic_text(result),
            f"{result.time_ratio:.2f}x" if result.time_ratio is not None else "-",
        )
        for line in ([result.reason] if result.reason else []) + list(result.notes):
            details.append(f"{location} ({op}): {line}")
    console.print(table)
    for line in dict.fromkeys(details):
        console.print(line, markup=False)
    console.print(_summary(result for _, result in probed), markup=False)
    return buffer.getvalue()


def _numbers(result: ProbeResult) -> tuple[str, str, str]:
    default = result.default
    if default is None or default.outcome != "ran":
        return "-", "-", "-"
    runs = f"{default.differing_runs}/{default.runs}"
    if not default.differing_runs:
        return runs, "0", "0%"
    delta = f"{default.max_abs_diff:.3g}" if default.max_abs_diff is not None else "non-finite"
    return runs, delta, f"{default.differing_share:.2%}"


def _deterministic_text(result: ProbeResult) -> str:
    mode = result.deterministic
    if result.status is ProbeStatus.SKIPPED or mode is None:
        return "-"
    if mode.outcome == "raises":
        return "raises"
    if mode.outcome != "ran":
        return "failed"
    if result.fixed_by_deterministic_mode:
        return "fixed"
    if mode.differing_runs:
        return f"still differs ({mode.differing_runs}/{mode.runs})"
    return "identical"


def _summary(results) -> str:
    counts: dict[ProbeStatus, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    parts = [f"{counts[status]} {status.value}" for status in ProbeStatus if counts.get(status)]
    return "detlint probe: " + ", ".join(parts) + "."

"""Wording and DET001 findings DET401–DET403 share."""

from __future__ import annotations

import re

from detlint.checks.det0_meta.det001_parse_error import ParseError
from detlint.dependency_files.records import Requirement
from detlint.finding import Finding, Span
from detlint.project.dependencies import ProjectDeps


def pinned_line(requirement: Requirement, version: str) -> str:
    """The line to write so that `requirement` pins `version`, in its file's own syntax."""
    if requirement.ecosystem == "conda":
        channel = f"{requirement.channel}::" if requirement.channel else ""
        return f"{channel}{requirement.name}={version.split('+', 1)[0]}"
    if requirement.ecosystem in ("pipfile", "poetry"):
        value = f"=={version}" if requirement.ecosystem == "pipfile" else version
        if re.search(r'\bversion = "[^"]*"', requirement.text):  # a table: keep its other keys
            return re.sub(r'\bversion = "[^"]*"', f'version = "{value}"', requirement.text, count=1)
        return f'{requirement.name} = "{value}"'
    extras = f"[{','.join(requirement.extras)}]" if requirement.extras else ""
    marker = f"; {requirement.marker}" if requirement.marker else ""
    return f"{requirement.name}{extras}=={version}{marker}"


def short_text(requirement: Requirement) -> str:
    """A requirement in a few characters: `torch>=2.1`, `torch = "^2.1"`."""
    if requirement.ecosystem in ("pipfile", "poetry"):
        return f'{requirement.name} = "{requirement.specifier or "*"}"'
    return requirement.text


def include_findings(deps: ProjectDeps) -> list[Finding]:
    """DET001 for `-r`/`-c` includes pip cannot follow (a missing file, a cycle)."""
    findings = []
    for problem in deps.include_problems:
        span = problem.include.span
        where_span = Span(span.line, span.column, span.end_line, span.end_column)
        findings.append(
            ParseError.finding(
                problem.path, where_span, problem.message, detail=problem.detail, help=problem.help,
                related=problem.related, anchor=f"include:{problem.include.target}",
            )  # fmt: skip
        )
    return findings

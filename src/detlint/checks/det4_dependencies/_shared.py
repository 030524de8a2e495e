"""Wording and DET001 findings DET401–DET403 share."""

from __future__ import annotations

import re
from collections.abc import Iterator

from detlint.catalogs.dependencies import PINNABLE_FORMATS
from detlint.checks.det0_meta.det001_parse_error import ParseError
from detlint.dependency_files.records import DependencyFile, Requirement
from detlint.finding import Finding, Span
from detlint.project.dependencies import ProjectDeps
from detlint.project.entry_points import serves_only_unkept_runs
from detlint.project.index import ProjectIndex


def run_environments(index: ProjectIndex) -> Iterator[tuple[str, DependencyFile]]:
    """The files that say what the checkout's own runs install, by path: requirements, conda and
    Pipfile environments that are not a lock, a constraint file, a manifest's own requirements (its
    library ranges) or the environment of demos whose results nobody keeps."""
    deps = index.dependencies
    # Constraint files constrain, and files a manifest reads are the package's own ranges (DET402
    # asks for a lock of those): neither is an environment to pin line by line.
    skipped = deps.constraint_files() | deps.metadata_files()
    for path in sorted(deps.discovered):
        file = deps.discovered[path]
        if file.format not in PINNABLE_FORMATS or deps.policy.lock_tool(file) or path in skipped:
            continue
        if not serves_only_unkept_runs(index, path):
            yield path, file


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

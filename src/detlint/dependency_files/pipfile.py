"""Pipenv: `Pipfile` (TOML: `[packages]`, `[dev-packages]`, `[[source]]`) and `Pipfile.lock` (JSON)."""

from __future__ import annotations

import json
import re
from typing import Any

from packaging.utils import canonicalize_name

from detlint.dependency_files.pep508 import RequirementError, is_version, parse_specifier
from detlint.dependency_files.records import DependencyFile, LockedPackage, Option, Problem, Requirement
from detlint.dependency_files.requirements import Collected
from detlint.dependency_files.tables import git_revision, inline, table_fields
from detlint.dependency_files.tomlpos import Positions, load

_CATEGORIES = ("packages", "dev-packages")


def parse_pipfile(display: str, text: str) -> DependencyFile:
    document, problem = load(text)
    if document is None:
        return DependencyFile(display, "pipfile", problems=(problem,) if problem else ())
    positions = Positions(text)
    collected = Collected()
    for index, source in enumerate(document.get("source") or ()):
        if isinstance(source, dict) and isinstance(source.get("url"), str):
            collected.options.append(Option("pipfile-source", source["url"], positions.span(("source", index, "url"))))
    for category in _CATEGORIES:
        table = document.get(category)
        if table is None:
            continue
        if not isinstance(table, dict):
            span = positions.span((category,))
            collected.problems.append(Problem(span.line, span.column, f"`[{category}]` must be a table"))
            continue
        for name, value in table.items():
            _package(category, name, value, positions, collected)
    return collected.freeze(display, "pipfile")


def _package(category: str, name: str, value: Any, positions: Positions, collected: Collected) -> None:
    path = (category, name)
    span = positions.span(path)
    common = table_fields(name, span, category, "pipfile")
    if isinstance(value, dict):
        text = f"{name} = {inline(value)}"
        extras = tuple(item for item in value.get("extras") or () if isinstance(item, str))
        marker = value.get("markers") if isinstance(value.get("markers"), str) else ""
        if isinstance(value.get("git"), str):
            revision, revision_kind = git_revision(value)
            collected.requirements.append(
                Requirement(
                    specifier="", clauses=(), text=text, kind="vcs", url=value["git"], revision=revision,
                    revision_kind=revision_kind, extras=extras, marker=marker, editable=bool(value.get("editable")),
                    **common,
                )
            )  # fmt: skip
            return
        for key, kind in (("file", "url"), ("path", "path")):
            if isinstance(value.get(key), str):
                target = value[key]
                if kind == "url" and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", target):
                    kind = "path"
                collected.requirements.append(
                    Requirement(
                        specifier="", clauses=(), text=text, kind=kind, url=target, extras=extras, marker=marker,
                        editable=bool(value.get("editable")), **common,
                    )
                )  # fmt: skip
                return
        version = value.get("version", "*")
        path = (*path, "version")
    elif isinstance(value, str):
        version, text, extras, marker = value, f'{name} = "{value}"', (), ""
    else:
        collected.problems.append(Problem(span.line, span.column, f"`{name}` must be a version string or a table"))
        return
    if not isinstance(version, str):
        collected.problems.append(Problem(span.line, span.column, f"`{name}`: `version` must be a string"))
        return
    specifier = version.strip()
    if is_version(specifier):
        specifier = "==" + specifier  # a bare version names that version
    try:
        clauses = () if specifier in ("*", "") else parse_specifier(specifier, 0, name)
    except RequirementError as error:
        where = positions.span(path)
        collected.problems.append(Problem(where.line, where.column, f"invalid version `{version}` for `{name}`: {error.message}"))
        return
    collected.requirements.append(
        Requirement(specifier=version, clauses=clauses, text=text, extras=extras, marker=marker, **common)
    )


def parse_pipfile_lock(display: str, text: str) -> DependencyFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return DependencyFile(
            display, "pipfile.lock", problems=(Problem(error.lineno, error.colno - 1, f"not valid JSON: {error.msg}"),)
        )
    except RecursionError:
        return DependencyFile(display, "pipfile.lock", problems=(Problem(1, 0, "not valid JSON: nested too deeply"),))
    if not isinstance(document, dict):
        return DependencyFile(display, "pipfile.lock", problems=(Problem(1, 0, "a Pipfile.lock must be a JSON object"),))
    locked = []
    for category in ("default", "develop"):
        packages = document.get(category)
        if not isinstance(packages, dict):
            continue
        cursor = _key_offset(text, category, 0)
        for name, entry in packages.items():
            cursor = _key_offset(text, name, cursor)
            version = entry.get("version", "") if isinstance(entry, dict) else ""
            line = text.count("\n", 0, cursor) + 1
            if isinstance(version, str) and version.startswith("=="):
                locked.append(LockedPackage(name, canonicalize_name(name), version[2:], line))
            elif isinstance(entry, dict) and entry.get("ref"):  # a VCS package locked to a commit
                locked.append(LockedPackage(name, canonicalize_name(name), "", line))
    return DependencyFile(display, "pipfile.lock", locked=tuple(locked))


def _key_offset(text: str, key: str, start: int) -> int:
    match = re.compile(r'"' + re.escape(key) + r'"\s*:').search(text, start)
    return match.start() if match else start

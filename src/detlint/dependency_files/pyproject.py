"""`pyproject.toml`: PEP 621 `[project]` dependencies and extras, PEP 735 `[dependency-groups]`,
`[build-system] requires`, Poetry (`[tool.poetry]` dependencies and groups, `^`/`~` constraints),
PDM dev-dependencies and sources, and uv (`[tool.uv]` dev, constraint and override dependencies,
`sources`, indexes)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from packaging.utils import canonicalize_name

from detlint.dependency_files.pep508 import RequirementError, is_version, parse_clause
from detlint.dependency_files.records import Clause, DependencyFile, Option, Problem, Requirement
from detlint.dependency_files.requirements import Collected, build_requirement, parse_line
from detlint.dependency_files.tables import git_revision, inline, table_fields
from detlint.dependency_files.tomlpos import Path, Positions, load, string_locator

# `[tool.*]` tables of tools that manage (and lock) dependencies.
DEPENDENCY_TOOLS = ("poetry", "pdm", "uv", "hatch", "rye", "pixi", "setuptools", "flit", "pipenv")


def parse_pyproject(display: str, text: str) -> DependencyFile:
    document, problem = load(text)
    if document is None:
        return DependencyFile(display, "pyproject", problems=(problem,) if problem else ())
    reader = _Reader(Positions(text))
    reader.read(document)
    tool = document.get("tool") if isinstance(document.get("tool"), dict) else {}
    tools = tuple(name for name in DEPENDENCY_TOOLS if isinstance(tool.get(name), dict))
    return DependencyFile(
        path=display,
        format="pyproject",
        requirements=tuple(reader.collected.requirements),
        options=tuple(reader.collected.options),
        problems=tuple(reader.collected.problems),
        tools=tools,
        metadata_sources=_dynamic_files(tool),
        distribution=_distribution(document, tool),
        published=any(
            isinstance(table, dict) and bool(table.get("classifiers")) for table in (document.get("project"), tool.get("poetry"))
        ),
    )


def _distribution(document: dict, tool: dict) -> str | None:
    """The project's own name: PEP 621 `[project] name`, else Poetry's `[tool.poetry] name`."""
    for table in (document.get("project"), tool.get("poetry")):
        name = table.get("name") if isinstance(table, dict) else None
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def _dynamic_files(tool: dict) -> tuple[str, ...]:
    """`[tool.setuptools.dynamic] dependencies = {file = ["requirements.txt"]}` (and optional
    dependencies): the files setuptools reads the project's requirements from."""
    setuptools = tool.get("setuptools")
    dynamic = setuptools.get("dynamic") if isinstance(setuptools, dict) else None
    if not isinstance(dynamic, dict):
        return ()
    tables = [dynamic.get("dependencies")]
    optional = dynamic.get("optional-dependencies")
    if isinstance(optional, dict):
        tables.extend(optional.values())
    found: list[str] = []
    for table in tables:
        files = table.get("file") if isinstance(table, dict) else None
        found.extend(files if isinstance(files, list) else [files] if isinstance(files, str) else [])
    return tuple(name for name in found if isinstance(name, str))


def _dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


class _Reader:
    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self.collected = Collected()

    def problem(self, path: Path, message: str) -> None:
        span = self.positions.span(path)
        self.collected.problems.append(Problem(span.line, span.column, message))

    def read(self, document: dict[str, Any]) -> None:
        project = _table(document, "project")
        self.pep508_list(("project", "dependencies"), project.get("dependencies"))
        extras = project.get("optional-dependencies")
        if self.is_table(("project", "optional-dependencies"), extras):
            for extra, items in extras.items():
                self.pep508_list(("project", "optional-dependencies", extra), items)
        groups = document.get("dependency-groups")
        if self.is_table(("dependency-groups",), groups):
            for group, items in groups.items():
                self.pep508_list(("dependency-groups", group), items, groups=True)
        self.pep508_list(("build-system", "requires"), _table(document, "build-system").get("requires"))
        tool = _table(document, "tool")
        self.poetry(_table(tool, "poetry"))
        self.pdm(_table(tool, "pdm"))
        self.uv(_table(tool, "uv"))

    def is_table(self, path: Path, value: Any) -> bool:
        if value is None:
            return False
        if not isinstance(value, dict):
            self.problem(path, f"`{_dotted(path)}` must be a table")
            return False
        return True

    # -- PEP 508 string lists ----------------------------------------------------------------------
    def pep508_list(self, path: Path, items: Any, *, groups: bool = False, pip_style: bool = False) -> None:
        if items is None:
            return
        if not isinstance(items, list):
            self.problem(path, f"`{_dotted(path)}` must be a list of requirement strings")
            return
        for index, item in enumerate(items):
            where = (*path, index)
            if isinstance(item, str):
                self.pep508(where, item, _dotted(path), pip_style=pip_style)
            elif groups and isinstance(item, dict) and set(item) == {"include-group"}:
                continue  # PEP 735 group include
            else:
                self.problem(where, f"`{_dotted(path)}` entries must be requirement strings, got {item!r}")

    def pep508(self, path: Path, value: str, section: str, *, pip_style: bool = False) -> None:
        span, locate = string_locator(self.positions, path, value)
        lines = (span.line, span.end_line)
        if pip_style:  # PDM dev-dependencies also take `-e path` and `-e git+...`
            parse_line(value, locate, self.collected, section, lines, allow_options=False)
            return
        build = build_requirement(value, 0, locate, section, lines, self.collected, strict=True)
        if build is not None:
            self.collected.requirements.append(build)

    # -- Poetry -------------------------------------------------------------------------------------
    def poetry(self, poetry: dict[str, Any]) -> None:
        base: Path = ("tool", "poetry")
        self.poetry_table((*base, "dependencies"), poetry.get("dependencies"))
        self.poetry_table((*base, "dev-dependencies"), poetry.get("dev-dependencies"))
        groups = poetry.get("group")
        if self.is_table((*base, "group"), groups):
            for group, table in groups.items():
                if isinstance(table, dict):
                    self.poetry_table((*base, "group", group, "dependencies"), table.get("dependencies"))
        for index, source in enumerate(poetry.get("source") or ()):
            if isinstance(source, dict) and isinstance(source.get("url"), str):
                self.option("poetry-source", source["url"], (*base, "source", index, "url"))

    def option(self, name: str, value: str, path: Path) -> None:
        self.collected.options.append(Option(name, value, self.positions.span(path)))

    def poetry_table(self, path: Path, table: Any) -> None:
        if not self.is_table(path, table):
            return
        for name, value in table.items():
            if canonicalize_name(name) == "python":
                continue
            where = (*path, name)
            if isinstance(value, list):
                for index, item in enumerate(value):
                    self.poetry_dependency((*where, index), name, item, _dotted(path))
            else:
                self.poetry_dependency(where, name, value, _dotted(path))

    def poetry_dependency(self, path: Path, name: str, value: Any, section: str) -> None:
        span = self.positions.span(path)
        common = table_fields(name, span, section, "poetry")
        if isinstance(value, str):
            clauses = self.poetry_constraint(path, value)
            if clauses is not None:
                self.collected.requirements.append(
                    Requirement(specifier=value, clauses=clauses, text=f'{name} = "{value}"', **common)
                )
            return
        if not isinstance(value, dict):
            self.problem(path, f"`{name}` must be a version constraint string or a table")
            return
        extras = tuple(str(extra) for extra in value.get("extras") or () if isinstance(extra, str))
        marker = str(value.get("markers") or "")
        text = f"{name} = {inline(value)}"
        if isinstance(value.get("git"), str):
            revision, revision_kind = git_revision(value)
            self.collected.requirements.append(
                Requirement(
                    specifier="", clauses=(), text=text, kind="vcs", url=value["git"], revision=revision,
                    revision_kind=revision_kind, extras=extras, marker=marker, **common,
                )
            )  # fmt: skip
            return
        for key, kind in (("url", "url"), ("path", "path")):
            if isinstance(value.get(key), str):
                self.collected.requirements.append(
                    Requirement(
                        specifier="", clauses=(), text=text, kind=kind, url=value[key], extras=extras,
                        marker=marker, editable=bool(value.get("develop")), **common,
                    )
                )  # fmt: skip
                return
        version = value.get("version", "*")
        if not isinstance(version, str):
            self.problem(path, f"`{name}`: `version` must be a string")
            return
        clauses = self.poetry_constraint((*path, "version"), version)
        if clauses is not None:
            self.collected.requirements.append(
                Requirement(specifier=version, clauses=clauses, text=text, extras=extras, marker=marker, **common)
            )

    def poetry_constraint(self, path: Path, constraint: str) -> tuple[Clause, ...] | None:
        try:
            return poetry_clauses(constraint)
        except RequirementError as error:
            self.problem(path, f"invalid Poetry version constraint `{constraint}`: {error.message}")
            return None

    # -- PDM and uv ----------------------------------------------------------------------------------
    def pdm(self, pdm: dict[str, Any]) -> None:
        base: Path = ("tool", "pdm")
        groups = pdm.get("dev-dependencies")
        if self.is_table((*base, "dev-dependencies"), groups):
            for group, items in groups.items():
                self.pep508_list((*base, "dev-dependencies", group), items, pip_style=True)
        for index, source in enumerate(pdm.get("source") or ()):
            if isinstance(source, dict) and isinstance(source.get("url"), str):
                self.option("pdm-source", source["url"], (*base, "source", index, "url"))

    def uv(self, uv: dict[str, Any]) -> None:
        base: Path = ("tool", "uv")
        for key in ("dev-dependencies", "constraint-dependencies", "override-dependencies"):
            self.pep508_list((*base, key), uv.get(key))
        for index, entry in enumerate(uv.get("index") or ()):
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                self.option("uv-index", entry["url"], (*base, "index", index, "url"))
        sources = uv.get("sources")
        if not self.is_table((*base, "sources"), sources):
            return
        for name, source in sources.items():
            entries = source if isinstance(source, list) else [source]
            for index, entry in enumerate(entries):
                where = (*base, "sources", name, index) if isinstance(source, list) else (*base, "sources", name)
                if isinstance(entry, dict):
                    self.uv_source(canonicalize_name(name), entry, where)

    def uv_source(self, key: str, entry: dict[str, Any], path: Path) -> None:
        """A `[tool.uv.sources]` entry replaces where the same-named requirements come from."""
        if isinstance(entry.get("git"), str):
            revision, revision_kind = git_revision(entry)
            changes = dict(kind="vcs", url=entry["git"], revision=revision, revision_kind=revision_kind)
        elif isinstance(entry.get("url"), str):
            changes = dict(kind="url", url=entry["url"])
        elif isinstance(entry.get("path"), str):
            changes = dict(kind="path", url=entry["path"], editable=bool(entry.get("editable")))
        elif entry.get("workspace") is True:
            changes = dict(kind="path", url="(workspace)")
        else:
            return  # `index = ...`: still a registry requirement
        span = self.positions.span(path)
        requirements = self.collected.requirements
        for position, requirement in enumerate(requirements):
            if requirement.key == key and requirement.kind == "registry":
                requirements[position] = replace(
                    requirement,
                    span=span,
                    statement_lines=(span.line, span.end_line),
                    text=f"{requirement.name} = {inline(entry)}",
                    **changes,
                )


def _table(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


# -- Poetry version constraints (Poetry docs, "Dependency specification") ---------------------------
_POETRY_OPERATOR = re.compile(r"(\^|~=|~|===|==|!=|>=|<=|>|<|=)\s+")
_POETRY_PART = re.compile(r"(?P<op>\^|~=|~|===|==|!=|>=|<=|>|<|=)?(?P<version>.*)")


def poetry_clauses(constraint: str) -> tuple[Clause, ...]:
    """Poetry's constraint language as PEP 440 clauses: `^2.1` is `>=2.1,<3.0`, `~2.1.3` is
    `>=2.1.3,<2.2.0`, a bare `2.1.0` is `==2.1.0`, `*` is anything; `a || b` is kept whole."""
    text = constraint.strip()
    if "||" in text or re.search(r"(?<!\|)\|(?!\|)", text):
        for alternative in re.split(r"\|\|?", text):
            poetry_clauses(alternative)
        return (Clause("||", text),)
    text = _POETRY_OPERATOR.sub(r"\1", text)
    clauses: list[Clause] = []
    for part in (piece for piece in re.split(r"\s*,\s*|\s+", text) if piece):
        if part in ("*", ""):
            continue
        match = _POETRY_PART.fullmatch(part)
        operator, version = (match.group("op") or "", match.group("version")) if match else ("", part)
        if operator in ("^", "~"):
            if not is_version(version):
                raise RequirementError(f"`{version}` is not a version", 0)
            clauses.extend((Clause(">=", version), Clause("<", _upper(version, caret=operator == "^"))))
            continue
        if operator in ("", "="):
            operator = "=="
        clauses.append(parse_clause(operator + version))
    return tuple(clauses)


def _upper(version: str, *, caret: bool) -> str:
    match = re.search(r"[0-9]+(?:\.[0-9]+)*", version)
    release = [int(number) for number in (match.group().split(".") if match else ["0"])]
    if caret:
        index = next((position for position, number in enumerate(release) if number), len(release) - 1)
    else:
        index = min(1, len(release) - 1) if len(release) > 1 else 0
    bumped = release[:index] + [release[index] + 1]
    width = max(len(release), 2)
    return ".".join(str(number) for number in bumped + [0] * (width - len(bumped)))

"""conda: `environment*.yml` (match specs `name=ver=build`, `name==ver`, `name ver build`,
`channel::name`, `name[version=...]`, channels and the `pip:` sub-list), `conda-lock.yml`, and
explicit spec files (`@EXPLICIT` followed by package URLs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

import yaml
from packaging.utils import canonicalize_name

from detlint.dependency_files.pep508 import RequirementError
from detlint.dependency_files.records import Clause, DependencyFile, LockedPackage, Option, Problem, Requirement
from detlint.dependency_files.requirements import Collected, parse_line
from detlint.finding import Span

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
_CONDA_VERSION = re.compile(r"[A-Za-z0-9_.*+!]+")
_OPERATOR = re.compile(r"==|!=|>=|<=|~=|>|<|=")


def compose(text: str) -> tuple[yaml.Node | None, Problem | None]:
    try:
        return yaml.compose(text, Loader=_LOADER), None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column) if mark else (1, 0)
        what = error.problem or error.context or "malformed"
        if error.context and error.problem:
            started = error.context_mark
            where = f" started on line {started.line + 1}" if started and started.line + 1 != line else ""
            what += f" ({error.context}{where})"
        return None, Problem(line, column, f"not valid YAML: {what}")
    except (yaml.YAMLError, RecursionError) as error:
        return None, Problem(1, 0, f"not valid YAML: {error}")


def _mapping(node: yaml.Node | None) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {key.value: (key, value) for key, value in node.value if isinstance(key, yaml.ScalarNode)}


def _span(node: yaml.Node) -> Span:
    end = node.end_mark
    return Span(node.start_mark.line + 1, node.start_mark.column, end.line + 1, end.column)


def _locator(node: yaml.ScalarNode):
    """Offsets in a scalar's value to positions: exact for a one-line plain or simply quoted scalar."""
    line, column = node.start_mark.line + 1, node.start_mark.column
    quoted = 1 if node.style in ("'", '"') else 0
    single_line = node.start_mark.line == node.end_mark.line
    if single_line:
        return lambda offset: (line, column + quoted + offset)
    return lambda offset: (line, column)


def parse_environment(display: str, text: str) -> DependencyFile:
    root, problem = compose(text)
    if problem:
        return DependencyFile(display, "conda", problems=(problem,))
    top = _mapping(root)
    if "package" in top and "metadata" in top:
        return _conda_lock(display, top)
    collected = Collected()
    if root is not None and not isinstance(root, yaml.MappingNode):
        collected.problems.append(Problem(root.start_mark.line + 1, root.start_mark.column, "a conda environment file must be a mapping (name, channels, dependencies)"))  # noqa: E501
    if "channels" in top:
        _, channels = top["channels"]
        if isinstance(channels, yaml.SequenceNode):
            for item in channels.value:
                if isinstance(item, yaml.ScalarNode):
                    collected.options.append(Option("channel", item.value, _span(item)))
    if "dependencies" in top:
        _, dependencies = top["dependencies"]
        if isinstance(dependencies, yaml.SequenceNode):
            for item in dependencies.value:
                _dependency(item, collected)
        elif not (isinstance(dependencies, yaml.ScalarNode) and dependencies.value in ("", "null", "~")):
            line, column = dependencies.start_mark.line + 1, dependencies.start_mark.column
            collected.problems.append(Problem(line, column, "`dependencies` must be a list"))
    return collected.freeze(display, "conda")


def _dependency(item: yaml.Node, collected: Collected) -> None:
    if isinstance(item, yaml.ScalarNode):
        if item.tag.endswith(":null") or not item.value.strip():
            return
        requirement = conda_requirement(item.value, _locator(item), collected)
        if requirement is not None:
            collected.requirements.append(requirement)
        return
    pip = _mapping(item).get("pip")
    if pip is not None and isinstance(pip[1], yaml.SequenceNode):
        for entry in pip[1].value:
            if isinstance(entry, yaml.ScalarNode) and entry.value.strip():
                lines = (entry.start_mark.line + 1, entry.end_mark.line + 1)
                parse_line(entry.value, _locator(entry), collected, "conda.pip", lines)
        return
    line, column = item.start_mark.line + 1, item.start_mark.column
    collected.problems.append(Problem(line, column, "a conda dependency must be a match spec string or a `pip:` list"))


@dataclass(frozen=True)
class MatchSpec:
    channel: str
    name: str
    version: str  # the version part as written ("" when none)
    build: str
    clauses: tuple[Clause, ...]
    name_start: int


def parse_match_spec(text: str) -> MatchSpec:
    """A conda match spec (conda docs, "Package match specifications")."""
    position = len(text) - len(text.lstrip())
    spec = text.strip()
    channel = ""
    if "::" in spec:
        channel, spec = spec.split("::", 1)
        position += len(channel) + 2
    match = _NAME.match(spec)
    if not match:
        raise RequirementError("expected a package name", position)
    name, rest = match.group(), spec[match.end() :]
    version, build = "", ""
    if rest.lstrip().startswith("["):
        bracket = rest.lstrip()
        if not bracket.endswith("]"):
            raise RequirementError("unclosed `[`", position + match.end())
        for key, _, value in re.findall(r"(\w+)\s*=\s*(['\"]?)(.*?)\2\s*(?:,|$)", bracket[1:-1]):
            if key == "version":
                version = value
            elif key == "build":
                build = value
        return MatchSpec(channel, name, version, build, _conda_clauses(version, bool(build), position), position)
    if rest[:1].isspace():  # `name 1.2.3 build`: a bare version is exact, `1.2.*` a prefix
        parts = rest.split()
        if len(parts) > 1 and _OPERATOR.fullmatch(parts[0]):  # `numpy >= 1.26`
            parts = [parts[0] + parts[1], *parts[2:]]
        if len(parts) > 2:
            raise RequirementError(f"unexpected text `{' '.join(parts[2:])}`", position)
        version = parts[0] if parts else ""
        build = parts[1] if len(parts) > 1 else ""
        if version and not _OPERATOR.match(version):
            version = "==" + version if "*" not in version else "=" + version.rstrip("*").rstrip(".")
        return MatchSpec(channel, name, version, build, _conda_clauses(version, bool(build), position), position)
    if rest.startswith("="):
        if rest.startswith("=="):
            version, _, build = rest[2:].partition("=")
            version = "==" + version
        else:
            version, _, build = rest[1:].partition("=")
            version = "=" + version
    else:
        version = rest
    if rest and not version.lstrip("=<>!~"):
        raise RequirementError(f"expected a version after `{rest}`", position + match.end())
    return MatchSpec(channel, name, version, build, _conda_clauses(version, bool(build), position), position)


def _conda_clauses(version: str, has_build: bool, position: int) -> tuple[Clause, ...]:
    if not version:
        return ()
    if "|" in version:
        return (Clause("||", version),)
    clauses = []
    for part in version.split(","):
        part = part.strip()
        operator_match = _OPERATOR.match(part)
        operator = operator_match.group() if operator_match else "=="
        value = part[operator_match.end() :] if operator_match else part
        if not value or not _CONDA_VERSION.fullmatch(value):
            raise RequirementError(f"invalid version `{part}`", position)
        if value.endswith("*") and operator in ("=", "=="):
            operator, value = "=", value.rstrip("*").rstrip(".")
        clauses.append(Clause(operator, value))
    return tuple(clauses)


def conda_requirement(text: str, locate, collected: Collected) -> Requirement | None:
    try:
        spec = parse_match_spec(text)
    except RequirementError as error:
        line, column = locate(error.offset)
        collected.problems.append(Problem(line, column, f"invalid conda match spec `{text.strip()}`: {error.message}"))
        return None
    stripped = text.strip()
    start = len(text) - len(text.lstrip())
    line, column = locate(start)
    end_line, end_column = locate(start + len(stripped) - 1)
    return Requirement(
        name=spec.name,
        key=canonicalize_name(spec.name),
        specifier=spec.version,
        clauses=spec.clauses,
        span=Span(line, column, end_line, end_column + 1),
        text=stripped,
        section="conda",
        ecosystem="conda",
        build=spec.build,
        channel=spec.channel,
        statement_lines=(line, end_line),
    )


def _conda_lock(display: str, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> DependencyFile:
    locked = []
    _, packages = top["package"]
    if isinstance(packages, yaml.SequenceNode):
        for node in packages.value:
            fields = _mapping(node)
            name, version = fields.get("name"), fields.get("version")
            if name and version and isinstance(name[1], yaml.ScalarNode) and isinstance(version[1], yaml.ScalarNode):
                manager = fields.get("manager")
                ecosystem = "pypi" if manager and getattr(manager[1], "value", "") == "pip" else "conda"
                locked.append(
                    LockedPackage(
                        name[1].value, canonicalize_name(name[1].value), str(version[1].value),
                        name[1].start_mark.line + 1, ecosystem,
                    )
                )  # fmt: skip
    return DependencyFile(display, "conda-lock", locked=tuple(locked))


def parse_conda_lock(display: str, text: str) -> DependencyFile:
    root, problem = compose(text)
    if problem:
        return DependencyFile(display, "conda-lock", problems=(problem,))
    top = _mapping(root)
    if "package" not in top:
        line = root.start_mark.line + 1 if root is not None else 1
        return DependencyFile(display, "conda-lock", problems=(Problem(line, 0, "a conda-lock file needs a `package:` list"),))
    return _conda_lock(display, top)


_PACKAGE_FILE = re.compile(r"(?P<name>.+)-(?P<version>[^-]+)-(?P<build>[^-]+)\.(?:conda|tar\.bz2)$")


def parse_explicit(display: str, text: str) -> DependencyFile:
    """`@EXPLICIT` files: one package URL per line, `name-version-build.conda` at its end."""
    locked = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "@")):
            continue
        filename = unquote(stripped.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1])
        match = _PACKAGE_FILE.match(filename)
        if match:
            name = match.group("name")
            locked.append(LockedPackage(name, canonicalize_name(name), match.group("version"), number, "conda"))
    return DependencyFile(display, "conda-explicit", locked=tuple(locked), header="@EXPLICIT")

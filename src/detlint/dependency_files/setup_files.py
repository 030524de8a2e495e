"""setuptools metadata: `setup.cfg` (`[options] install_requires`, `[options.extras_require]`) and
the literal `install_requires`/`extras_require` of a `setup.py`, read from its syntax tree (never
executed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import libcst as cst

from detlint.dependency_files.records import DependencyFile, Problem
from detlint.dependency_files.requirements import Collected, build_requirement
from detlint.positions import locate

_REQUIREMENTS_FILE = re.compile(r"[\w./-]+\.(?:txt|in)")
_SECTION = re.compile(r"\[(?P<name>[^\]]+)\]\s*(?:[#;].*)?$")
_OPTION = re.compile(r"(?P<key>[^=:\s][^=:]*?)\s*[=:]\s?(?P<value>.*)$")


def parse_setup_cfg(display: str, text: str) -> DependencyFile:
    """The INI structure as configparser reads it (sections, `key = value`, indented continuation
    lines, full-line `#`/`;` comments), keeping every value line's position."""
    collected = Collected()
    section = ""
    key = ""
    values: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if line[0].isspace() and key:
            values[(section, key)].append((number, len(line) - len(line.lstrip()), line.strip()))
            continue
        match = _SECTION.match(stripped)
        if match and not line[0].isspace():
            section, key = match.group("name").strip(), ""
            continue
        match = _OPTION.match(line)
        if match and section and not line[0].isspace():
            key = match.group("key").strip().lower().replace("-", "_")
            first = match.group("value").strip()
            values[(section, key)] = [(number, match.start("value"), first)] if first else []
            continue
        message = "a line outside any [section]" if not section else "not `key = value`, a [section] or an indented value"
        collected.problems.append(Problem(number, 0, f"not valid setup.cfg (INI): {message}: `{stripped}`"))
        key = ""
    sources: list[str] = []
    name_lines = values.get(("metadata", "name"))
    distribution = name_lines[0][2] if name_lines else None
    for (section, key), lines in sorted(values.items(), key=lambda item: item[1][0][0] if item[1] else 0):
        requirements = (section == "options" and key == "install_requires") or section == "options.extras_require"
        if requirements and lines and lines[0][2].startswith("file:"):
            # setuptools' `file:` directive: the requirements are those files' lines.
            sources.extend(name.strip() for name in lines[0][2][5:].split(",") if name.strip())
        elif section == "options" and key == "install_requires":
            _requirement_lines(lines, "install_requires", collected)
        elif section == "options.extras_require":
            _requirement_lines(lines, f"extras_require.{key}", collected)
    frozen = collected.freeze(display, "setup.cfg")
    published = bool(values.get(("metadata", "classifiers")))
    return replace(frozen, metadata_sources=tuple(sources), distribution=distribution or None, published=published)


def _requirement_lines(lines: list[tuple[int, int, str]], section: str, collected: Collected) -> None:
    """setuptools' list: one requirement per line, or `;`-separated on a single line."""
    if len(lines) == 1 and ";" in lines[0][2]:
        number, column, value = lines[0]
        items, offset = [], column
        for part in value.split(";"):
            items.append((number, offset + len(part) - len(part.lstrip()), part.strip()))
            offset += len(part) + 1
        lines = items
    for number, column, value in lines:
        value = re.sub(r"\s+#.*$", "", value)
        if not value or value.startswith("#"):
            continue
        build = build_requirement(
            value, 0, lambda offset, n=number, c=column: (n, c + offset), section, (number, number), collected,
            strict=True,
        )  # fmt: skip
        if build is not None:
            collected.requirements.append(build)


# -- setup.py ---------------------------------------------------------------------------------------
def parse_setup_py(display: str, module: cst.Module) -> DependencyFile:
    """Literal requirement lists passed to `setup(...)`, directly or through module-level names."""
    assignments = dict(_module_assignments(module))
    found: list[tuple[str, cst.BaseExpression]] = []  # (section, string node)
    distribution = None
    published = False
    for call in _setup_calls(module):
        for arg in call.args:
            if arg.keyword is None:
                continue
            keyword = arg.keyword.value
            if keyword == "classifiers":
                published = not (isinstance(arg.value, (cst.List, cst.Tuple)) and not arg.value.elements)
            elif keyword == "name":
                distribution = _literal_string(arg.value, assignments) or distribution
            elif keyword == "install_requires":
                found.extend(("install_requires", node) for node in _strings(arg.value, assignments, 0))
            elif keyword == "extras_require":
                for extra, value in _extras(arg.value, assignments):
                    found.extend((f"extras_require.{extra}", node) for node in _strings(value, assignments, 0))
    sources = _requirement_file_names(module)
    if not found:
        return DependencyFile(display, "setup.py", metadata_sources=sources, distribution=distribution, published=published)
    spans = locate(module, [node for _, node in found])
    collected = Collected()
    for section, node in found:
        value = node.evaluated_value if isinstance(node, cst.SimpleString) else None
        if not isinstance(value, str):
            continue
        where = spans[id(node)]
        line, column = where.line, where.column
        prefix = len(node.prefix) + len(node.quote)
        exact = where.line == where.end_line and node.raw_value == value
        build = build_requirement(
            value,
            0,
            (lambda offset: (line, column + prefix + offset)) if exact else (lambda offset: (line, column)),
            section,
            (where.line, where.end_line),
            collected,
            strict=True,
        )
        if build is not None:
            collected.requirements.append(build)
    frozen = collected.freeze(display, "setup.py")
    return replace(frozen, metadata_sources=sources, distribution=distribution, published=published)


def _literal_string(node: cst.BaseExpression, assignments: dict[str, cst.BaseExpression]) -> str | None:
    """A string literal, or a module-level name bound to one (`NAME = "pkg"; setup(name=NAME)`)."""
    if isinstance(node, cst.Name):
        node = assignments.get(node.value, node)
    value = node.evaluated_value if isinstance(node, cst.SimpleString) else None
    return value.strip() or None if isinstance(value, str) else None


def _requirement_file_names(module: cst.Module) -> tuple[str, ...]:
    """String literals in a setup.py that name a requirements file (`"requirements/base.txt"`, `"base.txt"`):
    the files it reads its requirements from, however it reads them."""
    names: dict[str, None] = {}
    for node in _string_nodes(module):
        value = node.evaluated_value
        if isinstance(value, str) and _REQUIREMENTS_FILE.fullmatch(value):
            names[value] = None
    return tuple(names)


def _string_nodes(module: cst.Module) -> Iterator[cst.SimpleString]:
    class Strings(cst.CSTVisitor):
        def __init__(self) -> None:
            self.found: list[cst.SimpleString] = []

        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            self.found.append(node)

    visitor = Strings()
    module.visit(visitor)
    return iter(visitor.found)


def _module_assignments(module: cst.Module) -> Iterator[tuple[str, cst.BaseExpression]]:
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target = small.targets[0].target
                if isinstance(target, cst.Name):
                    yield target.value, small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
                yield small.target.value, small.value


class _SetupCalls(cst.CSTVisitor):
    def __init__(self) -> None:
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (isinstance(func, cst.Name) and func.value == "setup") or (
            isinstance(func, cst.Attribute) and func.attr.value == "setup" and isinstance(func.value, cst.Name)
            and func.value.value in ("setuptools", "distutils", "core")
        ):  # fmt: skip
            self.calls.append(node)


def _setup_calls(module: cst.Module) -> list[cst.Call]:
    visitor = _SetupCalls()
    module.visit(visitor)
    return visitor.calls


def _strings(node: cst.BaseExpression, assignments: dict[str, cst.BaseExpression], depth: int) -> list[cst.SimpleString]:
    """The string literals of a literal list/tuple, a name bound to one, or a `+` of those."""
    if depth > 10:
        return []
    if isinstance(node, (cst.List, cst.Tuple)):
        return [element.value for element in node.elements if isinstance(element.value, cst.SimpleString)]
    if isinstance(node, cst.Name) and node.value in assignments:
        return _strings(assignments[node.value], assignments, depth + 1)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _strings(node.left, assignments, depth + 1) + _strings(node.right, assignments, depth + 1)
    return []


def _extras(
    node: cst.BaseExpression, assignments: dict[str, cst.BaseExpression]
) -> Iterator[tuple[str, cst.BaseExpression]]:
    if isinstance(node, cst.Name) and node.value in assignments:
        node = assignments[node.value]
    if isinstance(node, cst.Dict):
        for element in node.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                key = element.key.evaluated_value
                if isinstance(key, str):
                    yield key, element.value

"""The package's import graph, read from the sources: no cycle, and no import from a lower layer to a
higher one. Imports under `if TYPE_CHECKING:` are left out: they never run, so they can close no
circle; imports inside functions count (they run, only later)."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"

# Lowest first. A module may import its own layer and the layers below it. Entries are module names
# or package prefixes ending in "."; the longest match places a module.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "floor",
        (
            "detlint", "detlint.finding", "detlint.names", "detlint.positions", "detlint.sources",
            "detlint.notebook", "detlint.walk", "detlint.fixes", "detlint.suppress", "detlint.baseline",
            "detlint.config", "detlint.selection", "detlint.ignore", "detlint.discovery", "detlint.results",
            "detlint.versions", "detlint.revisions", "detlint.checks", "detlint.checks.base", "detlint.checks.index",
            "detlint.analysis.statements",
        ),
    ),
    ("data", ("detlint.catalogs.", "detlint.dependency_files.")),
    ("facts", ("detlint.facts.", "detlint.analysis.")),
    ("project", ("detlint.project.",)),
    ("rules", tuple(f"detlint.checks.{family}." for family in ("det0_meta", "det1_seeding", "det2_ops", "det3_order", "det4_dependencies", "det5_provenance"))),
    ("analysis", ("detlint.engine", "detlint.registry", "detlint.docs")),
    ("run", ("detlint.run.",)),
    ("api", ("detlint.api",)),
    (
        "front ends",
        (
            "detlint.cli", "detlint.__main__", "detlint.testing", "detlint.integrations.",
            "detlint.reporters.", "detlint.probe.", "detlint.server.", "detlint.report.",
        ),
    ),
)  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted((SOURCE / "detlint").rglob("*.py"))}


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (length of the match, layer)
    for rank, (_, members) in enumerate(LAYERS):
        for member in members:
            package = member.endswith(".")
            matches = module.startswith(member) or module == member.rstrip(".") if package else module == member
            if matches and (best is None or len(member) > best[0]):
                best = (len(member), rank)
    return None if best is None else best[1]


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _resolve(name: str) -> str | None:
    """The project module an imported name lives in: the longest known module prefix."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


def imports_of(module: str) -> set[str]:
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    return imports_in(MODULES[module].read_text(encoding="utf-8"), module, package)


def imports_in(source: str, module: str, package: str) -> set[str]:
    tree = ast.parse(source)
    found: set[str] = set()
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if _type_checking_block(node):
            pending.extend(node.orelse)  # type: ignore[attr-defined]
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            pending.extend(ast.iter_child_nodes(node))
            continue
        for name in names:
            if name.split(".")[0] == "detlint":
                target = _resolve(name)
                if target is not None and target != module:
                    found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def test_every_module_has_a_layer():
    assert [module for module in MODULES if layer_of(module) is None] == []


def test_no_import_cycle():
    try:
        tuple(graphlib.TopologicalSorter(GRAPH).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


def test_no_import_from_a_lower_layer_to_a_higher_one():
    upward = sorted(
        f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for module, targets in GRAPH.items()
        for target in targets
        if layer_of(module) is not None and layer_of(target) is not None and layer_of(target) > layer_of(module)
    )
    assert upward == []


def test_rule_families_keep_their_private_modules():
    crossing = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if target.rpartition(".")[2].startswith("_")
        and not target.endswith("__init__")
        and target.rpartition(".")[0] != module.rpartition(".")[0]
        and not module.startswith(target.rpartition(".")[0] + ".")
    )
    assert crossing == []


def test_the_analyzer_never_imports_the_probe():
    probe_users = sorted(
        module
        for module, targets in GRAPH.items()
        if not module.startswith("detlint.probe") and any(target.startswith("detlint.probe") for target in targets)
    )
    assert probe_users == ["detlint.cli"]


def test_the_reader_counts_lazy_imports_and_skips_type_checking_blocks():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import names\n"
        "if TYPE_CHECKING:\n"
        "    from detlint.project.index import ProjectIndex\n"
        "else:\n"
        "    import detlint.walk\n"
        "def later():\n"
        "    from detlint.registry import rule_index\n"
    )
    found = imports_in(source, "detlint.example", "detlint")
    assert found == {"detlint", "detlint.names", "detlint.walk", "detlint.registry"}

"""Per-file facts gathered in the same traversal as the rules: what the project pass needs to know
about a file without parsing it again. Picklable, so they travel from worker processes and the cache."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from detlint.names import ImportTable, dotted_name, literal_value


@dataclass(frozen=True)
class FileFacts:
    path: str
    module: str  # dotted module name, e.g. `pkg.train`
    imports: frozenset[str]  # every module or name imported, fully qualified
    definitions: tuple[str, ...]  # functions and classes defined at module level
    has_main_guard: bool  # an `if __name__ == "__main__":` block


class FactsCollector(cst.BatchableCSTVisitor):
    def __init__(self, path: str, module_name: str, imports: ImportTable) -> None:
        super().__init__()
        self._path = path
        self._module_name = module_name
        self._imports = imports
        self._depth = 0
        self._definitions: list[str] = []
        self._has_main_guard = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._definition(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._definition(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._depth -= 1

    def _definition(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        if self._depth == 0:
            self._definitions.append(node.name.value)
        self._depth += 1

    def visit_If(self, node: cst.If) -> None:
        if self._depth == 0 and is_main_guard(node.test):
            self._has_main_guard = True

    def facts(self) -> FileFacts:
        return FileFacts(
            path=self._path,
            module=self._module_name,
            imports=frozenset(self._imports.imported_modules),
            definitions=tuple(self._definitions),
            has_main_guard=self._has_main_guard,
        )


def is_main_guard(test: cst.BaseExpression) -> bool:
    """`__name__ == "__main__"`, in either order."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    comparison = test.comparisons[0]
    if not isinstance(comparison.operator, cst.Equal):
        return False
    sides = {dotted_name(side) or literal_value(side) for side in (test.left, comparison.comparator)}
    return sides == {"__name__", "__main__"}

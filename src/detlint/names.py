"""Name resolution through a file's own imports, without libcst's (costly) metadata providers.

`ImportTable.from_module` walks statements only (never expressions), so it is cheap, and it sees
imports anywhere in the file, also inside functions: a rule can resolve a call before the import that
binds it has been visited.
"""

from __future__ import annotations

import ast
import builtins
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from detlint.analysis.statements import SIMPLE_STATEMENTS, statements
from detlint.finding import one_line

NOT_LITERAL = object()
# The names Python binds in every module (`print`, `getattr`, `len`): never the project's own.
BUILTIN_NAMES = frozenset(dir(builtins))


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _module_name(node: cst.BaseExpression | None) -> str:
    return "" if node is None else (dotted_name(node) or "")


def literal_value(node: cst.BaseExpression) -> object:
    """The Python value of a literal expression (numbers, strings, True/False/None, tuples, lists,
    negation), or NOT_LITERAL."""
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. "invalid escape sequence" in the user's string
                return ast.literal_eval(cst.Module([]).code_for_node(node))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return NOT_LITERAL
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = literal_value(node.expression)
        return -inner if isinstance(inner, (int, float, complex)) and not isinstance(inner, bool) else NOT_LITERAL
    if isinstance(node, (cst.Tuple, cst.List)):
        items = [literal_value(element.value) for element in node.elements]
        if any(item is NOT_LITERAL for item in items):
            return NOT_LITERAL
        return tuple(items) if isinstance(node, cst.Tuple) else items
    return NOT_LITERAL


def argument(call: cst.Call, keyword: str, position: int | None = None) -> cst.Arg | None:
    """The argument bound to `keyword` (or to the given positional index) in a call."""
    positional = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg
        elif arg.star:
            positional = -1_000_000  # positions after *args are unknowable
        else:
            if position is not None and positional == position:
                return arg
            positional += 1
    return None


def given(arg: cst.Arg | None) -> bool:
    """Whether an argument is there with a value other than a literal None (`seed=0` is given)."""
    return arg is not None and literal_value(arg.value) is not None


@dataclass
class ImportTable:
    """Maps each name a file binds by import to the fully qualified name it stands for."""

    package: str = ""
    bindings: dict[str, str] = field(default_factory=dict)
    star_modules: list[str] = field(default_factory=list)
    imported_modules: set[str] = field(default_factory=set)
    top_level_modules: frozenset[str] = frozenset()  # the first part of every imported name

    @classmethod
    def from_module(cls, module: cst.Module, package: str = "") -> ImportTable:
        table = cls(package=package)
        table._collect(module.body)
        table.top_level_modules = frozenset(name.split(".")[0] for name in table.imported_modules)
        return table

    def _collect(self, body: Sequence[cst.BaseStatement]) -> None:
        for statement in statements(body, into_definitions=True):
            if isinstance(statement, SIMPLE_STATEMENTS):
                for small in statement.body:
                    if isinstance(small, cst.Import):
                        self._add_import(small)
                    elif isinstance(small, cst.ImportFrom):
                        self._add_import_from(small)
                    elif isinstance(small, cst.Assign):
                        self._add_module_alias(small)

    def _add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _module_name(alias.name)
            self.imported_modules.add(full)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bindings[alias.asname.name.value] = full
            else:
                head = full.split(".")[0]
                self.bindings[head] = head

    def _add_import_from(self, node: cst.ImportFrom) -> None:
        module = self.absolute(len(node.relative), _module_name(node.module))
        if module:
            self.imported_modules.add(module)
        if isinstance(node.names, cst.ImportStar):
            self.star_modules.append(module)
            return
        for alias in node.names:
            name = _module_name(alias.name)
            local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            full = f"{module}.{name}" if module else name
            self.bindings[local] = full
            self.imported_modules.add(full)

    def _add_module_alias(self, node: cst.Assign) -> None:
        # `cudnn = torch.backends.cudnn`: a plain alias of an imported dotted name.
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        if not isinstance(node.value, (cst.Name, cst.Attribute)):
            return
        resolved = self.resolve(node.value)
        if resolved and "." in resolved:
            self.bindings[node.targets[0].target.value] = resolved

    def absolute(self, level: int, module: str) -> str:
        """The absolute name of a (possibly relative) module in this file's package."""
        if not level:
            return module
        parts = self.package.split(".") if self.package else []
        base = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
        return ".".join([*base, module] if module else base)

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a Name/Attribute chain whose head is bound by an import, else None."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in self.bindings:
            base = self.bindings[head]
        elif len(self.star_modules) == 1:
            # `from torch import *`: an unbound head most likely comes from the star import.
            base = f"{self.star_modules[0]}.{head}"
        else:
            return None
        return f"{base}.{rest}" if rest else base

    def local_name(self, module: str) -> str | None:
        """The name this file binds to a module (`np` for `import numpy as np`), if any."""
        return next((local for local, full in self.bindings.items() if full == module), None)

    def imports_any(self, top_level_modules: frozenset[str]) -> bool:
        return not self.top_level_modules.isdisjoint(top_level_modules)

    def star_candidates(self, node: cst.BaseExpression) -> list[str]:
        """What an unbound name may stand for when star imports may bind it: one qualified name per
        star module (`from .models import *`, `from .data import *`), in import order."""
        dotted = dotted_name(node)
        if dotted is None or dotted.split(".")[0] in self.bindings:
            return []
        return [f"{module}.{dotted}" for module in self.star_modules]

    def resolved_through_star(self, node: cst.BaseExpression) -> bool:
        dotted = dotted_name(node)
        return dotted is not None and dotted.split(".")[0] not in self.bindings


_EMPTY_MODULE = cst.Module([])


def code_of(node: cst.CSTNode, module: cst.Module | None = None) -> str:
    """A node's source on one line (white space folded), as messages and fingerprints quote it."""
    return one_line((module or _EMPTY_MODULE).code_for_node(node))

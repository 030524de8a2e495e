"""Rule base classes. A rule is one small class: metadata, a doc page (its docstring), VALID/INVALID
examples that are also its tests, and visit methods that call `self.report`.

File rules are libcst batchable visitors: the engine parses a file once and runs every rule in one
traversal. Meta rules (DET0xx) are raised by the engine itself and carry only metadata and examples.
Project rules judge all files' facts after the per-file pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from detlint.finding import Confidence, Finding, Fix, RelatedLocation, Severity, Span, one_line, with_confidence_reason
from detlint.names import NOT_LITERAL, ImportTable, argument, literal_value
from detlint.results import AnalysisOptions

if TYPE_CHECKING:
    from detlint.analysis.model import SemanticModel
    from detlint.catalogs.loader import Catalog
    from detlint.project.index import ProjectIndex

DOC_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References")


class RuleMeta:
    """Metadata shared by every kind of rule; subclasses set the class attributes."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    confidence: ClassVar[Confidence] = Confidence.HIGH
    # Top-level modules a file must import for the rule to run on it; empty means every file.
    frameworks: ClassVar[frozenset[str]] = frozenset()
    fix: ClassVar[str] = "none"
    # Examples: one file's source (analysed as EXAMPLE_PATH) or a small project {path: source}.
    VALID: ClassVar[Sequence[str | Mapping[str, str]]] = ()
    INVALID: ClassVar[Sequence[str | Mapping[str, str]]] = ()
    EXAMPLE_PATH: ClassVar[str] = "example.py"

    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """The first sentence under `## What it does`."""
        match = re.search(r"## What it does\s*\n(.+?)(?:\n\s*\n|$)", cls.doc(), re.S)
        text = one_line(match.group(1)) if match else ""
        return text.split(". ")[0].rstrip(".") + "." if text else ""

    @classmethod
    def references(cls) -> tuple[str, ...]:
        """The URLs linked under `## References`."""
        doc = cls.doc()
        section = doc[doc.find("## References") :] if "## References" in doc else ""
        return tuple(re.findall(r"\]\((https?://[^)\s]+)\)", section))

    @classmethod
    def kind(cls) -> str:
        return "meta" if issubclass(cls, MetaRule) else "project" if issubclass(cls, ProjectRule) else "file"

    @classmethod
    def finding(
        cls,
        path: str,
        span: Span,
        message: str,
        *,
        anchor: str,
        detail: str = "",
        help: str = "",
        scope: str = "",
        occurrence: int = 0,
        confidence: Confidence | None = None,
        statement_lines: tuple[int, int] | None = None,
        related: Iterable[RelatedLocation] = (),
        properties: Mapping[str, object] | None = None,
        fix: Fix | None = None,
    ) -> Finding:
        """A finding of this rule; `anchor` is the flagged text, hashed (without line numbers) into the
        fingerprint together with the scope and the occurrence index. `message` is one sentence;
        `detail` (why) and `help` (what to do) are shown by the full output (see `Finding`)."""
        level = confidence or cls.confidence
        finding = Finding(
            cls.code,
            cls.name,
            message,
            path,
            span,
            cls.severity,
            level,
            statement_lines=statement_lines,
            # Other places only: a related location that is the finding's own says nothing new.
            related=tuple(item for item in related if (item.path, item.span) != (path, span)),
            properties=dict(properties or {}),
            fix=fix,
            detail=with_confidence_reason(detail, level),
            help=help,
        )
        return finding.with_fingerprint(anchor, scope, occurrence)


class MetaRule(RuleMeta):
    """A diagnostic the engine raises itself (unparsable file, internal error, unused suppression)."""

    @classmethod
    def at(
        cls,
        path: str,
        message: str,
        line: int = 1,
        column: int = 0,
        *,
        anchor: str | None = None,
        occurrence: int = 0,
        detail: str = "",
        help: str = "",
        related: Iterable[RelatedLocation] = (),
    ) -> Finding:
        """The finding at one point of a file; its fingerprint hashes `anchor`, the message by default."""
        span = Span(line, column, line, column)
        return cls.finding(
            path, span, message, anchor=message if anchor is None else anchor, occurrence=occurrence,
            detail=detail, help=help, related=related,
        )  # fmt: skip


@dataclass
class Report:
    """A rule's finding before the engine attaches positions, statement span and fingerprint."""

    rule: type[RuleMeta]
    node: cst.CSTNode
    message: str
    confidence: Confidence
    statement: cst.CSTNode | None
    scope: str
    related: tuple[tuple[cst.CSTNode, str], ...] = ()
    fix: FixSpec | None = None
    detail: str = ""
    help: str = ""
    severity: Severity | None = None  # where one rule's findings differ in severity (a branch vs no revision)


@dataclass(frozen=True)
class FixSpec:
    """A fix as rules write it: nodes to replace (or to insert before/after) with new text."""

    description: str
    safe: bool
    replacements: tuple[tuple[cst.CSTNode, str, str], ...]  # (node, "replace"|"before"|"after", text)

    @classmethod
    def replace(cls, node: cst.CSTNode, text: str, description: str, *, safe: bool = True) -> FixSpec:
        return cls(description, safe, ((node, "replace", text),))

    @classmethod
    def insert_after(cls, node: cst.CSTNode, text: str, description: str, *, safe: bool = True) -> FixSpec:
        return cls(description, safe, ((node, "after", text),))


@dataclass
class FileContext:
    """What a file rule may read about the file being checked."""

    path: str
    module: cst.Module
    imports: ImportTable
    catalog: Catalog
    reports: list[Report] = field(default_factory=list)
    failures: list[tuple[type[RuleMeta], BaseException]] = field(default_factory=list)
    # Maintained by the engine's tracker, which runs before the rules at every node.
    statement_stack: list[cst.CSTNode] = field(default_factory=list)
    block_stack: list[cst.CSTNode] = field(default_factory=list)
    scope_stack: list[str] = field(default_factory=list)
    # What the project around the file shows (`AnalysisOptions`): revisions it locks, its root's entries.
    options: AnalysisOptions = field(default_factory=AnalysisOptions)
    # The file's semantic model, filled in by its visitor just after the tracker at every node.
    model: SemanticModel = field(init=False)

    def enclosing_function(self) -> cst.FunctionDef | None:
        """The innermost function the node being visited is in."""
        return next((node for node in reversed(self.statement_stack) if isinstance(node, cst.FunctionDef)), None)


@cache
def visitor_names(cls: type) -> tuple[str, ...]:
    """The `visit_*`/`leave_*` methods a visitor class defines, found once per class (libcst looks
    them up with `inspect` for every instance, that is for every file). libcst's base classes declare
    one for every node type, marked as no-ops: calling those would cost a call per node per rule."""
    return tuple(
        name
        for name in dir(cls)
        if (name.startswith("visit_") or name.startswith("leave_"))
        and callable(getattr(cls, name))
        and not getattr(getattr(cls, name), "_is_no_op", False)
    )


class Rule(RuleMeta, cst.BatchableCSTVisitor):
    """A rule that visits one file's syntax tree."""

    def __init__(self, context: FileContext) -> None:
        super().__init__()
        self.context = context
        self.failed = False

    # -- helpers shared by every rule -------------------------------------------------------------
    @property
    def catalog(self) -> Catalog:
        return self.context.catalog

    def qualname(self, node: cst.BaseExpression) -> str | None:
        return self.context.imports.resolve(node)

    def resolution_confidence(self, node: cst.BaseExpression) -> Confidence:
        """Names reached only through `from x import *` are a guess: one level less sure."""
        return Confidence.MEDIUM if self.context.imports.resolved_through_star(node) else self.confidence

    @staticmethod
    def argument(call: cst.Call, keyword: str, position: int | None = None) -> cst.Arg | None:
        return argument(call, keyword, position)

    @staticmethod
    def literal(node: cst.BaseExpression | None) -> object:
        return NOT_LITERAL if node is None else literal_value(node)

    def enclosing_block(self) -> cst.CSTNode | None:
        """The suite (a branch's body) holding the current statement; None at module level."""
        return self.context.block_stack[-1] if self.context.block_stack else None

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        detail: str = "",
        help: str = "",
        confidence: Confidence | None = None,
        related: Iterable[tuple[cst.CSTNode, str]] = (),
        fix: FixSpec | None = None,
        severity: Severity | None = None,
    ) -> None:
        """Report `node`: `message` is one sentence naming it and the hazard; `detail` says why and
        `help` what to do (see `Finding`)."""
        context = self.context
        context.reports.append(
            Report(
                rule=type(self),
                node=node,
                message=message,
                confidence=confidence or self.confidence,
                statement=context.statement_stack[-1] if context.statement_stack else None,
                scope=".".join(context.scope_stack),
                related=tuple(related),
                fix=fix,
                detail=detail,
                help=help,
                severity=severity,
            )
        )

    # -- isolation: one rule failing on one file never stops the others -----------------------------
    def get_visitors(self) -> dict[str, Callable[[cst.CSTNode], None]]:
        return {name: self._guard(getattr(self, name)) for name in visitor_names(type(self))}

    def _guard(self, method: Callable[[cst.CSTNode], None]) -> Callable[[cst.CSTNode], None]:
        def guarded(node: cst.CSTNode) -> None:
            if self.failed:
                return
            try:
                method(node)
            except RecursionError:
                raise  # the tree is too deep for any visitor: the engine reports the file
            except Exception as error:  # noqa: BLE001 - a crashing rule becomes a DET002 finding
                self.failed = True
                self.context.failures.append((type(self), error))

        return guarded


class ProjectRule(RuleMeta):
    """A rule that judges the project index (all files' facts) after the per-file pass."""

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        raise NotImplementedError

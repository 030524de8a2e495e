"""Per-file analysis: read, decode, parse once, run the facts collector and every applicable file rule
in one traversal, then turn the rules' reports into located, fingerprinted findings.

Nothing in a file can stop the run: undecodable or unparsable input becomes a DET001 finding, a rule
that raises becomes a DET002 finding for that file, and the other rules still report.
"""

from __future__ import annotations

import ast
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Sequence

import libcst as cst

from detlint.analysis.model import SemanticModel
from detlint.catalogs.loader import Catalog
from detlint.checks.base import FileContext, FixSpec, Report, Rule
from detlint.checks.det0_meta.det001_parse_error import ParseError
from detlint.checks.det0_meta.det002_internal_error import InternalError
from detlint.facts.collector import FactsCollector
from detlint.facts.model import is_run_hazard_outside_runs
from detlint.finding import Edit, Finding, Fix, RelatedLocation, Span, with_confidence_reason
from detlint.names import ImportTable, code_of
from detlint.notebook import notebook_module
from detlint.positions import locate, statement_lines, statement_nodes
from detlint.results import AnalysisOptions, FileResult
from detlint.sources import TOO_LARGE_HELP, SourceFile, Unreadable, check_nesting, decode_python, too_large_anchor
from detlint.suppress import parse_suppressions
from detlint.walk import visit_batched

_STATEMENT_NODES = ("SimpleStatementLine", "If", "For", "While", "With", "Try", "TryStar", "Match")
_BLOCK_NODES = ("IndentedBlock", "SimpleStatementSuite")
_SCOPE_NODES = ("FunctionDef", "ClassDef")


class _Tracker(cst.BatchableCSTVisitor):
    """Keeps the statement, block and scope stacks that rules read when they report; it runs before
    the rules at every node."""

    def __init__(self, context: FileContext) -> None:
        super().__init__()
        self.context = context

    def get_visitors(self) -> dict[str, Callable[[cst.CSTNode], None]]:
        statements, blocks = self.context.statement_stack, self.context.block_stack
        visitors: dict[str, Callable[[cst.CSTNode], None]] = {}
        for name in _STATEMENT_NODES:
            visitors[f"visit_{name}"] = statements.append
            visitors[f"leave_{name}"] = lambda _node: statements.pop()
        for name in _BLOCK_NODES:
            visitors[f"visit_{name}"] = blocks.append
            visitors[f"leave_{name}"] = lambda _node: blocks.pop()
        for name in _SCOPE_NODES:
            visitors[f"visit_{name}"] = self._enter_scope
            visitors[f"leave_{name}"] = self._leave_scope
        return visitors

    def _enter_scope(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        self.context.statement_stack.append(node)
        self.context.scope_stack.append(node.name.value)

    def _leave_scope(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        self.context.statement_stack.pop()
        self.context.scope_stack.pop()


class FileAnalyzer:
    """Analyses single files; built once per process with the catalog and the file rules."""

    def __init__(self, catalog: Catalog, rules: Sequence[type[Rule]], options: AnalysisOptions) -> None:
        self.catalog = catalog
        self.rules = tuple(rules)
        self.options = options

    def analyse(self, source: SourceFile) -> FileResult:
        try:
            data = source.path.read_bytes()
        except OSError as error:
            result = FileResult(source.display)
            result.findings.append(ParseError.at(source.display, f"cannot read file: {error.strerror}"))
            return result
        return self.analyse_bytes(source, data)

    def analyse_bytes(self, source: SourceFile, data: bytes) -> FileResult:
        if source.kind == "python":
            return self._analyse_python(source, data)
        if source.kind == "notebook":
            return self._analyse_notebook(source, data)
        if source.kind == "dependency":
            return self._analyse_dependency_file(source, data)
        return FileResult(source.display)

    def _analyse_notebook(self, source: SourceFile, data: bytes) -> FileResult:
        """The code cells as one module; lines are mapped back to cells once all findings are in."""
        try:
            notebook = notebook_module(data)
        except Unreadable as error:
            result = FileResult(source.display)
            result.findings.append(_unreadable(source.display, error))
            return result
        result = self._analyse_text(source, notebook.text)
        result.notebook = notebook
        return result

    def _analyse_dependency_file(self, source: SourceFile, data: bytes) -> FileResult:
        """Requirements, pyproject, setup.cfg, conda, Pipfile and lock files: parsed into
        `FileResult.dependencies`, malformed content as DET001, `#` comments as suppressions."""
        from detlint.dependency_files import MIN_SIZE_LIMIT, parse_dependency_text

        result = FileResult(source.display)
        # Parsing these is linear and cheap (max-file-size guards the Python parser); lock files
        # list every transitive package and can be large.
        limit = max(self.options.max_file_size, MIN_SIZE_LIMIT)
        if len(data) > limit:
            message = (
                f"file is {len(data):,} bytes, larger than max-file-size ({limit:,} bytes), so it was not analysed"
            )
            anchor = too_large_anchor(len(data), limit)
            result.findings.append(ParseError.too_large(source.display, message, help=TOO_LARGE_HELP, anchor=anchor))
            return result
        bad, text = data.find(b"\0"), None
        if bad < 0:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                bad = error.start
        if text is None:
            line, column = data.count(b"\n", 0, bad) + 1, bad - (data.rfind(b"\n", 0, bad) + 1)
            binary = data[bad] == 0
            reason = (
                "binary content (NUL byte): not a dependency file"
                if binary
                else f"cannot decode byte 0x{data[bad]:02x} as UTF-8"
            )
            result.findings.append(
                ParseError.at(
                    source.display, reason, line, column, help="" if binary else "Save the file as UTF-8",
                    anchor=None if binary else f"{reason}: save the file as UTF-8",
                )  # fmt: skip
            )
            return result
        dependencies = parse_dependency_text(source.display, text)
        for problem in dependencies.problems:
            result.findings.append(
                ParseError.at(source.display, problem.message, problem.line, problem.column)
            )
        result.dependencies = dependencies
        result.suppressions = parse_suppressions(text, python=False)
        return result

    def _analyse_python(self, source: SourceFile, data: bytes) -> FileResult:
        try:
            text = decode_python(data, self.options.max_file_size)
        except Unreadable as error:
            result = FileResult(source.display)
            result.findings.append(
                _unreadable(source.display, error)
            )
            return result
        return self._analyse_text(source, text)

    def _analyse_text(self, source: SourceFile, text: str) -> FileResult:
        result = FileResult(source.display)
        try:
            check_nesting(text)
            module = _parse(text)
        except Unreadable as error:
            result.findings.append(
                _unreadable(source.display, error)
            )
            return result
        try:
            self._visit(source, module, result)
        except RecursionError:
            result.findings = [
                ParseError.at(source.display, "expressions nested too deeply to analyse")
            ]
            return result
        except Exception as error:  # a defect in the shared analysis costs one file, not the run
            result = FileResult(source.display)
            message = f"the analysis of this file failed: {type(error).__name__}: {error}"
            result.findings.append(
                InternalError.at(
                    source.display,
                    message,
                    detail="Every rule's findings for this file are missing; the other files were still checked.",
                    help="Run with `--debug` for the traceback, and report it",
                    anchor=message,
                )
            )
            result.tracebacks.append(f"{source.display}\n" + "".join(traceback.format_exception(error)))
            return result
        result.suppressions = parse_suppressions(text)
        return result

    def _visit(self, source: SourceFile, module: cst.Module, result: FileResult) -> None:
        package = source.module if source.display.endswith("__init__.py") else source.module.rpartition(".")[0]
        imports = ImportTable.from_module(module, package)
        context = FileContext(source.display, module, imports, self.catalog, options=self.options)
        context.model = model = SemanticModel(context, source.module)
        collector = FactsCollector(context, source.module)
        rules = [rule(context) for rule in self.rules if not rule.frameworks or imports.imports_any(rule.frameworks)]
        visit_batched(module, [_Tracker(context), model, collector, *rules])
        result.facts = collector.facts()
        if source.display.rsplit("/", 1)[-1] == "setup.py":  # literal install_requires, read statically
            from detlint.dependency_files import parse_setup_py

            result.dependencies = parse_setup_py(source.display, module)
        # A rule that failed part-way gives no verdict on this file, only its DET002.
        failed = {rule for rule, _ in context.failures}
        reports = [report for report in context.reports if report.rule not in failed]
        if reports:
            result.findings.extend(_locate(source.display, module, reports))
        for rule, error in context.failures:
            result.findings.append(
                InternalError.failure(
                    source.display,
                    f"rule {rule.code} ({rule.name}) failed on this file: {type(error).__name__}: {error}",
                    "its findings for this file are missing",
                )
            )
            result.tracebacks.append(
                f"{source.display}: {rule.code}\n" + "".join(traceback.format_exception(error))
            )


def _unreadable(path: str, error: Unreadable) -> Finding:
    if error.too_large:  # skipped for its size: advisory
        return ParseError.too_large(path, error.reason, help=error.help, anchor=error.anchor)
    return ParseError.at(path, error.reason, error.line, error.column, help=error.help, anchor=error.anchor)


def _parse(text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise _syntax_error(text, error) from None
    except RecursionError:
        raise Unreadable("expressions nested too deeply to parse") from None


def _syntax_error(text: str, error: cst.ParserSyntaxError) -> Unreadable:
    """CPython's own message and position where it has one (clearer than the parser's token list)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warnings about the user's code are not ours to print
            ast.parse(text)
    except SyntaxError as cpython:
        return Unreadable(f"syntax error: {cpython.msg}", cpython.lineno or 1, max((cpython.offset or 1) - 1, 0))
    except (ValueError, RecursionError, MemoryError):
        pass
    return Unreadable(f"syntax error: {error.message}", error.raw_line, error.raw_column)


def _fix(spec: FixSpec, spans: dict[int, Span]) -> Fix:
    edits = []
    for node, where, text in spec.replacements:
        span = spans[id(node)]
        if where == "before":
            span = Span(span.line, span.column, span.line, span.column)
        elif where == "after":
            span = Span(span.end_line, span.end_column, span.end_line, span.end_column)
        edits.append(Edit(span, text))
    return Fix(spec.description, tuple(edits), spec.safe)


def _locate(path: str, module: cst.Module, reports: list[Report]) -> list[Finding]:
    wanted: list[cst.CSTNode] = []
    for report in reports:
        wanted.append(report.node)
        wanted.extend(node for node, _ in report.related)
        if report.fix is not None:
            wanted.extend(node for node, _, _ in report.fix.replacements)
        if report.statement is not None:
            wanted.extend(statement_nodes(report.statement))
    spans = locate(module, wanted)
    occurrences: Counter[tuple[str, str, str]] = Counter()
    findings = []
    for report in reports:
        if is_run_hazard_outside_runs(report.rule.code, path):
            continue
        confidence, detail = report.confidence, report.detail
        anchor = code_of(report.node, module)
        key = (report.rule.code, report.scope, anchor)
        finding = Finding(
            code=report.rule.code,
            name=report.rule.name,
            message=report.message,
            path=path,
            span=spans[id(report.node)],
            severity=report.severity or report.rule.severity,
            confidence=confidence,
            statement_lines=statement_lines(spans, report.statement) if report.statement else None,
            related=tuple(RelatedLocation(path, spans[id(node)], message) for node, message in report.related),
            fix=_fix(report.fix, spans) if report.fix is not None else None,
            detail=with_confidence_reason(detail, confidence),
            help=report.help,
        )
        findings.append(finding.with_fingerprint(anchor, report.scope, occurrences[key]))
        occurrences[key] += 1
    return findings

"""The language server: diagnostics for open Python files and notebooks, their quick fixes and
suppressions as code actions, and the rule's explanation on hover.

Each open document is checked as `detlint check - --stdin-filename PATH` checks a buffer: its text,
with the rest of its project as saved (see `projects.Projects`). Checks run one at a time on a worker
thread, so the server keeps answering while one runs; edits are checked once typing pauses."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace.position_codec import PositionCodec

from detlint import __version__
from detlint.config import ConfigError
from detlint.finding import Edit, Finding, Span
from detlint.selection import SelectorError
from detlint.server import convert
from detlint.server.projects import Projects, ServerOptions
from detlint.suppress import file_ignore_edit, line_ignore_edit

logger = logging.getLogger(__name__)

# Seconds an edited buffer waits for the next keystroke before it is checked.
EDIT_DELAY = 0.15
# What the project pass reads besides the open files: a change to any of them re-checks every open
# document (the editor reports changes made outside it, such as a `git checkout` or `uv lock`).
WATCHED = (
    "**/*.py", "**/*.ipynb", "**/pyproject.toml", "**/detlint.toml", "**/setup.cfg", "**/*.lock",
    "**/requirements*.txt", "**/requirements*.in", "**/environment*.yml", "**/Pipfile", "**/.gitignore",
)  # fmt: skip
CODE_ACTION_KINDS = [types.CodeActionKind.QuickFix, convert.FIX_ALL]


@dataclass
class Report:
    """The findings of one check of a document (a notebook: of all its cells), as shown: per document
    URI, the text checked and the findings on it with their diagnostics."""

    texts: dict[str, str]
    shown: dict[str, list[tuple[Finding, types.Diagnostic]]] = field(default_factory=dict)
    # In a notebook, the cell number of each cell document (fixes name the cell they edit).
    cells: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Unit:
    """What one check reads: the file's path, the text detlint analyses (a notebook's JSON), and the
    documents it is shown in with their text and version."""

    uri: str
    path: Path
    text: str
    documents: tuple[tuple[str, str], ...]  # (uri, text) of the file, or of each cell in order
    version: int | None
    notebook: bool = False


class DetlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "detlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[types.NotebookDocumentFilterWithCells(
                    notebook="jupyter-notebook", cells=[types.NotebookCellLanguage(language="python")],
                )],
                save=True,
            ),
        )  # fmt: skip
        self.projects = Projects()
        # One thread: checks and what they read never run at the same time.
        self.checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="detlint-check")
        self.reports: dict[str, Report] = {}
        # As the client sent them; its `detlint` settings override them key by key.
        self.initialization_options: dict = {}
        self._pending: dict[str, asyncio.Task] = {}
        self._said: set[str] = set()

    # Scheduling

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """Check the document (or notebook) at `uri` after `delay` seconds, replacing a check that is
        still waiting."""
        waiting = self._pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self._pending[uri] = asyncio.ensure_future(self._check_later(uri, delay))

    def schedule_all(self, delay: float = 0.0) -> None:
        for uri in self.open_units():
            self.schedule(uri, delay)

    def open_units(self) -> list[str]:
        """The open Python files and notebooks (a notebook's cells are checked with it)."""
        cells = {cell.document for notebook in self.workspace.notebook_documents.values() for cell in notebook.cells}
        files = [uri for uri in self.workspace.text_documents if uri not in cells and _is_python(uri)]
        return [*files, *self.workspace.notebook_documents]

    async def _check_later(self, uri: str, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
            unit = self.unit(uri)
            if unit is None:
                return
            report = await asyncio.get_running_loop().run_in_executor(self.checker, self.check, unit)
            current = self.unit(uri)
            if current is not None and current.version == unit.version:
                self.publish(uri, report, unit.version)
        except asyncio.CancelledError:
            pass
        except (ConfigError, SelectorError, OSError) as error:
            self.say_once(f"detlint: {error}")
        except Exception:  # noqa: BLE001 - a bug in one check must not stop the server
            logger.exception("detlint: checking %s failed", uri)
            self.say_once(f"detlint: checking {uri} failed; see the server's log")
        finally:
            if self._pending.get(uri) is asyncio.current_task():
                del self._pending[uri]

    async def forget_and_recheck(self, options: ServerOptions | None = None) -> None:
        """Read settings and the project afresh (on the checking thread, between checks), then check
        every open document again."""
        apply = self.projects.forget if options is None else (lambda: self.projects.configure(options))
        await asyncio.get_running_loop().run_in_executor(self.checker, apply)
        self.schedule_all()

    # Checking

    def unit(self, uri: str) -> Unit | None:
        """A snapshot of what checking the document or notebook at `uri` reads; None once it is closed
        or when it is no local file."""
        if not uri.startswith("file:"):
            return None  # an unsaved, untitled document belongs to no project
        notebook = self.workspace.notebook_documents.get(uri)
        if notebook is not None:
            documents = tuple(
                (cell.document, self.workspace.get_text_document(cell.document).source) for cell in notebook.cells
            )
            kinds = [cell.kind for cell in notebook.cells]
            return Unit(uri, Path(to_fs_path(uri)), _notebook_json(kinds, [text for _, text in documents]), documents,
                        notebook.version, notebook=True)  # fmt: skip
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        return Unit(uri, Path(to_fs_path(uri)), document.source, ((uri, document.source),), document.version)

    def check(self, unit: Unit) -> Report:
        """The findings on a unit as shown in its documents. Raises ConfigError and SelectorError for
        settings that cannot be read."""
        findings = self.projects.check(unit.path, unit.text)
        root = self.projects.settings(unit.path).root
        codec = self.workspace.position_codec
        texts = dict(unit.documents)
        lines = {uri: text.splitlines() for uri, text in texts.items()}
        report = Report(texts, {uri: [] for uri in texts})
        cell_uris = [uri for uri, _ in unit.documents] if unit.notebook else []
        report.cells = {uri: number for number, uri in enumerate(cell_uris, start=1)}

        def place(path: str, span: Span, cell: tuple[int, int] | None, cell_span: Span | None) -> tuple[str, Span]:
            if cell is not None and cell_span is not None and (root / path) == unit.path:
                return cell_uris[cell[0] - 1], cell_span
            return from_fs_path(str(root / path)) or unit.uri, span

        def related(finding: Finding) -> list[types.DiagnosticRelatedInformation]:
            items = []
            for item in finding.related:
                uri, span = place(item.path, item.span, item.cell, item.cell_span)
                where = types.Location(uri=uri, range=convert.to_range(span, _lines(uri, lines), codec))
                items.append(types.DiagnosticRelatedInformation(location=where, message=item.message))
            return items

        for finding in findings:
            uri, span = place(finding.path, finding.span, finding.cell, finding.cell_span)
            if uri in report.shown:
                diagnostic = convert.diagnostic(finding, span, lines[uri], codec, related)
                report.shown[uri].append((finding, diagnostic))
        return report

    def publish(self, uri: str, report: Report, version: int | None) -> None:
        previous = self.reports.get(uri)
        self.reports[uri] = report
        gone = set(previous.texts) - set(report.texts) if previous else set()
        for document in [*report.texts, *sorted(gone)]:
            diagnostics = [diagnostic for _, diagnostic in report.shown.get(document, [])]
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=document, diagnostics=diagnostics,
                                               version=version if document == uri else None)
            )  # fmt: skip

    def clear(self, uri: str) -> None:
        waiting = self._pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        report = self.reports.pop(uri, None)
        for document in report.texts if report else (uri,):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=document, diagnostics=[]))

    def say_once(self, message: str) -> None:
        logger.error(message)
        if message not in self._said:
            self._said.add(message)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))

    # Answers

    def current(self, uri: str) -> tuple[Report, str] | None:
        """The report that holds document `uri`, when it was made on the document's current text."""
        for report in self.reports.values():
            if uri in report.texts:
                document = self.workspace.text_documents.get(uri)
                if document is not None and document.source == report.texts[uri]:
                    return report, report.texts[uri]
        return None

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        known = self.current(uri)
        if known is None:
            return []
        report, text = known
        codec = self.workspace.position_codec
        cell = report.cells.get(uri)
        wanted = params.context.only
        actions: list[types.CodeAction] = []
        if _asked(types.CodeActionKind.QuickFix, wanted):
            for finding, diagnostic in report.shown[uri]:
                if _overlaps(diagnostic.range, params.range):
                    actions.extend(_finding_actions(finding, diagnostic, uri, text, cell, codec))
        if _asked(convert.FIX_ALL, wanted):
            safe = [finding for finding, _ in report.shown[uri] if finding.fix is not None and finding.fix.safe]
            fix_all = convert.code_action("detlint: fix all safe findings", convert.FIX_ALL, uri, text,
                                          _edits(safe, cell), codec)  # fmt: skip
            if fix_all is not None:
                actions.append(fix_all)
        return actions

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        known = self.current(params.text_document.uri)
        if known is None:
            return None
        report, _ = known
        at = params.position
        texts = [
            convert.hover_text(finding)
            for finding, diagnostic in report.shown[params.text_document.uri]
            if _contains(diagnostic.range, at)
        ]
        if not texts:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(texts)))


def _finding_actions(
    finding: Finding, diagnostic: types.Diagnostic, uri: str, text: str, cell: int | None, codec: PositionCodec
) -> Iterable[types.CodeAction]:
    """The quick fix of a finding (an unsafe one says so), and its suppressions on this line and in
    this file."""
    quickfix = types.CodeActionKind.QuickFix
    actions = []
    if finding.fix is not None:
        title = f"{finding.code}: {finding.fix.description}" + ("" if finding.fix.safe else " (unsafe)")
        actions.append(convert.code_action(title, quickfix, uri, text, _edits([finding], cell), codec, [diagnostic]))
        if actions[-1] is not None and finding.fix.safe:
            actions[-1].is_preferred = True
    # Notebook findings carry their statement's lines in the module of all cells: the comment goes on
    # the last line of the flagged range in the cell, where it is still on the statement.
    if cell is None and finding.statement_lines is not None:
        line = finding.statement_lines[1]
    else:
        line = (finding.cell_span or finding.span).end_line
    ignores = (
        (f"Ignore {finding.code} on this line", line_ignore_edit(text, line, finding.code)),
        (f"Ignore {finding.code} in this file", file_ignore_edit(text, finding.code)),
    )
    for title, edit in ignores:
        actions.append(convert.code_action(title, quickfix, uri, text, [edit], codec, [diagnostic]))
    return [action for action in actions if action is not None]


def _edits(findings: Sequence[Finding], cell: int | None) -> list[Edit]:
    """The fix edits of the findings that change the document: in a notebook, those of its cell."""
    return [edit for finding in findings if finding.fix for edit in finding.fix.edits if edit.cell == cell]


def _asked(kind: str, only: Sequence[str] | None) -> bool:
    """Whether a client that asks for the code action kinds `only` (None: all) wants `kind`: a kind
    asks for itself and the kinds below it (`source` for `source.fixAll.detlint`)."""
    return only is None or any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def _overlaps(first: types.Range, second: types.Range) -> bool:
    def at(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return at(first.start) <= at(second.end) and at(second.start) <= at(first.end)


def _contains(span: types.Range, position: types.Position) -> bool:
    return _overlaps(span, types.Range(start=position, end=position))


def _lines(uri: str, known: dict[str, list[str]]) -> list[str]:
    """The lines of a document: one being checked, else the file as saved (for the columns of related
    locations in other files)."""
    if uri not in known:
        path = to_fs_path(uri)
        try:
            known[uri] = Path(path).read_text(encoding="utf-8", errors="replace").splitlines() if path else []
        except OSError:
            known[uri] = []
    return known[uri]


def _is_python(uri: str) -> bool:
    return uri.startswith("file:") and uri.rsplit(".", 1)[-1] in {"py", "pyi"}


def _notebook_json(kinds: Sequence[types.NotebookCellKind], texts: Sequence[str]) -> str:
    """The notebook's cells as an .ipynb document, numbered as the client numbers them."""
    cells = [
        {"cell_type": "code" if kind == types.NotebookCellKind.Code else "markdown", "metadata": {},
         "source": text, **({"outputs": [], "execution_count": None} if kind == types.NotebookCellKind.Code else {})}
        for kind, text in zip(kinds, texts)
    ]  # fmt: skip
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


server = DetlintServer()


@server.feature(types.INITIALIZE)
def initialize(params: types.InitializeParams) -> None:
    try:
        raw = params.initialization_options
        server.initialization_options = raw if isinstance(raw, dict) else {}
        server.projects.configure(ServerOptions.parse(server.initialization_options))
    except ConfigError as error:
        server.say_once(f"detlint: {error}")


@server.feature(types.INITIALIZED)
async def initialized(params: types.InitializedParams) -> None:
    workspace = server.client_capabilities.workspace
    watching = workspace.did_change_watched_files if workspace else None
    if watching is not None and watching.dynamic_registration:
        watchers = [types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
        options = types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
        registration = types.Registration(id="detlint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                          register_options=options)  # fmt: skip
        await server.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
    await _pull_configuration()


async def _pull_configuration() -> None:
    """The client's `detlint` settings, where it keeps settings (`workspace/configuration`): the keys
    set there override the initialization options."""
    workspace = server.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        return
    answer = await server.workspace_configuration_async(
        types.ConfigurationParams(items=[types.ConfigurationItem(section="detlint")])
    )
    if answer and isinstance(answer[0], dict):
        try:
            await server.forget_and_recheck(ServerOptions.parse({**server.initialization_options, **answer[0]}))
        except ConfigError as error:
            server.say_once(f"detlint: {error}")


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def configuration_changed(params: types.DidChangeConfigurationParams) -> None:
    await _pull_configuration()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def watched_files_changed(params: types.DidChangeWatchedFilesParams) -> None:
    await server.forget_and_recheck()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def opened(params: types.DidOpenTextDocumentParams) -> None:
    if _is_python(params.text_document.uri):
        server.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def changed(params: types.DidChangeTextDocumentParams) -> None:
    if _is_python(params.text_document.uri):
        server.schedule(params.text_document.uri, EDIT_DELAY)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
async def saved(params: types.DidSaveTextDocumentParams) -> None:
    # The file on disk is part of every other open file's project, and may be its configuration.
    await server.forget_and_recheck()


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def closed(params: types.DidCloseTextDocumentParams) -> None:
    if params.text_document.uri in server.reports or _is_python(params.text_document.uri):
        server.clear(params.text_document.uri)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
def notebook_opened(params: types.DidOpenNotebookDocumentParams) -> None:
    server.schedule(params.notebook_document.uri)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
def notebook_changed(params: types.DidChangeNotebookDocumentParams) -> None:
    server.schedule(params.notebook_document.uri, EDIT_DELAY)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
async def notebook_saved(params: types.DidSaveNotebookDocumentParams) -> None:
    await server.forget_and_recheck()


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
def notebook_closed(params: types.DidCloseNotebookDocumentParams) -> None:
    server.clear(params.notebook_document.uri)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=CODE_ACTION_KINDS))
def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
    return server.code_actions(params)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(params: types.HoverParams) -> types.Hover | None:
    return server.hover(params)


def serve(tcp_port: int | None = None) -> None:
    """Serve one client over standard input and output, or on `tcp_port` of localhost."""
    if tcp_port is None:
        server.start_io()
    else:
        server.start_tcp("127.0.0.1", tcp_port)

"""Findings in the protocol's terms: diagnostics, edits, code actions and hover text.

detlint counts columns in code points; the protocol in the units the client negotiated (UTF-16 unless
it asked otherwise), so every position goes through the codec with the text of its line."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from detlint.docs import rule_page_url
from detlint.finding import Confidence, Edit, Finding, Severity, Span
from detlint.fixes import apply_edits
from detlint.registry import rule_index

SOURCE = "detlint"
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"

_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.NOTE: types.DiagnosticSeverity.Information,
}


def to_range(span: Span, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    """A detlint span (1-based lines, code-point columns) as a protocol range over `lines`."""
    return types.Range(
        start=_position(span.line, span.column, lines, codec),
        end=_position(span.end_line, span.end_column, lines, codec),
    )


def _position(line: int, column: int, lines: Sequence[str], codec: PositionCodec) -> types.Position:
    index = max(line - 1, 0)
    text = lines[index] if index < len(lines) else ""
    return types.Position(line=index, character=codec.client_num_units(text[:column]) + max(column - len(text), 0))


def diagnostic(
    finding: Finding,
    span: Span,
    lines: Sequence[str],
    codec: PositionCodec,
    related: Callable[[Finding], list[types.DiagnosticRelatedInformation]],
) -> types.Diagnostic:
    """The diagnostic of a finding shown at `span` of a document holding `lines`. A low-confidence
    finding is shown one severity lower: it may not apply."""
    severity = _SEVERITIES[finding.severity]
    if finding.confidence is Confidence.LOW:
        severity = types.DiagnosticSeverity(min(severity.value + 1, types.DiagnosticSeverity.Hint.value))
    certainty = "" if finding.confidence is Confidence.HIGH else f" ({finding.confidence.value} confidence)"
    return types.Diagnostic(
        range=to_range(span, lines, codec),
        message=finding.message + certainty,
        severity=severity,
        code=finding.code,
        code_description=types.CodeDescription(href=rule_page_url(finding.code)),
        source=SOURCE,
        related_information=related(finding) or None,
    )


def text_edit(old: str, new: str, codec: PositionCodec) -> types.TextEdit:
    """One edit that turns `old` into `new`, replacing only the stretch between what they share at
    the start and at the end (an editor keeps the cursor and folds of the rest)."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    lines = old.splitlines(keepends=True)
    return types.TextEdit(
        range=types.Range(
            start=_offset_position(old, start, lines, codec), end=_offset_position(old, len(old) - end, lines, codec)
        ),
        new_text=new[start : len(new) - end],
    )


def _offset_position(text: str, offset: int, lines: Sequence[str], codec: PositionCodec) -> types.Position:
    line = text.count("\n", 0, offset)  # also ends `\r\n` lines; detlint reads no bare `\r` as a break
    line_start = text.rfind("\n", 0, offset) + 1
    return types.Position(line=line, character=codec.client_num_units(text[line_start:offset]))


def code_action(
    title: str, kind: str, uri: str, text: str, edits: Sequence[Edit], codec: PositionCodec,
    diagnostics: Sequence[types.Diagnostic] = (),
) -> types.CodeAction | None:  # fmt: skip
    """An action that makes the edits to the document `uri` holding `text`; None when they change nothing."""
    new, made = apply_edits(text, edits)
    if not made or new == text:
        return None
    change = types.WorkspaceEdit(changes={uri: [text_edit(text, new, codec)]})
    return types.CodeAction(title=title, kind=kind, edit=change, diagnostics=list(diagnostics) or None)


def hover_text(finding: Finding) -> str:
    """What a rule says about a finding, as Markdown: the rule, what it checks, why here and what to do."""
    rule = rule_index().lookup(finding.code)
    heading = f"**{finding.code}** `{finding.name}`: {finding.message}"
    parts = [heading]
    if rule is not None and rule.summary():
        parts.append(rule.summary())
    parts.extend(part for part in (finding.detail, finding.help and f"**Fix:** {finding.help}") if part)
    if finding.fix is not None:
        parts.append(f"Quick fix{' (unsafe)' if not finding.fix.safe else ''}: {finding.fix.description}")
    parts.append(f"[{finding.code} documentation]({rule_page_url(finding.code)})")
    return "\n\n".join(parts)

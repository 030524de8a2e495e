"""The language server's conversions: detlint's code-point columns to the client's position units, and
edits trimmed to what changes."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from detlint.finding import Span
from detlint.server.convert import text_edit, to_range

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
UTF32 = PositionCodec(types.PositionEncodingKind.Utf32)
LINES = ['label = "😋"; np.random.rand(3)']  # the emoji is one code point, two UTF-16 units


def test_columns_after_a_character_outside_the_bmp_count_utf16_units_unless_asked_otherwise():
    span = Span(1, 13, 1, 30)  # `np.random.rand(3)` in code points
    assert LINES[0][13:30] == "np.random.rand(3)"
    utf16 = to_range(span, LINES, UTF16)
    assert (utf16.start.line, utf16.start.character, utf16.end.character) == (0, 14, 31)
    utf32 = to_range(span, LINES, UTF32)
    assert (utf32.start.character, utf32.end.character) == (13, 30)


def test_text_edit_replaces_only_what_differs():
    old = "import torch\n\ntorch.backends.cudnn.benchmark = True\nprint('😋')\n"
    new = old.replace("True", "False")
    edit = text_edit(old, new, UTF16)
    assert (edit.range.start.line, edit.range.start.character, edit.range.end.line, edit.range.end.character) == (2, 33, 2, 36)
    assert edit.new_text == "Fals"
    unchanged = text_edit(old, old, UTF16)
    assert unchanged.new_text == "" and unchanged.range.start == unchanged.range.end


def test_severity_follows_the_rule_and_a_low_confidence_finding_is_shown_a_level_lower():
    from detlint.finding import Confidence, Finding, Severity
    from detlint.server.convert import diagnostic

    def shown(severity: Severity, confidence: Confidence) -> types.Diagnostic:
        finding = Finding("DET203", "cudnn-benchmark", "benchmarking on", "a.py", Span(1, 0, 1, 4), severity, confidence)
        return diagnostic(finding, finding.span, ["x = 1"], UTF16, lambda _: [])

    assert shown(Severity.WARNING, Confidence.HIGH).severity == types.DiagnosticSeverity.Warning
    assert shown(Severity.ERROR, Confidence.MEDIUM).severity == types.DiagnosticSeverity.Error
    low = shown(Severity.WARNING, Confidence.LOW)
    assert low.severity == types.DiagnosticSeverity.Information
    assert low.message == "benchmarking on (low confidence)"
    assert shown(Severity.WARNING, Confidence.HIGH).message == "benchmarking on"

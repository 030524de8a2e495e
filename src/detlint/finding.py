"""Findings: what a rule reports, where, how sure it is, and a line-independent identity."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class Confidence(str, enum.Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _CONFIDENCE_RANKS[self.value]

    def at_least(self, other: Confidence) -> bool:
        return self.rank >= other.rank

    def lowered(self) -> Confidence:
        """One level less sure (low stays low)."""
        return _BY_RANK[max(self.rank - 1, 0)]

    @staticmethod
    def weakest(*levels: Confidence | None) -> Confidence:
        """The least certain of the given levels (the first of equals); None counts as absent."""
        return min((level for level in levels if level is not None), key=lambda level: level.rank)


_CONFIDENCE_RANKS = {"low": 0, "medium": 1, "high": 2}
_BY_RANK = {rank: Confidence(value) for value, rank in _CONFIDENCE_RANKS.items()}

# The confidence rule (docs/design.md, "Confidence"), said in a finding's detail when the rule that
# made it gives no reason of its own.
_CONFIDENCE_RULE = {
    Confidence.MEDIUM: "Medium confidence: part of what decides this is known only by name (a method of a value "
    "whose class is not known, a name from a star import, a callback) or from an argument that is not a literal.",
    Confidence.LOW: "Low confidence: it depends on what is not known statically (the device, a tensor's shape, "
    "a command-line option other than its default, whether a backward pass runs, whether the code runs at all).",
}


def with_confidence_reason(detail: str, confidence: Confidence) -> str:
    """A medium or low finding's detail, with the confidence rule unless it already says why."""
    rule = _CONFIDENCE_RULE.get(confidence)
    if rule is None or "confidence" in detail.lower():
        return detail
    return f"{detail} {rule}" if detail else rule


@dataclass(frozen=True, order=True)
class Span:
    """A 1-based line, 0-based column range (the convention of libcst and flake8)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class RelatedLocation:
    """Another place that explains a finding (the entry point, the first use, the seeding helper),
    with a few words saying what it is. In a notebook, `cell` and `cell_span` locate it as
    `Finding.cell` and `Finding.cell_span` do."""

    path: str
    span: Span
    message: str
    cell: tuple[int, int] | None = None
    cell_span: Span | None = None


@dataclass(frozen=True)
class Edit:
    """Replace the text of `span` (a zero-width span inserts) with `text`. In a notebook, `cell` is the
    number of the code cell it changes and `span` counts lines and columns in that cell's source."""

    span: Span
    text: str
    cell: int | None = None


@dataclass(frozen=True)
class Fix:
    """Edits that resolve a finding. `safe`: keeps the program's behaviour apart from the hazard
    (`--fix`); otherwise it changes behaviour and needs `--unsafe-fixes`."""

    description: str
    edits: tuple[Edit, ...]
    safe: bool


# The property of a finding that is shown in every format but does not by itself fail a run.
ADVISORY = "advisory"


@dataclass(frozen=True)
class Finding:
    """What a rule reports. `message` is one sentence naming the flagged thing and the hazard, short
    enough for one line of output; it never names other places (those are `related` locations).
    `detail` explains why it matters (the versions reasoned about, what the analysis saw) and `help`
    says what to do; both may be empty."""

    code: str
    name: str
    message: str
    path: str
    span: Span
    severity: Severity
    confidence: Confidence
    # Identity without line numbers, so baselines survive unrelated edits above a finding.
    fingerprint: str = ""
    # Lines on which a suppression comment applies to this finding (the whole flagged statement).
    statement_lines: tuple[int, int] | None = None
    related: tuple[RelatedLocation, ...] = field(default_factory=tuple)
    # In a notebook: (cell number, line in the cell), and the flagged range in that cell's own lines
    # and columns; `span` is then the range in the .ipynb file's JSON text (the line and columns of
    # the JSON string that holds the source line), for tools that open the file itself.
    cell: tuple[int, int] | None = None
    cell_span: Span | None = None
    # Machine-readable details for tools: e.g. the catalog op and literal arguments that `detlint
    # probe` replays. JSON-serialisable values only.
    properties: Mapping[str, Any] = field(default_factory=dict)
    fix: Fix | None = None
    detail: str = ""
    help: str = ""

    @property
    def advisory(self) -> bool:
        """Whether the finding is shown but does not by itself make a run fail (exit status 1): a file
        skipped on purpose, such as one larger than `max-file-size`, is no hazard to fix."""
        return self.properties.get(ADVISORY) is True

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.code, self.message)

    def with_fingerprint(self, anchor_text: str, scope: str, occurrence: int) -> Finding:
        return replace(self, fingerprint=fingerprint(self.code, self.path, anchor_text, scope, occurrence))


def one_line(text: str) -> str:
    """Text with every run of white space (newlines included) folded into one space."""
    return " ".join(text.split())


def fingerprint(code: str, path: str, anchor_text: str, scope: str, occurrence: int) -> str:
    normalized = one_line(anchor_text)
    digest = hashlib.sha256("\x1f".join((code, path, scope, normalized, str(occurrence))).encode("utf-8"))
    return digest.hexdigest()[:32]


def _called_head(code: str) -> str:
    """What a call expression calls, without the argument list: `torch.cumsum` of `torch.cumsum(x, 1)`;
    of a method chain, its first call and the method it ends with (`x.contiguous(…)….median` of
    `x.contiguous().view(n, -1).median(dim=-1)`), so the call named is the one the code ends with."""
    import libcst as cst  # here, not at the top: a run answered from the cache never loads the parser

    plain = code.split("(", 1)[0]
    try:
        expression = cst.parse_expression(code)
    except cst.ParserSyntaxError:
        return plain
    if not isinstance(expression, cst.Call) or not isinstance(expression.func, cst.Attribute):
        return plain
    innermost = None
    node = expression.func.value
    while isinstance(node, (cst.Call, cst.Attribute, cst.Subscript)):
        if isinstance(node, cst.Call):
            innermost = node
            node = node.func
        else:
            node = node.value
    if innermost is None or not isinstance(node, cst.Name):
        return plain  # no chain of calls, or one that starts from an expression in parentheses
    first = cst.Module([]).code_for_node(innermost.func)
    return f"{first}(…)….{expression.func.attr.value}"


def short_code(code: str, limit: int = 40) -> str:
    """Source text short enough to quote in a one-line message: as it is when it fits, else the
    call's head with its arguments elided (`RandomForestClassifier(...)`, leading modules dropped
    when still too long), else cut with `…`."""
    code = one_line(code)
    if len(code) <= limit:
        return code
    head = _called_head(code)
    if "(" in code and head:
        while len(head) + 5 > limit and "." in head:
            head = head.split(".", 1)[1]  # `sklearn.neural_network.MLPClassifier` -> `MLPClassifier`
        if len(head) + 5 <= limit:
            return f"{head}(...)"
    return code[: limit - 1] + "…"

"""Source files: what discovery hands to the engine, and turning a file's bytes into text the parser
can take, or into a clear reason why not.

Every check here is bounded and cheap, and runs before libcst sees the text: libcst's native parser
can crash the whole process on pathological nesting, so that case never reaches it.
"""

from __future__ import annotations

import io
import itertools
import operator
import re
import tokenize
from array import array
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    path: Path  # where to read it
    display: str  # how to show it: relative to the project root, with forward slashes
    kind: str  # "python", "notebook" or "dependency"
    module: str = ""  # dotted module name for Python files


# Dependency files up to this size are read whatever `max-file-size` says (which guards the Python
# parser): parsing them is linear, and lock files of large projects run to megabytes.
DEPENDENCY_FILE_MIN_LIMIT = 16 * 1024 * 1024
TOO_LARGE_HELP = "Raise `max-file-size` in [tool.detlint] to analyse it"


def too_large_anchor(size: int, limit: int) -> str:
    """The fingerprint text of a file over max-file-size (its message before the advice moved out)."""
    return (
        f"file is {size:,} bytes, larger than max-file-size ({limit:,} bytes): not analysed; "
        "raise `max-file-size` in [tool.detlint] to analyse it"
    )

# CPython's tokenizer refuses more than 200 nested brackets ("too many nested parentheses").
MAX_BRACKET_DEPTH = 200

_BRACKETS = b"()[]{}"
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in _BRACKETS)
# Opening brackets become +1 and closing ones -1 as signed bytes.
_TO_STEPS = bytes.maketrans(_BRACKETS, b"\x01\xff\x01\xff\x01\xff")


@dataclass(frozen=True)
class Unreadable(Exception):
    """Why a file cannot be analysed, with the 1-based line and 0-based column it refers to."""

    reason: str
    line: int = 1
    column: int = 0
    too_large: bool = False  # skipped for its size (`max-file-size`), not for its content
    help: str = ""  # what to do about it, when there is something to do
    # What the DET001 fingerprint hashes when it is not `reason`: the wording these findings had before
    # the advice moved out of the message, so baselines recorded then still match.
    anchor: str | None = None


def decode_python(data: bytes, max_bytes: int) -> str:
    """Decode Python source as the interpreter would (BOM, PEP 263 cookie, else UTF-8)."""
    if len(data) > max_bytes:
        raise Unreadable(
            f"file is {len(data):,} bytes, larger than max-file-size ({max_bytes:,} bytes), so it was not analysed",
            help=TOO_LARGE_HELP,
            anchor=too_large_anchor(len(data), max_bytes),
            too_large=True,
        )
    nul = data.find(b"\0")
    if nul >= 0:
        line, column = _position(data, nul)
        raise Unreadable("binary content (NUL byte): not a Python source file", line, column)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # Also raised for undeclared non-UTF-8 bytes in the first two lines: decoding says where.
        encoding = "utf-8"
        if _decodes(data, encoding):
            raise Unreadable(f"invalid encoding declaration: {error.msg}", error.lineno or 1) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line, column = _position(data, error.start)
        raise Unreadable(
            f"cannot decode byte 0x{data[error.start]:02x} as {encoding}",
            line,
            column,
            help="Save the file as UTF-8 or declare its encoding (`# -*- coding: latin-1 -*-`)",
            anchor=f"cannot decode byte 0x{data[error.start]:02x} as {encoding}: save the file as UTF-8 "
            "or declare its encoding (`# -*- coding: latin-1 -*-`)",
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


# C0 controls (but tab) become their visible Control Pictures (U+2400...), DEL too; C1 controls
# (U+0080-U+009F) the replacement character. A terminal must never receive a file's escape sequences.
_PRINTABLE = {
    **{code: 0x2400 + code for code in range(0x20) if code != 0x09},
    0x7F: 0x2421,
    **{code: 0xFFFD for code in range(0x80, 0xA0)},
}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def display_lines(data: bytes) -> list[str]:
    """A file's lines as a person should see them quoted: decoded with the encoding Python would use
    (BOM, PEP 263 cookie, else UTF-8), undecodable bytes as U+FFFD, split where the parser splits
    lines, and control characters shown by `printable`."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:
        text = data.decode("utf-8", errors="replace")
    text = text.removeprefix("\ufeff")
    return [printable(line) for line in _LINE_BREAK.split(text)]


def printable(text: str) -> str:
    """The text with control characters made visible (tabs kept): NUL as ␀, ESC as ␛, DEL as ␡."""
    return text.translate(_PRINTABLE)


def check_nesting(text: str) -> None:
    """Refuse sources nested deeper than CPython accepts; the byte count is an upper bound (brackets
    in strings count too), so only files over the limit pay for an exact tokenizer pass."""
    data = text.encode("utf-8", "surrogatepass")
    steps = array("b", data.translate(None, _NOT_BRACKETS).translate(_TO_STEPS))
    if not steps or max(itertools.accumulate(steps, operator.add)) <= MAX_BRACKET_DEPTH:
        return
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
                if depth > MAX_BRACKET_DEPTH:
                    raise Unreadable(
                        f"brackets nested deeper than {MAX_BRACKET_DEPTH} levels: too deep to parse",
                        token.start[0],
                        token.start[1],
                    )
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
    except (tokenize.TokenError, SyntaxError) as error:
        # Deeply bracketed and not even tokenizable: never hand it to the native parser.
        line = error.args[1][0] if isinstance(error, tokenize.TokenError) else (error.lineno or 1)
        raise Unreadable(f"cannot tokenize: {error.args[0]}", line) from None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start

from dataclasses import replace

from detlint.checks.base import MetaRule
from detlint.finding import ADVISORY, Finding, Severity, Span


class ParseError(MetaRule):
    """
    ## What it does
    Reports a file that detlint could not decode or parse, with the line and the reason.

    ## Why is this bad?
    A file that cannot be read is a file no rule has checked: every hazard in it goes unreported.
    Typical causes are syntax errors, Python 2 code, a non-UTF-8 file without a coding declaration,
    binary content, brackets nested deeper than CPython accepts, or a file larger than
    `max-file-size`.

    A file larger than `max-file-size` (1 MiB by default) is usually generated code or data, not a file
    anyone edits: it is reported as a warning, in every output format, but that finding alone does not
    fail the run (the exit status stays 0). Raise `max-file-size` in `[tool.detlint]` to analyse such
    files, or exclude them (`extend-exclude`) to stop the warning.

    ## Example
    ```python
    print "training"
    ```

    ## Use instead
    ```python
    print("training")
    ```

    ## References
    - [PEP 263: source code encodings](https://peps.python.org/pep-0263/)
    """

    code = "DET001"
    name = "parse-error"
    severity = Severity.ERROR
    VALID = ("x = 1\n", "", "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n")
    INVALID = (
        "import torch\nprint 'epoch'  # DET001\n",
        "def train(:  # DET001\n    pass\n",
    )

    @classmethod
    def too_large(cls, path: str, message: str, *, help: str = "", anchor: str | None = None) -> Finding:
        """A file skipped for its size: a warning shown in every format that does not by itself fail a
        run (properties `advisory: true`)."""
        finding = cls.finding(
            path, Span(1, 0, 1, 0), message, anchor=message if anchor is None else anchor, help=help,
            properties={ADVISORY: True},
        )  # fmt: skip
        return replace(finding, severity=Severity.WARNING)

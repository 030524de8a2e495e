from detlint.checks.base import MetaRule
from detlint.finding import Severity


class ParseError(MetaRule):
    """
    ## What it does
    Reports a file that detlint could not decode or parse, with the line and the reason.

    ## Why is this bad?
    A file that cannot be read is a file no rule has checked: every hazard in it goes unreported.
    Typical causes are syntax errors, Python 2 code, a non-UTF-8 file without a coding declaration,
    binary content, brackets nested deeper than CPython accepts, or a file larger than
    `max-file-size`.

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

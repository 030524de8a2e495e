from detlint.checks.base import MetaRule
from detlint.finding import Severity


class InternalError(MetaRule):
    """
    ## What it does
    Reports that one rule failed on one file, so its verdict on that file is missing.

    ## Why is this bad?
    This is a bug in detlint, not in your code. The other rules and the other files are still
    checked, and the run exits with status 2 so that CI does not mistake it for a clean result.
    Run with `--debug` to see the traceback and report it.

    ## Example
    ```python
    # any file on which a rule raised an exception
    ```

    ## Use instead
    ```python
    # nothing to change in your code; upgrade detlint or report the traceback
    ```

    ## References
    - [detlint issue tracker](https://github.com/detlint/detlint/issues)
    """

    code = "DET002"
    name = "internal-error"
    severity = Severity.ERROR
    # No source can trigger it on purpose: tests inject a failing rule instead.
    example_free = True

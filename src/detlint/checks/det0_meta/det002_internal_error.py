from detlint.checks.base import MetaRule
from detlint.finding import Finding, Severity


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

    @classmethod
    def failure(cls, path: str, message: str, missing: str) -> Finding:
        """A rule's failure on `path`: `message` says which rule and how, `missing` what is lost."""
        return cls.at(
            path,
            message,
            detail=f"{missing[:1].upper()}{missing[1:]}; the other rules and files were still checked.",
            help="Run with `--debug` for the traceback, and report it",
            # Hashed as the message read before the advice moved out of it, so baselines still match.
            anchor=f"{message}; {missing} (run with --debug for the traceback)",
        )

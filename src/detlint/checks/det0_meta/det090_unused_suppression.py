from detlint.checks.base import MetaRule
from detlint.finding import Severity


class UnusedSuppressionRule(MetaRule):
    """
    ## What it does
    Reports a `# noqa: DETnnn`, `# detlint: ignore[...]` or `# detlint: file-ignore[...]` selector
    that silenced no finding, or that names no detlint rule.

    ## Why is this bad?
    Stale suppressions hide the next real finding on that line, and a misspelled code silences
    nothing while looking as if it did. Blanket `# noqa` comments and codes of other tools are left
    alone.

    ## Example
    ```python
    import torch

    torch.backends.cudnn.benchmark = False  # noqa: DET203
    ```

    ## Use instead
    ```python
    import torch

    torch.backends.cudnn.benchmark = False
    ```

    ## References
    - [ruff: unused-noqa (RUF100)](https://docs.astral.sh/ruff/rules/unused-noqa/)
    """

    code = "DET090"
    name = "unused-suppression"
    severity = Severity.WARNING
    VALID = (
        "import torch\ntorch.backends.cudnn.benchmark = True  # noqa: DET203\n",
        "import torch\ntorch.backends.cudnn.benchmark = True  # detlint: ignore[cudnn-benchmark]\n",
        "import torch\n# detlint: ignore[DET203]\ntorch.backends.cudnn.benchmark = True\n",
        "x = 1  # noqa\n",
        "import os  # noqa: F401\n",
    )
    INVALID = (
        "import torch\ntorch.backends.cudnn.benchmark = False  # noqa: DET203  # DET090\n",
        "x = 1  # detlint: ignore[DET2O3]  # DET090\n",
        "# detlint: file-ignore[DET1]  # DET090\nx = 1\n",
    )

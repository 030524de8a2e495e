from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from detlint.checks.base import ProjectRule
from detlint.finding import Finding, RelatedLocation, Severity
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import entry_finding, entry_states
from detlint.versions import final_release

VARIABLE = "CUBLAS_WORKSPACE_CONFIG"
VALID_VALUES = (":4096:8", ":16:8", "")  # "" : set by a helper whose value is documented
FIXED_IN = Version("2.10")


class CublasWorkspaceMissing(ProjectRule):
    """
    ## What it does
    Reports an entry point that enables deterministic algorithms and uses CUDA on PyTorch older than
    2.10 without setting `CUBLAS_WORKSPACE_CONFIG` (to `:4096:8` or `:16:8`) before the first CUDA
    use, or that sets it only after CUDA was initialised. Only when the project pins PyTorch (or sets
    `target-versions`) below 2.10.

    ## Why is this bad?
    From CUDA 10.2 on, cuBLAS needs a fixed workspace configuration to be reproducible. Under
    deterministic mode, PyTorch 1.7-2.9 raises `RuntimeError` in `torch.mm`, `torch.mv` and
    `torch.bmm` on CUDA when the variable is missing, and the variable is read only when the cuBLAS
    handle is created: setting it after CUDA started changes nothing.

    ## Example
    ```python
    import torch

    if __name__ == "__main__":
        torch.use_deterministic_algorithms(True)
        x = torch.ones(4, 4, device="cuda")
        y = x @ x
    ```

    ## Use instead
    ```python
    import os

    os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"

    import torch

    if __name__ == "__main__":
        torch.use_deterministic_algorithms(True)
        x = torch.ones(4, 4, device="cuda")
        y = x @ x
    ```

    ## References
    - [PyTorch: torch.use_deterministic_algorithms](https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html)
    - [NVIDIA cuBLAS: results reproducibility](https://docs.nvidia.com/cuda/cublas/index.html#results-reproducibility)
    """

    code = "DET205"
    name = "cublas-workspace-missing"
    severity = Severity.WARNING

    _PINNED = {"requirements.txt": "torch==2.4.1\n"}
    VALID = (
        {**_PINNED, "train.py": "import os\nos.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'\nimport torch\n\n"
         "if __name__ == '__main__':\n    torch.use_deterministic_algorithms(True)\n    torch.ones(2, device='cuda')\n"},
        # PyTorch 2.10 and later need no workspace setting.
        {"requirements.txt": "torch==2.11.0\n", "train.py": "import torch\n\nif __name__ == '__main__':\n"
         "    torch.use_deterministic_algorithms(True)\n    torch.ones(2, device='cuda')\n"},
        # Seeding CUDA generators and building a device descriptor do not start CUDA: still in time.
        {**_PINNED, "train.py": "import os\nimport torch\n\ndef seed():\n    torch.cuda.manual_seed_all(0)\n"
         "    torch.use_deterministic_algorithms(True)\n    os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'\n\n"
         "if __name__ == '__main__':\n    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
         "    seed()\n    torch.ones(2, device=device).cuda()\n"},
        # The version is unknown: judged against the newest release.
        "import torch\n\nif __name__ == '__main__':\n    torch.use_deterministic_algorithms(True)\n"
        "    torch.ones(2, device='cuda')\n",
    )  # fmt: skip
    INVALID = (
        {**_PINNED, "train.py": "import torch\n\nif __name__ == '__main__':\n"
         "    torch.use_deterministic_algorithms(True)  # DET205\n    torch.ones(2, device='cuda')\n"},
        {**_PINNED, "train.py": "import os\nimport torch\n\nif __name__ == '__main__':\n"
         "    torch.use_deterministic_algorithms(True)  # DET205\n    x = torch.ones(2, device='cuda')\n"
         "    os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'\n"},
    )  # fmt: skip

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        version, _ = index.framework_version("torch")
        if version is None or final_release(version) >= FIXED_IN:
            return
        for state in entry_states(index):
            enabled = state.mode_setting("torch", "error") or state.mode_setting("torch", "warn")
            cuda = state.cuda_start
            if enabled is None or cuda is None:
                continue
            settings = [r for r in state.env(VARIABLE) if r.event.detail in VALID_VALUES]
            in_time = [r for r in settings if state.position(r) < state.position(cuda)]
            if in_time:
                continue
            problem = "sets it only after CUDA is first used, too late for cuBLAS" if settings else "never sets it"
            yield entry_finding(
                self,
                index,
                state,
                enabled,
                "torch",
                f"deterministic mode on CUDA needs `{VARIABLE}`, which this entry point's path "
                + ("sets too late" if settings else "never sets"),
                detail=f"In PyTorch {version}, cuBLAS matrix products in deterministic mode raise an error or vary "
                f"unless `{VARIABLE}` is set before CUDA starts; {state.entry.describe()} {problem}.",
                help=f'Set `os.environ["{VARIABLE}"] = ":4096:8"` before the first CUDA call (or upgrade to '
                "PyTorch 2.10 or later)",
                related=[
                    RelatedLocation(cuda.event.site.path, cuda.event.site.span, "CUDA is first used here"),
                    *([pin] if (pin := index.version_pin("torch")) else []),
                ],
            )

from __future__ import annotations

from collections.abc import Iterable

from detlint.checks.base import ProjectRule
from detlint.finding import Confidence, Finding, RelatedLocation, Severity, short_code
from detlint.project.entry_points import SELF_CHECK_REASON, is_self_check
from detlint.project.index import ProjectIndex
from detlint.facts.switches import CUDNN_MODE
from detlint.project.op_paths import OpCatalogView, cudnn_flag_covers, entry_finding, entry_states, listed_ops


class DeterministicModeMissing(ProjectRule):
    """
    ## What it does
    Reports an entry point that runs PyTorch on CUDA (`.cuda()`, `.to("cuda")`, `device="cuda"`,
    `torch.device("cuda")`, `torch.cuda.*`, Lightning's `Trainer` on a GPU accelerator) and never
    enables deterministic algorithms on its path: `torch.use_deterministic_algorithms(True)`,
    `torch.backends.cudnn.deterministic = True`, `Trainer(deterministic=True)` or
    `transformers.enable_full_determinism()`. Helpers in the project's own modules are followed.

    ## Why is this bad?
    By default PyTorch picks the fastest CUDA kernels, and many of them (atomic-add reductions,
    cuDNN algorithms) round differently from run to run. Seeds alone never reproduce a GPU run.

    ## Example
    ```python
    import torch

    if __name__ == "__main__":
        torch.manual_seed(0)
        model = torch.nn.Conv2d(3, 8, 3).cuda()
    ```

    ## Use instead
    ```python
    import torch

    if __name__ == "__main__":
        torch.manual_seed(0)
        torch.use_deterministic_algorithms(True)
        model = torch.nn.Conv2d(3, 8, 3).cuda()
    ```

    ## References
    - [PyTorch: Reproducibility](https://pytorch.org/docs/stable/notes/randomness.html)
    - [PyTorch: torch.use_deterministic_algorithms](https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html)
    """

    fix = "unsafe"
    code = "DET204"
    name = "deterministic-mode-missing"
    severity = Severity.WARNING

    VALID = (
        "import torch\nfrom transformers import AutoModelForCausalLM\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    model = AutoModelForCausalLM.from_pretrained('gpt2', device_map='cpu')\n",
        "import torch\n\nif __name__ == '__main__':\n    torch.use_deterministic_algorithms(True)\n"
        "    model = torch.nn.Linear(2, 2).cuda()\n",
        "import torch\n\nif __name__ == '__main__':\n    torch.backends.cudnn.deterministic = True\n"
        "    x = torch.zeros(2, device='cuda')\n",
        "from lightning import Trainer\nimport torch\n\nif __name__ == '__main__':\n"
        "    Trainer(deterministic=True, accelerator='gpu')\n",
        # Warn-only mode is enabled too (DET208 reports the warn-only part).
        "import torch\n\nif __name__ == '__main__':\n    torch.use_deterministic_algorithms(True, warn_only=True)\n"
        "    x = torch.zeros(2).to('cuda')\n",
        # CPU only.
        "import torch\n\nif __name__ == '__main__':\n    x = torch.zeros(2, device='cpu')\n",
        # Library code.
        "import torch\n\ndef to_gpu(x):\n    return x.cuda()\n",
    )
    INVALID = (
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    model = torch.nn.Conv2d(3, 8, 3).cuda()  # DET204\n",
        "import lightning as L\nimport torch\n\nif __name__ == '__main__':\n    trainer = L.Trainer(accelerator='gpu')  # DET204\n",
        # The device-agnostic API picks CUDA whenever there is a GPU.
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    device = torch.accelerator.current_accelerator()  # DET204\n    model = torch.nn.Linear(2, 2).to(device)\n",
        # A device map spreads the weights over the GPUs there are.
        "import torch\nfrom transformers import AutoModelForCausalLM\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    model = AutoModelForCausalLM.from_pretrained('gpt2', device_map='auto')  # DET204\n",
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        view = OpCatalogView(index, "torch_ops")
        for state in entry_states(index):
            cuda = state.first_cuda
            if cuda is None or state.mode("torch") in ("error", "warn"):
                continue  # no CUDA, or enabled (warn-only is DET208's finding)
            fixed = view.fixed_by_mode(state, cudnn_flag_covers)
            ops, listed = listed_ops(fixed)
            if state.mode(CUDNN_MODE) == "error" and not ops:
                continue  # cuDNN's flag covers every op the path is seen to run
            confidence = cuda.confidence
            # Ops that vary in every run that calls them (not only where code reads memory it never wrote).
            varying = [
                reached
                for reached in fixed
                if not view.judged(reached.event)[0].only_when_misused  # type: ignore[index]
            ]
            kept = "" if not is_self_check(index, state.entry, state.reached) else f" Low confidence: {SELF_CHECK_REASON}."
            if kept:
                confidence = Confidence.LOW
            if not varying and not state.trains("torch"):
                # No op on the path known to vary, and no backward pass: whether its kernels vary is unknown.
                confidence = Confidence.LOW
            yield entry_finding(
                self,
                index,
                state,
                cuda,
                "torch",
                "PyTorch runs on CUDA on this entry point's path without deterministic algorithms",
                detail=f"{state.entry.describe()} uses CUDA (`{short_code(cuda.event.site.anchor)}`) but never "
                "enables deterministic algorithms, so CUDA kernels that round differently from run to run stay "
                "in use."
                + (f" Turning them on {listed}." if listed else "")
                + (
                    " No op on this path is known to vary in every run, and it never trains (low confidence)."
                    if confidence is Confidence.LOW and not varying and not state.trains("torch")
                    else ""
                )
                + kept,
                help="Call `torch.use_deterministic_algorithms(True)` at the start of the run",
                related=[RelatedLocation(cuda.event.site.path, cuda.event.site.span, "CUDA is used here"), *ops],
                confidence=confidence,
                fix_code="torch.use_deterministic_algorithms(True)",
            )

from __future__ import annotations

from collections.abc import Iterable

from detlint.checks.base import ProjectRule
from detlint.facts.switches import CUDNN_MODE
from detlint.finding import Confidence, Finding, RelatedLocation, Severity, short_code
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import OpCatalogView, cudnn_flag_covers, entry_finding, entry_states, listed_ops


class DeterministicModeMissing(ProjectRule):
    """
    ## What it does
    Reports an entry point that runs PyTorch on CUDA (`.cuda()`, `.to("cuda")`, `device="cuda"`,
    `torch.device("cuda")`, `torch.cuda.*`, Lightning's `Trainer` on a GPU accelerator) and never
    enables deterministic algorithms on its path: `torch.use_deterministic_algorithms(True)`,
    `torch.backends.cudnn.deterministic = True`, `Trainer(deterministic=True)` or
    `transformers.enable_full_determinism()`. Helpers in the project's own modules are followed.
    Only where the switch would change something: the path runs an op that varies in every run and
    that deterministic mode makes deterministic, or trains with one the mode does not make raise
    (cuDNN's LSTM; in inference DET201 reports that op alone), or it trains a model whose layers are
    not seen (medium). Where every such op varies only when a command-line option is given
    (`torch.compile(model, mode=args.compile_mode)` with `--compile-mode` defaulting to None), it is
    low, or medium on a path that trains (its layers' backward kernels may vary unseen). Where every op
    it would change varies only under a run-time condition (`cumsum` of a tensor that may not hold
    floats) or lies on a path not known to run, it is low too.

    ## Why is this bad?
    By default PyTorch picks the fastest CUDA kernels, and many of them (atomic-add reductions,
    cuDNN algorithms) round differently from run to run. Seeds alone never reproduce a GPU run.

    ## Example
    ```python
    import torch

    if __name__ == "__main__":
        torch.manual_seed(0)
        model = torch.nn.Conv2d(3, 8, 3).cuda()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = model(torch.load("images.pt").cuda()).sum()
        loss.backward()
        optimizer.step()
    ```

    ## Use instead
    ```python
    import torch

    if __name__ == "__main__":
        torch.manual_seed(0)
        torch.use_deterministic_algorithms(True)
        model = torch.nn.Conv2d(3, 8, 3).cuda()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = model(torch.load("images.pt").cuda()).sum()
        loss.backward()
        optimizer.step()
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
        "    model = torch.nn.Conv2d(3, 8, 3).cuda()\n    model(torch.load('images.pt').cuda()).sum().backward()\n",
        "import torch\n\nif __name__ == '__main__':\n    torch.backends.cudnn.deterministic = True\n"
        "    model = torch.nn.Conv2d(3, 8, 3).cuda()\n    model(torch.load('images.pt').cuda()).sum().backward()\n",
        "from lightning import Trainer\nimport torch\n\nif __name__ == '__main__':\n"
        "    Trainer(deterministic=True, accelerator='gpu')\n",
        # Warn-only mode is enabled too (DET208 reports the warn-only part).
        "import torch\n\nif __name__ == '__main__':\n    torch.use_deterministic_algorithms(True, warn_only=True)\n"
        "    model = torch.nn.Conv2d(3, 8, 3).to('cuda')\n    model(torch.load('images.pt').cuda()).sum().backward()\n",
        # CPU only.
        "import torch\n\nif __name__ == '__main__':\n    x = torch.zeros(2, device='cpu')\n",
        # Library code.
        "import torch\n\ndef to_gpu(x):\n    return x.cuda()\n",
        # Inference that runs no op known to vary: nothing the switch would change is seen.
        "import torch\n\nif __name__ == '__main__':\n    model = torch.nn.Linear(2, 2).cuda().eval()\n"
        "    print(model(torch.ones(2, device='cuda')))\n",
        # Its one varying op (cuDNN's LSTM) is one deterministic mode cannot fix: DET201 reports the op.
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n    lstm = torch.nn.LSTM(4, 4).cuda().eval()\n"
        "    print(lstm(torch.load('sequences.pt').cuda()))\n",
        # An API demo on random tensors, reading no data: its results are not kept.
        "import torch\n\nif __name__ == '__main__':\n    model = torch.nn.Conv2d(3, 8, 3).cuda()\n"
        "    model(torch.randn(1, 3, 8, 8, device='cuda')).sum().backward()\n",
    )
    INVALID = (
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    model = torch.nn.Conv2d(3, 8, 3).cuda()  # DET204\n"
        "    model(torch.load('images.pt').cuda()).sum().backward()\n",
        "import lightning as L\nimport torch\nfrom torch import nn\n\nclass Net(L.LightningModule):\n"
        "    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 8, 3)\n\n"
        "    def training_step(self, batch, batch_idx):\n        return self.conv(batch).sum()\n\n"
        "if __name__ == '__main__':\n    trainer = L.Trainer(accelerator='gpu')  # DET204\n"
        "    trainer.fit(Net(), torch.utils.data.DataLoader(torch.load('images.pt')))\n",
        # The device-agnostic API picks CUDA whenever there is a GPU.
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    device = torch.accelerator.current_accelerator()  # DET204\n    model = torch.nn.Conv2d(3, 8, 3).to(device)\n"
        "    model(torch.load('images.pt').to(device)).sum().backward()\n",
        # Autotuning only when the command line asks for it (low).
        "import argparse\nimport torch\n\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('--compile-mode', default=None)\n\nif __name__ == '__main__':\n"
        "    args = parser.parse_args()\n    model = torch.load('model.pt').cuda()  # DET204\n"
        "    model = torch.compile(model, mode=args.compile_mode)\n    torch.save(model(torch.load('x.pt').cuda()), 'y.pt')\n",
        # A device map spreads the weights over the GPUs there are.
        "import torch\nfrom transformers import AutoModelForCausalLM\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    model = AutoModelForCausalLM.from_pretrained('gpt2', device_map='auto')  # DET204\n"
        "    model(input_ids=torch.tensor([[0]]), labels=torch.tensor([[0]])).loss.backward()\n",
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
            if not index.keeps_results(state.entry):
                continue  # a demo, a benchmark or a self-check
            reasons = self._reasons(view, state, view.varying_ops_fixed_by_mode(state))
            if not reasons:
                continue  # no op on the path is known to vary: nothing the switch would change is seen
            level, unseen = max(reasons, key=lambda reason: reason[0].rank)  # the first of equals
            confidence = Confidence.weakest(cuda.confidence, level)
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
                + unseen,
                help="Call `torch.use_deterministic_algorithms(True)` at the start of the run",
                related=[RelatedLocation(cuda.event.site.path, cuda.event.site.span, "CUDA is used here"), *ops],
                confidence=confidence,
                fix_code="torch.use_deterministic_algorithms(True)",
            )

    @staticmethod
    def _reasons(view: OpCatalogView, state, varying) -> list[tuple[Confidence, str]]:
        """How sure each reason for the switch is, with what the detail then adds (nothing for a sure one): ops
        the project shows that vary, a trained model whose layers are not seen, ops that vary only when the
        command line asks."""
        reasons: list[tuple[Confidence, str]] = []
        shown = [reached for reached in varying if not reached.event.option]
        if shown:
            # Ops matched only under a run-time condition (cumsum of what may be floats) or on a path not known
            # to run leave the switch as uncertain; an op the mode demands the fix of (cuDNN's LSTM) is sure.
            def uncertain(reached) -> bool:
                entry, _ = view.judged(reached.event)
                level = Confidence.weakest(reached.confidence, reached.event.confidence)
                return level is Confidence.LOW and not entry.mode_demands_its_fix

            if not all(map(uncertain, shown)):
                reasons.append((Confidence.HIGH, ""))
            else:
                reasons.append(
                    (Confidence.LOW, " Each op it would change varies only under a condition the source does not show "
                     "(low confidence).")
                )
        trains = state.trains("torch")
        outside = state.outside_model if trains else None
        if outside is not None:
            # It trains a model whose layers are not seen: its kernels may vary.
            reasons.append(
                (Confidence.MEDIUM, " No op the project shows is sure to vary, but the path trains a model whose "
                 f"layers are not seen (`{short_code(outside.event.site.anchor)}`), and its kernels may (medium "
                 "confidence).")
            )
        options = sorted({reached.event.option for reached in varying if reached.event.option})
        if options:
            # The ops it would change vary only when the command line asks (`--compile-mode max-autotune`);
            # a path that trains also runs the backward kernels of layers built where it cannot see.
            listed = ", ".join(f"`{option}`" for option in options)
            reasons.append(
                (Confidence.MEDIUM if trains else Confidence.LOW,
                 f" The ops it would change vary only when the command line sets {listed} to a value other than its "
                 "default" + ("; the path trains, and the layers it trains may vary too (medium confidence)."
                              if trains else " (low confidence)."))
            )
        return reasons

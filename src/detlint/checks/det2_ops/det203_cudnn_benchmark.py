from __future__ import annotations

import libcst as cst

from detlint.checks.base import FixSpec, Rule
from detlint.checks.det2_ops._switch_visitor import TORCH_FRAMEWORKS, SwitchVisitor, short_name
from detlint.facts.switches import SwitchWrite
from detlint.finding import Confidence, Severity
from detlint.names import NOT_LITERAL


class CudnnBenchmark(SwitchVisitor, Rule):
    """
    ## What it does
    Checks for `torch.backends.cudnn.benchmark = True`, `torch.backends.cudnn.flags(benchmark=True)`
    and Lightning's `Trainer(benchmark=True)`.

    ## Why is this bad?
    With benchmarking on, cuDNN times several convolution algorithms for each new input shape and
    keeps the fastest. Timings vary between processes and machines, so two runs can pick different
    algorithms and produce different numbers, even with every seed fixed and deterministic
    algorithms requested. Benchmarking is off by default.

    A value that is not a literal (`cudnn.benchmark = args.benchmark`) is reported at low
    confidence: it may or may not turn benchmarking on. So is `True` written under a flag that is
    off unless set (an option or parameter whose default is false, `if cfg.get("benchmark"):`): the
    line runs only when the user opts in.

    ## Example
    ```python
    import torch

    torch.backends.cudnn.benchmark = True
    ```

    ## Use instead
    ```python
    import torch

    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    ```

    ## References
    - [PyTorch: Reproducibility, CUDA convolution benchmarking](https://pytorch.org/docs/stable/notes/randomness.html#cuda-convolution-benchmarking)
    - [Lightning Trainer: benchmark](https://lightning.ai/docs/pytorch/stable/common/trainer.html#benchmark)
    """

    fix = "safe"
    code = "DET203"
    name = "cudnn-benchmark"
    severity = Severity.WARNING
    frameworks = TORCH_FRAMEWORKS

    VALID = (
        "import torch\ntorch.backends.cudnn.benchmark = False\n",
        "import torch\nprint(torch.backends.cudnn.benchmark)\n",
        "class Config:\n    benchmark = True\n",
        "settings.cudnn.benchmark = True\n",
        "from lightning import Trainer\ntrainer = Trainer(benchmark=False, deterministic=True)\n",
        "from torch.backends import cudnn\nwith cudnn.flags(enabled=True, benchmark=False):\n    pass\n",
    )
    INVALID = (
        "import torch\ntorch.backends.cudnn.benchmark = True  # DET203\n",
        "import torch as T\nT.backends.cudnn.benchmark = True  # DET203\n",
        "from torch.backends import cudnn\ncudnn.benchmark = True  # DET203\n",
        "import torch.backends.cudnn as cudnn\ncudnn.benchmark = True  # DET203\n",
        "import torch\ncudnn = torch.backends.cudnn\ncudnn.benchmark = True  # DET203\n",
        "import torch\nsetattr(torch.backends.cudnn, 'benchmark', True)  # DET203\n",
        "import pytorch_lightning as pl\ntrainer = pl.Trainer(max_epochs=3, benchmark=True)  # DET203\n",
        "from lightning.pytorch import Trainer\ntrainer = Trainer(\n    benchmark=True,  # DET203\n)\n",
        "import torch\nwith torch.backends.cudnn.flags(enabled=True, benchmark=True):  # DET203\n    pass\n",
    )

    def on_call(self, node: cst.Call) -> None:
        switch = self.keyword_switch(node)
        if switch is None or switch.autotune is None:
            return
        self._report_value(
            switch.autotune,
            self.literal(switch.autotune.value),
            f"`{short_name(switch.callable)}({switch.autotune.keyword.value}=True)`",
            node.func,
            switch.autotune.value,
        )

    def on_switch_write(self, write: SwitchWrite) -> None:
        entry = self.catalog.torch_switches.switches.get(write.qualname)
        if entry is not None and entry["effect"] == "autotune":
            self._report_value(write.node, write.value, f"`{write.qualname} = True`", write.node, write.value_node)

    def _report_value(
        self, node: cst.CSTNode, value: object, what: str, resolved: cst.CSTNode, value_node: cst.CSTNode | None
    ) -> None:
        if value is True:
            fix = FixSpec.replace(value_node, "False", "turn cuDNN benchmarking off") if value_node else None
            detail = (
                "The fastest algorithm is picked anew in every process, and different algorithms round "
                "differently, so results differ between runs."
            )
            confidence = self.resolution_confidence(resolved)
            flag = self._opt_in_flag()
            if flag is not None:
                code = self.context.module.code_for_node(flag)
                detail += f" It runs only when `{code}` is set, which it is not by default (low confidence)."
                confidence = Confidence.LOW
            self.report(
                node,
                f"{what} makes cuDNN choose convolution algorithms by timing them in each run",
                detail=detail,
                help="Set it to False when results must repeat",
                confidence=confidence,
                fix=fix,
            )
        elif value is NOT_LITERAL:
            self.report(
                node,
                f"{what.replace('True', '...')} is set from a runtime value that may turn cuDNN benchmarking on",
                detail="When it is True, cuDNN picks convolution algorithms by timing them in each process, and "
                "results differ between runs.",
                help="Make sure it is False when results must repeat",
                confidence=Confidence.LOW,
            )

    def _opt_in_flag(self) -> cst.BaseExpression | None:
        """The flag of the `if flag:` whose body holds the current statement (`if args.benchmark:`,
        `if cfg.get("cudnn_benchmark"):`), when the flag is known to be off unless set (a default, an
        option's default, a key read without a default): the switch is the user's opt-in."""
        statements = self.context.statement_stack
        guard = statements[-2] if len(statements) >= 2 else None
        if not isinstance(guard, cst.If) or guard.body is not self.enclosing_block():
            return None
        test = guard.test
        if isinstance(test, cst.Call):
            func = test.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == "get" and 1 <= len(test.args) <= 2):
                return None
            default = self.literal(test.args[1].value) if len(test.args) == 2 else None
        elif isinstance(test, (cst.Name, cst.Attribute, cst.Subscript)):
            default = self.context.model.known(test).value
        else:
            return None  # a comparison or a call (`torch.cuda.is_available()`): not a user's choice
        return test if default is not NOT_LITERAL and not default else None

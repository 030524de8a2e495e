from __future__ import annotations

import difflib

import libcst as cst

from detlint.checks.base import FixSpec, Rule
from detlint.checks.det2_ops._switch_visitor import TORCH_FRAMEWORKS, SwitchVisitor, short_name
from detlint.facts.switches import SwitchWrite, level_of
from detlint.finding import Severity, short_code

# (message clause, detail, help) for each deterministic-mode level that is a misconfiguration.
_LEVEL_PROBLEMS = {
    "off": (
        "turns deterministic algorithms off",
        "Ops that run after it may pick nondeterministic kernels again.",
        "Remove it, or use `warn_only=True` only around an op that has no deterministic implementation",
    ),
    "warn": (
        "only warns about nondeterministic ops",
        "Ops without a deterministic implementation still run nondeterministically, after a warning that "
        "scrolls past in a training log.",
        "Enable it without warn-only and replace those ops",
    ),
}


class DeterminismMisconfigured(SwitchVisitor, Rule):
    """
    ## What it does
    Checks for PyTorch determinism switches that do not do what they seem to: a misspelled cuDNN
    flag (`cudnn.benchmarks`, `cudnn.determinstic`), `cudnn.deterministic = True` undone by
    `cudnn.benchmark = True` in the same block, the removed `torch.set_deterministic`,
    `torch.use_deterministic_algorithms(False)`, `warn_only=True`,
    `torch.set_deterministic_debug_mode("warn")` and Lightning's `Trainer(deterministic="warn")`.

    ## Why is this bad?
    `torch.backends.cudnn` is a plain module: assigning a misspelled attribute creates a new global
    and silently changes nothing. With benchmarking on, cuDNN may pick a different (deterministic)
    algorithm in each run, and different algorithms round differently. `torch.set_deterministic`
    was removed in torch 1.10 and raises `AttributeError`. Warn-only modes let nondeterministic
    kernels run after a warning that scrolls past in a training log.

    ## Example
    ```python
    import torch

    torch.backends.cudnn.determinstic = True
    torch.use_deterministic_algorithms(True, warn_only=True)
    ```

    ## Use instead
    ```python
    import torch

    torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True)
    ```

    ## References
    - [PyTorch: torch.use_deterministic_algorithms](https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html)
    - [PyTorch: Reproducibility](https://pytorch.org/docs/stable/notes/randomness.html)
    - [Lightning Trainer: deterministic](https://lightning.ai/docs/pytorch/stable/common/trainer.html#deterministic)
    """

    fix = "safe"
    code = "DET208"
    name = "determinism-misconfigured"
    severity = Severity.WARNING
    frameworks = TORCH_FRAMEWORKS

    VALID = (
        "import torch\ntorch.backends.cudnn.deterministic = True\ntorch.backends.cudnn.benchmark = False\n",
        "import torch\ntorch.use_deterministic_algorithms(True)\n",
        "import torch\ntorch.use_deterministic_algorithms(mode=True, warn_only=False)\n",
        "import torch\ntorch.set_deterministic_debug_mode('error')\n",
        "import torch\ntorch.backends.cudnn.allow_tf32 = False\n",
        "import torch\nprint(torch.backends.cudnn.version())\n",
        "from lightning import Trainer\nTrainer(deterministic=True)\n",
        # Opposite branches never hold together.
        "import torch\nif fast:\n    torch.backends.cudnn.benchmark = True\n"
        "else:\n    torch.backends.cudnn.deterministic = True\n",
        # The last write in the block wins.
        "import torch\ntorch.backends.cudnn.benchmark = True\ntorch.backends.cudnn.benchmark = False\n"
        "torch.backends.cudnn.deterministic = True\n",
        "cudnn.benchmarks = True\n",
        "import numpy\nnumpy.set_deterministic(True)\n",
        # Compatibility code for old releases.
        "import torch\nif hasattr(torch, 'use_deterministic_algorithms'):\n    torch.use_deterministic_algorithms(True)\n"
        "else:\n    torch.set_deterministic(True)\n",
        "import torch\ntry:\n    torch.use_deterministic_algorithms(True)\nexcept AttributeError:\n    torch.set_deterministic(True)\n",
    )
    INVALID = (
        "import torch\ntorch.backends.cudnn.benchmarks = False  # DET208\n",
        "from torch.backends import cudnn\ncudnn.determinstic = True  # DET208\n",
        "import torch\ntorch.backends.cudnn.deterministic = True  # DET208\ntorch.backends.cudnn.benchmark = True\n",
        "import torch\ntorch.set_deterministic(True)  # DET208\n",
        "import torch\ntorch.use_deterministic_algorithms(False)  # DET208\n",
        "import torch\ntorch.use_deterministic_algorithms(True, warn_only=True)  # DET208\n",
        "import torch as T\nT.set_deterministic_debug_mode('warn')  # DET208\n",
        "import lightning as L\ntrainer = L.Trainer(deterministic='warn')  # DET208\n",
        "from lightning import Trainer\ntrainer = Trainer(deterministic=True, benchmark=True)  # DET208\n",
    )

    def on_call(self, node: cst.Call) -> None:
        qualname = self.qualname(node.func)
        if qualname is None:
            return
        self._check_removed(node, qualname)
        self._check_mode_function(node, qualname)
        self._check_keyword_switch(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        switches = self.catalog.torch_switches.switches
        for writes in self.context.model.last_attribute_writes():
            # The last value each switch effect is given in the block.
            effects = {switches[name]["effect"]: write for name, write in writes.items() if name in switches}
            deterministic, autotune = effects.get("deterministic"), effects.get("autotune")
            if deterministic and autotune and deterministic.value is True and autotune.value is True:
                self.report(
                    deterministic.node,
                    f"`{deterministic.qualname} = True` is undone by `{autotune.qualname} = True` in the same block",
                    detail="With benchmarking on, cuDNN may pick a different algorithm in each run, and different "
                    "algorithms round differently.",
                    help="Set benchmark to False",
                    related=[(autotune.node, "benchmarking is turned on here")],
                )

    def on_switch_write(self, write: SwitchWrite) -> None:
        namespace = self.catalog.torch_switches.flag_namespaces.get(write.namespace)
        if namespace is not None and write.attribute not in namespace["attributes"]:
            close = difflib.get_close_matches(write.attribute, namespace["attributes"], n=1)
            hint = f"Did you mean `{write.namespace}.{close[0]}`?" if close else ""
            fix = (
                FixSpec.replace(write.attribute_node, close[0], f"spell the switch `{close[0]}`")
                if close and write.attribute_node is not None
                else None
            )
            self.report(
                write.node,
                f"`{write.qualname}` is not a switch of `{write.namespace}`, so the assignment changes nothing",
                detail=f"`{write.namespace}` is a plain module: assigning a name it does not have creates a new "
                "attribute, and no switch is set.",
                help=hint,
                confidence=self.resolution_confidence(write.node),
                fix=fix,
            )

    def _check_removed(self, node: cst.Call, qualname: str) -> None:
        if self._version_guarded():
            return  # compatibility code: `if hasattr(torch, ...)` or `except AttributeError`
        entry = self.catalog.torch_switches.removed_apis.get(qualname)
        if entry is not None:
            deprecated = f"deprecated in torch {entry['deprecated_in']} and " if entry.get("deprecated_in") else ""
            self.report(
                node,
                f"`{qualname}` was removed in torch {entry['removed_in']} and raises AttributeError",
                detail=f"It was {deprecated}removed in torch {entry['removed_in']}; later versions raise "
                "AttributeError when it is called.",
                help=f"Use `{entry['replacement']}`",
                confidence=self.resolution_confidence(node.func),
            )

    def _version_guarded(self) -> bool:
        for statement in self.context.statement_stack:
            if isinstance(statement, cst.If) and "hasattr" in self.context.module.code_for_node(statement.test):
                return True
            if isinstance(statement, (cst.Try, cst.TryStar)):
                for handler in statement.handlers:
                    caught = self.context.module.code_for_node(handler.type) if handler.type else "Exception"
                    if "AttributeError" in caught or caught.strip() in ("Exception", "BaseException"):
                        return True
        return False

    def _check_mode_function(self, node: cst.Call, qualname: str) -> None:
        entry = self.catalog.torch_switches.mode_functions.get(qualname)
        if entry is None:
            return
        mode = self.argument(node, entry["argument"], 0)
        level = level_of(entry["levels"], mode)
        warn_only = self.argument(node, entry.get("warn_only_keyword", ""))
        if level == "error" and warn_only is not None and self.literal(warn_only.value) is True:
            self._report_level(warn_only, f"`{short_name(qualname)}(..., warn_only=True)`", "warn")
        elif level in _LEVEL_PROBLEMS:
            self._report_level(node, f"`{short_name(qualname)}({short_code(self._source(mode), 30)})`", level)

    def _report_level(self, node: cst.CSTNode, subject: str, level: str) -> None:
        problem, detail, fix = _LEVEL_PROBLEMS[level]
        self.report(node, f"{subject} {problem}", detail=detail, help=fix)

    def _check_keyword_switch(self, node: cst.Call) -> None:
        switch = self.keyword_switch(node)
        if switch is None or switch.deterministic is None:
            return
        callable_name = short_name(switch.callable)
        level = level_of(switch.entry.get("deterministic_levels", {}), switch.deterministic)
        if level in _LEVEL_PROBLEMS:
            keyword = f"{switch.deterministic.keyword.value}={self._source(switch.deterministic)}"
            self._report_level(switch.deterministic, f"`{callable_name}({keyword})`", level)
        if level == "error" and switch.autotune is not None and self.literal(switch.autotune.value) is True:
            self.report(
                node,
                f"`{callable_name}(deterministic=True, benchmark=True)` contradicts itself",
                detail="Benchmarking may pick a different algorithm in each run, and different algorithms round "
                "differently.",
                help="Drop `benchmark=True`",
            )

    def _source(self, arg: cst.Arg | None) -> str:
        return "" if arg is None else self.context.module.code_for_node(arg.value)

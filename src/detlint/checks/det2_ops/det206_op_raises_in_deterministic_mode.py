from __future__ import annotations

from collections.abc import Iterable

from detlint.checks.base import ProjectRule
from detlint.finding import Finding, Severity, short_code
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import OpCatalogView, describe_entries, entry_locations, entry_states


class OpRaisesInDeterministicMode(ProjectRule):
    """
    ## What it does
    Reports PyTorch operations that have no deterministic implementation in the project's PyTorch
    version, called on the path of an entry point that enables `torch.use_deterministic_algorithms(True)`
    without `warn_only`. The message names the version and the way out: an alternative call, a
    `warn_only=True` region around the op, or the release where it became deterministic.

    ## Why is this bad?
    Under deterministic mode such an op raises `RuntimeError` when it runs on CUDA: the training run
    crashes, often hours in, at the first backward pass or evaluation step that reaches it.

    ## Example
    ```python
    import torch
    import torch.nn.functional as F

    if __name__ == "__main__":
        torch.use_deterministic_algorithms(True)
        x = torch.ones(1, 1, 4, 4, device="cuda", requires_grad=True)
        F.adaptive_avg_pool2d(x, 2).sum().backward()
    ```

    ## Use instead
    ```python
    import torch

    if __name__ == "__main__":
        torch.use_deterministic_algorithms(True)
        x = torch.ones(1, 1, 4, 4, device="cuda", requires_grad=True)
        x.mean(dim=(-2, -1), keepdim=True).sum().backward()
    ```

    ## References
    - [PyTorch: torch.use_deterministic_algorithms](https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html)
    """

    code = "DET206"
    name = "op-raises-in-deterministic-mode"
    severity = Severity.ERROR

    VALID = (
        "import torch\nimport torch.nn.functional as F\n\nif __name__ == '__main__':\n"
        "    torch.use_deterministic_algorithms(True, warn_only=True)\n    conv = torch.nn.Conv2d(3, 8, 3).cuda()\n"
        "    features = conv(torch.load('images.pt').cuda())\n    F.adaptive_avg_pool2d(features, 2).sum().backward()\n",
        "import torch\n\nif __name__ == '__main__':\n    torch.use_deterministic_algorithms(True)\n"
        "    x = torch.zeros(4, device='cuda')\n    x.index_add_(0, torch.tensor([0, 0]), torch.ones(2))\n",
        # Resizing the input batch of a training loop: no gradient flows back to the data.
        "import torch\nimport torch.nn.functional as F\n\ndef train(model, loader, optimizer):\n"
        "    torch.use_deterministic_algorithms(True)\n    for images, labels in loader:\n"
        "        images = images.cuda().float() / 255\n"
        "        images = F.interpolate(images, size=(320, 320), mode='bicubic')\n"
        "        model(images).sum().backward()\n        optimizer.step()\n\nif __name__ == '__main__':\n"
        "    train(None, [], None)\n",
    )
    INVALID = (
        "import torch\nimport torch.nn.functional as F\n\nif __name__ == '__main__':\n"
        "    torch.use_deterministic_algorithms(True)\n    conv = torch.nn.Conv2d(3, 8, 3).cuda()\n"
        "    features = conv(torch.load('images.pt').cuda())\n"
        "    F.adaptive_avg_pool2d(features, 2).sum().backward()  # DET206\n",
        # Repeatable (its windows cannot overlap), but the mode's check raises all the same.
        "import torch\n\nif __name__ == '__main__':\n    torch.use_deterministic_algorithms(True)\n"
        "    pool = torch.nn.AdaptiveMaxPool2d((None, 1))  # DET206\n"
        "    head = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), pool).cuda()\n"
        "    head(torch.load('images.pt').cuda()).sum().backward()\n",
        # What the model computes from the batch carries gradients; so does a batch that asks for them.
        "import torch\nimport torch.nn.functional as F\n\ndef train(model, loader, optimizer):\n"
        "    torch.use_deterministic_algorithms(True)\n    for images, labels in loader:\n"
        "        images = images.cuda().requires_grad_()\n"
        "        resized = F.interpolate(images, size=(320, 320), mode='bicubic')  # DET206\n"
        "        masks = F.interpolate(model(resized), scale_factor=2, mode='bicubic')  # DET206\n"
        "        masks.sum().backward()\n        optimizer.step()\n\nif __name__ == '__main__':\n"
        "    train(None, [], None)\n",
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        view = OpCatalogView(index, "torch_ops")
        for use in view.uses(index, entry_states(index)):
            if use.status.deterministic_mode != "raises":
                continue
            strict = [state for state, _ in use.reaching if state.mode("torch") == "error"]
            if not strict:
                continue
            confidence = use.event.confidence
            if use.entry.device == "cuda" and not any(state.first_cuda for state in strict):
                confidence = confidence.lowered()
            site = use.event.site
            yield self.finding(
                site.path,
                site.span,
                f"`{short_code(site.anchor)}` will raise RuntimeError in deterministic mode",
                detail=f"It runs {use.op_name}. In {view.version_text} that has no deterministic implementation"
                f"{' on CUDA' if use.entry.device == 'cuda' else ''}, and {describe_entries(strict)} enables "
                "deterministic mode, so the run stops when it reaches this call.",
                help=f"{use.entry.alternative} Otherwise wrap the call in "
                "`torch.use_deterministic_algorithms(True, warn_only=True)` for that region.",
                related=[*entry_locations(strict), *view.pin(index)],
                anchor=f"{use.entry.id}:{site.anchor}",
                scope=site.scope,
                confidence=confidence,
                statement_lines=site.statement_lines,
                properties=view.properties(use),
            )

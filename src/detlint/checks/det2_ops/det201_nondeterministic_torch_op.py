from __future__ import annotations

from collections.abc import Iterable

from detlint.checks.base import ProjectRule
from detlint.finding import Finding, Severity
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import torch_mode_covers, unprotected_op_findings


class NondeterministicTorchOp(ProjectRule):
    """
    ## What it does
    Reports calls of PyTorch operations that use nondeterministic kernels (atomic adds on CUDA,
    mostly), on the path of an entry point that never turns on
    `torch.use_deterministic_algorithms(True)`. Every way the op is written is recognised (function,
    `Tensor` method, `nn` module, `F.` functional form, through any import alias); argument
    conditions are applied to literal arguments (`mode="bicubic"`, `accumulate=True`,
    `reduce="prod"`, given `weights`...), and the verdict follows the project's PyTorch version (its
    pins or locks, or `target-versions`). An op that deterministic mode makes deterministic is not
    reported per call: DET204 lists it once for the entry point, and where no entry point reaches it
    (a library) the change belongs to the runs that use it. A backward-only op applied to a training
    loop's input batch (no gradient flows back to the data) or to a tensor that carries no gradient
    (after `.detach()`, made by `torch.from_numpy` or by `torch.tensor` without `requires_grad`), `cumsum` of an integer or boolean tensor
    (`(~mask).cumsum(1)`, the counts of `torch.unique(x, return_counts=True)`: exact whatever the
    order of the additions), and a CUDA-only op on a copy in host memory (`x.cpu().cumsum(0)`) are
    not reported.

    Confidence is high for a resolved call, medium for a method on an unknown receiver or an argument
    that is not a literal, low when the hazard depends on a run-time fact (tensor rank, sparsity) or
    when no entry point reaches the call (in an application reported then only in a class's methods,
    a library's layers: an unreached free function says nothing about how its op runs; and a
    backward-only op only when some run of the application trains with PyTorch). A call only runs
    whose results nobody keeps reach (a demo on random tensors, a benchmark) is not reported. It is
    lowered when nothing on the path uses CUDA and the op is nondeterministic only on CUDA.

    ## Why is this bad?
    Floating-point addition is not associative: when many threads add into the same output with
    atomics, the order (and so the rounding) changes from run to run. Gradients, and then the whole
    model, drift apart even with every seed fixed.

    ## Example
    ```python
    import torch
    import torch.nn.functional as F

    def main():
        x = torch.randn(1, 3, 8, 8, device="cuda", requires_grad=True)
        F.interpolate(x, scale_factor=2, mode="bicubic").sum().backward()

    if __name__ == "__main__":
        main()
    ```

    ## Use instead
    ```python
    import torch
    import torch.nn.functional as F

    def main():
        torch.use_deterministic_algorithms(True)
        x = torch.randn(1, 3, 8, 8, device="cuda", requires_grad=True)
        F.interpolate(x, scale_factor=2, mode="bicubic").sum().backward()

    if __name__ == "__main__":
        main()
    ```

    ## References
    - [PyTorch: torch.use_deterministic_algorithms](https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html)
    - [PyTorch: Reproducibility](https://pytorch.org/docs/stable/notes/randomness.html)
    """

    code = "DET201"
    name = "nondeterministic-torch-op"
    severity = Severity.WARNING

    VALID = (
        "import torch\nimport torch.nn.functional as F\n\nif __name__ == '__main__':\n"
        "    torch.use_deterministic_algorithms(True)\n    x = torch.load('images.pt').cuda().requires_grad_()\n"
        "    F.interpolate(x, scale_factor=2, mode='bicubic').sum().backward()\n",
        "import torch.nn.functional as F\nimport torch\n\nif __name__ == '__main__':\n"
        "    x = torch.ones(1, 1, 2, 2).cuda()\n    F.interpolate(x, scale_factor=2, mode='nearest')\n",
        # Pooling windows of the whole width that cannot overlap: each input gradient gets one atomic add.
        "import torch\nimport torch.nn.functional as F\n\nif __name__ == '__main__':\n"
        "    conv = torch.nn.Conv2d(3, 8, 3).cuda()\n    features = conv(torch.load('images.pt').cuda())\n"
        "    F.adaptive_avg_pool2d(features, (None, 1)).sum().backward()\n",
        # Not PyTorch: a file that never imports torch.
        "import pandas as pd\n\nif __name__ == '__main__':\n    print(pd.Series([1, 2]).median())\n",
        "import numpy as np\nprint(np.cumsum([1, 2]))\n",
        # Deterministic mode would make it deterministic: DET204 reports the path once and lists it.
        "import torch\n\nif __name__ == '__main__':\n    x = torch.zeros(4).cuda()\n"
        "    x.index_add_(0, torch.tensor([0, 0]), torch.ones(2))\n",
        # A backward-only op under no_grad: its backward pass never runs.
        "import torch\nimport torch.nn.functional as F\n\n@torch.no_grad()\ndef main():\n"
        "    x = torch.ones(1, 1, 2, 2).cuda()\n    F.interpolate(x, scale_factor=2, mode='bicubic')\n\n"
        "if __name__ == '__main__':\n    main()\n",
        # Applied to a detached tensor, or one made from host data: no gradient flows back through it.
        "import torch\nimport torch.nn.functional as F\n\ndef main():\n    conv = torch.nn.Conv2d(3, 1, 3).cuda()\n"
        "    features = conv(torch.load('images.pt').cuda())\n    heatmap = features.detach()\n"
        "    torch.save(F.interpolate(heatmap, scale_factor=2, mode='bicubic'), 'heatmap.pt')\n"
        "    features.sum().backward()\n\nif __name__ == '__main__':\n    main()\n",
        "import numpy as np\nimport torch\nimport torch.nn.functional as F\n\nclass Relative(torch.nn.Module):\n"
        "    def __init__(self, table):\n        super().__init__()\n"
        "        grid = torch.from_numpy(np.asarray(table)).unsqueeze(0)\n"
        "        grid = F.interpolate(grid, size=(8, 8), mode='bicubic')\n        self.register_buffer('grid', grid)\n",
        # Frozen pretrained weights (`freeze=True` is the default) and index inputs take no gradient.
        "import numpy as np\nimport torch\nfrom torch import nn\n\ndef main():\n"
        "    bag = nn.EmbeddingBag.from_pretrained(torch.from_numpy(np.load('w.npy')), mode='max').cuda()\n"
        "    head = nn.Linear(8, 1).cuda()\n    head(bag(torch.load('ids.pt').cuda())).sum().backward()\n\n"
        "if __name__ == '__main__':\n    main()\n",
        # The loop's batch, downscaled before the name is given the model's output on every pass.
        "import torch\nimport torch.nn.functional as F\n\ndef main():\n    conv = torch.nn.Conv2d(3, 1, 3).cuda()\n"
        "    opt = torch.optim.SGD(conv.parameters(), lr=0.1)\n"
        "    for images in torch.utils.data.DataLoader(torch.load('images.pt')):\n        heatmap = images.cuda()\n"
        "        small = F.interpolate(heatmap, scale_factor=0.5, mode='bicubic')\n        heatmap = conv(small)\n"
        "        heatmap.sum().backward()\n        opt.step()\n\nif __name__ == '__main__':\n    main()\n",
        # Features detached inside a `with` block, which always runs.
        "import torch\nimport torch.nn.functional as F\n\ndef main():\n    conv = torch.nn.Conv2d(3, 1, 3).cuda()\n"
        "    with torch.autocast('cuda'):\n        features = conv(torch.load('images.pt').cuda()).detach()\n"
        "    heatmap = F.interpolate(features, scale_factor=2, mode='bicubic')\n"
        "    (conv(torch.load('images.pt').cuda()).mean() + heatmap.mean()).backward()\n\n"
        "if __name__ == '__main__':\n    main()\n",
        # Counts are int64: an integer cumsum is exact whatever the order of the additions.
        "import torch\n\nclass MultiCrop(torch.nn.Module):\n    def forward(self, crops):\n"
        "        widths = torch.tensor([crop.shape[-1] for crop in crops])\n"
        "        return torch.cumsum(torch.unique_consecutive(widths, return_counts=True)[1], 0)\n",
    )
    INVALID = (
        "import torch\nimport torch.nn.functional as F\n\ndef main():\n    conv = torch.nn.Conv2d(3, 1, 3).cuda()\n"
        "    images = torch.load('images.pt').cuda()\n"
        "    masks = F.interpolate(conv(images), scale_factor=2, mode='bicubic')  # DET201\n"
        "    masks.sum().backward()\n\nif __name__ == '__main__':\n    main()\n",
        "import torch as T\n\nif __name__ == '__main__':\n    x = T.zeros(4).cuda()\n"
        "    T.histc(x, bins=4)  # DET201\n",
        "from torch import nn\nimport torch\n\nif __name__ == '__main__':\n    torch.cuda.set_device(0)\n"
        "    pool = nn.AdaptiveAvgPool2d(2)  # DET201\n    model = nn.Sequential(nn.Conv2d(3, 8, 3), pool).cuda()\n"
        "    model(torch.load('images.pt').cuda()).sum().backward()\n",
        # A detached tensor scaled in place by a parameter carries gradient again.
        "import torch\nimport torch.nn.functional as F\n\ndef main():\n    conv = torch.nn.Conv2d(3, 1, 3).cuda()\n"
        "    scale = torch.nn.Parameter(torch.ones(1, device='cuda'))\n"
        "    heatmap = conv(torch.load('images.pt').cuda()).detach()\n    heatmap *= scale\n"
        "    F.interpolate(heatmap, scale_factor=2, mode='bicubic').sum().backward()  # DET201\n\n"
        "if __name__ == '__main__':\n    main()\n",
        "import torch\nimport torch.nn.functional as F\n\ndef main():\n    conv = torch.nn.Conv2d(3, 1, 3).cuda()\n"
        "    images = torch.load('images.pt').cuda()\n    heatmap = images.detach()\n"
        "    if (heatmap := conv(images)) is not None:\n"
        "        F.interpolate(heatmap, scale_factor=2, mode='bicubic').sum().backward()  # DET201\n\n"
        "if __name__ == '__main__':\n    main()\n",
        # A parameter is whatever the caller passes, whatever a module-level name of the same name holds.
        "import numpy as np\nimport torch\nimport torch.nn.functional as F\n\n"
        "mask = torch.from_numpy(np.load('mask.npy'))\n\nclass Upsample(torch.nn.Module):\n"
        "    def forward(self, mask):\n        return F.interpolate(mask, scale_factor=2, mode='bicubic')  # DET201\n",
        # A comprehension's variable is not the detached tensor of the same name.
        "import torch\nimport torch.nn.functional as F\n\ndef main():\n    conv = torch.nn.Conv2d(3, 1, 3).cuda()\n"
        "    images = torch.load('images.pt').cuda()\n    x = images.detach()\n"
        "    maps = [F.interpolate(x, scale_factor=2, mode='bicubic') for x in (conv(images),)]  # DET201\n"
        "    maps[0].sum().backward()\n\nif __name__ == '__main__':\n    main()\n",
        # The batch carries no gradient, but the table given by keyword does.
        "import torch\nimport torch.nn.functional as F\n\ndef main():\n"
        "    table = torch.nn.Parameter(torch.randn(100, 8, device='cuda'))\n"
        "    optimizer = torch.optim.SGD([table], lr=0.1)\n    loader = torch.utils.data.DataLoader(torch.load('ids.pt'))\n"
        "    for ids in loader:\n        optimizer.zero_grad()\n"
        "        loss = F.embedding_bag(ids.cuda(), weight=table, mode='max').sum()  # DET201\n"
        "        loss.backward()\n        optimizer.step()\n\nif __name__ == '__main__':\n    main()\n",
        # A layer's class is given the weights it trains (`freeze=False`), not the tensors it runs on.
        "import numpy as np\nimport torch\nfrom torch import nn\n\ndef main():\n"
        "    weights = torch.from_numpy(np.load('w.npy'))\n"
        "    bag = nn.EmbeddingBag.from_pretrained(weights, freeze=False, mode='max').cuda()  # DET201\n"
        "    bag(torch.load('ids.pt').cuda()).sum().backward()\n\nif __name__ == '__main__':\n    main()\n",
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        # DET204 reports a CUDA path without deterministic mode once, with the ops the mode fixes.
        return unprotected_op_findings(
            self, index, "torch_ops", torch_mode_covers, lambda state: state.first_cuda is not None
        )

from __future__ import annotations

import re

import libcst as cst

from detlint.catalogs.provenance import COMMIT
from detlint.checks.base import Rule
from detlint.checks.det5_provenance._remote import RemoteFetches
from detlint.finding import Confidence, Severity


class UnpinnedHubCode(RemoteFetches, Rule):
    """
    ## What it does
    Checks for `torch.hub.load("owner/repo", ...)` without a ref after the repository (`"owner/repo:<ref>"`) or with a branch as the ref (`:main`, `:master`), and for
    TensorFlow Hub handles without a version (`hub.load(...)`, `hub.KerasLayer(...)` of
    `https://tfhub.dev/google/imagenet/resnet_v2_50/feature_vector` rather than `.../feature_vector/5`).
    `torch.hub.load(path, ..., source="local")` and local handles are not reported. A ref that is a
    tag or a commit is accepted for `torch.hub`.

    ## Why is this bad?
    `torch.hub.load` downloads the repository at that ref and runs its `hubconf.py`: the model's code
    and the weights it chooses are whatever the branch holds today. A TensorFlow Hub handle without a
    version resolves to the newest version published.

    ## Example
    ```python
    import torch

    model = torch.hub.load("facebookresearch/dino", "dino_vits16")
    ```

    ## Use instead
    ```python
    import torch

    model = torch.hub.load("facebookresearch/dino:7c446df5b9f45747937fb0d72314eb9f7b66930a", "dino_vits16")
    ```

    ## References
    - [PyTorch: torch.hub.load](https://pytorch.org/docs/stable/hub.html#torch.hub.load)
    - [TensorFlow Hub: model versions](https://www.tensorflow.org/hub/model_format#model_versions)
    """

    code = "DET503"
    name = "unpinned-hub-code"
    severity = Severity.WARNING
    frameworks = frozenset({"torch", "tensorflow_hub"})

    VALID = (
        "import torch\nmodel = torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)\n",
        "import torch\nmodel = torch.hub.load('facebookresearch/dino:7c446df5b9f45747937fb0d72314eb9f7b66930a', 'dino_vits16')\n",
        "import torch\nmodel = torch.hub.load('./yolov5', 'custom', path='best.pt', source='local')\n",
        "import tensorflow_hub as hub\nlayer = hub.KerasLayer('https://tfhub.dev/google/imagenet/resnet_v2_50/feature_vector/5')\n",
        "import tensorflow_hub as hub\nmodel = hub.load('saved_models/encoder')\n",
    )
    INVALID = (
        "import torch\nmodel = torch.hub.load('ultralytics/yolov5', 'yolov5s')  # DET503\n",
        "import torch\nmodel = torch.hub.load('pytorch/vision:main', 'resnet18')  # DET503\n",
        "import tensorflow_hub as hub\nlayer = hub.KerasLayer('https://tfhub.dev/google/imagenet/resnet_v2_50/feature_vector')  # DET503\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.qualname(node.func)
        entry = self.provenance.code_hub(qualname) if qualname else None
        if entry is None:
            return
        local = entry.get("local_keyword")
        if local and self.argument_value(node, local) == entry.get("local_value"):
            return
        ref = entry["name_argument"]
        name = self.argument_value(node, ref["keyword"], ref.get("position"))
        if not isinstance(name, str):
            return
        separator = entry.get("ref_separator")
        if separator:
            message = self._repository_problem(name, separator)
        else:
            message = self._handle_problem(name, entry.get("version_pattern", ""))
        if message:
            self.report(
                node,
                f"`{self.callee(node)}` {message}",
                detail="What it downloads is chosen when the run starts, so two runs of the same code can load "
                "different code and weights.",
                help="Name a commit (`owner/repo:<commit>`) or a release tag"
                if separator
                else "Name the handle's version (`.../<model>/<version>`)",
                confidence=self.place_confidence(Confidence.HIGH),
            )

    def _repository_problem(self, name: str, separator: str) -> str | None:
        repository, _, ref = name.partition(separator)
        if self.is_local(repository):
            return None
        if not ref:
            return f"runs `{repository}` from its default branch"
        if COMMIT.fullmatch(ref) or not self.provenance.is_branch(ref):
            return None
        return f"runs `{repository}` from its `{ref}` branch"

    @staticmethod
    def _handle_problem(handle: str, version: str) -> str | None:
        if "://" not in handle or re.search(version, handle):
            return None
        return f"loads `{handle}` without a version, so it gets the newest published"

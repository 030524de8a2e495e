from __future__ import annotations

import libcst as cst

from detlint.checks.base import Rule
from detlint.checks.det5_provenance._remote import RemoteFetches
from detlint.finding import Severity, short_code


class RemoteCodeUnpinned(RemoteFetches, Rule):
    """
    ## What it does
    Checks for Hugging Face loaders called with `trust_remote_code=True` (a literal, or a default it
    is followed to) without a revision that names one commit. The call downloads the repository's
    own Python modeling code and runs it in your process.

    The same loaders, local paths and offline runs as DET501 (unpinned-hub-revision) apply; a call
    reported here is not reported there as well.

    ## Why is this bad?
    Code fetched from a branch is whatever its owner pushed last: a change to the model's code
    changes every result computed with it, and can run anything with your credentials. Pinned to a
    commit, the code is the code you reviewed.

    ## Example
    ```python
    from transformers import AutoModel

    model = AutoModel.from_pretrained("org/custom-model", trust_remote_code=True)
    ```

    ## Use instead
    ```python
    from transformers import AutoModel

    model = AutoModel.from_pretrained(
        "org/custom-model",
        trust_remote_code=True,
        revision="0123456789abcdef0123456789abcdef01234567",
    )
    ```

    ## References
    - [Transformers: custom models and trust_remote_code](https://huggingface.co/docs/transformers/models#custom-models)
    - [Hugging Face Hub: security, remote code](https://huggingface.co/docs/hub/security)
    """

    code = "DET502"
    name = "remote-code-unpinned"
    severity = Severity.ERROR
    fix = "unsafe"
    frameworks = frozenset({"transformers", "diffusers", "peft", "sentence_transformers", "setfit", "optimum",
                            "accelerate", "datasets", "huggingface_hub"})  # fmt: skip

    VALID = (
        "from transformers import AutoModel\nmodel = AutoModel.from_pretrained(\n"
        "    'org/m', trust_remote_code=True, revision='0123456789abcdef0123456789abcdef01234567'\n)\n",
        "from transformers import AutoModel\nmodel = AutoModel.from_pretrained('./local', trust_remote_code=True)\n",
        "from transformers import AutoModel\nmodel = AutoModel.from_pretrained('org/m', trust_remote_code=False)\n",
    )
    INVALID = (
        "from transformers import AutoModel\nmodel = AutoModel.from_pretrained('org/m', trust_remote_code=True)  # DET502\n",
        "from datasets import load_dataset\nds = load_dataset('org/data', trust_remote_code=True, revision='v2')  # DET502\n",
        "from transformers import AutoModel\ndef load(name='org/m', remote=True):\n"
        "    return AutoModel.from_pretrained(name, trust_remote_code=remote)  # DET502\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        fetch = self.hub_fetch(node)
        if fetch is None or not fetch.remote_code or fetch.pinned:
            return
        where = f"at `{fetch.revision}`, a branch or tag that can move" if fetch.moving_revision else "from its `main` branch"
        subject = f"`{fetch.name}`" if fetch.name_known else f"the repository named by `{short_code(fetch.name, 40)}`"
        self.report(
            node,
            f"`trust_remote_code=True` runs the Python code of {subject} {where}",
            detail="The repository's modeling code is downloaded and executed; whoever can push to it decides what "
            f"runs and what it computes.{self.via_text(fetch)}",
            help=self.revision_advice(fetch),
            confidence=fetch.confidence,
            fix=self.pin_fix(fetch),
        )

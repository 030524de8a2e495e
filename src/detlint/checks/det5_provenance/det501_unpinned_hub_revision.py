from __future__ import annotations

import libcst as cst

from detlint.checks.base import Rule
from detlint.checks.det5_provenance._remote import RemoteFetches
from detlint.finding import Severity, short_code

_KIND_TEXT = {"model": "model", "dataset": "dataset", "space": "Space"}


class UnpinnedHubRevision(RemoteFetches, Rule):
    """
    ## What it does
    Checks for models, datasets and files loaded from the Hugging Face Hub by name without a revision
    that names one commit: `from_pretrained(...)` of transformers, diffusers, peft and
    sentence-transformers classes, `pipeline(model=...)`, `SentenceTransformer(...)`,
    `datasets.load_dataset(...)`, a PEFT adapter (`PeftModel.from_pretrained(base, "org/adapter")`),
    `huggingface_hub.hf_hub_download`/`snapshot_download`, timm's
    `create_model("hf-hub:...", pretrained=True)`, and paths into a Hub repository
    (`pd.read_parquet("hf://datasets/org/name/train.parquet")`, `HfFileSystem().open(...)`), whose
    revision goes after the repository (`org/name@<commit>`). Without one the call fetches whatever the
    repository's `main` branch holds on the day it runs; a branch or tag name (`revision="v1.0"`)
    moves too, and is reported as a note.

    The name and the revision are followed through module constants, parameter defaults,
    command-line option defaults (`--model_revision`, default `"main"`), config fields, the dicts a
    call spreads (`**kwargs` built with `dict(revision=...)`) and a helper's calls in the same file
    (`load("bert-base-uncased")` of `def load(name, revision=None)`); a revision a function takes
    from its caller, and nothing in the file calls it with, is the caller's to pin. Not
    reported: local paths (written as a path, `./ckpt`, `/data/m`, `~/m`, `a/b/c`, a name under a
    directory at the project's root, a name the file saves to with `save_pretrained(...)`,
    `save_model(...)` or `output_dir=...`, or built from another path: `f"{out}/final"`,
    `os.path.join(...)`), a model object passed where a name could be (`pipeline(model=model)`), dataset builders that read local files (`load_dataset("csv",
    data_files=...)`), calls with `local_files_only=True`, files that set `HF_HUB_OFFLINE=1`, and a
    revision passed as a value detlint cannot read (the run's configuration chooses it). Loading
    with `trust_remote_code=True` is DET502's finding instead.

    Confidence: high for a Hub id written in the call or in a module constant; medium when it comes
    from a default the run may override; low when the id itself is not known statically (a
    command-line argument without a default: a Hub id or a local checkpoint) and in tests.

    ## Why is this bad?
    A Hub repository is a Git repository its owner can push to at any time: new weights, a changed
    tokenizer or config, a re-processed dataset. The same code then trains or evaluates on different
    inputs, and the change shows up nowhere in your repository. A commit hash is the only revision
    that cannot move.

    ## Example
    ```python
    from transformers import AutoModel

    model = AutoModel.from_pretrained("bert-base-uncased")
    ```

    ## Use instead
    ```python
    from transformers import AutoModel

    model = AutoModel.from_pretrained(
        "bert-base-uncased", revision="86b5e0934494bd15c9632b12f734a8a67f723594"
    )
    ```

    ## References
    - [Transformers: from_pretrained, revision](https://huggingface.co/docs/transformers/main_classes/model#transformers.PreTrainedModel.from_pretrained)
    - [Datasets: load_dataset, revision](https://huggingface.co/docs/datasets/package_reference/loading_methods#datasets.load_dataset)
    - [Hugging Face Hub: revisions](https://huggingface.co/docs/huggingface_hub/guides/download#from-specific-version)
    """

    code = "DET501"
    name = "unpinned-hub-revision"
    severity = Severity.WARNING
    fix = "unsafe"
    frameworks = frozenset({"transformers", "diffusers", "peft", "sentence_transformers", "setfit", "optimum",
                            "accelerate", "datasets", "huggingface_hub", "timm", "pandas", "polars", "fsspec",
                            "dask"})  # fmt: skip

    VALID = (
        "from transformers import AutoModel\n"
        "model = AutoModel.from_pretrained('bert-base-uncased', revision='86b5e0934494bd15c9632b12f734a8a67f723594')\n",
        "from transformers import AutoModel\nmodel = AutoModel.from_pretrained('./checkpoints/run1')\n",
        "from transformers import AutoModel\nmodel = AutoModel.from_pretrained('bert-base-uncased', local_files_only=True)\n",
        "import os\nos.environ['HF_HUB_OFFLINE'] = '1'\nfrom transformers import AutoModel\n"
        "model = AutoModel.from_pretrained('bert-base-uncased')\n",
        "from datasets import load_dataset\nds = load_dataset('csv', data_files='train.csv')\n",
        "import os\nfrom transformers import AutoModel\ndef load(out):\n"
        "    return AutoModel.from_pretrained(os.path.join(out, 'final'))\n",
        "from transformers import AutoModel\ndef load(name, revision):\n"
        "    return AutoModel.from_pretrained(name, revision=revision)\n",
        "import timm\nmodel = timm.create_model('resnet50', pretrained=True)\n",
        "import pandas as pd\nimport huggingface_hub\n"
        "df = pd.read_parquet('hf://datasets/org/data@0123456789abcdef0123456789abcdef01234567/train.parquet')\n",
        "import timm\nmodel = timm.create_model('hf-hub:timm/resnet50.a1_in1k@0123456789abcdef0123456789abcdef01234567', pretrained=True)\n",
        # A name the file saves to is a local folder; a model object is no name.
        "from transformers import AutoModel, TrainingArguments, pipeline\n"
        "args = TrainingArguments(output_dir='my_awesome_model')\n"
        "model = AutoModel.from_pretrained('my_awesome_model')\nclassify = pipeline('text-classification', model=model)\n",
        # Runs the repository's code: DET502 reports it.
        "from transformers import AutoModel\nmodel = AutoModel.from_pretrained('org/m', trust_remote_code=True)\n",
    )
    INVALID = (
        "from transformers import AutoModel\nmodel = AutoModel.from_pretrained('bert-base-uncased')  # DET501\n",
        "from transformers import AutoTokenizer as T\nMODEL = 'google/flan-t5-base'\n"
        "tok = T.from_pretrained(MODEL, revision='main')  # DET501\n",
        "from datasets import load_dataset\nds = load_dataset('imdb', split='train')  # DET501\n",
        "import huggingface_hub\npath = huggingface_hub.hf_hub_download('org/repo', 'weights.bin')  # DET501\n",
        "import pandas as pd\ndf = pd.read_parquet('hf://datasets/org/data/train.parquet')  # DET501\n",
        "from huggingface_hub import HfFileSystem\nfs = HfFileSystem()\ntext = fs.read_text('datasets/org/data/a.csv')  # DET501\n",
        "import timm\nmodel = timm.create_model('hf-hub:timm/resnet50.a1_in1k', pretrained=True)  # DET501\n",
        "from peft import PeftModel\nADAPTER = 'tloen/alpaca-lora-7b'\ndef load(base):\n"
        "    return PeftModel.from_pretrained(base, ADAPTER)  # DET501\n",
        "import argparse\nfrom transformers import pipeline\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('--model', default='distilbert-base-uncased')\nargs = parser.parse_args()\n"
        "clf = pipeline('text-classification', model=args.model)  # DET501\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        fetch = self.hub_fetch(node) or self.hub_path_fetch(node)
        if fetch is None or fetch.remote_code or fetch.pinned:
            return
        kind = _KIND_TEXT[fetch.kind]
        what = f"{kind} `{fetch.name}`" if fetch.name_known else f"the {kind} named by `{short_code(fetch.name, 40)}`"
        if fetch.moving_revision:
            message = f"loads {what} at revision `{fetch.revision}`, a branch or tag that can move"
            detail = "A branch or tag name is resolved to a commit when the run starts; its owner can move it."
            severity = Severity.NOTE
        else:
            message = f"loads {what} from the Hub's `main` branch, which can change between runs"
            detail = "Without a revision the Hub serves whatever the repository's default branch holds today."
            severity = None
        detail += self.via_text(fetch)
        if not fetch.name_known:
            detail += " The id is not known statically: when it names a local checkpoint, this does not apply (low confidence)."
        self.report(
            node,
            f"`{self.callee(node)}` {message}",
            detail=detail,
            help=self.revision_advice(fetch),
            confidence=fetch.confidence,
            fix=self.pin_fix(fetch),
            severity=severity,
        )

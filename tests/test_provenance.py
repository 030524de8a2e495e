"""The provenance rules (DET5xx) on real call sites: the revision a loader asks for, followed through
values; the locked commits fixes write in; notebooks' install lines; a malformed lock."""

from __future__ import annotations

import json

import pytest
from conftest import write

from detlint.testing import check_project

COMMIT = "86b5e0934494bd15c9632b12f734a8a67f723594"
LOCK = f'[models]\n"bert-base-uncased" = "{COMMIT}"\n\n[datasets]\n"imdb" = "{"e" * 40}"\n'


def _found(files: dict[str, str], code: str = "DET5") -> list[tuple[str, int, str, str]]:
    return [
        (f.code, f.span.line, f.confidence.value, f.severity.value)
        for f in check_project(files)
        if f.code.startswith(code)
    ]


def test_revisions_are_followed_through_constants_defaults_options_and_config_fields():
    source = """\
import argparse
from dataclasses import dataclass, field
from transformers import AutoModel

REVISION = "v2.0"

@dataclass
class Config:
    name: str = "org/model"
    revision: str = field(default="%s")

def from_constant():
    return AutoModel.from_pretrained("org/model", revision=REVISION)

def from_default(name="org/model"):
    return AutoModel.from_pretrained(name)

def forwarded(name="org/model", revision=None):
    return AutoModel.from_pretrained(name, revision=revision)  # the caller chooses

def from_config(config: Config):
    return AutoModel.from_pretrained(config.name, revision=config.revision)

def spread(name):
    kwargs = dict(revision="main", torch_dtype="auto")
    return AutoModel.from_pretrained("org/model", **kwargs)

def spread_unread(**kwargs):
    return AutoModel.from_pretrained("org/model", **kwargs)  # the caller's mapping may hold it

parser = argparse.ArgumentParser()
parser.add_argument("--revision", default="main")
args = parser.parse_args()
model = AutoModel.from_pretrained("org/model", revision=args.revision)
""" % COMMIT
    assert _found({"train.py": source}) == [
        ("DET501", 13, "high", "note"),  # a tag in a constant: it moves
        ("DET501", 16, "medium", "warning"),  # the parameter's default: no revision
        ("DET501", 26, "high", "note"),  # a branch in the mapping the call spreads
        ("DET501", 34, "medium", "note"),  # the option's default, a branch: the run may pass another
    ]


def test_a_helper_is_judged_by_what_its_calls_in_the_file_pass():
    helper = """\
from transformers import AutoModel

def load(name, revision=None):
    return AutoModel.from_pretrained(name, revision=revision)

"""
    unpinned = helper + "model = load('bert-base-uncased')\n"
    pinned = helper + f"model = load('bert-base-uncased', revision='{COMMIT}')\n"
    [finding] = [f for f in check_project({"train.py": unpinned}) if f.code == "DET501"]
    assert (finding.span.line, finding.confidence.value) == (4, "medium")
    assert "`bert-base-uncased`" in finding.message and "a call of the function in this file" in finding.detail
    assert _found({"train.py": pinned}) == []
    assert _found({"lib.py": helper}) == []  # nothing calls it here: its callers choose


def test_a_name_the_function_uses_as_a_path_or_a_run_folder_is_local():
    source = """\
import os
from transformers import AutoModel

def load(model_path):
    weights = os.path.join(model_path, "projector.bin")
    return AutoModel.from_pretrained(model_path), weights

def step_two():
    return AutoModel.from_pretrained("output/programming-model")
"""
    assert _found({"serve.py": source}) == []


def test_an_id_not_known_statically_is_low_and_says_it_may_be_local():
    source = "import sys\nfrom transformers import AutoModel\nmodel = AutoModel.from_pretrained(sys.argv[1])\n"
    [finding] = [f for f in check_project({"run.py": source}) if f.code == "DET501"]
    assert finding.confidence.value == "low"
    assert "named by `sys.argv[1]`" in finding.message and "local checkpoint" in finding.detail


def test_tests_fetch_for_themselves_and_are_low():
    source = "from transformers import AutoModel\n\ndef test_load():\n    AutoModel.from_pretrained('bert-base-uncased')\n"
    assert _found({"tests/test_model.py": source}) == [("DET501", 4, "low", "warning")]


def test_the_fix_writes_the_locked_commit_in(cli, tmp_path):
    source = (
        "from datasets import load_dataset\nfrom transformers import AutoModel\n\n"
        "model = AutoModel.from_pretrained(\n    'bert-base-uncased',\n    num_labels=2,\n)\n"
        "other = AutoModel.from_pretrained('bert-base-uncased', revision='main')\n"
        "data = load_dataset('imdb')\nunknown = AutoModel.from_pretrained('org/not-locked')\n"
    )
    write(tmp_path, {"train.py": source, "detlint-revisions.toml": LOCK})
    cli("check", "--no-cache", "--select", "DET501", "--fix", "--unsafe-fixes")
    fixed = (tmp_path / "train.py").read_text()
    assert f"    num_labels=2, revision=\"{COMMIT}\",\n)" in fixed
    assert f"revision=\"{COMMIT}\")\nother" not in fixed
    assert f"other = AutoModel.from_pretrained('bert-base-uncased', revision=\"{COMMIT}\")" in fixed
    assert f"data = load_dataset('imdb', revision=\"{'e' * 40}\")" in fixed
    remaining = cli.json("--no-cache", "--select", "DET501")["findings"]
    assert [finding["message"].split("`")[3] for finding in remaining] == ["org/not-locked"]


def test_paths_into_hub_repositories_get_the_commit_after_the_repository(cli, tmp_path):
    source = (
        "import pandas as pd\nfrom timm import create_model\n"
        "df = pd.read_csv('hf://datasets/org/data/splits/train.csv')\n"
        "model = create_model('hf-hub:bert-base-uncased', pretrained=True)\n"
    )
    lock = LOCK + f'"org/data" = "{"d" * 40}"\n'
    write(tmp_path, {"train.py": source, "detlint-revisions.toml": lock})
    cli("check", "--no-cache", "--select", "DET501", "--fix", "--unsafe-fixes")
    fixed = (tmp_path / "train.py").read_text()
    assert f"pd.read_csv(\"hf://datasets/org/data@{'d' * 40}/splits/train.csv\")" in fixed
    assert f"create_model(\"hf-hub:bert-base-uncased@{COMMIT}\", pretrained=True)" in fixed
    assert cli.json("--no-cache", "--select", "DET501")["findings"] == []


def test_a_hub_cache_in_the_project_locks_what_it_downloaded(cli, tmp_path):
    refs = tmp_path / "hf_cache" / "models--org--model" / "refs"
    refs.mkdir(parents=True)
    (refs / "main").write_text(COMMIT + "\n")
    write(tmp_path, {"train.py": "from transformers import AutoModel\nm = AutoModel.from_pretrained('org/model')\n"})
    cli("check", "--no-cache", "--select", "DET501", "--fix", "--unsafe-fixes")
    assert f"from_pretrained('org/model', revision=\"{COMMIT}\")" in (tmp_path / "train.py").read_text()


@pytest.mark.parametrize(
    ("lock", "named"),
    [
        ('[models]\n"bert-base-uncased" = "main"\n', "'models.bert-base-uncased' must be a full commit hash"),
        ('[checkpoints]\n"a" = "b"\n', "unknown table 'checkpoints'"),
        ("[models\n", "cannot read the revisions lock"),
    ],
)
def test_a_malformed_lock_is_a_configuration_error_that_names_the_entry(cli, tmp_path, lock, named):
    write(tmp_path, {"train.py": "x = 1\n", "detlint-revisions.toml": lock})
    result = cli("check", "--no-cache")
    assert result.exit_code == 2
    assert "detlint-revisions.toml" in result.stderr and named in result.stderr


def _notebook(*cells: list[str]) -> str:
    return json.dumps(
        {
            "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c} for c in cells],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


def test_notebook_installs_are_judged_per_command_and_named_by_package():
    notebook = _notebook(
        ["!pip install -q transformers datasets==2.19.0 wandb\n", "%pip install torch==2.4.1\n"],
        ["%%bash\n", "pip install -U accelerate && echo done\n"],
        ["!{sys.executable} -m pip install -c constraints.txt peft\n", "!pip install {package}\n"],
        ["%conda install -y pytorch=2.1 -c pytorch\n", "%conda install -y numpy=1.26.4\n"],
        ["!pip install git+https://github.com/huggingface/peft.git\n"],
        ["%pip install --upgrade \\\n", "  bitsandbytes==0.44.1 \\\n", "  trl\n", "import torch\n"],
    )
    everything = check_project({"explore.ipynb": notebook})
    assert not [f for f in everything if f.code == "DET001"]  # a magic continued with `\` is masked whole
    findings = [f for f in everything if f.code == "DET505"]
    assert [(f.span.line, f.message.split(" installs ")[1]) for f in findings] == [
        (notebook.splitlines().index('    "!pip install -q transformers datasets==2.19.0 wandb\\n",') + 1,
         "`transformers` without an exact version"),
        (notebook.splitlines().index('    "pip install -U accelerate && echo done\\n"') + 1, "`accelerate` without an exact version"),
        (notebook.splitlines().index('    "%conda install -y pytorch=2.1 -c pytorch\\n",') + 1, "`pytorch=2.1` without an exact version"),
        (notebook.splitlines().index('    "!pip install git+https://github.com/huggingface/peft.git\\n"') + 1,
         "`git+https://github.com/huggingface/peft.git` without an exact version"),
        (notebook.splitlines().index('    "%pip install --upgrade \\\\\\n",') + 1, "`trl` without an exact version"),
    ]  # fmt: skip


def test_deps_all_reports_every_package_an_install_leaves_free():
    source = "import os\nos.system('pip install rich pip')\n"
    assert [f.message.split(" installs ")[1] for f in check_project({"setup_env.py": source}, deps="all") if f.code == "DET505"] == [
        "`rich` without an exact version"
    ]


def test_a_fix_never_repeats_a_revision_keyword_the_call_already_passes(cli, tmp_path):
    source = (
        "from transformers import AutoModel\nREV = 'main'\n"
        "a = AutoModel.from_pretrained('bert-base-uncased', revision=REV)\n"
        "b = AutoModel.from_pretrained('bert-base-uncased', revision='v1.0')\n"
    )
    write(tmp_path, {"train.py": source, "detlint-revisions.toml": LOCK})
    cli("check", "--no-cache", "--select", "DET501", "--fix", "--unsafe-fixes")
    assert (tmp_path / "train.py").read_text() == source  # a constant is the user's to change; a tag is no `main`


def test_only_calls_of_the_helper_itself_count_as_its_call_sites():
    source = (
        "import os\nfrom transformers import AutoModel\n\ndef get(name='bert-base-uncased', revision='main'):\n"
        "    return AutoModel.from_pretrained(name, revision=revision)\n\nhome = os.environ.get('HOME', 'v1.0')\n"
    )
    assert _found({"lib.py": source}) == []  # nothing calls `get` here: its callers choose


def test_a_mention_of_a_checksum_is_no_checksum_and_an_upload_is_no_load():
    download = "import os\n# TODO: verify the checksum later\nos.system('wget https://x.org/d.zip')\n"
    assert [code for code, *_ in _found({"get.py": download})] == ["DET504"]
    upload = "import pandas as pd\ndef push(df):\n    df.to_parquet('hf://datasets/me/d/data.parquet')\n"
    assert _found({"push.py": upload}) == []


def test_a_cell_magic_that_runs_no_shell_is_not_read_for_commands():
    notebook = _notebook(["%%writefile setup.sh\n", "pip install transformers\n", "wget https://x.org/d.zip\n"])
    assert [f.code for f in check_project({"nb.ipynb": notebook}) if f.code.startswith("DET5")] == []

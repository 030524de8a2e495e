"""--fix, --unsafe-fixes and --diff: fixes keep formatting and comments, re-lint clean, and a second
run changes nothing."""

from __future__ import annotations

import pytest
from conftest import write

from detlint.finding import Edit, Span
from detlint.fixes import apply_edits

CASES = [
    (
        "import torch\ntorch.backends.cudnn.benchmark = True  # faster\n",
        "import torch\ntorch.backends.cudnn.benchmark = False  # faster\n",
        False,
    ),
    (
        "import lightning as L\ntrainer = L.Trainer(\n    benchmark=True,  # why not\n    accelerator='cpu',\n)\n",
        "import lightning as L\ntrainer = L.Trainer(\n    benchmark=False,  # why not\n    accelerator='cpu',\n)\n",
        False,
    ),
    (
        "from torch.backends import cudnn\ncudnn.determinstic = True\n",
        "from torch.backends import cudnn\ncudnn.deterministic = True\n",
        False,
    ),
    (
        "import os\n\ndef images(root):\n    return [name for name in os.listdir(root) if name.endswith('.png')]\n"
        "\ntrain = images('data')[:100]\n",
        "import os\n\ndef images(root):\n    return [name for name in sorted(os.listdir(root)) if name.endswith('.png')]\n"
        "\ntrain = images('data')[:100]\n",
        False,
    ),
    (
        "from sklearn.model_selection import train_test_split\n\nsplit = train_test_split(\n    [1, 2, 3],  # rows\n"
        "    test_size=0.5,\n)\n",
        "from sklearn.model_selection import train_test_split\n\nsplit = train_test_split(\n    [1, 2, 3],  # rows\n"
        "    test_size=0.5,\n    random_state=0,\n)\n",
        True,
    ),
    (
        "import optuna as opt\n\nstudy = opt.create_study(direction='maximize')\nstudy.optimize(objective, n_trials=5)\n",
        "import optuna as opt\n\nstudy = opt.create_study(direction='maximize', sampler=opt.samplers.TPESampler(seed=0))\n"
        "study.optimize(objective, n_trials=5)\n",
        True,
    ),
    (
        "import keras_tuner as kt\ntuner = kt.RandomSearch(build, objective='val_loss', seed=None)\n",
        "import keras_tuner as kt\ntuner = kt.RandomSearch(build, objective='val_loss', seed=0)\n",
        True,
    ),
]


@pytest.mark.parametrize(("before", "after", "unsafe"), CASES)
def test_fix_rewrites_keeps_comments_and_is_idempotent(cli, tmp_path, before, after, unsafe):
    write(tmp_path, {"code.py": before})
    assert cli.json("--no-cache")["findings"], "the case must start with a finding to fix"
    flags = ["--fix", "--unsafe-fixes"] if unsafe else ["--fix"]
    first = cli("check", "--no-cache", *flags)
    assert (tmp_path / "code.py").read_text() == after
    assert "Fixed 1 " in first.stderr, first.stderr
    second = cli("check", "--no-cache", *flags)
    assert (tmp_path / "code.py").read_text() == after
    assert "Fixed" not in second.stderr
    assert cli.json("--no-cache")["findings"] == []


def test_unsafe_fixes_need_the_flag_and_diff_writes_nothing(cli, tmp_path):
    source = "from sklearn.model_selection import train_test_split\nsplit = train_test_split([1, 2])\n"
    write(tmp_path, {"code.py": source})
    cli("check", "--no-cache", "--fix")
    assert (tmp_path / "code.py").read_text() == source
    diff = cli("check", "--no-cache", "--diff", "--unsafe-fixes")
    assert diff.exit_code == 1
    assert "+split = train_test_split([1, 2], random_state=0)" in diff.stdout
    assert (tmp_path / "code.py").read_text() == source


def test_fix_reports_what_is_left(cli, tmp_path):
    write(tmp_path, {"code.py": "import torch\ntorch.backends.cudnn.benchmark = True\ntorch.use_deterministic_algorithms(False)\n"})
    result = cli("check", "--no-cache", "--fix")
    assert "Fixed 1 finding" in result.stderr
    assert [line.split(": ")[1].split()[0] for line in result.stdout.splitlines() if line.startswith("code.py")] == ["DET208"]


def test_overlapping_edits_are_left_for_the_next_run():
    text = "abcdef\n"
    edits = [Edit(Span(1, 0, 1, 3), "X"), Edit(Span(1, 2, 1, 5), "Y"), Edit(Span(1, 5, 1, 6), "Z")]
    assert apply_edits(text, edits) == ("abYZ\n", 2)


def test_crlf_files_keep_their_line_endings(cli, tmp_path):
    (tmp_path / "code.py").write_bytes(b"import torch\r\ntorch.backends.cudnn.benchmark = True\r\n")
    cli("check", "--no-cache", "--fix")
    assert (tmp_path / "code.py").read_bytes() == b"import torch\r\ntorch.backends.cudnn.benchmark = False\r\n"


UNSAFE_PATH_CASES = [
    (  # DET101: seed the library at the start of the entry point, under the file's own alias
        "import numpy as np\n\nif __name__ == '__main__':\n    data = np.load('x.npy')\n"
        "    print(data + np.random.rand(2))\n",
        "import numpy as np\n\nif __name__ == '__main__':\n    data = np.load('x.npy')\n    np.random.seed(0)\n"
        "    print(data + np.random.rand(2))\n",
    ),
    (  # DET204: enable deterministic algorithms before the first CUDA use (on a path that trains a varying op)
        "import torch as T\n\nif __name__ == '__main__':\n    T.manual_seed(0)\n    model = T.nn.Conv2d(3, 8, 3).cuda()\n"
        "    model(T.load('x.pt').cuda()).sum().backward()\n",
        "import torch as T\n\nif __name__ == '__main__':\n    T.manual_seed(0)\n    T.use_deterministic_algorithms(True)\n"
        "    model = T.nn.Conv2d(3, 8, 3).cuda()\n    model(T.load('x.pt').cuda()).sum().backward()\n",
    ),
    (  # DET301: a seeded generator for the workers' base seed
        "import torch\nfrom torch.utils.data import DataLoader\n\nif __name__ == '__main__':\n"
        "    loader = DataLoader(range(8), num_workers=2)\n",
        "import torch\nfrom torch.utils.data import DataLoader\n\nif __name__ == '__main__':\n"
        "    loader = DataLoader(range(8), num_workers=2, generator=torch.Generator().manual_seed(0))\n",
    ),
]


@pytest.mark.parametrize(("before", "after"), UNSAFE_PATH_CASES)
def test_unsafe_path_fixes(cli, tmp_path, before, after):
    write(tmp_path, {"train.py": before})
    cli("check", "--no-cache", "--fix")
    assert (tmp_path / "train.py").read_text() == before  # unsafe: not without the flag
    cli("check", "--no-cache", "--fix", "--unsafe-fixes")
    assert (tmp_path / "train.py").read_text() == after
    cli("check", "--no-cache", "--fix", "--unsafe-fixes")
    assert (tmp_path / "train.py").read_text() == after


def test_no_insertion_fix_in_a_file_that_is_not_the_entry_point(cli, tmp_path):
    write(tmp_path, {
        "model.py": "import torch\n\ndef build():\n    return torch.nn.Linear(2, 2)\n",
        "run.py": "from model import build\n\nif __name__ == '__main__':\n    build()\n",
    })  # fmt: skip
    before = (tmp_path / "model.py").read_text()
    cli("check", "--no-cache", "--fix", "--unsafe-fixes")
    assert (tmp_path / "model.py").read_text() == before


SEEDING_HELPER = "import random\n\nimport numpy as np\n\n\ndef set_seed(seed):\n    random.seed(seed)\n    np.random.seed(seed)\n"
ARGPARSE_MAIN = (
    "def main():\n    parser = argparse.ArgumentParser()\n    parser.add_argument('--seed', type=int, default=1)\n"
    "    args = parser.parse_args()\n    set_seed(args.seed)\n    model = torch.nn.Linear(2, 2)\n\n\n"
    "if __name__ == '__main__':\n    main()\n"
)


def test_a_seeding_fix_uses_the_runs_own_seed_after_the_helper_call_once(cli, tmp_path):
    write(tmp_path, {
        "utils.py": SEEDING_HELPER,
        "train.py": "import argparse\n\nimport torch\n\nfrom utils import set_seed\n\n\n" + ARGPARSE_MAIN,
        "pyproject.toml": '[project]\nname = "t"\nscripts = { train = "train:main" }\n',
    })  # fmt: skip
    cli("check", "--no-cache", "--fix", "--unsafe-fixes")
    fixed = (tmp_path / "train.py").read_text()
    assert "    set_seed(args.seed)\n    torch.manual_seed(args.seed)\n    model = " in fixed
    assert fixed.count("manual_seed") == 1  # the script and its main guard are one run
    assert (tmp_path / "utils.py").read_text() == SEEDING_HELPER


def test_a_seeding_fix_inside_a_helper_of_the_entry_file_uses_its_parameter(cli, tmp_path):
    source = "import argparse\n\nimport torch\n\n" + SEEDING_HELPER.split("\n\n\n", 1)[1] + "\n\n" + ARGPARSE_MAIN
    write(tmp_path, {"train.py": "import random\nimport numpy as np\n" + source})
    cli("check", "--no-cache", "--fix", "--unsafe-fixes")
    fixed = (tmp_path / "train.py").read_text()
    assert "    np.random.seed(seed)\n    torch.manual_seed(seed)\n" in fixed
    assert fixed.count("manual_seed") == 1

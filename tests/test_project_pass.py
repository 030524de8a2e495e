"""The project pass: entry points, name-based reachability across modules, partial runs."""

from __future__ import annotations

from conftest import write

from detlint.testing import check_project, found_in_project

TORCH_USE = "import torch\n\ndef build():\n    return torch.nn.Linear(2, 2)\n"


def _det101(files, **settings):
    return found_in_project(check_project(files, **settings), "DET101")


SEED_IN_UTILS = {
    "pyproject.toml": '[project]\nname = "vision"\nversion = "0.1.0"\n\n[tool.detlint]\n',
    "src/vision/__init__.py": "from .seeding import set_seed  # re-exported: `from vision import set_seed` works\n",
    "src/vision/seeding.py": "import random\n\nimport numpy as np\nimport torch\n\n\ndef set_seed(seed):\n"
    "    random.seed(seed)\n    np.random.seed(seed)\n    torch.manual_seed(seed)\n",
    "src/vision/data.py": "import numpy as np\n\n\ndef augment(batch):\n    flips = np.random.rand(len(batch)) < 0.5\n"
    "    return [item[::-1] if flip else item for item, flip in zip(batch, flips)]\n",
    "src/vision/model.py": "import torch\nfrom torch import nn\n\n\nclass Classifier(nn.Module):\n"
    "    def __init__(self, classes):\n        super().__init__()\n        self.features = nn.Conv2d(3, 16, kernel_size=3)\n"
    "        self.head = nn.Linear(16, classes)\n\n    def forward(self, images):\n"
    "        return self.head(self.features(images).mean(dim=(2, 3)))\n",
    # Seeded through the package's helper, reached through a re-export and a method.
    "scripts/train.py": "import numpy as np\n\nfrom vision import set_seed\nfrom vision.data import augment\n"
    "from vision.model import Classifier\n\n\nclass Trainer:\n    def __init__(self, seed):\n        self.seed = seed\n\n"
    "    def setup(self):\n        set_seed(self.seed)\n\n"
    "    def run(self):\n        self.setup()\n        model = Classifier(classes=10)\n"
    "        print(model, augment(np.load('images.npy')))\n\n\nif __name__ == '__main__':\n    Trainer(seed=0).run()\n",
    # Forgets to seed: the model's weights and the augmentation differ on every run.
    "scripts/evaluate.py": "import numpy as np\n\nfrom vision.data import augment\nfrom vision.model import Classifier\n\n\n"
    "def main():\n    model = Classifier(classes=10)\n    print(model, augment(np.load('images.npy')))\n\n\n"
    "if __name__ == '__main__':\n    main()\n",
}


def test_only_changed_files_are_reported_but_the_whole_project_is_indexed(cli, tmp_path):
    project = write(tmp_path / "p", SEED_IN_UTILS)
    train = cli.json(str(project / "scripts" / "train.py"))
    assert train["findings"] == []  # seeded in src/vision/seeding.py, which was not passed
    evaluate = cli.json(str(project / "scripts" / "evaluate.py"))
    assert {(f["path"], f["code"]) for f in evaluate["findings"]} == {("p/scripts/evaluate.py", "DET101")}


def test_entry_points_of_every_kind():
    files = {
        "pyproject.toml": '[project]\nname = "x"\n[project.scripts]\nrun = "pkg.cli:main"\n',
        "pkg/__init__.py": "",
        "pkg/cli.py": "import torch\n\ndef main():\n    torch.nn.Linear(2, 2)  # DET101\n",
        "tools/job.py": "import torch\n\ndef run():\n    batch = torch.load('batch.pt')\n"
        "    return batch + torch.rand(3)  # DET101\n",
        "test_model.py": "import torch\nmodel = torch.nn.Linear(2, 2)\n",
        "conftest.py": "import torch\ntorch.rand(2)\n",
    }
    from detlint.testing import expected_in_project

    assert _det101(files, entry_points=("tools.job:run",)) == expected_in_project(files)


def test_calls_are_followed_through_methods_instances_callbacks_and_siblings():
    files = {
        "scripts/helpers.py": "import torch\n\ndef seed():\n    torch.manual_seed(0)\n",
        "scripts/run.py": (
            "import fire\nimport torch\nfrom helpers import seed\n\n"
            "class Job:\n    def prepare(self):\n        seed()\n\n    def go(self):\n        self.prepare()\n"
            "        return torch.nn.Linear(2, 2)\n\n"
            "def main():\n    job = Job()\n    job.go()\n\n"
            "if __name__ == '__main__':\n    fire.Fire(main)\n"
        ),
    }
    assert _det101(files) == set()
    unseeded = {**files, "scripts/helpers.py": "import torch\n\ndef seed():\n    pass\n"}
    assert _det101(unseeded) == {("scripts/run.py", 18, "DET101")}


def test_construction_runs_the_nearest_project_base_init():
    files = {
        "base.py": "import torch\n\nclass Base(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.layer = torch.nn.Linear(2, 2)  # DET101\n",
        "model.py": "from base import Base\n\nclass Child(Base):\n    pass\n",
        "train.py": "from model import Child\n\nif __name__ == '__main__':\n    Child()\n",
    }
    assert _det101(files) == {("base.py", 6, "DET101")}


def test_module_level_seeding_in_an_imported_module_counts():
    files = {
        "config.py": "import torch\ntorch.manual_seed(0)\n",
        "train.py": "import torch\nimport config\n\nif __name__ == '__main__':\n    torch.nn.Linear(2, 2)\n",
    }
    assert _det101(files) == set()
    assert _det101({**files, "config.py": "import torch\n"}) == {("train.py", 5, "DET101")}


def test_recursion_and_import_cycles_terminate():
    files = {
        "a.py": "import b\n\ndef f(n):\n    return b.g(n - 1) if n else 0\n",
        # main.py does not import random: reported in b.py, the first file on the path that does.
        "b.py": "import a\nimport random\n\ndef g(n):\n    random.random()  # DET101\n    return a.f(n)\n",
        "main.py": "import a\n\nif __name__ == '__main__':\n    a.f(int(open('steps.txt').read()))\n",
    }
    from detlint.testing import expected_in_project

    assert _det101(files) == expected_in_project(files)


def test_imported_modules_with_top_level_work_are_not_scripts():
    files = {
        "registry.py": "import torch\nDEFAULT = torch.nn.Linear(2, 2)\n",
        "train.py": "import torch\nimport registry\ntorch.manual_seed(0)\nprint(registry.DEFAULT)\n",
    }
    # registry.py runs on import, before train.py seeds: DET102 at the seed, nothing for registry alone.
    findings = check_project(files)
    assert {(f.path, f.code) for f in findings} == {("train.py", "DET102")}


def test_modules_a_test_directory_keeps_for_its_tests_are_not_scripts():
    # The draw is in the project's own package, so a run started from the inputs module would be reported
    # there (findings in test files themselves are never reported).
    sampling = {
        "pkg/__init__.py": "",
        "pkg/sampling.py": "import torch\n\n\ndef jittered():\n    return torch.load('targets.pt') + torch.rand(2)\n",
    }
    inputs = "from pkg.sampling import jittered\n\nPREDS = []\nfor _ in range(4):\n    PREDS.append(jittered())\n"
    # Tests import it under their own root (`from unittests._inputs import PREDS`): not a run of its own.
    assert _det101({"tests/unittests/_inputs.py": inputs, **sampling}) == set()
    assert _det101({"data/_inputs.py": inputs, **sampling}) == {("pkg/sampling.py", 5, "DET101")}


def test_library_mode_ignores_scripts_without_guard(tmp_path):
    files = {"weights.py": "import torch\nW = torch.nn.Linear(2, 2)\n"}
    assert _det101(files, mode="library") == set()
    assert _det101(files) == {("weights.py", 2, "DET101")}


def test_findings_name_the_hazard_and_point_at_the_use_and_the_entry_point():
    train = "import random\n\nif __name__ == '__main__':\n    lines = open('data.txt').readlines()\n    random.shuffle(lines)\n"
    (finding,) = check_project({"train.py": train})
    assert finding.code == "DET101"
    assert finding.message == "Python's `random` module is used but never seeded on this entry point's path"
    assert "`random.shuffle(lines)` draws from Python's global `random` generator" in finding.detail
    assert "`train.py`" in finding.detail and finding.help == "Call `random.seed(SEED)` at the start of the run"
    # The first use is where the finding lands, so the only other place is the entry point.
    assert finding.span.line == 5
    assert [(item.path, item.span.line, item.message) for item in finding.related] == [
        ("train.py", 3, 'entry point: its `if __name__ == "__main__":` block'),
    ]


def test_cli_partial_run_with_relative_paths(cli, tmp_path):
    write(tmp_path, {
        "pyproject.toml": "[tool.detlint]\n",
        "seeding.py": "import torch\n\ndef seed():\n    torch.manual_seed(0)\n",
        "train.py": "import torch\nfrom seeding import seed\n\nif __name__ == '__main__':\n    seed()\n"
        "    batch = torch.load('batch.pt')\n    print(batch + torch.rand(2))\n",
    })  # fmt: skip
    assert cli("check", "train.py").exit_code == 0
    write(tmp_path, {"seeding.py": "import torch\n\ndef seed():\n    pass\n"})
    assert cli("check", "train.py").exit_code == 1


def test_module_level_set_up_does_not_make_a_script():
    files = {
        "pkg/__init__.py": "",
        # Logger and app objects are set-up, not a run: no entry point, so nothing to report.
        "pkg/service.py": "import torch\nimport framework\nlogger = framework.get_logger(__name__)\n\n"
        "def build():\n    return torch.nn.Linear(2, 2)\n",
    }
    assert _det101(files) == set()
    # A main guard does make it one (one that trains: a package module's self-check keeps no results).
    guarded = files["pkg/service.py"] + (
        "\nif __name__ == '__main__':\n    model = build()\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    model(torch.load('batch.pt')).sum().backward()\n    optimizer.step()\n"
    )
    assert _det101({**files, "pkg/service.py": guarded}) == {("pkg/service.py", 9, "DET101")}


def _script_project(guard: str) -> dict[str, str]:
    return {
        "pyproject.toml": '[project]\nname = "pkg"\nversion = "0"\n[project.scripts]\ntrain = "pkg.cli:main"\n',
        "pkg/__init__.py": "",
        # Each function trains a convolution on CUDA (its backward pass varies) on the data it reads.
        "pkg/cli.py": "import torch\n\n\ndef main():\n    return fit(torch.nn.Conv2d(3, 8, 3).cuda())\n\n\ndef other():\n"
        "    return fit(torch.nn.Conv2d(3, 16, 3).cuda())\n\n\ndef fit(model):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    model(torch.load('images.pt').cuda()).sum().backward()\n    optimizer.step()\n    return model\n\n\n"
        f"if __name__ == '__main__':\n    {guard}()\n",
    }


def test_a_script_and_the_main_guard_that_calls_it_are_one_entry_point():
    findings = check_project(_script_project("main"))
    counts = sorted((finding.code, finding.span.line) for finding in findings)
    assert counts == [("DET101", 5), ("DET204", 5)]
    for finding in findings:
        assert "[project.scripts]" in finding.detail and "__main__" not in finding.detail
        assert [item.message for item in finding.related][-1] == "entry point: `pkg.cli:main` in [project.scripts]"


def test_a_main_guard_that_runs_something_else_stays_an_entry_point_of_its_own():
    findings = check_project(_script_project("other"))
    lines = sorted((finding.code, finding.span.line) for finding in findings)
    assert lines == [("DET101", 5), ("DET101", 20), ("DET204", 5), ("DET204", 20)]
    undeclared = {**_script_project("main"), "pyproject.toml": '[project]\nname = "pkg"\nversion = "0"\n'}
    lines = sorted((finding.code, finding.span.line) for finding in check_project(undeclared))
    assert lines == [("DET101", 20), ("DET204", 20)]


def test_a_torchvision_model_with_pretrained_weights_draws_nothing_whichever_keyword_asks_for_them():
    script = (
        "import torch\nimport torchvision\n\nif __name__ == '__main__':\n    images = torch.load('images.pt')\n"
        "    model = torchvision.models.resnet18({arguments}).eval()\n    print(model(images))\n"
    )
    drawn = {
        arguments: _det101({"infer.py": script.format(arguments=arguments)}) != set()
        for arguments in ("weights='DEFAULT'", "pretrained=True", "pretrained=False", "")
    }
    assert drawn == {"weights='DEFAULT'": False, "pretrained=True": False, "pretrained=False": True, "": True}


def test_initial_weights_replaced_by_stored_ones_are_not_a_draw_unless_the_run_trains():
    net = (
        "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 2)\n\n    def forward(self, x):\n        return self.fc(x)\n"
    )
    evaluate = (
        "import torch\nfrom net import Net\n\nif __name__ == '__main__':\n    model = Net()\n"
        "    model.load_state_dict(torch.load('net.pt'))\n    with torch.no_grad():\n"
        "        print(model(torch.load('batch.pt')))\n"
    )
    fine_tune = evaluate.replace(
        "    with torch.no_grad():\n", "    model(torch.load('batch.pt')).sum().backward()\n    with torch.no_grad():\n"
    )
    sample = evaluate.replace("torch.load('batch.pt')", "torch.randn(1, 4)")
    assert _det101({"net.py": net, "evaluate.py": evaluate}) == set()
    assert _det101({"net.py": net, "fine_tune.py": fine_tune}) == {("fine_tune.py", 5, "DET101")}
    # A runner whose loop is not seen may fine-tune: without a no_grad region the initialisation counts.
    runner = evaluate.replace("    with torch.no_grad():\n        print(", "    Runner(model).run(")
    assert _det101({"net.py": net, "runner.py": runner}) == {("runner.py", 5, "DET101")}
    # A no_grad block in a constructor is an initialisation idiom, not evidence that the run evaluates.
    zero_bias = "        with torch.no_grad():\n            self.fc.bias.zero_()\n"
    net_init_no_grad = net.replace("        self.fc = nn.Linear(4, 2)\n", "        self.fc = nn.Linear(4, 2)\n" + zero_bias)
    assert _det101({"net.py": net_init_no_grad, "runner.py": runner}) == {("runner.py", 5, "DET101")}
    # An inference_mode block counts even when nothing seen runs inside it.
    opaque = evaluate.replace(
        "    with torch.no_grad():\n        print(model(torch.load('batch.pt')))\n",
        "    with torch.inference_mode():\n        Runner(model).predict()\n",
    )
    assert _det101({"net.py": net, "predict.py": opaque}) == set()
    # Stored weights replace the initial ones, not the noise a sampler draws.
    assert _det101({"net.py": net, "sample.py": sample}) == {("sample.py", 8, "DET101")}

"""What a run executes, through the project pass: a model's forward reached from `model(x)`, from
an attribute, an inherited method and a parameter; a project star import; DataLoader iteration into
the dataset, in worker processes or not; training and no_grad contexts."""

from __future__ import annotations

from detlint.testing import check_project, found_in_project

BLOCKS = (
    "import torch.nn.functional as F\nfrom torch import nn\n\n\n"
    "class Base(nn.Module):\n    def forward(self, x):\n        return F.adaptive_avg_pool2d(x, 1)\n\n\n"
    "class Child(Base):\n    pass\n\n\n"
    "class Outer(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.inner = Child()\n\n"
    "    def forward(self, x):\n        return self.inner(x)\n"
)
POOL_LINE = 7  # F.adaptive_avg_pool2d in Base.forward


def _pool_findings(train: str, **files: str) -> set[tuple[str, int, str]]:
    findings = check_project({"blocks.py": BLOCKS, "train.py": train, **files})
    return {item for item in found_in_project(findings) if item[0] == "blocks.py"}


def _training(body: str) -> str:
    return (
        "import torch\n{imports}\n\n\ndef main():\n    torch.use_deterministic_algorithms(True)\n"
        + body
        + "\n\nif __name__ == '__main__':\n    main()\n"
    )


def test_model_call_runs_forward_through_attribute_and_inherited_method():
    train = _training(
        "    model = Outer().cuda().train()\n    loss = model(torch.ones(1, 1, 4, 4, device='cuda')).sum()\n"
        "    loss.backward()"
    ).format(imports="from blocks import Outer")
    assert _pool_findings(train) == {("blocks.py", POOL_LINE, "DET206")}


def test_a_project_star_import_is_followed_and_a_local_main_is_not_shadowed_by_it():
    train = _training(
        "    model = Outer().cuda()\n    model(torch.ones(1, 1, 4, 4, device='cuda')).sum().backward()"
    ).format(imports="from blocks import *")
    assert _pool_findings(train) == {("blocks.py", POOL_LINE, "DET206")}


def test_an_instance_passed_as_an_argument_is_followed_into_the_callee():
    train = _training(
        "    model = Outer().cuda()\n    step(model, torch.ones(1, 1, 4, 4, device='cuda'))"
    ).format(imports="from blocks import Outer\n\n\ndef step(net, batch):\n    net(batch).sum().backward()")
    assert _pool_findings(train) == {("blocks.py", POOL_LINE, "DET206")}


def test_no_backward_under_no_grad_and_low_confidence_without_training():
    under_no_grad = _training(
        "    model = Outer().cuda()\n    with torch.no_grad():\n        model(torch.ones(1, 1, 4, 4, device='cuda'))"
    ).format(imports="from blocks import Outer")
    assert _pool_findings(under_no_grad) == set()
    never_trained = _training("    model = Outer().cuda()\n    model(torch.ones(1, 1, 4, 4, device='cuda'))").format(
        imports="from blocks import Outer"
    )
    (finding,) = [
        finding for finding in check_project({"blocks.py": BLOCKS, "train.py": never_trained}) if finding.code == "DET206"
    ]
    assert finding.confidence.value == "low"


DATA = (
    "import numpy as np\nfrom torch.utils.data import Dataset\n\n\n"
    "class Jitter(Dataset):\n    def __len__(self):\n        return 4\n\n"
    "    def __getitem__(self, index):\n        return np.random.rand(2)\n"
)


def test_iterating_a_loader_runs_its_dataset_in_the_main_process_or_in_workers():
    main_process = (
        "import torch\nfrom torch.utils.data import DataLoader\n\nfrom data import Jitter\n\n"
        "if __name__ == '__main__':\n    torch.manual_seed(0)\n    for batch in DataLoader(Jitter()):\n        print(batch)\n"
    )
    assert found_in_project(check_project({"data.py": DATA, "train.py": main_process}), "DET101") == {
        ("data.py", 10, "DET101")  # NumPy, drawn in the main process, never seeded
    }
    # In workers, PyTorch reseeds NumPy from torch's base seed, which manual_seed fixed.
    workers = main_process.replace("DataLoader(Jitter())", "DataLoader(Jitter(), num_workers=2)")
    assert found_in_project(check_project({"data.py": DATA, "train.py": workers})) == set()


def test_a_loader_passed_to_a_training_function_is_iterated_there():
    train = (
        "import torch\nfrom torch.utils.data import DataLoader\n\nfrom data import Jitter\n\n\n"
        "def run(loader):\n    for batch in loader:\n        print(batch)\n\n\n"
        "if __name__ == '__main__':\n    torch.manual_seed(0)\n    run(DataLoader(Jitter()))\n"
    )
    named = train.replace("    run(DataLoader(Jitter()))\n", "    loader = DataLoader(Jitter())\n    run(loader)\n")
    for source in (train, named):  # built in place or held in a variable
        assert found_in_project(check_project({"data.py": DATA, "train.py": source}), "DET101") == {
            ("data.py", 10, "DET101")
        }

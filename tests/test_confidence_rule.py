"""The confidence rule of docs/design.md, one example per tier: high when the hazard is resolved on
a path from an entry point, medium when the path or the deciding argument is known only by name,
low when it depends on what is unknown statically (device, training, whether the code runs)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import REPO

from detlint.api import check_paths
from detlint.config import load_settings
from detlint.finding import Confidence
from detlint.testing import check_project

MODEL = (
    "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\n\n"
    "class Net(nn.Module):\n    def forward(self, x):\n        return F.interpolate(x, scale_factor=2, mode={mode})\n"
)
TRAIN = (
    "import torch\n\nfrom model import Net\n\n\ndef main():\n    model = Net().to({device})\n"
    "    out = model(torch.ones(1, 1, 2, 2, device={device}))\n{train}\n\n"
    "if __name__ == '__main__':\n    main()\n"
)


def _det201(mode: str = "'bilinear'", device: str = "'cuda'", train: str = "    out.sum().backward()"):
    files = {"model.py": MODEL.format(mode=mode), "train.py": TRAIN.format(device=device, train=train)}
    (finding,) = [finding for finding in check_project(files) if finding.code == "DET201"]
    return finding


def test_high_resolved_on_a_training_path_with_a_known_device():
    assert _det201().confidence.value == "high"


def test_medium_when_the_argument_that_decides_is_not_a_literal():
    assert _det201(mode="mode").confidence.value == "medium"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"device": "'cpu' if flag else 'cpu'"}, "Nothing on that path asks for CUDA"),
        ({"train": "    print(out)"}, "whose path shows no training"),
    ],
)
def test_low_when_the_hazard_depends_on_what_is_unknown_statically(change, says):
    finding = _det201(**change)
    assert finding.confidence.value == "low"
    assert says in finding.detail  # the detail says which part of the rule applies


def test_low_when_no_entry_point_reaches_the_code():
    files = {"model.py": MODEL.format(mode="'bilinear'")}
    (finding,) = [finding for finding in check_project(files) if finding.code == "DET201"]
    assert finding.confidence.value == "low"
    assert "No entry point of this project reaches it" in finding.detail


def test_det204_on_a_path_that_never_trains_and_runs_no_catalogued_op_is_low():
    inference = (
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    model = torch.nn.Linear(2, 2).cuda()\n    print(model(torch.ones(2, device='cuda')))\n"
    )
    (finding,) = [finding for finding in check_project({"sample.py": inference}) if finding.code == "DET204"]
    assert finding.confidence.value == "low"
    assert "No op on this path is known to vary in every run, and it never trains" in finding.detail
    training = inference.replace("    print(model(", "    (model(").replace(")))\n", "))).sum().backward()\n")
    (finding,) = [finding for finding in check_project({"train.py": training}) if finding.code == "DET204"]
    assert finding.confidence.value == "high"


SELF_CHECK = (
    "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.fc = nn.Linear(4, 2)\n\n    def forward(self, x):\n"
    "        return self.fc(x)\n\n\nif __name__ == '__main__':\n    net = Net()\n{train}"
)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # A package module's `__main__` block that only runs the model: a self-check.
        ({"pkg/__init__.py": "", "pkg/net.py": SELF_CHECK.format(train="    print(net(torch.randn(2, 4)))\n")}, "low"),
        # The same block in a module outside any package is a script whose results are its output.
        ({"net.py": SELF_CHECK.format(train="    print(net(torch.randn(2, 4)))\n")}, "high"),
        # One backward pass checks the gradients: still a self-check.
        ({"pkg/__init__.py": "", "pkg/net.py": SELF_CHECK.format(train="    net(torch.randn(2, 4)).sum().backward()\n")}, "low"),
        # A package module that updates the weights is a run.
        (
            {
                "pkg/__init__.py": "",
                "pkg/net.py": SELF_CHECK.format(
                    train="    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)\n"
                    "    net(torch.randn(2, 4)).sum().backward()\n    optimizer.step()\n"
                ),
            },
            "high",
        ),
        # A script of the documentation tree draws an illustration.
        ({"docs/plots/net.py": SELF_CHECK.format(train="    print(net(torch.randn(2, 4)))\n")}, "low"),
    ],
    ids=["package-self-check", "script", "package-gradient-check", "package-training-run", "docs-illustration"],
)
def test_det101_is_low_for_a_package_modules_self_check_only(files, expected):
    (finding,) = [finding for finding in check_project(files) if finding.code == "DET101"]
    assert finding.confidence.value == expected
    assert ("self-check" in finding.detail) == (expected == "low")


@pytest.mark.parametrize(
    ("path", "expected"),
    [("bench.py", "low"), ("scripts/benchmark_speed.py", "low"), ("pkg/model.py", "low"), ("train.py", "high")],
)
def test_det204_is_low_for_a_speed_benchmark_or_a_self_check(path, expected):
    source = (
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n    net = torch.nn.Conv2d(3, 8, 3).cuda()\n"
        "    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)\n"
        "    net(torch.ones(1, 3, 8, 8, device='cuda')).sum().backward()\n"
        + ("" if path == "pkg/model.py" else "    optimizer.step()\n")
    )
    files = {path: source, **({"pkg/__init__.py": ""} if path.startswith("pkg/") else {})}
    (finding,) = [finding for finding in check_project(files) if finding.code == "DET204"]
    assert finding.confidence.value == expected
    assert ("self-check, a speed benchmark, a demo" in finding.detail) == (expected == "low")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Inference whose only listed op is `torch.empty`: it varies only if code reads memory it never wrote.
        ("    buffer = torch.empty(4, device='cuda')\n    print(net(buffer))\n", "low"),
        # Inference through an op that varies in every run.
        ("    out = torch.zeros(4, device='cuda')\n    print(out.index_add_(0, torch.tensor([0, 0]), torch.ones(2)))\n", "high"),
        # Training with only `torch.empty`: the backward kernels are in play.
        ("    buffer = torch.empty(4, device='cuda')\n    net(buffer).sum().backward()\n", "high"),
    ],
    ids=["inference-uninitialized-only", "inference-index-add", "training"],
)
def test_det204_counts_only_ops_that_vary_in_every_run_on_a_path_that_never_trains(body, expected):
    source = "import torch\n\nif __name__ == '__main__':\n    net = torch.nn.Linear(4, 4).cuda()\n" + body
    (finding,) = [finding for finding in check_project({"run.py": source}) if finding.code == "DET204"]
    assert finding.confidence.value == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Preprocessing with TensorFlow: nothing op determinism is seen to fix, and nothing trains.
        ("    print(tf.image.resize(tf.zeros([1, 4, 4, 3]), [8, 8]))\n", "low"),
        ("    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n    model.fit(tf.zeros([2, 3]), tf.zeros([2, 1]))\n", "medium"),
    ],
    ids=["preprocessing", "training"],
)
def test_det207_is_low_where_nothing_it_fixes_runs_and_nothing_trains(body, expected):
    source = "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n" + body
    (finding,) = [finding for finding in check_project({"run.py": source}) if finding.code == "DET207"]
    assert finding.confidence.value == expected


def test_every_medium_or_low_finding_says_why_in_its_detail():
    """The confidence rule is stated in each finding below high: by the rule's own reason, or the tier's."""
    unsure = []
    for project in sorted((REPO / "fixtures" / "projects").iterdir()):
        settings = replace(load_settings(None, root=project), min_confidence=Confidence.LOW)
        unsure += [f for f in check_paths([project], settings, jobs=1, use_cache=False).findings if f.confidence.value != "high"]
    assert {f.confidence.value for f in unsure} == {"medium", "low"}  # both tiers are exercised
    assert [f for f in unsure if "confidence" not in f.detail.lower()] == []
    assert "Medium confidence: part of what decides this is known only by name" in _det201(mode="mode").detail
    # A file rule's finding too: `cudnn.benchmark` set from a variable.
    (benchmark,) = check_project({"run.py": "import torch\nfast = input()\ntorch.backends.cudnn.benchmark = fast\n"})
    assert benchmark.code == "DET203" and benchmark.confidence.value != "high"
    assert "confidence" in benchmark.detail.lower()


def test_det104_is_low_for_a_generator_handed_to_code_that_may_seed_it():
    source = (
        "import torch\nfrom torch.utils.data import DataLoader\nfrom samplers import SeedableSampler\n\n"
        "a = DataLoader(range(4), shuffle=True, generator=torch.Generator())\n"
        "b = SeedableSampler(range(4), generator=getattr(object(), 'generator', torch.Generator()))\n"
        "c = torch.empty(3).normal_(generator=torch.Generator())\n"
    )
    found = {f.span.line: f for f in check_project({"gen.py": source}) if f.code == "DET104"}
    assert {line: f.confidence.value for line, f in found.items()} == {5: "high", 6: "low", 7: "high"}
    assert "handed to `samplers.SeedableSampler`, which may seed it" in found[6].detail


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_loader.py", "low"),
        ("benchmark.py", "low"),
        ("demo.py", "low"),
        ("onnx_export.py", "low"),
        ("train.py", "high"),
        ("demographics.py", "high"),
        ("workbench.py", "high"),
    ],
)
def test_a_file_rules_run_hazard_in_a_test_or_a_benchmark_is_low(path, expected):
    (finding,) = check_project({path: "import torch\ntorch.backends.cudnn.benchmark = True\n"})
    assert (finding.code, finding.confidence.value) == ("DET203", expected)
    assert ("a test or a benchmark, demo or export script" in finding.detail) == (expected == "low")

"""The confidence rule of docs/design.md, one example per tier: high when the hazard is resolved on
a path from an entry point, medium when the path or the deciding argument is known only by name,
low when it depends on what is unknown statically (the device, whether the code runs). What is not a
hazard at all is not reported at any tier: a run whose results nobody keeps (a test, a benchmark, a
demo, a self-check, a run on random tensors that reads no data) and a backward-only op on a path
that never trains."""

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


def _reported(files, code: str) -> list[str]:
    """The confidence of each `code` finding on a project, with every tier down to low reported."""
    return [finding.confidence.value for finding in check_project(files, floor=Confidence.LOW) if finding.code == code]


def _det201(mode: str = "'bicubic'", device: str = "'cuda'", train: str = "    out.sum().backward()"):
    files = {"model.py": MODEL.format(mode=mode), "train.py": TRAIN.format(device=device, train=train)}
    (finding,) = [finding for finding in check_project(files) if finding.code == "DET201"]
    return finding


def test_high_resolved_on_a_training_path_with_a_known_device():
    assert _det201().confidence.value == "high"


def test_medium_when_the_argument_that_decides_is_not_a_literal():
    assert _det201(mode="mode").confidence.value == "medium"


def test_low_when_the_device_that_decides_is_unknown_statically():
    finding = _det201(device="'cpu' if flag else 'cpu'")
    assert finding.confidence.value == "low"
    assert "Nothing on that path asks for CUDA" in finding.detail  # the detail says which part of the rule applies


def test_a_backward_only_op_on_a_path_that_never_trains_is_not_reported_even_at_low():
    files = {
        "model.py": MODEL.format(mode="'bicubic'"),
        "train.py": TRAIN.format(device="'cuda'", train="    print(out)"),
    }
    assert _reported(files, "DET201") == []
    # The same path with a backward pass reports it.
    assert _det201().confidence.value == "high"


def test_low_when_no_entry_point_reaches_the_code():
    files = {"model.py": MODEL.format(mode="'bicubic'")}
    (finding,) = [finding for finding in check_project(files) if finding.code == "DET201"]
    assert finding.confidence.value == "low"
    assert "No entry point of this project reaches it" in finding.detail


def test_det204_is_not_reported_where_no_op_on_the_path_varies_even_at_low():
    inference = (
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    model = torch.nn.Linear(2, 2).cuda()\n    print(model(torch.ones(2, device='cuda')))\n"
    )
    training = inference.replace("    print(model(", "    (model(").replace(")))\n", "))).sum().backward()\n")
    for source in (inference, training):  # a linear layer's kernels are not catalogued as varying, trained or not
        assert _reported({"train.py": source}, "DET204") == []
    # A convolution's backward pass varies on a training path: the same run with one is reported.
    convolution = training.replace("torch.nn.Linear(2, 2)", "torch.nn.Conv2d(1, 1, 1)").replace(
        "torch.ones(2, device='cuda')", "torch.ones(1, 1, 2, 2, device='cuda')"
    )
    (finding,) = [finding for finding in check_project({"train.py": convolution}) if finding.code == "DET204"]
    assert finding.confidence.value == "high"


SELF_CHECK = (
    "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.fc = nn.Linear(4, 2)\n\n    def forward(self, x):\n"
    "        return self.fc(x)\n\n\nif __name__ == '__main__':\n    net = Net()\n    x = {data}\n{train}"
)
READS = "torch.load('batch.pt')"  # the run reads its data
RUN = "    print(net(x))\n"
GRADIENTS = "    net(x).sum().backward()\n"
JAX_MAIN = (
    "import jax\nimport numpy as np\n\nif __name__ == '__main__':\n    images = np.load('images.npy')\n"
    "    print(jax.numpy.asarray(images[np.random.permutation(len(images))]))\n"
)
TORCHVISION_MODEL = "    backbone = torchvision.models.resnet18()\n" + RUN
NOT_PRETRAINED = TORCHVISION_MODEL.replace("()", "(pretrained=False)")
CONFIG = "    config = transformers.AutoConfig.from_pretrained('bert-base-uncased')\n" + RUN
STEP = "    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)\n    net(x).sum().backward()\n    optimizer.step()\n"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # A package module's `__main__` block that only runs the model: a self-check.
        ({"pkg/__init__.py": "", "pkg/net.py": SELF_CHECK.format(data=READS, train=RUN)}, None),
        # The same block in a module outside any package is a script whose results are its output.
        ({"net.py": SELF_CHECK.format(data=READS, train=RUN)}, "high"),
        # One backward pass checks the gradients: still a self-check.
        ({"pkg/__init__.py": "", "pkg/net.py": SELF_CHECK.format(data=READS, train=GRADIENTS)}, None),
        # A package module that updates the weights is a run.
        ({"pkg/__init__.py": "", "pkg/net.py": SELF_CHECK.format(data=READS, train=STEP)}, "high"),
        # A JAX package's `__main__` block trains through updates not all catalogued: a run.
        ({"pkg/__init__.py": "", "pkg/main.py": JAX_MAIN}, "high"),
        # A script of the documentation tree draws an illustration.
        ({"docs/plots/net.py": SELF_CHECK.format(data=READS, train=RUN)}, None),
        # A script that reads no data and runs on random tensors is an API demo or a smoke test, even if it trains.
        ({"net.py": SELF_CHECK.format(data="torch.randn(2, 4)", train=RUN)}, None),
        ({"net.py": SELF_CHECK.format(data="torch.randn(2, 4)", train=STEP)}, None),
        # A model built without stored weights, or a model's config, reads nothing; pretrained weights are data.
        ({"net.py": "import torchvision\n" + SELF_CHECK.format(data="torch.randn(2, 4)", train=TORCHVISION_MODEL)}, None),
        ({"net.py": "import torchvision\n" + SELF_CHECK.format(data="torch.randn(2, 4)", train=TORCHVISION_MODEL.replace("()", "(weights='DEFAULT')"))}, "high"),
        ({"net.py": "import torchvision\n" + SELF_CHECK.format(data="torch.randn(2, 4)", train=NOT_PRETRAINED)}, None),
        ({"net.py": "import transformers\n" + SELF_CHECK.format(data="torch.randn(2, 4)", train=CONFIG)}, None),
        ({"net.py": "import transformers\n" + SELF_CHECK.format(data="torch.randn(2, 4)", train=CONFIG.replace("AutoConfig", "AutoModel"))}, "high"),
    ],
    ids=[
        "package-self-check",
        "script",
        "package-gradient-check",
        "package-training-run",
        "jax-package-main",
        "docs-illustration",
        "random-tensors-demo",
        "random-tensors-training-demo",
        "model-built-without-weights",
        "pretrained-weights",
        "pretrained-false",
        "model-config",
        "pretrained-model",
    ],
)
def test_det101_is_not_reported_for_a_run_whose_results_are_not_kept(files, expected):
    found = _reported(files, "DET101")
    assert found == ([] if expected is None else [expected])


@pytest.mark.parametrize(
    ("path", "expected"),
    [("bench.py", None), ("scripts/benchmark_speed.py", None), ("pkg/model.py", None), ("train.py", "high")],
)
def test_det204_is_not_reported_for_a_speed_benchmark_or_a_self_check(path, expected):
    source = (
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n    net = torch.nn.Conv2d(3, 8, 3).cuda()\n"
        "    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)\n"
        "    net(torch.ones(1, 3, 8, 8, device='cuda')).sum().backward()\n"
        + ("" if path == "pkg/model.py" else "    optimizer.step()\n")
    )
    files = {path: source, **({"pkg/__init__.py": ""} if path.startswith("pkg/") else {})}
    found = _reported(files, "DET204")
    assert found == ([] if expected is None else [expected])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Inference whose only listed op is `torch.empty`: it varies only if code reads memory it never wrote.
        ("    buffer = torch.empty(4, device='cuda')\n    print(net(buffer))\n", None),
        # Inference through an op that varies in every run.
        ("    out = torch.zeros(4, device='cuda')\n    print(out.index_add_(0, torch.tensor([0, 0]), torch.ones(2)))\n", "high"),
        # Training with only `torch.empty` and a linear layer: no kernel on the path is known to vary.
        ("    buffer = torch.empty(4, device='cuda')\n    net(buffer).sum().backward()\n", None),
        # Training through a convolution, whose backward kernels vary.
        (
            "    conv = torch.nn.Conv2d(1, 1, 1).cuda()\n"
            "    conv(torch.ones(1, 1, 2, 2, device='cuda')).sum().backward()\n",
            "high",
        ),
        # The same convolution on a path that never trains: its backward pass never runs.
        ("    conv = torch.nn.Conv2d(1, 1, 1).cuda()\n    print(conv(torch.ones(1, 1, 2, 2, device='cuda')))\n", None),
    ],
    ids=[
        "inference-uninitialized-only",
        "inference-index-add",
        "training-uninitialized-only",
        "training-convolution",
        "inference-convolution",
    ],
)
def test_det204_counts_only_ops_that_vary_in_every_run_and_backward_ops_only_on_training_paths(body, expected):
    source = "import torch\n\nif __name__ == '__main__':\n    net = torch.nn.Linear(4, 4).cuda()\n" + body
    found = _reported({"run.py": source}, "DET204")
    assert found == ([] if expected is None else [expected])


def test_det204_is_medium_for_training_a_model_whose_layers_are_not_seen():
    source = (
        "import torch\nfrom transformers import AutoModelForCausalLM\n\nif __name__ == '__main__':\n"
        "    torch.manual_seed(0)\n    model = AutoModelForCausalLM.from_pretrained('gpt2').cuda()\n"
        "    ids = torch.tensor([[0]], device='cuda')\n    model(input_ids=ids, labels=ids).loss.backward()\n"
    )
    (finding,) = [finding for finding in check_project({"run.py": source}) if finding.code == "DET204"]
    assert finding.confidence.value == "medium"
    assert "trains a model whose layers are not seen (`from_pretrained(" in finding.detail
    # Inference with it shows no kernel that varies.
    inference = source.replace(".loss.backward()", ".loss")
    assert _reported({"run.py": inference}, "DET204") == []


TF_TRAINING = (
    "    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n    model.fit(tf.zeros([2, 3]), tf.zeros([2, 1]))\n"
)


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        # Preprocessing with TensorFlow: nothing op determinism is seen to fix, and nothing trains.
        ("run.py", "    print(tf.image.resize(tf.zeros([1, 4, 4, 3]), [8, 8]))\n", None),
        ("run.py", TF_TRAINING, "medium"),
        # The same training in a demo, or on random tensors with no data read: results nobody keeps.
        ("demo.py", TF_TRAINING, None),
        ("run.py", TF_TRAINING.replace("tf.zeros([2, 3])", "tf.random.normal([2, 3])"), None),
    ],
    ids=["preprocessing", "training", "training-demo", "training-on-random-tensors"],
)
def test_det207_is_not_reported_where_nothing_it_fixes_runs_and_nothing_trains_or_results_are_not_kept(
    path, body, expected
):
    source = "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n" + body
    found = _reported({path: source}, "DET207")
    assert found == ([] if expected is None else [expected])


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
        ("tests/test_loader.py", None),
        ("benchmark.py", None),
        ("demo.py", None),
        ("onnx_export.py", None),
        (".github/scripts/check_release.py", None),  # the repository's tooling
        ("train.py", "high"),
        ("src/pkg.v2/train.py", "high"),  # a dot inside a name is no hidden directory
        ("tools/visualize_tsne.py", "high"),
        ("demographics.py", "high"),
        ("workbench.py", "high"),
    ],
)
def test_a_file_rules_run_hazard_in_a_test_tooling_or_a_side_script_is_not_reported(path, expected):
    found = check_project({path: "import torch\ntorch.backends.cudnn.benchmark = True\n"}, floor=Confidence.LOW)
    reported = [(finding.code, finding.confidence.value) for finding in found]
    assert reported == ([("DET203", expected)] if expected else [])


SYNTHETIC = (
    "import torch\n\nif __name__ == '__main__':\n    x = {inputs}\n    model = torch.nn.Linear(4, 1)\n"
    "    torch.optim.SGD(model.parameters(), lr=0.1)\n    model(x).sum().backward()\n{after}"
)


@pytest.mark.parametrize(
    ("inputs", "after", "expected"),
    [
        ("torch.randn(64, 4)", "", []),  # a demo on random tensors
        # saving a model trained on random tensors does not make it a result
        ("torch.randn(64, 4)", "    torch.save(model.state_dict(), 'model.pt')\n", []),
        ("torch.randn(64, 4)", "    model.save_pretrained('out')\n", []),
        # what it computes from data it reads, saved or not, is a result
        ("torch.load('x.pt')", "    torch.save(model.state_dict(), 'model.pt')\n", ["high"]),
        # a file opened to write is a result written, not data read
        ("torch.randn(64, 4)", "    open('loss.txt', 'w').write(str(model(x).sum()))\n", []),
        ("torch.randn(64, 4) + float(open('scale.txt').read())", "", ["high"]),
        # opened to append and read, or in a mode not written out: it may read
        ("torch.randn(64, 4)", "    open('log.txt', 'a+').write(str(model(x).sum()))\n", ["high"]),
        ("torch.randn(64, 4)", "    open('log.txt', MODE).write(str(model(x).sum()))\n", ["high"]),
        # A shuffle or dropout is not an input: what it reorders came from somewhere not seen.
        ("torch.nn.functional.dropout(torch.ones(64, 4))", "", ["high"]),
        ("torch.ones(64, 4)[torch.randperm(64)]", "", ["high"]),
        # Read through pathlib.
        ("torch.tensor(eval(pathlib.Path('x.txt').read_text()))", "", ["high"]),
    ],
    ids=[
        "demo", "torch-save", "save-pretrained", "read-and-save", "open-to-write", "open-to-read", "open-plus",
        "open-unknown-mode", "dropout",
        "randperm", "pathlib-read",
    ],
)
def test_a_run_on_random_tensors_is_a_demo_unless_it_reads_data_or_only_shuffles(inputs, after, expected):
    source = SYNTHETIC.format(inputs=inputs, after=after)
    if "pathlib" in inputs:
        source = "import pathlib\n" + source.replace("x = ", "x = torch.randn(64, 4) + ")
    assert _reported({"train.py": source}, "DET101") == expected


@pytest.mark.parametrize("reader", ["tf.io.read_file(path)", "tf.gfile.GFile(path).read()", "tf.io.gfile.GFile(path).read()"])
@pytest.mark.parametrize("tensorflow", ["tensorflow", "tensorflow.compat.v1"])
def test_a_run_reading_through_tensorflow_file_io_is_kept(reader, tensorflow):
    source = (
        f"import {tensorflow} as tf\n\n\ndef main(path):\n    raw = {reader}\n"
        "    weights = tf.Variable(tf.truncated_normal([4, 2]))\n"
        "    step = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(weights) + tf.strings.length(raw))\n"
        "    with tf.Session() as sess:\n        sess.run(step)\n    open('log.txt', 'w').write('done')\n\n\n"
        "if __name__ == '__main__':\n    main('data.bin')\n"
    )
    assert _reported({"train.py": source}, "DET101") == ["high"]
    # Without the read it is a demo on random tensors that writes a log.
    assert _reported({"train.py": source.replace(f"raw = {reader}", "raw = path")}, "DET101") == []
    # nor does a file TensorFlow opens to write make one
    written = source.replace(f"raw = {reader}", "raw = path").replace("open('log.txt', 'w')", "tf.gfile.GFile('log.txt', 'w')")
    assert _reported({"train.py": written}, "DET101") == []


def test_a_run_reading_serialized_data_is_kept():
    source = SYNTHETIC.format(inputs="torch.as_tensor(joblib.load('train.pkl')) + torch.randn(64, 4)", after="")
    assert _reported({"train.py": "import joblib\n" + source}, "DET101") == ["high"]


EXPORT = (
    "import torch\nfrom torchvision import models\n\nmodel = models.resnet18(weights=models.ResNet18_Weights.DEFAULT)\n"
    "example = torch.rand(1, 3, 224, 224)\n{keep}"
)


@pytest.mark.parametrize(
    ("keep", "expected"),
    [
        ("torch.jit.trace(model, example).save('model.pt')\n", []),
        ("torch.onnx.export(model, (example,), 'model.onnx')\n", []),
        # what the same run computes from the input is a result of its own
        ("torch.save(model(example), 'out.pt')\n", ["high"]),
        # an export that follows training keeps trained weights
        ("model(example).sum().backward()\ntorch.onnx.export(model, (example,), 'model.onnx')\n", ["high"]),
        # and one that reads its input exports after computing on data
        ("torch.jit.trace(model, torch.load('batch.pt') + example).save('model.pt')\n", ["high"]),
    ],
    ids=["jit-trace", "onnx-export", "saves-output", "trains-then-exports", "reads-input"],
)
def test_a_run_that_only_exports_a_model_keeps_no_number_its_draws_change(keep, expected):
    assert _reported({"convert.py": EXPORT.format(keep=keep)}, "DET101") == expected


def test_an_op_is_judged_by_the_runs_that_reach_it_not_by_its_file_name():
    ops = "import torch\n\n\ndef count(x):\n    return torch.histc(x.cuda(), bins=4)\n"
    train = (
        "import torch\nfrom pkg.export import count\n\nif __name__ == '__main__':\n"
        "    print(count(torch.load('x.pt')))\n"
    )
    demo = train.replace("torch.load('x.pt')", "torch.randn(8)")
    files = {"pkg/__init__.py": "", "pkg/export.py": ops}
    assert _reported({**files, "train.py": train}, "DET201") == ["high"]
    # Reached only from a demo on random tensors: not a use, not even an unreached one.
    assert _reported({**files, "demo_run.py": demo}, "DET201") == []


def test_an_unreached_op_counts_only_in_a_class_unless_the_project_is_a_library():
    source = (
        "import torch\nimport torch.nn.functional as F\n\n\nclass Pool(torch.nn.Module):\n    def forward(self, x):\n"
        "        return F.adaptive_avg_pool2d(x, 2)\n\n\ndef pool(x):\n    return F.adaptive_avg_pool2d(x, 2)\n"
    )
    found = check_project({"layers.py": source}, floor=Confidence.LOW)
    assert [(f.span.line, f.confidence.value) for f in found if f.code == "DET201"] == [(7, "low")]
    in_library = check_project({"layers.py": source}, floor=Confidence.LOW, mode="library")
    assert sorted(f.span.line for f in in_library if f.code == "DET201") == [7, 11]


def test_an_unreached_backward_op_counts_only_where_some_run_of_the_application_trains():
    layers = (
        "import torch\nimport torch.nn.functional as F\n\n\nclass Pool(torch.nn.Module):\n    def forward(self, x):\n"
        "        return F.adaptive_avg_pool2d(x, 2)\n"
    )
    run = (
        "import torch\n\nif __name__ == '__main__':\n    model = torch.nn.{layer}.cuda()\n"
        "    {work}\n    torch.save(model.state_dict(), 'model.pt')\n"
    )
    infer = run.format(layer="Conv2d(3, 3, 3)", work="torch.save(model(torch.load('x.pt').cuda()), 'y.pt')")
    # Training a layer whose kernels the catalog does not list: the run trains, though it reaches no op.
    train = run.format(layer="Linear(4, 4)", work="model(torch.load('x.pt').cuda()).sum().backward()")

    def lines(**files: str) -> list[tuple[int, str]]:
        found = check_project({"layers.py": layers, **files}, floor=Confidence.LOW)
        return [(f.span.line, f.confidence.value) for f in found if f.code == "DET201"]

    # The project's runs use PyTorch and none trains: the pooling's backward pass never runs here.
    assert lines(**{"infer.py": infer}) == []
    assert lines(**{"infer.py": infer, "train.py": train}) == [(7, "low")]


def test_deterministic_mode_is_asked_for_only_where_it_fixes_or_demands_the_fix_of_a_varying_op():
    training = (
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n    layer = {layer}.cuda()\n"
        "    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)\n    out = layer(torch.load('x.pt').cuda())\n"
        "{extra}    out[0].sum().backward()\n    optimizer.step()\n"
    )
    lstm = training.format(layer="torch.nn.LSTM(4, 4)", extra="")
    index_reduce = training.format(
        layer="torch.nn.Linear(4, 4)", extra="    out = out.index_reduce_(0, torch.load('i.pt').cuda(), out, 'prod')\n"
    )
    assert _reported({"train.py": lstm}, "DET204") == ["high"]  # the mode demands the cuBLAS setting that fixes it
    assert _reported({"train.py": index_reduce}, "DET204") == []  # the mode leaves it as it is: DET201's


def test_an_embedding_from_a_tensor_is_not_a_pretrained_model_whose_layers_are_unseen():
    source = (
        "import torch\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    emb = torch.nn.Embedding.from_pretrained(torch.load('vectors.pt')).cuda()\n"
        "    optimizer = torch.optim.SGD(emb.parameters(), lr=0.1)\n"
        "    emb(torch.load('ids.pt').cuda()).sum().backward()\n    optimizer.step()\n"
    )
    assert _reported({"train.py": source}, "DET204") == []


def test_a_hugging_face_trainer_runs_on_the_tpu_in_a_script_that_imports_torch_xla():
    source = (
        "import torch\nfrom transformers import AutoModelForCausalLM, Trainer\n\nif __name__ == '__main__':\n"
        "    torch.manual_seed(0)\n    model = AutoModelForCausalLM.from_pretrained('gpt2')\n"
        "    Trainer(model=model, train_dataset=torch.load('train.pt')).train()\n"
    )
    assert _reported({"train.py": source}, "DET204") == ["medium"]
    on_tpu = source.replace("import torch\n", "import torch\nimport torch_xla.core.xla_model as xm\n")
    assert _reported({"train.py": on_tpu}, "DET204") == []


@pytest.mark.parametrize(
    ("option", "mode", "expected"),
    [
        ("parser.add_argument('--compile-mode', default='max-autotune')\n", "args.compile_mode", ["high"]),
        ("parser.add_argument('--compile-mode', default=None)\n", "args.compile_mode", ["low"]),
        ("parser.add_argument('--mode', dest='compile_mode', type=str)\n", "args.compile_mode", ["low"]),
        ("parser.add_argument('--autotune', action='store_true')\n", "'max-autotune' if args.autotune else None", ["high"]),
        ("", "'max-autotune'", ["high"]),
    ],
    ids=["default-autotunes", "default-none", "dest-without-default", "conditional-expression", "literal"],
)
def test_det204_is_low_where_the_ops_it_would_change_vary_only_when_a_command_line_option_is_given(
    option, mode, expected
):
    source = (
        "import argparse\nimport torch\n\nparser = argparse.ArgumentParser()\n" + option + "\n"
        "if __name__ == '__main__':\n    args = parser.parse_args()\n    model = torch.load('model.pt').cuda()\n"
        f"    model = torch.compile(model, mode={mode})\n    torch.save(model(torch.load('x.pt').cuda()), 'y.pt')\n"
    )
    assert _reported({"validate.py": source}, "DET204") == expected


def test_a_documentation_gallerys_example_keeps_no_results():
    body = (
        "import numpy as np\nimport torch\n\nsignal = np.sin(np.linspace(0, 10, 100))\n"
        "noisy = signal + np.random.normal(size=100)\nprint(torch.tensor(noisy).mean(), np.load('ref.npy'))\n"
    )
    gallery = '"""\nEvaluating speech quality\n=========================\n\nThis example shows the metric.\n"""\n\n'
    plain = '"""Evaluate speech quality on the reference recording."""\n\n'
    assert _reported({"examples/audio/pesq.py": gallery + body}, "DET101") == []
    assert _reported({"examples/audio/pesq.py": plain + body}, "DET101") == ["high"]


def test_det204_for_training_a_model_whose_layers_are_not_seen_does_not_drop_to_an_options_low():
    source = (
        "import argparse\nimport timm\nimport torch\n\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('--compile-mode', default=None)\n\nif __name__ == '__main__':\n"
        "    args = parser.parse_args()\n    model = timm.create_model('resnet50').cuda()\n"
        "    model = torch.compile(model, mode=args.compile_mode)\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    model(torch.load('x.pt').cuda()).sum().backward()\n    optimizer.step()\n"
    )
    assert _reported({"train.py": source}, "DET204") == ["medium"]


def test_det204_is_medium_on_a_training_path_whose_listed_ops_vary_only_under_a_command_line_option():
    source = (
        "import argparse\nimport torch\nfrom models import create_model\n\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('--compile-mode', default=None)\n\nif __name__ == '__main__':\n"
        "    args = parser.parse_args()\n    model = create_model(args).cuda()\n"
        "    model = torch.compile(model, mode=args.compile_mode)\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    model(torch.load('x.pt').cuda()).sum().backward()\n    optimizer.step()\n"
    )
    models = "def create_model(args):\n    return REGISTRY[args.model]()\n"
    assert _reported({"train.py": source, "models.py": models}, "DET204") == ["medium"]
    inference = source.replace("    model(torch.load('x.pt').cuda()).sum().backward()\n    optimizer.step()\n", "")
    inference = inference.replace("    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n", "")
    inference += "    torch.save(model(torch.load('x.pt').cuda()), 'y.pt')\n"
    assert _reported({"train.py": inference, "models.py": models}, "DET204") == ["low"]


def test_det204_is_low_where_every_op_it_would_change_varies_only_under_a_run_time_condition():
    inference = (
        "import torch\n\nif __name__ == '__main__':\n    scores = torch.load('scores.pt').cuda()\n"
        "    torch.save({op}, 'out.pt')\n"
    )
    # cumsum varies only on floating-point input, which a loaded tensor may or may not hold.
    assert _reported({"run.py": inference.format(op="scores.cumsum(1)")}, "DET204") == ["low"]
    # index_add varies whatever it is given: the switch is needed for sure.
    sure = "torch.zeros(4, device='cuda').index_add_(0, scores.long(), scores)"
    assert _reported({"run.py": inference.format(op=f"({sure}, scores.cumsum(1))")}, "DET204") == ["high"]

"""What a run executes, through the project pass: a model's forward reached from `model(x)`, from
an attribute, an inherited method and a parameter; a project star import; DataLoader iteration into
the dataset, in worker processes or not; training and no_grad contexts."""

from __future__ import annotations

from detlint.testing import check_project, found_in_project

BLOCKS = (
    "import torch.nn.functional as F\nfrom torch import nn\n\n\n"
    "class Base(nn.Module):\n    def forward(self, x):\n        return F.adaptive_avg_pool2d(x, 2)\n\n\n"
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


def test_no_backward_under_no_grad_nor_on_a_path_that_never_trains():
    under_no_grad = _training(
        "    model = Outer().cuda()\n    with torch.no_grad():\n        model(torch.ones(1, 1, 4, 4, device='cuda'))"
    ).format(imports="from blocks import Outer")
    assert _pool_findings(under_no_grad) == set()
    # Without a backward pass the backward-only op never runs: not reported, not even with low confidence.
    never_trained = _training("    model = Outer().cuda()\n    model(torch.ones(1, 1, 4, 4, device='cuda'))").format(
        imports="from blocks import Outer"
    )
    assert found_in_project(check_project({"blocks.py": BLOCKS, "train.py": never_trained}), "DET206") == set()
    trained = never_trained.replace("4, device='cuda'))", "4, device='cuda')).sum().backward()")
    assert found_in_project(check_project({"blocks.py": BLOCKS, "train.py": trained}), "DET206") == {
        ("blocks.py", POOL_LINE, "DET206")
    }


DATA = (
    "import numpy as np\nfrom torch.utils.data import Dataset\n\n\n"
    "class Jitter(Dataset):\n    def __len__(self):\n        return 4\n\n"
    "    def __getitem__(self, index):\n        return np.load('points.npy')[index] + np.random.rand(2)\n"
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


def test_two_star_imports_and_a_star_re_export_through_a_package():
    files = {
        "nets/__init__.py": "from .blocks import *\n",
        "nets/blocks.py": BLOCKS,
        "nets/extra.py": "def helper():\n    return 1\n",
        "train.py": _training(
            "    model = Outer().cuda()\n    model(torch.ones(1, 1, 4, 4, device='cuda')).sum().backward()"
        ).format(imports="from nets import *\nfrom nets.extra import *"),
    }
    assert found_in_project(check_project(files), "DET206") == {("nets/blocks.py", POOL_LINE, "DET206")}


def test_a_method_of_an_object_built_in_place_and_a_plain_class_call():
    train = _training("    Loop(Outer().cuda()).run()\n    Scaler()(torch.ones(1))").format(
        imports=(
            "from blocks import Outer\n\n\nclass Scaler:\n    def __call__(self, loss):\n        loss.backward()\n\n\n"
            "class Loop:\n    def __init__(self, model):\n        self.model = model\n\n"
            "    def run(self):\n        Outer().cuda()(torch.ones(1, 1, 4, 4, device='cuda'))\n"
            "        Scaler()(torch.ones(1))"
        )
    )
    # `Loop(...).run()` reaches the pooling; `Scaler()(...)` runs `__call__`, whose backward trains.
    assert _pool_findings(train) == {("blocks.py", POOL_LINE, "DET206")}


def test_a_device_string_chosen_at_run_time_is_cuda_on_a_gpu_machine():
    source = (
        "import torch\n\n\ndef main():\n    torch.manual_seed(0)\n"
        "    device = 'cuda' if torch.cuda.is_available() else 'cpu'\n    model = torch.nn.Conv2d(3, 8, 3).to(device)\n"
        "    model(torch.load('images.pt').to(device)).sum().backward()\n\n\n"
        "if __name__ == '__main__':\n    main()\n"
    )
    assert {code for *_, code in found_in_project(check_project({"train.py": source}))} == {"DET204"}
    named = source.replace("'cuda' if torch.cuda.is_available() else 'cpu'", "'cuda_kernels_dir'")
    assert found_in_project(check_project({"train.py": named})) == set()


def test_an_annotated_trainer_runs_the_modules_hooks():
    files = {
        "model.py": (
            "import lightning as L\nimport torch.nn.functional as F\n\n\nclass M(L.LightningModule):\n"
            "    def training_step(self, batch, index):\n        return F.adaptive_avg_pool2d(batch, 2).sum()\n"
        ),
        "train.py": (
            "import lightning as L\nfrom hydra.utils import instantiate\nfrom lightning.pytorch.trainer import Trainer\n\n"
            "from model import M\n\nif __name__ == '__main__':\n    L.seed_everything(0)\n"
            "    trainer: Trainer = instantiate(config.trainer)\n    trainer.fit(M())\n"
        ),
    }
    # The annotation says it is a Trainer: fit runs training_step (and trains).
    (finding,) = [finding for finding in check_project(files) if finding.code == "DET201"]
    assert (finding.path, finding.span.line) == ("model.py", 7)
    assert "It is reached without deterministic mode from `train.py`" in finding.detail


def test_det301_in_an_unseeded_run_only_where_the_workers_may_draw_and_det101_does_not_say_it():
    fixed = (
        "import torch\nfrom torch.utils.data import Dataset\n\n\nclass Fixed(Dataset):\n"
        "    def __len__(self):\n        return 4\n\n    def __getitem__(self, index):\n        return torch.zeros(2)\n"
    )
    train = (
        "from torch.utils.data import DataLoader\n\nfrom data import Fixed\n\n"
        "if __name__ == '__main__':\n    for batch in DataLoader(Fixed(), num_workers=2):\n        print(batch)\n"
    )
    codes = lambda files: {code for *_, code in found_in_project(check_project(files))}  # noqa: E731
    assert codes({"data.py": fixed, "train.py": train}) == set()  # its workers draw nothing
    unknown = train.replace("from data import Fixed\n", "from elsewhere import Fixed\n")
    assert codes({"train.py": unknown}) == {"DET301"}  # what its workers run is not seen
    shuffled = train.replace("num_workers=2", "shuffle=True, num_workers=2")
    assert codes({"data.py": fixed, "train.py": shuffled}) == {"DET101"}  # seeding torch fixes both


def test_a_library_device_constant_and_type_checking_imports_do_not_make_a_run_use_cuda():
    files = {
        "lib/device.py": "import torch\n\nDEVICE = 'cuda' if torch.cuda.is_available() else 'cpu'\n",
        "lib/__init__.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from lib.device import DEVICE\n",
        "finetune.py": "import torch\n\nimport lib\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    model = torch.nn.Conv2d(3, 8, 3)\n    model(torch.load('images.pt')).sum().backward()\n",
        "train.py": "import torch\n\nDEVICE = 'cuda' if torch.cuda.is_available() else 'cpu'\n\n"
        "if __name__ == '__main__':\n    torch.manual_seed(0)\n    model = torch.nn.Conv2d(3, 8, 3).to(DEVICE)\n"
        "    model(torch.load('images.pt').to(DEVICE)).sum().backward()\n",
    }
    # The entry point's own constant counts; a library's, or one imported only for type checkers, does not.
    assert {(path, code) for path, _, code in found_in_project(check_project(files))} == {("train.py", "DET204")}


def test_a_per_call_finding_names_only_the_paths_without_a_per_entry_finding():
    files = {
        "scores.py": "import torch\n\n\ndef tally(counts, index, values):\n"
        "    return counts.index_put_((index,), values, accumulate=True)\n",
        # A CPU smoke test of the module's gradients and of the tally.
        "net.py": "import torch\nfrom torch import nn\n\nfrom scores import tally\n\nconv = nn.Conv2d(1, 1, 3)\n\n"
        "if __name__ == '__main__':\n    conv(torch.ones(1, 1, 4, 4)).sum().backward()\n"
        "    print(tally(torch.zeros(4), torch.tensor([0, 0]), torch.ones(2)))\n",
        "train.py": "import torch\n\nfrom net import conv\nfrom scores import tally\n\nif __name__ == '__main__':\n"
        "    torch.manual_seed(0)\n    out = conv(torch.load('batch.pt').cuda())\n    out.sum().backward()\n"
        "    print(tally(torch.zeros(4, device='cuda'), torch.tensor([0, 0], device='cuda'), out.flatten()[:2]))\n",
    }
    findings = check_project(files)
    # train.py's DET204 lists both ops the mode fixes there.
    (per_entry,) = [finding for finding in findings if finding.code == "DET204"]
    assert per_entry.path == "train.py" and {"net.py", "scores.py"} <= {item.path for item in per_entry.related}
    # The smoke test has no per-entry finding: the tally's per-call finding names its path alone. Its
    # convolution, a CUDA-only kernel on a path that never asks for CUDA, runs deterministically: no finding.
    (per_call,) = [finding for finding in findings if finding.code == "DET201"]
    assert (per_call.path, per_call.span.line) == ("scores.py", 5)
    assert [item.path for item in per_call.related] == ["net.py"]
    assert "`net.py`" in per_call.detail and "`train.py`" not in per_call.detail


def test_a_draw_in_a_worker_asks_for_torchs_seed_and_says_why():
    files = {
        "data.py": DATA,
        "train.py": "from torch.utils.data import DataLoader\n\nfrom data import Jitter\n\nif __name__ == '__main__':\n"
        "    for batch in DataLoader(Jitter(), num_workers=2):\n        print(batch)\n",
    }
    (finding,) = [finding for finding in check_project(files) if finding.code == "DET101"]
    assert finding.message.startswith("PyTorch's default generator is used but never seeded")
    assert "in a DataLoader worker, which PyTorch reseeds from PyTorch's default generator" in finding.detail


def test_a_model_kept_by_a_trainer_class_is_followed_into_its_methods():
    trainer = (
        "import torch\n\n\nclass Trainer:\n    def __init__(self, config, model):\n"
        "        self.config = config\n        self.model = model\n\n"
        "    def run(self, batch):\n        self.model(batch).sum().backward()\n"
    )
    train = _training("    Trainer(None, Outer().cuda()).run(torch.ones(1, 1, 4, 4, device='cuda'))").format(
        imports="from blocks import Outer\nfrom loop import Trainer"
    )
    assert _pool_findings(train, **{"loop.py": trainer}) == {("blocks.py", POOL_LINE, "DET206")}
    named = _training(
        "    model = Outer().cuda()\n    loop = Trainer(None, model=model)\n    loop.run(torch.ones(1, 1, 4, 4, device='cuda'))"
    ).format(imports="from blocks import Outer\nfrom loop import Trainer")
    assert _pool_findings(named, **{"loop.py": trainer}) == {("blocks.py", POOL_LINE, "DET206")}


def test_a_kept_model_read_back_through_a_local_name_is_followed():
    trainer = (
        "import torch\n\n\nclass Trainer:\n    def __init__(self, config, model):\n"
        "        self.config = config\n        self.model = model\n\n"
        "    def run(self, batch):\n        model, config = self.model, self.config\n        model(batch).sum().backward()\n"
    )
    train = _training("    Trainer(None, Outer().cuda()).run(torch.ones(1, 1, 4, 4, device='cuda'))").format(
        imports="from blocks import Outer\nfrom loop import Trainer"
    )
    assert _pool_findings(train, **{"loop.py": trainer}) == {("blocks.py", POOL_LINE, "DET206")}


def test_wrappers_hand_back_the_module_they_run():
    """`torch.compile(model)`, `DistributedDataParallel(self.model)` and `accelerator.prepare(...)`
    return something whose call runs the wrapped module's forward; an unrelated call does not."""
    wrapped = {
        "compile": "    model = torch.compile(Outer().cuda())",
        "ddp": "    model = DistributedDataParallel(Outer().cuda())",
        "prepare": "    accelerator = Accelerator()\n    model, opt = accelerator.prepare(Outer().cuda(), None)",
    }
    imports = (
        "from accelerate import Accelerator\nfrom torch.nn.parallel import DistributedDataParallel\n"
        "from blocks import Outer\n\n\ndef unrelated(module):\n    return object()"
    )
    for name, build in wrapped.items():
        train = _training(build + "\n    model(torch.ones(1, 1, 4, 4, device='cuda')).sum().backward()")
        assert _pool_findings(train.format(imports=imports)) == {("blocks.py", POOL_LINE, "DET206")}, name
    unrelated = _training(
        "    model = unrelated(Outer().cuda())\n    model(torch.ones(1, 1, 4, 4, device='cuda')).sum().backward()"
    ).format(imports=imports)
    assert ("blocks.py", POOL_LINE, "DET206") not in _pool_findings(unrelated)


def test_a_project_decorator_that_turns_gradients_off_makes_the_function_forward_only():
    """`@smart_inference_mode()` from the project's utilities wraps the function in `inference_mode`
    (or `no_grad`): a backward-only op there never runs backward, though the run trains another model.
    A decorator that does not turn gradients off is no such context."""
    decorators = (
        "import torch\n\n\ndef smart_inference_mode(new=True):\n    def decorate(fn):\n"
        "        return (torch.inference_mode if new else torch.no_grad)()(fn)\n\n    return decorate\n\n\n"
        "def timed(fn):\n    return fn\n"
    )
    for decorator, expected in (("smart_inference_mode()", set()), ("timed", {("blocks.py", POOL_LINE, "DET206")})):
        train = _training(
            "    evaluate(Outer().cuda())\n    head = torch.nn.Linear(2, 2).cuda()\n"
            "    head(torch.ones(2, device='cuda')).sum().backward()"
        ).format(
            imports=f"from blocks import Outer\nfrom utils import smart_inference_mode, timed\n\n\n@{decorator}\n"
            "def evaluate(model):\n    return model(torch.ones(1, 1, 4, 4, device='cuda'))"
        )
        assert _pool_findings(train, **{"utils.py": decorators}) == expected, decorator


def test_a_function_called_with_two_models_runs_each_models_forward():
    """`step(first)` then `step(second)`: the second call's instance is followed too."""
    other = (
        "import torch.nn.functional as F\nfrom torch import nn\n\n\nclass Pad(nn.Module):\n"
        "    def forward(self, x):\n        return F.pad(x, (1, 1), mode='reflect')\n"
    )
    train = _training(
        "    step(Outer().cuda())\n    step(Pad().cuda())"
    ).format(
        imports="from blocks import Outer\nfrom pad import Pad\n\n\n"
        "def step(net):\n    net(torch.ones(1, 1, 4, 4, device='cuda')).sum().backward()"
    )
    findings = found_in_project(check_project({"blocks.py": BLOCKS, "train.py": train, "pad.py": other}))
    assert {item for item in findings if item[0] in ("blocks.py", "pad.py")} == {
        ("blocks.py", POOL_LINE, "DET206"),
        ("pad.py", 7, "DET206"),
    }


def test_a_worker_count_from_the_configuration_runs_the_dataset_in_workers():
    """`num_workers=args.workers`: a run with workers is the case checked, so a NumPy draw in the dataset
    is one from a generator PyTorch reseeds from its own; with a literal 0 it stays NumPy's."""
    dataset = (
        "import numpy as np\nfrom torch.utils.data import Dataset\n\n\nclass Noisy(Dataset):\n"
        "    def __len__(self):\n        return 4\n\n"
        "    def __getitem__(self, index):\n        return np.load('values.npy')[index] + np.random.rand()\n"
    )
    for workers, drawn_from in (("args.workers", "PyTorch's default generator"), ("0", "NumPy's global RNG")):
        train = (
            "import argparse\nfrom torch.utils.data import DataLoader\nfrom data import Noisy\n\n\n"
            "def main(args):\n    for batch in DataLoader(Noisy(), num_workers=" + workers + "):\n        print(batch)\n\n\n"
            "if __name__ == '__main__':\n    main(argparse.ArgumentParser().parse_args())\n"
        )
        findings = [f for f in check_project({"data.py": dataset, "train.py": train}) if f.code == "DET101"]
        assert [f.message.split(" is used")[0] for f in findings] == [drawn_from], workers


def test_containers_run_their_members():
    """Calling an `nn.Sequential` runs each member's forward; a member taken from an `nn.ModuleList` in a
    loop is one of its members; a plain list of modules is not followed."""
    model = (
        "import torch\nfrom torch import nn\n\nfrom blocks import Child\n\n\nclass Stack(nn.Module):\n"
        "    def __init__(self, depth):\n        super().__init__()\n        self.blocks = {container}\n\n"
        "    def forward(self, x):\n{forward}\n"
    )
    cases = {
        "sequential": ("nn.Sequential(*[Child() for _ in range(depth)])", "        return self.blocks(x)"),
        "module-list": ("nn.ModuleList([Child(), Child()])", "        for block in self.blocks:\n            x = block(x)\n        return x"),
    }
    train = _training(
        "    model = Stack(2).cuda()\n    model(torch.ones(1, 1, 4, 4, device='cuda')).sum().backward()"
    ).format(imports="from stack import Stack")
    for name, (container, forward) in cases.items():
        stack = model.format(container=container, forward=forward)
        assert _pool_findings(train, **{"stack.py": stack}) == {("blocks.py", POOL_LINE, "DET206")}, name
    plain = model.format(container="[Child(), Child()]", forward="        return self.blocks[0](x)")
    assert ("blocks.py", POOL_LINE, "DET206") not in _pool_findings(train, **{"stack.py": plain})


def test_a_parameter_passed_on_holds_what_the_first_call_passed():
    """`train(model)` calls `step(model)`, which calls the model: two calls away, its forward is reached."""
    train = _training("    train(Outer().cuda())").format(
        imports="from blocks import Outer\n\n\ndef step(net, batch):\n    net(batch).sum().backward()\n\n\n"
        "def train(model):\n    step(model, torch.ones(1, 1, 4, 4, device='cuda'))"
    )
    assert _pool_findings(train) == {("blocks.py", POOL_LINE, "DET206")}


def test_a_decorator_that_turns_gradients_off_applies_to_its_own_function_only():
    """A project decorator that turns gradients off applies to the method it decorates only: the base
    class's forward, reached from another model, still runs with gradients."""
    utils = (
        "import torch\n\n\ndef no_grad_please():\n    def decorate(fn):\n        return torch.no_grad()(fn)\n\n"
        "    return decorate\n"
    )
    blocks = BLOCKS + (
        "\n\nfrom utils import no_grad_please\n\n\nclass Frozen(Base):\n    @no_grad_please()\n"
        "    def forward(self, x):\n        return F.adaptive_avg_pool2d(x, 3)\n"
    )
    train = _training(
        "    model = Child().cuda()\n    model(torch.ones(1, 1, 4, 4, device='cuda')).sum().backward()\n"
        "    frozen = Frozen().cuda()\n    frozen(torch.ones(1, 1, 4, 4, device='cuda')).sum().backward()"
    ).format(imports="from blocks import Child, Frozen")
    project = {"blocks.py": blocks, "train.py": train, "utils.py": utils}
    findings = {item for item in found_in_project(check_project(project)) if item[0] == "blocks.py"}
    assert ("blocks.py", POOL_LINE, "DET206") in findings  # Base.forward, with gradients
    assert not any(line > 20 and code == "DET206" for _, line, code in findings)  # Frozen.forward, without


def test_review_probes_context_decorators_generators_and_annotations():
    """A decorator that only logs under no_grad keeps gradients on; a model annotated with its base
    class is still the class built; two loaders of one dataset class, with and without workers, are
    each followed."""
    logging = (
        "import torch\n\n\ndef log_norm(fn):\n    def wrapper(*args):\n        out = fn(*args)\n"
        "        with torch.no_grad():\n            print(out.norm())\n        return out\n\n    return wrapper\n"
    )
    train = _training("    step(Outer().cuda())").format(
        imports="from blocks import Outer\nfrom utils import log_norm\n\n\n@log_norm\n"
        "def step(net):\n    return net(torch.ones(1, 1, 4, 4, device='cuda')).sum().backward()"
    )
    assert _pool_findings(train, **{"utils.py": logging}) == {("blocks.py", POOL_LINE, "DET206")}
    annotated = _training(
        "    model: torch.nn.Module = Outer().cuda()\n    model(torch.ones(1, 1, 4, 4, device='cuda')).sum().backward()"
    ).format(imports="from blocks import Outer")
    assert _pool_findings(annotated) == {("blocks.py", POOL_LINE, "DET206")}
    dataset = (
        "import numpy as np\nfrom torch.utils.data import Dataset\n\n\nclass Noisy(Dataset):\n"
        "    def __len__(self):\n        return 4\n\n"
        "    def __getitem__(self, index):\n        return np.load('values.npy')[index] + np.random.rand()\n"
    )
    loaders = (
        "import torch\nfrom torch.utils.data import DataLoader\nfrom data import Noisy\n\n\ndef consume(loader):\n"
        "    for batch in loader:\n        print(batch)\n\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    consume(DataLoader(Noisy(), num_workers=4))\n    consume(DataLoader(Noisy(), num_workers=0))\n"
    )
    findings = found_in_project(check_project({"data.py": dataset, "train.py": loaders}), "DET101")
    assert ("data.py", 10, "DET101") in findings  # the main-process draw of the second loader


def test_super_calls_run_the_project_base_classs_init_and_forward():
    # Child's own __init__ and forward hand over to Base's through super(): the layer Base builds runs.
    layers = (
        "import torch\nfrom torch import nn\n\n\nclass Base(nn.Module):\n    def __init__(self, channels):\n"
        "        super().__init__()\n        self.pool = nn.AdaptiveAvgPool2d(2)\n\n    def forward(self, x):\n"
        "        return self.pool(x)\n\n\nclass Child(Base):\n    def __init__(self, channels):\n"
        "        super().__init__(channels * 2)\n\n    def forward(self, x):\n"
        "        return super().forward(torch.cat([x, x], dim=1))\n"
    )
    train = _training(
        "    model = Child(3).cuda()\n    model(torch.load('images.pt').cuda()).sum().backward()"
    ).format(imports="from layers import Child")
    findings = found_in_project(check_project({"layers.py": layers, "train.py": train}))
    assert ("layers.py", 8, "DET206") in findings
    # Without the super() calls nothing builds or runs the pool.
    unreached = layers.replace("super().__init__(channels * 2)", "self.channels = channels").replace(
        "return super().forward(torch.cat([x, x], dim=1))", "return x"
    )
    assert ("layers.py", 8, "DET206") not in found_in_project(check_project({"layers.py": unreached, "train.py": train}))


RESIZING = (
    "import torch\nimport torch.nn.functional as F\nfrom torch.utils.data import Dataset\n\n\n"
    "class Images(Dataset):\n    def __len__(self):\n        return 4\n\n"
    "    def __getitem__(self, index):\n        image = torch.load(f'{index}.pt').cuda()\n"
    "        return F.adaptive_avg_pool2d(image, 3)\n\n"
    "    @staticmethod\n    def collate_pairs(items):\n"
    "        return F.adaptive_avg_pool2d(torch.stack(items), 2)\n\n"
    "    @staticmethod\n    def collate(items):\n        return torch.histc(torch.stack(items).cuda(), bins=4)\n"
)


def _loader_training(loop: str) -> str:
    return (
        "import torch\nfrom torch.utils.data import DataLoader\n\nfrom data import Images\n\n\n"
        "def fit(model, loader, optimizer):\n    for images in loader:\n        model(images.cuda()).sum().backward()\n"
        "        optimizer.step()\n\n\n"
        "if __name__ == '__main__':\n    torch.manual_seed(0)\n    torch.use_deterministic_algorithms(True)\n"
        "    model = torch.nn.Conv2d(3, 3, 3).cuda()\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        + loop
    )


def test_what_a_loader_runs_to_make_batches_has_no_backward_pass():
    # The dataset and the collate function make data: no gradient flows back into them, so the
    # backward-only pooling there never runs, although the entry point trains.
    in_place = _loader_training("    for images in DataLoader(Images(), collate_fn=Images.collate_pairs):\n"
                                "        model(images).sum().backward()\n")
    passed = _loader_training("    fit(model, DataLoader(Images(), collate_fn=Images.collate_pairs), optimizer)\n")
    # A loader class chosen at run time: the `collate_fn=` keyword still says what the callable does.
    chosen = _loader_training("    make = DataLoader\n"
                              "    fit(model, make(Images(), collate_fn=Images.collate_pairs), optimizer)\n")
    for train in (in_place, passed, chosen):
        assert found_in_project(check_project({"data.py": RESIZING, "train.py": train}), "DET206") == set()
    # Called by the training step itself, the same pooling runs its backward pass.
    direct = _loader_training("    images = torch.load('images.pt')\n"
                              "    model(Images.collate_pairs([images])).sum().backward()\n")
    assert found_in_project(check_project({"data.py": RESIZING, "train.py": direct}), "DET206") == {
        ("data.py", 16, "DET206")
    }


def test_either_collate_function_of_a_conditional_is_followed():
    # `histc` on CUDA raises under deterministic mode, in the collate function a flag chooses.
    train = _loader_training(
        "    quad = False\n    loader = DataLoader(Images(), collate_fn=Images.collate_pairs if quad else Images.collate)\n"
        "    fit(model, loader, optimizer)\n"
    )
    findings = check_project({"data.py": RESIZING, "train.py": train})
    assert ("data.py", 20, "DET206") in found_in_project(findings)
    # Nested conditionals and `or` defaults: every callable they may give is followed.
    for given in (
        "Images.collate_pairs if quad else (None if quad else Images.collate)",
        "quad and Images.collate_pairs or Images.collate",
    ):
        chained = train.replace("Images.collate_pairs if quad else Images.collate", given)
        assert ("data.py", 20, "DET206") in found_in_project(check_project({"data.py": RESIZING, "train.py": chained}))

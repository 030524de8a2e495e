"""The op rules on real call sites: every way an op is written, argument conditions on literals, and
versions where the verdict changes (set with `target-versions`, as a project's pins would)."""

from __future__ import annotations

import pytest

from detlint.testing import check_project, found_in_project

ENTRY = (
    "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\nif __name__ == '__main__':\n    {setup}\n    {call}\n"
    "    loss.backward()\n"  # a training path: backward-only ops count
)


def _codes(call: str, *, setup: str = "x = torch.zeros(4, device='cuda')", version: str | None = None) -> dict:
    source = ENTRY.format(setup=setup, call=call)
    settings = {"target_versions": {"torch": version}} if version else {}
    findings = check_project({"train.py": source}, **settings)
    found = {finding.code: finding for finding in findings if finding.span.line == 7}
    # An op deterministic mode fixes is listed by the path's one DET204 instead of a DET201 of its own.
    for finding in findings:
        if finding.code == "DET204" and any(item.span.line == 7 for item in finding.related):
            found["listed by DET204"] = finding
    return found


@pytest.mark.parametrize(
    "call",
    [
        "torch.index_add(x, 0, idx, src)",  # function
        "x.index_add_(0, idx, src)",  # method on an unknown receiver
        "torch.Tensor.index_add_(x, 0, idx, src)",  # unbound method
        "F.interpolate(x, scale_factor=2, mode='bilinear')",  # functional, condition met
        "nn.Upsample(scale_factor=2, mode='bicubic')",  # module class
        "nn.AdaptiveAvgPool2d(2)",
        "x.index_put_((idx,), src, accumulate=True)",
        "F.embedding_bag(idx, weight, offsets, mode='max')",
        "torch.bincount(idx, weights=w)",
    ],
)
def test_every_form_is_flagged_without_deterministic_mode(call):
    assert {"DET201", "listed by DET204"} & _codes(call).keys()


@pytest.mark.parametrize(
    "call",
    [
        "F.interpolate(x, scale_factor=2, mode='nearest')",
        "nn.Upsample(scale_factor=2)",  # mode defaults to nearest
        "x.median()",  # no dim: no indices to choose
        "F.adaptive_avg_pool2d(x, 1)",  # computed as a mean
        "nn.AdaptiveAvgPool2d((1, 1))",
    ],
)
def test_conditions_not_met_are_not_flagged(call):
    assert "DET201" not in _codes(call)


@pytest.mark.parametrize(
    "setup, call",
    [
        ("mask = ~(x > 0)", "mask.cumsum(0, dtype=torch.float32)"),  # 0/1 sums are exact in float32
        ("mask = x == 0", "torch.cumsum(mask, 0)"),
        ("ids = x.long()", "(ids - 1).cumsum(0)"),
        ("counts = torch.ones(4, dtype=torch.int64)", "torch.cumsum(counts[1:], 0)"),
        ("y = x", "torch.cumsum(y, 0, dtype=torch.long)"),
        ("host = x.cpu()", "host.cumsum(0)"),  # a copy in host memory: not a CUDA kernel
        ("y = x", "x.to('cpu').cumsum(0)"),
        ("order = torch.sort(x)[1]", "order.cumsum(0)"),  # the indices a sort returns are integers
    ],
)
def test_a_floating_point_op_on_integers_or_in_host_memory_cannot_vary(setup, call):
    found = _codes(call, setup=f"x = torch.zeros(4, device='cuda'); {setup}")
    assert not {"DET201", "DET206", "listed by DET204"} & found.keys()


# The sorted values keep the input's floating-point type; only the indices are integers.
@pytest.mark.parametrize("setup", ["y = x / 2", "y = x.float()", "y = (x > 0).float() * 0.5", "y = torch.sort(x)[0]"])
def test_a_floating_point_op_on_floats_is_still_flagged(setup):
    found = _codes("y.cumsum(0)", setup=f"x = torch.zeros(4, device='cuda'); {setup}")
    assert {"DET201", "listed by DET204"} & found.keys()


@pytest.mark.parametrize(
    ("call", "op", "confidence"),
    [
        ("x.index_put_((idx,), src, accumulate=True)", "index-put-accumulate-cpu", "medium"),
        # Without accumulate only duplicate indices race, which the source cannot show.
        ("x.index_put_((idx,), src, accumulate=False)", "index-put-duplicate-indices", "low"),
        # Nothing on the path asks for CUDA: a CUDA-only op likely runs on the CPU.
        ("F.embedding_bag(idx, weight, offsets, mode='max')", "embedding-bag-max-backward", "low"),
    ],
)
def test_literal_arguments_select_the_catalog_entry(call, op, confidence):
    # On the CPU, DET204 does not fire: these ops keep a DET201 of their own (a CUDA-only op that the mode
    # makes deterministic is the exception: see the next test).
    source = ENTRY.format(setup="x = torch.zeros(4)", call=call)
    ops = {
        (finding.properties["op"], finding.confidence.value)
        for finding in check_project({"train.py": source})
        if finding.code == "DET201" and finding.span.line == 7
    }
    assert (op, confidence) in ops


def test_cuda_only_op_the_mode_fixes_is_not_reported_on_a_path_without_cuda():
    call = "F.embedding_bag(idx, weight, offsets, mode='sum')"
    # From 1.9 deterministic mode makes its CUDA backward deterministic: on a path that never asks for CUDA it
    # runs on the CPU, deterministically, so nothing is reported, even at low confidence...
    assert not {"DET201", "listed by DET204"} & _codes(call, setup="x = torch.zeros(4)").keys()
    # ...while a CUDA path lists it under its DET204.
    assert "listed by DET204" in _codes(call)
    # Before 1.9 the mode makes it raise: the mode='sum' entry gets a DET201 of its own, on the CPU path too.
    for setup, confidence in (("x = torch.zeros(4, device='cuda')", "high"), ("x = torch.zeros(4)", "low")):
        finding = _codes(call, setup=setup, version="1.8")["DET201"]
        assert (finding.properties["op"], finding.confidence.value) == ("embedding-bag-sum-mean-backward", confidence)


def test_non_literal_argument_lowers_confidence_instead_of_guessing():
    finding = _codes("F.interpolate(x, scale_factor=2, mode=args.mode)")["DET201"]
    assert finding.confidence.value == "medium"
    assert _codes("F.interpolate(x, scale_factor=2, mode='bicubic')")["DET201"].confidence.value == "high"


@pytest.mark.parametrize(
    ("call", "raises_on", "fine_on"),
    [
        ("torch.kthvalue(x, 1)", "2.9", "2.10"),
        ("x.scatter_add_(0, idx, src)", "1.12", "2.4"),
        # Deterministic mode reroutes these through deterministic code that its documentation omits.
        ("F.interpolate(x, scale_factor=2, mode='bilinear')", "2.0", "2.1"),
        ("nn.Upsample(scale_factor=2, mode='trilinear')", "2.8", "2.9"),
        ("nn.ReflectionPad2d(1)", "2.6", "2.7"),
        ("F.pad(x, (1, 1, 1, 1), mode='reflect')", "2.6", "2.7"),
        ("F.pad(x, (1, 1), mode='replicate')", "2.2", "2.3"),
        ("x.cumsum(0)", "2.5", "2.6"),
    ],
)
def test_version_decides_whether_deterministic_mode_raises(call, raises_on, fine_on):
    setup = "torch.use_deterministic_algorithms(True); x = torch.zeros(2, 2, device='cuda')"
    assert "DET206" in _codes(call, setup=setup, version=raises_on)
    assert "DET206" not in _codes(call, setup=setup, version=fine_on)


@pytest.mark.parametrize(
    "call",
    [
        "F.interpolate(x, scale_factor=2, mode='bilinear', antialias=True)",
        "F.interpolate(x, scale_factor=2, mode='bicubic')",
        "F.pad(x, (1, 1), mode='reflect')",
        "nn.ReflectionPad1d(1)",
        "x.index_reduce_(0, idx, src, 'mean')",  # not in the mode's documentation, but its CUDA kernel raises
    ],
)
def test_ops_the_mode_still_refuses_in_the_latest_release(call):
    setup = "torch.use_deterministic_algorithms(True); x = torch.zeros(2, 2, device='cuda')"
    assert "DET206" in _codes(call, setup=setup)


def test_bincount_without_weights_became_deterministic_in_2_1():
    assert "DET201" in _codes("torch.bincount(idx)", version="2.0")
    assert "DET201" not in _codes("torch.bincount(idx)", version="2.1")


def test_op_findings_name_the_version_and_carry_probe_properties():
    finding = _codes("x.index_add_(0, idx, src)", version="1.8")["DET201"]  # before deterministic mode covered it
    assert "In PyTorch 1.8 it has no deterministic implementation" in finding.detail
    assert finding.message == "`x.index_add_(0, idx, src)` is nondeterministic on CUDA without deterministic mode"
    assert finding.properties["probe"] == "index_add" and finding.properties["framework_version"] == "1.8"


def test_an_op_deterministic_mode_fixes_is_one_line_of_the_paths_det204():
    codes = _codes("x.index_add_(0, idx, src)", version="2.4")
    assert "DET201" not in codes
    listed = codes["listed by DET204"]
    assert "Turning them on would make 1 call on this path deterministic (index_add)." in listed.detail


def test_no_op_finding_in_files_that_never_import_the_framework():
    source = "import pandas as pd\n\nif __name__ == '__main__':\n    s = pd.Series([1, 2])\n    s.median()\n    s.cumsum()\n"
    assert check_project({"stats.py": source}) == []


def test_one_call_matching_several_shape_variants_is_one_finding():
    source = (
        "import torch\n\nif __name__ == '__main__':\n"
        "    x = torch.zeros(10, device='cuda')\n"
        "    x.scatter_add_(0, torch.tensor([0, 1]), torch.ones(2))\n"
    )
    # Before 1.10 neither variant has a deterministic implementation: a DET201 of its own.
    old = check_project({"train.py": source}, target_versions={"torch": "1.9"})
    (finding,) = [item for item in old if item.code == "DET201"]
    assert "It runs scatter_add (1-D input or input of 2 or more dimensions)." in finding.detail
    # On 1.11 the N-D variant still raises under deterministic mode: the worse variant is judged.
    strict = source.replace("    x = ", "    torch.use_deterministic_algorithms(True)\n    x = ")
    (raises,) = [item for item in check_project({"train.py": strict}, target_versions={"torch": "1.11"}) if item.code == "DET206"]
    assert raises.properties["op"] == "scatter-add-nd"


CUDNN_FLAG = "torch.backends.cudnn.deterministic = True; x = torch.zeros(1, 1, 4, 4, device='cuda')"


def test_cudnn_flag_covers_its_convolutions_and_nothing_raises_under_it():
    codes = _codes("torch.nn.Conv2d(1, 1, 3)(x)", setup=CUDNN_FLAG)
    assert not {"DET201", "DET204", "listed by DET204"} & codes.keys()
    # The flag is not torch.use_deterministic_algorithms: an op without a deterministic
    # implementation does not raise under it, it stays nondeterministic.
    codes = _codes("F.adaptive_avg_pool2d(x, 2)", setup=CUDNN_FLAG)
    assert "DET206" not in codes and "DET201" in codes


def test_cudnn_flag_leaves_det204_for_the_other_ops_it_does_not_cover():
    codes = _codes("x.index_add_(0, idx, src)", setup=CUDNN_FLAG)
    assert "would make 1 call on this path deterministic (index_add)" in codes["listed by DET204"].detail


def test_an_op_no_run_reaches_is_reported_only_when_deterministic_mode_cannot_fix_it():
    """In a library, a convolution is made deterministic by the mode its users turn on: no per-call
    finding, even at low confidence. `histc` on CUDA has no deterministic implementation: it stays."""
    source = (
        "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.conv = nn.Conv2d(3, 8, 3)\n\n"
        "    def forward(self, x):\n        return torch.histc(self.conv(x).cuda(), bins=4)\n"
    )
    for mode in ("library", "application"):
        findings = check_project({"net.py": source}, mode=mode)
        assert found_in_project(findings, "DET201") == {("net.py", 11, "DET201")}, mode


def test_benchmarking_set_from_a_runtime_value_is_a_low_confidence_det203():
    from detlint.finding import Confidence

    (finding,) = check_project({"train.py": "import torch\ntorch.backends.cudnn.benchmark = args.fast\n"})
    assert (finding.code, finding.span.line, finding.confidence) == ("DET203", 2, Confidence.LOW)
    assert finding.message.startswith("`torch.backends.cudnn.benchmark = ...` is set from a runtime value")
    assert finding.detail and finding.help == "Make sure it is False when results must repeat"
    assert finding.fix is None


@pytest.mark.parametrize(
    ("guard", "confidence"),
    [
        ("if cudnn_benchmark:", "low"),  # a parameter off by default
        ("if cfg.get('cudnn_benchmark'):", "low"),  # a configuration key
        ("if cfg.get('cudnn_benchmark', True):", "high"),  # on unless configured off
        ("if fast:", "high"),  # a parameter on by default
        ("if torch.cuda.is_available():", "high"),  # not a choice: every GPU run
        ("if cudnn_benchmark is not None:", "high"),
        ("if cfg.benchmark:", "high"),  # unknown: it may be on in every run
    ],
)
def test_det203_under_an_opt_in_flag_is_low(guard, confidence):
    source = (
        "import torch\n\ndef setup(cfg, cudnn_benchmark=False, fast=True):\n"
        f"    {guard}\n        torch.backends.cudnn.benchmark = True\n"
    )
    (finding,) = check_project({"train.py": source})
    assert (finding.code, finding.span.line, finding.confidence.value) == ("DET203", 5, confidence)
    assert ("It runs only when" in finding.detail) == (confidence == "low")


def test_det203_in_the_else_branch_of_a_flag_is_not_opt_in():
    source = (
        "import torch\n\ndef setup(quick=False):\n    if quick:\n        pass\n    else:\n"
        "        torch.backends.cudnn.benchmark = True\n"
    )
    (finding,) = check_project({"train.py": source})
    assert finding.confidence.value == "high"


_LOOP = (
    "import torch\nimport torch.nn.functional as F\n\ndef train(model, loader, optimizer):\n"
    "    torch.use_deterministic_algorithms(True)\n    for batch in loader:\n{body}"
    "        optimizer.step()\n\nif __name__ == '__main__':\n    train(None, [], None)\n"
)


@pytest.mark.parametrize(
    ("body", "raises"),
    [
        # a batch taken from the loader's dict under a new name is data
        ("        images = batch['pixel_values'].cuda()\n        F.interpolate(images, size=(8, 8), mode='bicubic')\n"
         "        model(images).sum().backward()\n", False),
        # asking for gradients as a statement, or mixing in a weight, makes it no plain data
        ("        images = batch.cuda()\n        images.requires_grad_()\n"
         "        F.interpolate(images, size=(8, 8), mode='bicubic').sum().backward()\n", True),
        ("        images = batch.cuda().mul(model.scale)\n"
         "        F.interpolate(images, size=(8, 8), mode='bicubic').sum().backward()\n", True),
    ],
)
def test_only_plain_input_batches_are_free_of_gradients(body, raises):
    findings = check_project({"train.py": _LOOP.format(body=body)})
    assert any(f.code == "DET206" for f in findings) is raises


def test_a_loop_over_what_a_model_computed_is_no_loop_over_data():
    source = (
        "import torch\nimport torch.nn.functional as F\n\ndef train(model, x, optimizer):\n"
        "    torch.use_deterministic_algorithms(True)\n    for feature in model(x):\n"
        "        F.interpolate(feature, scale_factor=2, mode='bicubic').sum().backward(retain_graph=True)\n"
        "    optimizer.step()\n\nif __name__ == '__main__':\n    train(None, None, None)\n"
    )
    assert [f.code for f in check_project({"train.py": source}) if f.code == "DET206"] == ["DET206"]


@pytest.mark.parametrize(
    ("call", "named"),
    [
        ("F.interpolate(x, scale_factor=2, mode=m)", "It runs interpolate (mode linear or bicubic, backward)."),
        ("F.pad(x, p, mode='reflect')", 'It runs pad (mode="reflect", one or three padded dimensions, backward).'),
    ],
)
def test_a_call_the_mode_may_fix_or_make_raise_is_left_to_the_op_rule(call, named):
    # `m` may be bilinear, which the mode fixes, or bicubic, which it makes raise: the switch is not sure to fix it.
    codes = _codes(call)
    assert "listed by DET204" not in codes
    finding = codes["DET201"]
    assert finding.confidence.value == "medium"
    assert named in finding.detail  # the variants that fare as badly as the one reported, not every match


def test_variants_that_fare_alike_are_reported_as_surely_as_the_surest_match():
    # Both reflect entries raise before 2.7; the option's default pads two dimensions, which the
    # two-dimension entry matches as a default run (medium), the other only for other values (low).
    source = (
        "import argparse\nimport torch\nimport torch.nn.functional as F\n\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('--pad', type=int, nargs=4, default=[1, 1, 1, 1])\n\nif __name__ == '__main__':\n"
        "    args = parser.parse_args()\n    torch.use_deterministic_algorithms(True)\n"
        "    x = torch.load('x.pt').cuda().requires_grad_()\n"
        "    F.pad(x, args.pad, mode='reflect').sum().backward()\n"
    )
    [finding] = [f for f in check_project({"train.py": source}, target_versions={"torch": "2.0"}) if f.code == "DET206"]
    assert (finding.properties["op"], finding.confidence.value) == ("pad-reflect-2d-backward", "medium")
    assert "one or three padded dimensions" in finding.detail and "two padded dimensions" in finding.detail

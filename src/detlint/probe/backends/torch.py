"""PyTorch: a recipe for every catalogued op that can run on synthetic inputs, on CPU or CUDA.

Deterministic mode is `torch.use_deterministic_algorithms(True)`, restored to its previous state after
each recipe. CPU recipes run with at least two threads (the CPU kernels that accumulate with atomics,
such as `index_put_(..., accumulate=True)` on float32, are parallel only then). Inputs come from a
seeded CPU generator, so they are the same on every device and in both modes; the global generator is
reseeded before every call, for ops that draw random numbers themselves.

Backward recipes compare the forward output and the gradients (`torch.autograd.grad`, so nothing
accumulates in `.grad` between runs).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from detlint.probe.measure import Diff, first_line, import_framework, measure, merge
from detlint.probe.recipes import Plan, choice, dtype, flag, integer, lookup, register
from detlint.probe.results import DEVICE, ERROR, FRAMEWORK, RAISES

MEGA = 1 << 20

# -- the worker's side ----------------------------------------------------------------------------------


def start(mode: str, options: Mapping[str, Any]) -> dict[str, Any]:
    torch = import_framework("torch")
    if isinstance(torch, str):
        return {"skipped": torch, "unavailable": FRAMEWORK}
    (torch.ones(64) * 2).sum()  # pay the one-time initialisation here, not in the first recipe's time limit
    return {"environment": _environment(torch, None)}


def execute(request: Mapping[str, Any]) -> dict[str, Any]:
    import torch

    if request.get("environment"):  # what is installed, on the device a probe would use
        return {"environment": _environment(torch, _device(torch, "auto")[0])}
    recipe = lookup(request["recipe"])
    if recipe is None or recipe.backend != "torch":
        return {"skipped": f"no torch recipe {request['recipe']!r}"}
    device, why = _device(torch, request.get("device", "auto"))
    if device is None:
        return {"skipped": why, "unavailable": DEVICE}
    torch.set_num_threads(request.get("threads") or max(2, torch.get_num_threads()))
    seed = int(request.get("seed", 0))
    modes = {}
    for mode in request["modes"]:
        modes[mode] = _run_mode(torch, recipe.build, request["plan"], device, seed, mode == "deterministic", request)
    return {"environment": _environment(torch, device), "modes": modes}


def _device(torch, requested: str) -> tuple[str | None, str | None]:
    cuda = torch.cuda.is_available()
    if requested == "auto":
        return ("cuda" if cuda else "cpu"), None
    if requested == "cuda" and not cuda:
        return None, "no CUDA device (torch.cuda.is_available() is False)"
    return requested, None


def _environment(torch, device: str | None) -> dict[str, Any]:
    environment: dict[str, Any] = {
        "framework": "torch",
        "version": torch.__version__,
        "device": device,
        "gpu": None,
        "threads": torch.get_num_threads(),
    }
    if device == "cuda":
        environment["gpu"] = torch.cuda.get_device_name()
        environment["cuda"] = torch.version.cuda
        environment["cudnn"] = torch.backends.cudnn.version()
    return environment


def _run_mode(torch, build, plan: Plan, device: str, seed: int, deterministic: bool, request) -> dict[str, Any]:
    def synchronize() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    try:
        with deterministic_mode(torch, deterministic):
            return measure(
                lambda: build(Ctx(torch, device, seed), plan),
                lambda first, other: merge([_diff(torch, a, b) for a, b in zip(first, other)]),
                runs=int(request.get("runs", 5)),
                repeats=int(request.get("repeats", 5)),
                reseed=lambda: torch.manual_seed(seed),
                synchronize=synchronize,
            )
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return {"outcome": RAISES if deterministic else ERROR, "message": first_line(error)}


@contextlib.contextmanager
def deterministic_mode(torch, enabled: bool) -> Iterator[None]:
    """`torch.use_deterministic_algorithms(enabled)` for the block, then the previous setting again."""
    if not hasattr(torch, "use_deterministic_algorithms"):  # 1.7
        previous = torch.is_deterministic()
        torch.set_deterministic(enabled)
        try:
            yield
        finally:
            torch.set_deterministic(previous)
        return
    previous = torch.are_deterministic_algorithms_enabled()
    warn_only = getattr(torch, "is_deterministic_algorithms_warn_only_enabled", lambda: False)()
    torch.use_deterministic_algorithms(enabled)
    try:
        yield
    finally:
        if warn_only:
            torch.use_deterministic_algorithms(previous, warn_only=True)
        else:
            torch.use_deterministic_algorithms(previous)


def _plain(torch, tensor):
    tensor = tensor.detach()
    if tensor.layout != torch.strided:
        tensor = tensor.to_dense()
    if tensor.is_quantized:
        tensor = tensor.int_repr()
    if tensor.is_complex():
        tensor = torch.view_as_real(tensor)
    return tensor.contiguous()


_INT_OF_SIZE = {1: "uint8", 2: "int16", 4: "int32", 8: "int64"}


def _diff(torch, first, other) -> Diff:
    """Bitwise comparison: NaNs with the same bits are equal, 0.0 and -0.0 are not."""
    a, b = _plain(torch, first), _plain(torch, other)
    if a.shape != b.shape or a.dtype != b.dtype:
        size = max(a.numel(), b.numel())
        return Diff(size, size, float("inf"))
    if a.is_floating_point():
        bits = getattr(torch, _INT_OF_SIZE[a.element_size()])
        mask = a.view(bits) != b.view(bits)
    else:
        mask = a != b
    differing = int(mask.sum())
    if not differing:
        return Diff(0, a.numel(), 0.0)
    delta = (a[mask].double() - b[mask].double()).abs()
    return Diff(differing, a.numel(), float(delta.max()))


# -- what recipes build with ----------------------------------------------------------------------------


class Ctx:
    """Seeded synthetic tensors on the probe's device, and the forward/backward wrapper."""

    def __init__(self, torch, device: str, seed: int) -> None:
        self.torch = torch
        self.F = torch.nn.functional
        self.device = device
        self.generator = torch.Generator().manual_seed(seed)

    def _dtype(self, name: str):
        return getattr(self.torch, name)

    def randn(self, *shape: int, dtype: str = "float32", grad: bool = False):
        tensor = self.torch.randn(*shape, generator=self.generator, dtype=self._dtype(dtype)).to(self.device)
        return tensor.requires_grad_(grad)

    def rand(self, *shape: int, dtype: str = "float32", grad: bool = False):
        tensor = self.torch.rand(*shape, generator=self.generator, dtype=self._dtype(dtype)).to(self.device)
        return tensor.requires_grad_(grad)

    def randint(self, high: int, shape: Sequence[int], low: int = 0):
        return self.torch.randint(low, high, tuple(shape), generator=self.generator).to(self.device)

    def zeros(self, *shape: int, dtype: str = "float32"):
        return self.torch.zeros(*shape, dtype=self._dtype(dtype), device=self.device)

    def forward(self, function: Callable[[], Any]) -> Callable[[], list]:
        return lambda: _as_list(function())

    def backward(self, function: Callable[..., Any], *inputs) -> Callable[[], list]:
        """Forward and backward through `function(*inputs)` with a fixed seeded output gradient: the
        output and the gradients of every input."""
        torch = self.torch
        probe = function(*inputs)
        grad_output = torch.randn(probe.shape, generator=self.generator, dtype=probe.dtype).to(self.device)

        def call() -> list:
            output = function(*inputs)
            gradients = torch.autograd.grad(output, inputs, grad_output, allow_unused=True)
            return [output.detach(), *(g for g in gradients if g is not None)]

        return call


def _as_list(result: Any) -> list:
    if isinstance(result, (tuple, list)):
        return [item for item in result if item is not None]
    return [result]


def _recipe(name: str, plan=None, backward: bool = False):
    return register(name, "torch", plan=plan, backward=backward)


def _sized(**fields: Any):
    """A planner with fixed fields and the size factor."""

    def plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
        return {**fields, "scale": scale}

    return plan


def _float_dtype(arguments: Mapping[str, Any]) -> str:
    return dtype(arguments, "float32", ("float32", "float64", "float16", "bfloat16"))


# -- indexing and scattering ------------------------------------------------------------------------
#
# Many elements written to few slots: where a kernel accumulates with atomics, the order of the
# additions (and so the rounding) changes between runs; where it writes, which write lands last does.
# Element counts are large enough (4M at size small) that both CPU threads overlap for tens of ms.


def _accumulate_plan(default: bool):
    def plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
        return {
            "accumulate": flag(arguments, "accumulate", default),
            "dtype": _float_dtype(arguments),
            "slots": 256,
            "elements": 4 * MEGA * scale,
        }

    return plan


def _index_put(t: Ctx, plan: Plan):
    target = t.zeros(plan["slots"], dtype=plan["dtype"])
    index = t.randint(plan["slots"], (plan["elements"],))
    values = t.randn(plan["elements"], dtype=plan["dtype"])
    return t.forward(lambda: target.clone().index_put_((index,), values, accumulate=plan["accumulate"]))


@_recipe("index_put_accumulate", plan=_accumulate_plan(True))
def index_put_accumulate(t: Ctx, plan: Plan):
    """x.index_put_((index,), values, accumulate=...) with many duplicate indices."""
    return _index_put(t, plan)


@_recipe("index_put_duplicate_indices", plan=_accumulate_plan(False))
def index_put_duplicate_indices(t: Ctx, plan: Plan):
    """x.index_put_((index,), values) with duplicate indices: which write wins."""
    return _index_put(t, plan)


@_recipe("put_accumulate", plan=_accumulate_plan(True))
def put_accumulate(t: Ctx, plan: Plan):
    """x.put_(index, values, accumulate=...) into a flat view, many duplicate indices."""
    target = t.zeros(plan["slots"], 4, dtype=plan["dtype"])
    index = t.randint(plan["slots"] * 4, (plan["elements"],))
    values = t.randn(plan["elements"], dtype=plan["dtype"])
    return t.forward(lambda: target.clone().put_(index, values, accumulate=plan["accumulate"]))


@_recipe("put_duplicate_indices", plan=_accumulate_plan(False))
def put_duplicate_indices(t: Ctx, plan: Plan):
    """x.put_(index, values) with duplicate indices: which write wins."""
    return put_accumulate(t, plan)


def _dims_plan(dims_by_op: Mapping[str, int], default: int, **fields: Any):
    def plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
        return {"dims": dims_by_op.get(op or "", default), **fields, "scale": scale}

    return plan


@_recipe("scatter_add", plan=_dims_plan({"scatter-add-1d": 1, "scatter-add-nd": 2}, 2))
def scatter_add(t: Ctx, plan: Plan):
    """x.scatter_add(0, index, src), 1-D or 2-D, many duplicate indices."""
    elements, slots = MEGA * plan["scale"], 256
    if plan["dims"] == 1:
        target, index, src = t.zeros(slots), t.randint(slots, (elements,)), t.randn(elements)
    else:
        target, index, src = t.zeros(slots, 16), t.randint(slots, (elements // 16, 16)), t.randn(elements // 16, 16)
    return t.forward(lambda: target.scatter_add(0, index, src))


@_recipe("gather_backward", plan=_dims_plan({"gather-1d-backward": 1, "gather-nd-backward": 2}, 2), backward=True)
def gather_backward(t: Ctx, plan: Plan):
    """x.gather(0, index) and its backward (a scatter-add into x), many duplicate indices."""
    elements, rows = MEGA * plan["scale"], 256
    if plan["dims"] == 1:
        source, index = t.randn(rows, grad=True), t.randint(rows, (elements,))
    else:
        source, index = t.randn(rows, 16, grad=True), t.randint(rows, (elements // 16, 16))
    return t.backward(lambda x: x.gather(0, index), source)


@_recipe("index_add", plan=_sized(slots=256))
def index_add(t: Ctx, plan: Plan):
    """x.index_add(0, index, src) with many duplicate indices."""
    rows = MEGA * plan["scale"] // 16
    target, index, src = t.zeros(plan["slots"], 16), t.randint(plan["slots"], (rows,)), t.randn(rows, 16)
    return t.forward(lambda: target.index_add(0, index, src))


@_recipe("index_select_backward", plan=_sized(rows=256), backward=True)
def index_select_backward(t: Ctx, plan: Plan):
    """x.index_select(0, index) and its backward (an index_add into x)."""
    count = MEGA * plan["scale"] // 16
    source, index = t.randn(plan["rows"], 16, grad=True), t.randint(plan["rows"], (count,))
    return t.backward(lambda x: x.index_select(0, index), source)


@_recipe("getitem_backward", plan=_sized(rows=256), backward=True)
def getitem_backward(t: Ctx, plan: Plan):
    """x[index] (advanced indexing) and its backward (index_put_ with accumulate=True)."""
    count = 4 * MEGA * plan["scale"] // 64
    source, index = t.randn(plan["rows"], 64, grad=True), t.randint(plan["rows"], (count,))
    return t.backward(lambda x: x[index], source)


@_recipe("repeat_interleave_backward", plan=_sized(rows=4096), backward=True)
def repeat_interleave_backward(t: Ctx, plan: Plan):
    """x.repeat_interleave(repeats, dim=0) and its backward (a sum over the repeated rows)."""
    rows = plan["rows"] * plan["scale"]
    source, repeats = t.randn(rows, 16, grad=True), t.randint(16, (rows,), low=1)
    return t.backward(lambda x: x.repeat_interleave(repeats, dim=0), source)


@_recipe("index_copy_duplicate_indices", plan=_sized(slots=256))
def index_copy_duplicate_indices(t: Ctx, plan: Plan):
    """x.index_copy(0, index, src) with duplicate indices: which copy lands last."""
    rows = MEGA * plan["scale"] // 16
    target, index, src = t.zeros(plan["slots"], 16), t.randint(plan["slots"], (rows,)), t.randn(rows, 16)
    return t.forward(lambda: target.index_copy(0, index, src))


def _scatter_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    reduce = arguments.get("reduce")
    return {"reduce": reduce if reduce in ("add", "multiply") else None, "slots": 256, "scale": scale}


@_recipe("scatter_duplicate_indices", plan=_scatter_plan)
def scatter_duplicate_indices(t: Ctx, plan: Plan):
    """x.scatter(0, index, src) with a tensor src and duplicate indices: which write wins."""
    rows = MEGA * plan["scale"] // 16
    target, index, src = t.zeros(plan["slots"], 16), t.randint(plan["slots"], (rows, 16)), t.randn(rows, 16)
    if plan["reduce"]:
        return t.forward(lambda: target.scatter(0, index, src, reduce=plan["reduce"]))
    return t.forward(lambda: target.scatter(0, index, src))


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _scatter_reduce_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    default = "prod" if op == "scatter-reduce-prod" else "sum"
    return {
        "reduce": choice(arguments, "reduce", _REDUCTIONS, default),
        "include_self": flag(arguments, "include_self", True),
        "slots": 256,
        "scale": scale,
    }


@_recipe("scatter_reduce", plan=_scatter_reduce_plan)
def scatter_reduce(t: Ctx, plan: Plan):
    """x.scatter_reduce(0, index, src, reduce=...) with many duplicate indices."""
    elements = MEGA * plan["scale"]
    target, index = t.zeros(plan["slots"]), t.randint(plan["slots"], (elements,))
    src = t.randn(elements)
    if plan["reduce"] == "prod":  # keep products of a million factors finite and far from zero
        target, src = target + 1, 1 + src * 1e-4
    return t.forward(lambda: target.scatter_reduce(0, index, src, plan["reduce"], include_self=plan["include_self"]))


def _index_reduce_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    return {"reduce": choice(arguments, "reduce", ("prod", "mean", "amax", "amin"), "mean"), "slots": 256,
            "scale": scale}  # fmt: skip


@_recipe("index_reduce", plan=_index_reduce_plan)
def index_reduce(t: Ctx, plan: Plan):
    """x.index_reduce(0, index, src, reduce) with many duplicate indices."""
    rows = MEGA * plan["scale"] // 16
    target, index, src = t.zeros(plan["slots"], 16) + 1, t.randint(plan["slots"], (rows,)), t.randn(rows, 16)
    if plan["reduce"] == "prod":
        src = 1 + src * 1e-4
    return t.forward(lambda: target.index_reduce(0, index, src, plan["reduce"]))


# -- pooling, padding, interpolation (backward) --------------------------------------------------------


@_recipe("avg_pool3d_backward", plan=_sized(), backward=True)
def avg_pool3d_backward(t: Ctx, plan: Plan):
    """F.avg_pool3d with overlapping windows, forward and backward."""
    source = t.randn(2 * plan["scale"], 8, 24, 24, 24, grad=True)
    return t.backward(lambda x: t.F.avg_pool3d(x, 3, stride=2, padding=1), source)


@_recipe("adaptive_avg_pool2d_backward", plan=_sized(), backward=True)
def adaptive_avg_pool2d_backward(t: Ctx, plan: Plan):
    """F.adaptive_avg_pool2d to an output size that does not divide the input, forward and backward."""
    source = t.randn(8 * plan["scale"], 16, 65, 65, grad=True)
    return t.backward(lambda x: t.F.adaptive_avg_pool2d(x, (7, 7)), source)


@_recipe("adaptive_avg_pool3d_backward", plan=_sized(), backward=True)
def adaptive_avg_pool3d_backward(t: Ctx, plan: Plan):
    """F.adaptive_avg_pool3d to an output size that does not divide the input, forward and backward."""
    source = t.randn(2 * plan["scale"], 8, 25, 25, 25, grad=True)
    return t.backward(lambda x: t.F.adaptive_avg_pool3d(x, (5, 5, 5)), source)


@_recipe("max_pool3d_backward", plan=_sized(), backward=True)
def max_pool3d_backward(t: Ctx, plan: Plan):
    """F.max_pool3d with overlapping windows, forward and backward."""
    source = t.randn(2 * plan["scale"], 8, 24, 24, 24, grad=True)
    return t.backward(lambda x: t.F.max_pool3d(x, 3, stride=1, padding=1), source)


@_recipe("adaptive_max_pool2d_backward", plan=_sized(), backward=True)
def adaptive_max_pool2d_backward(t: Ctx, plan: Plan):
    """F.adaptive_max_pool2d to an output size that does not divide the input, forward and backward."""
    source = t.randn(8 * plan["scale"], 16, 65, 65, grad=True)
    return t.backward(lambda x: t.F.adaptive_max_pool2d(x, (7, 7)), source)


@_recipe("fractional_max_pool2d_backward", plan=_sized(), backward=True)
def fractional_max_pool2d_backward(t: Ctx, plan: Plan):
    """F.fractional_max_pool2d with fixed pseudo-random pooling regions, forward and backward."""
    batch, channels = 8 * plan["scale"], 16
    source, samples = t.randn(batch, channels, 64, 64, grad=True), t.rand(batch, channels, 2)
    return t.backward(
        lambda x: t.F.fractional_max_pool2d(x, 3, output_size=(40, 40), _random_samples=samples), source
    )


@_recipe("fractional_max_pool3d_backward", plan=_sized(), backward=True)
def fractional_max_pool3d_backward(t: Ctx, plan: Plan):
    """F.fractional_max_pool3d with fixed pseudo-random pooling regions, forward and backward."""
    batch, channels = 2 * plan["scale"], 8
    source, samples = t.randn(batch, channels, 24, 24, 24, grad=True), t.rand(batch, channels, 3)
    return t.backward(
        lambda x: t.F.fractional_max_pool3d(x, 3, output_size=(16, 16, 16), _random_samples=samples), source
    )


@_recipe("max_unpool_repeated_indices", plan=_sized())
def max_unpool_repeated_indices(t: Ctx, plan: Plan):
    """F.max_unpool2d of overlapping max pooling, whose indices repeat positions."""
    source = t.randn(8 * plan["scale"], 16, 64, 64)
    pooled, indices = t.F.max_pool2d(source, 3, stride=1, padding=1, return_indices=True)
    size = source.shape[-2:]
    return t.forward(lambda: t.F.max_unpool2d(pooled, indices, 3, stride=1, padding=1, output_size=size))


_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_MODE_DIMS = {"linear": 1, "trilinear": 3}


# The mode an entry stands for when the call's mode is not a literal.
_ENTRY_MODES = {"interpolate-linear-backward": "linear", "interpolate-trilinear-backward": "trilinear"}


def _interpolate_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    mode = choice(arguments, "mode", _MODES, _ENTRY_MODES.get(op or "", "bilinear"))
    align = arguments.get("align_corners")
    linear = mode in ("linear", "bilinear", "bicubic", "trilinear")
    return {
        "mode": mode,
        "align_corners": (align if isinstance(align, bool) else False) if linear else None,
        "antialias": mode in ("bilinear", "bicubic")
        and flag(arguments, "antialias", op == "interpolate-antialias-backward"),
        "dims": _MODE_DIMS.get(mode, 2),
        "scale": scale,
    }


def _spatial(t: Ctx, dims: int, scale: int, grad: bool = True):
    shapes = {1: (16 * scale, 16, 1024), 2: (8 * scale, 16, 64, 64), 3: (2 * scale, 8, 24, 24, 24)}
    return t.randn(*shapes[dims], grad=grad)


@_recipe("interpolate_backward", plan=_interpolate_plan, backward=True)
def interpolate_backward(t: Ctx, plan: Plan):
    """F.interpolate(scale_factor=2) forward and backward, with the call's mode, align_corners, antialias."""
    source = _spatial(t, plan["dims"], plan["scale"])
    options = {"mode": plan["mode"], "align_corners": plan["align_corners"]}
    if plan["antialias"]:  # a keyword older releases do not take
        options["antialias"] = True
    return t.backward(lambda x: t.F.interpolate(x, scale_factor=2, **options), source)


@_recipe("interpolate_bilinear_backward", plan=_sized(), backward=True)
def interpolate_bilinear_backward(t: Ctx, plan: Plan):
    """Bilinear upsampling with align_corners=True (upsample_bilinear, UpsamplingBilinear2d), backward."""
    source = _spatial(t, 2, plan["scale"])
    return t.backward(lambda x: t.F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True), source)


_PAD_DIMS = {
    "reflection-pad1d-backward": 1,
    "reflection-pad2d-backward": 2,
    "reflection-pad3d-backward": 3,
    "pad-reflect-backward": 1,
    "pad-reflect-2d-backward": 2,
    "replication-pad1d-backward": 1,
    "replication-pad2d-backward": 2,
    "replication-pad3d-backward": 3,
    "pad-replicate-3d-5d-backward": 1,
    "pad-replicate-4d-backward": 2,
}


def _pad_plan(mode: str):
    def plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
        return {"mode": mode, "dims": _PAD_DIMS.get(op or "", 2), "scale": scale}

    return plan


def _pad(t: Ctx, plan: Plan):
    source = _spatial(t, plan["dims"], plan["scale"])
    padding = (3,) * (2 * plan["dims"])
    return t.backward(lambda x: t.F.pad(x, padding, mode=plan["mode"]), source)


@_recipe("reflection_pad_backward", plan=_pad_plan("reflect"), backward=True)
def reflection_pad_backward(t: Ctx, plan: Plan):
    """Reflection padding (1-D, 2-D or 3-D, from the entry), forward and backward."""
    return _pad(t, plan)


@_recipe("replication_pad_backward", plan=_pad_plan("replicate"), backward=True)
def replication_pad_backward(t: Ctx, plan: Plan):
    """Replication padding (1-D, 2-D or 3-D, from the entry), forward and backward."""
    return _pad(t, plan)


@_recipe("grid_sample_backward", backward=True,
         plan=lambda op, arguments, scale: {"mode": choice(arguments, "mode", ("bilinear", "nearest", "bicubic"),
                                                           "bilinear"), "scale": scale})  # fmt: skip
def grid_sample_backward(t: Ctx, plan: Plan):
    """F.grid_sample with a random sampling grid, backward to the input and the grid."""
    batch = 8 * plan["scale"]
    source, grid = t.randn(batch, 16, 64, 64, grad=True), (t.rand(batch, 96, 96, 2) * 2 - 1).requires_grad_(True)
    mode = plan["mode"]
    return t.backward(lambda x, g: t.F.grid_sample(x, g, mode=mode, align_corners=False), source, grid)


# -- losses, embeddings --------------------------------------------------------------------------------


def _loss_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    return {
        "loss": "cross_entropy" if op == "cross-entropy-2d" else "nll",
        "reduction": choice(arguments, "reduction", ("mean", "sum", "none"), "mean"),
        "scale": scale,
    }


@_recipe("nll_loss2d", plan=_loss_plan)
def nll_loss2d(t: Ctx, plan: Plan):
    """nll_loss (or cross_entropy) on a spatial (N, C, H, W) input, the 2-D reduction kernel."""
    batch, classes = 8 * plan["scale"], 10
    logits, target = t.randn(batch, classes, 64, 64), t.randint(classes, (batch, 64, 64))
    if plan["loss"] == "cross_entropy":
        return t.forward(lambda: t.F.cross_entropy(logits, target, reduction=plan["reduction"]))
    log_probs = t.F.log_softmax(logits, dim=1)
    return t.forward(lambda: t.F.nll_loss(log_probs, target, reduction=plan["reduction"]))


@_recipe("ctc_loss_backward", plan=_sized(), backward=True)
def ctc_loss_backward(t: Ctx, plan: Plan):
    """F.ctc_loss forward and backward (50 steps, 20 classes, targets of 20)."""
    steps, batch, classes, length = 50, 16 * plan["scale"], 20, 20
    logits = t.randn(steps, batch, classes, grad=True)
    targets = t.randint(classes, (batch, length), low=1)
    torch = t.torch
    input_lengths = torch.full((batch,), steps, dtype=torch.long, device=t.device)
    target_lengths = torch.full((batch,), length, dtype=torch.long, device=t.device)
    return t.backward(
        lambda x: t.F.ctc_loss(x.log_softmax(2), targets, input_lengths, target_lengths), logits
    )


def _embedding_plan(default: str):
    def plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
        return {"mode": choice(arguments, "mode", ("sum", "mean", "max"), default), "scale": scale}

    return plan


def _embedding_bag(t: Ctx, plan: Plan):
    rows, bags, per_bag = 1024, 4096 * plan["scale"], 16
    weight = t.randn(rows, 64, grad=True)
    indices = t.randint(rows, (bags * per_bag,))
    offsets = t.torch.arange(0, bags * per_bag, per_bag, device=t.device)
    return t.backward(lambda w: t.F.embedding_bag(indices, w, offsets, mode=plan["mode"]), weight)


@_recipe("embedding_bag_max_backward", plan=_embedding_plan("max"), backward=True)
def embedding_bag_max_backward(t: Ctx, plan: Plan):
    """F.embedding_bag(mode=... default "max") forward and backward, rows shared between bags."""
    return _embedding_bag(t, plan)


@_recipe("embedding_bag_backward", plan=_embedding_plan("mean"), backward=True)
def embedding_bag_backward(t: Ctx, plan: Plan):
    """F.embedding_bag(mode=... default "mean") forward and backward, rows shared between bags."""
    return _embedding_bag(t, plan)


# -- reductions, counting, selection ---------------------------------------------------------------------


@_recipe("histc", plan=_sized(bins=100))
def histc(t: Ctx, plan: Plan):
    """torch.histc over 1M normal values into 100 bins."""
    values = t.randn(MEGA * plan["scale"])
    return t.forward(lambda: t.torch.histc(values, bins=plan["bins"], min=-3, max=3))


def _bincount_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    weighted = op == "bincount-weighted" or (op is None and arguments.get("weights") is not None)
    return {"weights": weighted, "bins": 256, "scale": scale}


@_recipe("bincount", plan=_bincount_plan)
def bincount(t: Ctx, plan: Plan):
    """torch.bincount of 1M values into 256 bins, with float weights when the call passes them."""
    values = t.randint(plan["bins"], (MEGA * plan["scale"],))
    weights = t.randn(values.shape[0]) if plan["weights"] else None
    return t.forward(lambda: t.torch.bincount(values, weights=weights, minlength=plan["bins"]))


def _selection_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    dim = integer(arguments, "dim", 1)
    return {"dim": dim if dim in (-2, -1, 0, 1) else 1, "scale": scale}


@_recipe("kthvalue", plan=_selection_plan)
def kthvalue(t: Ctx, plan: Plan):
    """torch.kthvalue on rows with many ties (values and indices)."""
    values = t.randint(8, (512 * plan["scale"], 1024)).float()
    return t.forward(lambda: t.torch.kthvalue(values, 100, dim=plan["dim"]))


@_recipe("median_with_indices", plan=_selection_plan)
def median_with_indices(t: Ctx, plan: Plan):
    """torch.median(x, dim) on rows with many ties (values and indices)."""
    values = t.randint(8, (512 * plan["scale"], 1024)).float()
    return t.forward(lambda: t.torch.median(values, dim=plan["dim"]))


@_recipe("cumsum", plan=lambda op, arguments, scale: {"dtype": _float_dtype(arguments), "scale": scale})
def cumsum(t: Ctx, plan: Plan):
    """torch.cumsum of 1M floating-point values."""
    values = t.randn(MEGA * plan["scale"], dtype=plan["dtype"])
    return t.forward(lambda: t.torch.cumsum(values, dim=0))


# -- matrix products, convolutions, recurrent layers ---------------------------------------------------


@_recipe("cublas_matmul", plan=_sized(), backward=True)
def cublas_matmul(t: Ctx, plan: Plan):
    """a @ b (512 x 512 at size small) forward and backward."""
    side = 512 * {1: 1, 4: 2, 16: 4}.get(plan["scale"], 1)
    a, b = t.randn(side, side, grad=True), t.randn(side, side, grad=True)
    return t.backward(lambda x, y: x @ y, a, b)


@_recipe("bmm_sparse_dense", plan=_sized())
def bmm_sparse_dense(t: Ctx, plan: Plan):
    """torch.bmm(sparse COO batch, dense batch), 10% density."""
    batch = 8 * plan["scale"]
    dense = t.randn(batch, 256, 256)
    sparse = (dense * (t.rand(batch, 256, 256) < 0.1)).to_sparse()
    other = t.randn(batch, 256, 64)
    return t.forward(lambda: t.torch.bmm(sparse, other))


@_recipe("conv_cudnn", plan=_sized(), backward=True)
def conv_cudnn(t: Ctx, plan: Plan):
    """F.conv2d (3x3, 16 -> 32 channels) forward and backward to input and weight."""
    source, weight = t.randn(16 * plan["scale"], 16, 64, 64, grad=True), t.randn(32, 16, 3, 3, grad=True)
    return t.backward(lambda x, w: t.F.conv2d(x, w, padding=1), source, weight)


@_recipe("rnn_cudnn", plan=_sized(), backward=True)
def rnn_cudnn(t: Ctx, plan: Plan):
    """A 2-layer LSTM (64 -> 128) forward and backward to the input and the weights."""
    torch = t.torch
    torch.manual_seed(int(t.generator.initial_seed()))
    layer = torch.nn.LSTM(64, 128, num_layers=2).to(t.device)
    source = t.randn(32, 16 * plan["scale"], 64, grad=True)
    return t.backward(lambda x, *weights: layer(x)[0], source, *layer.parameters())


@_recipe("sdpa_backward", plan=_sized(), backward=True)
def sdpa_backward(t: Ctx, plan: Plan):
    """F.scaled_dot_product_attention (8 heads, 512 tokens of 64) forward and backward to q, k and v."""
    shape = (4 * plan["scale"], 8, 512, 64)
    query, key, value = (t.randn(*shape, grad=True) for _ in range(3))
    return t.backward(lambda q, k, v: t.F.scaled_dot_product_attention(q, k, v), query, key, value)


# -- memory ---------------------------------------------------------------------------------------------


@_recipe("empty_uninitialized", plan=_sized())
def empty_uninitialized(t: Ctx, plan: Plan):
    """torch.empty(1M) read before it is written."""
    return t.forward(lambda: t.torch.empty(MEGA * plan["scale"], device=t.device))


@_recipe("resize_quantized", plan=_sized())
def resize_quantized(t: Ctx, plan: Plan):
    """A quantized tensor grown with resize_, read with its new elements."""
    torch = t.torch
    quantized = torch.quantize_per_tensor(t.randn(MEGA * plan["scale"]).cpu(), 0.1, 0, torch.quint8)

    def call():
        grown = quantized.clone()
        grown.resize_(2 * quantized.numel())
        return grown.int_repr()

    return t.forward(call)

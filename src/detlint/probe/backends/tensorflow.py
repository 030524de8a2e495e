"""TensorFlow: a recipe for every catalogued op that can run on synthetic inputs, eager or under XLA.

Op determinism (`tf.config.experimental.enable_op_determinism()`, or `TF_DETERMINISTIC_OPS=1` before
2.8) cannot be turned off again in a process, so each mode has a worker of its own: the runner sends a
recipe to the default worker and to the deterministic one and merges the two halves. Inputs are made
with numpy from the seed, identical in both processes; `tf.random.set_seed` is called before every
call. Backward recipes use `tf.GradientTape` with a fixed output gradient and compare the outputs and
the gradients (IndexedSlices gradients are converted to dense tensors, as an optimizer would).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from detlint.probe.measure import array_diff, first_line, import_framework, measure, merge
from detlint.probe.recipes import Plan, choice, flag, integer, lookup, register
from detlint.probe.results import DEVICE, ERROR, FRAMEWORK, RAISES

_STATE: dict[str, Any] = {}

# -- the worker's side ----------------------------------------------------------------------------------


def start(mode: str, options: Mapping[str, Any]) -> dict[str, Any]:
    deterministic = mode == "deterministic"
    if deterministic:
        os.environ["TF_DETERMINISTIC_OPS"] = "1"  # 2.1-2.7; enable_op_determinism below from 2.8
    tf = import_framework("tensorflow")
    if isinstance(tf, str):
        return {"skipped": tf, "unavailable": FRAMEWORK}
    if deterministic:
        enable = getattr(tf.config.experimental, "enable_op_determinism", None)
        if enable is not None:
            enable()
    _STATE["mode"] = mode
    return {"environment": _environment(tf, None)}


def _environment(tf, device: str | None) -> dict[str, Any]:
    threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()
    environment: dict[str, Any] = {
        "framework": "tensorflow",
        "version": tf.__version__,
        "device": device,
        "gpu": None,
        "threads": threads,
    }
    if device == "cuda":
        gpus = tf.config.list_physical_devices("GPU")
        details = tf.config.experimental.get_device_details(gpus[0]) if gpus else {}
        environment["gpu"] = details.get("device_name", gpus[0].name if gpus else None)
        build = tf.sysconfig.get_build_info() if hasattr(tf.sysconfig, "get_build_info") else {}
        environment["cuda"], environment["cudnn"] = build.get("cuda_version"), build.get("cudnn_version")
    return environment


def _device(tf, requested: str) -> tuple[str | None, str | None]:
    gpu = bool(tf.config.list_physical_devices("GPU"))
    if requested == "auto":
        return ("cuda" if gpu else "cpu"), None
    if requested == "cuda" and not gpu:
        return None, "no GPU visible to TensorFlow (tf.config.list_physical_devices('GPU') is empty)"
    return requested, None


def execute(request: Mapping[str, Any]) -> dict[str, Any]:
    import tensorflow as tf

    if request.get("environment"):  # what is installed, on the device a probe would use
        return {"environment": _environment(tf, _device(tf, "auto")[0])}
    recipe = lookup(request["recipe"])
    if recipe is None or recipe.backend != "tensorflow":
        return {"skipped": f"no tensorflow recipe {request['recipe']!r}"}
    device, why = _device(tf, request.get("device", "auto"))
    if device is None:
        return {"skipped": why, "unavailable": DEVICE}
    seed = int(request.get("seed", 0))
    modes = {}
    for mode in request["modes"]:
        if mode != _STATE.get("mode"):
            modes[mode] = {"outcome": ERROR, "message": f"this worker runs in {_STATE.get('mode')} mode"}
            continue
        modes[mode] = _run_mode(tf, recipe.build, request["plan"], device, seed, mode == "deterministic", request)
    return {"environment": _environment(tf, device), "modes": modes}


def _run_mode(tf, build, plan: Plan, device: str, seed: int, deterministic: bool, request) -> dict[str, Any]:
    name = "/GPU:0" if device == "cuda" else "/CPU:0"
    try:
        with tf.device(name):
            return measure(
                lambda: build(Ctx(tf, seed), plan),
                lambda first, other: merge([array_diff(a, b) for a, b in zip(first, other)]),
                runs=int(request.get("runs", 5)),
                repeats=int(request.get("repeats", 5)),
                reseed=lambda: tf.random.set_seed(seed),
            )
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return {"outcome": RAISES if deterministic else ERROR, "message": first_line(error)}


# -- what recipes build with ----------------------------------------------------------------------------


class Ctx:
    """Seeded synthetic tensors (from numpy) and the forward/backward wrappers; outputs are numpy arrays,
    so reading them waits for the device."""

    def __init__(self, tf, seed: int) -> None:
        import numpy as np

        self.tf = tf
        self.np = np
        self.random = np.random.RandomState(seed)

    def randn(self, *shape: int, dtype: str = "float32"):
        return self.tf.constant(self.random.standard_normal(shape).astype(dtype))

    def rand(self, *shape: int, dtype: str = "float32"):
        return self.tf.constant(self.random.random_sample(shape).astype(dtype))

    def randint(self, high: int, shape: tuple[int, ...], low: int = 0, dtype: str = "int32"):
        return self.tf.constant(self.random.randint(low, high, size=shape).astype(dtype))

    def forward(self, function: Callable[[], Any]) -> Callable[[], list]:
        return lambda: [_numpy(self.tf, item) for item in _as_list(function())]

    def backward(self, function: Callable[..., Any], *inputs) -> Callable[[], list]:
        tf = self.tf
        probe = function(*inputs)
        grad_output = tf.constant(self.random.standard_normal(probe.shape).astype(probe.dtype.as_numpy_dtype))

        def call() -> list:
            with tf.GradientTape() as tape:
                for item in inputs:
                    tape.watch(item)
                output = function(*inputs)
            gradients = tape.gradient(output, list(inputs), output_gradients=grad_output)
            return [_numpy(tf, output), *(_numpy(tf, g) for g in gradients if g is not None)]

        return call


def _as_list(result: Any) -> list:
    if isinstance(result, (tuple, list)):
        return [item for item in result if item is not None]
    return [result]


def _numpy(tf, value):
    if isinstance(value, tf.IndexedSlices):
        value = tf.convert_to_tensor(value)  # the dense conversion is itself an unsorted segment sum
    if isinstance(value, tf.SparseTensor):
        value = tf.sparse.to_dense(value)
    return value.numpy()


def _recipe(name: str, plan=None, backward: bool = False):
    return register(name, "tensorflow", plan=plan, backward=backward)


def _sized(**fields: Any):
    def plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
        return {**fields, "scale": scale}

    return plan


def _xla(tf, function: Callable[..., Any], enabled: bool) -> Callable[..., Any]:
    return tf.function(function, jit_compile=True) if enabled else function


# -- convolution, pooling, resizing -------------------------------------------------------------------


@_recipe("tf_conv_cudnn", plan=_sized(), backward=True)
def tf_conv_cudnn(t: Ctx, plan: Plan):
    """tf.nn.conv2d (3x3, 16 -> 32 channels, NHWC) forward and backward to input and filter."""
    source, kernel = t.randn(16 * plan["scale"], 64, 64, 16), t.randn(3, 3, 16, 32)
    return t.backward(lambda x, k: t.tf.nn.conv2d(x, k, strides=1, padding="SAME"), source, kernel)


@_recipe("tf_bias_add_backward", plan=_sized(), backward=True)
def tf_bias_add_backward(t: Ctx, plan: Plan):
    """tf.nn.bias_add forward and backward (the bias gradient sums over every other axis)."""
    source, bias = t.randn(64 * plan["scale"], 32, 32, 64), t.randn(64)
    return t.backward(lambda x, b: t.tf.nn.bias_add(x, b), source, bias)


@_recipe("tf_max_pool_backward", plan=_sized(), backward=True)
def tf_max_pool_backward(t: Ctx, plan: Plan):
    """tf.nn.max_pool2d with overlapping windows, forward and backward."""
    source = t.randn(16 * plan["scale"], 64, 64, 16)
    return t.backward(lambda x: t.tf.nn.max_pool2d(x, 3, 2, "SAME"), source)


@_recipe("tf_xla_max_pool_backward", plan=_sized(), backward=True)
def tf_xla_max_pool_backward(t: Ctx, plan: Plan):
    """tf.nn.max_pool2d under jit_compile=True (XLA's SelectAndScatter gradient)."""
    source = t.randn(16 * plan["scale"], 64, 64, 16)
    return t.backward(_xla(t.tf, lambda x: t.tf.nn.max_pool2d(x, 3, 2, "SAME"), True), source)


def _resize_plan(default: str):
    def plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
        method = choice(arguments, "method", ("bilinear", "nearest"), default)
        method = choice(arguments, "interpolation", ("bilinear", "nearest"), method)
        return {"method": method, "scale": scale}

    return plan


def _resize(t: Ctx, plan: Plan):
    source = t.randn(16 * plan["scale"], 32, 32, 16)
    return t.backward(lambda x: t.tf.image.resize(x, (80, 80), method=plan["method"]), source)


@_recipe("tf_resize_bilinear_backward", plan=_resize_plan("bilinear"), backward=True)
def tf_resize_bilinear_backward(t: Ctx, plan: Plan):
    """tf.image.resize (bilinear unless the call says otherwise) from 32x32 to 80x80, backward."""
    return _resize(t, plan)


@_recipe("tf_resize_nearest_backward", plan=_resize_plan("nearest"), backward=True)
def tf_resize_nearest_backward(t: Ctx, plan: Plan):
    """tf.image.resize (nearest unless the call says otherwise) from 32x32 to 80x80, backward."""
    return _resize(t, plan)


@_recipe("tf_depthwise_conv_backward", plan=_sized(), backward=True)
def tf_depthwise_conv_backward(t: Ctx, plan: Plan):
    """tf.nn.depthwise_conv2d (3x3, 32 channels) forward and backward to input and filter."""
    source, kernel = t.randn(16 * plan["scale"], 64, 64, 32), t.randn(3, 3, 32, 1)
    return t.backward(
        lambda x, k: t.tf.nn.depthwise_conv2d(x, k, strides=[1, 1, 1, 1], padding="SAME"), source, kernel
    )


@_recipe("tf_crop_and_resize_backward", plan=_sized(), backward=True)
def tf_crop_and_resize_backward(t: Ctx, plan: Plan):
    """tf.image.crop_and_resize with overlapping boxes, backward to the image and the boxes."""
    images, count = 4 * plan["scale"], 256 * plan["scale"]
    image = t.randn(images, 64, 64, 8)
    corners = t.np.sort(t.random.random_sample((count, 2, 2)), axis=1).reshape(count, 4)[:, [0, 2, 1, 3]]
    boxes = t.tf.constant(corners.astype("float32"))
    box_indices = t.randint(images, (count,))
    return t.backward(lambda x, b: t.tf.image.crop_and_resize(x, b, box_indices, (24, 24)), image, boxes)


@_recipe("tf_dilation2d_backward", plan=_sized(), backward=True)
def tf_dilation2d_backward(t: Ctx, plan: Plan):
    """tf.nn.dilation2d (3x3) forward and backward to input and filter."""
    source, kernel = t.randn(8 * plan["scale"], 32, 32, 8), t.randn(3, 3, 8)
    return t.backward(
        lambda x, k: t.tf.nn.dilation2d(x, k, strides=[1, 1, 1, 1], padding="SAME", data_format="NHWC",
                                        dilations=[1, 1, 1, 1]),
        source, kernel,
    )  # fmt: skip


@_recipe("tf_max_pool_with_argmax_backward", plan=_sized(), backward=True)
def tf_max_pool_with_argmax_backward(t: Ctx, plan: Plan):
    """tf.nn.max_pool_with_argmax with overlapping windows, backward through the pooled values."""
    source = t.randn(16 * plan["scale"], 64, 64, 16)
    return t.backward(lambda x: t.tf.nn.max_pool_with_argmax(x, 3, 2, "SAME")[0], source)


def _fractional_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    return {"seed": integer(arguments, "seed", 0), "scale": scale}


@_recipe("tf_fractional_pool", plan=_fractional_plan)
def tf_fractional_pool(t: Ctx, plan: Plan):
    """tf.nn.fractional_max_pool with the call's seed (0: a new random pooling each call)."""
    source = t.randn(8 * plan["scale"], 64, 64, 8)
    return t.forward(
        lambda: t.tf.nn.fractional_max_pool(source, [1.0, 1.44, 1.73, 1.0], pseudo_random=True, seed=plan["seed"])[0]
    )


# -- losses ----------------------------------------------------------------------------------------------


def _softmax_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    api = {"tf-raw-softmax-cross-entropy": "raw", "tf-categorical-crossentropy-logits": "keras"}.get(op or "", "nn")
    return {"api": api, "scale": scale}


@_recipe("tf_softmax_cross_entropy", plan=_softmax_plan, backward=True)
def tf_softmax_cross_entropy(t: Ctx, plan: Plan):
    """softmax_cross_entropy_with_logits (the nn function, the raw op or the Keras loss), backward."""
    tf, batch, classes = t.tf, 4096 * plan["scale"], 100
    logits = t.randn(batch, classes)
    labels = tf.nn.softmax(t.randn(batch, classes))
    if plan["api"] == "raw":
        return t.backward(lambda x: tf.raw_ops.SoftmaxCrossEntropyWithLogits(features=x, labels=labels)[0], logits)
    if plan["api"] == "keras":
        return t.backward(lambda x: tf.keras.losses.categorical_crossentropy(labels, x, from_logits=True), logits)
    return t.backward(lambda x: tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=x), logits)


def _sparse_softmax_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    return {"api": "keras" if op == "tf-sparse-categorical-crossentropy-logits" else "nn", "scale": scale}


@_recipe("tf_sparse_softmax_cross_entropy", plan=_sparse_softmax_plan, backward=True)
def tf_sparse_softmax_cross_entropy(t: Ctx, plan: Plan):
    """sparse_softmax_cross_entropy_with_logits (or the Keras loss with from_logits=True), backward."""
    tf, batch, classes = t.tf, 4096 * plan["scale"], 100
    logits, labels = t.randn(batch, classes), t.randint(classes, (batch,))
    if plan["api"] == "keras":
        return t.backward(lambda x: tf.keras.losses.sparse_categorical_crossentropy(labels, x, from_logits=True),
                          logits)  # fmt: skip
    return t.backward(lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x), logits)


# -- segment reductions, gathering, scattering, counting -------------------------------------------------


@_recipe("tf_segment_sum", plan=_sized(segments=256))
def tf_segment_sum(t: Ctx, plan: Plan):
    """tf.math.segment_sum of 1M rows of 16 into 256 sorted segments."""
    rows = 65536 * plan["scale"]
    data = t.randn(rows, 16)
    ids = t.tf.constant(t.np.sort(t.random.randint(0, plan["segments"], size=rows)).astype("int32"))
    return t.forward(lambda: t.tf.math.segment_sum(data, ids))


@_recipe("tf_unsorted_segment_sum", plan=_sized(segments=256))
def tf_unsorted_segment_sum(t: Ctx, plan: Plan):
    """tf.math.unsorted_segment_sum of 1M rows of 16 into 256 segments, in random order."""
    rows = 65536 * plan["scale"]
    data, ids = t.randn(rows, 16), t.randint(plan["segments"], (rows,))
    return t.forward(lambda: t.tf.math.unsorted_segment_sum(data, ids, plan["segments"]))


@_recipe("tf_gather_backward", plan=_sized(rows=256), backward=True)
def tf_gather_backward(t: Ctx, plan: Plan):
    """tf.gather from 256 rows with many repeated indices; the gradient reduced into dense params."""
    params, indices = t.randn(plan["rows"], 64), t.randint(plan["rows"], (65536 * plan["scale"],))
    return t.backward(lambda p: t.tf.gather(p, indices), params)


def _scatter_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    return {"xla": op == "tf-xla-scatter", "scale": scale}


@_recipe("tf_scatter_nd", plan=_scatter_plan)
def tf_scatter_nd(t: Ctx, plan: Plan):
    """tf.tensor_scatter_nd_add of 1M float updates into 256 slots (under XLA for tf-xla-scatter)."""
    tf, count = t.tf, 1 << 20
    target = tf.zeros((256,))
    indices, updates = t.randint(256, (count * plan["scale"], 1)), t.randn(count * plan["scale"])
    add = _xla(tf, lambda: tf.tensor_scatter_nd_add(target, indices, updates), plan["xla"])
    return t.forward(add)


def _bincount_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    return {"weights": arguments.get("weights") is not None, "bins": 256, "scale": scale}


@_recipe("tf_bincount", plan=_bincount_plan)
def tf_bincount(t: Ctx, plan: Plan):
    """tf.math.bincount of 1M values into 256 bins (float weights when the call passes them)."""
    values = t.randint(plan["bins"], ((1 << 20) * plan["scale"],))
    weights = t.randn(values.shape[0]) if plan["weights"] else None
    return t.forward(lambda: t.tf.math.bincount(values, weights=weights, minlength=plan["bins"]))


@_recipe("tf_sparse_dense_matmul", plan=_sized())
def tf_sparse_dense_matmul(t: Ctx, plan: Plan):
    """tf.sparse.sparse_dense_matmul of a 10%-dense 1024 x 1024 matrix by a dense 1024 x 256 one."""
    tf, side = t.tf, 1024 * plan["scale"]
    dense = t.random.standard_normal((side, 1024)).astype("float32")
    dense[t.random.random_sample(dense.shape) >= 0.1] = 0
    sparse, other = tf.sparse.from_dense(dense), t.randn(1024, 256)
    return t.forward(lambda: tf.sparse.sparse_dense_matmul(sparse, other))


# -- XLA, normalisation, images, quantization, linear algebra --------------------------------------------


@_recipe("tf_xla_reduction", plan=_sized(), backward=True)
def tf_xla_reduction(t: Ctx, plan: Plan):
    """tf.reduce_sum over columns of a 4096 x 1024 matrix in a jit_compile=True function, backward."""
    source = t.randn(4096 * plan["scale"], 1024)
    return t.backward(_xla(t.tf, lambda x: t.tf.reduce_sum(x * x, axis=0), True), source)


def _batch_norm_plan(op: str | None, arguments: Mapping[str, Any], scale: int) -> Plan:
    return {"is_training": flag(arguments, "is_training", False), "scale": scale}


@_recipe("tf_batch_norm_frozen_backward", plan=_batch_norm_plan, backward=True)
def tf_batch_norm_frozen_backward(t: Ctx, plan: Plan):
    """fused_batch_norm with is_training=False, backward to input, scale and offset."""
    tf, channels = t.tf, 32
    source = t.randn(32 * plan["scale"], 32, 32, channels)
    scale, offset = t.rand(channels) + 0.5, t.randn(channels)
    mean, variance = t.randn(channels), t.rand(channels) + 0.5
    training = plan["is_training"]

    def normalise(x, s, o):
        if training:
            return tf.compat.v1.nn.fused_batch_norm(x, s, o, is_training=True)[0]
        return tf.compat.v1.nn.fused_batch_norm(x, s, o, mean=mean, variance=variance, is_training=False)[0]

    return t.backward(normalise, source, scale, offset)


@_recipe("tf_adjust_contrast", plan=_sized())
def tf_adjust_contrast(t: Ctx, plan: Plan):
    """tf.image.adjust_contrast of a batch of 64 x 64 RGB images by 1.5."""
    images = t.rand(64 * plan["scale"], 64, 64, 3)
    return t.forward(lambda: t.tf.image.adjust_contrast(images, 1.5))


@_recipe("tf_fake_quant_backward", plan=_sized(), backward=True)
def tf_fake_quant_backward(t: Ctx, plan: Plan):
    """fake_quant_with_min_max_vars forward and backward to the input and the range variables."""
    source = t.randn((1 << 20) * plan["scale"])
    low, high = t.tf.constant(-2.0), t.tf.constant(2.0)
    return t.backward(lambda x, a, b: t.tf.quantization.fake_quant_with_min_max_vars(x, a, b), source, low, high)


@_recipe("tf_svd_single_column", plan=_sized())
def tf_svd_single_column(t: Ctx, plan: Plan):
    """tf.linalg.svd of a batch of single-column matrices."""
    matrices = t.randn(1024 * plan["scale"], 64, 1)
    return t.forward(lambda: t.tf.linalg.svd(matrices))

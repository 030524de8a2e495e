"""The TensorFlow backend without TensorFlow (too large for the test setup): the skipped path, the
per-mode workers, and every recipe's construction against a stand-in that records the API calls."""

from __future__ import annotations

import pytest
from probe_helpers import installed, op_finding

from detlint.probe import session
from detlint.probe.backends import BACKENDS
from detlint.probe.backends import tensorflow as backend
from detlint.probe.recipes import registry
from detlint.probe.results import ProbeStatus
from detlint.probe.session import ProbeOptions, probe_findings

needs_no_tensorflow = pytest.mark.skipif(installed("tensorflow"), reason="tensorflow is installed")


@needs_no_tensorflow
def test_start_without_tensorflow_says_it_is_not_installed(monkeypatch):
    monkeypatch.delenv("TF_DETERMINISTIC_OPS", raising=False)
    hello = backend.start("deterministic", {})
    assert hello == {
        "skipped": "tensorflow is not installed (ModuleNotFoundError: No module named 'tensorflow')",
        "unavailable": "framework",
    }


@needs_no_tensorflow
def test_tensorflow_findings_are_skipped_with_the_reason():
    findings = [
        op_finding("tf-bincount", "tf_bincount", catalog="tf_ops", framework="tensorflow", line=1),
        op_finding("tf-scatter-nd", "tf_scatter_nd", catalog="tf_ops", framework="tensorflow", line=2),
    ]
    results = probe_findings(findings, ProbeOptions())
    assert [result.status for result in results] == [ProbeStatus.SKIPPED] * 2
    assert {result.reason for result in results} == {
        "tensorflow is not installed (ModuleNotFoundError: No module named 'tensorflow')"
    }


def test_each_mode_gets_a_worker_of_its_own(monkeypatch):
    asked = []

    class Workers:
        def __init__(self, options):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            pass

        def ask(self, backend, mode, request):
            asked.append((backend.name, mode, request["modes"]))
            half = {"outcome": "ran", "runs": 5, "differing_runs": 2 if mode == "default" else 0, "seconds": 1.0}
            return {"environment": {"framework": "tensorflow", "version": "2.21.0", "device": "cpu", "threads": 2},
                    "modes": {mode: half}}  # fmt: skip

    monkeypatch.setattr(session, "_Workers", Workers)
    finding = op_finding("tf-crop-and-resize-cpu-backward", "tf_crop_and_resize_backward", catalog="tf_ops",
                         framework="tensorflow")  # fmt: skip
    [result] = probe_findings([finding], ProbeOptions())
    assert BACKENDS["tensorflow"].isolate_modes
    assert asked == [("tensorflow", "default", ["default"]), ("tensorflow", "deterministic", ["deterministic"])]
    assert result.status is ProbeStatus.CONFIRMED and result.fixed_by_deterministic_mode is True
    assert result.notes == ()  # a CPU entry probed on the CPU


# -- recipe construction against a recording stand-in ------------------------------------------------


class FakeTensor:
    def __init__(self, shape=(2, 3)):
        import numpy as np

        self.shape = shape
        self.dtype = type("DType", (), {"as_numpy_dtype": np.float32})()

    def numpy(self):
        import numpy as np

        return np.zeros(self.shape, dtype=np.float32)

    def __getitem__(self, item):
        return FakeTensor(self.shape)

    def _same(self, *other):
        return FakeTensor(self.shape)

    __add__ = __radd__ = __sub__ = __mul__ = __rmul__ = _same


class FakeTape:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def watch(self, tensor):
        pass

    def gradient(self, output, inputs, output_gradients=None):
        return [FakeTensor() for _ in inputs]


class FakeTF:
    """Any attribute chain is an API; calling it records its dotted name and returns a tensor."""

    IndexedSlices = type("IndexedSlices", (), {})
    SparseTensor = type("SparseTensor", (), {})

    def __init__(self, log, path="tf"):
        self._log, self._path = log, path

    def __getattr__(self, name):
        return FakeTF(self._log, f"{self._path}.{name}")

    def __call__(self, *args, **kwargs):
        self._log.append((self._path, kwargs))
        if self._path == "tf.GradientTape":
            return FakeTape()
        if self._path == "tf.function":
            return args[0]
        return FakeTensor()


EXPECTED_CALLS = {
    "tf_conv_cudnn": "tf.nn.conv2d",
    "tf_bias_add_backward": "tf.nn.bias_add",
    "tf_max_pool_backward": "tf.nn.max_pool2d",
    "tf_xla_max_pool_backward": "tf.function",  # around tf.nn.max_pool2d
    "tf_resize_bilinear_backward": "tf.image.resize",
    "tf_resize_nearest_backward": "tf.image.resize",
    "tf_depthwise_conv_backward": "tf.nn.depthwise_conv2d",
    "tf_crop_and_resize_backward": "tf.image.crop_and_resize",
    "tf_dilation2d_backward": "tf.nn.dilation2d",
    "tf_max_pool_with_argmax_backward": "tf.nn.max_pool_with_argmax",
    "tf_fractional_pool": "tf.nn.fractional_max_pool",
    "tf_softmax_cross_entropy": "tf.nn.softmax_cross_entropy_with_logits",
    "tf_sparse_softmax_cross_entropy": "tf.nn.sparse_softmax_cross_entropy_with_logits",
    "tf_segment_sum": "tf.math.segment_sum",
    "tf_unsorted_segment_sum": "tf.math.unsorted_segment_sum",
    "tf_gather_backward": "tf.gather",
    "tf_scatter_nd": "tf.tensor_scatter_nd_add",
    "tf_bincount": "tf.math.bincount",
    "tf_sparse_dense_matmul": "tf.sparse.sparse_dense_matmul",
    "tf_xla_reduction": "tf.function",  # around tf.reduce_sum
    "tf_batch_norm_frozen_backward": "tf.compat.v1.nn.fused_batch_norm",
    "tf_adjust_contrast": "tf.image.adjust_contrast",
    "tf_fake_quant_backward": "tf.quantization.fake_quant_with_min_max_vars",
    "tf_svd_single_column": "tf.linalg.svd",
}


def test_every_tensorflow_recipe_is_listed_here():
    assert set(EXPECTED_CALLS) == {name for name, recipe in registry().items() if recipe.backend == "tensorflow"}


@pytest.mark.skipif(not installed("numpy"), reason="the recipes make their inputs with numpy")
@pytest.mark.parametrize("name", sorted(EXPECTED_CALLS))
def test_recipe_builds_and_calls_its_op(name):
    recipe = registry()[name]
    log: list = []
    call = recipe.build(backend.Ctx(FakeTF(log), seed=0), recipe.plan(None, {}, 1))
    built = len(log)
    outputs = call()
    called = [path for path, _ in log]
    assert EXPECTED_CALLS[name] in called
    assert len(log) > built  # the call itself runs TensorFlow ops
    assert all(hasattr(output, "shape") for output in outputs)
    if recipe.backward:
        assert "tf.GradientTape" in called and len(outputs) >= 2


@pytest.mark.skipif(not installed("numpy"), reason="the recipes make their inputs with numpy")
def test_recipes_pass_the_calls_arguments_through():
    def calls(name, op=None, **arguments):
        recipe, log = registry()[name], []
        recipe.build(backend.Ctx(FakeTF(log), seed=0), recipe.plan(op, arguments, 1))()
        return log

    resize = [kwargs for path, kwargs in calls("tf_resize_bilinear_backward", method="nearest") if "resize" in path]
    assert resize[-1]["method"] == "nearest"
    pool = [kwargs for path, kwargs in calls("tf_fractional_pool", seed=5) if path.endswith("fractional_max_pool")]
    assert pool[-1]["seed"] == 5
    raw = [path for path, _ in calls("tf_softmax_cross_entropy", "tf-raw-softmax-cross-entropy")]
    assert "tf.raw_ops.SoftmaxCrossEntropyWithLogits" in raw
    keras = [path for path, _ in calls("tf_sparse_softmax_cross_entropy", "tf-sparse-categorical-crossentropy-logits")]
    assert "tf.keras.losses.sparse_categorical_crossentropy" in keras
    xla = calls("tf_scatter_nd", "tf-xla-scatter")
    assert ("tf.function", {"jit_compile": True}) in xla

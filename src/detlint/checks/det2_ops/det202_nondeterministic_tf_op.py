from __future__ import annotations

from collections.abc import Iterable

from detlint.checks.base import ProjectRule
from detlint.finding import Finding, Severity
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import tf_determinism_on, unprotected_op_findings


class NondeterministicTfOp(ProjectRule):
    """
    ## What it does
    Reports calls of TensorFlow operations that are nondeterministic on GPU (segment reductions,
    scatter updates, sparse-dense matmul, `tf.image` resize gradients, bias-add and convolution
    backprop in older releases, ...) on the path of an entry point that never turns on op
    determinism (`tf.config.experimental.enable_op_determinism()`, or `TF_DETERMINISTIC_OPS=1`
    before 2.8). The verdict follows the project's TensorFlow version. A standalone Keras 3 layer
    (`import keras`) reached only by paths that set `KERAS_BACKEND` to `jax` or `torch` is not a
    TensorFlow op. A TensorFlow 1 session, which op determinism does not cover and which has no
    kernel of its own that is known to vary, is reported (low) only on paths that turn op
    determinism on and so rely on it. A random op without a seed of its own (`tf.random.normal`,
    `Dataset.shuffle`) is not reported on paths that call `tf.random.set_seed` before it: its op
    seed then comes from the global one (`repeats_once_seeded` in `rules/tf_ops.yaml`). A call made
    earlier in the path's source order counts, also one in a branch (`if args.seed: ...`) the run may
    not take: the seed is plainly meant to be set.

    ## Why is this bad?
    These kernels accumulate with atomics on the GPU, so their results (and gradients) change from
    run to run even with `tf.random.set_seed` fixed.

    ## Example
    ```python
    import tensorflow as tf

    def main():
        data, ids = tf.ones([4, 2]), tf.constant([0, 0, 1, 1])
        tf.math.unsorted_segment_sum(data, ids, num_segments=2)

    if __name__ == "__main__":
        main()
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    def main():
        tf.keras.utils.set_random_seed(0)
        tf.config.experimental.enable_op_determinism()
        data, ids = tf.ones([4, 2]), tf.constant([0, 0, 1, 1])
        tf.math.unsorted_segment_sum(data, ids, num_segments=2)

    if __name__ == "__main__":
        main()
    ```

    ## References
    - [TensorFlow: enable_op_determinism](https://www.tensorflow.org/api_docs/python/tf/config/experimental/enable_op_determinism)
    - [NVIDIA framework-reproducibility: TensorFlow status](https://github.com/NVIDIA/framework-reproducibility/blob/master/doc/d9m/tensorflow_status.md)
    """

    code = "DET202"
    name = "nondeterministic-tf-op"
    severity = Severity.WARNING

    VALID = (
        # The global seed, set first, seeds the unseeded draw.
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n"
        "    data = tf.io.read_file('train.csv')\n    noise = tf.random.normal([4])\n"
        "    tf.io.write_file('out.txt', data + tf.strings.as_string(noise)[0])\n",
        # Keras 3 on the PyTorch backend: its upsampling is not TensorFlow's kernel.
        "import os\n\nos.environ['KERAS_BACKEND'] = 'torch'\n\nimport keras\n\nif __name__ == '__main__':\n"
        "    model = keras.Sequential([keras.layers.UpSampling2D(), keras.layers.Flatten(), keras.layers.Dense(1)])\n"
        "    model.compile(loss='mse')\n    model.fit(x, y)\n    model.save('m.keras')\n",
        # Op determinism would make it deterministic: DET207 reports the path once and lists it.
        "import tensorflow as tf\n\nif __name__ == '__main__':\n"
        "    tf.math.unsorted_segment_sum(tf.ones([2]), tf.constant([0, 0]), num_segments=1)\n",
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.config.experimental.enable_op_determinism()\n"
        "    tf.math.unsorted_segment_sum(tf.ones([2]), tf.constant([0, 0]), num_segments=1)\n",
        "import os\nos.environ['TF_DETERMINISTIC_OPS'] = '1'\nimport tensorflow as tf\n"
        "tf.math.unsorted_segment_sum(tf.ones([2]), tf.constant([0, 0]), num_segments=1)\n",
        # A TF1 session on a path without op determinism: the missing mode is the finding (DET207).
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    with tf.compat.v1.Session() as sess:\n"
        "        sess.run(tf.compat.v1.global_variables_initializer())\n",
    )
    INVALID = (
        "import tensorflow as tf\n\nif __name__ == '__main__':\n"
        "    tf.math.bincount(tf.constant([1, 1, 2]))  # DET202\n",
        # An unseeded draw with no global seed: its seed comes from the operating system.
        "import tensorflow as tf\n\nif __name__ == '__main__':\n"
        "    data = tf.io.read_file('train.csv')\n    noise = tf.random.normal([4])  # DET202\n"
        "    tf.io.write_file('out.txt', data + tf.strings.as_string(noise)[0])\n",
        # Op determinism does not reach a TF1 session.
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.config.experimental.enable_op_determinism()\n"
        "    with tf.compat.v1.Session() as sess:  # DET202\n"
        "        sess.run(tf.compat.v1.global_variables_initializer())\n",
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        # DET207 reports every path that uses TensorFlow without op determinism, with the ops it fixes.
        return unprotected_op_findings(self, index, "tf_ops", tf_determinism_on, lambda state: True)

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from detlint.checks.base import ProjectRule
from detlint.facts.model import EventKind
from detlint.finding import Confidence, Finding, Severity, short_code
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import OpCatalogView, entry_finding, entry_states, listed_ops, tf_determinism_on
from detlint.versions import final_release

API_SINCE = Version("2.8")


class TfDeterminismMissing(ProjectRule):
    """
    ## What it does
    Reports a TensorFlow entry point (one whose path builds Keras layers, draws from TensorFlow's
    random ops or calls catalogued TensorFlow ops) that never enables op determinism:
    `tf.config.experimental.enable_op_determinism()` (TensorFlow 2.8+), `TF_DETERMINISTIC_OPS=1`
    (before 2.8) or `transformers.enable_full_determinism()`. The advice follows the project's
    TensorFlow version. Reported at medium confidence: whether the run uses a GPU is not visible in
    the code. Standalone Keras 3 (`import keras`) on a path that sets `KERAS_BACKEND` to `jax` or
    `torch` does not run on TensorFlow, and its layers do not count (`tf.keras` always does).

    ## Why is this bad?
    On GPU, TensorFlow uses nondeterministic kernels by default (atomic reductions, cuDNN autotuning),
    and `tf.data` may reorder elements; a seeded run still differs from the next one.

    ## Example
    ```python
    import numpy as np
    import tensorflow as tf

    if __name__ == "__main__":
        tf.keras.utils.set_random_seed(0)
        data = np.load("train.npz")
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.compile(loss="mse")
        model.fit(data["x"], data["y"])
    ```

    ## Use instead
    ```python
    import numpy as np
    import tensorflow as tf

    if __name__ == "__main__":
        tf.keras.utils.set_random_seed(0)
        tf.config.experimental.enable_op_determinism()
        data = np.load("train.npz")
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.compile(loss="mse")
        model.fit(data["x"], data["y"])
    ```

    ## References
    - [TensorFlow: enable_op_determinism](https://www.tensorflow.org/api_docs/python/tf/config/experimental/enable_op_determinism)
    """

    code = "DET207"
    name = "tf-determinism-missing"
    severity = Severity.WARNING
    confidence = Confidence.MEDIUM

    VALID = (
        # Keras 3 on the JAX backend runs no TensorFlow op.
        "import os\n\nos.environ['KERAS_BACKEND'] = 'jax'\n\nimport keras\n\nif __name__ == '__main__':\n"
        "    model = keras.Sequential([keras.layers.Conv2D(8, 3), keras.layers.Flatten(), keras.layers.Dense(1)])\n"
        "    model.compile(loss='mse')\n    model.fit(x, y)\n    model.save('m.keras')\n",
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.config.experimental.enable_op_determinism()\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "    model.compile(loss='mse')\n    model.fit(tf.ones((4, 2)), tf.ones((4, 1)))\n",
        "import tensorflow as tf\n\ndef build():\n    return tf.keras.layers.Dense(1)\n",
    )
    INVALID = (
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.keras.utils.set_random_seed(0)\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])  # DET207\n"
        "    model.compile(loss='mse')\n    model.fit(tf.ones((4, 2)), tf.ones((4, 1)))\n",
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        version, _ = index.framework_version("tensorflow")
        old = version is not None and final_release(version) < API_SINCE
        fix = (
            'Set `os.environ["TF_DETERMINISTIC_OPS"] = "1"` before importing TensorFlow'
            if old
            else "Call `tf.config.experimental.enable_op_determinism()` after seeding "
            "(`tf.keras.utils.set_random_seed`)"
        )
        version_note = (
            f" In TensorFlow {version}, `enable_op_determinism` does not exist yet (it arrived in 2.8)." if old else ""
        )
        view = OpCatalogView(index, "tf_ops")
        for state in entry_states(index):
            uses = [
                r
                for r in state.reached
                if (
                    (r.event.kind is EventKind.RNG and r.event.subject == "tensorflow")
                    or (r.event.kind is EventKind.OP and r.event.subject.startswith("tf_ops:"))
                )
                and state.runs_on_tensorflow(r.event)
            ]
            if not uses or tf_determinism_on(state):
                continue
            first = uses[0]
            ops, listed = listed_ops(view.fixed_by_mode(state))
            if not ops and not state.trains("tensorflow"):
                continue  # nothing op determinism is seen to fix, and no training: no kernel is known to vary
            if not index.keeps_results(state.entry):
                continue  # a demo, a benchmark or a self-check
            yield entry_finding(
                self,
                index,
                state,
                first,
                "tensorflow",
                "TensorFlow runs on this entry point's path without op determinism",
                detail=f"{state.entry.describe()} uses TensorFlow (`{short_code(first.event.site.anchor)}`) but "
                f"never enables op determinism, so GPU kernels and input pipelines may differ between runs."
                f"{version_note}" + (f" Turning it on {listed}." if listed else ""),
                help=fix,
                confidence=Confidence.weakest(first.confidence, self.confidence),
                related=ops,
            )

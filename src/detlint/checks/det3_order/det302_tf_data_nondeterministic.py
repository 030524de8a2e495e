from __future__ import annotations

from collections.abc import Iterable

from detlint.checks.base import ProjectRule
from detlint.facts.model import EventKind
from detlint.finding import Confidence, Finding, Severity, short_code
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import describe_entries, entry_locations, entry_states


class TfDataNondeterministic(ProjectRule):
    """
    ## What it does
    Checks tf.data pipelines: `map`/`interleave`/`batch(..., deterministic=False)`,
    `options.deterministic = False` (or `experimental_deterministic`), and `Dataset.shuffle` or
    `list_files` without an op `seed` on the path of an entry point that sets no global seed
    (`tf.random.set_seed`, `keras.utils.set_random_seed`). With a global seed, TensorFlow derives op
    seeds reproducibly, so an unseeded shuffle is then fine. Keras's dataset factories
    (`image_dataset_from_directory`, `text_dataset_from_directory`, `audio_dataset_from_directory`,
    which shuffle by default, and `timeseries_dataset_from_array(shuffle=True)`) draw a missing seed
    from NumPy instead: only a path that seeds NumPy (`keras.utils.set_random_seed` does,
    `tf.random.set_seed` does not) repeats their order.

    ## Why is this bad?
    `deterministic=False` lets parallel transformations emit elements in completion order, which
    changes with thread scheduling. A shuffle without any seed draws a fresh order every run.

    ## Example
    ```python
    import tensorflow as tf

    if __name__ == "__main__":
        data = tf.data.Dataset.range(100).shuffle(100)
        data = data.map(lambda x: x * 2, num_parallel_calls=4, deterministic=False)
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    if __name__ == "__main__":
        tf.random.set_seed(0)
        data = tf.data.Dataset.range(100).shuffle(100, seed=0)
        data = data.map(lambda x: x * 2, num_parallel_calls=4)
    ```

    ## References
    - [TensorFlow: tf.data.Dataset.map](https://www.tensorflow.org/api_docs/python/tf/data/Dataset#map)
    - [TensorFlow: tf.data.Options.deterministic](https://www.tensorflow.org/api_docs/python/tf/data/Options#deterministic)
    - [TensorFlow: tf.random.set_seed](https://www.tensorflow.org/api_docs/python/tf/random/set_seed)
    """

    code = "DET302"
    name = "tf-data-nondeterministic"
    severity = Severity.WARNING
    confidence = Confidence.HIGH

    VALID = (
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n"
        "    data = tf.data.Dataset.range(10).shuffle(10)\n",
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    data = tf.data.Dataset.range(10).shuffle(10, seed=1)\n",
        "import tensorflow as tf\ndata = tf.data.Dataset.list_files('*.png', shuffle=False)\n",
        "import keras\n\nif __name__ == '__main__':\n    keras.utils.set_random_seed(0)\n"
        "    train = keras.utils.image_dataset_from_directory('data/train', image_size=(64, 64))\n",
        "import keras\n\nif __name__ == '__main__':\n"
        "    windows = keras.utils.timeseries_dataset_from_array(series, None, sequence_length=24)\n",
        # Python's own shuffle in a file that uses TensorFlow is not a tf.data shuffle (DET101 judges it).
        "import random\nimport tensorflow as tf\n\npaths = ['a.png', 'b.png']\nrandom.seed(0)\nrandom.shuffle(paths)\n",
    )
    INVALID = (
        "import tensorflow as tf\n\nif __name__ == '__main__':\n"
        "    data = tf.data.Dataset.range(10).shuffle(10)  # DET302\n",
        "import tensorflow as tf\ndata = tf.data.Dataset.range(10).map(abs, deterministic=False)  # DET302\n",
        "import tensorflow as tf\noptions = tf.data.Options()\noptions.deterministic = False  # DET302\n",
        "import keras\nimport tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n"
        "    train = keras.utils.image_dataset_from_directory('data/train', image_size=(64, 64))  # DET302\n",
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        unseeded: dict[int, list] = {}
        for state in entry_states(index):
            seeded = {library for r in state.events(EventKind.SEED) for library in r.event.covers}
            for reached in state.events(EventKind.TF_DATA):
                if _drawn_from(reached.event) not in seeded:
                    unseeded.setdefault(id(reached.event), []).append(state)
        for _, event in index.events(EventKind.TF_DATA):
            site = event.site
            subject = f"`{short_code(site.anchor)}`"
            if event.detail == "unordered":
                message = f"{subject} lets tf.data emit elements in completion order"
                detail = "With `deterministic=False`, parallel transformations emit elements as they finish, in an "
                detail += "order that changes with thread scheduling."
                advice = "Leave `deterministic` at its default (True)"
                related = []
            elif id(event) in unseeded:
                states = unseeded[id(event)]
                message = f"{subject} shuffles without a seed, so the order differs every run"
                if _drawn_from(event) == "numpy":
                    detail = (
                        "Without `seed=` it draws its shuffle seed from NumPy's global state, which the path of "
                        f"{describe_entries(states)} does not seed (`tf.random.set_seed` does not reach it)."
                    )
                    advice = "Pass `seed=` or call `keras.utils.set_random_seed(SEED)` first"
                else:
                    detail = (
                        f"It has no op seed, and the path of {describe_entries(states)} sets no global seed from "
                        "which TensorFlow could derive one."
                    )
                    advice = "Pass `seed=` or call `tf.random.set_seed(SEED)` first"
                related = entry_locations(states)
            else:
                continue
            yield self.finding(
                site.path,
                site.span,
                message,
                detail=detail,
                help=advice,
                related=related,
                anchor=site.anchor,
                scope=site.scope,
                confidence=event.confidence,
                statement_lines=site.statement_lines,
            )


def _drawn_from(event) -> str:
    """The library whose global seed an unseeded shuffle derives its seed from: TensorFlow's, or
    NumPy's for Keras's dataset factories."""
    return dict(event.data).get("draws_from", "tensorflow")

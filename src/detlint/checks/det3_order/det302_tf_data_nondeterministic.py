from __future__ import annotations

from collections.abc import Iterable

from detlint.checks.base import ProjectRule
from detlint.facts.model import Event, EventKind
from detlint.finding import Confidence, Finding, Severity, short_code
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import EntryState, describe_entries, entry_locations, entry_states, tf_determinism_on


class TfDataNondeterministic(ProjectRule):
    """
    ## What it does
    Checks tf.data pipelines: `map`/`interleave`/`batch(..., deterministic=False)`,
    `options.deterministic = False` (or `experimental_deterministic`), and `Dataset.shuffle` or
    `list_files` without an op `seed` on the path of an entry point that sets no global seed
    (`tf.random.set_seed`, `keras.utils.set_random_seed`). With a global seed, TensorFlow derives op
    seeds reproducibly, so an unseeded shuffle is then fine. Op determinism
    (`tf.config.experimental.enable_op_determinism()`) overrides `deterministic=False`: a pipeline
    that only entry points enabling it reach is not reported. TensorFlow Datasets'
    `tfds.load(..., shuffle_files=True)` and `builder.as_dataset(..., shuffle_files=True)` without
    `read_config=tfds.ReadConfig(shuffle_seed=...)` read the shuffled files with
    `deterministic=False`; under op determinism they are judged as a shuffle against the global seed.

    Only entry points that train something count: a pipeline whose batches are only printed changes
    no model. Nor is a dataset reported that is only evaluated on, whole (passed as `validation_data=`
    or to `.evaluate(...)` without a step count): every element counts once, whatever the order. Keras's dataset factories
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
        # Op determinism overrides `deterministic=False`.
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.config.experimental.enable_op_determinism()\n"
        "    data = tf.data.Dataset.range(10).map(abs, num_parallel_calls=4, deterministic=False)\n",
        # TFDS: files read in order, or shuffled with a seed in the read config.
        "import tensorflow_datasets as tfds\n\nif __name__ == '__main__':\n    train = tfds.load('mnist', split='train')\n"
        "    test = tfds.load('mnist', split='test', shuffle_files=False)\n",
        "import tensorflow_datasets as tfds\n\nif __name__ == '__main__':\n"
        "    train = tfds.load('mnist', split='train', shuffle_files=True, read_config=tfds.ReadConfig(shuffle_seed=0))\n",
        "import tensorflow as tf\nimport tensorflow_datasets as tfds\n\nif __name__ == '__main__':\n"
        "    tf.keras.utils.set_random_seed(0)\n    tf.config.experimental.enable_op_determinism()\n"
        "    builder = tfds.builder('mnist')\n    train = builder.as_dataset(split='train', shuffle_files=True)\n",
        # Shuffled, but only printed, or only evaluated on: no model learns the order.
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    data = tf.data.Dataset.range(10).shuffle(10).batch(2)\n"
        "    for batch in data.take(1):\n        print(batch)\n",
        "import keras\n\nif __name__ == '__main__':\n    keras.utils.set_random_seed(0)\n"
        "    train = keras.utils.image_dataset_from_directory('train', image_size=(64, 64))\n"
        "    valid = keras.utils.image_dataset_from_directory('valid', image_size=(64, 64))\n"
        "    test = keras.utils.image_dataset_from_directory('test', image_size=(64, 64)).prefetch(2)\n"
        "    model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(2)])\n"
        "    model.fit(train, validation_data=valid)\n    print(model.evaluate(test))\n",
        # A seeded `random.Random` is not a tf.data dataset.
        "import random\nimport tensorflow as tf\n\nfiles = ['a', 'b']\nrandom.Random(1337).shuffle(files)\n",
        # Python's own shuffle in a file that uses TensorFlow is not a tf.data shuffle (DET101 judges it).
        "import random\nimport tensorflow as tf\n\npaths = ['a.png', 'b.png']\nrandom.seed(0)\nrandom.shuffle(paths)\n",
    )
    INVALID = (
        "import tensorflow as tf\n\nif __name__ == '__main__':\n"
        "    data = tf.data.Dataset.range(10).shuffle(10)  # DET302\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n    model.fit(data)\n",
        "import tensorflow as tf\ndata = tf.data.Dataset.range(10).map(abs, deterministic=False)  # DET302\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\nmodel.fit(data)\n",
        "import tensorflow as tf\noptions = tf.data.Options()\noptions.deterministic = False  # DET302\n"
        "data = tf.data.Dataset.range(4).with_options(options)\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\nmodel.fit(data)\n",
        # Library code no entry point reaches.
        "import tensorflow as tf\n\ndef options():\n    chosen = tf.data.Options()\n"
        "    chosen.deterministic = False  # DET302\n    return chosen\n",
        "import keras\nimport tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n"
        "    train = keras.utils.image_dataset_from_directory('data/train', image_size=(64, 64))  # DET302\n"
        "    model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(2)])\n    model.fit(train)\n",
        # The global seed does not order TFDS's unseeded file reads; under op determinism it seeds their shuffle.
        "import tensorflow as tf\nimport tensorflow_datasets as tfds\n\nif __name__ == '__main__':\n    tf.random.set_seed(0)\n"
        "    train = tfds.load('mnist', split='train', shuffle_files=True)  # DET302\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n    model.fit(train)\n",
        "import tensorflow as tf\nimport tensorflow_datasets as tfds\n\nif __name__ == '__main__':\n"
        "    tf.config.experimental.enable_op_determinism()\n    builder = tfds.builder('mnist')\n"
        "    train = builder.as_dataset(split='train', shuffle_files=True, read_config=tfds.ReadConfig())  # DET302\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n    model.fit(train)\n",
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        reaching: dict[int, list[EntryState]] = {}
        for state in entry_states(index):
            for reached in state.events(EventKind.TF_DATA):
                reaching.setdefault(id(reached.event), []).append(state)
        for _, event in index.events(EventKind.TF_DATA):
            states = reaching.get(id(event), [])
            if states and not any(state.learns for state in states):
                continue  # the pipeline feeds no training: a demo that prints batches, an evaluation
            states = [state for state in states if state.learns]
            text = _unordered(event, states) if event.detail == "unordered" else None
            if text is None:
                unseeded = [state for state in states if _drawn_from(event) not in _seeded(state)]
                if (event.detail == "unordered" and not _shuffles(event)) or not unseeded:
                    continue
                text = _unseeded(event, unseeded)
            message, detail, advice, related = text
            site = event.site
            yield self.finding(
                site.path,
                site.span,
                f"`{short_code(site.anchor)}` {message}",
                detail=detail,
                help=advice,
                related=related,
                anchor=site.anchor,
                scope=site.scope,
                confidence=event.confidence,
                statement_lines=site.statement_lines,
            )


def _unordered(event: Event, states: list[EntryState]) -> tuple | None:
    """The text of a finding about a pipeline that emits elements in completion order, or None where
    every entry point that reaches it enables op determinism, which overrides that to in order."""
    if states and all(tf_determinism_on(state) for state in states):
        return None
    if _shuffles(event):
        return (
            "reads shuffled files in completion order, so the order of examples differs every run",
            "With `shuffle_files=True` and no `ReadConfig(shuffle_seed=...)`, TensorFlow Datasets interleaves the "
            "files with `deterministic=False`: examples come out as reads finish, whatever the global seed.",
            "Pass `read_config=tfds.ReadConfig(shuffle_seed=SEED)`, or enable op determinism "
            "(`tf.config.experimental.enable_op_determinism()`)",
            [],
        )
    return (
        "lets tf.data emit elements in completion order",
        "With `deterministic=False`, parallel transformations emit elements as they finish, in an order that "
        "changes with thread scheduling.",
        "Leave `deterministic` at its default (True), or enable op determinism, which overrides it",
        [],
    )


def _unseeded(event: Event, states: list[EntryState]) -> tuple:
    """The text of a finding about a shuffle without a seed on paths that seed nothing it draws from."""
    message = "shuffles without a seed, so the order differs every run"
    if _drawn_from(event) == "numpy":
        detail = (
            "Without `seed=` it draws its shuffle seed from NumPy's global state, which the path of "
            f"{describe_entries(states)} does not seed (`tf.random.set_seed` does not reach it)."
        )
        return message, detail, "Pass `seed=` or call `keras.utils.set_random_seed(SEED)` first", entry_locations(states)
    detail = (
        f"It has no op seed, and the path of {describe_entries(states)} sets no global seed from which TensorFlow "
        "could derive one."
    )
    return message, detail, "Pass `seed=` or call `tf.random.set_seed(SEED)` first", entry_locations(states)


def _seeded(state: EntryState) -> set[str]:
    return {library for reached in state.events(EventKind.SEED) for library in reached.event.covers}


def _shuffles(event: Event) -> bool:
    """A TFDS read with `shuffle_files=True` and no seed: in completion order, and shuffled."""
    return bool(dict(event.data).get("shuffles"))


def _drawn_from(event) -> str:
    """The library whose global seed an unseeded shuffle derives its seed from: TensorFlow's, or
    NumPy's for Keras's dataset factories."""
    return dict(event.data).get("draws_from", "tensorflow")

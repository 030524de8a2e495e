"""The per-file facts the project pass reads: a file's scopes and the events in them, in source order.
Picklable, so they travel from worker processes and the cache; built by `facts.collector`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from detlint.finding import Confidence, Span

MODULE_SCOPE = ""


class EventKind(str, Enum):
    SEED = "seed"  # subject: the seeding call; covers: the libraries it seeds; data: the seed's source
    RNG = "rng"  # subject: the library whose global generator is drawn from
    OP = "op"  # subject: "<op catalog>:<entry id>"; data: the literal arguments that matched
    CUDA = "cuda"  # subject: "torch"; detail: "starts" (CUDA work), "requests" (a device) or "queries"
    MODE = "mode"  # subject: the framework; detail: the deterministic-mode level (off/warn/error)
    ENV = "env"  # subject: an environment variable set in-process; detail: its literal value
    LOADER = "loader"  # subject: "torch"; a loader with worker processes; data: generator/worker_init_fn given
    OWN_GENERATOR = "own-generator"  # subject: class; a generator a dataset keeps and draws from per item
    TF_DATA = "tf-data"  # detail: "unordered" (deterministic=False) or "unseeded-shuffle"
    DATA = "data"  # subject: the `data_sources` entry of a call that reads the run's data; data: "model" when
    # it brings a model whose layers are not seen (`from_pretrained`), "reads_nothing" when that model is
    # built without stored weights (`resnet18()`: randomly initialised), "loads_weights" when the call puts
    # stored weights into a model (`load_state_dict`, `from_pretrained`)
    TRAIN = "train"  # subject: the training call's catalog id (`loss.backward()`); detail: the framework trained
    PARAM = "param"  # subject: a parameter of the scope; detail: "call", "iterate" or a method called on it
    CALL = "call"  # subject: qualified name of what is called (maybe a project function); data: the
    # seed's source when the callee's name says it seeds (`set_seed(args.seed)`)
    IMPORT = "import"  # subject: module imported (maybe a project module)
    NO_GRAD = "no-grad"  # subject: what turns gradients off (`torch.no_grad`) for a block or a function


# Links between scopes, not things that happen. A CALL's data may hold "args": the instances it passes,
# as (position or keyword, qualified class, held class, in workers, loader number) tuples, which a
# PARAM event of the callee resolves against.
STRUCTURAL = frozenset({EventKind.CALL, EventKind.IMPORT, EventKind.PARAM})
# In a CALL's subject: separates the qualified names a star-imported name may stand for (`a.X|b.X`).
ALTERNATIVES = "|"
# In a CALL's passed instances, a class name that starts with this is the caller's own parameter passed
# on (`step(model)` inside `train(model)`): it holds what the caller's call site passed.
FORWARDED = "@"
# In an OP event's data: the call's arguments make it repeatable (`repeatable_when` in the op catalog).
REPEATABLE = "repeatable"
# In an OP event's data: a call into standalone Keras (`keras.layers.Conv2D`), which runs on whichever
# backend `KERAS_BACKEND` names; `tf.keras` always runs on TensorFlow.
KERAS_OP = "keras"


@dataclass(frozen=True)
class Site:
    """A place in a file, with what a finding there needs."""

    path: str
    span: Span
    statement_lines: tuple[int, int]
    anchor: str  # the source text, whitespace-normalised, for fingerprints and messages
    scope: str
    indent: str = ""  # the indentation of the statement, for fixes that insert a line before it


@dataclass(frozen=True)
class Event:
    kind: EventKind
    subject: str
    site: Site
    confidence: Confidence = Confidence.HIGH
    detail: str = ""  # what it does, in words, for messages
    covers: tuple[str, ...] = ()
    deferred: bool = False  # RNG: draws only when used later (a shuffling DataLoader, a dropout layer)
    data: tuple[tuple[str, object], ...] = ()  # OP: literal arguments (JSON scalars); SEED, CALL: "seed"
    guarded: bool = False  # inside `if __name__ == "__main__":`: runs only when the module is the entry
    no_grad: bool = False  # under `torch.no_grad()` (or in a function decorated so): no backward pass runs
    in_worker: bool = False  # a call a DataLoader makes in its worker processes (num_workers > 0)
    # A call a DataLoader makes to build a batch (its dataset's hooks, `collate_fn`): it makes data, so
    # no gradient flows back into it, yet it says nothing of whether the run evaluates or trains.
    makes_batches: bool = False
    option: str = ""  # OP: matched only when this command-line option is given (`args.compile_mode`)


@dataclass(frozen=True)
class ScopeFacts:
    name: str  # "" for module level, else "func" or "Class.method"
    events: tuple[Event, ...]
    parameters: tuple[str, ...] = ()  # in order, without a method's `self`/`cls`
    # `__init__` only: (attribute, parameter) for each `self.<attribute> = <parameter>` it makes
    attributes_from_parameters: tuple[tuple[str, str], ...] = ()
    # The project's decorators on a function, by qualified name (`@smart_inference_mode()`), which the
    # project pass resolves; and whether the scope (or one nested in it) turns gradients off, which
    # makes it a decorator factory that runs what it decorates without gradients.
    decorators: tuple[str, ...] = ()
    turns_gradients_off: bool = False


# Test files, and the modules a test directory keeps for them (`tests/_inputs.py`): none is a run.
_TEST_FILE = re.compile(r"(?:^|/)(?:(?:test_[^/]*|[^/]*_test|conftest)\.py$|tests?/)")


def is_test_path(path: str) -> bool:
    """A pytest or unittest file by its name (`test_x.py`, `x_test.py`, `conftest.py`), or a module in a
    `test/` or `tests/` directory."""
    return bool(_TEST_FILE.search(path))


_REST_TITLE = re.compile(r"\A\s*[^\n]+\n\s*=+\s*\n")


def is_illustration(docstring: str | None) -> bool:
    """A module whose docstring opens with a reStructuredText title (`Title` over a line of `=`): the
    form sphinx-gallery requires of a documentation example, which shows an API on made-up data."""
    return bool(docstring and _REST_TITLE.match(docstring))


def is_tooling_path(path: str) -> bool:
    """A file in a hidden directory of the repository (`.github/`, `.circleci/`, `.dev_scripts/`): its CI
    and maintenance scripts, which report, release and check, and which no training run executes."""
    return any(part.startswith(".") and part not in (".", "..") for part in path.split("/")[:-1])


_SIDE_SCRIPT_WORDS = frozenset({"bench", "benchmark", "benchmarks", "demo", "demos", "export", "exports"})


def is_side_script_path(path: str) -> bool:
    """A script named for benchmarking, a demo or an export (`bench.py`, `4-benchmark_speed.py`,
    `demo.py`, `onnx_export.py`): it times code, shows it or converts a model, and no training result
    it computes is kept. (A figure is a result: a t-SNE plot differs between unseeded runs.)"""
    words = re.split(r"[^a-z]+", path.rpartition("/")[2].lower().removesuffix(".py"))
    return any(word in _SIDE_SCRIPT_WORDS for word in words)


# Rule families whose findings are about what a run computes (seeding, ops and switches); order rules
# judge test code themselves, and dependency rules are about the environment.
RUN_FAMILIES = ("DET1", "DET2")


def is_run_hazard_outside_runs(code: str, path: str, *, project: bool = False) -> bool:
    """A seeding or op finding in a test, a repository's tooling or a side script (a benchmark, a demo, an
    export): nothing the file computes is a result anyone keeps, so it is not reported. A project rule's
    finding is judged by the runs that reach it, so only its test and tooling files count
    (`pkg/export.py` may be reached from train.py)."""
    outside = is_test_path(path) or is_tooling_path(path) or (not project and is_side_script_path(path))
    return code.startswith(RUN_FAMILIES) and outside


@dataclass(frozen=True)
class FileFacts:
    path: str
    module: str  # dotted module name, e.g. `pkg.train`
    imports: frozenset[str]  # every module or name imported, fully qualified
    bindings: dict[str, str]  # module-level names bound by import -> qualified name (re-exports)
    scopes: dict[str, ScopeFacts]
    classes: dict[str, tuple[str, ...]]  # class name (dotted inside the module) -> base qualnames
    has_main_guard: bool
    main_guard: Site | None
    runs_work: bool  # calls at module level beyond imports and definitions
    is_test: bool = False
    is_notebook: bool = False
    star_imports: tuple[str, ...] = ()  # modules imported with `from m import *`, absolute
    # A documentation gallery's example (sphinx-gallery): its docstring opens with a reST title.
    is_illustration: bool = False

"""The probe's backends: one module per framework, each imported only by the worker process (and by
the recipe registry, which imports no framework).

A backend module has `start(mode, options) -> dict`, called once when its worker starts (it imports
the framework: `{"environment": {...}}`, or `{"skipped": reason}` when it cannot), and
`execute(request) -> dict`, which runs one recipe in the modes asked for. `isolate_modes` backends
cannot leave their deterministic mode once it is on (TensorFlow): each mode gets a worker of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backend:
    name: str
    package: str  # the import name of the framework
    extra: str  # detlint's optional dependency that installs it: `pip install "detlint[EXTRA]"`
    isolate_modes: bool = False
    environment: dict[str, str] = field(default_factory=dict)  # set in the worker's environment


BACKENDS = {
    "torch": Backend("torch", "torch", "torch"),
    "tensorflow": Backend("tensorflow", "tensorflow", "tensorflow", isolate_modes=True,
                          environment={"TF_CPP_MIN_LOG_LEVEL": "2"}),  # fmt: skip
    "xgboost": Backend("xgboost", "xgboost", "xgboost"),
}

# The catalogs' `framework` (coverage package) -> backend.
FRAMEWORK_BACKENDS = {"torch": "torch", "tensorflow": "tensorflow", "xgboost": "xgboost"}

MODES = ("default", "deterministic")

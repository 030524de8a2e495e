"""Lookups over the `call_paths` catalog: what calling an instance runs, which methods hand the same
object back, which calls make a path train, and which read the run's data."""

from __future__ import annotations

import fnmatch

from dataclasses import dataclass
from typing import TYPE_CHECKING

from detlint.catalogs.entries import Entry

if TYPE_CHECKING:
    from detlint.catalogs.loader import Catalog

CATALOG = "call_paths"


ITERATION = "iteration"


@dataclass(frozen=True)
class Hook:
    """A framework object that calls back into an object it is handed (see `hooks` in the catalog)."""

    id: str
    holds: tuple[str, int | None] | None  # the constructor argument it keeps: (keyword, position)
    runs_on: frozenset[str]  # `ITERATION`, or its methods that run the hooks
    given: tuple[str, int | None] | None  # the argument of that method call whose hooks run
    methods: tuple[str, ...]


def _argument(raw) -> tuple[str, int | None] | None:
    return (raw["keyword"], raw.get("position")) if raw else None


@dataclass(frozen=True)
class TrainingCall:
    id: str
    frameworks: frozenset[str]
    receivers: tuple[str, ...]  # prefixes of the receiver's constructor; empty: any receiver
    trains: str  # the framework whose backward passes it runs (an op catalog's package)


class CallPathIndex:
    def __init__(self, catalog: Catalog) -> None:
        self.instance_calls: tuple[Entry, ...] = catalog.entries(CATALOG, "instance_calls")
        self.returning_self: frozenset[str] = frozenset(
            method for entry in catalog.entries(CATALOG, "returning_self") for method in entry["methods"]
        )
        self.containers: frozenset[str] = frozenset(
            builder for entry in catalog.entries(CATALOG, "containers") for builder in entry["builders"]
        )
        self._wrapping_callables: dict[str, tuple[str, int | None]] = {}
        self._wrapping_methods: dict[str, tuple[str, ...]] = {}  # method -> its receivers' constructors
        for entry in catalog.entries(CATALOG, "wrappers"):
            for callable_ in entry.get("callables", ()):
                self._wrapping_callables[callable_] = _argument(entry["wraps"])  # type: ignore[assignment]
            for method in entry.get("methods", ()):
                self._wrapping_methods[method] = tuple(entry["receivers"])
        self._training_methods: dict[str, list[TrainingCall]] = {}
        self._training_callables: dict[str, TrainingCall] = {}
        # Training calls that change the model (an optimizer step, a fit loop), by catalog id.
        self.weight_updates: frozenset[str] = frozenset(
            entry.id for entry in catalog.entries(CATALOG, "training") if entry.get("updates_weights", True)
        )
        for entry in catalog.entries(CATALOG, "training"):
            call = TrainingCall(
                entry.id, frozenset(entry["frameworks"]), tuple(entry.get("receivers", ())), entry["trains"]
            )
            for method in entry.get("methods", ()):
                self._training_methods.setdefault(method, []).append(call)
            for callable_ in entry.get("callables", ()):
                self._training_callables[callable_] = call

        self._self_hooks: tuple[Entry, ...] = catalog.entries(CATALOG, "self_hooks")
        self._hooks: dict[str, Hook] = {}
        for entry in catalog.entries(CATALOG, "hooks"):
            hook = Hook(
                entry.id, _argument(entry.get("holds")), frozenset(entry["runs_on"]), _argument(entry.get("given")),
                tuple(entry["methods"]),
            )  # fmt: skip
            self._hooks.update(dict.fromkeys(entry["builders"], hook))
        self.batch_callbacks = frozenset(
            keyword for entry in catalog.entries(CATALOG, "hooks") for keyword in entry.get("batch_callbacks", ())
        )
        sources = catalog.entries(CATALOG, "data_sources")
        self._data_callables = {callable_: entry for entry in sources for callable_ in entry.get("callables", ())}
        self._data_prefixes = tuple((prefix, entry) for entry in sources for prefix in entry.get("prefixes", ()))
        self._data_suffixes = tuple((suffix, entry) for entry in sources for suffix in entry.get("suffixes", ()))
        self._data_methods = {method: entry for entry in sources for method in entry.get("methods", ())}
        self._forward_only: dict[str, bool] = {
            callable_: bool(entry.get("when_argument_false"))
            for entry in catalog.entries(CATALOG, "forward_only")
            for callable_ in entry["callables"]
        }

    def forward_only(self, qualname: str) -> bool | None:
        """Whether a context manager or decorator turns gradients off: None when it is not one of
        them, True always (`torch.no_grad()`), False when only a False argument does (`set_grad_enabled`)."""
        if qualname not in self._forward_only:
            return None
        return not self._forward_only[qualname]

    def data_source(self, qualname: str) -> Entry | None:
        """The `data_sources` entry a call reads the run's data through (`torchvision.datasets.MNIST`), or None."""
        found = self._data_callables.get(qualname)
        found = found or next((entry for prefix, entry in self._data_prefixes if qualname.startswith(prefix)), None)
        found = found or next((entry for suffix, entry in self._data_suffixes if qualname.endswith(suffix)), None)
        if found is not None and any(fnmatch.fnmatchcase(qualname, pattern) for pattern in found.get("except", ())):
            return None
        return found

    def data_source_method(self, name: str) -> Entry | None:
        """The `data_sources` entry of a method called on any receiver (`model.load_state_dict(...)`), or None."""
        return self._data_methods.get(name)

    def wrapped_argument(self, qualname: str) -> tuple[str, int | None] | None:
        """The argument a wrapping callable hands back or runs when called (`torch.compile(model)`)."""
        return self._wrapping_callables.get(qualname)

    def returns_arguments(self, method: str, receiver: str) -> bool:
        """Whether `receiver_instance.method(a, b)` returns `a, b` (`accelerator.prepare(model, loader)`);
        `receiver` is the qualified constructor of the object the method is called on."""
        receivers = self._wrapping_methods.get(method)
        return receivers is not None and receiver in receivers

    def hook_methods(self, runs_on: str) -> tuple[str, ...]:
        """The methods framework objects call back on what they hold when they run `runs_on`
        (`ITERATION`: a dataset's `__getitem__`, `__getitems__`, `__iter__`)."""
        return tuple(dict.fromkeys(m for hook in self._hooks.values() if runs_on in hook.runs_on for m in hook.methods))

    def hook(self, builder: str) -> Hook | None:
        """The hooks of a framework object built by `builder` (a qualified constructor name)."""
        return self._hooks.get(builder)

    def called_methods(self, imported: frozenset[str] | None) -> tuple[str, ...]:
        """The methods `instance(x)` may run in a file importing these top-level packages (`forward`
        for PyTorch, `call` for Keras); every framework's when None (the class is not known yet)."""
        return tuple(
            entry["method"]
            for entry in self.instance_calls
            if imported is None or imported & set(entry["frameworks"])
        )

    def self_hooks(self, method: str, imported: frozenset[str]) -> tuple[str, ...]:
        """The instance's own methods a framework method runs (`fit` of a Keras model: `train_step`, `call`)."""
        return tuple(
            run
            for entry in self._self_hooks
            if method in entry["methods_called"] and imported & set(entry["frameworks"])
            for run in entry["runs"]
        )

    def training_callable(self, qualname: str) -> TrainingCall | None:
        return self._training_callables.get(qualname)

    def training_method(self, method: str, receiver: str | None, imported: frozenset[str]) -> TrainingCall | None:
        """A method call that trains: `loss.backward()`, `optimizer.step()` on a `torch.optim` object,
        `trainer.fit(model)` on a Lightning Trainer; `receiver` is the qualified constructor of the
        object when known. `imported`: the top-level packages the file imports."""
        for call in self._training_methods.get(method, ()):
            if not call.frameworks & imported:
                continue
            if not call.receivers or (receiver is not None and receiver.startswith(call.receivers)):
                return call
        return None

"""Name-based reachability over the project's own code.

A call's qualified name (`utils.seed.set_seed`, `pkg.model.Net`, `pkg.train.Trainer.fit`) is matched
to a scope of a project file: the longest module prefix names the file, the rest a function, a method,
or a class (whose `__init__` runs). Names re-exported by a package's imports are followed, and a
script's sibling modules are found the way Python finds them when the script runs (`python
scripts/train.py` imports `scripts/utils.py` as `utils`).

From an entry point, `reach` walks the events in execution order, entering each called project
function and each imported project module the first time it is reached, and returns the seeding and
RNG events it meets, each with the chain of sites that leads to it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from detlint.catalogs.call_paths import ITERATION
from detlint.catalogs.loader import load_catalog
from detlint.facts.model import ALTERNATIVES, FORWARDED, MODULE_SCOPE, STRUCTURAL, Event, EventKind, FileFacts, Site
from detlint.finding import Confidence

_MAX_REEXPORT_HOPS = 5
_MAX_BASE_DEPTH = 5

Scope = tuple[str, str]  # (file path, scope name)
# A function's parameters bound on one path: name -> (qualified class, held class, in workers, loader
# number, the caller's facts).
Bindings = dict[str, tuple]
# The DataLoader whose worker processes run a call: the file that builds it and its number there.
Workers = tuple[str, int] | None
# An event and where it leads: project scopes for a call, a project module for an import, or
# neither for a leaf event (seeding, RNG use, op, ...).
Step = tuple[Event, "tuple[Scope, ...] | None", "FileFacts | None"]


def _bound(parameters: tuple[str, ...], passed, caller: FileFacts | None, forwarded: Bindings) -> Bindings:
    """Parameter name -> the instance a call passed for it, by position or keyword; a caller's own
    parameter passed on holds what it holds in the caller (`forwarded`, the caller's bindings)."""
    bindings: Bindings = {}
    for slot, *instance in passed:
        name = parameters[slot] if isinstance(slot, int) and slot < len(parameters) else slot
        if not isinstance(name, str):
            continue
        if instance[0].startswith(FORWARDED):
            if instance[0][len(FORWARDED) :] in forwarded:
                bindings[name] = forwarded[instance[0][len(FORWARDED) :]]
        else:
            bindings[name] = (*instance, caller)
    return bindings


def _classes_bound(bindings: Bindings) -> tuple:
    """What a function's entry depends on of its bindings: each parameter's class, held class and, for a
    loader with worker processes, which loader it is (each one's workers run what its dataset draws)."""
    return tuple(sorted((name, bound[0], bound[1], _workers_of(bound)) for name, bound in bindings.items()))


def _workers_of(bound: tuple) -> Workers:
    """The loader whose worker processes a bound loader's iteration starts."""
    _, _, in_workers, loader, owner = bound
    return (owner.path, loader) if in_workers and owner is not None else None


def _loader_of(event: Event) -> Workers:
    """The loader whose worker processes a call runs in (a dataset's method called by its iteration)."""
    if not event.in_worker:
        return None
    return event.site.path, dict(event.data).get("loader", -1)


def _member(owner: str, name: str) -> str:
    """`owner.name` for each alternative of `owner`."""
    return ALTERNATIVES.join(f"{alternative}.{name}" for alternative in owner.split(ALTERNATIVES))


@dataclass(frozen=True)
class Reached:
    event: Event
    chain: tuple[Site, ...]  # from the entry's own statement down to the event's site
    confidence: Confidence  # the least certain link on the way
    no_grad: bool = False  # a call on the way runs under `torch.no_grad()`: no backward pass
    in_worker: bool = False  # some call on the way runs in a DataLoader's worker processes
    loader: Workers = None  # that DataLoader
    makes_batches: bool = False  # a call on the way builds a DataLoader's batch: no gradient flows back

    @property
    def without_backward(self) -> bool:
        """No backward pass runs through the event: it is under no_grad or makes a batch."""
        return self.no_grad or self.makes_batches


@dataclass(frozen=True)
class _Context:
    """What the calls of a frame run under: no_grad, building a loader's batch, a loader's workers."""

    no_grad: bool = False
    makes_batches: bool = False
    loader: Workers = None

    def entering(self, event: Event, loader: Workers) -> _Context:
        """The context of what `event` calls."""
        return _Context(
            self.no_grad or event.no_grad, self.makes_batches or event.makes_batches, self.loader or loader
        )

    def entering_loader(self, makes_batches: bool, loader: Workers) -> _Context:
        return replace(self, makes_batches=self.makes_batches or makes_batches, loader=self.loader or loader)

    def decorated(self, without_gradients: bool) -> _Context:
        return replace(self, no_grad=True) if without_gradients else self

    def reached(self, event: Event, chain: tuple[Site, ...], confidence: Confidence) -> Reached:
        return Reached(event, chain, confidence, self.no_grad, self.loader is not None, self.loader, self.makes_batches)


class CallGraph:
    def __init__(self, files: Mapping[str, FileFacts]) -> None:
        self.files = files
        self.modules: dict[str, FileFacts] = {facts.module: facts for facts in files.values()}
        # Every entry point resolves the same calls again: remember the answers.
        self._resolved: dict[tuple[str, str], list[Scope]] = {}
        self._module_of: dict[tuple[str, str], FileFacts | None] = {}
        self._step_cache: dict[tuple[str, str, bool], list[Step]] = {}

    # -- resolution -------------------------------------------------------------------------------
    def project_module(self, name: str, importer: FileFacts | None = None) -> FileFacts | None:
        key = (name, importer.module if importer else "")
        if key not in self._module_of:
            found = (self.modules[c] for c in self._candidates(name, importer) if c in self.modules)
            self._module_of[key] = next(found, None)
        return self._module_of[key]

    def resolve(self, qualname: str, importer: FileFacts | None = None) -> list[Scope]:
        """The scopes a qualified name runs; `a.X|b.X` (a name several star imports may bind) is the
        first alternative the project defines."""
        if ALTERNATIVES in qualname:
            return next(
                (found for name in qualname.split(ALTERNATIVES) if (found := self.resolve(name, importer))), []
            )
        key = (qualname, importer.module if importer else "")
        if key not in self._resolved:
            self._resolved[key] = next(
                (scopes for c in self._candidates(qualname, importer) if (scopes := self._resolve_absolute(c, _MAX_REEXPORT_HOPS))),
                [],
            )
        return self._resolved[key]

    def _candidates(self, name: str, importer: FileFacts | None) -> Iterator[str]:
        yield name
        if importer is not None and "." in importer.module:
            yield f"{importer.module.rpartition('.')[0]}.{name}"  # a sibling of a script

    def _resolve_absolute(self, qualname: str, hops: int) -> list[Scope]:
        parts = qualname.split(".")
        for split in range(len(parts) - 1, 0, -1):
            facts = self.modules.get(".".join(parts[:split]))
            if facts is None:
                continue
            rest = ".".join(parts[split:])
            if rest in facts.scopes:
                return [(facts.path, rest)]
            if rest in facts.classes:
                return self._method(facts, rest, "__init__", _MAX_BASE_DEPTH)
            owner, _, method = rest.rpartition(".")
            if owner in facts.classes and method:
                return self._method(facts, owner, method, _MAX_BASE_DEPTH)  # inherited from a project base
            head, _, tail = rest.partition(".")
            if hops and head in facts.bindings:  # re-exported: `from .utils import set_seed`
                target = facts.bindings[head] + (f".{tail}" if tail else "")
                return self._resolve_absolute(target, hops - 1)
            for star in facts.star_imports if hops else ():  # re-exported: `from .dla import *`
                found = self._resolve_absolute(f"{star}.{rest}", hops - 1)
                if found:
                    return found
            return []
        return []

    def _method(self, facts: FileFacts, class_name: str, method: str, depth: int) -> list[Scope]:
        """The method a class runs by that name: its own, or the nearest project base's (`__init__`
        for a construction, `forward` for a call of a module)."""
        own = f"{class_name}.{method}"
        if own in facts.scopes:
            return [(facts.path, own)]
        if not depth:
            return []
        for base in facts.classes.get(class_name, ()):
            if base in facts.classes:
                found = self._method(facts, base, method, depth - 1)
            else:
                found = [scope for scope in self.resolve(f"{base}.{method}", facts) if scope[1].endswith(f".{method}")]
            if found:
                return found
        return []

    def imported_modules(self) -> set[str]:
        """Project modules that some other project module imports."""
        imported = set()
        for facts in self.files.values():
            for scope in facts.scopes.values():
                for event in scope.events:
                    if event.kind is EventKind.IMPORT:
                        target = self.project_module(event.subject, facts)
                        if target is not None and target.path != facts.path:
                            imported.add(target.module)
        return imported

    # -- values passed as arguments ------------------------------------------------------------------
    def _bind(self, call: Event, scope: Scope, caller_bindings: Bindings) -> Bindings:
        """The parameters of the entered function bound to the instances its call site passed (its own
        parameters passed on resolve through `caller_bindings`); for a method of an object whose
        construction was passed instances, also `self.<attribute>` for each attribute its `__init__`
        keeps from a parameter."""
        if call.kind is not EventKind.CALL:
            return {}
        data = dict(call.data)
        facts = self.files[scope[0]]
        caller = self.files.get(call.site.path)  # names in the instances resolve as the caller wrote them
        bindings = _bound(facts.scopes[scope[1]].parameters, data.get("args", ()), caller, caller_bindings)
        init = facts.scopes.get(f"{scope[1].rpartition('.')[0]}.__init__") if "." in scope[1] else None
        if init is not None and data.get("self_args"):
            by_parameter = _bound(init.parameters, data["self_args"], caller, caller_bindings)
            for attribute, parameter in init.attributes_from_parameters:
                if parameter in by_parameter:
                    bindings[f"self.{attribute}"] = by_parameter[parameter]
        return bindings

    def _through_parameter(
        self, event: Event, bindings: Bindings
    ) -> tuple[tuple[Scope, ...] | None, Workers]:
        """Where a PARAM event leads on this path: `model(x)` to the bound class's `forward`, `for batch
        in loader` to the bound loader's dataset (in its workers when it has them); nothing when the
        call site passed no known instance. Also the loader whose workers run the code it leads to."""
        bound = bindings.get(event.subject)
        if bound is None:
            return (), None
        qualified, held, _, _, owner = bound
        if event.detail == ITERATION:
            hook = load_catalog().call_paths.hook(qualified)
            if hook is None or not held:
                return (), None
            scopes = [scope for method in hook.methods for scope in self.resolve(_member(held, method), owner)]
            return tuple(scopes), _workers_of(bound)
        methods = event.detail.split(",")  # `forward`, or a method and what it runs (`fit,train_step`)
        return tuple(scope for method in methods for scope in self.resolve(_member(qualified, method), owner)), None

    def _decorated_without_gradients(self, scope: Scope) -> bool:
        """A function whose project decorator runs it without gradients (`@smart_inference_mode()`,
        defined as `(torch.inference_mode if new else torch.no_grad)()(fn)`)."""
        owner = self.files[scope[0]]
        decorators = owner.scopes[scope[1]].decorators
        return any(
            self.files[path].scopes[name].turns_gradients_off
            for decorator in decorators
            for path, name in self.resolve(decorator, owner)
            if name in self.files[path].scopes
        )

    # -- reachability -----------------------------------------------------------------------------
    def _steps(self, path: str, scope: str, on_import: bool) -> list[Step]:
        """A scope's events with their links resolved once for all entry points: a leaf event, or the
        project scopes (a call) or module (an import) it leads to; links to nothing are dropped."""
        key = (path, scope, on_import)
        if key not in self._step_cache:
            owner = self.files[path]
            steps: list[Step] = []
            for event in owner.scopes[scope].events:
                if on_import and event.guarded:
                    continue  # imported, a module's `if __name__ == "__main__":` block does not run
                if event.kind not in STRUCTURAL:
                    steps.append((event, None, None))
                elif event.kind is EventKind.CALL:
                    targets = self.resolve(event.subject, owner)
                    if targets:
                        steps.append((event, tuple(targets), None))
                elif event.kind is EventKind.PARAM:
                    steps.append((event, (), None))  # resolved on each path, by what the call site passed
                else:
                    module = self.project_module(event.subject, owner)
                    if module is not None and module.path != path:
                        steps.append((event, None, module))
            self._step_cache[key] = steps
        return self._step_cache[key]

    def reach(self, facts: FileFacts, start: str | None = None) -> list[Reached]:
        """The events an entry point meets (seeding, RNG use, ops, CUDA, modes, environment, and each
        call that enters a DataLoader's worker processes), in execution order: the module's top level
        (as imported when `start` is given), then `start` (a function of that module) if given."""
        reached: list[Reached] = []
        plain = _Context()
        entered_in: set[tuple[Scope, _Context, tuple]] = set()
        imported: set[str] = {facts.module}
        # Each frame: the steps still to run, the chain that led here, the weakest link so far, the
        # context its calls run in, and the instances bound to its parameters.
        stack: list[tuple[Iterator[Step], tuple[Site, ...], Confidence, _Context, Bindings]] = []
        if start is not None and start in facts.scopes:
            entered_in.add(((facts.path, start), plain, ()))
            stack.append((iter(self._steps(facts.path, start, False)), (), Confidence.HIGH, plain, {}))
        # Started at a function (a console script), the module is imported: its main guard does not run.
        stack.append((iter(self._steps(facts.path, MODULE_SCOPE, start is not None)), (), Confidence.HIGH, plain, {}))
        while stack:
            steps, chain, confidence, context, bindings = stack[-1]
            step = next(steps, None)
            if step is None:
                stack.pop()
                continue
            event, targets, module = step
            link = Confidence.weakest(confidence, event.confidence)
            below = context.entering(event, _loader_of(event))
            if event.kind is EventKind.PARAM:
                targets, in_worker_now = self._through_parameter(event, bindings)
                # What a loader runs to make a batch (its dataset's `__getitem__`) makes data: no
                # gradient flows back into it, so its ops' backward passes never run.
                below = below.entering_loader(event.detail == ITERATION, in_worker_now)
            if targets is None and module is None:
                reached.append(below.reached(event, (*chain, event.site), link))
            elif targets is not None:
                if targets and below.loader is not None and context.loader is None:
                    # the step into a loader's worker processes: what their seeds can change starts here
                    reached.append(below.reached(event, (*chain, event.site), link))
                for scope in targets:
                    # A function runs once per context: with gradients and without, in the main process
                    # and in a loader's workers (what it draws and which ops count differ), and with each
                    # set of instances passed to it (`train(model_a)`, then `train(model_b)`).
                    inside = below.decorated(self._decorated_without_gradients(scope))
                    passed = self._bind(event, scope, bindings)
                    key = (scope, inside, _classes_bound(passed))
                    if key not in entered_in:
                        entered_in.add(key)
                        steps_in = iter(self._steps(scope[0], scope[1], False))
                        stack.append((steps_in, (*chain, event.site), link, inside, passed))
            elif module.module not in imported:
                imported.add(module.module)
                frame = (iter(self._steps(module.path, MODULE_SCOPE, True)), (*chain, event.site), link, below, {})
                stack.append(frame)
        return reached

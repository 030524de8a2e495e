"""Collects a file's facts (`facts.model`) in the same traversal as the rules: what the project pass
needs to know about a file without parsing it again.

A file's facts are its scopes (module level, each function and method) with their events in source
order: seeding a global RNG, drawing from one, calling something that may be a project function, and
importing a module. The project pass strings these together from each entry point.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import libcst as cst

from detlint.analysis.model import STDLIB
from detlint.analysis.statements import descendants, parameters, target_names
from detlint.analysis.values import Device, Instance, TensorFacts, device_of
from detlint.catalogs.call_paths import ITERATION
from detlint.catalogs.conditions import ArgumentView, CallKind, Level
from detlint.catalogs.entries import Entry
from detlint.checks.base import FileContext, visitor_names
from detlint.facts.model import (
    ALTERNATIVES,
    KERAS_OP,
    MODULE_SCOPE,
    REPEATABLE,
    STRUCTURAL,
    Event,
    EventKind,
    FileFacts,
    ScopeFacts,
    Site,
    is_illustration,
    is_test_path,
)
from detlint.facts.op_calls import OP_CATALOGS, OpCall, match_ops
from detlint.facts.switches import (
    CUDA_REQUESTS,
    CUDA_STARTS,
    cuda_use,
    env_writes,
    mode_from_write,
    mode_settings,
)
from detlint.finding import Confidence
from detlint.names import BUILTIN_NAMES, NOT_LITERAL, ImportTable, argument, code_of, dotted_name, given, literal_value
from detlint.positions import locate, statement_lines, statement_nodes

_TORCH = frozenset({"torch"})
# Calls that keep a callable to call later, or never: a class or function passed to them runs nothing now.
_KEEPERS = frozenset({"dict", "list", "tuple", "set", "frozenset", "partial", "functools.partial", "setattr", "getattr", "isinstance", "issubclass", "print", "hasattr", "id", "type", "vars"})


@dataclass
class _Pending:
    kind: EventKind
    subject: str
    node: cst.CSTNode
    statement: cst.CSTNode | None
    scope: str
    confidence: Confidence = Confidence.HIGH
    detail: str = ""
    covers: tuple[str, ...] = ()
    deferred: bool = False
    data: tuple[tuple[str, object], ...] = ()
    guarded: bool = False
    raw_target: str = ""  # a CALL whose name can only be resolved once the file's definitions are known
    fallback: str = ""  # what a star import binds the name to, when no definition of the file does
    no_grad: bool = False
    in_worker: bool = False
    makes_batches: bool = False
    option: str = ""


# Methods that move, cast or reshape a batch without mixing in anything that carries gradients.
_DATA_METHODS = frozenset({
    "to", "cuda", "cpu", "float", "half", "double", "bfloat16", "long", "int", "contiguous", "clone",
    "permute", "view", "reshape", "unsqueeze", "squeeze", "flip", "transpose", "pin_memory", "type",
})

def _a_size(node: cst.BaseExpression) -> bool:
    """A literal, or sizes read off a tensor (`x.shape[2:]`, `x.size(-1)`): not a tensor."""
    if literal_value(node) is not NOT_LITERAL:
        return True
    while isinstance(node, cst.Subscript):
        node = node.value
    if isinstance(node, cst.Call):
        node = node.func
        return isinstance(node, cst.Attribute) and node.attr.value == "size"
    return isinstance(node, cst.Attribute) and node.attr.value == "shape"


def _either(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The callables an expression may evaluate to: each branch of a conditional expression, each
    operand of `or`, the right one of `and` (`collate_fn=collate_quad if quad else custom or
    default_collate`, `quad and collate_quad`: the left of `and` is a value only when false)."""
    if isinstance(node, cst.IfExp):
        yield from _either(node.body)
        yield from _either(node.orelse)
    elif isinstance(node, cst.BooleanOperation):
        if isinstance(node.operator, cst.Or):
            yield from _either(node.left)
        yield from _either(node.right)
    else:
        yield node


class FactsCollector(cst.BatchableCSTVisitor):
    """Runs in the engine's batched traversal, after the tracker and the semantic model, beside the
    rules; what names hold comes from the model."""

    def __init__(self, context: FileContext, module_name: str) -> None:
        super().__init__()
        self.context = context
        self.module_name = module_name
        self.catalog = context.catalog
        self.rng = self.catalog.rng
        self.ops = tuple(self.catalog.ops[name] for name in OP_CATALOGS)
        self.model = context.model
        tensor_kinds = self.catalog.ops["torch_ops"].tensor_kinds
        self._tensors = TensorFacts(tensor_kinds, context.imports.resolve, self.model.assigned)
        self._external = self.model.external  # calls into these never reach project code
        self.imports: ImportTable = context.imports
        self._pending: list[_Pending] = []
        self._scopes: dict[str, tuple[str, ...]] = {MODULE_SCOPE: ()}  # scope -> its parameters
        self._classes = self.model.classes
        self._main_guard: cst.CSTNode | None = None
        self._runs_work = False
        self.call_paths = self.catalog.call_paths
        # Nesting of `with torch.no_grad():` blocks, `@torch.no_grad()` functions and functions tf.data
        # runs on input elements: no backward pass there. Each with whether it makes data (tf.data's).
        self._forward_only: list[tuple[cst.CSTNode, bool]] = []
        self._batches: list[frozenset[str]] = []  # per enclosing loop: the batches of data it binds
        self._expression_names: list[frozenset[str]] = []  # per enclosing lambda or comprehension: its names
        self._asking_gradients: set[tuple[str, str]] = set()  # (scope, name): `x.requires_grad_()` was called
        self._decorators: dict[str, tuple[str, ...]] = {}  # function scope -> its project decorators
        self._gradients_off: set[str] = set()  # scopes that turn gradients off (see `_mark_gradients_off`)
        # per `Class.__init__`: (attribute, parameter) for each `self.<attribute> = <parameter>`
        self._from_parameters: dict[str, list[tuple[str, str]]] = {}
        # Draws that are not randomness for the run: a seed drawn to log and use, a value made text.
        self._seed_draws: set[int] = set()
        # Generators a class keeps (class, attribute, assignment, constructor) and what __getitem__ reads.
        self._held: list[tuple[str, str, cst.Assign, str]] = []
        self._item_uses: set[tuple[str, str]] = set()

    def get_visitors(self):
        return {name: getattr(self, name) for name in visitor_names(type(self))}

    # -- scopes and definitions -------------------------------------------------------------------
    def _scope(self) -> str:
        return ".".join(self.context.scope_stack)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        # The tracker has already pushed this function.
        self._scopes[self._scope()] = self._parameters(node)
        decorator = next((d.decorator for d in node.decorators if self._turns_gradients_off(d.decorator)), None)
        if decorator is not None:
            self._emit_no_grad(decorator)
            self._forward_only.append((node, False))
        else:
            self._project_decorators(node)
            if id(node) in self._element_functions:
                self._forward_only.append((node, True))  # tf.data runs it on input elements

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._expression_names.append(frozenset(parameters(node)))  # type: ignore[arg-type]
        if id(node) in self._element_functions:
            self._forward_only.append((node, True))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._expression_names.pop()
        self._leave_forward_only(original_node)

    def _enter_comprehension(self, node: cst.BaseComp | cst.DictComp) -> None:
        names: set[str] = set()
        loop: cst.CompFor | None = node.for_in
        while loop is not None:
            names.update(target_names(loop.target))
            loop = loop.inner_for_in
        self._expression_names.append(frozenset(names))

    def _leave_comprehension(self, original_node: cst.BaseComp | cst.DictComp) -> None:
        self._expression_names.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _enter_comprehension
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comprehension

    def _leave_forward_only(self, node: cst.CSTNode) -> None:
        if self._forward_only and self._forward_only[-1][0] is node:
            self._forward_only.pop()

    @cached_property
    def _element_functions(self) -> frozenset[int]:
        """The functions (and lambdas) of this file that a tf.data transformation runs on input elements
        (`ds.map(preprocess)`), with the file's functions called only from them: no gradient flows
        through them. A `map` of something another package made (`multiprocessing.Pool().map`) is not
        tf.data's."""
        if not self.imports.imports_any(frozenset({"tensorflow"})):
            return frozenset()
        methods = {
            method
            for entry in self.catalog.entries("tf_ops", "data_pipeline")
            if entry.get("element_function")
            for method in entry["methods"]
        }
        module = self.context.module
        definitions = {definition.name.value: definition for definition in descendants(module, (cst.FunctionDef,))}
        calls_of: dict[str, list[cst.Call]] = {}
        found: dict[int, cst.CSTNode] = {}
        for call in descendants(module, (cst.Call,)):
            if isinstance(call.func, cst.Name) and call.func.value in definitions:
                calls_of.setdefault(call.func.value, []).append(call)
            if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in methods and call.args):
                continue
            maker = self._maker(call.func.value)
            if maker is not None and maker.split(".")[0] != "tensorflow":
                continue
            function = call.args[0].value
            if isinstance(function, cst.Lambda):
                found[id(function)] = function
            elif isinstance(function, cst.Name) and function.value in definitions:
                found[id(definitions[function.value])] = definitions[function.value]
        inside = {id(call) for node in found.values() for call in descendants(node, (cst.Call,))}
        grown = True
        while grown:  # a helper counts once every call of it is inside an element function
            grown = False
            for name, calls in calls_of.items():
                definition = definitions[name]
                if id(definition) not in found and all(id(call) in inside for call in calls):
                    found[id(definition)] = definition
                    inside |= {id(call) for call in descendants(definition, (cst.Call,))}
                    grown = True
        return frozenset(found)

    def _maker(self, receiver: cst.BaseExpression) -> str | None:
        """The qualified name of the call that made a receiver, directly or through the name it was
        last assigned to (`random.Random` for `random.Random(1337)`); None when not known."""
        if isinstance(receiver, cst.Name):
            receiver = self.model.assigned(receiver.value) or receiver
        return self.imports.resolve(receiver.func) if isinstance(receiver, cst.Call) else None

    def _project_decorators(self, node: cst.FunctionDef) -> None:
        """The decorators whose definition may be the project's (`@smart_inference_mode()`), by
        qualified name, for the project pass to see whether they run the function without gradients."""
        names = []
        for decorator in node.decorators:
            target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            qualname = self.imports.resolve(target)
            dotted = dotted_name(target)
            if qualname is None and dotted and dotted.split(".")[0] not in ("self", "cls", *BUILTIN_NAMES):
                qualname = f"{self.module_name}.{dotted}"  # the file's own definition
            if qualname is not None and qualname.split(".")[0] not in self._external:
                names.append(qualname)
        if names:
            self._decorators[self._scope()] = tuple(names)

    def _mark_gradients_off(self, func: cst.BaseExpression) -> None:
        """A function that applies `torch.no_grad()`/`torch.inference_mode()` to something, directly or
        in a function nested in it (`(torch.inference_mode if new else torch.no_grad)()(fn)`): used as a
        decorator, it runs what it decorates without gradients."""
        stack = self.context.scope_stack
        # Only a context applied to something (`no_grad()(fn)`): `with torch.no_grad():` inside a
        # decorator's wrapper covers that block, not the function it wraps.
        if stack and isinstance(func, cst.Call) and self._names_gradients_off(func):
            self._gradients_off.update(".".join(stack[:depth]) for depth in range(1, len(stack) + 1))

    def _names_gradients_off(self, func: cst.BaseExpression) -> bool:
        if isinstance(func, cst.Call):
            return self._turns_gradients_off(func) or self._names_gradients_off(func.func)
        if isinstance(func, cst.IfExp):
            return self._names_gradients_off(func.body) or self._names_gradients_off(func.orelse)
        qualname = self.imports.resolve(func)
        return qualname is not None and bool(self.call_paths.forward_only(qualname))

    def _parameters(self, node: cst.FunctionDef) -> tuple[str, ...]:
        """The parameters a call binds by position or keyword, in order; a method's `self` or `cls`
        is bound by the instance, not by the call's arguments."""
        names = parameters(node, variadic=False)
        in_class = ".".join(self.context.scope_stack[:-1]) in self._classes
        static = any(dotted_name(decorator.decorator) == "staticmethod" for decorator in node.decorators)
        return tuple(names[1:] if in_class and not static and names else names)

    def _held_from_parameter(self, owner: str, attribute: str) -> bool:
        return any(name == attribute for name, _ in self._from_parameters.get(f"{owner}.__init__", ()))

    def _parameter(self, name: str) -> bool:
        """Whether a name is a parameter of the function being visited."""
        return name in self._scopes.get(self._scope(), ())

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._leave_forward_only(original_node)

    def visit_With(self, node: cst.With) -> None:
        item = next((item.item for item in node.items if self._turns_gradients_off(item.item)), None)
        if item is not None:
            self._emit_no_grad(item)
            self._forward_only.append((node, False))

    def _emit_no_grad(self, expression: cst.BaseExpression) -> None:
        """Where a path turns gradients off: evidence that it evaluates, even when nothing seen runs inside."""
        call = expression.func if isinstance(expression, cst.Call) else expression
        self._emit(EventKind.NO_GRAD, self.imports.resolve(call) or "", expression)

    def leave_With(self, original_node: cst.With) -> None:
        self._leave_forward_only(original_node)

    def _turns_gradients_off(self, expression: cst.BaseExpression) -> bool:
        """`torch.no_grad()`, `torch.inference_mode()`, `torch.set_grad_enabled(False)` (also bare, as
        a decorator)."""
        call = expression if isinstance(expression, cst.Call) else None
        qualname = self.imports.resolve(call.func if call is not None else expression)
        always = self.call_paths.forward_only(qualname) if qualname else None
        if always is None:
            return False
        return always or (call is not None and bool(call.args) and literal_value(call.args[0].value) is False)

    def visit_If(self, node: cst.If) -> None:
        if not self.context.scope_stack and is_main_guard(node.test):
            self._main_guard = node

    # -- events -------------------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self._emit_import(dotted_name(alias.name) or "", alias)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = self.imports.absolute(len(node.relative), dotted_name(node.module) if node.module else "")
        if module:
            self._emit_import(module, node)
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:  # `from pkg import sub` may import the submodule pkg.sub
                name = dotted_name(alias.name) or ""
                self._emit_import(f"{module}.{name}" if module else name, alias)

    def _emit_import(self, module: str, node: cst.CSTNode) -> None:
        if module and module.split(".")[0] not in self._external and not self._for_type_checkers():
            self._emit(EventKind.IMPORT, module, node)

    def _for_type_checkers(self) -> bool:
        """Inside `if TYPE_CHECKING:`, which never runs."""
        return any(
            isinstance(statement, cst.If) and (dotted_name(statement.test) or "").endswith("TYPE_CHECKING")
            for statement in self.context.statement_stack
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.imports.imports_any(_TORCH) and device_of(self.catalog, node.value) is Device.CUDA:
            # A module constant (`DEVICE = "cuda"`) counts for the entry point's own file only: a library
            # that defines one does not use CUDA by being imported.
            constant = (("module_constant", True),) if not self.context.scope_stack and not self._in_main_guard() else ()
            self._emit(EventKind.CUDA, "torch", node.value, detail=CUDA_REQUESTS, data=constant)
        self._switch_events(node)
        self._options_event(node)
        self._held_generator(node)
        # `seed = random.randint(...)`: drawing a seed to log and use, not randomness for the run.
        if isinstance(node.value, cst.Call) and any(
            "seed" in (dotted_name(target.target) or "").lower() for target in node.targets
        ):
            self._seed_draws.add(id(node.value))
        self._attribute_from_parameter(node)

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        """`f"{random.randrange(2**32)}_graph"`: a value drawn to be text (a name, a prefix, a port) names
        something; it is no input to what the run computes."""
        if isinstance(node.expression, cst.Call):
            self._seed_draws.add(id(node.expression))

    def visit_Call(self, node: cst.Call) -> None:
        # `str(random.randint(20000, 30000))`, likewise.
        if isinstance(node.func, cst.Name) and node.func.value == "str" and len(node.args) == 1:
            if isinstance(node.args[0].value, cst.Call) and self.imports.resolve(node.func) is None:
                self._seed_draws.add(id(node.args[0].value))

    def _attribute_from_parameter(self, node: cst.Assign) -> None:
        """`self.model = model` in `__init__`: the attribute holds what the constructor was passed, which
        the construction's call site knows (`Trainer(config, model)`)."""
        stack = self.context.scope_stack
        if len(stack) < 2 or stack[-1] != "__init__" or len(node.targets) != 1:
            return
        target, value = dotted_name(node.targets[0].target) or "", node.value
        head, _, attribute = target.partition(".")
        if head == "self" and attribute and "." not in attribute and isinstance(value, cst.Name):
            if self._parameter(value.value):
                self._from_parameters.setdefault(self._scope(), []).append((attribute, value.value))

    def _hook_calls(self, instance: Instance, method: str, node: cst.Call | cst.BaseExpression) -> None:
        """A framework object's method (or its iteration, `ITERATION`) that calls back into what it was
        handed: `trainer.fit(model)` runs `model.training_step`; iterating a DataLoader runs its
        dataset's `__getitem__`."""
        hook = self.call_paths.hook(instance.callee) if instance.qualified else None
        if hook is None or method not in hook.runs_on:
            return
        if hook.given is not None:
            target = self.model.handed(node, hook.given) if isinstance(node, cst.Call) else None
        else:
            target = instance.held
        if target is not None:
            data = (("loader", instance.loader),) if instance.loader >= 0 else ()
            # What a loader runs to make a batch makes data: no gradient flows back into it.
            making_batches = method == ITERATION
            for hooked in hook.methods:
                self._instance_call(
                    target, hooked, node, in_worker=instance.in_workers, makes_batches=making_batches, data=data
                )

    def leave_Call(self, original_node: cst.Call) -> None:
        # On leaving: a call's arguments are evaluated (and their events happen) before the call.
        node = original_node
        self._mark_gradients_off(node.func)
        if not self.context.scope_stack and not self._in_main_guard() and self._is_statement_call(node):
            if self._does_work(node):
                self._runs_work = True
        self._determinism_events(node)
        qualname = self.imports.resolve(node.func)
        self._training_event(node, qualname)
        self._data_event(node, qualname)
        confidence = Confidence.MEDIUM if self.imports.resolved_through_star(node.func) else Confidence.HIGH
        # A seeding or drawing call is not followed into; what it is handed may be (`collate_fn=`).
        if qualname is None or not (
            self._seed_event(node, qualname, confidence) or self._rng_event(node, qualname, confidence)
        ):
            self._method_events(node)
            self._call_event(node, qualname)
        self._callback_events(node)

    def _options_event(self, node: cst.Assign) -> None:
        """`options.deterministic = False` on tf.data options."""
        if literal_value(node.value) is not False or not self.imports.imports_any(frozenset({"tensorflow"})):
            return
        attributes = {
            name for entry in self.catalog.entries("tf_ops", "data_pipeline") for name in entry.get("option_attributes", ())
        }
        for target in node.targets:
            if isinstance(target.target, cst.Attribute) and target.target.attr.value in attributes:
                self._emit(EventKind.TF_DATA, "tensorflow", target.target, Confidence.MEDIUM, detail="unordered")

    def _held_generator(self, node: cst.Assign) -> None:
        """`self.rng = np.random.default_rng(...)` in a class's `__init__`: judged once `__getitem__` is seen."""
        stack = self.context.scope_stack
        if len(stack) < 2 or stack[-1] != "__init__" or not isinstance(node.value, cst.Call):
            return
        qualname = self.imports.resolve(node.value.func)
        if qualname and self.rng.generator(qualname):
            for target in node.targets:
                dotted = dotted_name(target.target) or ""
                if dotted.startswith("self."):
                    self._held.append((".".join(stack[:-1]), dotted, node, qualname))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        stack = self.context.scope_stack
        if len(stack) >= 2 and stack[-1] == "__getitem__":
            dotted = dotted_name(node)
            if dotted and dotted.startswith("self."):
                self._item_uses.add((".".join(stack[:-1]), dotted))

    def visit_For(self, node: cst.For) -> None:
        self._module_level_loop()
        self._batches.append(self._batch_names(node))
        self._loader_iteration(node)

    def leave_For(self, original_node: cst.For) -> None:
        self._batches.pop()

    def _batch_names(self, loop: cst.For) -> frozenset[str]:
        """The names a training loop (`for images, labels in loader:` whose body calls `.backward()` or
        another training method) binds: batches of data, which carry no gradient."""
        iterated = loop.iter
        while isinstance(iterated, cst.Call) and iterated.args and self._wraps_iteration(iterated):
            iterated = iterated.args[0].value  # `enumerate(loader)`, `tqdm(loader)`
        if isinstance(iterated, cst.Call):
            hook = self.call_paths.hook(self.imports.resolve(iterated.func) or "")
            if hook is None or ITERATION not in hook.runs_on:
                return frozenset()  # `for feature in model(x):` iterates what the model computed
        elif not isinstance(iterated, (cst.Name, cst.Attribute)):
            return frozenset()
        top_level = self.imports.top_level_modules
        trains = any(
            isinstance(call.func, cst.Attribute)
            and self.call_paths.training_method(call.func.attr.value, None, top_level) is not None
            for call in descendants(loop.body, cst.Call, skip=(cst.FunctionDef, cst.ClassDef, cst.Lambda))
        )
        return frozenset(target_names(loop.target)) if trains else frozenset()

    def _wraps_iteration(self, call: cst.Call) -> bool:
        """`enumerate(x)`, `zip(x, y)`, `iter(x)`, `tqdm(x)`: they iterate their first argument."""
        if isinstance(call.func, cst.Name) and call.func.value in ("enumerate", "zip", "iter", "reversed"):
            return self.imports.resolve(call.func) is None
        return (self.imports.resolve(call.func) or "").split(".")[0] == "tqdm"

    def leave_Assign(self, original_node: cst.Assign) -> None:
        """`images = images.to(device).float() / 255` keeps a batch a batch; any other value ends it."""
        for target in original_node.targets:  # `images.requires_grad = True`
            if isinstance(target.target, cst.Attribute) and isinstance(target.target.value, cst.Name):
                if target.target.attr.value == "requires_grad":
                    self._asks_gradients(target.target.value.value)
        if not self._batches:
            return
        names = {name for target in original_node.targets for name in target_names(target.target)}
        kept = self._from_batch(original_node.value) and not any(
            isinstance(target.target, cst.Attribute) for target in original_node.targets
        )
        self._batches = [(batch | names) if kept else (batch - names) for batch in self._batches]

    def _from_batch(self, node: cst.BaseExpression) -> bool:
        """A batch, or a copy of one moved, cast or scaled (`x.cuda().float() / 255`, `x[:, :3]`)."""
        return self._without_gradient(node, follow=False)

    def _without_gradient(self, node: cst.BaseExpression, follow: bool = True, depth: int = 0) -> bool:
        """A tensor no gradient flows back through: a batch, a tensor after `.detach()`, one made from
        host data (`torch.from_numpy(a)`), or a copy of one moved, cast or reshaped; with `follow`, a
        name stands for the value it holds here on every path (`_value_here`)."""
        kinds = self._tensors.kinds
        while True:
            if isinstance(node, cst.Call):
                if self.imports.resolve(node.func) in kinds["gradient-free-source"]:
                    requires_grad = argument(node, "requires_grad")
                    return requires_grad is None or literal_value(requires_grad.value) is False
                if not isinstance(node.func, cst.Attribute):
                    return False
                if node.func.attr.value in kinds["detached"]:
                    return True
                if node.func.attr.value not in _DATA_METHODS:
                    return False  # `requires_grad_()` asks for gradients; `mul(weight)` mixes in a parameter
                node = node.func.value
            elif isinstance(node, cst.BinaryOperation) and literal_value(node.right) is not NOT_LITERAL:
                node = node.left
            elif isinstance(node, cst.Subscript):
                node = node.value
            elif not isinstance(node, cst.Name):
                return False
            elif any(node.value in names for names in self._batches):
                return True
            elif (self._scope(), node.value) in self._asking_gradients:
                return False
            else:
                value = self._value_here(node.value) if follow and depth < 4 else None
                return value is not None and value is not node and self._without_gradient(value, follow, depth + 1)

    def _value_here(self, name: str) -> cst.BaseExpression | None:
        """What a name read here holds on every path: the value the enclosing function last assigned
        to it in a block around this statement, or, where no enclosing function binds or takes it,
        the module's one value for it. None where it may hold anything else (a parameter, a
        rebinding in a branch, a value carried over from a loop's previous pass)."""
        if any(name in names for names in self._expression_names):
            return None  # a lambda's parameter or a comprehension's variable
        functions = [node for node in self.context.statement_stack if isinstance(node, cst.FunctionDef)]
        module = self.model.scope(self.context.module)
        if not functions:
            return module.value_at(name, self.context.statement_stack)
        scope = self.model.scope(functions[-1])
        if scope.binds(name):
            return scope.value_at(name, self.context.statement_stack)
        if any(self.model.scope(outer).binds(name) for outer in functions[:-1]):
            return None
        return module.single_value(name)

    def _on_batches(self, call: cst.Call) -> bool:
        """Every tensor the op is given (positionally, or by a keyword that takes one: `input=`,
        `weight=`) carries no gradient (a batch of data, a detached tensor; sizes and literals are not
        tensors): its backward pass never runs."""
        keywords = self._tensors.kinds["tensor-keyword"]
        tensors = [
            arg.value
            for arg in call.args
            if (arg.keyword is None or arg.keyword.value in keywords) and not _a_size(arg.value)
        ]
        if isinstance(call.func, cst.Attribute) and self.imports.resolve(call.func) is None:
            tensors.append(call.func.value)  # a method's receiver
        return bool(tensors) and all(self._without_gradient(tensor) for tensor in tensors)

    def _takes_no_gradient(self, match: OpCall, call: cst.Call) -> bool:
        """A layer's class is given weights, not inputs: only frozen ones take no gradient."""
        return self._on_batches(call) if match.kind is not CallKind.CLASS else self._frozen(call)

    def _frozen(self, call: cst.Call) -> bool:
        """A layer built from given weights it freezes: `nn.EmbeddingBag.from_pretrained(w)` without
        `freeze=False`."""
        if self.imports.resolve(call.func) not in self._tensors.kinds["frozen-weights"]:
            return False
        freeze = argument(call, "freeze", 1)
        return freeze is None or literal_value(freeze.value) is not False

    def visit_Expr(self, node: cst.Expr) -> None:
        """`images.requires_grad_()` as a statement: the batch asks for gradients from here on."""
        call = node.value
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
            if call.func.attr.value == "requires_grad_" and isinstance(call.func.value, cst.Name):
                self._asks_gradients(call.func.value.value)

    def _asks_gradients(self, name: str) -> None:
        self._batches = [batch - {name} for batch in self._batches]
        self._asking_gradients.add((self._scope(), name))

    def _loader_iteration(self, node: cst.For) -> None:
        """`for batch in loader` (also through `enumerate(loader)`, `tqdm(loader)`): the loader's dataset
        runs for every batch."""
        iterated = node.iter
        while isinstance(iterated, cst.Call) and iterated.args and not iterated.args[0].keyword:
            qualname = self.imports.resolve(iterated.func)
            if qualname and self.call_paths.hook(qualname):
                break  # `for batch in DataLoader(dataset)`: the loader itself
            iterated = iterated.args[0].value
        if isinstance(iterated, cst.Name) and self.model.instance(iterated.value) is None and self._parameter(iterated.value):
            self._emit(EventKind.PARAM, iterated.value, node.iter, detail=ITERATION)  # `for batch in loader`
            return
        if isinstance(iterated, cst.Call):
            instance = self.model.built_by(iterated)
        else:
            instance = self.model.instance(iterated.value) if isinstance(iterated, cst.Name) else None
        if instance is not None:
            self._hook_calls(instance, ITERATION, node.iter)

    def visit_While(self, node: cst.While) -> None:
        self._module_level_loop()

    def _module_level_loop(self) -> None:
        # A loop at module level is a training loop, never a definition (the tracker has pushed it).
        if not self.context.scope_stack and len(self.context.statement_stack) == 1:
            self._runs_work = True

    def _is_statement_call(self, node: cst.Call) -> bool:
        """A call made as a statement of its own (`main()`, `trainer.fit()`), not one whose value is
        kept: `logger = get_logger(__name__)` or `app = App()` at module level is set-up, not a run
        (unless it draws random numbers or runs ops: see `facts`)."""
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        return isinstance(statement, cst.SimpleStatementLine) and any(
            isinstance(small, cst.Expr) and small.value is node for small in statement.body
        )

    def _does_work(self, node: cst.Call) -> bool:
        """A call into the project or a third-party library; the standard library (`logging.getLogger`,
        `warnings.warn`, `TypeVar`) and builtins do not make a module a script."""
        qualname = self.imports.resolve(node.func)
        if qualname is not None:
            return qualname.split(".")[0] not in STDLIB
        return not (isinstance(node.func, cst.Name) and node.func.value in BUILTIN_NAMES)

    def _determinism_events(self, node: cst.Call) -> None:
        """Ops, CUDA use, deterministic-mode settings and environment variables set by a call."""
        imports = self.imports
        for match in match_ops(imports, node, self.ops, self.model.command_line_value):
            if match.entry.pass_ == "backward" and (self._forward_only or self._takes_no_gradient(match, node)):
                continue  # under no_grad, on input data or frozen weights: the backward pass never runs
            if self._cannot_vary(match, node):
                continue
            subject = f"{match.entry.catalog}:{match.entry.id}"
            data = (*match.arguments, (REPEATABLE, True)) if match.repeatable else match.arguments
            if self._standalone_keras(node):
                data = (*data, (KERAS_OP, True))
            self._emit(EventKind.OP, subject, node, match.confidence, detail=match.entry.op, data=data, option=match.option)
        environment: dict[str, None] = {}
        for setting in mode_settings(imports, self.catalog, node):
            self._emit(EventKind.MODE, setting.framework, node, detail=setting.level)
            environment.update(dict.fromkeys(setting.environment))
        for name in environment:
            self._emit(EventKind.ENV, name, node, detail="")
        self._switch_events(node)
        self._pipeline_events(node)
        # After the settings: a call that does both (`Trainer(deterministic=True)`) configures first.
        cuda = cuda_use(imports, self.catalog, node)
        if cuda is not None:
            self._emit(EventKind.CUDA, "torch", node, detail=cuda)

    def _cannot_vary(self, match: OpCall, call: cst.Call) -> bool:
        """A `floating_only` op on an integer or boolean tensor (or with an integer `dtype=`) is exact;
        a CUDA op applied to a copy in host memory (`x.cpu().cumsum(0)`) runs on the CPU."""
        tensors, subject = self._tensors, match.subject
        if match.entry.floating_only and (
            tensors.integral_dtype(argument(call, "dtype")) or (subject is not None and tensors.integral(subject))
        ):
            return True
        return match.entry.device == "cuda" and subject is not None and tensors.on_host(subject)

    def _dataset_class(self, loader: cst.Call, qualname: str) -> str:
        """The qualified class of the dataset a loader is built with (`DataLoader(Images(root))`), or ""."""
        hook = self.call_paths.hook(qualname)
        dataset = self.model.handed(loader, hook.holds) if hook is not None and hook.holds else None
        if dataset is None:
            return ""
        if not dataset.qualified and not dataset.fallback and dataset.callee.split(".")[0] not in BUILTIN_NAMES:
            return f"{self.module_name}.{dataset.callee}"  # a class of the file defined further down
        return self.model.qualified(dataset) or ""

    def _training_event(self, node: cst.Call, qualname: str | None) -> None:
        """`loss.backward()`, `optimizer.step()`, `trainer.fit(model)`: the path trains here."""
        if qualname is not None and self.imports.resolved_through_star(node.func):
            qualname = None  # `loss.backward()` under a star import: a method, not the star module's name
        built_by = None
        if qualname is not None:
            call = self.call_paths.training_callable(qualname)
        elif isinstance(node.func, cst.Attribute):
            value = node.func.value
            if isinstance(value, cst.Name):
                receiver = self.model.instance(value.value)
            else:  # `Trainer(model=net).train()`: built in place
                receiver = self.model.built_by(value) if isinstance(value, cst.Call) else None
            built_by = receiver.callee if receiver is not None and receiver.qualified else None
            call = self.call_paths.training_method(node.func.attr.value, built_by, self.imports.top_level_modules)
        else:
            call = None
        if call is not None and not self._forward_only:
            # `fit` of a standalone Keras model runs on `KERAS_BACKEND`'s backend; `tf.keras`'s on TensorFlow.
            keras = (built_by or qualname or "").startswith("keras.")
            self._emit(EventKind.TRAIN, call.id, node, detail=call.trains, data=((KERAS_OP, True),) if keras else ())

    def _data_event(self, node: cst.Call, qualname: str | None) -> None:
        """`open(path)`, `np.load(...)`, `datasets.MNIST(...)`: the path reads data from outside the program."""
        if qualname is None and isinstance(node.func, cst.Name) and node.func.value in BUILTIN_NAMES:
            qualname = f"builtins.{node.func.value}"
        source = self.call_paths.data_source(qualname) if qualname else None
        if source is None:
            return
        data = list(_data_flags(source))
        mode = source.get("mode_argument")
        if mode is not None:
            mode_arg = argument(node, mode["keyword"], mode.get("position"))
            text = literal_value(mode_arg.value) if mode_arg is not None else "r"
            if isinstance(text, str) and set(text) & set("wax") and "+" not in text:
                data.append(("writes", True))  # open(path, "w"): a result written, nothing read
        weights = source.get("weights_arguments")
        if weights and not any(_passed(argument(node, keyword)) for keyword in weights):
            data = [("model", True)] if source.get("model") else []
            data.append(("reads_nothing", True))  # a model built without weights is randomly initialised
        self._emit(EventKind.DATA, source.id, node, data=tuple(data))

    def _pipeline_events(self, node: cst.Call) -> None:
        """Data loaders with worker processes, and tf.data transformations that lose order or shuffle
        without an op seed."""
        qualname = self.imports.resolve(node.func)
        loader = self.rng.worker_loader(qualname) if qualname else None
        if loader is not None:
            ref = loader["workers_argument"]
            workers = argument(node, ref["keyword"], ref.get("position"))
            count = literal_value(workers.value) if workers is not None else 0
            if count != 0 and count is not None:
                given = {
                    key: argument(node, loader[f"{key}_keyword"]) is not None for key in ("generator", "worker_init")
                }
                # `loader`: the number its iteration's calls into the dataset carry (see `_hook_calls`);
                # `dataset`: the dataset's class by qualified name, when known.
                data = (
                    *sorted(given.items()),
                    ("loader", self.model.loader_number(node)),
                    ("dataset", self._dataset_class(node, qualname)),
                )
                torch_name = self.imports.local_name("torch")
                if torch_name and not given["generator"] and not any(arg.star for arg in node.args):
                    # The call with a seeded generator, for DET301's fix.
                    seeded = cst.Arg(
                        value=cst.parse_expression(f"{torch_name}.Generator().manual_seed(0)"),
                        keyword=cst.Name(loader["generator_keyword"]),
                        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
                    )
                    fixed = node.with_changes(args=[*node.args, seeded])
                    data += (("fix", self.context.module.code_for_node(fixed)),)
                self._emit(EventKind.LOADER, "torch", node, data=data)
        for entry in self.catalog.entries("tf_ops", "data_pipeline"):
            if qualname is not None and qualname in entry.get("callables", ()):
                self._tf_data_event(node, entry, Confidence.HIGH)  # `keras.utils.image_dataset_from_directory`
            elif isinstance(node.func, cst.Attribute) and node.func.attr.value in entry.get("methods", ()):
                frameworks = frozenset(entry.get("frameworks") or ("tensorflow",))
                # A module's function (`random.shuffle(paths)`) is not a dataset's method, nor is the
                # method of another library's object (`random.Random(0).shuffle(paths)`).
                if (
                    self.imports.imports_any(frameworks)
                    and (qualname is None or qualname.split(".")[0] in frameworks)
                    and not self._built_outside(node.func.value, frameworks)
                ):
                    self._tf_data_event(node, entry)

    def _built_outside(self, receiver: cst.BaseExpression, frameworks: frozenset[str]) -> bool:
        """The receiver is a random generator object (`random.Random(1337)`, `np.random.default_rng()`),
        not a dataset, directly or through the name it was last assigned to."""
        maker = self._maker(receiver)
        return maker is not None and self.rng.generator(maker) is not None

    def _tf_data_event(self, node: cst.Call, entry, confidence: Confidence = Confidence.MEDIUM) -> None:
        if entry.get("deterministic_keyword"):
            flag = argument(node, entry["deterministic_keyword"])
            if flag is not None and literal_value(flag.value) is False:
                self._emit(EventKind.TF_DATA, "tensorflow", flag, Confidence.MEDIUM, detail="unordered")
        if entry.get("seed_keyword"):
            seed = argument(node, entry["seed_keyword"])
            shuffle = argument(node, entry["shuffle_keyword"]) if entry.get("shuffle_keyword") else None
            if shuffle is not None and literal_value(shuffle.value) is False:
                return
            if shuffle is None and entry.get("shuffles_by_default") is False:
                return
            if _seeds(seed, entry.get("config_seed_fields")) or self._only_evaluated(node):
                return
            if entry.get("unseeded_order") == "parallel":
                # TFDS: unseeded, the shuffled files are also read in completion order.
                self._emit(EventKind.TF_DATA, "tensorflow", node, confidence, detail="unordered", data=(("shuffles", True),))
                return
            drawn = entry.get("unseeded_draws_from")
            data = (("draws_from", drawn),) if drawn else ()
            self._emit(EventKind.TF_DATA, "tensorflow", node, confidence, detail="unseeded-shuffle", data=data)

    def _only_evaluated(self, node: cst.Call) -> bool:
        """The dataset a pipeline call builds is only evaluated: the name it is assigned to is read only as
        `validation_data=` or by `.evaluate(...)` (and rebuilt from itself, `test = test.batch(32)`), where
        every element counts once whatever their order."""
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and statement.body else None
        if not isinstance(small, cst.Assign) or len(small.targets) != 1 or not isinstance(small.targets[0].target, cst.Name):
            return False
        if not _in_chain(small.value, node):
            return False
        name = small.targets[0].target.value
        scope = self.context.enclosing_function()
        tree = scope if scope is not None else self.context.module
        not_reads = {id(n.attr) for n in descendants(tree, (cst.Attribute,))}
        not_reads |= {id(arg.keyword) for arg in descendants(tree, (cst.Arg,)) if arg.keyword is not None}
        reads = [n for n in descendants(tree, (cst.Name,)) if n.value == name and id(n) not in not_reads]
        allowed: set[int] = set()
        evaluated = 0
        for assign in descendants(tree, (cst.Assign,)):
            for target in assign.targets:
                if isinstance(target.target, cst.Name) and target.target.value == name:
                    allowed.add(id(target.target))
                    root = _chain_root(assign.value)
                    if isinstance(root, cst.Name) and root.value == name:
                        allowed.add(id(root))  # rebuilt from itself
        for call in descendants(tree, (cst.Call,)):
            for position, arg in enumerate(call.args):
                if not (isinstance(arg.value, cst.Name) and arg.value.value == name):
                    continue
                # With a step count only a part of the set is read: which part depends on the order.
                by_keyword = (
                    arg.keyword is not None
                    and arg.keyword.value == "validation_data"
                    and argument(call, "validation_steps") is None
                )
                by_evaluate = (
                    position == 0
                    and arg.keyword is None
                    and isinstance(call.func, cst.Attribute)
                    and call.func.attr.value == "evaluate"
                    and argument(call, "steps") is None
                )
                if by_keyword or by_evaluate:
                    allowed.add(id(arg.value))
                    evaluated += 1
        return evaluated > 0 and all(id(read) in allowed for read in reads)

    def _switch_events(self, node: cst.Assign | cst.Call) -> None:
        for write in self.model.attribute_writes(node):
            setting = mode_from_write(self.catalog, write)
            if setting is not None:
                self._emit(EventKind.MODE, setting.framework, write.node, detail=setting.level)
        for env in env_writes(self.imports, node):
            value = env.value if isinstance(env.value, str) else ""
            self._emit(EventKind.ENV, env.name, env.node, detail=value)

    def _seed_event(self, node: cst.Call, qualname: str, confidence: Confidence) -> bool:
        entry = self.rng.seeder(qualname)
        if entry is None:
            return False
        if self.rng.reseeds_from_entropy(node, qualname):
            return True  # no seed at all (DET103 reports it)
        ref = entry.get("seed_argument")
        given = self._seed_given(node, (ref["keyword"], ref.get("position"))) if ref else ()
        self._emit(EventKind.SEED, qualname, node, confidence, covers=tuple(entry["covers"]), data=given)
        return True

    def _rng_event(self, node: cst.Call, qualname: str, confidence: Confidence) -> bool:
        entry = self.rng.consumer(qualname)
        if entry is None:
            return False
        if _uses_own_generator(node, entry) or id(node) in self._seed_draws or _fixed_initializer(node, entry):
            return True
        level = self.rng.consumer_conditions(entry).evaluate(ArgumentView.of_call(node)).level
        if level is Level.NONE:
            return True
        if level < Level.CERTAIN:
            confidence = Confidence.MEDIUM
        self._emit_draw(entry, node, confidence)
        return True

    def _framework_initializer(self, node: cst.Call, by_version) -> bool:
        """The layer is given the framework's own initializer (`tf.random_normal_initializer(...)`,
        `tf.random.normal`), not a Keras one: its weights draw from the framework's seed whatever the
        Keras version."""
        keyword = by_version.get("framework_initializer")
        given = argument(node, keyword) if keyword else None
        if given is None:
            return False
        value = given.value.func if isinstance(given.value, cst.Call) else given.value
        qualname = self.imports.resolve(value) or ""
        framework = by_version["framework"]
        return qualname.startswith(f"{framework}.") and not qualname.startswith(f"{framework}.keras.")

    def _standalone_keras(self, node: cst.Call) -> bool:
        """A call into standalone Keras (`keras.layers.Dense`), which runs on `KERAS_BACKEND`'s backend."""
        return (self.imports.resolve(node.func) or "").startswith("keras.")

    def _emit_draw(self, consumer: Entry, node: cst.Call, confidence: Confidence) -> None:
        """A draw from a global generator. `draws_values` marks random values (not a layer's weights or a
        shuffle): what a run that reads no data takes as its input; `initialises_weights` a layer's initial
        weights, which stored weights loaded later replace."""
        values = tuple((flag, True) for flag in ("draws_values", "initialises_weights") if consumer.get(flag))
        by_version = consumer.get("library_from_version")
        if by_version and not self._framework_initializer(node, by_version):
            values += (("consumer", consumer.id),)  # the library drawn from is settled by version, project-wide
        if self._standalone_keras(node):
            values += ((KERAS_OP, True),)
        self._emit(
            EventKind.RNG, consumer["library"], node, confidence, detail=consumer["what"],
            deferred=consumer.get("deferred", False), data=values,
        )  # fmt: skip

    def _method_events(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute) or self.imports.resolve(node.func) is not None:
            return
        name = node.func.attr.value
        source = self.call_paths.data_source_method(name)
        if source is not None and self.imports.imports_any(_TORCH):
            self._emit(EventKind.DATA, source.id, node, data=_data_flags(source))
            return
        seeder = self.rng.seeder_method(name)
        if seeder is not None:
            self._emit(EventKind.SEED, name, node, Confidence.MEDIUM, covers=tuple(seeder["covers"]))
            return
        consumer = self.rng.consumer_method(name)
        if consumer is not None and self.imports.imports_any(frozenset({consumer["library"]})):
            if not _uses_own_generator(node, consumer):
                self._emit_draw(consumer, node, Confidence.MEDIUM)

    def _seed_given(
        self, node: cst.Call, where: tuple[str, int | None] = ("seed", 0)
    ) -> tuple[tuple[str, object], ...]:
        """The source of the seed a seeding call is given at `where` (`args.seed`): a fix that seeds one
        more library uses the run's own seed."""
        given = argument(node, *where)
        if given is None or given.star:
            return ()
        return (("seed", code_of(given.value, self.context.module)[:100]),)

    def _call_event(self, node: cst.Call, qualname: str | None) -> None:
        if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Call):
            if self._super_call(node.func.value, node.func.attr.value, node):
                return
            # `TrainLoop(...).run_loop()`: a method of an object built in place.
            built = self.model.built_by(node.func.value)
            if built is not None:
                self._instance_call(built, node.func.attr.value, node)
                self._hook_calls(built, node.func.attr.value, node)  # `Trainer(model=net).train()`
            return
        if isinstance(node.func, cst.Call):
            built = self.model.built_by(node.func)  # `Scaler()(loss)`, `Net().cuda()(x)`
            if built is not None:
                self._instance_call(built, "", node)
            return
        dotted = dotted_name(node.func)
        # A seeding helper's call (`set_seed(args.seed)`) keeps the seed it passes on.
        data = self._seed_given(node) if "seed" in (qualname or dotted or "").rpartition(".")[2].lower() else ()
        if qualname is not None and not self.imports.resolved_through_star(node.func):
            self._emit_call(qualname, node, data=data)
            return
        if dotted is None:
            return
        head, _, rest = dotted.partition(".")
        alias = self.model.alias(head)
        if alias is not None and self.model.instance(head) is None:
            head, rest = "self", alias.partition(".")[2] + (f".{rest}" if rest else "")  # `model(x)` is `self.model(x)`
        if head in ("self", "cls") and rest:
            owner = self.model.enclosing_class()
            attribute, _, method = rest.partition(".")
            held = self.model.attribute(owner, attribute) if owner else None
            if held is not None and "." not in method:
                self._instance_call(held, method, node)  # `self.block(x)`, `self.encoder.encode(x)`
            elif owner and "." not in method and self._held_from_parameter(owner, attribute):
                # `self.model(x)` where `__init__` kept what it was passed: the construction says what.
                methods = self._methods_run(method, class_known=False)
                self._emit(EventKind.PARAM, f"self.{attribute}", node, detail=",".join(methods))
            elif owner and "." not in rest:
                self._emit_call(f"{self.module_name}.{owner}.{rest}", node, data=data)
            return
        instance = self.model.instance(head)
        if instance is not None and "." not in rest:
            self._instance_call(instance, rest, node)  # `model(x)`, `trainer.fit(model)`
            self._hook_calls(instance, rest, node)  # what `trainer.fit(model)` runs of `model`
            return
        if instance is None and "." not in rest and self._parameter(head):
            # `model(data)` where `model` is a parameter: the call sites say what it holds.
            methods = self._methods_run(rest, class_known=False)
            self._emit(EventKind.PARAM, head, node, detail=",".join(methods))
            return
        # A name a star import may bind: a local definition first, else a star module's (`fallback`).
        fallback = ALTERNATIVES.join(self.imports.star_candidates(node.func))
        self._emit(EventKind.CALL, "", node, raw_target=dotted, data=data + self.model.passed(node), fallback=fallback)

    def _instance_call(
        self,
        instance: Instance,
        method: str,
        node: cst.CSTNode,
        *,
        in_worker: bool = False,
        makes_batches: bool = False,
        data: tuple[tuple[str, object], ...] = (),
    ) -> None:
        """A call of an object whose class is known, or of one of its methods: `model(x)` runs the
        class's `forward` (in code that uses PyTorch) or `call` (Keras); a Keras model's `fit` runs its
        `train_step` and `call` too."""
        if instance.members and not method:
            for member in instance.members:  # a container runs its modules (`self.blocks(x)`, `block(x)`)
                self._instance_call(member, method, node, in_worker=in_worker, makes_batches=makes_batches, data=data)
            return
        if instance.passed:  # what its methods find in `self.<attribute>` (see `CallGraph._bind`)
            data = (*data, ("self_args", instance.passed))
        for run in self._methods_run(method):
            if instance.qualified:
                if instance.callee.split(".")[0] not in self._external:
                    self._emit(
                        EventKind.CALL,
                        f"{instance.callee}.{run}",
                        node,
                        in_worker=in_worker,
                        makes_batches=makes_batches,
                        data=data,
                    )
            else:
                fallback = ALTERNATIVES.join(f"{name}.{run}" for name in instance.fallback.split(ALTERNATIVES) if name)
                target = f"{instance.callee}.{run}"
                self._emit(
                    EventKind.CALL,
                    "",
                    node,
                    raw_target=target,
                    fallback=fallback,
                    in_worker=in_worker,
                    makes_batches=makes_batches,
                    data=data,
                )

    def _methods_run(self, method: str, *, class_known: bool = True) -> tuple[str, ...]:
        """What calling an instance (`method` "") or one of its methods runs of its class. Where the
        class is only known on each path (a parameter), every framework's method is named: the path
        resolves only those the class has."""
        imported = self.imports.top_level_modules
        if not method:
            # Python runs the class's `__call__`; a framework's base class turns it into `forward`/`call`.
            return ("__call__", *self.call_paths.called_methods(imported if class_known else None))
        return (method, *self.call_paths.self_hooks(method, imported))

    def _callback_events(self, node: cst.Call) -> None:
        # `Fire(main)`, `mp.spawn(worker)`: the callee runs the function it is given. Classes and
        # containers (`dict(block=Block)`, `partial(Mlp)`) only keep it for later.
        # A loader's callbacks (`collate_fn=`) make batches: no gradient flows back into them.
        receiver = self.imports.resolve(node.func) or dotted_name(node.func) or ""
        if receiver in _KEEPERS or receiver.rsplit(".", 1)[-1].startswith("register"):
            return
        hook = self.call_paths.hook(receiver)
        handed_to_loader = hook is not None and ITERATION in hook.runs_on
        for arg in node.args:
            making_batches = handed_to_loader or (
                arg.keyword is not None and arg.keyword.value in self.call_paths.batch_callbacks
            )
            for value in _either(arg.value):
                if isinstance(value, (cst.Name, cst.Attribute)):
                    self._callback_event(value, arg, making_batches)

    def _callback_event(self, value: cst.Name | cst.Attribute, arg: cst.Arg, makes_batches: bool) -> None:
        qualname = self.imports.resolve(value)
        if qualname is not None:
            self._emit_call(qualname, arg, Confidence.MEDIUM, detail="callback", makes_batches=makes_batches)
        else:
            dotted = dotted_name(value)
            if dotted and dotted.split(".")[0] not in ("self", "cls"):
                self._emit(
                    EventKind.CALL,
                    "",
                    arg,
                    Confidence.MEDIUM,
                    detail="callback",
                    raw_target=dotted,
                    makes_batches=makes_batches,
                )

    def _emit_call(
        self,
        qualname: str,
        node: cst.CSTNode,
        confidence: Confidence = Confidence.HIGH,
        *,
        detail: str = "",
        data: tuple[tuple[str, object], ...] = (),
        makes_batches: bool = False,
    ) -> None:
        if qualname.split(".")[0] not in self._external:
            data = data + self.model.passed(node)
            self._emit(
                EventKind.CALL, qualname, node, confidence, detail=detail, data=data, makes_batches=makes_batches
            )

    def _super_call(self, receiver: cst.Call, method: str, node: cst.Call) -> bool:
        """`super().__init__(...)`, `super().forward(x)` in a method: the method of the class's first base
        that is not a framework's (the call graph walks on to that base's own bases). True when the
        receiver is `super()`."""
        if not (isinstance(receiver.func, cst.Name) and receiver.func.value == "super"):
            return False
        owner = self.model.enclosing_class()
        for base in self._classes.get(owner or "", ()):
            target = f"{self.module_name}.{base}" if base in self._classes else base
            if target.split(".")[0] not in self._external:
                self._emit_call(f"{target}.{method}", node)
                break
        return True

    def _in_main_guard(self) -> bool:
        return self._main_guard is not None and any(
            statement is self._main_guard for statement in self.context.statement_stack
        )

    def _emit(
        self,
        kind: EventKind,
        subject: str,
        node: cst.CSTNode,
        confidence: Confidence = Confidence.HIGH,
        *,
        detail: str = "",
        covers: tuple[str, ...] = (),
        deferred: bool = False,
        data: tuple[tuple[str, object], ...] = (),
        raw_target: str = "",
        fallback: str = "",
        in_worker: bool = False,
        makes_batches: bool = False,
        option: str = "",
    ) -> None:
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        guarded = not self.context.scope_stack and self._in_main_guard()
        self._pending.append(
            _Pending(
                kind,
                subject,
                node,
                statement,
                self._scope(),
                confidence,
                detail,
                covers,
                deferred,
                data,
                guarded,
                raw_target,
                fallback,
                any(not making_data for _, making_data in self._forward_only),
                in_worker,
                makes_batches or any(making_data for _, making_data in self._forward_only),
                option,
            )
        )

    # -- result -------------------------------------------------------------------------------------
    def _held_generator_events(self) -> None:
        for owner, attribute, node, qualname in self._held:
            if (owner, attribute) in self._item_uses:
                statement = node  # reported at the assignment, in the class's __init__
                self._pending.append(
                    _Pending(EventKind.OWN_GENERATOR, owner, node.value, statement, f"{owner}.__init__", detail=qualname)
                )

    def facts(self) -> FileFacts:
        self._held_generator_events()
        module = self.context.module
        pending = [item for item in map(self._resolve_later, self._pending) if item is not None]
        nodes: list[cst.CSTNode] = [item.node for item in pending]
        for item in pending:
            if item.statement is not None:
                nodes.extend(statement_nodes(item.statement))
        if self._main_guard is not None:
            nodes.append(self._main_guard)
        spans = locate(module, nodes)
        path = self.context.path
        sites: dict[int, Site] = {}

        indent_unit = "\t" if module.default_indent.startswith("\t") else " "

        def site(node: cst.CSTNode, statement: cst.CSTNode | None, scope: str) -> Site:
            if id(node) not in sites:
                span = spans[id(node)]
                lines = statement_lines(spans, statement) if statement else (span.line, span.line)
                anchor = code_of(node, module)[:200]
                indent = indent_unit * spans[id(statement)].column if statement else ""
                sites[id(node)] = Site(path, span, lines, anchor, scope, indent)
            return sites[id(node)]

        events: dict[str, list[Event]] = {name: [] for name in self._scopes}
        for item in pending:
            event = Event(
                item.kind,
                item.subject,
                site(item.node, item.statement, item.scope),
                item.confidence,
                item.detail,
                item.covers,
                item.deferred,
                item.data,
                item.guarded,
                item.no_grad,
                item.in_worker,
                item.makes_batches,
                item.option,
            )
            events.setdefault(item.scope, []).append(event)
        guard = self._main_guard
        return FileFacts(
            path=path,
            module=self.module_name,
            imports=frozenset(self.imports.imported_modules),
            bindings=dict(self.imports.bindings),
            scopes={
                name: ScopeFacts(
                    name,
                    tuple(items),
                    self._scopes.get(name, ()),
                    tuple(self._from_parameters.get(name, ())),
                    self._decorators.get(name, ()),
                    name in self._gradients_off,
                )
                for name, items in events.items()
            },
            classes=dict(self._classes),
            has_main_guard=guard is not None,
            main_guard=site(guard, None, MODULE_SCOPE) if guard is not None else None,
            # Module-level statement calls and loops are work; so is module-level code that seeds,
            # draws random numbers or runs ops (`W = nn.Linear(2, 2)`), unlike `logger = get_logger()`.
            runs_work=self._runs_work
            or any(
                item.scope == MODULE_SCOPE
                and not item.guarded
                and item.kind not in STRUCTURAL
                # Choosing a device (`DEVICE = "cuda" if torch.cuda.is_available() else "cpu"`) is set-up.
                and not (item.kind is EventKind.CUDA and item.detail != CUDA_STARTS)
                for item in pending
            ),
            is_test=is_test_path(path),
            is_notebook=path.endswith(".ipynb"),
            star_imports=tuple(self.imports.star_modules),
            is_illustration=is_illustration(module.get_docstring(clean=False)),
        )

    def _resolve_later(self, item: _Pending) -> _Pending | None:
        """Names called before their definition was seen: local functions, classes and methods."""
        if item.kind is not EventKind.CALL or item.subject:
            return item
        head, _, rest = item.raw_target.partition(".")
        scope_parts = item.scope.split(".") if item.scope else []
        callback = item.detail == "callback"
        for depth in range(len(scope_parts), -1, -1):  # innermost enclosing definition first
            candidate = ".".join([*scope_parts[:depth], head])
            if callback and not rest and candidate in self._classes:
                return None  # a class handed over is constructed later, if ever (its methods run when called)
            if candidate in self._scopes or candidate in self._classes:
                item.subject = f"{self.module_name}.{candidate}" + (f".{rest}" if rest else "")
                return item
        candidates = [name for name in item.fallback.split(ALTERNATIVES) if name and name.split(".")[0] not in self._external]
        if candidates:
            item.subject = ALTERNATIVES.join(candidates)  # the project graph knows which star module defines it
            return item
        return None  # a builtin, a local variable, or an attribute of one


def _data_flags(source) -> tuple[tuple[str, bool], ...]:
    """A DATA event's flags from its `data_sources` entry: brings a model, loads weights, writes a result,
    exports a model."""
    return tuple((flag, True) for flag in ("model", "loads_weights", "writes", "exports") if source.get(flag))

def _uses_own_generator(node: cst.Call, entry) -> bool:
    """`torch.randperm(n, generator=g)` or `tf.random.uniform(..., seed=1)`: not the global generator."""
    for keyword in (entry.get("local_generator_keyword"), entry.get("seed_keyword")):
        if keyword:
            arg = argument(node, keyword)
            if arg is not None and literal_value(arg.value) is not None:
                return True
    return False


def is_main_guard(test: cst.BaseExpression) -> bool:
    """`__name__ == "__main__"`, in either order."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    comparison = test.comparisons[0]
    if not isinstance(comparison.operator, cst.Equal):
        return False
    sides = [dotted_name(side) or literal_value(side) for side in (test.left, comparison.comparator)]
    return all(isinstance(side, str) for side in sides) and set(sides) == {"__name__", "__main__"}


def _passed(arg: cst.Arg | None) -> bool:
    """Whether an argument is given a value other than a literal False or None."""
    return arg is not None and literal_value(arg.value) not in (False, None)


def _seeds(seed: cst.Arg | None, config_fields) -> bool:
    """Whether a pipeline call's seed argument seeds it. With `config_fields`, the argument is a
    config object: one built in the call (`tfds.ReadConfig(...)`) seeds only when it sets one of
    those fields; one built elsewhere is trusted."""
    if not given(seed):
        return False
    if not config_fields or not isinstance(seed.value, cst.Call):
        return True
    return any(given(argument(seed.value, field)) for field in config_fields)


def _chain_root(value: cst.BaseExpression) -> cst.BaseExpression:
    """The start of a method chain: `ds` in `ds.map(f).batch(32).prefetch(2)`."""
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
        value = value.func.value
    return value


def _in_chain(value: cst.BaseExpression, node: cst.Call) -> bool:
    """`node` is a link of the method chain `value` (`ds.shuffle(100)` in `ds.shuffle(100).batch(32)`)."""
    while True:
        if value is node:
            return True
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)):
            return False
        value = value.func.value


def _fixed_initializer(node: cst.Call, entry) -> bool:
    """A layer given an initializer that draws nothing (`kernel_initializer="zeros"`, `Constant(0.5)`)."""
    fixed = entry.get("fixed_initializers")
    given = argument(node, fixed["keyword"]) if fixed else None
    if given is None:
        return False
    value = given.value.func if isinstance(given.value, cst.Call) else given.value
    name = literal_value(value) if isinstance(value, cst.SimpleString) else dotted_name(value)
    return isinstance(name, str) and name.rpartition(".")[2].lower() in fixed["names"]

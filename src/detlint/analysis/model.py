"""The semantic model of one file, filled in by one visitor that runs in the engine's traversal after
the scope tracker and before the facts collector and the rules, which read it through
`FileContext.model`.

It keeps, per scope, the expression last assigned to each name so far and what each name holds when
a call built it (`Instance`), also per class attribute (`self.block = Block()`) and through local
names for attributes (`model = self.model`); which methods are called on which names, and which name
each call's result is bound to; which attributes of imported modules each statement writes, and the
last write to each per block; and, computed on first use, each function's `Scope` of bindings."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace

import libcst as cst

from detlint.analysis.scopes import Scope
from detlint.analysis.statements import parameters
from detlint.analysis.values import Instance, Known
from detlint.catalogs.conditions import CommandLineDefault
from detlint.catalogs.loader import Catalog
from detlint.checks.base import FileContext, visitor_names
from detlint.facts.model import ALTERNATIVES, FORWARDED, MODULE_SCOPE
from detlint.facts.op_calls import OP_CATALOGS
from detlint.facts.switches import SwitchWrite, switch_writes
from detlint.names import NOT_LITERAL, argument, dotted_name, literal_value

STDLIB = frozenset(sys.stdlib_module_names) | {"builtins"}


def external_packages(catalog: Catalog, module_name: str) -> frozenset[str]:
    """Packages whose calls never reach project code: the standard library and the frameworks, unless
    the file is part of that framework itself."""
    frameworks = {catalog.ops[name].coverage.package for name in OP_CATALOGS} | set(catalog.rng.libraries)
    return (STDLIB | frameworks) - {module_name.split(".")[0]}


class SemanticModel(cst.BatchableCSTVisitor):
    def __init__(self, context: FileContext, module_name: str) -> None:
        super().__init__()
        self.context = context
        self.module_name = module_name
        self.imports = context.imports
        self.call_paths = context.catalog.call_paths
        self.rng = context.catalog.rng
        self.external = external_packages(context.catalog, module_name)
        self._parameters: dict[str, frozenset[str]] = {}  # function scope -> its parameter names
        self._module_bases = frozenset(  # `torch.nn.Module`, `keras.Model`, ...: what any model is
            base for entry in self.call_paths.instance_calls for base in entry["bases"]
        )
        self.classes: dict[str, tuple[str, ...]] = {}  # class scope -> its bases, qualified where imported
        self._instances: dict[str, dict[str, Instance]] = {}  # scope -> variable -> what it holds
        self._attributes: dict[str, dict[str, Instance]] = {}  # class -> `self.<attribute>` -> what it holds
        self._aliases: dict[str, dict[str, str]] = {}  # scope -> local name -> the `self.<attribute>` it holds
        self._assigned: dict[str, dict[str, cst.BaseExpression]] = {}  # scope -> name -> its latest value
        self._loaders: dict[int, int] = {}  # id of a loader's construction -> its number
        self._methods_on: dict[str, set[str]] = {}  # dotted name -> methods called on it
        self._methods_on_result: dict[int, set[str]] = {}  # id of a call -> methods called on its result
        self._bound_to: dict[int, str] = {}  # id of a call -> the name its result is assigned to
        self._writes: dict[int, tuple[SwitchWrite, ...]] = {}  # id of a statement or call -> what it writes
        # id of a block (None's at module level) -> attribute -> the last write to it there.
        self._last_writes: dict[int, dict[str, SwitchWrite]] = {}
        self._scopes: dict[int, Scope] = {}
        self._options: dict[str, object] = {}  # command-line option (its `dest`) -> its literal default
        self._defaults: dict[str, dict[str, cst.BaseExpression]] = {}  # function scope -> parameter -> default
        self._fields: dict[str, list[cst.BaseExpression]] = {}  # class attribute -> the values classes give it

    def get_visitors(self) -> dict[str, Callable[[cst.CSTNode], None]]:
        return {name: getattr(self, name) for name in visitor_names(type(self))}

    # -- queries ----------------------------------------------------------------------------------------
    def scope_name(self) -> str:
        return ".".join(self.context.scope_stack)

    def scope(self, node: cst.Module | cst.FunctionDef) -> Scope:
        """The bindings of a module's or a function's body (computed once, on first use)."""
        scope = self._scopes.get(id(node))
        if scope is None:
            if isinstance(node, cst.Module):
                scope = Scope(node.body)
            else:
                body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
                scope = Scope(body, parameters(node))
            self._scopes[id(node)] = scope
        return scope

    def assigned(self, name: str) -> cst.BaseExpression | None:
        """The expression last assigned to a name before this point: a local of the current scope, else
        a module-level name (`SEED = int(time.time())`)."""
        local = self._assigned.get(self.scope_name(), {}).get(name)
        return local if local is not None else self._assigned.get(MODULE_SCOPE, {}).get(name)

    def is_parameter(self, name: str) -> bool:
        """A parameter of the function being visited that no statement before this point rebinds."""
        scope = self.scope_name()
        return name in self._parameters.get(scope, ()) and name not in self._assigned.get(scope, {})

    def module_constant(self, name: str) -> cst.BaseExpression | None:
        """The expression last assigned to a module-level name."""
        return self._assigned.get(MODULE_SCOPE, {}).get(name)

    def instance(self, name: str) -> Instance | None:
        """The instance a local (or else a module-level) variable holds."""
        return self._instances.get(self.scope_name(), {}).get(name) or self._instances.get(MODULE_SCOPE, {}).get(name)

    def attribute(self, owner: str, attribute: str) -> Instance | None:
        """What `self.<attribute>` holds in the methods of class `owner`."""
        return self._attributes.get(owner, {}).get(attribute)

    def alias(self, name: str) -> str | None:
        """The `self.<attribute>` a local name of the current scope stands for."""
        return self._aliases.get(self.scope_name(), {}).get(name)

    def methods_on(self, name: str) -> frozenset[str]:
        """The methods called anywhere in the file on a (dotted) name: `g.manual_seed(0)`."""
        return frozenset(self._methods_on.get(name, ()))

    def methods_on_result(self, call: cst.Call) -> frozenset[str]:
        """The methods chained on a call's result: `torch.Generator().manual_seed(0)`."""
        return frozenset(self._methods_on_result.get(id(call), ()))

    def bound_to(self, call: cst.Call) -> str | None:
        """The (dotted) name a call's result is assigned to, when it is the whole value."""
        return self._bound_to.get(id(call))

    def attribute_writes(self, node: cst.CSTNode) -> tuple[SwitchWrite, ...]:
        """The attributes of imported modules an assignment or a `setattr` call writes
        (`torch.backends.cudnn.benchmark = True`)."""
        return self._writes.get(id(node), ())

    def last_attribute_writes(self) -> list[dict[str, SwitchWrite]]:
        """Per block (a branch's body, or the module's top level), the last write to each attribute of
        an imported module: opposite branches are different blocks, and never hold together."""
        return list(self._last_writes.values())

    def enclosing_class(self) -> str | None:
        stack = self.context.scope_stack
        for depth in range(len(stack) - 1, 0, -1):
            candidate = ".".join(stack[:depth])
            if candidate in self.classes:
                return candidate
        return None

    def built_by(self, call: cst.Call) -> Instance | None:
        """The instance a call's result is: what a constructor call builds, through methods that return
        the object itself (`Net().to(device)`, `model.eval()`)."""
        while isinstance(call.func, cst.Attribute) and call.func.attr.value in self.call_paths.returning_self:
            receiver = call.func.value
            if isinstance(receiver, cst.Call):
                call = receiver
                continue
            return self.instance(receiver.value) if isinstance(receiver, cst.Name) else None
        returned = self.returned_arguments(call)
        if returned is not None:
            return returned[0] if len(returned) == 1 else None
        qualname = self.imports.resolve(call.func)
        if qualname is not None and not self.imports.resolved_through_star(call.func):
            wrapped = self.call_paths.wrapped_argument(qualname)
            if wrapped is not None:
                return self.handed(call, wrapped)  # `torch.compile(model)`, `DDP(model)`: still runs `model`
            hook = self.call_paths.hook(qualname)
            held = self.handed(call, hook.holds) if hook is not None and hook.holds else None
            workers = self._starts_workers(call, qualname)
            loader = self.loader_number(call) if workers else -1
            own = qualname.split(".")[0] not in self.external  # a project class: its methods may use them
            passed = self._passed_instances(call) if own else ()
            members = self._members(call) if qualname in self.call_paths.containers else ()
            return Instance(qualname, True, held=held, in_workers=workers, loader=loader, passed=passed, members=members)
        dotted = dotted_name(call.func)
        if dotted is None:
            return None
        # A name a star import may bind: a local definition first, else a star module's.
        fallback = ALTERNATIVES.join(self.imports.star_candidates(call.func))
        # What a class of the file (or a star module's) is passed; a plain function call keeps nothing.
        may_be_class = fallback or dotted.split(".")[0] in self.classes
        passed = self._passed_instances(call) if may_be_class else ()
        return Instance(dotted, False, fallback, passed=passed)

    def _members(self, call: cst.Call) -> tuple[Instance, ...]:
        """The modules a container is built with: its arguments, a list of them, or the element of a
        comprehension (`nn.Sequential(*[Block(i) for i in range(depth)])`)."""
        found = []
        for arg in call.args:
            values = arg.value.elements if isinstance(arg.value, (cst.List, cst.Tuple)) else [arg.value]
            for value in values:
                element = value.value if isinstance(value, cst.BaseElement) else value
                if isinstance(element, (cst.ListComp, cst.GeneratorExp)):
                    element = element.elt
                member = (
                    self.built_by(element)
                    if isinstance(element, cst.Call)
                    else self.instance(element.value) if isinstance(element, cst.Name) else None
                )
                if member is not None:
                    found.append(member)
        return tuple(found)

    def handed(self, call: cst.Call, where: tuple[str, int | None]) -> Instance | None:
        """The object passed to a call at `where` (keyword, position): a variable holding an instance,
        or a construction written in place (`DataLoader(Images(root))`)."""
        given = argument(call, *where)
        if given is None:
            return None
        if isinstance(given.value, cst.Name):
            return self.instance(given.value.value)
        if isinstance(given.value, cst.Attribute):
            return self._attribute_instance(given.value)  # `torch.compile(self.model)`
        return self.built_by(given.value) if isinstance(given.value, cst.Call) else None

    def _attribute_instance(self, node: cst.Attribute) -> Instance | None:
        """The instance `self.<attribute>` holds in the enclosing class's methods."""
        head, _, attribute = (dotted_name(node) or "").partition(".")
        owner = self.enclosing_class()
        if head != "self" or not owner or "." in attribute:
            return None
        return self.attribute(owner, attribute)

    def returned_arguments(self, call: cst.Call) -> list[Instance | None] | None:
        """What a method that hands back its arguments returns, in order (`accelerator.prepare(model,
        optimizer, loader)`); None when the call is not such a method."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return None
        receiver = self.instance(func.value.value)
        if receiver is None or not receiver.qualified:
            return None
        if not self.call_paths.returns_arguments(func.attr.value, receiver.callee):
            return None
        return [self.handed(call, ("", position)) for position in range(len(call.args))]

    def passed(self, node: cst.CSTNode) -> tuple[tuple[str, object], ...]:
        """The instances a call passes (`train(model, loader)`), for the callee's PARAM events: each as
        (position or keyword, qualified class, held class, in workers, loader number)."""
        instances = self._passed_instances(node) if isinstance(node, cst.Call) else ()
        return (("args", instances),) if instances else ()

    def _passed_instances(self, call: cst.Call) -> tuple:
        passed = []
        for position, arg in enumerate(call.args):
            if arg.star:
                continue
            if isinstance(arg.value, cst.Name):
                instance = self.instance(arg.value.value)
                if instance is None and arg.value.value in self._parameters.get(self.scope_name(), ()):
                    slot = arg.keyword.value if arg.keyword is not None else position
                    passed.append((slot, f"{FORWARDED}{arg.value.value}", "", False, -1))  # the caller's binding
                    continue
            elif isinstance(arg.value, cst.Call):
                instance = self.built_by(arg.value)  # `run(DataLoader(dataset))`
            else:
                continue
            qualified = self.qualified(instance) if instance is not None else None
            if qualified is None:
                continue
            held = self.qualified(instance.held) if instance.held is not None else None
            slot = arg.keyword.value if arg.keyword is not None else position
            passed.append((slot, qualified, held or "", instance.in_workers, instance.loader))
        return tuple(passed)

    def qualified(self, instance: Instance) -> str | None:
        """An instance's class by qualified name: imported, the file's own, or a star module's."""
        if instance.qualified:
            return instance.callee
        if instance.callee.split(".")[0] in self.classes:
            return f"{self.module_name}.{instance.callee}"
        return instance.fallback or None

    def loader_number(self, call: cst.Call) -> int:
        """A number for a loader's construction, the same for its LOADER event and for the calls its
        iteration makes into the dataset."""
        return self._loaders.setdefault(id(call), len(self._loaders))

    def _starts_workers(self, call: cst.Call, qualname: str) -> bool:
        """A loader whose `num_workers` is not a literal 0: a literal above 0, or a value from the run's
        configuration (`num_workers=args.workers`), where a run with workers is the case checked."""
        loader = self.rng.worker_loader(qualname)
        if loader is None:
            return False
        ref = loader["workers_argument"]
        workers = argument(call, ref["keyword"], ref.get("position"))
        count = literal_value(workers.value) if workers is not None else 0
        return count is NOT_LITERAL or (isinstance(count, int) and not isinstance(count, bool) and count > 0)

    # -- filling it in ------------------------------------------------------------------------------------
    def visit_For(self, node: cst.For) -> None:
        """`for block in self.blocks:` over a container: the loop variable is one of its members."""
        iterated = node.iter
        if isinstance(iterated, cst.Name):
            container = self.instance(iterated.value)
        elif isinstance(iterated, cst.Attribute):
            container = self._attribute_instance(iterated)
        else:
            container = None
        if container is not None and container.members and isinstance(node.target, cst.Name):
            self._instances.setdefault(self.scope_name(), {})[node.target.value] = container

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._parameters[self.scope_name()] = frozenset(parameters(node))
        params = node.params
        self._defaults[self.scope_name()] = {
            param.name.value: param.default
            for param in (*params.posonly_params, *params.params, *params.kwonly_params)
            if param.default is not None
        }

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        imports = self.imports
        bases = tuple(filter(None, (imports.resolve(base.value) or dotted_name(base.value) for base in node.bases)))
        self.classes[self.scope_name()] = bases

    def _record_writes(self, node: cst.Assign | cst.AnnAssign | cst.Call) -> None:
        writes = tuple(switch_writes(self.imports, node))
        if writes:
            self._writes[id(node)] = writes
            blocks = self.context.block_stack
            last = self._last_writes.setdefault(id(blocks[-1] if blocks else None), {})
            for write in writes:
                last[write.qualname] = write

    def visit_Call(self, node: cst.Call) -> None:
        self._record_writes(node)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "add_argument":
            self._record_option(node)
        if isinstance(func, cst.Attribute):
            if isinstance(func.value, cst.Call):
                self._methods_on_result.setdefault(id(func.value), set()).add(func.attr.value)
            else:
                receiver = dotted_name(func.value)
                if receiver:
                    self._methods_on.setdefault(receiver, set()).add(func.attr.value)

    def _record_option(self, node: cst.Call) -> None:
        """`parser.add_argument("--compile-mode", default=None)`: `args.compile_mode` is that default
        unless the command line says otherwise (argparse's `dest` rules; `store_true` defaults to False)."""
        names = [literal_value(arg.value) for arg in node.args if arg.keyword is None]
        given = {
            name: self.known(arg.value).value for name in ("dest", "action", "default") if (arg := argument(node, name))
        }
        dest = given.get("dest")
        if not isinstance(dest, str):
            long = [name for name in names if isinstance(name, str) and name.startswith("--")]
            short = [name for name in names if isinstance(name, str) and name.startswith("-")]
            chosen = (long or short or [None])[0]
            dest = chosen.lstrip("-").replace("-", "_") if chosen else None
        if not dest:
            return
        if "default" in given:
            value = given["default"]
        else:
            value = {"store_true": False, "store_false": True}.get(str(given.get("action")))
        if value is not NOT_LITERAL:
            self._options[dest] = value

    def known(self, node: cst.BaseExpression, depth: int = 0) -> Known:
        """What a value is known to be where it is used: a literal written there, or followed through a
        local assignment, a parameter's default, a module constant, a command-line option's default
        (`args.model`) or a config class's field default (`cfg.model` where one class of the file
        declares `model: str = "..."`). `str(x)` is `x`."""
        value = literal_value(node)
        if value is not NOT_LITERAL or depth > 4:
            return Known(value)
        scope = self.scope_name()
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "str" and node.args:
            return self.known(node.args[0].value, depth + 1)
        if isinstance(node, cst.Name):
            name = node.value
            local = self._assigned.get(scope, {}).get(name) if scope else None
            if local is not None and local is not node:
                return self.known(local, depth + 1)
            if name in self._parameters.get(scope, ()):
                default = self._defaults.get(scope, {}).get(name)
                if default is None:
                    return Known(NOT_LITERAL)
                return replace(self.known(default, depth + 1), via="default")
            constant = self._assigned.get(MODULE_SCOPE, {}).get(name)
            if constant is not None and constant is not node:
                return replace(self.known(constant, depth + 1), via="constant")
            return Known(NOT_LITERAL)
        option = self.command_line_value(node)
        if isinstance(option, CommandLineDefault):
            return Known(option.value, "option")
        if isinstance(node, cst.Attribute):
            given = (self.known(value, depth + 1) for value in self._fields.get(node.attr.value, ()))
            values = {repr(known.value): known for known in given}
            if len(values) == 1:
                return replace(next(iter(values.values())), via="field")
        return Known(NOT_LITERAL)

    def command_line_value(self, node: cst.BaseExpression) -> object:
        """What `args.<dest>` is known to be: an option of this file's parser, by its default."""
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.attr.value in self._options:
            return CommandLineDefault(self._options[node.attr.value])
        return NOT_LITERAL

    def _record_field(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """`model: str = "bert-base-uncased"` (or `= field(default=...)`) in a class body."""
        if not isinstance(target, cst.Name) or self.scope_name() not in self.classes:
            return
        if isinstance(value, cst.Call) and dotted_name(value.func) in ("field", "dataclasses.field"):
            given = argument(value, "default")
            if given is None:
                return
            value = given.value
        self._fields.setdefault(target.value, []).append(value)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        """The name is bound once its value is computed: `x = f(x)` reads the `x` bound before."""
        for target in original_node.targets:
            if isinstance(target.target, cst.Name):
                self._assigned.setdefault(self.scope_name(), {})[target.target.value] = original_node.value

    def visit_Assign(self, node: cst.Assign) -> None:
        self._record_writes(node)
        if len(node.targets) == 1:
            self._record_field(node.targets[0].target, node.value)
        self._local_aliases(node)
        if not isinstance(node.value, cst.Call) or len(node.targets) != 1:
            return
        target = node.targets[0].target
        self._unpacked_arguments(target, node.value)
        dotted = dotted_name(target)
        if dotted:
            self._bound_to[id(node.value)] = dotted
        # `trainer = Trainer(...)`: later `trainer.fit()` calls Trainer.fit; `model = Net().to(device)`:
        # later `model(x)` runs Net.forward.
        instance = self.built_by(node.value)
        if instance is None:
            return
        if isinstance(target, cst.Name):
            self._instances.setdefault(self.scope_name(), {})[target.value] = instance
        elif (dotted or "").count(".") == 1:
            head, _, attribute = (dotted or "").partition(".")
            owner = self.enclosing_class()
            if head == "self" and owner:
                self._attributes.setdefault(owner, {})[attribute] = instance

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """`trainer: Trainer = instantiate(cfg.trainer)`: the annotation says what the value is."""
        self._record_writes(node)
        if node.value is None or not isinstance(node.target, cst.Name):
            return
        self._record_field(node.target, node.value)
        built = self.built_by(node.value) if isinstance(node.value, cst.Call) else None
        annotated = self.imports.resolve(node.annotation.annotation)
        # A factory's result (`hydra.utils.instantiate(...)`) is what the annotation says; a framework's
        # base class as the annotation (`model: nn.Module = Net()`) says less than the call.
        generic = built is not None and annotated in self._module_bases
        if annotated is not None and not generic and (built is None or built.callee != annotated):
            built = Instance(annotated, True)  # built by a factory (`hydra.utils.instantiate`): the annotation says what
        if built is not None:
            self._instances.setdefault(self.scope_name(), {})[node.target.value] = built

    def _unpacked_arguments(self, target: cst.BaseExpression, value: cst.Call) -> None:
        """`model, optimizer, loader = accelerator.prepare(model, optimizer, loader)`: each name holds
        what was passed at its position."""
        if not isinstance(target, (cst.Tuple, cst.List)):
            return
        returned = self.returned_arguments(value)
        if returned is None or len(returned) != len(target.elements):
            return
        for element, instance in zip(target.elements, returned):
            if isinstance(element.value, cst.Name) and instance is not None:
                self._instances.setdefault(self.scope_name(), {})[element.value.value] = instance

    def _local_aliases(self, node: cst.Assign) -> None:
        """`model = self.model` or `model, config = self.model, self.config`: a local name for an
        attribute, so that `model(x)` is a call of `self.model`."""
        if len(node.targets) != 1:
            return
        target, value = node.targets[0].target, node.value
        pairs = (
            zip((element.value for element in target.elements), (element.value for element in value.elements))
            if isinstance(target, cst.Tuple) and isinstance(value, cst.Tuple) and len(target.elements) == len(value.elements)
            else [(target, value)]
        )
        aliases = self._aliases.setdefault(self.scope_name(), {})
        for name, aliased in pairs:
            if isinstance(name, cst.Name):
                dotted = dotted_name(aliased) or ""
                if dotted.startswith("self.") and dotted.count(".") == 1:
                    aliases[name.value] = dotted
                else:
                    aliases.pop(name.value, None)

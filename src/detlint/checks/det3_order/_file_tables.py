"""Tables the order rules build once per file and keep on the rule: the file's functions and
classes, where it names each of them, the globals its functions read, and what it seeds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from detlint.analysis.statements import descendants, parameter_nodes, parameters, target_names
from detlint.checks.det3_order._syntax import _assigned_names, _walk_statements, suite
from detlint.names import code_of, dotted_name


Definitions = tuple[dict[str, cst.FunctionDef], dict[str, dict[str, cst.FunctionDef]]]


def _definitions(rule: object, module: cst.Module) -> Definitions:
    """The file's module-level functions and the methods of its module-level classes (cached per file)."""
    cached = rule.__dict__.get("_order_definitions")
    if cached is None:
        functions: dict[str, cst.FunctionDef] = {}
        classes: dict[str, dict[str, cst.FunctionDef]] = {}
        for statement in module.body:
            if isinstance(statement, cst.FunctionDef):
                functions[statement.name.value] = statement
            elif isinstance(statement, cst.ClassDef):
                classes[statement.name.value] = {
                    item.name.value: item for item in suite(statement.body) if isinstance(item, cst.FunctionDef)
                }
        cached = rule.__dict__["_order_definitions"] = (functions, classes)
    return cached


def _class_bases(rule: object, module: cst.Module) -> dict[str, list[str]]:
    """For each module-level class, the classes of the same file it derives from directly (cached)."""
    cached = rule.__dict__.get("_order_class_bases")
    if cached is None:
        classes = _definitions(rule, module)[1]
        # `class Images(Base)`: a bare name; `plugins.Base` is another module's class
        cached = rule.__dict__["_order_class_bases"] = {
            statement.name.value: [
                arg.value.value
                for arg in statement.bases
                if isinstance(arg.value, cst.Name)
                and arg.value.value in classes
                and arg.value.value != statement.name.value
            ]
            for statement in module.body
            if isinstance(statement, cst.ClassDef)
        }
    return cached


def _ancestors(rule: object, module: cst.Module, name: str) -> list[str]:
    """The file's classes that `name` derives from, nearest first (a base of a base after its base);
    cached per class."""
    table: dict[str, list[str]] = rule.__dict__.setdefault("_order_ancestors", {})
    found = table.get(name)
    if found is None:
        bases = _class_bases(rule, module)
        found = []
        pending = list(bases.get(name, ()))
        while pending:
            base = pending.pop(0)
            if base not in found and base != name:
                found.append(base)
                pending.extend(bases.get(base, ()))
        table[name] = found
    return found


def _method_in_hierarchy(rule: object, module: cst.Module, class_name: str, method: str) -> cst.FunctionDef | None:
    """What `self.<method>` is in `class_name`: its own definition or the nearest inherited one in the file."""
    classes = _definitions(rule, module)[1]
    for owner in (class_name, *_ancestors(rule, module, class_name)):
        definition = classes.get(owner, {}).get(method)
        if definition is not None:
            return definition
    return None


def _overrides(rule: object, module: cst.Module, class_name: str, method: str) -> list[cst.FunctionDef]:
    """The definitions of `method` in the file's classes derived from `class_name`: what `self.<method>(...)`
    in `class_name` runs when the object is one of them (a template method's steps)."""
    table: dict[tuple[str, str], list[cst.FunctionDef]] = rule.__dict__.setdefault("_order_overrides", {})
    key = (class_name, method)
    if key not in table:
        classes = _definitions(rule, module)[1]
        table[key] = [
            methods[method]
            for name, methods in classes.items()
            if method in methods and class_name in _ancestors(rule, module, name)
        ]
    return table[key]


def _read_in_definitions(rule: object, module: cst.Module) -> set[str]:
    """The globals the file's functions, lambdas and classes may read: the names they mention where no
    enclosing function binds them (`def setup(args)` reads its parameter, not a global `args`). A
    definition's decorators, defaults and annotations are read where it is defined; a class body's
    names are not its methods'."""
    cached = rule.__dict__.get("_order_read_in_definitions")
    if cached is not None:
        return cached
    found: set[str] = set()
    # (node, names the enclosing functions bind, inside a definition or its header)
    stack: list[tuple[cst.CSTNode, frozenset[str], bool]] = [(module, frozenset(), False)]
    while stack:
        node, bound, inside = stack.pop()
        if isinstance(node, cst.Name):
            if inside and node.value not in bound:
                found.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append((node.value, bound, inside))  # `x.inputs` reads no name `inputs`
        elif isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            stack.extend((part, bound, True) for part in _header(node))
            scope = bound if isinstance(node, cst.ClassDef) else (bound - _declared(node, cst.Global)) | _own_names(node)
            stack.append((node.body, scope, True))
        else:
            stack.extend((child, bound, inside) for child in node.children)
    rule.__dict__["_order_read_in_definitions"] = found
    return found


def _header(definition: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> list[cst.CSTNode]:
    """What runs where a definition is made: decorators, bases, parameter defaults and annotations."""
    if isinstance(definition, cst.ClassDef):
        return [*definition.decorators, *definition.bases, *definition.keywords]
    parts: list[cst.CSTNode] = [
        part for param in parameter_nodes(definition) for part in (param.default, param.annotation) if part is not None
    ]
    if isinstance(definition, cst.FunctionDef):
        parts += [*definition.decorators, *([definition.returns] if definition.returns is not None else [])]
    return parts


def _own_names(definition: cst.FunctionDef | cst.Lambda) -> set[str]:
    """The names a function or lambda binds for itself: its parameters and, for a function, what its body
    assigns, imports, defines or catches (`except ... as e`), less what it declares `global` or
    `nonlocal`. (A comprehension's variables are the comprehension's own: not counted, so a name it
    shares with a global still reads the global elsewhere in the function.)"""
    own = set(parameters(definition))
    if isinstance(definition, cst.FunctionDef):
        own |= _assigned_names(suite(definition.body))
        kinds = (cst.FunctionDef, cst.ClassDef, cst.ExceptHandler, cst.Import, cst.ImportFrom)
        for node in descendants(definition.body, kinds, skip=(cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                own.add(node.name.value)
            elif isinstance(node, cst.ExceptHandler) and node.name is not None:
                own.update(target_names(node.name.name))
            elif isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(node.names, cst.ImportStar):
                own.update(code_of(alias.asname.name if alias.asname else alias.name).split(".")[0] for alias in node.names)
    return own - _declared(definition, (cst.Global, cst.Nonlocal))


def _declared(definition: cst.FunctionDef | cst.Lambda, kinds: type | tuple[type, ...]) -> set[str]:
    """The names a function declares `global` (or `nonlocal`): bound outside it, whatever it assigns."""
    if isinstance(definition, cst.Lambda):
        return set()
    return {item.name.value for node in _walk_statements(suite(definition.body)) if isinstance(node, kinds) for item in node.names}


def _redefined(rule: object, module: cst.Module) -> set[str]:
    """Names the module imports and then defines again with `def`: the definition is what they call."""
    cached = rule.__dict__.get("_order_redefined")
    if cached is None:
        last: dict[str, bool] = {}  # name -> whether its last module-level binding is a `def`
        for statement in module.body:
            if isinstance(statement, cst.FunctionDef):
                last[statement.name.value] = True
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                        for alias in small.names:
                            bound = alias.asname.name if alias.asname else alias.name
                            last[code_of(bound).split(".")[0]] = False
        cached = rule.__dict__["_order_redefined"] = {name for name, defined in last.items() if defined}
    return cached


def _nested_definition(rule: object, function: cst.FunctionDef | None, name: str) -> cst.FunctionDef | None:
    """A function defined directly in `function`'s body under `name` (the last definition wins); the
    table of each function is made once per file."""
    if function is None:
        return None
    tables: dict = rule.__dict__.setdefault("_order_nested", {})
    table = tables.get(id(function))
    if table is None:
        table = tables[id(function)] = {
            item.name.value: item for item in suite(function.body) if isinstance(item, cst.FunctionDef)
        }
    return table.get(name)


def _nested_references(enclosing: cst.FunctionDef, function: cst.FunctionDef) -> tuple[int, bool]:
    """`_callers_in_file` for a function nested in `enclosing`: the calls by its name in the enclosing
    body outside its own (not in a lambda), and whether it is named there some other way."""
    name = function.name.value
    inside = {id(node) for node in descendants(function, cst.Name)}
    mentions = [node for node in descendants(enclosing, cst.Name) if node.value == name and id(node) not in inside]
    mentions = [node for node in mentions if node is not function.name]
    calls = [
        call
        for call in descendants(enclosing, cst.Call, skip=(cst.Lambda,))
        if isinstance(call.func, cst.Name) and call.func.value == name and id(call.func) not in inside
    ]
    return len(calls), len(mentions) > len(calls)


def _definition_scope(rule: object, module: cst.Module, definition: cst.FunctionDef) -> str:
    """The dotted scope of a module-level function or a method of a module-level class."""
    functions, classes = _definitions(rule, module)
    owner = next((name for name, methods in classes.items() if definition in methods.values()), None)
    return f"{owner}.{definition.name.value}" if owner else definition.name.value


_CONTAINER_METHODS = frozenset(name for kind in (dict, list, set, str, tuple) for name in dir(kind))


@dataclass
class _References:
    """Where a file names its functions and methods: `calls` by `_local_definition`'s key (`("", name)`
    or `(class, name)`); `names`, bare names outside class bodies' own statements; `class_names`, bare
    names in a class body's own statements (`__iter__ = items`), by (class, name); `attributes`,
    `x.name` by name. Each entry is the top-level function or method the reference is in (None outside
    any)."""

    calls: dict[tuple[str, str], list[cst.FunctionDef | None]] = field(default_factory=dict)
    names: dict[str, list[cst.FunctionDef | None]] = field(default_factory=dict)
    class_names: dict[tuple[str, str], list[cst.FunctionDef | None]] = field(default_factory=dict)
    attributes: dict[str, list[cst.FunctionDef | None]] = field(default_factory=dict)
    # `return x.name(...)`, `yield from x.name(...)`: by name, the function or method (and its class)
    # that hands what the call returns straight back to its own callers
    forwarded: dict[str, list[tuple[cst.FunctionDef, str]]] = field(default_factory=dict)

    def mentions(self, key: tuple[str, str] | None, name: str) -> list[cst.FunctionDef | None]:
        """The references that may name the function or method `key`: a method is named through an
        attribute, or by its bare name in its class's body (a bare name in any function is never a
        method: a local variable `items` is not `self.items`)."""
        if key is not None and key[0]:
            return self.attributes.get(name, []) + self.class_names.get(key, [])
        return self.names.get(name, []) + self.attributes.get(name, [])


def _references(rule: Any, module: cst.Module, classes: dict[str, dict[str, cst.FunctionDef]]) -> _References:
    """Where the file names its functions and methods (cached); `x.name` on a name the file's imports bind
    (`os.walk`) is another module's function, not a method of the file."""
    cached = rule.__dict__.get("_order_references")
    if cached is not None:
        return cached
    modules = rule.context.imports.bindings
    found = rule.__dict__["_order_references"] = _References()
    definitions = {id(node.name) for node in descendants(module, cst.FunctionDef)}
    parts: list[tuple[cst.CSTNode, cst.FunctionDef | None, str | None]] = []
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef):
            parts.append((statement, statement, None))
        elif isinstance(statement, cst.ClassDef):
            for item in suite(statement.body):
                owner = item if isinstance(item, cst.FunctionDef) else None
                parts.append((item, owner, statement.name.value))
        else:
            parts.append((statement, None, None))
    for part, owner, class_name in parts:
        attributes = list(descendants(part, cst.Attribute))
        skipped = definitions | {id(attribute.attr) for attribute in attributes}
        for name in descendants(part, cst.Name):
            if id(name) in skipped:
                continue
            if class_name is not None and owner is None:
                found.class_names.setdefault((class_name, name.value), []).append(owner)
            else:
                found.names.setdefault(name.value, []).append(owner)
        counted: set[int] = set()
        for attribute in attributes:
            receiver = attribute.value
            own = isinstance(receiver, cst.Name) and (receiver.value in ("self", "cls") or receiver.value in classes)
            imported = isinstance(receiver, cst.Name) and receiver.value in modules and receiver.value not in classes
            # `d.items()` on any other receiver is a dict's, not a method of this file's classes
            if not imported and (own or attribute.attr.value not in _CONTAINER_METHODS):
                found.attributes.setdefault(attribute.attr.value, []).append(owner)
                counted.add(id(attribute))
        for call in descendants(part, cst.Call, skip=(cst.Lambda,)):
            key = _call_key(call.func, class_name, classes)
            if key is not None:
                found.calls.setdefault(key, []).append(owner)
        # a dunder method is called by the protocol it implements (`for x in obj`, `obj()`): never a wrapper
        if owner is not None and not (owner.name.value.startswith("__") and owner.name.value.endswith("__")):
            own_body = (cst.Lambda, cst.FunctionDef, cst.ClassDef)  # a nested function's return is its own
            for handed in descendants(owner.body, (cst.Return, cst.Yield), skip=own_body):
                value = handed.value.item if isinstance(handed.value, cst.From) else handed.value
                if isinstance(value, cst.Call) and id(value.func) in counted:
                    found.forwarded.setdefault(value.func.attr.value, []).append((owner, class_name or ""))  # type: ignore[attr-defined]
    return found


def _call_key(
    func: cst.BaseExpression, class_name: str | None, classes: dict[str, dict[str, cst.FunctionDef]]
) -> tuple[str, str] | None:
    """The callee key of a call as `_local_definition` resolves it, without the walk's bindings."""
    if isinstance(func, cst.Name):
        return ("", func.value)
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return None
    owner = func.value.value
    if owner in ("self", "cls") and class_name is not None:
        return (class_name, func.attr.value)
    method = classes.get(owner, {}).get(func.attr.value)
    if method is None:
        return None
    decorators = {dotted_name(decorator.decorator) for decorator in method.decorators}
    return (owner, func.attr.value) if decorators & {"staticmethod", "classmethod"} else None


def _inside(rule: object, function: cst.FunctionDef, node: cst.CSTNode | None) -> bool:
    """Whether `node` is part of `function` (the node sets of functions are made once per file)."""
    tables: dict = rule.__dict__.setdefault("_order_inside", {})
    nodes = tables.get(id(function))
    if nodes is None:
        nodes = tables[id(function)] = {id(found) for found in descendants(function, cst.CSTNode)}
    return node is not None and id(node) in nodes


def _seeds_anything(rule: object, module: cst.Module) -> bool:
    """Whether the file calls anything named for seeding (`random.seed`, `set_seed(...)`, a project's
    `seed_everything`): where nothing is, a global generator's draws are random in every run anyway."""
    cached = rule.__dict__.get("_order_seeds")
    if cached is None:
        cached = rule.__dict__["_order_seeds"] = any(
            "seed" in (dotted_name(node.func) or "").rpartition(".")[2].lower()
            for node in descendants(module, cst.Call)
        )
    return cached

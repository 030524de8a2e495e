"""Where code sets a determinism switch: an attribute of a switch namespace (`cudnn.benchmark = True`,
also through `setattr`), a keyword of a catalogued call (`Trainer(deterministic=True)`), a mode
function (`torch.use_deterministic_algorithms(True)`), a determinism helper
(`transformers.enable_full_determinism`), or an environment variable (`os.environ["X"] = "1"`).

Used by the facts collector and by the switch rules alike, so that both read code the same way."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from detlint.catalogs.entries import Entry
from detlint.catalogs.loader import Catalog
from detlint.names import NOT_LITERAL, ImportTable, argument, dotted_name, literal_value

_ENVIRON = ("os.environ",)


@dataclass(frozen=True)
class SwitchWrite:
    """`<namespace>.<attribute> = <value>`, written as an assignment or with `setattr`."""

    node: cst.CSTNode  # what to report at
    namespace: str  # e.g. torch.backends.cudnn
    attribute: str  # e.g. benchmark
    value: object  # the literal value, or NOT_LITERAL
    value_node: cst.BaseExpression | None = None  # the expression assigned, for fixes
    attribute_node: cst.Name | None = None  # the attribute's name, for fixes

    @property
    def qualname(self) -> str:
        return f"{self.namespace}.{self.attribute}"


def switch_writes(imports: ImportTable, node: cst.CSTNode) -> Iterator[SwitchWrite]:
    """Attribute writes in an Assign/AnnAssign statement or a `setattr(ns, "attr", value)` call."""
    if isinstance(node, cst.Assign):
        for target in node.targets:
            yield from _attribute_write(imports, target.target, node.value)
    elif isinstance(node, cst.AnnAssign) and node.value is not None:
        yield from _attribute_write(imports, node.target, node.value)
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "setattr":
        if len(node.args) == 3 and all(arg.keyword is None and not arg.star for arg in node.args):
            namespace = imports.resolve(node.args[0].value)
            attribute = literal_value(node.args[1].value)
            if namespace and isinstance(attribute, str):
                yield SwitchWrite(node, namespace, attribute, literal_value(node.args[2].value), node.args[2].value)


def _attribute_write(
    imports: ImportTable, target: cst.BaseExpression, value: cst.BaseExpression
) -> Iterator[SwitchWrite]:
    if isinstance(target, cst.Attribute):
        namespace = imports.resolve(target.value)
        if namespace:
            yield SwitchWrite(target, namespace, target.attr.value, literal_value(value), value, target.attr)
    elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
        # `cudnn.benchmark, cudnn.deterministic = True, False`
        if len(target.elements) == len(value.elements):
            for element, element_value in zip(target.elements, value.elements):
                yield from _attribute_write(imports, element.value, element_value.value)


@dataclass(frozen=True)
class KeywordSwitch:
    """A call such as `Trainer(benchmark=True)` or `cudnn.flags(deterministic=True)`."""

    entry: Entry
    callable: str
    autotune: cst.Arg | None
    deterministic: cst.Arg | None


def keyword_switch(imports: ImportTable, catalog: Catalog, call: cst.Call) -> KeywordSwitch | None:
    qualname = imports.resolve(call.func)
    if qualname is None:
        return None
    entry = catalog.torch_switches.keyword_switches.get(qualname)
    if entry is None:
        return None
    autotune = argument(call, entry["autotune_keyword"]) if entry.get("autotune_keyword") else None
    deterministic = argument(call, entry["deterministic_keyword"]) if entry.get("deterministic_keyword") else None
    return KeywordSwitch(entry, qualname, autotune, deterministic)


def level_of(levels: dict, arg: cst.Arg | None) -> str | None:
    """The mode level (off/warn/error) a literal argument selects, per a catalog `levels` mapping."""
    if arg is None:
        return None
    value = literal_value(arg.value)
    try:
        return levels.get(value)
    except TypeError:  # an unhashable literal such as a list
        return None


@dataclass(frozen=True)
class EnvWrite:
    node: cst.CSTNode
    name: str
    value: object  # the literal value, or NOT_LITERAL


def env_writes(imports: ImportTable, node: cst.CSTNode) -> Iterator[EnvWrite]:
    """`os.environ["X"] = v`, `os.environ.setdefault("X", v)`, `os.environ.update(X=v)` and
    `os.putenv("X", v)`."""
    if isinstance(node, cst.Assign):
        for target in node.targets:
            subscript = target.target
            if isinstance(subscript, cst.Subscript) and imports.resolve(subscript.value) in _ENVIRON:
                key = _subscript_key(subscript)
                if isinstance(key, str):
                    yield EnvWrite(node, key, literal_value(node.value))
    elif isinstance(node, cst.Call):
        name = imports.resolve(node.func) or dotted_name(node.func) or ""
        if name in ("os.environ.setdefault", "os.putenv") and len(node.args) >= 2:
            key = literal_value(node.args[0].value)
            if isinstance(key, str):
                yield EnvWrite(node, key, literal_value(node.args[1].value))
        elif name == "os.environ.update":
            for arg in node.args:
                if arg.keyword is not None:
                    yield EnvWrite(node, arg.keyword.value, literal_value(arg.value))
                elif isinstance(arg.value, cst.Dict):
                    for element in arg.value.elements:
                        if isinstance(element, cst.DictElement):
                            key = literal_value(element.key)
                            if isinstance(key, str):
                                yield EnvWrite(node, key, literal_value(element.value))


def _subscript_key(subscript: cst.Subscript) -> object:
    if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
        return NOT_LITERAL
    return literal_value(subscript.slice[0].slice.value)


@dataclass(frozen=True)
class ModeSetting:
    """A call (or a cuDNN flag) that sets a framework's deterministic mode to a level."""

    framework: str  # torch | tensorflow
    level: str  # off | warn | error
    environment: tuple[str, ...] = ()  # environment variables set along with it (helpers)


def mode_settings(imports: ImportTable, catalog: Catalog, call: cst.Call) -> Iterator[ModeSetting]:
    """Deterministic-mode levels a call sets: mode functions, keyword switches (`Trainer(deterministic=)`)
    and determinism helpers (`enable_full_determinism`, `set_seed(..., deterministic=True)`)."""
    qualname = imports.resolve(call.func)
    if qualname is None:
        return
    index = catalog.torch_switches
    function = index.mode_functions.get(qualname)
    if function is not None:
        level = level_of(function["levels"], argument(call, function["argument"], 0))
        if level == "error" and _literal_true(call, function.get("warn_only_keyword")):
            level = "warn"
        if level:
            yield ModeSetting("torch", level)
    switch = keyword_switch(imports, catalog, call)
    if switch is not None and switch.deterministic is not None:
        level = level_of(switch.entry.get("deterministic_levels", {}), switch.deterministic)
        if level:
            environment = tuple(switch.entry.get("sets_environment", ())) if level != "off" else ()
            yield ModeSetting(_mode_of(switch.entry), level, environment)
    helper = index.determinism_helpers.get(qualname)
    if helper is not None and (not helper.get("when_keyword") or _literal_true(call, helper["when_keyword"])):
        level = "warn" if _literal_true(call, helper.get("warn_only_keyword")) else "error"
        for framework in helper["frameworks"]:
            yield ModeSetting(framework, level, tuple(helper.get("sets_environment", ())))


CUDNN_MODE = "torch.cudnn"  # the mode of a switch that covers only cuDNN's ops (`cudnn.deterministic`)


def _mode_of(entry) -> str:
    return CUDNN_MODE if entry.get("covers_ops") else "torch"


def mode_from_write(catalog: Catalog, write: SwitchWrite) -> ModeSetting | None:
    """`torch.backends.cudnn.deterministic = True` turns cuDNN's deterministic mode on (for its
    convolutions only: `CUDNN_MODE`)."""
    entry = catalog.torch_switches.switches.get(write.qualname)
    if entry is not None and entry["effect"] == "deterministic" and write.value is True:
        return ModeSetting(_mode_of(entry), "error")
    return None


def _literal_true(call: cst.Call, keyword: str | None) -> bool:
    arg = argument(call, keyword) if keyword else None
    return arg is not None and literal_value(arg.value) is True


CUDA_STARTS, CUDA_REQUESTS, CUDA_QUERIES = "starts", "requests", "queries"
_CUDA_STRENGTH = {CUDA_QUERIES: 0, CUDA_REQUESTS: 1, CUDA_STARTS: 2}


def cuda_use(imports: ImportTable, catalog: Catalog, call: cst.Call) -> str | None:
    """How a call involves CUDA: it starts CUDA work ("starts"), asks for a device without starting
    it ("requests": `torch.device("cuda")`), only asks whether CUDA is there ("queries"), or not at
    all (None)."""
    qualname = imports.resolve(call.func)
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) and qualname is None else None
    found: str | None = None
    for entry in catalog.torch_switches.cuda_markers:
        unless = entry.get("unless_imported")
        if unless and imports.imports_any(frozenset(unless)):
            continue  # the framework places the run on that backend's device (a TPU through torch_xla)
        if _marks_cuda(entry, call, qualname, method):
            kind = CUDA_QUERIES if entry.get("query") else CUDA_STARTS if entry["initializes"] else CUDA_REQUESTS
            if found is None or _CUDA_STRENGTH[kind] > _CUDA_STRENGTH[found]:
                found = kind
    return found


def _marks_cuda(entry: Entry, call: cst.Call, qualname: str | None, method: str | None) -> bool:
    if qualname and qualname not in entry.get("exclude", ()):
        if any(qualname.startswith(prefix) for prefix in entry.get("prefixes", ())):
            return True
    named = (qualname is not None and qualname in entry.get("callables", ())) or (
        method is not None and method in entry.get("methods", ())
    )
    if entry.get("string_prefixes"):
        prefixes = tuple(entry["string_prefixes"])
        if named and any(_mentions(arg.value, prefixes) for arg in call.args if arg.keyword is None):
            return True
        keywords = entry.get("keywords", ())
        # `device="cuda"` means PyTorch only in PyTorch's own calls (or methods of unknown objects);
        # `XGBRegressor(device="cuda")` is another library's GPU.
        packages = tuple(entry.get("packages", ()))
        if qualname is not None and packages and qualname.split(".")[0] not in packages:
            return False
        return any(
            arg.keyword is not None and arg.keyword.value in keywords and _mentions(arg.value, prefixes)
            for arg in call.args
        )
    if entry.get("placement_keywords"):
        packages = tuple(entry.get("packages", ()))
        if qualname is not None and packages and qualname.split(".")[0] not in packages:
            return False
        placements = (argument(call, keyword) for keyword in entry["placement_keywords"])
        return any(arg is not None and _places_on_gpu(arg.value) for arg in placements)
    if named and entry.get("accelerator_keyword"):
        accelerator = argument(call, entry["accelerator_keyword"])
        return ("auto" if accelerator is None else literal_value(accelerator.value)) in entry["gpu_accelerators"]
    return named


def _places_on_gpu(node: cst.BaseExpression) -> bool:
    """A device map that may put weights on a GPU: any literal but "cpu" (or a dict of only "cpu"
    values); a variable counts, since a run on a GPU machine is the case checked."""
    if isinstance(node, cst.Dict):
        return any(not isinstance(element, cst.DictElement) or _places_on_gpu(element.value) for element in node.elements)
    value = literal_value(node)
    return not (isinstance(value, str) and value in ("cpu", "disk", "meta")) and value is not None


def _mentions(node: cst.BaseExpression, prefixes: tuple[str, ...]) -> bool:
    """A string literal starting with a prefix, also as a branch of `"cuda" if ok else "cpu"` and as
    the start of an f-string (`f"cuda:{rank}"`)."""
    if isinstance(node, cst.IfExp):
        return _mentions(node.body, prefixes) or _mentions(node.orelse, prefixes)
    if isinstance(node, cst.FormattedString) and node.parts and isinstance(node.parts[0], cst.FormattedStringText):
        return node.parts[0].value.startswith(prefixes)
    value = literal_value(node)
    return isinstance(value, str) and value.startswith(prefixes)

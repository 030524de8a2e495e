"""The abstract values the model gives a name: an object a call built (`Instance`), a device
(`Device`), and what a call site shows about a tensor (`TensorFacts`). Just what the rules and the
facts collector read."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from detlint.catalogs.loader import Catalog
from detlint.names import argument, literal_value


@dataclass(frozen=True)
class Instance:
    """An object built by a call: the qualified (or, for the file's own classes, local) name of what
    built it; for a name a star import may bind, `fallback` is the star module's."""

    callee: str
    qualified: bool
    fallback: str = ""
    held: Instance | None = None  # what a framework object was handed (a DataLoader's dataset)
    in_workers: bool = False  # a DataLoader with worker processes (num_workers not a literal 0)
    loader: int = -1  # for a loader, the number its LOADER event carries in `data`
    passed: tuple = ()  # the instances its constructor was passed (`SemanticModel.passed`)
    members: tuple[Instance, ...] = ()  # a container's modules (`nn.Sequential(Block(), Head())`)


@dataclass(frozen=True)
class Known:
    """What a value is known to be where it is used (`SemanticModel.known`): a literal, or NOT_LITERAL;
    `via` says where the literal was written when not there: "constant", "default" (a parameter's),
    "option" (a command-line option's default) or "field" (a config class's field)."""

    value: object
    via: str = ""


class Device(enum.Enum):
    CPU = "cpu"
    CUDA = "cuda"
    UNKNOWN = "unknown"


def device_of(catalog: Catalog, node: cst.BaseExpression) -> Device:
    """The device a value names. `"cuda" if torch.cuda.is_available() else "cpu"` and `f"cuda:{rank}"`
    are CUDA: the run asks for CUDA whenever there is a GPU, which is the case to check. Only a whole
    device name counts (`"cuda"`, `"cuda:0"`), not any string that starts with the word."""
    if isinstance(node, cst.IfExp):
        branches = {device_of(catalog, node.body), device_of(catalog, node.orelse)}
        return Device.CUDA if Device.CUDA in branches else Device.UNKNOWN
    prefixes = tuple(
        prefix for entry in catalog.torch_switches.cuda_markers for prefix in entry.get("string_prefixes", ())
    )
    if isinstance(node, cst.FormattedString):
        first = node.parts[0] if node.parts else None
        named = isinstance(first, cst.FormattedStringText) and any(first.value == f"{p}:" for p in prefixes)
        return Device.CUDA if named else Device.UNKNOWN
    value = literal_value(node)
    if not isinstance(value, str):
        return Device.UNKNOWN
    if any(re.fullmatch(rf"{re.escape(p)}(?::\d+)?", value) for p in prefixes):
        return Device.CUDA
    return Device.CPU if value == "cpu" else Device.UNKNOWN


# Operators whose result is an integer tensor when both operands are (true division is not).
_INTEGRAL_OPERATORS = (cst.Add, cst.Subtract, cst.Multiply, cst.FloorDivide, cst.BitAnd, cst.BitOr, cst.BitXor)


@dataclass(frozen=True)
class TensorFacts:
    """What a call site shows about a tensor, from the op catalog's `tensor_kinds`, following local
    names to the expression last assigned to them."""

    kinds: dict[str, frozenset[str]]
    resolve: Callable[[cst.BaseExpression], str | None]
    assigned: Callable[[str], cst.BaseExpression | None]

    def integral(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """An integer or boolean tensor: `~mask`, a comparison, `.long()`, `dtype=torch.bool`, or
        arithmetic on those and integer literals."""
        if depth > 4:
            return False
        if isinstance(node, cst.UnaryOperation):
            return isinstance(node.operator, cst.BitInvert) or self.integral(node.expression, depth + 1)
        if isinstance(node, cst.Comparison):
            return True
        if isinstance(node, cst.BinaryOperation):
            sides = (node.left, node.right)
            return isinstance(node.operator, _INTEGRAL_OPERATORS) and all(
                isinstance(literal_value(side), int) or self.integral(side, depth + 1) for side in sides
            )
        if isinstance(node, cst.Subscript):
            return self.indices(node) or self.integral(node.value, depth + 1)
        if isinstance(node, cst.Name):
            value = self.assigned(node.value)
            return value is not None and value is not node and self.integral(value, depth + 1)
        if not isinstance(node, cst.Call):
            return False
        if self.integral_dtype(argument(node, "dtype")):
            return True
        if self.torch_callable(node) in self.kinds["integral-result"]:
            return True
        func = node.func
        if not isinstance(func, cst.Attribute):
            return False
        if func.attr.value in self.kinds["integral-cast"] and not node.args:
            return True
        return func.attr.value in ("to", "type") and self.integral_dtype(argument(node, "dtype", 0))

    def torch_callable(self, call: cst.Call) -> str | None:
        """The torch function a call runs: its qualified name, or `torch.<method>` for a method of a
        value the imports do not name (`x.argsort()` is `torch.argsort`)."""
        qualname = self.resolve(call.func)
        if qualname is None and isinstance(call.func, cst.Attribute):
            return f"torch.{call.func.attr.value}"
        return qualname

    def indices(self, node: cst.Subscript) -> bool:
        """An item after the first of what `torch.sort(x)` (or `torch.unique(x, return_counts=True)`)
        returns: int64 indices or counts."""
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return False
        position, call = literal_value(node.slice[0].slice.value), node.value
        if not (isinstance(position, int) and position >= 1 and isinstance(call, cst.Call)):
            return False
        callable_name = self.torch_callable(call)
        if callable_name in self.kinds["index-result"]:
            return True
        return callable_name in self.kinds["index-result-on-request"] and any(
            arg.keyword is not None
            and arg.keyword.value in self.kinds["index-result-keyword"]
            and literal_value(arg.value) is True
            for arg in call.args
        )

    def integral_dtype(self, arg: cst.Arg | None) -> bool:
        return arg is not None and self.resolve(arg.value) in self.kinds["integral-dtype"]

    def on_host(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """A copy in host memory: `x.cpu()`, `x.numpy()`, `x.to("cpu")`."""
        if isinstance(node, cst.Name) and depth < 4:
            value = self.assigned(node.value)
            return value is not None and value is not node and self.on_host(value, depth + 1)
        if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
            return False
        if node.func.attr.value in self.kinds["host-copy"]:
            return True
        target = argument(node, "device", 0) if node.func.attr.value == "to" else None
        return target is not None and literal_value(target.value) == "cpu"

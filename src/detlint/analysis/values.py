"""The abstract values the model gives a name: an object a call built (`Instance`) and a device
(`Device`). Just what the rules and the facts collector read."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import libcst as cst

from detlint.catalogs.loader import Catalog
from detlint.names import literal_value


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

"""The schema of each YAML catalog: one module per catalog family, each defining
`SCHEMA = {catalog name: {section: {field: (check, required)}}}`."""

from __future__ import annotations

import importlib
import pkgutil

from detlint.catalogs.schemas.fields import Schema


def _collect() -> dict[str, Schema]:
    schemas: dict[str, Schema] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if info.name == "fields":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for catalog, sections in module.SCHEMA.items():
            if catalog in schemas:
                raise RuntimeError(f"catalog schema {catalog!r} is defined twice")
            schemas[catalog] = sections
    return schemas


SCHEMAS = _collect()

"""Load and validate the YAML catalogs in `rules/` (data about APIs; the rules read it, never the reverse).

A catalog file is `schema: 1`, `catalog: <name>`, a `description`, and named sections. Each section is
a list of entries; every entry has an `id` and a `source` (where the fact comes from). The fields of the
other entries are declared per catalog in `detlint.catalogs.schemas`; anything else is an error that names the file,
section, entry and key.

The loaded `Catalog` is also where every family's index lives, built on first use: `load_catalog`
returns one `Catalog` per directory, so each index is built once per process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detlint.catalogs.entries import CatalogError, Entry
from detlint.catalogs.schemas import SCHEMAS
from detlint.catalogs.schemas.fields import Check, citation, is_str

_COMMON_FIELDS: dict[str, tuple[Check, bool]] = {
    "id": (is_str, True),
    "source": (citation, True),
    "note": (is_str, False),
}
_TOP_LEVEL = {"schema", "catalog", "description"}

if TYPE_CHECKING:
    from detlint.catalogs.call_paths import CallPathIndex
    from detlint.catalogs.dependencies import Policy
    from detlint.catalogs.estimators import EstimatorIndex
    from detlint.catalogs.ops import OpIndex
    from detlint.catalogs.ordering import OrderingIndex
    from detlint.catalogs.provenance import ProvenanceIndex
    from detlint.catalogs.rng import RngIndex
    from detlint.catalogs.switches import SwitchIndex


@dataclass(frozen=True)
class Catalog:
    """Every catalog's sections, and each family's index, built on first use. The family modules are
    imported in the properties: a run answered from the cache needs none of them."""

    sections: Mapping[tuple[str, str], tuple[Entry, ...]]
    files: tuple[str, ...]
    digest: str

    def entries(self, catalog: str, section: str) -> tuple[Entry, ...]:
        if (catalog, section) not in self.sections:
            raise KeyError(f"no catalog section {catalog}.{section}")
        return self.sections[(catalog, section)]

    @cached_property
    def ops(self) -> Mapping[str, OpIndex]:
        """The op catalogs (`torch_ops`, `tf_ops`, `jax`, `xgboost`) by name."""
        from detlint.catalogs.ops import OP_SECTIONS, OpIndex

        return {name: OpIndex(self, name) for name in OP_SECTIONS}

    @cached_property
    def rng(self) -> RngIndex:
        from detlint.catalogs.rng import RngIndex

        return RngIndex(self)

    @cached_property
    def estimators(self) -> EstimatorIndex:
        from detlint.catalogs.estimators import EstimatorIndex

        return EstimatorIndex(self)

    @cached_property
    def ordering(self) -> OrderingIndex:
        from detlint.catalogs.ordering import OrderingIndex

        return OrderingIndex(self)

    @cached_property
    def torch_switches(self) -> SwitchIndex:
        from detlint.catalogs.switches import SwitchIndex

        return SwitchIndex(self)

    @cached_property
    def call_paths(self) -> CallPathIndex:
        from detlint.catalogs.call_paths import CallPathIndex

        return CallPathIndex(self)

    @cached_property
    def provenance(self) -> ProvenanceIndex:
        from detlint.catalogs.provenance import ProvenanceIndex

        return ProvenanceIndex(self)

    @cached_property
    def dependency_policy(self) -> Policy:
        from detlint.catalogs.dependencies import Policy

        return Policy.from_catalog(self)


def catalog_dir() -> Path:
    """The shipped catalog inside the wheel, or `rules/` of a source checkout (editable installs)."""
    packaged = Path(str(resources.files("detlint"))) / "_catalog"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def _validate_entry(where: str, raw: Any, fields: dict[str, tuple[Check, bool]]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: an entry must be a mapping, got {type(raw).__name__}")
    allowed = {**_COMMON_FIELDS, **fields}
    for key in raw:
        if key not in allowed:
            raise CatalogError(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
    for key, (check, required) in allowed.items():
        if key not in raw:
            if required:
                raise CatalogError(f"{where}: missing required key {key!r}")
            continue
        problem = check(raw[key])
        if problem:
            raise CatalogError(f"{where}: key {key!r} must be {problem}, got {raw[key]!r}")
    return raw


def parse_catalog_file(name: str, text: str) -> dict[tuple[str, str], tuple[Entry, ...]]:
    import yaml  # here, not at the top: a run answered from the cache never parses the catalogs

    try:
        # libyaml's loader when PyYAML was built with it: the catalogs load several times faster.
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise CatalogError(f"{name}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise CatalogError(f"{name}: the top level must be a mapping")
    if document.get("schema") != 1:
        raise CatalogError(f"{name}: key 'schema' must be 1")
    catalog = document.get("catalog")
    if catalog not in SCHEMAS:
        raise CatalogError(f"{name}: key 'catalog' must be one of {', '.join(sorted(SCHEMAS))}, got {catalog!r}")
    if is_str(document.get("description")):
        raise CatalogError(f"{name}: key 'description' must be a non-empty string")
    schema = SCHEMAS[catalog]
    sections: dict[tuple[str, str], tuple[Entry, ...]] = {}
    for section, raw_entries in document.items():
        if section in _TOP_LEVEL:
            continue
        if section not in schema:
            raise CatalogError(f"{name}: unknown section {section!r} (allowed: {', '.join(sorted(schema))})")
        if not isinstance(raw_entries, list):
            raise CatalogError(f"{name}: section {section!r} must be a list of entries")
        seen: set[str] = set()
        entries = []
        for index, raw in enumerate(raw_entries):
            where = f"{name}: {section}[{index}]"
            fields = _validate_entry(where, raw, schema[section])
            if fields["id"] in seen:
                raise CatalogError(f"{where}: duplicate id {fields['id']!r}")
            seen.add(fields["id"])
            entries.append(Entry(catalog, section, fields))
        sections[(catalog, section)] = tuple(entries)
    for section in schema:
        sections.setdefault((catalog, section), ())
    return sections


def _yaml_files(directory: Path) -> Iterator[Path]:
    return iter(sorted(directory.glob("*.yaml")))


def catalog_digest(directory: Path | None = None) -> str:
    """A digest of the catalog files' names and bytes, without parsing them (for cache keys)."""
    digest = hashlib.sha256()
    for path in _yaml_files(directory or catalog_dir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache
def load_catalog(directory: Path | None = None) -> Catalog:
    directory = directory or catalog_dir()
    sections: dict[tuple[str, str], tuple[Entry, ...]] = {}
    names = []
    for path in _yaml_files(directory):
        names.append(path.name)
        for key, entries in parse_catalog_file(path.name, path.read_text(encoding="utf-8")).items():
            if sections.get(key):
                raise CatalogError(f"{path.name}: catalog section {key[0]}.{key[1]} is defined in two files")
            sections[key] = entries
    if not names:
        raise CatalogError(f"no catalog files found in {directory}")
    return Catalog(sections=sections, files=tuple(names), digest=catalog_digest(directory))

from __future__ import annotations

import re

import pytest

from detlint.catalogs.entries import entries_by
from detlint.catalogs.loader import CatalogError, catalog_dir, load_catalog, parse_catalog_file

GOOD = """
schema: 1
catalog: torch_switches
description: test
removed_apis:
  - id: torch.set_deterministic
    replacement: torch.use_deterministic_algorithms
    removed_in: "1.10"
    source: https://example.org
"""


def test_shipped_catalogs_load_and_every_entry_cites_a_source():
    catalog = load_catalog()
    assert "torch_switches.yaml" in catalog.files
    # A source is public: a URL, an upstream repository's file (`owner/repo:path`, a commit) or a
    # released wheel's file; never a note of our own.
    public = re.compile(r"https://|[\w.-]+/[\w.-]+[: ]|[\w-]+ [\d.]+ wheel: ")
    for entries in catalog.sections.values():
        for entry in entries:
            assert entry["source"]
            sources = entry["source"] if isinstance(entry["source"], list) else [entry["source"]]
            assert all(public.match(source) for source in sources), (entry.id, sources)


def test_catalog_digest_changes_with_content(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    first = load_catalog(tmp_path).digest
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.yaml").write_text(GOOD.replace("1.10", "1.11"))
    assert load_catalog(other).digest != first


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    source: https://example.org\n", ""), "missing required key 'source'"),
        (("removed_in", "removed_at"), "unknown key 'removed_at'"),
        (("schema: 1", "schema: 2"), "'schema' must be 1"),
        (("removed_apis:", "removed:"), "unknown section 'removed'"),
        (('"1.10"', "[1]"), "'removed_in' must be a non-empty string"),
        (("catalog: torch_switches", "catalog: nope"), "'catalog' must be one of"),
        (("description: test", "description: [unclosed"), "not valid YAML"),
    ],
)
def test_bad_catalogs_are_clear_errors(change, message):
    with pytest.raises(CatalogError, match=message.replace("[", r"\[")):
        parse_catalog_file("bad.yaml", GOOD.replace(*change))


def test_duplicate_ids_are_rejected():
    entry = GOOD.split("removed_apis:\n")[1]
    with pytest.raises(CatalogError, match="duplicate id"):
        parse_catalog_file("dup.yaml", GOOD + entry)


def test_catalog_dir_is_the_source_tree_or_the_packaged_copy():
    assert (catalog_dir() / "torch_switches.yaml").is_file()


def test_each_family_index_is_built_once_per_loaded_catalog():
    catalog = load_catalog()
    assert load_catalog() is catalog
    for family in ("ops", "rng", "estimators", "ordering", "torch_switches", "dependency_policy"):
        assert getattr(catalog, family) is getattr(catalog, family), family
    assert catalog.rng.consumer("torch.utils.data.DataLoader").id == "torch-shuffling-loader"
    assert catalog.estimators.scikit_learn["sklearn.model_selection.KFold"].id == "k-fold"
    assert catalog.torch_switches.switches["torch.backends.cudnn.benchmark"]["effect"] == "autotune"


def test_entries_by_maps_every_listed_name():
    catalog = load_catalog()
    loaders = catalog.entries("rng", "worker_loaders")
    assert set(entries_by(loaders)) == {name for entry in loaders for name in entry["callables"]}
    by_method = entries_by(catalog.entries("estimators", "methods"), "method")
    assert by_method["sample"].id == catalog.entries("estimators", "methods")[0].id

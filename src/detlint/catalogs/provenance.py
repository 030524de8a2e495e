"""Index of `rules/provenance.yaml`: the calls that fetch from places that change, by qualified name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detlint.catalogs.entries import Entry

if TYPE_CHECKING:
    from detlint.catalogs.loader import Catalog

# A revision that names one commit: a full Git object hash (SHA-1, or SHA-256 in newer repositories).
COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


@dataclass(frozen=True)
class Installer:
    entry: Entry
    ecosystem: str
    commands: tuple[tuple[str, ...], ...]  # each command's words (`python -m pip`)
    file_options: frozenset[str]
    constraint_options: frozenset[str]
    value_options: frozenset[str]


class ProvenanceIndex:
    def __init__(self, catalog: Catalog) -> None:
        section = lambda name: catalog.entries("provenance", name)  # noqa: E731
        self._loaders = section("hub_loaders")
        self._loader_by_callable = {name: entry for entry in self._loaders for name in entry.get("callables", ())}
        paths = section("hub_paths")
        self.hub_path_schemes = tuple(entry["scheme"] for entry in paths)
        self.hub_filesystems = frozenset(name for entry in paths for name in entry["filesystems"])
        self.hub_filesystem_methods = frozenset(name for entry in paths for name in entry["methods"])
        self.hub_path_kinds = {segment: kind for entry in paths for segment, kind in entry["kinds"].items()}
        targets = section("local_targets")
        self.save_methods = frozenset(name for entry in targets for name in entry["methods"])
        self.save_keywords = frozenset(name for entry in targets for name in entry["keywords"])
        self.local_directories = frozenset(name for entry in targets for name in entry["directories"])
        self.offline_keywords = frozenset(k for entry in section("offline") for k in entry["keywords"])
        self.offline_environment = frozenset(k for entry in section("offline") for k in entry["environment"])
        self.remote_code_keywords = frozenset(k for entry in section("remote_code") for k in entry["keywords"])
        self._code_hubs = {name: entry for entry in section("code_hubs") for name in entry["callables"]}
        self.branches = frozenset(name for entry in section("branches") for name in entry["names"])
        self._downloads = {name: entry for entry in section("downloads") for name in entry["callables"]}
        shell = section("shell_downloads")
        self.download_commands = frozenset(name for entry in shell for name in entry["commands"])
        self.checksum_commands = frozenset(name for entry in shell for name in entry["checksum_commands"])
        self.checksum_callables = frozenset(name for entry in section("checksum_calls") for name in entry["callables"])
        self.installers = tuple(
            Installer(
                entry,
                entry["ecosystem"],
                tuple(tuple(command.split()) for command in entry["commands"]),
                frozenset(entry["file_options"]),
                frozenset(entry.get("constraint_options", ())),
                frozenset(entry["value_options"]),
            )
            for entry in section("installers")
        )
        self.command_runners = frozenset(name for entry in section("command_runners") for name in entry["callables"])

    def loader(self, qualname: str) -> Entry | None:
        """The hub loader a resolved call is: a listed function, or `from_pretrained` of a class imported
        from a listed package (`transformers.AutoModel.from_pretrained`)."""
        entry = self._loader_by_callable.get(qualname)
        if entry is not None:
            return entry
        package, _, rest = qualname.partition(".")
        method = rest.rpartition(".")[2]
        for candidate in self._loaders:
            if package in candidate.get("packages", ()) and "." in rest and method in candidate.get("methods", ()):
                return candidate
        return None

    def code_hub(self, qualname: str) -> Entry | None:
        return self._code_hubs.get(qualname)

    def download(self, qualname: str) -> Entry | None:
        return self._downloads.get(qualname)

    def is_branch(self, ref: str) -> bool:
        return ref in self.branches

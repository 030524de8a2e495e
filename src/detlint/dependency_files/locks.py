"""TOML lock files: `uv.lock`, `poetry.lock`, `pdm.lock` (`[[package]]` tables) and PEP 751
`pylock.toml` (`[[packages]]`). A lock pins every package it lists."""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name

from detlint.dependency_files.records import DependencyFile, LockedPackage, Problem
from detlint.dependency_files.tomlpos import Positions, load

_NAME_KEY = re.compile(r"""(?:name|"name"|'name')\s*=""")


def parse_toml_lock(display: str, text: str, format: str) -> DependencyFile:
    document, problem = load(text)
    if document is None:
        return DependencyFile(display, format, problems=(problem,) if problem else ())
    key = "packages" if format == "pylock" else "package"
    packages = document.get(key, [])
    if not isinstance(packages, list):
        return DependencyFile(display, format, problems=(Problem(1, 0, f"`{key}` must be an array of tables"),))
    lines = _name_lines(text, key)
    if len(lines) != len(packages):  # unusual layout: ask the full scanner
        positions = Positions(text)
        lines = [positions.span((key, index, "name")).line for index in range(len(packages))]
    locked = []
    for package, line in zip(packages, lines):
        if not isinstance(package, dict):
            continue
        name, version = package.get("name"), package.get("version")
        if isinstance(name, str) and isinstance(version, str) and version:
            locked.append(LockedPackage(name, canonicalize_name(name), version, line))
    return DependencyFile(display, format, locked=tuple(locked))


def _name_lines(text: str, key: str) -> list[int]:
    """The line of each `[[package]]` table's `name` key, found line by line (lock files are large
    and regular); an entry per table, 0 when a table has no name line before the next header."""
    header = f"[[{key}]]"
    lines: list[int] = []
    waiting = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            if stripped.split("#", 1)[0].strip() == header:
                lines.append(0)
                waiting = True
            else:
                waiting = False
        elif waiting and _NAME_KEY.match(stripped):
            lines[-1] = number
            waiting = False
    return lines

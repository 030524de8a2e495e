import re
from typing import Any

from detlint.catalogs.schemas.fields import Check, Schema, is_bool, is_str, list_of, list_of_str, one_of

ECOSYSTEMS = ("pypi", "conda", "poetry", "pipfile")
# Formats a lock-like file is read as (see detlint.dependency_files.records.FORMATS).
LOCK_FORMATS = ("uv.lock", "poetry.lock", "pdm.lock", "pipfile.lock", "conda-lock", "conda-explicit", "pylock", "requirements")


def regex(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return "a regular expression"
    try:
        re.compile(value)
    except re.error as error:
        return f"a valid regular expression ({error})"
    return None


def positive_int(value: Any) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) and value > 0 else "a positive integer"


def _ecosystem(value: Any) -> str | None:
    return one_of(*ECOSYSTEMS)(value)


ecosystems: Check = list_of(_ecosystem, "ecosystems (" + ", ".join(ECOSYSTEMS) + ")")

SCHEMA: dict[str, Schema] = {
    "dependencies": {
        # Package families whose versions change numerical results: the ML stack.
        "ml_packages": {"patterns": (list_of_str, True)},
        # Names never reported as unpinned (the interpreter and the installer).
        "exempt_packages": {"names": (list_of_str, True)},
        # Other names of one package (conda and variant builds), mapped to its PyPI name.
        "aliases": {"canonical": (is_str, True), "names": (list_of_str, True)},
        # Specifier forms that pin one version.
        "exact_forms": {
            "ecosystems": (ecosystems, True),
            "operators": (list_of_str, True),
            "min_release_parts": (positive_int, False),
            "requires_build": (is_bool, False),
        },
        # VCS URL schemes and what a pinned revision looks like.
        "vcs": {"schemes": (list_of_str, True), "pinned_revision": (regex, True)},
        # URL fragments that pin a download's content.
        "url_hashes": {"algorithms": (list_of_str, True)},
        # Lock files: file name patterns, how to read them, the tool and command that write them.
        "lock_files": {
            "patterns": (list_of_str, True),
            "format": (one_of(*LOCK_FORMATS), True),
            "tool": (is_str, False),
            "command": (is_str, False),
            "suggest": (is_bool, False),
            "manifests": (list_of_str, False),
        },
        # Banners of generated requirements files (pip-compile, uv, ...): such a file is a lock.
        "generated_headers": {
            "pattern": (regex, True),
            "tool": (is_str, True),
            "command": (is_str, False),
            "suggest": (is_bool, False),
            "manifests": (list_of_str, False),
        },
        "severities": {"severity": (one_of("error", "warning", "note"), True)},
        # Directories whose dependency files do not describe the environment results come from.
        "path_confidence": {"directories": (list_of_str, True), "confidence": (one_of("high", "medium", "low"), True)},
        # The modules a package installs where they are not its name with `_` for `-`.
        "import_names": {"names": (list_of_str, True), "modules": (list_of_str, True)},
        # Packages other packages import while the project runs (NumPy under every framework).
        "used_through": {"names": (list_of_str, True)},
    },
}

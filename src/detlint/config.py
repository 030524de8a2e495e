"""Settings from `[tool.detlint]` in the nearest `pyproject.toml` (or a `detlint.toml`), merged with
command-line overrides. Every key is checked: an unknown key, a wrong type or a bad value is a
`ConfigError` that names the key and the file."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from detlint.discovery import DEFAULT_EXCLUDES
from detlint.finding import Confidence
from detlint.ignore import compile_pattern

MODES = ("application", "library")
DEPENDENCY_POLICIES = ("ml", "all")
# The frameworks whose release selects the op catalogs' entries (each op catalog's `coverage.package`).
FRAMEWORKS = ("torch", "tensorflow", "jaxlib", "xgboost")


class ConfigError(Exception):
    def __init__(self, message: str, key: str | None = None, file: Path | None = None) -> None:
        where = f"{file}: " if file else ""
        what = f"[tool.detlint] key '{key}': " if key else ""
        super().__init__(f"{where}{what}{message}")
        self.key = key
        self.file = file


@dataclass(frozen=True)
class Settings:
    root: Path = field(default_factory=Path.cwd)  # where relative paths and patterns start
    config_file: Path | None = None
    select: tuple[str, ...] = ("DET",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    min_confidence: Confidence = Confidence.MEDIUM
    target_versions: Mapping[str, str] = field(default_factory=dict)
    entry_points: tuple[str, ...] = ()
    mode: str = "application"
    deps: str = "ml"  # which unpinned dependencies matter: the ML stack ("ml") or every one ("all")
    max_file_size: int = 1024 * 1024
    cache_dir: Path | None = None
    # Without a configuration file: whether `root` is a project's, found by its files (see
    # `find_project_root`), rather than the current directory.
    marked_root: bool = False

    @property
    def in_project(self) -> bool:
        """Whether `root` is a project's, so that a run over some of its files judges them with the rest."""
        return self.config_file is not None or self.marked_root

    @property
    def result_cache(self) -> Path:
        """Where results are cached: `cache-dir`, else `.detlint_cache/` in the project root."""
        return self.cache_dir or self.root / ".detlint_cache"

    def with_overrides(self, **overrides: Any) -> Settings:
        """Command-line values replace the file's; `None` means the flag was not given."""
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})


def _string_list(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ValueError("must be a list of strings")


def _patterns(key: str, value: Any) -> tuple[str, ...]:
    patterns = _string_list(key, value)
    for pattern in patterns:
        compile_pattern(pattern)  # ValueError names the pattern
    return patterns


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


def _confidence(key: str, value: Any) -> Confidence:
    try:
        return Confidence(value)
    except ValueError:
        raise ValueError(f"must be one of {', '.join(c.value for c in Confidence)}, got {value!r}") from None


def _mode(key: str, value: Any) -> str:
    if value in MODES:
        return value
    raise ValueError(f"must be one of {', '.join(MODES)}, got {value!r}")


def _deps(key: str, value: Any) -> str:
    if value in DEPENDENCY_POLICIES:
        return value
    raise ValueError(f"must be one of {', '.join(DEPENDENCY_POLICIES)}, got {value!r}")


def _target_versions(key: str, value: Any) -> dict[str, str]:
    from packaging.version import InvalidVersion, Version  # only when the key is set

    if not (isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())):
        raise ValueError('must be a table of strings, e.g. {torch = "2.4"}')
    for package, version in value.items():
        if package not in FRAMEWORKS:
            raise ValueError(f"{package!r} is not a framework detlint judges by version ({', '.join(FRAMEWORKS)})")
        try:
            Version(version)
        except InvalidVersion:
            raise ValueError(f"{package} = {version!r} is not a version number (e.g. \"2.4\" or \"2.4.1\")") from None
    return dict(value)


def _per_file_ignores(key: str, value: Any) -> dict[str, tuple[str, ...]]:
    if isinstance(value, dict):
        _patterns(key, list(value))
        return {pattern: _string_list(key, codes) for pattern, codes in value.items()}
    raise ValueError('must be a table of glob = [codes], e.g. {"tests/**" = ["DET1"]}')


def _positive_int(key: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise ValueError("must be a positive integer (bytes)")


def _path(key: str, value: Any) -> Path:
    if isinstance(value, str) and value:
        return Path(value)
    raise ValueError("must be a path")


# TOML key -> (Settings field, converter)
_KEYS: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "select": ("select", _string_list),
    "extend-select": ("extend_select", _string_list),
    "ignore": ("ignore", _string_list),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "exclude": ("exclude", _patterns),
    "extend-exclude": ("extend_exclude", _patterns),
    "respect-gitignore": ("respect_gitignore", _boolean),
    "min-confidence": ("min_confidence", _confidence),
    "target-versions": ("target_versions", _target_versions),
    "entry-points": ("entry_points", _string_list),
    "mode": ("mode", _mode),
    "deps": ("deps", _deps),
    "max-file-size": ("max_file_size", _positive_int),
    "cache-dir": ("cache_dir", _path),
}

def find_config(start: Path) -> Path | None:
    """The nearest `detlint.toml`, or `pyproject.toml` with a `[tool.detlint]` table, at or above start."""
    directory = start if start.is_dir() else start.parent
    for candidate_dir in (directory.resolve(), *directory.resolve().parents):
        dedicated = candidate_dir / "detlint.toml"
        if dedicated.is_file():
            return dedicated
        pyproject = candidate_dir / "pyproject.toml"
        if pyproject.is_file() and _has_detlint_table(pyproject):
            return pyproject
    return None


# Files that mark a project's root when no configuration file does.
_PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def find_project_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` with a project's files (`pyproject.toml`, `setup.cfg`,
    `setup.py`, `requirements*.txt`, `.git`), or None."""
    directory = start if start.is_dir() else start.parent
    for candidate in (directory.resolve(), *directory.resolve().parents):
        if any((candidate / marker).exists() for marker in _PROJECT_MARKERS) or any(candidate.glob("requirements*.txt")):
            return candidate
    return None


def settings_for(start: Path, config_file: Path | None = None) -> Settings:
    """The settings that govern `start` (a file or directory): those of `config_file` when given, else
    of the nearest configuration file, else the defaults rooted at the nearest project root (or, with
    none, the current directory). One file and the whole tree thus find the same project."""
    config_file = config_file or find_config(start)
    if config_file is not None:
        return load_settings(config_file)
    root = find_project_root(start)
    return Settings(root=root, marked_root=True) if root is not None else load_settings(None)


def _has_detlint_table(pyproject: Path) -> bool:
    try:
        return "detlint" in _read_toml(pyproject).get("tool", {})
    except ConfigError:
        return b"tool.detlint" in pyproject.read_bytes()  # broken file: let load_settings report it


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"not valid TOML: {error}", file=path) from None
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", file=path) from None


def load_settings(config_file: Path | None, *, root: Path | None = None) -> Settings:
    """Settings from a config file (the project root is its directory), or defaults."""
    if config_file is None:
        return Settings(root=(root or Path.cwd()).resolve())
    document = _read_toml(config_file)
    # detlint.toml holds the keys at its top level; pyproject.toml under [tool.detlint].
    table = document if config_file.name == "detlint.toml" else document.get("tool", {}).get("detlint", {})
    if not isinstance(table, dict):
        raise ConfigError("must be a table", file=config_file)
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"unknown key (known keys: {known})", key=key, file=config_file)
        name, convert = _KEYS[key]
        try:
            values[name] = convert(key, raw)
        except ValueError as error:
            raise ConfigError(str(error), key=key, file=config_file) from None
    return Settings(root=(root or config_file.parent).resolve(), config_file=config_file, **values)

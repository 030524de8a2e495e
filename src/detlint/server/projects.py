"""What the server keeps between checks: each directory's settings and each project's saved files
(their facts, mostly from detlint's cache), so that checking an edited buffer analyses that buffer
alone and reruns the project rules over it and the rest of its project. Both are forgotten when
something on disk changes (a save, a configuration, lock or requirements file)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detlint.api import build_selection, check_source, saved_project, settings_from
from detlint.config import ConfigError, Settings
from detlint.finding import Confidence, Finding
from detlint.results import FileResult
from detlint.selection import Selection


@dataclass(frozen=True)
class ServerOptions:
    """The client's settings (initializationOptions, or the `detlint` section of its configuration);
    what they leave out comes from `[tool.detlint]`."""

    config: Path | None = None
    min_confidence: Confidence | None = None
    select: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None) -> ServerOptions:
        """Options from the client's JSON; raises ConfigError naming a key with a bad value."""
        raw = raw or {}
        unknown = sorted(set(raw) - {"config", "minConfidence", "select"})
        if unknown:
            raise ConfigError(f"unknown setting `{unknown[0]}` (known: config, minConfidence, select)")
        config, floor, select = raw.get("config"), raw.get("minConfidence"), raw.get("select")
        if config is not None and not isinstance(config, str):
            raise ConfigError("setting `config` must be the path of a pyproject.toml or detlint.toml")
        if floor is not None and floor not in {level.value for level in Confidence}:
            raise ConfigError("setting `minConfidence` must be one of high, medium, low")
        if select is not None and not (isinstance(select, list) and all(isinstance(item, str) for item in select)):
            raise ConfigError("setting `select` must be a list of rule codes, prefixes or names")
        return cls(
            config=Path(config).expanduser() if config else None,
            min_confidence=Confidence(floor) if floor else None,
            select=tuple(select) if select is not None else None,
        )


class Projects:
    """Settings per directory, and per project its saved files and rule selection."""

    def __init__(self, options: ServerOptions = ServerOptions()) -> None:
        self.options = options
        self._settings: dict[Path, Settings] = {}
        self._saved: dict[str, tuple[FileResult, ...]] = {}
        self._selections: dict[str, Selection] = {}

    def configure(self, options: ServerOptions) -> None:
        self.options = options
        self.forget()

    def forget(self) -> None:
        """Drop everything read from disk: the next check reads settings and the project afresh."""
        self._settings.clear()
        self._saved.clear()
        self._selections.clear()

    def check(self, path: Path, text: str) -> list[Finding]:
        """The findings on the file at `path` holding `text` (a Python source or a notebook's JSON),
        judged with the rest of its project as saved. Raises ConfigError and SelectorError."""
        settings = self.settings(path)
        key = repr(settings)
        if key not in self._selections:
            self._selections[key] = build_selection(settings, select=self.options.select)
        if key not in self._saved:
            self._saved[key] = tuple(saved_project(settings))
        return check_source(path, text, settings, project=self._saved[key], selection=self._selections[key])

    def settings(self, path: Path) -> Settings:
        """The settings that govern the file at `path` (read once per directory)."""
        directory = path.parent
        if directory not in self._settings:
            floor = self.options.min_confidence
            self._settings[directory] = settings_from(directory, self.options.config, min_confidence=floor)
        return self._settings[directory]

"""Where a report says a file is: one rule for every output format, applied once, before any reporter
runs.

A run knows a file by its display path: relative to the project root, or the path as given for a file
given outside it. Baselines, fingerprints, per-file ignores and the cache keep that form, so they do
not depend on where detlint runs. Output names a file relative to a base directory instead:

- the working directory, for people and the tools they run (text and JSON, and every format not listed
  below), as ruff and flake8 do: a terminal or an editor opens the path as printed;
- the git work tree that holds the project, for the formats a CI system resolves against the
  repository (GitHub workflow commands, SARIF, GitLab Code Quality). In CI the working directory is the
  checkout, so the two agree; they differ only when detlint runs in a subdirectory
  (`working-directory:`), where the repository is still what GitHub and GitLab resolve against. A
  project in no git work tree gets the working directory here too.

A file outside the base is named with `..` (`../shared/x.py`), as ruff does; on another drive, by its
absolute path. The finding's path, its related locations' paths and the paths that messages cite
(`at src/train.py:24`, `` `src/train.py` ``) are rewritten alike, so a message and its location always
name a file the same way. Fix edits carry no paths: they apply to the finding's file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from detlint.finding import Finding
from detlint.ignore import repository_root

# Formats whose paths are resolved by a CI system against the repository.
REPOSITORY_FORMATS = frozenset({"github", "gitlab", "sarif"})

# A path as messages cite it: at least one `/` or `.`, ending in a name character, and followed by a
# line number (`train.py:24`), a closing backtick, or the end of a clause. Whether it really names a
# file of the project is checked before it is rewritten.
_CITED = re.compile(r"(?<![\w./@+-])((?:/|(?:\.\./)+)?[\w.@+-]*[\w@+-](?:/[\w.@+-]*[\w@+-])*)(?=$|[\s:`'\"),;.])")


def report_base(output_format: str, root: Path) -> Path:
    """The directory a format's paths are relative to: see the module's documentation. A project in
    no git work tree has its paths relative to the working directory in every format."""
    if output_format in REPOSITORY_FORMATS:
        repository = repository_root(root)
        if (repository / ".git").exists():
            return _real(repository)
    return _real(Path.cwd())


class ReportPaths:
    """Display paths of one run, as a report relative to `base` names them.

    `files` maps the display path of each file the run read to its path on disk (absolute, or relative
    to the working directory); any other display path is relative to `root`, or absolute. `names`
    gives a file another name in reports (standard input's `-`)."""

    def __init__(
        self, root: Path, base: Path, files: Mapping[str, Path] | None = None, *, names: Mapping[str, str] | None = None
    ) -> None:
        self.root = Path(os.path.abspath(root))
        self.base = _real(Path(os.path.abspath(base)))
        self.files = dict(files or {})
        self._shown: dict[str, str] = dict(names or {})  # display path -> how reports name it
        self._is_file: dict[str, bool] = {}

    def location(self, display: str) -> Path:
        """The file on disk, absolute (symlinks kept)."""
        given = self.files.get(display)
        return Path(os.path.abspath(given if given is not None else self.root / display))

    def __call__(self, display: str) -> str:
        shown = self._shown.get(display)
        if shown is None:
            location = self.location(display)
            real = _real(location.parent) / location.name
            try:
                shown = Path(os.path.relpath(real, self.base)).as_posix()
            except ValueError:  # another drive
                shown = real.as_posix()
            self._shown[display] = shown
        return shown

    def findings(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings with every path they name relative to the base: the finding's, its related
        locations' and those its messages cite."""
        findings = list(findings)
        known = self._known(findings)
        return [
            replace(
                finding,
                path=self(finding.path),
                message=self._cited(finding.message, known),
                related=tuple(
                    replace(item, path=self(item.path), message=self._cited(item.message, known))
                    for item in finding.related
                ),
            )
            for finding in findings
        ]

    def _known(self, findings: Sequence[Finding]) -> set[str]:
        known = set(self.files)
        for finding in findings:
            known.add(finding.path)
            known.update(item.path for item in finding.related)
        return known

    def _cited(self, message: str, known: set[str]) -> str:
        def rewrite(match: re.Match[str]) -> str:
            text = match.group(1)
            if "/" not in text and "." not in text:
                return text
            if text not in known and not self._names_a_file(text):
                return text
            return self(text)

        return _CITED.sub(rewrite, message)

    def _names_a_file(self, text: str) -> bool:
        """Whether a path a message cites, relative to the root, is a file (a file of the project the
        run did not report on, such as the entry point of a partial run)."""
        if text not in self._is_file:
            self._is_file[text] = (self.root / text).is_file()
        return self._is_file[text]


def _real(directory: Path) -> Path:
    """The directory with symlinks resolved, so that a path is shown the same whichever way the
    working directory and the project were reached."""
    return Path(os.path.realpath(directory))

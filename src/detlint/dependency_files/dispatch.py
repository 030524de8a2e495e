"""Which parser reads a dependency file, chosen by its name (and, for `.lock` files, a glance at the
content). Parsing never raises: what a tool would reject is a `Problem` in the facts."""

from __future__ import annotations

import fnmatch
import posixpath
import re
import traceback

from detlint.dependency_files.conda import parse_conda_lock, parse_environment, parse_explicit
from detlint.dependency_files.locks import parse_toml_lock
from detlint.dependency_files.pipfile import parse_pipfile, parse_pipfile_lock
from detlint.dependency_files.pyproject import parse_pyproject
from detlint.dependency_files.records import FORMATS, DependencyFile, Problem
from detlint.dependency_files.requirements import parse_requirements_file
from detlint.dependency_files.setup_files import parse_setup_cfg
from detlint.sources import DEPENDENCY_FILE_MIN_LIMIT as MIN_SIZE_LIMIT  # noqa: F401 - part of this module's interface

_BY_NAME = {
    "pyproject.toml": "pyproject",
    "setup.cfg": "setup.cfg",
    "Pipfile": "pipfile",
    "Pipfile.lock": "pipfile.lock",
    "uv.lock": "uv.lock",
    "poetry.lock": "poetry.lock",
    "pdm.lock": "pdm.lock",
}
_EXPLICIT = re.compile(r"^@EXPLICIT\s*$", re.M)


def detect_format(display: str, text: str) -> str:
    name = posixpath.basename(display.replace("\\", "/"))
    if name in _BY_NAME:
        return _BY_NAME[name]
    if fnmatch.fnmatchcase(name, "pylock.toml") or fnmatch.fnmatchcase(name, "pylock.*.toml"):
        return "pylock"
    if name.endswith((".conda-lock.yml", ".conda-lock.yaml")) or name in ("conda-lock.yml", "conda-lock.yaml"):
        return "conda-lock"
    if _EXPLICIT.search(text[:20_000]):
        return "conda-explicit"
    if name.endswith((".yml", ".yaml")):
        return "conda"
    return "requirements"


def parse_dependency_text(display: str, text: str, format: str | None = None) -> DependencyFile:
    """The facts of one dependency file; `format` (one of `FORMATS`) overrides the name's."""
    chosen = format if format in FORMATS else detect_format(display, text)
    try:
        if chosen in ("uv.lock", "poetry.lock", "pdm.lock", "pylock"):
            return parse_toml_lock(display, text, chosen)
        parser = {
            "requirements": parse_requirements_file,
            "pyproject": parse_pyproject,
            "setup.cfg": parse_setup_cfg,
            "conda": parse_environment,
            "conda-lock": parse_conda_lock,
            "conda-explicit": parse_explicit,
            "pipfile": parse_pipfile,
            "pipfile.lock": parse_pipfile_lock,
        }.get(chosen, parse_requirements_file)
        return parser(display, text)
    except RecursionError:
        return DependencyFile(display, chosen, problems=(Problem(1, 0, "nested too deeply to parse"),))
    except Exception as error:  # noqa: BLE001 - a parser bug must not stop the run
        where = traceback.extract_tb(error.__traceback__)[-1]
        return DependencyFile(
            display,
            chosen,
            problems=(
                Problem(1, 0, f"could not be read (detlint bug, please report: {type(error).__name__}: {error} "
                        f"at {posixpath.basename(where.filename)}:{where.lineno})"),
            ),
        )  # fmt: skip

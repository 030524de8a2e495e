"""The facts a dependency file yields: frozen, picklable records with exact positions.

Parsers only record what a file says. Whether a requirement counts as pinned, which packages
matter and which files are lock files is policy (`detlint.catalogs.dependencies`, read from
`rules/dependencies.yaml`).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from detlint.finding import Span

# What a file is, as far as dependency parsing goes.
FORMATS = (
    "requirements",  # requirements*.txt / *.in / constraints*.txt, pip-compile and pip freeze output
    "pyproject",  # pyproject.toml
    "setup.cfg",
    "setup.py",
    "conda",  # environment*.yml
    "conda-explicit",  # `conda list --explicit` / conda-lock `--kind explicit` output
    "conda-lock",  # conda-lock.yml
    "pipfile",  # Pipfile
    "pipfile.lock",
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "pylock",  # PEP 751 pylock.toml
)

# How a requirement names what it installs.
KINDS = (
    "registry",  # a name and a version specifier, resolved from an index or a channel
    "vcs",  # git+/hg+/svn+/bzr+ URL, or a git source table (Poetry, uv, Pipfile)
    "url",  # an archive or wheel URL
    "path",  # a local directory or archive: the project itself or a sibling
)


@dataclass(frozen=True)
class Clause:
    """One version condition: `>=` `1.26`. Conda's fuzzy `=` is kept as `=`; an OR of alternatives
    (`^1.0 || ^2.0`, conda `1.2|1.4`) is one clause with the operator `||` and the whole text."""

    operator: str
    version: str


@dataclass(frozen=True)
class Requirement:
    name: str  # as written ("" when a URL names no package)
    key: str  # normalized name (PEP 503: lower case, runs of -_. become -)
    specifier: str  # the version condition as written ("" when none)
    clauses: tuple[Clause, ...]  # the specifier parsed (Poetry's ^ and ~ translated to ranges)
    span: Span  # where the requirement is written
    text: str  # the requirement as written, on one line
    section: str  # where in the file: "requirements", "project.dependencies", "conda", "conda.pip", ...
    ecosystem: str = "pypi"  # "pypi", "conda", "poetry" (bare versions are exact) or "pipfile"
    kind: str = "registry"  # see KINDS
    extras: tuple[str, ...] = ()
    marker: str = ""
    url: str = ""  # for vcs, url and path requirements
    revision: str = ""  # for vcs: the commit, tag or branch asked for ("" when none)
    revision_kind: str = ""  # "rev", "tag" or "branch" when a source table says which; "" for URLs
    build: str = ""  # conda build string
    channel: str = ""  # conda channel prefix (`conda-forge::numpy`)
    editable: bool = False
    hashes: tuple[str, ...] = ()  # `--hash=sha256:...` options
    statement_lines: tuple[int, int] | None = None  # lines a suppression comment may sit on


@dataclass(frozen=True)
class Include:
    """`-r other.txt` (kind "requirement") or `-c constraints.txt` (kind "constraint"), as written."""

    kind: str
    target: str
    span: Span

    def path_from(self, including: str) -> str | None:
        """The included file's path, relative to the same root as `including` (pip resolves an
        include relative to the file that names it); None for what cannot be followed offline
        (environment variables, remote files)."""
        target = self.target
        if "${" in target or "://" in target:
            return None
        target = target[5:] if target.startswith("file:") else target
        return posixpath.normpath(posixpath.join(posixpath.dirname(including), target.replace("\\", "/")))


@dataclass(frozen=True)
class Option:
    """A file-level option: `--index-url`, `--extra-index-url`, `--find-links`, a conda channel, a
    Poetry/PDM/uv/Pipfile package source."""

    name: str
    value: str
    span: Span


@dataclass(frozen=True)
class LockedPackage:
    """A package version a lock file (or a generated requirements file) pins."""

    name: str
    key: str
    version: str
    line: int
    ecosystem: str = "pypi"  # "conda" for conda packages of conda-lock and explicit files


@dataclass(frozen=True)
class Problem:
    """Something a tool would reject; reported as DET001 at this place."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class DependencyFile:
    path: str  # display path
    format: str = "requirements"  # see FORMATS
    requirements: tuple[Requirement, ...] = ()
    includes: tuple[Include, ...] = ()
    options: tuple[Option, ...] = ()
    locked: tuple[LockedPackage, ...] = ()
    problems: tuple[Problem, ...] = ()
    header: str = ""  # the leading comment block (generated files say so there)
    tools: tuple[str, ...] = ()  # pyproject `[tool.*]` tables that manage dependencies (poetry, pdm, uv, ...)
    # Files a manifest takes its requirements from, as written (`install_requires=open("requirements.txt")`,
    # `file: requirements.txt`, `dynamic = {file = [...]}`): their lines are the package's metadata.
    metadata_sources: tuple[str, ...] = ()
    distribution: str | None = None  # the name a manifest gives the project itself (`[project] name`)
    # The manifest declares trove classifiers: the metadata of a package published for others to install.
    published: bool = False


@dataclass(frozen=True)
class ResolvedVersion:
    """The exact version the project uses for a package, and where that is written."""

    version: str
    path: str
    line: int
    name: str = ""  # the name as written there
    locked: bool = False  # True when a lock file (or generated requirements file) pins it

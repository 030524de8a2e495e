"""Which files a run analyses: the files given, and the files detlint reads in the directories given,
walked in sorted order without following symlinked directories, less excluded and git-ignored paths."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from detlint.ignore import IgnoreRules, Pattern, ancestors, compile_pattern, repository_root, verdict
from detlint.sources import SourceFile

# ruff's default excludes, plus detlint's own cache.
DEFAULT_EXCLUDES = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox",
    ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv", ".vscode",
    "__pypackages__", "__pycache__", "_build", "buck-out", "build", "dist", "node_modules", "site-packages",
    "venv", ".detlint_cache",
)  # fmt: skip

_PYTHON_SUFFIXES = (".py", ".pyi")
_DEPENDENCY_NAMES = frozenset(
    {"pyproject.toml", "setup.cfg", "Pipfile", "Pipfile.lock", "uv.lock", "poetry.lock", "pdm.lock", "conda-lock.yml"}
)
_DEPENDENCY_FAMILIES = re.compile(r"requirements.*\.(?:txt|in)|constraints.*\.txt|environment.*\.ya?ml", re.DOTALL)


def classify(path: Path) -> str | None:
    """"python", "notebook" or "dependency"; None for a file detlint does not read. `setup.py` is
    "python": the dependency pass picks Python files named setup.py out itself."""
    return classify_name(path.name)


def classify_name(name: str) -> str | None:
    """`classify` by file name alone."""
    suffix = _split_suffix(name)[1]
    if suffix in _PYTHON_SUFFIXES:
        return "python"
    if suffix == ".ipynb":
        return "notebook"
    if name in _DEPENDENCY_NAMES or _DEPENDENCY_FAMILIES.fullmatch(name):
        return "dependency"
    return None


def module_name(path: Path, root: Path) -> str:
    """The dotted module name of a Python file: `src/pkg/sub/__init__.py` is `pkg.sub`. A file outside
    root gets its stem."""
    absolute, base = _absolute(path), _absolute(root)
    if absolute == base or not absolute.is_relative_to(base):
        return path.stem
    return _module_of(absolute.relative_to(base).as_posix())


def _split_suffix(name: str) -> tuple[str, str]:
    """(stem, suffix) as pathlib splits a file name: a leading dot starts no suffix."""
    stem, dot, suffix = name.rpartition(".")
    return (stem, dot + suffix) if stem else (name, "")


def _module_of(relative: str) -> str:
    """`module_name` of a path relative to the root, with forward slashes."""
    parts = relative.split("/")
    if len(parts) > 1 and parts[0] == "src":  # src layout
        parts.pop(0)
    stem, suffix = _split_suffix(parts[-1])
    if suffix in (*_PYTHON_SUFFIXES, ".ipynb"):
        parts[-1] = stem
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def discover(
    paths: Sequence[Path],
    root: Path,
    *,
    exclude: Sequence[str],
    extend_exclude: Sequence[str] = (),
    force_exclude: bool = False,
    respect_gitignore: bool = True,
) -> list[SourceFile]:
    """The files to analyse, each once, sorted by display path.

    `exclude` and `extend_exclude` are gitignore-style patterns relative to root. They, and `.gitignore`
    files when `respect_gitignore`, prune the walk of directories; a path given explicitly is taken
    as is unless `force_exclude` (pre-commit passes every changed file, excluded or not).
    """
    for given in paths:  # fail before walking anything
        if not os.path.exists(given):
            raise FileNotFoundError(f"{Path(given).as_posix()}: no such file or directory")
    finder = _Finder(
        root=_absolute(root),
        excludes=tuple(map(compile_pattern, (*exclude, *extend_exclude))),
        ignore=IgnoreRules(repository_root(root)) if respect_gitignore else None,
    )
    found: dict[str, SourceFile] = {}
    for given in paths:
        for real, source in finder.expand(Path(given), force_exclude=force_exclude):
            found.setdefault(real, source)  # overlapping paths and symlinks name one file
    return sorted(found.values(), key=lambda source: source.display)


def discover_named(
    displays: Sequence[str],
    root: Path,
    kind: str,
    *,
    exclude: Sequence[str],
    extend_exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
) -> list[SourceFile]:
    """Files that other files name, whatever their own names (`-r reqs/base.txt`), as sources of
    `kind`: each given path relative to root that is a file below root and not excluded."""
    finder = _Finder(
        root=_absolute(root),
        excludes=tuple(map(compile_pattern, (*exclude, *extend_exclude))),
        ignore=IgnoreRules(repository_root(root)) if respect_gitignore else None,
    )
    found = []
    for display in displays:
        path = finder.root / display
        if display.startswith("../") or not path.is_file() or finder._excluded(path, False, with_parents=True):
            continue
        found.append(finder._source(path, display, kind))
    return found


@dataclass(frozen=True)
class _Finder:
    root: Path  # absolute
    excludes: tuple[Pattern, ...]
    ignore: IgnoreRules | None  # None when .gitignore files are not respected

    def expand(self, given: Path, *, force_exclude: bool) -> Iterator[tuple[str, SourceFile]]:
        """The files under `given`, each with its real path (symlinks resolved) to tell duplicates."""
        path = _absolute(given)
        is_dir = path.is_dir()
        if force_exclude and self._excluded(path, is_dir, with_parents=True):
            return
        if is_dir:
            yield from self._walk(path, given)
        elif kind := classify(path):
            yield os.path.realpath(path), self._source(path, self._display(path, path, given), kind)

    def _walk(self, top: Path, given: Path) -> Iterator[tuple[str, SourceFile]]:
        # Paths relative to the root, to the repository and to `top` grow by one name per level,
        # instead of being worked out again from absolute paths for every entry.
        relative = "" if top == self.root else self._relative(top)
        pending = [(
            top,
            relative if relative is not None else top.as_posix().lstrip("/"),
            self.ignore.relative(top) if self.ignore is not None else None,
            "" if relative is not None else PurePosixPath(given.as_posix()).as_posix(),
        )]  # fmt: skip - a stack, not recursion: depth is bounded by the tree, not by Python
        while pending:
            directory, pattern_dir, ignore_dir, display_dir = pending.pop()
            real_dir = os.path.realpath(directory)
            for entry in _entries(directory):
                name = entry.name
                pattern_path = f"{pattern_dir}/{name}" if pattern_dir else name
                ignore_path = None if ignore_dir is None else f"{ignore_dir}/{name}" if ignore_dir else name
                display = f"{display_dir}/{name}" if display_dir else pattern_path
                if entry.is_dir(follow_symlinks=False):  # a symlinked directory could loop
                    if not self._excluded_relative(pattern_path, ignore_path, True):
                        pending.append((Path(entry.path), pattern_path, ignore_path, display_dir and display))
                elif (
                    (kind := classify_name(name))
                    and entry.is_file()
                    and not self._excluded_relative(pattern_path, ignore_path, False)
                ):
                    real = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real_dir, name)
                    path = Path(entry.path)
                    module = "" if kind == "dependency" else _module_of(display) if not display_dir else None
                    yield real, self._source(path, display, kind, module)

    def _excluded_relative(self, pattern_path: str, ignore_path: str | None, is_dir: bool) -> bool:
        """`_excluded` for a walk entry whose parents were checked on the way down."""
        if verdict(self.excludes, pattern_path, is_dir):
            return True
        return self.ignore is not None and ignore_path is not None and self.ignore.matches_relative(ignore_path, is_dir)

    def _excluded(self, path: Path, is_dir: bool, *, with_parents: bool = False) -> bool:
        """Whether settings or .gitignore exclude the path; its parent directories are checked too
        `with_parents`, since a walk has already pruned them otherwise."""
        relative = self._relative(path)
        pattern_path = relative if relative is not None else path.as_posix().lstrip("/")
        parents = ancestors(pattern_path) if with_parents else ()
        if any(verdict(self.excludes, parent, True) for parent in parents):
            return True
        if verdict(self.excludes, pattern_path, is_dir):
            return True
        if self.ignore is None:
            return False
        return self.ignore.is_ignored(path, is_dir) if with_parents else self.ignore.matches(path, is_dir)

    def _relative(self, path: Path) -> str | None:
        """`path` relative to root with forward slashes; None outside root."""
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else None

    def _display(self, path: Path, top: Path, given: Path) -> str:
        """Relative to root when under it, else the path as given joined with its place under `top`."""
        relative = self._relative(path)
        if relative is not None:
            return relative
        return (PurePosixPath(given.as_posix()) / path.relative_to(top).as_posix()).as_posix()

    def _source(self, path: Path, display: str, kind: str, module: str | None = None) -> SourceFile:
        """A found file; `module` when the caller knows it already."""
        if module is None:
            module = module_name(path, self.root) if kind in ("python", "notebook") else ""
        return SourceFile(path, display, kind, module)


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    """A directory's entries sorted by name; one that cannot be listed has nothing to analyse."""
    try:
        with os.scandir(directory) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError:
        return []


def _absolute(path: Path) -> Path:
    """Absolute and normalised (`..` folded) without resolving symlinks, so displays keep the user's names."""
    return Path(os.path.abspath(path))

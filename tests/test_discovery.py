from __future__ import annotations

import os
from pathlib import Path

import pytest

from detlint.discovery import DEFAULT_EXCLUDES, classify, discover, module_name
from detlint.ignore import IgnoreRules, compile_pattern, parse_line


def make(root: Path, *names: str) -> Path:
    """Create empty files (and their directories) under root."""
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    return root


def gitignore(directory: Path, *lines: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ".gitignore").write_text("\n".join(lines) + "\n", encoding="utf-8")


def found(root: Path, *paths: Path, **options) -> list[str]:
    options.setdefault("exclude", DEFAULT_EXCLUDES)
    return [source.display for source in discover(list(paths) or [root], root, **options)]


# --- gitignore patterns -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "expected"),
    [
        ("helper.py", "helper.py", False, True),
        ("helper.py", "a/b/helper.py", False, True),  # no slash: any depth
        ("/top.py", "top.py", False, True),
        ("/top.py", "sub/top.py", False, False),  # leading slash: anchored
        ("docs/gen.py", "docs/gen.py", False, True),
        ("docs/gen.py", "sub/docs/gen.py", False, False),  # inner slash: anchored too
        ("docs/*.py", "docs/a.py", False, True),
        ("docs/*.py", "docs/sub/a.py", False, False),  # `*` never crosses `/`
        ("a?c", "a/c", False, False),  # nor does `?`
        ("file[0-9].py", "file7.py", False, True),
        ("file[!0-9].py", "file7.py", False, False),
        ("file[!0-9].py", "filex.py", False, True),
        ("a[+-0]b", "a/b", False, False),  # nor does a bracket whose range spans `/`
        ("[[:digit:]]*.py", "9lives.py", False, True),
        ("**/cache", "cache", True, True),
        ("**/cache", "x/y/cache", True, True),
        ("out/**", "out/a/b.py", False, True),
        ("out/**", "out", True, False),  # `/**` is what is inside
        ("out/**/", "out", True, False),  # and `/**/` the directories inside
        ("out/**/", "out/a", True, True),
        ("out/**/", "out/a.py", False, False),
        ("a/**/z.py", "a/z.py", False, True),
        ("a/**/z.py", "a/b/c/z.py", False, True),
        ("a/**/z.py", "b/a/z.py", False, False),
        ("logs/", "logs", True, True),
        ("logs/", "logs", False, False),  # trailing slash: directories only
        ("\\#hash.py", "#hash.py", False, True),
        ("\\!bang.py", "!bang.py", False, True),
        ("spaced.py   ", "spaced.py", False, True),  # trailing spaces trimmed
        ("space\\ ", "space ", False, True),  # unless escaped
        ("unclosed[", "unclosed[", False, True),
    ],
)
def test_pattern_matching(pattern: str, path: str, is_dir: bool, expected: bool) -> None:
    compiled = parse_line(pattern)
    assert compiled is not None
    assert compiled.matches(path, is_dir) is expected


@pytest.mark.parametrize("line", ["", "   ", "# comment", "!", "/"])
def test_lines_without_a_pattern(line: str) -> None:
    assert parse_line(line) is None


def test_negation_is_parsed_and_settings_patterns_must_not_be_empty() -> None:
    negated = parse_line("!keep.py")
    assert negated is not None and negated.negated and negated.matches("keep.py", False)
    with pytest.raises(ValueError, match="not a path pattern"):
        compile_pattern("# just a comment")


def test_matches_path_checks_parent_directories() -> None:
    assert compile_pattern("tests").matches_path("tests/unit/test_a.py")
    assert compile_pattern("tests/**").matches_path("tests/unit/test_a.py")
    assert not compile_pattern("tests/").matches_path("src/tests.py")


def test_ignore_rules_precedence(tmp_path: Path) -> None:
    gitignore(tmp_path, "*.py", "!keep.py", "data/", "vendor/", "!vendor/patched.py")
    gitignore(tmp_path / "sub", "!special.py")
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("secret.txt\nkeep.py\n", encoding="utf-8")
    rules = IgnoreRules(tmp_path)
    assert rules.is_ignored(tmp_path / "a.py", False)
    assert not rules.is_ignored(tmp_path / "keep.py", False)  # later line wins; .gitignore beats info/exclude
    assert not rules.is_ignored(tmp_path / "sub" / "special.py", False)  # nested file beats its parent
    assert rules.is_ignored(tmp_path / "sub" / "other.py", False)
    assert rules.is_ignored(tmp_path / "secret.txt", False)  # .git/info/exclude
    assert rules.is_ignored(tmp_path / "data", True)
    assert not rules.is_ignored(tmp_path / "data", False)  # dir-only pattern, a file named data
    assert rules.is_ignored(tmp_path / "data" / "notes.txt", False)  # inside an ignored directory
    # A negated pattern cannot re-include a file whose parent directory is excluded ...
    assert rules.is_ignored(tmp_path / "vendor" / "patched.py", False)
    # ... although the file's own verdict, all a walker that pruned `vendor` would ask, is "included".
    assert not rules.matches(tmp_path / "vendor" / "patched.py", False)
    assert not rules.is_ignored(tmp_path.parent / "elsewhere.py", False)  # outside the tree


# --- discovery ------------------------------------------------------------------------------------


def test_default_excludes(tmp_path: Path) -> None:
    make(tmp_path, "pkg/a.py", ".venv/lib/x.py", "build/y.py", "sub/dist/z.py", "sub/__pycache__/c.py", "builder.py")
    assert found(tmp_path) == ["builder.py", "pkg/a.py"]


def test_only_classified_files_are_found(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "b.pyi", "nb.ipynb", "requirements-dev.txt", "README.md", "data.csv", "setup.py")
    sources = {source.display: source.kind for source in discover([tmp_path], tmp_path, exclude=DEFAULT_EXCLUDES)}
    assert sources == {
        "a.py": "python",
        "b.pyi": "python",
        "nb.ipynb": "notebook",
        "requirements-dev.txt": "dependency",
        "setup.py": "python",
    }


def test_nested_gitignore_with_negation(tmp_path: Path) -> None:
    make(tmp_path, "a_pb2.py", "keep_pb2.py", "main.py", "local.py", "vendor/patched.py")
    make(tmp_path, "sub/special_pb2.py", "sub/other_pb2.py", "sub/local.py")
    gitignore(tmp_path, "*_pb2.py", "!keep_pb2.py", "vendor/", "!vendor/patched.py")
    gitignore(tmp_path / "sub", "!special_pb2.py", "local.py")
    # vendor/patched.py stays out: its directory is ignored, so the negation cannot bring it back.
    assert found(tmp_path) == ["keep_pb2.py", "local.py", "main.py", "sub/special_pb2.py"]
    assert len(found(tmp_path, respect_gitignore=False)) == 8


def test_dir_only_gitignore_pattern(tmp_path: Path) -> None:
    make(tmp_path, "generated/g.py", "gen_schema.py")
    gitignore(tmp_path, "gen*/")
    assert found(tmp_path) == ["gen_schema.py"]


def test_anchored_and_unanchored_gitignore_patterns(tmp_path: Path) -> None:
    make(tmp_path, "top.py", "sub/top.py", "docs/gen.py", "sub/docs/gen.py", "helper.py", "a/b/helper.py")
    gitignore(tmp_path, "/top.py", "docs/gen.py", "helper.py")
    assert found(tmp_path) == ["sub/docs/gen.py", "sub/top.py"]


def test_double_star_gitignore_patterns(tmp_path: Path) -> None:
    make(tmp_path, "cache/c.py", "x/y/cache/c.py", "out/a/b.py", "a/z.py", "a/b/c/z.py", "b/a/z.py", "a/keep.py")
    gitignore(tmp_path, "**/cache", "out/**", "a/**/z.py")
    assert found(tmp_path) == ["a/keep.py", "b/a/z.py"]


@pytest.mark.parametrize(
    ("ignores", "files", "kept"),
    [
        ({"": ["out/**/"]}, ["out/a.py", "out/sub/b.py"], ["out/a.py"]),
        ({"": ["out/**", "!out/keep.py"]}, ["out/keep.py", "out/x.py", "out/sub/y.py"], ["out/keep.py"]),
        # A file in an excluded directory stays out, whatever pattern would re-include it ...
        ({"": ["gen", "!*.py"]}, ["gen/keep.py", "main.py"], ["main.py"]),
        # ... and re-including a directory re-includes only that: other patterns still match inside it.
        (
            {"": ["cache/", "gen_*.py"], "sub": ["!cache/"]},
            ["sub/cache/gen_x.py", "sub/cache/y.py", "cache/z.py"],
            ["sub/cache/y.py"],
        ),
    ],
)
def test_gitignore_cases_where_git_differs_from_a_whole_path_match(tmp_path: Path, ignores, files, kept) -> None:
    """What `git ls-files --others --exclude-standard` lists for each tree (a matcher that judges a
    path as a whole, its directories included, as `pathspec` does, gets these wrong)."""
    make(tmp_path, *files)
    for directory, lines in ignores.items():
        gitignore(tmp_path / directory, *lines)
    assert found(tmp_path) == kept


def test_gitignore_found_above_the_project_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    gitignore(tmp_path, "generated/")
    make(tmp_path, "project/generated/g.py", "project/main.py")
    assert found(tmp_path / "project") == ["main.py"]


def test_explicit_file_in_excluded_directory(tmp_path: Path) -> None:
    make(tmp_path, "build/gen.py", "ignored/x.py")
    gitignore(tmp_path, "ignored/")
    for explicit in (tmp_path / "build" / "gen.py", tmp_path / "ignored" / "x.py"):
        assert found(tmp_path, explicit) == [explicit.relative_to(tmp_path).as_posix()]
        assert found(tmp_path, explicit, force_exclude=True) == []
    assert found(tmp_path, tmp_path / "build", force_exclude=True) == []


def test_explicit_file_kinds(tmp_path: Path) -> None:
    make(tmp_path, "tool.py", "notes.txt", "Pipfile")
    assert found(tmp_path, tmp_path / "tool.py", tmp_path / "notes.txt", tmp_path / "Pipfile") == ["Pipfile", "tool.py"]


def test_extend_exclude_patterns_are_relative_to_root(tmp_path: Path) -> None:
    make(tmp_path, "fixtures/a/f.py", "tests/data/d.py", "tests/test_x.py", "src/tests/data/kept.py", "gen_1.py")
    options = {"extend_exclude": ["fixtures/**", "tests/data", "gen_[0-9].py"]}
    assert found(tmp_path, **options) == ["src/tests/data/kept.py", "tests/test_x.py"]


def test_exclude_overrides_the_defaults(tmp_path: Path) -> None:
    make(tmp_path, "build/y.py", "scratch/s.py")
    assert found(tmp_path, exclude=["scratch"]) == ["build/y.py"]


@pytest.mark.parametrize(
    "name",
    [
        "requirements.txt",
        "requirements-dev.txt",
        "requirements.in",
        "requirements_test.in",
        "constraints.txt",
        "constraints-gpu.txt",
        "pyproject.toml",
        "setup.cfg",
        "environment.yml",
        "environment-cuda.yaml",
        "Pipfile",
        "Pipfile.lock",
        "uv.lock",
        "poetry.lock",
        "pdm.lock",
        "conda-lock.yml",
    ],
)
def test_classify_dependency_files(name: str) -> None:
    assert classify(Path("project") / name) == "dependency"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("setup.py", "python"),
        ("module.py", "python"),
        ("stub.pyi", "python"),
        ("analysis.ipynb", "notebook"),
        ("requirements.md", None),
        ("constraints.in", None),
        ("environment.json", None),
        ("README.txt", None),
        ("Makefile", None),
    ],
)
def test_classify_other_files(name: str, kind: str | None) -> None:
    assert classify(Path(name)) == kind


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("src/pkg/mod.py", "pkg.mod"),
        ("src/pkg/__init__.py", "pkg"),
        ("pkg/__init__.py", "pkg"),
        ("pkg/sub/__init__.py", "pkg.sub"),
        ("pkg/sub/deep.pyi", "pkg.sub.deep"),
        ("script.py", "script"),
        ("src.py", "src"),
        ("app/src/mod.py", "app.src.mod"),  # only a leading src/ is a layout
    ],
)
def test_module_name(tmp_path: Path, relative: str, expected: str) -> None:
    assert module_name(tmp_path / relative, tmp_path) == expected


def test_module_name_outside_root_is_the_stem(tmp_path: Path) -> None:
    assert module_name(tmp_path / "elsewhere" / "tool.py", tmp_path / "project") == "tool"


def test_discovered_python_files_carry_their_module(tmp_path: Path) -> None:
    make(tmp_path, "src/pkg/__init__.py", "src/pkg/core.py", "requirements.txt")
    sources = discover([tmp_path], tmp_path, exclude=DEFAULT_EXCLUDES)
    assert [(source.display, source.module) for source in sources] == [
        ("requirements.txt", ""),
        ("src/pkg/__init__.py", "pkg"),
        ("src/pkg/core.py", "pkg.core"),
    ]
    assert all(source.path.is_absolute() for source in sources)


def test_overlapping_paths_are_deduplicated(tmp_path: Path) -> None:
    make(tmp_path, "pkg/a.py", "pkg/sub/b.py", "c.py")
    paths = [tmp_path, tmp_path / "pkg", tmp_path / "pkg" / "a.py", tmp_path / "pkg" / "sub" / ".." / "a.py"]
    assert found(tmp_path, *paths) == ["c.py", "pkg/a.py", "pkg/sub/b.py"]


def test_order_is_sorted_and_deterministic(tmp_path: Path) -> None:
    make(tmp_path, "z.py", "b/y.py", "a.py", "b/a.py", "B.py", "m/n/o.py")
    first = found(tmp_path)
    assert first == sorted(first) == ["B.py", "a.py", "b/a.py", "b/y.py", "m/n/o.py", "z.py"]
    assert found(tmp_path, tmp_path / "z.py", tmp_path / "m", tmp_path / "a.py") == ["a.py", "m/n/o.py", "z.py"]


def test_paths_outside_root_display_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "project/main.py", "other/lib/tool.py")
    monkeypatch.chdir(tmp_path / "project")
    sources = discover([Path("../other")], tmp_path / "project", exclude=DEFAULT_EXCLUDES)
    assert [(source.display, source.module) for source in sources] == [("../other/lib/tool.py", "tool")]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    make(tmp_path, "a.py")
    with pytest.raises(FileNotFoundError, match="nope.py: no such file or directory"):
        discover([tmp_path / "a.py", tmp_path / "nope.py"], tmp_path, exclude=DEFAULT_EXCLUDES)


def test_symlink_to_a_parent_directory_is_not_followed(tmp_path: Path) -> None:
    make(tmp_path, "pkg/a.py")
    os.symlink(tmp_path, tmp_path / "pkg" / "loop", target_is_directory=True)
    assert found(tmp_path) == ["pkg/a.py"]
    # Given explicitly, a symlinked directory is walked; the file it leads back to is listed once.
    assert found(tmp_path, tmp_path, tmp_path / "pkg" / "loop" / "pkg") == ["pkg/a.py"]

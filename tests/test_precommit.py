"""The pre-commit hooks in .pre-commit-hooks.yaml: valid for pre-commit's own manifest schema, and
working when pre-commit installs detlint from the repository and runs them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import REPO, write
from identify.identify import ALL_TAGS
from pre_commit.clientlib import load_manifest

from detlint.discovery import classify

MANIFEST = REPO / ".pre-commit-hooks.yaml"
HOOK_IDS = ["detlint", "detlint-deps", "detlint-project"]
BAD = "import torch\n\ntorch.backends.cudnn.benchmark = True\n"
CLEAN = "import torch\n\ntorch.backends.cudnn.benchmark = False\n"


@pytest.fixture(scope="module")
def hooks() -> dict[str, dict]:
    # load_manifest validates against pre-commit's MANIFEST_HOOK_DICT and fills in the defaults.
    return {hook["id"]: hook for hook in load_manifest(str(MANIFEST))}


def test_manifest_declares_the_three_hooks(hooks):
    assert list(hooks) == HOOK_IDS
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["require_serial"] is True
        assert hook["entry"].split()[0] == "detlint"  # the console script pip installs
        assert hook["minimum_pre_commit_version"] == "2.9.2"  # types_or needs 2.9
    assert "detlint" in _console_scripts()


def test_code_hook_takes_python_stubs_and_notebooks(hooks):
    code = hooks["detlint"]
    assert code["entry"] == "detlint check --force-exclude"  # pre-commit names excluded files too
    assert code["types_or"] == ["python", "pyi", "jupyter"]
    assert set(code["types_or"]) <= ALL_TAGS


@pytest.mark.parametrize(
    "path",
    [
        "requirements.txt", "requirements-dev.txt", "reqs/requirements.in", "constraints.txt", "pyproject.toml",
        "sub/setup.cfg", "setup.py", "environment.yml", "environment-gpu.yaml", "Pipfile", "Pipfile.lock",
        "uv.lock", "poetry.lock", "pdm.lock", "conda-lock.yml",
    ],
)  # fmt: skip
def test_dependency_hook_matches_dependency_files(hooks, path):
    assert re.search(hooks["detlint-deps"]["files"], path)
    assert classify(Path(path)) == ("python" if path == "setup.py" else "dependency")  # detlint reads it as such


@pytest.mark.parametrize("path", ["train.py", "docs/requirements.md", "my_pyproject.toml", "setup.py.bak", "Pipfile2"])
def test_dependency_hook_skips_other_files(hooks, path):
    assert not re.search(hooks["detlint-deps"]["files"], path)


def test_project_hook_checks_everything_whatever_changed(hooks):
    project = hooks["detlint-project"]
    assert project["pass_filenames"] is False
    assert project["always_run"] is True
    assert project["entry"] == "detlint check"


def _console_scripts() -> dict[str, str]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]


# -- the real pre-commit ---------------------------------------------------------------------------
def _git(cwd: Path, *args: str) -> None:
    identity = ["-c", "user.name=detlint tests", "-c", "user.email=tests@detlint.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory) -> Path:
    """A committed copy of the working tree (pre-commit installs hooks from a commit); the working
    tree itself is never committed to."""
    copy = tmp_path_factory.mktemp("detlint-repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    _git(copy, "init", "-q")
    _git(copy, "add", "-A")
    _git(copy, "commit", "-q", "-m", "detlint under test")
    return copy


@pytest.fixture(scope="module")
def hooks_config(hook_repository, tmp_path_factory) -> Path:
    """A pre-commit configuration using the three hooks from the committed copy."""
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repository, check=True, capture_output=True, text=True)
    repo = {"repo": str(hook_repository), "rev": rev.stdout.strip(), "hooks": [{"id": hook} for hook in HOOK_IDS]}
    config = tmp_path_factory.mktemp("pre-commit-config") / ".pre-commit-config.yaml"
    config.write_text(yaml.safe_dump({"repos": [repo]}), encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def package_index(tmp_path_factory) -> None:
    """pre-commit installs detlint's hook environment with pip: without a package index (or a local
    wheel directory pip is configured with) the hook tests cannot run, and are skipped saying so. In
    CI, which has one, they fail instead of skipping."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(tmp_path_factory.mktemp("index")), "hatchling"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=180)
        reason = result.stderr.strip().splitlines()[-1:] if result.returncode else None
    except subprocess.TimeoutExpired:
        reason = ["pip timed out"]
    if reason is not None:
        message = f"no package index reachable to install the hooks from: {' '.join(reason) or 'pip failed'}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def pre_commit_env(tmp_path_factory, package_index) -> dict[str, str]:
    """One pre-commit store for the module, so detlint's hook environment is installed once (from the
    package registry) and shared by every hook test. The tests' own PYTHONPATH stays out of the hooks."""
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "PRE_COMMIT"}}
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    return env


@pytest.fixture
def project_repository(tmp_path):
    """A fresh git repository holding the given files (staged, as pre-commit lints tracked files)."""

    def create(files: dict[str, str]) -> Path:
        project = tmp_path / "project"
        write(project, files)
        _git(project, "init", "-q")
        _git(project, "add", "-A")
        return project

    return create


def _pre_commit(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pre_commit", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def run_hook(hooks_config, pre_commit_env, project_repository):
    """`pre-commit run HOOK` (all files unless other arguments are given) in a repository of files."""

    def run(hook: str, files: dict[str, str], *args: str) -> subprocess.CompletedProcess:
        project = project_repository(files)
        arguments = args or ("--all-files",)
        return _pre_commit(project, pre_commit_env, "run", "--config", str(hooks_config), hook, *arguments)

    return run


SCENARIOS = [
    # hook, files, expected exit status, text the output must hold
    ("detlint", {"train.py": BAD}, 1, "train.py:3:1: DET203"),
    ("detlint", {"train.py": CLEAN}, 0, "Passed"),
    ("detlint-deps", {"setup.py": BAD, "requirements.txt": "torch==2.4.1\n"}, 1, "setup.py:3:1: DET203"),
    ("detlint-deps", {"train.py": BAD, "requirements.txt": "torch==2.4.1\n"}, 0, "Passed"),  # not a dependency file
    ("detlint-project", {"pkg/train.py": BAD}, 1, "pkg/train.py:3:1: DET203"),
    ("detlint-project", {"pkg/train.py": CLEAN}, 0, "Passed"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("hook", "files", "status", "expected"), SCENARIOS)
def test_hook_runs_under_pre_commit(run_hook, hook, files, status, expected):
    result = run_hook(hook, files)
    output = result.stdout + result.stderr
    assert result.returncode == status, output
    assert expected in output, output


@pytest.mark.slow
def test_code_hook_respects_excludes_for_files_pre_commit_passes(run_hook):
    files = {"pyproject.toml": '[tool.detlint]\nextend-exclude = ["vendored"]\n', "vendored/x.py": BAD}
    result = run_hook("detlint", files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_project_hook_checks_the_whole_project_when_anything_changes(run_hook):
    result = run_hook("detlint-project", {"pkg/train.py": BAD, "README.md": "notes\n"}, "--files", "README.md")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pkg/train.py:3:1: DET203" in result.stdout


TRY_REPO = [
    ("detlint", {"train.py": BAD}, "train.py:3:1: DET203"),
    ("detlint-deps", {"requirements.txt": "torch>=2.1\n"}, "requirements.txt:1:1: DET401"),
    ("detlint-project", {"pkg/train.py": BAD, "README.md": "notes\n"}, "pkg/train.py:3:1: DET203"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("hook", "files", "expected"), TRY_REPO)
def test_try_repo_installs_and_runs_each_hook(hook_repository, pre_commit_env, project_repository, hook, files, expected):
    """What a hook author runs: `pre-commit try-repo`, which installs into a store of its own."""
    project = project_repository(files)
    result = _pre_commit(project, pre_commit_env, "try-repo", str(hook_repository), hook, "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert expected in result.stdout, result.stdout


# -- one staged file: every front end agrees with a whole-project run ------------------------------
ONE_FILE_PROJECT = {
    # No [tool.detlint] table: the project root and its pins are found from the markers.
    "pyproject.toml": '[project]\nname = "vision"\nversion = "0"\ndependencies = ["torch==2.4.1", "numpy==1.26.4"]\n',
    "utils.py": (
        "import random\n\nimport torch\n\n\ndef set_seed(seed):\n    random.seed(seed)\n    torch.manual_seed(seed)\n"
        "    torch.use_deterministic_algorithms(True)\n"
    ),
    "train.py": (
        "import numpy as np\nimport torch\nimport torch.nn.functional as F\n\nfrom utils import set_seed\n\n\n"
        "def main():\n    set_seed(0)\n    torch.backends.cudnn.benchmark = True\n"
        "    x = torch.load('batch.pt').cuda()\n    F.adaptive_avg_pool2d(x, 2).sum().backward()\n"
        "    print(np.random.rand(2))\n\n\nif __name__ == '__main__':\n    main()\n"
    ),
}
_LOCATION = re.compile(r"^(?:\S*/)?(train\.py):(\d+):(\d+): (DET\d{3})", re.MULTILINE)


def _locations(output: str) -> set[tuple[str, int, int, str]]:
    return {(path, int(line), int(column), code) for path, line, column, code in _LOCATION.findall(output)}


@pytest.mark.slow
def test_one_staged_file_gets_the_findings_of_the_whole_project_run(run_hook, tmp_path):
    detlint = [sys.executable, "-m", "detlint", "check", "--no-cache"]
    project = write(tmp_path / "whole", ONE_FILE_PROJECT)
    whole = _locations(subprocess.run([*detlint, "."], cwd=project, capture_output=True, text=True).stdout)
    # Its own DET203 and DET206; DET101 (NumPy) and DET205 (cuBLAS) for its run; no DET204: the helper
    # in utils.py turns deterministic mode on.
    assert {code for *_, code in whole} == {"DET101", "DET203", "DET205", "DET206"}, whole
    alone = subprocess.run([*detlint, "train.py"], cwd=project, capture_output=True, text=True).stdout
    assert _locations(alone) == whole
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "DET", "train.py"], cwd=project, capture_output=True, text=True
    )
    assert _locations(flake8.stdout) == whole, flake8.stdout + flake8.stderr
    hook = run_hook("detlint", ONE_FILE_PROJECT, "--files", "train.py")
    assert _locations(hook.stdout) == whole, hook.stdout + hook.stderr

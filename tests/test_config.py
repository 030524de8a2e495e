from __future__ import annotations

import pytest
from conftest import write

from detlint.config import ConfigError, Settings, find_config, load_settings
from detlint.finding import Confidence

BENCHMARK = "import torch\ntorch.backends.cudnn.benchmark = True\n"


def test_unknown_key_exits_2_naming_the_key_and_file(cli, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.detlint]\nselectt = ["DET2"]\n', "a.py": BENCHMARK})
    result = cli("check")
    assert result.exit_code == 2
    assert "selectt" in result.stderr and "pyproject.toml" in result.stderr


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('select = "DET2"', "select"),
        ('min-confidence = "sure"', "min-confidence"),
        ('mode = "service"', "mode"),
        ("target-versions = { torch = 2.4 }", "target-versions"),
        ('target-versions = { torch = "banana" }', "target-versions"),
        ('target-versions = { torch = "" }', "target-versions"),
        ('target-versions = { torch = "latest" }', "target-versions"),
        ('target-versions = { tensorflwo = "2.15" }', "target-versions"),
        ('per-file-ignores = { "tests/**" = "DET1" }', "per-file-ignores"),
        ("max-file-size = -1", "max-file-size"),
        ('select = ["DET9"]', "select"),
        ('ignore = ["not-a-rule"]', "ignore"),
    ],
)
def test_bad_values_exit_2_naming_the_key(cli, tmp_path, body, key):
    write(tmp_path, {"pyproject.toml": f"[tool.detlint]\n{body}\n", "a.py": BENCHMARK})
    result = cli("check")
    assert result.exit_code == 2, result.output
    assert f"'{key}'" in result.stderr


def test_broken_toml_is_a_clear_error(cli, tmp_path):
    write(tmp_path, {"pyproject.toml": "[tool.detlint\nselect = [\n", "a.py": BENCHMARK})
    result = cli("check")
    assert result.exit_code == 2 and "not valid TOML" in result.stderr


def test_nearest_config_wins_and_pyproject_without_table_is_skipped(tmp_path):
    write(tmp_path, {
        "pyproject.toml": '[tool.detlint]\nmode = "library"\n',
        "sub/pyproject.toml": "[project]\nname = 'x'\n",
        "sub/deeper/detlint.toml": 'min-confidence = "high"\n',
    })  # fmt: skip
    assert find_config(tmp_path / "sub") == (tmp_path / "pyproject.toml").resolve()
    assert find_config(tmp_path / "sub" / "deeper") == (tmp_path / "sub" / "deeper" / "detlint.toml").resolve()
    settings = load_settings(find_config(tmp_path / "sub" / "deeper"))
    assert settings.min_confidence is Confidence.HIGH
    assert settings.root == (tmp_path / "sub" / "deeper").resolve()


def test_every_documented_key_loads(tmp_path):
    write(tmp_path, {"pyproject.toml": """
[tool.detlint]
select = ["DET2"]
extend-select = ["DET001"]
ignore = ["DET203"]
per-file-ignores = { "tests/**" = ["DET2"] }
exclude = ["build"]
extend-exclude = ["fixtures"]
respect-gitignore = false
min-confidence = "low"
target-versions = { torch = "2.4" }
entry-points = ["train.py"]
mode = "library"
max-file-size = 2048
cache-dir = "/tmp/detlint-cache"
"""})  # fmt: skip
    settings = load_settings(tmp_path / "pyproject.toml")
    assert settings.select == ("DET2",) and settings.ignore == ("DET203",)
    assert settings.per_file_ignores == {"tests/**": ("DET2",)}
    assert settings.target_versions == {"torch": "2.4"}
    assert settings.mode == "library" and settings.max_file_size == 2048
    assert settings.respect_gitignore is False
    assert settings.min_confidence is Confidence.LOW


def test_defaults_without_config(tmp_path):
    settings = load_settings(None, root=tmp_path)
    assert settings == Settings(root=tmp_path.resolve())
    assert settings.min_confidence is Confidence.MEDIUM


def test_cli_flags_override_the_config(cli, tmp_path):
    write(tmp_path, {
        "pyproject.toml": '[tool.detlint]\nselect = ["DET208"]\nmin-confidence = "high"\n',
        "a.py": BENCHMARK + "torch.backends.cudnn.benchmark = args.fast\n",
    })  # fmt: skip
    assert cli.json()["findings"] == []
    codes = [(f["code"], f["confidence"]) for f in cli.json("--select", "DET203", "--min-confidence", "low")["findings"]]
    assert codes == [("DET203", "high"), ("DET203", "low")]


def test_per_file_ignores(cli, tmp_path):
    write(tmp_path, {
        "pyproject.toml": '[tool.detlint]\nper-file-ignores = { "scripts/**" = ["cudnn-benchmark"] }\n',
        "scripts/tune.py": BENCHMARK,
        "train.py": BENCHMARK,
    })  # fmt: skip
    assert [f["path"] for f in cli.json()["findings"]] == ["train.py"]


def test_config_error_message_names_file_and_key():
    error = ConfigError("must be a list of strings", key="select", file=None)
    assert "'select'" in str(error)


def test_bad_pattern_is_a_config_error(cli, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.detlint]\nextend-exclude = ["# not a path"]\n', "a.py": BENCHMARK})
    result = cli("check")
    assert result.exit_code == 2 and "'extend-exclude'" in result.stderr


def test_target_versions_name_the_frameworks_the_op_catalogs_cover():
    from detlint.catalogs.loader import load_catalog
    from detlint.config import FRAMEWORKS

    assert {index.coverage.package for index in load_catalog().ops.values()} == set(FRAMEWORKS)


def test_a_bad_target_version_fails_before_any_analysis_and_names_the_value(cli, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.detlint]\ntarget-versions = { torch = "banana" }\n', "a.py": BENCHMARK})
    result = cli("check")
    assert result.exit_code == 2
    assert "'banana' is not a version number" in result.stderr
    assert "DET203" not in result.stdout  # nothing was analysed

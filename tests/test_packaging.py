"""The wheel ships the YAML catalogs, and the analyzer never needs the ML frameworks."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from conftest import REPO

from detlint.catalogs.loader import load_catalog


@pytest.mark.slow
def test_wheel_contains_every_catalog_file_and_loads_them(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
    )
    (wheel,) = tmp_path.glob("detlint-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "unpacked")
    shipped = {path.name for path in (REPO / "rules").glob("*.yaml")}
    assert shipped and {f"detlint/_catalog/{name}" for name in shipped} <= names
    packaged = load_catalog(tmp_path / "unpacked" / "detlint" / "_catalog")
    assert set(packaged.files) == shipped
    assert packaged.digest == load_catalog(REPO / "rules").digest


def test_analyzer_imports_no_ml_framework():
    code = (
        "import sys, detlint.cli, detlint.api, detlint.testing\n"
        "from detlint.testing import check_source\n"
        "check_source('import torch\\ntorch.backends.cudnn.benchmark = True\\n')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'torch', 'tensorflow', 'xgboost', 'jax'}))\n"
    )
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert output.strip() == "[]"


def test_version_starts_without_libcst():
    code = "import sys, detlint.cli\nprint('libcst' in sys.modules)\n"
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert output.strip() == "False"

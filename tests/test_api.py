"""The pipeline behind every front end: one file's source judged as a run over the project judges it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import write

from detlint.api import check_paths, check_source, saved_project, settings_from
from detlint.finding import Confidence

HELPER = "import random\n\n\ndef seed_all():\n    random.seed(0)\n"
# Runs that read their data: one that only draws random numbers is a demo whose results nobody keeps.
TRAIN = "import random\n\nfrom helper import seed_all\n\nseed_all()\nprint(open('rows.csv').read(), random.random())\n"
UNSEEDED = "import random\n\nprint(open('rows.csv').read(), random.random())\n"


def settings_of(root: Path):
    return settings_from(root, min_confidence=Confidence.LOW)


def test_a_buffer_is_judged_like_the_saved_file_in_its_project(tmp_path):
    write(tmp_path, {"detlint.toml": "", "helper.py": HELPER, "train.py": UNSEEDED})
    settings = settings_of(tmp_path)
    # On disk train.py is unseeded; the buffer calls the helper that seeds, which only the project shows.
    assert "DET101" in {finding.code for finding in check_paths([tmp_path], settings, use_cache=False).findings}
    buffer = check_source(tmp_path / "train.py", TRAIN, settings)
    write(tmp_path, {"train.py": TRAIN})
    saved = check_paths([tmp_path], settings, use_cache=False).findings
    assert buffer == [finding for finding in saved if finding.path == "train.py"]
    assert "DET101" not in {finding.code for finding in buffer}


def test_the_saved_project_can_be_kept_between_buffers(tmp_path):
    write(tmp_path, {"detlint.toml": "", "helper.py": HELPER, "train.py": UNSEEDED})
    settings = settings_of(tmp_path)
    project = saved_project(settings, jobs=1)
    assert {result.path for result in project} == {"helper.py", "train.py"}
    kept = check_source(tmp_path / "train.py", TRAIN, settings, project=project)
    assert kept == check_source(tmp_path / "train.py", TRAIN, settings)


def test_hosted_leaves_noqa_and_selection_to_the_host(tmp_path):
    write(tmp_path, {"detlint.toml": 'ignore = ["DET203"]\n'})
    settings = settings_of(tmp_path)
    text = "import torch\ntorch.backends.cudnn.benchmark = True  # noqa: DET203\nx = 1  # noqa: DET101\n"
    assert [finding.code for finding in check_source(tmp_path / "a.py", text, settings, hosted=True)] == ["DET203"]
    assert [finding.code for finding in check_source(tmp_path / "a.py", text, settings)] == ["DET090"]


def test_importing_the_api_loads_no_parser():
    code = "import sys, detlint.api\nprint([m for m in ('libcst', 'yaml', 'detlint.engine') if m in sys.modules])\n"
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert output.strip() == "[]"

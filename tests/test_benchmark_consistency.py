"""Findings do not depend on how a run is executed: cold (no cache), with the cache being written,
warm (every result from the cache), one file changed, serially (-j1) or in a process pool (-j2).

The corpus is generated here: 60+ files that exercise several file rules, suppressions, a parse
error, a dependency file and cross-file seeding (scripts seeded by a helper in another module, which
only the project pass can see; the scripts read their data, so their results count as kept). The benchmark (benchmarks/run.py) times these modes; this test only
checks that they agree. No timing assertions."""

from __future__ import annotations

from pathlib import Path

from conftest import write

from detlint.run import pool

HELPER = """import random

import numpy as np
import torch


def seed_all(seed: int = 0) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
"""

SEEDED_SCRIPT = """import torch

from pkg.seeding_{n} import seed_all


def main():
    seed_all()
    model = torch.nn.Linear({n} + 1, 2)
    return model(torch.load("batch.pt") + torch.rand(3, {n} + 1))


if __name__ == "__main__":
    main()
"""

UNSEEDED_SCRIPT = """import random

import numpy as np
import torch


def main():
    rows = np.loadtxt("rows.csv")
    noise = np.random.rand({n})
    pick = random.choice([1, 2, 3])
    return torch.nn.Linear(2, 2), rows + noise, pick


if __name__ == "__main__":
    main()
"""

HAZARDS = """import time

import numpy as np
import torch
from sklearn.model_selection import train_test_split


def prepare(features, labels):
    torch.manual_seed(int(time.time()))
    torch.backends.cudnn.benchmark = True
    rng = np.random.default_rng()
    quiet = np.random.default_rng()  # noqa: DET104
    stale = 1  # noqa: DET999
    split = train_test_split(features, labels, test_size=0.{n})
    order = [item for item in set(labels)]
    return rng, quiet, stale, split, order
"""

TRAINING = """import torch


def train(model, loader, steps={n}):
    torch.use_deterministic_algorithms(False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _, (x, y) in zip(range(steps), loader):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return torch.zeros(4).index_add_(0, torch.tensor([0, 1]), torch.ones(2))
"""


def _corpus(root: Path) -> dict[str, str]:
    files: dict[str, str] = {
        "pyproject.toml": '[project]\nname = "bench"\nversion = "0.1.0"\n\n[tool.detlint]\n',
        "pkg/__init__.py": "", "requirements.txt": "torch>=2\nnumpy\nscikit-learn==1.5.0\n"}
    for n in range(12):
        files[f"pkg/seeding_{n}.py"] = HELPER
        files[f"scripts/train_seeded_{n}.py"] = SEEDED_SCRIPT.format(n=n)
        files[f"scripts/train_unseeded_{n}.py"] = UNSEEDED_SCRIPT.format(n=n)
        files[f"pkg/hazards_{n}.py"] = HAZARDS.format(n=n + 1)
        files[f"pkg/training_{n}.py"] = TRAINING.format(n=n + 1)
    files["pkg/broken.py"] = "def broken(:\n    pass\n"
    write(root, files)
    return files


def _findings(cli, *args: str) -> list[dict]:
    report = cli.json("proj", *args)
    return report["findings"]


def test_findings_are_identical_cold_warm_serial_and_parallel(cli, tmp_path: Path):
    files = _corpus(tmp_path / "proj")
    python_files = [name for name in files if name.endswith(".py")]
    assert len(python_files) >= 60
    assert len(python_files) >= 2 * pool.MIN_FILES_PER_WORKER  # -j2 really starts two workers

    cold_serial = _findings(cli, "--no-cache", "-j1")
    cold_parallel = _findings(cli, "--no-cache", "-j2")
    assert not (tmp_path / "proj" / ".detlint_cache").exists()  # --no-cache writes nothing
    writing_cache = _findings(cli, "-j2")
    assert any((tmp_path / "proj" / ".detlint_cache").rglob("*")), "the cached run wrote no cache entries"
    warm_serial = _findings(cli, "-j1")
    warm_parallel = _findings(cli, "-j2")

    changed = tmp_path / "proj" / "pkg" / "training_3.py"
    changed.write_text(files["pkg/training_3.py"] + "# an edit that moves no finding\n", encoding="utf-8")
    one_changed = _findings(cli, "-j2")

    # The corpus exercises what it should: per-file rules, suppressions, parse errors, and
    # cross-file seeding (seeded scripts have no DET101; unseeded ones do).
    codes = {finding["code"] for finding in cold_serial}
    assert {"DET001", "DET090", "DET101", "DET103", "DET104"} <= codes, codes
    det101_paths = {finding["path"] for finding in cold_serial if finding["code"] == "DET101"}
    assert any("train_unseeded_" in path for path in det101_paths)
    assert not any("train_seeded_" in path for path in det101_paths)

    modes = {
        "cold -j2": cold_parallel,
        "writing the cache -j2": writing_cache,
        "warm -j1": warm_serial,
        "warm -j2": warm_parallel,
        "one file changed": one_changed,
    }
    for mode, findings in modes.items():
        assert findings == cold_serial, f"findings of {mode} differ from cold -j1"

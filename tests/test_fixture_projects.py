"""Every project under fixtures/projects/ is analysed as a whole; each finding must be announced by a
`# DETnnn` marker on its line (`# DET101, DET101` for two), in whichever file (sources, dependency
files, configuration), and each marker must be met. `# ok: DETnnn` comments document lines that
must stay silent."""

from __future__ import annotations

import pytest
from conftest import REPO

from detlint.api import check_paths
from detlint.config import load_settings
from detlint.testing import expected_counts_in_project, found_counts

PROJECTS = sorted(path for path in (REPO / "fixtures" / "projects").iterdir() if path.is_dir())


@pytest.mark.parametrize("project", PROJECTS, ids=lambda path: path.name)
def test_fixture_project(project, monkeypatch):
    monkeypatch.chdir(project)
    config = project / "pyproject.toml"
    settings = load_settings(config if config.is_file() else None, root=project)
    result = check_paths([project], settings, jobs=1, use_cache=False)
    files = {
        path.relative_to(project).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(project.rglob("*"))
        if path.is_file() and ".detlint_cache" not in path.parts
    }
    assert found_counts(result.findings) == expected_counts_in_project(files)

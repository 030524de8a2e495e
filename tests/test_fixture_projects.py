"""Every project under fixtures/projects/ is analysed as a whole; each finding must be announced by a
`# DETnnn` marker on its line (`# DET101, DET101` for two), and each marker must be met. `# ok:
DETnnn` comments document lines that must stay silent."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import REPO

from detlint.api import check_paths
from detlint.config import load_settings
from detlint.testing import expected_counts

PROJECTS = sorted(path for path in (REPO / "fixtures" / "projects").iterdir() if path.is_dir())


@pytest.mark.parametrize("project", PROJECTS, ids=lambda path: path.name)
def test_fixture_project(project, monkeypatch):
    monkeypatch.chdir(project)
    config = project / "pyproject.toml"
    settings = load_settings(config if config.is_file() else None, root=project)
    result = check_paths([project], settings, jobs=1, use_cache=False)
    actual = Counter((finding.path, finding.span.line, finding.code) for finding in result.findings)
    expected: Counter = Counter()
    for source in sorted(project.rglob("*.py")):
        path = source.relative_to(project).as_posix()
        for (line, code), count in expected_counts(source.read_text(encoding="utf-8")).items():
            expected[(path, line, code)] += count
    assert actual == expected

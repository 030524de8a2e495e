from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from detlint.cli import main

REPO = Path(__file__).resolve().parents[1]


class Cli:
    """Runs `detlint` in-process (in the test's working directory) and keeps what it printed."""

    def __call__(self, *args: str, input: str | bytes | None = None) -> Result:  # noqa: A002 - click's name
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    def json(self, *args: str) -> dict:
        return json.loads(self("check", "--output-format", "json", *args).stdout)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    return Cli()


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root

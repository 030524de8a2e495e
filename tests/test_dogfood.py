"""detlint's own repository passes detlint."""

from __future__ import annotations

from conftest import REPO


def test_detlint_checks_its_own_repository_clean(cli):
    result = cli("check", "--no-cache", str(REPO))
    assert result.exit_code == 0, result.stdout

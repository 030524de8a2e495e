from __future__ import annotations

from pathlib import Path

from detlint.results import FileResult
from detlint.run.cache import ResultCache


def test_round_trip_and_misses(tmp_path):
    cache = ResultCache(tmp_path, "salt")
    key = cache.key("a.py", b"x = 1\n")
    assert cache.get(key) is None
    cache.put(key, FileResult("a.py"))
    assert cache.get(key) == FileResult("a.py")
    assert cache.key("a.py", b"x = 2\n") != key
    assert cache.key("b.py", b"x = 1\n") != key
    assert ResultCache(tmp_path, "other salt").key("a.py", b"x = 1\n") != key
    assert (tmp_path / "CACHEDIR.TAG").is_file()


def test_corrupt_entries_are_misses(tmp_path):
    cache = ResultCache(tmp_path, "salt")
    key = cache.key("a.py", b"")
    cache.put(key, FileResult("a.py"))
    for path in Path(tmp_path).rglob(key):
        path.write_bytes(b"\x80\x04garbage")
    assert cache.get(key) is None


def test_unwritable_cache_only_costs_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = ResultCache(blocker, "salt")  # a file where the folder should be
    cache.put(cache.key("a.py", b""), FileResult("a.py"))
    assert cache.get(cache.key("a.py", b"")) is None


def test_edited_file_is_reanalysed(cli, tmp_path):
    target = tmp_path / "a.py"
    target.write_text("import torch\n")
    assert cli.json()["findings"] == []
    target.write_text("import torch\ntorch.backends.cudnn.benchmark = True\n")
    assert [f["code"] for f in cli.json()["findings"]] == ["DET203"]


def test_clean_removes_the_cache(cli, tmp_path):
    (tmp_path / "a.py").write_text("import torch\n")
    cli("check")
    assert (tmp_path / ".detlint_cache").is_dir()
    result = cli("clean")
    assert result.exit_code == 0 and "removed" in result.stdout
    assert not (tmp_path / ".detlint_cache").exists()
    assert cli("clean").exit_code == 0  # nothing to remove is fine


def test_the_analyzer_code_is_part_of_the_cache_key(monkeypatch):
    from detlint.results import AnalysisOptions
    from detlint.run import incremental

    assert len(incremental._code_digest()) == 64
    before = incremental.cache_salt(AnalysisOptions())
    monkeypatch.setattr(incremental, "_code_digest", lambda: "changed analyzer")
    assert incremental.cache_salt(AnalysisOptions()) != before

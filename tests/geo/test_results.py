"""The store of computed results: whole or absent, private, bounded, and never trusted blindly."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from geo import results
from geo.results import ResultStore


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_result_is_read_back_part_for_part(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    parts = {"blocks.parquet": b"\x00\x01binary", "meta.json": '{"名": 1}'.encode()}
    path = store.write("d1", "k1", parts)
    assert path == tmp_path / "results" / "d1-k1.zip"
    assert store.read("d1", "k1") == parts
    assert store.read("d1", "k2") is None  # another key: nothing
    assert store.read("d2", "k1") is None  # another dataset: nothing


def test_results_are_private(tmp_path: Path) -> None:
    os.umask(0o022)
    path = ResultStore(tmp_path).write("d1", "k1", {"a": b"1"})
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700


def test_a_damaged_result_counts_as_missing_and_is_removed(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    path = store.write("d1", "k1", {"a": b"x" * 1000})
    path.write_bytes(path.read_bytes()[:300])  # cut short
    assert store.read("d1", "k1") is None
    assert not path.exists()
    path = store.write("d1", "k1", {"a": b"x" * 1000})
    data = bytearray(path.read_bytes())
    start = data.index(b"x" * 1000)
    data[start + 10] = ord("y")  # one byte changed: the member's CRC no longer holds
    path.write_bytes(bytes(data))
    assert store.read("d1", "k1") is None
    assert not path.exists()


def test_a_failed_write_leaves_the_old_result_and_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ResultStore(tmp_path)
    store.write("d1", "k1", {"a": b"old"})

    def fail(path: Path, content: bytes) -> Path:
        path.write_bytes(content[:5])  # a part is on disk when the failure strikes
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(results, "write_private", fail)
    with pytest.raises(OSError, match="No space"):
        store.write("d1", "k1", {"a": b"new"})
    assert store.read("d1", "k1") == {"a": b"old"}
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["d1-k1.zip"]


def test_only_the_most_recently_used_results_are_kept(tmp_path: Path) -> None:
    store = ResultStore(tmp_path, keep=2)
    for i, key in enumerate(("k1", "k2")):
        path = store.write("d1", key, {"a": key.encode()})
        os.utime(path, ns=(10**18 + i, 10**18 + i))
    store.read("d1", "k1")  # read now: newer than k2
    store.write("d1", "k3", {"a": b"k3"})  # one too many: k2, read least recently, goes
    assert store.read("d1", "k2") is None
    assert store.read("d1", "k1") == {"a": b"k1"}
    assert store.read("d1", "k3") == {"a": b"k3"}


def test_drop_deletes_one_datasets_results_only(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.write("d1", "k1", {"a": b"1"})
    store.write("d1", "k2", {"a": b"2"})
    store.write("d12", "k1", {"a": b"3"})  # an id that starts like d1 is another dataset
    assert store.drop("d1") == 2
    assert store.read("d12", "k1") == {"a": b"3"}
    assert ResultStore(tmp_path / "empty").drop("d1") == 0


@pytest.mark.parametrize(("dataset_id", "key"), [("../d1", "k"), ("d1", "k/../../x"), ("", "k")])
def test_names_that_could_leave_the_folder_are_refused(
    tmp_path: Path, dataset_id: str, key: str
) -> None:
    with pytest.raises(ValueError, match="may hold only"):
        ResultStore(tmp_path).path(dataset_id, key)


def test_a_foreign_zip_is_read_as_its_parts(tmp_path: Path) -> None:
    # the store keeps bytes; whether they are an analysis is analysis.stored's question
    folder = tmp_path / "results"
    folder.mkdir()
    with zipfile.ZipFile(folder / "d1-k1.zip", "w") as archive:
        archive.writestr("other.txt", "hello")
    assert ResultStore(tmp_path).read("d1", "k1") == {"other.txt": b"hello"}


def test_results_beyond_the_bytes_bound_go_but_never_the_newest(tmp_path: Path) -> None:
    store = ResultStore(tmp_path, max_bytes=2500)
    for i, key in enumerate(("k1", "k2", "k3")):
        path = store.write("d1", key, {"a": bytes(1000)})  # about 1.1 kB each with the ZIP
        os.utime(path, ns=(10**18 + i, 10**18 + i))
    # k3 and k2 fit in 2,500 bytes, k1 (read least recently) does not
    assert store.prune() == 0 or store.read("d1", "k1") is None
    assert store.read("d1", "k1") is None
    assert store.read("d1", "k2") is not None and store.read("d1", "k3") is not None
    tiny = ResultStore(tmp_path, max_bytes=10)
    path = tiny.write("d1", "big", {"a": bytes(5000)})  # larger than the bound on its own
    assert path.is_file() and tiny.read("d1", "big") == {"a": bytes(5000)}
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["d1-big.zip"]

"""geo.files: private modes whatever the umask, output folders whole or absent, replaced
only when asked and only when they hold nothing but outputs, leftovers of dead runs cleared.

Every case is a folder laid out by hand in ``tmp_path``; the writer is a ``with`` block
writing two small files, ``a.csv`` and ``b.json``.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.errors import OutputError
from geo.files import (
    check_output_folder,
    create_private,
    make_private,
    output_folder,
    private_folder,
    write_private,
)

NAMES = ("a.csv", "b.json")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@contextlib.contextmanager
def umask(value: int) -> Iterator[None]:
    """The loosest umask there is, so only explicit modes can make anything private."""
    before = os.umask(value)
    try:
        yield
    finally:
        os.umask(before)


def write(folder: Path, text: str = "new") -> None:
    (folder / "a.csv").write_text(f"{text}\n", encoding="utf-8")
    (folder / "b.json").write_text(f'"{text}"\n', encoding="utf-8")


def contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


def dead_pid() -> int:
    """The id of a process that has ended and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# --------------------------------------------------------------------------- private modes


def test_private_helpers_ignore_a_loose_umask(tmp_path: Path) -> None:
    with umask(0):
        folder = private_folder(tmp_path / "ws" / "datasets")
        written = write_private(folder / "x.bin", b"\x00" * 10)
        created = create_private(folder / "db.sqlite")
    assert mode(folder) == 0o700
    assert mode(written) == 0o600 and written.read_bytes() == b"\x00" * 10
    assert mode(created) == 0o600 and created.stat().st_size == 0


def test_write_private_tightens_an_existing_loose_file(tmp_path: Path) -> None:
    path = tmp_path / "street.osm"
    path.write_bytes(b"old content that is longer")
    path.chmod(0o666)
    write_private(path, b"new")
    assert mode(path) == 0o600 and path.read_bytes() == b"new"


def test_make_private_walks_folders_and_leaves_links_alone(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    outside.chmod(0o644)
    folder = tmp_path / "ws"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "f").write_text("x")
    (folder / "link").symlink_to(outside)
    for path in (folder, folder / "sub", folder / "sub" / "f"):
        path.chmod(0o777)
    make_private(folder)
    assert [mode(folder), mode(folder / "sub"), mode(folder / "sub" / "f")] == [0o700, 0o700, 0o600]
    assert mode(outside) == 0o644  # the link's target is not ours to change


# --------------------------------------------------------------------------- output folders


def test_output_folder_appears_whole_and_private(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    with umask(0), output_folder(out, names=NAMES) as folder:
        assert folder.parent == out.parent and folder.name.startswith(".out.partial-")
        assert not out.exists()  # nothing at --out while writing
        write(folder)
    assert contents(out) == {"a.csv": "new\n", "b.json": '"new"\n'}
    assert mode(out) == 0o700
    assert {mode(p) for p in out.iterdir()} == {0o600}
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no leftovers


def test_an_error_while_writing_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="disk"), output_folder(out, names=NAMES) as folder:
        write(folder)
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_an_error_while_replacing_keeps_the_previous_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    write(out, "old")
    with pytest.raises(KeyboardInterrupt), output_folder(out, names=NAMES, overwrite=True) as f:
        write(f)
        raise KeyboardInterrupt
    assert contents(out) == {"a.csv": "old\n", "b.json": '"old"\n'}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_empty_folder_is_filled_without_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with output_folder(out, names=NAMES) as folder:
        write(folder)
    assert sorted(contents(out)) == ["a.csv", "b.json"]


def test_overwrite_replaces_earlier_outputs_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.csv").write_text("old\n")  # an earlier run wrote only one of the two
    with output_folder(out, names=NAMES, overwrite=True) as folder:
        write(folder)
    assert contents(out) == {"a.csv": "new\n", "b.json": '"new"\n'}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize(
    ("layout", "overwrite", "message"),
    [
        ("file", False, "is a file, not a folder"),
        ("file", True, "is a file, not a folder"),
        ("outputs", False, "is not empty (it holds 'a.csv'); run with --overwrite"),
        ("foreign", True, "holds 'notes.txt', which beatcov does not write there"),
        ("subfolder", True, "holds 'h3', which beatcov does not write there"),
        ("link", False, "is a symbolic link"),
        ("parent file", False, "is a file, so no folder can be made there"),
    ],
)
def test_refusals(tmp_path: Path, layout: str, overwrite: bool, message: str) -> None:
    out = tmp_path / "out"
    if layout == "file":
        out.write_text("a file the user keeps")
    elif layout == "link":
        (tmp_path / "real").mkdir()
        out.symlink_to(tmp_path / "real")
    elif layout == "parent file":
        (tmp_path / "p").write_text("x")
        out = tmp_path / "p" / "out"
    else:
        out.mkdir()
        (out / "a.csv").write_text("old\n")
        if layout == "foreign":
            (out / "notes.txt").write_text("mine")
        elif layout == "subfolder":
            (out / "h3").mkdir()
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(OutputError, match=re.escape(message)):
        check_output_folder(out, names=NAMES, overwrite=overwrite)
    with pytest.raises(OutputError), output_folder(out, names=NAMES, overwrite=overwrite):
        pytest.fail("the block must not run")
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_overwrite_of_the_working_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--out . --overwrite` in a project folder must not replace the project
    (tmp_path / "project.py").write_text("print('keep me')")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="'project.py', which beatcov does not write"):
        check_output_folder(Path("."), names=NAMES, overwrite=True)
    with pytest.raises(OutputError, match="the root folder cannot be an output folder"):
        check_output_folder(Path("/"), names=NAMES, overwrite=True)


def test_a_folder_filled_meanwhile_by_someone_else_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="is not empty"), output_folder(out, names=NAMES) as f:
        write(f)
        out.mkdir()
        (out / "a.csv").write_text("theirs\n")  # another run got there first
    assert contents(out) == {"a.csv": "theirs\n"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


# --------------------------------------------------------------------------- leftovers


def leftover(tmp_path: Path, mark: str, pid: int, text: str) -> Path:
    folder = tmp_path / f".out.{mark}-{pid}-0123abcd"
    folder.mkdir()
    write(folder, text)
    return folder


def test_partial_folder_of_a_dead_run_is_cleared(tmp_path: Path) -> None:
    leftover(tmp_path, "partial", dead_pid(), "half")
    check_output_folder(tmp_path / "out", names=NAMES)
    assert list(tmp_path.iterdir()) == []


def test_replaced_folder_of_a_run_killed_between_renames_is_put_back(tmp_path: Path) -> None:
    # killed after renaming the old folder aside and before renaming the new one in
    pid = dead_pid()
    leftover(tmp_path, "replaced", pid, "old")
    leftover(tmp_path, "partial", pid, "new")
    check_output_folder(tmp_path / "out", names=NAMES, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert contents(tmp_path / "out") == {"a.csv": "old\n", "b.json": '"old"\n'}


def test_replaced_folder_is_deleted_when_the_new_one_is_in_place(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    write(tmp_path / "out", "new")
    leftover(tmp_path, "replaced", dead_pid(), "old")
    check_output_folder(tmp_path / "out", names=NAMES, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert contents(tmp_path / "out")["a.csv"] == "new\n"


def test_leftovers_of_a_live_run_and_of_other_folders_are_kept(tmp_path: Path) -> None:
    live = leftover(tmp_path, "partial", os.getpid(), "running")
    other = tmp_path / f".other.partial-{dead_pid()}-0123abcd"
    other.mkdir()
    check_output_folder(tmp_path / "out", names=NAMES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])

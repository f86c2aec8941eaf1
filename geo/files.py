"""Files beatcov keeps or writes: its owner's only, and whole or absent.

Rules
-----
* **Private.** What beatcov stores (the workspace) and every output folder of the command
  line hold personal data (addresses, vulnerable residents, officers' ids), so folders are
  ``0700`` and files ``0600``, set with an explicit ``chmod`` whatever the process umask
  (:func:`private_folder`, :func:`write_private`, :func:`make_private`). Sharing a file is
  a deliberate act (copy it, or ``chmod`` it), never a side effect of where it was written.
* **Whole or absent.** An output folder is written as a hidden sibling
  ``.NAME.partial-PID-XXXXXXXX`` and renamed into place when every file is written and
  flushed (:func:`output_folder`). A crash at any moment, ``kill -9`` included, leaves
  either no folder or the previous complete one, never a mix of old and new files or a
  file cut short.
* **Replaced only when asked, and only if ours.** An existing folder that holds anything
  is replaced only with ``overwrite=True``, and then only when it holds nothing but the
  files the writer produces (so ``--out . --overwrite`` cannot wipe a project). The old
  folder is renamed aside to ``.NAME.replaced-PID-XXXXXXXX``, the new one renamed in and
  the old one deleted. An existing *file* is never replaced by a folder.
* **Leftovers.** A crash leaves the hidden partial folder behind (and, if it struck in
  the microseconds between the two renames of a replacement, the old folder aside with
  no folder in its place). :func:`check_output_folder` clears the leftovers of processes
  that are gone before it looks: partial folders are deleted, and an aside folder is put
  back in place when nothing took its place (else deleted). Leftovers of a live process
  (a run still going) are not touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Final

from geo.errors import OutputError

PRIVATE_FOLDER: Final = 0o700
"""Mode of every folder beatcov creates for its data: owner only."""

PRIVATE_FILE: Final = 0o600
"""Mode of every file beatcov stores or writes: owner read and write only."""

PARTIAL: Final = "partial"
"""Mark of an output folder being written (``.NAME.partial-PID-XXXXXXXX``)."""

REPLACED: Final = "replaced"
"""Mark of an output folder being replaced (``.NAME.replaced-PID-XXXXXXXX``)."""


# --------------------------------------------------------------------------- private files


def private_folder(folder: Path) -> Path:
    """Create ``folder`` (and missing parents) if needed and make it ``0700``; return it.

    Parents created on the way get the process's usual mode; only ``folder`` is made
    private.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    os.chmod(folder, PRIVATE_FOLDER)
    return folder


def write_private(path: Path, content: bytes) -> Path:
    """Write ``content`` to ``path`` as a ``0600`` file (never readable by others meanwhile).

    The file is opened with mode ``0600`` and ``fchmod``-ed before the first byte, so an
    existing file's looser mode is tightened too. Written whole and flushed to disk.
    """
    path = Path(path)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        os.fchmod(handle, PRIVATE_FILE)
        view = memoryview(content)
        while view:
            view = view[os.write(handle, view) :]
        os.fsync(handle)
    finally:
        os.close(handle)
    return path


def create_private(path: Path) -> Path:
    """Create ``path`` as an empty ``0600`` file if missing; make an existing one ``0600``."""
    path = Path(path)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    try:
        os.fchmod(handle, PRIVATE_FILE)
    finally:
        os.close(handle)
    return path


def make_private(folder: Path) -> None:
    """Make ``folder`` and every folder below it ``0700`` and every file in them ``0600``.

    Symbolic links are left alone (``chmod`` would change what they point to).
    """
    folder = Path(folder)
    os.chmod(folder, PRIVATE_FOLDER)
    for top, folders, files in os.walk(folder):
        for name in folders:
            path = os.path.join(top, name)
            if not os.path.islink(path):
                os.chmod(path, PRIVATE_FOLDER)
        for name in files:
            path = os.path.join(top, name)
            if not os.path.islink(path):
                os.chmod(path, PRIVATE_FILE)


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk (POSIX only)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


# --------------------------------------------------------------------------- output folders


def check_output_folder(out: Path, *, names: Collection[str], overwrite: bool = False) -> Path:
    """Return ``out`` as an absolute path once it is known it can be written or replaced.

    Clears the leftovers of crashed runs beside ``out`` first (see the module's rules).

    Parameters
    ----------
    out : Path
        The output folder: missing (it is created, with its parents), an empty folder,
        or, with ``overwrite``, a folder holding only files named in ``names``.
    names : collection of str
        The files the writer puts in ``out``.
    overwrite : bool
        Replace a folder that holds files.

    Raises
    ------
    OutputError
        When ``out`` is a file or a symbolic link, holds files without ``overwrite``,
        holds anything but ``names`` (with ``overwrite``), or its parent cannot be written.
    """
    out = Path(os.path.abspath(out))
    if out.parent == out:
        msg = f"--out {out}: the root folder cannot be an output folder; name a folder in it"
        raise OutputError(msg)
    _clear_leftovers(out)
    if out.is_symlink():
        msg = (
            f"--out {out} is a symbolic link; name the folder itself (beatcov replaces the "
            "folder whole and would replace the link, not what it points to)"
        )
        raise OutputError(msg)
    if out.exists() and not out.is_dir():
        msg = (
            f"--out {out} is a file, not a folder; name a folder (it is created) or move "
            "the file away"
        )
        raise OutputError(msg)
    held = sorted(os.listdir(out)) if out.is_dir() else []
    if held and not overwrite:
        msg = (
            f"--out {out} is not empty (it holds {_some(held)}); run with --overwrite to "
            "replace it whole, or name a new folder"
        )
        raise OutputError(msg)
    foreign = [n for n in held if n not in names or not (out / n).is_file() or _is_link(out, n)]
    if foreign:
        msg = (
            f"--out {out} holds {_some(foreign)}, which beatcov does not write there; "
            "--overwrite replaces only a folder of beatcov's outputs, so name a new folder "
            "or move those away"
        )
        raise OutputError(msg)
    _check_parent(out)
    return out


@contextlib.contextmanager
def output_folder(out: Path, *, names: Collection[str], overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty private folder beside ``out``; on success it replaces ``out`` whole.

    Write the files into the yielded folder. When the ``with`` block ends without an
    exception, every file is made ``0600`` and flushed, and the folder is renamed to
    ``out`` (replacing an empty folder, or with ``overwrite`` a folder of earlier outputs;
    :func:`check_output_folder` is applied first). When it ends with an exception, the
    partial folder is deleted and ``out`` is as it was.

    Raises
    ------
    OutputError
        As :func:`check_output_folder`, checked again at the end: another process may
        have filled ``out`` meanwhile.
    """
    out = check_output_folder(out, names=names, overwrite=overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = _sibling(out, PARTIAL)
    partial.mkdir(mode=PRIVATE_FOLDER)
    try:
        yield partial
        make_private(partial)
        for path in partial.iterdir():
            _fsync_file(path)
        fsync_folder(partial)
        check_output_folder(out, names=names, overwrite=overwrite)
        _move_into_place(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _move_into_place(partial: Path, out: Path) -> None:
    """Rename ``partial`` to ``out``; a non-empty ``out`` is renamed aside and deleted."""
    if out.is_dir() and any(out.iterdir()):
        aside = _sibling(out, REPLACED)
        os.rename(out, aside)
        try:
            os.rename(partial, out)
        except BaseException:
            os.rename(aside, out)
            raise
        fsync_folder(out.parent)
        shutil.rmtree(aside, ignore_errors=True)  # a leftover is cleared by the next run
        return
    try:
        os.rename(partial, out)  # replaces an empty folder in one step
    except OSError as exc:
        msg = (
            f"--out {out} was filled by someone else while beatcov was running ({exc}); "
            "nothing of this run was kept: run again, with --overwrite to replace it"
        )
        raise OutputError(msg) from exc
    fsync_folder(out.parent)


def _sibling(out: Path, mark: str) -> Path:
    return out.with_name(f".{out.name}.{mark}-{os.getpid()}-{secrets.token_hex(4)}")


def _clear_leftovers(out: Path) -> None:
    """Delete partial folders of dead runs; put back (or delete) their aside folders."""
    if not out.parent.is_dir():
        return
    pattern = re.compile(rf"\.{re.escape(out.name)}\.({PARTIAL}|{REPLACED})-(\d+)-[0-9a-f]{{8}}")
    found = []
    with os.scandir(out.parent) as entries:
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match and entry.is_dir(follow_symlinks=False) and not _alive(int(match[2])):
                found.append((match[1], Path(entry.path)))
    for mark, path in sorted(found):  # partial before replaced
        if mark == REPLACED and not os.path.lexists(out):
            os.rename(path, out)  # the previous complete output, back in place
        else:
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Tell whether a process with this id runs (a reused id counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _check_parent(out: Path) -> None:
    """Refuse when the folder that will hold ``out`` cannot be created or written."""
    parent = out.parent
    while not parent.exists() and parent.parent != parent:
        parent = parent.parent
    if not parent.is_dir():
        msg = f"--out {out}: {parent} is a file, so no folder can be made there"
        raise OutputError(msg)
    if not os.access(parent, os.W_OK | os.X_OK):
        msg = f"--out {out}: cannot write in {parent} (permission denied); name another folder"
        raise OutputError(msg)


def _is_link(folder: Path, name: str) -> bool:
    return (folder / name).is_symlink()


def _some(names: list[str], *, limit: int = 3) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


def _fsync_file(path: Path) -> None:
    if path.is_file() and not path.is_symlink():
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)

"""Stored analysis results: each computed once, then read by every session and restart.

An analysis is a pure function of its inputs (the dataset, the street file, the window,
the settings, the chiefs' decisions and the code that computes it), so its result can be
kept and read back instead of computed again. :class:`ResultStore` keeps such results in
the workspace folder as opaque, named parts (what the parts are is the caller's business:
:mod:`analysis.stored` writes an analysis's tables as Parquet):

    results/<dataset id>-<key>.zip   one result: its parts, uncompressed ZIP members

Rules
-----
* **Derived, never the truth.** A result is only a copy of what the analysis would give;
  a missing, unreadable or damaged file is simply computed again, and deleting the whole
  ``results`` folder loses nothing. The key names everything the result depends on, so a
  change of any input (a new decision, another window, a new beatcov) reads another file.
* **Whole or absent.** A result is written under a temporary name in the same folder,
  flushed and renamed into place; readers see the old file or the new, never a part.
  Two sessions storing the same result at once write the same bytes.
* **Private.** The folder is ``0700`` and each file ``0600``, like the rest of the
  workspace (:mod:`geo.files`): results hold households and visits.
* **Bounded.** At most ``keep`` results and ``max_bytes`` bytes are kept; storing one more
  deletes those read least recently (reading a result touches its file), never the one
  just stored. A city's year is hundreds of MB per result, so the bytes bound is the one
  that counts there. Deleting a dataset deletes its results (:meth:`ResultStore.drop`).
* **Local.** With a PostgreSQL workspace (:mod:`geo.payloads`) the results still live in
  the server's workspace folder: they are a per-server cache, and each server fills its
  own.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from geo.files import fsync_folder, private_folder, write_private

RESULTS_DIR: Final = "results"
"""Sub-folder of the workspace holding stored results."""

SUFFIX: Final = ".zip"

KEEP: Final = 64
"""Results kept per workspace by default (a demo-sized result is about 1.5 MB)."""

MAX_BYTES: Final = 4 * 1024**3
"""Bytes of results kept per workspace by default (4 GiB)."""

_NAME: Final = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_TMP_PREFIX: Final = ".tmp-"


class ResultStore:
    """Named parts of computed results, in a workspace folder's ``results`` sub-folder.

    Parameters
    ----------
    folder : Path
        The workspace folder (the store uses ``folder / "results"``, made on first write).
    keep : int, default :data:`KEEP`
        How many results to keep; the least recently read go first.
    max_bytes : int, default :data:`MAX_BYTES`
        How many bytes of results to keep, likewise (the newest result always stays).

    Examples
    --------
    >>> import tempfile
    >>> store = ResultStore(Path(tempfile.mkdtemp()))
    >>> store.read("d1", "k1") is None
    True
    >>> _ = store.write("d1", "k1", {"table.parquet": b"1234", "meta.json": b"{}"})
    >>> store.read("d1", "k1")
    {'table.parquet': b'1234', 'meta.json': b'{}'}
    >>> store.drop("d1"), store.read("d1", "k1")
    (1, None)
    """

    def __init__(self, folder: Path, *, keep: int = KEEP, max_bytes: int = MAX_BYTES) -> None:
        self.folder = Path(folder) / RESULTS_DIR
        self.keep = int(keep)
        self.max_bytes = int(max_bytes)

    def path(self, dataset_id: str, key: str) -> Path:
        """Return the file of one result (it may not exist)."""
        _check_name(dataset_id, "dataset id")
        _check_name(key, "result key")
        return self.folder / f"{dataset_id}-{key}{SUFFIX}"

    def read(self, dataset_id: str, key: str) -> dict[str, bytes] | None:
        """Return the parts of a stored result, or ``None`` when there is none to trust.

        A file that cannot be read whole (cut short, a bad checksum) is deleted and
        reported as missing, so the caller computes the result again.
        """
        path = self.path(dataset_id, key)
        try:
            with zipfile.ZipFile(path) as archive:
                parts = {name: archive.read(name) for name in archive.namelist()}
        except FileNotFoundError:
            return None
        except (OSError, zipfile.BadZipFile, EOFError, ValueError):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # read now: the last to be pruned
        return parts

    def write(self, dataset_id: str, key: str, parts: Mapping[str, bytes]) -> Path:
        """Store a result's parts whole (temporary file, flushed, renamed); return its file."""
        path = self.path(dataset_id, key)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for name, content in parts.items():
                archive.writestr(name, content)
        private_folder(self.folder)
        partial = self.folder / f"{_TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
        try:
            write_private(partial, buffer.getvalue())
            os.replace(partial, path)
        except BaseException:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
        fsync_folder(self.folder)
        self.prune(newest=path)
        return path

    def drop(self, dataset_id: str) -> int:
        """Delete every stored result of a dataset; return how many were deleted."""
        _check_name(dataset_id, "dataset id")
        removed = 0
        for path in self._files():
            if path.name.startswith(f"{dataset_id}-"):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed

    def prune(self, *, newest: Path | None = None) -> int:
        """Keep the results read or written last, within ``keep`` and ``max_bytes``.

        Returns how many were deleted. ``newest`` (the result just written; else the one
        touched last) always stays, even when it alone is larger than ``max_bytes``.
        """
        dated = []
        for path in self._files():
            with contextlib.suppress(FileNotFoundError):
                stat = path.stat()
                first = newest is not None and path == newest  # file times can tie
                dated.append((first, stat.st_mtime_ns, path.name, stat.st_size, path))
        dated.sort(reverse=True)
        removed, total = 0, 0
        for position, (_, _, _, size, path) in enumerate(dated):
            total += size
            if position == 0 or (position < self.keep and total <= self.max_bytes):
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        return removed

    def _files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return [
            p for p in self.folder.iterdir() if p.suffix == SUFFIX and not p.name.startswith(".")
        ]


def _check_name(value: str, what: str) -> None:
    """Refuse a name that could leave the folder or clash with another file's."""
    if not _NAME.fullmatch(value):
        msg = f"{what} {value!r} may hold only letters, digits, '_', '.' and '-'"
        raise ValueError(msg)

"""A stored dataset's payload (its GeoPackage) and street file: in the folder or the database.

:class:`geo.workspace.Workspace` keeps each dataset's row in its database; the bytes of
the dataset (one GeoPackage, :mod:`geo.gpkg`) and of its street file go

* to **files** in the workspace folder with SQLite (:class:`FolderPayloads`, the layout
  described in :mod:`geo.workspace`): a file is written before its row is committed and
  removed again when the transaction fails;
* into the **database** with PostgreSQL (:class:`DatabasePayloads`), so that every station
  sharing the server sees every dataset: tables ``dataset_files`` (the GeoPackage as
  ``bytea``) and ``street_files`` (``bytea``, with its suffix and SHA-256), written in the
  same transaction as the dataset's row (their foreign keys are checked at ``COMMIT``, so
  the payload may be written first, as with files). The beats of every dataset are also kept as
  PostGIS geometry (``dataset_beats``, SRID 4326), with the view ``current_beats`` (the
  current dataset's beats) that a GIS (QGIS, ArcGIS) can draw straight from the server.
  Only beats: households and visits are personal, and a SQL view would bypass beatcov's
  scoped reads, so they stay inside the GeoPackage.

A GeoPackage needs a file to be written and read (GDAL), so the database payloads pass
through a private scratch folder inside the workspace folder (``.scratch-*``, ``0700``,
removed at once). Street files are read by path (osmnx, osmium), so a shared workspace
keeps a local copy, ``streets/<dataset id>-<first 12 hex digits of SHA-256><suffix>``,
written when first asked for: a new street file gets a new name, so nothing cached under
the old path is reused.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import shapely

from geo import gpkg
from geo.database import Connection
from geo.files import private_folder, write_private
from geo.gpkg import ID_LENGTH, LAYERS, TMP_PREFIX
from geo.street_files import GRAPHML_SUFFIX, OSM_SUFFIXES

STREET_SUFFIXES: Final = (*OSM_SUFFIXES, GRAPHML_SUFFIX)
"""Full suffixes of a street file (what :func:`geo.streets.load_streets` reads)."""

SCHEMA: Final = (
    """
    CREATE TABLE IF NOT EXISTS dataset_files (
        dataset_id TEXT PRIMARY KEY REFERENCES datasets (dataset_id) ON DELETE CASCADE
                   DEFERRABLE INITIALLY DEFERRED,
        gpkg       BYTEA NOT NULL,
        sha256     TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS street_files (
        dataset_id TEXT PRIMARY KEY REFERENCES datasets (dataset_id) ON DELETE CASCADE,
        suffix     TEXT NOT NULL,
        content    BYTEA NOT NULL,
        sha256     TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS dataset_beats (
        dataset_id  TEXT NOT NULL REFERENCES datasets (dataset_id) ON DELETE CASCADE
                    DEFERRABLE INITIALLY DEFERRED,
        part        INTEGER NOT NULL,
        beat_id     TEXT NOT NULL,
        name        TEXT,
        station     TEXT,
        officer_ids TEXT,
        geom        geometry(MultiPolygon, 4326),
        PRIMARY KEY (dataset_id, part)
    )
    """,
    """
    CREATE OR REPLACE VIEW current_beats AS
    SELECT b.beat_id, b.name, b.station, b.officer_ids, b.geom, b.dataset_id
    FROM dataset_beats AS b JOIN current AS c ON c.dataset_id = b.dataset_id
    """,
)
"""PostgreSQL tables of :class:`DatabasePayloads` (run when a shared workspace is opened)."""

LEFTOVER_AGE_S: Final = 600.0
"""A shared workspace's local leftovers (``.tmp-*``, ``.scratch-*``) older than this are swept."""

_ID_PATTERN: Final = re.compile(rf"[0-9a-f]{{{ID_LENGTH}}}")
_TRASH_PREFIX: Final = ".deleted-"
_SCRATCH_PREFIX: Final = ".scratch-"

Put = Callable[[Connection, dict[str, gpd.GeoDataFrame], bool], None]
Remove = Callable[[Connection], None]


class FolderPayloads:
    """Payloads as files in the workspace folder (SQLite workspaces)."""

    def __init__(self, folder: Path) -> None:
        self.datasets_dir = folder / "datasets"
        self.streets_dir = folder / "streets"

    def create(self) -> None:
        """Create the ``datasets`` folder (``0700``)."""
        private_folder(self.datasets_dir)

    def file(self, dataset_id: str) -> Path:
        """Return the GeoPackage of a dataset (which may not exist)."""
        return self.datasets_dir / f"{dataset_id}.gpkg"

    def has(self, conn: Connection, dataset_id: str) -> bool:
        """Tell whether a dataset's tables are stored."""
        return self.file(dataset_id).exists()

    def missing(self, dataset_id: str) -> str:
        """Say where a dataset's tables should be (for the message when they are not)."""
        return f"{self.file(dataset_id)} does not exist"

    @contextlib.contextmanager
    def storing(self, dataset_id: str) -> Iterator[Put]:
        """Yield ``put(conn, tables, new)``; a new file is removed when the block fails."""
        final = self.file(dataset_id)
        created = False

        def put(conn: Connection, tables: dict[str, gpd.GeoDataFrame], new: bool) -> None:
            nonlocal created
            gpkg.write_file(tables, final)
            created = new

        try:
            yield put
        except BaseException:
            if created:
                final.unlink(missing_ok=True)
            raise

    def read(
        self, conn: Connection, dataset_id: str, layout: dict[str, Any]
    ) -> dict[str, gpd.GeoDataFrame] | None:
        """Return a dataset's tables, or ``None`` when its file is missing."""
        path = self.file(dataset_id)
        if not path.exists():
            return None
        return {name: gpkg.read_layer(path, name, layout[name]) for name in LAYERS}

    @contextlib.contextmanager
    def removing(self, dataset_id: str) -> Iterator[Remove]:
        """Yield ``remove(conn)``: the file goes aside, back if the block fails, else away.

        The street file is deleted too when the block succeeds.
        """
        path = self.file(dataset_id)
        trash = path.with_name(f"{_TRASH_PREFIX}{dataset_id}-{secrets.token_hex(4)}.gpkg")
        moved = False

        def remove(conn: Connection) -> None:
            nonlocal moved
            if path.exists():
                os.replace(path, trash)
                moved = True

        try:
            yield remove
        except BaseException:
            if moved:
                os.replace(trash, path)
            raise
        trash.unlink(missing_ok=True)
        for kept in self.street_files(dataset_id):
            kept.unlink(missing_ok=True)

    def save_streets(self, conn: Connection, dataset_id: str, suffix: str, content: bytes) -> Path:
        """Write the street file whole (under the caller's write lock); return it."""
        target = self.streets_dir / f"{dataset_id}{suffix}"
        partial = self.streets_dir / f"{TMP_PREFIX}{dataset_id}{suffix}"
        private_folder(self.streets_dir)
        try:
            write_private(partial, content)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        for earlier in self.street_files(dataset_id):
            if earlier != target:
                earlier.unlink()
        return target

    def streets_file(self, open_conn: Callable[[], Connection], dataset_id: str) -> Path | None:
        """Return the street file kept with a dataset, or ``None``."""
        return next(iter(self.street_files(dataset_id)), None)

    def street_files(self, dataset_id: str) -> builtins.list[Path]:
        """Return the street files of a dataset (one, or none)."""
        candidates = (self.streets_dir / f"{dataset_id}{s}" for s in STREET_SUFFIXES)
        return [path for path in candidates if path.is_file()]

    def sweep(self, conn: Connection) -> None:
        """Remove files a crash left behind; call only while holding the write lock."""
        known = {row[0] for row in conn.execute("SELECT dataset_id FROM datasets")}
        for path in self.datasets_dir.iterdir():
            name = path.name
            leftover = name.startswith((TMP_PREFIX, _TRASH_PREFIX))
            orphan = (
                path.suffix == ".gpkg"
                and _ID_PATTERN.fullmatch(path.stem) is not None
                and path.stem not in known
            )
            if path.is_file() and (leftover or orphan):
                path.unlink(missing_ok=True)
        if self.streets_dir.is_dir():
            for path in self.streets_dir.iterdir():
                if path.is_file() and path.name.startswith(TMP_PREFIX):
                    path.unlink(missing_ok=True)


class DatabasePayloads:
    """Payloads in the database as ``bytea`` (PostgreSQL workspaces); see the module notes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.streets_dir = folder / "streets"

    def create(self) -> None:
        """Nothing to create: the folder only caches street files."""

    def has(self, conn: Connection, dataset_id: str) -> bool:
        """Tell whether a dataset's tables are stored."""
        found = conn.execute("SELECT 1 FROM dataset_files WHERE dataset_id = ?", (dataset_id,))
        return found.fetchone() is not None

    def missing(self, dataset_id: str) -> str:
        """Say where a dataset's tables should be (for the message when they are not)."""
        return "the database has no row for them in dataset_files"

    @contextlib.contextmanager
    def storing(self, dataset_id: str) -> Iterator[Put]:
        """Yield ``put(conn, tables, new)`` writing the GeoPackage and the beats' geometry."""

        def put(conn: Connection, tables: dict[str, gpd.GeoDataFrame], new: bool) -> None:
            with self._scratch() as folder:
                path = folder / f"{dataset_id}.gpkg"
                gpkg.write_file(tables, path)
                content = path.read_bytes()
            conn.execute(
                "INSERT INTO dataset_files (dataset_id, gpkg, sha256) VALUES (?, ?, ?) "
                "ON CONFLICT (dataset_id) DO UPDATE SET gpkg = excluded.gpkg, "
                "sha256 = excluded.sha256",
                (dataset_id, content, hashlib.sha256(content).hexdigest()),
            )
            _store_beats(conn, dataset_id, tables["beats"])

        yield put  # the transaction's rollback undoes a failed store

    def read(
        self, conn: Connection, dataset_id: str, layout: dict[str, Any]
    ) -> dict[str, gpd.GeoDataFrame] | None:
        """Return a dataset's tables, or ``None`` when they are not stored."""
        found = conn.execute(
            "SELECT gpkg FROM dataset_files WHERE dataset_id = ?", (dataset_id,)
        ).fetchone()
        if found is None:
            return None
        with self._scratch() as folder:
            path = folder / f"{dataset_id}.gpkg"
            write_private(path, bytes(found[0]))
            return {name: gpkg.read_layer(path, name, layout[name]) for name in LAYERS}

    @contextlib.contextmanager
    def removing(self, dataset_id: str) -> Iterator[Remove]:
        """Yield ``remove(conn)`` (the rows go with the dataset's); drop the local copy after."""

        def remove(conn: Connection) -> None:
            for table in ("dataset_beats", "dataset_files", "street_files"):
                conn.execute(f"DELETE FROM {table} WHERE dataset_id = ?", (dataset_id,))

        yield remove
        self._drop_copies(dataset_id)

    def save_streets(self, conn: Connection, dataset_id: str, suffix: str, content: bytes) -> Path:
        """Store the street file in the database (the caller commits); return its local copy."""
        digest = hashlib.sha256(content).hexdigest()
        conn.execute(
            "INSERT INTO street_files (dataset_id, suffix, content, sha256) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (dataset_id) DO UPDATE SET suffix = excluded.suffix, "
            "content = excluded.content, sha256 = excluded.sha256",
            (dataset_id, suffix, content, digest),
        )
        return self._copy(dataset_id, suffix, digest, content)

    def streets_file(self, open_conn: Callable[[], Connection], dataset_id: str) -> Path | None:
        """Return a local copy of the dataset's street file (fetched once), or ``None``."""
        with contextlib.closing(open_conn()) as conn:
            found = conn.execute(
                "SELECT suffix, sha256 FROM street_files WHERE dataset_id = ?", (dataset_id,)
            ).fetchone()
            if found is None:
                self._drop_copies(dataset_id)
                return None
            suffix, digest = str(found[0]), str(found[1])
            path = self._copy_path(dataset_id, suffix, digest)
            if path.is_file():
                return path
            content = conn.execute(
                "SELECT content FROM street_files WHERE dataset_id = ? AND sha256 = ?",
                (dataset_id, digest),
            ).fetchone()
        if content is None:  # replaced meanwhile: ask again
            return self.streets_file(open_conn, dataset_id)
        return self._copy(dataset_id, suffix, digest, bytes(content[0]))

    def sweep(self, conn: Connection) -> None:
        """Remove what a crash left: half-written street copies and scratch folders.

        The write lock is the server's, and copies and scratch files are written outside
        it (by reads), so only leftovers older than :data:`LEFTOVER_AGE_S` are removed:
        another process of this machine may be writing a fresh one.
        """
        cutoff = time.time() - LEFTOVER_AGE_S
        if self.streets_dir.is_dir():
            for path in self.streets_dir.iterdir():
                if path.name.startswith(TMP_PREFIX) and path.is_file() and _older(path, cutoff):
                    path.unlink(missing_ok=True)
        for path in self.folder.glob(f"{_SCRATCH_PREFIX}*"):
            if path.is_dir() and not path.is_symlink() and _older(path, cutoff):
                shutil.rmtree(path, ignore_errors=True)

    def _copy_path(self, dataset_id: str, suffix: str, digest: str) -> Path:
        return self.streets_dir / f"{dataset_id}-{digest[:12]}{suffix}"

    def _copy(self, dataset_id: str, suffix: str, digest: str, content: bytes) -> Path:
        """Write the local copy whole under a temporary name; drop older copies."""
        target = self._copy_path(dataset_id, suffix, digest)
        private_folder(self.streets_dir)
        partial = self.streets_dir / f"{TMP_PREFIX}{secrets.token_hex(4)}-{target.name}"
        try:
            write_private(partial, content)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        self._drop_copies(dataset_id, keep=target)
        return target

    def _drop_copies(self, dataset_id: str, *, keep: Path | None = None) -> None:
        if not self.streets_dir.is_dir():
            return
        for path in self.streets_dir.glob(f"{dataset_id}-*"):
            if path != keep and path.is_file():
                path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _scratch(self) -> Iterator[Path]:
        """Yield a private temporary folder inside the workspace folder, removed after."""
        with tempfile.TemporaryDirectory(prefix=_SCRATCH_PREFIX, dir=self.folder) as name:
            yield Path(name)


def _store_beats(conn: Connection, dataset_id: str, beats: gpd.GeoDataFrame) -> None:
    """Keep the beats as PostGIS MultiPolygons in EPSG:4326 (``dataset_beats``)."""
    conn.execute("DELETE FROM dataset_beats WHERE dataset_id = ?", (dataset_id,))
    shapes = beats.geometry if beats.crs is None else beats.geometry.to_crs("EPSG:4326")
    for part, shape in enumerate(shapes):
        row = beats.iloc[part]
        wkb = None if shape is None or shape.is_empty else shapely.to_wkb(shape)
        conn.execute(
            "INSERT INTO dataset_beats (dataset_id, part, beat_id, name, station, officer_ids, "
            "geom) VALUES (?, ?, ?, ?, ?, ?, ST_Multi(ST_GeomFromWKB(?, 4326)))",
            (
                dataset_id,
                part,
                str(row["beat_id"]),
                *(_text(row.get(column)) for column in ("name", "station", "officer_ids")),
                wkb,
            ),
        )


def _text(value: Any) -> str | None:
    return None if value is None or bool(pd.isna(value)) else str(value)


def _older(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:  # removed meanwhile
        return False

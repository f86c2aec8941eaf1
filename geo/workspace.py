"""The workspace database: stored datasets, the current one, reviews, accounts, audit trail.

The app's Data page imports files; an accepted import is saved here and made the current
dataset, which every page then reads. The workspace survives restarts and is never damaged
by an import that is refused or a write that fails midway.

Layout of a workspace folder::

    workspace.sqlite          datasets table (one row per dataset), the current pointer,
                              the reviews table (one row per reviewed visit), the
                              accounts (geo.accounts) and the audit trail (geo.audit)
    datasets/<id>.gpkg        the dataset's tables, layers beats / households / visits
    streets/<id><suffix>      the street file imported with the dataset, if any
                              (suffix .osm, .osm.bz2, .osm.pbf or .graphml)
    results/<id>-<key>.zip    stored analysis results (geo.results: derived, recomputed
                              when missing; deleted with the dataset)

On a shared server
------------------
With ``$BEATCOV_DATABASE_URL`` (or ``database_url=``) naming a PostgreSQL server with
PostGIS, the same tables live there, and so do the datasets' GeoPackages and street files
(``bytea``; :mod:`geo.payloads`); the folder keeps only local copies of street files. The
rules below hold on both: one writer at a time (an advisory lock instead of SQLite's write
lock, :mod:`geo.database`), a row and its payload committed together or not at all. The
file layout, modes and sweeping describe the folder (SQLite) workspace.

Choices
-------
* A dataset's id is a short SHA-256 of its canonical content (tables, column types and
  time zone; not its label or report), so saving the same data twice stores it once.
* A ``.gpkg`` is written under a temporary name in the same folder, flushed to disk and
  renamed into place; its row and the current pointer are written in the same SQLite
  transaction (``BEGIN IMMEDIATE``), taken *before* the file is written. Saves from several
  sessions therefore run one after another (each waits up to ``busy_timeout_s``), and at any
  moment every row has its file. A failure rolls the transaction back and removes the new
  file: the previous current dataset stays current and loadable.
* Times are stored as ISO 8601 text with their UTC offset, IDs as text; each column's exact
  pandas dtype is kept in the dataset's row, so a load gives back the very tables saved
  (with a fresh ``RangeIndex``).
* Files left by a crash (temporary files, files of no dataset) are removed when a
  :class:`Workspace` is opened, under the write lock so no running save is disturbed.
* The data are personal (addresses, vulnerable residents), so the workspace is its
  owner's only (:mod:`geo.files`): the folder and its sub-folders are ``0700``, the
  database, GeoPackages and street files ``0600``, set explicitly whatever the umask.
  The database file is created ``0600`` before SQLite opens it (SQLite gives its journal
  the database's mode), and a workspace written by an older beatcov with looser modes is
  tightened when it is opened (only beatcov's own files: the database and the
  ``datasets`` and ``streets`` folders).

Street files
------------
A street file imported with a dataset is kept as ``streets/<dataset id><suffix>``
(:meth:`Workspace.save_streets`), written whole under a temporary name and renamed, under
the write lock; a new one replaces the dataset's earlier file, whatever its suffix, and
deleting the dataset removes it. :meth:`Workspace.streets_file` finds it. (A dataset stored
before its street file, or without one, simply has none: the app then uses the demo's.)

Reviews
-------
A chief's decision on a flagged visit (``confirmed``: the flag stands and the visit does not
count; ``dismissed``: the visit counts) is kept per ``visit_id``, not per dataset: it
survives re-analysis and every new import holding the same visit, and a decision about a
visit of no stored dataset is kept and simply matches nothing. One visit has at most one
decision (the latest replaces the earlier), with who made it and when (UTC, ISO 8601). Each
change is one SQLite transaction. The table is added to older workspaces when they are
opened (an additive change: the format number and the dataset ids stay as they were).

Accounts and the audit trail
----------------------------
:mod:`geo.accounts` and :mod:`geo.audit` keep their tables here, added to older workspaces
when they are opened, and write through :meth:`Workspace.transaction` under the same write
lock. Storing a dataset, making one current and recording or withdrawing a review each
write their audit row (:func:`geo.audit.append`) in the same transaction as the change, so
the current dataset never changes without a row saying who changed it. A beat plan made
current adds its ``plan_change`` row to that transaction (:meth:`Workspace.set_current`).

Column choices
--------------
When a file names a required column with a header the alias table does not know, the Data
page lets the user say which of its columns plays it. The choice is remembered per dataset
source: keyed by the table (beats, households, visits) and the file's set of headers (sorted,
as JSON text), so the next export from the same system gets it again; a file with other
columns does not. The latest choice for a source replaces the earlier one. Like reviews, the
table is added to older workspaces when they are opened.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import functools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.errors

from geo import accounts, audit, gpkg, payloads
from geo.audit import SYSTEM, Actor
from geo.database import Connection, open_database, write_transaction
from geo.errors import (
    Finding,
    ReviewError,
    StreetsError,
    ValidationReport,
    WorkspaceError,
)
from geo.files import PRIVATE_FILE, make_private, private_folder
from geo.gpkg import ID_LENGTH, LAYERS, SCHEMA_VERSION
from geo.importer import Dataset
from geo.payloads import STREET_SUFFIXES
from geo.results import ResultStore
from geo.reviews import DECISIONS

WORKSPACE_ENV: Final = "BEATCOV_WORKSPACE"
"""Environment variable naming the workspace folder (the app's and the command line's)."""

DEFAULT_FOLDER: Final = Path(__file__).resolve().parents[1] / "workspace"
"""The workspace folder when :data:`WORKSPACE_ENV` is not set: ``<repo>/workspace``."""

DB_NAME: Final = "workspace.sqlite"
"""Name of the database file inside the workspace folder."""

DATASETS_DIR: Final = "datasets"
"""Sub-folder holding one GeoPackage per dataset."""

STREETS_DIR: Final = "streets"
"""Sub-folder holding the street file kept with a dataset, ``<dataset id><suffix>``."""

_ID_PATTERN: Final = re.compile(rf"[0-9a-f]{{{ID_LENGTH}}}")
_FILE_ERRORS: Final = (
    OSError,
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
)

_SCHEMA_SQL: Final = """
CREATE TABLE IF NOT EXISTS datasets (
    dataset_id TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    timezone   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    counts     TEXT NOT NULL,
    report     TEXT NOT NULL,
    layout     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS current (
    slot       INTEGER PRIMARY KEY CHECK (slot = 1),
    dataset_id TEXT NOT NULL REFERENCES datasets (dataset_id) ON DELETE RESTRICT
);
CREATE TABLE IF NOT EXISTS column_choices (
    source_table TEXT NOT NULL,
    headers      TEXT NOT NULL,
    columns      TEXT NOT NULL,
    saved_at     TEXT NOT NULL,
    PRIMARY KEY (source_table, headers)
);
CREATE TABLE IF NOT EXISTS reviews (
    visit_id   TEXT PRIMARY KEY,
    decision   TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
    reviewer   TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
"""

REVIEW_COLUMNS: Final = ("visit_id", "decision", "reviewer", "decided_at")
"""Columns of :meth:`Workspace.reviews`."""


def default_folder() -> Path:
    """Return the workspace folder: ``$BEATCOV_WORKSPACE``, else ``<repo>/workspace``."""
    named = os.environ.get(WORKSPACE_ENV)
    return _resolved(named) if named else DEFAULT_FOLDER


@functools.lru_cache(maxsize=16)
def _resolved(named: str) -> Path:
    """Return the absolute folder ``named`` (resolved once per name: pages ask on every run)."""
    return Path(named).expanduser().resolve()


class Workspace:
    """Stored datasets and the current one, in a folder or on a PostgreSQL/PostGIS server.

    By default in a folder (SQLite + one GeoPackage each); with a database URL on a
    shared server (:mod:`geo.database`, :mod:`geo.payloads`).

    Parameters
    ----------
    folder : Path
        The workspace folder; created if missing. With a PostgreSQL server it only holds
        local copies of street files and scratch files.
    busy_timeout_s : float
        How long an operation waits for another session's write to finish before giving
        up with :class:`WorkspaceError`.
    database_url : str, optional
        A PostgreSQL URL (``postgresql://user:password@host/database``) keeping the
        tables and datasets on that server; ``None`` (the default) reads
        ``$BEATCOV_DATABASE_URL``, and ``""`` or no URL at all keeps them in ``folder``.

    Raises
    ------
    WorkspaceError
        When the folder cannot be created or its database is not a beatcov workspace.
    geo.errors.DatabaseError
        When the PostgreSQL server cannot be reached, refuses the credentials or lacks
        PostGIS (a kind of :class:`WorkspaceError`).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     Workspace(Path(folder)).current_id() is None
    True
    """

    def __init__(
        self, folder: Path, *, busy_timeout_s: float = 30.0, database_url: str | None = None
    ) -> None:
        self.folder = Path(folder)
        self.busy_timeout_s = float(busy_timeout_s)
        self.db_path = self.folder / DB_NAME
        self.datasets_dir = self.folder / DATASETS_DIR
        self.streets_dir = self.folder / STREETS_DIR
        self.db = open_database(
            self.folder, database_url=database_url, busy_timeout_s=self.busy_timeout_s
        )
        self.payloads: payloads.FolderPayloads | payloads.DatabasePayloads = (
            payloads.DatabasePayloads(self.folder)
            if self.db.shared
            else payloads.FolderPayloads(self.folder)
        )
        self.location = self.db.location
        """Where the tables are: the folder, or the server's URL with its password masked."""
        with self._translated(f"opening the workspace {self.location}", hint=_HINT_FOLDER):
            private_folder(self.folder)
            self.payloads.create()
            self.db.create()
            with self._transaction() as conn:
                self.db.prepare(conn)
                version = self.db.version(conn)
                if version > SCHEMA_VERSION:
                    where = self.location if self.db.shared else self.db_path
                    msg = (
                        f"{where} was written by a newer beatcov (workspace format "
                        f"{version}, this one knows {SCHEMA_VERSION}); upgrade beatcov or "
                        "choose another workspace"
                    )
                    raise WorkspaceError(msg)
                for statement in _SCHEMA_SQL.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                for statement in (*accounts.SCHEMA, *audit.SCHEMA, *audit.GUARDS[self.db.dialect]):
                    conn.execute(statement)
                if self.db.shared:
                    for statement in payloads.SCHEMA:
                        conn.execute(statement)
                self.db.set_version(conn, SCHEMA_VERSION)
                self.payloads.sweep(conn)
                self._tighten()

    def __repr__(self) -> str:
        return f"Workspace({str(self.folder)!r})"

    # ----------------------------------------------------------------- public API

    def save(self, dataset: Dataset, *, make_current: bool = True, actor: Actor = SYSTEM) -> str:
        """Store a dataset and (by default) make it the current one; both are audited.

        Parameters
        ----------
        dataset : Dataset
            An accepted import (no fatal findings).
        make_current : bool
            Move the current pointer to this dataset.
        actor : geo.audit.Actor
            Who imports: an ``import`` row (and a ``make_current`` row) of the audit trail
            is written in the same transaction.

        Returns
        -------
        str
            The dataset id (12 hex digits of SHA-256 of the content). Saving the same
            content again returns the same id and stores nothing new (the first label is
            kept).

        Raises
        ------
        WorkspaceError
            When the dataset has fatal findings or is not in canonical form, or the write
            fails; then nothing was changed and the previous current dataset is still
            current.
        """
        tables = gpkg.checked_tables(dataset)
        layout = {name: gpkg.layout(table) for name, table in tables.items()}
        dataset_id = gpkg.content_id(tables, layout, timezone=dataset.timezone)
        hint = (
            "nothing was changed and the previous current dataset is still current; check "
            "that the disk has free space and the folder is writable, then import again"
        )
        with self._translated(f"saving dataset {dataset.name!r} ({dataset_id})", hint=hint):
            with self.payloads.storing(dataset_id) as put, self._transaction() as conn:
                known = self._row(conn, dataset_id) is not None
                if not known or not self.payloads.has(conn, dataset_id):
                    put(conn, tables, not known)
                if not known:
                    _record(conn, _row_values(dataset, dataset_id, tables, layout))
                target = f"{dataset_id} {dataset.name}"
                outcome = "already_stored" if known else "ok"
                audit.append(conn, actor, "import", target, outcome)
                if make_current:
                    _point(conn, dataset_id)
                    audit.append(conn, actor, "make_current", target)
        return dataset_id

    def load(self, dataset_id: str) -> Dataset:
        """Return a stored dataset exactly as it was saved (with a fresh ``RangeIndex``).

        Raises
        ------
        WorkspaceError
            When there is no such dataset or its file is missing or damaged.
        """
        _check_id(dataset_id)
        with self._translated(f"reading dataset {dataset_id}", hint=_HINT_DAMAGED):
            with contextlib.closing(self._connect()) as conn:
                row = self._row(conn, dataset_id)
                if row is None:
                    msg = (
                        f"there is no dataset {dataset_id} in the workspace {self.location}; "
                        "pick one from the list of stored datasets or import the files again"
                    )
                    raise WorkspaceError(msg)
                layout = json.loads(row["layout"])
                tables = self.payloads.read(conn, dataset_id, layout)
            if tables is None:
                msg = (
                    f"the tables of dataset {dataset_id} ({row['label']}) are missing: "
                    f"{self.payloads.missing(dataset_id)}; delete the dataset and import its "
                    "files again"
                )
                raise WorkspaceError(msg)
            findings = [Finding(**item) for item in json.loads(row["report"])]
        return Dataset(
            tables["beats"],
            tables["households"],
            tables["visits"],
            ValidationReport(findings),
            row["timezone"],
            row["label"],
        )

    def current_id(self) -> str | None:
        """Return the id of the current dataset, or ``None`` when none was made current."""
        with self._translated("reading the current dataset", hint=_HINT_RETRY):
            with contextlib.closing(self._connect()) as conn:
                found = conn.execute("SELECT dataset_id FROM current WHERE slot = 1").fetchone()
        return None if found is None else str(found[0])

    def set_current(
        self, dataset_id: str, *, actor: Actor = SYSTEM, plan_change: str | None = None
    ) -> None:
        """Make a stored dataset the current one (a ``make_current`` row of the audit trail).

        Parameters
        ----------
        dataset_id : str
            A stored dataset.
        actor : geo.audit.Actor
            Who makes it current.
        plan_change : str, optional
            When the dataset holds a beat plan made current, what the plan changes (the
            target of a ``plan_change`` row written in the same transaction, after the
            ``make_current`` row; see :func:`analysis.plan_proposal.change_target`).

        Raises
        ------
        WorkspaceError
            When there is no such dataset or its file is missing.
        """
        _check_id(dataset_id)
        with self._translated(f"making {dataset_id} current", hint=_HINT_RETRY):
            with self._transaction() as conn:
                if self._row(conn, dataset_id) is None:
                    msg = (
                        f"there is no dataset {dataset_id} in the workspace {self.location}; "
                        "pick one from the list of stored datasets"
                    )
                    raise WorkspaceError(msg)
                if not self.payloads.has(conn, dataset_id):
                    msg = (
                        f"the tables of dataset {dataset_id} are missing "
                        f"({self.payloads.missing(dataset_id)}); delete it and import its "
                        "files again"
                    )
                    raise WorkspaceError(msg)
                _point(conn, dataset_id)
                audit.append(
                    conn, actor, "make_current", f"{dataset_id} {self._label(conn, dataset_id)}"
                )
                if plan_change is not None:
                    audit.append(conn, actor, "plan_change", f"{dataset_id} {plan_change}")

    def current(self) -> Dataset | None:
        """Return the current dataset, or ``None`` when none was made current."""
        dataset_id = self.current_id()
        return None if dataset_id is None else self.load(dataset_id)

    def list(self) -> pd.DataFrame:
        """Return one row per stored dataset, newest first.

        Returns
        -------
        pandas.DataFrame
            ``dataset_id``, ``label``, ``timezone``, ``created_at`` (UTC timestamp),
            ``beats``, ``households``, ``visits`` (row counts), ``warnings`` (findings
            kept with the import) and ``current`` (bool).
        """
        with self._translated("listing datasets", hint=_HINT_RETRY):
            with contextlib.closing(self._connect()) as conn:
                pointer = conn.execute("SELECT dataset_id FROM current WHERE slot = 1").fetchone()
                rows = conn.execute(
                    "SELECT dataset_id, label, timezone, created_at, counts, report "
                    f"FROM datasets ORDER BY created_at DESC, {self.db.insertion_order} DESC"
                ).fetchall()
        current = None if pointer is None else pointer[0]
        records = []
        for row in rows:
            counts = json.loads(row["counts"])
            records.append(
                {
                    "dataset_id": row["dataset_id"],
                    "label": row["label"],
                    "timezone": row["timezone"],
                    "created_at": row["created_at"],
                    **{name: int(counts.get(name, 0)) for name in LAYERS},
                    "warnings": len(json.loads(row["report"])),
                    "current": row["dataset_id"] == current,
                }
            )
        columns = [
            "dataset_id",
            "label",
            "timezone",
            "created_at",
            *LAYERS,
            "warnings",
            "current",
        ]
        frame = pd.DataFrame.from_records(records, columns=columns)
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
        return frame.astype({name: "int64" for name in (*LAYERS, "warnings")}).astype(
            {"current": bool}
        )

    def delete(self, dataset_id: str) -> None:
        """Remove a stored dataset that is not the current one.

        Raises
        ------
        WorkspaceError
            When there is no such dataset or it is the current one.
        """
        _check_id(dataset_id)
        with self._translated(f"deleting dataset {dataset_id}", hint=_HINT_RETRY):
            with self.payloads.removing(dataset_id) as remove, self._transaction() as conn:
                row = self._row(conn, dataset_id)
                if row is None:
                    msg = f"there is no dataset {dataset_id} in the workspace {self.location}"
                    raise WorkspaceError(msg)
                pointer = conn.execute("SELECT dataset_id FROM current WHERE slot = 1").fetchone()
                if pointer is not None and pointer[0] == dataset_id:
                    msg = (
                        f"dataset {dataset_id} ({row['label']}) is the current dataset and "
                        "cannot be deleted; make another dataset current first, then "
                        "delete this one"
                    )
                    raise WorkspaceError(msg)
                remove(conn)
                conn.execute("DELETE FROM datasets WHERE dataset_id = ?", (dataset_id,))
        ResultStore(self.folder).drop(dataset_id)  # derived from it: no longer needed

    # ----------------------------------------------------------------- street files

    def save_streets(self, dataset_id: str, name: str, content: bytes) -> Path:
        """Keep the street file imported with a stored dataset; return where it is kept.

        Parameters
        ----------
        dataset_id : str
            A stored dataset.
        name : str
            The file's name as uploaded; only its suffix is kept (:func:`street_suffix`).
        content : bytes
            The file.

        Raises
        ------
        StreetsError
            If ``name`` does not end in a street-file suffix.
        WorkspaceError
            When there is no such dataset or the write fails (then the dataset keeps the
            street file it had, if any).
        """
        _check_id(dataset_id)
        suffix = street_suffix(name)
        with self._translated(f"saving the street file of {dataset_id}", hint=_HINT_FOLDER):
            with self._transaction() as conn:  # the write lock: no sweep removes a partial file
                if self._row(conn, dataset_id) is None:
                    msg = f"there is no dataset {dataset_id} in the workspace {self.location}"
                    raise WorkspaceError(msg)
                return self.payloads.save_streets(conn, dataset_id, suffix, content)

    def streets_file(self, dataset_id: str) -> Path | None:
        """Return the street file kept with a dataset, or ``None`` when it has none.

        With a PostgreSQL server this is a local copy, fetched when first asked for
        (:class:`geo.payloads.DatabasePayloads`).
        """
        _check_id(dataset_id)
        with self._translated(f"reading the street file of {dataset_id}", hint=_HINT_RETRY):
            return self.payloads.streets_file(self._connect, dataset_id)

    # ----------------------------------------------------------------- reviews

    def record_review(
        self, visit_id: str, decision: str, *, reviewer: str, actor: Actor | None = None
    ) -> None:
        """Store a chief's decision on a visit (replacing any earlier decision on it).

        Parameters
        ----------
        visit_id : str
            The visit, as in the visits table; need not belong to a stored dataset.
        decision : {"confirmed", "dismissed"}
            ``confirmed``: the flag stands, the visit does not count; ``dismissed``: the
            visit counts.
        reviewer : str
            Who decided (the app gives the username).
        actor : geo.audit.Actor, optional
            Who decided, for the ``review`` row of the audit trail written in the same
            transaction (default: ``reviewer`` acting as ``system``).

        Raises
        ------
        ReviewError
            When the decision is not one of :data:`geo.reviews.DECISIONS`, or the
            visit id or reviewer is blank; nothing is stored then.
        WorkspaceError
            When the write fails; the earlier decision (if any) is kept.

        Examples
        --------
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     ws = Workspace(Path(folder))
        ...     ws.record_review("V7", "dismissed", reviewer="chief")
        ...     ws.reviews()[["visit_id", "decision", "reviewer"]].to_dict("records")
        [{'visit_id': 'V7', 'decision': 'dismissed', 'reviewer': 'chief'}]
        """
        visit = _review_text(visit_id, what="visit id")
        who = _review_text(reviewer, what="reviewer", visit=visit)
        if decision not in DECISIONS:
            msg = (
                f"review of visit {visit!r}: {decision!r} is not a decision; use 'confirmed' "
                "(the flag stands: the visit does not count) or 'dismissed' (the visit "
                "counts)"
            )
            raise ReviewError(msg)
        decided_at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        with self._translated(f"recording the review of visit {visit!r}", hint=_HINT_RETRY):
            with self._transaction() as conn:
                conn.execute(
                    "INSERT INTO reviews (visit_id, decision, reviewer, decided_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (visit_id) DO UPDATE SET "
                    "decision = excluded.decision, reviewer = excluded.reviewer, "
                    "decided_at = excluded.decided_at",
                    (visit, decision, who, decided_at),
                )
                by = actor or Actor(who, SYSTEM.role)
                audit.append(conn, by, "review", f"visit {visit}: {decision}")

    def withdraw_review(self, visit_id: str, *, actor: Actor = SYSTEM) -> bool:
        """Remove the decision on a visit; return whether there was one (audited as ``review``).

        Raises
        ------
        ReviewError
            When the visit id is blank.
        WorkspaceError
            When the write fails; the decision is kept then.
        """
        visit = _review_text(visit_id, what="visit id")
        with self._translated(f"withdrawing the review of visit {visit!r}", hint=_HINT_RETRY):
            with self._transaction() as conn:
                removed = conn.execute("DELETE FROM reviews WHERE visit_id = ?", (visit,))
                outcome = "ok" if removed.rowcount else "no_decision"
                audit.append(conn, actor, "review", f"visit {visit}: withdrawn", outcome)
                return removed.rowcount > 0

    def reviews(self) -> pd.DataFrame:
        """Return every stored decision, oldest first.

        Returns
        -------
        pandas.DataFrame
            ``visit_id``, ``decision`` (``confirmed``/``dismissed``), ``reviewer`` (text)
            and ``decided_at`` (UTC timestamp); one row per reviewed visit.
        """
        with self._translated("reading the reviews", hint=_HINT_RETRY):
            with contextlib.closing(self._connect()) as conn:
                rows = conn.execute(
                    "SELECT visit_id, decision, reviewer, decided_at FROM reviews "
                    "ORDER BY decided_at, visit_id"
                ).fetchall()
        frame = pd.DataFrame.from_records(
            [tuple(row) for row in rows], columns=list(REVIEW_COLUMNS)
        ).astype({"visit_id": object, "decision": object, "reviewer": object})
        frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True, format="ISO8601")
        return frame

    def reviews_version(self) -> int:
        """Return a number that changes whenever a decision is recorded or withdrawn.

        It is the audit trail's last ``review`` row: every change of a decision writes one
        in the same transaction (rows are pruned from the oldest; if the last is pruned too
        the number changes once more and stays). Logins and other actions leave it as it
        is. One indexed query, so a caller may keep :meth:`reviews` until it changes.
        """
        with self.reading("reading the reviews' version") as conn:
            row = conn.execute("SELECT MAX(seq) FROM audit_log WHERE action = 'review'").fetchone()
        return -1 if row is None or row[0] is None else int(row[0])

    # ----------------------------------------------------------------- column choices

    def remember_columns(
        self, table: str, headers: builtins.list[str], columns: dict[str, str]
    ) -> None:
        """Remember which headers played which canonical columns for files like this one.

        Parameters
        ----------
        table : {"beats", "households", "visits"}
            The table the file was imported as.
        headers : list of str
            The file's headers (their order does not matter).
        columns : dict
            ``{canonical: header}`` as chosen; an empty dict forgets the choice.

        Raises
        ------
        WorkspaceError
            When ``table`` is not one of :data:`LAYERS`, a chosen header is not one of
            ``headers``, or the write fails.

        Examples
        --------
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     ws = Workspace(Path(folder))
        ...     ws.remember_columns("beats", ["Name", "OBJECTID"], {"beat_id": "Name"})
        ...     ws.remembered_columns("beats", ["OBJECTID", "Name"])
        {'beat_id': 'Name'}
        """
        key = _headers_key(table, headers)
        unknown = sorted(set(columns.values()) - set(headers))
        if unknown:
            msg = f"cannot remember columns {unknown} for a {table} file without them"
            raise WorkspaceError(msg)
        saved_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._translated(f"remembering the columns of a {table} file", hint=_HINT_RETRY):
            with self._transaction() as conn:
                if not columns:
                    conn.execute(
                        "DELETE FROM column_choices WHERE source_table = ? AND headers = ?",
                        (table, key),
                    )
                    return
                conn.execute(
                    "INSERT INTO column_choices (source_table, headers, columns, saved_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (source_table, headers) DO UPDATE SET "
                    "columns = excluded.columns, saved_at = excluded.saved_at",
                    (table, key, json.dumps(columns, ensure_ascii=False, sort_keys=True), saved_at),
                )

    def remembered_columns(self, table: str, headers: builtins.list[str]) -> dict[str, str]:
        """Return the columns chosen last for a ``table`` file with these headers (or ``{}``)."""
        key = _headers_key(table, headers)
        with self._translated(f"reading the columns of a {table} file", hint=_HINT_RETRY):
            with contextlib.closing(self._connect()) as conn:
                row = conn.execute(
                    "SELECT columns FROM column_choices WHERE source_table = ? AND headers = ?",
                    (table, key),
                ).fetchone()
        if row is None:
            return {}
        chosen: dict[str, str] = json.loads(row["columns"])
        return chosen

    # ----------------------------------------------------------------- for accounts, audit

    @contextlib.contextmanager
    def transaction(self, action: str) -> Iterator[Connection]:
        """Yield a connection inside a write transaction (holding the write lock).

        Committed when the block ends, rolled back on an error; database and file errors
        become :class:`WorkspaceError` naming ``action``. Used by :mod:`geo.accounts` and
        :mod:`geo.audit`, so their rows are written under the workspace's one write lock
        (:mod:`geo.database`).
        """
        with self._translated(action, hint=_HINT_RETRY), self._transaction() as conn:
            yield conn

    @contextlib.contextmanager
    def reading(self, action: str) -> Iterator[Connection]:
        """Yield a connection for reading (errors become :class:`WorkspaceError`)."""
        with self._translated(action, hint=_HINT_RETRY):
            with contextlib.closing(self._connect()) as conn:
                yield conn

    # ----------------------------------------------------------------- internals

    @staticmethod
    def _label(conn: Connection, dataset_id: str) -> str:
        row = conn.execute("SELECT label FROM datasets WHERE dataset_id = ?", (dataset_id,))
        found = row.fetchone()
        return "" if found is None else str(found[0])

    def _connect(self) -> Connection:
        return self.db.connect()

    def _transaction(self) -> contextlib.AbstractContextManager[Connection]:
        """Return a write transaction: commit on success, else roll back."""
        return write_transaction(self.db)

    @contextlib.contextmanager
    def _translated(self, action: str, *, hint: str) -> Iterator[None]:
        """Turn database, file-system and GDAL errors into a :class:`WorkspaceError`."""
        try:
            yield
        except WorkspaceError:
            raise
        except Exception as exc:
            msg = self.db.explain(exc, action=action, hint=hint)
            if msg is None and isinstance(exc, _FILE_ERRORS):
                msg = f"{action} failed in the workspace {self.folder}: {exc}; {hint}"
            if msg is None:
                raise
            raise WorkspaceError(msg) from exc

    @staticmethod
    def _row(conn: Connection, dataset_id: str) -> Any:
        return conn.execute("SELECT * FROM datasets WHERE dataset_id = ?", (dataset_id,)).fetchone()

    def _tighten(self) -> None:
        """Make the workspace's own files ``0600`` and folders ``0700`` (older workspaces).

        Only what beatcov keeps here is touched: the database and its journal files, and
        the ``datasets`` and ``streets`` folders with everything in them.
        """
        for suffix in ("", "-journal", "-wal", "-shm"):
            path = self.db_path.with_name(DB_NAME + suffix)
            if path.is_file() and not path.is_symlink():
                os.chmod(path, PRIVATE_FILE)
        for folder in (self.datasets_dir, self.streets_dir):
            if folder.is_dir() and not folder.is_symlink():
                make_private(folder)


_HINT_FOLDER: Final = "check that the folder exists and is writable"
_HINT_RETRY: Final = "try again in a moment"
_HINT_DAMAGED: Final = "the stored file may be damaged; delete the dataset and import it again"


def street_suffix(name: str) -> str:
    """Return the street-file suffix ``name`` ends in, in lower case.

    Raises
    ------
    StreetsError
        If ``name`` ends in none of :data:`STREET_SUFFIXES`.

    Examples
    --------
    >>> street_suffix("南京 Xuanwu.OSM.PBF")
    '.osm.pbf'
    """
    lower = name.lower()
    suffix = next((s for s in STREET_SUFFIXES if lower.endswith(s)), None)
    if suffix is None:
        msg = f"{name}: a streets file must end in {', '.join(STREET_SUFFIXES)}"
        raise StreetsError(msg)
    return suffix


def _headers_key(table: str, headers: builtins.list[str]) -> str:
    """Return the key of a dataset source: its sorted, distinct headers as JSON text."""
    if table not in LAYERS:
        msg = f"{table!r} is not a table; use one of {', '.join(LAYERS)}"
        raise WorkspaceError(msg)
    return json.dumps(sorted({str(h) for h in headers}), ensure_ascii=False)


def _row_values(
    dataset: Dataset,
    dataset_id: str,
    tables: dict[str, gpd.GeoDataFrame],
    layout: dict[str, Any],
) -> tuple[str, str, str, str, str, str, str]:
    counts = {name: len(tables[name]) for name in LAYERS}
    report = [asdict(f) for f in dataset.report.findings]
    created = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    return (
        dataset_id,
        dataset.name,
        dataset.timezone,
        created,
        json.dumps(counts),
        json.dumps(report, ensure_ascii=False),
        json.dumps(layout, ensure_ascii=False),
    )


def _record(conn: Connection, values: tuple[str, ...]) -> None:
    """Insert one dataset row (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO datasets (dataset_id, label, timezone, created_at, counts, report, layout) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        values,
    )


def _point(conn: Connection, dataset_id: str) -> None:
    """Move the current pointer (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO current (slot, dataset_id) VALUES (1, ?) "
        "ON CONFLICT (slot) DO UPDATE SET dataset_id = excluded.dataset_id",
        (dataset_id,),
    )


def _review_text(value: Any, *, what: str, visit: str | None = None) -> str:
    """Return ``value`` unchanged, or raise :class:`ReviewError` unless it is non-blank text."""
    if not isinstance(value, str) or not value.strip():
        about = "a review" if visit is None else f"the review of visit {visit!r}"
        msg = f"{about} needs a {what}: got {value!r}; name the {what} as text"
        raise ReviewError(msg)
    return value


def _check_id(dataset_id: str) -> None:
    if not isinstance(dataset_id, str) or _ID_PATTERN.fullmatch(dataset_id) is None:
        msg = (
            f"{dataset_id!r} is not a dataset id; use the {ID_LENGTH} hex digits shown in the "
            "list of stored datasets"
        )
        raise WorkspaceError(msg)

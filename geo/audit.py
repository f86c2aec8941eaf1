"""The audit trail: an append-only, hash-chained log of who did what, kept in the workspace.

Every login, failed login and logout, view of a household's details, export, import, change
of the current dataset, review decision, plan change and change to a user account is one
row of the table ``audit_log`` in the workspace database (:mod:`geo.workspace`).

Rows
----
``seq`` (1, 2, 3, ... in the order written), ``at`` (UTC, ISO 8601 with microseconds),
``username`` and ``role`` of who acted, ``action`` (one of :data:`ACTIONS`), ``target``
(what it was done to: a visit id, a dataset id and label, a file name, a username) and
``outcome`` (``ok``, or why not: ``wrong_password``, ``locked``, ``idle_timeout`` ...).

The chain
---------
Each row stores ``prev_hash``, the ``hash`` of the row before it, and its own ``hash``:
the SHA-256 (hex) of ``prev_hash`` followed by the row's canonical content, the JSON object
of its seven fields (``seq`` .. ``outcome``) with sorted keys, no spaces and text kept as
UTF-8. The first row follows :data:`GENESIS` (64 zeros). :func:`verify` recomputes the
chain in ``seq`` order and names the first row that does not match:

* a row whose content was edited no longer matches its own hash;
* a row deleted leaves a gap in ``seq`` and breaks the next row's ``prev_hash``;
* a row inserted (with any ``seq``) breaks the chain where it stands.

A row is appended inside the caller's write transaction, which holds the workspace's one
write lock (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock: :mod:`geo.database`),
so two sessions, two processes or two stations sharing a server never write the same
``seq``, and an action and its audit row are stored together or not at all. Triggers
(:data:`GUARDS`) refuse ``UPDATE`` on the table and ``DELETE`` of rows that are not pruned,
so no beatcov code can change a row; someone editing the file, or the server's table with
the trigger dropped, is caught by :func:`verify`. What a chain cannot show alone: rows cut
from the end, or the whole chain recomputed after an edit. :func:`verify` reports the last
row's hash (the *head*): written down elsewhere now and then (a printout, a ticket), it
proves both.

Retention
---------
Rows older than ``audit_retention_days`` (a setting, default three years) are removed by
:func:`prune`, always from the oldest on. The last removed row's ``seq`` and ``hash`` are
kept as the *anchor* (table ``audit_anchor``): the chain then starts from the anchor, so
what remains still verifies, and a pruning is itself a row (``prune``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Final, Protocol

import pandas as pd

from geo.database import Connection
from geo.errors import AuditError
from geo.settings import Settings, resolve

ACTIONS: Final = (
    "login",
    "failed_login",
    "logout",
    "view_household",
    "export",
    "import",
    "make_current",
    "review",
    "plan_change",
    "user_change",
    "prune",
)
"""What a row may record."""

GENESIS: Final = "0" * 64
"""The ``prev_hash`` of the first row ever written."""

COLUMNS: Final = ("seq", "at", "username", "role", "action", "target", "outcome")
"""The fields of a row's canonical content, in table order (then ``prev_hash``, ``hash``)."""

SCHEMA: Final = (
    """
    CREATE TABLE IF NOT EXISTS audit_log (
        seq       INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        username  TEXT NOT NULL,
        role      TEXT NOT NULL,
        action    TEXT NOT NULL,
        target    TEXT NOT NULL,
        outcome   TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS audit_anchor (
        slot      INTEGER PRIMARY KEY CHECK (slot = 1),
        seq       INTEGER NOT NULL,
        hash      TEXT NOT NULL,
        pruned_at TEXT NOT NULL
    )
    """,
    # the last row of one action at once (Workspace.reviews_version asks it on every page)
    "CREATE INDEX IF NOT EXISTS audit_log_action_seq ON audit_log (action, seq)",
)
"""Statements that add the audit tables to a workspace (run when opened; either dialect)."""

_CHANGED: Final = "the audit log is append-only: rows are never changed"
_REMOVED: Final = "the audit log is append-only: only pruned rows are removed"

GUARDS: Final = {
    "sqlite": (
        f"""
        CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN
            SELECT RAISE(ABORT, '{_CHANGED}');
        END
        """,
        f"""
        CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
        WHEN old.seq > COALESCE((SELECT seq FROM audit_anchor WHERE slot = 1), 0)
        BEGIN
            SELECT RAISE(ABORT, '{_REMOVED}');
        END
        """,
    ),
    "postgresql": (
        f"""
        CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' OR TG_OP = 'TRUNCATE' THEN
                RAISE EXCEPTION '{_CHANGED}';
            END IF;
            IF OLD.seq > COALESCE((SELECT seq FROM audit_anchor WHERE slot = 1), 0) THEN
                RAISE EXCEPTION '{_REMOVED}';
            END IF;
            RETURN OLD;
        END
        $$
        """,
        """
        CREATE OR REPLACE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
        """,
        """
        CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
        """,
    ),
}
"""The append-only guards per dialect (:mod:`geo.database`): the same two rules; on
PostgreSQL ``TRUNCATE`` is refused too (it fires no row trigger)."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a username and their role (``system`` for code acting without a user)."""

    username: str
    role: str


SYSTEM: Final = Actor("system", "system")
"""The actor of changes made through the Python API with no user (scripts, tests)."""


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`.

    Attributes
    ----------
    ok : bool
        Whether every row matches the chain.
    rows : int
        Rows checked (up to and including the first broken one).
    first_bad : int or None
        ``seq`` of the first row that does not match (``None`` when ``ok``).
    code : str
        What is wrong with it: ``missing`` (rows before it deleted), ``inserted``,
        ``prev_hash`` (it does not follow the row before it) or ``content`` (changed);
        ``""`` when ``ok``.
    reason : str
        The same, said in English (``""`` when ``ok``).
    head : str
        Hash of the last row that matched (the anchor's, or :data:`GENESIS`, when none).
    """

    ok: bool
    rows: int
    first_bad: int | None
    code: str
    reason: str
    head: str


class Database(Protocol):
    """What the audit trail needs of the workspace: a write transaction and a read."""

    def transaction(self, action: str) -> contextlib.AbstractContextManager[Connection]:
        """Return a connection inside a write transaction (committed on success)."""
        ...

    def reading(self, action: str) -> contextlib.AbstractContextManager[Connection]:
        """Return a connection for reading."""
        ...


# --------------------------------------------------------------------------- the chain


def canonical(row: dict[str, object]) -> str:
    """Return a row's canonical content: its seven fields as compact, sorted JSON.

    Examples
    --------
    >>> canonical({"seq": 1, "at": "2026-07-01T00:00:00.000000+00:00", "username": "王",
    ...            "role": "chief", "action": "login", "target": "", "outcome": "ok"})
    '{"action":"login","at":"2026-07-01T00:00:00.000000+00:00","outcome":"ok","role":"chief","seq":1,"target":"","username":"王"}'
    """
    content = {name: row[name] for name in COLUMNS}
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def row_hash(prev_hash: str, row: dict[str, object]) -> str:
    """Return SHA-256 (hex) of ``prev_hash`` followed by the row's canonical content."""
    return hashlib.sha256((prev_hash + canonical(row)).encode("utf-8")).hexdigest()


def utc_text(when: dt.datetime) -> str:
    """Return a time as UTC ISO 8601 text with microseconds (naive times are refused).

    Examples
    --------
    >>> utc_text(dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    '2026-07-01T01:00:00.000000+00:00'
    """
    if when.tzinfo is None:
        msg = f"{when!r} has no time zone; audit times are UTC"
        raise AuditError(msg)
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


def now_utc() -> dt.datetime:
    """Return the current time in UTC (the default clock of this module and of accounts)."""
    return dt.datetime.now(dt.UTC)


def append(
    conn: Connection,
    actor: Actor,
    action: str,
    target: str = "",
    outcome: str = "ok",
    *,
    now: dt.datetime | None = None,
) -> int:
    """Append one row inside the caller's write transaction; return its ``seq``.

    Raises
    ------
    AuditError
        When ``action`` is not one of :data:`ACTIONS` or the actor is blank.
    """
    if action not in ACTIONS:
        msg = f"{action!r} is not an audit action; use one of {', '.join(ACTIONS)}"
        raise AuditError(msg)
    if not actor.username.strip() or not actor.role.strip():
        msg = f"an audit row needs who acted and their role: got {actor!r}"
        raise AuditError(msg)
    last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    if last is None:
        last = conn.execute("SELECT seq, hash FROM audit_anchor WHERE slot = 1").fetchone()
    seq, prev = (0, GENESIS) if last is None else (int(last[0]), str(last[1]))
    row: dict[str, object] = {
        "seq": seq + 1,
        "at": utc_text(now or now_utc()),
        "username": actor.username,
        "role": actor.role,
        "action": action,
        "target": str(target),
        "outcome": str(outcome),
    }
    conn.execute(
        "INSERT INTO audit_log (seq, at, username, role, action, target, outcome, prev_hash, "
        "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*[row[name] for name in COLUMNS], prev, row_hash(prev, row)),
    )
    return seq + 1


def verify_rows(conn: Connection) -> Verification:
    """Recompute the chain from the anchor over every row (see the module docstring)."""
    anchor = conn.execute("SELECT seq, hash FROM audit_anchor WHERE slot = 1").fetchone()
    expected_seq, prev = (1, GENESIS) if anchor is None else (int(anchor[0]) + 1, anchor[1])
    checked = 0
    for found in conn.execute(
        f"SELECT {', '.join(COLUMNS)}, prev_hash, hash FROM audit_log ORDER BY seq"
    ):
        row = dict(zip((*COLUMNS, "prev_hash", "hash"), tuple(found), strict=True))
        checked += 1
        seq = row["seq"]
        code, problem = "", ""
        if seq != expected_seq and isinstance(seq, int) and seq > expected_seq:
            code = "missing"
            problem = f"row {expected_seq} is missing (the next row is {seq}): rows were deleted"
        elif seq != expected_seq:
            code = "inserted"
            problem = f"row {seq} is out of order (expected row {expected_seq}): a row was inserted"
        elif row["prev_hash"] != prev:
            code = "prev_hash"
            problem = (
                f"its prev_hash does not match the hash of row {expected_seq - 1}: a row before "
                "it was deleted, inserted or changed with its hash"
            )
        elif row_hash(prev, row) != row["hash"]:
            code = "content"
            problem = "its content does not match its hash: the row was changed"
        if code:
            return Verification(False, checked, int(str(seq)), code, problem, str(prev))
        prev, expected_seq = str(row["hash"]), expected_seq + 1
    return Verification(True, checked, None, "", "", str(prev))


def prune_rows(
    conn: Connection,
    actor: Actor,
    *,
    now: dt.datetime | None = None,
    settings: Settings | None = None,
) -> int:
    """Remove rows older than the retention, oldest first, inside the caller's transaction.

    Only a run of rows from the oldest on is removed (it stops at the first row that is
    recent enough); the last one removed becomes the anchor. A pruning that removes rows
    is recorded as a ``prune`` row. Returns how many rows were removed.
    """
    when = now or now_utc()
    cutoff = utc_text(when - dt.timedelta(days=resolve(settings).audit_retention_days))
    last = None
    for seq, at, hash_ in conn.execute("SELECT seq, at, hash FROM audit_log ORDER BY seq"):
        if at >= cutoff:
            break
        last = (int(seq), str(hash_))
    if last is None:
        return 0
    first = conn.execute("SELECT MIN(seq) FROM audit_log").fetchone()[0]
    conn.execute(
        "INSERT INTO audit_anchor (slot, seq, hash, pruned_at) VALUES (1, ?, ?, ?) "
        "ON CONFLICT (slot) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
        "pruned_at = excluded.pruned_at",
        (last[0], last[1], utc_text(when)),
    )
    removed = conn.execute("DELETE FROM audit_log WHERE seq <= ?", (last[0],)).rowcount
    append(conn, actor, "prune", f"rows {first}-{last[0]} (before {cutoff[:10]})", now=when)
    return int(removed)


# --------------------------------------------------------------------------- the log


class AuditLog:
    """The audit trail of a workspace.

    Parameters
    ----------
    database : Database
        The workspace (:class:`geo.workspace.Workspace`): its transactions and reads.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from geo.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     log = AuditLog(Workspace(Path(folder)))
    ...     _ = log.record(Actor("chief", "chief"), "login")
    ...     log.verify().ok, log.rows()["action"].tolist()
    (True, ['login'])
    """

    def __init__(self, database: Database) -> None:
        self.database = database

    def record(
        self,
        actor: Actor,
        action: str,
        target: str = "",
        outcome: str = "ok",
        *,
        now: dt.datetime | None = None,
    ) -> int:
        """Append one row in a transaction of its own; return its ``seq``."""
        with self.database.transaction(f"recording {action} in the audit trail") as conn:
            return append(conn, actor, action, target, outcome, now=now)

    def verify(self) -> Verification:
        """Recompute the chain (see :func:`verify_rows`)."""
        with self.database.reading("verifying the audit trail") as conn:
            return verify_rows(conn)

    def prune(
        self,
        actor: Actor,
        *,
        now: dt.datetime | None = None,
        settings: Settings | None = None,
    ) -> int:
        """Remove rows past the retention (see :func:`prune_rows`); return how many."""
        with self.database.transaction("pruning the audit trail") as conn:
            return prune_rows(conn, actor, now=now, settings=settings)

    def rows(
        self,
        *,
        username: str | None = None,
        action: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Return the rows (oldest first unless ``newest_first``), filtered when asked.

        Returns
        -------
        pandas.DataFrame
            ``seq``, ``at`` (UTC timestamp), ``username``, ``role``, ``action``, ``target``,
            ``outcome``, ``prev_hash``, ``hash``.
        """
        where, params = [], []
        for column, value in (("username", username), ("action", action)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        sql = f"SELECT {', '.join(COLUMNS)}, prev_hash, hash FROM audit_log"
        sql += f" WHERE {' AND '.join(where)}" if where else ""
        sql += " ORDER BY seq DESC" if newest_first else " ORDER BY seq"
        sql += f" LIMIT {int(limit)}" if limit is not None else ""
        with self.database.reading("reading the audit trail") as conn:
            found = [tuple(row) for row in conn.execute(sql, params)]
        frame = pd.DataFrame.from_records(found, columns=[*COLUMNS, "prev_hash", "hash"])
        frame = frame.astype({"seq": "int64"} | {c: object for c in frame.columns[2:]})
        frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
        return frame

    def usernames(self) -> list[str]:
        """Return every username in the log, sorted (for a filter)."""
        with self.database.reading("reading the audit trail") as conn:
            found = conn.execute("SELECT DISTINCT username FROM audit_log").fetchall()
        return sorted(str(row[0]) for row in found)

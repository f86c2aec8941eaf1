"""The workspace's database opened behind beatcov's back, as someone with access would.

:func:`raw` gives a connection to a workspace's own database, SQLite file or PostgreSQL
schema alike, with the audit log's append-only triggers dropped: what a person with the
file, or with the server's credentials, could do. Statements take ``?`` placeholders on
both backends (:class:`geo.database.Connection`) and each one commits at once.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from geo.database import Connection
from geo.workspace import Workspace

_TRIGGERS = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS audit_log_no_update",
        "DROP TRIGGER IF EXISTS audit_log_no_delete",
    ),
    "postgresql": ("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",),
}


@contextlib.contextmanager
def raw(ws: Workspace, *, guards: bool = False) -> Iterator[Connection]:
    """Yield an autocommitting connection to ``ws``'s database (guards dropped unless kept)."""
    if ws.db.dialect == "sqlite":
        conn = Connection(sqlite3.connect(ws.db_path, isolation_level=None), dialect="sqlite")
    else:
        conn = ws.db.connect()
    try:
        if not guards:
            for statement in _TRIGGERS[ws.db.dialect]:
                conn.execute(statement)
        yield conn
    finally:
        conn.close()

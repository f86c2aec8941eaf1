"""Where the workspace's tables live: a SQLite file (the default) or a PostgreSQL server.

:class:`geo.workspace.Workspace`, :mod:`geo.audit`, :mod:`geo.accounts` and
:mod:`geo.logins` write one SQL, with ``?`` placeholders, and reach the database only
through a :class:`Connection` from one of the two backends here. Every difference between
the two dialects is in this module:

========================  ==================================  ==================================
                          SQLite (:class:`SqliteDatabase`)    PostgreSQL (:class:`PostgresDatabase`)
========================  ==================================  ==================================
where                     ``<folder>/workspace.sqlite``       ``$BEATCOV_DATABASE_URL`` (or
                                                              ``database_url=``)
placeholders              ``?``                               ``?`` rewritten to ``%s``
rows                      ``sqlite3.Row``                     :class:`Row` (by name or position)
upsert                    ``INSERT ... ON CONFLICT (...) DO UPDATE SET c = excluded.c``: the same
                          text in both (SQLite 3.24+, PostgreSQL 9.5+)
one writer at a time      ``BEGIN IMMEDIATE`` (the file's     ``BEGIN`` + a transaction-level
                          write lock)                         advisory lock,
                                                              ``pg_advisory_xact_lock``, keyed
                                                              by the schema
waiting for the writer    ``busy_timeout_s`` (SQLite's        ``busy_timeout_s`` as
                          ``timeout``)                        ``lock_timeout``
format number             ``PRAGMA user_version``             table ``beatcov_format``
dataset payloads          files in the folder                 ``bytea`` (:mod:`geo.payloads`)
append-only guards        ``RAISE(ABORT, ...)`` triggers      a PL/pgSQL trigger function
                          (:data:`geo.audit.GUARDS`)          (same rules, TRUNCATE refused too)
========================  ==================================  ==================================

The write lock
--------------
Every write of the workspace (a dataset, the current pointer, a review, an account change)
and its audit row happen in one write transaction, and only one write transaction runs at
a time: on SQLite the file's write lock, on PostgreSQL an advisory lock taken as the
transaction's first statement and released by its ``COMMIT`` or ``ROLLBACK``. The audit
chain's next ``seq`` and ``prev_hash`` are read after the lock is held (PostgreSQL runs at
``READ COMMITTED``, so each statement sees every transaction committed before it), hence
two processes appending at once, on one machine or on two stations sharing a server, write
one chain, never a fork. ``seq`` being the primary key would refuse a fork anyway.

The lock key is a hash of the schema's name, so several workspaces can share a database
in different schemas (``?options=-csearch_path%3Dmy_station``) without waiting for one
another.

Errors
------
Both backends turn their driver's errors into our own (:meth:`SqliteDatabase.explain`,
:meth:`PostgresDatabase.explain`); a PostgreSQL server that cannot be reached, refused
credentials, a missing database and a missing PostGIS raise :class:`geo.errors.DatabaseError`
when connecting. Messages name the server by :func:`redact`: the password in the URL never
appears in a message or a log line.

PostgreSQL connections are opened per operation (like SQLite's); a station's handful of
users needs no pool. ``psycopg`` is imported only when a PostgreSQL URL is used.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from geo.errors import DatabaseError
from geo.files import create_private

DATABASE_ENV: Final = "BEATCOV_DATABASE_URL"
"""Environment variable naming a PostgreSQL server for the workspace's tables (optional)."""

SCHEMES: Final = ("postgresql", "postgres")
"""URL schemes of a PostgreSQL server (libpq's)."""

EXTENSION: Final = "postgis"
"""The PostgreSQL extension the shared workspace needs (beats' geometry)."""

MASK: Final = "***"
"""What a password is replaced with in every message."""

_LOCK_NAME: Final = "beatcov workspace "
_FORMAT_SQL: Final = (
    "CREATE TABLE IF NOT EXISTS beatcov_format ("
    "slot INTEGER PRIMARY KEY CHECK (slot = 1), version INTEGER NOT NULL)"
)


def redact(url: str) -> str:
    """Return a database URL with its password (in the netloc or the query) masked.

    Examples
    --------
    >>> redact("postgresql://wang:s3cret@db.station:5432/beatcov")
    'postgresql://wang:***@db.station:5432/beatcov'
    >>> redact("postgresql:///beatcov?host=/run/postgresql&password=s3cret")
    'postgresql:///beatcov?host=/run/postgresql&password=***'
    """
    masked = re.sub(r"(?<=[?&])password=[^&#]*", f"password={MASK}", url)
    netloc = urlsplit(masked).netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            masked = masked.replace(netloc, f"{userinfo.split(':', 1)[0]}:{MASK}@{host}", 1)
    return masked


def configured_url(database_url: str | None = None) -> str | None:
    """Return the PostgreSQL URL to use: ``database_url``, else ``$BEATCOV_DATABASE_URL``.

    An empty string (given or in the environment) means SQLite, as does neither.

    Raises
    ------
    DatabaseError
        When the URL is not a ``postgresql://`` (or ``postgres://``) URL.
    """
    url = os.environ.get(DATABASE_ENV, "") if database_url is None else database_url
    url = url.strip()
    if not url:
        return None
    if urlsplit(url).scheme not in SCHEMES:
        msg = (
            f"{DATABASE_ENV} must be a PostgreSQL URL such as "
            f"postgresql://user@localhost/beatcov, not {redact(url)!r}; leave it unset to keep "
            "the workspace in its folder (SQLite)"
        )
        raise DatabaseError(msg)
    return url


# --------------------------------------------------------------------------- connections


class Row(tuple[Any, ...]):
    """A PostgreSQL row read by position or by column name, like ``sqlite3.Row``."""

    names: dict[str, int]

    def __new__(cls, values: Iterable[Any], names: dict[str, int]) -> Row:  # noqa: D102
        row = super().__new__(cls, values)
        row.names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self.names[key])
        return super().__getitem__(key)

    def keys(self) -> list[str]:
        """Return the column names, in order."""
        return list(self.names)


def _pg_rows(cursor: Any) -> Any:
    """Return psycopg's row maker giving a :class:`Row` (a psycopg ``row_factory``)."""
    names = {column.name: i for i, column in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> Row:
        return Row(values, names)

    return make


def pg_sql(sql: str) -> str:
    """Return ``sql`` with ``?`` placeholders as psycopg's ``%s`` (``%`` doubled).

    Question marks and percent signs inside quoted text are kept as they are.

    Examples
    --------
    >>> pg_sql("SELECT 'a?%' || ?, x % 2 FROM t WHERE y = ?")
    "SELECT 'a?%' || %s, x %% 2 FROM t WHERE y = %s"
    """
    out: list[str] = []
    quote = ""
    for char in sql:
        if quote:
            out.append(char)
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        elif char == "%":
            out.append("%%")
        else:
            out.append(char)
    return "".join(out)


class Connection:
    """One connection of either backend, taking SQL with ``?`` placeholders.

    ``execute`` returns the driver's cursor: iterate it, or call ``fetchone``,
    ``fetchall`` and ``rowcount``; rows are read by position or by column name.
    """

    def __init__(self, raw: Any, *, dialect: str) -> None:
        self.raw = raw
        self.dialect = dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; ``?`` marks each parameter."""
        if self.dialect == "postgresql":
            return self.raw.execute(pg_sql(sql), tuple(params)) if params else self.raw.execute(sql)
        return self.raw.execute(sql, tuple(params))

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open."""
        if self.dialect == "postgresql":
            return bool(self.raw.info.transaction_status != 0)  # 0: IDLE
        return bool(self.raw.in_transaction)

    def close(self) -> None:
        """Close the connection."""
        self.raw.close()


class SqliteDatabase:
    """The workspace's tables in a SQLite file (the default).

    Parameters
    ----------
    path : Path
        The database file (``<folder>/workspace.sqlite``).
    busy_timeout_s : float
        How long to wait for another session's write.
    """

    dialect: Final = "sqlite"
    shared: Final = False
    """Whether the datasets' payloads are kept in the database (else as files)."""
    insertion_order: Final = "rowid"
    """An expression ordering a table's rows as inserted (ties of ``created_at``)."""

    def __init__(self, path: Path, *, busy_timeout_s: float) -> None:
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self.location = str(self.path.parent)

    def create(self) -> None:
        """Create the database file ``0600`` before SQLite opens it (its journal follows)."""
        create_private(self.path)

    def connect(self) -> Connection:
        """Return a connection (autocommit; foreign keys enforced)."""
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        return Connection(conn, dialect=self.dialect)

    def begin_write(self, conn: Connection) -> None:
        """Open a write transaction: SQLite's write lock, waited for up to the timeout."""
        conn.execute("BEGIN IMMEDIATE")

    def version(self, conn: Connection) -> int:
        """Return the workspace format number stored in the database (0 when new)."""
        return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def set_version(self, conn: Connection, version: int) -> None:
        """Store the workspace format number."""
        conn.execute(f"PRAGMA user_version = {int(version)}")

    def prepare(self, conn: Connection) -> None:
        """Do what the dialect needs before the tables are made (nothing for SQLite)."""

    def explain(self, exc: BaseException, *, action: str, hint: str) -> str | None:
        """Return our message for a SQLite error, or ``None`` when ``exc`` is not one."""
        if isinstance(exc, sqlite3.OperationalError):
            if "locked" in str(exc) or "busy" in str(exc):
                return (
                    f"{action}: the workspace {self.location} is busy (another session is "
                    f"saving) and stayed busy for {self.busy_timeout_s:g} s; {hint}"
                )
            return f"{action} failed in the workspace {self.location}: {exc}; {hint}"
        if isinstance(exc, sqlite3.DatabaseError):
            return (
                f"{action} failed: {self.path} is not a beatcov workspace database ({exc}); "
                "move the file away or choose another workspace folder"
            )
        if isinstance(exc, sqlite3.Error):
            return f"{action} failed in the workspace {self.location}: {exc}; {hint}"
        return None


class PostgresDatabase:
    """The workspace's tables on a PostgreSQL server with PostGIS (shared by stations).

    Parameters
    ----------
    url : str
        A libpq URL, ``postgresql://user:password@host:port/database``; libpq's own
        settings (``PGPASSWORD``, ``~/.pgpass``, ``sslmode=...``) apply as usual.
    busy_timeout_s : float
        How long to wait for another session's write (``lock_timeout``) and, at most
        10 s of it, for the server to answer a new connection.
    """

    dialect: Final = "postgresql"
    shared: Final = True
    insertion_order: Final = "dataset_id"  # no rowid; ties of a microsecond stamp are rare

    def __init__(self, url: str, *, busy_timeout_s: float) -> None:
        try:
            import psycopg  # only a PostgreSQL workspace needs it
        except ImportError:
            msg = (
                f"{DATABASE_ENV} names a PostgreSQL server, but psycopg is not installed; "
                "install beatcov's requirements (pip install -r requirements.txt -c "
                f"constraints.txt) or unset {DATABASE_ENV}"
            )
            raise DatabaseError(msg) from None
        self._psycopg = psycopg
        self._url = url
        self.busy_timeout_s = busy_timeout_s
        self.location = redact(url)
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self._secret = parts.password or query.get("password") or ""
        self._user = parts.username or query.get("user") or "(libpq's default user)"
        self._database = parts.path.lstrip("/") or query.get("dbname") or "(the user's)"

    def create(self) -> None:
        """Nothing to create before connecting (the database is the server's)."""

    def connect(self) -> Connection:
        """Return a connection (autocommit outside write transactions).

        Raises
        ------
        DatabaseError
            When the server cannot be reached, refuses the credentials or has no such
            database (the message never shows the password).
        """
        psycopg = self._psycopg
        try:
            raw = psycopg.connect(
                self._url,
                autocommit=True,
                row_factory=_pg_rows,
                connect_timeout=max(2, min(10, round(self.busy_timeout_s))),
                application_name="beatcov",
            )
        except psycopg.Error as exc:
            raise DatabaseError(self._connect_message(exc)) from None
        return Connection(raw, dialect=self.dialect)

    def begin_write(self, conn: Connection) -> None:
        """Open a write transaction holding the workspace's advisory lock."""
        conn.execute("BEGIN")
        conn.execute(f"SET LOCAL lock_timeout = {max(1, round(self.busy_timeout_s * 1000))}")
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(? || current_schema()))", (_LOCK_NAME,))

    def version(self, conn: Connection) -> int:
        """Return the workspace format number stored in the database (0 when new)."""
        conn.execute(_FORMAT_SQL)
        found = conn.execute("SELECT version FROM beatcov_format WHERE slot = 1").fetchone()
        return 0 if found is None else int(found[0])

    def set_version(self, conn: Connection, version: int) -> None:
        """Store the workspace format number."""
        conn.execute(
            "INSERT INTO beatcov_format (slot, version) VALUES (1, ?) "
            "ON CONFLICT (slot) DO UPDATE SET version = excluded.version",
            (int(version),),
        )

    def prepare(self, conn: Connection) -> None:
        """Make sure PostGIS is enabled (creating the extension needs a superuser once).

        Raises
        ------
        DatabaseError
            When PostGIS is not installed on the server, or not enabled in the database
            and this user may not enable it.
        """
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = ?", (EXTENSION,)).fetchone():
            return
        errors = self._psycopg.errors
        try:
            with conn.raw.transaction():  # a savepoint inside the caller's transaction
                conn.execute(f'CREATE EXTENSION IF NOT EXISTS "{EXTENSION}"')
        except (errors.UndefinedFile, errors.FeatureNotSupported) as exc:
            msg = (
                f"PostGIS is not installed on the database server {self.location} "
                f"({_first_line(exc, self._secret)}); install it there (Debian: apt-get "
                "install postgis postgresql-15-postgis-3, for the server's PostgreSQL "
                "version), then open the workspace again"
            )
            raise DatabaseError(msg) from None
        except errors.InsufficientPrivilege:
            msg = (
                f"PostGIS is not enabled in the database {self._database} on "
                f"{self.location}, and {self._user} may not enable it; ask the database's "
                f"administrator to run CREATE EXTENSION {EXTENSION}; in it, once"
            )
            raise DatabaseError(msg) from None

    def explain(self, exc: BaseException, *, action: str, hint: str) -> str | None:
        """Return our message for a psycopg error, or ``None`` when ``exc`` is not one."""
        psycopg = self._psycopg
        if not isinstance(exc, psycopg.Error):
            return None
        reason = _first_line(exc, self._secret)
        if isinstance(exc, psycopg.errors.LockNotAvailable):
            return (
                f"{action}: the workspace {self.location} is busy (another session is "
                f"saving) and stayed busy for {self.busy_timeout_s:g} s; {hint}"
            )
        if exc.sqlstate is None or exc.sqlstate.startswith(("08", "57P")):  # connection lost
            return (
                f"{action}: the connection to the database server {self.location} failed "
                f"({reason}); check that the server is running; {hint}"
            )
        return f"{action} failed in the database {self.location}: {reason}; {hint}"

    def _connect_message(self, exc: BaseException) -> str:
        """Say why connecting failed: credentials, no database, or the server unreachable."""
        reason = _first_line(exc, self._secret)
        text = reason.lower()
        if "password" in text or "authentication" in text or re.search(r'role ".*" does', text):
            return (
                f"the database server {self.location} refused the credentials of "
                f"{self._user} ({reason}); check the user name and password in "
                f"{DATABASE_ENV} (or ~/.pgpass)"
            )
        if re.search(r'database ".*" does not exist', text):
            return (
                f"there is no database {self._database} on the server {self.location}; "
                f"create it (createdb {self._database}) or name another one in {DATABASE_ENV}"
            )
        if "invalid" in text or "missing" in text or "uri" in text:
            return f"{DATABASE_ENV} is not a valid PostgreSQL URL ({reason}): {self.location}"
        return (
            f"cannot reach the database server {self.location} ({reason}); check that "
            f"PostgreSQL is running there and accepts connections, or unset {DATABASE_ENV} to "
            "keep the workspace in its folder"
        )


AnyDatabase = SqliteDatabase | PostgresDatabase
"""Either backend."""


def open_database(
    folder: Path, *, database_url: str | None = None, busy_timeout_s: float
) -> AnyDatabase:
    """Return the backend of a workspace: PostgreSQL when a URL is configured, else SQLite.

    Parameters
    ----------
    folder : Path
        The workspace folder (SQLite's file is ``workspace.sqlite`` in it).
    database_url : str, optional
        A PostgreSQL URL; ``None`` reads ``$BEATCOV_DATABASE_URL``; ``""`` means SQLite.
    busy_timeout_s : float
        How long a write waits for another session's.
    """
    url = configured_url(database_url)
    if url is None:
        return SqliteDatabase(Path(folder) / "workspace.sqlite", busy_timeout_s=busy_timeout_s)
    return PostgresDatabase(url, busy_timeout_s=busy_timeout_s)


@contextlib.contextmanager
def write_transaction(database: AnyDatabase) -> Iterator[Connection]:
    """Yield a connection inside a write transaction; commit on success, else roll back."""
    conn = database.connect()
    try:
        database.begin_write(conn)
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                # a failed COMMIT may already have rolled back; nothing left to undo then
                with contextlib.suppress(Exception):
                    conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


def _first_line(exc: BaseException, secret: str) -> str:
    """Return the first line of a driver's message, with ``secret`` masked if it is there."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = "; ".join(lines[:2]) if lines else type(exc).__name__
    return text.replace(secret, MASK) if secret else text

"""User accounts: who may log in, with which role and over which beats.

Accounts live in the workspace database (table ``accounts``, added to older workspaces when
they are opened, like the reviews table). Every change to an account is one ``user_change``
row of the audit trail (:mod:`geo.audit`), written in the same transaction as the change.
Logging in and sessions are :mod:`geo.logins`'.

Roles
-----
``admin``
    Every beat; imports data, sees the audit trail. Accounts themselves are managed from
    the command line (``python -m analysis users ...``).
``chief``
    Every beat of their station(s) (the beats whose ``station`` is one of the account's
    stations); reviews flagged visits, sees the audit trail.
``planner``
    Every beat; imports data.
``officer``
    The beats the account is bound to.

Usernames are compared case-insensitively: they are stored NFKC-normalised and case-folded,
1-64 letters (any script), digits and ``. _ - @``; ``system`` is reserved for the audit
trail. Passwords are hashed with argon2id (``argon2-cffi``'s ``PasswordHasher`` defaults,
RFC 9106's low-memory profile) and rehashed on login when those defaults change; a new
password needs ``password_min_length`` characters, must not be the username and must not
be the demo password. Every time given to this module is UTC-aware.

The demo
--------
While the app shows the embedded demo (the workspace has no current dataset) and no real
account exists, the accounts ``chief`` (every station of the demo), ``planner`` and
``officer`` (the demo's first beat, :data:`DEMO_OFFICER_BEATS`) log in with the password
:data:`DEMO_PASSWORD`. They are created on first use, flagged ``demo``, refused by
:func:`geo.logins.authenticate` whenever the demo is not active, and removed as soon as a
real account is added (in the same transaction). They never exist beside real data.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
from argon2 import PasswordHasher

from geo.audit import SYSTEM, Actor, Database, append, now_utc, utc_text
from geo.errors import AccountError
from geo.settings import Settings, resolve

ROLES: Final = ("admin", "chief", "planner", "officer")
"""The roles an account may have."""

DATA_ROLES: Final = ("admin", "planner")
"""Roles that import data and change the current dataset."""

DEMO_PASSWORD: Final = "beatcov-demo"
"""Password of the demo accounts, and of no other account."""

DEMO_OFFICER_BEATS: Final = ("B01",)
"""The demo officer's beat: the first beat of ``data/boundaries/beats.geojson``."""

DEMO_STATIONS: Final = ("新街口派出所", "五老村派出所")
"""The stations of the demo's beats: the demo chief has them all."""

DEMO_ACCOUNTS: Final = {
    "chief": ("chief", (), DEMO_STATIONS),
    "planner": ("planner", (), ()),
    "officer": ("officer", DEMO_OFFICER_BEATS, ()),
}
"""``{username: (role, beats, stations)}`` of the demo accounts."""

RESERVED: Final = frozenset({"system"})
"""Usernames no account may take (the audit trail's actor for code acting alone)."""

SCHEMA: Final = (
    """
    CREATE TABLE IF NOT EXISTS accounts (
        username        TEXT PRIMARY KEY,
        role            TEXT NOT NULL CHECK (role IN ('admin', 'chief', 'planner', 'officer')),
        beats           TEXT NOT NULL,
        stations        TEXT NOT NULL,
        password_hash   TEXT NOT NULL,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until    TEXT,
        disabled        INTEGER NOT NULL DEFAULT 0,
        demo            INTEGER NOT NULL DEFAULT 0,
        created_at      TEXT NOT NULL,
        changed_at      TEXT NOT NULL
    )
    """,
)
"""Statements that add the accounts table to a workspace (run when it is opened)."""

LIST_COLUMNS: Final = (
    "username",
    "role",
    "beats",
    "stations",
    "disabled",
    "locked_until",
    "failed_attempts",
    "demo",
    "created_at",
    "changed_at",
)
"""Columns of :meth:`Accounts.list` (no password hashes)."""

_NAME = re.compile(r"[\w.@\-]{1,64}")

_DEMO_HASHES: dict[tuple[Any, ...], str] = {}
"""One argon2 hash of the public demo password per hasher setup, made once per process."""


def password_hasher() -> PasswordHasher:
    """Return the hasher of new passwords: argon2-cffi's defaults.

    They are RFC 9106's low-memory profile (argon2id, 3 passes, 64 MiB, 4 lanes); a stored
    hash made with other parameters is renewed at its next right login. The test suite
    hands out cheaper parameters here (``tests/conftest.py``) except where it checks these.
    """
    return PasswordHasher()


def hasher_key(hasher: PasswordHasher) -> tuple[Any, ...]:
    """Return the parameters that decide what ``hasher``'s hashes cost and look like."""
    return (
        hasher.time_cost,
        hasher.memory_cost,
        hasher.parallelism,
        hasher.hash_len,
        hasher.salt_len,
        hasher.type,
    )


def _demo_hash(hasher: PasswordHasher) -> str:
    """Return a hash of :data:`DEMO_PASSWORD` for ``hasher``'s parameters, made once.

    The demo password is printed in the README, so one salted hash shared by the demo
    accounts of every workspace hides nothing; it spares each new workspace three argon2
    runs (about 0.3 s and 64 MiB each).
    """
    key = hasher_key(hasher)
    if key not in _DEMO_HASHES:
        _DEMO_HASHES[key] = hasher.hash(DEMO_PASSWORD)
    return _DEMO_HASHES[key]


_SPLIT = re.compile(r"[,;，；]")


@dataclass(frozen=True)
class Account:
    """One account as stored (without its password hash).

    Attributes
    ----------
    username, role : str
        Who, and one of :data:`ROLES`.
    beats, stations : tuple of str
        An officer's beats; a chief's stations (empty for the other roles).
    failed_attempts : int
        Wrong passwords since the last right one or lock.
    locked_until : datetime or None
        UTC time the lock ends, if one was set.
    disabled, demo : bool
        Refused at login; one of the demo accounts.
    """

    username: str
    role: str
    beats: tuple[str, ...]
    stations: tuple[str, ...]
    failed_attempts: int = 0
    locked_until: dt.datetime | None = None
    disabled: bool = False
    demo: bool = False

    @property
    def actor(self) -> Actor:
        """Return this account as the actor of an audit row."""
        return Actor(self.username, self.role)

    def locked(self, now: dt.datetime) -> bool:
        """Tell whether the account is locked at ``now``."""
        return self.locked_until is not None and self.locked_until > now


# --------------------------------------------------------------------------- checks


def normalise_username(name: str) -> str:
    """Return a username as stored: NFKC, trimmed, case-folded.

    Raises
    ------
    AccountError
        When it is empty, too long, holds other characters than letters, digits and
        ``. _ - @``, or is reserved.

    Examples
    --------
    >>> normalise_username(" Wang.Li ")
    'wang.li'
    >>> normalise_username("０５１００１")  # full-width digits, as typed with a Chinese IME
    '051001'
    """
    text = unicodedata.normalize("NFKC", str(name)).strip().casefold()
    if not _NAME.fullmatch(text):
        msg = f"{name!r} is not a username: use 1-64 letters, digits and . _ - @ (no spaces)"
        raise AccountError(msg)
    if text in RESERVED:
        msg = f"{text!r} is reserved; choose another username"
        raise AccountError(msg)
    return text


def check_password(password: str, username: str, *, settings: Settings | None = None) -> None:
    """Refuse a new password that is too short, the username or the demo password.

    Raises
    ------
    AccountError
        Naming the rule broken (never the password).
    """
    cfg = resolve(settings)
    if len(password) < cfg.password_min_length:
        msg = f"the password needs at least {cfg.password_min_length} characters"
        raise AccountError(msg)
    if password.strip().casefold() == username.casefold():
        msg = "the password must not be the username"
        raise AccountError(msg)
    if password == DEMO_PASSWORD:
        msg = "the demo password is public: choose another password"
        raise AccountError(msg)


def split_list(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """Return beats or stations given as ``"B01,B02"`` (or a list) as a sorted tuple.

    Examples
    --------
    >>> split_list("B02, B01；B02")
    ('B01', 'B02')
    """
    if text is None:
        return ()
    parts = _SPLIT.split(text) if isinstance(text, str) else [str(p) for p in text]
    return tuple(sorted({p.strip() for p in parts if p.strip()}))


def check_binding(
    role: str, beats: Iterable[str] = (), stations: Iterable[str] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return an account's beats and stations, checked against its role.

    An officer is bound to beats (and no station), a chief to stations (and no beat);
    admins and planners see every beat and take neither.

    Raises
    ------
    AccountError
        When the role is unknown or the binding does not suit it.
    """
    bound, at = split_list(beats), split_list(stations)
    if role not in ROLES:
        msg = f"{role!r} is not a role; use one of {', '.join(ROLES)}"
        raise AccountError(msg)
    if role == "officer" and (not bound or at):
        msg = "an officer is bound to beats: give --beats (and no --stations)"
        raise AccountError(msg)
    if role == "chief" and (not at or bound):
        msg = "a chief sees the beats of their station(s): give --stations (and no --beats)"
        raise AccountError(msg)
    if role in DATA_ROLES and (bound or at):
        msg = f"an {role} sees every beat: give neither --beats nor --stations"
        raise AccountError(msg)
    return bound, at


# --------------------------------------------------------------------------- accounts


class Accounts:
    """The accounts of a workspace.

    Parameters
    ----------
    database : geo.audit.Database
        The workspace (:class:`geo.workspace.Workspace`): its transactions and reads.
    hasher : argon2.PasswordHasher, optional
        The hasher (default: :func:`password_hasher`).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from geo.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     accounts = Accounts(Workspace(Path(folder)))
    ...     _ = accounts.add("Wang", "officer", "correct horse", beats=["B01"])
    ...     accounts.get("WANG").beats
    ('B01',)
    """

    def __init__(self, database: Database, *, hasher: PasswordHasher | None = None) -> None:
        self.database = database
        self.hasher = hasher or password_hasher()

    # ------------------------------------------------------------- reading

    def get(self, username: str) -> Account | None:
        """Return an account, or ``None`` when there is none of that name."""
        try:
            name = normalise_username(username)
        except AccountError:
            return None
        with self.database.reading("reading an account") as conn:
            row = conn.execute("SELECT * FROM accounts WHERE username = ?", (name,)).fetchone()
        return None if row is None else account_from_row(row)

    def list(self) -> pd.DataFrame:
        """Return every account (no password hashes), by username; see :data:`LIST_COLUMNS`."""
        with self.database.reading("listing accounts") as conn:
            rows = conn.execute("SELECT * FROM accounts ORDER BY username").fetchall()
        records = [
            {
                **{c: row[c] for c in ("username", "role", "failed_attempts", "locked_until")},
                "beats": ";".join(json.loads(row["beats"])),
                "stations": ";".join(json.loads(row["stations"])),
                "disabled": bool(row["disabled"]),
                "demo": bool(row["demo"]),
                "created_at": row["created_at"],
                "changed_at": row["changed_at"],
            }
            for row in rows
        ]
        return pd.DataFrame.from_records(records, columns=list(LIST_COLUMNS))

    def has_real_accounts(self) -> bool:
        """Tell whether any account other than the demo ones exists."""
        with self.database.reading("reading accounts") as conn:
            return (
                conn.execute("SELECT 1 FROM accounts WHERE demo = 0 LIMIT 1").fetchone() is not None
            )

    # ------------------------------------------------------------- changes

    def add(
        self,
        username: str,
        role: str,
        password: str,
        *,
        beats: Iterable[str] = (),
        stations: Iterable[str] = (),
        actor: Actor = SYSTEM,
        settings: Settings | None = None,
        now: dt.datetime | None = None,
    ) -> Account:
        """Create an account; the demo accounts, if any, are removed in the same transaction.

        Raises
        ------
        AccountError
            When the username is taken or invalid, the role or its beats/stations do not
            fit (:func:`check_binding`), or the password breaks a rule.
        WorkspaceError
            When the workspace cannot be written.
        """
        name = normalise_username(username)
        bound, at = check_binding(role, beats, stations)
        check_password(password, name, settings=settings)
        hashed = self.hasher.hash(password)
        stamp = utc_text(now or now_utc())
        with self.database.transaction(f"adding the account {name!r}") as conn:
            _drop_demo(conn, actor, now=now)
            if conn.execute("SELECT 1 FROM accounts WHERE username = ?", (name,)).fetchone():
                msg = f"there is already an account {name!r}; choose another username"
                raise AccountError(msg)
            _insert(conn, name, role, bound, at, hashed, demo=False, stamp=stamp)
            append(conn, actor, "user_change", _describe("add", name, role, bound, at), now=now)
        return Account(name, role, bound, at)

    def set_password(
        self,
        username: str,
        password: str,
        *,
        actor: Actor = SYSTEM,
        settings: Settings | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Set a new password; this also clears failed attempts and any lock.

        Raises
        ------
        AccountError
            When there is no such (real) account or the password breaks a rule.
        """
        name = normalise_username(username)
        check_password(password, name, settings=settings)
        hashed = self.hasher.hash(password)
        self._change(
            name,
            "password_hash = ?, failed_attempts = 0, locked_until = NULL",
            (hashed,),
            "new password, unlocked",
            actor=actor,
            now=now,
        )

    def disable(
        self, username: str, *, actor: Actor = SYSTEM, now: dt.datetime | None = None
    ) -> None:
        """Disable an account: it can no longer log in and its open sessions end."""
        self._change(
            normalise_username(username), "disabled = 1", (), "disabled", actor=actor, now=now
        )

    def enable(
        self, username: str, *, actor: Actor = SYSTEM, now: dt.datetime | None = None
    ) -> None:
        """Enable a disabled account again."""
        self._change(
            normalise_username(username), "disabled = 0", (), "enabled", actor=actor, now=now
        )

    def _change(
        self,
        name: str,
        assignments: str,
        params: tuple[Any, ...],
        what: str,
        *,
        actor: Actor,
        now: dt.datetime | None,
    ) -> None:
        stamp = utc_text(now or now_utc())
        with self.database.transaction(f"changing the account {name!r}") as conn:
            changed = conn.execute(
                f"UPDATE accounts SET {assignments}, changed_at = ? "
                "WHERE username = ? AND demo = 0",
                (*params, stamp, name),
            )
            if changed.rowcount == 0:
                msg = f"there is no account {name!r}; see python -m analysis users list"
                raise AccountError(msg)
            append(conn, actor, "user_change", f"{name}: {what}", now=now)

    # ------------------------------------------------------------- the demo

    def ensure_demo(self, *, now: dt.datetime | None = None) -> bool:
        """Create the demo accounts that are missing, unless a real account exists.

        Returns whether any was created. The caller decides that the demo is shown.
        """
        with self.database.reading("reading accounts") as conn:
            present = {r[0] for r in conn.execute("SELECT username FROM accounts WHERE demo = 1")}
        missing = [name for name in DEMO_ACCOUNTS if name not in present]
        if not missing or self.has_real_accounts():
            return False
        hashed = _demo_hash(self.hasher)
        hashes = dict.fromkeys(missing, hashed)
        stamp = utc_text(now or now_utc())
        with self.database.transaction("creating the demo accounts") as conn:
            if conn.execute("SELECT 1 FROM accounts WHERE demo = 0 LIMIT 1").fetchone():
                return False
            created = []
            for name in missing:
                role, beats, stations = DEMO_ACCOUNTS[name]
                if _insert(conn, name, role, beats, stations, hashes[name], demo=True, stamp=stamp):
                    created.append(name)
            if created:
                append(
                    conn,
                    SYSTEM,
                    "user_change",
                    f"demo accounts added: {', '.join(created)}",
                    now=now,
                )
        return bool(created)

    def remove_demo(self, *, actor: Actor = SYSTEM, now: dt.datetime | None = None) -> int:
        """Remove the demo accounts (the app calls this once the demo is no longer shown)."""
        with self.database.reading("reading accounts") as conn:
            if conn.execute("SELECT 1 FROM accounts WHERE demo = 1 LIMIT 1").fetchone() is None:
                return 0
        with self.database.transaction("removing the demo accounts") as conn:
            return _drop_demo(conn, actor, now=now)

    # ------------------------------------------------------------- for geo.logins

    def credentials(self, username: str) -> tuple[Account, str] | None:
        """Return an account and its password hash (for :mod:`geo.logins` only), or ``None``."""
        with self.database.reading("reading an account") as conn:
            row = conn.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
        return None if row is None else (account_from_row(row), str(row["password_hash"]))


def _insert(
    conn: Any,
    name: str,
    role: str,
    beats: tuple[str, ...],
    stations: tuple[str, ...],
    hashed: str,
    *,
    demo: bool,
    stamp: str,
) -> bool:
    inserted = conn.execute(
        "INSERT INTO accounts (username, role, beats, stations, password_hash, demo, created_at, "
        "changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
        (
            name,
            role,
            json.dumps(list(beats), ensure_ascii=False),
            json.dumps(list(stations), ensure_ascii=False),
            hashed,
            int(demo),
            stamp,
            stamp,
        ),
    )
    return bool(inserted.rowcount)


def _drop_demo(conn: Any, actor: Actor, *, now: dt.datetime | None) -> int:
    removed = conn.execute("DELETE FROM accounts WHERE demo = 1").rowcount
    if removed:
        append(conn, actor, "user_change", "demo accounts removed", now=now)
    return int(removed)


def _describe(
    what: str, name: str, role: str, beats: tuple[str, ...], stations: tuple[str, ...]
) -> str:
    """Return the audit target of an account change, e.g. ``wang: add officer beats B01``."""
    parts = [f"{name}: {what} {role}"]
    if beats:
        parts.append(f"beats {';'.join(beats)}")
    if stations:
        parts.append(f"stations {';'.join(stations)}")
    return " ".join(parts)


def account_from_row(row: Any) -> Account:
    """Return an :class:`Account` from a row of the accounts table."""
    until = row["locked_until"]
    return Account(
        username=str(row["username"]),
        role=str(row["role"]),
        beats=tuple(json.loads(row["beats"])),
        stations=tuple(json.loads(row["stations"])),
        failed_attempts=int(row["failed_attempts"]),
        locked_until=None if until is None else dt.datetime.fromisoformat(until),
        disabled=bool(row["disabled"]),
        demo=bool(row["demo"]),
    )

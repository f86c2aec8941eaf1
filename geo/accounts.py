"""User accounts: who may log in, with which role and over which beats; logins and sessions.

Accounts live in the workspace database (table ``accounts``, added to older workspaces when
they are opened, like the reviews table). Every change to an account is one ``user_change``
row of the audit trail and every login attempt one ``login`` or ``failed_login`` row
(:mod:`geo.audit`), written in the same transaction as the change.

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
be the demo password.

Logins
------
* A wrong password adds one to the account's failed attempts; at ``login_max_failures`` the
  account is locked for ``login_lockout_min`` minutes and the count starts again. While
  locked, every password, the right one too, is refused without being checked.
* A right password clears the count. Disabled accounts and unknown usernames are refused
  like a wrong password (the same message, and an unknown name costs the same hashing
  time), and never lock, since there is nothing to lock.
* The password is checked outside any write lock (hashing takes a fraction of a second);
  the count is then updated in a transaction that reads the lock again, so two attempts at
  once are both counted and a lock set meanwhile is honoured.

Sessions (:func:`session_end`): a session with no action for ``session_idle_min`` minutes
ends (``idle_timeout``), and any session ends ``session_max_h`` hours after its login
(``session_limit``), whatever it does meanwhile. Every time given to this module is
UTC-aware; functions take ``now=`` so tests can inject a clock.

The demo
--------
While the app shows the embedded demo (the workspace has no current dataset) and no real
account exists, the accounts ``chief`` (every station of the demo), ``planner`` and
``officer`` (the demo's first beat, :data:`DEMO_OFFICER_BEATS`) log in with the password
:data:`DEMO_PASSWORD`. They are created on first use, flagged ``demo``, refused by
:meth:`Accounts.authenticate` whenever the demo is not active, and removed as soon as a
real account is added (in the same transaction). They never exist beside real data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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


@dataclass(frozen=True)
class Login:
    """The outcome of a login attempt.

    ``outcome`` is ``ok``, ``wrong_password``, ``locked`` (refused, the account is locked
    until ``locked_until``), ``unknown_user`` or ``disabled``. ``account`` is set when
    ``ok``. A wrong password that locks the account has ``outcome`` ``wrong_password``
    and ``locked_until`` set.
    """

    outcome: str
    account: Account | None = None
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        """True when the user is logged in."""
        return self.outcome == "ok" and self.account is not None


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


def session_end(
    login_at: dt.datetime,
    last_seen: dt.datetime,
    *,
    now: dt.datetime | None = None,
    settings: Settings | None = None,
) -> str | None:
    """Return why a session has ended (``session_limit``, ``idle_timeout``) or ``None``.

    Examples
    --------
    >>> t0 = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
    >>> session_end(t0, t0, now=t0 + dt.timedelta(minutes=29))
    >>> session_end(t0, t0, now=t0 + dt.timedelta(minutes=31))
    'idle_timeout'
    >>> session_end(t0, t0 + dt.timedelta(hours=12), now=t0 + dt.timedelta(hours=12, minutes=1))
    'session_limit'
    """
    cfg = resolve(settings)
    when = now or now_utc()
    if when - login_at >= dt.timedelta(hours=cfg.session_max_h):
        return "session_limit"
    if when - last_seen >= dt.timedelta(minutes=cfg.session_idle_min):
        return "idle_timeout"
    return None


# --------------------------------------------------------------------------- accounts


class Accounts:
    """The accounts of a workspace.

    Parameters
    ----------
    database : geo.audit.Database
        The workspace (:class:`geo.workspace.Workspace`): its transactions and reads.
    hasher : argon2.PasswordHasher, optional
        The hasher (default: argon2-cffi's defaults).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from geo.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     accounts = Accounts(Workspace(Path(folder)))
    ...     _ = accounts.add("Wang", "officer", "correct horse", beats=["B01"])
    ...     accounts.authenticate("wang", "correct horse", demo=False).account.beats
    ('B01',)
    """

    def __init__(self, database: Database, *, hasher: PasswordHasher | None = None) -> None:
        self.database = database
        self.hasher = hasher or PasswordHasher()

    # ------------------------------------------------------------- reading

    def get(self, username: str) -> Account | None:
        """Return an account, or ``None`` when there is none of that name."""
        try:
            name = normalise_username(username)
        except AccountError:
            return None
        with self.database.reading("reading an account") as conn:
            row = conn.execute("SELECT * FROM accounts WHERE username = ?", (name,)).fetchone()
        return None if row is None else _account(row)

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
        hashes = {name: self.hasher.hash(DEMO_PASSWORD) for name in missing}
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

    # ------------------------------------------------------------- logging in

    def authenticate(
        self,
        username: str,
        password: str,
        *,
        demo: bool,
        now: dt.datetime | None = None,
        settings: Settings | None = None,
    ) -> Login:
        """Check a login; count failures, lock, and record the attempt in the audit trail.

        Parameters
        ----------
        username, password : str
            As typed.
        demo : bool
            Whether the demo is shown (else the demo accounts are refused as unknown).
        now : datetime, optional
            The time (UTC-aware); default the clock.
        settings : Settings, optional
            ``login_max_failures`` and ``login_lockout_min``.
        """
        cfg = resolve(settings)
        when = now or now_utc()
        try:
            name = normalise_username(username)
        except AccountError:
            name = unicodedata.normalize("NFKC", str(username)).strip()[:64] or "(blank)"
        stored = self._stored(name)
        if stored is None or (stored[0].demo and not demo) or stored[0].disabled:
            self._verify(_dummy_hash(), password)  # the same time as a real check
            outcome = "unknown_user" if stored is None or stored[0].demo else "disabled"
            role = "none" if stored is None else stored[0].role
            self._record(Actor(name, role), "failed_login", outcome, when)
            return Login(outcome)
        account, hashed = stored
        if account.locked(when):
            self._record(account.actor, "failed_login", "locked", when)
            return Login("locked", locked_until=account.locked_until)
        right = self._verify(hashed, password)
        with self.database.transaction(f"recording a login of {name!r}") as conn:
            row = conn.execute("SELECT * FROM accounts WHERE username = ?", (name,)).fetchone()
            current = _account(row)
            if current.locked(when):  # locked by another attempt meanwhile
                append(conn, current.actor, "failed_login", "locked", now=when)
                return Login("locked", locked_until=current.locked_until)
            if not right:
                return _count_failure(conn, current, when, cfg)
            rehash = self._rehash(hashed, password)
            conn.execute(
                "UPDATE accounts SET failed_attempts = 0, locked_until = NULL, "
                "password_hash = COALESCE(?, password_hash) WHERE username = ?",
                (rehash, name),
            )
            append(conn, current.actor, "login", "", "ok", now=when)
        return Login("ok", dataclasses.replace(current, failed_attempts=0, locked_until=None))

    def record_logout(
        self, account: Account, reason: str, *, now: dt.datetime | None = None
    ) -> None:
        """Record a logout (``ok`` when asked for, else why: ``idle_timeout`` ...)."""
        self._record(account.actor, "logout", reason, now or now_utc())

    def _stored(self, name: str) -> tuple[Account, str] | None:
        with self.database.reading("reading an account") as conn:
            row = conn.execute("SELECT * FROM accounts WHERE username = ?", (name,)).fetchone()
        return None if row is None else (_account(row), str(row["password_hash"]))

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(hashed, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _rehash(self, hashed: str, password: str) -> str | None:
        return self.hasher.hash(password) if self.hasher.check_needs_rehash(hashed) else None

    def _record(self, actor: Actor, action: str, outcome: str, when: dt.datetime) -> None:
        with self.database.transaction(f"recording {action}") as conn:
            append(conn, actor, action, "", outcome, now=when)


def _count_failure(conn: Any, account: Account, when: dt.datetime, cfg: Settings) -> Login:
    """Add a wrong password to the count; lock at the limit (inside the transaction)."""
    failed = account.failed_attempts + 1
    until = None
    if failed >= cfg.login_max_failures:
        until = when + dt.timedelta(minutes=cfg.login_lockout_min)
        failed = 0
    conn.execute(
        "UPDATE accounts SET failed_attempts = ?, locked_until = COALESCE(?, locked_until) "
        "WHERE username = ?",
        (failed, None if until is None else utc_text(until), account.username),
    )
    outcome = (
        "wrong_password" if until is None else f"wrong_password; locked until {utc_text(until)}"
    )
    append(conn, account.actor, "failed_login", "", outcome, now=when)
    return Login("wrong_password", locked_until=until)


@functools.cache
def _dummy_hash() -> str:
    """Return a hash of nothing anyone types (an unknown name costs the same time)."""
    return PasswordHasher().hash("beatcov: no such account")


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


def _account(row: Any) -> Account:
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

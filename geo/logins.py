"""Logging in and sessions: passwords checked, failures counted, locks, timeouts.

Rules
-----
* A wrong password adds one to the account's failed attempts; at ``login_max_failures`` the
  account is locked for ``login_lockout_min`` minutes and the count starts again. While
  locked, every password, the right one too, is refused without being checked.
* A right password clears the count, and the hash is renewed when argon2-cffi's defaults
  have changed since it was made. Disabled accounts and unknown usernames are refused
  (the app says the same as for a wrong password; an unknown name costs the same hashing
  time) and never lock, since there is nothing to lock. The demo accounts are unknown
  unless the demo is shown (``demo=True``). Their password is public (the README prints
  it), so it is compared directly, in constant time, rather than through argon2: hashing
  protects a secret, and a demo login then costs no hashing time.
* The password is checked outside any write lock (hashing takes a fraction of a second);
  the count is then updated in a transaction that reads the lock again, so two attempts at
  once are both counted and a lock set meanwhile is honoured.
* Every attempt is a ``login`` or ``failed_login`` row of the audit trail with its outcome
  (``ok``, ``wrong_password``, ``locked``, ``disabled``, ``unknown_user``), written with the
  change of the count.

Sessions (:func:`session_end`): a session with no action for ``session_idle_min`` minutes
ends (``idle_timeout``), and any session ends ``session_max_h`` hours after its login
(``session_limit``), whatever it does meanwhile. Times are UTC-aware; functions take
``now=`` so tests can inject a clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hmac
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo.accounts import (
    DEMO_PASSWORD,
    Account,
    Accounts,
    account_from_row,
    hasher_key,
    normalise_username,
)
from geo.audit import Actor, append, now_utc, utc_text
from geo.database import Connection
from geo.errors import AccountError
from geo.settings import Settings, resolve


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


def authenticate(
    accounts: Accounts,
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
    accounts : Accounts
        The workspace's accounts.
    username, password : str
        As typed.
    demo : bool
        Whether the demo is shown (else the demo accounts are refused as unknown).
    now : datetime, optional
        The time (UTC-aware); default the clock.
    settings : Settings, optional
        ``login_max_failures`` and ``login_lockout_min``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from geo.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     accounts = Accounts(Workspace(Path(folder)))
    ...     _ = accounts.add("Wang", "officer", "correct horse", beats=["B01"])
    ...     authenticate(accounts, "wang", "correct horse", demo=False).account.beats
    ('B01',)
    """
    cfg = resolve(settings)
    when = now or now_utc()
    try:
        name = normalise_username(username)
    except AccountError:
        name = unicodedata.normalize("NFKC", str(username)).strip()[:64] or "(blank)"
    stored = accounts.credentials(name)
    if stored is None or (stored[0].demo and not demo) or stored[0].disabled:
        dummy = _dummy_hash(accounts.hasher)
        _verify(accounts.hasher, dummy, password, at_once=cfg.password_checks_at_once)
        outcome = "unknown_user" if stored is None or stored[0].demo else "disabled"
        role = "none" if stored is None else stored[0].role
        _record(accounts, Actor(name, role), "failed_login", outcome, when)
        return Login(outcome)
    account, hashed = stored
    if account.locked(when):
        _record(accounts, account.actor, "failed_login", "locked", when)
        return Login("locked", locked_until=account.locked_until)
    if account.demo:  # the public demo password: nothing for a hash to protect
        right = hmac.compare_digest(password.encode(), DEMO_PASSWORD.encode())
    else:
        right = _verify(accounts.hasher, hashed, password, at_once=cfg.password_checks_at_once)
    with accounts.database.transaction(f"recording a login of {name!r}") as conn:
        row = conn.execute("SELECT * FROM accounts WHERE username = ?", (name,)).fetchone()
        current = account_from_row(row)
        if current.locked(when):  # locked by another attempt meanwhile
            append(conn, current.actor, "failed_login", "", "locked", now=when)
            return Login("locked", locked_until=current.locked_until)
        if not right:
            return _count_failure(conn, current, when, cfg)
        renewed = (
            accounts.hasher.hash(password) if accounts.hasher.check_needs_rehash(hashed) else None
        )
        conn.execute(
            "UPDATE accounts SET failed_attempts = 0, locked_until = NULL, "
            "password_hash = COALESCE(?, password_hash) WHERE username = ?",
            (renewed, name),
        )
        append(conn, current.actor, "login", "", "ok", now=when)
    return Login("ok", dataclasses.replace(current, failed_attempts=0, locked_until=None))


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


def _verify(hasher: PasswordHasher, hashed: str, password: str, *, at_once: int) -> bool:
    """Check ``password`` against ``hashed``, at most ``at_once`` checks at a time."""
    with password_checks(at_once):
        try:
            return bool(hasher.verify(hashed, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


@functools.cache
def password_checks(at_once: int) -> threading.BoundedSemaphore:
    """Return the process's gate of ``at_once`` password checks (one per value).

    argon2 releases the GIL and runs ``parallelism`` threads per check: fifty logins at
    once would be two hundred threads against each page's one.
    """
    return threading.BoundedSemaphore(max(1, at_once))


def _record(accounts: Accounts, actor: Actor, action: str, outcome: str, when: dt.datetime) -> None:
    with accounts.database.transaction(f"recording {action}") as conn:
        append(conn, actor, action, "", outcome, now=when)


def _count_failure(conn: Connection, account: Account, when: dt.datetime, cfg: Settings) -> Login:
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
    outcome = "wrong_password"
    if until is not None:
        outcome += f"; locked until {utc_text(until)}"
    append(conn, account.actor, "failed_login", "", outcome, now=when)
    return Login("wrong_password", locked_until=until)


_DUMMY_HASHES: dict[tuple[Any, ...], str] = {}
"""A hash of nothing anyone types, per hasher setup, made once per process."""


def _dummy_hash(hasher: PasswordHasher) -> str:
    """Return a hash of nothing anyone types, with ``hasher``'s parameters.

    An unknown name is checked against it, so it costs what a real account's check costs.
    """
    key = hasher_key(hasher)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hasher.hash("beatcov: no such account")
    return _DUMMY_HASHES[key]

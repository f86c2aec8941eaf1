"""Who is looking: the login page, the session's account, logout and the app's audit rows.

Nothing but the login page runs before a login (:func:`app.shell.build_navigation` offers
no other page), and the login page reads no data: it shows the use notice, the form, and
either the demo banner (when the demo accounts are active) or how to create the admin from
the command line (a workspace with data and no account).

A session (:class:`Session`, kept in ``st.session_state``) holds the username, the login
time and the time of the last run. On every full run :func:`current_account` reads the
account afresh and ends the session (recorded as a ``logout`` row with the reason) when the
account is gone or disabled, when a demo account meets real data, after
``session_idle_min`` without a run or ``session_max_h`` after the login
(:func:`geo.logins.session_end`). A small fragment in the sidebar (:func:`watch`) checks
the clock every minute, so a screen left open does not keep showing data after the idle
timeout.

Exports are recorded when the file is made (:func:`exporter`): Streamlit makes a download's
file only when it is asked for, in a thread of its own, so the workspace and the account
are bound when the button is drawn and the row is written before the file is returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import streamlit as st

from app import state
from app.i18n import t
from geo.accounts import DATA_ROLES, DEMO_ACCOUNTS, DEMO_PASSWORD, Account, Accounts
from geo.audit import SYSTEM, Actor, AuditLog, now_utc
from geo.errors import BeatcovError
from geo.logins import Login, authenticate, session_end
from geo.settings import DEFAULTS

SESSION_KEY: Final = "beatcov_session"
"""Session-state key of the logged-in :class:`Session`."""

NOTICE_KEY: Final = "beatcov_logged_out"
"""Session-state key of why the last session ended (shown once on the login page)."""

ACCOUNT_KEY: Final = "beatcov_account"
"""Session-state key of the account :func:`current_account` found in this run."""

VIEWED_KEY: Final = "beatcov_viewed_household"
"""Session-state key of the household whose details were last recorded as viewed."""

ADMIN_COMMAND: Final = "python -m analysis users add NAME --role admin"
"""How to create the first account (shown on the login page of a workspace without one)."""

WATCH_EVERY_S: Final = 60
"""Seconds between the sidebar's checks of the session's clock."""


@dataclass
class Session:
    """A logged-in session: who, when they logged in, when they last did something (UTC)."""

    username: str
    login_at: dt.datetime
    last_seen: dt.datetime


def accounts() -> Accounts:
    """Return the accounts of the app's workspace."""
    return Accounts(state.workspace())


def audit_log() -> AuditLog:
    """Return the audit trail of the app's workspace."""
    return AuditLog(state.workspace())


def demo_active() -> bool:
    """Tell whether the demo accounts may log in: the demo is shown and no real account exists."""
    return state.workspace().current_id() is None and not accounts().has_real_accounts()


def current_account(*, now: dt.datetime | None = None) -> Account | None:
    """Return the logged-in account of this session, or ``None`` (ending a stale session).

    Call once per full run: it moves the session's last activity to ``now``.
    """
    st.session_state.pop(ACCOUNT_KEY, None)
    session = st.session_state.get(SESSION_KEY)
    if not isinstance(session, Session):
        return None
    when = now or now_utc()
    account = accounts().get(session.username)
    if account is None:
        reason: str | None = "account_removed"
    elif account.disabled:
        reason = "disabled"
    elif account.demo and not demo_active():
        reason = "demo_ended"
    else:
        reason = session_end(session.login_at, session.last_seen, now=when, settings=DEFAULTS)
    if reason is not None:
        role = account.role if account is not None else "none"
        log_out(Actor(session.username, role), reason)
        return None
    session.last_seen = when
    st.session_state[ACCOUNT_KEY] = account
    return account


def actor() -> Actor:
    """Return the logged-in account of this run as an audit actor.

    Raises
    ------
    BeatcovError
        When no one is logged in (no page but the login page runs then).
    """
    account = st.session_state.get(ACCOUNT_KEY)
    if not isinstance(account, Account):
        msg = "no one is logged in: log in first"
        raise BeatcovError(msg)
    return account.actor


def may_clear_cache(session_state: Any) -> bool:
    """Tell whether a session may clear the shared caches: an admin or planner is logged in.

    Given the session's state by :func:`app._streamlit_compat.guard_clear_cache` (outside
    any script run), it reads the account :func:`current_account` left there, and refuses
    a session that has timed out since.
    """
    account = session_state[ACCOUNT_KEY] if ACCOUNT_KEY in session_state else None
    session = session_state[SESSION_KEY] if SESSION_KEY in session_state else None
    return (
        isinstance(account, Account)
        and account.role in DATA_ROLES
        and isinstance(session, Session)
        and session_end(session.login_at, session.last_seen, settings=DEFAULTS) is None
    )


def log_in(username: str, password: str) -> Login:
    """Check a login; on success start the session (the audit row is written either way)."""
    result = authenticate(accounts(), username, password, demo=demo_active(), settings=DEFAULTS)
    if result.ok and result.account is not None:
        when = now_utc()
        st.session_state[SESSION_KEY] = Session(result.account.username, when, when)
        st.session_state.pop(NOTICE_KEY, None)
        audit_log().prune(SYSTEM, settings=DEFAULTS)
    return result


def log_out(actor: Actor, reason: str = "ok") -> None:
    """End the session, recording why (``ok`` when the user asked)."""
    audit_log().record(actor, "logout", "", reason)
    for key in (SESSION_KEY, ACCOUNT_KEY, VIEWED_KEY):
        st.session_state.pop(key, None)
    if reason != "ok":
        st.session_state[NOTICE_KEY] = reason


def audited(target: str, build: Callable[[], bytes]) -> Callable[[], bytes]:
    """Return ``build`` for a download, recording the export when the file is made.

    The workspace and the logged-in account are bound now (the file is made later, in
    another thread, when the browser asks for it); the ``export`` row is written before
    the file is built, so no file leaves unrecorded.
    """
    log, who = audit_log(), actor()

    def export() -> bytes:
        log.record(who, "export", target)
        return build()

    return export


def record_view(who: Actor, household_id: str) -> None:
    """Record that ``who`` opened a household's details (once per household in a row)."""
    if st.session_state.get(VIEWED_KEY) == household_id:
        return
    audit_log().record(who, "view_household", f"household {household_id}")
    st.session_state[VIEWED_KEY] = household_id


# --------------------------------------------------------------------------- pages


def login_page() -> None:
    """Draw the login page: the use notice, the demo banner or the first-run advice, the form."""
    st.title(t("login.title"))
    st.warning(t("login.notice"))
    if reason := st.session_state.pop(NOTICE_KEY, None):
        st.info(t(f"login.ended_{reason}"))
    if demo_active():
        accounts().ensure_demo()
        names = ", ".join(f"`{name}`" for name in DEMO_ACCOUNTS)
        st.info(t("login.demo_banner", names=names, password=DEMO_PASSWORD))
    elif not accounts().has_real_accounts():
        st.error(t("login.no_admin", command=ADMIN_COMMAND))
        return
    with st.form("login_form", clear_on_submit=True):
        username = st.text_input(t("login.username"), key="login_username")
        password = st.text_input(t("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.submit"), type="primary", key="login_submit")
    if not submitted:
        return
    result = log_in(username, password)
    if result.ok:
        st.rerun()
    if result.locked_until is not None:
        until = result.locked_until.strftime("%H:%M")
        st.error(t("login.locked", until=until, minutes=f"{DEFAULTS.login_lockout_min:g}"))
    else:
        st.error(t("login.failed"))


@st.fragment(run_every=WATCH_EVERY_S)
def watch() -> None:
    """Every minute, end a session that has timed out (a full run draws the login page)."""
    session = st.session_state.get(SESSION_KEY)
    if isinstance(session, Session) and session_end(
        session.login_at, session.last_seen, settings=DEFAULTS
    ):
        st.rerun(scope="app")

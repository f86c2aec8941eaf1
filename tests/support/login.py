"""Log a test in as a user does: an AppTest session through the login page, a browser page
through the real form; and real accounts for tests that need one.

The demo accounts (``chief``, ``planner``, ``officer``, password ``beatcov-demo``) log in
while the app shows the embedded demo and the workspace has no real account; a test that
stores data or needs another binding makes a real account with :func:`add_account`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from streamlit.testing.v1 import AppTest

from geo.accounts import DEMO_PASSWORD, Account, Accounts
from geo.workspace import Workspace

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "test password 12345"
"""The password of accounts made by :func:`add_account` (not the public demo password)."""

__all__ = ["DEMO_PASSWORD", "PASSWORD", "add_account", "log_in", "log_in_browser", "logged_in"]


def add_account(
    folder: Path,
    username: str,
    role: str,
    *,
    beats: Iterable[str] = (),
    stations: Iterable[str] = (),
    password: str = PASSWORD,
) -> Account:
    """Create a real account in the workspace at ``folder`` (this ends the demo accounts)."""
    accounts = Accounts(Workspace(folder))
    return accounts.add(username, role, password, beats=beats, stations=stations)


def log_in(at: AppTest, username: str, password: str = DEMO_PASSWORD) -> AppTest:
    """Fill the login form of an AppTest that shows it, submit, and return the AppTest."""
    at.text_input(key="login_username").set_value(username)
    at.text_input(key="login_password").set_value(password)
    at.button(key="login_submit").click().run()
    return at


def logged_in(
    app: str, username: str, *, password: str = DEMO_PASSWORD, lang: str = "en"
) -> AppTest:
    """Return an AppTest of ``app`` logged in as ``username``, showing the landing page."""
    at = AppTest.from_file(app, default_timeout=300)
    at.session_state["lang"] = lang
    at.run()
    log_in(at, username, password)
    assert not at.exception, [e.value for e in at.exception]
    assert not [i for i in at.text_input if i.key == "login_password"], (
        f"{username} was not logged in: {[e.value for e in at.error]}"
    )
    return at


def log_in_browser(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log a browser page in through the real login form; return once the form is gone."""
    form = page.locator('[data-testid="stForm"]')
    form.wait_for(state="visible", timeout=120_000)
    form.locator('input[type="text"]').fill(username)
    form.locator('input[type="password"]').fill(password)
    form.locator('[data-testid="stBaseButton-primaryFormSubmit"]').click()
    form.wait_for(state="detached", timeout=180_000)

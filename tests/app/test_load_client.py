"""The websocket client of ``benchmarks/load.py`` speaks the protocol the served app expects.

The ``make run`` demo server (a workspace of its own, shared with the browser tests: see
``tests.conftest.ONE_SERVER``) and one session through
:class:`tests.support.stream.Client`: the login page offers nothing else, a wrong password
leaves it there, the demo officer lands on the Overview with an officer's pages, and a page
switch runs without an error. No time is checked: ``benchmarks/load.py`` measures.
"""

from __future__ import annotations

import asyncio

import pytest

from geo.accounts import DEMO_PASSWORD
from tests.support.server import Server
from tests.support.stream import LANDING, LOGIN_KEYS, Client, ProtocolError, Run

TIMEOUT_S = 300.0
"""Longest run allowed (a cold analysis on a busy machine); a bound, not a measurement."""


async def walk(url: str) -> dict[str, object]:
    """Open the app, fail a login, log the demo officer in, open My beat; return what was seen."""
    client = await Client.open(url, timeout=TIMEOUT_S)
    seen: dict[str, object] = {}
    try:
        runs: list[Run] = [await client.run("", timeout=TIMEOUT_S)]
        seen["before"] = sorted(client.pages)
        login_page = client.pages.get(LANDING)
        seen["login_widgets"] = sorted(key for key in LOGIN_KEYS if key in client.widget_ids)
        with pytest.raises(ProtocolError, match="officer was not logged in"):
            await client.log_in("officer", "not the password", timeout=TIMEOUT_S)
        seen["after_wrong_password"] = sorted(client.pages)
        runs.append(await client.log_in("officer", DEMO_PASSWORD, timeout=TIMEOUT_S))
        seen["after_login"] = sorted(client.pages)
        seen["landing_is_another_page"] = client.pages.get(LANDING) != login_page
        runs.append(await client.run("my-beat", timeout=TIMEOUT_S))
        seen["errors"] = [error for run in runs for error in run.errors]
        seen["empty_runs"] = [run.page for run in runs if run.messages == 0]
    finally:
        await client.close()
    return seen


@pytest.mark.server
def test_a_websocket_session_logs_in_and_switches_pages(demo_server: Server) -> None:
    seen = asyncio.run(walk(demo_server.url))
    attempts = demo_server.external_attempts()
    assert seen == {
        "before": [LANDING],  # the login page alone
        "login_widgets": sorted(LOGIN_KEYS),
        "after_wrong_password": [LANDING],
        "after_login": [LANDING, "gaps", "my-beat", "visit-quality"],
        "landing_is_another_page": True,
        "errors": [],
        "empty_runs": [],
    }
    assert attempts == []

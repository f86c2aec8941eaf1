"""In chromium: the shared caches are cleared only by an admin or planner.

Streamlit clears every cache of the server, for all users, and the asking session's state,
when a browser sends ``clear_cache`` on its websocket (the main menu's "Clear cache", or the
message written by hand, as an attacker would). The test writes that message on the page's
own websocket: sent by the demo officer it changes nothing (still logged in on the next
click); sent by the demo planner it goes through, and Streamlit's clearing of that session's
state logs the planner out.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg

from tests.support.browser import chromium, require_chromium, run_script, wait_for_streamlit
from tests.support.login import log_in_browser
from tests.support.server import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Page, WebSocketRoute


def clear_cache_message() -> bytes:
    message = BackMsg()
    message.clear_cache = True
    return message.SerializeToString()


def open_gaps(page: Page) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Gaps").first.click()
    wait_for_streamlit(page, timeout_ms=120_000)


@pytest.mark.browser
@pytest.mark.server
def test_only_a_planner_or_admin_clears_the_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_chromium()
    monkeypatch.setenv("BEATCOV_WORKSPACE", str(tmp_path / "workspace"))
    servers: list[WebSocketRoute] = []

    def keep(socket: WebSocketRoute) -> None:
        servers.append(socket.connect_to_server())  # messages still flow both ways

    with (
        run_script(ROOT / "streamlit_app.py", tmp_path) as server,
        chromium(tmp_path) as browser,
    ):
        page = browser.page
        page.route_web_socket("**/_stcore/stream", keep)
        page.goto(server.url)
        wait_for_streamlit(page, timeout_ms=180_000)
        log_in_browser(page, "officer")
        wait_for_streamlit(page, timeout_ms=180_000)
        assert servers, "the page's websocket was not seen"
        servers[-1].send(clear_cache_message())
        open_gaps(page)
        page.get_by_role("heading", name="Gaps", level=1).wait_for(timeout=60_000)
        assert page.get_by_text("Logged in as officer", exact=False).count() == 1

        page.locator(".st-key-logout button").click()
        log_in_browser(page, "planner")
        wait_for_streamlit(page, timeout_ms=180_000)
        page.get_by_role("heading", name="Overview", level=1).wait_for(timeout=60_000)
        servers[-1].send(clear_cache_message())
        page.wait_for_timeout(1_000)  # the message is handled before the click's rerun
        open_gaps(page)  # the session's state was cleared with the caches: logged out
        page.get_by_role("heading", name="Log in", level=1).wait_for(timeout=60_000)
        assert browser.page_errors == []
        assert browser.external_requests() == []
    assert server.external_attempts() == []
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert log.count("a session that may not clear the caches asked to; ignored") == 1

"""A real browser for tests: Debian's chromium driven by Playwright, cut off from the internet.

Every request the browser makes to a host other than ``127.0.0.1``, ``localhost`` or
``[::1]`` is refused and recorded, so a test can assert the app reached nothing outside.
The browser is Debian's ``/usr/bin/chromium``; it is never downloaded (no
``playwright install``).

The refusal is chromium's own: its proxy is a loopback port that listens to nothing (a
socket bound and never listening, so no one else can take the port), and only the three
loopback names bypass it, so every other HTTP(S) request and WebSocket fails in the
network stack; names other than those do not even resolve (``--host-resolver-rules``).
The record is Playwright's ``request`` and ``websocket`` events, which report every
attempt, refused or not. Nothing is intercepted: a route (``context.route``) would pause
every request on a round trip through Playwright's driver and this process, and would turn
the browser's HTTP cache off, so each page would fetch every script again.

Typical use::

    with run_script(script, tmp_path) as server, chromium(tmp_path) as browser:
        browser.page.goto(server.url)
        wait_for_streamlit(browser.page)
        frame = leaflet_frame(browser.page, paths=3)
        ...
        assert browser.external_requests() == []
        assert server.external_attempts() == []

A module driving several pages launches chromium once (``with launch(tmp) as shared``) and
opens a fresh context per test (``chromium(tmp_path, browser=shared)``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.support.server import ROOT, Server, free_port, serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser as PlaywrightBrowser
    from playwright.sync_api import BrowserContext, Frame, Page, Request, WebSocket

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium, the only browser the tests use."""

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # belt and braces: names other than localhost do not even resolve
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]",
    # only these bypass the dead proxy (:func:`launch`); "<-loopback>" drops chromium's
    # implicit bypass list, which would let link-local hosts (169.254.0.0/16) through
    "--proxy-bypass-list=<-loopback>;localhost;127.0.0.1;[::1]",
]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts the browser may reach (``[::1]`` appears as ``::1`` once parsed)."""

FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
"""The iframe streamlit-folium draws its map in."""

ARTIFACTS = ROOT / "test-artifacts"
"""Where browser tests save screenshots (gitignored)."""

SCREENSHOT_QUALITY = 85
"""JPEG quality of the screenshots (:func:`screenshot`)."""


def require_chromium() -> Path:
    """Return ``/usr/bin/chromium``; skip the test if it is missing, unless ``CI`` is set.

    On CI a missing browser is a broken machine, so the test fails instead of skipping.
    """
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    msg = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(msg + " -- CI is set, so this is a failure, not a skip")
    pytest.skip(msg)


def is_local(url: str) -> bool:
    """Tell whether ``url`` stays on this machine (or is no network request at all)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https", "ws", "wss", "ftp"}:
        return True  # data:, blob:, about:, chrome-error: ... never leave the browser
    return parts.hostname is not None and parts.hostname.lower() in LOCAL_HOSTS


@dataclass
class Browser:
    """A running, offline chromium with one page."""

    context: BrowserContext
    page: Page
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def external_requests(self) -> list[str]:
        """Return every non-local URL the browser tried to reach (all were refused)."""
        return list(self.blocked)


@contextlib.contextmanager
def launch(workdir: Path) -> Iterator[PlaywrightBrowser]:
    """Start Playwright and Debian's chromium (``HOME`` in ``workdir``); yield the browser.

    Launching costs about a CPU-second (chromium and Playwright's driver); a test module
    that drives several pages keeps one launch and gives each test its own context, as
    :func:`chromium` does with ``browser=``.
    """
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    proxies = {"http_proxy", "https_proxy", "all_proxy"}
    env: dict[str, str | float | bool] = {
        k: v for k, v in os.environ.items() if k.lower() not in proxies
    }
    env["HOME"] = str(workdir)
    with dead_port() as port, sync_playwright() as playwright:
        args = [*CHROMIUM_ARGS, f"--proxy-server=http://127.0.0.1:{port}"]
        browser = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=args, env=env
        )
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def dead_port() -> Iterator[int]:
    """Yield a loopback port that refuses every connection while the context lasts.

    The socket is bound, so no other process can listen on the port, and never listens,
    so the kernel answers each connection attempt with a reset.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@contextlib.contextmanager
def chromium(
    workdir: Path,
    *,
    width: int = 1280,
    height: int = 900,
    browser: PlaywrightBrowser | None = None,
) -> Iterator[Browser]:
    """Open a fresh, offline browser context with one page; yield a :class:`Browser`.

    The context is launched in ``workdir`` (:func:`launch`), or opened in ``browser``, one
    launched already: either way it starts empty (no cookies, storage or cache of another
    context) and is closed after. Every HTTP(S) request and WebSocket to a non-loopback
    host is refused (by chromium's dead proxy, :func:`launch`) and counted.
    """
    if browser is None:
        with (
            launch(workdir) as launched,
            chromium(workdir, width=width, height=height, browser=launched) as opened,
        ):
            yield opened
        return
    context = browser.new_context(
        viewport={"width": width, "height": height}, service_workers="block"
    )
    try:
        blocked: list[str] = []

        def record(attempt: Request | WebSocket) -> None:
            if not is_local(attempt.url):
                blocked.append(attempt.url)

        def watch(page: Page) -> None:
            page.on("websocket", record)

        context.on("request", record)  # every frame's and page's requests
        context.on("page", watch)  # this page, and any a script opens
        opened = Browser(context=context, page=context.new_page(), blocked=blocked)
        opened.page.on(
            "console",
            lambda m: opened.console_errors.append(m.text) if m.type == "error" else None,
        )
        opened.page.on("pageerror", lambda e: opened.page_errors.append(str(e)))
        yield opened
    finally:
        context.close()


def wait_for_streamlit(page: Page, *, timeout_ms: float = 60_000) -> None:
    """Wait until Streamlit is connected, has finished running the script and shows it.

    Checked in the page every 100 ms: Playwright's default, a check on every animation
    frame, keeps chromium drawing 60 frames a second while it waits (about 0.06 CPU-s per
    second of waiting, six times the cost of a timer).
    """
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app !== null
                && app.getAttribute('data-test-connection-state') === 'CONNECTED'
                && app.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelector('[data-testid="stStatusWidget"]') === null;
        }""",
        polling=100,
        timeout=timeout_ms,
    )
    page.locator('[data-testid="stMainBlockContainer"]').wait_for(
        state="visible", timeout=timeout_ms
    )


MAP_STATE = """([selector, paths]) => {
    const iframes = document.querySelectorAll(selector);
    const iframe = iframes.length ? iframes[iframes.length - 1] : null;
    const win = iframe ? iframe.contentWindow : null;
    const doc = iframe ? iframe.contentDocument : null;
    const state = {
        iframes: iframes.length,
        src: iframe ? iframe.getAttribute('src') : null,
        leaflet: win ? typeof win.L : null,
        map: win ? win.map !== undefined : null,
        container: doc ? doc.querySelector('.leaflet-container') !== null : null,
        drawn: doc ? doc.querySelectorAll('svg path.leaflet-interactive').length : null,
        scripts: doc ? [...doc.scripts].map(s => s.src).filter(Boolean) : null,
        loaded: win ? win.performance.getEntriesByType('resource')
            .map(e => [e.name, e.responseStatus]) : null,
    };
    state.ready = state.leaflet === 'object' && state.map === true && state.container
        && state.drawn >= paths;
    window.beatcovMap = state;
    return state.ready;
}"""
"""Whether the page's last streamlit-folium iframe has Leaflet, streamlit-folium's
``window.map``, a ``.leaflet-container`` and ``paths`` interactive SVG paths; what it saw
(with the iframe's resource loads and their HTTP status, 0 for a failed one) is left in
``window.beatcovMap`` for the error message."""


def leaflet_frame(page: Page, *, paths: int = 1, timeout_ms: float = 60_000) -> Frame:
    """Return the streamlit-folium iframe once Leaflet has drawn ``paths`` interactive paths.

    Waits for the iframe, for Leaflet (``window.L``) and streamlit-folium's ``window.map``,
    for ``.leaflet-container`` and for at least ``paths`` SVG ``path.leaflet-interactive``.
    Streamlit may replace the map's iframe while a page settles (a handle to a replaced
    iframe would wait forever), so the page's last map iframe is looked up afresh on every
    poll; the polls run in the page every 100 ms (the iframe is the app's own origin, so its
    document is readable there). Past ``timeout_ms`` the error says what the iframe had.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        left_ms = max(1_000.0, (deadline - time.monotonic()) * 1000)
        try:
            page.wait_for_function(
                MAP_STATE, arg=[FOLIUM_IFRAME, paths], polling=100, timeout=left_ms
            )
        except PlaywrightTimeoutError:
            state = page.evaluate("() => window.beatcovMap")
            msg = f"no map with {paths} drawn paths within {timeout_ms / 1000:g} s: {state}"
            raise AssertionError(msg) from None
        iframes = page.query_selector_all(FOLIUM_IFRAME)
        found = iframes[-1].content_frame() if iframes else None
        if found is not None and not found.is_detached():
            with contextlib.suppress(PlaywrightTimeoutError):
                found.wait_for_selector(".leaflet-container", state="visible", timeout=5_000)
                return found
        # the iframe was replaced as it was taken: look again, within the time left
        if time.monotonic() > deadline:
            msg = f"the map's iframe kept being replaced for {timeout_ms / 1000:g} s"
            raise AssertionError(msg)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot to ``test-artifacts/<name>.jpg`` and return its path.

    JPEG at quality 85: for people to look at, and half the browser's CPU of a PNG.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.jpg"
    (ARTIFACTS / f"{name}.png").unlink(missing_ok=True)  # an older run's picture of it
    page.screenshot(path=str(path), full_page=True, type="jpeg", quality=SCREENSHOT_QUALITY)
    return path


@contextlib.contextmanager
def run_script(script: Path, workdir: Path, *, startup_s: float = 120.0) -> Iterator[Server]:
    """Serve a Streamlit ``script`` on a free loopback port, guarded from the network.

    Runs ``.venv/bin/python -m streamlit run <script>`` from the repository root through
    :func:`tests.support.server.serve` (network guard, health wait, clean stop).
    """
    port = free_port()
    python = ROOT / ".venv" / "bin" / "python"
    command = [
        str(python if python.exists() else sys.executable),
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    with serve(command, port, workdir, startup_s=startup_s) as server:
        yield server

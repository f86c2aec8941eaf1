"""The pages in a real browser, served by ``make run`` on the demo, cut off from the internet.

One server for the module (starting it and analysing the demo in it is the slow part; the
same server serves tests/app/test_server.py and tests/app/test_load_client.py), and
one long walk through the app on it: maps draw their shapes, a click on a block on Gaps opens that
block's households, the language switch turns every page Chinese, nothing outside the
machine is ever requested, every page is photographed in both languages, and the render
times are written to ``test-artifacts/timings.json`` (reported, never asserted). Then a
chief dismisses a flagged visit on the same server, in a browser session of its own; the
walk changes nothing stored, and the dismissal's block figures do not enter the walk's
checks, so the two hold in either order; on the way, the chief's websocket asks by hand to
clear the shared caches, and is refused. Last, on the same server, a planner's websocket
asks the same and the caches are cleared (it runs last because clearing makes the next page
analyse the demo again; any order still holds).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from streamlit.proto.BackMsg_pb2 import BackMsg

from analysis.pipeline import Analysis
from app.colors import PRIORITY_PALETTE
from app.headers import IMMUTABLE_CACHE, IMMUTABLE_PATH
from app.i18n import translate
from app.views import worst_gaps
from geo.audit import AuditLog
from geo.importer import Dataset
from geo.workspace import Workspace
from tests.support.browser import (
    ARTIFACTS,
    FOLIUM_IFRAME,
    chromium,
    leaflet_frame,
    require_chromium,
    screenshot,
    wait_for_streamlit,
)
from tests.support.login import log_in_browser
from tests.support.server import Server

if TYPE_CHECKING:
    from playwright.sync_api import Browser as Launched
    from playwright.sync_api import Page

WIDTH, HEIGHT = 1280, 800  # the chief's first screen: what shows without scrolling

# page key, catalogue key of its title, whether it draws a map
PAGES = [
    ("overview", "overview.title", True),
    ("gaps", "gaps.title", True),
    ("my_beat", "my_beat.title", True),
    ("quality", "quality.title", True),
    ("data", "data.title", False),
]
NAV_TITLE = {
    "overview": "page.overview",
    "gaps": "page.gaps",
    "my_beat": "page.my_beat",
    "quality": "page.quality",
    "data": "page.data",
}

# a point inside a visible, unobstructed block: sample the path's box and keep a point
# that is in its fill and on top at that spot; returns the click position relative to the
# path's bounding box, or null
INNER_POINT = """
path => {
    const box = path.getBBox();
    const matrix = path.getScreenCTM();
    const rect = path.getBoundingClientRect();
    for (let i = 1; i < 12; i++) {
        for (let j = 1; j < 12; j++) {
            const p = new DOMPoint(box.x + box.width * i / 12, box.y + box.height * j / 12);
            if (!path.isPointInFill(p)) continue;
            const s = p.matrixTransform(matrix);
            if (document.elementFromPoint(s.x, s.y) !== path) continue;
            return {x: s.x - rect.left, y: s.y - rect.top, area: box.width * box.height};
        }
    }
    return null;
}
"""


def title_of(page_key: str, lang: str) -> str:
    return translate(dict((k, t) for k, t, _ in PAGES)[page_key], lang)


def open_page(browser_page, page_key: str, lang: str, *, has_map: bool) -> float:  # noqa: ANN001
    """Click the page in the sidebar; return seconds until it is drawn (map paths shown)."""
    start = time.perf_counter()
    link = browser_page.locator('[data-testid="stSidebarNav"] a').filter(
        has_text=translate(NAV_TITLE[page_key], lang)
    )
    link.first.click()
    browser_page.get_by_role("heading", name=title_of(page_key, lang), level=1).wait_for(
        timeout=120_000
    )
    wait_for_streamlit(browser_page, timeout_ms=120_000)
    if has_map:
        map_frame(browser_page, paths=1)
    return time.perf_counter() - start


def photograph(browser_page, name: str) -> str:  # noqa: ANN001
    """Screenshot the whole page: Streamlit scrolls inside its own container, so the
    viewport is stretched to the content's height for the picture, then put back."""
    height = browser_page.evaluate(
        "() => { const b = document.querySelector('[data-testid=stMainBlockContainer]');"
        " const r = b.getBoundingClientRect(); return Math.ceil(r.top + b.scrollHeight); }"
    )
    browser_page.set_viewport_size({"width": WIDTH, "height": min(max(height, HEIGHT), 8000)})
    wait_for_streamlit(browser_page)
    path = screenshot(browser_page, name)
    browser_page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    return str(path)


def map_frame(browser_page, *, paths: int = 1, timeout_s: float = 180.0):  # noqa: ANN001, ANN201
    """Return the page's map frame once Leaflet drew ``paths`` interactive paths
    (:func:`~tests.support.browser.leaflet_frame`, with the demo's longer time)."""
    return leaflet_frame(browser_page, paths=paths, timeout_ms=timeout_s * 1000)


SETTLED = """([token, quietMs]) => {
    const state = Array.from(document.querySelectorAll('svg path.leaflet-interactive'))
        .map(p => p.getAttribute('d')).join('|');
    const now = performance.now();
    const last = window.beatcovSettle;
    if (last === undefined || last.token !== token || last.state !== state) {
        window.beatcovSettle = {token, state, since: now};
        return false;
    }
    return now - last.since >= quietMs;
}"""
"""Whether the map's paths (their shapes) are unchanged for ``quietMs`` since this wait
(``token``) first looked."""


def settle(frame, *, quiet_s: float = 1.0, timeout_s: float = 60.0) -> None:  # noqa: ANN001
    """Wait until the map's paths stop changing for ``quiet_s`` (layers drawn, view fitted),
    so a point found free under the pointer stays free when it is hovered or clicked.

    Compared in the frame every 100 ms (not sent here); past ``timeout_s`` it goes on.
    """
    with contextlib.suppress(PlaywrightTimeoutError):
        frame.wait_for_function(
            SETTLED,
            arg=[time.monotonic_ns(), quiet_s * 1000],
            polling=100,
            timeout=timeout_s * 1000,
        )


def svg_paths(browser_page) -> int:  # noqa: ANN001
    frame = map_frame(browser_page, paths=1)
    return int(frame.locator("svg path.leaflet-interactive").count())


@pytest.fixture(scope="module")
def server(demo_server: Server) -> Iterator[Server]:
    """``make run`` on the demo with a workspace of its own (shared with the other files of
    ``tests.conftest.ONE_SERVER``), for every test here.

    Each test asserts the server attempted nothing outside; once they are done, it is asked
    again.
    """
    require_chromium()
    yield demo_server
    assert demo_server.external_attempts() == []


@pytest.mark.browser
@pytest.mark.server
def test_pages_in_chromium(
    server: Server,
    launched: Launched,
    demo_data: Dataset,
    demo_analysis: Analysis,
    tmp_path: Path,
) -> None:
    timings: dict[str, float] = {}
    shots: list[str] = []
    blocks = demo_analysis.blocks
    drawn = int(blocks.geometry.notna().sum())  # not the "outside:" households' pseudo-blocks
    top3 = worst_gaps(blocks, count=3)["name"].tolist()
    received: list[int] = []  # sizes of the websocket messages the browser received
    with chromium(tmp_path, width=WIDTH, height=HEIGHT, browser=launched) as browser:
        page = browser.page
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: received.append(len(f))))
        files: list[str] = []  # the map files fetched (streets, blocks, beats: app.map_files)
        page.on("request", lambda r: files.append(r.url) if IMMUTABLE_PATH in r.url else None)

        # first full render of the Overview: login to map paths visible (cold server)
        page.goto(server.url)
        wait_for_streamlit(page, timeout_ms=180_000)
        start = time.perf_counter()
        log_in_browser(page, "planner")  # the demo planner opens every page but Audit
        wait_for_streamlit(page, timeout_ms=180_000)
        # the six beats' outlines and every block (labels and numbers are HTML markers)
        map_frame(page, paths=6 + drawn)
        timings["overview_first_render_s"] = time.perf_counter() - start
        assert svg_paths(page) == 6 + drawn
        frame = map_frame(page)
        assert (
            "© OpenStreetMap contributors"
            in frame.locator(".leaflet-control-attribution").inner_text()
        )
        # Nanjing's streets: each beat labelled with its name and coverage (汉中路警务区 · 83%)
        labels = frame.get_by_text(re.compile(r"[\u4e00-\u9fff]+警务区 · \d+%"))
        assert labels.count() == 6
        assert {labels.nth(i).inner_text().split(" · ")[0] for i in range(6)} == set(
            demo_data.beats["name"]
        )
        # the worst gaps, named by their streets, numbered on the map and listed beside it,
        # without scrolling at 1280x800
        assert_above_the_fold(page, top3)
        for rank in ("1", "2", "3", "4", "5"):
            assert frame.get_by_text(rank, exact=True).count() >= 1
        shots.append(photograph(page, "overview_en"))

        # every other page once (warm caches for the demo's window after the Overview); on
        # Gaps, a click on a block opens its households
        for key, _, has_map in PAGES[1:]:
            timings[f"first_switch_to_{key}_s"] = open_page(page, key, "en", has_map=has_map)
            if has_map:
                assert svg_paths(page) > 0, key
            shots.append(photograph(page, f"{key}_en"))
            if key == "gaps":
                timings["gaps_click_to_households_s"] = click_a_block(page, demo_analysis)
                shots.append(photograph(page, "gaps_clicked_en"))
        # (warm switches are measured by benchmarks/load.py, not here)

        # Chinese: switch the language on the Data page, which is then the Data page in
        # Chinese, and photograph every page (the others opened from the sidebar)
        start = time.perf_counter()
        page.locator('[data-testid="stSidebar"]').get_by_text("中文", exact=True).click()
        page.get_by_role("heading", name=title_of("data", "zh"), level=1).wait_for()
        wait_for_streamlit(page)
        timings["zh_switch_to_data_s"] = time.perf_counter() - start
        assert page.locator(FOLIUM_IFRAME).count() == 0  # Data page: no map
        # Streamlit's own drop-zone texts are drawn in Chinese by our style sheet
        zone = page.locator('.st-key-data_file_households [data-testid="stFileUploaderDropzone"]')
        drawn = zone.evaluate(DROPZONE_TEXTS)
        assert drawn["button"] == ["0px", '"上传"'], drawn
        assert drawn["limit"][0] == "0px", drawn
        assert drawn["limit"][1].startswith('"每个文件不超过 200 MB • CSV'), drawn
        sent: dict[str, int] = {}
        for key, _, has_map in [PAGES[-1], *PAGES[:-1]]:  # Data first: shown already
            if key != "data":
                before = sum(received)
                timings[f"zh_switch_to_{key}_s"] = open_page(page, key, "zh", has_map=has_map)
                sent[key] = sum(received) - before
            if has_map:
                assert svg_paths(page) > 0, key
            if key == "overview":
                assert_above_the_fold(page, top3)
            assert page.get_by_text("© OpenStreetMap 贡献者", exact=False).count() >= 1
            shots.append(photograph(page, f"{key}_zh"))

        # back to the Overview three pages later: the browser still holds its map and tables
        # (maxCachedMessageAge), so the server sends references, not the elements again
        before = sum(received)
        open_page(page, "overview", "zh", has_map=True)
        again = sum(received) - before
        # (the map's shapes come from files fetched once, so the map itself is ~35 kB now)
        assert sent["overview"] > 50_000 and again < sent["overview"] / 2, (sent, again)
        # every map file was fetched once over the whole walk (five maps, two languages, a
        # click), and the server tells the browser to keep it
        assert files and Counter(files).most_common(1)[0][1] == 1, Counter(files)
        kept = page.request.get(files[0])
        assert kept.ok and kept.headers["cache-control"] == IMMUTABLE_CACHE
        assert browser.page_errors == []
        assert browser.external_requests() == []
    assert server.external_attempts() == []

    ARTIFACTS.mkdir(exist_ok=True)
    report = {"seconds": {k: round(v, 3) for k, v in timings.items()}, "screenshots": shots}
    (ARTIFACTS / "timings.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["seconds"], indent=2))
    assert all(Path(s).is_file() for s in shots)


def click_a_block(page: Page, now: Analysis) -> float:
    """On the Gaps page, click the largest block free under the pointer; check that its
    households appear (``now``: the demo analysed directly) and return the seconds from the
    click until they are drawn."""
    frame = map_frame(page, paths=1)
    settle(frame)  # the residents' marks sit on top of the blocks once drawn
    blocks = frame.locator("svg path.leaflet-interactive")
    # every path's fill and free point, in one call (not one round trip per path)
    found = blocks.evaluate_all(
        f"paths => paths.map(path => [path.getAttribute('fill'), ({INNER_POINT})(path)])"
    )
    candidates = [
        (spot["area"], i, spot)
        for i, (fill, spot) in enumerate(found)
        if fill in PRIORITY_PALETTE and spot is not None  # not a beat outline
    ]
    assert candidates, "no clickable block on the Gaps map"
    _, index, spot = max(candidates)
    target = blocks.nth(index)
    target.hover(position={"x": spot["x"], "y": spot["y"]})
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible")
    tip = tooltip.inner_text()
    block_id = re.search(r"^Block\s+(\S+)$", tip, flags=re.MULTILINE).group(1)
    name = now.blocks.set_index("block_id").loc[block_id, "name"]
    households = int(re.search(r"Households\s+(\d+)", tip).group(1))
    start = time.perf_counter()
    target.click(position={"x": spot["x"], "y": spot["y"]})
    heading = page.get_by_role("heading", name=f"Households in block {name}")
    heading.wait_for(timeout=60_000)
    wait_for_streamlit(page)
    seconds = time.perf_counter() - start
    table = page.locator(".st-key-gaps_households [data-testid='stDataFrame']")
    table.wait_for(state="visible")
    assert page.get_by_text(f"{households} households, not yet contacted first.").count() == 1
    rows = table.locator("[role='grid']").first.get_attribute("aria-rowcount")
    assert rows is not None and int(rows) == households + 1  # header row + households
    assert page.locator(".st-key-gaps_history [data-testid='stDataFrame']").count() == 1
    return seconds


DROPZONE_TEXTS = """zone => {
    const drawn = el => [getComputedStyle(el).fontSize, getComputedStyle(el, '::after').content];
    return {
        button: drawn(zone.querySelector('button [data-testid=stMarkdownContainer] p')),
        limit: drawn(zone.querySelector('[data-testid=stFileUploaderDropzoneInstructions] span')),
    };
}"""
"""A drop zone's button and limit texts: (font size of Streamlit's text, our ::after text)."""


def assert_above_the_fold(browser_page, names: list[str]) -> None:  # noqa: ANN001
    """Each of ``names`` is listed on the page and visible without scrolling."""
    for rank, name in enumerate(names, start=1):
        item = browser_page.get_by_text(f"{rank}. {name}", exact=False).first
        item.wait_for(state="visible", timeout=60_000)
        box = item.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, (
            name,
            box,
        )


def flagged_contact(now: Analysis) -> tuple[str, str, int, int]:
    """A not-counted contact at a household with no counted contact, in the demo's window
    (``now``, the demo analysed directly): its visit id, its block, and the block's
    contacted households and households."""
    visits = now.visits.merge(now.households[["household_id", "contacted", "block_id"]])
    found = visits[
        (visits["status"] == "not_counted")
        & (visits["outcome"] == "contact")
        & visits["in_window"]
        & ~visits["contacted"]
    ].sort_values("visit_id")
    assert len(found), "the demo has no flagged contact whose dismissal would count"
    visit = found.iloc[0]
    block = now.blocks.set_index("block_id").loc[visit["block_id"]]
    return (
        str(visit["visit_id"]),
        str(visit["block_id"]),
        int(block["contacted_households"]),
        int(block["households"]),
    )


def metric_value(browser_page, label: str) -> str:  # noqa: ANN001
    metric = browser_page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


@pytest.mark.browser
@pytest.mark.server
def test_chief_dismisses_a_visit_in_chromium(
    server: Server, launched: Launched, demo_analysis: Analysis, tmp_path: Path
) -> None:
    """A chief logs in through the real form, chooses a flagged visit on Visit quality,
    dismisses it (the block gains a household), and finds the decision on the Audit page.

    On the way, the chief's own websocket asks the server to clear the shared caches by
    hand (the message written as an attacker would): a chief may not, so the server
    refuses it, logs the refusal, and the chief is still logged in on the next click
    (:func:`test_only_a_planner_or_admin_clears_the_caches` sends it as a planner).
    """
    visit_id, block_id, contacted, households = flagged_contact(demo_analysis)
    name = demo_analysis.blocks.set_index("block_id").loc[block_id, "name"]
    coverage = f"Coverage of block {name}"
    log_path = server.workdir / "server.log"
    refusals = log_path.read_text(errors="replace").count(REFUSED_CLEAR)
    with chromium(tmp_path, width=WIDTH, height=HEIGHT, browser=launched) as browser:
        page = browser.page
        page.add_init_script(KEEP_SOCKETS)
        page.goto(server.url)
        wait_for_streamlit(page, timeout_ms=180_000)
        # the login page through the real form: the use notice and the demo banner, no data
        page.get_by_role("heading", name="Log in", level=1).wait_for()
        assert page.get_by_text("Authorised police use only", exact=False).count() == 1
        assert page.get_by_text("Demo accounts, for the demo only", exact=False).count() == 1
        assert page.locator(FOLIUM_IFRAME).count() == 0
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        login_shot = photograph(page, "login_en")
        log_in_browser(page, "chief")
        wait_for_streamlit(page, timeout_ms=180_000)
        assert page.get_by_text("Logged in as chief", exact=False).count() == 1
        send_on_socket(page, clear_cache_message())  # refused: a chief may not clear caches
        open_page(page, "quality", "en", has_map=True)  # the next click: still logged in
        assert page.get_by_text("Logged in as chief", exact=False).count() == 1

        # choose the visit in the selector (typing filters the options)
        chooser = page.locator(".st-key-quality_visit input[role='combobox']")
        chooser.click()
        chooser.fill(visit_id)
        page.get_by_role("option").filter(has_text=visit_id).first.click()
        page.get_by_text(coverage).wait_for(timeout=60_000)
        wait_for_streamlit(page)
        assert metric_value(page, coverage) == f"{contacted / households:.1%}"
        # the close-up map: the officer's path, the GPS point joined to the door
        assert page.locator(FOLIUM_IFRAME).count() == 2
        close_up = page.locator(FOLIUM_IFRAME).nth(1).content_frame
        close_up.locator("svg path.leaflet-interactive").first.wait_for(timeout=60_000)
        assert close_up.locator("svg path.leaflet-interactive").count() >= 3
        shots = [login_shot, photograph(page, "quality_visit_chosen_en")]

        # dismiss: the decision is stored, the analysis re-run, the block gains a household
        page.locator(".st-key-quality_dismiss button").click()
        page.get_by_text("dismissed: counted — by chief", exact=False).wait_for(timeout=120_000)
        wait_for_streamlit(page, timeout_ms=120_000)
        assert metric_value(page, coverage) == f"{(contacted + 1) / households:.1%}"
        assert metric_value(page, "Decided by a chief") == "1"
        assert page.locator(".st-key-quality_dismiss button").is_disabled()
        shots.append(photograph(page, "quality_visit_dismissed_en"))

        # the decision is on the Audit page, and the chain verifies
        link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Audit")
        link.first.click()
        page.get_by_role("heading", name="Audit trail", level=1).wait_for(timeout=60_000)
        wait_for_streamlit(page)
        assert page.get_by_text("The chain verifies", exact=False).count() == 1
        table = page.locator(".st-key-audit_table [data-testid='stDataFrame']")
        table.wait_for(state="visible")
        rows = table.locator("[role='grid']").first.get_attribute("aria-rowcount")
        # the header and every row of the server's audit trail (other tests on this server
        # log in too), the newest being the chief's dismissal of this visit
        log = AuditLog(Workspace(server.workspace)).rows()
        assert rows is not None and int(rows) == len(log) + 1
        assert log.iloc[-1][["username", "action", "target"]].tolist() == [
            "chief",
            "review",
            f"visit {visit_id}: dismissed",
        ]
        shots.append(photograph(page, "audit_en"))

        assert browser.page_errors == []
        assert browser.external_requests() == []
    assert server.external_attempts() == []
    assert all(Path(s).is_file() for s in shots)
    assert log_path.read_text(errors="replace").count(REFUSED_CLEAR) == refusals + 1


KEEP_SOCKETS = """(() => {
    const Native = window.WebSocket;
    const kept = (window.beatcovSockets = []);
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            kept.push(this);
        }
    };
})()"""
"""An init script that keeps every websocket the page opens in ``window.beatcovSockets``
(the page's own objects, untouched), for :func:`send_on_socket` to write on. Nothing sits
between the page and the server: a ``page.route_web_socket`` would carry every message
through Playwright's driver and a stand-in socket in the page."""


def send_on_socket(page: Page, message: bytes) -> None:
    """Send ``message`` on the page's latest websocket (:data:`KEEP_SOCKETS`), as a script in
    the page could."""
    sent = page.evaluate(
        """bytes => {
            const socket = (window.beatcovSockets || []).at(-1);
            if (!socket || socket.readyState !== WebSocket.OPEN) { return false; }
            socket.send(new Uint8Array(bytes));
            return true;
        }""",
        list(message),
    )
    assert sent, "the page has no open websocket"


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
    server: Server, launched: Launched, tmp_path: Path
) -> None:
    """Streamlit clears every cache of the server, for all users, and the asking session's
    state, when a browser sends ``clear_cache`` on its websocket (the main menu's "Clear
    cache", or the message written by hand, as an attacker would). Written on the page's own
    websocket by the demo planner, it goes through: nothing is refused, and Streamlit's
    clearing of that session's state logs the planner out. (Sent by a role that may not
    clear, it changes nothing: the chief's, in :func:`test_chief_dismisses_a_visit_in_chromium`.)
    """
    log_path = server.workdir / "server.log"
    refusals = log_path.read_text(errors="replace").count(REFUSED_CLEAR)
    with chromium(tmp_path, browser=launched) as browser:
        page = browser.page
        page.add_init_script(KEEP_SOCKETS)
        page.goto(server.url)
        wait_for_streamlit(page, timeout_ms=180_000)
        log_in_browser(page, "planner")
        wait_for_streamlit(page, timeout_ms=180_000)
        page.get_by_role("heading", name="Overview", level=1).wait_for(timeout=60_000)
        send_on_socket(page, clear_cache_message())
        page.wait_for_timeout(1_000)  # the message is handled before the click's rerun
        open_gaps(page)  # the session's state was cleared with the caches: logged out
        page.get_by_role("heading", name="Log in", level=1).wait_for(timeout=60_000)
        assert browser.page_errors == []
        assert browser.external_requests() == []
    assert server.external_attempts() == []
    log = log_path.read_text(errors="replace")
    assert log.count(REFUSED_CLEAR) == refusals  # the planner's was not refused


REFUSED_CLEAR = "a session that may not clear the caches asked to; ignored"

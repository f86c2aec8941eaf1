"""The map layer in a real browser: Leaflet from the app, polygons drawn, clicks returned;
and what an uncaught exception shows a user.

The pages are written elsewhere, so this drives a tiny throwaway Streamlit app of three pages
that use only ``app.maps`` (and the served files): a base map, the street layer and three
coloured squares at ``/``; three squares from a served file at ``/?page=served``; and a page
that fails at ``/?page=failing``, served with beatcov's server settings as every page here is
(the server runs from the repository root, so it reads ``.streamlit/config.toml``: see
tests/app/test_server.py). One server and one chromium serve the module; each test opens a
fresh browser context.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.colors import COVERAGE_PALETTE
from tests.support.browser import (
    FOLIUM_IFRAME,
    chromium,
    leaflet_frame,
    run_script,
    screenshot,
    wait_for_streamlit,
)
from tests.support.server import Server

if TYPE_CHECKING:
    from playwright.sync_api import Browser as Launched

SCRIPT = textwrap.dedent(
    '''
    """Throwaway page: three squares on the street layer, the clicked id written back."""

    import geopandas as gpd
    import streamlit as st
    from shapely.geometry import LineString, box

    from app import maps
    from app.colors import coverage_colors

    d = 0.001  # three ~55 x 110 m squares with gaps, west to east: A, B, C
    blocks = gpd.GeoDataFrame(
        {
            "block_id": ["A", "B", "C"],
            "name": ['<img src=x onerror="window.beatcovXss=1">', "b", "c"],
            "coverage": [0.1, 0.5, 0.9],
        },
        geometry=[box(24.94 + 2 * i * d, 60.17, 24.94 + 2 * i * d + d, 60.171) for i in range(3)],
        crs="EPSG:4326",
    )
    # a street running north-south through the gap between A and B
    streets = gpd.GeoDataFrame(
        geometry=[LineString([(24.9415, 60.1695), (24.9415, 60.1715)])], crs="EPSG:4326"
    )
    m = maps.base_map(blocks.total_bounds)
    maps.street_layer(streets).add_to(m)
    maps.polygon_layer(
        blocks,
        value_column="coverage",
        colors=coverage_colors(),
        tooltip_columns={"block_id": "Block", "name": "Name"},
        id_column="block_id",
        name="Blocks",
    ).add_to(m)
    clicked = maps.render(m, key="map", height=420)
    st.write("clicked block " + (clicked["block_id"] if clicked else "none"))
    '''
)


APP = textwrap.dedent(
    '''
    """Throwaway app: served_page.py at /?page=served, failing_page.py at /?page=failing,
    map_page.py otherwise (each run as Streamlit runs a script: its code in this script's
    module)."""

    from pathlib import Path

    import streamlit as st

    chosen = st.query_params.get("page")
    name = f"{chosen}_page.py" if chosen in ("served", "failing") else "map_page.py"
    page = Path(__file__).with_name(name)
    exec(compile(page.read_text(encoding="utf-8"), str(page), "exec"), globals())
    '''
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The throwaway app (:data:`APP`, :data:`SCRIPT`, :data:`SERVED_SCRIPT`,
    :data:`FAILING_SCRIPT`), served once for the module; each test asserts it attempted
    nothing outside, and so does the end."""
    folder = tmp_path_factory.mktemp("map-pages")
    (folder / "map_page.py").write_text(SCRIPT, encoding="utf-8")
    (folder / "served_page.py").write_text(SERVED_SCRIPT, encoding="utf-8")
    (folder / "failing_page.py").write_text(FAILING_SCRIPT, encoding="utf-8")
    (folder / "map_app.py").write_text(APP, encoding="utf-8")
    with run_script(folder / "map_app.py", folder) as served:
        yield served
    assert served.external_attempts() == []


@pytest.mark.browser
@pytest.mark.server
def test_map_works_offline_in_chromium(server: Server, launched: Launched, tmp_path: Path) -> None:
    with chromium(tmp_path, browser=launched) as browser:
        page = browser.page
        page.goto(server.url)
        wait_for_streamlit(page)
        frame = leaflet_frame(page, paths=3)
        # a map that never draws enough says what its iframe had (here 3 paths, loads 200)
        with pytest.raises(AssertionError, match=r"'drawn': 3,.*leaflet\.js', 200\]"):
            leaflet_frame(page, paths=4, timeout_ms=500)

        # Leaflet is the vendored 1.9.4, loaded from the app itself
        assert frame.evaluate("() => L.version") == "1.9.4"
        scripts = frame.evaluate("() => [...document.scripts].map(s => s.src).filter(Boolean)")
        leaflet = f"{server.url}/component/app._streamlit_compat.beatcov_static/leaflet/leaflet.js"
        assert leaflet in scripts
        # the stylesheet too (it is added after the scripts, so wait for it to load)
        css = f"{server.url}/component/app._streamlit_compat.beatcov_static/leaflet/leaflet.css"
        frame.wait_for_function(
            "href => [...document.styleSheets].some(s => s.href === href)", arg=css, polling=100
        )

        # three squares as interactive SVG paths, coloured in Python (A 0.1, B 0.5, C 0.9);
        # the street line is drawn but not interactive
        squares = frame.locator("svg path.leaflet-interactive")
        assert squares.count() == 3
        fills = [squares.nth(i).get_attribute("fill") for i in range(3)]
        assert fills == [COVERAGE_PALETTE[0], COVERAGE_PALETTE[2], COVERAGE_PALETTE[4]]
        assert frame.locator(".leaflet-overlay-pane svg path").count() == 4
        attribution = frame.locator(".leaflet-control-attribution").inner_text()
        assert "© OpenStreetMap contributors" in attribution

        # the tooltip shows the hostile name as text, and its onerror never runs
        squares.nth(0).hover()
        tooltip = frame.locator(".leaflet-tooltip")
        tooltip.wait_for(state="visible")
        assert '<img src=x onerror="window.beatcovXss=1">' in tooltip.inner_text()
        assert tooltip.locator("img").count() == 0
        assert frame.evaluate("() => window.beatcovXss") is None

        # a click on B reaches Streamlit, which writes the id back
        assert page.get_by_text("clicked block none").count() == 1
        squares.nth(1).click()
        page.get_by_text("clicked block B").wait_for(state="visible", timeout=30_000)
        wait_for_streamlit(page)
        screenshot(page, "browser_maps")

        assert browser.page_errors == []
        assert browser.console_errors == []
        assert browser.external_requests() == []
    assert server.external_attempts() == []


@pytest.mark.browser
def test_harness_aborts_and_counts_internet_requests(launched: Launched, tmp_path: Path) -> None:
    # an image from a tile server and a font from a CDN: both must be aborted and recorded
    tile = "https://tile.openstreetmap.org/0/0/0.png"
    font = "https://fonts.example.com/font.woff2"
    # and what no name lookup stops: an address, a link-local one (outside chromium's own
    # loopback list only because the harness drops that list) and a websocket
    address = "http://93.184.216.34/a.png"
    link_local = "http://169.254.169.254/b.png"
    socket = "ws://93.184.216.34/stream"
    with chromium(tmp_path, browser=launched) as browser:
        browser.page.set_content(
            f'<img src="{tile}"><img src="{address}"><img src="{link_local}">'
            f"<style>@font-face {{font-family: f; src: url({font});}}"
            "body {font-family: f;}</style><p>text</p>"
            f'<script>const s = new WebSocket("{socket}");'
            "s.onerror = s.onclose = () => { window.socketClosed = true; };</script>"
        )
        browser.page.wait_for_function(
            "() => [...document.images].every(i => i.complete)"
            " && document.fonts.status === 'loaded' && window.socketClosed === true"
        )
        # nothing arrived: no image has pixels, the font is not loaded, the socket never opened
        assert browser.page.evaluate("() => [...document.images].map(i => i.naturalWidth)") == [
            0,
            0,
            0,
        ]
        assert browser.page.evaluate("() => document.fonts.check('12px f')") is False
        assert sorted(browser.external_requests()) == sorted(
            [tile, font, address, link_local, socket]
        )


def test_missing_chromium_skips_locally_but_fails_on_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support import browser

    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-chromium is missing"):
        browser.require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set, so this is a failure"):
        browser.require_chromium()


SERVED_SCRIPT = textwrap.dedent(
    '''
    """Throwaway page: three squares from a served file, coloured by a choice on the page."""

    import geopandas as gpd
    import streamlit as st
    from shapely.geometry import box

    from app import map_files, maps, served_layers
    from app.colors import coverage_colors

    d = 0.001  # three ~55 x 110 m squares with gaps, west to east: A, B, C
    shapes = st.cache_resource(lambda: gpd.GeoSeries(
        [box(24.94 + 2 * i * d, 60.17, 24.94 + 2 * i * d + d, 60.171) for i in range(3)],
        index=["A", "B", "C"], crs="EPSG:4326",
    ))()
    flipped = st.checkbox("flip", key="flip")  # a rerun whose map changes (its colours)
    coverage = [0.9, 0.5, 0.1] if flipped else [0.1, 0.5, 0.9]
    frame = gpd.GeoDataFrame({"block_id": ["A", "B", "C"], "coverage": coverage})
    url = map_files.geometry_url(shapes, id_column="block_id")
    st.write("file " + url.rsplit("/", 1)[1])
    m = maps.base_map(shapes.total_bounds)
    served_layers.served_polygons(
        frame, url, id_column="block_id", value_column="coverage", colors=coverage_colors(),
        tooltip_columns={"block_id": "Block"}, name="Blocks",
    ).add_to(m)
    clicked = maps.render(m, key="map", height=420)
    st.write("clicked block " + (clicked["block_id"] if clicked else "none"))
    '''
)


FLIPPED = """([sel, want]) => {
    const frame = document.querySelector(sel);
    const doc = frame && frame.contentDocument;
    if (!doc) { return false; }
    const fills = [...doc.querySelectorAll('svg path.leaflet-interactive')]
        .map(p => [p.getBoundingClientRect().x, p.getAttribute('fill')])
        .sort((a, b) => a[0] - b[0]).map(p => p[1]);
    return JSON.stringify(fills) === JSON.stringify(want);
}"""
"""Whether the page's map draws its squares, west to east, in the colours ``want``."""


def fills(frame) -> list[str]:  # noqa: ANN001
    """The fill of each interactive path, west to east."""
    return frame.evaluate(
        """() => [...document.querySelectorAll('svg path.leaflet-interactive')]
            .map(p => [p.getBoundingClientRect().x, p.getAttribute('fill')])
            .sort((a, b) => a[0] - b[0]).map(p => p[1])"""
    )


@pytest.mark.browser
@pytest.mark.server
def test_served_shapes_are_fetched_once_coloured_and_clickable(
    server: Server, launched: Launched, tmp_path: Path
) -> None:
    with chromium(tmp_path, browser=launched) as browser:
        page = browser.page
        fetched: list[str] = []
        page.on("request", lambda r: fetched.append(r.url) if "beatcov_maps/" in r.url else None)
        page.goto(f"{server.url}/?page=served")
        wait_for_streamlit(page)
        frame = leaflet_frame(page, paths=3)
        name = page.get_by_text(re.compile(r"^file [0-9a-f]{32}\.json$")).inner_text()[5:]
        url = f"{server.url}/component/app._streamlit_compat.beatcov_maps/{name}"
        assert fetched == [url]
        # every square in its colour on the fixed scale (A 0.1, B 0.5, C 0.9)
        palette = [COVERAGE_PALETTE[0], COVERAGE_PALETTE[2], COVERAGE_PALETTE[4]]
        assert fills(frame) == palette
        squares = frame.locator("svg path.leaflet-interactive")
        squares.nth(0).hover()
        assert "Block" in frame.locator(".leaflet-tooltip").inner_text()

        # a rerun whose map changes: drawn anew in a new frame, from the kept file
        page.get_by_text("flip").click()
        wait_for_streamlit(page)
        page.wait_for_function(
            FLIPPED, arg=[FOLIUM_IFRAME, palette[::-1]], polling=100, timeout=60_000
        )
        frame = leaflet_frame(page, paths=3)
        assert fills(frame) == palette[::-1]
        assert fetched == [url]  # not fetched again

        # a click on B reaches the page with B's id
        frame.locator("svg path.leaflet-interactive").nth(1).click()
        page.get_by_text("clicked block B").wait_for(state="visible", timeout=30_000)
        # the server marks the file for the browser to keep
        response = page.request.get(url)
        assert response.headers.get("content-type", "").startswith("application/json")
        assert browser.page_errors == []
        assert browser.console_errors == []
        assert browser.external_requests() == []
    assert server.external_attempts() == []


FAILING_SCRIPT = (
    "import streamlit as st\n"
    "st.write('before the error')\n"
    "raise RuntimeError('secret detail: /srv/beatcov/workspace/households.gpkg')\n"
)
"""Throwaway page: writes a line, then fails with details no user may see."""


@pytest.mark.browser
@pytest.mark.server
def test_an_uncaught_exception_shows_no_details_to_the_user(
    server: Server, launched: Launched, tmp_path: Path
) -> None:
    """``client.showErrorDetails = "none"`` (tests/app/test_server.py) where it takes effect:
    a user sees that something failed, never the exception, its message or a path."""
    with chromium(tmp_path, browser=launched) as browser:
        browser.page.goto(f"{server.url}/?page=failing")
        wait_for_streamlit(browser.page)
        shown = browser.page.locator('[data-testid="stException"]')
        shown.wait_for(timeout=60_000)
        text = browser.page.locator('[data-testid="stMain"]').inner_text()
        assert "before the error" in text
        assert "The original error message is redacted" in shown.inner_text()
        for leak in ("secret detail", "/srv/", "RuntimeError", "Traceback", str(server.workdir)):
            assert leak not in text, leak
        assert browser.external_requests() == []
    log = (server.workdir / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "secret detail" in log  # the details stay in the server's log
    assert server.external_attempts() == []

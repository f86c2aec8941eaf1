"""Contract tests of geo._osmnx_compat: osmnx's internals against osmnx's public behaviour.

- ``create_graph`` on a complete extract builds the graph public ``osmnx.graph_from_xml``
  builds from the same file (the real demo extract, nodes, edges and every attribute).
- ``network_filter`` is the filter public ``osmnx.graph_from_polygon`` sends to Overpass,
  and ``create_graph`` builds the graph it builds from the answer. A fake Overpass server on
  the loopback records the query and answers with the hand-made town.
- The version check accepts the pinned osmnx and refuses hand-given versions outside it.
"""

from __future__ import annotations

import http.server
import json
import socket
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox
import pytest
from shapely.geometry import box

from geo import _osmnx_compat
from geo.errors import DependencyError
from geo.osm_filter import NETWORK_TYPES
from tests.geo.osm_fixtures import LAT0, LON0, grid_nodes, grid_ways
from tests.support.loopback import serving

ROOT = Path(__file__).resolve().parents[2]


def overpass_json(path: Path) -> dict[str, Any]:
    """An OSM XML file as the JSON Overpass would answer (nodes and ways only)."""
    elements: list[dict[str, Any]] = []
    for element in ET.parse(path).getroot():
        tags = {t.attrib["k"]: t.attrib["v"] for t in element.iter("tag")}
        if element.tag == "node":
            elements.append(
                {
                    "type": "node",
                    "id": int(element.attrib["id"]),
                    "lat": float(element.attrib["lat"]),
                    "lon": float(element.attrib["lon"]),
                    "tags": tags,
                }
            )
        elif element.tag == "way":
            refs = [int(nd.attrib["ref"]) for nd in element.iter("nd")]
            elements.append(
                {"type": "way", "id": int(element.attrib["id"]), "nodes": refs, "tags": tags}
            )
    return {"elements": elements}


def town_json() -> dict[str, Any]:
    """The town's grid as Overpass JSON; its first street is one-way."""
    nodes = [
        {"type": "node", "id": nid, "lat": lat, "lon": lon, "tags": dict(tags)}
        for nid, lat, lon, tags in grid_nodes()
    ]
    ways = [
        {"type": "way", "id": wid, "nodes": refs, "tags": dict(tags)}
        for wid, refs, tags in grid_ways()
    ]
    ways[0]["tags"]["oneway"] = "yes"
    return {"elements": nodes + ways}


def assert_same_graph(ours: nx.MultiDiGraph, theirs: nx.MultiDiGraph) -> None:
    assert dict(ours.nodes(data=True)) == dict(theirs.nodes(data=True))
    edges = {(u, v, k): d for u, v, k, d in ours.edges(keys=True, data=True)}
    assert edges == {(u, v, k): d for u, v, k, d in theirs.edges(keys=True, data=True)}


@contextmanager
def fake_overpass(answer: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """Answer every query with ``answer`` on the loopback; yield the URL and the queries."""
    queries: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            queries.append(urllib.parse.parse_qs(body)["data"][0])
            payload = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        yield f"{url}/api", queries


@pytest.fixture
def overpass_queries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Point osmnx at a fake Overpass answering with the town; yield the queries it gets."""
    with fake_overpass(town_json()) as (url, queries):
        monkeypatch.setattr(ox.settings, "overpass_url", url)
        monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
        monkeypatch.setattr(ox.settings, "use_cache", False)
        # osmnx pins the host's address by replacing socket.getaddrinfo; undo it afterwards
        monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
        yield queries


def download(network_type: str) -> nx.MultiDiGraph:
    """The town through public osmnx, unsimplified and whole."""
    area = box(LON0 - 0.01, LAT0 - 0.01, LON0 + 0.01, LAT0 + 0.01)
    return ox.graph_from_polygon(area, network_type=network_type, simplify=False, retain_all=True)


# ------------------------------------------------------------------------- create_graph


@pytest.mark.parametrize("bidirectional", [False, True])
def test_create_graph_is_graph_from_xml_on_a_complete_extract(bidirectional: bool) -> None:
    demo = ROOT / "data" / "streets" / "nanjing_xuanwu.osm"
    theirs = ox.graph_from_xml(demo, bidirectional=bidirectional, simplify=False, retain_all=True)
    ours = _osmnx_compat.create_graph([overpass_json(demo)], bidirectional=bidirectional)
    assert len(ours) > 10_000
    assert_same_graph(ours, theirs)
    assert {k: v for k, v in ours.graph.items() if k != "created_date"} == {
        k: v for k, v in theirs.graph.items() if k != "created_date"
    }


def test_create_graph_refuses_an_empty_answer() -> None:
    with pytest.raises(_osmnx_compat.InsufficientResponseError, match="No data elements"):
        _osmnx_compat.create_graph([{"elements": []}], bidirectional=False)


# ----------------------------------------------------------------------- network_filter


@pytest.mark.parametrize("network_type", NETWORK_TYPES)
def test_network_filter_is_what_osmnx_sends_to_overpass(
    overpass_queries: list[str], network_type: str
) -> None:
    theirs = download(network_type)
    assert len(overpass_queries) == 1
    sent = overpass_queries[0]
    assert f"(way{_osmnx_compat.network_filter(network_type)}(poly:" in sent
    # and create_graph builds from the answer the graph osmnx builds (street_count aside)
    bidirectional = network_type in ox.settings.bidirectional_network_types
    ours = _osmnx_compat.create_graph([town_json()], bidirectional=bidirectional)
    for _, data in theirs.nodes(data=True):
        del data["street_count"]
    assert_same_graph(ours, theirs)


def test_network_filter_follows_osmnx_default_access(
    overpass_queries: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    access = '["access"!~"no|private"]'
    monkeypatch.setattr(ox.settings, "default_access", access)
    assert access in _osmnx_compat.network_filter("drive")
    download("drive")
    assert f"(way{_osmnx_compat.network_filter('drive')}(poly:" in overpass_queries[0]


# ------------------------------------------------------------------------ version check


def test_the_pinned_osmnx_is_supported() -> None:
    pins = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pinned = next(line.split("==")[1] for line in pins if line.startswith("osmnx=="))
    assert _osmnx_compat.SUPPORTED.admits(pinned)
    assert _osmnx_compat.SUPPORTED.check() == ox.__version__ == pinned


@pytest.mark.parametrize("found", ["2.2.0", "2.0.9", "3.0", "1.9.4"])
def test_other_osmnx_versions_are_refused(found: str) -> None:
    with pytest.raises(DependencyError, match=rf"osmnx {found} is installed.*>=2\.1,<2\.2"):
        _osmnx_compat.SUPPORTED.check(found)


@pytest.mark.parametrize("found", ["2.1.0", "2.1.1", "2.1.9.post1"])
def test_osmnx_2_1_versions_are_accepted(found: str) -> None:
    assert _osmnx_compat.SUPPORTED.check(found) == found


def test_the_compat_functions_check_the_installed_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import geo.dependencies

    monkeypatch.setattr(geo.dependencies, "version", lambda package: "2.2.0")
    _osmnx_compat._checked.cache_clear()
    try:
        with pytest.raises(DependencyError, match="update geo/_osmnx_compat.py"):
            _osmnx_compat.network_filter("drive")
        with pytest.raises(DependencyError, match="osmnx 2.2.0 is installed"):
            _osmnx_compat.create_graph([town_json()], bidirectional=False)
    finally:
        _osmnx_compat._checked.cache_clear()

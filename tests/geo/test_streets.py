"""Tests for geo.streets: offline OSM street networks.

The hand-made town (tests/geo/osm_fixtures.py) is a 4 x 4 grid of nodes joined by four
east-west and four north-south two-way residential streets (3 x 3 blocks), plus:
a residential cul-de-sac 8-31-32, a plain service lane 5-33-34, a parking aisle 14-35-36,
a footway 6-37-11 across a block, and a building ring 41-42-43-44.

Worked out on paper (osmnx 2 simplification: a node is kept when it is a dead end or does
not have exactly two neighbours):
- grid alone: the 4 corners have 2 neighbours (one along each street) -> removed; the 12
  other grid nodes have 3 or 4 neighbours -> kept. 8 ways x 3 segments = 24 segments; each
  corner merges its 2 segments into 1 -> 20 two-way edges = 40 directed edges.
- each extra way hanging from a kept grid node adds 1 dead-end node and 1 two-way edge (its
  middle node has 2 neighbours and is removed); the footway joins two kept nodes, so it
  adds 1 two-way edge and no node.
- drive:         grid + cul-de-sac                         -> 13 nodes, 42 edges
- drive_service: + service lane (parking aisle excluded)   -> 14 nodes, 44 edges
- walk:          + parking aisle + footway                 -> 15 nodes, 48 edges
- all:           the same ways as walk                     -> 15 nodes, 48 edges
The building has no highway tag and is never loaded.
"""

from __future__ import annotations

import bz2
import inspect
import logging
import math
import shutil
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmnx as ox
import pyproj
import pytest
from shapely.geometry.base import BaseGeometry

import geo.streets as streets
from geo.errors import StreetsError
from geo.osm_filter import NETWORK_TYPES, matches_filter, network_filter, parse_overpass_filter
from geo.settings import DEFAULTS
from geo.streets import (
    CACHE_FOLDER,
    cache_key,
    graph_frames,
    load_features,
    load_streets,
    street_lines,
)
from tests.geo.osm_fixtures import LAT0, LON0, STEP, grid_id, town, write_osm, xml_text

EXTS = ["osm", "osm.bz2", "osm.pbf"]
COUNTS = {
    "drive": (13, 42),
    "drive_service": (14, 44),
    "walk": (15, 48),
    "all": (15, 48),
}


# --------------------------------------------------------------------------------- helpers


def _typed(value: Any) -> Any:
    """Value with its exact type, recursively, so 1 != 1.0 != True and list order counts."""
    if isinstance(value, BaseGeometry):
        return ("geometry", value.wkb_hex)
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


def assert_same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph, *, types: bool = True) -> None:
    conv = _typed if types else (lambda v: v.wkb_hex if isinstance(v, BaseGeometry) else v)
    assert sorted(a.nodes) == sorted(b.nodes)
    for n in a.nodes:
        assert {k: conv(v) for k, v in a.nodes[n].items()} == {
            k: conv(v) for k, v in b.nodes[n].items()
        }, n
    assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))
    for u, v, k, data in a.edges(keys=True, data=True):
        other = b.edges[u, v, k]
        assert {x: conv(y) for x, y in data.items()} == {x: conv(y) for x, y in other.items()}


def assert_same_graph_attrs(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert {k: _typed(v) for k, v in a.graph.items()} == {k: _typed(v) for k, v in b.graph.items()}


def edge_osmids(G: nx.MultiDiGraph) -> set[int]:
    ids: set[int] = set()
    for _, _, osmid in G.edges(data="osmid"):
        ids.update(osmid if isinstance(osmid, list) else [osmid])
    return ids


@pytest.fixture
def town_file(tmp_path: Path) -> Path:
    nodes, ways = town()
    return write_osm(tmp_path / "town.osm", nodes, ways)


@pytest.fixture
def parse_calls(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every call of the OSM parser."""
    calls: list[Path] = []
    real = streets._read_osm

    def spy(path: Path, conditions: Any) -> Any:
        calls.append(path)
        return real(path, conditions)

    monkeypatch.setattr(streets, "_read_osm", spy)
    return calls


def test_unknown_network_type(town_file: Path) -> None:
    with pytest.raises(StreetsError, match="'bike'.*drive, drive_service, walk, all"):
        load_streets(town_file, network_type="bike", cache=False)


# --------------------------------------------------------------------------------- graphs


@pytest.mark.parametrize("ext", EXTS)
@pytest.mark.parametrize("network_type", NETWORK_TYPES)
def test_town_counts(tmp_path: Path, ext: str, network_type: str) -> None:
    nodes, ways = town()
    path = write_osm(tmp_path / f"town.{ext}", nodes, ways)
    G = load_streets(path, network_type=network_type, cache=False)
    assert (len(G), G.number_of_edges()) == COUNTS[network_type]
    assert G.graph["crs"] == "EPSG:4326"
    assert G.graph["beatcov_network_type"] == network_type
    assert G.graph["beatcov_clipped_ways"] == 0


def test_town_ways_kept_per_network_type(town_file: Path) -> None:
    grid = set(range(100, 104)) | set(range(200, 204))
    kept = {
        nt: edge_osmids(load_streets(town_file, network_type=nt, cache=False))
        for nt in NETWORK_TYPES
    }
    assert kept["drive"] == grid | {300}
    # drive_service: + service lane; parking aisle 302, footway 303, building 304 dropped
    assert kept["drive_service"] == grid | {300, 301}
    assert kept["walk"] == grid | {300, 301, 302, 303}
    assert kept["all"] == kept["walk"]


def test_osmnx_compatible_attributes(town_file: Path) -> None:
    G = load_streets(town_file, network_type="drive_service", cache=False)
    # node 6 (grid row 1, col 1) carries highway=traffic_signals and 4 streets + nothing else
    # (coordinates are written with 7 decimals, as OSM stores them)
    assert G.nodes[grid_id(1, 1)] == {
        "y": 60.171,
        "x": 24.941,
        "highway": "traffic_signals",
        "street_count": 4,
    }
    assert G.nodes[32]["street_count"] == 1  # cul-de-sac end
    for _, _, data in G.edges(data=True):
        assert {"osmid", "highway", "oneway", "reversed", "length"} <= data.keys()
        assert data["length"] > 0
    # corner (0, 0) was merged away: the edge 2 -> 5 goes round it along Row 0 and Col 0
    corner = G.edges[grid_id(0, 1), grid_id(1, 0), 0]
    assert sorted(corner["osmid"]) == [100, 200]
    assert list(corner["geometry"].coords) == [(24.941, 60.17), (24.94, 60.17), (24.94, 60.171)]
    # two segments of about 55.6 m (0.001 deg lon at 60 N) and 111.2 m (0.001 deg lat)
    assert corner["length"] == pytest.approx(55.6 + 111.2, abs=0.5)


@pytest.mark.parametrize("network_type", ["drive_service", "walk"])
def test_same_as_osmnx_graph_from_xml(tmp_path: Path, network_type: str) -> None:
    # osmnx.graph_from_xml on a file holding only the ways our filter keeps must give the
    # very same nodes and edges (walk is bidirectional, as osmnx does for downloads).
    nodes, ways = town()
    full = write_osm(tmp_path / "town.osm", nodes, ways)
    conds = parse_overpass_filter(network_filter(network_type))
    kept = [w for w in ways if matches_filter(w[2], conds)]
    subset = write_osm(tmp_path / "subset.osm", nodes, kept)
    ours = load_streets(full, network_type=network_type, cache=False)
    theirs = ox.graph_from_xml(subset, bidirectional=network_type == "walk")
    # graph_from_xml leaves out street_count, which graph_from_place (and beatcov) add
    nx.set_node_attributes(theirs, ox.stats.count_streets_per_node(theirs), "street_count")
    assert_same_graph(ours, theirs, types=False)
    assert pyproj.CRS(ours.graph["crs"]) == pyproj.CRS(theirs.graph["crs"])


def test_encodings_give_identical_graphs(tmp_path: Path) -> None:
    nodes, ways = town()
    graphs = [
        load_streets(write_osm(tmp_path / f"town.{ext}", nodes, ways), cache=False) for ext in EXTS
    ]
    for other in graphs[1:]:
        assert_same_graph(graphs[0], other)


def test_default_network_type_is_the_settings_default(town_file: Path) -> None:
    assert DEFAULTS.network_type == "drive_service"
    G = load_streets(town_file, cache=False)
    assert (len(G), G.number_of_edges()) == COUNTS["drive_service"]
    walk = DEFAULTS.replace(network_type="walk")
    G = load_streets(town_file, network_type=walk.network_type, cache=False)
    assert (len(G), G.number_of_edges()) == COUNTS["walk"]
    assert "settings" not in inspect.signature(load_streets).parameters


def test_unsimplified_and_retain_all(tmp_path: Path) -> None:
    nodes, ways = town()
    # a separate two-node street far away: a second connected component
    nodes += [(91, LAT0 + 0.01, LON0, {}), (92, LAT0 + 0.01, LON0 + STEP, {})]
    ways += [(900, [91, 92], {"highway": "residential"})]
    path = write_osm(tmp_path / "town.osm", nodes, ways)
    # drive_service unsimplified: 16 grid + 31, 32 + 33, 34 = 20 nodes;
    # 24 grid segments + 2 + 2 = 28 two-way segments = 56 directed edges
    G = load_streets(path, simplify=False, cache=False)
    assert (len(G), G.number_of_edges()) == (20, 56)
    assert all("geometry" not in d for _, _, d in G.edges(data=True))
    assert G.nodes[grid_id(0, 0)]["street_count"] == 2
    # retain_all keeps the far street too: +2 nodes, +1 two-way edge
    G = load_streets(path, retain_all=True, cache=False)
    assert (len(G), G.number_of_edges()) == (14 + 2, 44 + 2)
    G = load_streets(path, cache=False)
    assert (len(G), G.number_of_edges()) == COUNTS["drive_service"]


# --------------------------------------------------------------------------- clipped file


def clipped_data() -> tuple[list[Any], list[Any]]:
    """Nodes 4, 97 and 98 are referenced but absent (the extract was clipped).

    - way 1000: 1 2 3 [4] 5 6 7 -> pieces 1-2-3 and 5-6-7 (split, both keep osmid 1000)
    - way 1001: [98] 7 8        -> piece 7-8 (trimmed)
    - way 1002: 9 [97] 10       -> pieces of one node only -> dropped
    """
    nodes = [(i, LAT0, LON0 + i * STEP, {}) for i in (1, 2, 3, 5, 6, 7)]
    nodes += [(8, LAT0 + STEP, LON0 + 7 * STEP, {})]
    nodes += [(9, LAT0 + 5 * STEP, LON0, {}), (10, LAT0 + 5 * STEP, LON0 + STEP, {})]
    res = {"highway": "residential"}
    ways = [(1000, [1, 2, 3, 4, 5, 6, 7], res), (1001, [98, 7, 8], res), (1002, [9, 97, 10], res)]
    return nodes, ways


@pytest.mark.parametrize("ext", EXTS)
def test_clipped_extract_is_repaired(
    tmp_path: Path, ext: str, caplog: pytest.LogCaptureFixture
) -> None:
    nodes, ways = clipped_data()
    path = write_osm(tmp_path / f"clipped.{ext}", nodes, ways)
    with caplog.at_level(logging.INFO, logger="geo.streets"):
        G = load_streets(path, retain_all=True, simplify=False, cache=False)
    assert "repaired 3" in caplog.text and path.name in caplog.text
    assert G.graph["beatcov_clipped_ways"] == 3
    # pieces 1-2-3, 5-6-7 and 7-8: 7 nodes, 5 two-way segments = 10 directed edges
    assert sorted(G.nodes) == [1, 2, 3, 5, 6, 7, 8]
    assert G.number_of_edges() == 10
    assert not G.has_edge(3, 5)
    osmid = {(u, v): d["osmid"] for u, v, d in G.edges(data=True)}
    assert osmid[(1, 2)] == osmid[(6, 7)] == 1000 and osmid[(7, 8)] == 1001
    # default: the largest component is 5-6-7-8 (4 nodes beat 3); 6 and 7 have two
    # neighbours each, so it simplifies to one two-way edge 5 <-> 8 from both ways
    G = load_streets(path, cache=False)
    assert sorted(G.nodes) == [5, 8]
    assert sorted(G.edges[5, 8, 0]["osmid"]) == [1000, 1001]


def test_osmnx_alone_fails_on_the_clipped_extract(tmp_path: Path) -> None:
    # why the repair exists: osmnx.graph_from_xml cannot take the same file
    nodes, ways = clipped_data()
    path = write_osm(tmp_path / "clipped.osm", nodes, ways)
    with pytest.raises(ValueError, match="missing nodes"):
        ox.graph_from_xml(path, retain_all=True)


# ------------------------------------------------------------------------- graphml, cache


def test_graphml_round_trip(town_file: Path, tmp_path: Path) -> None:
    G = load_streets(town_file, network_type="walk", cache=False)
    saved = tmp_path / "town.graphml"
    ox.save_graphml(G, saved)
    back = load_streets(saved)
    assert_same_graph(G, back)
    assert_same_graph_attrs(G, back)


def test_second_load_hits_cache(town_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_streets(town_file, network_type="walk")
    cached = list((town_file.parent / CACHE_FOLDER).glob("*.graphml"))
    assert [p.name.split(".")[:3] for p in cached] == [["town", "osm", "walk"]]

    def no_parse(path: Path, conditions: Any) -> Any:
        raise AssertionError("the OSM file was parsed again")

    monkeypatch.setattr(streets, "_read_osm", no_parse)
    second = load_streets(town_file, network_type="walk")
    assert_same_graph(first, second)
    assert_same_graph_attrs(first, second)


def test_cached_clipped_graph_keeps_its_attributes(tmp_path: Path, parse_calls: list[Path]) -> None:
    nodes, ways = clipped_data()
    path = write_osm(tmp_path / "clipped.osm.pbf", nodes, ways)
    first = load_streets(path, retain_all=True, simplify=False)
    second = load_streets(path, retain_all=True, simplify=False)
    assert len(parse_calls) == 1
    assert second.graph["beatcov_clipped_ways"] == 3
    assert_same_graph(first, second)
    assert_same_graph_attrs(first, second)


def test_cache_key_follows_file_and_options(town_file: Path, parse_calls: list[Path]) -> None:
    load_streets(town_file)
    load_streets(town_file)
    assert len(parse_calls) == 1
    key = cache_key(town_file, "drive_service", retain_all=False, simplify=True)
    assert key != cache_key(town_file, "walk", retain_all=False, simplify=True)
    assert key != cache_key(town_file, "drive_service", retain_all=True, simplify=True)
    assert key != cache_key(town_file, "drive_service", retain_all=False, simplify=False)

    # rename street "Row 0" -> a changed file gets a new key and is parsed again
    town_file.write_text(town_file.read_text().replace("Row 0", "Row Zero"))
    assert cache_key(town_file, "drive_service", retain_all=False, simplify=True) != key
    G = load_streets(town_file)
    assert len(parse_calls) == 2
    names = {n for _, _, d in G.edges(data=True) for n in np.atleast_1d(d.get("name", ""))}
    assert "Row Zero" in names and "Row 0" not in names
    assert len(list((town_file.parent / CACHE_FOLDER).glob("*.graphml"))) == 2


def test_cache_dir_argument(town_file: Path, tmp_path: Path, parse_calls: list[Path]) -> None:
    cache_dir = tmp_path / "elsewhere"
    load_streets(town_file, cache_dir=cache_dir)
    load_streets(town_file, cache_dir=cache_dir)
    assert len(parse_calls) == 1
    assert len(list(cache_dir.glob("town.osm.drive_service.*.graphml"))) == 1
    assert not (town_file.parent / CACHE_FOLDER).exists()


def test_cache_falls_back_to_home(
    town_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parse_calls: list[Path]
) -> None:
    # a plain file where the cache folder should be: the folder cannot be created
    (town_file.parent / CACHE_FOLDER).write_text("not a folder")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    load_streets(town_file)
    load_streets(town_file)
    assert len(parse_calls) == 1
    assert len(list((tmp_path / "home" / ".cache" / "beatcov").glob("*.graphml"))) == 1


def test_cache_off_writes_nothing(town_file: Path, parse_calls: list[Path]) -> None:
    load_streets(town_file, cache=False)
    load_streets(town_file, cache=False)
    assert len(parse_calls) == 2
    assert not (town_file.parent / CACHE_FOLDER).exists()


def test_corrupt_cache_is_rebuilt(
    town_file: Path, parse_calls: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    first = load_streets(town_file)
    (cached,) = (town_file.parent / CACHE_FOLDER).glob("*.graphml")
    cached.write_text("<graphml><broken")
    with caplog.at_level(logging.WARNING, logger="geo.streets"):
        again = load_streets(town_file)
    assert "unreadable street cache" in caplog.text
    assert len(parse_calls) == 2
    assert_same_graph(first, again)
    assert ox.load_graphml(cached).number_of_edges() == COUNTS["drive_service"][1]


# --------------------------------------------------------------------------------- frames


def test_graph_frames(town_file: Path) -> None:
    G = load_streets(town_file, cache=False)
    nodes, edges = graph_frames(G)
    assert len(nodes) == 14 and len(edges) == 44
    assert {"u", "v", "key", "osmid", "length", "geometry"} <= set(edges.columns)
    assert {"x", "y", "street_count", "geometry"} <= set(nodes.columns)
    assert nodes.crs.to_epsg() == 4326 and edges.crs.to_epsg() == 4326
    assert set(zip(edges["u"], edges["v"], edges["key"], strict=True)) == set(G.edges(keys=True))
    # unsimplified edges get straight-line geometry filled in
    assert edges.geometry.notna().all()


def test_street_lines_keep_each_street_once(town_file: Path) -> None:
    # osmnx's own undirected graph is the reference: a two-way street is one edge there
    G = load_streets(town_file, cache=False)
    lines = street_lines(G)
    undirected = ox.convert.to_undirected(G)
    assert len(lines) == undirected.number_of_edges() < G.number_of_edges()
    _, edges = graph_frames(undirected)
    assert lines.to_crs(32635).length.sum() == pytest.approx(edges.to_crs(32635).length.sum())
    assert lines.crs == G.graph["crs"]


def test_graph_frames_of_empty_graph() -> None:
    with pytest.raises(StreetsError, match="no streets"):
        graph_frames(nx.MultiDiGraph(crs="EPSG:4326"))
    with pytest.raises(StreetsError, match="crs"):
        graph_frames(nx.MultiDiGraph())


# --------------------------------------------------------------------------------- errors


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StreetsError, match="nowhere.osm.pbf does not exist"):
        load_streets(tmp_path / "nowhere.osm.pbf")


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "streets.shp"
    path.write_bytes(b"\0")
    with pytest.raises(StreetsError, match=r"streets.shp has an unsupported type.*\.osm\.pbf"):
        load_streets(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bad.osm", b"hello, this is not XML"),
        ("empty.osm", b""),
        ("bad.osm.bz2", b"not bzip2 data"),
        ("bad.osm.pbf", bytes(range(256)) * 4),
    ],
)
def test_corrupt_osm_file(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(StreetsError, match=f"cannot read the street file {name}"):
        load_streets(path)
    assert not (tmp_path / CACHE_FOLDER).exists()


def test_truncated_bz2(tmp_path: Path) -> None:
    nodes, ways = town()
    full = write_osm(tmp_path / "full.osm.bz2", nodes, ways).read_bytes()
    path = tmp_path / "cut.osm.bz2"
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(StreetsError, match="cut.osm.bz2"):
        load_streets(path, cache=False)


def test_corrupt_graphml(tmp_path: Path) -> None:
    path = tmp_path / "bad.graphml"
    path.write_text("<graphml><broken")
    with pytest.raises(StreetsError, match="bad.graphml"):
        load_streets(path)


def test_graphml_not_from_osmnx(tmp_path: Path) -> None:
    path = tmp_path / "plain.graphml"
    nx.write_graphml(nx.MultiDiGraph([(1, 2)]), path)
    with pytest.raises(StreetsError, match="plain.graphml has no 'crs'"):
        load_streets(path)


def test_no_streets_of_that_type(tmp_path: Path) -> None:
    nodes, ways = town()
    only_footway = [w for w in ways if w[0] in (303, 304)]  # footway and building
    path = write_osm(tmp_path / "paths.osm", nodes, only_footway)
    with pytest.raises(StreetsError, match="paths.osm has no 'drive_service' streets"):
        load_streets(path)
    assert load_streets(path, network_type="walk", retain_all=True).number_of_edges() == 2


def test_no_complete_streets(tmp_path: Path) -> None:
    # only way 1002, whose two present nodes are not consecutive: nothing usable is left
    nodes, ways = clipped_data()
    path = write_osm(tmp_path / "bits.osm", nodes, [w for w in ways if w[0] == 1002])
    with pytest.raises(
        StreetsError, match="bits.osm has no .drive_service. streets that are complete"
    ):
        load_streets(path)


def test_bz2_helper_really_compresses(tmp_path: Path) -> None:
    # guard for the fixtures: the .osm.bz2 file is bzip2 of the .osm text
    nodes, ways = town()
    xml = write_osm(tmp_path / "t.osm", nodes, ways).read_bytes()
    assert bz2.decompress(write_osm(tmp_path / "t.osm.bz2", nodes, ways).read_bytes()) == xml


# ---------------------------------------------------------------------------- integration


@pytest.mark.parametrize("network_type", ["drive_service", "walk"])
def test_clipped_extract(helsinki_extract: Path, tmp_path: Path, network_type: str) -> None:
    path = shutil.copy(helsinki_extract, tmp_path / helsinki_extract.name)
    G = load_streets(path, network_type=network_type, cache_dir=tmp_path / "cache")
    assert len(G) > 100 and G.number_of_edges() > 200
    assert pyproj.CRS(G.graph["crs"]).to_epsg() == 4326
    assert all(d["length"] > 0 and math.isfinite(d["length"]) for _, _, d in G.edges(data=True))
    # the extract is clipped at its bounding box; the repair makes it loadable at all
    assert G.graph["beatcov_clipped_ways"] > 0
    assert nx.is_weakly_connected(G)
    again = load_streets(path, network_type=network_type, cache_dir=tmp_path / "cache")
    assert (len(again), again.number_of_edges()) == (len(G), G.number_of_edges())


@pytest.mark.parametrize("network_type", ["drive_service", "walk"])
def test_demo_extract(demo_extract: Path, tmp_path: Path, network_type: str) -> None:
    # a whole-way Overpass export: no way is clipped, and although a few of its ways reach
    # 18 x 32 km, the street network stays around the neighbourhood (118.763-118.796 E,
    # 32.036-32.052 N) within a kilometre
    path = shutil.copy(demo_extract, tmp_path / demo_extract.name)
    G = load_streets(path, network_type=network_type, cache_dir=tmp_path / "cache")
    assert len(G) > 300 and G.number_of_edges() > 800
    assert G.graph["beatcov_clipped_ways"] == 0
    assert nx.is_weakly_connected(G)
    _, edges = graph_frames(G)
    minx, miny, maxx, maxy = edges.total_bounds
    assert 118.75 < minx < 118.763 and 118.796 < maxx < 118.81
    assert 32.02 < miny < 32.036 and 32.052 < maxy < 32.07
    names = set(edges["name"].dropna().explode())  # merged edges list their names
    assert {"中山东路", "汉中路", "中山南路"} <= names


def test_demo_extract_features(demo_extract: Path) -> None:
    # the shared collection's README counts 1,277 buildings (one more is a node)
    found = load_features(demo_extract, keys=("building",))
    areas = found[found["osm_type"] != "node"]
    assert len(areas) == 1277
    assert (areas.geom_type.isin(["Polygon", "MultiPolygon"])).all() and areas.is_valid.all()


def test_unsorted_file_is_explained(tmp_path: Path) -> None:
    # ways before their nodes: pyosmium has no coordinates yet, so no way is usable
    nodes, ways = town()
    text = xml_text(nodes, ways)
    head, body = text.split("\n", 2)[:2], text.split("\n", 2)[2]
    node_part, way_part = body.split("  <way ", 1)
    way_part, tail = ("  <way " + way_part).rsplit("</osm>", 1)
    path = tmp_path / "unsorted.osm"
    path.write_text("\n".join(head) + "\n" + way_part + node_part + "</osm>" + tail)
    with pytest.raises(StreetsError, match="unsorted.osm has no .* complete .*osmium sort"):
        load_streets(path, cache=False)


def test_cache_unwritable_still_loads(
    town_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with caplog.at_level(logging.WARNING, logger="geo.streets"):
        G = load_streets(town_file, cache_dir=blocker / "cache")
    assert "could not write the street cache" in caplog.text
    assert (len(G), G.number_of_edges()) == COUNTS["drive_service"]
    assert list(tmp_path.rglob("*.graphml")) == []


# ---------------------------------------------------------------------------- features


@pytest.mark.parametrize("suffix", [".osm", ".osm.bz2", ".osm.pbf"])
def test_load_features_returns_tagged_nodes_and_areas(tmp_path: Path, suffix: str) -> None:
    # the town's building (way 304, a closed ring 0.2-0.4 steps from the south-west corner)
    # is an area; its streets are not (open ways); the traffic signals node (row 1, col 1)
    # and a shop node added here are points. Features without a wanted key are left out.
    nodes, ways = town()
    nodes.append((50, LAT0 + 0.3 * STEP, LON0 + 0.3 * STEP, {"shop": "bakery", "name": "A"}))
    path = write_osm(tmp_path / f"town{suffix}", nodes, ways)
    found = load_features(path, keys=("building", "shop", "highway"))
    assert list(found.columns) == ["osm_type", "osm_id", "tags", "geometry"]
    assert found.crs.to_epsg() == 4326
    assert list(zip(found["osm_type"], found["osm_id"], strict=True)) == [
        ("node", grid_id(1, 1)),
        ("node", 50),
        ("way", 304),
    ]
    assert found["tags"].tolist() == [
        {"highway": "traffic_signals"},
        {"shop": "bakery", "name": "A"},
        {"building": "yes"},
    ]
    building = found.geometry.iloc[2]
    assert building.geom_type == "Polygon"
    assert building.bounds == pytest.approx(
        (LON0 + 0.2 * STEP, LAT0 + 0.2 * STEP, LON0 + 0.4 * STEP, LAT0 + 0.4 * STEP)
    )
    assert found.geometry.iloc[1].coords[0] == pytest.approx((LON0 + 0.3 * STEP, LAT0 + 0.3 * STEP))
    assert load_features(path, keys=("landuse",)).empty


def test_load_features_skips_areas_cut_by_the_extract(tmp_path: Path) -> None:
    # the building's ring names a node the file lacks (clipped extract): no area, no error
    nodes, ways = town()
    nodes = [n for n in nodes if n[0] != 43]
    path = write_osm(tmp_path / "cut.osm", nodes, ways)
    assert load_features(path, keys=("building",)).empty


def test_load_features_refuses_what_is_not_an_osm_file(tmp_path: Path) -> None:
    with pytest.raises(StreetsError, match="missing.osm does not exist"):
        load_features(tmp_path / "missing.osm", keys=("building",))
    graphml = tmp_path / "streets.graphml"
    graphml.write_text("<graphml/>")
    with pytest.raises(StreetsError, match="streets.graphml: features are read from OSM files"):
        load_features(graphml, keys=("building",))

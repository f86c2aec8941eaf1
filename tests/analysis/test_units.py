"""Unit choice: street blocks, H3 cells by name, or H3 cells when the streets miss.

The streets are a 3 x 3 node grid 0.002° apart from (118.790, 32.040): 2 x 2 blocks, each
0.002° x 0.002° (about 189 m x 222 m at 32.04° N). One beat covers the grid; its four
households stand at the block centres (118.791 + 0.002 i, 32.041 + 0.002 j).
"""

from __future__ import annotations

import geopandas as gpd
import h3
import networkx as nx
import pytest
from shapely.geometry import LineString, Point, box

from analysis.units import H3_FALLBACK_RESOLUTION, Units, choose_units, parse_unit
from geo.errors import BeatcovError, UnitError
from geo.settings import DEFAULTS

LON0, LAT0, STEP = 118.790, 32.040, 0.002
AWAY = 0.1  # degrees east of the streets (moves the households' centre 9.26 km off the grid)


def grid() -> nx.MultiDiGraph:
    """The street grid, osmnx-style (two-way streets stored both ways)."""
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(3):
        for j in range(3):
            graph.add_node(10 * i + j, x=LON0 + STEP * i, y=LAT0 + STEP * j)
    pairs = [(10 * i + j, 10 * (i + 1) + j) for i in range(2) for j in range(3)]
    pairs += [(10 * i + j, 10 * i + j + 1) for i in range(3) for j in range(2)]
    for n, (u, v) in enumerate(pairs):
        for a, b in ((u, v), (v, u)):
            graph.add_edge(a, b, osmid=n, length=200.0)
    return graph


def one_street() -> nx.MultiDiGraph:
    """A single street along the grid's south edge: it encloses no block."""
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    graph.add_node(1, x=LON0, y=LAT0)
    graph.add_node(2, x=LON0 + 2 * STEP, y=LAT0)
    graph.add_edge(
        1, 2, osmid=1, length=378.0, geometry=LineString([(LON0, LAT0), (LON0 + 2 * STEP, LAT0)])
    )
    graph.add_edge(2, 1, osmid=1, length=378.0)
    return graph


def town(shift: float = 0.0, *, moved: int = 4) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The beat and its four households; the first ``moved`` of them ``shift``° east."""
    beat = gpd.GeoDataFrame(
        {"beat_id": ["B1"]},
        geometry=[box(LON0, LAT0, LON0 + 2 * STEP, LAT0 + 2 * STEP)],
        crs="EPSG:4326",
    )
    points, ids = [], []
    for n, (i, j) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)]):
        dx = shift if n < moved else 0.0
        points.append(Point(LON0 + STEP * (i + 0.5) + dx, LAT0 + STEP * (j + 0.5)))
        ids.append(f"H{n}")
    homes = gpd.GeoDataFrame({"household_id": ids}, geometry=points, crs="EPSG:4326")
    if moved and shift:
        beat = beat.set_geometry(beat.geometry.translate(xoff=shift))
    return beat, homes


def own_cells(homes: gpd.GeoDataFrame, resolution: int) -> set[str]:
    return {"H" + h3.latlng_to_cell(p.y, p.x, resolution) for p in homes.geometry}


# --------------------------------------------------------------------------- blocks


def test_streets_around_the_households_give_their_blocks() -> None:
    beat, homes = town()
    units = choose_units(beat, homes, streets=grid())
    assert isinstance(units, Units)
    assert units.unit == "blocks" and not units.fallback
    assert len(units.frame) == 4 and all(b.startswith("B") for b in units.frame["block_id"])
    assert units.check is not None and units.check.share == 0.0
    # each household lies in its own block
    inside = gpd.sjoin(homes, units.frame, predicate="within")
    assert inside["block_id"].nunique() == 4


def test_streets_elsewhere_fall_back_to_h3_cells_with_the_flag() -> None:
    beat, homes = town(AWAY)  # beat and households 9 km east of the streets
    units = choose_units(beat, homes, streets=grid(), fallback=True)
    assert units.fallback and units.unit == f"h3:{H3_FALLBACK_RESOLUTION}" == "h3:9"
    assert units.check is not None and units.check.misaligned and units.check.share == 1.0
    assert own_cells(homes, 9) <= set(units.frame["block_id"])
    assert {h3.get_resolution(c[1:]) for c in units.frame["block_id"]} == {9}


def test_streets_elsewhere_are_refused_when_the_user_named_them() -> None:
    beat, homes = town(AWAY)
    with pytest.raises(UnitError) as refused:
        choose_units(
            beat, homes, streets=grid(), streets_name="nanjing.osm", instead="use --unit h3:9"
        )
    # households' centre (118.892, 32.042) to the grid's east edge (118.794): 0.098° of
    # longitude, 94.46 km a degree at 32.04° N, so 9.26 km due west
    assert str(refused.value) == (
        "nanjing.osm: the street blocks miss the beats: 100% of the households lie farther "
        "than 50 m from every block (at most 50% may); the nearest block is 9.3 km west of "
        "the households' centre; use the street extract of the beats' area (OpenStreetMap "
        "data are WGS84), or use --unit h3:9"
    )


def test_streets_that_enclose_no_block_fall_back_or_are_refused() -> None:
    beat, homes = town()
    units = choose_units(beat, homes, streets=one_street(), fallback=True)
    assert units.fallback and units.unit == "h3:9"
    assert own_cells(homes, 9) <= set(units.frame["block_id"])
    with pytest.raises(UnitError, match="s.osm: .* 100% .*; the file has no street blocks"):
        choose_units(beat, homes, streets=one_street(), streets_name="s.osm")


def test_the_share_allowed_to_miss_is_the_settings() -> None:
    # two of the four households 9 km away: 50 % miss, which is at most the 50 % allowed
    beat, homes = town(AWAY, moved=2)
    kept = choose_units(beat, homes, streets=grid(), fallback=True)
    assert kept.unit == "blocks" and not kept.fallback
    assert kept.check is not None and kept.check.share == 0.5
    strict = DEFAULTS.replace(streets_miss_max_share=0.25)
    fell = choose_units(beat, homes, streets=grid(), fallback=True, settings=strict)
    assert fell.fallback and fell.unit == "h3:9"


def test_units_are_named_by_their_streets_or_else_by_their_ids() -> None:
    beat, homes = town()
    named = grid()
    for u, v, key in named.edges(keys=True):  # x = const streets and y = const streets
        along_y = named.nodes[u]["x"] == named.nodes[v]["x"]
        i, j = divmod(min(u, v), 10)
        named.edges[u, v, key]["name"] = f"Col {i}" if along_y else f"Row {j}"
    units = choose_units(beat, homes, streets=named)
    assert list(units.frame.columns[:2]) == ["block_id", "name"]
    # the south-west block lies between columns 0 and 1 and rows 0 and 1, 222 m x 189 m
    south_west = units.frame[units.frame.contains(Point(LON0 + STEP / 2, LAT0 + STEP / 2))]
    assert south_west["name"].tolist() == ["Col 0 / Col 1 / Row 0"]
    assert units.frame["name"].is_unique
    fell = choose_units(*town(AWAY), streets=named, fallback=True)
    assert (fell.frame["name"] == fell.frame["block_id"]).all()  # streets of another place


def test_blocks_need_streets() -> None:
    beat, homes = town()
    with pytest.raises(UnitError, match="street blocks need a street graph"):
        choose_units(beat, homes)


# --------------------------------------------------------------------------- h3 by name


def test_h3_cells_by_name_need_no_streets_and_are_no_fallback() -> None:
    beat, homes = town(AWAY)
    units = choose_units(beat, homes, unit="h3:10", streets=grid())
    assert units.unit == "h3:10" and not units.fallback and units.check is None
    assert own_cells(homes, 10) <= set(units.frame["block_id"])
    assert {h3.get_resolution(c[1:]) for c in units.frame["block_id"]} == {10}


@pytest.mark.parametrize(
    ("text", "resolution"),
    [("blocks", None), ("h3:0", 0), ("h3:9", 9), ("h3:15", 15), ("h3:09", 9)],
)
def test_unit_names(text: str, resolution: int | None) -> None:
    assert parse_unit(text) == resolution


@pytest.mark.parametrize(
    "text", ["hexagons", "h3:", "h3:16", "h3:-1", "h3:x", "H3:9", "h3:9 ", "Blocks", ""]
)
def test_unknown_units_are_named_with_the_fix(text: str) -> None:
    expected = f"--unit {text!r}: use blocks or h3:RES with RES from 0 to 15 (e.g. h3:9)"
    with pytest.raises(UnitError) as refused:
        parse_unit(text, name="--unit")
    assert str(refused.value) == expected
    assert isinstance(refused.value, BeatcovError)
    with pytest.raises(UnitError, match=r"^unit 'hexagons': use blocks"):
        choose_units(*town(), unit="hexagons", streets=grid())

"""Block names from a hand-drawn 2 x 2 grid of named streets, worked out on paper.

The grid (metres, UTM 35N offset to central Helsinki, as in ``test_blocks.py``)::

    y=300  +----- North Rd ------+-------------+
           |                     |             |
           West St    C        Mid St    D    (S122: ref only, no name)
           |                     |             |
    y=100  +----- Centre Rd -----+-------------+
           |          A          |      B      |
    y=0    +----- South Rd ------+-------------+
          x=0                 x=100         x=250

A street runs along a boundary where it lies within 1 m of it, so a street that goes on
past a corner adds 1 m: block A has West St, Mid St, South Rd and Centre Rd at 101 m each;
B has Mid St and S122 at 101 m, South Rd and Centre Rd at 151 m (99..250); C has West St and
Mid St at 201 m, Centre Rd and North Rd at 101 m; D has Mid St and S122 at 201 m, Centre Rd
and North Rd at 151 m. Equal lengths go by label.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pandas as pd
import pyproj
import pytest
from shapely.geometry import LineString, Point, box

from geo.block_names import (
    NEAR_MARK,
    block_names,
    bounding_lengths,
    labelled_streets,
    short_id,
)
from geo.blocks import blocks_from_graph, h3_cells
from geo.errors import CRSError, SchemaError
from geo.settings import DEFAULTS

UTM = "EPSG:32635"
X0, Y0 = 385_000.0, 6_672_000.0
XS, YS = (0, 100, 250), (0, 100, 300)
VERTICAL = {0: "West St", 100: "Mid St", 250: None}  # x=250 has only ref S122
HORIZONTAL = {0: "South Rd", 100: "Centre Rd", 300: "North Rd"}


def _node(xy: tuple[int, int]) -> int:
    return 1000 * xy[0] + xy[1]


def _grid_graph(*, merged: bool = False) -> nx.MultiDiGraph:
    """osmnx-like graph of the grid above, two-way streets stored both ways, in WGS84."""
    to_wgs = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for x in XS:
        for y in YS:
            lon, lat = to_wgs.transform(X0 + x, Y0 + y)
            G.add_node(_node((x, y)), x=lon, y=lat)
    segments = []
    for x in XS:
        for y0, y1 in zip(YS, YS[1:], strict=False):
            segments.append(((x, y0), (x, y1), VERTICAL[x]))
    for y in YS:
        for x0, x1 in zip(XS, XS[1:], strict=False):
            segments.append(((x0, y), (x1, y), HORIZONTAL[y]))
    for n, (u, v, name) in enumerate(segments):
        attrs: dict[str, object] = {"osmid": n, "length": 1.0}
        if name is not None:
            attrs["name"] = name
        elif u[0] == 250:
            attrs["ref"] = "S122"
        if merged and u == (100, 300) and v == (250, 300):
            attrs["name"] = ["North Rd", "Hill Rd"]  # simplification merged two ways
        G.add_edge(_node(u), _node(v), **attrs)
        G.add_edge(_node(v), _node(u), **attrs)
    return G


@pytest.fixture(scope="module")
def grid() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The grid's four blocks (WGS84) and labelled streets, blocks keyed A-D by position."""
    G = _grid_graph()
    blocks = blocks_from_graph(G)
    utm = blocks.to_crs(UTM).geometry.centroid
    letter = [
        "AB"[int(x - X0 > 100)] if y - Y0 < 100 else "CD"[int(x - X0 > 100)]
        for x, y in zip(utm.x, utm.y, strict=True)
    ]
    blocks.index = pd.Index(letter, name="letter")
    return blocks.sort_index(), labelled_streets(G)


def test_labelled_streets_once_each_with_name_else_ref() -> None:
    streets = labelled_streets(_grid_graph())
    # 12 segments stored both ways: each once; all labelled (S122 by its ref)
    assert len(streets) == 12
    assert streets["weight"].tolist() == [1.0] * 12
    assert sorted(streets["label"].unique()) == [
        "Centre Rd",
        "Mid St",
        "North Rd",
        "S122",
        "South Rd",
        "West St",
    ]
    assert streets.crs == pyproj.CRS("EPSG:4326")


def test_a_merged_edge_shares_its_length_among_its_names() -> None:
    streets = labelled_streets(_grid_graph(merged=True))
    merged = streets[streets["weight"] < 1]
    assert sorted(merged["label"]) == ["Hill Rd", "North Rd"]
    assert merged["weight"].tolist() == [0.5, 0.5]


def test_bounding_lengths_are_the_streets_along_the_boundary(grid) -> None:
    blocks, streets = grid
    metric = blocks.to_crs(UTM)
    lengths = bounding_lengths(metric.geometry, streets.to_crs(UTM))
    got = {
        (blocks.index[u], label): round(m)
        for u, label, m in lengths.itertuples(index=False)
        if m > 5  # streets that only touch a corner add about a metre
    }
    assert got == {
        ("A", "West St"): 101, ("A", "Mid St"): 101, ("A", "South Rd"): 101,
        ("A", "Centre Rd"): 101,
        ("B", "Mid St"): 101, ("B", "S122"): 101, ("B", "South Rd"): 151,
        ("B", "Centre Rd"): 151,
        ("C", "West St"): 201, ("C", "Mid St"): 201, ("C", "Centre Rd"): 101,
        ("C", "North Rd"): 101,
        ("D", "Mid St"): 201, ("D", "S122"): 201, ("D", "Centre Rd"): 151,
        ("D", "North Rd"): 151,
    }  # fmt: skip


def test_names_are_the_three_longest_streets_longest_first(grid) -> None:
    blocks, streets = grid
    names = block_names(blocks, streets)
    assert names.name == "name"
    assert names.index.equals(blocks.index)
    assert names.to_dict() == {
        "A": "Centre Rd / Mid St / South Rd",  # four at 101 m: by label
        "B": "Centre Rd / South Rd / Mid St",  # 151, 151, then 101 (Mid St before S122)
        "C": "Mid St / West St / Centre Rd",  # 201, 201, then 101 (Centre before North)
        "D": "Mid St / S122 / Centre Rd",  # 201, 201 (a ref names as a name), 151
    }


def test_fewer_streets_per_name_and_duplicates_get_a_short_id(grid) -> None:
    blocks, streets = grid
    two = block_names(blocks, streets, settings=DEFAULTS.replace(block_name_streets=2))
    assert two.to_dict() == {
        "A": "Centre Rd / Mid St",
        "B": "Centre Rd / South Rd",
        "C": "Mid St / West St",
        "D": "Mid St / S122",
    }
    one = block_names(blocks, streets, settings=DEFAULTS.replace(block_name_streets=1))
    ids = blocks["block_id"]
    assert one.to_dict() == {
        "A": f"Centre Rd #{ids['A'][1:5]}",
        "B": f"Centre Rd #{ids['B'][1:5]}",
        "C": f"Mid St #{ids['C'][1:5]}",
        "D": f"Mid St #{ids['D'][1:5]}",
    }


def test_a_street_shorter_than_the_minimum_along_the_boundary_does_not_name(grid) -> None:
    blocks, streets = grid
    names = block_names(blocks, streets, settings=DEFAULTS.replace(block_name_min_m=150.0))
    assert names.to_dict() == {
        "A": "~Centre Rd",  # nothing reaches 150 m: the nearest street (all at 0 m, by label)
        "B": "Centre Rd / South Rd",
        "C": "Mid St / West St",
        "D": "Mid St / S122 / Centre Rd",
    }


def test_names_are_deterministic_whatever_the_order(grid) -> None:
    blocks, streets = grid
    first = block_names(blocks, streets)
    again = block_names(blocks.iloc[::-1], streets.iloc[::-1].to_crs(UTM))
    assert again.reindex(first.index).equals(first)


def test_a_block_ringed_by_unnamed_streets_is_near_the_nearest_named_one() -> None:
    block = gpd.GeoDataFrame(
        {"block_id": ["Babcdef0123"]}, geometry=[box(X0, Y0, X0 + 100, Y0 + 100)], crs=UTM
    )
    far = LineString([(X0, Y0 + 150), (X0 + 100, Y0 + 150)])  # 50 m north
    farther = LineString([(X0, Y0 - 80), (X0 + 100, Y0 - 80)])  # 80 m south
    streets = gpd.GeoDataFrame(
        {"label": ["长江路", "中山路"], "weight": [1.0, 1.0]}, geometry=[far, farther], crs=UTM
    )
    assert block_names(block, streets).tolist() == [NEAR_MARK + "长江路"]
    near_40 = DEFAULTS.replace(block_name_near_m=40.0)
    assert block_names(block, streets, settings=near_40).tolist() == ["Babcdef0123"]
    assert block_names(block, None).tolist() == ["Babcdef0123"]


def test_h3_cells_are_named_by_the_street_longest_inside_them() -> None:
    cells = h3_cells(
        gpd.GeoSeries([box(24.9400, 60.1700, 24.9401, 60.1701)], crs="EPSG:4326"),
        resolution=9,
        points=gpd.GeoSeries([Point(24.94, 60.17)], crs="EPSG:4326"),
    )
    assert len(cells) == 1
    centre = cells.to_crs(UTM).geometry.centroid.iloc[0]
    cx, cy = centre.x, centre.y
    streets = gpd.GeoDataFrame(
        {"label": ["Short Rd", "Long Rd"], "weight": [1.0, 1.0]},
        geometry=[
            LineString([(cx - 20, cy), (cx + 20, cy)]),
            LineString([(cx - 5, cy - 100), (cx - 5, cy + 100)]),
        ],
        crs=UTM,
    )
    assert block_names(cells, streets).tolist() == ["~Long Rd"]


def test_short_ids_of_hash_ids_and_of_other_ids() -> None:
    assert short_id("Bcc6dc18e8f") == "cc6d"
    assert short_id("Bcc6dc18e8f-2", length=20) == "cc6dc18e8f-2"
    h3_short = short_id("H89309a5c0dbffff")
    assert len(h3_short) == 4 and h3_short != short_id("H89309a5c0dffff")


def test_duplicates_whose_short_ids_agree_are_lengthened() -> None:
    blocks = gpd.GeoDataFrame(
        {"block_id": ["Baaaa111111", "Baaaa222222", "Bbbbb000000"]},
        geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10)],
        crs=UTM,
    )
    names = block_names(blocks, None)  # ids as names: unique already
    assert names.tolist() == ["Baaaa111111", "Baaaa222222", "Bbbbb000000"]
    street = gpd.GeoDataFrame(
        {"label": ["Long Rd"], "weight": [1.0]},
        geometry=[LineString([(-5, -5), (60, -5)])],
        crs=UTM,
    )
    named = block_names(blocks, street)
    assert named.tolist() == ["~Long Rd #aaaa1", "~Long Rd #aaaa2", "~Long Rd #bbbb0"]


def test_errors_name_what_is_missing(grid) -> None:
    blocks, streets = grid
    with pytest.raises(SchemaError, match="'block_id' is missing"):
        block_names(blocks.drop(columns="block_id"), streets)
    with pytest.raises(SchemaError, match="weight"):
        block_names(blocks, streets.drop(columns="weight"))
    with pytest.raises(CRSError, match="units have no coordinate system"):
        block_names(blocks.set_crs(None, allow_override=True), streets)


def test_every_demo_block_has_a_unique_name(demo_units, demo_extract, demo_settings) -> None:
    from geo.streets import load_streets

    graph = load_streets(demo_extract, network_type=demo_settings.network_type)
    names = block_names(demo_units, labelled_streets(graph), settings=demo_settings)
    assert names.str.len().gt(0).all()
    assert names.is_unique
    by_streets = ~names.str.startswith(NEAR_MARK) & ~names.isin(demo_units["block_id"])
    assert by_streets.mean() > 0.9  # most blocks are named by their own streets
    assert " / " in names.iloc[0]

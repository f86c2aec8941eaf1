"""Spatial joins on hand-drawn squares whose answers are worked out on paper.

Coordinates are metres in UTM zone 35N (EPSG:32635) offset to central Helsinki; the local
UTM zone of these data is 35N itself, so metric distances are exactly the drawn ones.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from geo.errors import CRSError, SchemaError, StreetsError
from geo.joins import (
    _contained_tree,
    _pick_smallest,
    assign_points,
    blocks_to_beats,
    join_households,
    nearest_nodes,
)
from geo.settings import DEFAULTS

UTM = "EPSG:32635"
X0, Y0 = 385_000.0, 6_672_000.0


def sq(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def pt(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def two_by_two() -> gpd.GeoDataFrame:
    """Blocks of 100 m: b2 south-west, b1 south-east, b4 north-west, b3 north-east."""
    return gpd.GeoDataFrame(
        {"block_id": ["b2", "b1", "b4", "b3"]},
        geometry=[
            sq(0, 0, 100, 100),
            sq(100, 0, 200, 100),
            sq(0, 100, 100, 200),
            sq(100, 100, 200, 200),
        ],
        crs=UTM,
    )


def points(coords: dict[str, tuple[float, float] | None]) -> gpd.GeoDataFrame:
    geoms = [None if c is None else pt(*c) for c in coords.values()]
    return gpd.GeoDataFrame({"n": range(len(coords))}, geometry=geoms, index=list(coords), crs=UTM)


def test_assign_points_inside_edge_corner_outside() -> None:
    pts = points(
        {
            "in": (50, 50),  # inside b2
            "edge": (100, 50),  # shared edge b2|b1 -> smaller id b1
            "corner": (100, 100),  # corner of all four -> b1
            "outer_edge": (50, 0),  # south edge of b2 only -> b2
            "east50": (250, 50),  # 50 m east of b1
            "tie30": (100, -30),  # 30 m south of both b2 and b1 -> b1
            "none": None,
        }
    )
    got = assign_points(pts, two_by_two(), id_column="block_id")
    assert got.name == "block_id"
    assert got.index.tolist() == pts.index.tolist()
    assert got.dtype == "string"
    expected = ["b2", "b1", "b1", "b2", pd.NA, pd.NA, pd.NA]
    assert got.tolist() == expected
    near = assign_points(pts, two_by_two(), id_column="block_id", max_distance_m=60)
    assert near.tolist() == ["b2", "b1", "b1", "b2", "b1", "b1", pd.NA]
    # beyond the max distance: 50 m > 40 m, 30 m <= 40 m
    far = assign_points(pts, two_by_two(), id_column="block_id", max_distance_m=40)
    assert far.tolist() == ["b2", "b1", "b1", "b2", pd.NA, "b1", pd.NA]


def test_assign_points_nearest_at_exactly_the_distance_beyond_the_extent() -> None:
    # the points farther than max_distance_m from all blocks' extent are dropped before
    # the search; at exactly the distance, diagonally off a corner too, they are kept
    pts = points(
        {
            "east": (250, 50),  # 50 m east of b1
            "corner": (230, 240),  # 50 m (30, 40) north-east of b3's corner
            "beyond": (250.01, 50),
            "corner_beyond": (230, 240.01),
            "south": (150, -50),
        }
    )
    got = assign_points(pts, two_by_two(), id_column="block_id", max_distance_m=50)
    assert got.tolist() == ["b1", "b3", pd.NA, pd.NA, "b1"]


def test_assign_points_empty_geometry_of_another_type_counts_as_missing() -> None:
    pts = gpd.GeoSeries([pt(50, 50), LineString(), None], crs=UTM)
    got = assign_points(pts, two_by_two(), id_column="block_id", max_distance_m=50)
    assert got.tolist() == ["b2", pd.NA, pd.NA]
    with pytest.raises(SchemaError, match=r"feature 2 \(index 1\) .* is a LineString"):
        assign_points(
            gpd.GeoSeries([pt(50, 50), LineString([pt(0, 0), pt(1, 1)])], crs=UTM),
            two_by_two(),
            id_column="block_id",
        )


def test_assign_points_boundary_rule_does_not_depend_on_row_order() -> None:
    units = two_by_two().iloc[::-1]
    pts = points({"edge": (100, 50), "corner": (100, 100), "north_edge": (50, 100)})
    # north_edge (50, 100) lies on b2|b4 -> b2
    got = assign_points(pts, units, id_column="block_id")
    assert got.tolist() == ["b1", "b1", "b2"]


def test_assign_points_in_wgs84_measures_metres() -> None:
    # The same squares and points in WGS84: containment in degrees, distances in metres.
    units = two_by_two().to_crs("EPSG:4326")
    pts = points({"in": (150, 50), "east50": (250, 50)}).to_crs("EPSG:4326")
    assert assign_points(pts, units, id_column="block_id", max_distance_m=51).tolist() == [
        "b1",
        "b1",
    ]
    assert assign_points(pts, units, id_column="block_id", max_distance_m=49).tolist() == [
        "b1",
        pd.NA,
    ]


def test_assign_points_integer_ids_and_counts() -> None:
    units = two_by_two().assign(num=[2, 1, 4, 3])
    rng = np.random.default_rng(3)
    xy = rng.uniform(-20, 220, size=(200, 2))
    pts = gpd.GeoDataFrame(geometry=[pt(x, y) for x, y in xy], crs=UTM)
    got = assign_points(pts, units, id_column="num")
    assert got.dtype == "Int64"
    assert len(got) == 200  # never drops a point
    # points within the 200 x 200 square get an id; the others are <NA>
    inside = (xy >= 0).all(axis=1) & (xy <= 200).all(axis=1)
    assert got.notna().to_numpy().tolist() == inside.tolist()


def test_assign_points_errors() -> None:
    pts = points({"a": (1, 1)})
    with pytest.raises(CRSError, match="EPSG:32635 but units is in EPSG:4326"):
        assign_points(pts, two_by_two().to_crs("EPSG:4326"), id_column="block_id")
    with pytest.raises(SchemaError, match=r"lacks column\(s\)"):
        assign_points(pts, two_by_two(), id_column="beat_id")
    polys = gpd.GeoDataFrame(geometry=[sq(0, 0, 1, 1)], crs=UTM)
    with pytest.raises(SchemaError, match="feature 1 .* is a Polygon, not a Point"):
        assign_points(polys, two_by_two(), id_column="block_id")
    blank = two_by_two().assign(block_id=["b2", None, "b4", "b3"])
    with pytest.raises(SchemaError, match="feature 2 has no value in column 'block_id'"):
        assign_points(pts, blank, id_column="block_id")


def beats_ab() -> gpd.GeoDataFrame:
    """Beat A: west column x 0..100; beat B: x 100..300 (reaching 100 m beyond the blocks)."""
    return gpd.GeoDataFrame(
        {"beat_id": ["B", "A"]}, geometry=[sq(100, 0, 300, 200), sq(0, 0, 100, 200)], crs=UTM
    )


def test_join_households_placements() -> None:
    hh = points(
        {
            "h1": (50, 50),  # inside b2, beat A
            "h2": (100, 50),  # edge b2|b1 -> b1; edge A|B -> A
            "h3": (150, 0),  # south edge of b1 only (and of beat B)
            "h4": (230, 50),  # 30 m east of b1, beat B -> nearest block b1
            "h5": (280, 50),  # 80 m east of b1 (> 50 m), beat B -> outside:B
            "h6": (500, 500),  # outside every block and beat
            "h7": None,  # no location
        }
    )
    got = join_households(hh, two_by_two(), beats_ab())
    assert got.index.tolist() == hh.index.tolist()
    assert list(got.columns) == ["block_id", "beat_id", "placement"]
    assert got["block_id"].tolist() == ["b2", "b1", "b1", "b1", "outside:B", "outside", "outside"]
    assert got["beat_id"].tolist() == ["A", "A", "B", "B", "B", pd.NA, pd.NA]
    assert got["placement"].tolist() == [
        "inside",
        "boundary",
        "boundary",
        "nearest_block",
        "outside",
        "outside",
        "outside",
    ]
    # every household is counted exactly once
    assert got["block_id"].value_counts().sum() == len(hh)
    # a wider allowance pulls h5 (80 m away) into b1
    wide = join_households(
        hh, two_by_two(), beats_ab(), settings=DEFAULTS.replace(outside_block_max_m=100.0)
    )
    assert wide.loc["h5", "block_id"] == "b1"
    assert wide.loc["h5", "placement"] == "nearest_block"


def test_join_households_counts_sum_to_households() -> None:
    rng = np.random.default_rng(11)
    xy = rng.uniform(-100, 400, size=(500, 2))
    hh = gpd.GeoDataFrame(geometry=[pt(x, y) for x, y in xy], crs=UTM)
    got = join_households(hh, two_by_two(), beats_ab())
    assert int(got.groupby("block_id").size().sum()) == 500
    assert got["block_id"].notna().all()
    assert set(got["placement"]) <= {"inside", "boundary", "nearest_block", "outside"}


def test_join_households_crs_must_match() -> None:
    hh = points({"h1": (50, 50)})
    with pytest.raises(CRSError, match="households is in EPSG:32635 but beats"):
        join_households(hh, two_by_two(), beats_ab().to_crs("EPSG:4326"))


def test_blocks_to_beats_split_and_outside() -> None:
    # Beat A covers x 0..70 below y=100 and x 0..99.5 above; B the rest up to x=200.
    a = sq(0, 0, 70, 100).union(sq(0, 100, 99.5, 200))
    b = sq(70, 0, 200, 100).union(sq(99.5, 100, 200, 200))
    # beats D (west half) and C (east half) of block "tie": equal overlap -> smaller id C
    beats = gpd.GeoDataFrame(
        {"beat_id": ["A", "B", "D", "C"]},
        geometry=[a, b, sq(0, 300, 50, 400), sq(50, 300, 100, 400)],
        crs=UTM,
    )
    blocks = gpd.GeoDataFrame(
        {"block_id": ["split", "whole", "almost", "nowhere", "tie"]},
        geometry=[
            sq(0, 0, 100, 100),  # 70 % in A, 30 % in B -> A, split
            sq(100, 0, 200, 100),  # all in B
            sq(0, 100, 100, 200),  # 99.5 % in A, 0.5 % in B: under 1 %, not split
            sq(1000, 1000, 1100, 1100),  # in no beat
            sq(0, 300, 100, 400),  # 50/50
        ],
        index=[10, 11, 12, 13, 14],
        crs=UTM,
    )
    got = blocks_to_beats(blocks, beats)
    assert got.index.tolist() == [10, 11, 12, 13, 14]
    assert got["beat_id"].tolist() == ["A", "B", "A", pd.NA, "C"]
    assert got["overlap_share"].tolist() == pytest.approx([0.7, 1.0, 0.995, 0.0, 0.5])
    assert got["split"].tolist() == [True, False, False, False, True]
    # a stricter threshold calls the 0.5 % sliver a split too
    strict = blocks_to_beats(blocks, beats, split_min_share=0.001)
    assert strict["split"].tolist() == [True, False, True, False, True]


def test_blocks_to_beats_in_wgs84() -> None:
    beats = gpd.GeoDataFrame(
        {"beat_id": ["A", "B"]}, geometry=[sq(0, 0, 70, 100), sq(70, 0, 200, 100)], crs=UTM
    )
    blocks = gpd.GeoDataFrame({"block_id": ["x"]}, geometry=[sq(0, 0, 100, 100)], crs=UTM)
    got = blocks_to_beats(blocks.to_crs("EPSG:4326"), beats.to_crs("EPSG:4326"))
    assert got["beat_id"].tolist() == ["A"]
    assert got["overlap_share"].iloc[0] == pytest.approx(0.7, abs=1e-6)


def street_graph() -> nx.MultiDiGraph:
    """Three osmnx-like nodes in WGS84: 10 at (0, 0), 20 at (100, 0), 30 at (0, 100)."""
    to_wgs = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for node, (x, y) in {10: (0, 0), 20: (100, 0), 30: (0, 100)}.items():
        lon, lat = to_wgs.transform(X0 + x, Y0 + y)
        G.add_node(node, x=lon, y=lat)
    G.add_edge(10, 20, length=100.0)
    G.add_edge(10, 30, length=100.0)
    return G


def test_nearest_nodes() -> None:
    pts = points({"p": (10, 10), "q": (90, -5), "r": (-30, 80), "s": (60, 55), "none": None})
    # s (60, 55): to 20 at (100, 0) sqrt(40² + 55²) = 68.0 m, to 10 sqrt(60² + 55²) = 81.4 m,
    # to 30 at (0, 100) sqrt(60² + 45²) = 75.0 m -> 20
    got = nearest_nodes(pts, street_graph())
    assert got.name == "node"
    assert got.index.tolist() == pts.index.tolist()
    assert got.tolist() == [10, 20, 30, 20, pd.NA]
    assert nearest_nodes(pts.to_crs("EPSG:4326"), street_graph()).tolist() == got.tolist()


def test_nearest_nodes_errors() -> None:
    pts = points({"p": (10, 10)})
    with pytest.raises(StreetsError, match="no nodes"):
        nearest_nodes(pts, nx.MultiDiGraph(crs="EPSG:4326"))
    with pytest.raises(CRSError, match="no coordinate system"):
        nearest_nodes(gpd.GeoSeries([Point(0, 0)]), street_graph())


def test_contained_tree_equals_the_intersects_query_on_edges_vertices_and_holes() -> None:
    # units: a square with a hole, a multipolygon of two triangles, a slanted quadrilateral
    # sharing edges and vertices with them, an invalid bow tie, an overlapping box, an empty
    # polygon; points at every vertex, on every edge's midpoint and at random, plus missing
    # and empty points: the box query and each unit's test give the predicate query's pairs
    holed = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    triangles = shapely.MultiPolygon(
        [Polygon([(4, 0), (7, 0), (4, 3)]), Polygon([(5, 4), (7, 2), (7, 4)])]
    )
    slanted = Polygon([(0, 4), (4, 4), (5, 7), (0.3, 6.1)])
    bow_tie = Polygon([(8, 0), (10, 2), (10, 0), (8, 2)])
    units = np.array([holed, triangles, slanted, bow_tie, box(2, 2, 6, 5), Polygon()], dtype=object)
    rings = shapely.get_coordinates(shapely.boundary(units[:-1]))
    mids = (rings[:-1] + rings[1:]) / 2
    rng = np.random.default_rng(2)
    spread = rng.uniform(-1, 11, (400, 2))
    coords = np.vstack([rings, mids, spread, np.round(spread)])
    geoms = np.concatenate([shapely.points(coords), np.array([None, Point()], dtype=object)])
    rank = np.array([3, 0, 5, 1, 2, 4])
    shapely.prepare(units)
    left, right = shapely.STRtree(units).query(geoms, predicate="intersects")
    expected = _pick_smallest(left, right, rank, len(geoms))
    assert (expected >= 0).sum() > 300 and (expected < 0).sum() > 50
    assert _contained_tree(geoms, units, rank).tolist() == expected.tolist()

"""Street blocks from hand-drawn street grids whose answers are worked out on paper.

Coordinates are metres in UTM zone 35N (EPSG:32635) offset to central Helsinki, so that the
WGS84 ids are computed where the real data live.
"""

from __future__ import annotations

import random

import geopandas as gpd
import h3
import networkx as nx
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, box

import geo.blocks
from geo.blocks import block_neighbours, blocks_from_graph, blocks_from_lines, h3_cells
from geo.errors import CRSError, SchemaError, StreetsError
from geo.settings import DEFAULTS

UTM = "EPSG:32635"
X0, Y0 = 385_000.0, 6_672_000.0


def line(*pts: tuple[float, float]) -> LineString:
    return LineString([(X0 + x, Y0 + y) for x, y in pts])


def grid_lines(xs=(0, 100, 200, 300), ys=(0, 100, 200, 300)) -> list[LineString]:
    """Streets x=const and y=const spanning the whole grid."""
    out = [line((x, ys[0]), (x, ys[-1])) for x in xs]
    out += [line((xs[0], y), (xs[-1], y)) for y in ys]
    return out


def as_series(lines: list[LineString]) -> gpd.GeoSeries:
    return gpd.GeoSeries(lines, crs=UTM)


def test_grid_gives_nine_square_blocks() -> None:
    # 4 vertical and 4 horizontal streets 100 m apart enclose 3 x 3 cells of 100 m x 100 m.
    blocks = blocks_from_lines(as_series(grid_lines()))
    assert list(blocks.columns) == ["block_id", "area_m2", "geometry"]
    assert len(blocks) == 9
    assert blocks["area_m2"].tolist() == pytest.approx([10_000.0] * 9)
    assert blocks.crs == pyproj.CRS(UTM)
    assert blocks["block_id"].is_unique
    assert blocks["block_id"].tolist() == sorted(blocks["block_id"])
    assert blocks["block_id"].str.fullmatch(r"B[0-9a-f]{10}").all()
    # every cell centre (50 + 100i, 50 + 100j) lies in exactly one block
    centres = [Point(X0 + 50 + 100 * i, Y0 + 50 + 100 * j) for i in range(3) for j in range(3)]
    hits = [int(blocks.contains(c).sum()) for c in centres]
    assert hits == [1] * 9


def test_accepts_a_geodataframe_of_lines() -> None:
    frame = gpd.GeoDataFrame({"name": ["s"] * 8}, geometry=grid_lines(), crs=UTM)
    assert len(blocks_from_lines(frame)) == 9


def test_cul_de_sac_does_not_split_the_block() -> None:
    # A dead end from the middle of the street y=100 into the centre block stops at y=160:
    # it is a dangle, so the centre block stays one block of 10,000 m².
    lines = [*grid_lines(), line((150, 100), (150, 160))]
    blocks = blocks_from_lines(as_series(lines))
    assert len(blocks) == 9
    assert blocks["area_m2"].tolist() == pytest.approx([10_000.0] * 9)
    # its ids are those of the plain grid: the dangle adds a vertex but not area
    plain = blocks_from_lines(as_series(grid_lines()))
    assert blocks["block_id"].tolist() == plain["block_id"].tolist()


def test_sliver_below_minimum_is_dropped() -> None:
    # A street at y=299 across the top-left block cuts it into 100 x 99 = 9,900 m² and a
    # 100 x 1 = 100 m² strip; the strip is below 200 m² and disappears.
    lines = [*grid_lines(), line((0, 299), (100, 299))]
    blocks = blocks_from_lines(as_series(lines), min_area_m2=200.0)
    assert len(blocks) == 9
    assert sorted(blocks["area_m2"].round(6)) == [9_900.0] + [10_000.0] * 8
    # with a threshold of 50 m² the strip is a block of its own
    kept = blocks_from_lines(as_series(lines), min_area_m2=50.0)
    assert sorted(kept["area_m2"].round(6)) == [100.0, 9_900.0] + [10_000.0] * 8


def test_ids_do_not_depend_on_line_order_or_direction() -> None:
    lines = grid_lines()
    first = blocks_from_lines(as_series(lines))
    again = blocks_from_lines(as_series(lines))
    rng = random.Random(7)
    for _ in range(5):
        shuffled = [LineString(list(ln.coords)[::-1]) for ln in lines]
        rng.shuffle(shuffled)
        other = blocks_from_lines(as_series(shuffled))
        assert other["block_id"].tolist() == first["block_id"].tolist()
        assert other.geometry.geom_equals(first.geometry).all()
    assert again["block_id"].tolist() == first["block_id"].tolist()


def test_ids_change_only_for_blocks_that_change() -> None:
    # Moving the east street from x=300 to x=310 widens the 3 east blocks (110 x 100 m) and
    # leaves the 6 others alone: 6 ids are kept, the 3 changed blocks get new ids.
    before = blocks_from_lines(as_series(grid_lines()))
    after = blocks_from_lines(as_series(grid_lines(xs=(0, 100, 200, 310))))
    kept = set(before["block_id"]) & set(after["block_id"])
    assert len(kept) == 6
    changed = after[~after["block_id"].isin(before["block_id"])]
    assert changed["area_m2"].tolist() == pytest.approx([11_000.0] * 3)


def test_ring_block_and_centred_block_get_different_ids() -> None:
    # An outer square 0..300 and a separate inner loop 100..200: a ring block of
    # 90,000 - 10,000 = 80,000 m² around a 10,000 m² block, both centred on (150, 150),
    # so their rounded centroids clash and the representative point tells them apart.
    outer = [line((0, 0), (300, 0), (300, 300), (0, 300), (0, 0))]
    inner = [line((100, 100), (200, 100), (200, 200), (100, 200), (100, 100))]
    blocks = blocks_from_lines(as_series(outer + inner))
    assert sorted(blocks["area_m2"].round(6)) == [10_000.0, 80_000.0]
    assert blocks["block_id"].is_unique
    assert blocks["block_id"].str.fullmatch(r"B[0-9a-f]{10}").all()
    reversed_ = blocks_from_lines(as_series(inner[::-1] + outer))
    assert reversed_["block_id"].tolist() == blocks["block_id"].tolist()


def test_full_hash_collision_gets_deterministic_suffixes(monkeypatch) -> None:
    # Force every key to hash to the same id: the 9 blocks become Bsame-1 .. Bsame-9,
    # numbered in the order of their keys, hence the same for shuffled input.
    monkeypatch.setattr(geo.blocks, "_hash_id", lambda key: "Bsame")
    lines = grid_lines()
    blocks = blocks_from_lines(as_series(lines))
    assert sorted(blocks["block_id"]) == sorted(f"Bsame-{n}" for n in range(1, 10))
    shuffled = lines[::-1]
    other = blocks_from_lines(as_series(shuffled))
    assert other["block_id"].tolist() == blocks["block_id"].tolist()
    assert other.geometry.geom_equals(blocks.geometry).all()


def test_boundary_clips_blocks() -> None:
    # Clip to x <= 150: the west column stays whole (3 x 10,000 m²), the middle column keeps
    # 50 x 100 = 5,000 m² per block, the east column vanishes.
    clip = box(X0, Y0, X0 + 150, Y0 + 300)
    blocks = blocks_from_lines(as_series(grid_lines()), boundary=clip)
    assert sorted(blocks["area_m2"].round(6)) == [5_000.0] * 3 + [10_000.0] * 3
    # the same boundary given in WGS84 as a GeoSeries is converted to the lines' CRS
    wgs = gpd.GeoSeries([clip], crs=UTM).to_crs("EPSG:4326")
    again = blocks_from_lines(as_series(grid_lines()), boundary=wgs)
    assert sorted(again["area_m2"].round(3)) == [5_000.0] * 3 + [10_000.0] * 3


def test_geographic_crs_is_refused() -> None:
    lines = as_series(grid_lines()).to_crs("EPSG:4326")
    with pytest.raises(CRSError, match="geographic CRS"):
        blocks_from_lines(lines)
    with pytest.raises(CRSError, match="no coordinate system"):
        blocks_from_lines(gpd.GeoSeries(grid_lines()))
    with pytest.raises(CRSError, match="not metres"):
        blocks_from_lines(as_series(grid_lines()).to_crs("EPSG:2263"))  # US survey feet


def test_non_line_geometry_is_refused() -> None:
    frame = gpd.GeoSeries([*grid_lines(), Point(X0, Y0)], crs=UTM)
    with pytest.raises(SchemaError, match=r"feature 9 .* is a Point"):
        blocks_from_lines(frame)


def test_no_enclosed_area_gives_empty_frame() -> None:
    blocks = blocks_from_lines(as_series([line((0, 0), (100, 0)), line((0, 0), (0, 100))]))
    assert len(blocks) == 0
    assert list(blocks.columns) == ["block_id", "area_m2", "geometry"]
    assert blocks.crs == pyproj.CRS(UTM)


def _tiny_graph(with_geometry: bool = True) -> nx.MultiDiGraph:
    """osmnx-like graph of a 3 x 3 node grid 100 m apart (2 x 2 blocks), in WGS84."""
    to_wgs = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(3):
        for j in range(3):
            lon, lat = to_wgs.transform(X0 + 100 * i, Y0 + 100 * j)
            G.add_node(10 * i + j, x=lon, y=lat)
    pairs = [(10 * i + j, 10 * (i + 1) + j) for i in range(2) for j in range(3)]
    pairs += [(10 * i + j, 10 * i + j + 1) for i in range(3) for j in range(2)]
    for n, (u, v) in enumerate(pairs):
        for a, b in ((u, v), (v, u)):  # both directions, as osmnx stores two-way streets
            attrs = {"osmid": n, "length": 100.0}
            # leave one street without geometry: osmnx then draws it straight
            if with_geometry and n != 0:
                pa, pb = G.nodes[a], G.nodes[b]
                attrs["geometry"] = LineString([(pa["x"], pa["y"]), (pb["x"], pb["y"])])
            G.add_edge(a, b, **attrs)
    return G


def test_blocks_from_graph_in_wgs84_with_metric_areas() -> None:
    blocks = blocks_from_graph(_tiny_graph())
    assert blocks.crs == pyproj.CRS("EPSG:4326")
    assert len(blocks) == 4
    assert blocks["area_m2"].tolist() == pytest.approx([10_000.0] * 4, rel=1e-6)
    # the same streets drawn straight in UTM give the same ids
    lines = blocks_from_lines(as_series(grid_lines(xs=(0, 100, 200), ys=(0, 100, 200))))
    assert blocks["block_id"].tolist() == lines["block_id"].tolist()
    # without any edge geometry the result is the same
    plain = blocks_from_graph(_tiny_graph(with_geometry=False))
    assert plain["block_id"].tolist() == blocks["block_id"].tolist()


def test_blocks_from_graph_settings_and_errors() -> None:
    none_left = blocks_from_graph(
        _tiny_graph(), settings=DEFAULTS.replace(block_min_area_m2=20_000.0)
    )
    assert len(none_left) == 0
    empty = nx.MultiDiGraph(crs="EPSG:4326")
    empty.add_node(1, x=24.9, y=60.1)
    with pytest.raises(StreetsError, match="no edges"):
        blocks_from_graph(empty)
    with pytest.raises(StreetsError, match="no 'crs'"):
        blocks_from_graph(nx.MultiDiGraph())


def test_h3_cells_have_centres_inside_the_area() -> None:
    area = gpd.GeoSeries([box(24.93, 60.16, 24.96, 60.18)], crs="EPSG:4326")
    cells = h3_cells(area, resolution=9)
    assert len(cells) > 10
    assert cells.crs == pyproj.CRS("EPSG:4326")
    assert cells["block_id"].tolist() == sorted(cells["block_id"])
    assert cells["block_id"].str.startswith("H").all()
    for cid in cells["block_id"]:
        lat, lng = h3.cell_to_latlng(cid[1:])
        assert area.iloc[0].contains(Point(lng, lat))
        assert h3.get_resolution(cid[1:]) == 9
    # H3 res 9 hexagons are about 0.1 km²
    assert cells["area_m2"].between(80_000, 130_000).all()
    # each hexagon polygon holds its own centre
    centres = shapely.points([h3.cell_to_latlng(c[1:])[::-1] for c in cells["block_id"]])
    assert shapely.contains(cells.geometry.to_numpy(), centres).all()


def test_h3_points_add_their_cells() -> None:
    # A 10 m buffer around a point holds no res 7 cell centre (cells are ~2.5 km across),
    # so the area alone gives nothing; adding the point gives exactly its own cell.
    pt = gpd.GeoSeries([Point(24.94, 60.17)], crs="EPSG:4326")
    tiny = pt.to_crs(UTM).buffer(10).to_crs("EPSG:4326")
    assert len(h3_cells(tiny, resolution=7)) == 0
    cells = h3_cells(tiny, resolution=7, points=pt)
    assert cells["block_id"].tolist() == ["H" + h3.latlng_to_cell(60.17, 24.94, 7)]


def test_h3_bad_resolution() -> None:
    area = gpd.GeoSeries([box(24.93, 60.16, 24.96, 60.18)], crs="EPSG:4326")
    with pytest.raises(SchemaError, match="resolution must be an integer 0-15"):
        h3_cells(area, resolution=16)
    with pytest.raises(CRSError, match="no coordinate system"):
        h3_cells(gpd.GeoSeries([box(0, 0, 1, 1)]), resolution=5)


# --------------------------------------------------------------------------------- neighbours


def test_neighbours_share_a_stretch_of_street_not_a_corner() -> None:
    # a 3 x 3 grid of 100 m blocks: 12 shared edges; diagonal blocks only touch at a corner
    cells = [
        box(100 * c, 100 * r, 100 * c + 100, 100 * r + 100) for r in range(3) for c in range(3)
    ]
    pairs = block_neighbours(gpd.GeoSeries(cells, crs="EPSG:32650"), min_shared_m=10.0)
    assert len(pairs) == 12
    assert (pairs["shared_m"] == 100.0).all()
    assert (pairs["left"] < pairs["right"]).all()
    assert (0, 4) not in set(zip(pairs["left"], pairs["right"], strict=True))  # corner only
    assert {(0, 1), (0, 3), (4, 5), (4, 7)} <= set(zip(pairs["left"], pairs["right"], strict=True))


def test_neighbours_need_more_than_the_minimum_shared_border() -> None:
    # the second block overlaps the first's edge along 8 m only
    blocks = gpd.GeoSeries([box(0, 0, 100, 100), box(100, 92, 200, 192)], crs="EPSG:32650")
    assert block_neighbours(blocks, min_shared_m=10.0).empty
    assert block_neighbours(blocks, min_shared_m=5.0)["shared_m"].round(6).tolist() == [8.0]


def test_neighbours_of_h3_cells_drawn_one_by_one() -> None:
    # H3's own neighbour relation is the reference: cells one step apart share an edge
    centre = h3.latlng_to_cell(32.04, 118.78, 9)
    ring = sorted(h3.grid_disk(centre, 1))
    cells = gpd.GeoSeries([geo.blocks._cell_polygon(c) for c in ring], crs="EPSG:4326")
    pairs = block_neighbours(cells.to_crs("EPSG:32650"), min_shared_m=10.0)
    found = {(ring[a], ring[b]) for a, b in zip(pairs["left"], pairs["right"], strict=True)}
    expected = {
        (a, b) for i, a in enumerate(ring) for b in ring[i + 1 :] if h3.grid_distance(a, b) == 1
    }
    assert found == expected and len(found) == 12


def test_neighbours_skip_missing_geometry_and_refuse_degrees() -> None:
    blocks = gpd.GeoSeries([box(0, 0, 100, 100), None, box(100, 0, 200, 100)], crs="EPSG:32650")
    assert block_neighbours(blocks, min_shared_m=10.0)[["left", "right"]].values.tolist() == [
        [0, 2]
    ]
    with pytest.raises(CRSError, match="geographic"):
        block_neighbours(gpd.GeoSeries([box(0, 0, 1, 1)], crs="EPSG:4326"), min_shared_m=1.0)

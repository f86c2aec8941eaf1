"""The grid index against the STRtree query it replaces, on drawn and on random polygons.

The reference is ``geo.joins._contained_tree``: the STRtree query with prepared polygons
plus the smallest-priority rule, the implementation ``assign_points`` used before the index.
Every answer the index gives (all but :data:`DEFERRED`) must equal it, and after the
deferred points go back to the tree, every answer must.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box

import geo.joins
from geo.importer import Dataset
from geo.joins import _contained_indexed, _contained_tree, assign_points, join_households
from geo.point_index import DEFERRED, NONE, PointIndex, supported
from geo.settings import Settings


def locate(  # type: ignore[no-untyped-def]
    polys: list,
    xy: list[tuple[float, float]],
    priority: list[int] | None = None,
    **options: float,
):
    index = PointIndex.build(
        np.array(polys, dtype=object),
        priority=None if priority is None else np.array(priority),
        **options,  # type: ignore[arg-type]
    )
    pts = np.array(xy, dtype=float)
    return index.locate(pts[:, 0], pts[:, 1]).tolist()


def test_shared_edge_and_corner_go_to_smallest_priority() -> None:
    # 0: west square, priority 1; 1: east square, priority 0
    polys = [box(0, 0, 1, 1), box(1, 0, 2, 1)]
    xy = [(0.5, 0.5), (1.0, 0.5), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0), (2.5, 0.5), (1.5, 1.0)]
    assert locate(polys, xy, [1, 0]) == [0, 1, 1, 1, 0, NONE, 1]
    assert locate(polys, xy, [0, 1]) == [0, 0, 0, 0, 0, NONE, 1]


def test_hole_and_its_edge() -> None:
    ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], holes=[[(1, 1), (3, 1), (3, 3), (1, 3)]])
    plug = box(1, 1, 3, 3)
    xy = [(2, 2), (1, 2), (0.5, 0.5), (3, 3), (5, 5)]
    # the plug fills the hole: inside the hole -> plug; on the hole's edge -> smaller priority
    assert locate([ring, plug], xy, [0, 1]) == [1, 0, 0, 0, NONE]
    assert locate([ring, plug], xy, [1, 0]) == [1, 1, 0, 1, NONE]
    assert locate([ring], xy) == [NONE, 0, 0, 0, NONE]


def test_multipolygon_missing_and_empty() -> None:
    multi = MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])
    polys = [None, Polygon(), multi]
    assert locate(polys, [(0.5, 0.5), (1.5, 0.5), (2.5, 0.5), (3, 1)]) == [2, NONE, 2, 2]
    assert locate([None], [(0, 0)]) == [NONE]


def test_diagonal_edge_is_exact_or_deferred() -> None:
    tri = [Polygon([(0, 0), (1, 0), (0, 1)]), Polygon([(1, 0), (1, 1), (0, 1)])]
    # (0.5, 0.5) lies on the shared diagonal exactly: boundary, smallest priority
    assert locate(tri, [(0.5, 0.5), (0.25, 0.25), (0.75, 0.75)], [1, 0]) == [1, 0, 1]
    # 0.1 and 0.9 are not exact in binary: the point is a hair off the line; never guessed
    got = locate(tri, [(0.1, 0.9)], [1, 0])[0]
    ref = _contained_tree(shapely.points([(0.1, 0.9)]), np.array(tri), np.array([1, 0]))
    assert got in (DEFERRED, int(ref[0]))


@pytest.mark.parametrize("sub_log", [0, 1, 3, 5])
@pytest.mark.parametrize("cpp", [0.25, 4.0, 64.0])
def test_shared_edges_and_vertices_through_sub_cells(sub_log: int, cpp: float) -> None:
    # four unit squares around (1, 1); priorities 3, 1, 2, 0 (north-east smallest)
    #   2 | 3
    #   --+--
    #   0 | 1
    polys = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)]
    xy = [
        (1.0, 1.0),  # the corner of all four: 3
        (1.0, 0.5),  # edge 0|1: 1
        (0.5, 1.0),  # edge 0|2: 2
        (1.0, 1.5),  # edge 2|3: 3
        (0.0, 0.0),  # outer vertex of 0 only
        (2.0, 2.0),  # outer vertex of 3 only
        (1.0, 0.0),  # vertex of 0 and 1 on the outline: 1
        (0.25, 0.25),  # interiors
        (1.75, 0.25),
        (0.25, 1.75),
        (1.0 + 2**-40, 0.5),  # a hair east of edge 0|1, exactly: 1
        (1.0 - 2**-40, 0.5),  # a hair west: 0
        (2.0 + 2**-40, 0.5),  # a hair outside
        (-1.0, 1.0),
    ]
    want = [3, 1, 2, 3, 0, 3, 1, 0, 1, 2, 1, 0, NONE, NONE]
    assert locate(polys, xy, [3, 1, 2, 0], cells_per_polygon=cpp, sub_log=sub_log) == want


@pytest.mark.parametrize("sub_log", [0, 3])
def test_multipolygon_with_hole_through_sub_cells(sub_log: int) -> None:
    # unit 0: a 4 x 4 square with a 2 x 2 hole, and a separate square east of it;
    # unit 1: a square standing in the hole, touching its edge at x = 2
    holed = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], holes=[[(1, 1), (3, 1), (3, 3), (1, 3)]])
    multi = MultiPolygon([holed, box(5, 0, 6, 1)])
    plug = box(2, 1.5, 3, 2.5)
    xy = [
        (0.5, 0.5),  # in the ring
        (1.5, 2.0),  # in the hole, outside the plug
        (2.5, 2.0),  # in the plug
        (3.0, 2.0),  # on the hole's edge and the plug's: priority decides
        (2.0, 2.0),  # on the plug's west edge only
        (1.0, 1.0),  # a vertex of the hole
        (5.5, 0.5),  # in the second part
        (5.0, 1.0),  # a vertex of the second part
        (4.5, 0.5),  # between the parts
    ]
    assert locate([multi, plug], xy, [0, 1], cells_per_polygon=1.0, sub_log=sub_log) == [
        0, NONE, 1, 0, 1, 0, 0, 0, NONE,
    ]  # fmt: skip
    assert locate([multi, plug], xy, [1, 0], cells_per_polygon=1.0, sub_log=sub_log) == [
        0, NONE, 1, 1, 1, 0, 0, 0, NONE,
    ]  # fmt: skip


def test_exactly_collinear_point_follows_geos() -> None:
    """A vertex of one rotated square lies exactly (in binary) on another's edge, but
    GEOS's double-double orientation says it is off it: the index defers, never answers
    otherwise than GEOS."""
    squares = [box(0, 0, 37.5, 37.5), box(18.75, 0, 75, 37.5), box(0, 0, 56.25, 37.5)]
    polys = np.array([affinity.rotate(p, 17.3, origin=(0, 0)) for p in squares], dtype=object)
    rank = np.array([2, 0, 1])
    xy = shapely.get_coordinates(polys[0])[[0]]  # rotated (37.5, 0)
    pts = shapely.points(xy)
    ref = _contained_tree(pts, polys, rank)
    got = PointIndex.build(polys, priority=rank).locate(xy[:, 0], xy[:, 1])
    assert got.tolist() == [DEFERRED]  # the old exact test answered 1: the point is on its edge
    assert (_contained_indexed(pts, polys, rank) == ref).all()


def test_coordinates_read_in_any_layout() -> None:
    polys = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)], dtype=object)
    index = PointIndex.build(polys)
    xy = np.array([[0.5, 0.5], [1.0, 0.5], [1.5, 0.25], [3.0, 0.5], [1.5, 1.0]])
    want = [0, 0, 1, NONE, 1]
    assert index.locate(xy[:, 0], xy[:, 1]).tolist() == want  # columns, in place
    assert index.locate(xy[:, 0].copy(), xy[:, 1].copy()).tolist() == want
    assert index.locate(xy[::-1, 0], xy[::-1, 1]).tolist() == want[::-1]  # copied
    assert index.locate(xy[::2, 0], xy[::2, 1]).tolist() == want[::2]
    assert index.locate(xy[:1, 0], xy[:1, 1]).tolist() == want[:1]
    assert index.locate(xy[:0, 0], xy[:0, 1]).tolist() == []
    assert index.locate([0.5, 1.5], [0.5, 0.5]).tolist() == [0, 1]  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="x and y must be 1-d arrays of one length"):
        index.locate(xy[:, 0], xy[:2, 1])


def test_sub_log_is_checked() -> None:
    with pytest.raises(ValueError, match="sub_log must be from 0 to 5, not 6"):
        PointIndex.build(np.array([box(0, 0, 1, 1)]), sub_log=6)


def test_non_finite_points_are_deferred() -> None:
    assert locate([box(0, 0, 1, 1)], [(np.nan, 0.5), (np.inf, 0.5)]) == [DEFERRED, DEFERRED]


def test_supported() -> None:
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    assert supported(np.array([box(0, 0, 1, 1), None, MultiPolygon([box(0, 0, 1, 1)])]))
    assert not supported(np.array([bowtie], dtype=object))
    assert not supported(np.array([shapely.Point(0, 0)], dtype=object))


def test_priority_length_is_checked() -> None:
    with pytest.raises(ValueError, match=r"priority has \(1,\) values for 2 polygons"):
        PointIndex.build(np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)]), priority=np.array([0]))


# --- random polygon sets against the reference ---------------------------------------------

coord = st.integers(min_value=-3, max_value=3)


@st.composite
def grid_units(draw: st.DrawFn) -> list:
    """A grid of squares sharing edges, some with holes, some joined into multipolygons,
    maybe rotated and scaled (so edges are not axis-aligned and not exact), maybe overlapping
    extra polygons."""
    nx, ny = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    size = draw(st.sampled_from([1.0, 0.1, 37.5, 1e-3]))
    cells = [
        box(i * size, j * size, (i + 1) * size, (j + 1) * size)
        for j in range(ny)
        for i in range(nx)
    ]
    units: list = []
    for c in cells:
        kind = draw(st.sampled_from(["plain", "plain", "hole", "gone"]))
        if kind == "hole":
            x0, y0, x1, y1 = c.bounds
            d = (x1 - x0) / 4
            units.append(
                Polygon(
                    c.exterior.coords, holes=[box(x0 + d, y0 + d, x1 - d, y1 - d).exterior.coords]
                )
            )
        elif kind == "plain":
            units.append(c)
    units = units or [cells[0]]
    if len(units) >= 3 and draw(st.booleans()):  # two squares as one multipolygon unit
        a, b = units[0], units[-1]
        if a.intersection(b).area == 0 and not a.touches(b):
            units = [MultiPolygon([a, b]), *units[1:-1]]
    for _ in range(draw(st.integers(0, 2))):  # overlapping extras
        x0, y0 = draw(coord) * size / 2, draw(coord) * size / 2
        units.append(box(x0, y0, x0 + size * 1.5, y0 + size))
    angle = draw(st.sampled_from([0.0, 0.0, 30.0, 45.0, 17.3]))
    shift = draw(st.sampled_from([(0.0, 0.0), (385_000.0, 6_672_000.0), (24.9, 60.2)]))
    return [affinity.translate(affinity.rotate(u, angle, origin=(0, 0)), *shift) for u in units]


def probe_points(units: list, rng: np.random.Generator) -> np.ndarray:
    """Vertices, edge points, points near edges, random points in and around the extent."""
    coords = shapely.get_coordinates(np.array(units, dtype=object))
    rings = shapely.get_rings(shapely.get_parts(np.array(units, dtype=object)))
    mids = [
        shapely.get_coordinates(
            shapely.line_interpolate_point(r, rng.uniform(0, 1, 6), normalized=True)
        )
        for r in rings
    ]
    x0, y0, x1, y1 = shapely.total_bounds(np.array(units, dtype=object))
    w, h = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
    rand = np.column_stack(
        [rng.uniform(x0 - w / 4, x1 + w / 4, 200), rng.uniform(y0 - h / 4, y1 + h / 4, 200)]
    )
    near = coords[rng.integers(0, len(coords), 50)] + rng.normal(0, 1e-9 * max(w, h), (50, 2))
    return np.vstack([coords, *mids, rand, near, [[x0, y0], [x1, y1]]])


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    units=grid_units(),
    seed=st.integers(0, 2**32 - 1),
    cpp=st.sampled_from([0.5, 4.0, 16.0, 64.0]),
    sub_log=st.sampled_from([0, 2, 3]),
)
def test_index_equals_strtree_query(units: list, seed: int, cpp: float, sub_log: int) -> None:
    rng = np.random.default_rng(seed)
    polys = np.array(units, dtype=object)
    assert supported(polys)
    rank = rng.permutation(len(polys))
    xy = probe_points(units, rng)
    pts = shapely.points(xy)
    ref = _contained_tree(pts, polys, rank)
    index = PointIndex.build(polys, priority=rank, cells_per_polygon=cpp, sub_log=sub_log)
    got = index.locate(xy[:, 0], xy[:, 1])
    decided = got != DEFERRED
    assert (got[decided] == ref[decided]).all()
    assert decided.mean() > 0.5  # deferring is for the rare near-edge point, not the rule
    assert (_contained_indexed(pts, polys, rank) == ref).all()


def test_demo_households_and_visits_assigned_as_before(
    demo_data: Dataset,
    demo_units: gpd.GeoDataFrame,
    demo_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every demo household and visit gets the same block and beat through the index."""
    blocks, beats = demo_units, demo_data.beats
    before = {
        "households": join_households(demo_data.households, blocks, beats, settings=demo_settings),
        "visit blocks": assign_points(
            demo_data.visits, blocks, id_column="block_id", max_distance_m=50.0
        ),
        "visit beats": assign_points(demo_data.visits, beats, id_column="beat_id"),
    }
    monkeypatch.setattr(geo.joins, "INDEX_MIN_POINTS", 0)
    after = {
        "households": join_households(demo_data.households, blocks, beats, settings=demo_settings),
        "visit blocks": assign_points(
            demo_data.visits, blocks, id_column="block_id", max_distance_m=50.0
        ),
        "visit beats": assign_points(demo_data.visits, beats, id_column="beat_id"),
    }
    assert point_index_used(blocks) and point_index_used(beats)
    for what, frame in before.items():
        assert frame.equals(after[what]), what
    assert before["households"]["block_id"].notna().all()


def point_index_used(units: gpd.GeoDataFrame) -> bool:
    return supported(np.asarray(units.geometry.to_numpy(), dtype=object))

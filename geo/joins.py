"""Spatial joins: points to blocks and beats, blocks to beats, points to street nodes.

Containment is tested in the inputs' own CRS, over the whole point array at once (no Python
loop over points): from :data:`INDEX_MIN_POINTS` points up, against valid polygons, by the
grid index of :mod:`geo.point_index` (compiled once per process, which costs seconds), whose
answers equal the ``shapely.STRtree`` query's exactly and which hands the few points it
cannot decide exactly (within rounding of an edge) back to that query; otherwise by the
query alone. Distances are measured in the local UTM zone (``geo.projection``).

Boundary rule
-------------
A point that lies on the boundary shared by several units (an edge between two blocks, a
corner of four) belongs to the unit with the **smallest id** in sort order (string order for
text ids, numeric order for numbers; equal ids by row order). The same rule breaks ties in
the nearest-unit search.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geo.errors import CRSError, SchemaError, StreetsError
from geo.projection import local_utm
from geo.schema import present, require_columns
from geo.settings import Settings, resolve
from geo.streets import graph_crs

PLACEMENTS = ("inside", "boundary", "nearest_block", "outside")
"""Values of ``join_households``'s ``placement`` column."""

OUTSIDE = "outside"
"""``block_id`` of a household outside every block and every beat; ``outside:<beat_id>``
for one outside every block but inside a beat."""

INDEX_MIN_POINTS = 1_000_000
"""Points from which containment goes through :class:`geo.point_index.PointIndex`: below,
the one-off compilation (about 7 CPU s) outweighs its gain over the STRtree query."""

_POINT_TYPE_ID = 0

IntArray = NDArray[np.intp]


def _same_crs(a: Any, b: Any, what_a: str, what_b: str) -> pyproj.CRS:
    for crs, what in ((a.crs, what_a), (b.crs, what_b)):
        if crs is None:
            msg = f"{what} has no coordinate system; set one (WGS84 is EPSG:4326)"
            raise CRSError(msg)
    ca, cb = pyproj.CRS.from_user_input(a.crs), pyproj.CRS.from_user_input(b.crs)
    if ca != cb:
        msg = (
            f"{what_a} is in {ca.to_string()} but {what_b} is in {cb.to_string()}; "
            "convert both to the same CRS (WGS84, EPSG:4326) first"
        )
        raise CRSError(msg)
    return ca


def _point_geoms(points: Any, what: str) -> NDArray[np.object_]:
    if not isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        msg = f"{what} must be a GeoDataFrame or GeoSeries, not {type(points).__name__}"
        raise SchemaError(msg)
    geoms = np.asarray(points.geometry.to_numpy(), dtype=object)
    other = np.flatnonzero(shapely.get_type_id(geoms) > _POINT_TYPE_ID)  # -1: missing
    bad = other[present(geoms[other])]  # an empty line is as missing as an empty point
    if len(bad):
        pos = int(bad[0])
        msg = (
            f"{what}: feature {pos + 1} (index {points.index[pos]!r}) in column 'geometry' "
            f"is a {geoms[pos].geom_type}, not a Point"
        )
        raise SchemaError(msg)
    return geoms


def _id_values(units: gpd.GeoDataFrame, id_column: str, what: str) -> pd.Series:
    require_columns(units, (id_column,), name=what)
    ids = units[id_column]
    if ids.isna().any():
        pos = int(np.flatnonzero(ids.isna().to_numpy())[0])
        msg = (
            f"{what}: feature {pos + 1} has no value in column {id_column!r}; give every unit an id"
        )
        raise SchemaError(msg)
    if pd.api.types.is_bool_dtype(ids):
        return ids.astype("boolean")
    if pd.api.types.is_integer_dtype(ids):
        return ids.astype("Int64")
    if pd.api.types.is_string_dtype(ids) or pd.api.types.is_object_dtype(ids):
        return ids.astype("string")
    return ids


def _ranks(ids: pd.Series) -> IntArray:
    """Rank of each unit by id (0 = smallest), equal ids in row order."""
    order = np.asarray(ids.argsort(kind="stable"), dtype=np.intp)
    rank = np.empty(len(ids), dtype=np.intp)
    rank[order] = np.arange(len(ids), dtype=np.intp)
    return rank


def _pick_smallest(left: IntArray, right: IntArray, rank: IntArray, n: int) -> IntArray:
    """For each left item 0..n-1, the right item of smallest rank among its pairs, else -1."""
    out = np.full(n, -1, dtype=np.intp)
    if len(left) == 0:
        return out
    order = np.lexsort((rank[right], left))
    ls, rs = left[order], right[order]
    first = np.r_[True, ls[1:] != ls[:-1]]
    out[ls[first]] = rs[first]
    return out


def _contained(
    geoms: NDArray[np.object_],
    units: NDArray[np.object_],
    rank: IntArray,
    here: NDArray[np.bool_] | None = None,
) -> IntArray:
    """Position of the unit containing each point (boundary included), -1 if none.

    ``here``, when given, is ``present(geoms)``.
    """
    if len(geoms) >= INDEX_MIN_POINTS:
        from geo import point_index  # numba: imported only where the index pays (0.2 s)

        if point_index.supported(units):
            return _contained_indexed(geoms, units, rank, here)
    return _contained_tree(geoms, units, rank)


def contained(points: NDArray[np.object_], polygons: NDArray[np.object_]) -> IntArray:
    """Return, per point, the first of ``polygons`` (row order) holding it, -1 if none.

    A polygon holds a point in its interior or on its boundary (``intersects``); a missing
    or empty point is held by none. The grid index answers from :data:`INDEX_MIN_POINTS`
    points up, an STRtree with prepared polygons below: GEOS's answers either way.

    Examples
    --------
    >>> squares = np.array([shapely.box(0, 0, 2, 2), shapely.box(2, 0, 4, 2)])
    >>> points = shapely.points([[1, 1], [2, 1], [9, 9]])
    >>> contained(np.append(points, None), squares).tolist()
    [0, 0, -1, -1]
    """
    geoms = np.asarray(points, dtype=object)
    shapes = np.asarray(polygons, dtype=object)
    here = present(geoms)
    pos = np.full(len(geoms), -1, dtype=np.intp)
    if len(shapes) and here.any():
        pos[here] = _contained(geoms[here], shapes, np.arange(len(shapes)))
    return pos


def _contained_indexed(
    geoms: NDArray[np.object_],
    units: NDArray[np.object_],
    rank: IntArray,
    here: NDArray[np.bool_] | None = None,
) -> IntArray:
    """:func:`_contained` through the grid index; its deferred points through the tree."""
    from geo import point_index

    here = present(geoms) if here is None else here
    index = point_index.PointIndex.build(units, priority=rank)
    if here.all():  # no copy of the geometries; the coordinates' columns read in place
        xy = shapely.get_coordinates(geoms)
        pos = index.locate(xy[:, 0], xy[:, 1])
    else:
        xy = shapely.get_coordinates(geoms[here])
        pos = np.full(len(geoms), -1, dtype=np.intp)
        pos[here] = index.locate(xy[:, 0], xy[:, 1])
    del xy
    deferred = np.flatnonzero(pos == point_index.DEFERRED)
    if len(deferred):
        pos[deferred] = _contained_tree(geoms[deferred], units, rank)
    return pos


def _contained_tree(
    geoms: NDArray[np.object_], units: NDArray[np.object_], rank: IntArray
) -> IntArray:
    """:func:`_contained` through an STRtree box query, then each prepared unit's test.

    The answers of ``STRtree.query(predicate="intersects")``: the same exact point-in-area
    test, by each unit (prepared once) on all its candidate points' coordinates at once,
    where the query would prepare every point.
    """
    shapely.prepare(units)
    left, right = shapely.STRtree(units).query(geoms)  # boxes only
    hit = _intersects_by_unit(units, right, shapely.get_x(geoms[left]), shapely.get_y(geoms[left]))
    return _pick_smallest(left[hit], right[hit], rank, len(geoms))


def _intersects_by_unit(
    units: NDArray[np.object_], unit: IntArray, x: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Tell whether each point ``(x[i], y[i])`` intersects ``units[unit[i]]``, unit by unit.

    Examples
    --------
    >>> square = shapely.box(0, 0, 2, 2)
    >>> _intersects_by_unit(np.array([square, shapely.box(5, 5, 6, 6)]), np.array([0, 0, 1]),
    ...                     np.array([1.0, 2.0, 9.0]), np.array([1.0, 3.0, 9.0])).tolist()
    [True, False, False]
    """
    hit = np.zeros(len(unit), dtype=bool)
    order = np.argsort(unit, kind="stable")
    bounds = np.searchsorted(unit[order], np.arange(len(units) + 1))
    for j in np.flatnonzero(np.diff(bounds)):
        rows = order[bounds[j] : bounds[j + 1]]
        hit[rows] = shapely.intersects_xy(units[j], x[rows], y[rows])
    return hit


def _nearest_within(
    geoms: NDArray[np.object_],
    units: gpd.GeoSeries,
    rank: IntArray,
    todo: NDArray[np.bool_],
    max_distance_m: float,
) -> IntArray:
    """Position of the nearest unit within ``max_distance_m`` metres for points in ``todo``."""
    out = np.full(len(geoms), -1, dtype=np.intp)
    idx = np.flatnonzero(todo)
    if len(idx) == 0 or len(units) == 0 or max_distance_m <= 0:
        return out
    crs = local_utm(units)
    units_m = np.asarray(units.to_crs(crs).to_numpy(), dtype=object)
    xy = shapely.get_coordinates(geoms[idx])
    to_metric = pyproj.Transformer.from_crs(units.crs, crs, always_xy=True)
    xm, ym = to_metric.transform(xy[:, 0], xy[:, 1])
    # a point farther than max_distance_m from the units' extent has no unit in reach
    bx0, by0, bx1, by1 = shapely.total_bounds(units_m)
    dx = np.maximum(np.maximum(bx0 - xm, xm - bx1), 0.0)
    dy = np.maximum(np.maximum(by0 - ym, ym - by1), 0.0)
    near = np.hypot(dx, dy) <= max_distance_m * (1 + 1e-9) + 1e-9 * max(abs(bx0), abs(bx1))
    idx = idx[near]
    if len(idx) == 0:
        return out
    pts_m = shapely.points(np.column_stack([xm[near], ym[near]]))
    # every unit within reach (index + distance predicate), then the closest of them:
    # several times faster than STRtree.query_nearest when most points have none in reach
    tree = shapely.STRtree(units_m)
    left, right = tree.query(pts_m, predicate="dwithin", distance=max_distance_m)
    if len(left):
        dist = shapely.distance(pts_m[left], units_m[right])
        order = np.lexsort((rank[right], dist, left))
        ls, rs = left[order], right[order]
        first = np.r_[True, ls[1:] != ls[:-1]]
        out[idx[ls[first]]] = rs[first]
    return out


def _take(ids: pd.Series, pos: IntArray, index: pd.Index, name: str) -> pd.Series:
    values = ids.array.take(pos, allow_fill=True)
    return pd.Series(values, index=index, name=name)


def assign_points(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    units: gpd.GeoDataFrame,
    *,
    id_column: str,
    max_distance_m: float | None = None,
) -> pd.Series:
    """Return the id of the unit (block, beat, cell) holding each point.

    Parameters
    ----------
    points : geopandas.GeoDataFrame or geopandas.GeoSeries
        Points; missing or empty geometries get ``<NA>``.
    units : geopandas.GeoDataFrame
        Polygons with an id column, in the same CRS as ``points``.
    id_column : str
        Column of ``units`` holding the id; also the name of the result.
    max_distance_m : float, optional
        A point outside every unit gets the nearest unit within this many metres (measured
        in the local UTM zone); ``None`` leaves it ``<NA>``.

    Returns
    -------
    pandas.Series
        Named ``id_column``, on the points' index (every point kept). A point on a boundary
        shared by several units gets the smallest id (see the module docstring). Text ids come
        back as the ``string`` dtype, integer ids as ``Int64``.

    Raises
    ------
    CRSError
        When either input has no CRS or they differ.
    SchemaError
        When ``id_column`` is missing or has empty values, or a geometry is not a point.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> units = gpd.GeoDataFrame({"u": ["b", "a"]}, geometry=[box(1, 0, 2, 1), box(0, 0, 1, 1)],
    ...                          crs="EPSG:32635")
    >>> pts = gpd.GeoSeries([Point(0.5, 0.5), Point(1, 0.5), Point(9, 9)], crs="EPSG:32635")
    >>> assign_points(pts, units, id_column="u").tolist()
    ['a', 'a', <NA>]
    """
    geoms = _point_geoms(points, "points")
    if not isinstance(units, gpd.GeoDataFrame):
        msg = f"units must be a GeoDataFrame, not {type(units).__name__}"
        raise SchemaError(msg)
    _same_crs(points, units, "points", "units")
    ids = _id_values(units, id_column, "units")
    rank = _ranks(ids)
    unit_geoms = np.asarray(units.geometry.to_numpy(), dtype=object)
    located = present(geoms)
    pos = _contained(geoms, unit_geoms, rank, located)
    if max_distance_m is not None:
        if max_distance_m < 0:
            msg = f"max_distance_m must be >= 0, not {max_distance_m}"
            raise SchemaError(msg)
        todo = (pos < 0) & located
        near = _nearest_within(geoms, units.geometry, rank, todo, max_distance_m)
        pos = np.where(pos < 0, near, pos)
    return _take(ids, pos, points.index, id_column)


def join_households(
    households: gpd.GeoDataFrame,
    blocks: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    *,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Return each household's block, beat and how it was placed.

    Parameters
    ----------
    households : geopandas.GeoDataFrame
        Canonical households (Point geometry).
    blocks : geopandas.GeoDataFrame
        Blocks with ``block_id``, same CRS.
    beats : geopandas.GeoDataFrame
        Beats with ``beat_id``, same CRS.
    settings : Settings, optional
        ``outside_block_max_m``: how far (metres) a household outside every block may be
        from its nearest block and still be given it.

    Returns
    -------
    pandas.DataFrame
        On the households' index, every household kept:

        ``block_id``
            The block holding the household (smallest id on a shared boundary), else the
            nearest block within ``outside_block_max_m``, else ``"outside:<beat_id>"``, or
            ``"outside"`` when it is in no beat either (or has no location).
        ``beat_id``
            The beat polygon holding it (same boundary rule), ``<NA>`` when none.
        ``placement``
            ``inside`` (in a block's interior), ``boundary`` (on the edge of its block),
            ``nearest_block`` or ``outside``.

    Raises
    ------
    CRSError
        When the three inputs do not share one CRS.
    SchemaError
        When ``block_id`` or ``beat_id`` is missing, or a geometry is not a point.
    """
    s = resolve(settings)
    geoms = _point_geoms(households, "households")
    require_columns(blocks, ("block_id",), name="blocks")
    require_columns(beats, ("beat_id",), name="beats")
    _same_crs(households, blocks, "households", "blocks")
    _same_crs(households, beats, "households", "beats")

    beat_ids = _id_values(beats, "beat_id", "beats")
    beat_geoms = np.asarray(beats.geometry.to_numpy(), dtype=object)
    located = present(geoms)
    beat_pos = _contained(geoms, beat_geoms, _ranks(beat_ids), located)
    beat = _take(beat_ids, beat_pos, households.index, "beat_id")

    block_ids = _id_values(blocks, "block_id", "blocks").astype("string")
    block_rank = _ranks(block_ids)
    block_geoms = np.asarray(blocks.geometry.to_numpy(), dtype=object)
    pos = _contained(geoms, block_geoms, block_rank, located)
    inside = pos >= 0
    on_edge = np.zeros(len(geoms), dtype=bool)
    if inside.any():
        on_edge[inside] = ~shapely.contains_properly(block_geoms[pos[inside]], geoms[inside])
    near = _nearest_within(
        geoms, blocks.geometry, block_rank, ~inside & located, s.outside_block_max_m
    )
    nearest = ~inside & (near >= 0)
    pos = np.where(inside, pos, near)
    block = _take(block_ids, pos, households.index, "block_id")

    outside = pos < 0
    if outside.any():
        beat_text = beat.astype("string")[outside]
        fallback = (OUTSIDE + ":" + beat_text).fillna(OUTSIDE)
        block[outside] = fallback.to_numpy()

    placement = np.select(
        [inside & on_edge, inside, nearest], ["boundary", "inside", "nearest_block"], OUTSIDE
    )
    return pd.DataFrame(
        {
            "block_id": block,
            "beat_id": beat,
            "placement": pd.Series(placement, index=households.index, dtype="string"),
        },
        index=households.index,
    )


def block_beat_overlaps(blocks: gpd.GeoDataFrame, beats: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return every (block, beat) pair that overlaps with positive area, in square metres.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Block polygons (any id columns; the result refers to rows by position).
    beats : geopandas.GeoDataFrame
        Beat polygons with ``beat_id``, same CRS.

    Returns
    -------
    pandas.DataFrame
        ``block_pos`` and ``beat_pos`` (row positions), ``overlap_m2`` and ``block_area_m2``
        (measured in the blocks' local UTM zone), sorted by ``block_pos``, then overlap
        descending, then beat id.
    """
    _same_crs(blocks, beats, "blocks", "beats")
    beat_ids = _id_values(beats, "beat_id", "beats")
    cols = ["block_pos", "beat_pos", "overlap_m2", "block_area_m2"]
    if len(blocks) == 0 or len(beats) == 0:
        return pd.DataFrame({c: pd.Series([], dtype=float) for c in cols}).astype(
            {"block_pos": np.intp, "beat_pos": np.intp}
        )
    crs = local_utm(blocks.geometry)
    blocks_m = np.asarray(blocks.geometry.to_crs(crs).to_numpy(), dtype=object)
    beats_m = np.asarray(beats.geometry.to_crs(crs).to_numpy(), dtype=object)
    tree = shapely.STRtree(beats_m)
    bi, ti = tree.query(blocks_m, predicate="intersects")
    area = shapely.area(shapely.intersection(blocks_m[bi], beats_m[ti]))
    keep = area > 0
    bi, ti, area = bi[keep], ti[keep], area[keep]
    rank = _ranks(beat_ids)
    order = np.lexsort((rank[ti], -area, bi))
    return pd.DataFrame(
        {
            "block_pos": bi[order],
            "beat_pos": ti[order],
            "overlap_m2": area[order],
            "block_area_m2": shapely.area(blocks_m[bi[order]]),
        }
    )


def blocks_to_beats(
    blocks: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    *,
    split_min_share: float = 0.01,
) -> pd.DataFrame:
    """Return the beat each block belongs to: the one holding the largest part of it.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Block polygons.
    beats : geopandas.GeoDataFrame
        Beat polygons with ``beat_id``, same CRS.
    split_min_share : float, default 0.01
        A block is ``split`` when more than this share of its area lies outside its beat.

    Returns
    -------
    pandas.DataFrame
        On the blocks' index: ``beat_id`` (largest overlap, measured in metres; equal
        overlaps go to the smallest id; ``<NA>`` for a block in no beat), ``overlap_share``
        (share of the block's area inside that beat, 0.0 when none) and ``split`` (bool).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> beats = gpd.GeoDataFrame({"beat_id": ["A", "B"]},
    ...                          geometry=[box(0, 0, 70, 100), box(70, 0, 200, 100)],
    ...                          crs="EPSG:32635")
    >>> blocks = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs="EPSG:32635")
    >>> blocks_to_beats(blocks, beats).round(2).values.tolist()
    [['A', 0.7, True]]
    """
    pairs = block_beat_overlaps(blocks, beats)
    beat_ids = _id_values(beats, "beat_id", "beats")
    best = pairs.drop_duplicates("block_pos", keep="first")
    pos = np.full(len(blocks), -1, dtype=np.intp)
    share = np.zeros(len(blocks), dtype=float)
    bpos = best["block_pos"].to_numpy(dtype=np.intp)
    pos[bpos] = best["beat_pos"].to_numpy(dtype=np.intp)
    area = best["block_area_m2"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share[bpos] = np.where(area > 0, best["overlap_m2"].to_numpy(dtype=float) / area, 0.0)
    share = np.clip(share, 0.0, 1.0)
    split = (pos >= 0) & (1.0 - share > split_min_share)
    return pd.DataFrame(
        {
            "beat_id": _take(beat_ids, pos, blocks.index, "beat_id"),
            "overlap_share": share,
            "split": split,
        },
        index=blocks.index,
    )


def nearest_nodes(points: gpd.GeoDataFrame | gpd.GeoSeries, G: Any) -> pd.Series:
    """Return the id of the street node nearest to each point.

    Parameters
    ----------
    points : geopandas.GeoDataFrame or geopandas.GeoSeries
        Points with a CRS; missing or empty ones get ``<NA>``.
    G : networkx.MultiDiGraph
        osmnx-style street graph (``G.graph["crs"]``, node ``x``/``y``).

    Returns
    -------
    pandas.Series
        ``node`` on the points' index: the osmnx node id nearest in metres (local UTM
        zone of the nodes, via a ``scipy.spatial.cKDTree``). Integer ids come back as
        ``Int64``.

    Raises
    ------
    StreetsError
        When the graph has no nodes or no CRS.
    CRSError
        When the points have no CRS.
    """
    import osmnx as ox

    geoms = _point_geoms(points, "points")
    if points.crs is None:
        msg = "points have no coordinate system; set one (WGS84 is EPSG:4326)"
        raise CRSError(msg)
    graph_crs(G)
    if G.number_of_nodes() == 0:
        msg = "street graph has no nodes; cannot find nearest street nodes"
        raise StreetsError(msg)
    nodes = ox.graph_to_gdfs(G, edges=False, node_geometry=True)
    crs = local_utm(nodes.geometry)
    node_xy = shapely.get_coordinates(nodes.geometry.to_crs(crs).to_numpy())
    ids = pd.Series(nodes.index)
    if pd.api.types.is_integer_dtype(ids):
        ids = ids.astype("Int64")
    located = present(geoms)
    pos = np.full(len(geoms), -1, dtype=np.intp)
    if located.any():
        pts = gpd.GeoSeries(geoms[located], crs=points.crs).to_crs(crs).to_numpy()
        _, found = cKDTree(node_xy).query(shapely.get_coordinates(pts))
        pos[located] = found
    return _take(ids, pos, points.index, "node")

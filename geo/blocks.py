"""Street blocks: the areas enclosed by street centrelines, the unit coverage is judged by.

``blocks_from_lines`` is the pure core (projected lines in, blocks out);
``blocks_from_graph`` adapts an osmnx street graph to it; ``h3_cells`` gives an alternative
unit (H3 hexagons) where streets are too sparse to enclose anything.

Block ids
---------
A block's id is ``"B"`` followed by the first 10 hex digits of the SHA-1 of its WGS84 centroid
written as ``"<lon>,<lat>"`` with 6 decimals (about 0.1 m). The centroid is taken from the
block polygon in WGS84 after ``shapely.normalize`` (canonical ring start and orientation), so
the same streets give the same vertex sequence, hence bit-for-bit the same centroid, whatever
the order or direction of the input lines. Noding can still move a computed crossing point by
float noise (around 1e-9 m); the centroid, unlike a point-on-surface, moves continuously with
the vertices, so noise changes an id only when the centroid sits within ~1e-15 degrees of a
rounding boundary (odds of order 1e-9 per block). Blocks whose ids clash (two blocks with
the same rounded centroid, e.g. a ring-shaped block around a block centred in its hole, or a
clash of the 40-bit hash) are re-keyed with their rounded representative point, which always
lies inside the block, and any clash left after that gets ``-1``, ``-2``, ... in the order
of that key and of the normalised geometry's WKB. Ids are thus unique and deterministic.
"""

from __future__ import annotations

import hashlib
from typing import Any

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from geo.errors import CRSError, SchemaError, StreetsError
from geo.projection import project, to_wgs84
from geo.schema import WGS84, present
from geo.settings import Settings, resolve
from geo.streets import graph_crs

BLOCK_COLUMNS = ("block_id", "area_m2", "geometry")
"""Columns of every blocks frame, in order."""

_POLYGON_TYPE_ID = 3  # shapely.get_type_id of a Polygon
_ID_DECIMALS = 6
_ID_HEX = 10


def _empty_blocks(crs: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"block_id": pd.Series([], dtype="string"), "area_m2": pd.Series([], dtype=float)},
        geometry=gpd.GeoSeries([], crs=crs),
        crs=crs,
    )


def _check_metric(crs: Any, what: str) -> pyproj.CRS:
    """Return ``crs`` as a pyproj CRS, raising ``CRSError`` unless it is projected in metres."""
    if crs is None:
        msg = f"{what} has no coordinate system; project it to a metric CRS (local UTM) first"
        raise CRSError(msg)
    crs = pyproj.CRS.from_user_input(crs)
    if crs.is_geographic:
        msg = (
            f"{what} is in the geographic CRS {crs.name!r} (degrees); project it to a metric "
            "CRS first, e.g. with geo.projection.project"
        )
        raise CRSError(msg)
    units = {ax.unit_name.lower() for ax in crs.axis_info[:2]}
    if not units <= {"metre", "meter", "m"}:
        msg = (
            f"{what} is in the CRS {crs.name!r} whose unit is {', '.join(sorted(units))}, "
            "not metres; project it to a metric CRS such as the local UTM zone"
        )
        raise CRSError(msg)
    return crs


def _boundary_geometry(boundary: Any, crs: pyproj.CRS) -> BaseGeometry:
    """Return ``boundary`` as one polygonal geometry in ``crs``."""
    if isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        if boundary.crs is None:
            msg = "boundary has no coordinate system; set one before clipping blocks to it"
            raise CRSError(msg)
        geom = shapely.union_all(boundary.to_crs(crs).geometry.to_numpy())
    elif isinstance(boundary, BaseGeometry):
        geom = boundary
    else:
        msg = (
            "boundary must be a shapely (Multi)Polygon in the lines' CRS or a "
            f"GeoSeries/GeoDataFrame with a CRS, not {type(boundary).__name__}"
        )
        raise SchemaError(msg)
    if geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"}:
        msg = f"boundary must be a non-empty Polygon or MultiPolygon, not {geom.geom_type}"
        raise SchemaError(msg)
    return geom


def _id_key(x: float, y: float) -> str:
    s = f"{x:.{_ID_DECIMALS}f},{y:.{_ID_DECIMALS}f}"
    return s.replace("-0.000000", "0.000000")


def _hash_id(key: str) -> str:
    return "B" + hashlib.sha1(key.encode("ascii")).hexdigest()[:_ID_HEX]


def block_ids(polygons: gpd.GeoSeries) -> pd.Series:
    """Return stable, unique block ids for ``polygons`` (see the module docstring).

    Parameters
    ----------
    polygons : geopandas.GeoSeries
        Block polygons with a CRS (any; they are converted to WGS84 for the key).

    Returns
    -------
    pandas.Series
        ``block_id`` strings on the input index.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> s = gpd.GeoSeries([box(24.9, 60.1, 24.901, 60.101)], crs="EPSG:4326")
    >>> ids = block_ids(s)
    >>> ids.iloc[0][0], len(ids.iloc[0])
    ('B', 11)
    """
    if polygons.crs is None:
        msg = "block polygons have no coordinate system; cannot compute their ids"
        raise CRSError(msg)
    geoms = shapely.normalize(polygons.to_crs(WGS84).to_numpy())
    cent = shapely.centroid(geoms)
    keys = [_id_key(x, y) for x, y in zip(shapely.get_x(cent), shapely.get_y(cent), strict=True)]
    ids = pd.Series([_hash_id(k) for k in keys], index=polygons.index, dtype="string")
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        rep = shapely.point_on_surface(geoms[dup])
        keys2 = [
            f"{k};{_id_key(x, y)}"
            for k, x, y in zip(
                np.asarray(keys, dtype=object)[dup],
                shapely.get_x(rep),
                shapely.get_y(rep),
                strict=True,
            )
        ]
        ids[dup] = [_hash_id(k) for k in keys2]
        still = ids.duplicated(keep=False).to_numpy()
        if still.any():
            key2_of = dict(zip(np.flatnonzero(dup), keys2, strict=True))
            pos = np.flatnonzero(still)
            frame = pd.DataFrame(
                {
                    "id": ids.to_numpy()[pos],
                    "key": [key2_of.get(p, keys[p]) for p in pos],
                    "wkb": shapely.to_wkb(geoms[pos], hex=True),
                    "pos": pos,
                }
            ).sort_values(["id", "key", "wkb"], kind="stable")
            frame["n"] = frame.groupby("id").cumcount() + 1
            new = frame["id"] + "-" + frame["n"].astype(str)
            ids.iloc[frame["pos"].to_numpy()] = new.to_numpy()
    return ids


def blocks_from_lines(
    lines: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    min_area_m2: float = 200.0,
    boundary: Any = None,
) -> gpd.GeoDataFrame:
    """Return the street blocks enclosed by street centrelines.

    The lines are noded (``shapely.union_all``) and polygonised (``shapely.polygonize``):
    every face of the planar street graph becomes a block. Dead ends (cul-de-sacs) are
    dangles of that graph and do not split the block they poke into.

    Parameters
    ----------
    lines : geopandas.GeoDataFrame or geopandas.GeoSeries
        Street centrelines (LineString/MultiLineString) in a projected metric CRS.
    min_area_m2 : float, default 200.0
        Blocks smaller than this (square metres) are slivers and are dropped; applied after
        clipping.
    boundary : shapely Polygon/MultiPolygon or GeoSeries/GeoDataFrame, optional
        Clip the blocks to this area (its intersection with each block is kept; a block cut
        in two by it gives two blocks). A bare shapely geometry is taken to be in the lines'
        CRS; a GeoSeries/GeoDataFrame is converted to it.

    Returns
    -------
    geopandas.GeoDataFrame
        ``block_id`` (str), ``area_m2`` (float), ``geometry`` (Polygon) in the lines' CRS,
        sorted by ``block_id`` with a fresh RangeIndex.

    Raises
    ------
    CRSError
        When the lines have no CRS or a geographic (degree) or non-metre one.
    SchemaError
        When a geometry is not a line, naming the feature.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString
    >>> sq = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 100)]),
    ...       LineString([(100, 100), (0, 100)]), LineString([(0, 100), (0, 0)])]
    >>> blocks_from_lines(gpd.GeoSeries(sq, crs="EPSG:32635"))["area_m2"].tolist()
    [10000.0]
    """
    if not isinstance(lines, gpd.GeoDataFrame | gpd.GeoSeries):
        msg = f"lines must be a GeoDataFrame or GeoSeries, not {type(lines).__name__}"
        raise SchemaError(msg)
    crs = _check_metric(lines.crs, "street lines")
    geoms = lines.geometry.to_numpy()
    keep = present(geoms)
    types = shapely.get_type_id(geoms)
    bad = keep & ~np.isin(types, [1, 2, 5])  # LineString, LinearRing, MultiLineString
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        msg = (
            f"street lines: feature {pos + 1} (index {lines.index[pos]!r}) in column "
            f"'geometry' is a {geoms[pos].geom_type}; only LineString/MultiLineString "
            "centrelines can bound blocks"
        )
        raise SchemaError(msg)
    geoms = shapely.force_2d(geoms[keep])
    if len(geoms) == 0:
        return _empty_blocks(crs)
    noded = shapely.union_all(geoms)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    if boundary is not None:
        clip = _boundary_geometry(boundary, crs)
        faces = shapely.get_parts(shapely.intersection(faces, clip))
        faces = faces[shapely.get_type_id(faces) == _POLYGON_TYPE_ID]
    faces = faces[~shapely.is_empty(faces)]
    areas = shapely.area(faces)
    big = areas >= min_area_m2
    faces, areas = faces[big], areas[big]
    if len(faces) == 0:
        return _empty_blocks(crs)
    series = gpd.GeoSeries(faces, crs=crs)
    out = gpd.GeoDataFrame(
        {"block_id": block_ids(series), "area_m2": areas}, geometry=series, crs=crs
    )
    return out.sort_values("block_id", kind="stable").reset_index(drop=True)


def blocks_from_graph(
    G: Any,
    *,
    settings: Settings | None = None,
    boundary: Any = None,
) -> gpd.GeoDataFrame:
    """Return the street blocks of an osmnx street graph, in WGS84.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        osmnx-style graph: ``G.graph["crs"]``, node ``x``/``y`` and (optionally) edge
        ``geometry``; edges without geometry are drawn straight between their nodes.
    settings : Settings, optional
        ``block_min_area_m2`` drops slivers.
    boundary : shapely geometry or GeoSeries/GeoDataFrame, optional
        Clip to this area; a bare shapely geometry is taken to be in WGS84.

    Returns
    -------
    geopandas.GeoDataFrame
        ``block_id``, ``area_m2`` (measured in the local UTM zone), ``geometry`` in WGS84.

    Raises
    ------
    StreetsError
        When the graph has no edges or no CRS.
    """
    import osmnx as ox

    s = resolve(settings)
    graph_crs(G)
    if G.number_of_edges() == 0:
        msg = "street graph has no edges; there are no streets to enclose blocks"
        raise StreetsError(msg)
    edges = ox.graph_to_gdfs(G, nodes=False, fill_edge_geometry=True)
    metric = project(edges.geometry)
    if isinstance(boundary, BaseGeometry):
        boundary = gpd.GeoSeries([boundary], crs=WGS84)
    blocks = blocks_from_lines(metric, min_area_m2=s.block_min_area_m2, boundary=boundary)
    return to_wgs84(blocks)


def _cell_polygon(cell: str) -> Polygon:
    return Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])


def h3_cells(
    area: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    resolution: int,
    points: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
) -> gpd.GeoDataFrame:
    """Return the H3 cells covering ``area``, as block-like units for sparse street areas.

    A cell is included when its centre falls inside ``area`` (H3's own polyfill rule) or,
    when ``points`` are given, when it contains one of those points. Passing the households
    as ``points`` therefore guarantees that every household lies in some cell even where
    ``area`` is thinner than a cell.

    Parameters
    ----------
    area : geopandas.GeoDataFrame or geopandas.GeoSeries
        Polygons with a CRS (converted to WGS84).
    resolution : int
        H3 resolution, 0-15 (res 9 cells are about 0.1 km², res 10 about 0.015 km²).
    points : geopandas.GeoDataFrame or geopandas.GeoSeries, optional
        Points whose cells are added; computed one point at a time, so this costs about a
        microsecond per point.

    Returns
    -------
    geopandas.GeoDataFrame
        ``block_id`` (``"H" + cell id``), ``area_m2`` (H3's geodesic cell area), ``geometry``
        (cell hexagon, WGS84), sorted by ``block_id``.

    Raises
    ------
    CRSError
        When ``area`` or ``points`` has no CRS.
    SchemaError
        When ``resolution`` is not 0-15 or ``area`` holds non-polygons.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> pt = gpd.GeoSeries([Point(24.94, 60.17)], crs="EPSG:4326")
    >>> tiny = gpd.GeoSeries([box(24.9399, 60.1699, 24.9401, 60.1701)], crs="EPSG:4326")
    >>> len(h3_cells(tiny, resolution=7)), len(h3_cells(tiny, resolution=7, points=pt))
    (0, 1)
    """
    if not isinstance(resolution, int | np.integer) or not 0 <= int(resolution) <= 15:
        msg = f"h3 resolution must be an integer 0-15, not {resolution!r}"
        raise SchemaError(msg)
    res = int(resolution)
    if area.crs is None:
        msg = "area has no coordinate system; set one (WGS84 is EPSG:4326)"
        raise CRSError(msg)
    polys = to_wgs84(area.geometry).to_numpy()
    polys = polys[present(polys)]
    cells: set[str] = set()
    for geom in polys:
        if geom.geom_type not in {"Polygon", "MultiPolygon"}:
            msg = f"area must hold Polygon/MultiPolygon geometries, not {geom.geom_type}"
            raise SchemaError(msg)
        cells.update(h3.geo_to_cells(geom, res))
    if points is not None:
        if points.crs is None:
            msg = "points have no coordinate system; set one (WGS84 is EPSG:4326)"
            raise CRSError(msg)
        pts = to_wgs84(points.geometry).to_numpy()
        pts = pts[present(pts)]
        xy = np.unique(shapely.get_coordinates(pts), axis=0)
        cells.update(h3.latlng_to_cell(lat, lng, res) for lng, lat in xy)
    ordered = sorted(cells)
    return gpd.GeoDataFrame(
        {
            "block_id": pd.Series(["H" + c for c in ordered], dtype="string"),
            "area_m2": [h3.cell_area(c, unit="m^2") for c in ordered],
        },
        geometry=gpd.GeoSeries([_cell_polygon(c) for c in ordered], crs=WGS84),
        crs=WGS84,
    )


def block_neighbours(
    blocks: gpd.GeoDataFrame | gpd.GeoSeries, *, min_shared_m: float
) -> pd.DataFrame:
    """Return the pairs of blocks whose borders share more than ``min_shared_m`` metres.

    Street blocks are faces of the street graph, so two blocks sharing a stretch of border
    share a street: an officer crosses it to go from one to the other. Blocks touching at
    a corner only (or along less than ``min_shared_m``) are not neighbours. Borders are
    compared on a 1 cm grid, so cells drawn separately (H3 hexagons) that share an edge up
    to float noise are neighbours too.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame or geopandas.GeoSeries
        Block polygons in a projected metric CRS; missing or empty geometries have no
        neighbours.
    min_shared_m : float
        Least shared border, in metres, that makes two blocks neighbours.

    Returns
    -------
    pandas.DataFrame
        ``left`` and ``right`` (row positions, ``left < right``) and ``shared_m``, sorted by
        ``left`` then ``right``.

    Raises
    ------
    CRSError
        When the blocks have no CRS or one not in metres.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> grid = gpd.GeoSeries([box(0, 0, 100, 100), box(100, 0, 200, 100),
    ...                       box(100, 100, 200, 200)], crs="EPSG:32650")
    >>> block_neighbours(grid, min_shared_m=10.0).values.tolist()
    [[0.0, 1.0, 100.0], [1.0, 2.0, 100.0]]
    """
    _check_metric(blocks.crs, "blocks")
    geoms = np.asarray(blocks.geometry.to_numpy(), dtype=object)
    empty = pd.DataFrame(
        {
            "left": pd.Series([], dtype=np.intp),
            "right": pd.Series([], dtype=np.intp),
            "shared_m": pd.Series([], dtype=float),
        }
    )
    usable = np.flatnonzero(present(geoms))
    if len(usable) < 2:
        return empty
    tree = shapely.STRtree(geoms[usable])
    a, b = tree.query(geoms[usable], predicate="intersects")
    keep = a < b
    left, right = usable[a[keep]], usable[b[keep]]
    rings = shapely.boundary(geoms)
    shared = shapely.length(shapely.intersection(rings[left], rings[right], grid_size=0.01))
    near = shared > min_shared_m
    if not near.any():
        return empty
    out = pd.DataFrame({"left": left[near], "right": right[near], "shared_m": shared[near]})
    return out.sort_values(["left", "right"], kind="stable").reset_index(drop=True)

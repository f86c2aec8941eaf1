"""Points of longitude/latitude columns, converted and rounded on arrays, built once.

The reference route (in :mod:`geo.importer`) builds a shapely point for every checked
longitude/latitude pair, converts the points to WGS84 (:func:`geo.systems.to_wgs84`,
GCJ-02 and BD-09 vertex by vertex through :func:`shapely.transform`), then rounds their
coordinates to ``decimals`` places. When the columns hold degrees (the source has no
projection to undo), :func:`lonlat_points` gives the same points from the arrays:

* the coordinates of the usable pairs (``ok``), in file order, are the ``(n, 2)`` array
  that :func:`shapely.get_coordinates` returns for those points; a datum of GCJ-02 or
  BD-09 is undone on its columns as :func:`geo.coords.geometry_to_wgs84` undoes it (the
  same function on the same array, so bit for bit the same numbers);
* every coordinate is rounded by ``numpy.round`` to ``decimals`` places, which is what the
  reference's rounding gives whether or not it skips points that rounding leaves alone;
* a point is built for each usable pair only (``None`` elsewhere): one shapely point per
  located record, not two.

A geodata file's own points take the same route in :func:`file_points`: their coordinates
are converted and rounded as one array, checked against longitude ±180 and latitude ±90 on
that array (what the reference reads from each rounded point's bounds), and new points are
built only when rounding changed a coordinate (the reference then copies every point with
its new coordinates; else it keeps the file's own points).

A projected source (``source.frame``) is left to the reference route (``None``), and so is
a geodata column holding anything but two-dimensional points with finite coordinates and
missing values. ``tests/geo/test_import_paths.py`` imports every shipped file and a
mutation corpus both ways and compares tables (geometries as WKB) and findings;
``tests/geo/test_point_columns.py`` does so for GeoParquet files.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.coords import bd09_to_wgs84, gcj02_to_wgs84
from geo.schema import WGS84
from geo.systems import CoordSource


def lonlat_points(
    lon: pd.Series,
    lat: pd.Series,
    ok: np.ndarray,
    *,
    source: CoordSource,
    decimals: int,
    build: bool = True,
) -> gpd.GeoSeries | np.ndarray | None:
    """Return the WGS84 points of the usable pairs, ``None`` where a pair is not usable.

    Parameters
    ----------
    lon, lat : pandas.Series
        Parsed coordinates (floats) on the frame's index.
    ok : numpy.ndarray
        True where the pair was checked usable (finite, in range).
    source : CoordSource
        How the file's coordinates are read; a projected one gives ``None`` (not handled).
    decimals : int
        Coordinates are rounded to this many decimal places.
    build : bool
        False: return the points' coordinates, no point built (:func:`_converted`).

    Returns
    -------
    geopandas.GeoSeries, numpy.ndarray or None
        Points in ``EPSG:4326`` on the index of ``lon`` (with ``build=False`` their
        ``(n, 2)`` coordinates, NaN rows where a pair is not usable), or ``None`` when
        ``source`` has a projection to undo.

    Examples
    --------
    >>> from geo.systems import decide
    >>> lon, lat = pd.Series([118.123456789, 0.0]), pd.Series([32.5, 0.0])
    >>> points = lonlat_points(lon, lat, np.array([True, False]), source=decide(None),
    ...                        decimals=7)
    >>> shapely.get_coordinates(points).tolist(), points.isna().tolist()
    ([[118.1234568, 32.5]], [False, True])
    """
    if source.frame is not None:
        return None
    mask = np.asarray(ok, dtype=bool)
    coords = np.column_stack(
        [lon.to_numpy(dtype=np.float64)[mask], lat.to_numpy(dtype=np.float64)[mask]]
    )
    if source.datum in ("gcj02", "bd09") and len(coords):
        inverse = gcj02_to_wgs84 if source.datum == "gcj02" else bd09_to_wgs84
        converted = coords.copy()
        converted[:, 0], converted[:, 1] = inverse(coords[:, 0], coords[:, 1])
        coords = converted
    if not build:
        return _spread(coords, mask, decimals=decimals)
    rounded = np.round(coords, decimals)
    geoms = np.full(len(mask), None, dtype=object)
    if len(rounded):
        geoms[mask] = shapely.points(rounded)
    return gpd.GeoSeries(geoms, index=lon.index, crs=WGS84)


def file_points(
    geoms: np.ndarray, *, source: CoordSource, decimals: int, build: bool = True
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return a geodata file's points in WGS84, rounded, and which lie within lon/lat range.

    Parameters
    ----------
    geoms : numpy.ndarray
        The file's geometries (shapely objects or ``None``).
    source : CoordSource
        How the file's coordinates are read.
    decimals : int
        Coordinates are rounded to this many decimal places.

    Returns
    -------
    tuple of numpy.ndarray, or None
        The geometries (``None`` where missing) and a boolean array, True where a point
        lies outside longitude ±180 or latitude ±90; ``None`` when the reference route must
        run (a projected source, a geometry other than a 2D point, an empty point, a
        coordinate that is not a finite number).

    Examples
    --------
    >>> from geo.systems import decide
    >>> geoms = np.array([shapely.Point(118.123456789, 32.5), None], dtype=object)
    >>> points, outside = file_points(geoms, source=decide(None), decimals=7)
    >>> shapely.get_coordinates(points).tolist(), outside.tolist()
    ([[118.1234568, 32.5]], [False, False])
    """
    if source.frame is not None:
        return None
    kinds = shapely.get_type_id(geoms)
    located = kinds == 0  # a Point; missing ones are -1
    if not np.all(located | (kinds == -1)):
        return None
    points = geoms[located]
    if shapely.is_empty(points).any() or shapely.has_z(points).any():
        return None
    coords = shapely.get_coordinates(points)
    if not np.isfinite(coords).all():
        return None
    return _converted(coords, located, points, source=source, decimals=decimals, build=build)


def coords_points(
    coords: np.ndarray,
    located: np.ndarray,
    *,
    source: CoordSource,
    decimals: int,
    build: bool = True,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return :func:`file_points` of a file's 2D points given as coordinates.

    Parameters
    ----------
    coords : numpy.ndarray
        ``(m, 2)`` finite x/y of the file's points, in row order (as
        :class:`geo.wkb_points.Points` holds them).
    located : numpy.ndarray
        ``(n,)`` booleans, True for a row holding a point.
    source : CoordSource
        How the file's coordinates are read.
    decimals : int
        Coordinates are rounded to this many decimal places.

    Returns
    -------
    tuple of numpy.ndarray, or None
        As :func:`file_points` returns for the same points; ``None`` for a projected source.

    Examples
    --------
    >>> from geo.systems import decide
    >>> points, outside = coords_points(np.array([[118.123456789, 95.0]]),
    ...                                 np.array([False, True]), source=decide(None),
    ...                                 decimals=7)
    >>> [None if p is None else p.wkt for p in points], outside.tolist()
    ([None, 'POINT (118.1234568 95)'], [False, True])
    """
    if source.frame is not None:
        return None
    return _converted(
        coords, np.asarray(located, dtype=bool), None, source=source, decimals=decimals, build=build
    )


def _converted(
    coords: np.ndarray,
    located: np.ndarray,
    points: np.ndarray | None,
    *,
    source: CoordSource,
    decimals: int,
    build: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Convert and round the located points' coordinates; build points where needed.

    ``points`` are the file's own shapely points, kept when neither the datum nor rounding
    changes a coordinate; ``None`` when the file gave coordinates only (points are built).
    With ``build=False`` no point is built or kept: the first array is the rounded
    coordinates, ``(n, 2)``, NaN rows where a row has no point.
    """
    converted = coords
    if source.datum in ("gcj02", "bd09") and len(coords):
        inverse = gcj02_to_wgs84 if source.datum == "gcj02" else bd09_to_wgs84
        converted = coords.copy()
        converted[:, 0], converted[:, 1] = inverse(coords[:, 0], coords[:, 1])
    if not build:
        spread = _spread(converted, located, decimals=decimals)
        # a row without a point is NaN there, not in range: only located rows are outside
        return spread, located & ~_in_range(spread[:, 0], spread[:, 1])
    rounded = np.round(converted, decimals)
    outside = np.zeros(len(located), dtype=bool)
    outside[located] = ~_in_range(rounded[:, 0], rounded[:, 1])
    out = np.full(len(located), None, dtype=object)
    unchanged = rounded.view(np.int64) == converted.view(np.int64)
    if points is not None and converted is coords and unchanged.all():
        out[located] = points
    elif len(rounded):
        out[located] = shapely.points(rounded)
    return out, outside


def _in_range(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each longitude is within ±180 and latitude within ±90 (NaN: not)."""
    with np.errstate(invalid="ignore"):
        return (np.abs(lon) <= 180) & (np.abs(lat) <= 90)


def _spread(coords: np.ndarray, located: np.ndarray, *, decimals: int) -> np.ndarray:
    """Return ``coords`` of the located rows, rounded, as ``(n, 2)`` for every row, NaN elsewhere.

    In Fortran order: each of longitude and latitude is one contiguous column, as the
    table's two columns take them (at ten million rows 0.1 against 0.4 CPU-s or more).
    Rounded in place (``np.round`` of the same values, NaN kept): no rounded copy of
    ``coords`` is made first.
    """
    out = np.full((len(located), 2), np.nan, order="F")
    if located.all():
        out[:, 0] = coords[:, 0]
        out[:, 1] = coords[:, 1]
    else:
        rows = np.flatnonzero(located)
        out[rows, 0] = coords[:, 0]
        out[rows, 1] = coords[:, 1]
    return np.round(out, decimals, out=out)


__all__ = ["coords_points", "file_points", "lonlat_points"]

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

A projected source (``source.frame``) is left to the reference route (``None``).
``tests/geo/test_import_paths.py`` imports every shipped file and a mutation corpus both
ways and compares tables (geometries as WKB) and findings.
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
) -> gpd.GeoSeries | None:
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

    Returns
    -------
    geopandas.GeoSeries or None
        Points in ``EPSG:4326`` on the index of ``lon``, or ``None`` when ``source`` has
        a projection to undo.

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
    rounded = np.round(coords, decimals)
    geoms = np.full(len(mask), None, dtype=object)
    if len(rounded):
        geoms[mask] = shapely.points(rounded)
    return gpd.GeoSeries(geoms, index=lon.index, crs=WGS84)


__all__ = ["lonlat_points"]

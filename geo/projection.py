"""Project once, through one helper: local UTM for metric work, WGS84 for input and output."""

from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pyproj
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from geo.errors import CRSError
from geo.schema import WGS84

G = TypeVar("G", gpd.GeoDataFrame, gpd.GeoSeries)


def local_utm(data: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """Return the UTM zone CRS that fits ``data`` (which must carry a CRS).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> local_utm(gpd.GeoSeries([Point(24.94, 60.17)], crs="EPSG:4326")).to_epsg()
    32635
    """
    if data.crs is None:
        msg = "data has no coordinate system; set one (WGS84 is EPSG:4326) before projecting"
        raise CRSError(msg)
    geographic = data if data.crs.is_geographic else data.to_crs(WGS84)
    minx, miny, maxx, maxy = geographic.total_bounds
    return _utm_at(float(np.mean([minx, maxx])), float(np.mean([miny, maxy])))


@lru_cache(maxsize=256)
def _utm_at(lon: float, lat: float) -> pyproj.CRS:
    """Return the WGS 84 UTM zone CRS at one point, as ``GeoSeries.estimate_utm_crs`` does.

    Geopandas asks PROJ's database for the zones whose area of use holds the point and takes
    the first; each question costs about a tenth of a second. A point strictly inside one
    zone's area (6° of longitude; 0–84°N or 80°S–0) has that zone alone, so it is computed;
    points on an edge (where PROJ's order decides) or outside every zone still ask PROJ.
    Each answer is kept per process (a CRS is immutable, so sharing it is safe).

    Raises
    ------
    CRSError
        When no UTM zone covers the point (coordinates outside longitude/latitude range).

    Examples
    --------
    >>> _utm_at(118.8, 32.05).to_epsg(), _utm_at(118.8, -32.05).to_epsg()
    (32650, 32750)
    >>> _utm_at(120.0, 30.0).to_epsg()  # on the edge of zones 50 and 51: PROJ lists 50 first
    32650
    """
    inside_lon = -180.0 < lon < 180.0 and (lon + 180.0) % 6.0 != 0.0
    if inside_lon and (0.0 < lat < 84.0 or -80.0 < lat < 0.0):
        zone = int((lon + 180.0) // 6.0) + 1
        return pyproj.CRS.from_epsg((32600 if lat > 0 else 32700) + zone)
    area = AreaOfInterest(
        west_lon_degree=lon, south_lat_degree=lat, east_lon_degree=lon, north_lat_degree=lat
    )
    zones = query_utm_crs_info(datum_name="WGS 84", area_of_interest=area)
    if not zones:
        msg = (
            f"no UTM zone covers the centre of the data ({lon}, {lat}); "
            "check that the coordinates are longitude and latitude in range"
        )
        raise CRSError(msg)
    return pyproj.CRS.from_epsg(zones[0].code)


def project(data: G, *, crs: pyproj.CRS | str | None = None) -> G:
    """Return ``data`` in the metric CRS ``crs`` (default: its local UTM zone)."""
    target = local_utm(data) if crs is None else crs
    return data.to_crs(target)


def projected_xy(
    x: np.ndarray,
    y: np.ndarray,
    *,
    source: pyproj.CRS | str,
    target: pyproj.CRS | str,
    copy: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the points ``x, y`` in ``source`` projected to ``target``, as float arrays.

    The same arithmetic as ``GeoSeries.to_crs`` (pyproj, ``always_xy``) on coordinate
    arrays, without building a geometry per point; a missing or non-finite coordinate, or
    one the projection cannot take, gives NaN. Every point is projected on its own, so the
    arrays go to PROJ whole (a NaN coordinate comes back NaN) rather than as masked copies.
    With ``copy=False``, float64 arrays ``x`` and ``y`` are overwritten with the result
    (no new arrays: for coordinates the caller made and needs no more).

    Examples
    --------
    >>> x, y = projected_xy(np.array([118.78, np.nan]), np.array([32.06, 1.0]),
    ...                     source="EPSG:4326", target="EPSG:32650")
    >>> [round(float(x[0])), round(float(y[0]))], bool(np.isnan(x[1]) and np.isnan(y[1]))
    ([668033, 3548472], True)
    """
    out_x = np.array(x, dtype=np.float64, copy=copy or None)
    out_y = np.array(y, dtype=np.float64, copy=copy or None)
    bad = ~(np.isfinite(out_x) & np.isfinite(out_y))  # NaN whatever PROJ makes of them
    if len(out_x):
        transformer = _transformer(pyproj.CRS(source), pyproj.CRS(target))
        out_x, out_y = transformer.transform(out_x, out_y, inplace=True)
    bad |= ~(np.isfinite(out_x) & np.isfinite(out_y))
    if bad.any():
        out_x[bad] = np.nan
        out_y[bad] = np.nan
    return out_x, out_y


@lru_cache(maxsize=16)
def _transformer(source: pyproj.CRS, target: pyproj.CRS) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def to_wgs84(data: G) -> G:
    """Return ``data`` in WGS84 (``EPSG:4326``)."""
    if data.crs is None:
        msg = "data has no coordinate system; cannot convert it to WGS84"
        raise CRSError(msg)
    return data.to_crs(WGS84)

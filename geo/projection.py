"""Project once, through one helper: local UTM for metric work, WGS84 for input and output."""

from __future__ import annotations

from typing import TypeVar

import geopandas as gpd
import pyproj

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
    crs = data.estimate_utm_crs()
    return pyproj.CRS.from_user_input(crs)


def project(data: G, *, crs: pyproj.CRS | str | None = None) -> G:
    """Return ``data`` in the metric CRS ``crs`` (default: its local UTM zone)."""
    target = local_utm(data) if crs is None else crs
    return data.to_crs(target)


def to_wgs84(data: G) -> G:
    """Return ``data`` in WGS84 (``EPSG:4326``)."""
    if data.crs is None:
        msg = "data has no coordinate system; cannot convert it to WGS84"
        raise CRSError(msg)
    return data.to_crs(WGS84)

"""Coordinate systems of Chinese exports: GCJ-02 ("Mars"), BD-09 (Baidu) and EPSG codes.

beatcov stores WGS84 (``EPSG:4326``). Chinese police and map exports often carry
coordinates in GCJ-02, the obfuscated datum every licensed Chinese web map uses, or in
BD-09, Baidu's extra offset on top of GCJ-02. This module names those systems
(:func:`parse_crs`), converts coordinate arrays between them (``wgs84_to_gcj02`` and
friends) and brings coordinates or geometries back to WGS84 (:func:`to_wgs84`,
:func:`geometry_to_wgs84`).

Notes
-----
GCJ-02 is the standard, widely published algorithm: the Krasovsky ellipsoid
(``a = 6378245.0``, ``ee = 0.00669342162296594323``) with the usual ``transformLat`` /
``transformLon`` polynomials around (105 E, 35 N). It is only applied inside a rough
bounding box of China (longitude 72.004 to 137.8347, latitude 0.8293 to 55.8271, edges
included); points outside it are returned unchanged, as every common implementation does.
The box is rough: it also covers parts of neighbouring countries and leaves out nothing of
China.

BD-09 is GCJ-02 plus Baidu's offset (``x_pi = pi * 3000 / 180``, the ``0.00002`` /
``0.000003`` terms and ``+0.0065`` / ``+0.006``), applied everywhere, also outside China,
as the standard formula does.

Neither has a closed-form inverse. The inverses here are iterative (start from the given
point, correct by the forward error until the correction is below ``tolerance_m``) and
reproduce the forward transform to millimetres.

Coordinates are always in ``(lon, lat)`` order (x first), as in shapely and GeoJSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from pyproj.exceptions import CRSError as ProjCRSError

from geo.errors import BeatcovError, CRSError
from geo.schema import WGS84

__all__ = [
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "geometry_to_wgs84",
    "parse_crs",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

FloatArray = npt.NDArray[np.float64]
#: What the transforms return: a float for scalar input, an array for array input.
Coord = np.float64 | FloatArray
_Arrays = tuple[FloatArray, FloatArray]
_Transform = Callable[[FloatArray, FloatArray], _Arrays]

# GCJ-02 constants (Krasovsky 1940 ellipsoid) and the BD-09 constant.
_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323
_X_PI: Final = np.pi * 3000.0 / 180.0
# The usual rough bounding box of China, edges included.
_LON_MIN: Final = 72.004
_LON_MAX: Final = 137.8347
_LAT_MIN: Final = 0.8293
_LAT_MAX: Final = 55.8271
# Metres per degree of latitude on a sphere of the mean Earth radius; only used to turn
# an iteration step into metres for the tolerance test.
_M_PER_DEG: Final = np.pi / 180.0 * 6371008.8

_ALIASES: Final[dict[str, str]] = {
    "wgs84": "wgs84",
    "epsg:4326": "wgs84",
    "4326": "wgs84",
    "gcj02": "gcj02",
    "gcj": "gcj02",
    "bd09": "bd09",
    "baidu": "bd09",
    "cgcs2000": "EPSG:4490",
}
_ACCEPTED: Final = (
    "WGS84 (wgs84, WGS-84, WGS 84, EPSG:4326, 4326), "
    "GCJ-02 (gcj02, GCJ-02, gcj), "
    "BD-09 (bd09, BD-09, baidu), "
    "CGCS2000 (cgcs2000, EPSG:4490; its Gauss-Kruger zones are EPSG:4491 to 4554), "
    "or any other EPSG code as EPSG:n, epsg:n or n (e.g. EPSG:3857)"
)
_EPSG_RE: Final = re.compile(r"(?:epsg:)?(\d+)")


def parse_crs(name: str) -> str:
    """Normalise a coordinate-system name to one canonical token.

    Case, spaces, hyphens and underscores are ignored, so ``"WGS-84"``, ``"wgs 84"`` and
    ``"wgs84"`` are the same.

    Parameters
    ----------
    name : str
        The name a user or a file gave: ``wgs84``/``WGS-84``/``WGS 84``/``EPSG:4326``/
        ``4326``; ``gcj02``/``GCJ-02``/``gcj``; ``bd09``/``BD-09``/``baidu``; ``cgcs2000``;
        or any other EPSG code of a horizontal (geographic or projected) coordinate system
        as ``EPSG:n``, ``epsg:n`` or bare digits.

    Returns
    -------
    str
        ``"wgs84"``, ``"gcj02"``, ``"bd09"`` or ``"EPSG:n"``.

    Raises
    ------
    CRSError
        If the name is none of these, or the EPSG code is unknown to pyproj or is not a
        horizontal coordinate system (e.g. a vertical or geocentric one). The message
        quotes the name and lists the accepted forms.

    Examples
    --------
    >>> parse_crs("WGS-84")
    'wgs84'
    >>> parse_crs("epsg:4326")
    'wgs84'
    >>> parse_crs("GCJ-02")
    'gcj02'
    >>> parse_crs("baidu")
    'bd09'
    >>> parse_crs("3857")
    'EPSG:3857'
    >>> parse_crs("CGCS2000")
    'EPSG:4490'
    """
    if not isinstance(name, str):
        msg = f"coordinate system {name!r} is not a name; accepted: {_ACCEPTED}"
        raise CRSError(msg)
    key = re.sub(r"[\s_-]+", "", name).lower()
    if key in _ALIASES:
        return _ALIASES[key]
    match = _EPSG_RE.fullmatch(key)
    if match is None:
        msg = f"unknown coordinate system {name!r}; accepted: {_ACCEPTED}"
        raise CRSError(msg)
    code = int(match.group(1))
    if code == 4326:  # e.g. "EPSG:04326"
        return "wgs84"
    try:
        crs = pyproj.CRS.from_epsg(code)
    except ProjCRSError:
        msg = f"unknown EPSG code in coordinate system {name!r}; accepted: {_ACCEPTED}"
        raise CRSError(msg) from None
    if not (crs.is_geographic or crs.is_projected):
        msg = (
            f"coordinate system {name!r} ({crs.name}, {crs.type_name}) is not a horizontal "
            f"lon/lat or x/y system; accepted: {_ACCEPTED}"
        )
        raise CRSError(msg)
    return f"EPSG:{code}"


# --------------------------------------------------------------------------- helpers


def _arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> _Arrays:
    """Return ``lon`` and ``lat`` as broadcast float64 copies, missing points all NaN.

    A point with a NaN or infinite coordinate is missing: both its coordinates become NaN,
    which every transform below passes through without warnings.
    """
    lon_b, lat_b = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    lon_c, lat_c = lon_b.copy(), lat_b.copy()
    missing = ~(np.isfinite(lon_c) & np.isfinite(lat_c))
    lon_c[missing] = np.nan
    lat_c[missing] = np.nan
    return lon_c, lat_c


def _out(values: FloatArray) -> Coord:
    """Return a float64 scalar for 0-d results, the array otherwise."""
    if values.ndim == 0:
        return np.float64(values[()])
    return values


def _in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    """Return the rough inside-China mask (NaN is outside)."""
    return (lon >= _LON_MIN) & (lon <= _LON_MAX) & (lat >= _LAT_MIN) & (lat <= _LAT_MAX)


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> _Arrays:
    """Return the GCJ-02 offset (degrees of lon, lat) at WGS84 points, ignoring the box."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    shared = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lat += shared
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    d_lon += shared
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def _wgs_to_gcj(lon: FloatArray, lat: FloatArray) -> _Arrays:
    """Array core of :func:`wgs84_to_gcj02` (inputs are float arrays, not modified)."""
    out_lon = lon.copy()
    out_lat = lat.copy()
    inside = _in_china(lon, lat)
    if inside.any():
        d_lon, d_lat = _gcj_offset(lon[inside], lat[inside])
        out_lon[inside] += d_lon
        out_lat[inside] += d_lat
    return out_lon, out_lat


def _gcj_to_bd(lon: FloatArray, lat: FloatArray) -> _Arrays:
    """Array core of :func:`gcj02_to_bd09`."""
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_approx(lon: FloatArray, lat: FloatArray) -> _Arrays:
    """Return the usual closed-form (approximate) BD-09 to GCJ-02 inverse."""
    x = lon - 0.0065
    y = lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _check_options(tolerance_m: float, max_iter: int) -> None:
    if not tolerance_m > 0:
        msg = f"tolerance_m must be a positive number of metres, got {tolerance_m!r}"
        raise BeatcovError(msg)
    if max_iter < 1:
        msg = f"max_iter must be at least 1, got {max_iter!r}"
        raise BeatcovError(msg)


def _invert(
    forward: _Transform,
    target: _Arrays,
    start: _Arrays,
    *,
    tolerance_m: float,
    max_iter: int,
) -> _Arrays:
    """Solve ``forward(p) == target`` by fixed-point iteration from ``start``.

    Each step moves ``p`` by minus the forward error; a point stops when its step is below
    ``tolerance_m`` metres. Points still moving after ``max_iter`` steps (only possible at
    the edge of the GCJ-02 box, where the forward transform jumps and no exact preimage
    exists) get the iterate whose forward image came closest to the target. Points with a
    non-finite target or start are returned as ``start``.
    """
    shape = target[0].shape
    t_lon, t_lat = target[0].ravel(), target[1].ravel()
    lon, lat = start[0].ravel().copy(), start[1].ravel().copy()
    best_lon, best_lat = lon.copy(), lat.copy()
    best_err = np.full(lon.shape, np.inf)
    active = np.flatnonzero(
        np.isfinite(t_lon) & np.isfinite(t_lat) & np.isfinite(lon) & np.isfinite(lat)
    )
    for _ in range(max_iter):
        if active.size == 0:
            break
        cur_lon, cur_lat = lon[active], lat[active]
        f_lon, f_lat = forward(cur_lon, cur_lat)
        d_lon = f_lon - t_lon[active]
        d_lat = f_lat - t_lat[active]
        err_m = np.hypot(d_lon * np.cos(np.radians(cur_lat)), d_lat) * _M_PER_DEG
        better = err_m < best_err[active]
        keep = active[better]
        best_lon[keep] = cur_lon[better]
        best_lat[keep] = cur_lat[better]
        best_err[keep] = err_m[better]
        lon[active] = cur_lon - d_lon
        lat[active] = cur_lat - d_lat
        # A step below tolerance was just taken: the new iterate is the answer.
        done = active[err_m < tolerance_m]
        best_lon[done] = lon[done]
        best_lat[done] = lat[done]
        active = active[err_m >= tolerance_m]
    return best_lon.reshape(shape), best_lat.reshape(shape)


# --------------------------------------------------------------------------- public API


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coord, Coord]:
    """Convert WGS84 longitude/latitude to GCJ-02.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 degrees; scalars or arrays of broadcastable shapes.

    Returns
    -------
    lon, lat : numpy.float64 or numpy.ndarray
        GCJ-02 degrees; floats for scalar input. Points outside the rough box of China
        (longitude 72.004 to 137.8347, latitude 0.8293 to 55.8271) are returned
        unchanged. A point with a NaN or infinite coordinate comes out as NaN in both.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(116.377817, 39.911954)
    >>> print(f"{lon:.6f} {lat:.6f}")
    116.384047 39.913345
    >>> wgs84_to_gcj02(24.94, 60.17)  # Helsinki, outside China: unchanged
    (np.float64(24.94), np.float64(60.17))
    """
    out_lon, out_lat = _wgs_to_gcj(*_arrays(lon, lat))
    return _out(out_lon), _out(out_lat)


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coord, Coord]:
    """Convert GCJ-02 longitude/latitude to BD-09 (Baidu).

    The Baidu offset is applied everywhere, also outside China, as the standard formula
    does.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 degrees; scalars or arrays of broadcastable shapes.

    Returns
    -------
    lon, lat : numpy.float64 or numpy.ndarray
        BD-09 degrees; floats for scalar input. A point with a NaN or infinite coordinate
        comes out as NaN in both.

    Examples
    --------
    >>> gcj02_to_bd09(0.0, 0.0)
    (np.float64(0.0065), np.float64(0.006))
    """
    out_lon, out_lat = _gcj_to_bd(*_arrays(lon, lat))
    return _out(out_lon), _out(out_lat)


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coord, Coord]:
    """Convert WGS84 longitude/latitude to BD-09 (GCJ-02, then the Baidu offset).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 degrees; scalars or arrays of broadcastable shapes.

    Returns
    -------
    lon, lat : numpy.float64 or numpy.ndarray
        BD-09 degrees; floats for scalar input. Outside China only the Baidu offset is
        applied (GCJ-02 leaves such points unchanged). A point with a NaN or
        infinite coordinate comes out as NaN in both.
    """
    out_lon, out_lat = _gcj_to_bd(*_wgs_to_gcj(*_arrays(lon, lat)))
    return _out(out_lon), _out(out_lat)


def gcj02_to_wgs84(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, tolerance_m: float = 0.01, max_iter: int = 30
) -> tuple[Coord, Coord]:
    """Convert GCJ-02 longitude/latitude to WGS84 by iterating the forward transform.

    Starting from the GCJ-02 point, each step subtracts the forward error
    ``wgs84_to_gcj02(p) - target`` from ``p`` until the step is below ``tolerance_m``.
    The offset changes slowly with position, so this converges in a few steps to well
    under a centimetre.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 degrees; scalars or arrays of broadcastable shapes.
    tolerance_m : float, default 0.01
        Stop when a point's step is below this many metres.
    max_iter : int, default 30
        At most this many steps.

    Returns
    -------
    lon, lat : numpy.float64 or numpy.ndarray
        WGS84 degrees; floats for scalar input. Points outside the rough box of China
        are returned unchanged. Right at the edge of the box, where GCJ-02 jumps and
        some GCJ-02 points have no WGS84 preimage, the closest point found is returned.
        A point with a NaN or infinite coordinate comes out as NaN in both.

    Raises
    ------
    BeatcovError
        If ``tolerance_m`` is not positive or ``max_iter`` is below 1.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(116.38404722455657, 39.91334545536069)
    >>> print(f"{lon:.6f} {lat:.6f}")
    116.377817 39.911954
    """
    _check_options(tolerance_m, max_iter)
    target = _arrays(lon, lat)
    out_lon, out_lat = _invert(
        _wgs_to_gcj, target, target, tolerance_m=tolerance_m, max_iter=max_iter
    )
    return _out(out_lon), _out(out_lat)


def bd09_to_gcj02(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, tolerance_m: float = 0.01, max_iter: int = 30
) -> tuple[Coord, Coord]:
    """Convert BD-09 longitude/latitude to GCJ-02.

    Starts from the usual closed-form inverse (which is only approximate) and refines it
    by iterating :func:`gcj02_to_bd09`, as :func:`gcj02_to_wgs84` does.

    Parameters
    ----------
    lon, lat : array_like
        BD-09 degrees; scalars or arrays of broadcastable shapes.
    tolerance_m : float, default 0.01
        Stop when a point's step is below this many metres.
    max_iter : int, default 30
        At most this many steps.

    Returns
    -------
    lon, lat : numpy.float64 or numpy.ndarray
        GCJ-02 degrees; floats for scalar input. A point with a NaN or infinite coordinate
        comes out as NaN in both.

    Raises
    ------
    BeatcovError
        If ``tolerance_m`` is not positive or ``max_iter`` is below 1.
    """
    _check_options(tolerance_m, max_iter)
    target = _arrays(lon, lat)
    start = _bd_to_gcj_approx(*target)
    out_lon, out_lat = _invert(
        _gcj_to_bd, target, start, tolerance_m=tolerance_m, max_iter=max_iter
    )
    return _out(out_lon), _out(out_lat)


def bd09_to_wgs84(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, tolerance_m: float = 0.01, max_iter: int = 30
) -> tuple[Coord, Coord]:
    """Convert BD-09 longitude/latitude to WGS84 (via GCJ-02, both steps iterative).

    Parameters
    ----------
    lon, lat : array_like
        BD-09 degrees; scalars or arrays of broadcastable shapes.
    tolerance_m : float, default 0.01
        Tolerance of each of the two iterative steps, in metres.
    max_iter : int, default 30
        Step limit of each of the two iterative steps.

    Returns
    -------
    lon, lat : numpy.float64 or numpy.ndarray
        WGS84 degrees; floats for scalar input. A point with a NaN or infinite coordinate
        comes out as NaN in both.

    Raises
    ------
    BeatcovError
        If ``tolerance_m`` is not positive or ``max_iter`` is below 1.
    """
    gcj_lon, gcj_lat = bd09_to_gcj02(lon, lat, tolerance_m=tolerance_m, max_iter=max_iter)
    return gcj02_to_wgs84(gcj_lon, gcj_lat, tolerance_m=tolerance_m, max_iter=max_iter)


@lru_cache(maxsize=32)
def _transformer(code: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(code, WGS84, always_xy=True)


def to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, *, crs: str) -> tuple[FloatArray, FloatArray]:
    """Convert coordinates in any accepted coordinate system to WGS84 lon/lat.

    Parameters
    ----------
    lon, lat : array_like
        Coordinates in ``crs``, x first: longitude/latitude in degrees for wgs84, gcj02,
        bd09 and geographic EPSG codes, easting/northing for projected EPSG codes.
    crs : str
        Any name :func:`parse_crs` accepts.

    Returns
    -------
    lon, lat : numpy.ndarray
        WGS84 degrees, always as arrays (0-d for scalar input). A point with a NaN or
        infinite coordinate comes out as NaN in both.

    Raises
    ------
    CRSError
        If ``crs`` is not an accepted name.

    Examples
    --------
    >>> lon, lat = to_wgs84([0.0], [0.0], crs="EPSG:3857")
    >>> print(lon, lat)
    [0.] [0.]
    """
    code = parse_crs(crs)
    x, y = _arrays(lon, lat)
    if code == "wgs84":
        return x, y
    if code == "gcj02":
        out = gcj02_to_wgs84(x, y)
    elif code == "bd09":
        out = bd09_to_wgs84(x, y)
    else:
        out = _transformer(code).transform(x, y)
    return np.asarray(out[0], dtype=np.float64), np.asarray(out[1], dtype=np.float64)


def geometry_to_wgs84(
    geoms: gpd.GeoSeries | Sequence[shapely.Geometry] | npt.NDArray[np.object_], *, crs: str
) -> gpd.GeoSeries:
    """Convert geometries of any kind from ``crs`` to WGS84.

    GCJ-02 and BD-09 are converted vertex by vertex with :func:`shapely.transform`
    (Z values are kept); EPSG codes go through :meth:`geopandas.GeoSeries.to_crs`.

    Parameters
    ----------
    geoms : geopandas.GeoSeries or array_like of shapely geometries
        The geometries. A GeoSeries may carry no CRS; if it carries one it must agree
        with ``crs``. GCJ-02 and BD-09 coordinates are degrees, so for them the series may
        also be labelled WGS84 (``EPSG:4326``), as readers of lon/lat files label them.
    crs : str
        Any name :func:`parse_crs` accepts.

    Returns
    -------
    geopandas.GeoSeries
        The geometries in ``EPSG:4326``, with the index and name of ``geoms``. Missing
        and empty geometries stay so.

    Raises
    ------
    CRSError
        If ``crs`` is not an accepted name or disagrees with the CRS of ``geoms``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> geometry_to_wgs84([Point(0.0, 0.0)], crs="EPSG:3857").iloc[0]
    <POINT (0 0)>
    """
    code = parse_crs(crs)
    series = geoms if isinstance(geoms, gpd.GeoSeries) else gpd.GeoSeries(list(geoms))
    declared = "EPSG:4326" if code in ("wgs84", "gcj02", "bd09") else code
    if series.crs is not None and not pyproj.CRS(series.crs).equals(
        declared, ignore_axis_order=True
    ):
        msg = (
            f"the geometries carry the coordinate system {series.crs.to_string()} but "
            f"crs={crs!r} was given; set the right one, or drop the geometries' CRS"
        )
        raise CRSError(msg)
    if code in ("wgs84", "gcj02", "bd09"):
        values = np.asarray(series.array, dtype=object)
        if code != "wgs84":
            inverse = gcj02_to_wgs84 if code == "gcj02" else bd09_to_wgs84
            values = shapely.transform(values, _vertexwise(inverse), include_z=None)
        return gpd.GeoSeries(values, index=series.index, name=series.name, crs=WGS84)
    if series.crs is None:
        series = series.set_crs(code)
    return series.to_crs(WGS84)


def _vertexwise(
    inverse: Callable[[FloatArray, FloatArray], tuple[Coord, Coord]],
) -> Callable[[FloatArray], FloatArray]:
    """Wrap a lon/lat converter as a shapely coordinate transformation (keeps Z)."""

    def apply(coords: FloatArray) -> FloatArray:
        out = coords.copy()
        out[:, 0], out[:, 1] = inverse(coords[:, 0], coords[:, 1])
        return out

    return apply

"""One coordinate rule per file: which system an input file's coordinates are in.

Rules
-----
- A file that declares its coordinate system keeps it: GeoJSON is WGS84 by its standard
  (RFC 7946), a GeoPackage, a Shapefile's ``.prj`` and GeoParquet metadata say theirs.
- The coordinate system the user names for a whole import (``--coords``, the Data page's
  choice) applies only to coordinates that carry none: longitude/latitude or WKT columns of
  CSV/XLSX, a Shapefile without ``.prj``. When the user names none, they are
  ``settings.input_crs`` (WGS84).
- A per-file override (``--beats-coords``, ``--households-coords``, ``--visits-coords``, the
  Data page's per-file choice) wins over both. ``EPSG:n`` replaces what the file declares.
  ``wgs84``, ``gcj02`` and ``bd09`` name the datum of the file's longitude/latitude: a file
  that declares a projection (a Gauss-Kruger ``.prj``) is unprojected first, so a layer
  digitised on a Gaode map and saved in CGCS2000 / Gauss-Kruger is read with ``gcj02``.
- CGCS2000 (EPSG:4490) and its Gauss-Kruger zones (EPSG:4491-4554) are taken as WGS84: the
  two datums differ by well under a metre, and PROJ itself only knows a ballpark (null)
  transformation between them. Other datums go through PROJ.

Every choice is kept with its basis (``default``, ``declared``, ``named``, ``override``, from
least to most certain), so :mod:`geo.alignment` can say which file to re-read when two files
disagree, and name it in the file's own terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import geopandas as gpd
import pyproj

from geo.coords import geometry_to_wgs84, parse_crs
from geo.schema import WGS84

Basis = Literal["default", "declared", "named", "override"]

BASES: Final[tuple[Basis, ...]] = ("default", "declared", "named", "override")
"""How a file's system was decided, from least to most certain."""

DATUMS: Final = ("wgs84", "gcj02", "bd09")
"""The longitude/latitude systems that differ by offsets rather than by projection."""

DATUM_NAMES: Final = {"wgs84": "WGS84", "gcj02": "GCJ-02", "bd09": "BD-09"}

# Datum names (EPSG and ESRI spellings) taken as WGS84 at street scale.
_WGS84_LIKE: Final = frozenset(
    {
        "World Geodetic System 1984",
        "World Geodetic System 1984 ensemble",
        "D_WGS_1984",
        "China 2000",
        "China Geodetic Coordinate System 2000",
        "D_China_2000",
    }
)


@dataclass(frozen=True)
class CoordSource:
    """The coordinate system of one file's coordinates, and how it was decided.

    Attributes
    ----------
    datum : {"wgs84", "gcj02", "bd09"}
        The longitude/latitude the coordinates stand for (after undoing ``frame``).
    frame : pyproj.CRS or None
        A projected (or non-WGS84 geographic) system to undo first; ``None`` when the
        coordinates are longitude/latitude degrees already.
    basis : {"default", "declared", "named", "override"}
        Assumed (nothing said), declared by the file, named for the whole import, or named
        for this file.
    own_frame : bool
        False when ``frame`` is an EPSG code the user named rather than the file's own: then
        naming a datum for the file would drop it.
    """

    datum: str
    frame: pyproj.CRS | None
    basis: Basis
    own_frame: bool = True

    @property
    def lonlat(self) -> bool:
        """True when the file holds longitude/latitude degrees (no projection)."""
        return self.frame is None or bool(self.frame.is_geographic)

    @property
    def name(self) -> str:
        """The system in words, e.g. ``GCJ-02`` or ``CGCS2000 / ... CM 117E (EPSG:4548)``.

        Examples
        --------
        >>> decide(None, named="gcj02").name
        'GCJ-02'
        >>> decide(pyproj.CRS("EPSG:4548")).name
        'CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548)'
        """
        datum = DATUM_NAMES[self.datum]
        if self.frame is None:
            return datum
        code = self.frame.to_epsg()
        frame = self.frame.name + (f" (EPSG:{code})" if code else "")
        return frame if self.datum == "wgs84" else f"{datum} in {frame}"


def decide(
    declared: pyproj.CRS | None,
    *,
    named: str | None = None,
    override: str | None = None,
    default: str = "wgs84",
) -> CoordSource:
    """Decide the system of a file's coordinates by the rule of this module.

    Parameters
    ----------
    declared : pyproj.CRS or None
        The system the file declares (GeoJSON: WGS84), ``None`` for coordinates that carry
        none.
    named : str, optional
        The system named for the whole import; used only when ``declared`` is ``None``.
    override : str, optional
        The system named for this file; wins over both.
    default : str
        The system of undeclared coordinates when none is named.

    Returns
    -------
    CoordSource

    Raises
    ------
    CRSError
        If a name is not one :func:`geo.coords.parse_crs` accepts.

    Examples
    --------
    >>> decide(pyproj.CRS("EPSG:4326"), named="gcj02").datum  # GeoJSON stays WGS84
    'wgs84'
    >>> decide(None, named="gcj02").datum  # a CSV takes the named system
    'gcj02'
    >>> source = decide(pyproj.CRS("EPSG:4548"), override="gcj02")
    >>> source.datum, source.frame.to_epsg(), source.basis
    ('gcj02', 4548, 'override')
    """
    if override is not None:
        code = parse_crs(override)
        if code in DATUMS:
            frame = None if declared is None or _is_wgs84_lonlat(declared) else declared
            return CoordSource(code, frame, "override")
        return _from_crs(pyproj.CRS(code), "override", own=False)
    if declared is not None:
        return _from_crs(declared, "declared")
    basis: Basis = "named" if named is not None else "default"
    code = parse_crs(named if named is not None else default)
    if code in DATUMS:
        return CoordSource(code, None, basis)
    return _from_crs(pyproj.CRS(code), basis, own=False)


def to_wgs84(geoms: gpd.GeoSeries, source: CoordSource) -> gpd.GeoSeries:
    """Return ``geoms`` (coordinates as in the file, any CRS label dropped) in WGS84.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gk = decide(pyproj.CRS("EPSG:4548"))
    >>> p = to_wgs84(gpd.GeoSeries([Point(500000.0, 3500000.0)]), gk).iloc[0]
    >>> print(f"{p.x:.6f} {p.y:.4f}")  # on the central meridian, 117 E
    117.000000 31.6226
    """
    series = geoms.set_crs(None, allow_override=True)
    if source.frame is not None:
        series = unproject(series, source.frame)
    return geometry_to_wgs84(series, crs=source.datum)


def unproject(geoms: gpd.GeoSeries, crs: pyproj.CRS) -> gpd.GeoSeries:
    """Return ``geoms``, in ``crs``, as WGS84 longitude/latitude (CGCS2000 taken as WGS84)."""
    geodetic = crs.geodetic_crs
    target = geodetic if geodetic is not None and is_wgs84_like(geodetic) else WGS84
    out = geoms.set_crs(crs, allow_override=True).to_crs(target)
    return out.set_crs(WGS84, allow_override=True)


def is_wgs84_like(crs: pyproj.CRS) -> bool:
    """Return whether ``crs``'s datum is WGS84 or CGCS2000 (the same at street scale).

    Examples
    --------
    >>> is_wgs84_like(pyproj.CRS("EPSG:4490")), is_wgs84_like(pyproj.CRS("EPSG:4214"))
    (True, False)
    """
    datum = crs.datum
    return datum is not None and datum.name in _WGS84_LIKE


def _is_wgs84_lonlat(crs: pyproj.CRS) -> bool:
    if not (crs.is_geographic and is_wgs84_like(crs)):
        return False
    prime = crs.prime_meridian
    return prime is None or prime.longitude == 0


def _from_crs(crs: pyproj.CRS, basis: Basis, *, own: bool = True) -> CoordSource:
    if _is_wgs84_lonlat(crs):
        return CoordSource("wgs84", None, basis)
    return CoordSource("wgs84", crs, basis, own)

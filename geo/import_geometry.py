"""WGS84 geometry of an imported table: the file's own, longitude/latitude columns or WKT.

:func:`table_geometry` builds the geometry column of a canonical table (:mod:`geo.importer`)
and records the findings about it: a feature that should be a point and is not
(``not_a_point``), a WKT cell that does not parse (``bad_geometry``), coordinates outside
longitude ±180 and latitude ±90 once in WGS84 (``coordinate_out_of_range``), a system no
datum ties to the Earth (``unusable_crs``); longitude/latitude columns are checked by
:func:`geo.validate.check_lonlat`. Coordinates are read by the rule of :mod:`geo.systems`,
converted to WGS84 and rounded to :data:`COORD_DECIMALS` places. Points in degrees take
the array route of :mod:`geo.point_columns` (the same points, built once); every other
geometry the route of this module, which is the reference.
"""

from __future__ import annotations

from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj.exceptions import ProjError

from geo import systems
from geo.point_columns import coords_points, file_points, lonlat_points
from geo.readers import RawTable
from geo.schema import WGS84, points_xy, present
from geo.settings import Settings
from geo.text_columns import CanonicalText
from geo.text_strip import strip
from geo.validate import Collector, check_lonlat, parse_numbers

COORD_DECIMALS = 7
"""Canonical coordinates are rounded to 1e-7 degrees (about 1 cm)."""


def table_geometry(
    raw: RawTable,
    frame: CanonicalText,
    collector: Collector,
    *,
    crs: str | None,
    file_crs: str | None,
    settings: Settings,
    points: bool,
    optional: bool = False,
    build: bool = True,
) -> tuple[gpd.GeoSeries | np.ndarray, systems.CoordSource, str | None]:
    """Build WGS84 geometry from the file's geometry, lon/lat columns or a WKT column.

    Returns the geometry, how its coordinates were read and the canonical column they came
    from (``None`` for the file's own geometry). With ``build=False`` points in degrees
    take the array route and come back as their ``(n, 2)`` coordinates, NaN rows where
    none, no point built (other geometry is built: :func:`lonlat_of` takes it apart).
    """
    index = frame.index
    lonlat_columns = "lon" in frame and "lat" in frame and points
    declared = raw.crs if raw.has_geometry and not lonlat_columns else None
    source = systems.decide(declared, named=crs, override=file_crs, default=settings.input_crs)
    column: str | None
    if raw.has_geometry and not lonlat_columns:
        column = None
        found = _own_points(raw, source, build=build) if points else None
        if found is not None:  # 2D points in degrees: converted on arrays
            _report_out_of_range(found[1], collector, column="geometry")
            if not build:
                return found[0], source, column
            return gpd.GeoSeries(found[0], index=index, crs=WGS84), source, column
        own = cast(gpd.GeoSeries, raw.geometry)  # present: ``raw.has_geometry``
        geoms = gpd.GeoSeries(own.values, index=index)
        if points:
            bad = present(geoms) & (geoms.geom_type != "Point").to_numpy()
            for position in collector.each("not_a_point", np.flatnonzero(bad)):
                collector.add(
                    "fatal",
                    "not_a_point",
                    kind=geoms.geom_type.iloc[position],
                    position=int(position),
                    column="geometry",
                )
            geoms = geoms.where(~bad, None)
    elif lonlat_columns:
        column = "lon"
        lon = parse_numbers(frame["lon"], collector, column="lon", required=False)
        lat = parse_numbers(frame["lat"], collector, column="lat", required=False)
        ok = check_lonlat(lon, lat, collector, required=not optional, degrees=source.lonlat)
        built_fast = lonlat_points(
            lon, lat, ok.to_numpy(), source=source, decimals=COORD_DECIMALS, build=build
        )
        if built_fast is not None:  # degrees: converted and rounded on arrays
            return built_fast, source, column
        built = gpd.points_from_xy(lon.where(ok), lat.where(ok))
        geoms = gpd.GeoSeries(built, index=index)
        geoms = geoms.where(ok.to_numpy(), None)
    elif "geometry" in frame:
        column = "geometry"
        geoms = _parse_wkt(frame["geometry"], collector)
    else:
        return gpd.GeoSeries([None] * len(index), index=index, crs=WGS84), source, None
    try:
        wgs = _to_wgs84(geoms, source)
    except ProjError as exc:  # e.g. a local (engineering) system no datum ties to the Earth
        collector.add(
            "fatal",
            "unusable_crs",
            system=source.name,
            error=str(exc),
        )
        return gpd.GeoSeries([None] * len(index), index=index, crs=WGS84), source, column
    if column != "lon" or not source.lonlat:
        _check_geo_ranges(wgs, collector, column=column or "geometry")
    return wgs, source, column


def lonlat_of(geometry: gpd.GeoSeries | np.ndarray) -> np.ndarray:
    """Return :func:`table_geometry`'s points as ``(n, 2)`` coordinates, NaN rows where none.

    Examples
    --------
    >>> lonlat_of(gpd.GeoSeries([shapely.Point(1, 2), None])).tolist()
    [[1.0, 2.0], [nan, nan]]
    """
    if isinstance(geometry, np.ndarray):
        return geometry
    lon, lat = points_xy(geometry, table="visits")
    return np.column_stack([lon, lat])


def _own_points(
    raw: RawTable, source: systems.CoordSource, *, build: bool
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return :func:`file_points` of the file's geometry, from its coordinates if it has them."""
    if raw.points is not None:
        return coords_points(
            raw.points.coords,
            raw.points.located,
            source=source,
            decimals=COORD_DECIMALS,
            build=build,
        )
    geometry = raw.geometry
    if geometry is None:
        return None
    return file_points(geometry.to_numpy(), source=source, decimals=COORD_DECIMALS, build=build)


def _to_wgs84(geoms: gpd.GeoSeries, source: systems.CoordSource) -> gpd.GeoSeries:
    located = present(geoms)
    out = gpd.GeoSeries([None] * len(geoms), index=geoms.index, crs=WGS84)
    if located.any():
        converted = systems.to_wgs84(geoms[located], source)
        rounded = _rounded(converted.to_numpy())
        out.loc[located] = gpd.GeoSeries(rounded, index=geoms.index[located], crs=WGS84)
    return out


def _rounded(geoms: np.ndarray) -> np.ndarray:
    """Return ``geoms`` with coordinates rounded to :data:`COORD_DECIMALS` places.

    The same geometries as :func:`_rounded_by_transform`; when rounding changes no
    coordinate (bit for bit) of 2D geometries, ``geoms`` themselves, without the copy of
    every geometry that setting the coordinates makes.
    """
    coords = shapely.get_coordinates(geoms)
    same = np.round(coords, COORD_DECIMALS).view(np.int64) == coords.view(np.int64)
    if same.all() and not shapely.has_z(geoms).any():
        return geoms
    return _rounded_by_transform(geoms)


def _rounded_by_transform(geoms: np.ndarray) -> np.ndarray:
    """Return ``geoms`` with every coordinate set to itself rounded (the reference)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, COORD_DECIMALS))


def in_lonlat(geoms: gpd.GeoSeries) -> np.ndarray:
    """Whether each geometry lies within longitude ±180 and latitude ±90 (missing: False).

    A geometry with a coordinate that is not a finite number is not within them.
    """
    bounds = geoms.bounds  # NaN for missing and empty geometries
    inside = (
        (bounds["minx"] >= -180)
        & (bounds["maxx"] <= 180)
        & (bounds["miny"] >= -90)
        & (bounds["maxy"] <= 90)
    ).to_numpy(copy=True)
    coords, owner = shapely.get_coordinates(geoms.to_numpy(), return_index=True)
    inside[owner[~np.isfinite(coords).all(axis=1)]] = False
    return inside


def _check_geo_ranges(geoms: gpd.GeoSeries, collector: Collector, *, column: str) -> None:
    _report_out_of_range(present(geoms) & ~in_lonlat(geoms), collector, column=column)


def _report_out_of_range(bad: np.ndarray, collector: Collector, *, column: str) -> None:
    for position in collector.each("coordinate_out_of_range", np.flatnonzero(bad)):
        collector.add(
            "fatal",
            "coordinate_out_of_range",
            variant="system",
            position=int(position),
            column=column,
        )


def _parse_wkt(values: pd.Series, collector: Collector) -> gpd.GeoSeries:
    text = strip(values.astype(str))
    parsed = shapely.from_wkt(text.where(text != "", None).to_numpy(), on_invalid="ignore")
    bad = pd.isna(parsed) & (text != "").to_numpy()
    for position in collector.each("bad_geometry", np.flatnonzero(bad)):
        collector.add(
            "fatal",
            "bad_geometry",
            position=int(position),
            column="geometry",
        )
    return gpd.GeoSeries(parsed, index=values.index)


__all__ = ["COORD_DECIMALS", "in_lonlat", "table_geometry"]

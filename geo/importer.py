"""One entry point per canonical table: read, map columns, validate, convert to WGS84.

:func:`read_beats`, :func:`read_households` and :func:`read_visits` each return the
canonical GeoDataFrame with the findings of that file; :func:`load_dataset` reads all three,
adds the checks across files (points outside every beat, visits of unknown households) and
refuses the import with :class:`~geo.errors.ImportRefused` when anything is fatal.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import coords
from geo.aliases import map_columns, normalise_kind, normalise_outcome, normalise_vulnerable
from geo.errors import CRSError, ImportRefused, ValidationReport
from geo.readers import RawTable, read_raw
from geo.schema import OUTCOMES, REQUIRED, WGS84, Table, columns
from geo.settings import Settings, resolve
from geo.topology import check_beat_polygons
from geo.validate import (
    Collector,
    check_filled,
    check_ids,
    check_lonlat,
    names,
    parse_numbers,
    repair_polygons,
)

COORD_DECIMALS = 7
"""Canonical coordinates are rounded to 1e-7 degrees (about 1 cm)."""


@dataclass
class Imported:
    """One imported table and the findings of its file."""

    table: gpd.GeoDataFrame
    report: ValidationReport


@dataclass
class Dataset:
    """A complete, validated dataset: beats, households and visits in canonical form.

    Attributes
    ----------
    beats, households, visits : geopandas.GeoDataFrame
        Canonical tables in WGS84 (see :mod:`geo.schema`).
    report : ValidationReport
        Warnings kept with the dataset (nothing fatal: fatal findings refuse the import).
    timezone : str
        The zone visit times were localised to.
    name : str
        A label for the dataset (shown in the app).
    """

    beats: gpd.GeoDataFrame
    households: gpd.GeoDataFrame
    visits: gpd.GeoDataFrame
    report: ValidationReport = field(default_factory=ValidationReport)
    timezone: str = "Asia/Shanghai"
    name: str = "dataset"


def read_beats(
    path: str | Path,
    *,
    crs: str | None = None,
    settings: Settings | None = None,
    name: str | None = None,
) -> Imported:
    """Read a beats file (polygons with ``beat_id``) into the canonical beats table.

    Parameters
    ----------
    path : str or Path
        CSV/XLSX with a WKT ``geometry`` column, or any supported geodata file.
    crs : str, optional
        Coordinate system of the file's coordinates when it declares none, or to apply
        ``gcj02``/``bd09`` offsets: ``wgs84``, ``gcj02``, ``bd09`` or ``EPSG:n``.
    settings : Settings, optional
        Thresholds (``repair_max_area_change``, ``beat_overlap_min_m2``).
    name : str, optional
        File name for messages (e.g. of an upload).
    """
    cfg = resolve(settings)
    raw = read_raw(path, name=name)
    collector, frame = _start(raw, "beats")
    if not collector.report.ok:
        return Imported(_empty("beats"), collector.close())
    geometry = _geometry(raw, frame, collector, crs=crs, points=False)
    table = pd.DataFrame(index=frame.index)
    table["beat_id"] = check_ids(frame["beat_id"], collector, column="beat_id")
    for column in ("name", "station", "officer_ids"):
        table[column] = _text(frame, column)
    table["officer_ids"] = table["officer_ids"].map(_officer_list)
    gdf = gpd.GeoDataFrame(table, geometry=geometry, crs=WGS84)
    usable = gdf.geometry.notna() & ~gdf.geometry.is_empty
    gdf.loc[usable, "geometry"] = repair_polygons(
        gdf.geometry[usable], collector, max_area_change=cfg.repair_max_area_change
    )
    if collector.report.ok:
        _beat_topology(gdf, collector, settings=cfg)
    return Imported(_finish(gdf, "beats"), collector.close())


def read_households(
    path: str | Path,
    *,
    crs: str | None = None,
    settings: Settings | None = None,
    name: str | None = None,
) -> Imported:
    """Read a households file (points with ``household_id``) into the canonical table.

    Coordinates come from the file's geometry or from longitude/latitude columns; see
    :func:`read_beats` for ``crs``.
    """
    raw = read_raw(path, name=name)
    collector, frame = _start(raw, "households")
    if not collector.report.ok:
        return Imported(_empty("households"), collector.close())
    geometry = _geometry(raw, frame, collector, crs=crs, points=True)
    table = pd.DataFrame(index=frame.index)
    table["household_id"] = check_ids(frame["household_id"], collector, column="household_id")
    table["address"] = _text(frame, "address")
    if "residents" in frame:
        residents = parse_numbers(
            frame["residents"],
            collector,
            column="residents",
            required=False,
            low=0,
            integer=True,
        )
        table["residents"] = residents.round().astype("Int64")
    else:
        table["residents"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    table["vulnerable"] = _map_distinct(_text(frame, "vulnerable"), normalise_vulnerable)
    kinds = _map_distinct(_text(frame, "kind"), normalise_kind)
    for position in np.flatnonzero(kinds.isna().to_numpy()):
        collector.add(
            "fatal",
            "unknown_kind",
            f"{frame['kind'].iloc[position]!r} is not a known kind; use household, shop, "
            "school or workplace (or 住户, 商铺, 学校, 单位)",
            position=int(position),
            column="kind",
        )
    table["kind"] = kinds.fillna("household")
    gdf = gpd.GeoDataFrame(table, geometry=geometry, crs=WGS84)
    return Imported(_finish(gdf, "households"), collector.close())


def read_visits(
    path: str | Path,
    *,
    crs: str | None = None,
    timezone: str | None = None,
    settings: Settings | None = None,
    name: str | None = None,
) -> Imported:
    """Read a visits file into the canonical visits table.

    Times without a zone are localised to ``timezone`` (default ``settings.timezone``);
    times with an offset are converted to it. A missing ``outcome`` column means every
    visit was a contact. GPS coordinates are optional.
    """
    cfg = resolve(settings)
    zone = timezone or cfg.timezone
    raw = read_raw(path, name=name)
    collector, frame = _start(raw, "visits")
    if not collector.report.ok:
        return Imported(_empty("visits"), collector.close())
    geometry = _geometry(raw, frame, collector, crs=crs, points=True, optional=True)
    table = pd.DataFrame(index=frame.index)
    table["visit_id"] = check_ids(frame["visit_id"], collector, column="visit_id")
    for column in ("household_id", "officer_id"):
        values = _text(frame, column)
        check_filled(values, collector, column=column)
        table[column] = values
    table["time"] = parse_times(frame["time"], collector, timezone=zone)
    table["outcome"] = _outcomes(frame, collector)
    if "duration_min" in frame:
        table["duration_min"] = parse_numbers(
            frame["duration_min"], collector, column="duration_min", required=False, low=0
        )
    else:
        table["duration_min"] = np.nan
    table["issue_raised"] = _text(frame, "issue_raised")
    table["follow_up_of"] = _text(frame, "follow_up_of")
    if "satisfaction" in frame:
        satisfaction = parse_numbers(
            frame["satisfaction"],
            collector,
            column="satisfaction",
            required=False,
            low=1,
            high=5,
            integer=True,
        )
        table["satisfaction"] = satisfaction.round().astype("Int64")
    else:
        table["satisfaction"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    table["note"] = _text(frame, "note")
    _check_follow_ups(table, collector)
    gdf = gpd.GeoDataFrame(table, geometry=geometry, crs=WGS84)
    return Imported(_finish(gdf, "visits"), collector.close())


def load_dataset(
    *,
    beats: str | Path,
    households: str | Path,
    visits: str | Path,
    crs: str | None = None,
    timezone: str | None = None,
    settings: Settings | None = None,
    names: dict[str, str] | None = None,
    label: str = "dataset",
) -> Dataset:
    """Read and cross-check the three files of a dataset.

    Parameters
    ----------
    beats, households, visits : str or Path
        The three input files.
    crs : str, optional
        Coordinate system of coordinates that carry none (see :func:`read_beats`).
    timezone : str, optional
        Zone for visit times without one (default ``settings.timezone``).
    settings : Settings, optional
        Thresholds.
    names : dict, optional
        ``{"beats": ..., "households": ..., "visits": ...}`` file names for messages.
    label : str
        A name for the dataset.

    Raises
    ------
    ImportRefused
        When any file has a fatal finding; ``.report`` lists every finding of all files.
    """
    cfg = resolve(settings)
    zone = timezone or cfg.timezone
    given = names or {}
    b = read_beats(beats, crs=crs, settings=cfg, name=given.get("beats"))
    h = read_households(households, crs=crs, settings=cfg, name=given.get("households"))
    v = read_visits(visits, crs=crs, timezone=zone, settings=cfg, name=given.get("visits"))
    report = ValidationReport()
    for part in (b, h, v):
        report.extend(part.report)
    if report.ok:
        report.extend(
            cross_check(
                b.table,
                h.table,
                v.table,
                households_file=given.get("households") or Path(households).name,
                visits_file=given.get("visits") or Path(visits).name,
            )
        )
    if not report.ok:
        raise ImportRefused(report)
    return Dataset(b.table, h.table, v.table, report, zone, label)


def cross_check(
    beats: gpd.GeoDataFrame,
    households: gpd.GeoDataFrame,
    visits: gpd.GeoDataFrame,
    *,
    households_file: str = "households",
    visits_file: str = "visits",
) -> ValidationReport:
    """Check across files: households outside every beat, visits of unknown households.

    Both are warnings: the records are kept (and reported) so nothing is lost. The file
    names are used in messages.
    """
    h_name, v_name = households_file, visits_file
    report = ValidationReport()
    h_raw = RawTable(households.drop(columns="geometry"), None, None, h_name, 2, "row")
    h_col = Collector(h_raw, {})
    inside = _inside_any(households.geometry, beats.geometry)
    for position in np.flatnonzero(~inside):
        point = households.geometry.iloc[position]
        swapped = shapely.Point(point.y, point.x)
        hint = (
            "; its longitude and latitude look swapped, swap them"
            if _inside_any(gpd.GeoSeries([swapped], crs=WGS84), beats.geometry)[0]
            else "; check its coordinates or the beat boundaries"
        )
        h_col.add(
            "warning",
            "outside_beats",
            f"household {households['household_id'].iloc[position]!r} at "
            f"({point.x:.6f}, {point.y:.6f}) lies outside every beat{hint}",
            position=int(position),
            column="lon",
        )
    report.extend(h_col.close())
    v_raw = RawTable(pd.DataFrame(visits.drop(columns="geometry")), None, None, v_name, 2, "row")
    v_col = Collector(v_raw, {})
    known = visits["household_id"].isin(households["household_id"]).to_numpy()
    for position in np.flatnonzero(~known):
        v_col.add(
            "warning",
            "unknown_household",
            f"household {visits['household_id'].iloc[position]!r} is not in {h_name}; the "
            "visit is kept but cannot be placed until the household is added",
            position=int(position),
            column="household_id",
        )
    report.extend(v_col.close())
    return report


ISO_TIME = (
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?)?"
)
"""Strict ISO 8601 to the microsecond, offset optional (as ``Timestamp.isoformat`` writes
times without nanoseconds): such cells are parsed with ``format="ISO8601"``."""

_OFFSET_AT_END = r"(?:Z|[+-]\d{2}:?\d{2})$"


def parse_times(values: pd.Series, collector: Collector, *, timezone: str) -> pd.Series:
    """Parse visit times to tz-aware timestamps in ``timezone``; bad cells are fatal.

    Accepts ISO 8601 (with or without offset), ``2026/07/01 18:05`` and
    ``2026年7月1日 18:05``. Naive times are localised to ``timezone``; an ambiguous or
    non-existent local time (daylight-saving change) is reported as fatal. Cells in strict
    ISO 8601 (:data:`ISO_TIME`) are parsed as such, the others one format at a time.
    """
    text = values.astype(str).str.strip()
    iso = text.str.fullmatch(ISO_TIME).to_numpy(dtype=bool)
    cleaned = text.copy()
    if not iso.all():  # ISO text has no 年/月/日 or slashes: only the rest needs cleaning
        cleaned[~iso] = (
            text[~iso]
            .str.replace(r"(\d)\s*年\s*(\d)", r"\1-\2", regex=True)
            .str.replace(r"(\d)\s*月\s*(\d)", r"\1-\2", regex=True)
            .str.replace("日", " ", regex=False)
            .str.replace("/", "-", regex=False)
            .str.strip()
        )
    aware_mask = cleaned.str.contains(_OFFSET_AT_END, regex=True).to_numpy(dtype=bool)
    naive_mask = ~aware_mask & (cleaned != "").to_numpy(dtype=bool)
    try:
        result = _parse_groups(cleaned, aware_mask, naive_mask, iso, timezone=timezone)
    except (ValueError, TypeError):
        # zones the offset pattern misses ("18:05 UTC", "+08") mix zones into a batch, and
        # nanosecond text does not fit: read the cells one by one instead of failing
        result = _one_by_one(cleaned.where(aware_mask | naive_mask, ""), timezone=timezone)
    for position in np.flatnonzero(result.isna().to_numpy()):
        raw = text.iloc[position]
        problem = (
            "the time is empty; fill it in"
            if raw == ""
            else f"{raw!r} is not a time beatcov can read; write it like 2026-07-01 18:05"
        )
        collector.add("fatal", "bad_time", problem, position=int(position), column="time")
    return result


def _parse_groups(
    cleaned: pd.Series,
    aware_mask: np.ndarray,
    naive_mask: np.ndarray,
    iso: np.ndarray,
    *,
    timezone: str,
) -> pd.Series:
    """Parse cells with an offset (converted) and without (localised), vectorised."""
    result = pd.Series(pd.NaT, index=cleaned.index, dtype=f"datetime64[us, {timezone}]")
    if aware_mask.any():
        for mask, aware in _split_parse(cleaned, aware_mask, iso, utc=True):
            result.loc[mask] = aware.dt.tz_convert(timezone).dt.as_unit("us")
    if naive_mask.any():
        for mask, naive in _split_parse(cleaned, naive_mask, iso, utc=False):
            local = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
            result.loc[mask] = local.dt.as_unit("us")
    return result


def _one_by_one(cells: pd.Series, *, timezone: str) -> pd.Series:
    """Parse cells one at a time: zoned ones are converted, naive ones localised."""
    out = pd.Series(pd.NaT, index=cells.index, dtype=f"datetime64[us, {timezone}]")
    for label, cell in cells.items():
        if not cell:
            continue
        try:
            stamp = pd.Timestamp(cell).as_unit("us")
        except (ValueError, TypeError, OverflowError):
            continue
        if pd.isna(stamp):
            continue
        try:
            if stamp.tzinfo is None:
                stamp = stamp.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
            else:
                stamp = stamp.tz_convert(timezone)
        except (ValueError, TypeError):
            continue
        out.loc[label] = stamp
    return out


def _split_parse(
    cleaned: pd.Series, mask: np.ndarray, iso: np.ndarray, *, utc: bool
) -> list[tuple[np.ndarray, pd.Series]]:
    """Parse the cells of ``mask``: strict ISO ones as ISO 8601, the rest format by format.

    Returns ``(mask, parsed)`` pairs whose times are those of parsing all cells of ``mask``
    together format by format. Parsing infers one resolution for all cells, and cells
    outside its range fail; strict ISO cells have at most microseconds, so when the rest
    need nanoseconds, or carry a zone where none was expected (which fails as mixed zones),
    all cells are parsed together as before.
    """
    parts = []
    fast, slow = mask & iso, mask & ~iso
    if slow.any():
        rest = pd.to_datetime(cleaned[slow], errors="coerce", utc=utc, format="mixed")
        parts.append((slow, rest))
    if fast.any():
        parsed = pd.to_datetime(cleaned[fast], errors="coerce", utc=utc, format="ISO8601")
        parts.append((fast, parsed))
    if len(parts) == 2 and not all(_unit(p) in ("s", "us") and _zone_ok(p, utc) for _, p in parts):
        whole = pd.to_datetime(cleaned[mask], errors="coerce", utc=utc, format="mixed")
        return [(mask, whole)]
    return parts


def _zone_ok(times: pd.Series, utc: bool) -> bool:
    """Return whether ``times`` carry a zone exactly when one was asked for (``utc``)."""
    return isinstance(times.dtype, pd.DatetimeTZDtype) == utc


def _unit(times: pd.Series) -> str:
    """Return the resolution of a datetime Series (``"s"``, ``"ms"``, ``"us"`` or ``"ns"``)."""
    return str(times.dt.unit)


def _start(raw: RawTable, table: Table) -> tuple[Collector, pd.DataFrame]:
    """Map headers, check required columns; return the collector and the renamed frame."""
    mapping = map_columns(list(raw.frame.columns), table)
    headers = {canonical: header for header, canonical in mapping.items()}
    collector = Collector(raw, headers)
    frame = raw.frame[list(mapping)].rename(columns=mapping)
    has_geometry = raw.geometry is not None or "geometry" in frame
    has_lonlat = "lon" in frame and "lat" in frame
    found = names(raw.frame.columns)
    for column in REQUIRED[table]:
        if column == "geometry":
            if table == "households" and not (has_geometry or has_lonlat):
                collector.add(
                    "fatal",
                    "missing_column",
                    f"no coordinates: add longitude and latitude columns (lon/lat, 经度/纬度) "
                    f"or use a geodata file; columns found: {found}",
                )
            elif table == "beats" and not has_geometry:
                collector.add(
                    "fatal",
                    "missing_column",
                    "no polygons: use a geodata file or a WKT column named geometry; "
                    f"columns found: {found}",
                )
        elif column not in frame:
            collector.add(
                "fatal",
                "missing_column",
                f"required column {column!r} is missing; add it or rename a column to one of "
                f"its aliases (README, 'Column aliases'); columns found: {found}",
                column=column,
            )
    if len(raw.frame) == 0:
        collector.add("fatal", "no_records", "the file has a header but no records")
    return collector, frame


def _geometry(
    raw: RawTable,
    frame: pd.DataFrame,
    collector: Collector,
    *,
    crs: str | None,
    points: bool,
    optional: bool = False,
) -> gpd.GeoSeries:
    """Build WGS84 geometry from the file's geometry, lon/lat columns or a WKT column."""
    index = frame.index
    source_crs = _source_crs(raw, crs)
    if raw.geometry is not None and not ("lon" in frame and "lat" in frame and points):
        geoms = gpd.GeoSeries(raw.geometry.values, index=index)
        if points:
            bad = geoms.notna() & ~geoms.is_empty & (geoms.geom_type != "Point")
            for position in np.flatnonzero(bad.to_numpy()):
                collector.add(
                    "fatal",
                    "not_a_point",
                    f"the geometry is a {geoms.geom_type.iloc[position]}, not a point; export "
                    "one point per record",
                    position=int(position),
                    column="geometry",
                )
            geoms = geoms.where(~bad, None)
    elif "lon" in frame and "lat" in frame:
        lon = parse_numbers(frame["lon"], collector, column="lon", required=False)
        lat = parse_numbers(frame["lat"], collector, column="lat", required=False)
        ok = check_lonlat(lon, lat, collector, required=not optional)
        built = gpd.points_from_xy(lon.where(ok), lat.where(ok))
        geoms = gpd.GeoSeries(built, index=index)
        geoms = geoms.where(ok.to_numpy(), None)
    elif "geometry" in frame:
        geoms = _parse_wkt(frame["geometry"], collector)
    else:
        return gpd.GeoSeries([None] * len(index), index=index, crs=WGS84)
    wgs = _to_wgs84(geoms, source_crs, collector)
    if raw.geometry is not None or "geometry" in frame:
        _check_geo_ranges(wgs, collector)
    return wgs


def _source_crs(raw: RawTable, crs: str | None) -> str:
    """Decide the coordinates' system from the user's choice and the file's own CRS."""
    named = coords.parse_crs(crs) if crs is not None else None
    file_crs = None
    if raw.crs is not None:
        epsg = raw.crs.to_epsg()
        file_crs = "wgs84" if epsg == 4326 else (f"EPSG:{epsg}" if epsg else raw.crs.to_wkt())
    if named is None:
        return file_crs or "wgs84"
    if file_crs is None or named in ("gcj02", "bd09") and file_crs == "wgs84":
        return named
    if named != file_crs:
        msg = (
            f"{raw.file}: the file declares coordinate system {file_crs} but {crs} was "
            "named; leave the coordinate system option empty or re-export the file"
        )
        raise CRSError(msg)
    return named


def _to_wgs84(geoms: gpd.GeoSeries, source: str, collector: Collector) -> gpd.GeoSeries:
    present = geoms.notna() & ~geoms.is_empty
    out = gpd.GeoSeries([None] * len(geoms), index=geoms.index, crs=WGS84)
    if present.any():
        converted = coords.geometry_to_wgs84(
            geoms[present].set_crs(None, allow_override=True), crs=source
        )
        rounded = shapely.transform(converted.values, lambda xy: np.round(xy, COORD_DECIMALS))
        out.loc[present] = gpd.GeoSeries(rounded, index=geoms.index[present], crs=WGS84)
    return out


def _check_geo_ranges(geoms: gpd.GeoSeries, collector: Collector) -> None:
    present = geoms.notna() & ~geoms.is_empty
    bounds = geoms[present].bounds
    bad = (
        (bounds["minx"] < -180)
        | (bounds["maxx"] > 180)
        | (bounds["miny"] < -90)
        | (bounds["maxy"] > 90)
    )
    for label in bounds.index[bad]:
        position = geoms.index.get_loc(label)
        collector.add(
            "fatal",
            "coordinate_out_of_range",
            "coordinates fall outside longitude ±180 / latitude ±90; check the coordinate "
            "system of the file (name it with the coordinate system option)",
            position=int(position),
            column="geometry",
        )


def _parse_wkt(values: pd.Series, collector: Collector) -> gpd.GeoSeries:
    text = values.astype(str).str.strip()
    parsed = shapely.from_wkt(text.where(text != "", None).to_numpy(), on_invalid="ignore")
    bad = pd.isna(parsed) & (text != "").to_numpy()
    for position in np.flatnonzero(bad):
        collector.add(
            "fatal",
            "bad_geometry",
            "the geometry is not valid WKT text (e.g. POLYGON ((lon lat, ...))); fix the cell",
            position=int(position),
            column="geometry",
        )
    return gpd.GeoSeries(parsed, index=values.index)


def _outcomes(frame: pd.DataFrame, collector: Collector) -> pd.Series:
    if "outcome" not in frame:
        return pd.Series("contact", index=frame.index, dtype=object)
    text = _text(frame, "outcome")
    mapped = _map_distinct(text, normalise_outcome)
    for position in np.flatnonzero(mapped.isna().to_numpy()):
        collector.add(
            "fatal",
            "unknown_outcome",
            f"{text.iloc[position]!r} is not a known outcome; use one of {', '.join(OUTCOMES)} "
            "(or 见面, 无人, 拒绝)",
            position=int(position),
            column="outcome",
        )
    return mapped.fillna("")


def _check_follow_ups(table: pd.DataFrame, collector: Collector) -> None:
    refs = table["follow_up_of"]
    unknown = (refs != "") & ~refs.isin(table["visit_id"])
    for position in np.flatnonzero(unknown.to_numpy()):
        collector.add(
            "warning",
            "unknown_follow_up",
            f"follows up visit {refs.iloc[position]!r}, which is not in this file; the "
            "follow-up is kept but not linked",
            position=int(position),
            column="follow_up_of",
        )


def _beat_topology(gdf: gpd.GeoDataFrame, collector: Collector, *, settings: Settings) -> None:
    """Add overlap and gap warnings between beats (see :mod:`geo.topology`)."""
    report = check_beat_polygons(gdf, settings=settings, source=collector.raw.file)
    for finding in report.findings:
        collector.report.add(dataclasses.replace(finding, column=collector.header("geometry")))


def _map_distinct(values: pd.Series, func: Callable[[str], str | None]) -> pd.Series:
    """Apply ``func`` once per distinct value (columns repeat a handful of codes)."""
    return values.map({value: func(value) for value in pd.unique(values)}).astype(object)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype(str).str.strip().astype(object)


def _officer_list(value: str) -> str:
    parts = [p.strip() for p in re.split(r"[;,，；、|\s]+", value) if p.strip()]
    return ";".join(parts)


def _finish(gdf: gpd.GeoDataFrame, table: Table) -> gpd.GeoDataFrame:
    ordered = gdf[list(columns(table))].reset_index(drop=True)
    return gpd.GeoDataFrame(ordered, geometry="geometry", crs=WGS84)


def _empty(table: Table) -> gpd.GeoDataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns(table) if c != "geometry"})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)


def _inside_any(points: gpd.GeoSeries, polygons: gpd.GeoSeries) -> np.ndarray:
    """Return, per point, whether it lies in or on any polygon (missing points: True)."""
    present = (points.notna() & ~points.is_empty).to_numpy()
    tree = shapely.STRtree(polygons.values)
    hit = np.zeros(len(points), dtype=bool)
    idx = np.flatnonzero(present)
    pairs = tree.query(points.values[idx], predicate="intersects")
    hit[idx[np.unique(pairs[0])]] = True
    return hit | ~present

"""One entry point per canonical table: read, map columns, validate, convert to WGS84.

:func:`read_beats`, :func:`read_households` and :func:`read_visits` each return the
canonical GeoDataFrame with the findings of that file; :func:`load_dataset` reads all three,
adds the checks across files (households outside every beat, coordinate mix-ups between the
files, visits of unknown households) and refuses the import with
:class:`~geo.errors.ImportRefused` when anything is fatal.

:func:`load_dataset` is the import boundary: each file is read through :func:`read_table`,
which turns whatever goes wrong while reading a file into a finding with a code, never a
traceback: an :class:`~geo.errors.InputFileError` (a file that cannot be read, is not the
format its name says, or is beyond a limit) becomes its own finding, and any exception
beatcov did not foresee becomes an ``unexpected_error`` finding naming the exception's type
(its traceback goes to the log, not to the user). Errors of beatcov's own about how it was
called (a column named for a table that has no such column, an unknown coordinate system)
are raised as before.

Each file's coordinates are read by the one rule of :mod:`geo.systems`: a file that declares
its system keeps it, ``crs`` applies to coordinates that carry none, ``file_crs`` (per table:
``table_crs``) overrides both. Findings across files name each file's own headers and its
rows or features, as the findings of one file do.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import alignment, systems
from geo.aliases import (
    choose_columns,
    normalise_kind,
    normalise_outcome,
    normalise_vulnerable,
)
from geo.errors import (
    BeatcovError,
    EncodingError,
    Finding,
    ImportRefused,
    InputFileError,
    ValidationReport,
)
from geo.findings import problem
from geo.import_geometry import in_lonlat, lonlat_of, table_geometry
from geo.readers import RawTable, read_raw
from geo.schema import (
    GPS_COLUMNS,
    OUTCOMES,
    REQUIRED,
    WGS84,
    Table,
    columns,
    officer_list,
    present,
    text_in,
)
from geo.settings import DEFAULTS, Settings, resolve
from geo.text_columns import CanonicalText, map_distinct, stripped, stripped_text
from geo.times import parse_times
from geo.typed_columns import typed_numbers, typed_times
from geo.validate import (
    Collector,
    check_filled,
    check_ids,
    check_numbers,
    names,
    parse_numbers,
    repair_polygons,
)

logger = logging.getLogger(__name__)


@dataclass
class Imported:
    """One imported table, the findings of its file, and what messages need to name it.

    Attributes
    ----------
    table : geopandas.GeoDataFrame
        The canonical table (one row per record of the file, in its order); visits read
        without points are a plain DataFrame (:func:`read_visits`).
    report : ValidationReport
        The findings of the file.
    origin : RawTable or None
        The file's name and row numbering (its records are not kept).
    headers : dict
        Canonical column -> the file's own header.
    source : CoordSource or None
        How the file's coordinates were read (:mod:`geo.systems`).
    coord_column : str or None
        The canonical column the coordinates came from (``lon`` or ``geometry`` for a WKT
        column), ``None`` for a geodata file's own geometry.
    text : dict
        Canonical column -> the same cells as pandas' Arrow-backed text, on the table's
        index, for a column the checks across files look up (the visits' ``household_id``).
    """

    table: gpd.GeoDataFrame
    report: ValidationReport
    origin: RawTable | None = None
    headers: dict[str, str] = field(default_factory=dict)
    source: systems.CoordSource | None = None
    coord_column: str | None = None
    text: dict[str, pd.Series] = field(default_factory=dict)


@dataclass
class Dataset:
    """A complete, validated dataset: beats, households and visits in canonical form.

    Attributes
    ----------
    beats, households, visits : geopandas.GeoDataFrame
        Canonical tables in WGS84 (see :mod:`geo.schema`); visits loaded without points
        are a plain DataFrame with GPS columns (``load_dataset(visit_points=False)``).
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
    timezone: str = DEFAULTS.timezone
    name: str = "dataset"


def read_beats(
    path: str | Path,
    *,
    crs: str | None = None,
    file_crs: str | None = None,
    columns: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    name: str | None = None,
) -> Imported:
    """Read a beats file (polygons with ``beat_id``) into the canonical beats table.

    Parameters
    ----------
    path : str or Path
        CSV/XLSX with a WKT ``geometry`` column, or any supported geodata file.
    crs : str, optional
        Coordinate system of coordinates that carry none (WKT or lon/lat columns, a
        Shapefile without ``.prj``): ``wgs84``, ``gcj02``, ``bd09`` or ``EPSG:n``; default
        ``settings.input_crs``. A file that declares its system keeps it.
    file_crs : str, optional
        The system of this file's coordinates, whatever it declares (see
        :mod:`geo.systems`).
    columns : mapping, optional
        ``{canonical: header}``: the file's column that plays a canonical column, for
        headers the alias table does not know (e.g. ``{"beat_id": "Name"}``); wins over the
        aliases. A header the file lacks is a fatal ``unknown_column`` finding.
    settings : Settings, optional
        Thresholds (``repair_max_area_change``, ``beat_overlap_min_m2``).
    name : str, optional
        File name for messages (e.g. of an upload).
    """
    cfg = resolve(settings)
    try:
        raw = read_raw(path, name=name, settings=cfg)
    except EncodingError as error:
        return _refused("beats", error.finding())
    collector, frame = _start(raw, "beats", columns)
    if not collector.report.ok:
        return _imported(_empty("beats"), collector)
    geometry, source, coord_column = table_geometry(
        raw, frame, collector, crs=crs, file_crs=file_crs, settings=cfg, points=False
    )
    table = pd.DataFrame(index=frame.index)
    table["beat_id"] = check_ids(frame["beat_id"], collector, column="beat_id")
    for column in ("name", "station", "officer_ids"):
        table[column] = stripped(frame, column)
    table["officer_ids"] = table["officer_ids"].map(officer_list)
    gdf = gpd.GeoDataFrame(table, geometry=geometry, crs=WGS84, copy=False)
    usable = present(gdf.geometry) & in_lonlat(gdf.geometry)  # out of range: already fatal
    gdf.loc[usable, "geometry"] = repair_polygons(
        gdf.geometry[usable], collector, max_area_change=cfg.repair_max_area_change
    )
    if collector.report.ok:
        _beat_topology(gdf, collector, settings=cfg)
    return _imported(_finish(gdf, "beats"), collector, source, coord_column)


def read_households(
    path: str | Path,
    *,
    crs: str | None = None,
    file_crs: str | None = None,
    columns: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    name: str | None = None,
) -> Imported:
    """Read a households file (points with ``household_id``) into the canonical table.

    Coordinates come from the file's geometry or from longitude/latitude columns; see
    :func:`read_beats` for ``crs``, ``file_crs`` and ``columns``.
    """
    cfg = resolve(settings)
    try:
        raw = read_raw(path, name=name, settings=cfg)
    except EncodingError as error:
        return _refused("households", error.finding())
    collector, frame = _start(raw, "households", columns)
    if not collector.report.ok:
        return _imported(_empty("households"), collector)
    geometry, source, coord_column = table_geometry(
        raw, frame, collector, crs=crs, file_crs=file_crs, settings=cfg, points=True
    )
    table = pd.DataFrame(index=frame.index)
    table["household_id"] = check_ids(frame["household_id"], collector, column="household_id")
    table["address"] = stripped(frame, "address")
    if "residents" in frame:
        residents = _numbers(raw, frame, collector, "residents", low=0, integer=True)
        table["residents"] = residents.round().astype("Int64")
    else:
        table["residents"] = pd.array([pd.NA] * len(frame.index), dtype="Int64")
    table["vulnerable"] = map_distinct(stripped_text(frame, "vulnerable"), normalise_vulnerable)
    kinds = map_distinct(stripped_text(frame, "kind"), normalise_kind)
    for position in collector.each("unknown_kind", np.flatnonzero(kinds.isna().to_numpy())):
        collector.add(
            "fatal",
            "unknown_kind",
            value=frame["kind"].iloc[position],
            position=int(position),
            column="kind",
        )
    table["kind"] = kinds.fillna("household")
    gdf = gpd.GeoDataFrame(table, geometry=geometry, crs=WGS84, copy=False)
    return _imported(_finish(gdf, "households"), collector, source, coord_column)


def read_visits(
    path: str | Path,
    *,
    crs: str | None = None,
    file_crs: str | None = None,
    columns: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    name: str | None = None,
    points: bool = True,
) -> Imported:
    """Read a visits file into the canonical visits table.

    Times without a zone are localised to ``settings.timezone``; times with an offset are
    converted to it. Dates with the year last are read in ``settings.date_order``, never in
    a guessed order (:mod:`geo.times`). A missing ``outcome`` column means every visit was a
    contact. GPS coordinates are optional; see :func:`read_beats` for ``crs``,
    ``file_crs`` and ``columns``. The text columns (ids, outcome, issue, follow-up, note) are
    pandas' Arrow-backed text (``str``): a city's year is ten million rows. With
    ``points=False`` the table is a plain DataFrame whose GPS is two columns of degrees
    (:data:`geo.schema.GPS_COLUMNS`, NaN where a visit has none) in place of the Point
    geometry, with the same findings: no shapely point is built for a point in degrees; and
    :data:`CODED_VISIT_COLUMNS` are categoricals of the same texts and ``satisfaction`` is
    :data:`SCORE_DTYPE` (:func:`_coded`).
    """
    cfg = resolve(settings)
    try:
        raw = read_raw(path, name=name, settings=cfg)
    except EncodingError as error:
        return _refused("visits", error.finding(), points=points)
    collector, frame = _start(raw, "visits", columns)
    if not collector.report.ok:
        return _imported(_empty("visits", points=points), collector)
    geometry, source, coord_column = table_geometry(
        raw,
        frame,
        collector,
        crs=crs,
        file_crs=file_crs,
        settings=cfg,
        points=True,
        optional=True,
        build=points,  # the command line's visits: coordinates, no point per visit
    )
    table = pd.DataFrame(index=frame.index)
    table["visit_id"] = check_ids(frame["visit_id"], collector, column="visit_id")
    text = {}
    for column in ("household_id", "officer_id"):
        text[column] = stripped_text(frame, column)
        check_filled(text[column], collector, column=column)
        table[column] = text[column]
    times = typed_times(raw, collector.header("time") or "time", timezone=cfg.timezone)
    if times is None:
        times = parse_times(
            frame["time"], collector, timezone=cfg.timezone, date_order=cfg.date_order
        )
    table["time"] = times
    table["outcome"] = _outcomes(frame, collector)
    if "duration_min" in frame:
        table["duration_min"] = _numbers(raw, frame, collector, "duration_min", low=0)
    else:
        table["duration_min"] = np.nan
    table["issue_raised"] = stripped_text(frame, "issue_raised")
    follow_ups = stripped_text(frame, "follow_up_of")
    table["follow_up_of"] = follow_ups
    if "satisfaction" in frame:
        satisfaction = _numbers(raw, frame, collector, "satisfaction", low=1, high=5, integer=True)
        table["satisfaction"] = satisfaction.round().astype("Int64")
    else:
        table["satisfaction"] = pd.array([pd.NA] * len(frame.index), dtype="Int64")
    table["note"] = stripped_text(frame, "note")
    _check_follow_ups(follow_ups, table["visit_id"], collector)
    ids = {"household_id": text["household_id"].reset_index(drop=True)}  # as _finish does
    if not points:
        lonlat = lonlat_of(geometry)
        table[GPS_COLUMNS[0]] = lonlat[:, 0]
        table[GPS_COLUMNS[1]] = lonlat[:, 1]
        return _imported(_coded(_finish_gps(table)), collector, source, coord_column, ids)
    gdf = gpd.GeoDataFrame(table, geometry=geometry, crs=WGS84, copy=False)
    return _imported(_finish(gdf, "visits"), collector, source, coord_column, ids)


CODED_VISIT_COLUMNS: Final = ("officer_id", "outcome", "issue_raised")
"""Visit columns of few distinct texts, categoricals in visits read without points."""


SCORE_DTYPE: Final = "Int8"
"""The dtype of the satisfaction scores of visits read without points: scores are 1 to 5
(any other is a fatal finding), so one byte and a mask byte a visit, where ``Int64`` (the
app's import) takes nine: 66 MB less at 10M visits."""


def _coded(visits: pd.DataFrame) -> pd.DataFrame:
    """Return ``visits`` with :data:`CODED_VISIT_COLUMNS` as categoricals of their texts.

    The route for a city's year (``points=False``): an officer's id or an outcome is one of
    a few thousand texts, two bytes a row as a code where Arrow text takes 14 to 17 (a third
    of the visits' memory at 10M visits). ``satisfaction``, a score from 1 to 5, is
    :data:`SCORE_DTYPE`. The values are the same; a missing value stays missing.

    Examples
    --------
    >>> coded = _coded(pd.DataFrame({c: ["a", None] for c in CODED_VISIT_COLUMNS}))
    >>> coded["officer_id"].cat.categories.tolist(), coded["officer_id"].isna().tolist()
    (['a'], [False, True])
    >>> _coded(pd.DataFrame({"satisfaction": pd.array([5, None], dtype="Int64")}))["satisfaction"]
    0       5
    1    <NA>
    Name: satisfaction, dtype: Int8
    """
    for column in CODED_VISIT_COLUMNS:
        if column in visits.columns:
            visits[column] = visits[column].astype("category")
    if "satisfaction" in visits.columns:
        visits["satisfaction"] = visits["satisfaction"].astype(SCORE_DTYPE)
    return visits


def load_dataset(
    *,
    beats: str | Path,
    households: str | Path,
    visits: str | Path,
    crs: str | None = None,
    table_crs: Mapping[str, str | None] | None = None,
    columns: Mapping[str, Mapping[str, str]] | None = None,
    settings: Settings | None = None,
    names: dict[str, str] | None = None,
    label: str = "dataset",
    hint: alignment.Hint = alignment.default_hint,
    visit_points: bool = True,
) -> Dataset:
    """Read and cross-check the three files of a dataset.

    Parameters
    ----------
    beats, households, visits : str or Path
        The three input files.
    crs : str, optional
        Coordinate system of coordinates that carry none (see :func:`read_beats`).
    table_crs : mapping, optional
        ``{"beats": ..., "households": ..., "visits": ...}``: the system of that file's
        coordinates, whatever it declares (``file_crs`` of :func:`read_beats`).
    columns : mapping, optional
        ``{"beats": {"beat_id": "Name"}, ...}``: per table, the file's column that plays a
        canonical column (``columns`` of :func:`read_beats`).
    settings : Settings, optional
        Thresholds, and ``timezone``: the zone of visit times without one.
    names : dict, optional
        ``{"beats": ..., "households": ..., "visits": ...}`` file names for messages.
    label : str
        A name for the dataset.
    hint : callable, optional
        ``hint(table, system)`` says how to read a file as another system in the words of
        the caller (the command line names its option), for findings of coordinate
        mix-ups.
    visit_points : bool
        False: the visits' GPS as two columns of degrees, no Point geometry, and
        :data:`CODED_VISIT_COLUMNS` as categoricals and ``satisfaction`` as
        :data:`SCORE_DTYPE` (``read_visits(..., points=False)``), for a caller that only
        measures them (the command line).

    Raises
    ------
    ImportRefused
        When any file has a fatal finding, including a file that cannot be read at all
        (:func:`read_table`); ``.report`` lists every finding of all files, ``.outside``
        the households outside every beat when too many are.
    """
    cfg = resolve(settings)
    given = names or {}
    own = dict(table_crs or {})
    chosen = dict(columns or {})
    unknown = sorted(set(chosen) - {"beats", "households", "visits"})
    if unknown:
        msg = f"columns named for {', '.join(unknown)}: use beats, households or visits"
        raise BeatcovError(msg)
    paths = {"beats": beats, "households": households, "visits": visits}
    b, h, v = (
        read_table(
            table,
            paths[table],
            crs=crs,
            file_crs=own.get(table),
            columns=chosen.get(table),
            settings=cfg,
            name=given.get(table),
            visit_points=visit_points,
        )
        for table in READERS
    )
    report = ValidationReport()
    for part in (b, h, v):
        report.extend(part.report)
    outside = None
    if report.ok:
        found, outside = cross_check(b, h, v, settings=cfg, hint=hint)
        report.extend(found)
    if not report.ok:
        beat_shapes = b.table if outside is not None else None
        raise ImportRefused(report, outside=outside, beats=beat_shapes)
    return Dataset(b.table, h.table, v.table, report, cfg.timezone, label)


READERS: Final[dict[Table, Callable[..., Imported]]] = {
    "beats": read_beats,
    "households": read_households,
    "visits": read_visits,
}
"""The reader of each table."""


def read_table(
    table: Table,
    path: str | Path,
    *,
    crs: str | None = None,
    file_crs: str | None = None,
    columns: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    name: str | None = None,
    visit_points: bool = True,
) -> Imported:
    """Read one file as ``table``; a file that cannot be read comes back as a finding.

    Parameters are those of :func:`read_beats` (and ``visit_points``, :func:`read_visits`'s
    ``points`` for a visits file). An :class:`~geo.errors.InputFileError`
    becomes its finding (``unreadable``, ``wrong_format``, ``over_limit``); any exception
    that is not one of beatcov's errors becomes an ``unexpected_error`` finding naming its
    type, its traceback logged. The table is then empty.

    Raises
    ------
    BeatcovError
        For what the caller asked that cannot be (a column named for a column the table
        does not have, an unknown coordinate system), as :func:`read_beats` does.
    """
    label = name or Path(path).name
    try:
        given = {"points": visit_points} if table == "visits" else {}
        return READERS[table](
            path, crs=crs, file_crs=file_crs, columns=columns, settings=settings, name=name, **given
        )
    except InputFileError as error:
        finding = error.finding(label)
    except BeatcovError:
        raise
    except Exception as error:  # the import boundary: a finding, never a traceback
        logger.exception("reading %s as %s failed", label, table)
        values = {"error": type(error).__name__}
        message = f"{label}: {problem('unexpected_error', **values)}"
        finding = Finding("fatal", "unexpected_error", message, label, values=values)
    origin = RawTable(pd.DataFrame(), None, None, label, 2, "row")
    return Imported(_empty(table, points=visit_points), ValidationReport([finding]), origin)


def cross_check(
    beats: Imported,
    households: Imported,
    visits: Imported,
    *,
    settings: Settings | None = None,
    hint: alignment.Hint = alignment.default_hint,
) -> tuple[ValidationReport, gpd.GeoDataFrame | None]:
    """Check across files: households in beats, GPS points at doors, visited households known.

    Households outside every beat are warnings while they are at most
    ``settings.misaligned_max_share``; above it the import is refused, naming the coordinate
    mix-up that explains it (``coordinates_mixed_up``) or, when none does, the share outside
    (``outside_beats_share``). GPS points that a mix-up puts at their doors refuse it too
    (:mod:`geo.alignment`). Visits of unknown households are warnings: the records are kept
    (and reported) so nothing is lost.

    Returns
    -------
    report : ValidationReport
        The findings.
    outside : geopandas.GeoDataFrame or None
        The households outside every beat when too many are, else ``None``.
    """
    cfg = resolve(settings)
    b_side = _side("beats", beats)
    h_side = _side("households", households)
    v_side = _side("visits", visits)
    report = ValidationReport()
    check = alignment.check_beats(
        beats.table, households.table, beats_side=b_side, households_side=h_side, settings=cfg
    )
    homes = households.table
    mixup = check.mixup
    if mixup is not None:
        other = b_side if mixup.side is h_side else h_side
        variant, values = alignment.mixup_values(mixup, other=other, hint=hint)
        report.add(_templated("coordinates_mixed_up", mixup.side.file, variant, values))
        if mixup.side is h_side:  # judge the GPS points against the households re-read
            x, y = alignment.reread(
                homes.geometry.x, homes.geometry.y, was=h_side.source.datum, now=mixup.system
            )
            homes = homes.set_geometry(gpd.points_from_xy(x, y, crs=WGS84))
    elif check.misaligned:
        variant, values = alignment.outside_values(
            check, households_file=h_side.file, beats_file=b_side.file, cap=cfg.misaligned_max_share
        )
        report.add(_templated("outside_beats_share", h_side.file, variant, values))
    if mixup is None:
        report.extend(_outside_warnings(beats.table, households, check.outside))
    gps = alignment.check_gps(homes, visits.table, visits_side=v_side, settings=cfg)
    if gps is not None:
        variant, values = alignment.mixup_values(gps, hint=hint)
        report.add(_templated("coordinates_mixed_up", v_side.file, variant, values))
    v_col = _collector(visits)
    visited = visits.text.get("household_id", visits.table["household_id"])
    known = text_in(visited, households.table["household_id"])
    for position in v_col.each("unknown_household", np.flatnonzero(~known)):
        v_col.add(
            "warning",
            "unknown_household",
            value=visits.table["household_id"].iloc[position],
            households_file=h_side.file,
            position=int(position),
            column="household_id",
        )
    report.extend(v_col.close())
    outside = households.table[check.outside] if check.misaligned else None
    return report, outside


def _outside_warnings(
    beats: gpd.GeoDataFrame, households: Imported, outside: np.ndarray
) -> ValidationReport:
    """One ``outside_beats`` warning per household outside every beat (swapped ones hinted)."""
    collector = _collector(households)
    positions = np.flatnonzero(outside)
    points = households.table.geometry.to_numpy()[positions]
    swapped = shapely.points(shapely.get_y(points), shapely.get_x(points))
    polygons = beats.geometry[beats.geometry.notna()].to_numpy()
    swap_inside = alignment.inside_any(swapped, polygons)
    ids = households.table["household_id"].to_numpy()
    for position, point, swap in zip(positions, points, swap_inside, strict=True):
        collector.add(
            "warning",
            "outside_beats",
            variant="swapped" if swap else "",
            value=ids[position],
            lon=point.x,
            lat=point.y,
            position=int(position),
            column=households.coord_column,
        )
    return collector.close()


def _side(table: str, part: Imported) -> alignment.Side:
    file = part.origin.file if part.origin is not None else table
    source = part.source if part.source is not None else systems.decide(None)
    return alignment.Side(table, file, source)


def _collector(part: Imported) -> Collector:
    origin = (
        part.origin
        if part.origin is not None
        else RawTable(pd.DataFrame(), None, None, "file", 2, "row")
    )
    return Collector(origin, part.headers)


def _imported(
    table: gpd.GeoDataFrame,
    collector: Collector,
    source: systems.CoordSource | None = None,
    coord_column: str | None = None,
    text: dict[str, pd.Series] | None = None,
) -> Imported:
    """Close ``collector``'s findings into an :class:`Imported` that remembers the file."""
    origin = collector.raw.without_records()
    report = collector.close()
    headers = dict(collector.headers)
    return Imported(table, report, origin, headers, source, coord_column, dict(text or {}))


def _refused(table: Table, finding: Finding, *, points: bool = True) -> Imported:
    """Return the import of a file refused before its records were read (text encoding)."""
    return Imported(_empty(table, points=points), ValidationReport([finding]))


def _start(
    raw: RawTable, table: Table, chosen: Mapping[str, str] | None = None
) -> tuple[Collector, CanonicalText]:
    """Map headers, check required columns; return the collector and the renamed columns."""
    headers, lacking = choose_columns(list(raw.columns), table, dict(chosen or {}))
    collector = Collector(raw, headers)
    frame = CanonicalText(raw, headers)
    found = names(raw.columns)
    for canonical, wanted in lacking.items():
        collector.add("fatal", "unknown_column", header=wanted, canonical=canonical, found=found)
    missing = [c for c in _missing(raw, table, headers) if c not in lacking]
    if "lon" in missing or "lat" in missing:
        collector.add("fatal", "missing_column", variant="coordinates", found=found)
    for column in missing:
        if column == "geometry":
            collector.add("fatal", "missing_column", variant="polygons", found=found)
        elif column not in ("lon", "lat"):
            collector.add("fatal", "missing_column", column=column, canonical=column, found=found)
    if raw.records == 0:
        collector.add("fatal", "no_records")
    return collector, frame


def missing_columns(
    raw: RawTable, table: Table, chosen: Mapping[str, str] | None = None
) -> list[str]:
    """Return the required columns ``raw`` lacks for ``table``, after aliases and choices.

    Coordinates count as ``lon`` and ``lat`` for households (a geodata file's geometry or a
    WKT column also does), as ``geometry`` (a WKT column) for beats. A choice naming a
    header the file lacks leaves its column missing.

    Examples
    --------
    >>> frame = pd.DataFrame({"Name": ["A"], "geometry": ["POINT (0 0)"]})
    >>> raw = RawTable(frame, None, None, "beats.csv", 2, "row")
    >>> missing_columns(raw, "beats"), missing_columns(raw, "beats", {"beat_id": "Name"})
    (['beat_id'], [])
    """
    headers, _ = choose_columns(list(raw.columns), table, dict(chosen or {}))
    return _missing(raw, table, headers)


def _missing(raw: RawTable, table: Table, headers: Mapping[str, str]) -> list[str]:
    has_geometry = raw.has_geometry or "geometry" in headers
    missing = []
    for column in REQUIRED[table]:
        if column != "geometry":
            missing += [] if column in headers else [column]
        elif table == "households" and not has_geometry:
            missing += [c for c in ("lon", "lat") if c not in headers]
        elif table == "beats" and not has_geometry:
            missing.append("geometry")
    return missing


def _templated(code: str, file: str, variant: str, values: dict[str, Any]) -> Finding:
    """Return a fatal finding whose message is its template filled with ``values``."""
    message = problem(code, variant, **values)
    return Finding("fatal", code, message, file, values=values, variant=variant)


def _numbers(
    raw: RawTable,
    frame: CanonicalText,
    collector: Collector,
    column: str,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
) -> pd.Series:
    """Return :func:`~geo.validate.parse_numbers` of an optional column of numbers.

    A geodata file's numbers are taken as typed when :func:`~geo.typed_columns.
    typed_numbers` takes them, the text made only of the cells a finding names.
    """
    header = collector.header(column) or column
    typed = typed_numbers(raw, header)
    if typed is None:
        return parse_numbers(
            frame[column],
            collector,
            column=column,
            required=False,
            low=low,
            high=high,
            integer=integer,
        )
    numbers = pd.Series(typed.to_numpy(), index=frame.index)
    return check_numbers(
        numbers,
        collector,
        column=column,
        required=False,
        low=low,
        high=high,
        integer=integer,
        empty=numbers.isna().to_numpy(),
        cell=lambda position: raw.cell(header, position),
    )


def _outcomes(frame: CanonicalText, collector: Collector) -> pd.Series:
    if "outcome" not in frame:
        return pd.Series("contact", index=frame.index, dtype=str)
    text = stripped_text(frame, "outcome")
    mapped = map_distinct(text, normalise_outcome, dtype=str)
    unknown = mapped.isna().to_numpy()
    for position in collector.each("unknown_outcome", np.flatnonzero(unknown)):
        collector.add(
            "fatal",
            "unknown_outcome",
            value=text.iloc[position],
            outcomes=", ".join(OUTCOMES),
            position=int(position),
            column="outcome",
        )
    return mapped.fillna("") if unknown.any() else mapped


def _check_follow_ups(refs: pd.Series, visit_ids: pd.Series, collector: Collector) -> None:
    """Warn of every ``follow_up_of`` that names no visit of the file (stripped text)."""
    filled = refs != ""  # a missing cell is filled (as NaN != "" in a text column)
    unknown = filled.to_numpy(dtype=bool, na_value=True, copy=True)  # until it is found
    if unknown.any():  # looked up only where filled: most visits follow up nothing
        unknown[unknown] = ~text_in(refs[unknown], visit_ids)
    for position in collector.each("unknown_follow_up", np.flatnonzero(unknown)):
        collector.add(
            "warning",
            "unknown_follow_up",
            value=refs.iloc[position],
            position=int(position),
            column="follow_up_of",
        )


def _beat_topology(gdf: gpd.GeoDataFrame, collector: Collector, *, settings: Settings) -> None:
    """Add overlap and gap warnings between beats (see :mod:`geo.topology`)."""
    from geo.topology import check_beat_polygons  # scipy, osmnx: not for the workspace

    report = check_beat_polygons(gdf, settings=settings, source=collector.raw.file)
    for finding in report.findings:
        collector.report.add(dataclasses.replace(finding, column=collector.header("geometry")))


def _finish(gdf: gpd.GeoDataFrame, table: Table) -> gpd.GeoDataFrame:
    ordered = gdf[list(columns(table))].reset_index(drop=True)
    return gpd.GeoDataFrame(ordered, geometry="geometry", crs=WGS84)


def _finish_gps(table: pd.DataFrame) -> pd.DataFrame:
    """Return the visits in canonical order, their GPS columns in place of the geometry."""
    ordered = [c for c in columns("visits") if c != "geometry"]
    return table[[*ordered, *GPS_COLUMNS]].reset_index(drop=True)


def _empty(table: Table, *, points: bool = True) -> gpd.GeoDataFrame:
    """Return ``table`` with no rows (visits without points: :func:`_finish_gps`'s columns)."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns(table) if c != "geometry"})
    if table == "visits" and not points:
        return _coded(frame.assign(**{c: pd.Series(dtype=np.float64) for c in GPS_COLUMNS}))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)

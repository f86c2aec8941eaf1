"""Validation checks that turn problems in input files into findings, never tracebacks.

Each check takes the values of one column (with the raw table for row numbers) and returns
the parsed values while recording findings in a :class:`Collector`. Messages name the file,
the row (or feature) and the column as the file spells it, and say what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.errors import Finding, Severity, ValidationReport
from geo.findings import located, plain, problem
from geo.numbers import text_numbers
from geo.projection import project
from geo.readers import RawTable
from geo.text_strip import strip

MAX_FINDINGS_PER_CODE = 50
"""Past this many findings of one code in one file, the rest are summarised in one line."""

LISTED_ROWS = 10
"""A ``duplicate_id`` finding lists at most this many rows of its ID and counts the rest."""


@dataclass
class Collector:
    """Collects findings for one raw table, capping repeats of one code.

    Attributes
    ----------
    raw : RawTable
        The table the findings are about (for the file name and row numbers).
    headers : dict
        Canonical column name -> header as the file spells it.
    report : ValidationReport
        The findings so far.
    """

    raw: RawTable
    headers: dict[str, str]
    report: ValidationReport = field(default_factory=ValidationReport)
    _counts: dict[str, int] = field(default_factory=dict)

    def header(self, column: str | None) -> str | None:
        """Return the file's own header for canonical ``column``."""
        if column is None:
            return None
        return self.headers.get(column, column)

    def add(
        self,
        severity: Severity,
        code: str,
        *,
        position: int | None = None,
        column: str | None = None,
        variant: str = "",
        **values: Any,
    ) -> None:
        """Record one finding about record ``position`` (0-based) and canonical ``column``.

        The message is ``"<file>, <row word> <n>, column '<header>': <problem>"``, the
        problem the template of ``code`` (and ``variant``) in :data:`geo.findings.MESSAGES`
        filled with ``values``.
        """
        count = self._counts.get(code, 0) + 1
        self._counts[code] = count
        if count > MAX_FINDINGS_PER_CODE:
            return
        kept = {name: plain(value) for name, value in values.items()}
        text = problem(code, variant, **kept)
        row = None if position is None else self.raw.row_number(position)
        header = self.header(column)
        if row is not None:
            kept["row_word"] = self.raw.row_word
        message = located(self.raw.file, text, row=row, row_word=self.raw.row_word, column=header)
        self.report.add(Finding(severity, code, message, self.raw.file, row, header, kept, variant))

    def each(self, code: str, positions: np.ndarray) -> Iterator[int]:
        """Yield the positions whose ``code`` findings :meth:`add` would still make.

        Past :data:`MAX_FINDINGS_PER_CODE` findings of a code, :meth:`add` only counts; the
        positions past the cap are counted at once when the loop ends (a column of two
        million bad cells costs fifty findings' work, not two million). Loop over all of
        them, calling :meth:`add` with ``code`` for each.
        """
        room = max(MAX_FINDINGS_PER_CODE - self._counts.get(code, 0), 0)
        for position in positions[:room]:
            yield int(position)
        rest = len(positions) - min(room, len(positions))
        if rest:
            self.tally(code, rest)

    def tally(self, code: str, count: int) -> None:
        """Count ``count`` more findings of ``code`` without making them (past the cap)."""
        self._counts[code] = self._counts.get(code, 0) + count

    def close(self) -> ValidationReport:
        """Add one summary finding per code whose findings were capped; return the report."""
        for code, count in self._counts.items():
            if count > MAX_FINDINGS_PER_CODE:
                first = next(f for f in self.report.findings if f.code == code)
                extra = count - MAX_FINDINGS_PER_CODE
                values = {"extra": extra, "code": code}
                message = f"{self.raw.file}: {problem(code, 'more', **values)}"
                summary = Finding(
                    first.severity, code, message, self.raw.file, None, None, values, "more"
                )
                self.report.add(summary)
        return self.report


def check_filled(values: pd.Series, collector: Collector, *, column: str) -> None:
    """Record a fatal ``missing_value`` finding for every empty (blank) cell of ``values``."""
    empty = strip(values.astype(str)) == ""
    _report_missing(empty.to_numpy(), collector, column=column)


def _report_missing(empty: np.ndarray, collector: Collector, *, column: str) -> None:
    """Record a fatal ``missing_value`` finding for every position where ``empty`` is True."""
    for position in collector.each("missing_value", np.flatnonzero(empty)):
        collector.add(
            "fatal",
            "missing_value",
            position=int(position),
            column=column,
        )


def check_ids(values: pd.Series, collector: Collector, *, column: str) -> pd.Series:
    """Check an ID column: no empty cells, no duplicates (listed, never dropped).

    Returns the stripped text values. Empty and duplicate IDs are fatal: every record after
    the first with an ID is a ``duplicate_id`` finding (in file order; past the cap of
    findings per code they are counted), whose message lists the rows of that ID, the
    first :data:`LISTED_ROWS` of them and the count of the rest. The work is linear in the
    rows (plus one sort when there are duplicates), however often one ID repeats.
    """
    ids = strip(values.astype(str))
    empty = (ids == "").to_numpy()
    for position in collector.each("missing_id", np.flatnonzero(empty)):
        collector.add(
            "fatal",
            "missing_id",
            position=int(position),
            column=column,
        )
    if _all_distinct(ids):
        return ids
    repeats = np.flatnonzero(ids.duplicated(keep="first").to_numpy() & ~empty)
    if len(repeats) == 0:
        return ids
    codes = pd.factorize(ids)[0]
    order = np.argsort(codes, kind="stable")  # positions grouped by ID, each group in file order
    grouped = codes[order]
    word = collector.raw.row_word
    shown = repeats[:MAX_FINDINGS_PER_CODE]
    for position in shown:
        code = codes[position]
        start, end = np.searchsorted(grouped, [code, code + 1])
        first = order[start : min(end, start + LISTED_ROWS)]
        rows = [collector.raw.row_number(int(p)) for p in first]
        listed = ", ".join(str(r) for r in rows)
        count = int(end - start)
        many = count > LISTED_ROWS
        collector.add(
            "fatal",
            "duplicate_id",
            variant=f"{word}_many" if many else word,
            value=ids.iloc[position],
            rows=listed,
            **({"count": count, "more": count - LISTED_ROWS} if many else {}),
            position=int(position),
            column=column,
        )
    collector.tally("duplicate_id", len(repeats) - len(shown))
    return ids


def _all_distinct(ids: pd.Series) -> bool:
    """Tell whether no two cells of ``ids`` are alike, without finding which are.

    IDs in strictly increasing order (as exports sorted by ID are) are told by one
    comparison of neighbours; any others by counting the distinct values (Arrow's hash).
    """
    cells = pa.array(ids, type=pa.large_string())
    if cells.null_count:
        return False
    if len(cells) < 2:
        return True
    later, earlier = cells.slice(1), cells.slice(0, len(cells) - 1)
    if pc.all(pc.greater(later, earlier)).as_py():
        return True
    return len(pc.unique(cells)) == len(cells)


def parse_numbers(
    values: pd.Series,
    collector: Collector,
    *,
    column: str,
    required: bool,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
) -> pd.Series:
    """Parse a numeric column; bad cells are fatal findings and become NaN.

    Infinite values (``inf``, ``1e309``) are not numbers; whole numbers (``integer``) must
    also be exact as floats (below 2**53 in size).
    """
    text = strip(values.astype(str))
    numbers = pd.Series(text_numbers(text), index=text.index, dtype=float)
    numbers = numbers.where(np.isfinite(numbers.to_numpy()))
    empty = text == ""
    for position in collector.each(
        "not_a_number", np.flatnonzero((numbers.isna() & ~empty).to_numpy())
    ):
        collector.add(
            "fatal",
            "not_a_number",
            value=text.iloc[position],
            position=int(position),
            column=column,
        )
    return check_numbers(
        numbers,
        collector,
        column=column,
        required=required,
        low=low,
        high=high,
        integer=integer,
        empty=empty.to_numpy(),
        cell=lambda position: text.iloc[position],
    )


def check_numbers(
    numbers: pd.Series,
    collector: Collector,
    *,
    column: str,
    required: bool,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    empty: np.ndarray,
    cell: Callable[[int], str],
) -> pd.Series:
    """Check numbers read from a column; cells out of range are fatal findings and NaN.

    The second half of :func:`parse_numbers`, for numbers read without a finding (a
    geodata file's typed numbers, :func:`geo.typed_columns.typed_numbers`): empty cells
    are ``missing_value`` findings when ``required``, numbers below ``low``, above
    ``high`` or (``integer``) not whole below 2**53 are ``out_of_range`` findings.

    Parameters
    ----------
    numbers : pandas.Series
        The numbers, NaN where none.
    empty : numpy.ndarray
        True for an empty cell.
    cell : callable
        ``cell(position)`` is the text of the cell at ``position``, for messages (asked for
        the findings' cells only).
    """
    if required:
        _report_missing(empty, collector, column=column)
    bounds = []
    if low is not None:
        bounds.append(numbers < low)
    if high is not None:
        bounds.append(numbers > high)
    if integer:
        bounds.append(numbers.notna() & ((numbers.round() != numbers) | (numbers.abs() >= 2**53)))
    if bounds:
        bad = np.logical_or.reduce([b.to_numpy() for b in bounds])
        for position in collector.each("out_of_range", np.flatnonzero(bad)):
            bounded = "between" if high is not None else "at_least" if low is not None else ""
            variant = "_".join(v for v in ("whole" if integer else "", bounded) if v)
            collector.add(
                "fatal",
                "out_of_range",
                variant=variant,
                value=cell(position),
                low=low,
                high=high,
                position=int(position),
                column=column,
            )
        numbers = numbers.mask(pd.Series(bad, index=numbers.index))
    return numbers.astype(float)


def check_lonlat(
    lon: pd.Series, lat: pd.Series, collector: Collector, *, required: bool, degrees: bool = True
) -> pd.Series:
    """Check lon/lat pairs; return a boolean Series of rows with usable coordinates.

    Out-of-range and swapped pairs (latitude outside ±90 while longitude is within it) are
    fatal; a missing pair is fatal when ``required``. With ``degrees=False`` (projected x/y
    in the lon/lat columns) only missing pairs are checked here.
    """
    lon_bad = (lon.abs() > 180) & degrees
    lat_bad = (lat.abs() > 90) & degrees
    swapped = lat_bad & (lon.abs() <= 90) & (lat.abs() <= 180)
    for position in collector.each("swapped_lonlat", np.flatnonzero(swapped.to_numpy())):
        collector.add(
            "fatal",
            "swapped_lonlat",
            lat=lat.iloc[position],
            lon=lon.iloc[position],
            position=int(position),
            column="lat",
        )
    out = (lon_bad | lat_bad) & ~swapped
    for position in collector.each("coordinate_out_of_range", np.flatnonzero(out.to_numpy())):
        column = "lon" if lon_bad.iloc[position] else "lat"
        collector.add(
            "fatal",
            "coordinate_out_of_range",
            lon=lon.iloc[position],
            lat=lat.iloc[position],
            position=int(position),
            column=column,
        )
    missing = lon.isna() | lat.isna()
    if required:
        for position in collector.each("missing_coordinates", np.flatnonzero(missing.to_numpy())):
            collector.add(
                "fatal",
                "missing_coordinates",
                position=int(position),
                column="lon",
            )
    return ~(missing | lon_bad | lat_bad)


def polygonal_part(geometry: shapely.Geometry) -> shapely.Geometry:
    """Return the polygonal part of a geometry (e.g. of ``make_valid``'s collection)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [
        g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def repair_polygons(
    geometry: gpd.GeoSeries, collector: Collector, *, max_area_change: float
) -> gpd.GeoSeries:
    """Repair invalid polygons with ``make_valid`` when the area changes by < ``max_area_change``.

    Larger changes, empty and non-polygon geometries are fatal.
    """
    result = geometry.copy()
    kinds = geometry.geom_type
    for shown in collector.each(
        "not_a_polygon", np.flatnonzero((~kinds.isin(["Polygon", "MultiPolygon"])).to_numpy())
    ):
        kind = kinds.iloc[shown]
        collector.add(
            "fatal",
            "not_a_polygon",
            variant="" if kind else "empty",
            kind=kind or "",
            position=shown,
            column="geometry",
        )
    invalid = kinds.isin(["Polygon", "MultiPolygon"]) & ~geometry.is_valid
    if not invalid.any():
        return result
    metric = project(geometry)
    for position in np.flatnonzero(invalid.to_numpy()):
        original = metric.iloc[position]
        repaired = polygonal_part(shapely.make_valid(original))
        before = abs(_signed_ring_area(original))
        change = abs(repaired.area - before) / before if before > 0 else 1.0
        reason = shapely.is_valid_reason(original)
        if change < max_area_change and not repaired.is_empty:
            back = gpd.GeoSeries([repaired], crs=metric.crs).to_crs(geometry.crs).iloc[0]
            result.iloc[position] = back
            collector.add(
                "warning",
                "polygon_repaired",
                reason=reason,
                change=change,
                position=int(position),
                column="geometry",
            )
        else:
            collector.add(
                "fatal",
                "invalid_polygon",
                reason=reason,
                change=change,
                position=int(position),
                column="geometry",
            )
    return result


def _signed_ring_area(geometry: shapely.Geometry) -> float:
    """Area as drawn (shell minus holes by the shoelace rule), meaningful for invalid shapes."""
    polygons = getattr(geometry, "geoms", [geometry])
    total = 0.0
    for polygon in polygons:
        total += abs(shapely.Polygon(polygon.exterior).area)
        total -= sum(abs(shapely.Polygon(ring).area) for ring in polygon.interiors)
    return total


def names(values: Iterable[str], *, limit: int = 10) -> str:
    """Return up to ``limit`` quoted values joined by commas, with a count of the rest."""
    items = list(values)
    shown = ", ".join(repr(v) for v in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")

"""Visit times: parse the text of a time column into tz-aware timestamps.

Accepts ISO 8601 (with or without offset), ``2026/07/01 18:05``, ``2026年7月1日 18:05`` and
dates with the year last (``01/07/2026 18:05``, ``1.7.2026``, ``01-07-2026``). Naive times
are localised to the dataset's zone, zoned ones converted to it; a cell that is no time, or
a local time that does not exist or is ambiguous at a daylight-saving change, is a fatal
``bad_time`` finding.

The order of day and month is never guessed (setting ``date_order``, :data:`DATE_ORDERS`):

- A date with a four-digit year first (ISO ``2026-07-01``, ``2026/7/1``, ``2026年7月1日``) is
  year-month-day, whatever ``date_order`` says; ``2026/13/07`` is no date.
- A date whose fields are all one or two digits (``01/07/26``) has a two-digit year and could
  be read three ways: always a ``bad_time`` finding (variant ``short_year``).
- A date with the year last (day and month of one or two digits, year of four) is read in
  one order for the whole column:

  - ``dmy`` or ``mdy``: in that order; a date that is one only in the other order (``07/13/
    2026`` under ``dmy``) is a ``bad_time`` finding saying so. ``ymd``: every such date is a
    ``bad_time`` finding.
  - ``auto`` (the default): a date that is a valid calendar date in one order only (``13/07/
    2026`` can only be day first) decides the order of the column. When some date could be
    read either way (both readings valid and different, as ``01/07/2026``: 1 July or 7
    January), the decided order is used and a ``date_order_inferred`` warning names that
    date, its reading and the date that decided. When no date decides, the column is refused
    with one fatal ``ambiguous_date_order`` finding at its first such date; when dates
    decide both ways, with one fatal ``ambiguous_date_order`` finding (variant ``mixed``)
    naming a date of each. Orders are never mixed within a column; a date that is the same
    either way (``05/05/2026``) needs no decision.

Other text is read by pandas as before.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from geo.errors import BeatcovError
from geo.iso_times import fixed_iso_times
from geo.text_strip import strip
from geo.validate import Collector

__all__ = ["DATE_ORDERS", "ISO_TIME", "check_timezone", "parse_times"]

DATE_ORDERS: Final = ("auto", "dmy", "mdy", "ymd")
"""Values of the ``date_order`` setting: told from the column, day/month/year,
month/day/year, year-month-day only."""

_NUMERIC_DATE = r"^(\d{1,4})[-./](\d{1,4})[-./](\d{1,4})(?=$|[\sT])"
"""Three numbers at the start of a cleaned cell (slashes are already dashes)."""

_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

ISO_TIME = (
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?)?"
)
"""Strict ISO 8601 to the microsecond, offset optional (as ``Timestamp.isoformat`` writes
times without nanoseconds): such cells are parsed with ``format="ISO8601"``."""

_OFFSET_AT_END = r"(?:Z|[+-]\d{2}:?\d{2})$"


def check_timezone(name: str) -> str:
    """Return ``name`` without surrounding blanks, checked to be a known IANA time zone.

    The one check of a zone name: the command line's ``--timezone``, the Data page's zone
    and the analysis' ``settings.timezone`` all go through it.

    Raises
    ------
    BeatcovError
        If no IANA zone has that name.

    Examples
    --------
    >>> check_timezone(" Asia/Shanghai ")
    'Asia/Shanghai'
    >>> check_timezone("Mars/Olympus")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geo.errors.BeatcovError: unknown time zone 'Mars/Olympus': use an IANA name such as ...
    """
    zone = name.strip()
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        msg = f"unknown time zone {name!r}: use an IANA name such as 'Asia/Shanghai'"
        raise BeatcovError(msg) from None
    return zone


def parse_times(
    values: pd.Series, collector: Collector, *, timezone: str, date_order: str = "auto"
) -> pd.Series:
    """Parse visit times to tz-aware timestamps in ``timezone``; bad cells are fatal.

    Accepts ISO 8601 (with or without offset), ``2026/07/01 18:05``,
    ``2026年7月1日 18:05`` and dates with the year last in the order ``date_order`` names or
    the column tells (see the module's rules). Naive times are localised to ``timezone``; an
    ambiguous or non-existent local time (daylight-saving change) is reported as fatal.
    Cells in strict ISO 8601 (:data:`ISO_TIME`) are parsed as such, the others one format at
    a time.

    Raises
    ------
    BeatcovError
        If ``date_order`` is not one of :data:`DATE_ORDERS`.

    Examples
    --------
    >>> from geo.readers import RawTable
    >>> cells = pd.Series(["01/07/2026 18:05", "13/07/2026 09:00"])
    >>> collector = Collector(RawTable(pd.DataFrame({"time": cells}), None, None, "v.csv", 2,
    ...     "row"), {})
    >>> parse_times(cells, collector, timezone="Asia/Shanghai").dt.strftime("%d %B").tolist()
    ['01 July', '13 July']
    >>> collector.report.codes()
    ['date_order_inferred']
    """
    if date_order not in DATE_ORDERS:
        msg = f"unknown date order {date_order!r}: use one of {', '.join(DATE_ORDERS)}"
        raise BeatcovError(msg)
    fixed = fixed_iso_times(values, timezone=timezone)  # one ISO layout: by arithmetic
    if fixed is not None:
        return fixed
    text = strip(values.astype(str))
    iso = text.str.fullmatch(ISO_TIME).to_numpy(dtype=bool)
    cleaned = text.copy()
    variants = np.full(len(text), "", dtype=object)  # of bad_time; None: reported otherwise
    if not iso.all():  # ISO text has no 年/月/日 or slashes: only the rest needs cleaning
        cleaned[~iso] = (
            text[~iso]
            .str.replace(r"(\d)\s*年\s*(\d)", r"\1-\2", regex=True)
            .str.replace(r"(\d)\s*月\s*(\d)", r"\1-\2", regex=True)
            .str.replace("日", " ", regex=False)
            .str.replace("/", "-", regex=False)
            .str.strip()
        )
        _day_month(text, cleaned, variants, ~iso, collector, date_order=date_order)
    aware_mask = cleaned.str.contains(_OFFSET_AT_END, regex=True).to_numpy(dtype=bool)
    naive_mask = ~aware_mask & (cleaned != "").to_numpy(dtype=bool)
    try:
        result = _parse_groups(cleaned, aware_mask, naive_mask, iso, timezone=timezone)
    except (ValueError, TypeError):
        # zones the offset pattern misses ("18:05 UTC", "+08") mix zones into a batch, and
        # nanosecond text does not fit: read the cells one by one instead of failing
        result = _one_by_one(cleaned.where(aware_mask | naive_mask, ""), timezone=timezone)
    failed = np.flatnonzero(result.isna().to_numpy())
    reported = np.array([v is not None for v in variants[failed]], dtype=bool)  # None: the
    for position in collector.each("bad_time", failed[reported]):  # column's order reported
        raw = text.iloc[position]
        variant = "empty" if raw == "" else variants[position]
        collector.add(
            "fatal", "bad_time", variant=variant, value=raw, position=int(position), column="time"
        )
    return result


def _day_month(
    text: pd.Series,
    cleaned: pd.Series,
    variants: np.ndarray,
    candidates: np.ndarray,
    collector: Collector,
    *,
    date_order: str,
) -> None:
    """Rewrite the numeric dates of the cells of ``candidates`` by the module's rules.

    In place: a date with the year last becomes ``YYYY-MM-DD`` in the column's order (in
    ``cleaned``); a refused date becomes ``""`` with the variant of its ``bad_time`` finding
    in ``variants`` (``None``: no ``bad_time``, the column's finding covers it).
    """
    parts = cleaned[candidates].str.extract(_NUMERIC_DATE)
    found = parts[0].notna().to_numpy()
    if not found.any():
        return
    positions = np.flatnonzero(candidates)[found]
    digits = np.stack([parts[i][found].str.len().to_numpy(dtype=int) for i in range(3)], axis=1)
    numbers = np.stack([parts[i][found].astype(int).to_numpy() for i in range(3)], axis=1)
    year_last = (digits[:, 2] == 4) & (digits[:, :2] <= 2).all(axis=1)
    short = (digits <= 2).all(axis=1)
    odd = ~(year_last | short | (digits[:, 0] == 4))  # e.g. a three-digit field
    for mask, variant in ((short, "short_year"), (odd, "")):
        cleaned.iloc[positions[mask]] = ""
        variants[positions[mask]] = variant
    if not year_last.any():
        return
    dates = _YearLast(positions[year_last], *numbers[year_last].T)
    order, refused, refusal = _column_order(dates, text, collector, date_order=date_order)
    rest = cleaned.iloc[dates.at].str.replace(_NUMERIC_DATE, "", regex=True).to_numpy(dtype=object)
    rewritten = np.array([dates.reading(k, order) for k in range(len(dates.at))], dtype=object)
    cleaned.iloc[dates.at] = np.where(refused, "", rewritten + rest)
    variants[dates.at[refused]] = refusal


@dataclass
class _YearLast:
    """The dates of a column written with the year last: their cells and their numbers."""

    at: np.ndarray
    first: np.ndarray
    second: np.ndarray
    year: np.ndarray

    def month_day(self, order: str) -> tuple[np.ndarray, np.ndarray]:
        """Month and day of every date read in ``order`` (``dmy`` or ``mdy``)."""
        return (self.first, self.second) if order == "mdy" else (self.second, self.first)

    def valid(self, order: str) -> np.ndarray:
        """Whether each date is a calendar date when read in ``order``."""
        return _valid(self.year, *self.month_day(order))

    def reading(self, k: int, order: str) -> str:
        """Date ``k`` read in ``order``, as ``YYYY-MM-DD``."""
        month, day = self.month_day(order)
        return _iso(int(self.year[k]), int(month[k]), int(day[k]))


def _column_order(
    dates: _YearLast, text: pd.Series, collector: Collector, *, date_order: str
) -> tuple[str, np.ndarray, str | None]:
    """Choose the order of a column's year-last dates, reporting what the module's rules say.

    Returns the order to read them in, which of them are refused, and the variant of the
    ``bad_time`` finding of those (``None``: reported here, once for the column).
    """
    day_first, month_first = dates.valid("dmy"), dates.valid("mdy")
    only = {"dmy": day_first & ~month_first, "mdy": month_first & ~day_first}
    either = np.flatnonzero(day_first & month_first & (dates.first != dates.second))
    none = np.zeros(len(dates.at), dtype=bool)
    if date_order == "ymd":
        return "dmy", ~none, "order_ymd"
    if date_order in only:
        return date_order, only["mdy" if date_order == "dmy" else "dmy"], f"order_{date_order}"
    deciding = {order: np.flatnonzero(mask) for order, mask in only.items() if mask.any()}
    if len(deciding) == 2:
        day, month = (int(dates.at[deciding[order][0]]) for order in ("dmy", "mdy"))
        collector.add(
            "fatal",
            "ambiguous_date_order",
            variant="mixed",
            position=max(day, month),
            column="time",
            day_value=text.iloc[day],
            day_row=collector.raw.row_number(day),
            month_value=text.iloc[month],
            month_row=collector.raw.row_number(month),
        )
        return "dmy", ~none, None
    if deciding:
        [(order, decided)] = deciding.items()
        if len(either):
            evidence = int(dates.at[decided[0]])
            collector.add(
                "warning",
                "date_order_inferred",
                variant=order,
                position=int(dates.at[either[0]]),
                column="time",
                value=text.iloc[int(dates.at[either[0]])],
                reading=dates.reading(either[0], order),
                evidence=text.iloc[evidence],
                evidence_row=collector.raw.row_number(evidence),
            )
        return order, none, ""
    if len(either):
        collector.add(
            "fatal",
            "ambiguous_date_order",
            position=int(dates.at[either[0]]),
            column="time",
            value=text.iloc[int(dates.at[either[0]])],
            day_first=dates.reading(either[0], "dmy"),
            month_first=dates.reading(either[0], "mdy"),
        )
        refused = none.copy()
        refused[either] = True
        return "dmy", refused, None
    return "dmy", none, ""  # every date reads the same either way, or is no date at all


def _iso(year: int, month: int, day: int) -> str:
    """``YYYY-MM-DD`` (no check that it is a date)."""
    return f"{year:04d}-{month:02d}-{day:02d}"


def _valid(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether each year, month and day make a date of the Gregorian calendar (years 1-9999).

    Examples
    --------
    >>> _valid(np.array([2026, 2024, 2026]), np.array([2, 2, 13]), np.array([29, 29, 1]))
    array([False,  True, False])
    """
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    return (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days)


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

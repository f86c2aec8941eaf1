"""Visit times written in one fixed ISO 8601 layout, read from their bytes by arithmetic.

:func:`geo.times.parse_times` reads any time a person or a program writes; most exports
write every time alike, e.g. ``2026-07-01 18:05:00`` or ``2026-07-01T18:05:00+08:00``. For
such a column :func:`fixed_iso_times` reads the digits straight from the column's bytes
(Arrow's buffers, no Python string per cell) and gives the times
:func:`~geo.times.parse_times` gives, or declines (``None``) so that it runs instead:

* every cell has the same length, one of the layouts ``YYYY-MM-DD?hh:mm`` (16 characters),
  ``YYYY-MM-DD?hh:mm:ss`` (19), either followed by ``Z``, ``±hhmm`` or ``±hh:mm`` (``?`` a
  ``T`` or a space), with digits where the layout has digits: text that
  :data:`geo.times.ISO_TIME` reads as strict ISO 8601, no surrounding spaces, no missing
  cells;
* every cell is a real time: month 1-12, a day of that month (leap years counted), hour
  0-23, minute and second 0-59, offset hours 0-23 and minutes 0-59, year 1678-2261 (within
  pandas' nanosecond range, as the parser's intermediate results are). A cell that is no
  time is a ``bad_time`` finding of the reference, so the column declines;
* times with an offset are that instant (converted to the dataset's zone); times without
  are localised to the zone, and a local time that does not exist or is ambiguous there
  (a ``bad_time`` finding of the reference) makes the column decline.

The instant is computed exactly in integer microseconds (days from the civil date by
Howard Hinnant's algorithm). ``tests/geo/test_iso_times.py`` compares it with
:func:`geo.times.parse_times` on random times in every layout and zone, and on cells that
must decline.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa

_DAYS_IN_MONTH: Final = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

_SUFFIXES: Final = {0: "", 1: "Z", 5: "+hhmm", 6: "+hh:mm"}
"""Length of the part after the clock -> its layout."""

_FIRST_YEAR, _LAST_YEAR = 1678, 2261


def fixed_iso_times(values: pd.Series, *, timezone: str) -> pd.Series | None:
    """Return the times of a column in one fixed ISO layout, in ``timezone``; else ``None``.

    Parameters
    ----------
    values : pandas.Series
        The cells of a time column as text.
    timezone : str
        The dataset's zone (IANA name): times with an offset are converted to it, times
        without are localised to it.

    Returns
    -------
    pandas.Series or None
        ``datetime64[us, timezone]`` on the index of ``values``, or ``None`` when a cell
        is not in the column's layout or not a time there (see the module's rules).

    Examples
    --------
    >>> cells = pd.Series(["2026-07-01T18:05:00+08:00", "2026-07-01T10:05:00+00:00"])
    >>> fixed_iso_times(cells, timezone="Asia/Shanghai").dt.strftime("%H:%M").tolist()
    ['18:05', '18:05']
    >>> fixed_iso_times(pd.Series(["2026-02-30 10:00"]), timezone="UTC") is None
    True
    """
    grid = _cells_grid(values)
    if grid is None:
        return None
    width = grid.shape[1]
    clock = next((c for c in (16, 19) if width - c in _SUFFIXES), None)
    if clock is None:
        return None
    cols = np.ascontiguousarray(grid.T)  # one row of bytes per character position
    if not _layout_ok(cols, clock):
        return None
    year = _number(cols, 0, 4)
    month, day = _number(cols, 5, 2), _number(cols, 8, 2)
    hour, minute = _number(cols, 11, 2), _number(cols, 14, 2)
    second = _number(cols, 17, 2) if clock == 19 else np.zeros(len(grid), dtype=np.int32)
    if not _real_times(year, month, day, hour, minute, second):
        return None
    seconds = ((_days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second
    micros = seconds * 1_000_000
    suffix = _SUFFIXES[width - clock]
    if suffix == "":
        naive = pd.Series(micros.view("datetime64[us]"), index=values.index)
        local = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
        return None if local.isna().any() else local
    if suffix != "Z":
        offset = _offset_minutes(cols, clock, colon=suffix == "+hh:mm")
        if offset is None:
            return None
        micros = micros - offset * 60_000_000
    utc = pd.Series(micros.view("datetime64[us]"), index=values.index).dt.tz_localize("UTC")
    return utc.dt.tz_convert(timezone)


def _cells_grid(values: pd.Series) -> np.ndarray | None:
    """Return the cells' UTF-8 bytes as an ``(n, width)`` array when all have one width."""
    if len(values) == 0:
        return None
    try:
        cells = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if isinstance(cells, pa.ChunkedArray):  # a column read in parts
        cells = cells.combine_chunks()
    if cells.null_count:
        return None
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int64)
    offsets = offsets[cells.offset : cells.offset + len(cells) + 1]
    widths = np.diff(offsets)
    width = int(widths[0])
    if width == 0 or np.any(widths != width):
        return None
    data = np.frombuffer(cells.buffers()[2], dtype=np.uint8)
    start = int(offsets[0])
    return data[start : start + width * len(cells)].reshape(len(cells), width)


def _layout_ok(cols: np.ndarray, clock: int) -> bool:
    """Whether every cell has digits and separators where the layout puts them."""
    separators = {4: b"-", 7: b"-", 10: b"T ", 13: b":"}
    if clock == 19:
        separators[16] = b":"
    width = cols.shape[0]
    if width == clock + 1:
        separators[clock] = b"Z"
    elif width > clock:
        separators[clock] = b"+-"
        if width == clock + 6:
            separators[clock + 3] = b":"
    for column in range(width):
        allowed = separators.get(column)
        cells = cols[column]
        if allowed is None:
            if np.any((cells < ord("0")) | (cells > ord("9"))):
                return False
        elif not np.isin(cells, np.frombuffer(allowed, dtype=np.uint8)).all():
            return False
    return True


def _number(cols: np.ndarray, start: int, count: int) -> np.ndarray:
    """Return the decimal number of ``count`` digit positions from ``start``."""
    out = cols[start].astype(np.int32) - ord("0")
    for column in range(start + 1, start + count):
        out = out * 10 + (cols[column].astype(np.int32) - ord("0"))
    return out


def _real_times(*fields: np.ndarray) -> bool:
    """Whether every year, month, day, hour, minute and second make a real time."""
    year, month, day, hour, minute, second = fields
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    return bool(
        np.all(
            (year >= _FIRST_YEAR)
            & (year <= _LAST_YEAR)
            & (month >= 1)
            & (month <= 12)
            & (day >= 1)
            & (day <= days)
            & (hour <= 23)
            & (minute <= 59)
            & (second <= 59)
        )
    )


def _offset_minutes(cols: np.ndarray, clock: int, *, colon: bool) -> np.ndarray | None:
    """Signed UTC offsets in minutes (``±hhmm`` or ``±hh:mm``), ``None`` if one is no offset."""
    hours = _number(cols, clock + 1, 2)
    minutes = _number(cols, clock + (4 if colon else 3), 2)
    if np.any(hours > 23) or np.any(minutes > 59):
        return None
    sign = np.where(cols[clock] == ord("-"), -1, 1)
    return (sign * (hours * 60 + minutes)).astype(np.int64)


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (Howard Hinnant's algorithm)."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return (era * 146097 + doe - 719468).astype(np.int64)  # times in seconds need 64 bits


__all__ = ["fixed_iso_times"]

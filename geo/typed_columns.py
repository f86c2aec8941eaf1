"""Typed columns of geodata files, taken as they are instead of through their text.

A geodata file (GeoParquet, GeoPackage, ...) stores typed values; the reader turns every
attribute into text (:func:`geo.cell_text.column_text`) and the importer parses that text
(:func:`geo.times.parse_times`), which for a column of datetimes is a round trip: the
time written as ISO 8601 by ``Timestamp.isoformat`` and read back. :func:`typed_times`
takes the datetimes themselves when the round trip is certain to give them unchanged, and
declines (``None``: the text route runs, with its findings) otherwise:

* every cell holds a time (a missing one is a ``bad_time`` finding of the text route);
* the times fall within the years 1000-9999 (four-digit years in the text) and are whole
  microseconds (the text then holds at most six decimals, which :data:`geo.times.ISO_TIME`
  reads as ISO 8601);
* times with a zone have UTC offsets of whole minutes below a day (``+08:00``); they are
  converted to the dataset's zone, as the text route converts text with an offset;
* times without a zone are localised to the dataset's zone, as the text route localises
  text without an offset; a local time that does not exist or is ambiguous there is a
  finding of the text route, so any makes the column decline.

The result is the text route's: microsecond times in the dataset's zone.

:func:`typed_numbers` does the same for a column of numbers, whose text (the integer's
digits, a float's ``repr`` or its digits when whole) :func:`geo.validate.parse_numbers`
reads back. It takes the numbers as they are when their text is certain to be a plain
decimal that :func:`geo.numbers.text_numbers` reads exactly, and declines otherwise:

* an integer column (numpy or pandas' nullable one) whose values have at most 15
  characters as text (more than ``-10**14`` and less than ``10**15``): every cell is
  then a plain decimal of at most 15 characters, read exactly;
* a float column whose values are all missing or whole numbers in that range: their text
  is their digits (``-0.0`` reads ``0``, so it is taken as ``0.0``); a float that is
  not whole (its text a ``repr``, maybe with an exponent) makes the column decline.

A missing cell is ``NaN``, as its empty text reads. Booleans, text and anything else
decline. ``tests/geo/test_typed_columns.py`` compares both routes on GeoParquet files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.readers import RawTable

_EARLIEST = pd.Timestamp("1000-01-01")
"""The first time whose ISO text has a four-digit year."""

_LATEST = pd.Timestamp("9999-12-31 23:59:59.999999")
"""The last time whose ISO text has a four-digit year."""

_TICKS_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
"""Ticks of each datetime unit in one second."""


def typed_times(raw: RawTable, header: str, *, timezone: str) -> pd.Series | None:
    """Return the file's own datetimes of ``header`` in ``timezone``, or ``None`` (declined).

    Parameters
    ----------
    raw : RawTable
        The file, with its typed attributes (``raw.typed``) when it is a geodata file.
    header : str
        The file's column of visit times.
    timezone : str
        The dataset's zone (IANA name).

    Returns
    -------
    pandas.Series or None
        Times as ``datetime64[us, timezone]`` on the typed frame's index, or ``None`` when
        the column is not a datetime column whose text is certain to read back the same
        (see the module's rules).

    Examples
    --------
    >>> typed = pd.DataFrame({"t": pd.to_datetime(["2026-07-01 18:05"]).tz_localize("UTC")})
    >>> raw = RawTable(typed.astype(str), None, None, "v.parquet", 1, "feature", typed=typed)
    >>> typed_times(raw, "t", timezone="Asia/Shanghai").tolist()
    [Timestamp('2026-07-02 02:05:00+0800', tz='Asia/Shanghai')]
    """
    values = _typed_column(raw, header)
    if values is None:
        return None
    dtype = values.dtype
    aware = isinstance(dtype, pd.DatetimeTZDtype)
    if not (aware or (isinstance(dtype, np.dtype) and dtype.kind == "M")):
        return None
    if values.isna().any():
        return None
    wall = values.dt.tz_localize(None) if aware else values
    if len(wall) and (wall.min() < _EARLIEST or wall.max() > _LATEST):
        return None
    per_second = _TICKS_PER_SECOND.get(str(wall.dt.unit))
    if per_second is None:
        return None
    ticks = wall.to_numpy().view(np.int64)
    if per_second > 10**6 and np.any(ticks % (per_second // 10**6)):
        return None  # a fraction of a microsecond
    if aware:
        offsets = ticks - values.dt.tz_convert(None).to_numpy().view(np.int64)
        if np.any(offsets % (60 * per_second)) or np.any(np.abs(offsets) >= 86_400 * per_second):
            return None
        return values.dt.tz_convert(timezone).dt.as_unit("us")
    local = values.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    if local.isna().any():
        return None
    return local.dt.as_unit("us")


_LOWEST = -(10**14)
"""Integers above it have at most 15 characters as text (14 digits and the sign)."""

_HIGHEST = 10**15
"""Integers below it have at most 15 characters as text (15 digits)."""


def typed_numbers(raw: RawTable, header: str) -> pd.Series | None:
    """Return the file's own numbers of ``header`` as floats, or ``None`` (declined).

    Parameters
    ----------
    raw : RawTable
        The file, with its typed attributes (``raw.typed``) when it is a geodata file.
    header : str
        The file's column of numbers.

    Returns
    -------
    pandas.Series or None
        ``float64`` numbers on the typed frame's index, ``NaN`` where a cell is missing, or
        ``None`` when the column is not one whose text is certain to read back the same
        (see the module's rules).

    Examples
    --------
    >>> typed = pd.DataFrame({"n": pd.array([3, None, -2], dtype="Int64"), "x": [0.5]*3})
    >>> raw = RawTable(None, None, None, "v.parquet", 1, "feature", typed=typed)
    >>> typed_numbers(raw, "n").tolist(), typed_numbers(raw, "x")
    ([3.0, nan, -2.0], None)
    """
    values = _typed_column(raw, header)
    if values is None:
        return None
    dtype = values.dtype
    integers = pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    if not (integers or pd.api.types.is_float_dtype(dtype)):
        return None
    with np.errstate(invalid="ignore"):  # signalling NaNs, as the text route reads them
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
    # the bounds are exact floats, so an integer and its float fall on the same side
    inside = np.isnan(numbers) | ((numbers > _LOWEST) & (numbers < _HIGHEST))
    if not inside.all():
        return None
    if not integers:
        if not np.array_equal(np.trunc(numbers), numbers, equal_nan=True):
            return None  # a fraction
        numbers = numbers + 0.0  # -0.0 reads "0"
    return pd.Series(numbers, index=values.index, dtype=np.float64)


def _typed_column(raw: RawTable, header: str) -> pd.Series | None:
    """Return the typed column ``header`` of ``raw``; ``None`` without one, or with two."""
    if raw.typed is None or header not in raw.typed:
        return None
    values = raw.typed[header]
    return values if isinstance(values, pd.Series) else None  # two columns of one name


__all__ = ["typed_numbers", "typed_times"]

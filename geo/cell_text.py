"""Text of typed cells: what a spreadsheet or geodata attribute reads as, column by column.

Readers of typed formats (XLSX, GeoJSON, GeoPackage, GeoParquet, Shapefile) give every
attribute cell to the importer as text, so that IDs keep their leading zeros and every
format is validated alike: :func:`cell_text` is the rule for one cell (the reference),
:func:`column_text` applies it to whole columns by dtype, and :func:`text_frame` to a
frame. ``tests/geo/test_cell_text.py`` compares the column conversions with the cell rule.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.text_strip import strip


def cell_text(value: object) -> str:
    """Text of one spreadsheet/geodata cell; integral floats lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return ""
    return str(value).strip()


TEXT_DTYPE = "str"
"""Dtype of the text columns of a :class:`RawTable` (pandas' default string dtype)."""

_FIRST_SECOND = -62135596800
"""0001-01-01T00:00:00 in seconds since 1970: datetimes before it are converted cell by cell."""
_LAST_SECOND = 253402300799
"""9999-12-31T23:59:59 in seconds since 1970: datetimes after it are converted cell by cell."""
_TICKS_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every column as text, column by column (see :func:`column_text`).

    Examples
    --------
    >>> text = text_frame(pd.DataFrame({"id": [1, 2], "x": [0.5, None]}))
    >>> text.to_dict("list")
    {'id': ['1', '2'], 'x': ['0.5', '']}
    """
    columns = {pos: column_text(frame.iloc[:, pos]) for pos in range(frame.shape[1])}
    out = pd.DataFrame(columns, index=frame.index, copy=False)
    out.columns = frame.columns
    return out


def column_text(values: pd.Series) -> pd.Series:
    """Return the text of every cell, exactly as ``values.map(cell_text)`` would give it.

    Text, integer, float, boolean and datetime columns are converted as whole columns;
    other columns (mixed objects, categories, durations, ...) cell by cell. Missing cells
    become ``""``, text is stripped, integral floats lose their ``.0``, other floats read as
    ``repr`` gives them and datetimes as ``pandas.Timestamp.isoformat`` gives them.

    Parameters
    ----------
    values : pandas.Series
        One attribute column as read from a file.

    Returns
    -------
    pandas.Series
        Text (dtype ``str``, no missing values) on the index of ``values``, same name.

    Examples
    --------
    >>> column_text(pd.Series([3.0, 0.1, float("nan"), 1e20])).tolist()
    ['3', '0.1', '', '1e+20']
    >>> column_text(pd.Series(pd.to_datetime(["2026-07-01 18:05"]))).tolist()
    ['2026-07-01T18:05:00']
    """
    dtype = values.dtype
    text: pd.Series | None
    if isinstance(dtype, pd.StringDtype):
        text = strip(values).fillna("")
    elif pd.api.types.is_object_dtype(dtype):
        text = _object_text(values)
    elif pd.api.types.is_bool_dtype(dtype):
        text = _bool_text(values)
    elif pd.api.types.is_integer_dtype(dtype):
        text = _int_text(values)
    elif pd.api.types.is_float_dtype(dtype):
        with np.errstate(invalid="ignore"):  # signalling NaNs
            numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        text = _float_text(numbers, values.index)
    elif isinstance(dtype, pd.DatetimeTZDtype) or (
        isinstance(dtype, np.dtype) and dtype.kind == "M"
    ):
        text = _datetime_text(values)
    else:
        text = None
    if text is None:  # anything else, and datetimes out of the years 1-9999: cell by cell
        text = values.map(cell_text)
    return pd.Series(text.array, index=values.index, name=values.name, dtype=TEXT_DTYPE)


def _bool_text(values: pd.Series) -> pd.Series:
    words = np.where(values.to_numpy(dtype=bool, na_value=False), "True", "False")
    missing = values.isna().to_numpy()
    return pd.Series(words, index=values.index, dtype=TEXT_DTYPE).mask(missing, "")


def _int_text(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, np.dtype):
        return values.astype(TEXT_DTYPE)
    numbers = values.to_numpy(dtype=values.dtype.numpy_dtype, na_value=0)  # nullable Int64 &c.
    text = pd.Series(numbers, index=values.index).astype(TEXT_DTYPE)
    return text.mask(values.isna().to_numpy(), "")


def _float_text(numbers: np.ndarray, index: pd.Index) -> pd.Series:
    """Integral floats below 2**53 as integers, NaN as ``""``, any other float as ``repr``."""
    missing = np.isnan(numbers)
    with np.errstate(invalid="ignore"):  # signalling NaNs
        whole = np.isfinite(numbers) & (np.trunc(numbers) == numbers) & (np.abs(numbers) < 2**53)
    text = pd.Series(np.where(whole, numbers, 0).astype(np.int64), index=index)
    text = text.astype(TEXT_DTYPE)
    rest = ~(whole | missing)
    if rest.any():
        text[rest] = [repr(number) for number in numbers[rest].tolist()]
    return text.mask(missing, "")


def _object_text(values: pd.Series) -> pd.Series:
    """Convert an object column by the exact Python type of each cell (rare ones one by one)."""
    cells = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(cells, skipna=False) == "string":
        return strip(pd.Series(cells, index=values.index, dtype=TEXT_DTYPE))
    kinds = np.fromiter((type(cell) for cell in cells), dtype=object, count=len(cells))
    out = np.empty(len(cells), dtype=object)
    done = np.zeros(len(cells), dtype=bool)
    for kind in (str, float, int, bool):
        mask = kinds == kind
        if not mask.any():
            continue
        part = cells[mask]
        if kind is str:
            text = strip(pd.Series(part, dtype=TEXT_DTYPE))
        elif kind is float:
            text = _float_text(part.astype(np.float64), pd.RangeIndex(len(part)))
        elif kind is int:  # Python ints of any size
            text = pd.Series([str(cell) for cell in part], dtype=TEXT_DTYPE)
        else:
            text = pd.Series(np.where(part.astype(bool), "True", "False"), dtype=TEXT_DTYPE)
        out[mask] = text.to_numpy(dtype=object)
        done |= mask
    out[~done] = [cell_text(cell) for cell in cells[~done]]
    return pd.Series(out, index=values.index, dtype=TEXT_DTYPE)


def _datetime_text(values: pd.Series) -> pd.Series | None:
    """ISO 8601 text of a datetime column as ``Timestamp.isoformat`` writes it, or ``None``.

    The wall-clock part is formatted by Arrow; the UTC offset of each distinct offset is
    taken from ``isoformat`` of one timestamp that has it. ``None`` (convert cell by cell)
    when a date falls outside the years 1-9999 or an offset is not whole seconds.
    """
    aware = isinstance(values.dtype, pd.DatetimeTZDtype)
    wall = values.dt.tz_localize(None) if aware else values
    per_second = _TICKS_PER_SECOND[np.datetime_data(wall.dtype)[0]]
    missing = wall.isna().to_numpy()
    present = np.flatnonzero(~missing)
    ticks = np.zeros(len(wall), dtype=np.int64)
    ticks[present] = wall.to_numpy().view(np.int64)[present]
    seconds, fraction = np.divmod(ticks, per_second)
    if len(ticks) and (seconds.min() < _FIRST_SECOND or seconds.max() > _LAST_SECOND):
        return None
    stamps = pc.cast(pa.array(seconds.astype("datetime64[s]")), pa.string())
    text = pc.replace_substring(stamps, " ", "T", max_replacements=1)  # 2026-07-01T18:05:00
    if fraction.any():  # .ffffff, or .fffffffff when there are nanoseconds
        nano = fraction % 1000 != 0 if per_second == 10**9 else np.zeros(len(ticks), bool)
        micro = fraction // 1000 if per_second == 10**9 else fraction * (10**6 // per_second)
        digits = pc.cast(pa.array(np.where(nano, fraction + 10**9, micro + 10**6)), pa.string())
        decimals = pc.binary_join_element_wise(".", pc.utf8_slice_codeunits(digits, 1), "")
        decimals = pc.if_else(pa.array(fraction == 0), "", decimals)
        text = pc.binary_join_element_wise(text, decimals, "")
    if aware and len(present):
        utc = values.dt.tz_convert(None).to_numpy().view(np.int64)[present]
        offsets, first, which = np.unique(
            ticks[present] - utc, return_index=True, return_inverse=True
        )
        if np.any(offsets % per_second):
            return None
        suffixes = []
        for row in present[first]:
            full = values.iloc[row].isoformat()  # e.g. ...T18:05:00+08:00
            prefix = text[int(row)].as_py()
            if not full.startswith(prefix):
                return None
            suffixes.append(full[len(prefix) :])
        codes = np.zeros(len(ticks), dtype=np.intp)
        codes[present] = which
        offset_text = pc.take(pa.array(suffixes, pa.string()), pa.array(codes))
        text = pc.binary_join_element_wise(text, offset_text, "")
    if missing.any():
        text = pc.if_else(pa.array(missing), "", text)
    return pd.Series(text, index=values.index, dtype=TEXT_DTYPE)


__all__ = ["TEXT_DTYPE", "cell_text", "column_text", "text_frame"]

r"""CSV files written by Arrow's CSV writer, with the text pandas' ``to_csv`` writes.

:func:`geo.writers.write_csv` decides *what* goes into a file for scripts (ISO times, no
formulas); this module writes it fast. Arrow (``pyarrow.csv.write_csv``) turns a column
into text in C++, where pandas' ``to_csv`` formats cell by cell in Python; each column is
first made into the text pandas would write, so a file reads back the same.

Rules
-----
* **Numbers.** Integers as digits; floats in Arrow's shortest round-trip text, with ``.0``
  added to whole numbers (``18.0``, as pandas writes them, so a column of whole numbers
  still reads back as floats). Arrow picks the exponent form by its own rule (``0.00001``
  where pandas writes ``1e-05``, ``1e+15`` for ``1000000000000000.0``): the same number.
  Missing numbers (``NaN``, ``NA``) are empty; infinities are ``inf`` and ``-inf``.
* **Fixed decimals.** A column named in ``decimals`` is rounded by :func:`rounded`
  (``numpy.round``: half to even, on the binary value) and written with exactly that many
  decimals (``8.7``, ``18.0``, ``0.0``); a negative zero loses its sign, and infinities or
  numbers past 2**53 at that scale keep the plain float text.
* **Booleans** are ``True`` and ``False``, as pandas writes them (Arrow writes
  ``true``/``false``).
* **Text** as it is; categoricals as their text. Other types (times without a zone,
  durations, geometries, objects of mixed types) are written as Python's ``str`` of each
  value, missing ones empty; the callers turn their times into text first.
* **Quoting and encoding.** UTF-8 without BOM, ``\n`` line ends, no index. The header is
  written as pandas writes it (Python's ``csv`` module, minimal quoting). When no text cell
  holds a comma, a double quote or a line break, no cell is quoted, as with pandas; when
  one does, Arrow quotes every text cell (RFC 4180, ``"`` doubled), which any CSV reader
  reads back as the same values (pandas would quote only the cells that need it).
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from geo.arrow_text import arrow_array, iso_text, utc_offset

NEEDS_QUOTES: Final = ',"\r\n'
"""Characters that make a CSV cell need quotes (delimiter, quote, line breaks)."""

_EXACT: Final = 2**53
"""Past this (as an integer count of the last decimal) a float no longer holds every step."""

_DECIMAL64_DIGITS: Final = 18
"""Digits of Arrow's 64-bit decimal: more than the 16 of any count below :data:`_EXACT`."""

_ISO_RECORD: Final = np.dtype([("day", "S10"), ("t", "S1"), ("clock", "S8"), ("offset", "S6")])
"""The 25 bytes of a whole-second ISO time with a whole-minute offset, in order."""

_ISO_YEARS: Final = (np.datetime64("1000-01-01", "D"), np.datetime64("9999-12-31", "D"))
"""The days :func:`iso_csv_text` assembles (four-digit years); others go to ``iso_text``."""

_PER_SECOND: Final = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
_DAY_SECONDS: Final = 86_400
_DAY_MINUTES: Final = 1_440


def rounded(values: Any, decimals: int) -> np.ndarray:
    """Return ``values`` as floats rounded to ``decimals`` places (``numpy.round``).

    Examples
    --------
    >>> rounded([8.729529460496114, 0.25, float("nan")], 1).tolist()
    [8.7, 0.2, nan]
    """
    return np.round(np.asarray(values, dtype=np.float64), decimals)


def write_arrow_csv(
    frame: pd.DataFrame, path: str | Path, *, decimals: Mapping[str, int] | None = None
) -> Path:
    """Write ``frame`` (no index) to ``path`` as UTF-8 CSV through Arrow; return the path.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, times already text (its values are written as the module's rules say).
    path : str or Path
        The file, replaced if it exists.
    decimals : mapping of str to int, optional
        Columns written with a fixed number of decimals, rounded (:func:`rounded`).

    Examples
    --------
    >>> import tempfile
    >>> t = pd.DataFrame({"id": ["V1", "V2"], "ok": [True, False], "m": [8.73, 18.0],
    ...                   "share": [1 / 3, float("nan")], "n": [3, 0]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_arrow_csv(t, Path(folder) / "t.csv", decimals={"m": 1})
    ...     print(path.read_text(encoding="utf-8"), end="")
    id,ok,m,share,n
    V1,True,8.7,0.3333333333333333,3
    V2,False,18.0,,0
    """
    fixed = dict(decimals or {})
    arrays = [
        text_array(frame.iloc[:, i], decimals=fixed.get(str(name)))
        for i, name in enumerate(frame.columns)
    ]
    return write_arrays(arrays, [str(name) for name in frame.columns], path)


def write_arrays(arrays: Sequence[pa.Array], names: Sequence[str], path: str | Path) -> Path:
    """Write columns already made into text by :func:`text_array` as a CSV file.

    The header as pandas writes it, then the rows, quoted as the module's rules say.
    """
    quoted = any(needs_quotes(a) for a in arrays)
    return write_batches([arrays], names, path, quoted=quoted)


def write_batches(
    batches: Iterable[Sequence[pa.Array]], names: Sequence[str], path: str | Path, *, quoted: bool
) -> Path:
    """Write rows given as batches of columns made into text by :func:`text_array`.

    ``quoted`` tells whether any text cell of any batch needs quotes (:func:`needs_quotes`),
    so every text cell is quoted; the file is the one :func:`write_arrays` writes of the
    batches' columns joined, made a batch at a time.
    """
    path = Path(path)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(names)
    options = pa_csv.WriteOptions(
        include_header=False, quoting_style="needed" if quoted else "none"
    )
    with path.open("wb") as handle:
        handle.write(header.getvalue().encode("utf-8"))
        writer = None
        for arrays in batches:
            batch = pa.RecordBatch.from_arrays(list(arrays), names=list(names))
            writer = writer or pa_csv.CSVWriter(handle, batch.schema, write_options=options)
            writer.write_batch(batch)
        if writer is not None:
            writer.close()
    return path


def text_array(values: pd.Series, *, decimals: int | None) -> pa.Array:
    """Return one column as an Arrow array that Arrow writes as pandas would."""
    if decimals is not None:
        return _fixed_text(values, decimals)
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    array = arrow_array(values)
    if array is None:
        return _str_text(values)
    if pa.types.is_boolean(array.type):
        return pc.if_else(array, "True", "False")
    if pa.types.is_floating(array.type):
        return _float_text(array)
    if pa.types.is_integer(array.type) or pa.types.is_null(array.type) or _is_text(array.type):
        return array
    return _str_text(values)


def iso_csv_text(times: pd.Series) -> pa.Array:
    """Return tz-aware ``times`` as :func:`geo.arrow_text.iso_text` does, the same text faster.

    When every time is a whole second of a four-digit year with an offset of whole minutes
    (the usual column), each text has 25 bytes (``2026-07-01T18:05:03+08:00``) and is
    assembled in Arrow's buffers from three small tables: the days the column spans, the
    86,400 seconds of a day and its distinct offsets; a missing time is empty text. Any
    other column (fractions of a second, offsets with seconds, far years) is iso_text's.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2026-07-01 18:05:03", None, "2026-01-05 09:00:00"]))
    >>> iso_csv_text(t.dt.tz_localize("Europe/Helsinki")).to_pylist()
    ['2026-07-01T18:05:03+03:00', '', '2026-01-05T09:00:00+02:00']
    """
    text = _whole_second_iso(times)
    return iso_text(times) if text is None else text


def _whole_second_iso(times: pd.Series) -> pa.Array | None:
    """:func:`iso_csv_text`'s fixed-width text, or ``None`` when a time does not fit it."""
    per_second = _PER_SECOND.get(times.dtype.unit)
    utc = np.asarray(times.array.asi8)
    missing = utc == np.iinfo(np.int64).min  # NaT
    local = np.where(missing, 0, times.dt.tz_localize(None).array.asi8)
    offsets = local - np.where(missing, 0, utc)
    if per_second is None or (local % per_second).any() or (offsets % (60 * per_second)).any():
        return None
    seconds = local // per_second
    days, clock = np.divmod(seconds, _DAY_SECONDS)
    minutes = offsets // (60 * per_second)
    if np.abs(minutes).max(initial=0) >= _DAY_MINUTES:
        return None
    present = days[~missing]
    first, last = (int(present.min()), int(present.max())) if present.size else (0, 0)
    low, high = (int(day.astype(np.int64)) for day in _ISO_YEARS)
    if first < low or last > high or last - first > len(times) + 366:
        return None
    day_text = np.datetime_as_string(np.arange(first, last + 1).astype("datetime64[D]"))
    zone = np.flatnonzero(np.bincount(minutes + _DAY_MINUTES))
    zone_text = np.zeros(2 * _DAY_MINUTES, dtype="S6")
    zone_text[zone] = [utc_offset(60 * int(m - _DAY_MINUTES)) for m in zone]
    record = np.empty(len(times), dtype=_ISO_RECORD)
    record["day"] = day_text.astype("S10")[np.where(missing, first, days) - first]
    record["t"] = b"T"
    record["clock"] = _clock_text()[clock]
    record["offset"] = zone_text[minutes + _DAY_MINUTES]
    width = np.where(missing, 0, _ISO_RECORD.itemsize)
    if missing.any():
        record = record[~missing]
    ends = np.cumsum(width)
    large = len(ends) > 0 and int(ends[-1]) >= 2**31
    bounds = np.concatenate([[0], ends]).astype(np.int64 if large else np.int32)
    kind = pa.large_string() if large else pa.string()
    data = pa.py_buffer(record.view(np.uint8) if len(record) else b"")
    return pa.Array.from_buffers(kind, len(times), [None, pa.py_buffer(bounds), data])


@functools.cache
def _clock_text() -> np.ndarray:
    """``HH:MM:SS`` of each second of a day, as 8 bytes each."""
    hours, rest = np.divmod(np.arange(_DAY_SECONDS), 3600)
    minutes, seconds = np.divmod(rest, 60)
    digits = np.stack([hours // 10, hours % 10, minutes // 10, minutes % 10, seconds // 10,
                       seconds % 10], axis=1).astype(np.uint8) + ord("0")  # fmt: skip
    clock = np.full((_DAY_SECONDS, 8), ord(":"), dtype=np.uint8)
    clock[:, [0, 1, 3, 4, 6, 7]] = digits
    return clock.view("S8").ravel()


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _float_text(array: pa.Array) -> pa.Array:
    """Shortest round-trip text, ``.0`` added to whole numbers (``18`` -> ``18.0``).

    Arrow writes a whole number as digits, or in exponent form (``1e+15``) which stays.
    """
    text = pc.cast(array, pa.string())
    numbers = array.to_numpy(zero_copy_only=False)  # nulls as NaN
    whole = np.isfinite(numbers) & (numbers == np.floor(numbers))
    if not whole.any():
        return text
    digits = pc.and_(pa.array(whole), pc.invert(pc.match_substring(text, "e")))
    return pc.if_else(digits, pc.binary_join_element_wise(text, ".0", ""), text)


def _fixed_text(values: pd.Series, decimals: int) -> pa.Array:
    """Text with exactly ``decimals`` decimals of the :func:`rounded` values."""
    numbers = rounded(values.to_numpy(dtype=np.float64, na_value=np.nan), decimals)
    steps = np.rint(numbers * 10.0**decimals)
    exact = np.isfinite(steps) & (np.abs(steps) < _EXACT)
    unscaled = pa.array(np.where(exact, steps, 0).astype(np.int64), mask=~exact)
    text = _decimal_text(unscaled, decimals)
    if (exact | np.isnan(numbers)).all():  # missing numbers are null in ``text`` already
        return text
    plain = _float_text(pa.array(numbers, from_pandas=True))
    return pc.if_else(pa.array(exact), text, plain)


def _decimal_text(unscaled: pa.Array, decimals: int) -> pa.Array:
    """Text of :func:`_scaled` integers, each distinct one formatted once where they repeat.

    Metres and minutes repeat (a few thousand distinct tenths among millions of visits), and
    Arrow formats a decimal several times slower than it looks one up; a column of mostly
    distinct numbers is formatted cell by cell. The same text either way (nulls stay null).

    Examples
    --------
    >>> _decimal_text(pa.array([87, 87, None, -5, 87]), 1).to_pylist()
    ['8.7', '8.7', None, '-0.5', '8.7']
    """
    codes = pc.dictionary_encode(unscaled)
    if 2 * len(codes.dictionary) > len(unscaled):
        return pc.cast(_scaled(unscaled, decimals), pa.string())
    labels = pc.cast(_scaled(codes.dictionary, decimals), pa.string())
    return pc.take(labels, codes.indices)


def _scaled(unscaled: pa.Array, decimals: int) -> pa.Array:
    """Integers below 2**53 read as decimals: ``87`` with 1 decimal is ``8.7``.

    The int64 buffers are taken as they are for a 64-bit decimal (up to 18 digits, so up
    to 18 decimals), whose text Arrow writes faster than a 128-bit decimal's.

    Examples
    --------
    >>> _scaled(pa.array([87, -5, 0, None]), 1).to_pylist()
    [Decimal('8.7'), Decimal('-0.5'), Decimal('0.0'), None]
    """
    if 0 <= decimals <= _DECIMAL64_DIGITS:
        kind: pa.DataType = pa.decimal64(_DECIMAL64_DIGITS, decimals)
    else:
        unscaled = unscaled.cast(pa.decimal128(38, 0))
        kind = pa.decimal128(38, decimals)
    return pa.Array.from_buffers(kind, len(unscaled), unscaled.buffers(), unscaled.null_count)


def _str_text(values: pd.Series) -> pa.Array:
    """Python's ``str`` of each value, missing values null (written empty)."""
    cells = values.to_numpy(dtype=object)
    return pa.array([None if _missing(v) else str(v) for v in cells], type=pa.string())


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def needs_quotes(array: pa.Array) -> bool:
    """Tell whether a text column holds a cell that must be quoted.

    Scans the column's UTF-8 bytes at once (these characters are ASCII, never part of
    another character); bytes of a slice's neighbours can only make it quote more. Of a
    dictionary array, the texts its rows use.

    Examples
    --------
    >>> coded = pa.DictionaryArray.from_arrays(pa.array([0, 0]), pa.array(["a", "b,c"]))
    >>> needs_quotes(coded), needs_quotes(pa.array(["a", "b,c"]))
    (False, True)
    """
    if pa.types.is_dictionary(array.type):
        used = pc.drop_null(pc.unique(array.indices))
        return needs_quotes(array.dictionary.take(used))
    if not _is_text(array.type) or len(array) == 0:
        return False
    data = array.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)
    return any(bool((raw == ord(c)).any()) for c in NEEDS_QUOTES)


__all__ = [
    "NEEDS_QUOTES",
    "needs_quotes",
    "rounded",
    "text_array",
    "write_arrays",
    "write_arrow_csv",
    "write_batches",
]

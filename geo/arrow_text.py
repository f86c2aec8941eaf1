r"""Columns made into Arrow text at once: ISO 8601 times, and text with formulas neutralised.

The vectorised halves of :func:`geo.writers.iso_column` and :func:`geo.writers.neutralise`,
for :func:`geo.writers.write_csv`, which hands Arrow arrays to Arrow's CSV writer: each
column is converted to Arrow once and its cells never become Python objects.

Rules
-----
* **ISO times** (:func:`iso_text`): a tz-aware column becomes the text
  ``Timestamp.isoformat()`` writes: ``YYYY-MM-DDTHH:MM:SS``, ``.ffffff`` where a time has
  microseconds, then its UTC offset ``+HH:MM`` (``+HH:MM:SS`` when the offset has seconds,
  as historic local mean times do). Missing times are empty text, not null. Arrow writes
  the wall-clock part; the offset is one label per distinct offset of the column. A column
  holding nanoseconds is formatted by ``isoformat`` value by value.
* **No formulas** (:func:`neutralised_text`): text whose first character is one of
  :data:`FORMULA_STARTS` gets a ``'`` in front, unless the whole text is a plain decimal
  number (:data:`PLAIN_NUMBER`: ``-5``, ``+8613800000000``, ``-0.5``); missing text stays
  missing. Only each cell's first byte is compared, read from the array's buffers; a
  column where no cell begins so is returned as it is.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""

PLAIN_NUMBER: Final = r"[+-]?[0-9]+(\.[0-9]+)?"
"""A plain decimal number, matched against the whole text (RE2 and Python ``re`` alike)."""

_MICROS_PER_SECOND: Final = 1_000_000

_STARTS: Final = np.frombuffer("".join(FORMULA_STARTS).encode("ascii"), dtype=np.uint8)
""":data:`FORMULA_STARTS` as bytes (each one ASCII character)."""


def iso_text(times: pd.Series) -> pa.Array:
    """Return tz-aware ``times`` as ``Timestamp.isoformat()`` text ('' where missing).

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2026-07-01 18:05:03.5", None, "2026-01-05 09:00:00.0"]))
    >>> iso_text(t.dt.tz_localize("Europe/Helsinki")).to_pylist()
    ['2026-07-01T18:05:03.500000+03:00', '', '2026-01-05T09:00:00+02:00']
    """
    local = times.dt.tz_localize(None).to_numpy()
    missing = np.isnat(local)
    if _has_nanoseconds(local, missing):
        cells = times.to_numpy(dtype=object)
        return pa.array(["" if pd.isna(t) else t.isoformat() for t in cells], type=pa.string())
    micros = local.astype("datetime64[us]")
    utc = times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]")
    offsets = (micros.astype(np.int64) - utc.astype(np.int64)) // _MICROS_PER_SECOND
    text = pc.binary_join_element_wise(
        _wall_clock(micros, missing), _offset_labels(offsets, missing), ""
    )
    return text.fill_null("")


def _has_nanoseconds(local: np.ndarray, missing: np.ndarray) -> bool:
    """Tell whether a time of ``local`` (naive) has a part below a microsecond."""
    if np.datetime_data(local.dtype)[0] != "ns":
        return False
    return bool((local.astype(np.int64)[~missing] % 1000 != 0).any())


def _wall_clock(micros: np.ndarray, missing: np.ndarray) -> pa.Array:
    """``YYYY-MM-DDTHH:MM:SS[.ffffff]`` of naive microsecond times, null where missing."""
    stamps = pa.array(micros, mask=missing)
    text = pc.cast(pc.cast(stamps, pa.timestamp("s"), safe=False), pa.string())
    fraction = (micros.astype(np.int64) % _MICROS_PER_SECOND != 0) & ~missing
    if fraction.any():
        text = pc.if_else(pa.array(fraction), pc.cast(stamps, pa.string()), text)
    if _four_digit_years(micros[~missing]):  # the space is the 11th byte: swap it in place
        return pc.binary_replace_slice(text, start=10, stop=11, replacement="T")
    return pc.replace_substring(text, " ", "T", max_replacements=1)


def _four_digit_years(micros: np.ndarray) -> bool:
    """Tell whether every time of ``micros`` lies in the years 1 to 9999."""
    if micros.size == 0:
        return True
    first, after = np.datetime64("0001-01-01", "us"), np.datetime64("10000-01-01", "us")
    return bool(micros.min() >= first and micros.max() < after)


def _offset_labels(seconds: np.ndarray, missing: np.ndarray) -> pa.Array:
    """``+HH:MM`` text of each offset in seconds (one label per distinct one), null if missing."""
    codes = pc.dictionary_encode(pa.array(seconds, mask=missing))
    labels = pa.array([utc_offset(s) for s in codes.dictionary.to_pylist()], type=pa.string())
    return pc.take(labels, codes.indices)


def utc_offset(seconds: float) -> str:
    """Return ``+HH:MM`` (``+HH:MM:SS`` when there are seconds), as ``isoformat`` writes it.

    Examples
    --------
    >>> utc_offset(28800), utc_offset(-12600), utc_offset(5989)
    ('+08:00', '-03:30', '+01:39:49')
    """
    sign = "+" if seconds >= 0 else "-"
    hours, rest = divmod(abs(int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def neutralised_text(text: pa.Array) -> pa.Array:
    r"""Return Arrow text with ``'`` before cells a spreadsheet would run as a formula.

    Examples
    --------
    >>> neutralised_text(pa.array(["=1+1", "-5", "-", None, "北京路", "\tx"])).to_pylist()
    ["'=1+1", '-5', "'-", None, '北京路', "'\tx"]
    """
    found = np.isin(first_bytes(text), _STARTS)
    if not found.any():
        return text
    plain = pc.match_substring_regex(text, f"^{PLAIN_NUMBER}$")
    quote, nothing = pa.scalar("'", type=text.type), pa.scalar("", type=text.type)
    quoted = pc.binary_join_element_wise(quote, text, nothing)
    return pc.if_else(pc.and_(pa.array(found), pc.invert(plain)), quoted, text)


def first_bytes(text: pa.Array) -> np.ndarray:
    """Return the first UTF-8 byte of each cell of Arrow text; 0 where empty or missing.

    Read from the array's buffers, no cell is copied. An ASCII byte (below 128) is never
    part of another character, so it stands for that character.

    Examples
    --------
    >>> first_bytes(pa.array(["=a", "", None, "北"])).tolist()
    [61, 0, 0, 229]
    """
    first = np.zeros(len(text), dtype=np.uint8)
    if len(text) == 0:
        return first
    _, offsets_buffer, data = text.buffers()
    kind = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=kind)[text.offset : text.offset + len(text) + 1]
    starts = offsets[:-1]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    # starts never decrease: only trailing empty cells start at the end of the data
    inside = int(np.searchsorted(starts, len(raw)))
    first[:inside] = raw[starts[:inside]]  # one gather; no per-cell length array
    first[offsets[1:] == starts] = 0  # empty (and missing: a null cell holds no bytes)
    if text.null_count:  # a null may still span bytes: Arrow does not forbid it
        first[~text.is_valid().to_numpy(zero_copy_only=False)] = 0
    return first


def arrow_text(values: pd.Series) -> pa.Array | None:
    """Return a text column as an Arrow string array, ``None`` unless every cell is text.

    ``NaN`` and ``None`` become null; categoricals give their categories' text.

    Examples
    --------
    >>> arrow_text(pd.Series(["a", None], dtype=object)).to_pylist()
    ['a', None]
    >>> arrow_text(pd.Series(["a", 3], dtype=object)) is None
    True
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    array = arrow_array(values)
    if array is None:
        return None
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    return array


def is_arrow_text(values: pd.Series) -> bool:
    """Whether ``values`` is pandas' text backed by Arrow (its array is Arrow's own).

    Examples
    --------
    >>> is_arrow_text(pd.Series(["a"], dtype="str")), is_arrow_text(pd.Series(["a"], dtype=object))
    (True, False)
    """
    dtype = values.dtype
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def arrow_array(values: pd.Series) -> pa.Array | None:
    """Return ``values`` as one Arrow array (``NaN`` as null), None when Arrow cannot.

    Examples
    --------
    >>> arrow_array(pd.Series([1.5, None])).to_pylist()
    [1.5, None]
    >>> arrow_array(pd.Series([[1], "a"], dtype=object)) is None
    True
    """
    array: Any
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


__all__ = [
    "FORMULA_STARTS",
    "PLAIN_NUMBER",
    "arrow_array",
    "arrow_text",
    "first_bytes",
    "is_arrow_text",
    "iso_text",
    "neutralised_text",
    "utc_offset",
]

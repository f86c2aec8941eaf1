r"""Numbers written as text, read as :func:`pandas.to_numeric` reads them, plain ones by Arrow.

The numbers of an input column are ``pandas.to_numeric(text, errors="coerce")`` of its
cells, a decimal comma read as a point (:func:`pandas_numbers`, the reference): a cell that
is no number is ``NaN``. pandas turns each cell into a Python object first, about fifteen
times slower than Arrow's cast from text to ``float64``. The two agree on the cells Arrow is
given here, so :func:`text_numbers` lets Arrow read a column when every cell is empty or
a *plain decimal*, and pandas reads every other column, whole:

* a plain decimal is ``-?[0-9]+(\.[0-9]+)?`` (after the comma became a point), at most 15
  characters long, so at most 15 digits: no exponent, no ``+``, no ``inf`` or ``nan``, no
  spaces, no leading or trailing point;
* with at most 15 digits the digits make an integer that a ``float64`` holds exactly, and a
  power of ten up to ``1e15`` is exact too, so the value is one correctly rounded division
  (or, for a whole number, exact). Arrow's cast rounds correctly, and pandas' parser gives
  the same ``float64`` on such cells (compared bit for bit by the tests);
* a negative zero (``-0``, ``-0.0``) sends the column to pandas, whose sign for it depends
  on the other cells (``-0`` in a column of whole numbers is an integer zero).

``tests/geo/test_numbers.py`` compares both readers on odd cells and on over 100,000
random plain decimals.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

PLAIN: Final = r"^-?[0-9]+(\.[0-9]+)?$"
"""A plain decimal (RE2, as Arrow matches it)."""

MAX_CHARS: Final = 15
"""Longest plain decimal that Arrow reads: at most 15 digits, an integer below 2**53."""


def text_numbers(text: pd.Series) -> np.ndarray:
    """Return the ``float64`` of each cell of stripped ``text``, ``NaN`` where no number.

    The same values as :func:`pandas_numbers`, through Arrow when every cell is empty or a
    plain decimal (see the module's docstring).

    Examples
    --------
    >>> text_numbers(pd.Series(["1,5", "", "-2", "7"], dtype="str")).tolist()
    [1.5, nan, -2.0, 7.0]
    >>> text_numbers(pd.Series(["1e3", "x", "inf"], dtype="str")).tolist()
    [1000.0, nan, inf]
    """
    numbers = _plain_numbers(text)
    return pandas_numbers(text) if numbers is None else numbers


def pandas_numbers(text: pd.Series) -> np.ndarray:
    """Return ``pandas.to_numeric`` of each cell, a comma read as a point (the reference)."""
    parsed = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    return pd.Series(parsed, index=text.index, dtype=float).to_numpy(dtype=float, copy=True)


def _plain_numbers(text: pd.Series) -> np.ndarray | None:
    """Return the numbers read by Arrow, or ``None`` when a cell is not empty or plain."""
    cells = pa.array(text, type=pa.large_string())
    if pc.any(pc.match_substring(cells, ",")).as_py():
        cells = pc.replace_substring(cells, ",", ".")
    empty = pc.equal(cells, "")
    plain = pc.and_(
        pc.match_substring_regex(cells, PLAIN),
        pc.less_equal(pc.binary_length(cells), MAX_CHARS),
    )
    if not pc.all(pc.or_(empty, plain)).as_py():
        return None
    numbers = pc.cast(pc.if_else(empty, None, cells), pa.float64())
    values = numbers.to_numpy(zero_copy_only=False).astype(float, copy=True)
    if np.any((values == 0) & np.signbit(values)):
        return None
    return values


__all__ = ["MAX_CHARS", "PLAIN", "pandas_numbers", "text_numbers"]

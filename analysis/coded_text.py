"""Text columns built from integer codes: a few distinct strings per row, never one per row.

Verification's flags and statuses and the gap reasons are each one of a few strings per
row. They are built as codes (one bit per flag, a position per status) and turned into
text once per distinct value: either taken by row in Arrow (:func:`taken_text`, pandas'
``str``), or kept as the codes with their texts (:func:`coded_categories`, a pandas
categorical of one or two bytes a row, where a column has a fixed, short list of values).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

IntArray = npt.NDArray[np.int64]

TEXT: Final = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' ``str`` dtype: the dtype of every column these functions build."""


def flag_bits(
    flags: Sequence[npt.ArrayLike] | np.ndarray, *, n: int
) -> npt.NDArray[np.signedinteger]:
    """Return each row's flags as bits: bit ``i`` set where ``flags[i]`` is True.

    In the smallest signed integers that hold every bit (two bytes a row for up to 15 flags),
    set in place flag by flag: no whole-length array of integers per flag.

    Parameters
    ----------
    flags : sequence of array-like, or 2-D numpy.ndarray
        One boolean array of ``n`` values per flag (a 2-D array: one row per flag).
    n : int
        The number of rows.

    Examples
    --------
    >>> bits = flag_bits(np.array([[True, False, True], [True, True, False]]), n=3)
    >>> bits.tolist(), bits.dtype.name
    ([3, 2, 1], 'int16')
    """
    count = len(flags)
    kind = np.int16 if count < 16 else np.int32 if count < 32 else np.int64
    bits: npt.NDArray[np.signedinteger] = np.zeros(n, dtype=kind)
    for i, flag in enumerate(flags):
        np.bitwise_or(bits, kind(1 << i), out=bits, where=np.asarray(flag, dtype=bool))
    return bits


def bit_texts(codes: Sequence[str]) -> list[str]:
    """Return the text of every value of :func:`flag_bits` over ``codes``, by value.

    The codes whose bit is set, in the order of ``codes``, joined with ``;`` (``""``: none).

    Examples
    --------
    >>> bit_texts(["a", "b"])
    ['', 'a', 'b', 'a;b']
    """
    return [
        ";".join(code for i, code in enumerate(codes) if value >> i & 1)
        for value in range(1 << len(codes))
    ]


def taken_text(values: Sequence[str], codes: IntArray) -> pd.api.extensions.ExtensionArray:
    """Return ``values[codes]`` as a pandas ``str`` array, taken in Arrow.

    No Python string is made per row, as converting an object array would.

    Examples
    --------
    >>> taken_text(("a", "bc"), np.array([1, 0, 1])).tolist()
    ['bc', 'a', 'bc']
    """
    taken = pa.array(list(values), type=pa.large_string()).take(pa.array(codes))
    return pd.array(taken, dtype=TEXT)


def categories_of(values: Sequence[str]) -> pd.CategoricalDtype:
    """Return the categorical dtype whose categories are ``values`` as pandas ``str``, in order.

    Examples
    --------
    >>> kind = categories_of(("", "a"))
    >>> kind.categories.tolist(), kind.categories.dtype == TEXT, kind.ordered
    (['', 'a'], True, False)
    """
    return pd.CategoricalDtype(pd.Index(list(values), dtype=TEXT), ordered=False)


def coded_categories(kind: pd.CategoricalDtype, codes: npt.NDArray[np.integer]) -> pd.Categorical:
    """Return the categorical of ``kind`` holding category ``codes[i]`` at row ``i``.

    The codes are stored in the smallest integer type that holds them (one byte a row for up
    to 127 categories); every code must name a category (-1: missing).

    Examples
    --------
    >>> values = coded_categories(categories_of(("", "a", "b")), np.array([2, 0, 1]))
    >>> values.tolist(), values.codes.dtype.name
    (['b', '', 'a'], 'int8')
    """
    return pd.Categorical.from_codes(codes, dtype=kind)


__all__ = ["TEXT", "bit_texts", "categories_of", "coded_categories", "flag_bits", "taken_text"]

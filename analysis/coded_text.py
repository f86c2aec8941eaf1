"""Text columns built from integer codes: a few distinct strings taken by row, in Arrow.

Verification's flags and statuses and the gap reasons are each one of a few strings per
row. They are built as codes (one bit per flag, a position per status) and turned into
text once per distinct value, then taken by row in Arrow: no Python string per row.
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


def flag_bits(flags: Sequence[npt.ArrayLike] | np.ndarray, *, n: int) -> IntArray:
    """Return each row's flags as bits: bit ``i`` set where ``flags[i]`` is True.

    Parameters
    ----------
    flags : sequence of array-like, or 2-D numpy.ndarray
        One boolean array of ``n`` values per flag (a 2-D array: one row per flag).
    n : int
        The number of rows.

    Examples
    --------
    >>> flag_bits(np.array([[True, False, True], [True, True, False]]), n=3).tolist()
    [3, 2, 1]
    """
    bits = np.zeros(n, dtype=np.int64)
    for i, flag in enumerate(flags):
        bits |= np.asarray(flag, dtype=bool).astype(np.int64) << i
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


__all__ = ["TEXT", "bit_texts", "flag_bits", "taken_text"]

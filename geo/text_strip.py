r"""Text cells stripped of surrounding white space, a column copied only when one needs it.

Every text column of an input is stripped (``Series.str.strip()``), often several times
on its way through the importer, and Arrow's strip copies the whole column every time,
although cells of exported tables and a geodata file's text (already stripped,
:func:`geo.cell_text.column_text`) rarely have anything to strip. :func:`strip` gives
the same column, but looks first at the bytes at both ends of each cell (UTF-8, on the
Arrow buffers) and returns the column itself when no cell can start or end with white
space:

* a cell can *start* with white space only when its first byte is at most ``0x20`` (ASCII
  white space and control characters) or is the lead byte ``0xC2``, ``0xE1``, ``0xE2`` or
  ``0xE3``, the lead bytes of every other character Python or Arrow strips (U+0085,
  U+00A0, U+1680, U+180E, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000);
* a cell can *end* with white space only when its last byte is at most ``0x20``, or its
  last character has two bytes led by ``0xC2`` or three bytes led by ``0xE1``-``0xE3``.

Any such cell (a Chinese full stop ``。`` is led by ``0xE3`` too: the rule is cautious)
sends the column to ``Series.str.strip()``. Columns that are not Arrow text are stripped
by pandas as before. ``tests/geo/test_text_strip.py`` compares both on odd cells.

A column is often stripped again on its way (its text is made stripped, then read as
stripped text, then checked for blanks), and each look costs a pass over its buffers. Arrow
arrays never change, so the Arrow arrays known to have nothing to strip are remembered
while they live: those that were looked at, and those ``Series.str.strip()`` gave (strip
changes nothing in what it gave). Stripping one again gives the column itself at once.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import pyarrow as pa

from geo.arrow_text import is_arrow_text

_SPACE_LEADS = (0xC2, 0xE1, 0xE2, 0xE3)
"""Lead bytes of the non-ASCII characters that Python or Arrow count as white space."""

_MAY_START_SPACE = np.zeros(256, dtype=bool)
_MAY_START_SPACE[: 0x20 + 1] = True
_MAY_START_SPACE[list(_SPACE_LEADS)] = True
"""By first byte: whether a cell starting with it may start with white space."""

_THREE_BYTE_SPACE_LEADS = np.zeros(256, dtype=bool)
_THREE_BYTE_SPACE_LEADS[list(_SPACE_LEADS[1:])] = True
"""Lead bytes of the three-byte characters that may be white space."""


def strip(values: pd.Series) -> pd.Series:
    """Return ``values.str.strip()``: ``values`` itself when no cell has anything to strip.

    Parameters
    ----------
    values : pandas.Series
        Text (any string dtype; Arrow-backed text is looked at before it is copied).

    Returns
    -------
    pandas.Series
        The stripped cells, on the index of ``values``, same name and dtype.

    Examples
    --------
    >>> cells = pd.Series(["a", "b c"], dtype="str")
    >>> strip(cells) is cells, strip(pd.Series([" a", "b"], dtype="str")).tolist()
    (True, ['a', 'b'])
    """
    if not is_arrow_text(values):
        return values.str.strip()
    cells = values.array.__arrow_array__()
    if _known_stripped(cells) or not any(_may_need_strip(chunk) for chunk in cells.chunks):
        _remember_stripped(cells)
        return values
    stripped = values.str.strip()
    if is_arrow_text(stripped):
        _remember_stripped(stripped.array.__arrow_array__())
    return stripped


_STRIPPED: dict[int, weakref.ref[pa.ChunkedArray]] = {}
"""Arrow text arrays with nothing to strip, by ``id``, while they live (see the module)."""


def _known_stripped(cells: pa.ChunkedArray) -> bool:
    """Whether ``cells`` (this very array) is known to have nothing to strip."""
    known = _STRIPPED.get(id(cells))
    return known is not None and known() is cells


def _remember_stripped(cells: pa.ChunkedArray) -> None:
    """Remember that ``cells`` has nothing to strip, until it is freed."""
    key = id(cells)
    if _known_stripped(cells):
        return

    def forget(ref: weakref.ref[pa.ChunkedArray]) -> None:
        if _STRIPPED.get(key) is ref:
            _STRIPPED.pop(key, None)

    _STRIPPED[key] = weakref.ref(cells, forget)


def _may_need_strip(chunk: pa.Array) -> bool:
    """Whether a cell of an Arrow text array may start or end with white space (see module)."""
    if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
        return True
    buffers = chunk.buffers()
    if len(chunk) == 0 or buffers[2] is None or buffers[2].size == 0:
        return False
    kind = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    window = slice(chunk.offset, chunk.offset + len(chunk) + 1)
    offsets = np.frombuffer(buffers[1], dtype=kind)[window].astype(np.int64)
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts  # an empty cell's bytes below are another cell's: not counted
    first = data[np.minimum(starts, len(data) - 1)]
    last = data[np.maximum(ends - 1, 0)]
    if np.any(filled & (_MAY_START_SPACE[first] | (last <= 0x20))):
        return True
    wide = filled & (last >= 0x80)  # the last character has two to four bytes
    if not wide.any():
        return False
    starts, ends = starts[wide], ends[wide]
    two = data[np.maximum(ends - 2, starts)] == 0xC2
    three = _THREE_BYTE_SPACE_LEADS[data[np.maximum(ends - 3, starts)]]
    return bool(np.any(two | three))


__all__ = ["strip"]

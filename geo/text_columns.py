"""Text columns of the canonical tables: stripped cells, and codes mapped once per value.

A raw table's cells are text (:class:`geo.readers.RawTable`); the canonical tables keep
free text (addresses, notes, officer ids) as Python strings in ``object`` columns, each
cell stripped of surrounding white space (:func:`stripped`). Columns of codes (outcome,
kind, vulnerability) repeat a handful of values, so :func:`map_distinct` applies its
function once per distinct value and spreads the answers by the values' integer codes
(:func:`pandas.factorize`, done by Arrow on Arrow-backed text) instead of looking every
cell up in a dictionary. :func:`pandas_map_distinct` is the cell-by-cell reference;
``tests/geo/test_import_paths.py`` imports every shipped file and a mutation corpus with
both and compares the tables.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def stripped(frame: pd.DataFrame, column: str) -> pd.Series:
    """Return ``frame[column]`` as stripped text in an ``object`` column, ``""`` if absent.

    Examples
    --------
    >>> stripped(pd.DataFrame({"a": [" x ", "y"]}), "a").tolist()
    ['x', 'y']
    >>> stripped(pd.DataFrame({"a": ["x"]}), "b").tolist()
    ['']
    """
    if column not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype(str).str.strip().astype(object)


def stripped_text(frame: pd.DataFrame, column: str) -> pd.Series:
    """Return ``frame[column]`` as stripped text in pandas' text dtype, ``""`` if absent.

    The same cells as :func:`stripped`, left in the raw table's dtype for
    :func:`map_distinct` to code.
    """
    if column not in frame:
        return pd.Series("", index=frame.index, dtype=str)
    return frame[column].astype(str).str.strip()


def map_distinct(values: pd.Series, func: Callable[[str], str | None]) -> pd.Series:
    """Return ``func`` of each cell as an ``object`` column, ``func`` called once per value.

    The same column as :func:`pandas_map_distinct` (missing where ``func`` gives
    ``None``, as :meth:`pandas.Series.map` leaves it), on the index of ``values``.

    Examples
    --------
    >>> cells = pd.Series(["Contact", "x", "Contact"], dtype=str)
    >>> map_distinct(cells, lambda v: v.lower() if v != "x" else None).tolist()
    ['contact', nan, 'contact']
    """
    codes, uniques = pd.factorize(values)
    if np.any(codes < 0):  # a missing cell: raw text has none, but the reference knows them
        return pandas_map_distinct(values, func)
    answers = pandas_map_distinct(pd.Series(uniques, dtype=object), func).to_numpy(dtype=object)
    return pd.Series(answers[codes], index=values.index, dtype=object)


def pandas_map_distinct(values: pd.Series, func: Callable[[str], str | None]) -> pd.Series:
    """Return ``func`` of each cell, looked up cell by cell in a dictionary (the reference)."""
    cells = values.astype(object)
    return cells.map({value: func(value) for value in pd.unique(cells)}).astype(object)


__all__ = ["map_distinct", "pandas_map_distinct", "stripped", "stripped_text"]

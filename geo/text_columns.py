"""Text columns of the canonical tables: stripped cells, and codes mapped once per value.

A raw table's cells are text (:class:`geo.readers.RawTable`); the canonical tables keep
each cell stripped of surrounding white space: beats and households as Python strings in
``object`` columns (:func:`stripped`), visits, ten logs to every household, as pandas'
Arrow-backed text (``str``, :func:`stripped_text`: no Python string per cell, ~1/4 of
the memory). Columns of codes (outcome,
kind, vulnerability) repeat a handful of values, so :func:`map_distinct` applies its
function once per distinct value and spreads the answers by the values' integer codes
(:func:`pandas.factorize`, done by Arrow on Arrow-backed text) instead of looking every
cell up in a dictionary. :func:`pandas_map_distinct` is the cell-by-cell reference;
``tests/geo/test_import_paths.py`` imports every shipped file and a mutation corpus with
both and compares the tables.

The importer reads a file's columns under their canonical names through
:class:`CanonicalText`, which makes a geodata file's text of a column only when it is read
(:meth:`geo.readers.RawTable.text`): a column taken as typed (:mod:`geo.typed_columns`)
is never turned into text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from geo.readers import RawTable
from geo.text_strip import strip


class CanonicalText:
    """A file's text columns under canonical names, each made when first read.

    The same columns as ``pandas.DataFrame({canonical: raw.frame[header], ...})``, the
    frame the importer reads, but a geodata file's column is turned into text only when
    it is read. A file whose headers are not unique is made a frame at once, as before
    (whatever error that raises is raised here).

    Parameters
    ----------
    raw : RawTable
        The file.
    headers : mapping
        Canonical column -> the file's header.

    Attributes
    ----------
    index : pandas.Index
        The rows.

    Examples
    --------
    >>> raw = RawTable(pd.DataFrame({"ID": ["7"]}), None, None, "h.csv", 2, "row")
    >>> text = CanonicalText(raw, {"household_id": "ID"})
    >>> "household_id" in text, "kind" in text, text["household_id"].tolist()
    (True, False, ['7'])
    """

    def __init__(self, raw: RawTable, headers: Mapping[str, str]) -> None:
        self.index = pd.RangeIndex(raw.records) if raw.stored_frame is None else raw.frame.index
        self._raw = raw
        self._headers = dict(headers)
        self._frame: pd.DataFrame | None = None
        if not raw.columns.is_unique:
            self._frame = pd.DataFrame(
                {canonical: raw.frame[header] for canonical, header in headers.items()},
                index=raw.frame.index,
            )

    def __contains__(self, canonical: object) -> bool:
        return canonical in self._headers

    def __getitem__(self, canonical: str) -> pd.Series:
        if self._frame is not None:
            return self._frame[canonical]
        values = self._raw.text(self._headers[canonical])
        return pd.Series(values.array, index=self.index, name=canonical, copy=False)


def stripped(frame: pd.DataFrame | CanonicalText, column: str) -> pd.Series:
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
    return strip(frame[column].astype(str)).astype(object)


def stripped_text(frame: pd.DataFrame | CanonicalText, column: str) -> pd.Series:
    """Return ``frame[column]`` as stripped text in pandas' text dtype, ``""`` if absent.

    The same cells as :func:`stripped`, left in the raw table's dtype for
    :func:`map_distinct` to code.
    """
    if column not in frame:
        return pd.Series("", index=frame.index, dtype=str)
    return strip(frame[column].astype(str))


def map_distinct(
    values: pd.Series, func: Callable[[str], str | None], *, dtype: str | type = object
) -> pd.Series:
    """Return ``func`` of each cell as a text column, ``func`` called once per value.

    The same column as :func:`pandas_map_distinct` (missing where ``func`` gives
    ``None``, as :meth:`pandas.Series.map` leaves it), on the index of ``values``, in
    ``dtype``: ``object`` (Python strings) or ``"str"`` (Arrow-backed text, spread by
    Arrow's take without a Python string per cell).

    Examples
    --------
    >>> cells = pd.Series(["Contact", "x", "Contact"], dtype=str)
    >>> map_distinct(cells, lambda v: v.lower() if v != "x" else None).tolist()
    ['contact', nan, 'contact']
    >>> map_distinct(cells, str.lower, dtype="str").dtype
    <StringDtype(na_value=nan)>
    """
    codes, uniques = pd.factorize(values)
    if np.any(codes < 0):  # a missing cell: raw text has none, but the reference knows them
        return pandas_map_distinct(values, func, dtype=dtype)
    answers = pandas_map_distinct(pd.Series(uniques, dtype=object), func).to_numpy(dtype=object)
    if dtype is object:
        return pd.Series(answers[codes], index=values.index, dtype=object)
    spread = pd.array(answers, dtype=dtype).take(codes)
    return pd.Series(spread, index=values.index, copy=False)


def pandas_map_distinct(
    values: pd.Series, func: Callable[[str], str | None], *, dtype: str | type = object
) -> pd.Series:
    """Return ``func`` of each cell, looked up cell by cell in a dictionary (the reference).

    In ``dtype``, as :func:`map_distinct`.
    """
    cells = values.astype(object)
    return cells.map({value: func(value) for value in pd.unique(cells)}).astype(dtype)


__all__ = [
    "CanonicalText",
    "map_distinct",
    "pandas_map_distinct",
    "stripped",
    "stripped_text",
]

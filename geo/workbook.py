"""Formatted Excel workbooks for people: one sheet per table, ready to read and print.

Beside :mod:`geo.writers` (whose :func:`~geo.writers.excel_bytes` writes a raw table):
here each column has a number format (shares as percentages, ``0.2592592`` shown
``25.9%``; changes signed; counts with thousands separators), a width fitted to its header
and values (a Chinese character counts two), the header row and first column frozen, and
an autofilter. The rules of :mod:`geo.writers` hold: text cells stay text
(:data:`~geo.writers.EXCEL_OPTIONS`) and text that a spreadsheet would run as a formula
gets a ``'`` (:func:`~geo.writers.neutralised`); missing numbers are empty cells.

Examples
--------
>>> import io, openpyxl
>>> data = workbook_bytes([Sheet("覆盖率", pd.DataFrame({"警务区": ["B1"], "覆盖率": [0.259]}),
...                              {"覆盖率": "percent"})])
>>> sheet = openpyxl.load_workbook(io.BytesIO(data))["覆盖率"]
>>> sheet["B2"].value, sheet["B2"].number_format, sheet.freeze_panes
(0.259, '0.0%', 'B2')
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from geo.errors import OutputError
from geo.writers import EXCEL_OPTIONS, neutralised

NUMBER_FORMATS: Final = {
    "percent": "0.0%",
    "change": "+0.0%;-0.0%;0.0%",
    "integer": "#,##0",
    "decimal": "0.00",
    "hours": "#,##0.0",
    "date": "yyyy-mm-dd",
    "text": "@",
}
"""Kinds of column and their Excel number formats (``change``: a signed share)."""

MIN_WIDTH: Final = 6
MAX_WIDTH: Final = 48

_FORBIDDEN: Final = set("[]:*?/\\")


@dataclass(frozen=True)
class Sheet:
    r"""One sheet: its name, its table (columns as headed), and the kind of each column.

    Attributes
    ----------
    name : str
        Sheet name (at most 31 characters, none of ``[]:*?/\\``).
    frame : pandas.DataFrame
        The table, columns already labelled for people.
    kinds : mapping
        Column -> a key of :data:`NUMBER_FORMATS`; other columns have no number format.
    """

    name: str
    frame: pd.DataFrame
    kinds: Mapping[str, str] = field(default_factory=dict)


def display_width(value: Any) -> int:
    """Return the width of ``value`` as text in Excel's character units (wide characters 2).

    Examples
    --------
    >>> display_width("覆盖率"), display_width("Coverage")
    (6, 8)
    """
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _width(header: str, values: pd.Series, kind: str | None) -> float:
    if kind in ("percent", "change"):
        shown = [len("-100.0%")]
    elif kind in ("integer", "hours", "decimal"):
        numbers = pd.to_numeric(values, errors="coerce").dropna().abs()
        top = float(numbers.max()) if len(numbers) else 0.0
        shown = [len(f"{top:,.2f}")]
    else:
        shown = [display_width(v) for v in values.head(500)]
    widest = max([display_width(header), *shown])
    return float(min(max(widest + 2, MIN_WIDTH), MAX_WIDTH))


def _check(sheets: Sequence[Sheet]) -> None:
    names: set[str] = set()
    for sheet in sheets:
        bad = sorted(set(sheet.name) & _FORBIDDEN)
        if not sheet.name or len(sheet.name) > 31 or bad:
            msg = f"sheet name {sheet.name!r}: 1 to 31 characters, none of []:*?/\\"
            raise OutputError(msg)
        if sheet.name.lower() in names:
            msg = f"sheet name {sheet.name!r} is used twice"
            raise OutputError(msg)
        names.add(sheet.name.lower())
        unknown = sorted(set(sheet.kinds.values()) - set(NUMBER_FORMATS))
        if unknown:
            kinds = sorted(NUMBER_FORMATS)
            msg = f"sheet {sheet.name!r}: unknown column kinds {unknown}; use {kinds}"
            raise OutputError(msg)


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """Return an ``.xlsx`` workbook of ``sheets``, formatted (see the module docstring).

    Raises
    ------
    OutputError
        A sheet name is empty, too long, has a character Excel refuses, or repeats; or a
        column kind is unknown.
    """
    _check(sheets)
    buffer = io.BytesIO()
    with pd.ExcelWriter(
        buffer, engine="xlsxwriter", engine_kwargs={"options": dict(EXCEL_OPTIONS)}
    ) as writer:
        book = writer.book
        formats = {k: book.add_format({"num_format": f}) for k, f in NUMBER_FORMATS.items()}
        header = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8E8E8", "border": 1}
        )
        for sheet in sheets:
            frame = neutralised(sheet.frame.reset_index(drop=True))
            frame.to_excel(writer, index=False, sheet_name=sheet.name)
            page = writer.sheets[sheet.name]
            for i, column in enumerate(frame.columns):
                kind = sheet.kinds.get(str(column))
                width = _width(str(column), frame[column], kind)
                page.set_column(i, i, width, formats[kind] if kind else None)
                page.write(0, i, str(column), header)
            page.freeze_panes(1, 1)
            if len(frame.columns):
                page.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
            page.set_landscape()
            page.set_paper(9)  # A4
            page.fit_to_pages(1, 0)
            page.repeat_rows(0)
    return buffer.getvalue()


__all__ = ["NUMBER_FORMATS", "Sheet", "display_width", "workbook_bytes"]

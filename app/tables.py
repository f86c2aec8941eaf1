"""Tables for people: translated headers and codes, and their CSV and Excel downloads.

Every table a page shows goes through :func:`labelled` (codes such as ``low_coverage`` or
``far_from_door`` become words of the chosen language, headers too; yes/no columns become
✓ and – in English, 是 and 否 in Chinese; a missing value in a text or yes/no column becomes
an empty cell, never ``None``, ``nan`` or ``<NA>``) and can be downloaded
with :func:`to_csv` and :func:`to_excel`, which hand the labelled table to
:mod:`geo.writers` (the gap blocks' GeoJSON is :func:`geo.writers.geojson_bytes`, raw). These
helpers return bytes and never touch Streamlit.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"block_id": ["B1"], "reasons": ["low_coverage;open_follow_up"]})
>>> labelled(frame, lang="en").to_dict("records")
[{'Block': 'B1', 'Reasons': 'low coverage, open follow-up'}]
>>> yes_no = pd.DataFrame({"contacted": [True, False, None], "address": ["1号", None, "3号"]})
>>> labelled(yes_no, lang="zh").to_dict("list")
{'已见面': ['是', '否', ''], '地址': ['1号', '', '3号']}
>>> to_csv(frame, lang="zh").decode("utf-8-sig").splitlines()[0]
'街区,原因'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

from app.i18n import code_label, codes_label, column_label, current_language, translate
from geo.writers import csv_bytes, excel_bytes, plain_frame

CODE_COLUMNS: Final[dict[str, str]] = {
    "reasons": "reason",
    "needs_visit_reasons": "todo",
    "todo": "todo",
    "flags": "flag",
    "flag": "flag",
    "recommended_band": "band",
    "band": "band",
    "outcome": "outcome",
    "kind": "kind",
    "severity": "severity",
    "vulnerable_category": "vulnerable",
    "code": "finding",
    "status": "status",
    "review": "decision",
}
"""Columns holding codes, and the catalogue prefix that translates them."""

MULTI_CODE_COLUMNS: Final = frozenset({"reasons", "flags", "needs_visit_reasons"})
"""Code columns holding several ``;``-separated codes."""


def labelled(
    frame: pd.DataFrame,
    *,
    lang: str | None = None,
    headers: bool = True,
    codes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return ``frame`` for people: codes translated, headers translated, no geometry.

    Parameters
    ----------
    frame : DataFrame
        Any table of the analysis (columns keep their order).
    lang : str, optional
        ``en`` or ``zh``; default the session's language.
    headers : bool, default True
        Translate the column headers (``col.<column>`` in the catalogue).
    codes : mapping of str to str, optional
        Code columns and their catalogue prefix; default :data:`CODE_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        A new frame; the input is not changed.
    """
    chosen = lang or current_language()
    rules = CODE_COLUMNS if codes is None else codes
    out = plain_frame(frame)
    for position in range(out.shape[1]):
        values = out.iloc[:, position]
        if is_yes_no(values):
            shown = [yes_no_label(v, chosen) for v in values.tolist()]
        elif values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            shown = ["" if _missing(v) else v for v in values.tolist()]
        else:
            continue
        out.isetitem(position, pd.Series(shown, index=out.index, dtype=object))
    for column, prefix in rules.items():
        if column not in out.columns:
            continue
        if column in MULTI_CODE_COLUMNS:
            out[column] = [codes_label(prefix, v, chosen) for v in out[column].tolist()]
        else:
            out[column] = [
                "" if _missing(v) else code_label(prefix, v, chosen) for v in out[column].tolist()
            ]
    if headers:
        out.columns = [column_label(str(c), chosen) for c in out.columns]
    return out


def to_csv(frame: pd.DataFrame, *, lang: str | None = None, headers: bool = True) -> bytes:
    """Return ``frame`` as CSV bytes (UTF-8 with BOM, so Excel shows Chinese correctly).

    Codes and headers are translated as in :func:`labelled` unless ``headers`` is false,
    which keeps the raw column names and codes (for re-import or scripts).
    """
    return csv_bytes(labelled(frame, lang=lang) if headers else plain_frame(frame))


def to_excel(
    frame: pd.DataFrame,
    *,
    lang: str | None = None,
    headers: bool = True,
    sheet: str = "beatcov",
) -> bytes:
    """Return ``frame`` as an ``.xlsx`` workbook (one sheet), translated as in :func:`to_csv`."""
    table = labelled(frame, lang=lang) if headers else plain_frame(frame)
    return excel_bytes(table, sheet=sheet)


def is_yes_no(values: pd.Series) -> bool:
    """Tell whether a column holds yes/no values only (booleans, some maybe missing).

    Examples
    --------
    >>> is_yes_no(pd.Series([True, None])), is_yes_no(pd.Series([1, 0])), is_yes_no(pd.Series([]))
    (True, False, False)
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return True
    if values.dtype != object:
        return False
    present = [v for v in values.tolist() if not _missing(v)]
    return bool(present) and all(isinstance(v, bool | np.bool_) for v in present)


def yes_no_label(value: Any, lang: str | None = None) -> str:
    """Return a yes/no value as shown: ✓ / – (English), 是 / 否 (Chinese), missing empty.

    Examples
    --------
    >>> yes_no_label(True, "en"), yes_no_label(False, "en"), yes_no_label(None, "zh")
    ('✓', '–', '')
    """
    if _missing(value):
        return ""
    return translate("common.true" if value else "common.false", lang or current_language())


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))

"""Tables for people: translated headers and codes, and downloads as CSV, Excel and GeoJSON.

Every table a page shows goes through :func:`labelled` (codes such as ``low_coverage`` or
``far_from_door`` become words of the chosen language, headers too) and can be downloaded
with :func:`to_csv` and :func:`to_excel`; the gap blocks also as GeoJSON with
:func:`to_geojson`. These helpers return bytes and never touch Streamlit.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"block_id": ["B1"], "reasons": ["low_coverage;open_follow_up"]})
>>> labelled(frame, lang="en").to_dict("records")
[{'Block': 'B1', 'Reasons': 'low coverage, open follow-up'}]
>>> to_csv(frame, lang="zh").decode("utf-8-sig").splitlines()[0]
'街区,原因'
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from app.i18n import code_label, codes_label, column_label, current_language

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


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` without geometry, with tz-aware times as local wall-clock times.

    Excel has no time zones, so times are written in the zone they carry (the dataset's
    local time), without the offset.
    """
    out = pd.DataFrame(frame).copy()
    geometry = [c for c in out.columns if isinstance(out[c].dtype, gpd.array.GeometryDtype)]
    out = out.drop(columns=geometry)
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_localize(None)
    return out


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
    out = plain(frame)
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
    table = labelled(frame, lang=lang) if headers else plain(frame)
    return table.to_csv(index=False).encode("utf-8-sig")


def to_excel(
    frame: pd.DataFrame,
    *,
    lang: str | None = None,
    headers: bool = True,
    sheet: str = "beatcov",
) -> bytes:
    """Return ``frame`` as an ``.xlsx`` workbook (one sheet), translated as in :func:`to_csv`."""
    table = labelled(frame, lang=lang) if headers else plain(frame)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        table.to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()


def to_geojson(gdf: gpd.GeoDataFrame, *, columns: Sequence[str] | None = None) -> bytes:
    """Return ``gdf`` as GeoJSON bytes in WGS84 with raw column names and codes.

    Times become ISO 8601 text with their offset; rows without geometry are kept with a
    ``null`` geometry (e.g. the ``outside:`` pseudo-blocks) so no row is lost.
    """
    frame = gdf if columns is None else gdf[[*columns, gdf.geometry.name]]
    frame = frame.to_crs("EPSG:4326") if frame.crs is not None else frame
    features = []
    for row, geometry in zip(
        frame.drop(columns=frame.geometry.name).to_dict("records"),
        frame.geometry,
        strict=True,
    ):
        shape = None
        if geometry is not None and not geometry.is_empty:
            shape = json.loads(gpd.GeoSeries([geometry]).to_json())["features"][0]["geometry"]
        properties = {k: _json_value(v) for k, v in row.items()}
        features.append({"type": "Feature", "properties": properties, "geometry": shape})
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _json_value(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)

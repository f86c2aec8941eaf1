"""Every table beatcov writes: the command line's outputs, the app's downloads, exports.

One module, so a format has one obvious place. Nothing here translates or draws: the app
labels its tables (:mod:`app.tables`) and hands them here.

Rules
-----
* **Files for scripts** (:func:`write_csv`, :func:`write_geojson`, :func:`write_json`; the
  command line's ``--out`` files): UTF-8 without BOM, raw column names and codes, numbers
  as pandas writes them (shortest round-trip text, missing empty; columns named in
  ``decimals`` rounded to fixed decimals), tz-aware times as ISO 8601 text with their UTC
  offset and missing times as empty text (:func:`iso_times`). CSV is written by Arrow's
  CSV writer with pandas' text (:mod:`geo.arrow_csv`: no quotes unless a cell needs them,
  then every text cell quoted; very large or small numbers may take the other exponent
  form, the same number). GeoJSON files are written by GDAL (pyogrio) in WGS84.
* **Parquet for scripts** (:func:`write_parquet`, :func:`write_geoparquet`; ``--format
  parquet``): the same values with their types: numbers as numbers (``decimals`` rounded
  as in CSV), tz-aware times as Parquet timestamps that keep their zone, missing values
  null, geometry as GeoParquet (WKB, with its CRS). Parquet is no spreadsheet format, so
  text is written as it is (no ``'``, below).
* **GPX** (:func:`gpx_bytes`, :func:`write_gpx`; a walk route for a phone or GPS unit):
  GPX 1.1, WGS84, waypoints in the given order, then one track; text escaped as XML.
* **Downloads for people** (:func:`csv_bytes`, :func:`excel_bytes`): CSV in UTF-8 *with*
  a BOM, so Excel shows Chinese correctly; tz-aware times as local wall-clock times
  without offset (:func:`plain_frame`), as Excel has no time zones; no geometry. Excel
  cells hold text as text: a cell beginning with ``=`` or looking like a link stays
  plain text, never a formula or a hyperlink.
* **GeoJSON downloads** (:func:`geojson_bytes`): WGS84, raw column names and codes, times
  as ISO 8601 text with offset, every missing value (time, number, text) ``null``, rows
  without geometry kept with a ``null`` geometry so no row is lost.
* **Canonical tables** (:func:`write_table`, for exports and round trips through every
  format the importers read): points become ``lon``/``lat`` columns in CSV and Excel,
  polygons a WKT ``geometry`` column; times are ISO 8601 text with offset in every
  format, so a round trip through any format gives the same canonical table (except
  text neutralised in CSV and Excel, below, which reads back with its ``'``).
* **No formulas from data** (:func:`neutralised`, applied by :func:`write_csv`,
  :func:`csv_bytes` and :func:`excel_bytes`, hence by :func:`write_table`'s CSV and Excel):
  a text cell or column name beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a ``'`` in front, so a spreadsheet shows it as text instead of running it
  (OWASP, "CSV Injection"; an address ``=cmd|' /C calc'!A0`` is written
  ``'=cmd|' /C calc'!A0``). Excel workbooks are also written with
  ``strings_to_formulas=False`` (:data:`EXCEL_OPTIONS`). Numbers are numbers, not text:
  numeric columns are never touched, and neither is text that is a plain decimal number
  (``-5``, ``+8613800000000``, ``-0.5``): a spreadsheet reads it as that number, which
  runs nothing, and an id written that way stays the same id. GeoJSON and JSON are not
  spreadsheet formats and are written as they are.
"""

from __future__ import annotations

import functools
import io
import json
import re
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely

from geo.arrow_csv import iso_csv_text, needs_quotes, rounded, text_array, write_batches
from geo.arrow_text import FORMULA_STARTS, PLAIN_NUMBER, arrow_text, iso_text, neutralised_text
from geo.errors import InputFileError
from geo.readers import SUPPORTED
from geo.schema import Table, present

FrameT = TypeVar("FrameT", bound=pd.DataFrame)

CSV_BATCH_ROWS: Final = 1 << 16
"""Rows :func:`write_csv` makes into number, boolean and time text at once: 65,536, a batch
of text small enough for Arrow's allocator to reuse the last one's memory. At ten million
visits a batch of 1,048,576 rows made every batch's text in fresh pages the kernel had to
hand over and clear (5.8-6.3 against 2.6-3.7 system CPU-s writing, the same user time)."""

EXCEL_OPTIONS: Final = {"strings_to_formulas": False, "strings_to_urls": False}
"""XlsxWriter options: text cells stay text (no formula injection, no link cells)."""

_PLAIN_NUMBER: Final = re.compile(PLAIN_NUMBER)


# --------------------------------------------------------------------------- formulas


def neutralise(value: Any) -> Any:
    r"""Return text a spreadsheet would run as a formula with ``'`` in front; else ``value``.

    Examples
    --------
    >>> neutralise("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> neutralise("@SUM(A1)"), neutralise("\tx"), neutralise("-"), neutralise("北京路 1 号")
    ("'@SUM(A1)", "'\tx", "'-", '北京路 1 号')
    >>> neutralise("-5"), neutralise("+8613800000000"), neutralise(-5.0), neutralise(None)
    ('-5', '+8613800000000', -5.0, None)
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and _PLAIN_NUMBER.fullmatch(value) is None
    ):
        return "'" + value
    return value


def neutralised(frame: FrameT) -> FrameT:
    """Return ``frame`` with every text cell and column name passed through :func:`neutralise`.

    Only text columns (``object``, string and categorical dtypes) are looked at; numbers,
    booleans and times are left as they are. ``frame`` itself is returned when nothing
    needs a ``'`` (so the usual case costs no copy), a changed copy otherwise.

    Examples
    --------
    >>> t = pd.DataFrame({"address": ["=1+1", "Main st 2"], "n": [-5, 3], "id": ["-5", "@x"]})
    >>> neutralised(t).to_dict("list")
    {'address': ["'=1+1", 'Main st 2'], 'n': [-5, 3], 'id': ['-5', "'@x"]}
    """
    out = frame
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if not _is_text(values.dtype):
            continue
        rows = np.flatnonzero(_starts_like_formula(values))
        if rows.size == 0:
            continue
        cells = values.to_numpy(dtype=object)
        quoted = [(row, neutralise(cells[row])) for row in rows]
        quoted = [(row, text) for row, text in quoted if text is not cells[row]]
        if quoted:
            fixed = cells.copy()
            for row, text in quoted:
                fixed[row] = text
            if out is frame:
                out = frame.copy()
            out.isetitem(position, pd.Series(fixed, index=frame.index, dtype=object))
    names = [neutralise(c) for c in frame.columns]
    if names != list(frame.columns):
        if out is frame:
            out = frame.copy()
        out.columns = pd.Index(names)
    return out


def _starts_like_formula(values: pd.Series) -> np.ndarray:
    """Return where a text cell begins with one of :data:`FORMULA_STARTS` (vectorised).

    A column of text (string, or ``object`` holding only text) is searched by Arrow; other
    columns by pandas' ``str.startswith`` (no match where a cell is not text).
    """
    if not isinstance(values.dtype, pd.CategoricalDtype):
        try:
            text = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # objects that are not all text
            text = None
        if text is not None and (
            pa.types.is_string(text.type) or pa.types.is_large_string(text.type)
        ):
            hits = [pc.starts_with(text, pattern=start) for start in FORMULA_STARTS]
            found = functools.reduce(pc.or_, hits).fill_null(False)
            return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
    try:
        found = values.str.startswith(FORMULA_STARTS, na=False)
    except (AttributeError, TypeError):  # no text at all in the column
        return np.zeros(len(values), dtype=bool)
    return np.asarray(found.fillna(False), dtype=bool)


def _is_text(dtype: Any) -> bool:
    return (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


# --------------------------------------------------------------------------- times


def iso_times(frame: FrameT) -> FrameT:
    """Return a copy of ``frame`` with every tz-aware column as ISO 8601 text.

    Missing times become empty text; other columns are left as they are.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2026-07-01 18:05", None])).dt.tz_localize("Asia/Shanghai")
    >>> iso_times(pd.DataFrame({"time": t, "n": [1, 2]})).to_dict("list")
    {'time': ['2026-07-01T18:05:00+08:00', ''], 'n': [1, 2]}
    """
    out = frame.copy(deep=False)  # copy on write: replacing a column leaves ``frame`` be
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = iso_column(out[column])
    return out


def iso_column(times: pd.Series) -> pd.Series:
    """Return tz-aware ``times`` as ``Timestamp.isoformat()`` text, vectorised ('' if missing).

    The text of :func:`geo.arrow_text.iso_text` (Arrow writes the wall-clock part, a table
    of the column's distinct offsets the rest), as Python strings.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2026-07-01 18:05:03.5", None, "2026-01-05 09:00:00.0"]))
    >>> iso_column(t.dt.tz_localize("Europe/Helsinki")).tolist()
    ['2026-07-01T18:05:03.500000+03:00', '', '2026-01-05T09:00:00+02:00']
    """
    text = iso_text(times).to_numpy(zero_copy_only=False)
    return pd.Series(text, index=times.index, name=times.name, dtype=object)


def plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` without geometry, with tz-aware times as local wall-clock times.

    Excel has no time zones, so times are written in the zone they carry (the dataset's
    local time), without the offset.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2026-07-01 18:05"])).dt.tz_localize("Asia/Shanghai")
    >>> plain_frame(pd.DataFrame({"time": t}))["time"].tolist()
    [Timestamp('2026-07-01 18:05:00')]
    """
    out = pd.DataFrame(frame).copy()
    geometry = [c for c in out.columns if isinstance(out[c].dtype, gpd.array.GeometryDtype)]
    out = out.drop(columns=geometry)
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_localize(None)
    return out


# --------------------------------------------------------------------------- files for scripts


def write_csv(
    frame: pd.DataFrame, path: str | Path, *, decimals: Mapping[str, int] | None = None
) -> Path:
    """Write ``frame`` as UTF-8 CSV for scripts: no index, times as ISO 8601 with offset.

    Text that a spreadsheet would run as a formula gets a ``'`` (:func:`neutralised`).
    Written by Arrow with the text pandas writes (:mod:`geo.arrow_csv`), each column made
    into Arrow once (:func:`_csv_text`); the columns named in ``decimals`` are rounded to
    that many decimals and written with exactly that many (``8.7``, ``18.0``).
    """
    names = [neutralise(name) for name in frame.columns]
    fixed = dict(decimals or {})
    places = [fixed.get(str(name)) for name in names]
    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    whole = {  # every column whose cells could need quotes, made into Arrow at once
        i: _csv_text(values, decimals=places[i])
        for i, values in enumerate(columns)
        if not _plain_cells(values, decimals=places[i])
    }

    def batches() -> Iterator[list[pa.Array]]:
        for start in range(0, len(frame), CSV_BATCH_ROWS):
            stop = min(start + CSV_BATCH_ROWS, len(frame))
            yield [
                whole[i].slice(start, stop - start)
                if i in whole
                else _csv_text(values.iloc[start:stop], decimals=places[i])
                for i, values in enumerate(columns)
            ]

    quoted = any(needs_quotes(text) for text in whole.values())
    return write_batches(batches(), [str(name) for name in names], path, quoted=quoted)


def _plain_cells(values: pd.Series, *, decimals: int | None) -> bool:
    """Tell whether a column's text never needs quotes: numbers, booleans or ISO times.

    Such columns are made into text a batch of rows at a time (:data:`CSV_BATCH_ROWS`), cell
    by cell alike, so the file is the same and memory holds one batch of their text.
    """
    kind = values.dtype
    if isinstance(kind, pd.CategoricalDtype):  # categories of any type, text or not
        return False
    return (
        decimals is not None
        or isinstance(kind, pd.DatetimeTZDtype)
        or pd.api.types.is_bool_dtype(kind)
        or pd.api.types.is_integer_dtype(kind)
        or pd.api.types.is_float_dtype(kind)
    )


def _csv_text(values: pd.Series, *, decimals: int | None) -> pa.Array:
    """One column as the Arrow array :func:`write_csv` writes: ISO times, no formulas.

    Each column is made into Arrow once, without copying the frame: times by
    :func:`~geo.arrow_csv.iso_csv_text` (ISO text begins with a year's digits, never like a
    formula), text by :func:`~geo.arrow_text.neutralised_text`; a text column holding other
    objects too, or named in ``decimals``, goes through :func:`neutralised` (cell by cell)
    first.
    """
    if decimals is None and isinstance(values.dtype, pd.DatetimeTZDtype):
        return iso_csv_text(values)
    if decimals is None and _is_text_categorical(values):
        return _coded_csv_text(values)
    if _is_text(values.dtype):
        text = arrow_text(values) if decimals is None else None
        if text is not None:
            return neutralised_text(text)
        values = neutralised(values.to_frame()).iloc[:, 0]
    return text_array(values, decimals=decimals)


def _coded_csv_text(values: pd.Series) -> pa.DictionaryArray:
    """Return a categorical of text as an Arrow dictionary: its codes, its categories as CSV text.

    The categories go through :func:`_csv_text` (no formulas) once each; Arrow's CSV writer
    writes each row's category as it writes text (a missing value empty), so the file is the
    one the text itself gives, without the text of every row in memory.

    Examples
    --------
    >>> coded = _coded_csv_text(pd.Series(pd.Categorical(["=1", None, "a"])))
    >>> coded.indices.to_pylist(), coded.dictionary.to_pylist()
    ([0, None, 1], ["'=1", 'a'])
    """
    words = _csv_text(pd.Series(values.cat.categories), decimals=None)
    codes = values.cat.codes.to_numpy()
    return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), words)


def write_parquet(
    frame: pd.DataFrame, path: str | Path, *, decimals: Mapping[str, int] | None = None
) -> Path:
    """Write ``frame`` (no index, no geometry) as a Parquet file for scripts.

    Values keep their types: tz-aware times stay timestamps with their zone; the columns
    named in ``decimals`` are rounded as :func:`write_csv` rounds them.
    """
    path = Path(path)
    table = pa.Table.from_pandas(_text_of_codes(_rounded(frame, decimals)), preserve_index=False)
    pq.write_table(table, path)
    return path


def write_geoparquet(
    gdf: gpd.GeoDataFrame, path: str | Path, *, decimals: Mapping[str, int] | None = None
) -> Path:
    """Write ``gdf`` (no index) as a GeoParquet file: geometry as WKB with its CRS.

    Values keep their types as in :func:`write_parquet`; rows without geometry are kept.
    """
    path = Path(path)
    _text_of_codes(_rounded(gdf, decimals)).to_parquet(path, index=False)
    return path


def _text_of_codes(frame: FrameT) -> FrameT:
    """``frame`` with each categorical of text as pandas ``str`` (a copy when any is).

    A file for scripts holds text where the analysis holds a short list of texts by code
    (:data:`analysis.verify.VERDICT_DTYPES`): the column reads back as the text it says.

    Examples
    --------
    >>> frame = pd.DataFrame({"status": pd.Categorical(["a", "b", "a"]), "n": [1, 2, 3]})
    >>> _text_of_codes(frame).dtypes.astype(str).tolist()
    ['str', 'int64']
    """
    coded = [i for i in range(frame.shape[1]) if _is_text_categorical(frame.iloc[:, i])]
    if not coded:
        return frame
    out = frame.copy(deep=False)  # copy on write: replacing a column leaves ``frame`` be
    for position in coded:  # by position: a name may repeat (Parquet then refuses the frame)
        out.isetitem(position, out.iloc[:, position].astype("str"))
    return out


def _is_text_categorical(values: pd.Series) -> bool:
    kind = values.dtype
    return isinstance(kind, pd.CategoricalDtype) and pd.api.types.is_string_dtype(
        kind.categories.dtype
    )


def _rounded(frame: FrameT, decimals: Mapping[str, int] | None) -> FrameT:
    """``frame`` with the columns named in ``decimals`` rounded (a copy when any is)."""
    if not decimals:
        return frame
    out = frame.copy(deep=False)  # copy on write: replacing a column leaves ``frame`` be
    for column, places in decimals.items():
        out[column] = rounded(out[column], places)
    return out


def write_geojson(
    gdf: gpd.GeoDataFrame,
    path: str | Path,
    *,
    layer: str | None = None,
    decimals: Mapping[str, int] | None = None,
) -> Path:
    """Write ``gdf`` as a GeoJSON file (GDAL), times as ISO 8601 with offset.

    An existing file is replaced. ``layer`` names the collection (default: the file's stem).
    The columns named in ``decimals`` are rounded as :func:`write_csv` rounds them.
    """
    path = Path(path)
    path.unlink(missing_ok=True)
    options: dict[str, Any] = {} if layer is None else {"layer": layer}
    iso_times(_rounded(gdf, decimals)).to_file(path, driver="GeoJSON", engine="pyogrio", **options)
    return path


def write_json(data: Any, path: str | Path) -> Path:
    """Write ``data`` as indented UTF-8 JSON (non-ASCII text kept as is), ending in a newline."""
    path = Path(path)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def gpx_bytes(
    waypoints: gpd.GeoDataFrame,
    *,
    track: shapely.LineString | None = None,
    name: str = "",
    label: str = "name",
    description: str | None = None,
) -> bytes:
    """Return GPX 1.1 bytes: one waypoint per row of ``waypoints`` (in order), one track.

    Parameters
    ----------
    waypoints : geopandas.GeoDataFrame
        Points with a CRS (written in WGS84); column ``label`` names each waypoint and
        ``description`` (optional) describes it.
    track : shapely.LineString, optional
        The track, in WGS84.
    name : str
        The track's name.

    Examples
    --------
    >>> from shapely.geometry import LineString, Point
    >>> pts = gpd.GeoDataFrame({"name": ["1 一枝园"]}, geometry=[Point(118.79, 32.04)],
    ...     crs="EPSG:4326")
    >>> text = gpx_bytes(pts, track=LineString([(118.78, 32.04), (118.79, 32.04)])).decode()
    >>> '<wpt lat="32.04" lon="118.79">' in text, "<name>1 一枝园</name>" in text
    (True, True)
    >>> text.count("<trkpt")
    2
    """
    ET.register_namespace("", _GPX_NS)
    root = ET.Element(f"{{{_GPX_NS}}}gpx", {"version": "1.1", "creator": "beatcov"})
    points = waypoints.to_crs("EPSG:4326") if len(waypoints) else waypoints
    texts = points[label].astype(str).tolist()
    notes = points[description].astype(str).tolist() if description else [""] * len(points)
    for point, text, note in zip(points.geometry, texts, notes, strict=True):
        wpt = ET.SubElement(root, f"{{{_GPX_NS}}}wpt", {"lat": _deg(point.y), "lon": _deg(point.x)})
        ET.SubElement(wpt, f"{{{_GPX_NS}}}name").text = text
        if note:
            ET.SubElement(wpt, f"{{{_GPX_NS}}}desc").text = note
    if track is not None:
        trk = ET.SubElement(root, f"{{{_GPX_NS}}}trk")
        ET.SubElement(trk, f"{{{_GPX_NS}}}name").text = name
        seg = ET.SubElement(trk, f"{{{_GPX_NS}}}trkseg")
        for x, y in track.coords:
            ET.SubElement(seg, f"{{{_GPX_NS}}}trkpt", {"lat": _deg(y), "lon": _deg(x)})
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_gpx(waypoints: gpd.GeoDataFrame, path: str | Path, **options: Any) -> Path:
    """Write :func:`gpx_bytes` of ``waypoints`` (same options) to ``path``."""
    path = Path(path)
    path.write_bytes(gpx_bytes(waypoints, **options))
    return path


_GPX_NS: Final = "http://www.topografix.com/GPX/1/1"


def _deg(value: float) -> str:
    """Degrees as text: 7 decimals (about a centimetre), no trailing zeros."""
    return f"{value:.7f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- downloads


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return ``frame`` as CSV bytes for people: UTF-8 with BOM, no index.

    Text that a spreadsheet would run as a formula gets a ``'`` (:func:`neutralised`).

    Examples
    --------
    >>> import codecs
    >>> data = csv_bytes(pd.DataFrame({"街区": ["B1"]}))
    >>> data.startswith(codecs.BOM_UTF8), data[3:].decode("utf-8").splitlines()
    (True, ['街区', 'B1'])
    """
    return neutralised(frame).to_csv(index=False).encode("utf-8-sig")


def write_people_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write :func:`csv_bytes` of ``frame`` (for people: BOM, no formulas) to ``path``."""
    path = Path(path)
    path.write_bytes(csv_bytes(frame))
    return path


def excel_bytes(frame: pd.DataFrame, *, sheet: str = "Sheet1") -> bytes:
    """Return ``frame`` as an ``.xlsx`` workbook of one sheet (name cut to 31 characters).

    Text cells stay text (:data:`EXCEL_OPTIONS`), and text that a spreadsheet would run
    as a formula gets a ``'`` too (:func:`neutralised`), so it stays text when the sheet is
    saved as CSV or its cells are copied elsewhere. Tz-aware times must be made local
    first (:func:`plain_frame`), as Excel has no time zones.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(
        buffer, engine="xlsxwriter", engine_kwargs={"options": dict(EXCEL_OPTIONS)}
    ) as writer:
        neutralised(frame).to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()


def geojson_bytes(gdf: gpd.GeoDataFrame, *, columns: Sequence[str] | None = None) -> bytes:
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


# --------------------------------------------------------------------------- canonical tables


def flat_frame(table: gpd.GeoDataFrame, *, kind: Table) -> pd.DataFrame:
    """Return ``table`` as a plain frame: points as lon/lat, polygons as WKT, times as text.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> t = gpd.GeoDataFrame({"household_id": ["007"]}, geometry=[Point(24.9, 60.1)])
    >>> flat_frame(t, kind="households").to_dict("records")
    [{'household_id': '007', 'lon': 24.9, 'lat': 60.1}]
    """
    frame = iso_times(pd.DataFrame(table.drop(columns=table.geometry.name)))
    geometry = table.geometry
    if kind == "beats":
        frame["geometry"] = shapely.to_wkt(geometry.values, rounding_precision=-1)
    else:
        located = present(geometry)
        frame["lon"] = geometry.x.where(located)
        frame["lat"] = geometry.y.where(located)
    return frame


def write_table(table: gpd.GeoDataFrame, path: str | Path, *, kind: Table) -> Path:
    """Write a canonical table to ``path``; the format follows the suffix.

    Supported: ``.csv`` (UTF-8), ``.xlsx``, ``.geojson``, ``.gpkg``, ``.parquet``
    (GeoParquet) and ``.zip`` (zipped Shapefile, column names cut to 10 characters).
    """
    path = Path(path)
    suffix = ".zip" if path.name.lower().endswith(".zip") else path.suffix.lower()
    if suffix not in SUPPORTED or suffix in (".txt", ".json", ".geoparquet"):
        msg = f"{path.name}: cannot write {suffix!r}; use .csv .xlsx .geojson .gpkg .parquet .zip"
        raise InputFileError(msg)
    if suffix == ".csv":
        write_csv(flat_frame(table, kind=kind), path)
    elif suffix == ".xlsx":
        path.write_bytes(excel_bytes(flat_frame(table, kind=kind), sheet=kind))
    elif suffix == ".parquet":
        iso_times(table).to_parquet(path, index=False)
    elif suffix == ".zip":
        _write_zipped_shapefile(table, path, kind=kind)
    elif suffix == ".geojson":
        write_geojson(table, path, layer=kind)
    else:
        iso_times(table).to_file(path, driver="GPKG", engine="pyogrio", layer=kind)
    return path


def _write_zipped_shapefile(table: gpd.GeoDataFrame, path: Path, *, kind: Table) -> None:
    frame = iso_times(table)
    frame = frame.rename(columns={c: c[:10] for c in frame.columns if c != "geometry"})
    with tempfile.TemporaryDirectory() as folder:
        shp = Path(folder) / f"{kind}.shp"
        frame.to_file(shp, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(folder).iterdir()):
                archive.write(part, part.name)
        path.write_bytes(buffer.getvalue())

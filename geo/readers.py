"""Read any supported input file into a raw frame of text cells (plus geometry).

This is the only place that opens input tables. Supported: CSV (UTF-8, UTF-8 with BOM,
GBK/GB18030 detected without being named), XLSX, GeoJSON, GeoPackage, GeoParquet and zipped
Shapefile. Every attribute cell comes back as text so IDs keep their leading zeros and
18-digit numbers survive unchanged; typing happens in :mod:`geo.importer`.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj

from geo.errors import InputFileError

SPREADSHEET_SUFFIXES = (".csv", ".txt", ".xlsx")
GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".parquet", ".geoparquet", ".zip")
SUPPORTED = SPREADSHEET_SUFFIXES + GEO_SUFFIXES


@dataclass
class RawTable:
    """A file's content before mapping onto the canonical schema.

    Attributes
    ----------
    frame : pandas.DataFrame
        Attribute columns as text (missing cells are ``""``), headers as in the file.
    geometry : geopandas.GeoSeries or None
        Geometry of each row for geodata formats, ``None`` for spreadsheets.
    crs : pyproj.CRS or None
        The file's own coordinate system, when it declares one.
    file : str
        File name, for messages.
    first_row : int
        Number of the first record as a person would count it: 2 for spreadsheets (the
        header is row 1), 1 for geodata features.
    row_word : str
        ``"row"`` for spreadsheets, ``"feature"`` for geodata.
    encoding : str or None
        The text encoding detected for CSV files.
    """

    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None
    crs: pyproj.CRS | None
    file: str
    first_row: int
    row_word: str
    encoding: str | None = None

    def row_number(self, position: int) -> int:
        """Return the human row/feature number of the record at 0-based ``position``."""
        return self.first_row + position


def read_raw(path: str | Path, *, name: str | None = None) -> RawTable:
    """Read ``path`` into a :class:`RawTable`, choosing the reader by file suffix.

    Parameters
    ----------
    path : str or Path
        The file to read.
    name : str, optional
        Name to use in messages (e.g. the original name of an uploaded file).

    Raises
    ------
    InputFileError
        When the file is missing, of an unsupported type, empty or unreadable.
    """
    path = Path(path)
    label = name or path.name
    suffix = _suffix(label if name else path.name)
    if not path.exists():
        msg = f"{label}: file not found at {path}; check the path"
        raise InputFileError(msg)
    if suffix not in SUPPORTED:
        msg = (
            f"{label}: unsupported file type {suffix!r}; use one of "
            f"{', '.join(SUPPORTED)} (a Shapefile must be zipped with its .dbf/.shx/.prj)"
        )
        raise InputFileError(msg)
    if suffix in (".csv", ".txt"):
        return _read_csv(path, label)
    if suffix == ".xlsx":
        return _read_xlsx(path, label)
    return _read_geo(path, label, suffix)


def _suffix(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".shp.zip"):
        return ".zip"
    return Path(lowered).suffix


def detect_encoding(data: bytes, *, file: str = "file") -> str:
    r"""Return the text encoding of CSV bytes: UTF-8 (with or without BOM), GB18030, or other.

    GB18030 is a superset of GBK and GB2312, so files saved as GBK decode exactly.

    Examples
    --------
    >>> detect_encoding("户号".encode("gbk"))
    'gb18030'
    >>> detect_encoding("\ufeffid".encode("utf-8"))
    'utf-8-sig'
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        msg = f"{file}: cannot tell the text encoding; save it as UTF-8 CSV and try again"
        raise InputFileError(msg)
    return str(best.encoding)


def _read_csv(path: Path, label: str) -> RawTable:
    data = path.read_bytes()
    if not data.strip():
        msg = f"{label}: the file is empty; export the table again with its header row"
        raise InputFileError(msg)
    encoding = detect_encoding(data, file=label)
    text = data.decode(encoding)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            sep=_delimiter(text),
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        msg = f"{label}: not a readable CSV table ({exc}); check the delimiter and quoting"
        raise InputFileError(msg) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return RawTable(frame, None, None, label, 2, "row", encoding)


def _delimiter(text: str) -> str:
    """Guess the delimiter from the header line: comma, semicolon, tab or bar."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _read_xlsx(path: Path, label: str) -> RawTable:
    try:
        frame = pd.read_excel(path, dtype=object, engine="openpyxl")
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
        msg = f"{label}: not a readable Excel .xlsx workbook ({exc}); save it again as .xlsx"
        raise InputFileError(msg) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.map(_cell_text)).astype(object)
    return RawTable(frame, None, None, label, 2, "row")


def _cell_text(value: object) -> str:
    """Text of one spreadsheet/geodata cell; integral floats lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return ""
    return str(value).strip()


def _read_geo(path: Path, label: str, suffix: str) -> RawTable:
    try:
        if suffix in (".parquet", ".geoparquet"):
            gdf = gpd.read_parquet(path)
        elif suffix == ".zip":
            gdf = _read_zipped_shapefile(path, label)
        else:
            gdf = gpd.read_file(path, engine="pyogrio")
    except InputFileError:
        raise
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        ValueError,
        OSError,
    ) as exc:
        msg = f"{label}: not a readable {suffix} file ({exc}); export it again"
        raise InputFileError(msg) from exc
    geometry = gdf.geometry.reset_index(drop=True)
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    frame = attrs.apply(lambda col: col.map(_cell_text)).astype(object)
    frame.columns = [str(c).strip() for c in frame.columns]
    crs = pyproj.CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
    return RawTable(frame, geometry, crs, label, 1, "feature")


def _read_zipped_shapefile(path: Path, label: str) -> gpd.GeoDataFrame:
    try:
        with zipfile.ZipFile(path) as archive:
            shps = [n for n in archive.namelist() if n.lower().endswith(".shp")]
    except zipfile.BadZipFile as exc:
        msg = f"{label}: not a valid zip archive; zip the Shapefile's files again"
        raise InputFileError(msg) from exc
    if len(shps) != 1:
        msg = (
            f"{label}: the zip must hold exactly one .shp (with its .shx, .dbf and .prj); "
            f"found {len(shps)}"
        )
        raise InputFileError(msg)
    return gpd.read_file(f"zip://{path}!{shps[0]}", engine="pyogrio")

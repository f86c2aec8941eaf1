"""Read any supported input file into a raw frame of text cells (plus geometry).

This is the only place that opens input tables. Supported: CSV (UTF-8, UTF-8 or UTF-16 with
a byte-order mark, or Chinese text in GBK/GB18030 told without being named; any other bytes
are refused with a ``bad_encoding`` finding, never guessed: see :func:`detect_encoding`),
XLSX, GeoJSON, GeoPackage, GeoParquet and zipped Shapefile (attribute text in the encoding
its .cpg names, else told as for CSV; field names cut to 10 bytes inside a character are
mended). Every attribute cell comes back as text so IDs keep their leading zeros and
18-digit numbers survive unchanged; typing happens in :mod:`geo.importer`. A geodata
file's attributes are kept as typed and their text is made when it is read, column by
column (:meth:`RawTable.text`): a column the importer takes as typed (:mod:`geo.
typed_columns`) is never turned into text.

Uploads are data, never instructions. Before a reader sees a file, its content must be the
format its suffix names (:mod:`geo.sniff`) and its size, unpacked size, records, cells and
vertices must be within the limits of the settings (:mod:`geo.limits`). GDAL's driver is
pinned to the format: GeoJSON and GeoPackage are opened as ``GeoJSON:<path>`` and
``GPKG:<path>`` (never by content, so never as a VRT), a Shapefile only from the parts
copied out of its zip under fixed names, never through ``/vsizip/`` or any path named in a
file. Every failure of a reader is an :class:`~geo.errors.InputFileError` that names the
file, never the server's folders.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from xml.etree.ElementTree import ParseError

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pyproj
import shapely

from geo import limits, sniff
from geo.cell_text import column_text, text_frame
from geo.csv_cells import read_cells
from geo.encodings import BOMS, encoding_error, is_chinese_gb18030
from geo.errors import EncodingError, InputFileError
from geo.findings import problem
from geo.settings import Settings, resolve
from geo.wkb_points import Points, parquet_points, plain_geometry

SPREADSHEET_SUFFIXES = (".csv", ".txt", ".xlsx")
GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".parquet", ".geoparquet", ".zip")
SUPPORTED = SPREADSHEET_SUFFIXES + GEO_SUFFIXES


@dataclass
class RawTable:
    """A file's content before mapping onto the canonical schema.

    Attributes
    ----------
    frame : pandas.DataFrame
        Attribute columns as text (dtype ``str``, missing cells are ``""``), headers as in
        the file. A geodata file's text is made from :attr:`typed` when first asked for
        (:func:`geo.cell_text.text_frame`); :meth:`text` makes one column's.
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
        The text encoding detected for CSV files and for a Shapefile's non-ASCII attributes.
    typed : pandas.DataFrame or None
        A geodata file's attributes as typed in the file, headers as in ``frame``, for the
        importer to take values without their text round trip (:mod:`geo.typed_columns`);
        ``None`` for spreadsheets.
    points : Points or None
        A GeoParquet file's 2D points as coordinates (:mod:`geo.wkb_points`), read without
        building a shapely point per row; :attr:`geometry` builds them when asked.

    The frame and geometry given to the constructor (first and second arguments) are
    :attr:`frame` and :attr:`geometry`; a frame of ``None`` (with ``typed``) and a geometry
    of ``None`` with ``points`` are made when first asked for.
    """

    stored_frame: pd.DataFrame | None
    stored_geometry: gpd.GeoSeries | None
    crs: pyproj.CRS | None
    file: str
    first_row: int
    row_word: str
    encoding: str | None = None
    typed: pd.DataFrame | None = None
    points: Points | None = None
    geometry_name: str | None = None

    stored_text: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    @property
    def frame(self) -> pd.DataFrame:
        """Attribute columns as text, headers as in the file (see the class)."""
        if self.stored_frame is None:
            self.stored_frame = text_frame(self._typed())
            self.stored_text.clear()
        return self.stored_frame

    @property
    def columns(self) -> pd.Index:
        """The attribute headers, without making the text of a geodata file."""
        if self.stored_frame is None:
            return self._typed().columns
        return self.stored_frame.columns

    @property
    def records(self) -> int:
        """The number of records, without making the text of a geodata file."""
        if self.stored_frame is None:
            return len(self._typed())
        return len(self.stored_frame)

    def text(self, header: str) -> pd.Series | pd.DataFrame:
        """Return ``frame[header]``, making only that column's text when it is not made yet.

        The column is :func:`geo.cell_text.column_text` of the typed column, as
        :func:`geo.cell_text.text_frame` makes it, kept for the next call; a header that
        names several columns makes the whole :attr:`frame`.
        """
        if self.stored_frame is not None:
            return self.stored_frame[header]
        if header not in self.stored_text:
            typed = self._typed()
            if not typed.columns.is_unique and header in typed:
                return self.frame[header]
            self.stored_text[header] = column_text(typed[header])
        return self.stored_text[header]

    def cell(self, header: str, position: int) -> str:
        """Return the text of one cell, ``frame[header].iloc[position]``, for a message.

        A geodata file's cell is made alone when its column's text is not made yet (the
        text of a cell does not depend on the others: :func:`geo.cell_text.column_text`).
        """
        if self.stored_frame is not None or header in self.stored_text:
            return str(self.text(header).iloc[position])
        return str(column_text(self._typed()[header].iloc[[position]]).iloc[0])

    def without_records(self) -> RawTable:
        """Return the table with its file, numbering and headers but none of its records."""
        if self.stored_frame is not None:
            headers = self.stored_frame.iloc[:0]
        else:
            headers = text_frame(self._typed().iloc[:0])
        return dataclasses.replace(
            self,
            stored_frame=headers,
            stored_geometry=None,
            typed=None,
            points=None,
            stored_text={},
        )

    def _typed(self) -> pd.DataFrame:
        """Return :attr:`typed`, which a table given without its text frame must have."""
        if self.typed is None:
            msg = "a RawTable without its text frame needs its typed attributes"
            raise ValueError(msg)
        return self.typed

    @property
    def geometry(self) -> gpd.GeoSeries | None:
        """Geometry of each row for geodata formats, ``None`` for spreadsheets."""
        if self.stored_geometry is None and self.points is not None:
            shapes = self.points.shapes()
            self.stored_geometry = gpd.GeoSeries(shapes, crs=self.crs, name=self.geometry_name)
        return self.stored_geometry

    @property
    def has_geometry(self) -> bool:
        """Whether the file has a geometry column, without building its geometries."""
        return self.stored_geometry is not None or self.points is not None

    def row_number(self, position: int) -> int:
        """Return the human row/feature number of the record at 0-based ``position``."""
        return self.first_row + position


def read_raw(
    path: str | Path, *, name: str | None = None, settings: Settings | None = None
) -> RawTable:
    """Read ``path`` into a :class:`RawTable`, choosing the reader by file suffix.

    The file's content must be the format its suffix names (:func:`geo.sniff.check_content`)
    and the file must be within the limits of ``settings`` (:mod:`geo.limits`), both checked
    before it is parsed.

    Parameters
    ----------
    path : str or Path
        The file to read.
    name : str, optional
        Name to use in messages (e.g. the original name of an uploaded file).
    settings : Settings, optional
        The limits (``upload_max_bytes``, ``max_records``, ``max_cells``, ...).

    Raises
    ------
    InputFileError
        When the file is missing, of an unsupported type, empty or unreadable (code
        ``unreadable``), not the format its suffix names (``wrong_format``) or beyond a
        limit (``over_limit``).
    """
    cfg = resolve(settings)
    path = Path(path)
    label = name or path.name
    suffix = _suffix(label if name else path.name)
    if not path.exists():
        msg = f"{label}: file not found at {path}; check the path"
        raise InputFileError(msg, file=label)
    if not path.is_file():
        msg = f"{label}: {path} is a folder, not a file; name the file itself"
        raise InputFileError(msg, file=label)
    if suffix not in SUPPORTED:
        msg = (
            f"{label}: unsupported file type {suffix!r}; use one of "
            f"{', '.join(SUPPORTED)} (a Shapefile must be zipped with its .dbf/.shx/.prj)"
        )
        raise InputFileError(msg, file=label)
    size = path.stat().st_size
    if size == 0:
        msg = f"{label}: {problem('unreadable', 'empty')}"
        raise InputFileError(msg, file=label, variant="empty", values={"size": 0})
    limits.check_size(size, file=label, settings=cfg)
    sniff.check_content(path, file=label, suffix=suffix)
    if suffix in (".csv", ".txt"):
        limits.check_csv(path, file=label, settings=cfg)
        return _read_csv(path, label)
    if suffix == ".xlsx":
        limits.check_xlsx(path, file=label, settings=cfg)
        return _read_xlsx(path, label)
    return _read_geo(path, label, suffix, cfg)


def _reason(error: BaseException, path: Path, label: str) -> str:
    """Return an error's text with the server's path of the file replaced by its name."""
    text = str(error)
    for place in (str(path.resolve()), str(path), str(path.resolve().parent)):
        text = text.replace(place, label)
    return text


def _suffix(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".shp.zip"):
        return ".zip"
    return Path(lowered).suffix


def detect_encoding(data: bytes, *, file: str = "file") -> str:
    r"""Return the text encoding of CSV bytes, or refuse bytes whose encoding it would guess.

    The rule, in this order; nothing else is tried (no Latin-1 or cp1252 guesses):

    1. A UTF-8 byte-order mark: ``utf-8-sig``; the rest must be UTF-8.
    2. A UTF-16 byte-order mark (Excel's "Unicode text"): ``utf-16``; the rest must be UTF-16.
    3. Valid UTF-8 (pure ASCII is): ``utf-8``.
    4. Chinese text in GB18030, a superset of GBK and GB2312 (see
       :func:`geo.encodings.is_chinese_gb18030`): ``gb18030``; files saved as GBK decode
       exactly.
    5. Anything else is refused.

    Raises
    ------
    EncodingError
        With a fatal ``bad_encoding`` finding naming the row (the line of the file: the
        header is row 1) and, past the header, the column of the first byte that is not
        UTF-8 (with a byte-order mark: not in the encoding it declares), and saying to save
        the file as UTF-8.

    Examples
    --------
    >>> detect_encoding("户号".encode("gbk"))
    'gb18030'
    >>> detect_encoding("\ufeffid".encode("utf-8"))
    'utf-8-sig'
    >>> detect_encoding("id,osoite\n1,Pitkänsillanranta\n".encode("latin-1"), file="h.csv")
    Traceback (most recent call last):
    geo.errors.EncodingError: h.csv, row 2, column 'osoite': byte 0xE4 is not UTF-8, and the ...
    """
    return _decoded(data, file=file)[0]


def _decoded(data: bytes, *, file: str) -> tuple[str, str | None]:
    """Return :func:`detect_encoding` of ``data`` and, for plain UTF-8, the text it checked."""
    bom = next((mark for mark in BOMS if data.startswith(mark)), b"")
    codec, encoding = BOMS.get(bom, ("utf-8", "utf-8"))
    try:
        text = data[len(bom) :].decode(codec)
    except UnicodeDecodeError as error:
        if not bom and is_chinese_gb18030([data]):
            return "gb18030", None
        raise _csv_refusal(data, len(bom) + error.start, bom=bom, file=file) from None
    return encoding, text if not bom else None


def _csv_refusal(data: bytes, offset: int, *, bom: bytes, file: str) -> EncodingError:
    """Return the ``bad_encoding`` refusal of CSV bytes whose first bad byte is at ``offset``."""
    codec = BOMS[bom][0] if bom else "utf-8"
    before = data[len(bom) : offset].decode(codec, errors="replace")
    row = before.count("\n") + 1
    column = None
    if row > 1:
        header = before.split("\n", 1)[0].rstrip("\r")
        delimiter = _delimiter(header)
        headers = [h.strip() for h in next(csv.reader([header], delimiter=delimiter))]
        line = before.rsplit("\n", 1)[1]
        position = max(len(next(csv.reader([line], delimiter=delimiter), [])) - 1, 0)
        column = headers[position] if position < len(headers) else None
    variant, values = "", {"byte": f"0x{data[offset]:02X}"}
    if bom:
        variant, values["bom"] = "bom", "UTF-8" if codec == "utf-8" else "UTF-16"
    return encoding_error(file, variant, values, row=row, row_word="row", column=column)


def _read_csv(path: Path, label: str) -> RawTable:
    data = path.read_bytes()
    if not data or data.isspace():  # as ``not data.strip()``, without copying the file
        msg = f"{label}: the file is empty; export the table again with its header row"
        raise InputFileError(msg)
    encoding, checked = _decoded(data, file=label)
    text = data.decode(encoding) if checked is None else checked
    try:
        frame = read_cells(
            text, delimiter=_delimiter(text), data=data if encoding == "utf-8" else None
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        msg = f"{label}: not a readable CSV table ({exc}); check the delimiter and quoting"
        raise InputFileError(msg) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return RawTable(frame, None, None, label, 2, "row", encoding)


def _delimiter(text: str) -> str:
    """Guess the delimiter from the header line: comma, semicolon, tab or bar."""
    end = text.find("\n")  # not split: that would copy the rest of the file
    header = text if end < 0 else text[:end]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


_XLSX_ERRORS: Final = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OSError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
)
"""What openpyxl raises on a damaged workbook (XML that does not parse, a member that does
not unzip, a part that is not what the workbook says)."""


def _read_xlsx(path: Path, label: str) -> RawTable:
    try:
        frame = pd.read_excel(path, dtype=object, engine="openpyxl")
    except _XLSX_ERRORS as exc:
        reason = _reason(exc, path, label)
        msg = f"{label}: not a readable Excel .xlsx workbook ({reason}); save it again as .xlsx"
        raise InputFileError(msg, file=label) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return RawTable(text_frame(frame), None, None, label, 2, "row")


_GEO_ERRORS: Final = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pa.ArrowException,
    shapely.errors.GEOSException,
    ValueError,
    TypeError,
    KeyError,
    OSError,
)
"""What GDAL (through pyogrio), pyarrow and shapely raise on a damaged geodata file."""

GDAL_DRIVERS: Final = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}
"""The one GDAL driver each suffix read through GDAL is opened with."""


def _read_geo(path: Path, label: str, suffix: str, settings: Settings) -> RawTable:
    encoding = None
    try:
        if suffix in (".parquet", ".geoparquet"):
            limits.check_parquet(path, file=label, settings=settings)
            table = read_parquet_table(path)
            fast = _read_parquet_points(table, label, settings)
            if fast is not None:
                return fast
            gdf = plain_parquet_frame(table)
            if gdf is None:
                gdf = gpd.read_parquet(path)
        elif suffix == ".zip":
            gdf, encoding = _read_zipped_shapefile(path, label, settings)
        else:
            gdf = _read_gdal(path, GDAL_DRIVERS[suffix], label, settings)
    except InputFileError:
        raise
    except _GEO_ERRORS as exc:
        reason = _reason(exc, path, label)
        msg = f"{label}: not a readable {suffix} file ({reason}); export it again"
        raise InputFileError(msg, file=label) from exc
    geometry = None
    attrs = pd.DataFrame(gdf).reset_index(drop=True)
    crs = None
    if isinstance(gdf, gpd.GeoDataFrame) and gdf.geometry.name in gdf:
        geometry = gdf.geometry.reset_index(drop=True)
        attrs = attrs.drop(columns=gdf.geometry.name)
        vertices = int(shapely.get_num_coordinates(geometry.to_numpy()).sum())
        limits.check_vertices(vertices, file=label, settings=settings)
        crs = pyproj.CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
    return RawTable(None, geometry, crs, label, 1, "feature", encoding, _attributes(attrs))


def read_parquet_table(path: Path) -> pa.Table:
    """Return the Parquet file at ``path`` as :func:`pyarrow.parquet.read_table` reads it.

    The same table (schema, metadata and values), read one row group at a time: Arrow
    reads a whole file's column chunks into memory ahead of decoding them, which for a
    file of ten million visits (10 row groups) peaked 310-360 MB higher than reading the
    groups in turn, on either of Arrow's pools (:mod:`geo.arrow_pool`). A file of no row
    group is read whole.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "t.parquet"
    ...     pq.write_table(pa.table({"id": ["a", "b", "c"]}), path, row_group_size=2)
    ...     table = read_parquet_table(path)
    ...     same = table.equals(pq.read_table(path), check_metadata=True)
    >>> same, table.column("id").num_chunks
    (True, 2)
    """
    with pq.ParquetFile(path) as file:
        if file.num_row_groups == 0:
            return file.read()
        return pa.concat_tables(file.read_row_group(i) for i in range(file.num_row_groups))


def _attributes(attrs: pd.DataFrame) -> pd.DataFrame:
    """Return a geodata file's typed attributes under the stripped headers.

    Their text, the :class:`RawTable`'s frame, is made from them when asked for.
    """
    return attrs.set_axis([str(c).strip() for c in attrs.columns], axis=1)


def _read_parquet_points(table: pa.Table, label: str, settings: Settings) -> RawTable | None:
    """Read a GeoParquet file of 2D points with its coordinates as arrays, else ``None``.

    The table, read by Arrow, has its points decoded by :func:`geo.wkb_points.
    parquet_points`; a file it declines is left to shapely or geopandas (``None``). The
    result is the :class:`RawTable` geopandas' route gives, but for the geometry, built on
    demand.
    """
    found = parquet_points(table)
    if found is None:
        return None
    attrs, name, points, crs = found
    limits.check_vertices(int(points.located.sum()), file=label, settings=settings)
    typed = _attributes(attrs)
    return RawTable(
        None, None, crs, label, 1, "feature", None, typed, points=points, geometry_name=name
    )


def plain_parquet_frame(table: pa.Table) -> gpd.GeoDataFrame | None:
    """Return a GeoParquet table as :func:`geopandas.read_parquet` returns it, or ``None``.

    Only the plain case of :mod:`geo.wkb_points` (one WKB geometry column, planar, no
    covering) without pandas ``attrs`` is taken; any other file is left to geopandas. The
    frame is built as geopandas builds it (``geopandas.io.arrow._arrow_to_geopandas``):
    the attributes by :meth:`pyarrow.Table.to_pandas`, the geometries by
    :meth:`geopandas.GeoSeries.from_wkb`, inserted where the column stands, so the same
    frame and the same errors come out. The difference: the table is the one already read
    for the points (geopandas reads the file again) and the CRS is parsed once per distinct
    PROJJSON (:func:`geo.wkb_points.plain_geometry`), not some 30 ms on every file.
    ``tests/geo/test_point_columns.py`` compares both on every form of points it imports.

    Parameters
    ----------
    table : pyarrow.Table
        The file as read by :func:`pyarrow.parquet.read_table`, with its schema metadata.

    Returns
    -------
    geopandas.GeoDataFrame or None
        The file's frame, ``None`` when it is not the plain case.

    Raises
    ------
    shapely.errors.GEOSException
        For bytes that are not WKB, as geopandas raises.
    """
    if b"PANDAS_ATTRS" in (table.schema.metadata or {}):
        return None  # geopandas sets them as the frame's attrs
    found = plain_geometry(table)
    if found is None:
        return None
    name, crs = found
    order = list(table.slice(0, 0).to_pandas().columns)
    frame = table.drop_columns([name]).to_pandas()
    shapes = gpd.GeoSeries.from_wkb(np.array(table[name]), crs=crs).values
    frame.insert(order.index(name), name, shapes)
    return gpd.GeoDataFrame(frame, geometry=name)


def _read_gdal(
    path: Path, driver: str, label: str, settings: Settings, **options: str
) -> pd.DataFrame:
    """Read the first layer of ``path`` with GDAL's ``driver`` only, within the limits.

    GeoJSON and GeoPackage are opened as ``<driver>:<absolute path>``, which no other
    driver claims; a Shapefile (``driver`` ``ESRI Shapefile``) by its ``.shp`` path, which
    only that driver claims, after its magic number was checked. Features and fields are
    checked against the limits from GDAL's layer information before the features are read,
    and at most one feature more than the limit is read (a GeoPackage may understate its
    count). pyogrio sets aside room for as many rows as it may read, so a layer is first
    read up to one feature more than its stated count, and read again up to the limit only
    when that many came (a count that understates).
    """
    source = str(path.resolve())
    if driver != "ESRI Shapefile":
        source = f"{driver}:{source}"
    info = pyogrio.read_info(source, **options)
    if info["driver"] != driver:
        raise sniff.wrong_format(label, expected=driver, found=str(info["driver"]))
    columns = len(info["fields"]) + 1
    features = int(info["features"])
    if features >= 0:
        limits.check_counts(file=label, settings=settings, records=features, columns=columns)
    most = settings.max_records + 1
    # pyogrio sets aside room for ``max_features`` rows before it reads: the layer's own
    # count (plus one, to notice a count that understates) keeps a small file cheap
    stated = features + 1 if 0 <= features < settings.max_records else most
    gdf = pyogrio.read_dataframe(source, max_features=stated, **options)
    if stated < most and len(gdf) == stated:  # more features than the layer said
        gdf = pyogrio.read_dataframe(source, max_features=most, **options)
    if len(gdf) > settings.max_records:
        count = max(features, len(gdf))
        raise limits.over_limit(label, "features", "max_records", settings.max_records, count=count)
    return gdf


def _read_zipped_shapefile(
    path: Path, label: str, settings: Settings
) -> tuple[pd.DataFrame, str | None]:
    """Read the one Shapefile in a zip, its text decoded as :func:`dbf_encoding` says.

    Returns the layer and the encoding its attribute text was decoded from (``None``: ASCII,
    left to GDAL).

    The archive is checked first (:func:`geo.limits.check_archive`), then the Shapefile's
    parts are copied to a private temporary folder under fixed names (field names cut in
    the middle of a character are mended on the way, see :func:`mend_dbf_names`), their
    magic numbers and record counts checked (:func:`geo.limits.check_shapefile`), and read
    from there with GDAL's Shapefile driver.
    """
    limits.check_archive(path, file=label, settings=settings)
    try:
        with zipfile.ZipFile(path) as archive:
            shps = [n for n in archive.namelist() if n.lower().endswith(".shp")]
            if len(shps) != 1:
                msg = (
                    f"{label}: the zip must hold exactly one .shp (with its .shx, .dbf and "
                    f".prj); found {len(shps)}"
                )
                raise InputFileError(msg, file=label)
            stem = shps[0][:-4].lower()
            names = {
                name[len(stem) :].lower(): name
                for name in archive.namelist()
                if name.lower().startswith(stem) and name[len(stem) :].lower() in SHAPEFILE_PARTS
            }
            heads = {}
            for suffix, name in names.items():
                with archive.open(name) as part:
                    heads[suffix] = part.read(100)
            _check_shapefile_parts(
                {suffix: archive.getinfo(name).file_size for suffix, name in names.items()},
                heads,
                label,
                settings,
            )
            parts = {suffix: archive.read(name) for suffix, name in names.items()}
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        RuntimeError,  # an encrypted member
        NotImplementedError,  # a compression method zipfile does not know
    ) as exc:
        msg = f"{label}: not a valid zip archive ({exc}); zip the Shapefile's files again"
        raise InputFileError(msg, file=label) from exc
    encoding = None
    if ".dbf" in parts:
        cpg = parts[".cpg"].decode("ascii", "replace") if ".cpg" in parts else None
        encoding = dbf_encoding(parts[".dbf"], cpg=cpg, file=label)
        if encoding is not None:
            parts[".dbf"] = mend_dbf_names(parts[".dbf"], encoding)
    with tempfile.TemporaryDirectory(prefix="beatcov-shp-") as folder:
        for suffix, content in parts.items():
            (Path(folder) / f"layer{suffix}").write_bytes(content)
        shp = Path(folder) / "layer.shp"
        options = {} if encoding is None else {"encoding": encoding}
        try:
            gdf = _read_gdal(shp, "ESRI Shapefile", label, settings, **options)
        except UnboundLocalError as exc:  # pyogrio 0.13 on a .prj GDAL cannot read
            msg = f"{label}: the Shapefile's .prj cannot be read; export the Shapefile again"
            raise InputFileError(msg, file=label) from exc
        return gdf, encoding


def _check_shapefile_parts(
    sizes: dict[str, int], heads: dict[str, bytes], label: str, settings: Settings
) -> None:
    """Refuse a .shp or .shx that is not one, then check the limits from sizes and headers."""
    for suffix in (".shp", ".shx"):
        if suffix in heads and not heads[suffix].startswith(sniff.SHP_MAGIC):
            found = sniff.kind_of(heads[suffix])
            raise sniff.wrong_format(label, expected=f"Shapefile {suffix}", found=found)
    limits.check_shapefile(sizes, heads, file=label, settings=settings)


SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
"""The parts of a Shapefile that are read from a zip (others are ignored)."""

DBF_SAMPLE_BYTES = 1 << 20
"""Text encoding of a .dbf is judged on its field names and at most this many record bytes."""

# .cpg values (lower case, without spaces, "-" or "_") and the Python codec they mean.
_CPG_CODECS: Final = {
    "utf8": "utf-8",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "936": "gb18030",
    "cp936": "gb18030",
    "ansi936": "gb18030",
    "big5": "big5",
    "950": "big5",
}


def dbf_encoding(dbf: bytes, *, cpg: str | None = None, file: str = "file") -> str | None:
    """Return the text encoding of a .dbf's field names and text cells, or ``None`` for ASCII.

    A .cpg that names an encoding the bytes decode in is believed; otherwise the rule of
    :func:`detect_encoding` for CSV applies: UTF-8, else GB18030 (a superset of GBK and
    GB2312) when the text is Chinese (:func:`geo.encodings.is_chinese_gb18030`), else
    refused. Field names
    and cells cut in the middle of a character, as Shapefile writers cut them, are no sign
    against an encoding.

    Parameters
    ----------
    dbf : bytes
        The .dbf file.
    cpg : str, optional
        The text of the .cpg file beside it.
    file : str
        The file name, for messages.

    Raises
    ------
    EncodingError
        With a fatal ``bad_encoding`` finding naming the feature and the field of the first
        text that is not UTF-8, when the text is neither UTF-8 nor Chinese GB18030.
    InputFileError
        If the .dbf is damaged.
    """
    cells = _dbf_cells(dbf, file=file)
    chunks = [chunk for _, _, chunk in cells]
    if all(chunk.isascii() for chunk in chunks):
        return None
    named = _cpg_codec(cpg) if cpg is not None else None
    if named is not None and all(_decodes(chunk, named) for chunk in chunks):
        return named
    if all(_decodes(chunk, "utf-8") for chunk in chunks):
        return "utf-8"
    if is_chinese_gb18030(chunks, cut_ends=True):
        return "gb18030"
    record, name, chunk = next(cell for cell in cells if not _decodes(cell[2], "utf-8"))
    offset = _bad_utf8_offset(chunk)
    column = None if record is None else _utf8_name(name)
    row = None if record is None else record + 1
    values = {"byte": f"0x{chunk[offset]:02X}"}
    raise encoding_error(file, "dbf", values, row=row, row_word="feature", column=column)


def _utf8_name(name: bytes) -> str:
    """Return a field name that is UTF-8 but for a character cut off at its end, without it."""
    return codecs.getincrementaldecoder("utf-8")(errors="replace").decode(name, final=False)


def _bad_utf8_offset(chunk: bytes) -> int:
    """Return the offset of the first byte of ``chunk`` that is not UTF-8 (a cut end is)."""
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return 0


def mend_dbf_names(dbf: bytes, encoding: str) -> bytes:
    """Return ``dbf`` with field names cut in the middle of a character cut before it instead.

    Shapefile field names hold at most 10 bytes, and writers cut longer names there even
    inside a character (``警务区编号`` in UTF-8 becomes ``警务区`` plus one byte), which GDAL
    cannot read. Only the field descriptors change.
    """
    out = bytearray(dbf)
    for start in _descriptor_starts(dbf, file="file"):
        raw = bytes(dbf[start : start + 11]).split(b"\0", 1)[0]
        name = codecs.getincrementaldecoder(encoding)(errors="strict").decode(raw, final=False)
        mended = name.encode(encoding)
        if mended != raw:
            out[start : start + 11] = mended.ljust(11, b"\0")
    return bytes(out)


def _cpg_codec(cpg: str) -> str | None:
    """Return the codec a .cpg names (``GBK``, ``936``, ``UTF-8``, ``ISO-8859-1``...), if any."""
    key = re.sub(r"[\s_-]+", "", cpg.strip().lower())
    if key in _CPG_CODECS:
        return _CPG_CODECS[key]
    for name in (key, cpg.strip().lower()):
        try:
            return codecs.lookup(name).name
        except LookupError:
            continue
    return None


def _decodes(chunk: bytes, encoding: str) -> bool:
    """Return whether ``chunk`` decodes, but for a character cut off at its end."""
    try:
        codecs.getincrementaldecoder(encoding)(errors="strict").decode(chunk, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _descriptor_starts(dbf: bytes, *, file: str) -> list[int]:
    """Offsets of the 32-byte field descriptors of a .dbf (dBASE III) header."""
    if len(dbf) < 33:
        msg = f"{file}: the Shapefile's .dbf is damaged (too short); export it again"
        raise InputFileError(msg)
    header_length = int.from_bytes(dbf[8:10], "little")
    starts = []
    start = 32
    while start + 32 <= min(header_length, len(dbf)) and dbf[start] != 0x0D:
        starts.append(start)
        start += 32
    return starts


def _dbf_cells(dbf: bytes, *, file: str = "file") -> list[tuple[int | None, bytes, bytes]]:
    """Return the field names and the text cells of the first records (up to the sample).

    Each item is ``(record, field name, text)``: ``record`` is the 0-based record, ``None``
    for a field name (whose text is the name itself).
    """
    starts = _descriptor_starts(dbf, file=file)
    names = [bytes(dbf[s : s + 11]).split(b"\0", 1)[0] for s in starts]
    header_length = int.from_bytes(dbf[8:10], "little")
    record_length = int.from_bytes(dbf[10:12], "little")
    fields, offset = [], 1  # each record starts with its deletion flag
    for s, name in zip(starts, names, strict=True):
        width = dbf[s + 16]
        if dbf[s + 11 : s + 12] == b"C":
            fields.append((offset, width, name))
        offset += width
    cells: list[tuple[int | None, bytes, bytes]] = [(None, name, name) for name in names]
    if record_length > 0 and fields:
        end = min(len(dbf), header_length + DBF_SAMPLE_BYTES)
        starts_of_records = range(header_length, end - record_length + 1, record_length)
        for number, record in enumerate(starts_of_records):
            for offset, width, name in fields:
                cell = dbf[record + offset : record + offset + width].rstrip(b" \0")
                if cell:
                    cells.append((number, name, bytes(cell)))
    return cells

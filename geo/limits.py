"""Limits on input files, checked before a file is parsed.

Small files can hold huge tables. A 5 KB workbook whose one cell sits at ``XFD1048576``
spans 17 billion cells (pandas pads every row to the widest: 7.5 GB before it fails); a
413 KB workbook unpacks to a 400 MB shared string (2.3 GB); a 14 MB zip holds a Shapefile
of 3 million points (2.1 GB). So a file is measured before any reader parses it, from what
is cheap and cannot lie about the work to come, against the limits in
:class:`geo.settings.Settings`:

* every file: its size on disk (``upload_max_bytes``);
* archives (XLSX, zipped Shapefile): the member count from the end of the zip's central
  directory before Python opens the directory, then the members' unpacked sizes and their
  ratio to the archive's size (``archive_max_members``, ``unpacked_max_bytes``,
  ``unpacked_max_ratio``; the ratio only once the archive unpacks to more than
  :data:`RATIO_FLOOR_BYTES`). Python's ``zipfile``, which the readers and openpyxl unpack
  with, stops at a member's declared size, so declared sizes bound the work;
* XLSX: each part of the workbook is scanned (streaming, no tree) for the rows and cells of
  a worksheet as openpyxl numbers them, and its declared ``<dimension>``: the farthest cell
  decides the rows and cells, since pandas pads to it (``max_records``, ``max_cells``);
* CSV: the number of lines and the header's fields (an upper bound on the columns);
* GeoParquet: rows, columns and uncompressed sizes from the file's footer, vertices at
  most the geometry column's bytes over 16 (one x/y pair in WKB);
* zipped Shapefile: records from the ``.dbf`` header and the ``.shx`` size, vertices from
  the ``.shp`` size (:func:`check_shapefile`);
* GeoJSON and GeoPackage: features and fields as GDAL reports them before reading; the
  reader then reads at most one feature more than the limit and counts vertices, as those
  formats are not compressed (their size on disk already bounds their content).

Each check raises :class:`~geo.errors.InputFileError` with code ``over_limit`` and a
variant naming what was measured.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any, Final
from xml.parsers import expat

import pyarrow as pa
import pyarrow.parquet as pq

from geo.errors import InputFileError
from geo.findings import problem
from geo.settings import Settings

RATIO_FLOOR_BYTES: Final = 64 * 2**20
"""Archives that unpack to at most this many bytes are not judged by their ratio."""

ZIP_ENTRY_BYTES: Final = 1024
"""A zip's central directory may take this many bytes per allowed member (names included)."""

SCAN_CHUNK: Final = 1 << 20
"""Bytes of a workbook part fed to the XML scanner at a time."""

SHEET_NS: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
"""The namespace of the worksheet rows and cells that openpyxl reads."""

_CELL_REF: Final = re.compile(r"\s*([A-Za-z]+)")
_ROW, _CELL, _DIMENSION = (f"{SHEET_NS}}}{local}" for local in ("row", "c", "dimension"))


def over_limit(
    file: str, variant: str, setting: str, limit: float, **values: Any
) -> InputFileError:
    """Return the ``over_limit`` error of ``file`` for one measure against one setting."""
    values = {**values, "limit": limit, "setting": setting}
    message = f"{file}: {problem('over_limit', variant, **values)}"
    return InputFileError(message, file=file, code="over_limit", variant=variant, values=values)


def check_size(size: int, *, file: str, settings: Settings) -> None:
    """Refuse a file of ``size`` bytes larger than ``settings.upload_max_bytes``."""
    if size > settings.upload_max_bytes:
        raise over_limit(
            file, "size", "upload_max_bytes", settings.upload_max_bytes, size=int(size)
        )


def check_counts(
    *,
    file: str,
    settings: Settings,
    records: int,
    columns: int,
    variant: str = "features",
) -> None:
    """Refuse more than ``max_records`` records or ``max_cells`` records × columns.

    ``variant`` says what the records are (``lines`` of a CSV, ``features``).
    """
    if records > settings.max_records:
        raise over_limit(file, variant, "max_records", settings.max_records, count=records)
    cells = records * columns
    if cells > settings.max_cells:
        raise over_limit(
            file,
            "cells",
            "max_cells",
            settings.max_cells,
            rows=records,
            columns=columns,
            cells=cells,
        )


def check_vertices(count: int, *, file: str, settings: Settings) -> None:
    """Refuse geometries of more than ``settings.max_vertices`` vertices."""
    if count > settings.max_vertices:
        raise over_limit(file, "vertices", "max_vertices", settings.max_vertices, count=count)


def check_unpacked(unpacked: int, packed: int, *, file: str, settings: Settings) -> None:
    """Refuse content that unpacks to more than the limit, or by more than the ratio."""
    if unpacked > settings.unpacked_max_bytes:
        raise over_limit(
            file, "unpacked", "unpacked_max_bytes", settings.unpacked_max_bytes, size=unpacked
        )
    ratio = unpacked / max(packed, 1)
    if unpacked > RATIO_FLOOR_BYTES and ratio > settings.unpacked_max_ratio:
        raise over_limit(
            file, "ratio", "unpacked_max_ratio", settings.unpacked_max_ratio, ratio=ratio
        )


# --------------------------------------------------------------------------- archives


def zip_directory(path: Path) -> tuple[int, int] | None:
    """Return the member count and central directory size a zip's end record declares.

    ``None`` when the file has no end record (not a zip: ``zipfile`` will say so). ZIP64
    archives are read from their ZIP64 end record.
    """
    with path.open("rb") as stream:
        size = stream.seek(0, 2)
        start = max(0, size - (22 + 65535))
        stream.seek(start)
        tail = stream.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
        entries = int.from_bytes(tail[at + 10 : at + 12], "little")
        directory = int.from_bytes(tail[at + 12 : at + 16], "little")
        locator = at - 20
        if (entries == 0xFFFF or directory == 0xFFFFFFFF) and tail[locator : locator + 4] == (
            b"PK\x06\x07"
        ):
            stream.seek(int.from_bytes(tail[locator + 8 : locator + 16], "little"))
            record = stream.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                entries = int.from_bytes(record[32:40], "little")
                directory = int.from_bytes(record[40:48], "little")
    return entries, directory


def check_archive(path: Path, *, file: str, settings: Settings) -> list[zipfile.ZipInfo]:
    """Check a zip's members, unpacked size and ratio; return its members.

    Raises
    ------
    InputFileError
        ``over_limit`` (``members``, ``unpacked``, ``ratio``), or ``unreadable`` when the
        file is not a valid zip archive.
    """
    limit = settings.archive_max_members
    declared = zip_directory(path)
    if declared is not None:
        entries, directory = declared
        if entries > limit or directory > limit * ZIP_ENTRY_BYTES:
            # an entry of the directory takes at least 46 bytes, so it may hide more than it says
            count = entries if entries > limit else directory // 46
            raise over_limit(file, "members", "archive_max_members", limit, count=count)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,  # a zip version or feature zipfile does not read
    ) as exc:
        msg = f"{file}: not a valid zip archive ({exc}); save or zip the file again"
        raise InputFileError(msg, file=file) from exc
    if len(members) > limit:
        raise over_limit(file, "members", "archive_max_members", limit, count=len(members))
    unpacked = sum(member.file_size for member in members)
    check_unpacked(unpacked, path.stat().st_size, file=file, settings=settings)
    return members


# --------------------------------------------------------------------------- XLSX


class _Over(Exception):
    """Stops a sheet scan as soon as its extent passes a limit."""


class _Extent:
    """The farthest row and column of a worksheet part, numbered as openpyxl numbers them.

    openpyxl's worksheet parser counts a ``<row>`` without ``r`` as the next row and a
    ``<c>`` without ``r`` as the next column; pandas pads every row to the widest and keeps
    rows down to the last one with a value, so the work is the farthest row times the
    farthest column.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.row = 0
        self.column = 0
        self.rows = 0
        self.columns = 0
        self.declared: tuple[int, int] | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == _CELL:
            ref = attrs.get("r")
            self.column = _column_number(ref) if ref else self.column + 1
            if self.column <= self.columns:
                return
            self.columns = self.column
        elif name == _ROW:
            self.row = _row_number(attrs["r"]) if "r" in attrs else self.row + 1
            self.column = 0
            if self.row <= self.rows:
                return
            self.rows = self.row
        elif name == _DIMENSION and "ref" in attrs:
            last = attrs["ref"].split(":")[-1]
            self.declared = (_row_number(_digits(last)), _column_number(last))
        else:
            return
        if self.too_large():
            raise _Over

    def too_large(self) -> bool:
        rows, columns = self.extent()
        cfg = self.settings
        return rows - 1 > cfg.max_records or rows * columns > cfg.max_cells

    def extent(self) -> tuple[int, int]:
        """Rows and columns: scanned, or declared when the declaration reaches farther."""
        rows, columns = self.rows, self.columns
        if self.declared is not None:
            rows, columns = max(rows, self.declared[0]), max(columns, self.declared[1])
        return rows, columns


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return 0
        return int(number) if number.is_integer() and abs(number) < 2**63 else 0


def _digits(ref: str) -> str:
    return ref.lstrip().lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _column_number(ref: str) -> int:
    """Column number of a cell reference's letters (``XFD`` is 16,384); 0 if none."""
    match = _CELL_REF.match(ref.replace("$", ""))
    if match is None:
        return 0
    number = 0
    for letter in match.group(1).upper()[:4]:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def scan_part(stream: Any, *, settings: Settings) -> _Extent:
    """Return the extent of the worksheet rows and cells in one XML part (streamed).

    Stops early once the extent passes a limit. Content that is not XML, or declares a
    DTD (no workbook part does), ends the scan: openpyxl would stop there too.
    """
    extent = _Extent(settings)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = extent.start

    def no_dtd(*_: Any) -> None:
        raise expat.ExpatError("DTD")

    parser.StartDoctypeDeclHandler = no_dtd
    try:
        while chunk := stream.read(SCAN_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (_Over, expat.ExpatError, ValueError):
        pass
    return extent


def check_xlsx(path: Path, *, file: str, settings: Settings) -> None:
    """Check an XLSX workbook's archive, then the extent of every part that could be a sheet.

    Every member but the relationship lists is scanned, so no naming or relationship trick
    hides a sheet from the check (openpyxl reads as a sheet whatever the workbook's
    relationships point at); parts that are not worksheets have no rows.

    Raises
    ------
    InputFileError
        ``over_limit``: the archive (:func:`check_archive`), ``sheet_rows`` or
        ``sheet_cells``.
    """
    members = check_archive(path, file=file, settings=settings)
    try:
        with zipfile.ZipFile(path) as archive:
            for member in members:
                name = member.filename
                if member.is_dir() or name.endswith(".rels") or name == "[Content_Types].xml":
                    continue
                with archive.open(member) as stream:
                    extent = scan_part(stream, settings=settings)
                _check_extent(extent, file=file, settings=settings)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as exc:  # a damaged or encrypted member: openpyxl fails on it too
        msg = f"{file}: not a readable Excel .xlsx workbook ({exc}); save it again as .xlsx"
        raise InputFileError(msg, file=file) from exc


def _check_extent(extent: _Extent, *, file: str, settings: Settings) -> None:
    rows, columns = extent.extent()
    if rows - 1 > settings.max_records:
        raise over_limit(file, "sheet_rows", "max_records", settings.max_records, rows=rows)
    if rows * columns > settings.max_cells:
        raise over_limit(
            file,
            "sheet_cells",
            "max_cells",
            settings.max_cells,
            last=f"{_column_letters(columns)}{rows}",
            rows=rows,
            columns=columns,
            cells=rows * columns,
        )


# --------------------------------------------------------------------------- CSV


def check_csv(path: Path, *, file: str, settings: Settings) -> None:
    """Refuse a CSV of more lines or (lines × header fields) cells than the limits.

    Lines count newlines (an upper bound on the records: a quoted cell may hold a
    newline); the header's fields are counted for each delimiter the reader may choose
    (``,`` ``;`` tab ``|``) and the most taken. The file is streamed, never held.
    """
    lines = 0
    header = b""
    last = b"\n"
    with path.open("rb") as stream:
        while chunk := stream.read(SCAN_CHUNK):
            if not lines and not header:
                header = chunk.split(b"\n", 1)[0]
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    lines += last != b"\n"
    records = max(lines - 1, 0)
    columns = 1 + max(header.count(sep) for sep in (b",", b";", b"\t", b"|"))
    check_counts(file=file, settings=settings, records=records, columns=columns, variant="lines")


# --------------------------------------------------------------------------- GeoParquet


def check_parquet(path: Path, *, file: str, settings: Settings) -> None:
    """Check a GeoParquet file's rows, cells, uncompressed size and vertices from its footer.

    Raises
    ------
    InputFileError
        ``over_limit``, or ``unreadable`` when the footer cannot be read.
    """
    try:
        meta = pq.read_metadata(path)
        groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
        unpacked = sum(group.total_byte_size for group in groups)
        geometry = _geometry_column(meta.metadata or {})
        wkb = sum(
            group.column(i).total_uncompressed_size
            for group in groups
            for i in range(group.num_columns)
            if group.column(i).path_in_schema == geometry
        )
    except (pa.ArrowException, OSError, ValueError, IndexError) as exc:
        msg = f"{file}: not a readable GeoParquet file ({exc}); export it again"
        raise InputFileError(msg, file=file) from exc
    check_unpacked(unpacked, path.stat().st_size, file=file, settings=settings)
    columns = max(meta.num_columns - 1, 1)
    check_counts(file=file, settings=settings, records=meta.num_rows, columns=columns)
    check_vertices(wkb // 16, file=file, settings=settings)


def _geometry_column(metadata: dict[bytes, bytes]) -> str:
    """Return the primary geometry column GeoParquet metadata names (default ``geometry``)."""
    try:
        geo = json.loads(metadata.get(b"geo", b"{}"))
        column = geo.get("primary_column", "geometry") if isinstance(geo, dict) else "geometry"
    except ValueError:
        return "geometry"
    return column if isinstance(column, str) else "geometry"


# --------------------------------------------------------------------------- Shapefile


def check_shapefile(
    sizes: dict[str, int], heads: dict[str, bytes], *, file: str, settings: Settings
) -> None:
    """Check a Shapefile's records, cells and vertices from its parts' sizes and headers.

    ``sizes`` and ``heads`` map a part's suffix (``.shp``, ``.shx``, ``.dbf``) to its
    unpacked size and first bytes. Records: the ``.dbf`` header's count, or the ``.shx``
    size (8 bytes per record), whichever is larger; columns: the ``.dbf`` field
    descriptors. Vertices: the records for a point file, else the ``.shp`` size over 16
    (one x/y pair), an upper bound.
    """
    dbf = heads.get(".dbf", b"")
    records = int.from_bytes(dbf[4:8], "little") if len(dbf) >= 12 else 0
    records = max(records, (sizes.get(".shx", 100) - 100) // 8)
    header = int.from_bytes(dbf[8:10], "little") if len(dbf) >= 12 else 0
    columns = max((header - 33) // 32, 1)
    check_counts(file=file, settings=settings, records=records, columns=columns)
    shape_type = int.from_bytes(heads.get(".shp", b"")[32:36], "little")
    points = shape_type in (1, 11, 21)
    vertices = records if points else max(sizes.get(".shp", 100) - 100, 0) // 16
    check_vertices(vertices, file=file, settings=settings)

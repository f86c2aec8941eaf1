"""What a file's first bytes say it is, checked against what its name says.

Uploads are data, never instructions. GDAL, which reads the geodata formats, picks its
driver by content: a ``.geojson`` upload that is really an OGR VRT (``<OGRVRTDataSource>``
naming ``CSV:/etc/passwd`` or a ``/vsicurl/`` address) would make the server read its
own files or fetch a URL, and GDAL's VRT driver claims any text file that holds
``<OGRVRTDataSource`` in its first kilobyte, even one that starts like JSON. So every
file's content must match its suffix before any reader sees it, and the readers pin
GDAL's driver (:mod:`geo.readers`):

===============  =====================================================================
suffix           content
===============  =====================================================================
.csv .txt        anything but a known binary container (ZIP, SQLite, Parquet, XLS...)
.xlsx            a ZIP archive
.geojson .json   a JSON object: ``{`` first (after a UTF-8 byte order mark and spaces)
.gpkg            SQLite with the GeoPackage application id (``GPKG``, or ``GP10``/``GP11``)
.parquet         ``PAR1`` at both ends
.zip             a ZIP archive (its ``.shp`` and ``.shx`` are checked in :mod:`geo.readers`)
===============  =====================================================================

A file that names an OGR VRT anywhere in its first bytes is refused whatever its suffix.
A mismatch raises :class:`~geo.errors.InputFileError` with code ``wrong_format``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from geo.errors import InputFileError
from geo.findings import problem

HEAD_BYTES = 4096
"""How much of the start of a file is looked at."""

SHP_MAGIC: Final = b"\x00\x00\x27\x0a"
"""First four bytes of a Shapefile's .shp and .shx (file code 9994, big-endian)."""

_GPKG_IDS: Final = (b"GPKG", b"GP10", b"GP11")
_VRT: Final = b"<ogrvrtdatasource"

EXPECTED: Final = {
    ".csv": "CSV",
    ".txt": "CSV",
    ".xlsx": "XLSX",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
    ".zip": "zipped Shapefile",
}
"""Suffix -> the format its content must be."""

_BINARY: Final = ("ZIP", "SQLite", "GeoPackage", "Parquet", "XLS", "PDF", "Shapefile .shp")
"""Formats that are never a CSV."""


def kind_of(head: bytes, tail: bytes = b"") -> str:
    r"""Return the format the first (and last) bytes of a file show.

    One of ``VRT``, ``ZIP``, ``GeoPackage``, ``SQLite``, ``Parquet``, ``XLS``, ``PDF``,
    ``Shapefile .shp``, ``JSON``, ``XML``, ``text`` or ``unknown`` (binary).

    Examples
    --------
    >>> kind_of(b'{"type": "FeatureCollection"}'), kind_of(b"PK\x03\x04..."), kind_of(b"a,b\n")
    ('JSON', 'ZIP', 'text')
    >>> kind_of(b'{"x": "<OGRVRTDataSource>"}')
    'VRT'
    """
    if _VRT in head.lower():
        return "VRT"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "ZIP"
    if head.startswith(b"SQLite format 3\x00"):
        return "GeoPackage" if head[68:72] in _GPKG_IDS else "SQLite"
    if head.startswith(b"PAR1"):
        return "Parquet" if tail.endswith(b"PAR1") else "unknown"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "XLS"
    if head.startswith(b"%PDF"):
        return "PDF"
    if head.startswith(SHP_MAGIC):
        return "Shapefile .shp"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"{"):
        return "JSON"
    if text.startswith(b"<"):
        return "XML"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "unknown"  # binary (UTF-16 text with its byte order mark is text)
    return "text"


def matches(kind: str, expected: str) -> bool:
    """Return whether content of ``kind`` may be read as ``expected``."""
    if kind == "VRT":
        return False
    if expected == "CSV":
        return kind not in _BINARY
    wanted = {"XLSX": "ZIP", "zipped Shapefile": "ZIP", "GeoJSON": "JSON", "GeoParquet": "Parquet"}
    return kind == wanted.get(expected, expected)


def check_content(path: Path, *, file: str, suffix: str) -> None:
    """Refuse ``path`` unless its content is the format its ``suffix`` names.

    Raises
    ------
    InputFileError
        Code ``wrong_format``: variant ``vrt`` for an OGR VRT, ``unknown`` for content
        that is no format beatcov knows, else the format found.
    """
    expected = EXPECTED[suffix]
    with path.open("rb") as stream:
        head = stream.read(HEAD_BYTES)
        size = stream.seek(0, 2)
        stream.seek(max(0, size - 4))
        tail = stream.read(4)
    kind = kind_of(head, tail)
    if not matches(kind, expected):
        raise wrong_format(file, expected=expected, found=kind)


def wrong_format(file: str, *, expected: str, found: str) -> InputFileError:
    """Return the ``wrong_format`` error of ``file``: ``found`` where ``expected`` was due.

    Examples
    --------
    >>> str(wrong_format("h.geojson", expected="GeoJSON", found="GeoPackage"))[:58]
    'h.geojson: the content is GeoPackage, not GeoJSON as the f'
    """
    variant = {"VRT": "vrt", "unknown": "unknown"}.get(found, "")
    values = {"expected": expected, "found": found}
    message = f"{file}: {problem('wrong_format', variant, **values)}"
    return InputFileError(message, file=file, code="wrong_format", variant=variant, values=values)

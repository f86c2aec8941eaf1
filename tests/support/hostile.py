"""The hostile files of issue 12, built byte by byte (no library writes such files).

* :func:`vrt`: an OGR VRT, which GDAL's VRT driver opens to read another source (a local
  file, or a URL through ``/vsicurl/``), saved under a GeoJSON name, bare or wrapped in a
  JSON object;
* :func:`far_cell_workbook`: a 5 KB XLSX with a header and one cell at ``XFD1048576``;
* :func:`shared_string_bomb`: an XLSX whose shared string is hundreds of MB of one letter,
  about 400 KB zipped (packed in chunks, never held in memory unpacked);
* :func:`points_shapefile`: a zipped Shapefile of N points on a grid (3M points: about
  27 MB zipped at compression level 1), written with numpy.

Used by ``tests/geo/test_limits.py``, ``tests/geo/test_sniff.py`` and
``benchmarks/uploads.py``.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="households" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet(rows: str, dimension: str = "A1") -> str:
    """Return a worksheet part with ``rows`` (``<row>`` elements) and a declared dimension."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )


def workbook(path: Path, sheet_xml: str, strings: list[str] | None = None) -> Path:
    """Write an XLSX with one sheet and its shared strings (the sheet's ``t="s"`` cells)."""
    items = "".join(f"<si><t>{s}</t></si>" for s in strings or [])
    shared = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}</sst>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        archive.writestr("xl/sharedStrings.xml", shared)
    return path


def far_cell_workbook(path: Path, *, declared: str = "A1:XFD1048576") -> Path:
    """Write an XLSX with the header ``household_id`` and one number at ``XFD1048576``."""
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    return workbook(path, sheet(rows, declared), ["household_id"])


def shared_string_bomb(path: Path, *, megabytes: int = 400) -> Path:
    """Write an XLSX whose one data cell is a shared string of ``megabytes`` MB of ``a``.

    Deflated with zlib's run-length strategy, which packs a run as tightly as its default
    (one match of 258 bytes after another) in a quarter of the time; zipfile cannot choose
    the strategy, so the archive is written by :func:`deflated_zip`.
    """
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    )
    chunk = b"a" * 2**20
    strings = [
        f'<sst xmlns="{MAIN}"><si><t>household_id</t></si><si><t>'.encode(),
        *(chunk for _ in range(megabytes)),
        b"</t></si></sst>",
    ]
    members = {
        "[Content_Types].xml": [CONTENT_TYPES.encode()],
        "_rels/.rels": [ROOT_RELS.encode()],
        "xl/workbook.xml": [WORKBOOK.encode()],
        "xl/_rels/workbook.xml.rels": [WORKBOOK_RELS.encode()],
        "xl/worksheets/sheet1.xml": [sheet(rows, "A1:A2").encode()],
        "xl/sharedStrings.xml": strings,
    }
    return deflated_zip(path, members, strategy=zlib.Z_RLE)


def deflated_zip(
    path: Path, members: Mapping[str, Iterable[bytes]], *, strategy: int = zlib.Z_DEFAULT_STRATEGY
) -> Path:
    """Write a zip archive of ``members`` (name: their bytes in chunks), deflated by zlib.

    A plain archive as zipfile writes one (no ZIP64: each member under 4 GB unpacked), dated
    1980-01-01; only the packed data are held in memory.
    """
    dos_date = (0 << 9) | (1 << 5) | 1  # 1980-01-01, 00:00
    central = bytearray()
    with path.open("wb") as out:
        for name, chunks in members.items():
            packer = zlib.compressobj(6, zlib.DEFLATED, -15, 8, strategy)
            packed, crc, size = [], 0, 0
            for part in chunks:
                packed.append(packer.compress(part))
                crc, size = zlib.crc32(part, crc), size + len(part)
            packed.append(packer.flush())
            data, encoded = b"".join(packed), name.encode()
            # version 2.0, no flags, deflated, time, date, CRC-32, sizes, name, no extra field
            fields = struct.pack(
                "<5H3L2H", 20, 0, 8, 0, dos_date, crc, len(data), size, len(encoded), 0
            )
            # made by 2.0 (MS-DOS); no comment, disk 0, no attributes; the local header's offset
            central += b"PK\x01\x02" + struct.pack("<H", 20) + fields
            central += struct.pack("<3H2L", 0, 0, 0, 0, out.tell()) + encoded
            out.write(b"PK\x03\x04" + fields + encoded + data)
        start = out.tell()
        out.write(central)
        count = len(members)
        out.write(b"PK\x05\x06" + struct.pack("<4H2LH", 0, 0, count, count, len(central), start, 0))
    return path


def points_shapefile(path: Path, n: int) -> Path:
    """Write a zipped Shapefile of ``n`` points (a 0.0001° grid near Nanjing), one id field."""
    side = int(np.ceil(np.sqrt(n)))
    index = np.arange(n)
    x = 118.7 + (index % side) * 1e-4
    y = 32.0 + (index // side) * 1e-4
    record = np.dtype(
        [("number", ">i4"), ("length", ">i4"), ("type", "<i4"), ("x", "<f8"), ("y", "<f8")]
    )
    shp = np.zeros(n, dtype=record)
    shp["number"], shp["length"], shp["type"], shp["x"], shp["y"] = index + 1, 10, 1, x, y
    offsets = np.zeros(n, dtype=[("offset", ">i4"), ("length", ">i4")])
    offsets["offset"] = (100 + index * 28) // 2
    offsets["length"] = 10

    def header(length: int) -> bytes:
        head = bytearray(100)
        head[0:4] = (9994).to_bytes(4, "big")
        head[24:28] = (length // 2).to_bytes(4, "big")
        head[28:32] = (1000).to_bytes(4, "little")
        head[32:36] = (1).to_bytes(4, "little")  # point
        bounds = np.array([x.min(), y.min(), x.max(), y.max()], dtype="<f8").tobytes()
        head[36:68] = bounds
        return bytes(head)

    width = 10
    dbf = bytearray(32 + 32 + 1)
    dbf[0] = 3
    dbf[4:8] = n.to_bytes(4, "little")
    dbf[8:10] = (32 + 32 + 1).to_bytes(2, "little")
    dbf[10:12] = (1 + width).to_bytes(2, "little")
    dbf[32:34] = b"id"
    dbf[43] = ord("C")
    dbf[48] = width
    dbf[64] = 0x0D
    records = np.full((n, 1 + width), ord(" "), dtype=np.uint8)  # deletion flag, then id
    rest = index
    for column in range(width, 0, -1):  # the id's digits, last first
        rest, digit = np.divmod(rest, 10)
        records[:, column] = digit + ord("0")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("points.shp", header(100 + n * 28) + shp.tobytes())
        archive.writestr("points.shx", header(100 + n * 8) + offsets.tobytes())
        archive.writestr("points.dbf", bytes(dbf) + records.tobytes() + b"\x1a")
    return path


def vrt(source: str, *, layer: str, wrapped: bool = False) -> str:
    """Return an OGR VRT reading ``layer`` of ``source``; ``wrapped`` in a JSON object."""
    xml = (
        f"<OGRVRTDataSource><OGRVRTLayer name='{layer}'><SrcDataSource>{source}"
        "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )
    return f'{{"type": "FeatureCollection", "x": "{xml}"}}' if wrapped else xml

"""Readers: files of every format read as text cells, encodings told or refused.

Geodata and workbook cells are read as text (the conversion itself in
tests/geo/test_cell_text.py). Text encodings are
checked on hand-made bytes, one case each (UTF-8 with a stray byte, Latin-1, GBK, GB18030,
BOMs, ASCII); the GB18030 rule itself in tests/geo/test_encodings.py.
``parse_times`` parses strict ISO 8601 text apart from the rest; its results are compared
with the previous implementation (kept below as ``reference_parse_times``). Zipped
Shapefiles are written with pyogrio or, for the .dbf alone, byte by byte.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo.encodings import is_chinese_gb18030
from geo.errors import EncodingError, Finding, InputFileError
from geo.importer import read_beats
from geo.readers import (
    RawTable,
    dbf_encoding,
    detect_encoding,
    mend_dbf_names,
    plain_parquet_frame,
    read_parquet_table,
    read_raw,
)
from geo.times import parse_times
from geo.validate import Collector


def _with_geo(path: Path, change: Callable[[dict], None]) -> Path:
    """Rewrite a GeoParquet file's ``geo`` metadata as ``change`` edits it."""
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    geo = json.loads(meta[b"geo"])
    change(geo)
    meta[b"geo"] = json.dumps(geo).encode()
    out = path.with_name(f"edited-{path.name}")
    pq.write_table(table.replace_schema_metadata(meta), out)
    return out


def _frame_or_error(read: Callable[[], gpd.GeoDataFrame | None]) -> object:
    try:
        return read()
    except Exception as error:  # noqa: BLE001 (compared: both readers must raise the same)
        return f"{type(error).__name__}: {error}"


def test_plain_geoparquet_frames_are_geopandas_own(tmp_path: Path) -> None:
    shapes = [shapely.box(0, 0, 1, 1), None, shapely.Point(118.5, 32.0, 3.0), shapely.Point()]
    gdf = gpd.GeoDataFrame(
        {
            "household_id": ["007", "户号", "3", "4"],
            "residents": pd.array([1, None, 3, 4], "Int64"),
        },
        geometry=shapes,
        crs="EPSG:4548",
    )
    gdf.to_parquet(tmp_path / "plain.parquet")
    gdf.set_index("household_id").to_parquet(tmp_path / "named_index.parquet")
    gdf.set_axis([5, 7, 1, 0]).to_parquet(tmp_path / "integer_index.parquet")
    gdf[["geometry", "residents", "household_id"]].to_parquet(tmp_path / "first.parquet")
    gdf.rename_geometry("shape").to_parquet(tmp_path / "shape.parquet")
    gdf.set_crs(None, allow_override=True).to_parquet(tmp_path / "no_crs.parquet")
    plain = tmp_path / "plain.parquet"
    cases = [
        plain,
        tmp_path / "named_index.parquet",
        tmp_path / "integer_index.parquet",
        tmp_path / "first.parquet",
        tmp_path / "shape.parquet",
        tmp_path / "no_crs.parquet",
        _with_geo(plain, lambda geo: geo["columns"]["geometry"].pop("crs")),  # OGC:CRS84
        _with_geo(plain, lambda geo: geo["columns"]["geometry"].update(crs={})),
    ]
    for path in cases:
        ours = plain_parquet_frame(pq.read_table(path))
        theirs = gpd.read_parquet(path)
        assert ours is not None, path.name
        assert_geodataframe_equal(ours, theirs, check_less_precise=False)
        assert ours.crs == theirs.crs, path.name
        assert (
            shapely.to_wkb(ours.geometry.array).tolist()
            == shapely.to_wkb(theirs.geometry.array).tolist()
        )
    table = pq.read_table(plain)
    damaged = table.set_column(
        table.column_names.index("geometry"),
        "geometry",
        pa.array([b"\x01\x01\x00", None, None, None], pa.binary()),
    )
    pq.write_table(damaged, tmp_path / "damaged.parquet")
    ours_error = _frame_or_error(
        lambda: plain_parquet_frame(pq.read_table(tmp_path / "damaged.parquet"))
    )
    theirs_error = _frame_or_error(lambda: gpd.read_parquet(tmp_path / "damaged.parquet"))
    assert isinstance(ours_error, str)
    assert ours_error == theirs_error


def test_other_geoparquet_frames_are_left_to_geopandas(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(1, 2)], crs=4326)
    gdf.attrs = {"source": "survey"}
    gdf.to_parquet(tmp_path / "attrs.parquet")
    gdf.attrs = {}
    gdf.assign(other=gdf.geometry).to_parquet(tmp_path / "two.parquet")
    gdf.to_parquet(tmp_path / "covering.parquet", write_covering_bbox=True)
    for name in ("attrs", "two", "covering"):
        path = tmp_path / f"{name}.parquet"
        assert plain_parquet_frame(pq.read_table(path)) is None, name


def test_geoparquet_and_geojson_cells_as_text(tmp_path: Path) -> None:
    # typed columns come back as the text a spreadsheet would hold
    gdf = gpd.GeoDataFrame(
        {
            "household_id": ["007", "户号 "],
            "residents": [3, 4],
            "duration_min": [15.0, 2.5],
            "satisfaction": pd.array([5, None], dtype="Int64"),
            "time": pd.to_datetime(["2026-07-01 18:05", "2026-07-02 07:00"]).tz_localize(
                "Asia/Shanghai"
            ),
        },
        geometry=[shapely.Point(116.4, 39.9), shapely.Point(116.5, 39.9)],
        crs="EPSG:4326",
    )
    gdf.to_parquet(tmp_path / "v.parquet")
    frame = read_raw(tmp_path / "v.parquet").frame
    assert frame.to_dict("list") == {
        "household_id": ["007", "户号"],
        "residents": ["3", "4"],
        "duration_min": ["15", "2.5"],
        "satisfaction": ["5", ""],
        "time": ["2026-07-01T18:05:00+08:00", "2026-07-02T07:00:00+08:00"],
    }
    gdf.drop(columns="time").to_file(tmp_path / "v.geojson", driver="GeoJSON", engine="pyogrio")
    assert read_raw(tmp_path / "v.geojson").frame["duration_min"].tolist() == ["15", "2.5"]


def test_xlsx_cells_as_text(tmp_path: Path) -> None:
    # openpyxl gives Python objects: text, ints, floats, datetimes, bools, None (empty cells);
    # a spreadsheet datetime is a datetime.datetime, whose str has a space, not a "T"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["户号", "n", "x", "when", "flag"])
    sheet.append(["007", 3, 2.0, dt.datetime(2026, 7, 1, 18, 5), True])
    sheet.append([" 01 ", None, 0.1, None, False])
    book.save(tmp_path / "h.xlsx")
    frame = read_raw(tmp_path / "h.xlsx").frame
    assert frame.to_dict("list") == {
        "户号": ["007", "01"],
        "n": ["3", ""],
        "x": ["2", "0.1"],
        "when": ["2026-07-01 18:05:00", ""],
        "flag": ["True", "False"],
    }


# ---------------------------------------------------------------- zipped Shapefiles


def dbf_bytes(fields: list[tuple[bytes, int]], records: list[list[bytes]]) -> bytes:
    """A dBASE III file built by hand: text fields ``(name, width)`` and their records."""
    header_length = 32 + 32 * len(fields) + 1
    record_length = 1 + sum(width for _, width in fields)
    out = bytes([3, 126, 7, 1]) + len(records).to_bytes(4, "little")
    out += header_length.to_bytes(2, "little") + record_length.to_bytes(2, "little")
    out += bytes(20)
    for name, width in fields:
        out += name.ljust(11, b"\0") + b"C" + bytes(4) + bytes([width, 0]) + bytes(14)
    out += b"\r"
    for record in records:
        out += b" " + b"".join(
            cell.ljust(width, b" ") for cell, (_, width) in zip(record, fields, strict=True)
        )
    return out + b"\x1a"


def test_dbf_encoding_from_cpg_or_detected() -> None:
    gbk = dbf_bytes([("警务区".encode("gbk"), 10)], [["东城一区".encode("gbk")]])
    utf8 = dbf_bytes([("警务区".encode()[:10], 20)], [["东城一区".encode()]])
    assert dbf_encoding(gbk) == "gb18030"  # no .cpg: not UTF-8, decodes as GB18030
    assert dbf_encoding(gbk, cpg="GBK") == dbf_encoding(gbk, cpg="936 ") == "gb18030"
    assert dbf_encoding(gbk, cpg="UTF-8") == "gb18030"  # a .cpg the bytes deny is not believed
    assert dbf_encoding(utf8) == dbf_encoding(utf8, cpg="UTF-8") == "utf-8"
    assert dbf_encoding(dbf_bytes([(b"BEAT_ID", 10)], [[b"B1"]]), cpg="GBK") is None  # ASCII
    # 警务区编号 in UTF-8 is 15 bytes; cut at 10 it ends in one byte of 编 (e7 bc 96): still UTF-8
    cut = dbf_bytes([("警务区编号".encode()[:10], 10)], [[b"B1"]])
    assert "警务区编号".encode()[9:10] == b"\xe7"
    assert dbf_encoding(cut) == "utf-8"
    with pytest.raises(InputFileError, match="b.zip: the Shapefile's .dbf is damaged"):
        dbf_encoding(b"\x03", file="b.zip")


def test_mend_dbf_names_cuts_before_a_split_character() -> None:
    cut = dbf_bytes([("所属派出所".encode()[:10], 10), (b"ID", 4)], [["玄武".encode(), b"1"]])
    mended = mend_dbf_names(cut, "utf-8")
    # 所属派 is 9 bytes: the tenth (first byte of 出) goes, padding follows; nothing else changes
    assert mended[32:43] == "所属派".encode() + bytes(2)
    assert mended[:32] == cut[:32] and mended[43:] == cut[43:]
    assert mend_dbf_names(mended, "utf-8") == mended


def shapefile_zip(tmp_path: Path, *, encoding: str, cpg: bool) -> Path:
    gdf = gpd.GeoDataFrame(
        {"警务区": ["W1", "E1"], "派出所": ["东城派出所"] * 2, "民警": ["张三", "李四"]},
        geometry=[shapely.box(500000, 4400000, 500300, 4400300)] * 2,
        crs="EPSG:4548",
    )
    folder = tmp_path / f"{encoding}-{cpg}"
    folder.mkdir()
    pyogrio.write_dataframe(gdf, folder / "beats.shp", encoding=encoding)
    path = tmp_path / f"{encoding}-{cpg}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            if cpg or part.suffix != ".cpg":
                archive.write(part, f"警务区/{part.name.upper()}")  # in a folder, upper case
    return path


@pytest.mark.parametrize("cpg", [True, False])
def test_gbk_shapefile_with_and_without_cpg(tmp_path: Path, cpg: bool) -> None:
    path = shapefile_zip(tmp_path, encoding="GBK", cpg=cpg)
    raw = read_raw(path)
    assert list(raw.frame.columns) == ["警务区", "派出所", "民警"]
    assert raw.frame.to_dict("list")["民警"] == ["张三", "李四"]
    assert raw.encoding == "gb18030" and raw.row_word == "feature"
    assert raw.crs is not None and raw.crs.to_epsg() == 4548
    assert raw.geometry is not None and raw.geometry.iloc[0].bounds == (
        500000.0, 4400000.0, 500300.0, 4400300.0
    )  # fmt: skip


def test_utf8_shapefile_names_cut_inside_a_character(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"所属派出所": ["东城派出所"], "社区民警": ["P1"]},
        geometry=[shapely.box(0, 0, 1, 1)],
        crs="EPSG:4326",
    )
    folder = tmp_path / "parts"
    folder.mkdir()
    with pytest.warns(RuntimeWarning, match="laundered"):  # GDAL cuts at 10 bytes itself
        pyogrio.write_dataframe(gdf, folder / "b.shp", encoding="UTF-8")
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    raw = read_raw(tmp_path / "b.zip")
    # 所属派出所 (15 bytes) -> 所属派 (9); 社区民警 (12 bytes) -> 社区民 (9): whole characters
    assert list(raw.frame.columns) == ["所属派", "社区民"]
    assert raw.frame.iloc[0].tolist() == ["东城派出所", "P1"] and raw.encoding == "utf-8"


def test_zip_without_one_shapefile(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.writestr("a.shp", b"")
        archive.writestr("b.shp", b"")
    with pytest.raises(InputFileError, match=r"two\.zip: the zip must hold exactly one \.shp"):
        read_raw(tmp_path / "two.zip")
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(InputFileError, match="bad.zip: the content is text, not zipped Sha") as e:
        read_raw(tmp_path / "bad.zip")
    assert e.value.code == "wrong_format"
    (tmp_path / "cut.zip").write_bytes((tmp_path / "two.zip").read_bytes()[:40])
    with pytest.raises(InputFileError, match="cut.zip: not a valid zip archive") as e:
        read_raw(tmp_path / "cut.zip")
    assert e.value.code == "unreadable"


# ---------------------------------------------------------------- text encodings
# Hand-made bytes for each case. Refusals name the row (the line: the header is row 1), the
# column as the file spells it and the first byte that is not UTF-8, and say to save as UTF-8.

FINNISH = "id,osoite\n1,Pitkänsillanranta 3\n2,Hämeentie 1\n"
SAVE_AS_UTF8 = (
    "is not UTF-8, and the file is not Chinese text in GBK/GB18030 either; save the file as "
    "UTF-8 (in Excel: Save As, CSV UTF-8) and import it again"
)


def refusal(data: bytes, tmp_path: Path, name: str = "h.csv") -> Finding:
    """The ``bad_encoding`` finding of reading ``data`` as a CSV file called ``name``."""
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(EncodingError) as refused:
        read_raw(path)
    finding = refused.value.finding()
    assert finding.code == "bad_encoding" and finding.severity == "fatal"
    assert str(refused.value) == finding.message
    return finding


def test_utf8_with_one_stray_byte_is_refused_at_its_row(tmp_path: Path) -> None:
    # issue 12: one stray byte made the whole file cp1252 (ä -> Ã¤); now it is refused at
    # the stray byte: row 3 (the header is row 1), second column
    good = FINNISH.encode()
    stray = good.replace(b"2,H", b"2,\x9dH")
    finding = refusal(stray, tmp_path)
    assert (finding.row, finding.column) == (3, "osoite")
    assert finding.values == {"byte": "0x9D", "row_word": "row"}
    assert finding.message == f"h.csv, row 3, column 'osoite': byte 0x9D {SAVE_AS_UTF8}"


def test_utf8_with_a_stray_byte_that_gbk_would_read_is_refused(tmp_path: Path) -> None:
    # ten UTF-8 rows with ä (c3 a4) and one Latin-1 ä (e4): as GB18030 the whole file decodes
    # (c3a4 is 盲, a common hanzi; e4 6e is 鋘) and 10 of its 11 non-ASCII characters are
    # common hanzi -- but it has 10 well-formed UTF-8 sequences and one byte outside them:
    # UTF-8 with a bad byte (rule 2), refused at row 12
    rows = "".join(f"{i},Pitkänsillanranta {i}\n" for i in range(1, 11))
    data = f"id,osoite\n{rows}".encode() + "11,Pitkänsillanranta 11\n".encode("latin-1")
    assert "Pitk盲nsillanranta 1" in data.decode("gb18030")  # what a naive GBK reading gives
    assert not is_chinese_gb18030([data])
    finding = refusal(data, tmp_path)
    assert (finding.row, finding.column, finding.values["byte"]) == (12, "osoite", "0xE4")


def test_latin1_is_refused_not_read_as_gbk(tmp_path: Path) -> None:
    # issue 12: Latin-1 was read as GBK (Pitkänsillanranta -> Pitk鋘sillanranta): e4 6e is
    # one rare GBK character whose second byte is below 0x80, so it is not Chinese (rule 3)
    data = FINNISH.encode("latin-1")
    assert data.decode("gb18030").splitlines()[1] == "1,Pitk鋘sillanranta 3"
    assert not is_chinese_gb18030([data])
    finding = refusal(data, tmp_path)
    assert finding.message == f"h.csv, row 2, column 'osoite': byte 0xE4 {SAVE_AS_UTF8}"


def test_refusal_names_the_column_past_quoted_delimiters(tmp_path: Path) -> None:
    data = 'id;"a; b";osoite\n1;"x; y";Pitkä\n'.encode("latin-1")
    assert refusal(data, tmp_path).column == "osoite"
    header = refusal("osoite,Päivä\n".encode("latin-1"), tmp_path)  # in the header: no column
    assert (header.row, header.column) == (1, None)
    assert header.message.startswith("h.csv, row 1: byte 0xE4 is not UTF-8")


def test_gbk_chinese_is_read(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_bytes("户号,地址,民警\n0012,一枝园28号,张喆\n".encode("gbk"))
    raw = read_raw(tmp_path / "h.csv")
    assert raw.encoding == "gb18030"
    assert raw.frame.to_dict("list") == {"户号": ["0012"], "地址": ["一枝园28号"], "民警": ["张喆"]}


def test_gb18030_only_characters_are_read(tmp_path: Path) -> None:
    # 𠀀 (U+20000) takes four bytes and 䶮 (U+4DAE) two (fe 9f) in GB18030; GBK has neither
    address = "𠀀路䶮巷3号"
    assert len("𠀀".encode("gb18030")) == 4 and "䶮".encode("gb18030") == b"\xfe\x9f"
    with pytest.raises(UnicodeEncodeError):
        address.encode("gbk")
    (tmp_path / "h.csv").write_bytes(f"户号,地址\n1,{address}\n".encode("gb18030"))
    raw = read_raw(tmp_path / "h.csv")
    assert raw.encoding == "gb18030" and raw.frame["地址"].tolist() == [address]


def test_utf8_bom_is_read_and_a_bad_byte_after_it_refused(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_bytes("\ufeff户号,地址\n1,一枝园\n".encode())
    raw = read_raw(tmp_path / "h.csv")
    assert raw.encoding == "utf-8-sig" and list(raw.frame.columns) == ["户号", "地址"]
    damaged = "\ufeff户号,地址\n1,一枝园\n".encode() + "2,玄武\n".encode("gbk")
    finding = refusal(damaged, tmp_path)
    assert (finding.row, finding.column, finding.variant) == (3, "地址", "bom")
    assert finding.message == (
        "h.csv, row 3, column '地址': the file starts with a UTF-8 byte-order mark, but byte "
        "0xD0 is not UTF-8; save the file again as UTF-8 and import it again"
    )


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    # Excel's "Unicode text": UTF-16 with a byte-order mark, tab separated
    (tmp_path / "h.txt").write_bytes("户号\t地址\n1\t一枝园\n".encode("utf-16"))
    raw = read_raw(tmp_path / "h.txt")
    assert raw.encoding == "utf-16" and raw.frame.to_dict("list") == {
        "户号": ["1"],
        "地址": ["一枝园"],
    }


def test_pure_ascii_is_utf8() -> None:
    assert detect_encoding(b"id,name\n1,x\n") == "utf-8"
    assert detect_encoding("id,osoite\n1,Pitkänsillanranta\n".encode()) == "utf-8"


def test_latin1_shapefile_without_cpg_is_refused_at_its_feature(tmp_path: Path) -> None:
    dbf = dbf_bytes(
        [(b"ID", 4), (b"OSOITE", 30)],
        [[b"1", b"Mannerheimintie 5"], [b"2", "Pitkänsillanranta 3".encode("latin-1")]],
    )
    with pytest.raises(EncodingError) as refused:
        dbf_encoding(dbf, file="b.zip")
    finding = refused.value.finding()
    assert (finding.row, finding.column, finding.variant) == (2, "OSOITE", "dbf")
    assert finding.message == (
        "b.zip, feature 2, column 'OSOITE': byte 0xE4 is not UTF-8, and the attribute text is "
        "not Chinese text in GBK/GB18030 either; add a .cpg file naming its encoding (e.g. "
        "UTF-8 or GBK) to the zip, or export the Shapefile again in UTF-8"
    )
    # a .cpg that names the encoding is believed: named, not guessed
    assert dbf_encoding(dbf, cpg="ISO-8859-1") == "iso8859-1"
    # a field name in Latin-1: no feature, no column
    names = dbf_bytes([("KYLÄT".encode("latin-1"), 4)], [[b"1"]])
    with pytest.raises(EncodingError, match=r"^b\.zip: byte 0xC4 is not UTF-8"):
        dbf_encoding(names, file="b.zip")


def test_latin1_shapefile_zip_is_a_finding_of_the_import(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"beat_id": ["B1"], "name": ["Pitkänsillanranta"]},
        geometry=[shapely.box(24.9, 60.1, 24.901, 60.101)],
        crs="EPSG:4326",
    )
    folder = tmp_path / "parts"
    folder.mkdir()
    pyogrio.write_dataframe(gdf, folder / "b.shp", encoding="ISO-8859-1")
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as archive:
        for part in folder.iterdir():
            if part.suffix != ".cpg":
                archive.write(part, part.name)
    result = read_beats(tmp_path / "b.zip")
    [finding] = result.report.findings
    assert (finding.code, finding.row, finding.column) == ("bad_encoding", 1, "name")
    assert len(result.table) == 0


# ---------------------------------------------------------------- parse_times


def reference_parse_times(values: pd.Series, collector: Collector, *, timezone: str) -> pd.Series:
    """``geo.times.parse_times`` as it was before the strict ISO 8601 fast path."""
    text = values.astype(str).str.strip()
    cleaned = (
        text.str.replace(r"(\d)\s*年\s*(\d)", r"\1-\2", regex=True)
        .str.replace(r"(\d)\s*月\s*(\d)", r"\1-\2", regex=True)
        .str.replace("日", " ", regex=False)
        .str.replace("/", "-", regex=False)
        .str.strip()
    )
    aware_mask = cleaned.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
    result = pd.Series(pd.NaT, index=text.index, dtype=f"datetime64[us, {timezone}]")
    if aware_mask.any():
        aware = pd.to_datetime(cleaned[aware_mask], errors="coerce", utc=True, format="mixed")
        result.loc[aware_mask] = aware.dt.tz_convert(timezone).dt.as_unit("us")
    naive_mask = ~aware_mask & (cleaned != "")
    if naive_mask.any():
        naive = pd.to_datetime(cleaned[naive_mask], errors="coerce", format="mixed")
        local = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
        result.loc[naive_mask] = local.dt.as_unit("us")
    for position in np.flatnonzero(result.isna().to_numpy()):
        raw = text.iloc[position]
        problem = (
            "the time is empty; fill it in"
            if raw == ""
            else f"{raw!r} is not a time beatcov can read; write it like 2026-07-01 18:05"
        )
        collector.add("fatal", "bad_time", problem, position=int(position), column="time")
    return result


def outcome(parse: Callable[..., pd.Series], values: pd.Series, zone: str) -> tuple:
    """The parsed times and findings, or the error raised."""
    raw = RawTable(pd.DataFrame({"time": values}), None, None, "v.csv", 2, "row")
    collector = Collector(raw, {})
    try:
        times = parse(values, collector, timezone=zone)
    except (ValueError, TypeError) as exc:
        return ("error", type(exc).__name__, str(exc))
    return ("ok", str(times.dtype), times.tolist(), collector.close().codes())


def random_time(rng: np.random.Generator) -> str:
    """A time as people and programs write them: strict ISO or not, odd years, fractions."""
    year = int(rng.choice([rng.integers(1, 10000), 1677, 2262, 2026, 1900]))
    month, day = rng.integers(1, 13), rng.integers(1, 32)
    sep = str(rng.choice(["-", "-", "/"]))
    text = f"{year:04d}{sep}{month:02d}{sep}{day:02d}"
    if rng.random() < 0.9:
        text += f"{rng.choice(['T', ' '])}{rng.integers(0, 24):02d}:{rng.integers(0, 60):02d}"
        if rng.random() < 0.8:
            text += f":{rng.integers(0, 60):02d}"
            if rng.random() < 0.4:  # 1-9 decimals: nanoseconds are not strict ISO here
                text += "." + "".join(str(d) for d in rng.integers(0, 10, rng.integers(1, 10)))
        text += str(rng.choice(["", "", "Z", "+08:00", "-0330", " UTC", "+08"]))
    return text


OTHERS = ["", " ", "garbage", "2026年7月1日 18:05", "2026-7-1 8:05", "2026-03-29 03:30"]


def test_parse_times_matches_previous_on_random_mixtures() -> None:
    # each batch mixes strict ISO cells with others; results and findings must be those of
    # the previous implementation. Where it crashed (mixed zones among naive cells fail in
    # pandas), the current one reads the cells one by one instead: it must not crash.
    rng = np.random.default_rng(11)
    for _ in range(150):
        size = int(rng.integers(1, 25))
        cells = [
            str(rng.choice(OTHERS)) if rng.random() < 0.1 else random_time(rng) for _ in range(size)
        ]
        values = pd.Series(cells, dtype="str")
        zone = str(rng.choice(["Europe/Helsinki", "Asia/Shanghai", "America/New_York"]))
        new = outcome(parse_times, values, zone)
        old = outcome(reference_parse_times, values, zone)
        if old[0] == "error":
            assert new[0] == "ok"
        else:
            assert new == old


def test_parse_times_iso_text_by_hand() -> None:
    # Helsinki is UTC+3 in July: 18:05+08:00 is 10:05 UTC is 13:05 local; the naive cell is
    # local already; the slash form takes the slow path; the empty cell is a finding
    values = pd.Series(
        ["2026-07-01T18:05:00+08:00", "2026-07-01 18:05", "2026/07/01 18:05", ""], dtype="str"
    )
    raw = RawTable(pd.DataFrame({"time": values}), None, None, "v.csv", 2, "row")
    collector = Collector(raw, {})
    times = parse_times(values, collector, timezone="Europe/Helsinki")
    local = pd.Timestamp("2026-07-01 18:05", tz="Europe/Helsinki")
    assert times.tolist()[:3] == [
        pd.Timestamp("2026-07-01 13:05", tz="Europe/Helsinki"),
        local,
        local,
    ]
    assert pd.isna(times.iloc[3])
    [finding] = collector.close().findings
    assert finding.message == "v.csv, row 5, column 'time': the time is empty; fill it in"


@pytest.mark.parametrize("groups", [0, 1, 3])
def test_parquet_is_read_a_row_group_at_a_time_as_read_table_reads_it(
    tmp_path: Path, groups: int
) -> None:
    """The same table as :func:`pyarrow.parquet.read_table` (values, schema, metadata: the
    ``geo`` and ``pandas`` keys the importer reads), one chunk per row group; a file of no
    row group (a writer closed before its first) too."""
    path = tmp_path / "visits.parquet"
    frame = gpd.GeoDataFrame(
        {"visit_id": [f"V{i}" for i in range(7)], "duration_min": np.arange(7.0)},
        geometry=shapely.points(np.arange(7.0), np.arange(7.0)),
        crs=4326,
    )
    if groups == 0:
        table = pa.Table.from_pandas(pd.DataFrame(frame.drop(columns="geometry")))
        pq.ParquetWriter(path, table.schema).close()
    else:
        frame.to_parquet(path, row_group_size=-(-7 // groups))
    read = read_parquet_table(path)
    expected = pq.read_table(path)
    assert read.equals(expected, check_metadata=True)
    assert read.schema.metadata == expected.schema.metadata
    assert pq.ParquetFile(path).num_row_groups == groups
    assert read.column(0).num_chunks == max(groups, 1)

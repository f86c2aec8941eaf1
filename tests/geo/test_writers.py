"""The writers: canonical tables round-trip through every format; result tables are written
with ISO times for scripts, local times for people, text kept as text in Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

import geo.writers
from geo.arrow_csv import write_arrow_csv
from geo.demo import DEMO_TIMEZONE
from geo.importer import Dataset, read_beats, read_households, read_visits
from geo.settings import DEFAULTS
from geo.writers import (
    FORMULA_STARTS,
    _starts_like_formula,
    csv_bytes,
    excel_bytes,
    geojson_bytes,
    iso_column,
    iso_times,
    neutralise,
    neutralised,
    plain_frame,
    write_csv,
    write_geojson,
    write_geoparquet,
    write_json,
    write_parquet,
    write_table,
)

FORMATS = [".csv", ".xlsx", ".geojson", ".gpkg", ".parquet", ".zip"]
READERS = {"beats": read_beats, "households": read_households, "visits": read_visits}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, gpd.GeoDataFrame]:
    folder = tmp_path_factory.mktemp("small")
    (folder / "b.csv").write_text(
        "beat_id,name,station,officer_ids,geometry\n"
        '007,东区,Central,"P1;P2","POLYGON ((24.9 60.1, 24.91 60.1, 24.91 60.11, 24.9 60.1))"\n',
        encoding="utf-8",
    )
    (folder / "h.csv").write_text(
        "household_id,address,lon,lat,residents,vulnerable,kind\n"
        "0001,北京路 1 号,24.9051234,60.1012345,3,elderly_alone,household\n"
        "110101199003071234,Main st 2,24.9061,60.1015,,,shop\n",
        encoding="utf-8",
    )
    (folder / "v.csv").write_text(
        "visit_id,household_id,officer_id,time,outcome,duration_min,lon,lat,issue_raised,"
        "follow_up_of,satisfaction,note\n"
        "V01,0001,P1,2026-07-01T18:05:00+03:00,contact,12.5,24.90512,60.10121,噪音,,4,ok\n"
        "V02,0001,P1,2026-07-09T08:00:00+03:00,contact,6,,,,V01,,\n"
        "V03,110101199003071234,P2,2026-07-02 12:00,nobody_home,1,24.9061,60.1015,,,,\n",
        encoding="utf-8",
    )
    return {
        "beats": read_beats(folder / "b.csv").table,
        "households": read_households(folder / "h.csv").table,
        "visits": read_visits(
            folder / "v.csv", settings=DEFAULTS.replace(timezone="Europe/Helsinki")
        ).table,
    }


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("kind", ["beats", "households", "visits"])
def test_round_trip_small(
    small: dict[str, gpd.GeoDataFrame], tmp_path: Path, kind: str, suffix: str
) -> None:
    original = small[kind]
    path = write_table(original, tmp_path / f"{kind}{suffix}", kind=kind)
    extra = {"settings": DEFAULTS.replace(timezone="Europe/Helsinki")} if kind == "visits" else {}
    result = READERS[kind](path, **extra)
    assert result.report.ok, str(result.report)
    assert_geodataframe_equal(result.table, original, check_like=False)


def test_small_fixture_is_what_we_think(small: dict[str, gpd.GeoDataFrame]) -> None:
    h, v = small["households"], small["visits"]
    assert h["household_id"].tolist() == ["0001", "110101199003071234"]
    assert h["residents"].isna().tolist() == [False, True]
    assert v.geometry.isna().tolist() == [False, True, False]
    assert v["satisfaction"].tolist()[0] == 4


@pytest.fixture(scope="module")
def demo(demo_data: Dataset) -> dict[str, gpd.GeoDataFrame]:
    data = demo_data
    return {"beats": data.beats, "households": data.households, "visits": data.visits}


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("kind", ["beats", "households", "visits"])
def test_round_trip_demo(
    demo: dict[str, gpd.GeoDataFrame], tmp_path: Path, kind: str, suffix: str
) -> None:
    original = demo[kind]
    if kind == "visits" and suffix == ".xlsx":
        # every fifth visit (3,975 rows, the whole time span): openpyxl reads some 40,000
        # cells a CPU-second, and all 19,872 visits took 6 CPU-s to write and read back
        original = original.iloc[::5].reset_index(drop=True)
    path = write_table(original, tmp_path / f"{kind}{suffix}", kind=kind)
    extra = {"settings": DEFAULTS.replace(timezone=DEMO_TIMEZONE)} if kind == "visits" else {}
    result = READERS[kind](path, **extra)
    assert result.report.ok, str(result.report)
    assert len(result.table) == len(original) > 0
    assert_geodataframe_equal(result.table, original)


# --------------------------------------------------------------------------- result tables
# Two visits written out by hand: V1 at 18:05:03.5 Shanghai time (UTC+8) took 12.5 minutes,
# V2 has no time, no duration and no note.

ZONE = "Asia/Shanghai"


def visits_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "visit_id": ["V1", "V2"],
            "time": pd.Series(
                [pd.Timestamp("2026-07-01 18:05:03.5", tz=ZONE), pd.NaT],
                dtype=f"datetime64[us, {ZONE}]",
            ),
            "duration_min": [12.5, float("nan")],
            "share": [1 / 3, 0.1],
            "households": [3, 0],
            "verified": [True, False],
            "note": ["噪音", None],
        }
    )


def test_script_csv_has_iso_times_with_offset_and_numbers_as_pandas_writes_them(
    tmp_path: Path,
) -> None:
    frame = visits_frame()
    path = write_csv(frame, tmp_path / "visits.csv")
    assert path.read_bytes().decode("utf-8") == (  # no BOM
        "visit_id,time,duration_min,share,households,verified,note\n"
        "V1,2026-07-01T18:05:03.500000+08:00,12.5,0.3333333333333333,3,True,噪音\n"
        "V2,,,0.1,0,False,\n"
    )
    assert isinstance(frame["time"].dtype, pd.DatetimeTZDtype)  # the input is not changed


def test_script_geojson_has_iso_times_and_empty_text_for_no_time(tmp_path: Path) -> None:
    blocks = gpd.GeoDataFrame(
        visits_frame()[["visit_id", "time", "share"]],
        geometry=[box(118.79, 32.04, 118.80, 32.05), None],
        crs="EPSG:4326",
    )
    path = tmp_path / "blocks.geojson"
    path.write_text("an older run")
    write_geojson(blocks, path)  # replaces the file
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["name"] == "blocks"
    first, second = data["features"]
    assert first["properties"] == {
        "visit_id": "V1",
        "time": "2026-07-01T18:05:03.500000+08:00",
        "share": 1 / 3,
    }
    assert second["properties"]["time"] == "" and second["geometry"] is None


def test_script_json_is_indented_utf8_with_a_final_newline(tmp_path: Path) -> None:
    path = write_json({"coverage": 0.5, "name": "东区"}, tmp_path / "summary.json")
    assert path.read_bytes() == '{\n  "coverage": 0.5,\n  "name": "东区"\n}\n'.encode()


def test_people_csv_has_a_bom_and_local_times_without_offset() -> None:
    text = csv_bytes(plain_frame(visits_frame())).decode("utf-8")
    assert text.splitlines()[:2] == [
        "\ufeffvisit_id,time,duration_min,share,households,verified,note",
        "V1,2026-07-01 18:05:03.500,12.5,0.3333333333333333,3,True,噪音",
    ]


def test_excel_keeps_text_as_text_never_a_formula_or_a_link() -> None:
    frame = pd.DataFrame({"address": ['=HYPERLINK("http://x","y")', "http://example.org", "1+1"]})
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes(frame, sheet="s" * 40)))
    sheet = book["s" * 31]  # Excel's limit
    cells = [sheet.cell(row=r, column=1) for r in (2, 3, 4)]
    assert [c.value for c in cells] == ['\'=HYPERLINK("http://x","y")', "http://example.org", "1+1"]
    assert [c.data_type for c in cells] == ["s", "s", "s"]
    assert all(c.hyperlink is None for c in cells)


# --------------------------------------------------------------------------- formulas
# Issue 12: a household address "=cmd|' /C calc'!A0" became a live formula in the Excel
# download (<f> in sheet1.xml) and went raw into the CSV.

ATTACK = "=cmd|' /C calc'!A0"


def attack_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "household_id": ["0001", "-5", "H3"],
            "address": [ATTACK, "北京路 1 号", "@SUM(1+1)*cmd|' /C calc'!A0"],
            "residents": [3, -2, 1],  # numbers stay numbers, minus sign and all
            "share": [-0.5, 0.25, 1.0],
        }
    )


def read_xlsx_cells(data: bytes) -> tuple[str, list[list[str]]]:
    """Return sheet1.xml as text and its cells' text, shared strings resolved by hand."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
        shared = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
    strings = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in shared]
    rows = []
    for row in ElementTree.fromstring(sheet).iterfind(".//m:sheetData/m:row", ns):
        cells = []
        for cell in row.iterfind("m:c", ns):
            value = cell.findtext("m:v", default="", namespaces=ns)
            cells.append(strings[int(value)] if cell.get("t") == "s" else value)
        rows.append(cells)
    return sheet, rows


def test_formula_address_is_plain_text_in_the_excel_download() -> None:
    sheet, rows = read_xlsx_cells(excel_bytes(attack_frame()))
    assert "<f>" not in sheet and "<f " not in sheet  # no formula element at all
    assert rows == [
        ["household_id", "address", "residents", "share"],
        ["0001", "'" + ATTACK, "3", "-0.5"],
        ["-5", "北京路 1 号", "-2", "0.25"],
        ["H3", "'@SUM(1+1)*cmd|' /C calc'!A0", "1", "1"],
    ]


def test_formula_address_is_quoted_in_csv_downloads_and_script_files(tmp_path: Path) -> None:
    expected = [
        ["household_id", "address", "residents", "share"],
        ["0001", "'" + ATTACK, "3", "-0.5"],
        ["-5", "北京路 1 号", "-2", "0.25"],
        ["H3", "'@SUM(1+1)*cmd|' /C calc'!A0", "1", "1.0"],
    ]
    download = csv_bytes(attack_frame()).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(download))) == expected
    script = write_csv(attack_frame(), tmp_path / "households.csv").read_text(encoding="utf-8")
    assert list(csv.reader(io.StringIO(script))) == expected


def script_frame(note: str) -> pd.DataFrame:
    when = pd.to_datetime(["2026-07-01 18:05:03.5", None, "2026-01-05 09:00:00.0"])
    return pd.DataFrame(
        {
            "=id": pd.Series(["V1", "-V2", None], dtype="str"),
            "note": pd.Series([note, "=1+1", "-5"], dtype=object),
            "mixed": pd.Series([-1, "@x", None], dtype=object),
            "kind": pd.Categorical(["=shop", None, "household"]),
            "time": pd.Series(when).dt.tz_localize("Europe/Helsinki"),
            "gap_min": [8.729, np.nan, np.inf],
            "ok": [True, False, True],
            "n": [3, -2, 0],
        }
    )


@pytest.mark.parametrize("note", ["plain", "a, b"])  # no quotes; every text cell quoted
def test_write_csv_writes_what_neutralising_and_iso_times_give(tmp_path: Path, note: str) -> None:
    frame = script_frame(note)
    copy = frame.copy()
    path = write_csv(frame, tmp_path / "new.csv", decimals={"gap_min": 1})
    before = write_arrow_csv(  # the frame-wide steps write_csv took before it went by column
        iso_times(neutralised(frame)), tmp_path / "old.csv", decimals={"gap_min": 1}
    )
    assert path.read_bytes() == before.read_bytes()
    assert path.read_text(encoding="utf-8").splitlines()[:2] == (
        [
            "'=id,note,mixed,kind,time,gap_min,ok,n",
            "V1,plain,-1,'=shop,2026-07-01T18:05:03.500000+03:00,8.7,True,3",
        ]
        if note == "plain"
        else [
            "'=id,note,mixed,kind,time,gap_min,ok,n",
            '"V1","a, b","-1","\'=shop","2026-07-01T18:05:03.500000+03:00","8.7","True",3',
        ]
    )
    pd.testing.assert_frame_equal(frame, copy)  # the input is not changed


@pytest.mark.parametrize("note", ["plain", "a, b"])
def test_write_csv_in_batches_is_the_file_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, note: str
) -> None:
    # batches of 2 rows: the last rows' times, floats, Int64 and booleans are all missing
    frame = pd.concat([script_frame(note), script_frame("x")], ignore_index=True)
    frame["count"] = pd.array([1, 2, 3, 4, None, None], dtype="Int64")
    frame["maybe"] = pd.array([True, False, None, True, None, None], dtype="boolean")
    frame.loc[4:, ["time", "gap_min"]] = None
    whole = write_csv(frame, tmp_path / "whole.csv", decimals={"gap_min": 1}).read_bytes()
    monkeypatch.setattr(geo.writers, "CSV_BATCH_ROWS", 2)
    batched = write_csv(frame, tmp_path / "batched.csv", decimals={"gap_min": 1}).read_bytes()
    assert batched == whole
    before = write_arrow_csv(
        iso_times(neutralised(frame)), tmp_path / "old.csv", decimals={"gap_min": 1}
    )
    assert batched == before.read_bytes()
    assert (
        batched.decode("utf-8")
        .splitlines()[-1]
        .endswith(",,True,0,," if note == "plain" else ',,"True",0,,')
    )


def test_write_csv_of_no_rows_is_its_header(tmp_path: Path) -> None:
    path = write_csv(script_frame("plain").iloc[:0], tmp_path / "t.csv")
    assert path.read_text(encoding="utf-8") == "'=id,note,mixed,kind,time,gap_min,ok,n\n"


def test_write_csv_rounds_numbers_held_as_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x_m": pd.Series(["-5", "2.25", None], dtype=object)})
    path = write_csv(frame, tmp_path / "new.csv", decimals={"x_m": 1})
    assert path.read_text(encoding="utf-8") == "x_m\n-5.0\n2.2\n\n"
    before = write_arrow_csv(neutralised(frame), tmp_path / "old.csv", decimals={"x_m": 1})
    assert path.read_bytes() == before.read_bytes()


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-", "'-"),  # a dash for "none": quoted, like any text beginning with one
        ("- 独居老人", "'- 独居老人"),
        ("+86 138 0000 0000", "'+86 138 0000 0000"),
        # text that is a plain decimal number is read as that number, which runs nothing
        ("-5", "-5"),
        ("+8613800000000", "+8613800000000"),
        ("-0.5", "-0.5"),
        # other text is left alone
        ("1+1", "1+1"),
        (" =1+1", " =1+1"),
        ("−5", "−5"),  # U+2212, not a formula start
        ("", ""),
    ],
)
def test_which_text_is_quoted(text: str, written: str) -> None:
    assert neutralise(text) == written
    frame = pd.DataFrame({"note": pd.Series([text], dtype="str"), "n": [-1]})
    assert neutralised(frame)["note"].tolist() == [written]


def test_neutralised_keeps_numbers_categories_and_the_input() -> None:
    frame = pd.DataFrame(
        {
            "=header": ["x", "y"],
            "kind": pd.Categorical(["=shop", "household"]),
            "mixed": pd.Series([-1, "=x"], dtype=object),
            "n": pd.array([-1, pd.NA], dtype="Int64"),
            "when": pd.Series(pd.to_datetime(["2026-07-01", None])),
            "ok": [True, False],
        }
    )
    copy = frame.copy()
    out = neutralised(frame)
    assert list(out.columns) == ["'=header", "kind", "mixed", "n", "when", "ok"]
    assert out["kind"].tolist() == ["'=shop", "household"]
    assert out["mixed"].tolist() == [-1, "'=x"]
    pd.testing.assert_frame_equal(out[["n", "when", "ok"]], frame[["n", "when", "ok"]])
    pd.testing.assert_frame_equal(frame, copy)  # the input is not changed
    plain = pd.DataFrame({"address": ["北京路 1 号"], "n": [-5]})
    assert neutralised(plain) is plain  # nothing to quote: no copy


def test_a_neutralised_cell_reads_back_with_its_quote(tmp_path: Path) -> None:
    # the one exception to exact round trips through CSV and Excel, documented in writers
    households = gpd.GeoDataFrame(
        {"household_id": ["0001"], "address": ["=1+1"]},
        geometry=gpd.points_from_xy([24.9], [60.1]),
        crs="EPSG:4326",
    )
    for suffix in (".csv", ".xlsx"):
        path = write_table(households, tmp_path / f"h{suffix}", kind="households")
        assert read_households(path).table["address"].tolist() == ["'=1+1"], suffix
    path = write_table(households, tmp_path / "h.geojson", kind="households")
    assert read_households(path).table["address"].tolist() == ["=1+1"]  # not a spreadsheet


def test_gap_blocks_geojson_keeps_every_row_and_raw_codes() -> None:
    gaps = gpd.GeoDataFrame(
        {
            "block_id": ["north", "outside:B01"],
            "reasons": ["low_coverage", "open_follow_up"],
            "last_contact": [pd.Timestamp("2026-07-01 18:05", tz="Europe/Helsinki"), pd.NaT],
            "priority": [np.float64(2.5), np.inf],
            "households": [np.int64(4), np.int64(0)],
        },
        geometry=[box(24.940, 60.171, 24.942, 60.172), None],
        crs="EPSG:4326",
    )
    data = json.loads(geojson_bytes(gaps))
    first, outside = data["features"]
    assert first["properties"] == {
        "block_id": "north",
        "reasons": "low_coverage",
        "last_contact": "2026-07-01T18:05:00+03:00",
        "priority": 2.5,
        "households": 4,
    }
    assert first["geometry"]["type"] == "Polygon"
    assert outside["geometry"] is None
    assert outside["properties"]["last_contact"] is None  # missing is null, not text
    assert outside["properties"]["priority"] is None  # JSON has no infinity
    chosen = json.loads(geojson_bytes(gaps, columns=["block_id"]))
    assert [f["properties"] for f in chosen["features"]] == [
        {"block_id": "north"},
        {"block_id": "outside:B01"},
    ]


@settings(max_examples=60)
@given(
    zone=st.sampled_from(["Asia/Shanghai", "Europe/Helsinki", "America/St_Johns", "UTC"]),
    moments=st.lists(
        st.one_of(
            st.none(),
            st.datetimes(min_value=dt.datetime(1880, 1, 1), max_value=dt.datetime(2100, 1, 1)),
        ),
        max_size=12,
    ),
    unit=st.sampled_from(["s", "ms", "us", "ns"]),
)
def test_iso_column_writes_what_isoformat_writes(
    zone: str, moments: list[dt.datetime | None], unit: str
) -> None:
    """Historic offsets with seconds (LMT), DST, half hours, missing values, any unit."""
    naive = pd.Series(pd.to_datetime(moments), dtype="datetime64[ns]")
    times = naive.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    times = times.astype(f"datetime64[{unit}, {zone}]")
    expected = ["" if pd.isna(t) else t.isoformat() for t in times]
    assert iso_column(times).tolist() == expected


@pytest.mark.parametrize("dtype", [object, "str"])
def test_formula_starts_are_found_in_text_columns_as_pandas_finds_them(dtype: Any) -> None:
    rng = np.random.default_rng(11)
    starts = ["=", "+", "-", "@", "\t", "\r", "a", "1", " ", "中"]
    cells = [rng.choice(starts) + "x" * int(rng.integers(0, 3)) for _ in range(2_000)]
    cells[::37] = [None] * len(cells[::37])
    cells[5] = ""
    values = pd.Series(cells, dtype=dtype)
    expected = values.astype(object).str.startswith(FORMULA_STARTS, na=False).astype(bool)
    found = _starts_like_formula(values)
    assert found.tolist() == expected.tolist() and 0 < found.sum() < len(cells)
    mixed = pd.Series(["=a", 3, None, "-1", 2.5], dtype=object)  # not all text: pandas decides
    assert _starts_like_formula(mixed).tolist() == [True, False, False, True, False]


def test_rounding_writers_leave_the_frame_as_it_was(tmp_path: Path) -> None:
    frame = pd.DataFrame({"gap_min": [8.729, np.nan], "id": ["V1", "V2"]})
    gdf = gpd.GeoDataFrame(
        {"travel_m": [12.34]}, geometry=[box(24.94, 60.17, 24.95, 60.18)], crs="EPSG:4326"
    )
    frame_copy, gdf_copy = frame.copy(), gdf.copy()
    write_parquet(frame, tmp_path / "v.parquet", decimals={"gap_min": 1})
    write_geoparquet(gdf, tmp_path / "b.parquet", decimals={"travel_m": 0})
    write_geojson(gdf, tmp_path / "b.geojson", decimals={"travel_m": 0})
    pd.testing.assert_frame_equal(frame, frame_copy)
    assert_geodataframe_equal(gdf, gdf_copy)
    assert pd.read_parquet(tmp_path / "v.parquet")["gap_min"].tolist()[0] == 8.7
    assert gpd.read_parquet(tmp_path / "b.parquet")["travel_m"].tolist() == [12.0]


@pytest.mark.parametrize("words", [("counted", "=x"), ("counted", "=x", "a, b")])
def test_text_categoricals_write_as_their_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, words: tuple[str, ...]
) -> None:
    # A categorical of text (the verdicts) writes the bytes its text writes, in one batch or
    # in batches of 2 rows: formulas neutralised, a missing value empty; a category no row
    # holds ("a, b", which would need quotes) does not quote the file. Parquet holds text.
    values = ["=x", None, "counted", "", "counted"]
    kind = pd.CategoricalDtype(["", *words])
    coded = pd.DataFrame({"id": ["V1", "V2", "V3", "V4", "V5"], "status": values})
    coded["status"] = coded["status"].astype(kind)
    text = coded.assign(status=pd.Series(values, dtype="str"))
    assert coded["status"].cat.codes.tolist() == [2, -1, 1, 0, 1]
    whole = write_csv(coded, tmp_path / "coded.csv").read_bytes()
    assert whole == write_csv(text, tmp_path / "text.csv").read_bytes()
    assert whole.decode("utf-8").splitlines() == [
        "id,status",
        "V1,'=x",
        "V2,",
        "V3,counted",
        "V4,",
        "V5,counted",
    ]
    monkeypatch.setattr(geo.writers, "CSV_BATCH_ROWS", 2)
    assert write_csv(coded, tmp_path / "batched.csv").read_bytes() == whole
    quoted = coded.assign(status=coded["status"].cat.rename_categories({"counted": "a,b"}))
    written = write_csv(quoted, tmp_path / "quoted.csv").read_text(encoding="utf-8")
    assert written.splitlines()[1:4] == ['"V1","\'=x"', '"V2",', '"V3","a,b"']
    write_parquet(coded, tmp_path / "coded.parquet")
    write_parquet(text, tmp_path / "text.parquet")
    back = pd.read_parquet(tmp_path / "coded.parquet")
    assert back["status"].dtype == "str"
    assert (tmp_path / "coded.parquet").read_bytes() == (tmp_path / "text.parquet").read_bytes()
    pd.testing.assert_series_equal(coded["status"], text["status"].astype(kind))  # unchanged
    twice = coded.set_axis(["status", "status"], axis=1)  # Parquet's own refusal, as before
    with pytest.raises(ValueError, match="Duplicate column names"):
        write_parquet(twice, tmp_path / "twice.parquet")

"""The writers: canonical tables round-trip through every format; result tables are written
with ISO times for scripts, local times for people, text kept as text in Excel.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import box

from geo.demo import DEMO_TIMEZONE
from geo.importer import read_beats, read_households, read_visits
from geo.settings import DEFAULTS
from geo.writers import (
    csv_bytes,
    excel_bytes,
    geojson_bytes,
    plain_frame,
    write_csv,
    write_geojson,
    write_json,
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
def demo() -> dict[str, gpd.GeoDataFrame]:
    from geo.demo import load_demo

    data = load_demo()
    return {"beats": data.beats, "households": data.households, "visits": data.visits}


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("kind", ["beats", "households", "visits"])
def test_round_trip_demo(
    demo: dict[str, gpd.GeoDataFrame], tmp_path: Path, kind: str, suffix: str
) -> None:
    original = demo[kind]
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
    assert [c.value for c in cells] == frame["address"].tolist()
    assert [c.data_type for c in cells] == ["s", "s", "s"]
    assert all(c.hyperlink is None for c in cells)


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

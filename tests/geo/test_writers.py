"""Round trip: canonical tables written to every supported format import back identical."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geo.demo import DEMO_TIMEZONE
from geo.importer import Dataset, read_beats, read_households, read_visits
from geo.writers import write_table

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
        "visits": read_visits(folder / "v.csv", timezone="Europe/Helsinki").table,
    }


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("kind", ["beats", "households", "visits"])
def test_round_trip_small(
    small: dict[str, gpd.GeoDataFrame], tmp_path: Path, kind: str, suffix: str
) -> None:
    original = small[kind]
    path = write_table(original, tmp_path / f"{kind}{suffix}", kind=kind)
    extra = {"timezone": "Europe/Helsinki"} if kind == "visits" else {}
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
    path = write_table(original, tmp_path / f"{kind}{suffix}", kind=kind)
    extra = {"timezone": DEMO_TIMEZONE} if kind == "visits" else {}
    result = READERS[kind](path, **extra)
    assert result.report.ok, str(result.report)
    assert len(result.table) == len(original) > 0
    assert_geodataframe_equal(result.table, original)

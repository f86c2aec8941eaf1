"""Importers: column aliases, encodings, IDs as text, coordinates, times and every finding.

Small hand-made files. Beats are squares near Helsinki of 0.001° side: at latitude 60.1°
one degree of longitude is ~55.6 km and of latitude ~111.3 km, so such a square is about
55.6 m × 111.3 m ≈ 6,190 m².
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest

from geo.coords import wgs84_to_gcj02
from geo.errors import BeatcovError, ImportRefused, InputFileError
from geo.importer import (
    load_dataset,
    missing_columns,
    read_beats,
    read_households,
    read_visits,
)
from geo.readers import read_raw
from geo.settings import DEFAULTS
from tests.geo import china_fixtures as cf

X0, Y0, D = 24.9, 60.1, 0.001
SQUARE_M2 = 6190.0


def square(i: float, j: float, w: float = 1, h: float = 1) -> str:
    x, y = X0 + i * D, Y0 + j * D
    x2, y2 = x + w * D, y + h * D
    return f"POLYGON (({x} {y}, {x2} {y}, {x2} {y2}, {x} {y2}, {x} {y}))"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def beats_csv(tmp_path: Path, rows: list[tuple[str, str]], name: str = "beats.csv") -> Path:
    body = "\n".join(f'{b},"{wkt}"' for b, wkt in rows)
    return write(tmp_path / name, f"beat_id,geometry\n{body}\n")


@pytest.fixture
def two_beats(tmp_path: Path) -> Path:
    return beats_csv(tmp_path, [("B1", square(0, 0)), ("B2", square(1, 0))])


def finding(report, code: str):
    found = [f for f in report.findings if f.code == code]
    assert found, f"no {code} in {report.codes()}"
    return found


# ---------------------------------------------------------------- IDs, aliases, encodings


def test_ids_stay_text_leading_zeros_and_18_digits(tmp_path: Path) -> None:
    path = write(
        tmp_path / "h.csv",
        "household_id,lon,lat\n007,24.9005,60.1005\n110101199003071234,24.9015,60.1005\n",
    )
    result = read_households(path)
    assert result.report.ok
    assert result.table["household_id"].tolist() == ["007", "110101199003071234"]


def test_ids_stay_text_in_excel(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"户号": ["007", "110101199003071234"], "经度": [24.9005, 24.9015], "纬度": [60.1005] * 2}
    )
    path = tmp_path / "h.xlsx"
    frame.to_excel(path, index=False)
    result = read_households(path)
    assert result.report.ok
    assert result.table["household_id"].tolist() == ["007", "110101199003071234"]


def test_utf8_bom_and_english_aliases(tmp_path: Path) -> None:
    path = write(
        tmp_path / "h.csv",
        "Household ID;Address;Longitude;Latitude;Population;Vulnerability;Type\n"
        "1;Main st 1;24.9005;60.1005;3;elderly_alone;shop\n",
        encoding="utf-8-sig",
    )
    table = read_households(path).table
    row = table.iloc[0]
    assert (row["household_id"], row["address"], row["residents"]) == ("1", "Main st 1", 3)
    assert (row["vulnerable"], row["kind"]) == ("elderly_alone", "shop")
    assert (row.geometry.x, row.geometry.y) == (24.9005, 60.1005)


def test_gbk_chinese_headers_gcj02_within_half_a_metre(tmp_path: Path) -> None:
    # True WGS84 points in Beijing; the file holds their GCJ-02 forward transform.
    true_lon = np.array([116.3975, 116.4100, 116.3000, 116.4500])
    true_lat = np.array([39.9087, 39.9200, 39.9900, 39.8500])
    gcj_lon, gcj_lat = wgs84_to_gcj02(true_lon, true_lat)
    lines = ["户号,地址,经度,纬度,人口,弱势群体"]
    for i, (x, y) in enumerate(zip(gcj_lon, gcj_lat, strict=True)):
        lines.append(f"00{i},北京市东城区{i}号,{x:.10f},{y:.10f},2,{'独居老人' if i else '无'}")
    path = write(tmp_path / "住户.csv", "\n".join(lines) + "\n", encoding="gbk")
    result = read_households(path, crs="gcj02")
    assert result.report.ok
    table = result.table
    assert table["household_id"].tolist() == ["000", "001", "002", "003"]
    assert table["address"].iloc[1] == "北京市东城区1号"
    assert table["vulnerable"].tolist() == ["", "独居老人", "独居老人", "独居老人"]
    _, _, dist = pyproj.Geod(ellps="WGS84").inv(
        table.geometry.x.to_numpy(), table.geometry.y.to_numpy(), true_lon, true_lat
    )
    assert np.max(dist) < 0.5
    # and the GCJ-02 offset itself is large (hundreds of metres), so the test means something
    _, _, offset = pyproj.Geod(ellps="WGS84").inv(gcj_lon, gcj_lat, true_lon, true_lat)
    assert np.min(offset) > 100


def test_chinese_visit_headers_outcomes_and_times(tmp_path: Path) -> None:
    path = write(
        tmp_path / "走访.csv",
        "走访编号,户号,民警,走访时间,走访结果,时长(分钟)\n"
        "V1,007,P1,2026-07-01 18:05,见面,12\n"
        "V2,007,P1,2026/07/02 08:00:00,无人,1.5\n"
        "V3,007,P1,2026年7月3日 12:30,拒绝,\n"
        "V4,007,P1,2026-07-04T10:00:00+00:00,见面,5\n",
        encoding="gbk",
    )
    table = read_visits(path, settings=DEFAULTS.replace(timezone="Asia/Shanghai")).table
    assert table["outcome"].tolist() == ["contact", "nobody_home", "refused", "contact"]
    assert str(table["time"].dt.tz) == "Asia/Shanghai"
    assert table["time"].iloc[0] == pd.Timestamp("2026-07-01 18:05", tz="Asia/Shanghai")
    assert table["time"].iloc[2] == pd.Timestamp("2026-07-03 12:30", tz="Asia/Shanghai")
    # 10:00 UTC is 18:00 in Shanghai (UTC+8)
    assert table["time"].iloc[3] == pd.Timestamp("2026-07-04 18:00", tz="Asia/Shanghai")
    assert table["duration_min"].iloc[1] == 1.5
    assert np.isnan(table["duration_min"].iloc[2])
    assert table.geometry.isna().all()


def test_naive_times_use_the_given_zone(tmp_path: Path) -> None:
    path = write(
        tmp_path / "v.csv", "visit_id,household_id,officer_id,time\nV1,1,P1,2026-07-01 18:05\n"
    )
    table = read_visits(path, settings=DEFAULTS.replace(timezone="Europe/Helsinki")).table
    assert table["time"].iloc[0] == pd.Timestamp("2026-07-01 15:05", tz="UTC")


# ---------------------------------------------------------------- findings


def test_missing_required_column(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "address,lon,lat\nMain 1,24.9,60.1\n")
    report = read_households(path).report
    (f,) = finding(report, "missing_column")
    assert f.severity == "fatal" and f.file == "h.csv" and f.column == "household_id"
    assert "h.csv" in f.message and "household_id" in f.message and "address" in f.message


def test_a_named_column_plays_one_the_aliases_do_not_know(tmp_path: Path) -> None:
    path = cf.beats_named_geojson(tmp_path / "oakland.geojson")
    refused = read_beats(path)
    [missing] = finding(refused.report, "missing_column")
    assert missing.column == "beat_id" and "'Name'" in missing.message
    assert missing_columns(read_raw(path), "beats") == ["beat_id"]
    named = read_beats(path, columns={"beat_id": "Name"})
    assert named.report.ok, named.report
    assert sorted(named.table["beat_id"]) == ["E1", "W1"]
    # Name is also the beats' name (its alias): one header may play both
    assert named.table["name"].tolist() == named.table["beat_id"].tolist()
    assert named.headers["beat_id"] == "Name"
    # matched as aliases are: case and separators do not matter
    assert read_beats(path, columns={"beat_id": "NAME"}).report.ok


def test_a_choice_wins_over_the_alias_table(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "户号,房号,经度,纬度\n1,A-1,24.9005,60.1005\n")
    assert read_households(path).table["household_id"].tolist() == ["1"]
    chosen = read_households(path, columns={"household_id": "房号"})
    assert chosen.table["household_id"].tolist() == ["A-1"]


def test_a_named_header_the_file_lacks_is_a_finding(tmp_path: Path) -> None:
    path = cf.beats_named_geojson(tmp_path / "oakland.geojson")
    report = read_beats(path, columns={"beat_id": "Beat"}).report
    assert report.codes() == ["unknown_column"]
    [lacking] = report.findings
    assert lacking.severity == "fatal" and lacking.file == "oakland.geojson"
    assert "'Beat'" in lacking.message and "beat_id" in lacking.message
    assert "'Name'" in lacking.message  # the columns it does have
    assert missing_columns(read_raw(path), "beats", {"beat_id": "Beat"}) == ["beat_id"]


def test_naming_a_column_the_table_does_not_have_is_an_error(tmp_path: Path) -> None:
    path = cf.beats_named_geojson(tmp_path / "oakland.geojson")
    with pytest.raises(BeatcovError, match="'household_id' is not a column of beats"):
        read_beats(path, columns={"household_id": "Name"})
    with pytest.raises(BeatcovError, match="columns named for streets"):
        load_dataset(beats=path, households=path, visits=path, columns={"streets": {"x": "y"}})


def test_missing_time_column_in_visits(tmp_path: Path) -> None:
    path = write(tmp_path / "v.csv", "visit_id,household_id,officer_id\nV1,1,P1\n")
    (f,) = finding(read_visits(path).report, "missing_column")
    assert f.column == "time" and "v.csv" in f.message


def test_duplicate_ids_listed_never_dropped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "h.csv",
        "户号,经度,纬度\n1,24.9005,60.1005\n2,24.9006,60.1005\n1,24.9007,60.1005\n",
    )
    result = read_households(path)
    (f,) = finding(result.report, "duplicate_id")
    # header is row 1, so records are rows 2, 3, 4; the second "1" is row 4.
    assert (f.severity, f.file, f.row, f.column) == ("fatal", "h.csv", 4, "户号")
    assert "rows 2, 4" in f.message and "row 4" in f.message and "'户号'" in f.message
    assert len(result.table) == 3


def test_unparseable_time(tmp_path: Path) -> None:
    path = write(
        tmp_path / "v.csv",
        "visit_id,household_id,officer_id,time\nV1,1,P1,2026-07-01 18:05\nV2,1,P1,yesterday\n",
    )
    (f,) = finding(read_visits(path).report, "bad_time")
    assert (f.severity, f.row, f.column) == ("fatal", 3, "time")
    assert "'yesterday'" in f.message and "v.csv, row 3, column 'time'" in f.message


def test_zone_words_and_short_offsets_do_not_crash(tmp_path: Path) -> None:
    # "UTC" and a two-digit "+08" are zones the offset pattern does not catch; they must be
    # read (10:00 UTC = 18:00 in Shanghai) or reported, never crash the import
    path = write(
        tmp_path / "v.csv",
        "visit_id,household_id,officer_id,time\n"
        "V1,1,P1,2026-07-01 10:00 UTC\n"
        "V2,1,P1,2026-07-01 18:05\n"
        "V3,1,P1,not a time\n",
    )
    result = read_visits(path, settings=DEFAULTS.replace(timezone="Asia/Shanghai"))
    times = result.table["time"]
    assert times.iloc[0] == pd.Timestamp("2026-07-01 18:00", tz="Asia/Shanghai")
    assert times.iloc[1] == pd.Timestamp("2026-07-01 18:05", tz="Asia/Shanghai")
    assert [(f.code, f.row) for f in result.report.fatal] == [("bad_time", 4)]


def test_nonexistent_local_time_is_reported(tmp_path: Path) -> None:
    # 2026-03-29 03:30 does not exist in Helsinki (clocks jump from 03:00 to 04:00).
    path = write(
        tmp_path / "v.csv", "visit_id,household_id,officer_id,time\nV1,1,P1,2026-03-29 03:30\n"
    )
    (f,) = finding(
        read_visits(path, settings=DEFAULTS.replace(timezone="Europe/Helsinki")).report, "bad_time"
    )
    assert f.row == 2


def test_coordinates_out_of_range(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "household_id,lon,lat\n1,190.0,60.1\n")
    (f,) = finding(read_households(path).report, "coordinate_out_of_range")
    assert (f.severity, f.row, f.column) == ("fatal", 2, "lon")


def test_swapped_lat_lon(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "household_id,经度,纬度\n1,39.9,116.4\n")
    (f,) = finding(read_households(path).report, "swapped_lonlat")
    assert (f.severity, f.row, f.column) == ("fatal", 2, "纬度")
    assert "swapped" in f.message


def test_not_a_number_coordinate(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "household_id,lon,lat\n1,24.9,north\n")
    (f,) = finding(read_households(path).report, "not_a_number")
    assert (f.row, f.column) == (2, "lat") and "'north'" in f.message


def test_points_outside_every_beat_and_swapped_hint(tmp_path: Path, two_beats: Path) -> None:
    # 2 of 40 households outside: 5 %, not more than misaligned_max_share, so warnings only
    inside = "".join(f"in{n},24.9005,60.1005\n" for n in range(38))
    households = write(
        tmp_path / "h.csv",
        "household_id,lon,lat\n"
        "in,24.9005,60.1005\n"
        "far,25.5,60.5\n"
        # within the lon/lat ranges but swapped: (60.1005, 24.9005) swapped is in beat B1
        "swap,60.1005,24.9005\n" + inside[len("in0,24.9005,60.1005\n") :],
    )
    visits = write(
        tmp_path / "v.csv", "visit_id,household_id,officer_id,time\nV1,in,P1,2026-07-01 10:00\n"
    )
    data = load_dataset(beats=two_beats, households=households, visits=visits)
    found = finding(data.report, "outside_beats")
    assert [(f.row, f.severity) for f in found] == [(3, "warning"), (4, "warning")]
    assert "'far'" in found[0].message and "swapped" not in found[0].message
    assert "swapped" in found[1].message and found[1].file == "h.csv"
    assert len(data.households) == 40  # kept, never lost
    assert data.report.ok


def test_visits_of_unknown_household(tmp_path: Path, two_beats: Path) -> None:
    households = write(tmp_path / "h.csv", "household_id,lon,lat\n1,24.9005,60.1005\n")
    visits = write(
        tmp_path / "v.csv",
        "visit_id,household_id,officer_id,time\n"
        "V1,1,P1,2026-07-01 10:00\n"
        "V2,9,P1,2026-07-01 11:00\n",
    )
    data = load_dataset(beats=two_beats, households=households, visits=visits)
    (f,) = finding(data.report, "unknown_household")
    assert (f.severity, f.file, f.row, f.column) == ("warning", "v.csv", 3, "household_id")
    assert "'9'" in f.message and "h.csv" in f.message
    assert len(data.visits) == 2


def test_follow_ups_of_visits_not_in_the_file(tmp_path: Path) -> None:
    visits = write(
        tmp_path / "v.csv",
        "visit_id,household_id,officer_id,time,follow_up_of\n"
        "V1,1,P1,2026-07-01 10:00,\n"
        "V2,1,P1,2026-07-02 10:00,V1\n"
        "V3,1,P1,2026-07-03 10:00,V9\n"
        "V4,1,P1,2026-07-04 10:00, \n",
    )
    imported = read_visits(visits)
    (f,) = finding(imported.report, "unknown_follow_up")
    assert (f.severity, f.row, f.column) == ("warning", 4, "follow_up_of")
    assert "'V9'" in f.message
    assert imported.table["follow_up_of"].tolist() == ["", "V1", "V9", ""]
    plain = write(tmp_path / "p.csv", "visit_id,household_id,officer_id,time\nV1,1,P1,2026-07-01\n")
    assert read_visits(plain).report.ok and not read_visits(plain).report.findings


def test_fatal_findings_refuse_the_whole_import(tmp_path: Path, two_beats: Path) -> None:
    households = write(tmp_path / "h.csv", "household_id,lon,lat\n1,24.9005,60.1005\n")
    visits = write(tmp_path / "v.csv", "visit_id,household_id,officer_id,time\nV1,1,P1,never\n")
    with pytest.raises(ImportRefused, match=r"v\.csv, row 2, column 'time'") as info:
        load_dataset(beats=two_beats, households=households, visits=visits)
    assert info.value.report.codes() == ["bad_time"]


def test_a_file_in_a_guessed_encoding_refuses_the_import(tmp_path: Path, two_beats: Path) -> None:
    # households in Latin-1 (ä is e4): a fatal bad_encoding finding of the import, beside the
    # findings of the other files, never a guess
    households = write(
        tmp_path / "h.csv",
        "household_id,address,lon,lat\n1,Hämeentie 1,24.9005,60.1005\n",
        "latin-1",
    )
    visits = write(tmp_path / "v.csv", "visit_id,household_id,officer_id,time\nV1,1,P1,never\n")
    with pytest.raises(ImportRefused) as info:
        load_dataset(beats=two_beats, households=households, visits=visits)
    assert info.value.report.codes() == ["bad_encoding", "bad_time"]
    encoding = info.value.report.findings[0]
    assert (encoding.file, encoding.row, encoding.column) == ("h.csv", 2, "address")
    assert encoding.message.startswith("h.csv, row 2, column 'address': byte 0xE4 is not UTF-8")


def test_visit_date_order_comes_from_the_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path / "v.csv",
        "visit_id,household_id,officer_id,time\nV1,1,P1,01/07/2026 18:05\n",
    )
    refused = read_visits(path)
    assert [(f.code, f.row, f.column) for f in refused.report.findings] == [
        ("ambiguous_date_order", 2, "time")
    ]
    for order, day in (("dmy", "2026-07-01"), ("mdy", "2026-01-07")):
        read = read_visits(path, settings=DEFAULTS.replace(date_order=order))
        assert read.report.ok
        assert read.table["time"].iloc[0] == pd.Timestamp(f"{day} 18:05", tz="Asia/Shanghai")


def test_invalid_polygon_small_repair_is_a_warning(tmp_path: Path) -> None:
    # A square with a zero-area spike on its top edge: invalid, but make_valid keeps the
    # same square (area change 0 %), so it is repaired with a warning.
    x, y = X0, Y0
    spike = (
        f"POLYGON (({x} {y}, {x + D} {y}, {x + D} {y + D}, {x + D / 2} {y + D}, "
        f"{x + D / 2} {y + 2 * D}, {x + D / 2} {y + D}, {x} {y + D}, {x} {y}))"
    )
    result = read_beats(beats_csv(tmp_path, [("B1", spike)]))
    (f,) = finding(result.report, "polygon_repaired")
    assert (f.severity, f.row, f.column) == ("warning", 2, "geometry")
    assert result.table.geometry.iloc[0].is_valid
    assert result.report.ok


def test_invalid_polygon_large_change_is_refused(tmp_path: Path) -> None:
    # A bow-tie: its two lobes have opposite orientation, the drawn (signed) area is 0,
    # while make_valid gives two triangles: the change is 100 %.
    x, y = X0, Y0
    bowtie = f"POLYGON (({x} {y}, {x + D} {y + D}, {x + D} {y}, {x} {y + D}, {x} {y}))"
    result = read_beats(beats_csv(tmp_path, [("B1", bowtie)]))
    (f,) = finding(result.report, "invalid_polygon")
    assert (f.severity, f.file, f.row, f.column) == ("fatal", "beats.csv", 2, "geometry")
    assert "GIS" in f.message


def test_overlapping_beats_reported_with_area(tmp_path: Path) -> None:
    # B1 spans columns 0-2, B2 columns 1-3: they share one 0.001° square (~6,190 m²).
    path = beats_csv(tmp_path, [("B1", square(0, 0, w=2)), ("B2", square(1, 0, w=2))])
    (f,) = finding(read_beats(path).report, "beats_overlap")
    assert f.severity == "warning" and "beats B1 and B2" in f.message
    assert (f.file, f.column) == ("beats.csv", "geometry")
    area = float(f.message.split("overlap by ")[1].split(" m²")[0].replace(",", ""))
    assert area == pytest.approx(SQUARE_M2, rel=0.02)


def test_gap_between_beats_reported_with_area(tmp_path: Path) -> None:
    # Four beats around an empty middle square (1,1): the hole is one square, ~6,190 m².
    path = beats_csv(
        tmp_path,
        [
            ("S", square(0, 0, w=3)),
            ("N", square(0, 2, w=3)),
            ("W", square(0, 1)),
            ("E", square(2, 1)),
        ],
    )
    (f,) = finding(read_beats(path).report, "beats_gap")
    area = float(f.message.split("gap of ")[1].split(" m²")[0].replace(",", ""))
    assert area == pytest.approx(SQUARE_M2, rel=0.02)
    assert "between beats E, N, S, W" in f.message and f.file == "beats.csv"
    # the message locates the gap in lon/lat: the middle square spans 24.901-24.902
    lon = float(f.message.split("lon ")[1].split(",")[0])
    assert 24.901 < lon < 24.902


def test_bad_values_name_row_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path / "v.csv",
        "visit_id,household_id,officer_id,time,outcome,satisfaction,duration\n"
        "V1,1,P1,2026-07-01 10:00,maybe,3,5\n"
        "V2,1,P1,2026-07-01 11:00,contact,7,-1\n",
    )
    report = read_visits(path).report
    assert [(f.code, f.row, f.column) for f in report.fatal] == [
        ("unknown_outcome", 2, "outcome"),
        ("out_of_range", 3, "duration"),
        ("out_of_range", 3, "satisfaction"),
    ]


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"h\.dbf: unsupported file type"):
        read_households(write(tmp_path / "h.dbf", "x"))
    with pytest.raises(InputFileError, match="nope.csv: file not found"):
        read_households(tmp_path / "nope.csv")
    with pytest.raises(InputFileError, match="empty.csv: the file is empty"):
        read_households(write(tmp_path / "empty.csv", ""))


def test_declared_crs_is_kept_and_only_file_crs_overrides_it(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    # EPSG:3857 x = R * lon in radians: 2,779,000 m / 6,378,137 m = 0.435705 rad = 24.964 deg
    path = tmp_path / "h.gpkg"
    gpd.GeoDataFrame(
        {"household_id": ["1"]}, geometry=[Point(2779000, 8443000)], crs="EPSG:3857"
    ).to_file(path)
    for crs in (None, "EPSG:4326", "gcj02"):  # the file's own system wins over crs=
        result = read_households(path, crs=crs)
        assert result.report.ok and result.source.basis == "declared"
        assert result.table.geometry.x.iloc[0] == pytest.approx(24.964, abs=1e-3)
    # wgs84 names the datum behind the file's projection: the same point
    assert read_households(path, file_crs="wgs84").table.geometry.x.iloc[0] == pytest.approx(
        24.964, abs=1e-3
    )
    # an EPSG code replaces what the file declares; metres read as degrees are a finding,
    # never a traceback
    result = read_households(path, file_crs="EPSG:4490")
    assert result.report.codes() == ["coordinate_out_of_range"]
    assert result.report.fatal[0].message.startswith("h.gpkg, feature 1,")


# ---------------------------------------------------------------- one coordinate rule per file
# The Beijing district of tests/geo/china_fixtures.py: 16 households at block centres, columns
# 0-1 in beat W1 and 2-3 in E1; its exports hold GCJ-02 or BD-09 coordinates.


def china_files(tmp_path: Path, *, households: str, beats: str = "wgs84") -> dict[str, Path]:
    return {
        "households": cf.write_csv(cf.households_export(households), tmp_path / "住户.csv"),
        "visits": cf.write_csv(cf.visits_export(households), tmp_path / "走访.csv"),
        "beats": cf.beats_geojson(tmp_path / "beats.geojson", beats),
    }


def beat_of_each(data) -> list[str]:
    joined = data.households.sjoin(data.beats, predicate="within", how="left")
    return joined.sort_index()["beat_id"].tolist()


def test_coords_apply_to_csv_and_never_to_geojson(tmp_path: Path) -> None:
    data = load_dataset(**china_files(tmp_path, households="gcj02"), crs="gcj02")
    assert data.report.ok and data.report.codes() == []
    assert beat_of_each(data) == cf.households()["beat_id"].tolist()
    truth = cf.households()
    assert np.abs(data.households.geometry.x - truth["lon"]).max() < 1e-6
    # the beats kept their own (WGS84) corners
    assert data.beats.geometry.iloc[0].bounds == pytest.approx((116.39, 39.91, 116.394, 39.918))


def test_geojson_that_is_really_gcj02(tmp_path: Path) -> None:
    files = china_files(tmp_path, households="gcj02", beats="gcj02")
    with pytest.raises(ImportRefused) as refused:
        load_dataset(**files, crs="gcj02")
    (f,) = refused.value.report.fatal
    assert (f.code, f.file) == ("coordinates_mixed_up", "beats.geojson")
    assert f.message.startswith(
        "beats.geojson looks like GCJ-02 while 住户.csv is GCJ-02: read it with "
        "table_crs={'beats': 'gcj02'} (as read, 81% of the households lie outside every beat"
    )
    data = load_dataset(**files, crs="gcj02", table_crs={"beats": "gcj02"})
    assert beat_of_each(data) == cf.households()["beat_id"].tolist()


def test_households_and_visits_misread_are_both_named(tmp_path: Path) -> None:
    files = china_files(tmp_path, households="gcj02")  # GCJ-02 CSVs, nothing named
    with pytest.raises(ImportRefused) as refused:
        load_dataset(**files, hint=lambda table, system: f"run with --{table}-coords {system}")
    assert [(f.code, f.file) for f in refused.value.report.fatal] == [
        ("coordinates_mixed_up", "住户.csv"),
        ("coordinates_mixed_up", "走访.csv"),
    ]
    first, second = (f.message for f in refused.value.report.fatal)
    assert first.startswith(
        "住户.csv looks like GCJ-02 while beats.geojson is WGS84: run with "
        "--households-coords gcj02 (as read, 81% of the households lie outside every beat; "
        "read as GCJ-02, 0%)"
    )
    assert second.startswith("走访.csv looks like GCJ-02: run with --visits-coords gcj02")
    assert refused.value.outside is not None and len(refused.value.outside) == 13
    # no per-household warnings when a mix-up explains them
    assert "outside_beats" not in refused.value.report.codes()


def test_bd09_excel_and_gbk_shapefile_in_gauss_kruger(tmp_path: Path) -> None:
    homes = tmp_path / "住户.xlsx"
    cf.households_export("bd09").to_excel(homes, index=False)
    visits = tmp_path / "走访.xlsx"
    cf.visits_export("bd09").to_excel(visits, index=False)
    for cpg in (True, False):
        beats = cf.beats_shapefile_zip(tmp_path / f"警务区-{cpg}.zip", cpg=cpg)
        data = load_dataset(beats=beats, households=homes, visits=visits, crs="bd09")
        assert data.report.ok
        assert data.beats[["beat_id", "station", "officer_ids"]].values.tolist() == [
            ["W1", "东城派出所", "P1"],
            ["E1", "东城派出所", "P2"],
        ]
        # Gauss-Kruger back to CGCS2000 = WGS84: the corners within 1e-7° (1 cm)
        assert data.beats.geometry.iloc[1].bounds == pytest.approx(
            (116.394, 39.91, 116.398, 39.918), abs=1e-7
        )
        assert beat_of_each(data) == cf.households()["beat_id"].tolist()


def test_projected_xy_columns_with_a_named_epsg(tmp_path: Path) -> None:
    # Gauss-Kruger x/y in the lon/lat columns: converted first, their range checked after
    gk = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4548", always_xy=True)
    x, y = gk.transform(116.391, 39.911)
    path = write(tmp_path / "h.csv", f"household_id,x,y\n1,{x:.3f},{y:.3f}\n2,{x:.3f},\n")
    result = read_households(path, crs="EPSG:4548")
    assert [(f.code, f.row) for f in result.report.fatal] == [("missing_coordinates", 3)]
    point = result.table.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((116.391, 39.911), abs=1e-7)


def test_garbage_offset_is_refused_with_the_share_outside(tmp_path: Path) -> None:
    files = china_files(tmp_path, households="wgs84")
    cf.write_csv(cf.households_export("wgs84", shift=(0.05, -0.03)), files["households"])
    with pytest.raises(ImportRefused) as refused:
        load_dataset(**files)
    report = refused.value.report
    (f,) = report.fatal
    assert (f.code, f.file) == ("outside_beats_share", "住户.csv")
    assert f.message.startswith("100% of the households in 住户.csv (16 of 16) lie outside")
    # and each household is listed with its row and the file's own header
    rows = [(w.row, w.column) for w in report.warnings if w.code == "outside_beats"]
    assert rows == [(n, "经度") for n in range(2, 18)]
    outside = refused.value.outside
    assert outside is not None and outside["household_id"].tolist() == list(
        cf.households()["household_id"]
    )
    assert refused.value.beats is not None and len(refused.value.beats) == 2


def test_cross_file_findings_name_feature_numbers_and_own_headers(tmp_path: Path) -> None:
    # 1 of 40 households outside (2.5 %): a warning naming the GeoJSON's feature number
    import geopandas as gpd
    from shapely.geometry import Point

    beats = beats_csv(tmp_path, [("B1", square(0, 0))])
    points = [Point(24.9005, 60.1005)] * 39 + [Point(25.5, 60.5)]
    homes = tmp_path / "h.geojson"
    gpd.GeoDataFrame(
        {"户号": [str(n) for n in range(40)]}, geometry=points, crs="EPSG:4326"
    ).to_file(homes, driver="GeoJSON", engine="pyogrio")
    visits = write(tmp_path / "v.csv", "走访编号,户号,民警,走访时间\nV1,99,P1,2026-07-01 10:00\n")
    data = load_dataset(beats=beats, households=homes, visits=visits)
    (outside,) = finding(data.report, "outside_beats")
    assert (outside.file, outside.row, outside.column) == ("h.geojson", 40, None)
    assert outside.message.startswith("h.geojson, feature 40: household '39'")
    (unknown,) = finding(data.report, "unknown_household")
    assert (unknown.row, unknown.column) == (2, "户号")
    assert unknown.message.startswith("v.csv, row 2, column '户号': household '99'")


def test_a_local_coordinate_system_is_a_finding(tmp_path: Path) -> None:
    # a city's own survey grid (LOCAL_CS): no datum ties it to the Earth, nothing converts it
    import zipfile

    import geopandas as gpd
    import shapely

    folder = tmp_path / "parts"
    folder.mkdir()
    gpd.GeoDataFrame(
        {"警务区": ["B1"]}, geometry=[shapely.box(0, 0, 100, 100)], crs="EPSG:3857"
    ).to_file(folder / "b.shp", engine="pyogrio", encoding="GBK")
    (folder / "b.prj").write_text(
        'LOCAL_CS["城市独立坐标系",LOCAL_DATUM["x",0],UNIT["metre",1],'
        'AXIS["X",EAST],AXIS["Y",NORTH]]',
        encoding="utf-8",
    )
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    result = read_beats(tmp_path / "b.zip")
    assert result.report.codes() == ["unusable_crs"]
    assert result.report.fatal[0].message.startswith(
        "b.zip: the coordinates are in 城市独立坐标系, which cannot be converted to WGS84"
    )


def test_imported_tables_remember_where_their_coordinates_came_from(
    tmp_path: Path, two_beats: Path
) -> None:
    beats = read_beats(two_beats)
    assert (beats.coord_column, beats.source.basis, beats.origin.file) == (
        "geometry",
        "default",
        "beats.csv",
    )
    homes = read_households(write(tmp_path / "h.csv", "户号,经度,纬度\n1,24.9005,60.1005\n"))
    assert (homes.coord_column, homes.headers["lon"], homes.origin.row_word) == (
        "lon",
        "经度",
        "row",
    )
    geojson = read_beats(cf.beats_geojson(tmp_path / "b.geojson"), crs="gcj02")
    assert (geojson.coord_column, geojson.source.basis, geojson.origin.first_row) == (
        None,
        "declared",
        1,
    )


# ---------------------------------------------------------------- the import boundary


def test_an_unreadable_file_is_a_finding_of_the_refused_import(tmp_path: Path) -> None:
    beats = beats_csv(tmp_path, [("B1", square(0, 0))])
    homes = write(tmp_path / "h.geojson", "PAR1 not json")
    visits = write(tmp_path / "v.csv", "visit_id,household_id,officer_id,time\n")
    with pytest.raises(ImportRefused) as refused:
        load_dataset(
            beats=beats, households=homes, visits=visits, names={"households": "户.geojson"}
        )
    findings = refused.value.report.fatal
    assert [(f.code, f.file) for f in findings] == [
        ("wrong_format", "户.geojson"),
        ("no_records", "v.csv"),
    ]
    assert findings[0].message.startswith("户.geojson: the content is not GeoJSON as the file's")


def test_an_unforeseen_error_becomes_a_finding_and_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # a reader failing in a way nobody foresaw (here: made to) is the boundary's last case
    from geo import importer

    def broken(path: Path, **_: object) -> None:
        raise ZeroDivisionError(f"{path} at /srv/secret")

    monkeypatch.setitem(importer.READERS, "households", broken)
    path = write(tmp_path / "h.csv", "household_id,lon,lat\n1,24.9,60.1\n")
    imported = importer.read_table("households", path, name="户.csv")
    (finding,) = imported.report.findings
    assert (finding.code, finding.file, finding.values) == (
        "unexpected_error",
        "户.csv",
        {"error": "ZeroDivisionError"},
    )
    assert "/srv/secret" not in finding.message and str(tmp_path) not in finding.message
    assert len(imported.table) == 0
    assert "reading 户.csv as households failed" in caplog.text


def test_values_beyond_floats_and_beats_beyond_the_globe_are_findings(tmp_path: Path) -> None:
    homes = write(
        tmp_path / "h.csv",
        "household_id,lon,lat,residents\n1,24.9,60.1,1e309\n2,24.9,60.1,1e20\n3,inf,60.1,1\n",
    )
    report = read_households(homes).report
    assert [(f.code, f.row, f.column) for f in report.fatal] == [
        ("not_a_number", 4, "lon"),
        ("missing_coordinates", 4, "lon"),
        ("not_a_number", 2, "residents"),
        ("out_of_range", 3, "residents"),
    ]
    # an invalid (bow-tie) beat beyond latitude 90 is out of range, not repaired in UTM
    bow = "POLYGON ((24.9 95, 24.91 95.01, 24.91 95, 24.9 95.01, 24.9 95))"
    report = read_beats(beats_csv(tmp_path, [("B1", bow)])).report
    assert report.codes() == ["coordinate_out_of_range"]

"""Limits checked before parsing: the small files that hold huge tables are refused.

The three files of issue 12 at their real sizes (a workbook with one cell at XFD1048576, a
workbook holding a 400 MB string, a zipped Shapefile of 3 million points), then each limit
with a small setting and a small file whose figures are worked out by hand.
"""

from __future__ import annotations

import sqlite3
import zipfile
import zlib
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from geo.errors import InputFileError
from geo.limits import RATIO_FLOOR_BYTES, zip_directory
from geo.readers import read_raw
from geo.settings import DEFAULTS, Settings
from tests.support import hostile


def refused(path: Path, settings: Settings = DEFAULTS) -> InputFileError:
    with pytest.raises(InputFileError) as info:
        read_raw(path, settings=settings)
    assert info.value.code == "over_limit"
    return info.value


# ------------------------------------------------------------------- the files of issue 12


@pytest.mark.parametrize("declared", ["A1:XFD1048576", "A1"])
def test_one_cell_at_xfd1048576_is_refused_by_its_extent(tmp_path: Path, declared: str) -> None:
    # 1,048,576 rows x 16,384 columns = 17,179,869,184 cells > 50,000,000; the declared
    # dimension may say so, or lie (A1): the scan of the sheet finds the cell either way
    path = hostile.far_cell_workbook(tmp_path / "households.xlsx", declared=declared)
    assert path.stat().st_size < 5_000
    error = refused(path)
    assert error.variant == "sheet_cells"
    assert error.values == {
        "last": "XFD1048576",
        "rows": 1_048_576,
        "columns": 16_384,
        "cells": 17_179_869_184,
        "limit": 50_000_000,
        "setting": "max_cells",
    }
    assert str(error).startswith(
        "households.xlsx: the sheet reaches cell XFD1048576: 1,048,576 rows × 16,384 columns "
        "= 17,179,869,184 cells, more than 50,000,000 (setting max_cells); delete everything"
    )


def test_a_400_mb_shared_string_is_refused_by_the_ratio(tmp_path: Path) -> None:
    path = hostile.shared_string_bomb(tmp_path / "households.xlsx", megabytes=400)
    assert path.stat().st_size < 500_000
    error = refused(path)
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    assert unpacked > 400 * 2**20
    assert error.variant == "ratio"
    assert error.values["ratio"] == pytest.approx(unpacked / path.stat().st_size)
    assert error.values["ratio"] > 1000


def test_a_zipped_shapefile_of_3m_points_is_refused_by_its_records(tmp_path: Path) -> None:
    path = hostile.points_shapefile(tmp_path / "households.zip", 3_000_000)
    error = refused(path)
    assert (error.variant, error.values["count"]) == ("features", 3_000_000)
    assert str(error) == (
        "households.zip: the file holds 3,000,000 features, more than 2,000,000 (setting "
        "max_records); split it (by station or by period) into files below the limit, or "
        "have the administrator raise it"
    )
    small = read_raw(hostile.points_shapefile(tmp_path / "small.zip", 1000))
    assert len(small.frame) == 1000 and small.frame["id"].iloc[7] == "0000000007"


# ------------------------------------------------------------------- each limit, small


def csv(path: Path, rows: int, columns: int = 3) -> Path:
    header = ",".join(f"c{i}" for i in range(columns))
    lines = [",".join(str(r) for _ in range(columns)) for r in range(rows)]
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def test_file_size(tmp_path: Path) -> None:
    path = csv(tmp_path / "h.csv", 2)  # 9 + 2 * 6 = 21 bytes
    error = refused(path, DEFAULTS.replace(upload_max_bytes=20))
    assert (error.variant, error.values["size"], error.values["limit"]) == ("size", 21, 20)
    assert read_raw(path, settings=DEFAULTS.replace(upload_max_bytes=21)).frame.shape == (2, 3)


def test_csv_lines_and_cells(tmp_path: Path) -> None:
    path = csv(tmp_path / "h.csv", 4)  # 4 records of 3 columns: 12 cells
    error = refused(path, DEFAULTS.replace(max_records=3))
    assert (error.variant, error.values["count"]) == ("lines", 4)
    error = refused(path, DEFAULTS.replace(max_cells=11))
    assert error.variant == "cells"
    assert (error.values["rows"], error.values["columns"], error.values["cells"]) == (4, 3, 12)
    assert read_raw(path, settings=DEFAULTS.replace(max_records=4, max_cells=12)).frame.shape == (
        4,
        3,
    )


def test_a_header_of_many_fields_counts_its_cells(tmp_path: Path) -> None:
    # 1 record under a header of 100,000 semicolons: 100,001 columns
    path = tmp_path / "wide.csv"
    path.write_text(";" * 100_000 + "\n1\n")
    error = refused(path, DEFAULTS.replace(max_cells=100_000))
    assert (error.values["rows"], error.values["columns"]) == (1, 100_001)


def test_sheet_rows_numbered_far_below(tmp_path: Path) -> None:
    # a row numbered 10: 9 records below the header; rows without r count on from there
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="10"><c><v>1</v></c></row>'
    rows += "<row><c><v>2</v></c></row>"  # row 11
    path = hostile.workbook(tmp_path / "h.xlsx", hostile.sheet(rows), ["household_id"])
    error = refused(path, DEFAULTS.replace(max_records=9))
    assert (error.variant, error.values["rows"]) == ("sheet_rows", 11)
    frame = read_raw(path, settings=DEFAULTS.replace(max_records=10)).frame
    assert frame["household_id"].tolist()[-2:] == ["1", "2"]


def test_sheet_cells_counted_without_references(tmp_path: Path) -> None:
    # cells without r count on from the last: the third is column C; 2 rows x 3 = 6 cells
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    rows += "<row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>"
    path = hostile.workbook(tmp_path / "h.xlsx", hostile.sheet(rows), ["household_id"])
    error = refused(path, DEFAULTS.replace(max_cells=5))
    assert (error.values["last"], error.values["cells"]) == ("C2", 6)
    assert read_raw(path, settings=DEFAULTS.replace(max_cells=6)).frame.shape == (1, 3)


def test_archive_members_unpacked_size_and_ratio(tmp_path: Path) -> None:
    path = tmp_path / "beats.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(12):
            archive.writestr(f"part{i}.txt", "x" * 1000)
    assert zip_directory(path) is not None and zip_directory(path)[0] == 12  # type: ignore[index]
    error = refused(path, DEFAULTS.replace(archive_max_members=11))
    assert (error.variant, error.values["count"]) == ("members", 12)
    error = refused(path, DEFAULTS.replace(unpacked_max_bytes=11_999))
    assert (error.variant, error.values["size"]) == ("unpacked", 12_000)
    zeros = b"\0" * (RATIO_FLOOR_BYTES + 1)
    bomb = hostile.deflated_zip(tmp_path / "bomb.zip", {"a.shp": [zeros]}, strategy=zlib.Z_RLE)
    assert refused(bomb).variant == "ratio"  # 64 MB of zeros deflate about 1,000 times


def test_features_and_vertices_of_geojson_and_geopackage(tmp_path: Path) -> None:
    square = Polygon([(118.8, 32.0), (118.81, 32.0), (118.81, 32.01), (118.8, 32.0)])
    gdf = gpd.GeoDataFrame({"beat_id": ["B1", "B2"]}, geometry=[square, square], crs=4326)
    for suffix, driver in ((".geojson", "GeoJSON"), (".gpkg", "GPKG")):
        path = tmp_path / f"beats{suffix}"
        gdf.to_file(path, driver=driver)
        error = refused(path, DEFAULTS.replace(max_records=1))
        assert (error.variant, error.values["count"]) == ("features", 2)
        error = refused(path, DEFAULTS.replace(max_vertices=7))  # 2 rings of 4 points
        assert (error.variant, error.values["count"]) == ("vertices", 8)
        assert len(read_raw(path, settings=DEFAULTS.replace(max_vertices=8)).frame) == 2


def stated_geopackage(path: Path, count: int) -> Path:
    """Five households a..e in a GeoPackage whose contents table states ``count`` features."""
    points = [Point(118.8 + i * 1e-4, 32.05) for i in range(5)]
    gdf = gpd.GeoDataFrame({"household_id": list("abcde")}, geometry=points, crs=4326)
    if not path.exists():
        gdf.to_file(path, driver="GPKG")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE gpkg_ogr_contents SET feature_count = ?", (count,))
    db.close()
    return path


def test_a_geopackage_that_understates_its_features_is_still_refused(tmp_path: Path) -> None:
    path = stated_geopackage(tmp_path / "households.gpkg", 1)
    error = refused(path, DEFAULTS.replace(max_records=3))
    # GDAL believed 1 feature; reading stopped at the 4th, one past the limit
    assert (error.variant, error.values["count"]) == ("features", 4)


def test_a_geopackage_that_understates_its_features_is_read_whole(tmp_path: Path) -> None:
    path = stated_geopackage(tmp_path / "households.gpkg", 2)
    # read first up to the stated count plus one (3 rows came: more than stated), then again
    # up to the limit: every feature, as a truthful count gives
    assert read_raw(path).frame["household_id"].tolist() == list("abcde")
    stated_geopackage(path, 5)  # a true count
    assert read_raw(path).frame["household_id"].tolist() == list("abcde")


def test_geoparquet_rows_and_vertices_from_its_footer(tmp_path: Path) -> None:
    path = tmp_path / "households.parquet"
    points = [Point(118.8 + i * 1e-4, 32.05) for i in range(5)]
    gpd.GeoDataFrame({"household_id": list("abcde")}, geometry=points, crs=4326).to_parquet(path)
    error = refused(path, DEFAULTS.replace(max_records=4))
    assert (error.variant, error.values["count"]) == ("features", 5)
    # vertices are bounded by the geometry column's uncompressed bytes over 16: 5 points
    # of 21 bytes of WKB plus the page's own header, so at least 105 / 16 = 6
    error = refused(path, DEFAULTS.replace(max_vertices=5))
    assert error.variant == "vertices" and 6 <= error.values["count"] < 20
    assert len(read_raw(path, settings=DEFAULTS.replace(max_vertices=20)).frame) == 5


@pytest.mark.parametrize("suffix", [".zip", ".xlsx"])
def test_a_zip_of_a_version_zipfile_cannot_read_is_refused(tmp_path: Path, suffix: str) -> None:
    # found by the fuzz corpus: one flipped byte in the central directory's "version needed
    # to extract" made zipfile raise NotImplementedError ("zip file version 11.2")
    path = tmp_path / f"visits{suffix}"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("visits.shp", b"\x00" * 100)
    data = bytearray(path.read_bytes())
    at = data.index(b"PK\x01\x02") + 6
    data[at : at + 2] = (112).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match="not a valid zip archive") as refused:
        read_raw(path)
    assert refused.value.finding().code == "unreadable"

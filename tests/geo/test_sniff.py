"""Uploads are data, never instructions: content must match the suffix, GDAL's driver is pinned.

The VRT cases first show that GDAL left to choose its driver really does read another file
(so the refusal is not of a harmless file), then that ``read_raw`` refuses them without
GDAL reading anything: the ``/vsicurl/`` case counts the requests a loopback server gets.
"""

from __future__ import annotations

import http.server
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

from geo.errors import InputFileError
from geo.readers import read_raw
from geo.sniff import kind_of, matches
from tests.support.hostile import vrt
from tests.support.loopback import serving

SECRET = "name,password\nroot,hunter2\n"


def refused(path: Path, name: str | None = None) -> InputFileError:
    with pytest.raises(InputFileError) as info:
        read_raw(path, name=name)
    return info.value


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.csv"
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.mark.parametrize("wrapped", [False, True])
def test_a_vrt_named_geojson_is_refused_and_never_read(
    tmp_path: Path, secret: Path, wrapped: bool
) -> None:
    path = tmp_path / "beats.geojson"
    path.write_text(vrt(f"CSV:{secret}", layer="secret", wrapped=wrapped), encoding="utf-8")
    # GDAL choosing its driver by content opens it as a VRT and reads the other file ...
    leaked = pyogrio.read_dataframe(str(path))
    assert leaked["password"].tolist() == ["hunter2"]
    # ... beatcov refuses it by its content, before GDAL sees it
    error = refused(path)
    assert (error.code, error.variant, error.file) == ("wrong_format", "vrt", "beats.geojson")
    assert str(error) == (
        "beats.geojson: the file is a GDAL virtual file (OGR VRT): instructions to read other "
        "files or web addresses, not data. beatcov reads data only; export the table itself "
        "as GeoJSON"
    )
    finding = error.finding()
    assert (finding.severity, finding.code, finding.values) == (
        "fatal",
        "wrong_format",
        {"expected": "GeoJSON", "found": "VRT"},
    )


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        self.hits.append(self.path)
        body = SECRET.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_Counter,), {"hits": hits})
    with serving(handler) as url:
        yield url, hits


def test_a_vrt_with_vsicurl_makes_no_request(
    tmp_path: Path, loopback: tuple[str, list[str]]
) -> None:
    url, hits = loopback
    for wrapped in (False, True):
        path = tmp_path / f"households{int(wrapped)}.geojson"
        path.write_text(vrt(f"/vsicurl/{url}/x.csv", layer="x", wrapped=wrapped))
        assert refused(path).variant == "vrt"
    assert hits == []


def test_geojson_is_read_by_the_geojson_driver_only(tmp_path: Path, secret: Path) -> None:
    # The VRT text past the first 4 KB is not seen by the sniffing, but GDAL is told the
    # driver: the text is a property value, data like any other.
    text = vrt(f"CSV:{secret}", layer="secret")
    feature = {
        "type": "Feature",
        "properties": {"beat_id": "B1", "note": text},
        "geometry": {"type": "Point", "coordinates": [118.8, 32.05]},
    }
    path = tmp_path / "h.geojson"
    padding = " " * 5000
    path.write_text(f'{{"type": "FeatureCollection",{padding}"features": [{json.dumps(feature)}]}}')
    raw = read_raw(path)
    assert raw.frame.to_dict("records") == [{"beat_id": "B1", "note": text}]


@pytest.mark.parametrize(
    ("suffix", "content", "found"),
    [
        (".geojson", "gpkg", "GeoPackage"),
        (".gpkg", "geojson", "JSON"),
        (".parquet", "csv", "text"),
        (".xlsx", "xls", "XLS"),
        (".csv", "zip", "ZIP"),
        (".zip", "gpkg", "GeoPackage"),
        (".json", "csv", "text"),
    ],
)
def test_content_that_does_not_match_its_suffix_is_refused(
    tmp_path: Path, suffix: str, content: str, found: str
) -> None:
    gdf = gpd.GeoDataFrame({"household_id": ["1"]}, geometry=[Point(118.8, 32.05)], crs=4326)
    samples = {
        "gpkg": lambda p: gdf.to_file(p, driver="GPKG"),
        "geojson": lambda p: gdf.to_file(p, driver="GeoJSON"),
        "csv": lambda p: p.write_text("household_id,lon,lat\n1,118.8,32.05\n"),
        "xls": lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
        "zip": lambda p: zipfile.ZipFile(p, "w").writestr("a.txt", "x"),
    }
    source = tmp_path / f"sample.{content}"
    samples[content](source)
    path = tmp_path / f"households{suffix}"
    path.write_bytes(source.read_bytes())
    error = refused(path)
    assert error.code == "wrong_format"
    assert error.values["found"] == found
    assert str(error).startswith(f"households{suffix}: the content is {found}, not ")


def test_a_shapefile_part_that_is_not_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "beats.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:  # text not seen in the zip
        archive.writestr("beats.shp", vrt("CSV:/etc/passwd", layer="passwd"))
        archive.writestr("beats.shx", b"\x00\x00\x27\x0a" + bytes(96))
        archive.writestr("beats.dbf", b"\x03" + bytes(40))
    error = refused(path)
    assert (error.code, error.values) == (
        "wrong_format",
        {"expected": "Shapefile .shp", "found": "VRT"},
    )


def test_kinds_and_what_each_suffix_accepts() -> None:
    assert kind_of(b"\xef\xbb\xbf  {") == "JSON"
    assert kind_of(b"SQLite format 3\x00" + bytes(52) + b"GPKG") == "GeoPackage"
    assert kind_of(b"SQLite format 3\x00" + bytes(60)) == "SQLite"
    assert kind_of(b"PAR1....", b"PAR1") == "Parquet"
    assert kind_of(b"PAR1....", b"abcd") == "unknown"
    assert kind_of("户号,地址\n".encode("gbk")) == "text"
    assert kind_of("id\n1\n".encode("utf-16")) == "text"
    assert kind_of(b"\x00\x01\x02") == "unknown"
    assert matches("JSON", "CSV") and matches("text", "CSV") and not matches("ZIP", "CSV")
    assert matches("ZIP", "XLSX") and matches("ZIP", "zipped Shapefile")
    assert not matches("VRT", "CSV") and not matches("XML", "GeoJSON")

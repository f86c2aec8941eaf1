"""The coordinate rule per file: declared systems kept, named ones for undeclared files only,
per-file overrides; CGCS2000 and its Gauss-Kruger zones as WGS84.

Expected coordinates are worked out independently of the code under test: Gauss-Kruger
false easting is 500,000 m on the central meridian, and the GCJ-02 forward transform of a
point is the published one (tests/geo/test_coords.py checks it against a reference).
"""

from __future__ import annotations

import geopandas as gpd
import pyproj
import pytest
from shapely.geometry import Point

from geo.coords import wgs84_to_gcj02
from geo.errors import CRSError
from geo.systems import CoordSource, decide, is_wgs84_like, to_wgs84

GEOJSON = pyproj.CRS("EPSG:4326")  # what a GeoJSON declares (RFC 7946)
GK_117 = pyproj.CRS("EPSG:4548")  # CGCS2000 / 3-degree Gauss-Kruger CM 117E


@pytest.mark.parametrize(
    ("declared", "named", "override", "expected"),
    [
        # nothing said: the default
        (None, None, None, ("wgs84", None, "default")),
        # --coords applies to coordinates that carry no system ...
        (None, "gcj02", None, ("gcj02", None, "named")),
        (None, "EPSG:4548", None, ("wgs84", 4548, "named")),
        # ... and never to a file that declares one: GeoJSON stays WGS84
        (GEOJSON, "gcj02", None, ("wgs84", None, "declared")),
        (GK_117, "bd09", None, ("wgs84", 4548, "declared")),
        # CGCS2000 geographic is taken as WGS84 (no frame to undo)
        (pyproj.CRS("EPSG:4490"), None, None, ("wgs84", None, "declared")),
        # a per-file override wins: a datum keeps the file's projection, EPSG replaces it
        (GEOJSON, "wgs84", "gcj02", ("gcj02", None, "override")),
        (GK_117, None, "gcj02", ("gcj02", 4548, "override")),
        (GK_117, None, "EPSG:4490", ("wgs84", None, "override")),
        (None, "gcj02", "bd09", ("bd09", None, "override")),
    ],
)
def test_one_rule_per_file(
    declared: pyproj.CRS | None,
    named: str | None,
    override: str | None,
    expected: tuple[str, int | None, str],
) -> None:
    source = decide(declared, named=named, override=override)
    frame = None if source.frame is None else source.frame.to_epsg()
    assert (source.datum, frame, source.basis) == expected


def test_bad_names_raise() -> None:
    with pytest.raises(CRSError, match="unknown coordinate system 'mars'"):
        decide(None, named="mars")
    with pytest.raises(CRSError, match="'marsx'"):
        decide(GEOJSON, override="marsx")


def test_names_in_words() -> None:
    assert decide(GEOJSON).name == "WGS84"
    assert decide(None, named="bd09").name == "BD-09"
    assert decide(GK_117).name == "CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548)"
    assert decide(GK_117, override="gcj02").name == (
        "GCJ-02 in CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548)"
    )


@pytest.mark.parametrize("code", [4491, 4513, 4534, 4548, 4554])
def test_cgcs2000_gauss_kruger_zones_are_wgs84_like(code: int) -> None:
    crs = pyproj.CRS.from_epsg(code)
    assert crs.name.startswith("CGCS2000") and is_wgs84_like(crs.geodetic_crs)
    assert decide(crs).frame == crs


def test_gauss_kruger_central_meridian_to_wgs84() -> None:
    # on the central meridian (false easting 500,000 m) the longitude is the meridian's;
    # the equator is northing 0
    points = gpd.GeoSeries([Point(500000.0, 0.0)])
    out = to_wgs84(points, decide(GK_117)).iloc[0]
    assert (out.x, out.y) == pytest.approx((117.0, 0.0), abs=1e-9)


def test_gcj02_behind_a_projection() -> None:
    # a layer digitised on a Gaode map and saved in Gauss-Kruger: unproject, then undo GCJ-02
    true_lon, true_lat = 116.39, 39.91
    gcj = wgs84_to_gcj02(true_lon, true_lat)
    gk = pyproj.Transformer.from_crs("EPSG:4490", GK_117, always_xy=True).transform(*gcj)
    source = decide(GK_117, override="gcj02")
    out = to_wgs84(gpd.GeoSeries([Point(*gk)], crs=GK_117), source).iloc[0]
    assert (out.x, out.y) == pytest.approx((true_lon, true_lat), abs=1e-7)
    # read as the file declares, it is off by the GCJ-02 offset (hundreds of metres)
    plain = to_wgs84(gpd.GeoSeries([Point(*gk)]), decide(GK_117)).iloc[0]
    assert (plain.x, plain.y) == pytest.approx(gcj, abs=1e-7)


def test_named_epsg_frame_is_not_the_files_own() -> None:
    assert decide(GK_117).own_frame
    assert not decide(None, named="EPSG:4548").own_frame
    assert decide(None, named="gcj02") == CoordSource("gcj02", None, "named")

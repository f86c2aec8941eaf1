"""Tests of geo.coords: CRS names, GCJ-02 / BD-09 transforms and conversion to WGS84."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from shapely.geometry import Point, Polygon

from geo.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometry_to_wgs84,
    parse_crs,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.errors import BeatcovError, CRSError

GEOD = pyproj.Geod(ellps="WGS84")

# Web Mercator (EPSG:3857) on paper: x = R * lon_rad, y = R * asinh(tan(lat)), R = 6378137.
# lon 90 -> x = R * pi / 2; lat 45 -> tan = 1 -> y = R * asinh(1).
R = 6378137.0
X90 = R * math.pi / 2
Y45 = R * math.asinh(1.0)

# Published reference values of the standard GCJ-02 algorithm, from the test suite of
# googollee/eviltransform (python/test.py): (wgs_lat, wgs_lon, gcj_lat, gcj_lon).
REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distances in metres between matching points."""
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@pytest.fixture
def china_grid() -> tuple[np.ndarray, np.ndarray]:
    """A 1-degree grid over China's extent: lon 73..135, lat 18..53 (63 x 36 points).

    Kept a degree inside the GCJ-02 box (72.004..137.8347, 0.8293..55.8271), so no point
    or its offset image crosses the box edge.
    """
    lon, lat = np.meshgrid(np.arange(73.0, 136.0), np.arange(18.0, 54.0))
    return lon.ravel(), lat.ravel()


# ------------------------------------------------------------------------ parse_crs


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wgs84", "wgs84"),
        ("WGS-84", "wgs84"),
        ("WGS 84", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("epsg:4326", "wgs84"),
        ("4326", "wgs84"),
        (" WGS84 ", "wgs84"),
        ("gcj02", "gcj02"),
        ("GCJ-02", "gcj02"),
        ("gcj-02", "gcj02"),
        ("gcj", "gcj02"),
        ("bd09", "bd09"),
        ("BD-09", "bd09"),
        ("bd-09", "bd09"),
        ("baidu", "bd09"),
        ("EPSG:3857", "EPSG:3857"),
        ("epsg:32650", "EPSG:32650"),
        ("4490", "EPSG:4490"),  # CGCS2000, China's own geographic CRS
    ],
)
def test_parse_crs_accepted_forms(name: str, expected: str) -> None:
    assert parse_crs(name) == expected


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("mars", r"unknown coordinate system 'mars'; accepted: WGS84 .*GCJ-02 .*BD-09 .*EPSG"),
        ("bd09mc", r"'bd09mc'.*accepted: "),
        ("", r"''.*accepted: "),
        ("EPSG:99999999", r"unknown EPSG code .*'EPSG:99999999'.*accepted: "),
        ("EPSG:", r"'EPSG:'.*accepted: "),
        # EPSG:5773 is EGM96 height: a vertical CRS, not lon/lat or x/y.
        ("EPSG:5773", r"'EPSG:5773'.*not a horizontal"),
    ],
)
def test_parse_crs_rejects_unknown_names(name: str, match: str) -> None:
    with pytest.raises(CRSError, match=match):
        parse_crs(name)


def test_parse_crs_rejects_non_text() -> None:
    with pytest.raises(CRSError, match=r"None is not a name"):
        parse_crs(None)  # type: ignore[arg-type]


# ------------------------------------------------------------------------ forward GCJ-02


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), REFERENCE)
def test_wgs84_to_gcj02_matches_published_values(
    wgs_lat: float, wgs_lon: float, gcj_lat: float, gcj_lon: float
) -> None:
    lon, lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    # 1e-9 degree is about 0.1 mm.
    assert lon == pytest.approx(gcj_lon, abs=1e-9)
    assert lat == pytest.approx(gcj_lat, abs=1e-9)


def test_gcj02_offset_is_hundreds_of_metres_inside_china(china_grid) -> None:
    lon, lat = china_grid
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    offset = metres(lon, lat, gcj_lon, gcj_lat)
    # The GCJ-02 shift is nowhere zero in China and never reaches 700 m (on this grid it
    # runs from about 40 m in the far west to about 670 m).
    assert offset.min() > 10.0
    assert offset.max() < 700.0
    # At the three published cities it is several hundred metres.
    ref = np.array(REFERENCE)
    ref_offset = metres(ref[:, 1], ref[:, 0], ref[:, 3], ref[:, 2])
    assert np.all((ref_offset > 300.0) & (ref_offset < 700.0))


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (24.94, 60.17),  # Helsinki
        (0.0, 0.0),  # lat 0 is below 0.8293
        (72.0, 30.0),  # just west of 72.004
        (140.0, 35.7),  # Tokyo, east of 137.8347
        (116.4, 56.0),  # north of 55.8271
    ],
)
def test_gcj02_is_identity_outside_china(lon: float, lat: float) -> None:
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


# ------------------------------------------------------------------------ BD-09


def test_bd09_offset_applies_outside_china_too() -> None:
    # (0, 0) is outside the GCJ-02 box, so GCJ-02 = WGS84 = (0, 0). BD-09 then gives
    # z = hypot(0, 0) + 0.00002 * sin(0) = 0, so z * cos/sin(theta) = 0 and only the
    # constant shift remains: (0 + 0.0065, 0 + 0.006).
    assert gcj02_to_bd09(0.0, 0.0) == (0.0065, 0.006)
    assert wgs84_to_bd09(0.0, 0.0) == (0.0065, 0.006)
    lon, lat = bd09_to_wgs84(0.0065, 0.006)
    assert lon == pytest.approx(0.0, abs=1e-12)
    assert lat == pytest.approx(0.0, abs=1e-12)


def test_wgs84_to_bd09_is_gcj02_then_baidu(china_grid) -> None:
    lon, lat = china_grid
    assert np.array_equal(
        np.stack(wgs84_to_bd09(lon, lat)), np.stack(gcj02_to_bd09(*wgs84_to_gcj02(lon, lat)))
    )


# ------------------------------------------------------------------------ round trips


def test_round_trip_wgs84_gcj02_wgs84_below_1_cm(china_grid) -> None:
    lon, lat = china_grid
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, back_lon, back_lat).max() < 0.01


def test_round_trip_wgs84_bd09_wgs84_below_1_cm(china_grid) -> None:
    lon, lat = china_grid
    back_lon, back_lat = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert metres(lon, lat, back_lon, back_lat).max() < 0.01


def test_round_trip_gcj02_bd09_gcj02_below_1_cm(china_grid) -> None:
    lon, lat = china_grid
    back_lon, back_lat = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert metres(lon, lat, back_lon, back_lat).max() < 0.01


def test_inverse_recovers_published_wgs84_points() -> None:
    ref = np.array(REFERENCE)
    lon, lat = gcj02_to_wgs84(ref[:, 3], ref[:, 2])
    assert metres(ref[:, 1], ref[:, 0], lon, lat).max() < 0.01


def test_inverse_options_are_checked() -> None:
    with pytest.raises(BeatcovError, match=r"tolerance_m must be a positive .* got 0"):
        gcj02_to_wgs84(116.4, 39.9, tolerance_m=0)
    with pytest.raises(BeatcovError, match=r"max_iter must be at least 1, got 0"):
        bd09_to_wgs84(116.4, 39.9, max_iter=0)


# ------------------------------------------------------------------------ scalars, arrays, NaN


def test_scalars_give_floats_and_arrays_keep_their_shape() -> None:
    lon, lat = wgs84_to_gcj02(116.377817, 39.911954)
    assert isinstance(lon, float)
    assert isinstance(lat, float)
    grid_lon = np.full((2, 3), 116.377817)
    out_lon, out_lat = gcj02_to_wgs84(*wgs84_to_gcj02(grid_lon, 39.911954))  # lat broadcast
    assert out_lon.shape == (2, 3)
    assert out_lat.shape == (2, 3)
    # Every cell is the same point, so every cell equals the scalar answer.
    assert np.all(out_lon == gcj02_to_wgs84(lon, lat)[0])
    from_list = wgs84_to_gcj02([116.377817, 24.94], [39.911954, 60.17])
    assert from_list[0].tolist() == [lon, 24.94]


def test_nan_in_nan_out_without_warnings() -> None:
    # filterwarnings = error: any RuntimeWarning from NaN would fail this test.
    lon = np.array([np.nan, 116.4, 116.4, np.inf])
    lat = np.array([39.9, np.nan, 39.9, 39.9])
    for func in (
        wgs84_to_gcj02,
        gcj02_to_wgs84,
        gcj02_to_bd09,
        bd09_to_gcj02,
        wgs84_to_bd09,
        bd09_to_wgs84,
    ):
        out_lon, out_lat = func(lon, lat)
        # A point missing either coordinate is missing in both; the full point converts.
        assert np.isnan(out_lon).tolist() == [True, True, False, True], func.__name__
        assert np.isnan(out_lat).tolist() == [True, True, False, True], func.__name__
    assert all(np.isnan(v) for v in bd09_to_wgs84(np.nan, np.nan))
    for crs in ("wgs84", "gcj02", "bd09", "EPSG:3857"):
        out_lon, out_lat = to_wgs84(lon[:2], lat[:2], crs=crs)
        assert np.isnan(out_lon).all() and np.isnan(out_lat).all(), crs


# ------------------------------------------------------------------------ to_wgs84


def test_to_wgs84_from_web_mercator() -> None:
    lon, lat = to_wgs84([0.0, X90], [0.0, Y45], crs="3857")
    assert lon == pytest.approx([0.0, 90.0], abs=1e-9)
    assert lat == pytest.approx([0.0, 45.0], abs=1e-9)


def test_to_wgs84_dispatches_on_the_name() -> None:
    ref = np.array(REFERENCE)
    gcj_lon, gcj_lat = ref[:, 3], ref[:, 2]
    out = to_wgs84(gcj_lon, gcj_lat, crs="GCJ-02")
    assert np.array_equal(np.stack(out), np.stack(gcj02_to_wgs84(gcj_lon, gcj_lat)))
    out = to_wgs84(gcj_lon, gcj_lat, crs="baidu")
    assert np.array_equal(np.stack(out), np.stack(bd09_to_wgs84(gcj_lon, gcj_lat)))
    out = to_wgs84(gcj_lon, gcj_lat, crs="EPSG:4326")
    assert np.array_equal(np.stack(out), np.stack([gcj_lon, gcj_lat]))
    lon, lat = to_wgs84(24.94, 60.17, crs="wgs84")
    assert isinstance(lon, np.ndarray)
    assert (float(lon), float(lat)) == (24.94, 60.17)


def test_to_wgs84_rejects_unknown_crs() -> None:
    with pytest.raises(CRSError, match=r"'mars'"):
        to_wgs84(116.4, 39.9, crs="mars")


# ------------------------------------------------------------------------ geometry_to_wgs84


def test_geometry_to_wgs84_polygon_from_gcj02_and_bd09() -> None:
    # A 0.01-degree square in Beijing; build its GCJ-02 / BD-09 versions vertex by vertex
    # with the forward transforms, convert the polygons back, expect the square.
    wgs = np.array([(116.40, 39.90), (116.41, 39.90), (116.41, 39.91), (116.40, 39.91)])
    for forward, crs in ((wgs84_to_gcj02, "gcj02"), (wgs84_to_bd09, "BD-09")):
        fx, fy = forward(wgs[:, 0], wgs[:, 1])
        shifted = Polygon(np.column_stack([fx, fy]))
        out = geometry_to_wgs84(gpd.GeoSeries([shifted], index=["b1"], name="geometry"), crs=crs)
        assert out.crs == "EPSG:4326"
        assert out.index.tolist() == ["b1"]
        assert out.name == "geometry"
        ring = np.asarray(out.iloc[0].exterior.coords)[:-1]
        assert np.abs(ring - wgs).max() < 1e-9  # 1e-9 degree is about 0.1 mm


def test_geometry_to_wgs84_polygon_from_epsg() -> None:
    # Web Mercator square (0, 0)-(X90, Y45) is lon 0..90, lat 0..45 (see X90, Y45 above).
    square = Polygon([(0.0, 0.0), (X90, 0.0), (X90, Y45), (0.0, Y45)])
    for geoms in (
        [square],
        np.array([square], dtype=object),
        gpd.GeoSeries([square], crs="EPSG:3857"),
    ):
        out = geometry_to_wgs84(geoms, crs="EPSG:3857")
        assert out.crs == "EPSG:4326"
        ring = np.asarray(out.iloc[0].exterior.coords)
        expected = [(0.0, 0.0), (90.0, 0.0), (90.0, 45.0), (0.0, 45.0), (0.0, 0.0)]
        assert ring == pytest.approx(np.array(expected), abs=1e-9)


def test_geometry_to_wgs84_keeps_missing_empty_and_z() -> None:
    gcj_lon, gcj_lat = REFERENCE[2][3], REFERENCE[2][2]
    geoms = gpd.GeoSeries([None, Polygon(), Point(gcj_lon, gcj_lat, 42.0)], crs="EPSG:4326")
    out = geometry_to_wgs84(geoms, crs="gcj")
    assert out.iloc[0] is None
    assert out.iloc[1].is_empty
    point = out.iloc[2]
    assert point.has_z and point.z == 42.0
    assert metres(point.x, point.y, REFERENCE[2][1], REFERENCE[2][0]) < 0.01


def test_geometry_to_wgs84_from_wgs84_is_identity() -> None:
    out = geometry_to_wgs84([Point(24.94, 60.17)], crs="WGS 84")
    assert out.crs == "EPSG:4326"
    assert out.iloc[0].equals(Point(24.94, 60.17))


@pytest.mark.parametrize(
    ("declared", "crs"),
    [("EPSG:3857", "gcj02"), ("EPSG:4326", "EPSG:3857"), ("EPSG:32650", "wgs84")],
)
def test_geometry_to_wgs84_refuses_a_crs_mismatch(declared: str, crs: str) -> None:
    geoms = gpd.GeoSeries([Point(1.0, 1.0)], crs=declared)
    with pytest.raises(CRSError, match=rf"carry the coordinate system {declared} but crs="):
        geometry_to_wgs84(geoms, crs=crs)

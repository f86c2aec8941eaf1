"""Misalignment checks on the hand-made Beijing district (tests/geo/china_fixtures.py).

Hand-worked figures. At (116.39, 39.91) the GCJ-02 offset is +0.00623° of longitude and
+0.00139° of latitude (test_coords' reference point), 1° of longitude is about 85.4 km and 1°
of latitude about 111.0 km, so the offset is about 532 m east and 154 m north, 554 m in all.
Households at block centres (116.391 + 0.002 i, 39.911 + 0.002 j) moved by it land at
(116.3972 + 0.002 i, 39.9124 + 0.002 j): inside the beats (lon < 116.398, lat < 39.918) only
for i = 0 and j = 0, 1, 2, so 3 of 16 stay inside and 13 of 16 (81.25 %) fall outside.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geo.alignment import (
    BeatsCheck,
    MixUp,
    Side,
    check_beats,
    check_gps,
    check_streets,
    compass,
    inside_any,
    mixup_message,
    outside_message,
    reread,
    streets_message,
)
from geo.projection import local_utm
from geo.schema import gps_lonlat
from geo.settings import DEFAULTS
from geo.systems import decide
from tests.geo import china_fixtures as cf

GEOJSON = pyproj.CRS("EPSG:4326")
BEATS_FILE = Side("beats", "beats.geojson", decide(GEOJSON))


def beats(system: str = "wgs84") -> gpd.GeoDataFrame:
    """The beats as read when their file holds ``system`` coordinates taken as WGS84."""
    gdf = cf.beats().rename(columns={"警务区": "beat_id"})
    xy = gdf.get_coordinates()
    lon, lat = cf.forward(xy["x"].to_numpy(), xy["y"].to_numpy(), system)
    shapes = shapely.set_coordinates(gdf.geometry.to_numpy().copy(), np.column_stack([lon, lat]))
    return gpd.GeoDataFrame(gdf[["beat_id"]], geometry=shapes, crs="EPSG:4326")


def households(system: str = "wgs84", shift: tuple[float, float] = (0, 0)) -> gpd.GeoDataFrame:
    """The households as read when their file holds ``system`` taken as WGS84."""
    truth = cf.households()
    lon, lat = cf.forward(truth["lon"].to_numpy(), truth["lat"].to_numpy(), system)
    points = gpd.points_from_xy(lon + shift[0], lat + shift[1], crs="EPSG:4326")
    return gpd.GeoDataFrame(truth[["household_id"]], geometry=points)


def side(table: str, file: str, **rule: str) -> Side:
    return Side(table, file, decide(None, **rule))


# --------------------------------------------------------------------------- beats


def test_aligned_files_pass() -> None:
    check = check_beats(
        beats(), households(), beats_side=BEATS_FILE, households_side=side("households", "h.csv")
    )
    assert (check.share, check.misaligned, check.mixup) == (0.0, False, None)
    assert not check.outside.any()


def test_households_in_gcj02_read_as_wgs84() -> None:
    h_side = side("households", "h.csv")  # nothing named: taken as WGS84
    check = check_beats(beats(), households("gcj02"), beats_side=BEATS_FILE, households_side=h_side)
    assert check.misaligned and check.share == 13 / 16
    # the three that stay inside: column 0, rows 0-2
    ids = cf.households()["household_id"]
    assert sorted(ids[~check.outside]) == ["000", "010", "020"]
    assert check.mixup == MixUp(h_side, "gcj02", 13 / 16, 0.0)


def test_beats_that_are_really_gcj02_are_named_before_households_named_gcj02() -> None:
    # households.csv named GCJ-02 (read right), beats.geojson GCJ-02 taken as WGS84. Reading
    # the households as WGS84 would align them too, but their system was named; the beats'
    # was only declared by the format, so the beats are the ones to re-read.
    h_side = side("households", "h.csv", named="gcj02")
    check = check_beats(beats("gcj02"), households(), beats_side=BEATS_FILE, households_side=h_side)
    assert check.share == 13 / 16  # the same 554 m, the other way round
    assert check.mixup is not None
    assert (check.mixup.side, check.mixup.system, check.mixup.after) == (BEATS_FILE, "gcj02", 0.0)


def test_bd09_read_as_gcj02() -> None:
    # BD-09 is GCJ-02 plus about (0.0065, 0.006)°: read as GCJ-02 it is still ~700 m off
    h_side = side("households", "h.xlsx", named="gcj02")
    read = households("bd09")
    x, y = reread(read.geometry.x, read.geometry.y, was="wgs84", now="gcj02")
    read_as_gcj = read.set_geometry(gpd.points_from_xy(x, y, crs="EPSG:4326"))
    check = check_beats(beats(), read_as_gcj, beats_side=BEATS_FILE, households_side=h_side)
    assert check.misaligned and check.mixup is not None
    assert (check.mixup.side, check.mixup.system, check.mixup.after) == (h_side, "bd09", 0.0)


def test_swapped_axes() -> None:
    # near Helsinki both orders are valid coordinates: (60.1005, 24.9005) is in no beat
    beat = gpd.GeoDataFrame(
        {"beat_id": ["B1"]}, geometry=[shapely.box(24.90, 60.10, 24.91, 60.11)], crs="EPSG:4326"
    )
    homes = gpd.GeoDataFrame(
        {"household_id": ["1", "2"]},
        geometry=gpd.points_from_xy([60.1005, 60.1050], [24.9005, 24.9050], crs="EPSG:4326"),
    )
    h_side = side("households", "h.csv")
    check = check_beats(beat, homes, beats_side=BEATS_FILE, households_side=h_side)
    assert check.mixup == MixUp(h_side, None, 1.0, 0.0)
    assert "longitude and latitude swapped" in mixup_message(check.mixup)


def test_garbage_offset_is_not_explained() -> None:
    # 0.05° east: the households lie 0.043-0.049° east of the east edge (116.398), a median
    # of 0.046° x 85.4 km = 3.93 km; no usual mix-up moves them back
    h_side = side("households", "h.csv")
    check = check_beats(
        beats(), households(shift=(0.05, 0.0)), beats_side=BEATS_FILE, households_side=h_side
    )
    assert check.misaligned and check.share == 1.0 and check.mixup is None
    assert check.distance_m == pytest.approx(3930, rel=0.01)
    message = outside_message(check, households_file="h.csv", beats_file="b.geojson", cap=0.05)
    assert message.startswith("100% of the households in h.csv (16 of 16) lie outside every beat")
    assert "at most 5% may" in message and "a median 3.9 km from the nearest beat" in message


def test_share_at_the_limit_passes() -> None:
    # one household of 20 (5 %) outside: not more than misaligned_max_share
    homes = households()
    extra = households(shift=(0.05, 0.0)).iloc[:1].assign(household_id="far")
    more = gpd.GeoDataFrame(
        pd.concat([homes, homes.iloc[:3].assign(household_id="x"), extra]), crs="EPSG:4326"
    )
    assert len(more) == 20
    check = check_beats(
        beats(), more, beats_side=BEATS_FILE, households_side=side("households", "h.csv")
    )
    assert check.share == 0.05 and not check.misaligned
    strict = DEFAULTS.replace(misaligned_max_share=0.04)
    assert check_beats(
        beats(),
        more,
        beats_side=BEATS_FILE,
        households_side=side("households", "h.csv"),
        settings=strict,
    ).misaligned


# --------------------------------------------------------------------------- GPS


def visits(system: str) -> gpd.GeoDataFrame:
    truth = cf.households()
    lon, lat = cf.forward(truth["lon"].to_numpy(), truth["lat"].to_numpy(), system)
    return gpd.GeoDataFrame(
        {"household_id": truth["household_id"]},
        geometry=gpd.points_from_xy(lon, lat, crs="EPSG:4326"),
    )


def test_gps_in_gcj02_read_as_wgs84() -> None:
    v_side = side("visits", "v.csv")
    found = check_gps(households(), visits("gcj02"), visits_side=v_side)
    assert found is not None and found.system == "gcj02"
    assert found.before == pytest.approx(554, rel=0.02) and found.after < 0.01
    message = mixup_message(found, hint=lambda t, s: f"run with --{t}-coords {s}")
    assert message.startswith("v.csv looks like GCJ-02: run with --visits-coords gcj02")
    assert "a median 55" in message and "m from their households' doors" in message


def test_gps_columns_are_checked_as_the_points_are() -> None:
    """Visits read without points (the command line's) hold the GPS as two columns."""
    v_side = side("visits", "v.csv")
    found = {}
    for system in ("gcj02", "wgs84"):
        with_points = visits(system)
        lon, lat = gps_lonlat(with_points)
        columns = pd.DataFrame(with_points.drop(columns="geometry")).assign(
            gps_lon=lon, gps_lat=lat
        )
        found[system] = check_gps(households(), columns, visits_side=v_side)
        assert found[system] == check_gps(households(), with_points, visits_side=v_side)
    mixup = found["gcj02"]
    assert mixup is not None and mixup.system == "gcj02" and found["wgs84"] is None


def test_gps_near_doors_too_few_or_unexplained_is_left_to_verification() -> None:
    v_side = side("visits", "v.csv")
    assert check_gps(households(), visits("wgs84"), visits_side=v_side) is None
    assert check_gps(households(), visits("gcj02").iloc[:4], visits_side=v_side) is None
    # 1 km off in every direction at once: no single mix-up explains it
    scattered = visits("wgs84")
    angles = np.linspace(0, 2 * np.pi, len(scattered), endpoint=False)
    scattered = scattered.set_geometry(
        gpd.points_from_xy(
            scattered.geometry.x + 0.0117 * np.cos(angles),
            scattered.geometry.y + 0.009 * np.sin(angles),
            crs="EPSG:4326",
        )
    )
    assert check_gps(households(), scattered, visits_side=v_side) is None


# --------------------------------------------------------------------------- streets


def grid_blocks(shift: float = 0.0) -> gpd.GeoDataFrame:
    shapes = [
        shapely.box(
            cf.LON0 + i * cf.STEP + shift,
            cf.LAT0 + j * cf.STEP,
            cf.LON0 + (i + 1) * cf.STEP + shift,
            cf.LAT0 + (j + 1) * cf.STEP,
        )
        for i in range(4)
        for j in range(4)
    ]
    return gpd.GeoDataFrame({"block_id": range(16)}, geometry=shapes, crs="EPSG:4326")


def test_streets_that_reach_the_households_pass() -> None:
    check = check_streets(grid_blocks(), households())
    assert (check.share, check.misaligned) == (0.0, False)


def test_streets_two_km_east_are_refused_with_the_offset() -> None:
    # blocks moved 0.025° east (2.13 km): the grid's west edge is then at 116.415, and the
    # households' centre (median 116.394, 39.914) lies 0.021° x 85.4 km = 1.79 km west of it
    check = check_streets(grid_blocks(0.025), households())
    assert check.misaligned and check.share == 1.0
    assert check.distance_m == pytest.approx(1794, rel=0.01) and check.bearing == "east"
    message = streets_message(check, streets_file="s.osm", settings=DEFAULTS)
    assert message.startswith("s.osm: the street blocks miss the beats: 100% of the households")
    assert "the nearest block is 1.8 km east of the households' centre" in message


def test_streets_of_another_city() -> None:
    helsinki = gpd.GeoDataFrame(
        {"block_id": [1]}, geometry=[shapely.box(24.94, 60.17, 24.95, 60.18)], crs="EPSG:4326"
    )
    check = check_streets(helsinki, households())
    # Beijing to Helsinki: about 6,300 km, setting off north-west
    assert check.misaligned and check.bearing == "north-west"
    assert 6_000_000 < (check.distance_m or 0) < 6_600_000


def reference_share(blocks: gpd.GeoDataFrame, homes: gpd.GeoDataFrame, distance: float) -> float:
    """The share of households farther than ``distance`` from every block, each household
    measured in metres (how check_streets measured every one before it took the blocks
    holding a household as 0 m away)."""
    crs = local_utm(homes.geometry)
    tree = shapely.STRtree(blocks.geometry.to_crs(crs).to_numpy())
    metric = homes.geometry.to_crs(crs).to_numpy()
    pairs = tree.query(metric, predicate="dwithin", distance=distance)
    return 1.0 - len(np.unique(pairs[0])) / len(homes)


def test_streets_share_is_the_share_measured_in_metres() -> None:
    """Households in a block, on its edge and corner, and 10-200 m outside the grid."""
    blocks = grid_blocks()
    inside = households()
    rng = np.random.default_rng(3)
    lon1, lat1 = cf.LON0 + 4 * cf.STEP, cf.LAT0 + 4 * cf.STEP  # the grid's north-east corner
    metres = rng.uniform(10, 200, 60)
    outside = shapely.points(lon1 + metres / 85_400, rng.uniform(cf.LAT0, lat1, 60))
    edges = shapely.points([[cf.LON0 + cf.STEP, cf.LAT0 + 0.3 * cf.STEP], [lon1, lat1]])
    geoms = np.concatenate([inside.geometry.to_numpy(), outside, edges])
    homes = gpd.GeoDataFrame({"household_id": range(len(geoms))}, geometry=geoms, crs=4326)
    shares = []
    for distance in (0.5, 1.0, 50.0, 120.0):
        cfg = DEFAULTS.replace(outside_block_max_m=distance, streets_miss_max_share=1.0)
        shares.append(check_streets(blocks, homes, settings=cfg).share)
        assert shares[-1] == pytest.approx(reference_share(blocks, homes, distance), abs=1e-12)
    assert shares[0] == shares[1] == pytest.approx(60 / len(homes))  # all 60 outside, edges in
    assert shares[1] > shares[2] > shares[3] > 0


def test_inside_any_is_intersects() -> None:
    polygons = grid_blocks().geometry.to_numpy()[[0, 5, 10]]
    rng = np.random.default_rng(8)
    lon = rng.uniform(cf.LON0 - cf.STEP, cf.LON0 + 5 * cf.STEP, 500)
    lat = rng.uniform(cf.LAT0 - cf.STEP, cf.LAT0 + 5 * cf.STEP, 500)
    vertices = shapely.get_coordinates(polygons)
    points = np.concatenate(
        [shapely.points(lon, lat), shapely.points(vertices), [None, shapely.Point()]]
    )
    pairs = shapely.STRtree(polygons).query(points, predicate="intersects")
    want = np.zeros(len(points), dtype=bool)
    want[np.unique(pairs[0])] = True
    want[-2:] = True  # missing and empty points count as inside
    got = inside_any(points, polygons)
    assert got.tolist() == want.tolist() and got[500:-2].all() and 0 < got[:500].sum() < 500
    assert inside_any(points, np.array([], dtype=object)).tolist() == [False] * 515 + [True] * 2


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_reread_round_trips(system: str) -> None:
    truth = cf.households()
    lon, lat = cf.forward(truth["lon"].to_numpy(), truth["lat"].to_numpy(), system)
    # read as WGS84 although the file is `system`; re-read as `system`: the truth
    x, y = reread(lon, lat, was="wgs84", now=system)
    assert np.abs(x - truth["lon"]).max() < 1e-8 and np.abs(y - truth["lat"]).max() < 1e-8
    # and back
    x2, y2 = reread(x, y, was=system, now="wgs84")
    assert np.abs(x2 - lon).max() < 1e-8 and np.abs(y2 - lat).max() < 1e-8


def test_compass_words() -> None:
    assert [compass(a) for a in (0, 44, 46, 90, 180, 225, 270, 315, 359)] == [
        "north", "north-east", "north-east", "east", "south", "south-west", "west",
        "north-west", "north",
    ]  # fmt: skip


def test_messages_name_the_file_the_system_and_the_fix() -> None:
    h_side = side("households", "households.csv")
    found = MixUp(h_side, "gcj02", 0.46, 0.01)
    message = mixup_message(found, other=BEATS_FILE)
    assert message == (
        "households.csv looks like GCJ-02 while beats.geojson is WGS84: read it with "
        "table_crs={'households': 'gcj02'} (as read, 46% of the households lie outside every "
        "beat; read as GCJ-02, 1%)"
    )
    check = BeatsCheck(np.array([True, False, False]), 1 / 3, True, None, None)
    assert "(1 of 3)" in outside_message(check, households_file="h", beats_file="b", cap=0.05)

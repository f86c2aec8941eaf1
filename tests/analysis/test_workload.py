"""Visiting workload on a hand-made beat; every figure worked out below.

Two 100 m x 100 m blocks side by side in UTM 50N (the zone beatcov itself picks there, so
no reprojection blurs the figures), both in beat P:

=====  ===========  ==========  =====  =========  ===================================
block  households   vulnerable  open   street     note
                                f-ups  inside
=====  ===========  ==========  =====  =========  ===================================
A      10           2           1      59 m       a 60 m dead end from its west edge,
                                                  1 m of it on the border margin
B      0            0           0      0
=====  ===========  ==========  =====  =========  ===================================

Defaults: a 90-day period; a vulnerable household needs a contact every 30 days, so 3
visits, 2 more than the 1 every household gets; 1 extra visit per open follow-up. So A
needs 10 + 2 x 2 + 1 = 15 visits. The visits give minutes per visit: their median is 12
(counted contacts 10, 12, 14; a not-counted 1-minute contact, a nobody-home attempt and a
review contact of 30 minutes under ``review_counts=False`` are left out).

Walking at 1.2 m/s is 72 m a minute. Streets: A half its 400 m perimeter plus 59 m
inside = 259 m; B 200 m. The post is A (all households are there): access to B is the
100 m between centres x 1.4 detour x 2 ways = 280 m.

A: 15 x 12 + 259 / 72          = 180 + 3.597 = 183.597 minutes
B: 0       + 200 / 72 + 280/72 =   2.778 + 3.889 = 6.667 minutes
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from analysis.workload import (
    WORKLOAD_COLUMNS,
    access_metres,
    beat_posts,
    beat_workload,
    block_workload,
    minutes_per_visit,
    street_metres,
    visits_needed,
    walk_minutes,
)
from geo.errors import SchemaError
from geo.settings import DEFAULTS

X0, Y0 = 500_000.0, 3_540_000.0
UTM = "EPSG:32650"
SETTINGS = DEFAULTS.replace(workload_min_durations=3, review_counts=False)


@pytest.fixture
def blocks() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "block_id": ["A", "B", "outside:P"],
            "beat_id": ["P", "P", "P"],
            "households": [10, 0, 2],
            "vulnerable_households": [2, 0, 0],
            "open_follow_ups": [1, 0, 0],
        },
        geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100), None],
        crs=UTM,
    )


@pytest.fixture
def visits() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "visit_id": ["v1", "v2", "v3", "v4", "v5", "v6"],
            "outcome": ["contact", "contact", "contact", "contact", "nobody_home", "contact"],
            "status": ["counted", "counted", "counted", "not_counted", "counted", "review"],
            "duration_min": [10.0, 12.0, 14.0, 1.0, 2.0, 30.0],
        }
    )


@pytest.fixture
def streets() -> gpd.GeoSeries:
    return gpd.GeoSeries(
        [
            LineString([(X0, Y0 + 50), (X0 + 60, Y0 + 50)]),  # dead end inside A
            LineString([(X0, Y0), (X0 + 200, Y0)]),  # bounding street: not inside
        ],
        crs=UTM,
    )


# --------------------------------------------------------------------------- the terms


def test_minutes_per_visit_is_the_median_of_counted_contacts(visits: pd.DataFrame) -> None:
    found = minutes_per_visit(visits, settings=SETTINGS)
    assert (found.minutes, found.durations, found.source) == (12.0, 3, "visits")
    # review contacts count while review_counts holds: 10, 12, 14, 30 -> 13
    assert minutes_per_visit(visits, settings=SETTINGS.replace(review_counts=True)).minutes == 13
    # every contact under include_unverified: 1, 10, 12, 14, 30 -> 12
    everything = SETTINGS.replace(include_unverified=True, review_counts=True)
    assert minutes_per_visit(visits, settings=everything).durations == 5


def test_minutes_per_visit_falls_back_to_the_setting(visits: pd.DataFrame) -> None:
    few = SETTINGS.replace(workload_min_durations=4, workload_visit_min=8.0)
    assert minutes_per_visit(visits, settings=few).minutes == 8.0
    assert minutes_per_visit(visits, settings=few).source == "setting"
    none = pd.DataFrame({"duration_min": [np.nan, np.nan]})
    assert minutes_per_visit(none).durations == 0
    with pytest.raises(SchemaError, match="duration_min"):
        minutes_per_visit(pd.DataFrame({"visit_id": ["v1"]}))


def test_visits_needed_follow_the_overdue_rule() -> None:
    assert visits_needed([10], [2], [1]).tolist() == [15.0]
    # a 14-day overdue rule: 90 / 14 visits in the period for a vulnerable household
    tight = DEFAULTS.replace(vulnerable_overdue_days=14)
    assert visits_needed([0], [1], [0], settings=tight)[0] == pytest.approx(90 / 14 - 1)
    # never fewer than an ordinary household's
    loose = DEFAULTS.replace(vulnerable_overdue_days=365)
    assert visits_needed([1], [1], [0], settings=loose).tolist() == [1.0]


def test_walking_and_access() -> None:
    assert walk_minutes([72.0, 144.0]).tolist() == [1.0, 2.0]
    twice = DEFAULTS.replace(workload_rounds_per_period=2.0, workload_walking_speed_mps=1.0)
    assert walk_minutes([60.0], settings=twice).tolist() == [2.0]
    assert access_metres([[0, 0], [30, 40]], [[0, 0], [30, 0]]).tolist() == [
        [0.0, 84.0],
        [140.0, 112.0],
    ]


def test_posts_are_nearest_the_household_weighted_centre() -> None:
    xy = [[0, 0], [100, 0], [200, 0], [0, 500]]
    # beat 0: households 1, 0, 5 -> centre x = 1000 / 6 = 166.7 -> block 2
    # beat 1: one block; beat 2: no blocks
    assert beat_posts(xy, [1, 0, 5, 0], [1, 1, 1, 1], [0, 0, 0, 1], 3).tolist() == [2, 3, -1]
    # no households: area decides (block 0 is 3 times block 1: centre x = 25 -> block 0)
    assert beat_posts(xy[:2], [0, 0], [3, 1], [0, 0], 1).tolist() == [0]


def test_street_metres_count_half_the_border_and_streets_inside(
    blocks: gpd.GeoDataFrame, streets: gpd.GeoSeries
) -> None:
    found = street_metres(blocks.geometry, streets=streets)
    assert found["perimeter_m"].tolist() == [400.0, 400.0, 0.0]
    assert found["inside_street_m"].round(9).tolist() == [59.0, 0.0, 0.0]
    assert street_metres(blocks.geometry)["inside_street_m"].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(SchemaError, match="project both alike"):
        street_metres(blocks.geometry, streets=streets.to_crs("EPSG:4326"))


# --------------------------------------------------------------------------- the whole


def test_block_workload_by_hand(
    blocks: gpd.GeoDataFrame, visits: pd.DataFrame, streets: gpd.GeoSeries
) -> None:
    found = block_workload(blocks, visits, streets=streets, settings=SETTINGS)
    assert list(found.columns) == list(WORKLOAD_COLUMNS)
    a, b, outside = (found.iloc[i] for i in range(3))
    assert a["visits_needed"] == 15 and a["visit_min"] == 180
    assert a["street_min"] == pytest.approx(259 / 72)
    assert a["access_min"] == 0 and a["post_block_id"] == "A"
    assert a["workload_min"] == pytest.approx(183.597, abs=1e-3)
    assert b["visit_min"] == 0 and b["street_min"] == pytest.approx(200 / 72)
    assert b["access_m"] == pytest.approx(280) and b["post_block_id"] == "A"
    assert b["workload_min"] == pytest.approx(480 / 72)
    # households off every block: their visits only (2 x 12), no streets, no access
    assert outside["visit_min"] == 24 and outside["workload_min"] == 24
    per_beat = beat_workload(found)
    assert per_beat.loc["P", "blocks"] == 3
    assert per_beat.loc["P", "workload_min"] == pytest.approx(180 + 24 + 459 / 72 + 280 / 72)


def test_block_workload_in_wgs84_measures_in_metres(
    blocks: gpd.GeoDataFrame, visits: pd.DataFrame
) -> None:
    metric = block_workload(blocks, visits, settings=SETTINGS)
    degrees = block_workload(blocks.to_crs("EPSG:4326"), visits, settings=SETTINGS)
    assert np.allclose(degrees["workload_min"], metric["workload_min"], atol=1e-6)


def test_blocks_in_no_beat_count_for_none(blocks: gpd.GeoDataFrame, visits: pd.DataFrame) -> None:
    blocks.loc[1, "beat_id"] = None
    found = block_workload(blocks, visits, settings=SETTINGS)
    assert found["access_min"].iloc[1] == 0 and pd.isna(found["post_block_id"].iloc[1])
    assert beat_workload(found).loc["P", "blocks"] == 2


def test_block_workload_refuses_blocks_without_geometry_or_crs(
    blocks: gpd.GeoDataFrame, visits: pd.DataFrame
) -> None:
    with pytest.raises(SchemaError, match="coordinate system"):
        block_workload(pd.DataFrame(blocks.drop(columns="geometry")), visits)
    with pytest.raises(SchemaError, match="no geometry"):
        block_workload(blocks.iloc[[2]], visits)
    with pytest.raises(SchemaError, match="open_follow_ups"):
        block_workload(blocks.drop(columns="open_follow_ups"), visits)

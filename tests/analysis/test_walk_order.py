"""The nearest-next walking order of a list of doors (analysis/walk_order.py).

Doors due east of the start on a street with no network (every leg straight through
compounds, so minutes grow with distance): listed at 360 m, 120 m, 240 m and one without a
location, they are walked 120, 240, 360 m: numbers 3, 1, 2 and none.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.route import nearest_next_route
from analysis.walk_order import nearest_next_order, walking_order

UTM = "EPSG:32650"
X0, Y0 = 667_000.0, 3_546_000.0


def east(metres: float) -> shapely.Point:
    return gpd.GeoSeries([shapely.Point(X0 + metres, Y0)], crs=UTM).to_crs(4326).iloc[0]


def test_doors_are_numbered_in_the_order_walked() -> None:
    doors = gpd.GeoSeries([east(360), east(120), east(240), None], index=[7, 8, 9, 10], crs=4326)
    order = walking_order(doors, start=east(0), graph=None)
    assert order.name == "walk_order" and order.index.tolist() == [7, 8, 9, 10]
    assert order.iloc[:3].tolist() == [3, 1, 2] and order.isna().tolist()[3]


def test_a_start_at_the_far_end_reverses_the_walk() -> None:
    doors = gpd.GeoSeries([east(360), east(120), east(240)], crs=4326)
    assert walking_order(doors, start=east(400), graph=None).tolist() == [1, 3, 2]


def test_no_located_door_gives_no_numbers() -> None:
    order = walking_order(gpd.GeoSeries([None], crs=4326), start=east(0), graph=None)
    assert order.isna().all() and str(order.dtype) == "Int64"


def test_the_order_is_the_routing_baselines_without_a_budget() -> None:
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 1000, size=(13, 2))
    minutes = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) / 72
    baseline = nearest_next_route(minutes, np.ones(12), np.zeros(12), budget=np.inf)
    assert nearest_next_order(minutes).tolist() == baseline.order.tolist()
    assert sorted(nearest_next_order(minutes).tolist()) == list(range(12))


def test_an_empty_list_has_an_empty_order() -> None:
    assert nearest_next_order(np.zeros((1, 1))).tolist() == []
    assert walking_order(gpd.GeoSeries([], crs=4326), start=east(0), graph=None).empty
    assert isinstance(
        walking_order(gpd.GeoSeries([], crs=4326), start=east(0), graph=None), pd.Series
    )

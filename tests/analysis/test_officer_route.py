"""An officer's route from analysis frames (analysis/officer_route.py, analysis/route_walk.py).

A street with no network (every leg straight through compounds): the start and four doors
due east of it, 120 m apart. Walking is the straight line times 1.4 at 1.2 m/s, so 120 m take
120 * 1.4 / 72 = 2.333 minutes; 10 minutes at each door.

=====  =====  ========  =====================  ====================
door   east   block     band of its block       needs a visit
=====  =====  ========  =====================  ====================
h1     120 m  b1        evening                 yes (never contacted)
h2     240 m  b1        evening                 no (contacted)
h3     360 m  b2        morning                 yes (vulnerable overdue)
h4     480 m  b1        evening                 yes (never contacted)
=====  =====  ========  =====================  ====================
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from analysis.officer_route import band_windows, beat_post, beat_route, officer_route
from analysis.route_walk import route_line, walk_matrix
from geo.errors import RouteError

UTM = "EPSG:32650"  # Nanjing's zone
X0, Y0 = 667_000.0, 3_546_000.0


def east(metres: float) -> shapely.Point:
    return gpd.GeoSeries([shapely.Point(X0 + metres, Y0)], crs=UTM).to_crs(4326).iloc[0]


def households() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "household_id": ["h1", "h2", "h3", "h4"],
            "address": ["一号", "二号", "三号", "四号"],
            "beat_id": ["B1"] * 4,
            "block_id": ["b1", "b1", "b2", "b1"],
            "contacted": [False, True, True, False],
            "days_waiting": [90.0, 5.0, 40.0, 0.0],
            "vulnerable_overdue": [False, False, True, False],
            "open_follow_ups": [0, 0, 0, 0],
            "needs_visit": [True, False, True, True],
            "needs_visit_reasons": ["never_contacted", "", "vulnerable_overdue", "never_contacted"],
        },
        geometry=[east(120), east(240), east(360), east(480)],
        crs=4326,
    )


BLOCKS = pd.DataFrame(
    {
        "block_id": ["b1", "b2"],
        "beat_id": ["B1", "B1"],
        "households": [3, 1],
        "recommended_band": ["evening", "morning"],
        "shrunk_coverage": [0.5, 0.9],
    }
)
BEATS = pd.DataFrame({"beat_id": ["B1", "B2"], "officer_ids": ["P1;P2", "P3"]})
LEG = 120 * 1.4 / 1.2 / 60  # minutes per 120 m


def route(**changes):  # type: ignore[no-untyped-def]
    options = {
        "officer_id": "P1",
        "budget_min": 60.0,
        "band": "evening",
        "visit_min": 10.0,
        "graph": None,
        "start": east(0),
    } | changes
    return officer_route(households(), BLOCKS, BEATS, **options)


def test_the_evening_route_visits_the_evening_doors_that_need_a_visit() -> None:
    walk = route()
    # h1 worth (1 - 0.5) * (1 + 90/90) = 1.0, h4 worth 0.5 * 1 = 0.5; h3 is a morning block
    assert walk.stops["household_id"].tolist() == ["h1", "h4"]
    assert walk.candidates == 2 and walk.beats == ["B1"]
    assert walk.priority_collected == pytest.approx(1.5)
    assert walk.minutes == pytest.approx(4 * LEG + 20.0)
    assert walk.stops["arrival"].tolist() == ["17:02", "17:19"]  # 2.33; 2.33 + 10 + 7.0
    assert walk.stops["walk_min"].tolist() == [round(LEG, 1), round(3 * LEG, 1)]
    assert walk.start_at == dt.time(17) and walk.stops.crs.to_epsg() == 4326
    assert walk.line is not None and walk.line.coords[0] == pytest.approx(east(0).coords[0])


def test_the_morning_route_takes_the_vulnerable_household() -> None:
    walk = route(band="morning")
    assert walk.stops["household_id"].tolist() == ["h3"]
    assert walk.stops["priority"].tolist() == [2.0]
    assert walk.stops["arrival"].tolist() == ["06:07"]  # 3 legs: 7.0 minutes


def test_a_tight_budget_takes_the_best_door_only() -> None:
    walk = route(budget_min=13.0)  # h1: 2.33 + 10 fits; h4: 9.33 + 10 does not
    assert walk.stops["household_id"].tolist() == ["h1"]
    assert walk.minutes <= 13.0


def test_a_start_after_the_band_is_over_visits_no_one_of_it() -> None:
    walk = route(start_at=dt.time(21, 30))
    assert walk.stops.empty and walk.line is None and walk.minutes == 0.0


def test_a_beats_route_is_its_officers_route() -> None:
    options = {"budget_min": 60.0, "band": "evening", "visit_min": 10.0, "graph": None}
    walk = beat_route(households(), BLOCKS, beat_ids=["B1"], start=east(0), **options)
    assert walk.stops["household_id"].tolist() == route().stops["household_id"].tolist()
    assert walk.beats == ["B1"] and walk.minutes == pytest.approx(route().minutes)
    with pytest.raises(RouteError, match=r"beats B2 hold no located household"):
        beat_route(households(), BLOCKS, beat_ids=["B2"], **options)


def test_without_block_shapes_the_post_is_the_households_centre() -> None:
    post = beat_post(BLOCKS, households(), "B1")  # BLOCKS has no geometry
    assert post.x == pytest.approx(east(300).x, abs=1e-7)  # mean of 120, 240, 360, 480 m
    assert post.y == pytest.approx(east(300).y, abs=1e-7)


def test_band_windows_are_minutes_after_the_start() -> None:
    windows = band_windows(pd.Series(["working", "evening"]), start_min=10 * 60, budget_min=60)
    assert windows.tolist() == [[0.0, 60.0], [420.0, 660.0]]


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"officer_id": "P9"}, r"officer 'P9' is named in no beat.*P1, P2, P3"),
        ({"officer_id": "P3"}, r"beats \(B2\) hold no located household"),
        ({"budget_min": 0.0}, "more than 0 minutes"),
        ({"band": "night"}, "unknown time band 'night'"),
    ],
)
def test_what_cannot_be_routed_is_refused(changes, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RouteError, match=match):
        route(**changes)


def test_without_a_network_every_leg_is_straight_times_the_detour() -> None:
    points = gpd.GeoSeries([east(0), east(120), east(360)], crs=4326)
    walks = walk_matrix(points, graph=None)
    assert walks.metres[0, 2] == pytest.approx(360 * 1.4, abs=0.05)
    assert walks.minutes[1, 2] == pytest.approx(2 * LEG, abs=1e-3)
    assert not walks.on_network.any() and np.allclose(walks.minutes, walks.minutes.T)


def test_a_credible_street_is_walked_and_drawn_along_it() -> None:
    # doors at the ends of a street that bends 30 m north at its middle:
    # 2 * hypot(100, 30) = 208.8 m along it, 200 m straight (1.04 times: credible)
    bend = gpd.GeoSeries([shapely.Point(X0 + 100, Y0 + 30)], crs=UTM).to_crs(4326).iloc[0]
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for node, point in ((1, east(0)), (2, bend), (3, east(200))):
        graph.add_node(node, x=point.x, y=point.y)
    for u, v in ((1, 2), (2, 3)):
        graph.add_edge(u, v, length=float(np.hypot(100, 30)))
    points = gpd.GeoSeries([east(0), east(200)], crs=4326)
    walks = walk_matrix(points, graph=graph)
    assert walks.on_network[0, 1] and walks.metres[0, 1] == pytest.approx(2 * np.hypot(100, 30))
    line = route_line(walks, [0, 1])
    assert line is not None and len(line.coords) == 3
    assert line.coords[1][1] == pytest.approx(walks.xy[0, 1] + 30, abs=0.01)

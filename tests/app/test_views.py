"""Tests for app.views' household to-dos: the officer's list and the chief's urgent marks.

A hand-made beat B1 of five households (points at x = 0..4, y = 0, WGS84-like numbers; no
distances are measured here):

=====  =========  ====================================  =============  ========
hh     contacted  reasons                               priority rank  block
=====  =========  ====================================  =============  ========
h1     yes        ""                                    5              K1
h2     no         never_contacted                       3              K1
h3     yes        open_follow_up                        2              K2
h4     no         never_contacted;vulnerable_overdue    1              K2
h5     yes        vulnerable_overdue                    4              K2
=====  =========  ====================================  =============  ========

plus h6 in beat B2 with an open follow-up.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from app import views


def households() -> gpd.GeoDataFrame:
    reasons = [
        "",
        "never_contacted",
        "open_follow_up",
        "never_contacted;vulnerable_overdue",
        "vulnerable_overdue",
        "open_follow_up",
    ]
    frame = pd.DataFrame(
        {
            "household_id": [f"h{i}" for i in range(1, 7)],
            "address": [f"中山东路{i}号" for i in range(1, 7)],
            "beat_id": ["B1"] * 5 + ["B2"],
            "block_id": ["K1", "K1", "K2", "K2", "K2", "K9"],
            "contacted": [True, False, True, False, True, True],
            "vulnerable_overdue": [False, False, False, True, True, False],
            "open_follow_ups": [0, 0, 1, 0, 0, 2],
            "needs_visit": [r != "" for r in reasons],
            "needs_visit_reasons": reasons,
            "priority_rank": [5, 3, 2, 1, 4, 6],
        }
    )
    return gpd.GeoDataFrame(frame, geometry=[Point(i, 0) for i in range(6)], crs="EPSG:4326")


def blocks() -> pd.DataFrame:
    return pd.DataFrame(
        {"block_id": ["K1", "K2", "K9"], "recommended_band": ["evening", "midday", ""]}
    )


def test_work_list_holds_every_household_that_needs_a_visit() -> None:
    # Before household to-dos, h3 (contacted, but an open follow-up) never reached the list.
    todo = views.work_list(households(), blocks(), "B1")
    assert todo["household_id"].tolist() == ["h4", "h3", "h2", "h5"]  # by priority rank
    assert todo["todo"].tolist() == [
        "vulnerable_overdue",
        "open_follow_up",
        "never_contacted",
        "vulnerable_overdue",
    ]
    assert todo["needs_visit_reasons"].iloc[0] == "never_contacted;vulnerable_overdue"
    assert todo["recommended_band"].tolist() == ["midday", "midday", "evening", "midday"]
    assert isinstance(todo, gpd.GeoDataFrame)


def test_urgent_households_are_marked_in_any_block() -> None:
    # vulnerable overdue or open follow-up: h3, h4, h5 in B1 and h6 in B2; h2 (only not
    # contacted) is part of its block's coverage, not an urgent mark
    urgent = views.urgent_households(households())
    assert urgent["household_id"].tolist() == ["h3", "h4", "h5", "h6"]
    assert urgent["todo"].tolist() == [
        "open_follow_up",
        "vulnerable_overdue",
        "vulnerable_overdue",
        "open_follow_up",
    ]
    assert views.urgent_households(households(), beats=["B2"])["household_id"].tolist() == ["h6"]
    assert urgent.crs == "EPSG:4326"

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
import pytest
from shapely.geometry import Point

from analysis.pipeline import Analysis
from analysis.scope import officer_scope, restrict
from app import state, views
from geo.importer import Dataset


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


# --------------------------------------------------------------------- My beat's list


def test_beat_list_holds_every_household_of_the_beat_to_dos_first() -> None:
    homes = households()
    homes.loc[homes["household_id"] == "h2", "block_id"] = "outside:B1"  # in no block
    order = pd.Series([2, 1], index=["h5", "h3"], dtype="Int64")  # h2, h4: no number
    rows = views.beat_list(homes, blocks(), ["B1"], order=order, no_block="no block")
    # to-dos in walking order, then unnumbered to-dos by priority rank, then the rest
    assert rows["household_id"].tolist() == ["h3", "h5", "h4", "h2", "h1"]
    assert rows["walk_order"].tolist()[:2] == [1, 2] and rows["walk_order"].isna().sum() == 3
    assert rows["todo"].tolist() == [
        "open_follow_up",
        "vulnerable_overdue",
        "vulnerable_overdue",
        "never_contacted",
        "",
    ]
    h2 = rows.set_index("household_id").loc["h2"]
    assert h2["block_name"] == "no block" and h2["block_id"] == ""
    assert isinstance(rows, gpd.GeoDataFrame) and rows.crs == "EPSG:4326"
    assert views.todos(rows)["household_id"].tolist() == ["h3", "h5", "h4", "h2"]
    # several beats: every household of each; no order given: by priority rank
    both = views.beat_list(households(), blocks(), ["B1", "B2"])
    assert both["household_id"].tolist() == ["h4", "h3", "h2", "h5", "h6", "h1"]


def test_the_walk_band_is_the_one_advised_for_most_to_dos() -> None:
    rows = views.beat_list(households(), blocks(), ["B1"])
    # to-dos h2 (evening), h3, h4, h5 (midday); h1 has nothing to do
    assert views.walk_band(rows, now_band="evening") == "midday"
    tie = rows[rows["household_id"].isin(["h2", "h3"])]
    assert views.walk_band(tie, now_band="midday") == "midday"  # a tie: now's band
    assert views.walk_band(tie, now_band="morning") == "evening"  # else TIE_ORDER
    assert views.walk_band(rows.iloc[:0], now_band="working") == "working"


def test_route_stops_show_block_names() -> None:
    stops = pd.DataFrame(
        {
            "order": [1],
            "household_id": ["h1"],
            "address": ["中山东路1号"],
            "block_id": ["K1"],
            "arrival": ["17:02"],
            "walk_min": [2.3],
            "priority": [1.0],
            "needs_visit_reasons": ["never_contacted"],
        }
    )
    names = pd.DataFrame({"block_id": ["K1"], "name": ["中山东路 / 太平北路"]})
    shown = views.route_stops(stops, names)
    assert list(shown.columns) == list(views.STOP_COLUMNS)
    assert shown["block_name"].tolist() == ["中山东路 / 太平北路"]


def test_every_demo_officer_sees_every_household_of_their_beats(
    demo_analysis: Analysis, demo_data: Dataset
) -> None:
    # the acceptance of #13 item 5: the list counts the households whose beat_id is the
    # officer's (as households.csv of ``coverage --demo``), whatever block they are in
    homes = demo_analysis.households
    officers = state.officer_ids(demo_data)
    assert len(officers) == 12
    for officer in officers:
        scope = officer_scope(demo_data.beats, officer)
        view = state.build_view(restrict(demo_analysis, scope), demo_data, scope)
        mine = sorted(scope.beats or ())
        rows = views.beat_list(view.households, view.analysis.blocks, mine, no_block="-")
        theirs = homes[homes["beat_id"].isin(mine)]
        assert len(rows) == len(theirs) > 0, officer
        assert set(rows["household_id"]) == set(theirs["household_id"])
        todo = views.todos(rows)
        assert set(todo["household_id"]) == set(theirs.loc[theirs["needs_visit"], "household_id"])
        assert not rows["block_name"].astype(str).str.startswith("outside").any()


def test_satisfaction_by_wait_is_labelled_in_order_with_empty_bins_blank() -> None:
    by_wait = pd.DataFrame(
        {"mean_satisfaction": [3.5, float("nan")], "visits": [2, 0]},
        index=pd.Index(["0_30", "first"], name="wait"),
    )
    en = views.satisfaction_waits(by_wait, lang="en")
    assert en.to_dict("records") == [
        {"wait": "0–30 days", "mean_satisfaction": 3.5, "visits": 2},
        {"wait": "first contact", "mean_satisfaction": None, "visits": 0},
    ]
    assert list(views.satisfaction_waits(by_wait, lang="zh")["wait"]) == ["0–30 天", "首次见面"]


def test_beat_changes_need_visits_in_both_periods() -> None:
    # B1 had 3 visits before (coverage 20 %), B2 none (coverage 0 %): B1 shows +30 pp,
    # B2 no change rather than +60 pp against an empty period
    now = pd.DataFrame(
        {"beat_id": ["B1", "B2"], "coverage": [0.5, 0.6], "visits": [4, 5], "households": [4, 5]}
    )
    before = pd.DataFrame({"beat_id": ["B1", "B2"], "coverage": [0.2, 0.0], "visits": [3, 0]})
    table = views.beat_table(now, before).set_index("beat_id")
    assert table.loc["B1", "coverage_change"] == pytest.approx(0.3)
    assert pd.isna(table.loc["B2", "coverage_change"])
    # a window with no visit at all: no change anywhere (not -20 pp for B1)
    empty = now.assign(coverage=[0.0, 0.0], visits=[0, 0])
    assert views.beat_table(empty, before)["coverage_change"].isna().all()


def test_headline_shows_no_change_when_either_period_is_empty() -> None:
    now = {"households": 10, "coverage": 0.5, "open_follow_ups": 2, "visits": 8}
    before = {"households": 10, "coverage": 0.3, "open_follow_ups": 5, "visits": 6}
    changes = {f.key: f.change for f in views.headline(now, before)}
    assert changes["coverage"] == pytest.approx(0.2) and changes["open_follow_ups"] == -3
    for a, b in ((now, {**before, "visits": 0}), ({**now, "visits": 0}, before)):
        assert {f.change for f in views.headline(a, b)} == {None}
    assert views.window_is_empty(pd.DataFrame({"in_window": [False, None]}))

"""The whole analysis on a hand-made town; every figure below is worked out on paper.

Drawn in metres (UTM 35N, offset by ``X0``/``Y0``) and handed to ``analyse`` in WGS84.
Beats ``A = [0,200] x [0,200]`` and ``B = [200,400] x [0,200]``; blocks (the ``units``)::

    y=200 +---------+---------+---------+---------+
          |   K5    |         |  h10 is 30 m above K3, h11 80 m above K4
          | (empty) |         |       (h10)         (h11)
    y=100 +---------+---------+---------+---------+
          |   K1    |   K2    |   K3    |   K4    |
          | h01-h03 | h04-h06 | h07 h08 |   h09   |
    y=0   +---------+---------+---------+---------+
          x=0      100       200       300       400      (A: x<200, B: x>200)

Window 2026-05-01 to 2026-05-31 (dates, Helsinki): 00:00 on 1 May to ``as_of`` = 00:00 on
1 June, 31 days. Officer P1 works beat A, P2 beat B. Honest GPS points are at the door.

=====  ====  =====  =========  ==========================================================
hh     beat  block  vulnerable  visits (local time)
=====  ====  =====  =========  ==========================================================
h01    A     K1     -           v01 05-10 10:00 contact (sat 5)
h02    A     K1     -           v02 05-10 11:00 nobody_home; v03 05-12 18:00 contact (sat 4)
h03    A     K1     elderly     v04 05-20 10:00 contact (12 days before as_of: in time)
h04    A     K2     -           v05 05-06 10:00 contact logged from 400 m away: gps_far
h05    A     K2     -           v06 05-05 10:00 contact raising an issue never followed up
h06    A     K2     disabled    v12 04-20 10:00 contact, before the window
h07    B     K3     -           v07 05-07 10:00 contact
h08    B     K3     -           v08 05-07 11:00 refused; v13 06-03 contact, after the window
h09    B     K4     -           v09 05-08 10:00 contact
h10    B     K3*    -           v10 05-08 11:00 contact   (* nearest block, 30 m < 50 m)
h11    B     out    -           v11 05-09 10:00 nobody_home, no GPS   (80 m > 50 m from K4)
=====  ====  =====  =========  ==========================================================

Consecutive logs of one officer on one day are an hour apart and at most 130 m apart, so
straight-line travel (no walk graph) never flags them; other gaps exceed the 12 h shift gap.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from analysis.pipeline import (
    BLOCK_COLUMNS,
    HOUSEHOLD_COLUMNS,
    VISIT_COLUMNS,
    Analysis,
    _visit_table,
    analyse,
)
from analysis.verify import VERDICT_DTYPES, verify_visits
from geo.settings import DEFAULTS

UTM = "EPSG:32635"
X0, Y0 = 385_000.0, 6_672_000.0  # central Helsinki
TZ = "Europe/Helsinki"
START, END = dt.date(2026, 5, 1), dt.date(2026, 5, 31)
SETTINGS = DEFAULTS.replace(timezone=TZ)

DOORS = {
    "h01": (20, 50), "h02": (60, 50), "h03": (80, 20),
    "h04": (120, 50), "h05": (160, 50), "h06": (180, 80),
    "h07": (250, 50), "h08": (220, 20), "h09": (350, 50),
    "h10": (250, 130), "h11": (350, 180),
}  # fmt: skip


def _wgs84(geoms: list[shapely.Geometry | None]) -> gpd.GeoSeries:
    """Shift metre drawings to the UTM origin and convert them to WGS84.

    Boxes are segmentized every 100 m first, so every grid corner is a vertex of every
    polygon it lies on and shared edges stay shared after the conversion.
    """

    def shift(g: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(shapely.segmentize(g, 100.0), lambda c: c + [X0, Y0])

    moved = [None if g is None else shift(g) for g in geoms]
    return gpd.GeoSeries(moved, crs=UTM).to_crs("EPSG:4326")


@pytest.fixture(scope="module")
def beats() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "beat_id": ["A", "B"],
            "name": ["West", "East"],
            "station": ["S1", "S1"],
            "officer_ids": ["P1", "P2"],
        },
        geometry=_wgs84([box(0, 0, 200, 200), box(200, 0, 400, 200)]),
    )


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    squares = [box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100),
               box(300, 0, 400, 100), box(0, 100, 100, 200)]  # fmt: skip
    return gpd.GeoDataFrame({"block_id": ["K1", "K2", "K3", "K4", "K5"]}, geometry=_wgs84(squares))


@pytest.fixture(scope="module")
def households() -> gpd.GeoDataFrame:
    ids = list(DOORS)
    vulnerable = {"h03": "elderly_alone", "h06": "disabled"}
    return gpd.GeoDataFrame(
        {
            "household_id": ids,
            "address": [f"Katu {i}" for i in range(1, len(ids) + 1)],
            "residents": pd.array([2] * len(ids), dtype="Int64"),
            "vulnerable": [vulnerable.get(h, "") for h in ids],
            "kind": ["household"] * len(ids),
        },
        geometry=_wgs84([Point(DOORS[h]) for h in ids]),
    )


@pytest.fixture(scope="module")
def visits() -> gpd.GeoDataFrame:
    rows = [  # visit, household, officer, local time, outcome, minutes, issue, satisfaction
        ("v01", "h01", "P1", "2026-05-10 10:00", "contact", 10, "", 5),
        ("v02", "h02", "P1", "2026-05-10 11:00", "nobody_home", 2, "", None),
        ("v03", "h02", "P1", "2026-05-12 18:00", "contact", 15, "", 4),
        ("v04", "h03", "P1", "2026-05-20 10:00", "contact", 20, "", None),
        ("v05", "h04", "P1", "2026-05-06 10:00", "contact", 10, "", None),
        ("v06", "h05", "P1", "2026-05-05 10:00", "contact", 10, "broken streetlight", None),
        ("v07", "h07", "P2", "2026-05-07 10:00", "contact", 10, "", None),
        ("v08", "h08", "P2", "2026-05-07 11:00", "refused", 1, "", None),
        ("v09", "h09", "P2", "2026-05-08 10:00", "contact", 10, "", None),
        ("v10", "h10", "P2", "2026-05-08 11:00", "contact", 10, "", None),
        ("v11", "h11", "P2", "2026-05-09 10:00", "nobody_home", 2, "", None),
        ("v12", "h06", "P1", "2026-04-20 10:00", "contact", 20, "", None),
        ("v13", "h08", "P2", "2026-06-03 10:00", "contact", 10, "", None),
    ]
    cols = ["visit_id", "household_id", "officer_id", "time", "outcome", "duration_min",
            "issue_raised", "satisfaction"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=cols)
    frame["time"] = pd.to_datetime(frame["time"]).dt.tz_localize(TZ)
    frame["duration_min"] = frame["duration_min"].astype(float)
    frame["satisfaction"] = frame["satisfaction"].astype("Int64")
    frame["follow_up_of"] = ""
    frame["note"] = ""
    gps: list[shapely.Geometry | None] = [Point(DOORS[h]) for h in frame["household_id"]]
    gps[4] = Point(120, 450)  # v05: 400 m north of h04's door at (120, 50)
    gps[10] = None  # v11: the device had no fix
    return gpd.GeoDataFrame(frame, geometry=_wgs84(gps))


@pytest.fixture(scope="module")
def result(
    beats: gpd.GeoDataFrame,
    households: gpd.GeoDataFrame,
    visits: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
) -> Analysis:
    return analyse(beats, households, visits, units=units, start=START, end=END, settings=SETTINGS)


def _blocks(result: Analysis) -> pd.DataFrame:
    return pd.DataFrame(result.blocks.drop(columns="geometry")).set_index("block_id")


def test_output_columns_come_first_in_design_order(result: Analysis) -> None:
    assert tuple(result.blocks.columns[: len(BLOCK_COLUMNS)]) == BLOCK_COLUMNS
    assert tuple(result.households.columns[: len(HOUSEHOLD_COLUMNS)]) == HOUSEHOLD_COLUMNS
    assert tuple(result.visits.columns[: len(VISIT_COLUMNS)]) == VISIT_COLUMNS
    assert str(result.blocks.crs) == "EPSG:4326"


def test_visit_verification(result: Analysis) -> None:
    v = result.visits.set_index("visit_id")
    # v05's GPS is 400 m > 300 m from the door: not counted; v11 has no fix: review,
    # which still counts
    assert v.loc["v05", "flags"] == "gps_far"
    assert v.loc["v05", "status"] == "not_counted"
    assert v.loc["v05", "reason"] == "GPS point 400 m from the door"
    assert v.loc["v11", "flags"] == "no_gps"
    assert v.loc["v11", "status"] == "review"
    assert not v.loc["v05", "verified"]
    assert v["verified"].sum() == 12
    assert (v.drop(index=["v05", "v11"])["flags"] == "").all()


def test_households_are_placed_with_their_status(result: Analysis) -> None:
    h = result.households.set_index("household_id")
    assert h["block_id"].to_dict() == {
        "h01": "K1", "h02": "K1", "h03": "K1", "h04": "K2", "h05": "K2", "h06": "K2",
        "h07": "K3", "h08": "K3", "h09": "K4", "h10": "K3", "h11": "outside:B",
    }  # fmt: skip
    assert h["beat_id"].tolist() == ["A"] * 6 + ["B"] * 5
    assert h.loc["h10", "placement"] == "nearest_block"
    assert h.loc["h11", "placement"] == "outside"
    # contacted = a verified contact inside the window: h04's only contact is unverified,
    # h06's is before 1 May, h08's was a refusal (its contact on 3 June is after the window)
    contacted = {"h01", "h02", "h03", "h05", "h07", "h09", "h10"}
    assert set(h.index[h["contacted"]]) == contacted
    assert set(h.index[h["contacted_as_logged"]]) == contacted | {"h04"}
    # attempts in the window: h02 twice, v12 (April) and v13 (June) do not count
    assert h["attempts"].to_dict() == {
        "h01": 1, "h02": 2, "h03": 1, "h04": 1, "h05": 1, "h06": 0,
        "h07": 1, "h08": 1, "h09": 1, "h10": 1, "h11": 1,
    }  # fmt: skip
    # last_contact looks back before the window (h06: 20 April) but not past its end (h08)
    assert h.loc["h06", "last_contact"] == pd.Timestamp("2026-04-20 10:00", tz=TZ)
    assert pd.isna(h.loc["h08", "last_contact"])
    assert pd.isna(h.loc["h04", "last_contact"])  # the unverified contact does not count
    # vulnerable overdue: no counted contact in the 30 days before 1 June 00:00, i.e.
    # since 2 May 00:00. h03 (20 May) is in time; h06 (20 April) is overdue.
    assert h.index[h["vulnerable_overdue"]].tolist() == ["h06"]
    # v06 raised an issue on 5 May; its 14-day limit (19 May) passed before 1 June
    assert h.index[h["open_follow_ups"] > 0].tolist() == ["h05"]
    # households in K2, K3 and outside:B (under-visited below) are flagged
    assert set(h.index[h["in_under_visited_block"]]) == {
        "h04",
        "h05",
        "h06",
        "h07",
        "h08",
        "h10",
        "h11",
    }


def test_household_todos(result: Analysis) -> None:
    h = result.households.set_index("household_id")
    # not contacted in the window: h04 (its contact is not counted), h06 (April), h08
    # (refused), h11 (nobody home); h06 is also vulnerable and overdue; h05 was contacted
    # but its issue is open past the limit
    assert h.loc[h["needs_visit"], "needs_visit_reasons"].to_dict() == {
        "h04": "never_contacted",
        "h05": "open_follow_up",
        "h06": "never_contacted;vulnerable_overdue",
        "h08": "never_contacted",
        "h11": "never_contacted",
    }
    assert (h.loc[~h["needs_visit"], "needs_visit_reasons"] == "").all()
    b = _blocks(result)
    assert b["households_to_visit"].to_dict() == {
        "K1": 0, "K2": 3, "K3": 1, "K4": 0, "K5": 0, "outside:B": 1
    }  # fmt: skip


def test_block_figures(result: Analysis) -> None:
    b = _blocks(result)
    # one row per unit (K5 has no households) plus the pseudo-block of h11
    assert sorted(b.index) == ["K1", "K2", "K3", "K4", "K5", "outside:B"]
    assert b["beat_id"].to_dict() == {
        "K1": "A", "K2": "A", "K3": "B", "K4": "B", "K5": "A", "outside:B": "B"
    }  # fmt: skip
    assert b["households"].to_dict() == {
        "K1": 3, "K2": 3, "K3": 3, "K4": 1, "K5": 0, "outside:B": 1
    }  # fmt: skip
    assert b["contacted_households"].to_dict() == {
        "K1": 3, "K2": 1, "K3": 2, "K4": 1, "K5": 0, "outside:B": 0
    }  # fmt: skip
    # coverage = contacted / households; K5 has none, so no coverage at all
    assert b.loc["K1", "coverage"] == 1.0
    assert b.loc["K2", "coverage"] == pytest.approx(1 / 3)
    assert b.loc["K3", "coverage"] == pytest.approx(2 / 3)
    assert b.loc["K4", "coverage"] == 1.0
    assert b.loc["outside:B", "coverage"] == 0.0
    assert np.isnan(b.loc["K5", "coverage"])
    # as logged, h04's far-from-door contact counts too: K2 2/3
    assert b.loc["K2", "coverage_as_logged"] == pytest.approx(2 / 3)
    assert b.loc["K1", "coverage_as_logged"] == 1.0
    assert b.loc["K3", "coverage_as_logged"] == pytest.approx(2 / 3)
    assert b["vulnerable_households"].to_dict() == {
        "K1": 1, "K2": 1, "K3": 0, "K4": 0, "K5": 0, "outside:B": 0
    }  # fmt: skip
    assert b.loc["K2", "vulnerable_overdue"] == 1
    assert b["vulnerable_overdue"].drop("K2").eq(0).all()
    # latest counted contact in the block: K1 h03 on 20 May; K3 h10 on 8 May at 11:00
    assert b.loc["K1", "last_contact"] == pd.Timestamp("2026-05-20 10:00", tz=TZ)
    assert b.loc["K3", "last_contact"] == pd.Timestamp("2026-05-08 11:00", tz=TZ)
    # satisfaction: K1's h01 rated 5 (v01), h02 rated 4 (v03); no other block has a score
    assert b.loc["K1", "mean_satisfaction"] == pytest.approx(4.5)
    assert b["mean_satisfaction"].drop("K1").isna().all()
    assert b["satisfaction_visits"].to_dict() == {
        "K1": 2, "K2": 0, "K3": 0, "K4": 0, "K5": 0, "outside:B": 0
    }  # fmt: skip


def test_under_visited_blocks_and_reasons(result: Analysis) -> None:
    b = _blocks(result)
    # K2: 1/3 < 0.8, h06 overdue, h05's issue open; K3: 2/3 < 0.8; outside:B: 0 < 0.8.
    # K1 and K4 are fully covered; K5 has no households, so it has no coverage to be low.
    assert b["reasons"].to_dict() == {
        "K1": "",
        "K2": "low_coverage;vulnerable_overdue;open_follow_up",
        "K3": "low_coverage",
        "K4": "",
        "K5": "",
        "outside:B": "low_coverage",
    }
    assert set(b.index[b["under_visited"]]) == {"K2", "K3", "outside:B"}


def test_priority_of_the_worst_block(result: Analysis) -> None:
    b = _blocks(result)
    # K2: beat A pools 4 contacted of 6 households (K1 3/3, K2 1/3), p = 2/3, k = 5:
    #   shrunk = (1 + 5 * 2/3) / (3 + 5) = 13/24; shortfall 11/24; 2 unvisited;
    #   waiting of the uncontacted: h04 never counted -> 31 days (the window),
    #   h06 since 20 April 10:00 -> 41 days 14 h = 41 + 14/24; mean / 90 days:
    wait = (31 + 41 + 14 / 24) / 2
    expected = 11 / 24 * 2 * (1 + wait / 90) + 2.0 * 1 + 1.0 * 1  # + vulnerable + follow-up
    assert b.loc["K2", "priority"] == pytest.approx(expected)
    assert b.loc["K2", "shrunk_coverage"] == pytest.approx(13 / 24)
    # K2 is first in the table: sorted by priority, highest first
    assert result.blocks["block_id"].iloc[0] == "K2"
    # fully covered blocks and the empty block score nothing
    assert b.loc[["K1", "K4", "K5"], "priority"].tolist() == [0.0, 0.0, 0.0]


def test_beat_figures(result: Analysis) -> None:
    beats = result.beats.set_index("beat_id")
    # A: h01-h06, contacted h01 h02 h03 h05; as logged also h04.
    # attempts in the window: v01-v06 = 6 (v12 is in April); counted contacts v01 v03 v04 v06
    assert beats.loc["A", "households"] == 6
    assert beats.loc["A", "contacted_households"] == 4
    assert beats.loc["A", "coverage"] == pytest.approx(4 / 6)
    assert beats.loc["A", "coverage_as_logged"] == pytest.approx(5 / 6)
    assert beats.loc["A", "attempts"] == 6
    assert beats.loc["A", "contacts"] == 4
    assert beats.loc["A", "attempts_per_contact"] == pytest.approx(1.5)
    assert beats.loc["A", "vulnerable_households"] == 2
    assert beats.loc["A", "vulnerable_overdue"] == 1
    assert beats.loc["A", "open_follow_ups"] == 1
    # mean of household means: h01 rated 5, h02 rated 4
    assert beats.loc["A", "mean_satisfaction"] == pytest.approx(4.5)
    assert beats.loc["A", "flagged_visits"] == 1  # v05
    assert beats.loc["A", "station"] == "S1"
    # B: h07-h11 (h10 by nearest block, h11 outside every block but inside B)
    # contacted h07 h09 h10; attempts v07-v11 = 5 (v13 is in June); contacts 3
    assert beats.loc["B", "households"] == 5
    assert beats.loc["B", "contacted_households"] == 3
    assert beats.loc["B", "coverage"] == pytest.approx(0.6)
    assert beats.loc["B", "coverage_as_logged"] == pytest.approx(0.6)
    assert beats.loc["B", "attempts"] == 5
    assert beats.loc["B", "contacts"] == 3
    assert beats.loc["B", "vulnerable_households"] == 0
    assert beats.loc["B", "flagged_visits"] == 0  # v11's no_gps still counts
    # the household counts add up to all households
    assert beats["households"].sum() == 11


def test_summary_figures(result: Analysis) -> None:
    summary = result.summary()
    json.dumps(summary)  # summary.json must be plain JSON
    assert summary["window"] == {"start": "2026-05-01", "end": "2026-05-31"}
    assert summary["households"] == 11
    assert summary["contacted_households"] == 7
    assert summary["coverage"] == round(7 / 11, 4) == 0.6364
    assert summary["coverage_as_logged"] == round(8 / 11, 4) == 0.7273
    assert summary["vulnerable_households"] == 2
    assert summary["vulnerable_overdue"] == 1
    assert summary["open_follow_ups"] == 1
    # visits inside the window: not the April (v12) and June (v13) ones; v05 failed
    assert summary["visits"] == 11
    assert summary["flagged_visits"] == 1
    # real blocks K1-K5 (the outside pseudo-block is not one); K2 and K3 under-visited
    assert summary["blocks"] == 5
    assert summary["under_visited_blocks"] == 2
    assert summary["households_outside_blocks"] == 1  # h11; h10 got its nearest block
    assert summary["beats"] == 2
    # blocks tile the beats (K5 fills part of A), each beat's blocks touch: no findings
    assert summary["topology_findings"] == []


def test_default_window_is_the_visits_span(
    beats: gpd.GeoDataFrame,
    households: gpd.GeoDataFrame,
    visits: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
) -> None:
    out = analyse(beats, households, visits, units=units, settings=SETTINGS)
    # first visit v12 on 20 April, last v13 on 3 June (local days)
    assert out.window == (dt.date(2026, 4, 20), dt.date(2026, 6, 3))
    h = out.households.set_index("household_id")
    # now v12 and v13 are inside: h06 and h08 are contacted, 9 of 11
    assert h["contacted"].sum() == 9
    assert math.isclose(out.summary()["coverage"], round(9 / 11, 4))


def test_progress_labels_in_order(
    beats: gpd.GeoDataFrame,
    households: gpd.GeoDataFrame,
    visits: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
) -> None:
    labels: list[str] = []
    analyse(
        beats,
        households,
        visits,
        units=units,
        start=START,
        end=END,
        settings=SETTINGS,
        progress=labels.append,
    )
    assert labels == [
        "placing blocks and households",
        "verifying visits",
        "household status",
        "summaries and gaps",
        "weekly trend",
    ]


def test_visit_table_shares_the_verdict_columns_it_is_given() -> None:
    # The visits' table holds verify_visits' own columns (pandas copies an array set as a
    # column: 80 MB per number column at 10M visits); changing the table leaves them be.
    homes = gpd.GeoDataFrame(
        {"household_id": ["A", "B"]}, geometry=[Point(0, 0), Point(0.01, 0)], crs="EPSG:4326"
    )
    times = pd.to_datetime(["2026-05-06 10:00", "2026-05-06 10:30"]).tz_localize("Asia/Shanghai")
    logs = gpd.GeoDataFrame(
        {"visit_id": ["v1", "v2"], "household_id": ["A", "B"], "officer_id": ["o", "o"]},
        geometry=[Point(0, 0), Point(0.01, 0)],
        crs="EPSG:4326",
    ).assign(time=times)
    checks = verify_visits(logs, homes)
    checked = pd.DataFrame(logs).drop(columns="geometry")
    table = _visit_table(checked, checks, np.array([True, False]))
    assert list(table.columns) == [
        *VISIT_COLUMNS,
        "in_window",
        *[c for c in checks.columns if c not in VISIT_COLUMNS],
    ]
    for column in ("door_distance_m", "gap_min", "travel_m", "shift", "verified"):
        assert np.shares_memory(table[column].to_numpy(), checks[column].to_numpy()), column
    assert {c: table[c].dtype for c in VERDICT_DTYPES} == VERDICT_DTYPES
    table.loc[0, "gap_min"] = -1.0
    assert np.isnan(checks.loc[0, "gap_min"])  # copied on write

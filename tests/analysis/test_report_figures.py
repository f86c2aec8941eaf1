"""The report's figures on a hand-made town; every figure worked out below.

Window 2026-07-01 – 2026-07-10 (Asia/Shanghai); follow-ups are due in 14 days.

========  =======  ====  ========  ========  ==========  =========  ===========
household station  beat  attempts  contacted vulnerable  overdue    satisfaction
========  =======  ====  ========  ========  ==========  =========  ===========
h1        S1       B1    2         yes       yes         no         4.0
h2        S1       B1    1         no        yes         yes        —
h3        S1       B2    0         no        no          no         —
h4        S2       B3    1         yes       no          no         2.0
========  =======  ====  ========  ========  ==========  =========  ===========

Visits in the window: v1 (h1, counted), v2 (h1, review), v3 (h2, not_counted), v4 (h4,
counted); before it v0 (h1, 06-01) and v5 (h3, 06-10). Issues: v0 raised 06-01, closed by
v2 on 07-05 (late, but closed *in the window*); v1 raised 07-02 (pending: due 07-16); v4
raised 07-08 (pending); v5 raised 06-10, never followed up: due 06-24, so open at the end.

So B1: 2 households, 2 visited, 1 contacted (50 %), 2 vulnerable, 1 seen, 1 overdue;
raised 1 (v1), closed 1 (v0), open 0; 3 visits, 1 not counted, 1 in review; satisfaction
4.0. B2: 1 household, nothing done, open 1 (v5). S1 = B1 + B2: coverage 1/3. S2 = B3:
coverage 1, raised 1. Total: 4 households, 3 visited, 2 contacted (50 %), satisfaction the
mean of the households' means, (4 + 2) / 2 = 3.

The previous period (06-21 – 06-30) saw only h1 contacted (a visit to h1): S1 had 1/3,
B1 1/2, the whole town 1/4; B2, B3 and S2 had no visit then, so their change is blank, not
"+100 pp" for S2.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from analysis.pipeline import Analysis
from analysis.report_figures import (
    FIGURE_COLUMNS,
    ReportFigures,
    officer_time,
    previous_window,
    report_figures,
)
from analysis.report_labels import labels
from analysis.upward_report import build_report
from analysis.workload import beat_workload, block_workload
from geo.errors import ReportError, ValidationReport
from geo.settings import DEFAULTS

SETTINGS = DEFAULTS.replace(timezone="Asia/Shanghai", follow_up_days=14)
WINDOW = (dt.date(2026, 7, 1), dt.date(2026, 7, 10))


def _time(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="Asia/Shanghai")


def _analysis(*, contacted: list[bool], visits: pd.DataFrame, window: tuple) -> Analysis:
    households = pd.DataFrame(
        {
            "household_id": ["h1", "h2", "h3", "h4"],
            "block_id": ["k1", "k1", "k2", "k3"],
            "beat_id": ["B1", "B1", "B2", "B3"],
            "station": ["S1", "S1", "S1", "S2"],
            "attempts": [2, 1, 0, 1],
            "contacted": contacted,
            "vulnerable": [True, True, False, False],
            "vulnerable_overdue": [False, True, False, False],
            "mean_satisfaction": [4.0, np.nan, np.nan, 2.0],
        }
    )
    blocks = gpd.GeoDataFrame(
        {
            "block_id": ["k1", "k2", "k3"],
            "beat_id": ["B1", "B2", "B3"],
            "households": [2, 1, 1],
            "vulnerable_households": [2, 0, 0],
            "open_follow_ups": [0, 1, 0],
            "coverage": [0.5, 0.0, 1.0],
        },
        geometry=[box(118.780, 32.040, 118.781, 32.041), box(118.781, 32.040, 118.782, 32.041),
                  box(118.782, 32.040, 118.783, 32.041)],
        crs="EPSG:4326",
    )  # fmt: skip
    beats = pd.DataFrame(
        {
            "beat_id": ["B1", "B2", "B3"],
            "name": ["一号", "二号", "三号"],
            "station": ["S1", "S1", "S2"],
            "officer_ids": ["P1;P2", "P2", ""],
        }
    )
    trend = pd.DataFrame(
        {
            "beat_id": ["B1", "B2", "B3"],
            "week_start": pd.to_datetime(["2026-06-29"] * 3),
            "cumulative_contacted": [1, 0, 1],
            "households": [2, 1, 1],
            "cumulative_coverage": [0.5, 0.0, 1.0],
        }
    )
    return Analysis(
        blocks=blocks,
        households=households,
        visits=visits,
        beats=beats,
        stations=pd.DataFrame(),
        officers=pd.DataFrame(),
        trend=trend,
        topology=ValidationReport(),
        window=window,
    )


CANONICAL = pd.DataFrame(
    {
        "visit_id": ["v0", "v1", "v2", "v3", "v4", "v5"],
        "household_id": ["h1", "h1", "h1", "h2", "h4", "h3"],
        "officer_id": ["P1"] * 6,
        "time": [_time(t) for t in ("2026-06-01 09:00", "2026-07-02 09:00", "2026-07-05 09:00",
                                    "2026-07-06 09:00", "2026-07-08 09:00", "2026-06-10 09:00")],
        "outcome": ["contact", "contact", "contact", "contact", "contact", "nobody_home"],
        "duration_min": [10.0] * 6,
        "issue_raised": ["noise", "lamp", "", "", "dog", "graffiti"],
        "follow_up_of": ["", "", "v0", "", "", ""],
    }
)  # fmt: skip


@pytest.fixture(scope="module")
def now() -> Analysis:
    verdicts = pd.DataFrame(
        {
            "visit_id": CANONICAL["visit_id"],
            "household_id": CANONICAL["household_id"],
            "status": ["counted", "counted", "review", "not_counted", "counted", "counted"],
            "verified": [True, True, True, False, True, True],
            "in_window": [False, True, True, True, True, False],
        }
    )
    return _analysis(contacted=[True, False, False, True], visits=verdicts, window=WINDOW)


@pytest.fixture(scope="module")
def before() -> Analysis:
    seen = pd.DataFrame(
        {"visit_id": ["p1"], "household_id": ["h1"], "status": ["counted"], "verified": [True],
         "in_window": [True]}
    )  # fmt: skip
    return _analysis(
        contacted=[True, False, False, False], visits=seen, window=previous_window(WINDOW)
    )


@pytest.fixture(scope="module")
def figures(now: Analysis, before: Analysis) -> ReportFigures:
    return report_figures(now, before, visits=CANONICAL, settings=SETTINGS)


def test_previous_window_is_the_period_of_equal_length_before() -> None:
    assert previous_window(WINDOW) == (dt.date(2026, 6, 21), dt.date(2026, 6, 30))


def test_beat_figures(figures: ReportFigures) -> None:
    beats = figures.beats.set_index("beat_id")
    assert list(figures.beats.columns) == ["station", "beat_id", "name", *FIGURE_COLUMNS]
    b1 = beats.loc["B1"]
    assert (b1["station"], b1["name"]) == ("S1", "一号")
    assert b1[["households", "visited_households", "contacted_households"]].tolist() == [2, 2, 1]
    assert b1["coverage"] == 0.5 and b1["coverage_change"] == 0.0  # 1/2 then and now
    assert b1[["vulnerable_households", "vulnerable_seen", "vulnerable_overdue"]].tolist() == [
        2,
        1,
        1,
    ]
    assert b1[["follow_ups_raised", "follow_ups_closed", "follow_ups_open"]].tolist() == [1, 1, 0]
    assert b1[["visits", "not_counted_visits", "review_visits"]].tolist() == [3, 1, 1]
    assert b1["mean_satisfaction"] == 4.0
    b2 = beats.loc["B2"]
    assert b2[["households", "visited_households", "coverage", "follow_ups_open"]].tolist() == [
        1,
        0,
        0.0,
        1,
    ]
    assert np.isnan(b2["coverage_change"])  # no visit in B2 before: blank, not -0
    assert np.isnan(b2["mean_satisfaction"])


def test_station_figures_and_the_blank_change(figures: ReportFigures) -> None:
    assert list(figures.stations.index) == ["S1", "S2"]  # in the order of their first beat
    s1, s2 = figures.stations.loc["S1"], figures.stations.loc["S2"]
    assert s1["households"] == 3 and s1["coverage"] == pytest.approx(1 / 3)
    assert s1["coverage_change"] == pytest.approx(0.0)
    assert s1[["follow_ups_raised", "follow_ups_closed", "follow_ups_open"]].tolist() == [1, 1, 1]
    assert s2["coverage"] == 1.0 and s2["follow_ups_raised"] == 1
    assert np.isnan(s2["coverage_change"])  # S2 had no visit before: not "+100 pp"
    total = figures.total
    assert total[["households", "visited_households", "contacted_households"]].tolist() == [
        4,
        3,
        2,
    ]
    assert total["coverage"] == 0.5 and total["coverage_change"] == pytest.approx(0.25)
    assert total["mean_satisfaction"] == 3.0
    assert figures.compared and figures.previous == (dt.date(2026, 6, 21), dt.date(2026, 6, 30))


def test_no_previous_analysis_means_no_change(now: Analysis) -> None:
    alone = report_figures(now, None, visits=CANONICAL, settings=SETTINGS)
    assert alone.stations["coverage_change"].isna().all() and not alone.compared
    assert alone.beats["coverage_change"].isna().all()


def test_station_trend_adds_up_its_beats(figures: ReportFigures) -> None:
    trend = figures.station_trend.set_index("station")["cumulative_coverage"]
    assert trend.to_dict() == {"S1": pytest.approx(1 / 3), "S2": 1.0}


def test_officers_share_their_beats_workload(now: Analysis) -> None:
    officers = officer_time(now, visits=CANONICAL, settings=SETTINGS.replace(
        workload_officer_hours=0.05))  # fmt: skip
    work = beat_workload(block_workload(now.blocks, CANONICAL, settings=SETTINGS))["workload_min"]
    rows = officers.set_index("officer_id")
    assert list(rows.index) == ["P2", "P1"]  # most short first; B3 names no officer
    assert rows.loc["P1", "workload_h"] == pytest.approx(work["B1"] / 2 / 60)
    assert rows.loc["P2", "workload_h"] == pytest.approx((work["B1"] / 2 + work["B2"]) / 60)
    assert rows.loc["P2", "beat_ids"] == "B1、B2" and rows.loc["P2", "station"] == "S1"
    assert rows.loc["P1", "short_h"] == pytest.approx(rows.loc["P1", "workload_h"] - 0.05)
    roomy = officer_time(now, visits=CANONICAL, settings=SETTINGS)  # 80 h: nobody is short
    assert (roomy["short_h"] == 0).all() and (roomy["available_h"] == 80.0).all()


def test_the_report_refuses_visits_without_their_columns(now: Analysis) -> None:
    with pytest.raises(ReportError, match="lack time"):
        report_figures(now, None, visits=CANONICAL.drop(columns="time"), settings=SETTINGS)
    with pytest.raises(ReportError, match="unknown report language 'fr'"):
        build_report(now, None, visits=CANONICAL, lang="fr", settings=SETTINGS)


def test_build_report_gives_pdf_and_workbook_bytes(now: Analysis, before: Analysis) -> None:
    files = build_report(now, before, visits=CANONICAL, lang="en", settings=SETTINGS,
                         dataset="town", generated=dt.datetime(2026, 7, 11, 8, 0))  # fmt: skip
    assert files.pdf.startswith(b"%PDF-") and files.pdf.rstrip().endswith(b"%%EOF")
    assert files.pdf.count(b"/Type /Page\n") + files.pdf.count(b"/Type /Page ") >= 1
    assert files.xlsx.startswith(b"PK")
    assert files.figures.stations.index.tolist() == ["S1", "S2"]
    assert labels("en")["coverage"] == "Coverage"

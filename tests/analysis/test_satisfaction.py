"""Satisfaction by block and by days since the previous contact, on a hand-made street.

Window 2026-03-01 to 2026-03-31 (dates, Shanghai): 00:00 on 1 March to 00:00 on 1 April.
Blocks: A holds h1 and h2, B holds h3. ``status`` is the verifier's verdict.

====  ==  ================  ===========  ===========  =====  ================================
id    hh  local time        outcome      status       score  previous counted contact (days)
====  ==  ================  ===========  ===========  =====  ================================
v01   h1  2026-01-10 10:00  contact      counted      2      - (before the window: not scored)
v02   h1  2026-03-05 10:00  contact      counted      4      v01: 54 days -> 31-90
v03   h1  2026-03-20 09:00  contact      counted      5      v02: 14 d 23 h -> 14 -> 0-30
v04   h2  2026-03-10 10:00  contact      counted      3      none -> first
v05   h2  2026-03-12 10:00  nobody_home  counted      -      (no score)
v06   h2  2026-03-15 10:00  contact      not_counted  1      (not counted: not scored, and
                                                              not a previous contact)
v07   h2  2026-03-25 10:00  contact      counted      2      v04 (v06 does not count): 15 -> 0-30
v08   h3  2025-08-01 10:00  contact      counted      -      -
v09   h3  2026-03-31 23:00  contact      counted      1      v08: 242 d 13 h -> 242 -> 181+
v10   h3  2026-04-01 00:00  contact      counted      5      (after the window: not scored)
====  ==  ================  ===========  ===========  =====  ================================

Scored visits: v02 v03 v04 v07 v09. Per block: A 4 (v02 v03 v04 v07), B 1 (v09).
By wait: 0-30 v03 v07 -> (5 + 2) / 2 = 3.5; 31-90 v02 -> 4; 91-180 none; 181+ v09 -> 1;
first v04 -> 3.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis.satisfaction import (
    WAIT_BINS,
    days_since_previous_contact,
    satisfaction_by_wait,
    scored_visit_counts,
    scored_visits,
    scores,
)
from geo.settings import Settings

TZ = "Asia/Shanghai"
SETTINGS = Settings(timezone=TZ)
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


@pytest.fixture
def visits() -> pd.DataFrame:
    rows = [
        ("v01", "h1", "2026-01-10 10:00", "contact", "counted", 2),
        ("v02", "h1", "2026-03-05 10:00", "contact", "counted", 4),
        ("v03", "h1", "2026-03-20 09:00", "contact", "counted", 5),
        ("v04", "h2", "2026-03-10 10:00", "contact", "counted", 3),
        ("v05", "h2", "2026-03-12 10:00", "nobody_home", "counted", None),
        ("v06", "h2", "2026-03-15 10:00", "contact", "not_counted", 1),
        ("v07", "h2", "2026-03-25 10:00", "contact", "counted", 2),
        ("v08", "h3", "2025-08-01 10:00", "contact", "counted", None),
        ("v09", "h3", "2026-03-31 23:00", "contact", "counted", 1),
        ("v10", "h3", "2026-04-01 00:00", "contact", "counted", 5),
    ]
    frame = pd.DataFrame(
        rows, columns=["visit_id", "household_id", "time", "outcome", "status", "satisfaction"]
    )
    frame["time"] = pd.to_datetime(frame["time"]).dt.tz_localize(TZ)
    frame["satisfaction"] = frame["satisfaction"].astype("Int64")
    # shuffled, on a non-default index: the answers follow the rows, not their order
    return frame.sample(frac=1, random_state=3).set_axis(range(100, 110))


def _by_id(visits: pd.DataFrame, values: pd.Series | np.ndarray) -> dict[str, object]:
    return dict(zip(visits["visit_id"], np.asarray(values).tolist(), strict=True))


def test_scored_visits_are_counted_scored_and_in_the_window(visits: pd.DataFrame) -> None:
    scored = scored_visits(visits, start=START, end=END, settings=SETTINGS)
    assert sorted(visits.loc[scored, "visit_id"]) == ["v02", "v03", "v04", "v07", "v09"]


def test_days_since_the_previous_counted_contact(visits: pd.DataFrame) -> None:
    days = days_since_previous_contact(visits, settings=SETTINGS)
    assert days.name == "days_since_previous_contact"
    assert days.index.equals(visits.index)
    got = _by_id(visits, days)
    expected = {"v02": 54, "v03": 14, "v05": 2, "v06": 5, "v07": 15, "v09": 242, "v10": 0}
    for visit, value in expected.items():
        assert got[visit] == value, visit
    assert all(np.isnan(got[v]) for v in ("v01", "v04", "v08"))  # first contacts


def test_a_visit_at_the_same_instant_is_not_the_previous_contact() -> None:
    times = pd.to_datetime(["2026-03-02 10:00"] * 2).tz_localize(TZ)
    v = pd.DataFrame({"household_id": ["h", "h"], "time": times, "outcome": "contact"})
    assert days_since_previous_contact(v).isna().all()


def test_scored_visits_per_block(visits: pd.DataFrame) -> None:
    households = pd.DataFrame({"household_id": ["h1", "h2", "h3", "h4"],
                               "block_id": ["A", "A", "B", "C"]})  # fmt: skip
    stray = visits.iloc[:1].assign(visit_id="v99", household_id="h9")  # no such household
    both = pd.concat([visits, stray.set_axis([999])])
    out = scored_visit_counts(
        households, both, by="block_id", start=START, end=END, settings=SETTINGS
    )
    assert out.name == "satisfaction_visits"
    assert out.to_dict() == {"A": 4, "B": 1, "C": 0}


def test_satisfaction_by_days_since_the_previous_contact(visits: pd.DataFrame) -> None:
    out = satisfaction_by_wait(visits, start=START, end=END, settings=SETTINGS)
    assert list(out.index) == [code for code, _ in WAIT_BINS]
    assert out["visits"].to_dict() == {
        "0_30": 2, "31_90": 1, "91_180": 0, "181_plus": 1, "first": 1
    }  # fmt: skip
    means = out["mean_satisfaction"]
    assert means.drop("91_180").to_dict() == {
        "0_30": 3.5, "31_90": 4.0, "181_plus": 1.0, "first": 3.0
    }  # fmt: skip
    assert np.isnan(means["91_180"])


def test_no_scores_give_empty_bins(visits: pd.DataFrame) -> None:
    out = satisfaction_by_wait(
        visits.drop(columns="satisfaction"), start=START, end=END, settings=SETTINGS
    )
    assert out["visits"].eq(0).all() and out["mean_satisfaction"].isna().all()


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        (pd.array([5, None, 1], dtype="Int64"), [5.0, np.nan, 1.0]),
        (pd.Series([5.0, np.nan, 1.0]), [5.0, np.nan, 1.0]),
        (pd.Series([5, 3, 1]), [5.0, 3.0, 1.0]),
        (pd.Series(["5", "x", None], dtype=object), [5.0, np.nan, np.nan]),
    ],
)
def test_scores_of_every_column_type(column: object, expected: list[float]) -> None:
    # numeric columns are read as they are, text through to_numeric: the same floats
    got = scores(pd.DataFrame({"satisfaction": column}))
    np.testing.assert_array_equal(got, np.array(expected))

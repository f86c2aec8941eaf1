"""Follow-up states worked out by hand; follow_up_days = 14 throughout."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.followups import STATES, follow_up_status
from geo.errors import SchemaError
from geo.settings import DEFAULTS

END = pd.Timestamp("2024-03-31 12:00", tz="UTC")


def _visits(rows: list[tuple]) -> pd.DataFrame:
    cols = [
        "visit_id",
        "household_id",
        "time",
        "outcome",
        "issue_raised",
        "follow_up_of",
        "verified",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    frame["officer_id"] = "o1"
    return frame


@pytest.fixture
def visits() -> pd.DataFrame:
    return _visits(
        [
            # v1 raised 03-01 12:00, limit 03-15 12:00; v2 follows up exactly at the limit
            ("v1", "h1", "2024-03-01 12:00", "contact", "noise", "", True),
            ("v2", "h1", "2024-03-15 12:00", "contact", "", "v1", True),
            # v3 raised 03-01 12:00, followed up a day after the limit -> late (closed)
            ("v3", "h2", "2024-03-01 12:00", "contact", "parking", "", True),
            ("v4", "h2", "2024-03-16 12:00", "contact", "", "v3", True),
            # v5 raised exactly 14 days before END: limit == END, not passed -> pending
            ("v5", "h3", "2024-03-17 12:00", "contact", "lights", "", True),
            # v6 a minute earlier: limit 03-31 11:59 < END -> open
            ("v6", "h3", "2024-03-17 11:59", "contact", "lights", "", True),
            # v7 raised 3 days before END -> pending
            ("v7", "h4", "2024-03-28 12:00", "contact", "dog", None, True),
            # v8: its follow-ups found nobody home (v9) or come after END (v10) -> open
            ("v8", "h5", "2024-03-01 12:00", "contact", "theft", "", True),
            ("v9", "h5", "2024-03-05 12:00", "nobody_home", "", "v8", True),
            ("v10", "h5", "2024-04-02 12:00", "contact", "", "v8", True),
            # v11 followed up by an unverified visit -> open (unless unverified counts)
            ("v11", "h6", "2024-03-01 12:00", "contact", "fraud", "", True),
            ("v12", "h6", "2024-03-02 12:00", "contact", "", "v11", False),
            # v14 "followed up" by v13 at the very same moment: not later -> open
            ("v13", "h7", "2024-03-10 12:00", "contact", "", "v14", True),
            ("v14", "h7", "2024-03-10 12:00", "contact", "graffiti", "", True),
            # raised after END: not an issue yet; blank issue text: no issue
            ("v15", "h8", "2024-04-01 12:00", "contact", "late", "", True),
            ("v16", "h8", "2024-03-01 12:00", "contact", "   ", "", True),
        ]
    )


def test_states_worked_by_hand(visits: pd.DataFrame) -> None:
    out = follow_up_status(visits, end=END).set_index("visit_id")
    assert list(out.index) == ["v1", "v3", "v5", "v6", "v7", "v8", "v11", "v14"]
    assert out["state"].astype(str).to_dict() == {
        "v1": "on_time",
        "v3": "late",
        "v5": "pending",
        "v6": "open",
        "v7": "pending",
        "v8": "open",
        "v11": "open",
        "v14": "open",
    }
    assert list(out["state"].cat.categories) == list(STATES)
    assert out["open"].tolist() == [False, False, False, True, False, True, True, True]
    assert out["late"].tolist() == [False, True, False, False, False, False, False, False]
    # overdue = late or open
    assert out["overdue"].tolist() == [False, True, False, True, False, True, True, True]
    assert out.loc["v1", "followed_up_at"] == pd.Timestamp("2024-03-15 12:00", tz="UTC")
    assert pd.isna(out.loc["v8", "followed_up_at"])
    assert out.loc["v1", "deadline"] == pd.Timestamp("2024-03-15 12:00", tz="UTC")
    # days_open: to the follow-up when closed, else to END
    assert out.loc["v1", "days_open"] == 14.0
    assert out.loc["v3", "days_open"] == 15.0
    assert out.loc["v5", "days_open"] == 14.0
    assert out.loc["v7", "days_open"] == 3.0
    assert out.loc["v8", "days_open"] == 30.0
    assert out.loc["v1", "household_id"] == "h1"
    assert out.loc["v1", "issue_raised"] == "noise"


def test_result_is_on_the_raising_visits_index(visits: pd.DataFrame) -> None:
    shifted = visits.set_axis(range(100, 100 + len(visits)))
    out = follow_up_status(shifted, end=END)
    # v1 is row 0 -> 100, v3 row 2 -> 102
    assert out.index[:2].tolist() == [100, 102]


def test_unverified_follow_up_counts_when_switched_on(visits: pd.DataFrame) -> None:
    out = follow_up_status(visits, end=END, settings=DEFAULTS.replace(include_unverified=True))
    state = out.set_index("visit_id")["state"]
    # v12 (unverified, one day after v11) now closes v11 in time
    assert state["v11"] == "on_time"


def test_without_verified_column_every_visit_counts(visits: pd.DataFrame) -> None:
    out = follow_up_status(visits.drop(columns="verified"), end=END)
    assert out.set_index("visit_id").loc["v11", "state"] == "on_time"


def test_date_end_is_the_whole_local_day() -> None:
    # end = 2024-03-31 in UTC -> as of 2024-04-01 00:00 UTC, exclusive.
    # a raised 03-17 23:59 -> limit 03-31 23:59 < as_of -> open;
    # b raised 03-18 00:00 -> limit 04-01 00:00 == as_of -> pending;
    # c's follow-up at 04-01 00:00 is outside the day -> c (raised 03-30) pending;
    # d's follow-up at 03-31 23:59 is inside -> on time.
    visits = _visits(
        [
            ("a", "h1", "2024-03-17 23:59", "contact", "x", "", True),
            ("b", "h1", "2024-03-18 00:00", "contact", "x", "", True),
            ("c", "h2", "2024-03-30 00:00", "contact", "x", "", True),
            ("c2", "h2", "2024-04-01 00:00", "contact", "", "c", True),
            ("d", "h3", "2024-03-30 00:00", "contact", "x", "", True),
            ("d2", "h3", "2024-03-31 23:59", "contact", "", "d", True),
        ]
    )
    settings = DEFAULTS.replace(timezone="UTC")
    out = follow_up_status(visits, end=dt.date(2024, 3, 31), settings=settings)
    states = out.set_index("visit_id")["state"].astype(str).to_dict()
    assert states == {"a": "open", "b": "pending", "c": "pending", "d": "on_time"}


def test_end_in_another_zone_is_the_same_instant(visits: pd.DataFrame) -> None:
    # 2024-03-31 20:00 in Shanghai is END (12:00 UTC): v5 stays pending, v6 open
    out = follow_up_status(visits, end=pd.Timestamp("2024-03-31 20:00", tz="Asia/Shanghai"))
    states = out.set_index("visit_id")["state"]
    assert (states["v5"], states["v6"]) == ("pending", "open")


def test_no_issue_column_gives_an_empty_frame(visits: pd.DataFrame) -> None:
    out = follow_up_status(visits.drop(columns="issue_raised"), end=END)
    assert len(out) == 0
    assert "open" in out.columns


def test_shorter_limit_from_settings(visits: pd.DataFrame) -> None:
    # with a 1-day limit v1 (followed up after 14 days) is late
    out = follow_up_status(visits, end=END, settings=DEFAULTS.replace(follow_up_days=1))
    assert out.set_index("visit_id").loc["v1", "state"] == "late"


def test_duplicate_issue_ids_are_refused(visits: pd.DataFrame) -> None:
    dup = pd.concat([visits, visits.iloc[[0]]], ignore_index=True)
    with pytest.raises(SchemaError, match="'v1' is used by more than one visit"):
        follow_up_status(dup, end=END)


def test_naive_times_are_refused(visits: pd.DataFrame) -> None:
    naive = visits.assign(time=visits["time"].dt.tz_localize(None))
    with pytest.raises(SchemaError, match="'time' must hold tz-aware"):
        follow_up_status(naive, end=END)


def test_missing_column_is_named(visits: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="visits lacks column.*household_id"):
        follow_up_status(visits.drop(columns="household_id"), end=END)

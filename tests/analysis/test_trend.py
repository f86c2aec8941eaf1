"""Weekly trend worked by hand, with weeks starting Monday in Shanghai (UTC+8).

Window: Wed 2024-03-06 00:00 to Mon 2024-03-18 12:00 Shanghai -> weeks of Mondays
03-04, 03-11, 03-18. Beat P: h1, h2. Beat Q: h3, h4.

=====  ===  =====================  =====================  ===========================
visit  hh   UTC                    Shanghai               counts as
=====  ===  =====================  =====================  ===========================
v1     h1   03-05 23:00            Wed 03-06 07:00        wk 03-04 contact
v8     h1   03-07 02:00            Thu 03-07 10:00        wk 03-04 contact (same hh)
v2     h1   Sun 03-10 16:30        Mon 03-11 00:30        wk 03-11 contact
v3     h2   03-05 15:59            Tue 03-05 23:59        before start: ignored
v4     h2   03-12 02:00            Tue 03-12 10:00        wk 03-11 attempt
v7     h4   03-07 02:00            Thu 03-07 10:00        wk 03-04 attempt (unverified)
v5     h3   03-18 04:00            Mon 03-18 12:00 = end  wk 03-18 contact
v6     h3   03-18 04:00:01         after end              ignored
=====  ===  =====================  =====================  ===========================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.trend import weekly_trend
from geo.errors import SchemaError
from geo.settings import DEFAULTS

START = pd.Timestamp("2024-03-06 00:00", tz="Asia/Shanghai")
END = pd.Timestamp("2024-03-18 12:00", tz="Asia/Shanghai")
WEEKS = pd.to_datetime(["2024-03-04", "2024-03-11", "2024-03-18"])


@pytest.fixture
def households() -> pd.DataFrame:
    return pd.DataFrame({"household_id": ["h1", "h2", "h3", "h4"], "beat_id": ["P", "P", "Q", "Q"]})


@pytest.fixture
def visits() -> pd.DataFrame:
    rows = [
        ("v1", "h1", "2024-03-05 23:00:00", "contact", True),
        ("v8", "h1", "2024-03-07 02:00:00", "contact", True),
        ("v2", "h1", "2024-03-10 16:30:00", "contact", True),
        ("v3", "h2", "2024-03-05 15:59:00", "contact", True),
        ("v4", "h2", "2024-03-12 02:00:00", "nobody_home", True),
        ("v7", "h4", "2024-03-07 02:00:00", "contact", False),
        ("v5", "h3", "2024-03-18 04:00:00", "contact", True),
        ("v6", "h3", "2024-03-18 04:00:01", "contact", True),
    ]
    frame = pd.DataFrame(rows, columns=["visit_id", "household_id", "time", "outcome", "verified"])
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    frame["officer_id"] = "o1"
    return frame


def test_weekly_figures_worked_by_hand(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    out = weekly_trend(visits, households, start=START, end=END)
    assert out.index.names == ["beat_id", "week_start"]
    assert out.index.get_level_values("beat_id").tolist() == ["P"] * 3 + ["Q"] * 3
    assert out.index.get_level_values("week_start").tolist() == list(WEEKS) * 2
    #                                   P: 03-04 03-11 03-18   Q: 03-04 03-11 03-18
    assert out["attempts"].tolist() == [2, 2, 0, 1, 0, 1]
    assert out["contacts"].tolist() == [2, 1, 0, 0, 0, 1]
    assert out["households_contacted"].tolist() == [1, 1, 0, 0, 0, 1]
    assert out["new_households_contacted"].tolist() == [1, 0, 0, 0, 0, 1]
    assert out["cumulative_contacted"].tolist() == [1, 1, 1, 0, 0, 1]
    assert out["households"].tolist() == [2] * 6
    np.testing.assert_allclose(out["cumulative_coverage"], [0.5, 0.5, 0.5, 0.0, 0.0, 0.5])


def test_weeks_in_utc_move_the_sunday_visit(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    # In UTC v2 (Sun 03-10 16:30) belongs to the week of 03-04: P has v1, v8, v2 there,
    # and only v4 in the week of 03-11. The window (same instants) still spans 3 weeks.
    out = weekly_trend(
        visits, households, start=START, end=END, settings=DEFAULTS.replace(timezone="UTC")
    )
    p = out.xs("P", level="beat_id")
    assert p.index.tolist() == list(WEEKS)
    assert p["attempts"].tolist() == [3, 1, 0]
    assert p["contacts"].tolist() == [3, 0, 0]
    assert p["households_contacted"].tolist() == [1, 0, 0]


def test_include_unverified_and_several_keys(
    households: pd.DataFrame, visits: pd.DataFrame
) -> None:
    hh = households.assign(station="S")
    out = weekly_trend(
        visits,
        hh,
        start=START,
        end=END,
        by=["station", "beat_id"],
        settings=DEFAULTS.replace(include_unverified=True),
    )
    q = out.xs(("S", "Q"), level=("station", "beat_id"))
    # v7 (h4, unverified) now counts in week 03-04; v5 adds h3 in week 03-18 -> 2 of 2
    assert q["contacts"].tolist() == [1, 0, 1]
    np.testing.assert_allclose(q["cumulative_coverage"], [0.5, 0.5, 1.0])


def test_unit_column_must_exist(households: pd.DataFrame, visits: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="households lacks column.*block_id"):
        weekly_trend(visits, households, start=START, end=END, by="block_id")


def test_window_bounds_in_different_zones(households: pd.DataFrame) -> None:
    # start given in UTC (03-05 16:00 UTC = Wed 03-06 00:00 Shanghai), end in Shanghai:
    # the weeks are still those of Mondays 03-04, 03-11, 03-18 in Shanghai; h1's contact
    # at 03-06 09:00 Shanghai gives P 1 of 2 from the first week on
    visits = pd.DataFrame(
        {
            "visit_id": ["a"],
            "household_id": ["h1"],
            "time": pd.to_datetime(["2024-03-06 01:00"], utc=True),
            "outcome": ["contact"],
        }
    )
    start = pd.Timestamp("2024-03-05 16:00", tz="UTC")
    out = weekly_trend(visits, households, start=start, end=END)
    p = out.xs("P", level="beat_id")
    assert p.index.tolist() == list(WEEKS)
    np.testing.assert_allclose(p["cumulative_coverage"], [0.5, 0.5, 0.5])

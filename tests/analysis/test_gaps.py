"""Gaps and priorities on a hand-made block summary (threshold 0.8, k = 5, T = 90 days).

Beat B1: p = 9/10 = 0.9.
  A: 1 household, 0 contacted, waited 45 days on average.
     shrunk = (0 + 5*0.9)/(1 + 5) = 0.75; priority = 0.25 * 1 * (1 + 45/90) = 0.375.
  B: 9 of 9 contacted. shrunk = (9 + 4.5)/14; nobody unvisited -> priority 0.
Beat B2: p = (10 + 4 + 5)/30 = 19/30.
  C: 10 of 20, 1 vulnerable overdue, waited 180 days (factor capped at 2).
     shrunk = (10 + 19/6)/25 = 79/150; priority = 71/150 * 10 * 2 + 2 * 1 = 11.4667.
  D: 4 of 5 (coverage exactly 0.8: not low), 2 open follow-ups, waited 0 days.
     shrunk = (4 + 19/6)/10 = 43/60; priority = 17/60 * 1 * 1 + 1 * 2 = 2.2833.
  E: 5 of 5. shrunk = 49/60; priority 0.
Order: C, D, A, then B and E. The 1-household block A at 0 % comes after D and C.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.gaps import find_gaps, household_priority, household_todos, joined_codes
from geo.errors import BeatcovError, SchemaError
from geo.settings import DEFAULTS


@pytest.fixture
def summary() -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples(
        [("B1", "A"), ("B1", "B"), ("B2", "C"), ("B2", "D"), ("B2", "E")],
        names=["beat_id", "block_id"],
    )
    households = np.array([1, 9, 20, 5, 5])
    contacted = np.array([0, 9, 10, 4, 5])
    return pd.DataFrame(
        {
            "households": households,
            "contacted_households": contacted,
            "coverage": contacted / households,
            "vulnerable_overdue": [0, 0, 1, 0, 0],
            "open_follow_ups": [0, 0, 0, 2, 0],
            "mean_days_waiting": [45.0, np.nan, 180.0, 0.0, np.nan],
        },
        index=index,
    )


def test_gaps_worked_by_hand(summary: pd.DataFrame) -> None:
    out = find_gaps(summary)
    assert out.index.equals(summary.index)
    # D holds an open follow-up but its coverage is above the threshold: a household
    # to-do, not a gap
    assert out["under_visited"].tolist() == [True, False, True, False, False]
    assert out["reasons"].tolist() == [
        "low_coverage",
        "",
        "low_coverage;vulnerable_overdue",
        "open_follow_up",
        "",
    ]
    np.testing.assert_allclose(
        out["shrunk_coverage"], [0.75, 13.5 / 14, 79 / 150, 43 / 60, 49 / 60]
    )
    np.testing.assert_allclose(out["priority"], [0.375, 0.0, 71 / 150 * 20 + 2, 17 / 60 + 2, 0.0])
    order = out.sort_values("priority", ascending=False, kind="stable").index
    assert [block for _, block in order] == ["C", "D", "A", "B", "E"]


def test_all_three_reasons_in_their_fixed_order() -> None:
    summary = pd.DataFrame(
        {
            "households": [4],
            "contacted_households": [1],
            "coverage": [0.25],
            "vulnerable_overdue": [2],
            "open_follow_ups": [1],
        },
        index=pd.Index(["K"], name="block_id"),
    )
    out = find_gaps(summary)
    assert out.loc["K", "reasons"] == "low_coverage;vulnerable_overdue;open_follow_up"
    # no beat column: the prior is the pooled coverage of all rows, here the block itself
    # (1/4), so shrunk = (1 + 5/4)/(4 + 5) = 0.25; no wait column -> factor 1:
    # 0.75 * 3 + 2 * 2 + 1 * 1 = 7.25
    assert out.loc["K", "shrunk_coverage"] == pytest.approx(0.25)
    assert out.loc["K", "priority"] == pytest.approx(7.25)


def test_prior_from_all_blocks_when_asked(summary: pd.DataFrame) -> None:
    # pooled over every block: 28/40 = 0.7; A: (0 + 3.5)/6
    out = find_gaps(summary, prior_by=None)
    assert out["shrunk_coverage"].iloc[0] == pytest.approx(3.5 / 6)


def test_prior_from_a_column(summary: pd.DataFrame) -> None:
    flat = summary.reset_index()
    out = find_gaps(flat)
    np.testing.assert_allclose(out["priority"], find_gaps(summary)["priority"])


def test_settings_change_threshold_and_prior(summary: pd.DataFrame) -> None:
    settings = DEFAULTS.replace(coverage_threshold=0.85, priority_prior_households=0.0)
    out = find_gaps(summary, settings=settings)
    # D at 0.8 is now low; with k = 0 shrunk coverage is raw coverage
    assert out["reasons"].iloc[3] == "low_coverage;open_follow_up"
    np.testing.assert_allclose(out["shrunk_coverage"], summary["coverage"])


def test_empty_block_is_not_low() -> None:
    summary = pd.DataFrame(
        {
            "households": [0],
            "contacted_households": [0],
            "coverage": [np.nan],
            "vulnerable_overdue": [0],
            "open_follow_ups": [0],
        }
    )
    out = find_gaps(summary)
    assert not out["under_visited"].iloc[0]
    assert out["priority"].iloc[0] == 0.0


def test_find_gaps_errors(summary: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="block summary lacks column.*coverage"):
        find_gaps(summary.drop(columns="coverage"))
    with pytest.raises(BeatcovError, match="waiting_full_days > 0"):
        find_gaps(summary, settings=DEFAULTS.replace(priority_waiting_full_days=0))


def test_household_priority_order() -> None:
    # d: vulnerable overdue, never contacted -> 1; b: vulnerable overdue, 31 days -> 2;
    # c: never contacted -> 3; e, a, f: 40 days each; e has an open follow-up -> 4;
    # a before f by id -> 5, 6
    status = pd.DataFrame(
        {
            "household_id": ["a", "b", "c", "d", "e", "f"],
            "vulnerable_overdue": [False, True, False, True, False, False],
            "days_since_contact": [40.0, 31.0, np.nan, np.nan, 40.0, 40.0],
            "open_follow_ups": [0, 0, 0, 0, 1, 0],
        },
        index=[6, 5, 4, 3, 2, 1],
    )
    rank = household_priority(status)
    assert rank.name == "priority_rank"
    assert rank.index.tolist() == [6, 5, 4, 3, 2, 1]
    assert rank.tolist() == [5, 2, 3, 1, 4, 6]


def test_household_priority_needs_status_columns() -> None:
    with pytest.raises(SchemaError, match="status lacks column.*open_follow_ups"):
        household_priority(
            pd.DataFrame(
                {"household_id": ["a"], "vulnerable_overdue": [True], "days_since_contact": [1.0]}
            )
        )


def test_one_overdue_resident_in_a_well_covered_block_is_a_todo_not_a_gap() -> None:
    # Block W: 20 households, 19 contacted (95 %); the 20th is vulnerable, never contacted
    # and overdue. Block V: the same without the vulnerable resident. Beat pools 38/40.
    status = pd.DataFrame(
        {
            "household_id": [f"w{i:02d}" for i in range(20)] + [f"v{i:02d}" for i in range(20)],
            "beat_id": "B",
            "block_id": ["W"] * 20 + ["V"] * 20,
            "contacted": ([True] * 19 + [False]) * 2,
            "vulnerable_overdue": [False] * 19 + [True] + [False] * 20,
            "open_follow_ups": 0,
        }
    )
    todos = household_todos(status)
    assert todos["needs_visit"].tolist() == ([False] * 19 + [True]) * 2
    assert todos.loc[19, "needs_visit_reasons"] == "never_contacted;vulnerable_overdue"
    assert todos.loc[39, "needs_visit_reasons"] == "never_contacted"
    summary = pd.DataFrame(
        {
            "beat_id": ["B", "B"],
            "households": [20, 20],
            "contacted_households": [19, 19],
            "coverage": [0.95, 0.95],
            "vulnerable_overdue": [1, 0],
            "open_follow_ups": [0, 0],
        },
        index=pd.Index(["W", "V"], name="block_id"),
    )
    gaps = find_gaps(summary)
    assert gaps["under_visited"].tolist() == [False, False]  # 95 % >= 80 %: no gap
    assert gaps.loc["W", "reasons"] == "vulnerable_overdue"
    # shrunk = (19 + 5 * 0.95) / 25 = 0.95; one unvisited: 0.05; W adds 2 for the resident
    assert gaps.loc["V", "priority"] == pytest.approx(0.05)
    assert gaps.loc["W", "priority"] == pytest.approx(2.05)


def test_joined_codes_every_combination_in_code_order() -> None:
    # rows: none, x only, y only, x and z, all three; on a shuffled index of labels
    x = np.array([False, True, False, True, True])
    y = np.array([False, False, True, False, True])
    z = np.array([False, False, False, True, True])
    index = pd.Index(["r5", "r1", "r3", "r2", "r4"])
    got = joined_codes(["x", "y", "z"], [x, y, z], index=index)
    assert got.index.equals(index)
    assert got.tolist() == ["", "x", "y", "x;z", "x;y;z"]
    assert str(got.dtype) == "str"
    empty = joined_codes(["x"], [np.array([], dtype=bool)], index=pd.RangeIndex(0))
    assert empty.tolist() == [] and str(empty.dtype) == "str"

"""Hand-worked cases of the record patterns: duplicates and one-spot bursts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.records import duplicates, group_key, one_spot_bursts, outcome_codes
from analysis.travel import officer_order, time_rank
from geo.settings import DEFAULTS


def codes(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_duplicate_is_the_same_household_officer_and_outcome_within_the_window() -> None:
    # window 10 min (inclusive): 0 → 10 repeats; 10 → 21 is 11 min later, not a repeat;
    # another outcome, officer or household is never a repeat
    visits = pd.DataFrame(
        {"outcome": ["contact", "contact", "contact", "nobody_home", "contact", "contact"]}
    )
    officer = codes(0, 0, 0, 0, 1, 0)
    household = codes(0, 0, 0, 0, 0, 1)
    minutes = np.array([0.0, 10.0, 21.0, 22.0, 1.0, 2.0])
    flagged = duplicates(visits, officer, household, minutes, settings=DEFAULTS)
    assert flagged.tolist() == [False, True, False, False, False, False]


def test_duplicate_knock_again_then_contact_is_two_attempts() -> None:
    visits = pd.DataFrame({"outcome": ["nobody_home", "contact"]})
    flagged = duplicates(visits, codes(0, 0), codes(5, 5), np.array([0.0, 3.0]), settings=DEFAULTS)
    assert not flagged.any()
    # without an outcome column both are the same record
    same = duplicates(
        pd.DataFrame(index=[0, 1]),
        codes(0, 0),
        codes(5, 5),
        np.array([0.0, 3.0]),
        settings=DEFAULTS,
    )
    assert same.tolist() == [False, True]


def test_duplicate_needs_an_officer_and_a_household() -> None:
    visits = pd.DataFrame({"outcome": ["contact"] * 4})
    flagged = duplicates(
        visits, codes(-1, -1, 0, 0), codes(1, 1, -1, -1), np.zeros(4), settings=DEFAULTS
    )
    assert not flagged.any()


def burst_case(door_spread_m: float) -> np.ndarray:
    """Five households logged 2 min apart from one spot 100 m from the doors."""
    n = DEFAULTS.burst_min_households
    assert n == 5 and DEFAULTS.burst_radius_m == 30.0 and DEFAULTS.burst_span_min == 30.0
    x = np.zeros(n)
    y = np.zeros(n)
    doors = (np.full(n, 100.0) + np.arange(n) * door_spread_m, np.zeros(n))
    return one_spot_bursts(
        codes(*[0] * n),
        np.arange(n) * 2.0,
        codes(*range(n)),
        x,
        y,
        doors=doors,
        candidate=np.ones(n, dtype=bool),
        settings=DEFAULTS,
    )


def test_burst_flags_every_member_when_the_doors_spread() -> None:
    # doors 100, 120, 140, 160, 180 m away: beyond 30 m of the first door
    assert burst_case(20.0).all()


def test_burst_is_not_flats_of_one_address_point() -> None:
    # every door at one address point (a compound's centroid): worked from the stairwell
    assert not burst_case(0.0).any()


def test_burst_needs_enough_households_in_the_span() -> None:
    n = 5
    flagged = one_spot_bursts(
        codes(*[0] * n),
        np.arange(n) * 10.0,  # 0..40 min: only four within 30 min of the first
        codes(*range(n)),
        np.zeros(n),
        np.zeros(n),
        doors=(np.arange(n) * 50.0 + 100, np.zeros(n)),
        candidate=np.ones(n, dtype=bool),
        settings=DEFAULTS,
    )
    assert not flagged.any()


def test_group_key_sorts_as_the_codes_do() -> None:
    # radices 3 (officer -1..1) and 4 (household -1..2): key = (o + 1) * 4 + (h + 1)
    officer = np.array([1, 0, 0, -1, 1])
    household = np.array([-1, 2, 0, 2, 0])
    key = group_key((officer, household))
    assert key is not None
    assert key.tolist() == [8, 7, 5, 3, 9]
    assert np.lexsort((household, officer)).tolist() == np.argsort(key, kind="stable").tolist()


def test_group_key_gives_up_past_two_to_the_62() -> None:
    big = np.array([2**31, 0])
    assert group_key((big, big)) is None


def test_outcome_codes_take_a_missing_outcome_as_empty_text() -> None:
    # "" and missing are one outcome (code 1); without "" the missing get a code of their own
    assert outcome_codes(pd.Series(["contact", None, "", "refused", np.nan])).tolist() == [
        0,
        1,
        1,
        2,
        1,
    ]
    assert outcome_codes(pd.Series(["contact", None, "contact"], dtype="str")).tolist() == [
        0,
        1,
        0,
    ]


def test_duplicates_and_bursts_from_a_given_order_are_the_same() -> None:
    # random logs with many ties in time, missing officers, households and times
    rng = np.random.default_rng(5)
    n = 400
    officer = rng.integers(-1, 3, n)
    household = rng.integers(-1, 6, n)
    minutes = rng.integers(0, 40, n).astype(float)
    minutes[rng.random(n) < 0.05] = np.nan
    visits = pd.DataFrame({"outcome": rng.choice(["contact", "nobody_home", ""], n)})
    visits.loc[rng.random(n) < 0.1, "outcome"] = None
    order = officer_order(officer, time_rank(minutes))
    alone = duplicates(visits, officer, household, minutes, settings=DEFAULTS)
    given = duplicates(visits, officer, household, minutes, settings=DEFAULTS, order=order)
    assert alone.any()
    assert given.tolist() == alone.tolist()
    # by hand: within each (officer, household, outcome), logs by time then position
    expected = np.zeros(n, dtype=bool)
    outcome = visits["outcome"].fillna("").to_numpy()
    for o, h, c in {(o, h, c) for o, h, c in zip(officer, household, outcome, strict=True)}:
        if o < 0 or h < 0:
            continue
        rows = np.flatnonzero((officer == o) & (household == h) & (outcome == c))
        rows = sorted(rows, key=lambda i: (np.isnan(minutes[i]), minutes[i], i))
        for a, b in zip(rows[:-1], rows[1:], strict=True):
            expected[b] = minutes[b] - minutes[a] <= DEFAULTS.duplicate_window_min + 1e-6
    assert alone.tolist() == expected.tolist()
    x, y = rng.normal(0, 10, n), rng.normal(0, 10, n)
    doors = (rng.normal(0, 200, n), rng.normal(0, 200, n))
    candidate = (officer >= 0) & np.isfinite(minutes)
    kwargs = {"doors": doors, "candidate": candidate, "settings": DEFAULTS}
    alone = one_spot_bursts(officer, minutes, household, x, y, **kwargs)
    given = one_spot_bursts(officer, minutes, household, x, y, order=order, **kwargs)
    assert alone.any()
    assert given.tolist() == alone.tolist()


def test_duplicates_past_two_to_the_62_sort_by_every_code() -> None:
    # codes too large for one key: sorted by officer, household, outcome, time instead
    visits = pd.DataFrame({"outcome": ["contact"] * 4})
    big = 2**40
    officer = codes(big, big, big, 0)
    household = codes(big, 3, big, big)
    flagged = duplicates(
        visits, officer, household, np.array([0.0, 1.0, 4.0, 5.0]), settings=DEFAULTS
    )
    assert flagged.tolist() == [False, False, True, False]

"""Hand-worked cases of the shared time order of an officer's logs (:mod:`analysis.travel`)."""

from __future__ import annotations

import numpy as np

from analysis.travel import officer_order, shifts, time_rank
from geo.settings import DEFAULTS


def test_time_rank_breaks_ties_by_position_and_puts_missing_last() -> None:
    # minutes 5, NaN, 1, 5, NaN: 1 (pos 2) first, the two 5s in order, the NaNs in order
    minutes = np.array([5.0, np.nan, 1.0, 5.0, np.nan])
    assert time_rank(minutes).tolist() == [1, 3, 0, 2, 4]


def test_officer_order_is_lexsort_of_officer_then_time() -> None:
    # officer -1 first (pos 3); officer 0: 1.0 (pos 1), 1.0 (pos 4), NaN (pos 2); officer 1
    officer = np.array([1, 0, 0, -1, 0])
    minutes = np.array([3.0, 1.0, np.nan, 2.0, 1.0])
    assert officer_order(officer, time_rank(minutes)).tolist() == [3, 1, 4, 2, 0]
    assert np.lexsort((minutes, officer)).tolist() == [3, 1, 4, 2, 0]


def test_officer_order_equals_lexsort_on_many_ties() -> None:
    rng = np.random.default_rng(3)
    officer = rng.integers(-1, 4, 500)
    minutes = rng.integers(0, 6, 500).astype(float)
    minutes[rng.random(500) < 0.1] = np.nan
    order = officer_order(officer, time_rank(minutes))
    assert order.tolist() == np.lexsort((minutes, officer)).tolist()


def test_officer_order_past_two_to_the_62_still_sorts() -> None:
    # officer codes so large that the one-key sort would overflow: the lexsort is used
    officer = np.array([2**61, 0, 2**61])
    minutes = np.array([2.0, 5.0, 1.0])
    assert officer_order(officer, time_rank(minutes)).tolist() == [1, 2, 0]


def test_shifts_from_a_given_order_are_the_same() -> None:
    # officer 0 at 0, 10 and 20 min (the log at 10 a copy), officer 1 at 5; -1 has no officer
    officer = np.array([0, 1, 0, 0, -1])
    minutes = np.array([20.0, 5.0, 0.0, 10.0, 1.0])
    copies = np.array([False, False, False, True, False])
    prev, shift = shifts(officer, minutes, DEFAULTS, copies=copies)
    assert prev.tolist() == [2, -1, -1, -1, -1]
    assert shift.tolist() == [0, 1, 0, 0, -1]
    given = shifts(
        officer,
        minutes,
        DEFAULTS,
        copies=copies,
        order=officer_order(officer, time_rank(minutes)),
    )
    assert [a.tolist() for a in given] == [prev.tolist(), shift.tolist()]

"""Walk routes on arrays (analysis/route.py): hand-worked grids and random small cases.

The grid: the start S at (0, 0) and three doors on a street grid whose blocks take
10 minutes to walk (Manhattan distances), nobody is kept at a door (service 0)::

    A (0, 1) worth 1     B (1, 1) worth 5
    S (0, 0)                               C (2, 0) worth 3

    S-A 10  S-B 20  S-C 20  A-B 10  A-C 30  B-C 20   (minutes)
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.route import (
    exact_route,
    nearest_next_route,
    plan_route,
    schedule,
)
from geo.errors import RouteError

S, A, B, C = 0, 1, 2, 3
XY = np.array([[0, 0], [0, 1], [1, 1], [2, 0]])
GRID = 10.0 * np.abs(XY[:, None, :] - XY[None, :, :]).sum(axis=2)
PRIZE = np.array([1.0, 5.0, 3.0])
NO_SERVICE = np.zeros(3)
SOLVERS = (plan_route, exact_route)


@pytest.mark.parametrize("solve", SOLVERS)
def test_thirty_minutes_take_a_then_b(solve) -> None:  # type: ignore[no-untyped-def]
    # A, B: 10 + 10 = 20 minutes, worth 6; C cannot be added (20 more); C alone is worth 3
    route = solve(GRID, PRIZE, NO_SERVICE, budget=30)
    assert route.order.tolist() == [A - 1, B - 1]
    assert (route.minutes, route.prize) == (20.0, 6.0)
    assert route.arrival.tolist() == [10.0, 20.0]


@pytest.mark.parametrize("solve", SOLVERS)
def test_forty_minutes_take_every_door(solve) -> None:  # type: ignore[no-untyped-def]
    # S-A-B-C: 10 + 10 + 20 = 40
    route = solve(GRID, PRIZE, NO_SERVICE, budget=40)
    assert route.order.tolist() == [0, 1, 2]
    assert (route.minutes, route.prize) == (40.0, 9.0)


@pytest.mark.parametrize("solve", SOLVERS)
def test_a_window_that_opens_late_changes_the_order(solve) -> None:  # type: ignore[no-untyped-def]
    # B opens at minute 25: S-A-B-C waits at B until 25 and reaches C at 45 > 40; every order
    # of the three breaks the budget; S-C-B reaches B at 40 (open): worth 8 > A, B's 6
    windows = [[0, np.inf], [25, np.inf], [0, np.inf]]
    route = solve(GRID, PRIZE, NO_SERVICE, budget=40, windows=windows)
    assert route.order.tolist() == [C - 1, B - 1]
    assert (route.minutes, route.prize) == (40.0, 8.0)


@pytest.mark.parametrize("solve", SOLVERS)
def test_a_closed_window_is_skipped(solve) -> None:  # type: ignore[no-untyped-def]
    # B may only be begun before minute 15: it cannot be reached in time (20 minutes away
    # directly, 20 via A), so the best is S-A ... C? A-C is 30: C alone (3) beats A (1)
    windows = [[0, np.inf], [0, 15], [0, np.inf]]
    route = solve(GRID, PRIZE, NO_SERVICE, budget=30, windows=windows)
    assert route.order.tolist() == [C - 1]
    assert route.prize == 3.0


@pytest.mark.parametrize("solve", SOLVERS)
def test_returning_to_the_start_counts_the_walk_back(solve) -> None:  # type: ignore[no-untyped-def]
    # S-A-B-S = 10 + 10 + 20 = 40, worth 6; with C: S-A-B-C-S = 60
    route = solve(GRID, PRIZE, NO_SERVICE, budget=40, return_to_start=True)
    assert sorted(route.order.tolist()) == [0, 1]
    assert (route.minutes, route.prize) == (40.0, 6.0)


@pytest.mark.parametrize("solve", SOLVERS)
def test_minutes_at_the_door_count(solve) -> None:  # type: ignore[no-untyped-def]
    # 5 minutes at each door: A, B end at 10 + 5 + 10 + 5 = 30; B alone at 25 (worth 5)
    route = solve(GRID, PRIZE, np.full(3, 5.0), budget=29)
    assert route.order.tolist() == [B - 1]
    assert (route.minutes, route.prize) == (25.0, 5.0)


def test_the_nearest_next_baseline_goes_to_the_nearest_door() -> None:
    # from S the nearest is A (10), then B (10); C is 20 more: over 30
    route = nearest_next_route(GRID, PRIZE, NO_SERVICE, budget=30)
    assert route.order.tolist() == [0, 1]


def test_doors_worth_nothing_are_never_visited() -> None:
    prize = np.array([0.0, 5.0, -1.0])
    for solve in (*SOLVERS, nearest_next_route):
        assert solve(GRID, prize, NO_SERVICE, budget=100).order.tolist() == [1]


def test_no_time_for_any_door_gives_an_empty_route() -> None:
    for solve in (*SOLVERS, nearest_next_route):
        route = solve(GRID, PRIZE, NO_SERVICE, budget=5)
        assert len(route.order) == 0 and route.minutes == 0.0 and route.prize == 0.0


def test_schedule_refuses_an_infeasible_order() -> None:
    assert schedule([2, 0], GRID, NO_SERVICE, budget=40) is None  # 20 + 30 = 50
    assert schedule([0, 2], GRID, NO_SERVICE, budget=40) is not None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"budget": 0}, "more than 0 minutes"),
        ({"budget": 30, "windows": [[0, 1]] * 2}, "windows must be 3 pairs"),
        ({"budget": 30, "windows": [[5, 1]] * 3}, "open <= close"),
    ],
)
def test_bad_inputs_are_refused(kwargs, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RouteError, match=match):
        plan_route(GRID, PRIZE, NO_SERVICE, **kwargs)


def test_bad_matrices_are_refused() -> None:
    with pytest.raises(RouteError, match=r"times must be \(4, 4\)"):
        plan_route(GRID[:3, :3], PRIZE, NO_SERVICE, budget=30)
    with pytest.raises(RouteError, match="non-negative"):
        plan_route(-GRID, PRIZE, NO_SERVICE, budget=30)


# --------------------------------------------------------------------------- random small cases


def brute_force(times, prize, service, *, budget, windows, back):  # type: ignore[no-untyped-def]
    """The most prize over every order of every subset (fewest minutes among equals)."""
    best = (0.0, 0.0)
    n = len(prize)
    for k in range(1, n + 1):
        for order in itertools.permutations(range(n), k):
            if any(prize[j] <= 0 for j in order):
                continue
            route = schedule(
                order,
                times,
                service,
                budget=budget,
                windows=windows,
                return_to_start=back,
                prize=prize,
            )
            if route is not None and (route.prize, -route.minutes) > (best[0], -best[1]):
                best = (route.prize, route.minutes)
    return best


@st.composite
def instances(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(0, 6))
    coords = st.floats(0, 1000, allow_nan=False)
    xy = np.array(draw(st.lists(st.tuples(coords, coords), min_size=n + 1, max_size=n + 1)))
    detour = draw(st.floats(1.0, 1.5))
    times = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * detour / 72.0
    prize = np.array(draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)), dtype=float)
    service = np.array(draw(st.lists(st.floats(0, 10), min_size=n, max_size=n)))
    opens = np.array(draw(st.lists(st.floats(0, 40), min_size=n, max_size=n)))
    spans = np.array(draw(st.lists(st.floats(0, 60), min_size=n, max_size=n)))
    windows = np.column_stack([opens, opens + spans]) if draw(st.booleans()) else None
    budget = draw(st.floats(1, 90))
    return times, prize, service, budget, windows, draw(st.booleans())


@settings(max_examples=150)
@given(instances())
def test_routes_keep_the_budget_and_the_exact_optimum_is_the_best(case) -> None:  # type: ignore[no-untyped-def]
    times, prize, service, budget, windows, back = case
    common = {"budget": budget, "windows": windows, "return_to_start": back}
    exact = exact_route(times, prize, service, **common)
    expected = brute_force(times, prize, service, budget=budget, windows=windows, back=back)
    assert exact.prize == pytest.approx(expected[0])
    assert exact.minutes == pytest.approx(expected[1], abs=1e-6)
    nearest = nearest_next_route(times, prize, service, **common)
    for solve in (plan_route, nearest_next_route):
        route = solve(times, prize, service, **common)
        assert route.minutes <= budget + 1e-6
        assert route.prize <= exact.prize + 1e-9
        assert route.prize >= nearest.prize - 1e-9 or solve is nearest_next_route
        again = schedule(route.order, times, service, prize=prize, **common)
        assert again is not None and again.minutes == pytest.approx(route.minutes)
        assert again.prize == pytest.approx(route.prize)
    assert exact.minutes <= budget + 1e-6

"""Walk routes on arrays: which doors to knock on, and in what order, within a time budget.

The problem
-----------
An officer leaves a start point at minute 0 with ``budget`` minutes. Stop ``i`` (of ``n``
candidates) is worth ``prize[i]``, takes ``service[i]`` minutes at the door and may only be
*begun* inside its window ``[open_i, close_i]`` (minutes from the start; an officer who
arrives early waits). ``times`` is the ``(n + 1) x (n + 1)`` walking-time matrix in minutes,
row and column 0 being the start point. A route is an order of distinct stops; it is
**feasible** when every stop begins inside its window and the route ends within the budget.
It ends when the last stop is done (an open walk: the officer's shift ends there), or back at
the start with ``return_to_start``. Its ``minutes`` are that end: walking, waiting and
doors. The aim is the most prize; among routes of equal prize, the fewest minutes.

This is the orienteering problem with time windows (prize-collecting routing; NP-hard).
Three solvers, all on the same feasibility rule (:func:`schedule`):

* :func:`plan_route` -- the one beatcov uses: greedy insertion by prize per added minute
  (or the nearest-next route, when that is better, so it never collects less), then local
  search (2-opt to shorten, a swap of a stop for a better unvisited one, greedy
  refill) inside an iterated local search that removes a random run of stops and rebuilds
  (Vansteenwegen et al. 2009, "Iterated local search for the team orienteering problem with
  time windows"). Seeded, so a route repeats. Insertions are tested for all candidates and
  positions at once with each stop's *slack* (how much later it could begin without breaking
  any later window or the budget).
* :func:`exact_route` -- dynamic programming over subsets (the least end time of every set
  of stops ending at each stop; waiting is allowed, so the earliest end dominates): the
  optimum for up to :data:`EXACT_MAX_STOPS` candidates, for tests and the benchmark.
* :func:`nearest_next_route` -- the baseline: always walk to the nearest stop that still
  fits.

Stops of prize 0 or less are never visited. Times must be finite and non-negative;
comparisons allow :data:`TIME_TOL_MIN` of round-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from geo.errors import RouteError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TIME_TOL_MIN: Final = 1e-6
"""Round-off allowed when a time is compared with a window or the budget (minutes)."""
EXACT_MAX_STOPS: Final = 16
"""Most candidates :func:`exact_route` takes (2**16 subsets times 16 last stops)."""
_STALL_ROUNDS: Final = 20  # non-improving rounds before the search restarts from the best


@dataclass(frozen=True)
class Route:
    """A feasible route.

    Attributes
    ----------
    order : numpy.ndarray
        Candidate positions (0..n-1) in visit order.
    arrival, begin : numpy.ndarray
        Per stop in ``order``: the minute the officer arrives and the minute the visit
        begins (later when the window is not open yet).
    minutes : float
        The route's end: the last visit done (or the start reached again).
    prize : float
        Sum of the prizes of the stops.
    """

    order: IntArray
    arrival: FloatArray
    begin: FloatArray
    minutes: float
    prize: float


@dataclass(frozen=True)
class _Problem:
    times: FloatArray
    prize: FloatArray
    service: FloatArray
    open: FloatArray
    close: FloatArray
    budget: float
    back: bool


def _problem(
    times: npt.ArrayLike,
    prize: npt.ArrayLike,
    service: npt.ArrayLike,
    *,
    budget: float,
    windows: npt.ArrayLike | None,
    return_to_start: bool,
) -> _Problem:
    """Check the inputs at the public boundary and return them as arrays."""
    t = np.asarray(times, dtype=float)
    p = np.asarray(prize, dtype=float).reshape(-1)
    s = np.asarray(service, dtype=float).reshape(-1)
    n = len(p)
    if t.shape != (n + 1, n + 1):
        msg = f"times must be ({n + 1}, {n + 1}) (the start, then {n} stops); got {t.shape}"
        raise RouteError(msg)
    if s.shape != (n,):
        msg = f"service must hold one figure per stop ({n}); got {s.shape[0]}"
        raise RouteError(msg)
    if not np.isfinite(t).all() or (t < 0).any() or not np.isfinite(s).all() or (s < 0).any():
        msg = "times and service minutes must be finite and non-negative"
        raise RouteError(msg)
    if not np.isfinite(p).all():
        msg = "prizes must be finite numbers"
        raise RouteError(msg)
    if not budget > 0:
        msg = f"the time budget must be more than 0 minutes; got {budget}"
        raise RouteError(msg)
    if windows is None:
        w = np.column_stack([np.zeros(n), np.full(n, np.inf)])
    else:
        w = np.asarray(windows, dtype=float).reshape(-1, 2)
        if w.shape != (n, 2) or np.isnan(w).any() or (w[:, 1] < w[:, 0]).any():
            msg = f"windows must be {n} pairs (open, close) with open <= close"
            raise RouteError(msg)
    return _Problem(t, p, s, w[:, 0], w[:, 1], float(budget), bool(return_to_start))


# --------------------------------------------------------------------------- schedules


def schedule(
    order: npt.ArrayLike,
    times: npt.ArrayLike,
    service: npt.ArrayLike,
    *,
    budget: float,
    windows: npt.ArrayLike | None = None,
    return_to_start: bool = False,
    prize: npt.ArrayLike | None = None,
) -> Route | None:
    """Return the route that visits ``order``, or ``None`` when it is not feasible.

    Examples
    --------
    Two stops 10 minutes apart in a line from the start, 5 minutes at each door:

    >>> t = [[0, 10, 20], [10, 0, 10], [20, 10, 0]]
    >>> schedule([0, 1], t, [5, 5], budget=30).minutes
    30.0
    >>> schedule([0, 1], t, [5, 5], budget=29) is None
    True
    """
    stops = np.asarray(order, dtype=np.int64).reshape(-1)
    n = np.asarray(service).reshape(-1).shape[0]
    prob = _problem(
        times,
        np.zeros(n) if prize is None else prize,
        service,
        budget=budget,
        windows=windows,
        return_to_start=return_to_start,
    )
    if len(set(stops.tolist())) != len(stops) or ((stops < 0) | (stops >= n)).any():
        msg = f"a route visits distinct stops 0..{n - 1}; got {stops.tolist()}"
        raise RouteError(msg)
    return _schedule(prob, stops)


def _schedule(prob: _Problem, order: IntArray) -> Route | None:
    arrival = np.empty(len(order))
    begin = np.empty(len(order))
    here, clock = 0, 0.0
    for k, stop in enumerate(order):
        clock += prob.times[here, stop + 1]
        arrival[k] = clock
        clock = max(clock, prob.open[stop])
        if clock > prob.close[stop] + TIME_TOL_MIN:
            return None
        begin[k] = clock
        clock += prob.service[stop]
        here = stop + 1
    if prob.back:
        clock += prob.times[here, 0]
    if clock > prob.budget + TIME_TOL_MIN:
        return None
    return Route(
        order=order.astype(np.int64),
        arrival=arrival,
        begin=begin,
        minutes=float(clock),
        prize=float(prob.prize[order].sum()),
    )


def _empty() -> Route:
    return Route(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), 0.0, 0.0)


def _better(a: Route, b: Route) -> bool:
    """Whether ``a`` beats ``b``: more prize, or as much in fewer minutes."""
    if a.prize > b.prize + 1e-9:
        return True
    return a.prize >= b.prize - 1e-9 and a.minutes < b.minutes - TIME_TOL_MIN


# --------------------------------------------------------------------------- insertion


def _best_insertion(prob: _Problem, route: Route, free: npt.NDArray[np.bool_]) -> Route | None:
    """Insert the free stop of best prize per added minute where it fits; ``None`` if none.

    All free stops at all positions at once: a stop ``j`` put after position ``p`` (0: the
    start) must begin inside its window, and the stop after it (or the end) may begin later
    by at most its slack: the least, over it and every later stop, of how late that stop may
    begin (its window's close, or the budget for the end) less the waits on the way.
    """
    cand = np.flatnonzero(free & (prob.prize > 0))
    if not len(cand):
        return None
    order = route.order
    m = len(order)
    path = np.concatenate([[0], order + 1])  # matrix nodes: the start, then the stops
    dep = np.concatenate([[0.0], route.begin + prob.service[order]])  # leaving each node
    # the node after each position: the next stop, or the end of the route
    nxt_arr = np.concatenate([route.arrival, [route.minutes]])
    nxt_wait = np.concatenate([route.begin - route.arrival, [0.0]])
    slack = np.empty(m + 1)
    slack[m] = prob.budget - route.minutes
    for k in range(m - 1, -1, -1):
        after = nxt_wait[k + 1] + slack[k + 1]
        slack[k] = min(prob.close[order[k]] - route.begin[k], after)
    end_col = prob.times[cand + 1, 0] if prob.back else np.zeros(len(cand))
    to_next = np.column_stack([prob.times[np.ix_(cand + 1, order + 1)], end_col]).T  # (m+1, c)
    a_to_b = np.concatenate(
        [prob.times[path[:-1], path[1:]], [prob.times[path[-1], 0] if prob.back else 0.0]]
    )
    arr = dep[:, None] + prob.times[np.ix_(path, cand + 1)]
    begin = np.maximum(arr, prob.open[cand])
    fits = begin <= prob.close[cand] + TIME_TOL_MIN
    later = begin + prob.service[cand] + to_next - nxt_arr[:, None] - nxt_wait[:, None]
    fits &= np.maximum(later, 0.0) <= slack[:, None] + TIME_TOL_MIN
    if not fits.any():
        return None
    added = prob.times[np.ix_(path, cand + 1)] + prob.service[cand] + to_next - a_to_b[:, None]
    ratio = np.where(fits, prob.prize[cand] / (np.maximum(added, 0.0) + 1e-3), -np.inf)
    pos, col = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
    new = np.insert(order, pos, cand[col])
    return _schedule(prob, new)


def _fill(prob: _Problem, route: Route) -> Route:
    """Insert free stops greedily until none fits."""
    free = np.ones(len(prob.prize), dtype=bool)
    free[route.order] = False
    while True:
        grown = _best_insertion(prob, route, free)
        if grown is None:
            return route
        free[grown.order] = False
        route = grown


# --------------------------------------------------------------------------- local search


def _two_opt(prob: _Problem, route: Route) -> Route:
    """Reverse runs of stops while that ends the route sooner (first improvement)."""
    improved = True
    while improved:
        improved = False
        m = len(route.order)
        for i in range(m - 1):
            for k in range(i + 1, m):
                order = route.order.copy()
                order[i : k + 1] = order[i : k + 1][::-1]
                cand = _schedule(prob, order)
                if cand is not None and cand.minutes < route.minutes - 1e-6:
                    route, improved = cand, True
    return route


def _swaps(prob: _Problem, route: Route) -> Route:
    """Replace a stop by a free one of more prize that fits in its place, then refill."""
    improved = True
    while improved:
        improved = False
        for k in np.argsort(prob.prize[route.order], kind="stable"):
            stop = route.order[k]
            without = _schedule(prob, np.delete(route.order, k))
            if without is None:  # cannot happen with waiting allowed; kept as a guard
                continue
            free = np.ones(len(prob.prize), dtype=bool)
            free[route.order] = False
            free &= prob.prize > prob.prize[stop] + 1e-9
            swapped = _best_insertion(prob, without, free)
            if swapped is not None:
                route, improved = _fill(prob, _two_opt(prob, swapped)), True
                break
    return route


def _improve(prob: _Problem, route: Route) -> Route:
    return _swaps(prob, _fill(prob, _two_opt(prob, route)))


def plan_route(
    times: npt.ArrayLike,
    prize: npt.ArrayLike,
    service: npt.ArrayLike,
    *,
    budget: float,
    windows: npt.ArrayLike | None = None,
    return_to_start: bool = False,
    rounds: int = 100,
    seed: int = 0,
) -> Route:
    """Choose and order stops for the most prize within ``budget`` (see the module).

    Parameters
    ----------
    times : array of shape (n + 1, n + 1)
        Walking minutes; row and column 0 are the start point.
    prize, service : array of shape (n,)
        Each stop's worth and minutes at the door.
    budget : float
        Minutes available, more than 0.
    windows : array of shape (n, 2), optional
        Per stop, the first and last minute its visit may begin (default: any time).
    return_to_start : bool, default False
        Whether the route ends back at the start.
    rounds : int, default 100
        Rounds of the iterated local search (0: greedy insertion and local search only).
    seed : int, default 0
        Seed of the search's random removals.

    Returns
    -------
    Route

    Raises
    ------
    RouteError
        Shapes that do not match, negative or missing times, a budget of 0 or less.

    Examples
    --------
    The start and three doors on a line, 10 minutes apart; 5 minutes at each door. With
    35 minutes the far door (worth 9) beats the two near ones (worth 2 and 3); with 45
    minutes there is time for all three:

    >>> t = [[0, 10, 20, 30], [10, 0, 10, 20], [20, 10, 0, 10], [30, 20, 10, 0]]
    >>> r = plan_route(t, [2, 3, 9], [5, 5, 5], budget=35)
    >>> r.order.tolist(), r.minutes, r.prize
    ([2], 35.0, 9.0)
    >>> plan_route(t, [2, 3, 9], [5, 5, 5], budget=45).order.tolist()
    [0, 1, 2]
    """
    prob = _problem(
        times, prize, service, budget=budget, windows=windows, return_to_start=return_to_start
    )
    rng = np.random.default_rng(seed)
    best = current = _improve(prob, _empty())
    walked = _improve(prob, _nearest_next(prob))  # never worse than the baseline
    if _better(walked, best):
        best = current = walked
    stall = 0
    for _ in range(rounds):
        m = len(current.order)
        if m == 0:
            break
        size = int(rng.integers(1, max(1, m // 2) + 1))
        start = int(rng.integers(0, m - size + 1))
        kept = _schedule(prob, np.delete(current.order, np.s_[start : start + size]))
        if kept is None:  # cannot happen with waiting allowed; kept as a guard
            continue
        current = _improve(prob, kept)
        if _better(current, best):
            best, stall = current, 0
        else:
            stall += 1
            if stall >= _STALL_ROUNDS:
                current, stall = best, 0
    return best


# --------------------------------------------------------------------------- exact and baseline


def exact_route(
    times: npt.ArrayLike,
    prize: npt.ArrayLike,
    service: npt.ArrayLike,
    *,
    budget: float,
    windows: npt.ArrayLike | None = None,
    return_to_start: bool = False,
) -> Route:
    """Return an optimal route by dynamic programming over subsets of stops.

    ``end[S, j]`` is the earliest minute the visits of the set ``S`` can all be done, ``j``
    last; as an officer may wait, the earliest end of a set and last stop is the only one
    worth extending. The answer is the feasible set of most prize (fewest minutes among
    equals). Time and memory grow as ``2**n * n``: at most :data:`EXACT_MAX_STOPS` stops.

    Examples
    --------
    >>> t = [[0, 10, 20, 30], [10, 0, 10, 20], [20, 10, 0, 10], [30, 20, 10, 0]]
    >>> exact_route(t, [2, 3, 9], [5, 5, 5], budget=35).order.tolist()
    [2]
    """
    prob = _problem(
        times, prize, service, budget=budget, windows=windows, return_to_start=return_to_start
    )
    n = len(prob.prize)
    if n > EXACT_MAX_STOPS:
        msg = f"the exact solver takes at most {EXACT_MAX_STOPS} stops; got {n}"
        raise RouteError(msg)
    if n == 0:
        return _empty()
    size = 1 << n
    end = np.full((size, n), np.inf)
    parent = np.full((size, n), -1, dtype=np.int64)
    home = prob.times[1:, 0] if prob.back else np.zeros(n)
    t = prob.times[1:, 1:]
    bits = 1 << np.arange(n)

    def reach(leave: FloatArray, walk: FloatArray) -> FloatArray:
        begin = np.maximum(leave + walk, prob.open)
        done = begin + prob.service
        ok = (begin <= prob.close + TIME_TOL_MIN) & (done + home <= prob.budget + TIME_TOL_MIN)
        ok &= prob.prize > 0
        return np.where(ok, done, np.inf)

    first = reach(np.zeros(n), prob.times[0, 1:])
    end[bits, np.arange(n)] = first
    for mask in range(1, size):
        lasts = np.flatnonzero(np.isfinite(end[mask]))
        if not len(lasts):
            continue
        cand = reach(end[mask, lasts][:, None], t[lasts])  # (lasts, n)
        cand[:, (mask & bits) != 0] = np.inf
        pick = np.argmin(cand, axis=0)
        done = cand[pick, np.arange(n)]
        for j in np.flatnonzero(np.isfinite(done)):
            nxt = mask | int(bits[j])
            if done[j] < end[nxt, j]:
                end[nxt, j] = done[j]
                parent[nxt, j] = lasts[pick[j]]
    members = (np.arange(size)[:, None] & bits) != 0
    worth = members.astype(float) @ prob.prize
    finish = (end + home).min(axis=1)
    feasible = np.isfinite(finish)
    if not feasible.any():
        return _empty()
    score = np.where(feasible, worth, -np.inf)
    top = np.flatnonzero(score >= score.max() - 1e-9)
    mask = int(top[np.argmin(finish[top])])
    last = int(np.argmin(end[mask] + home))
    order: list[int] = []
    while mask:
        order.append(last)
        mask, last = mask & ~int(bits[last]), int(parent[mask, last])
    route = _schedule(prob, np.array(order[::-1], dtype=np.int64))
    assert route is not None  # the DP only keeps feasible ends
    return route


def nearest_next_route(
    times: npt.ArrayLike,
    prize: npt.ArrayLike,
    service: npt.ArrayLike,
    *,
    budget: float,
    windows: npt.ArrayLike | None = None,
    return_to_start: bool = False,
) -> Route:
    """Return the baseline: walk to the nearest stop of positive prize that still fits.

    Examples
    --------
    >>> t = [[0, 10, 20, 30], [10, 0, 10, 20], [20, 10, 0, 10], [30, 20, 10, 0]]
    >>> nearest_next_route(t, [2, 3, 9], [5, 5, 5], budget=35).order.tolist()
    [0, 1]
    """
    prob = _problem(
        times, prize, service, budget=budget, windows=windows, return_to_start=return_to_start
    )
    return _nearest_next(prob)


def _nearest_next(prob: _Problem) -> Route:
    route = _empty()
    free = prob.prize > 0
    here = 0
    while free.any():
        order = np.flatnonzero(free)
        fits = [
            (prob.times[here, j + 1], -prob.prize[j], j)
            for j in order
            if _schedule(prob, np.append(route.order, j)) is not None
        ]
        if not fits:
            break
        j = int(min(fits)[2])
        grown = _schedule(prob, np.append(route.order, j))
        assert grown is not None
        route, here = grown, j + 1
        free[j] = False
    return route


__all__ = [
    "EXACT_MAX_STOPS",
    "TIME_TOL_MIN",
    "Route",
    "exact_route",
    "nearest_next_route",
    "plan_route",
    "schedule",
]

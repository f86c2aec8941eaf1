"""Patterns in an officer's records: the same record twice, and one-spot bursts.

Two of the verification flags (:mod:`analysis.verify`) read the records themselves rather
than the moves between them (:mod:`analysis.travel`): ``duplicate`` (the same household,
officer and outcome logged again within ``duplicate_window_min`` minutes) and
``one_spot_burst`` (many households logged within ``burst_span_min`` minutes from one spot
away from their doors). Both take integer codes and times (and, for bursts, metric coordinates) as
arrays and return a bool array on the visits' order.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.rules import sorted_unique
from analysis.travel import DIST_TOL_M, TIME_TOL_MIN, officer_order, time_rank
from geo.settings import Settings

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def duplicates(
    visits: pd.DataFrame,
    officer: IntArray,
    household: IntArray,
    minutes: FloatArray,
    *,
    settings: Settings,
    order: IntArray | None = None,
) -> BoolArray:
    """Return True for each record that repeats an earlier one: a ``duplicate``.

    Parameters
    ----------
    visits : pandas.DataFrame
        The visits; ``outcome`` is read when present (else every outcome is the same).
    officer, household : numpy.ndarray of int
        Integer codes of each visit's officer and household (-1 for none).
    minutes : numpy.ndarray of float
        Each visit's time in minutes (NaN for none).
    settings : Settings
        ``duplicate_window_min``: the same household, officer and outcome logged again
        within this many minutes (inclusive) of the previous such log.
    order : numpy.ndarray of int, optional
        The visits sorted by officer and time (:func:`analysis.travel.officer_order`), when
        the caller has it already; each group's logs are then taken in that order.

    Returns
    -------
    numpy.ndarray of bool
        On the visits' order; the first log of a run is not a duplicate.
    """
    cfg = settings
    n = len(officer)
    if "outcome" in visits.columns:
        outcome = outcome_codes(visits["outcome"])
    else:
        outcome = np.zeros(n, dtype=np.int64)
    order, same = _sorted_groups((officer, household, outcome), minutes, by_time=order)
    t = minutes[order]
    dup_sorted = np.zeros(n, dtype=bool)
    if n > 1:
        dup_sorted[1:] = (
            same
            & ((officer >= 0) & (household >= 0))[order[1:]]
            & (t[1:] - t[:-1] <= cfg.duplicate_window_min + TIME_TOL_MIN)
        )
    out = np.zeros(n, dtype=bool)
    out[order] = dup_sorted
    return out


def _sorted_groups(
    codes: tuple[IntArray, ...], minutes: FloatArray, *, by_time: IntArray | None
) -> tuple[IntArray, BoolArray]:
    """Sort rows by ``codes`` (first key first), then time; tell where a group goes on.

    Ties in (group, time) keep the rows' order, missing times last in their group.
    ``by_time`` is :func:`analysis.travel.officer_order` of the rows, when the caller has it
    (``codes[0]`` being the officer). Returns the order and, for each sorted row after the
    first, whether it has the same codes as the row before.

    Examples
    --------
    >>> order, same = _sorted_groups((np.array([1, 0, 1]), np.array([5, 5, 5])),
    ...                              np.array([2.0, 9.0, 1.0]), by_time=None)
    >>> order.tolist(), same.tolist()
    ([1, 2, 0], [False, True])
    """
    key = group_key(codes)
    if key is None:
        order = np.lexsort((minutes, *reversed(codes)))
        same = np.ones(max(len(order) - 1, 0), dtype=bool)
        for code in codes:
            ordered = code[order]
            same &= ordered[1:] == ordered[:-1]
        return order, same
    if by_time is None:
        by_time = officer_order(codes[0], time_rank(minutes))
    keys = key[by_time]
    regroup = np.argsort(keys, kind="stable")
    keys = keys[regroup]
    return by_time[regroup], keys[1:] == keys[:-1]


def outcome_codes(outcome: pd.Series) -> IntArray:
    """Return one integer code per distinct outcome, a missing outcome coded as ``""``.

    Examples
    --------
    >>> outcome_codes(pd.Series(["contact", None, "", "refused", np.nan])).tolist()
    [0, 1, 1, 2, 1]
    >>> outcome_codes(pd.Series(["contact", None])).tolist()
    [0, 1]
    """
    codes, uniques = pd.factorize(outcome)
    codes = codes.astype(np.int64)
    missing = codes < 0
    if missing.any():
        blank = np.flatnonzero(np.asarray(uniques, dtype=object) == "")
        codes[missing] = blank[0] if len(blank) else len(uniques)
    return codes


def group_key(codes: tuple[IntArray, ...]) -> IntArray | None:
    """Return one int64 code per row that sorts as the rows of ``codes`` sort, first key first.

    Each array holds integer codes from -1 up; the result is their mixed-radix number, so
    sorting it equals a lexicographic sort by ``codes[0]``, then ``codes[1]``, and so on
    (one key to sort instead of several). ``None`` when the number could pass 2**62.

    Examples
    --------
    >>> group_key((np.array([0, 0, 1, -1]), np.array([2, -1, 0, 0]))).tolist()
    [7, 4, 9, 1]
    """
    key = np.zeros(len(codes[0]), dtype=np.int64)
    span = 1
    for code in codes:
        radix = int(code.max()) + 2 if len(code) else 1
        span *= radix
        if span > 2**62:
            return None
        key = key * radix + (code + 1)
    return key


def one_spot_bursts(
    officer: IntArray,
    minutes: FloatArray,
    household: IntArray,
    x: FloatArray,
    y: FloatArray,
    *,
    doors: tuple[FloatArray, FloatArray],
    candidate: BoolArray,
    settings: Settings,
    order: IntArray | None = None,
) -> BoolArray:
    """``one_spot_burst``: a sliding time window per officer over the candidate visits.

    Every candidate (GPS away from its own door) anchors a window of the officer's later
    candidates within ``burst_span_min``; those within ``burst_radius_m`` of the anchor's GPS
    point join it. Windows with enough different households flag all their members, when
    at least one member's door lies more than ``burst_radius_m`` from the anchor's: flats
    registered at one address point (a building, or a compound's centroid) are one place,
    and an officer working through them from the stairwell is not logging from afar. The
    work is the sum of the window sizes, never all pairs.

    ``officer``, ``minutes`` and ``household`` are as for :func:`duplicates`; ``x``, ``y``
    are the GPS points and ``doors`` the households' points, in metres; ``settings`` gives
    ``burst_min_households``, ``burst_radius_m`` and ``burst_span_min``; ``order`` is the
    visits sorted by officer and time (:func:`analysis.travel.officer_order`), when the
    caller has it already.
    """
    cfg = settings
    n = len(officer)
    out = np.zeros(n, dtype=bool)
    cand = np.flatnonzero(candidate)
    if len(cand) < max(cfg.burst_min_households, 1):
        return out
    if order is None:
        cand = cand[np.lexsort((cand, minutes[cand], officer[cand]))]
    else:  # the same order: by officer, time, then the visits' order
        cand = order[np.asarray(candidate, dtype=bool)[order]]
    o, t, h = officer[cand], minutes[cand], household[cand]
    cx, cy = x[cand], y[cand]
    dx, dy = doors[0][cand], doors[1][cand]
    m = len(cand)
    anchors = [np.arange(m)]
    members = [np.arange(m)]
    active = np.arange(m)
    k = 1
    while len(active):
        j = active + k
        inside = j < m
        active, j = active[inside], j[inside]
        inside = (o[j] == o[active]) & (t[j] - t[active] <= cfg.burst_span_min + TIME_TOL_MIN)
        active, j = active[inside], j[inside]
        near = np.hypot(cx[j] - cx[active], cy[j] - cy[active]) <= cfg.burst_radius_m + DIST_TOL_M
        anchors.append(active[near])
        members.append(j[near])
        k += 1
    anchor = np.concatenate(anchors)
    member = np.concatenate(members)
    # Different households per anchor: unique (anchor, household) pairs, counted per anchor;
    # each pair as one integer (anchor, then household from -1 up), sorted and compared
    radix = int(h.max()) + 2
    pairs = sorted_unique(anchor * radix + (h[member] + 1))
    distinct = np.bincount(pairs // radix, minlength=m)
    # ... and doors spread beyond the radius: not all one address point (a stairwell)
    apart = np.hypot(dx[member] - dx[anchor], dy[member] - dy[anchor]) > cfg.burst_radius_m
    spread = np.bincount(anchor[apart], minlength=m) > 0
    is_burst = (distinct >= cfg.burst_min_households) & spread
    flagged = np.zeros(m, dtype=bool)
    flagged[member[is_burst[anchor]]] = True
    out[cand[flagged]] = True
    return out

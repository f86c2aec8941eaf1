"""Consecutive logs of one officer: shifts, the least-possible travel time, desk-job shifts.

One officer's visits are sorted by time (ties keep input order). Two logs are consecutive
when the gap between them is shorter than ``shift_gap_h`` hours; a longer gap starts a new
shift. Visits with no time or no officer id are left out of every time-based check, and
officers are never compared with each other. A ``duplicate`` copy is left out of the
sequence (the next visit is timed from the original log) but belongs to its shift.
Between consecutive logs at two different households (the same household twice is never
a travel problem) the least time is

    max(straight - 2 * gps_error_m, 0) / walking_speed_mps + min_visit_min

where ``straight`` is the distance between the two households. The walk network may only
*raise* this bound, and only where it is credible: the network is used at all only when at
least ``network_min_snapped_share`` of the located households lie within
``network_snap_max_m`` of a network node (otherwise it is shown to be incomplete there);
for one pair only when both households lie within ``network_snap_max_m`` of a node, the
nodes are connected, and the walk (household to node, shortest path, node to household) is
at most ``network_max_detour`` times the straight line. A longer walk says the network
lacks the paths people use (compound paths missing from OpenStreetMap), and the straight
line stands. Network evidence alone never makes a visit ``not_counted``: it can only raise
``fast_travel``. The network search is bounded by that credible length, so its cost
follows the neighbourhood (:mod:`geo.walk`).

A move faster than that least time is ``fast_travel`` (review); a move whose straight
distance, less the same allowance, cannot be covered at ``running_speed_mps`` in the gap
is ``impossible_travel`` (not counted). A *jump* is a move impossible even in a straight
line at ``walking_speed_mps`` (without the door minimum); a shift with at least
``desk_job_min_jumps`` jumps making at least ``desk_job_min_share`` of its travel checks
is a desk job (see :mod:`analysis.verify`).
Comparisons allow for round-off of a micrometre (distances) or a microminute (times).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj

from geo.settings import Settings
from geo.walk import StreetIndex, network_lengths, prepare_streets, snap_households

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DIST_TOL_M: Final = 1e-6
"""Round-off allowed when a distance is compared with a threshold (metres)."""
TIME_TOL_MIN: Final = 1e-6
"""Round-off allowed when a time is compared with a threshold (minutes)."""

METHOD_SAME: Final = "same_household"
METHOD_NETWORK: Final = "network"
METHOD_STRAIGHT: Final = "straight_line"
METHODS: Final = ("", METHOD_SAME, METHOD_NETWORK, METHOD_STRAIGHT)
"""How a move was timed, by :attr:`Travel.method` code (``""``: not timed)."""


@dataclass
class Travel:
    """Per-visit results of the consecutive-visit checks."""

    prev: IntArray
    shift: IntArray
    gap_min: FloatArray
    straight_m: FloatArray
    travel_m: FloatArray
    needed_min: FloatArray
    method: npt.NDArray[np.int8]  # position in METHODS, one byte a visit
    impossible: BoolArray
    fast: BoolArray
    desk_job: BoolArray
    shift_jumps: npt.NDArray[np.int32]  # jumps in the visit's shift


@dataclass
class CredibleNetwork:
    """The walk network where it may raise travel times: each household's node and offset."""

    streets: StreetIndex
    node: IntArray  # per household: node position, -1 when too far from the network
    offset: FloatArray  # per household: metres to that node


def credible_network(
    graph: nx.MultiDiGraph | None,
    households: gpd.GeoDataFrame,
    hx: FloatArray,
    hy: FloatArray,
    household_nodes: Mapping[Any, Any] | pd.Series | None,
    metric: pyproj.CRS,
    cfg: Settings,
) -> CredibleNetwork | None:
    """Prepare the network, or ``None`` when there is none or it is shown incomplete here."""
    if graph is None:
        return None
    streets = prepare_streets(graph, metric)
    if not streets.node_index:
        return None
    node, offset = snap_households(households, hx, hy, streets, household_nodes)
    located = np.isfinite(hx) & np.isfinite(hy)
    near = (node >= 0) & (offset <= cfg.network_snap_max_m + DIST_TOL_M)
    if not located.any() or near[located].mean() < cfg.network_min_snapped_share:
        return None
    node = np.where(near, node, -1)
    return CredibleNetwork(streets=streets, node=node, offset=offset)


def time_rank(minutes: FloatArray) -> IntArray:
    """Return each visit's place in time: 0 for the earliest, ties in the visits' order.

    Missing times (NaN) come last, in the visits' order. Distinct for every visit, so any
    sort by a key that ends with it is stable: one sort of the times, shared by the sorts
    of :func:`officer_order` and :func:`analysis.records.duplicates`.

    Examples
    --------
    >>> time_rank(np.array([5.0, np.nan, 1.0, 5.0])).tolist()
    [1, 3, 0, 2]
    """
    order = np.argsort(minutes, kind="stable")
    rank = np.empty(len(minutes), dtype=np.int64)
    rank[order] = np.arange(len(minutes), dtype=np.int64)
    return rank


def officer_order(officer: IntArray, rank: IntArray) -> IntArray:
    """Return the visits sorted by officer code, then by time (``rank``, :func:`time_rank`).

    ``np.lexsort((minutes, officer))``, by one sort of a single distinct key: ties in time
    keep the visits' order and missing times come last within an officer.

    Examples
    --------
    >>> minutes = np.array([3.0, 1.0, np.nan, 2.0, 1.0])
    >>> officer_order(np.array([1, 0, 0, -1, 0]), time_rank(minutes)).tolist()
    [3, 1, 4, 2, 0]
    """
    radix = len(rank)
    top = int(officer.max()) + 1 if len(officer) else 0
    if top < np.iinfo(np.int16).max:
        # the visits in time order, then a stable sort by officer: NumPy's radix sort of
        # 16-bit codes, linear in the visits (the key below needs a full comparison sort)
        by_time = np.empty(radix, dtype=np.int64)
        by_time[rank] = np.arange(radix, dtype=np.int64)
        return by_time[np.argsort((officer + 1).astype(np.int16)[by_time], kind="stable")]
    if (top + 1) * max(radix, 1) > 2**62:
        return np.lexsort((rank, officer))
    return np.argsort((officer + 1) * radix + rank)


def shifts(
    officer: IntArray,
    minutes: FloatArray,
    cfg: Settings,
    *,
    copies: BoolArray,
    order: IntArray | None = None,
) -> tuple[IntArray, IntArray]:
    """Return each visit's previous log in its shift (-1: none) and its shift number.

    ``copies`` (duplicate records) are left out of the sequence, so the next visit is timed
    from the original log, not from its copy; a copy gets the shift of the log before it.
    ``order`` is :func:`officer_order` of the visits, when the caller has it already.
    """
    n = len(officer)
    if order is None:
        order = officer_order(officer, time_rank(minutes))
    usable = (officer[order] >= 0) & np.isfinite(minutes[order])
    seq = order[usable & ~copies[order]]
    prev = np.full(n, -1, dtype=np.int64)
    consecutive = np.zeros(len(seq), dtype=bool)
    if len(seq) > 1:
        seq_officer, seq_minutes = officer[seq], minutes[seq]
        consecutive[1:] = (seq_officer[1:] == seq_officer[:-1]) & (
            seq_minutes[1:] - seq_minutes[:-1] < cfg.shift_gap_h * 60.0
        )
        del seq_officer, seq_minutes
        prev[seq[1:][consecutive[1:]]] = seq[:-1][consecutive[1:]]
    shift = np.full(n, -1, dtype=np.int64)
    shift[seq] = np.cumsum(~consecutive) - 1
    # a copy joins the shift of the sequenced log before it (its original, or later), when
    # that log is the same officer's: ``last`` is, in sorted order, the latest sequenced log
    # at or before each place (-1: none yet)
    sorted_shift = shift[order]
    last = np.arange(n, dtype=np.int64)
    last[sorted_shift < 0] = -1
    np.maximum.accumulate(last, out=last)
    copy_at = np.flatnonzero(usable & (sorted_shift < 0) & (last >= 0))
    source = last[copy_at]
    same = officer[order[source]] == officer[order[copy_at]]
    shift[order[copy_at[same]]] = sorted_shift[source[same]]
    return prev, shift


def travel_checks(
    officer: IntArray,
    minutes: FloatArray,
    hpos: IntArray,
    hx: FloatArray,
    hy: FloatArray,
    *,
    network: CredibleNetwork | None,
    copies: BoolArray,
    cfg: Settings,
    order: IntArray | None = None,
) -> Travel:
    """Pair each visit with the officer's previous log in the shift and time the move.

    ``order`` is :func:`officer_order` of the visits, when the caller has it already.
    """
    n = len(officer)
    prev, shift = shifts(officer, minutes, cfg, copies=copies, order=order)
    # Whole-length arrays, each visit against its previous log (``take`` of -1 reads the
    # last value, which the masks then discard): no gathering and scattering of the pairs.
    first = prev < 0
    gap_min = minutes - minutes.take(prev)
    gap_min[first] = np.nan
    ha = hpos.take(prev)  # the previous log's household row
    ha[first] = -1
    checkable = (ha >= 0) & (hpos >= 0)
    same = checkable & (ha == hpos)
    other = checkable & ~same
    rows = np.flatnonzero(other)
    # straight distance between the two households of each move (NaN where none is timed)
    straight = np.full(n, np.nan)
    if len(rows):
        straight = hx.take(ha)
        straight -= hx.take(hpos)
        dy = hy.take(ha)
        dy -= hy.take(hpos)
        np.hypot(straight, dy, out=straight)
        del dy
        straight[~other] = np.nan
    timed = straight.copy()
    method = np.where(other, METHODS.index(METHOD_STRAIGHT), METHODS.index("")).astype(np.int8)
    if network is not None and len(rows):
        walk = credible_walks(network, ha[rows], hpos[rows], straight[rows], cfg)
        on_network = np.isfinite(walk) & (walk > straight[rows])
        timed[rows[on_network]] = walk[on_network]
        method[rows[on_network]] = METHODS.index(METHOD_NETWORK)
    del ha, first, checkable  # the pairs are timed: 100 MB fewer at 10M visits from here
    limits = move_limits(straight, timed, gap_min, cfg)  # NaN rows: not timed, no flag
    impossible, fast, jump = limits.impossible, limits.fast, limits.jump
    needed = limits.needed_min
    straight[same] = 0.0
    timed[same] = 0.0
    method[same] = METHODS.index(METHOD_SAME)
    straight_m, travel_m = straight, timed

    n_shifts = int(shift.max()) + 1 if n else 0
    in_shift = shift >= 0
    checks = np.bincount(shift[rows], minlength=n_shifts) if n_shifts else np.zeros(0, np.int64)
    jumps = np.bincount(shift[jump], minlength=n_shifts) if n_shifts else np.zeros(0, np.int64)
    desk_shift = (jumps >= cfg.desk_job_min_jumps) & (
        jumps >= cfg.desk_job_min_share * np.maximum(checks, 1) - TIME_TOL_MIN
    )
    shift_of = shift[in_shift]
    desk_job = np.zeros(n, dtype=bool)
    desk_job[in_shift] = desk_shift[shift_of]
    shift_jumps = np.zeros(n, dtype=np.int32)  # counts within a shift: four bytes a visit
    shift_jumps[in_shift] = jumps[shift_of]
    return Travel(
        prev=prev,
        shift=shift,
        gap_min=gap_min,
        straight_m=straight_m,
        travel_m=travel_m,
        needed_min=needed,
        method=method,
        impossible=impossible,
        fast=fast,
        desk_job=desk_job,
        shift_jumps=shift_jumps,
    )


@dataclass
class MoveLimits:
    """What the least-possible time says of each timed move (see the module notes)."""

    needed_min: FloatArray  # the least-possible time, with the minute at the door
    impossible: BoolArray  # beyond running straight
    fast: BoolArray  # not impossible, but under the least-possible time
    jump: BoolArray  # beyond walking straight (without the door minimum)


def move_limits(
    straight: FloatArray, timed: FloatArray, gap_min: FloatArray, cfg: Settings
) -> MoveLimits:
    """Grade moves of ``straight`` metres (``timed``: the distance timed) in ``gap_min``.

    Examples
    --------
    With the defaults (GPS allowance 2 x 15 m, walking 1.5 m/s, running 4 m/s, a minute at
    the door), 1,000 m in 5 min needs 970 / 1.5 / 60 + 1 = 11.8 min: fast, a jump (647 s of
    walking), not impossible (243 s running); 3,000 m in 5 min is impossible (743 s).

    >>> from geo.settings import DEFAULTS
    >>> m = move_limits(np.array([0.0, 1000.0, 3000.0]), np.array([0.0, 1000.0, 3000.0]),
    ...                 np.array([1.0, 5.0, 5.0]), DEFAULTS)
    >>> m.needed_min.round(1).tolist()
    [1.0, 11.8, 34.0]
    >>> m.fast.tolist(), m.impossible.tolist(), m.jump.tolist()
    ([False, True, False], [False, False, True], [False, True, True])
    """
    margin = 2.0 * cfg.gps_error_m
    reach_s = straight - margin
    np.maximum(reach_s, 0.0, out=reach_s)  # metres that must be covered, at least
    limit_s = gap_min * 60.0
    limit_s += TIME_TOL_MIN * 60.0  # the gap in seconds, with the round-off allowed
    needed = timed - margin
    np.maximum(needed, 0.0, out=needed)
    needed /= cfg.walking_speed_mps
    needed /= 60.0
    needed += cfg.min_visit_min
    impossible = reach_s / cfg.running_speed_mps > limit_s
    fast = needed > gap_min + TIME_TOL_MIN
    fast &= ~impossible
    reach_s /= cfg.walking_speed_mps
    return MoveLimits(
        needed_min=needed,
        impossible=impossible,
        fast=fast,
        jump=reach_s > limit_s,
    )


def credible_walks(
    network: CredibleNetwork, pa: IntArray, pb: IntArray, straight: FloatArray, cfg: Settings
) -> FloatArray:
    """Network walks between households ``pa[i]`` and ``pb[i]`` where credible, else inf.

    Credible: both households near the network, their nodes connected and different, and
    the walk at most ``network_max_detour`` times the straight line. The search for each
    pair stops at that length, so a walk that would not be credible is never completed.
    """
    out = np.full(len(pa), np.inf)
    na, nb = network.node[pa], network.node[pb]
    component = network.streets.component
    budget = (
        cfg.network_max_detour * straight - network.offset[pa] - network.offset[pb] + DIST_TOL_M
    )
    ok = (
        (na >= 0)
        & (nb >= 0)
        & (na != nb)
        & (component[np.maximum(na, 0)] == component[np.maximum(nb, 0)])
        & (budget > 0)
    )
    if ok.any():
        net = network_lengths(network.streets, na[ok], nb[ok], budget[ok], exact=False)
        walk = network.offset[pa[ok]] + net + network.offset[pb[ok]]
        out[ok] = np.where(walk <= cfg.network_max_detour * straight[ok] + DIST_TOL_M, walk, np.inf)
    return out

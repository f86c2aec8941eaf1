"""Balanced, contiguous beats from street blocks: the search, on arrays.

The pure core of :mod:`analysis.rebalance`: blocks are row positions ``0..n-1``, beats
numbers ``0..k-1``, workloads minutes (:mod:`analysis.workload`), distances metres.

Rules every plan obeys
----------------------
* **Contiguity.** A block may leave its beat only when the beat's other blocks next to it
  stay connected without it, and may join only a beat it borders (neighbours share a
  stretch of street, :func:`geo.blocks.block_neighbours`). So no beat ever gains a piece;
  a beat that starts in one piece stays in one piece.
* **Station borders.** A block only ever joins a beat of its own station.
* **Locked blocks** never move, and neither do posts: each beat's post block is its
  anchor, so no beat empties and access is measured from a fixed place during a search.
* **Never worse.** A move is made only when it lowers the objective, and only when it
  leaves the imbalance (heaviest beat over lightest) at most the larger of the start's
  and ``plan_target_ratio``.

The objective
-------------
::

    F = sum_b (W_b / T - 1)**2  +  mu * sum_b I_b / (W0 * A)      (the plan's objective)
    search cost = F + lambda * moved

``W_b`` the beat's workload (with access from its post); ``W0`` the blocks' fixed minutes
(visits and streets) and ``T = W0 / k``, so ``F`` depends on the plan and its posts alone
and compares across searches; ``I_b`` the beat's moment of inertia about its post,
``sum_i (w_i * d(i, post_b)**2)`` with block workloads ``w_i`` as weights, over ``W0``
times the mean beat area ``A`` (a round beat of uniform workload with its post at the
centre scores ``1 / (2 pi)``, about 0.16); ``moved`` the blocks in another beat than at
the start; ``mu`` ``plan_compactness_weight``, ``lambda`` ``plan_move_penalty`` (0 for a
fresh plan). Squared deviations, rather than max/min alone, let load pass along a chain
of beats, and within a station they are least when its beats are equal, whatever ``T``.

The search
----------
:func:`improve` is steepest descent. Each step tries, best first, every move of a block on
a beat's edge to a neighbouring beat of its station; a block whose leaving would cut its
beat in two takes the part cut off from the post along (a *branch* move, accepted only if
the whole lowers ``F``). When no such move passes the rules, pairs of moves through one
beat are tried (``A -> B`` and ``B -> C``, or a swap when ``C`` is ``A``): a beat between a
heavy and a light one passes load on while keeping about its own, where single moves stall
because each alone only shifts the excess. The search ends when neither lowers ``F`` by
more than ``1e-9``. Ties go to the lower block, then the lower beat, so results repeat
exactly. :func:`rebalance_assignment` runs it with the move penalty, then, if the plan is
still off target, without it until the target is met.

:func:`grow` starts a fresh plan: seeds by weighted k-means (seeded, ``plan_seed``), then
the lightest beat repeatedly takes the unassigned neighbouring block nearest its seed;
blocks no seed can reach go to the nearest beat of their station (and that beat is then
reported as not contiguous).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from analysis.workload import access_metres, walk_minutes
from geo.errors import PlanError
from geo.settings import Settings, resolve

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

EPS = 1e-9
"""A move must lower the objective by more than this (float noise is not a gain)."""
MAX_MOVES_PER_BLOCK = 20
"""A search stops after this many moves per block at the latest (a guard; never met)."""
KMEANS_ITERATIONS = 30
CHAIN_TRIES = 200
"""Pairs of moves checked against the rules per step, best first, before giving up."""


@dataclass(frozen=True)
class Layout:
    """The blocks of a planning problem, by row position.

    Attributes
    ----------
    fixed : numpy.ndarray (n,)
        Minutes per period that do not depend on the beat (visits, streets).
    xy : numpy.ndarray (n, 2)
        Block centres, metres.
    area : numpy.ndarray (n,)
        Block areas, square metres.
    households : numpy.ndarray (n,)
        Households per block (they place the posts).
    indptr, indices : numpy.ndarray
        Neighbours in compressed sparse row form: block ``i``'s neighbours are
        ``indices[indptr[i]:indptr[i + 1]]`` (symmetric, no self-loops).
    station : numpy.ndarray (n,)
        Station number of each block.
    locked : numpy.ndarray (n,)
        Blocks that never move.
    """

    fixed: FloatArray
    xy: FloatArray
    area: FloatArray
    households: FloatArray
    indptr: IntArray
    indices: IntArray
    station: IntArray
    locked: BoolArray

    @classmethod
    def from_pairs(
        cls,
        pairs: Sequence[tuple[int, int]] | npt.NDArray[np.intp],
        *,
        fixed: npt.ArrayLike,
        xy: npt.ArrayLike,
        area: npt.ArrayLike | None = None,
        households: npt.ArrayLike | None = None,
        station: npt.ArrayLike | None = None,
        locked: npt.ArrayLike | None = None,
    ) -> Layout:
        """Build a layout from neighbour pairs ``(i, j)`` (either order, repeats allowed).

        The other arguments are the attributes of the same name. Left out: ``area`` 1 per
        block (in the units of ``xy`` squared: give real areas, or compactness is out of
        scale), ``households`` 0, ``station`` 0 and ``locked`` none.

        Examples
        --------
        >>> lay = Layout.from_pairs([(0, 1), (1, 2)], fixed=[1, 1, 1], xy=[[0, 0], [1, 0], [2, 0]])
        >>> lay.neighbours(1).tolist()
        [0, 2]
        """
        w = np.asarray(fixed, dtype=float)
        n = len(w)
        p = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
        p = p[p[:, 0] != p[:, 1]]
        both = np.unique(np.concatenate([p, p[:, ::-1]]), axis=0) if len(p) else p
        order = np.lexsort((both[:, 1], both[:, 0])) if len(both) else np.array([], np.intp)
        both = both[order]
        indptr = np.zeros(n + 1, dtype=np.intp)
        np.add.at(indptr, both[:, 0] + 1, 1)
        return cls(
            fixed=w,
            xy=np.asarray(xy, dtype=float).reshape(n, 2),
            area=np.ones(n) if area is None else np.asarray(area, dtype=float),
            households=np.zeros(n) if households is None else np.asarray(households, float),
            indptr=np.cumsum(indptr).astype(np.intp),
            indices=both[:, 1].astype(np.intp),
            station=np.zeros(n, np.intp) if station is None else np.asarray(station, np.intp),
            locked=np.zeros(n, bool) if locked is None else np.asarray(locked, dtype=bool),
        )

    @property
    def n(self) -> int:
        """Number of blocks."""
        return len(self.fixed)

    def neighbours(self, i: int) -> IntArray:
        """Return block ``i``'s neighbours."""
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def lists(self) -> list[list[int]]:
        """Return every block's neighbours as Python lists (for walks)."""
        ends = zip(self.indptr[:-1], self.indptr[1:], strict=True)
        return [self.indices[a:b].tolist() for a, b in ends]


@dataclass(frozen=True)
class Search:
    """What :func:`improve` returns.

    Attributes
    ----------
    assignment : numpy.ndarray (n,)
        Beat of each block.
    moves : int
        Single-block moves made.
    objective_start, objective : float
        ``F`` before and after (the move penalty is a cost of the search, not part of
        ``F``; each move made lowered ``F`` by more than it).
    """

    assignment: IntArray
    moves: int
    objective_start: float
    objective: float


def _sums(beat: IntArray, weights: FloatArray, k: int) -> FloatArray:
    """Return the sum of ``weights`` per beat, shape (k,)."""
    return np.bincount(beat, weights, minlength=k).astype(np.float64)


def access_minutes(layout: Layout, posts: IntArray, *, settings: Settings) -> FloatArray:
    """Return the access minutes of every block from every post, shape (n, k)."""
    metres = access_metres(layout.xy, layout.xy[posts], settings=settings)
    return walk_minutes(metres, settings=settings)


def beat_loads(
    layout: Layout, assignment: IntArray, posts: IntArray, *, settings: Settings
) -> FloatArray:
    """Return each beat's workload (fixed minutes plus access from its post), shape (k,)."""
    k = len(posts)
    access = access_minutes(layout, posts, settings=settings)
    rows = np.arange(layout.n)
    return _sums(assignment, layout.fixed + access[rows, assignment], k)


def imbalance(loads: npt.ArrayLike) -> float:
    """Return the heaviest load over the lightest (``inf`` when one is 0).

    Examples
    --------
    >>> imbalance([110.0, 100.0, 105.0])
    1.1
    """
    w = np.asarray(loads, dtype=float)
    if len(w) == 0:
        return 1.0
    low = float(w.min())
    return float(w.max()) / low if low > 0 else float("inf")


def spread(
    layout: Layout, assignment: IntArray, posts: IntArray, *, settings: Settings
) -> FloatArray:
    """Return each beat's compactness as ``2 pi I_b / (W_b A_b)`` (1.0: a round beat).

    ``I_b`` is the workload-weighted moment of inertia about the post, ``W_b`` the beat's
    workload and ``A_b`` its area; higher is less compact (a 4:1 rectangle with its post in
    the middle scores 1.33).
    """
    k = len(posts)
    access = access_minutes(layout, posts, settings=settings)
    rows = np.arange(layout.n)
    w = layout.fixed + access[rows, assignment]
    d2 = ((layout.xy - layout.xy[posts[assignment]]) ** 2).sum(axis=1)
    inertia = _sums(assignment, w * d2, k)
    loads = _sums(assignment, w, k)
    areas = _sums(assignment, layout.area, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(loads * areas > 0, 2 * np.pi * inertia / (loads * areas), np.nan)


def components(layout: Layout, assignment: IntArray, k: int) -> IntArray:
    """Return how many connected pieces each beat's blocks form, shape (k,).

    Examples
    --------
    >>> lay = Layout.from_pairs([(0, 1), (1, 2)], fixed=[1, 1, 1], xy=[[0, 0], [1, 0], [2, 0]])
    >>> components(lay, np.array([0, 1, 0]), 2).tolist()
    [2, 1]
    """
    out = np.zeros(k, dtype=np.intp)
    seen = np.zeros(layout.n, dtype=bool)
    for start in range(layout.n):
        if seen[start]:
            continue
        beat = assignment[start]
        out[beat] += 1
        seen[start] = True
        stack = [start]
        while stack:
            u = stack.pop()
            for v in layout.neighbours(u):
                if not seen[v] and assignment[v] == beat:
                    seen[v] = True
                    stack.append(int(v))
    return out


def _stays_connected(i: int, nbrs: list[list[int]], assignment: IntArray) -> bool:
    """Whether block ``i``'s beat-mates among its neighbours stay connected without it."""
    beat = assignment[i]
    mates = [v for v in nbrs[i] if assignment[v] == beat]
    if len(mates) <= 1:
        return True
    missing = set(mates[1:])
    seen = {mates[0], i}
    stack = [mates[0]]
    while stack and missing:
        u = stack.pop()
        for v in nbrs[u]:
            if v not in seen and assignment[v] == beat:
                seen.add(v)
                missing.discard(v)
                stack.append(v)
    return not missing


def _reach(starts: list[int], nbrs: list[list[int]], inside: Callable[[int], bool]) -> set[int]:
    """Return the blocks reachable from ``starts`` through blocks where ``inside`` holds."""
    seen = set(starts)
    stack = list(starts)
    while stack:
        u = stack.pop()
        for v in nbrs[u]:
            if v not in seen and inside(v):
                seen.add(v)
                stack.append(v)
    return seen


class _Search:
    """The state of one :func:`improve` run: the plan, its loads and the objective's parts."""

    def __init__(
        self,
        layout: Layout,
        assignment: IntArray,
        posts: IntArray,
        today: IntArray | None,
        settings: Settings,
    ) -> None:
        self.layout = layout
        self.assign = assignment
        self.posts = posts
        self.today = today
        self.k = k = len(posts)
        self.access = access_minutes(layout, posts, settings=settings)
        self.d2 = ((layout.xy[:, None, :] - layout.xy[posts][None, :, :]) ** 2).sum(axis=2)
        rows = np.arange(layout.n)
        self.loads = _sums(assignment, layout.fixed + self.access[rows, assignment], k)
        total = max(float(layout.fixed.sum()), 1e-12)
        self.mean = total / k
        self.norm = total * max(layout.area.sum() / k, 1e-12)
        self.mu = settings.plan_compactness_weight
        self.lam = 0.0 if today is None else settings.plan_move_penalty
        self.cap = max(imbalance(self.loads), settings.plan_target_ratio)
        self.nbrs = layout.lists()
        self.fixed_blocks = layout.locked.copy()
        self.fixed_blocks[posts] = True
        eu = np.repeat(rows, np.diff(layout.indptr))
        ev = layout.indices
        keep = ~self.fixed_blocks[eu] & (layout.station[eu] == layout.station[ev])
        self.eu, self.ev = eu[keep], ev[keep]

    def objective(self) -> float:
        """Return ``F`` of the current plan (without the move penalty)."""
        rows = np.arange(self.layout.n)
        here = self.layout.fixed + self.access[rows, self.assign]
        inertia = float((here * self.d2[rows, self.assign]).sum())
        balance = float(((self.loads / self.mean - 1) ** 2).sum())
        return balance + self.mu * inertia / self.norm

    def change(
        self, blocks: IntArray | np.intp, a: IntArray | np.intp, j: IntArray | np.intp
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Return (change of ``F``, load leaving ``a``, load joining ``j``) of moves.

        Element-wise for arrays of single blocks; pass summed loads for a group (see
        :meth:`group_change`).
        """
        fixed = self.layout.fixed[blocks]
        w_out = fixed + self.access[blocks, a]
        w_in = fixed + self.access[blocks, j]
        delta = self._balance(a, j, w_out, w_in)
        delta = (
            delta + self.mu * (w_in * self.d2[blocks, j] - w_out * self.d2[blocks, a]) / self.norm
        )
        if self.today is not None:
            today = self.today[blocks]
            delta = delta + self.lam * (np.not_equal(j, today).astype(float) - (a != today))
        return np.asarray(delta, float), np.asarray(w_out, float), np.asarray(w_in, float)

    def _balance(self, a: Any, j: Any, w_out: Any, w_in: Any) -> Any:
        t, w = self.mean, self.loads
        return (
            ((w[a] - w_out) / t - 1) ** 2
            - (w[a] / t - 1) ** 2
            + ((w[j] + w_in) / t - 1) ** 2
            - (w[j] / t - 1) ** 2
        )

    def group_change(self, group: IntArray, a: int, j: int) -> tuple[float, float, float]:
        """Return (change of ``F``, load leaving ``a``, load joining ``j``) of a group move."""
        _, w_out, w_in = self.change(group, np.intp(a), np.intp(j))
        out, into = float(w_out.sum()), float(w_in.sum())
        delta = float(self._balance(a, j, out, into))
        spread = (w_in * self.d2[group, j] - w_out * self.d2[group, a]).sum() / self.norm
        delta += self.mu * float(spread)
        if self.today is not None:
            today = self.today[group]
            delta += self.lam * float(np.sum(today != j) - np.sum(today != a))
        return delta, out, into

    def candidates(self) -> tuple[IntArray, IntArray, FloatArray]:
        """Return the single-block moves that lower ``F``, best first: blocks, beats, deltas."""
        there = self.assign[self.ev]
        border = self.assign[self.eu] != there
        key = np.unique(self.eu[border] * self.k + there[border])
        cu, cj = key // self.k, key % self.k
        delta = self.change(cu, self.assign[cu], cj)[0]
        good = np.flatnonzero(delta < -EPS)
        order = good[np.lexsort((cj[good], cu[good], delta[good]))]
        return cu[order], cj[order], delta[order]

    def branch(self, i: int) -> IntArray | None:
        """Return ``i`` and the blocks its move would cut off from their post, or ``None``.

        ``None`` when a locked block would have to go along.
        """
        beat = self.assign[i]
        if _stays_connected(i, self.nbrs, self.assign):
            return np.array([i], dtype=np.intp)
        mine = lambda v: self.assign[v] == beat and v != i  # noqa: E731
        kept = _reach([int(self.posts[beat])], self.nbrs, mine)
        mates = [v for v in self.nbrs[i] if mine(v) and v not in kept]
        cut = _reach(mates, self.nbrs, lambda v: mine(v) and v not in kept)
        group = np.array(sorted(cut | {i}), dtype=np.intp)
        return None if self.fixed_blocks[group].any() else group

    def step(self) -> bool:
        """Make the best move that passes the rules; return whether one was made."""
        for i, j, _ in zip(*self.candidates(), strict=True):
            a = int(self.assign[i])
            group = self.branch(int(i))
            if group is None:
                continue
            if len(group) == 1:
                _, w_out, w_in = self.change(np.intp(i), np.intp(a), j)
                out, into = float(w_out), float(w_in)
            else:
                gain, out, into = self.group_change(group, a, int(j))
                if gain >= -EPS:
                    continue
            after = self.loads.copy()
            after[a] -= out
            after[j] += into
            if imbalance(after) > self.cap + 1e-12:
                continue
            self.assign[group] = j
            self.loads = after
            return True
        return False

    def _moves(self) -> tuple[IntArray, IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
        """Return every single-block move across a border: block, from, to, loads, extra.

        ``extra`` is the change of ``F`` a move brings besides balance (compactness and the
        move penalty), which does not depend on other moves.
        """
        there = self.assign[self.ev]
        border = self.assign[self.eu] != there
        key = np.unique(self.eu[border] * self.k + there[border])
        cu, cj = key // self.k, key % self.k
        ca = self.assign[cu]
        fixed = self.layout.fixed[cu]
        w_out = fixed + self.access[cu, ca]
        w_in = fixed + self.access[cu, cj]
        extra = self.mu * (w_in * self.d2[cu, cj] - w_out * self.d2[cu, ca]) / self.norm
        if self.today is not None:
            today = self.today[cu]
            extra = extra + self.lam * ((cj != today).astype(float) - (ca != today))
        return cu, ca, cj, w_out, w_in, extra

    def chain_step(self, *, tries: int = CHAIN_TRIES) -> bool:
        """Make the best pair of moves ``A -> B -> C`` (or a swap, ``C = A``); see module.

        Two moves through one beat let load pass where no single move helps: the beat in
        the middle keeps about its load. Pairs are ranked by their exact change of ``F``;
        the best ``tries`` that lower it are checked against the rules in order.
        """
        cu, ca, cj, w_out, w_in, extra = self._moves()
        t, w = self.mean, self.loads

        def f(x: Any) -> Any:
            return (x / t - 1) ** 2

        found: list[tuple[float, int, int]] = []
        for b in range(self.k):
            p = np.flatnonzero(cj == b)
            q = np.flatnonzero(ca == b)
            if not len(p) or not len(q):
                continue
            a, c = ca[p][:, None], cj[q][None, :]
            load_b = w[b] + w_in[p][:, None] - w_out[q][None, :]
            swap = a == c
            load_a = w[a] - w_out[p][:, None] + np.where(swap, w_in[q][None, :], 0.0)
            load_c = w[c] + w_in[q][None, :]
            delta = f(load_a) - f(w[a]) + f(load_b) - f(w[b])
            delta = delta + np.where(swap, 0.0, f(load_c) - f(w[c]))
            delta = delta + extra[p][:, None] + extra[q][None, :]
            delta[cu[p][:, None] == cu[q][None, :]] = np.inf
            rows, cols = np.nonzero(delta < -EPS)
            found += zip(
                delta[rows, cols].tolist(), p[rows].tolist(), q[cols].tolist(), strict=True
            )
        found.sort()
        for _, first, second in found[:tries]:
            if self._chain(int(cu[first]), int(cj[first]), int(cu[second]), int(cj[second])):
                return True
        return False

    def _chain(self, i: int, b: int, i2: int, c: int) -> bool:
        """Move ``i`` to beat ``b`` and ``i2`` (of ``b``) to ``c`` if the rules allow."""
        a = int(self.assign[i])
        if not _stays_connected(i, self.nbrs, self.assign):
            return False
        self.assign[i] = b
        allowed = (
            self.assign[i2] == b
            and any(self.assign[v] == c for v in self.nbrs[i2])
            and _stays_connected(i2, self.nbrs, self.assign)
        )
        if allowed:
            self.assign[i2] = c
            rows = np.arange(self.layout.n)
            here = self.layout.fixed + self.access[rows, self.assign]
            after = _sums(self.assign, here, self.k)
            if imbalance(after) <= self.cap + 1e-12:
                self.loads = after
                return True
            self.assign[i2] = b
        self.assign[i] = a
        return False


def improve(
    layout: Layout,
    assignment: npt.ArrayLike,
    posts: npt.ArrayLike,
    *,
    start: npt.ArrayLike | None = None,
    stop_on_target: bool = False,
    settings: Settings | None = None,
) -> Search:
    """Move blocks between neighbouring beats while the objective falls.

    Parameters
    ----------
    layout : Layout
        The blocks.
    assignment : array (n,)
        Beat ``0..k-1`` of each block to start from; beats must not span stations.
    posts : array (k,)
        Each beat's post block (it never moves).
    start : array (n,), optional
        Today's beat of each block, for the move penalty (``None``: moves are free).
    stop_on_target : bool, default False
        Stop as soon as the plan is :func:`on_target`.
    settings : Settings, optional
        ``plan_target_ratio``, ``plan_move_penalty``, ``plan_compactness_weight`` and the
        access settings of :mod:`analysis.workload`.

    Returns
    -------
    Search

    Examples
    --------
    A row of four equal blocks, beats of one and three blocks: one block moves.

    >>> from geo.settings import DEFAULTS
    >>> lay = Layout.from_pairs([(0, 1), (1, 2), (2, 3)], fixed=[1, 1, 1, 1],
    ...                         xy=[[0, 0], [1, 0], [2, 0], [3, 0]])
    >>> quiet = DEFAULTS.replace(plan_compactness_weight=0.0)
    >>> found = improve(lay, [0, 1, 1, 1], [0, 3], settings=quiet)
    >>> found.assignment.tolist(), found.moves
    ([0, 0, 1, 1], 1)
    """
    s = resolve(settings)
    post = np.asarray(posts, dtype=np.intp)
    today = None if start is None else np.asarray(start, dtype=np.intp)
    state = _Search(layout, np.asarray(assignment, dtype=np.intp).copy(), post, today, s)
    first = state.objective()
    beat_station = layout.station[post]
    moves = 0
    while moves < MAX_MOVES_PER_BLOCK * layout.n:
        if stop_on_target and on_target(state.loads, beat_station, s.plan_target_ratio):
            break
        if state.step():
            moves += 1
        elif state.chain_step():
            moves += 2
        else:
            break
    return Search(state.assign, moves, first, state.objective())


def rebalance_assignment(
    layout: Layout, today: npt.ArrayLike, posts: npt.ArrayLike, *, settings: Settings | None = None
) -> Search:
    """Rebalance today's plan: few moves first, then as many as it takes to reach the target.

    First :func:`improve` with the move penalty; when that leaves the plan off target
    (:func:`on_target`), the search goes on without the penalty and stops as soon as the
    target is met (or no move helps). So the penalty trades balance beyond the target
    against moves, never the target itself.

    Examples
    --------
    >>> lay = Layout.from_pairs([(0, 1), (1, 2), (2, 3)], fixed=[1, 1, 1, 1],
    ...                         xy=[[0, 0], [1, 0], [2, 0], [3, 0]])
    >>> rebalance_assignment(lay, [0, 1, 1, 1], [0, 3]).assignment.tolist()
    [0, 0, 1, 1]
    """
    s = resolve(settings)
    start = np.asarray(today, dtype=np.intp)
    post = np.asarray(posts, dtype=np.intp)
    found = improve(layout, start, post, start=start, settings=s)
    loads = beat_loads(layout, found.assignment, post, settings=s)
    if on_target(loads, layout.station[post], s.plan_target_ratio):
        return found
    more = improve(layout, found.assignment, post, stop_on_target=True, settings=s)
    return Search(more.assignment, found.moves + more.moves, found.objective_start, more.objective)


def on_target(loads: npt.ArrayLike, beat_station: npt.ArrayLike, target: float) -> bool:
    """Whether beats are balanced: imbalance at most ``target``, or as near as stations allow.

    When the stations' mean beat workloads alone differ by more than ``target`` (station
    borders hold, so no plan can meet it), each station's beats within ``target`` count.

    Examples
    --------
    >>> on_target([100, 108, 130, 135], [0, 0, 1, 1], 1.1)  # station means 104 and 132.5
    True
    >>> on_target([100, 112, 104, 108], [0, 0, 1, 1], 1.1)
    False
    """
    w = np.asarray(loads, dtype=float)
    st = np.asarray(beat_station, dtype=np.intp)
    if imbalance(w) <= target + 1e-12:
        return True
    groups = [w[st == g] for g in np.unique(st)]
    if imbalance([g.mean() for g in groups]) <= target + 1e-12:
        return False
    return all(imbalance(g) <= target + 1e-12 for g in groups)


def allocate(loads: npt.ArrayLike, k: int, *, minimum: npt.ArrayLike) -> IntArray:
    """Share ``k`` beats among stations so their mean beat workloads are as equal as can be.

    Each station first gets its ``minimum``; every further beat goes to the station whose
    mean beat workload is highest, which makes the heaviest station mean as light as it can
    be; equal means go to the lower station.

    Raises
    ------
    PlanError
        When ``k`` is below the sum of the minimums.

    Examples
    --------
    >>> allocate([300.0, 100.0], 4, minimum=[1, 1]).tolist()
    [3, 1]
    """
    w = np.asarray(loads, dtype=float)
    counts = np.asarray(minimum, dtype=np.intp).copy()
    if counts.sum() > k:
        msg = (
            f"{k} beats cannot keep the station borders: the stations need at least "
            f"{int(counts.sum())} (one per station, one per beat holding locked blocks)"
        )
        raise PlanError(msg)
    for _ in range(k - int(counts.sum())):
        means = np.where(counts > 0, w / np.maximum(counts, 1), np.inf)
        counts[int(np.argmax(means))] += 1
    return counts


def place_seeds(
    layout: Layout,
    members: IntArray,
    k: int,
    *,
    fixed_centres: FloatArray,
    rng: np.random.Generator,
    taken: set[int],
) -> IntArray:
    """Return ``k`` seed blocks among ``members``: blocks nearest weighted k-means centres.

    ``fixed_centres`` are centres that do not move (beats kept for their locked blocks);
    the other centres start by k-means++ (workload-weighted, drawn with ``rng``) and move
    for :data:`KMEANS_ITERATIONS` rounds. Blocks in ``taken`` are never seeds.
    """
    xy = layout.xy[members]
    w = np.maximum(layout.fixed[members], 1e-9)
    centres = [np.asarray(c, dtype=float) for c in fixed_centres]
    n_fixed = len(centres)
    for _ in range(k):
        if centres:
            d2 = np.min([((xy - c) ** 2).sum(axis=1) for c in centres], axis=0)
            p = w * d2
            pick = int(rng.choice(len(xy), p=p / p.sum())) if p.sum() > 0 else 0
        else:
            pick = int(rng.choice(len(xy), p=w / w.sum()))
        centres.append(xy[pick].copy())
    c = np.array(centres)
    for _ in range(KMEANS_ITERATIONS):
        nearest = np.argmin(((xy[:, None, :] - c[None, :, :]) ** 2).sum(axis=2), axis=1)
        new = c.copy()
        for j in range(n_fixed, len(c)):
            mine = nearest == j
            if mine.any():
                new[j] = (xy[mine] * w[mine, None]).sum(axis=0) / w[mine].sum()
        if np.allclose(new, c):
            break
        c = new
    seeds: list[int] = []
    used = set(taken)
    for centre in c[n_fixed:]:
        order = np.argsort(((xy - centre) ** 2).sum(axis=1), kind="stable")
        block = next((int(members[o]) for o in order if int(members[o]) not in used), None)
        if block is None:
            msg = f"cannot place {k} beats in a station of {len(members)} blocks"
            raise PlanError(msg)
        used.add(block)
        seeds.append(block)
    return np.asarray(seeds, dtype=np.intp)


def grow(
    layout: Layout,
    groups: Sequence[npt.ArrayLike],
    *,
    settings: Settings | None = None,
) -> IntArray:
    """Grow beats from their first blocks, the lightest beat taking a block at a time.

    Parameters
    ----------
    layout : Layout
        The blocks.
    groups : sequence of arrays
        Per beat, the blocks it starts with (its seed first: the post while growing);
        all of one station.
    settings : Settings, optional
        Access settings.

    Returns
    -------
    numpy.ndarray (n,)
        Beat of each block; blocks of a station without beats stay ``-1``.

    Examples
    --------
    >>> lay = Layout.from_pairs([(0, 1), (1, 2), (2, 3)], fixed=[1, 1, 1, 1],
    ...                         xy=[[0, 0], [1, 0], [2, 0], [3, 0]])
    >>> grow(lay, [[0], [3]]).tolist()
    [0, 0, 1, 1]
    """
    s = resolve(settings)
    first = [np.asarray(g, dtype=np.intp) for g in groups]
    seeds = np.asarray([g[0] for g in first], dtype=np.intp)
    access = access_minutes(layout, seeds, settings=s)
    assign = np.full(layout.n, -1, dtype=np.intp)
    loads = np.zeros(len(first))
    frontier: list[list[tuple[float, int]]] = [[] for _ in first]
    seed_xy = layout.xy[seeds]

    def take(block: int, beat: int) -> None:
        assign[block] = beat
        loads[beat] += layout.fixed[block] + access[block, beat]
        for v in layout.neighbours(block):
            v = int(v)
            if assign[v] < 0 and layout.station[v] == layout.station[seeds[beat]]:
                d2 = float(((layout.xy[v] - seed_xy[beat]) ** 2).sum())
                heapq.heappush(frontier[beat], (d2, v))

    for beat, group in enumerate(first):
        for block in group:
            take(int(block), beat)
    queue = [(loads[b], b) for b in range(len(first))]
    heapq.heapify(queue)
    while queue:
        load, beat = heapq.heappop(queue)
        if load != loads[beat]:
            continue
        while frontier[beat] and assign[frontier[beat][0][1]] >= 0:
            heapq.heappop(frontier[beat])
        if not frontier[beat]:
            continue
        take(heapq.heappop(frontier[beat])[1], beat)
        heapq.heappush(queue, (loads[beat], beat))
    left = np.flatnonzero(assign < 0)
    seed_station = layout.station[seeds]
    for block in left:
        same = np.flatnonzero(seed_station == layout.station[block])
        if len(same):
            d2 = ((seed_xy[same] - layout.xy[block]) ** 2).sum(axis=1)
            assign[block] = same[int(np.argmin(d2))]
    return assign

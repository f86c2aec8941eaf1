"""Balanced, contiguous beats: the local search, on arrays (:mod:`analysis.regions`' layout).

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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from analysis.regions import (
    Layout,
    access_minutes,
    beat_loads,
    beat_sums,
    imbalance,
    on_target,
)
from geo.settings import Settings, resolve

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

EPS = 1e-9
"""A move must lower the objective by more than this (float noise is not a gain)."""
MAX_MOVES_PER_BLOCK = 20
"""A search stops after this many moves per block at the latest (a guard; never met)."""
CHAIN_TRIES = 200
"""Pairs of moves checked against the rules per step, best first, before giving up."""


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
        self.loads = beat_sums(assignment, layout.fixed + self.access[rows, assignment], k)
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
            after = beat_sums(self.assign, here, self.k)
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

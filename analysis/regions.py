"""Beats on arrays: the layout of blocks, the measures of a plan, and fresh starts.

The pure core under :mod:`analysis.rebalance`, with :mod:`analysis.local_search`: blocks are
row positions ``0..n-1``, beats numbers ``0..k-1``, workloads minutes
(:mod:`analysis.workload`), distances metres. Here: :class:`Layout` (the blocks, their
neighbours, stations and locks), the measures of a plan (loads, :func:`imbalance`,
:func:`spread`, :func:`components`, :func:`on_target`), and a fresh plan's start:
:func:`allocate` shares beats among stations, :func:`place_seeds` seeds them and
:func:`grow` grows them.

A fresh plan's beats are seeded by weighted k-means (seeded, ``plan_seed``); then the
lightest beat repeatedly takes the unassigned neighbouring block nearest its seed; blocks
no seed can reach go to the nearest beat of their station (and that beat is then reported
as not contiguous). :func:`analysis.local_search.improve` takes it from there.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analysis.workload import access_metres, walk_minutes
from geo.errors import PlanError
from geo.settings import Settings, resolve

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

KMEANS_ITERATIONS = 30
"""Rounds of weighted k-means that place a fresh plan's seeds."""


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


def beat_sums(beat: IntArray, weights: FloatArray, k: int) -> FloatArray:
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
    return beat_sums(assignment, layout.fixed + access[rows, assignment], k)


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
    inertia = beat_sums(assignment, w * d2, k)
    loads = beat_sums(assignment, w, k)
    areas = beat_sums(assignment, layout.area, k)
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
    return _per_beat(assignment, _pieces(layout, assignment), k)


def _pieces(layout: Layout, group: IntArray) -> IntArray:
    """Label each block with its connected piece among the blocks of its own ``group``."""
    piece = np.full(layout.n, -1, dtype=np.intp)
    label = 0
    for start in range(layout.n):
        if piece[start] >= 0:
            continue
        piece[start] = label
        stack = [start]
        while stack:
            u = stack.pop()
            for v in layout.neighbours(u):
                if piece[v] < 0 and group[v] == group[start]:
                    piece[v] = label
                    stack.append(int(v))
        label += 1
    return piece


def _per_beat(assignment: IntArray, labels: IntArray, k: int) -> IntArray:
    """Return how many distinct ``labels`` each beat's blocks carry, shape (k,)."""
    pairs = np.unique(np.stack([np.asarray(assignment, dtype=np.intp), labels]), axis=1)
    return np.bincount(pairs[0], minlength=k).astype(np.intp)


def parts_touched(layout: Layout, assignment: IntArray, k: int) -> IntArray:
    """Return how many separate parts of the whole block network each beat touches, (k,).

    Blocks that share no street edge with the rest (across a river or a railway, in a
    real extract) form parts of their own; a beat holding blocks of two parts cannot be
    one piece, so it is as contiguous as the streets allow with one piece per part.

    Examples
    --------
    >>> lay = Layout.from_pairs([(0, 1)], fixed=[1, 1, 1], xy=[[0, 0], [1, 0], [5, 0]])
    >>> parts_touched(lay, np.array([0, 0, 0]), 1).tolist()  # block 2 is an island
    [2]
    >>> components(lay, np.array([0, 0, 0]), 1).tolist()
    [2]
    """
    everything = np.zeros(layout.n, dtype=np.intp)
    return _per_beat(assignment, _pieces(layout, everything), k)


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

"""Beat plans from street blocks: rebalance today's beats, or draw a fresh set of beats.

GeoDataFrame adapters over :mod:`analysis.regions` and :mod:`analysis.local_search` (the
search on arrays), with the workloads of :mod:`analysis.workload`. :func:`rebalance` starts
from today's beats and moves as few blocks as it must; :func:`fresh_plan` draws a chosen
number of beats from scratch. Both return a :class:`Plan`
(:mod:`analysis.plan_figures`): each block's beat (the plan frame), the figures per beat
before and after, and a summary for ``plan.json``.

Choices
-------
* A block's **station** is its beat's today (the beats table's ``station``; empty text is
  a station of its own). A block never changes station.
* Blocks in no beat (or in a beat the table lacks) stay out of the plan and are listed as
  ``unplanned_blocks``; a beat that holds no block is left as it is and listed as
  ``unplanned_beats``.
* **Pseudo-blocks** ``outside:<beat>`` (households off every block, no geometry) go with
  their beat's post block: nothing else tells where their households are.
* **Posts.** A rebalance keeps today's posts (the block nearest each beat's
  household-weighted centre, :func:`analysis.workload.beat_posts`); the post is the beat's
  anchor and never moves. A fresh plan grows from its seeds, then re-centres each post
  once and searches again from there; figures after use those posts.
* **Ids of a fresh plan.** A beat holding locked blocks keeps its id (its locked blocks
  start it). The other new beats are matched one to one with today's beats of their
  station that share most households with them (then most blocks; Hungarian method);
  matched beats keep id, name and officers, the rest get new ids continuing today's
  numbering (``B07`` after ``B06``; ``new-1``, ``new-2`` … when ids have no common
  pattern). Today's beats left unmatched are listed as ``removed_beats``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import linear_sum_assignment

from analysis import local_search, regions
from analysis.plan_figures import BEAT_COLUMNS, PLAN_COLUMNS, Plan, PlanProblem, plan_result
from analysis.workload import BlockFigures, beat_posts
from geo.blocks import block_neighbours
from geo.errors import PlanError
from geo.schema import require_columns
from geo.settings import Settings, resolve

IntArray = npt.NDArray[np.intp]

__all__ = ["BEAT_COLUMNS", "PLAN_COLUMNS", "Plan", "fresh_plan", "rebalance"]


def rebalance(
    blocks: gpd.GeoDataFrame,
    beats: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    streets: gpd.GeoSeries | None = None,
    locked: Iterable[str] = (),
    settings: Settings | None = None,
) -> Plan:
    """Rebalance today's beats: move as few blocks as it takes to even their workloads.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        The analysis's blocks (:attr:`analysis.pipeline.Analysis.blocks`), with a CRS.
    beats : pandas.DataFrame
        Today's beats: ``beat_id``, ``station`` (``name`` and ``officer_ids`` are carried).
    visits : pandas.DataFrame
        Visits with ``duration_min`` for the minutes per visit
        (:func:`analysis.workload.minutes_per_visit`).
    streets : geopandas.GeoSeries, optional
        Street lines, for the streets inside blocks.
    locked : iterable of str
        Block ids that must stay in today's beat.
    settings : Settings, optional
        ``workload_*`` and ``plan_*`` settings.

    Returns
    -------
    Plan

    Raises
    ------
    PlanError
        When a locked block id is unknown or in no beat.
    """
    s = resolve(settings)
    problem = _problem(blocks, beats, visits, streets=streets, locked=locked, settings=s)
    found = local_search.rebalance_assignment(
        problem.layout, problem.today, problem.posts, settings=s
    )
    return plan_result(
        problem,
        blocks,
        beats,
        found.assignment,
        problem.posts,
        ids=list(problem.beat_ids),
        search=found,
        mode="rebalance",
        settings=s,
    )


def fresh_plan(
    blocks: gpd.GeoDataFrame,
    beats: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    beats_count: int,
    streets: gpd.GeoSeries | None = None,
    locked: Iterable[str] = (),
    settings: Settings | None = None,
) -> Plan:
    """Draw ``beats_count`` beats from scratch: seeds, balanced growing, local search.

    Parameters are those of :func:`rebalance`, and ``beats_count``: the number of beats,
    shared among the stations so their mean workloads are as even as can be
    (:func:`analysis.regions.allocate`).

    Raises
    ------
    PlanError
        When ``beats_count`` is below the number of stations (or of beats holding locked
        blocks), or above the number of blocks of a station's share.
    """
    s = resolve(settings)
    if int(beats_count) < 1:
        msg = f"a plan needs at least one beat, not {beats_count}"
        raise PlanError(msg)
    problem = _problem(blocks, beats, visits, streets=streets, locked=locked, settings=s)
    layout = problem.layout
    kept = sorted({problem.today[i] for i in np.flatnonzero(layout.locked)})
    n_st = len(problem.stations)
    station_loads = np.bincount(layout.station, layout.fixed, minlength=n_st)
    minimum = np.array(
        [
            max(1, sum(problem.beat_station[b] == st for b in kept))
            if (layout.station == st).any()
            else 0
            for st in range(n_st)
        ]
    )
    counts = regions.allocate(station_loads, int(beats_count), minimum=minimum)
    draws = [
        _draw(problem, counts, kept, attempt, settings=s)
        for attempt in range(max(1, s.plan_fresh_starts))
    ]
    best = min(draws, key=lambda d: d.key)
    ids = _fresh_ids(problem, best.search.assignment, best.keep_ids, best.group_station)
    return plan_result(
        problem,
        blocks,
        beats,
        best.search.assignment,
        best.posts,
        ids=ids,
        search=best.search,
        mode="fresh",
        settings=s,
    )


@dataclass(frozen=True)
class _Draw:
    """One attempt at a fresh plan, and how good it is (lower ``key`` is better)."""

    key: tuple[float, float, float]
    search: local_search.Search
    posts: IntArray
    keep_ids: list[str | None]
    group_station: list[int]


def _draw(
    problem: PlanProblem, counts: IntArray, kept: list[int], attempt: int, *, settings: Settings
) -> _Draw:
    """Seed, grow, search, re-centre the posts and search again (see the module docstring).

    ``key``: on target first, then least imbalance, then least objective.
    """
    layout = problem.layout
    rng = np.random.default_rng([settings.plan_seed, attempt])
    groups, group_station, keep_ids = _seed_groups(problem, counts, kept, rng)
    grown = regions.grow(layout, groups, settings=settings)
    seeds = np.array([g[0] for g in groups], dtype=np.intp)
    first = local_search.improve(layout, grown, seeds, settings=settings)
    posts = beat_posts(layout.xy, layout.households, layout.area, first.assignment, len(seeds))
    found = local_search.improve(layout, first.assignment, posts, settings=settings)
    loads = regions.beat_loads(layout, found.assignment, posts, settings=settings)
    met = regions.on_target(loads, layout.station[posts], settings.plan_target_ratio)
    key = (float(not met), 0.0 if met else regions.imbalance(loads), found.objective)
    return _Draw(key, found, posts, keep_ids, group_station)


def _seed_groups(
    problem: PlanProblem, counts: IntArray, kept: list[int], rng: np.random.Generator
) -> tuple[list[IntArray], list[int], list[str | None]]:
    """Return the first blocks of each new beat, its station, and the id it keeps (if any).

    Beats holding locked blocks come first in each station, started by those blocks; the
    others start at one seed block each (:func:`analysis.regions.place_seeds`).
    """
    layout = problem.layout
    groups: list[IntArray] = []
    group_station: list[int] = []
    keep_ids: list[str | None] = []
    taken = {int(i) for i in np.flatnonzero(layout.locked)}
    for st in range(len(problem.stations)):
        mine = [b for b in kept if problem.beat_station[b] == st]
        fixed_groups = [
            np.flatnonzero(layout.locked & (problem.today == b)).astype(np.intp) for b in mine
        ]
        members = np.flatnonzero(layout.station == st).astype(np.intp)
        free = int(counts[st]) - len(mine)
        if free > len(members) - len(taken & set(members.tolist())):
            msg = f"station {problem.stations[st]!r} has too few blocks for {counts[st]} beats"
            raise PlanError(msg)
        centres = layout.xy[[g[0] for g in fixed_groups]] if fixed_groups else np.zeros((0, 2))
        seeds = regions.place_seeds(
            layout, members, free, fixed_centres=centres, rng=rng, taken=taken
        )
        taken.update(int(x) for x in seeds)
        groups += fixed_groups + [np.array([x], dtype=np.intp) for x in seeds]
        group_station += [st] * (len(mine) + len(seeds))
        keep_ids += [problem.beat_ids[b] for b in mine] + [None] * len(seeds)
    return groups, group_station, keep_ids


# --------------------------------------------------------------------------- the problem


def _problem(
    blocks: gpd.GeoDataFrame,
    beats: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    streets: gpd.GeoSeries | None,
    locked: Iterable[str],
    settings: Settings,
) -> PlanProblem:
    require_columns(beats, ("beat_id",), name="beats")
    figures = BlockFigures.build(blocks, visits, streets=streets, settings=settings)
    table = pd.DataFrame(beats).drop(columns="geometry", errors="ignore")
    station_of = dict(
        zip(
            table["beat_id"].astype(str),
            table.get("station", pd.Series("", index=table.index)).fillna("").astype(str),
            strict=True,
        )
    )
    block_ids = blocks["block_id"].astype(str).to_numpy()
    beat_of = blocks["beat_id"].astype("string").fillna("").to_numpy(dtype=object)
    known = np.array([b in station_of for b in beat_of])
    real = figures.real & known
    used = [b for b in table["beat_id"].astype(str) if b in set(beat_of[real])]
    number = {b: j for j, b in enumerate(used)}
    sub = np.flatnonzero(real).astype(np.intp)
    today = np.array([number[beat_of[i]] for i in sub], dtype=np.intp)
    stations = sorted({station_of[b] for b in used})
    beat_station = np.array([stations.index(station_of[b]) for b in used], dtype=np.intp)
    posts = beat_posts(
        figures.xy[sub], figures.households[sub], figures.area[sub], today, len(used)
    )
    fixed = figures.fixed_min[sub].copy()
    pseudo_of = np.full(len(blocks), -1, dtype=np.intp)
    for i in np.flatnonzero(~figures.real & known):
        if beat_of[i] in number:
            post = posts[number[beat_of[i]]]
            fixed[post] += figures.fixed_min[i]
            pseudo_of[i] = sub[post]
    wanted = {str(b) for b in locked}
    where = {b: i for i, b in enumerate(block_ids[sub])}
    unknown = sorted(wanted - set(where))
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        msg = (
            f"locked block(s) {shown} are not street blocks of a beat "
            "(use block_id values of blocks.geojson that have a beat_id)"
        )
        raise PlanError(msg)
    lock = np.zeros(len(sub), dtype=bool)
    lock[[where[b] for b in sorted(wanted)]] = True
    pairs = block_neighbours(figures.metric.iloc[sub], min_shared_m=settings.plan_adjacency_min_m)
    layout = regions.Layout.from_pairs(
        pairs[["left", "right"]].to_numpy(dtype=np.intp),
        fixed=fixed,
        xy=figures.xy[sub],
        area=figures.area[sub],
        households=figures.households[sub],
        station=beat_station[today],
        locked=lock,
    )
    return PlanProblem(
        figures=figures,
        layout=layout,
        sub=sub,
        today=today,
        beat_ids=used,
        beat_station=beat_station,
        stations=stations,
        posts=posts,
        pseudo_of=pseudo_of,
        locked_ids=frozenset(wanted),
        all_ids=table["beat_id"].astype(str).tolist(),
    )


def _fresh_ids(
    problem: PlanProblem,
    assignment: IntArray,
    keep_ids: list[str | None],
    group_station: list[int],
) -> list[str]:
    """Return an id per new beat: kept, matched with today's beat, or new."""
    ids: list[str | None] = list(keep_ids)
    k_new, k_old = len(ids), len(problem.beat_ids)
    hh = problem.layout.households
    shared = np.zeros((k_new, k_old))
    np.add.at(shared, (assignment, problem.today), hh)
    blocks_shared = np.zeros((k_new, k_old))
    np.add.at(blocks_shared, (assignment, problem.today), 1.0)
    reserved = {i for i in ids if i is not None}
    for st in range(len(problem.stations)):
        rows = [j for j in range(k_new) if ids[j] is None and group_station[j] == st]
        cols = [
            b
            for b in range(k_old)
            if problem.beat_station[b] == st and problem.beat_ids[b] not in reserved
        ]
        if not rows or not cols:
            continue
        score = shared[np.ix_(rows, cols)] + 1e-6 * blocks_shared[np.ix_(rows, cols)]
        r, c = linear_sum_assignment(-score)
        for a, b in zip(r, c, strict=True):
            ids[rows[a]] = problem.beat_ids[cols[b]]
    fresh = _new_ids(problem.all_ids, sum(i is None for i in ids))
    return [i if i is not None else fresh.pop(0) for i in ids]


def _new_ids(existing: list[str], count: int) -> list[str]:
    """Return ``count`` ids continuing ``existing``'s numbering, or ``new-1`` ….

    Examples
    --------
    >>> _new_ids(["B01", "B02", "B06"], 2), _new_ids(["north", "B2"], 1)
    (['B07', 'B08'], ['new-1'])
    """
    parts = [re.fullmatch(r"(.*?)(\d+)", e) for e in existing]
    if existing and all(parts) and len({p.group(1) for p in parts if p}) == 1:
        prefix = parts[0].group(1) if parts[0] else ""
        width = max(len(p.group(2)) for p in parts if p)
        top = max(int(p.group(2)) for p in parts if p)
        return [f"{prefix}{top + i:0{width}d}" for i in range(1, count + 1)]
    taken = set(existing)
    out: list[str] = []
    n = 1
    while len(out) < count:
        if f"new-{n}" not in taken:
            out.append(f"new-{n}")
        n += 1
    return out

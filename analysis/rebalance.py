"""Beat plans from street blocks: rebalance today's beats, or draw a fresh set of beats.

GeoDataFrame adapters over :mod:`analysis.regions` (the search on arrays), with the
workloads of :mod:`analysis.workload`. :func:`rebalance` starts from today's beats and
moves as few blocks as it must; :func:`fresh_plan` draws a chosen number of beats from
scratch. Both return a :class:`Plan`: each block's beat (the plan frame), the figures per
beat before and after, and a summary for ``plan.json``.

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
* **Before** figures are today's beats with today's posts; **moved** blocks are those whose
  beat id differs from today's.
* **Ids of a fresh plan.** A beat holding locked blocks keeps its id (its locked blocks
  start it). The other new beats are matched one to one with today's beats of their
  station that share most households with them (then most blocks; Hungarian method);
  matched beats keep id, name and officers, the rest get new ids continuing today's
  numbering (``B07`` after ``B06``; ``new-1``, ``new-2`` … when ids have no common
  pattern). Today's beats left unmatched are listed as ``removed_beats``.
* **Compactness** is reported two ways per beat: ``spread`` (the search's measure,
  :func:`analysis.regions.spread`: 1.0 for a round beat with its post in the middle,
  higher is less compact) and ``polsby_popper`` of the beat's dissolved blocks
  (``4 pi area / perimeter**2``: 1.0 for a circle, 0.79 for a square).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.optimize import linear_sum_assignment

from analysis import regions
from analysis.workload import BlockFigures, beat_posts
from geo.blocks import block_neighbours
from geo.errors import PlanError
from geo.schema import require_columns
from geo.settings import Settings, resolve

IntArray = npt.NDArray[np.intp]

PLAN_COLUMNS: tuple[str, ...] = (
    "block_id",
    "beat_id",
    "before_beat_id",
    "station",
    "moved",
    "locked",
    "post",
    "households",
    "fixed_min",
    "access_min",
    "workload_min",
)
"""Columns of :attr:`Plan.blocks` (the plan frame), in order."""

BEAT_COLUMNS: tuple[str, ...] = (
    "beat_id",
    "name",
    "station",
    "officer_ids",
    "status",
    "blocks",
    "households",
    "workload_min",
    "share",
    "post_block_id",
    "contiguous",
    "spread",
    "polsby_popper",
    "before_blocks",
    "before_workload_min",
    "before_contiguous",
    "before_spread",
    "before_polsby_popper",
)
"""Columns of :attr:`Plan.beats`, in order. ``status``: kept, new, removed or unplanned."""


@dataclass
class Plan:
    """A beat plan and its figures.

    Attributes
    ----------
    blocks : pandas.DataFrame
        The plan frame, one row per block of the input (pseudo-blocks included):
        :data:`PLAN_COLUMNS`. ``beat_id`` is missing for unplanned blocks.
    beats : pandas.DataFrame
        One row per beat of the plan or of today: :data:`BEAT_COLUMNS`.
    summary : dict
        Headline figures for ``plan.json``: ``mode`` (rebalance/fresh), ``beats``,
        ``imbalance`` (heaviest over lightest beat workload), ``target``, ``meets_target``,
        ``station_floor`` (the least imbalance station borders allow: the stations' mean
        beat workloads, heaviest over lightest), ``moved_blocks``, ``moved_households``,
        ``locked_blocks``, ``contiguous`` (every beat one piece), ``workload``, ``spread``
        and ``polsby_popper`` per beat, each also ``_before`` (today's beats); ``new_beats``,
        ``removed_beats``, ``unplanned_beats``, ``unplanned_blocks``, the minutes per visit
        and its source, and the search's moves and objective before and after.
    """

    blocks: pd.DataFrame
    beats: pd.DataFrame
    summary: dict[str, Any]


@dataclass(frozen=True)
class _Problem:
    """Today's beats on the arrays of :mod:`analysis.regions`."""

    figures: BlockFigures
    layout: regions.Layout
    sub: IntArray  # frame positions of the planned (real) blocks, in layout order
    today: IntArray  # beat number of each planned block today
    beat_ids: list[str]  # beat numbers -> ids, the planned beats of today (table order)
    beat_station: IntArray  # station number of each beat
    stations: list[str]
    posts: IntArray  # today's post of each beat (layout positions)
    pseudo_of: IntArray  # per frame row: the frame row of the post block it goes with, or -1
    locked_ids: frozenset[str]
    all_ids: list[str]  # every beat id of today's table (new ids must not clash)


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
    found = regions.rebalance_assignment(problem.layout, problem.today, problem.posts, settings=s)
    return _plan(
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
    return _plan(
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
    search: regions.Search
    posts: IntArray
    keep_ids: list[str | None]
    group_station: list[int]


def _draw(
    problem: _Problem, counts: IntArray, kept: list[int], attempt: int, *, settings: Settings
) -> _Draw:
    """Seed, grow, search, re-centre the posts and search again (see the module docstring).

    ``key``: on target first, then least imbalance, then least objective.
    """
    layout = problem.layout
    rng = np.random.default_rng([settings.plan_seed, attempt])
    groups, group_station, keep_ids = _seed_groups(problem, counts, kept, rng)
    grown = regions.grow(layout, groups, settings=settings)
    seeds = np.array([g[0] for g in groups], dtype=np.intp)
    first = regions.improve(layout, grown, seeds, settings=settings)
    posts = beat_posts(layout.xy, layout.households, layout.area, first.assignment, len(seeds))
    found = regions.improve(layout, first.assignment, posts, settings=settings)
    loads = regions.beat_loads(layout, found.assignment, posts, settings=settings)
    met = regions.on_target(loads, layout.station[posts], settings.plan_target_ratio)
    key = (float(not met), 0.0 if met else regions.imbalance(loads), found.objective)
    return _Draw(key, found, posts, keep_ids, group_station)


def _seed_groups(
    problem: _Problem, counts: IntArray, kept: list[int], rng: np.random.Generator
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
) -> _Problem:
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
    return _Problem(
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
    problem: _Problem,
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


# --------------------------------------------------------------------------- figures


def _plan(
    problem: _Problem,
    blocks: gpd.GeoDataFrame,
    beats: pd.DataFrame,
    assignment: IntArray,
    posts: IntArray,
    *,
    ids: list[str],
    search: regions.Search,
    mode: str,
    settings: Settings,
) -> Plan:
    """Return the plan frame, the beats' figures and the summary."""
    layout, sub = problem.layout, problem.sub
    access = regions.access_minutes(layout, posts, settings=settings)
    rows = np.arange(layout.n)
    plan_beat = np.full(len(blocks), None, dtype=object)
    plan_beat[sub] = np.asarray(ids, dtype=object)[assignment]
    post_rows = sub[posts]
    for i in np.flatnonzero(problem.pseudo_of >= 0):
        plan_beat[i] = plan_beat[problem.pseudo_of[i]]
    before = blocks["beat_id"].astype("string").to_numpy(dtype=object)
    fixed = problem.figures.fixed_min.copy()
    access_col = np.zeros(len(blocks))
    access_col[sub] = access[rows, assignment]
    planned = pd.notna(pd.Series(plan_beat))
    moved = (
        planned.to_numpy()
        & (pd.Series(plan_beat).astype("string") != pd.Series(before).astype("string"))
        .fillna(True)
        .to_numpy()
    )
    post_flag = np.zeros(len(blocks), dtype=bool)
    post_flag[post_rows] = True
    station_col = np.full(len(blocks), None, dtype=object)
    station_col[sub] = np.asarray(problem.stations, dtype=object)[layout.station]
    for i in np.flatnonzero(problem.pseudo_of >= 0):
        station_col[i] = station_col[problem.pseudo_of[i]]
    locked_col = blocks["block_id"].astype(str).isin(problem.locked_ids).to_numpy()
    frame = pd.DataFrame(
        {
            "block_id": blocks["block_id"].to_numpy(),
            "beat_id": plan_beat,
            "before_beat_id": before,
            "station": station_col,
            "moved": moved,
            "locked": locked_col,
            "post": post_flag,
            "households": problem.figures.households.astype("int64"),
            "fixed_min": fixed,
            "access_min": access_col,
        }
    )
    frame["workload_min"] = frame["fixed_min"] + frame["access_min"]
    loads = regions.beat_loads(layout, assignment, posts, settings=settings)
    before_loads = regions.beat_loads(layout, problem.today, problem.posts, settings=settings)
    ids_all = blocks["block_id"].astype(str).to_numpy(dtype=object)
    after_fig = _beat_figures(problem, assignment, posts, ids, loads, ids_all, settings)
    before_fig = _beat_figures(
        problem, problem.today, problem.posts, problem.beat_ids, before_loads, ids_all, settings
    )
    table = _beat_table(beats, after_fig, before_fig, problem.beat_ids)
    summary = _summary(problem, frame, table, search=search, mode=mode, settings=settings)
    return Plan(blocks=frame, beats=table, summary=summary)


def _beat_figures(
    problem: _Problem,
    assignment: IntArray,
    posts: IntArray,
    ids: list[str],
    loads: npt.NDArray[np.float64],
    block_ids: npt.NDArray[np.object_],
    settings: Settings,
) -> pd.DataFrame:
    """Return the figures of each beat of one plan, indexed by beat id."""
    layout, k = problem.layout, len(ids)
    metric = problem.figures.metric.to_numpy()[problem.sub]
    pp = np.full(k, np.nan)
    for j in range(k):
        union = shapely.union_all(metric[assignment == j], grid_size=0.01)
        if not union.is_empty and union.length > 0:
            pp[j] = 4 * np.pi * union.area / union.length**2
    station = np.full(k, "", dtype=object)
    station[assignment] = np.asarray(problem.stations, dtype=object)[layout.station]
    return pd.DataFrame(
        {
            "station": station,
            "blocks": np.bincount(assignment, minlength=k),
            "households": np.bincount(assignment, layout.households, minlength=k).round(),
            "workload_min": loads,
            "post_block_id": block_ids[problem.sub[posts]],
            "contiguous": regions.components(layout, assignment, k) <= 1,
            "spread": regions.spread(layout, assignment, posts, settings=settings),
            "polsby_popper": pp,
        },
        index=pd.Index(ids, name="beat_id"),
    )


def _beat_table(
    beats: pd.DataFrame, after: pd.DataFrame, before: pd.DataFrame, planned: list[str]
) -> pd.DataFrame:
    """Return :data:`BEAT_COLUMNS`: the plan's beats, then today's beats it lacks."""
    table = pd.DataFrame(beats).drop(columns="geometry", errors="ignore").copy()
    table["beat_id"] = table["beat_id"].astype(str)
    for column in ("name", "station", "officer_ids"):
        table[column] = table[column].fillna("").astype(str) if column in table else ""
    info = table.set_index("beat_id")[["name", "station", "officer_ids"]]
    ids = sorted(after.index)
    order = ids + [b for b in info.index if b not in set(ids)]
    out = info.reindex(order)
    out.index.name = "beat_id"
    new = ~out.index.isin(info.index)
    out.loc[new, "name"] = ""
    out.loc[new, "officer_ids"] = ""
    out.loc[new, "station"] = after["station"].reindex(out.index[new]).to_numpy()
    out["status"] = [
        "kept" if b in set(ids) and b in info.index
        else "new" if b in set(ids)
        else "removed" if b in set(planned)
        else "unplanned"
        for b in order
    ]  # fmt: skip
    for column in ("blocks", "households", "workload_min"):
        out[column] = after[column].reindex(out.index)
        out[f"before_{column}"] = before[column].reindex(out.index)
    mean = float(after["workload_min"].mean()) if len(after) else np.nan
    out["share"] = out["workload_min"] / mean if mean > 0 else np.nan
    out["post_block_id"] = after["post_block_id"].reindex(out.index)
    for column in ("contiguous", "spread", "polsby_popper"):
        out[column] = after[column].reindex(out.index)
        out[f"before_{column}"] = before[column].reindex(out.index)
    out = out.reset_index()
    return out[list(BEAT_COLUMNS)]


def _ratio(value: float) -> float | None:
    return round(value, 4) if np.isfinite(value) else None


def _summary(
    problem: _Problem,
    frame: pd.DataFrame,
    table: pd.DataFrame,
    *,
    search: regions.Search,
    mode: str,
    settings: Settings,
) -> dict[str, Any]:
    """Return the headline figures of a plan (``plan.json``)."""
    after = table[table["workload_min"].notna()]
    before = table[table["before_workload_min"].notna()]
    imb = regions.imbalance(after["workload_min"].to_numpy(dtype=float))
    imb_before = regions.imbalance(before["before_workload_min"].to_numpy(dtype=float))
    per_station = after.groupby("station")["workload_min"].agg(["sum", "size"])
    means = (per_station["sum"] / per_station["size"]).to_numpy(dtype=float)
    floor = regions.imbalance(means)
    real = frame["beat_id"].notna() & ~frame["block_id"].astype(str).str.startswith("outside:")
    moved_hh = int(frame.loc[frame["moved"], "households"].sum())
    minutes = problem.figures.minutes

    def per_beat(frame_: pd.DataFrame, column: str, digits: int = 1) -> dict[str, Any]:
        return {
            str(b): (None if pd.isna(v) else round(float(v), digits))
            for b, v in zip(frame_["beat_id"], frame_[column], strict=True)
        }

    return {
        "mode": mode,
        "beats": len(after),
        "beats_before": len(before),
        "imbalance": _ratio(imb),
        "imbalance_before": _ratio(imb_before),
        "target": settings.plan_target_ratio,
        "meets_target": bool(imb <= settings.plan_target_ratio + 1e-9),
        "station_floor": _ratio(floor),
        "moved_blocks": int((frame["moved"] & real).sum()),
        "moved_households": moved_hh,
        "locked_blocks": int(frame["locked"].sum()),
        "contiguous": bool(after["contiguous"].all()),
        "contiguous_before": bool(before["before_contiguous"].all()),
        "workload": per_beat(after, "workload_min"),
        "workload_before": per_beat(before, "before_workload_min"),
        "spread": per_beat(after, "spread", 3),
        "spread_before": per_beat(before, "before_spread", 3),
        "polsby_popper": per_beat(after, "polsby_popper", 3),
        "polsby_popper_before": per_beat(before, "before_polsby_popper", 3),
        "new_beats": table.loc[table["status"].eq("new"), "beat_id"].tolist(),
        "removed_beats": table.loc[table["status"].eq("removed"), "beat_id"].tolist(),
        "unplanned_beats": table.loc[table["status"].eq("unplanned"), "beat_id"].tolist(),
        "unplanned_blocks": frame.loc[frame["beat_id"].isna(), "block_id"].astype(str).tolist(),
        "minutes_per_visit": round(minutes.minutes, 2),
        "minutes_per_visit_source": minutes.source,
        "search_moves": search.moves,
        "objective_start": round(search.objective_start, 6),
        "objective": round(search.objective, 6),
    }

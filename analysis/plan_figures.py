"""The figures of a beat plan: the plan frame, each beat before and after, the summary.

:func:`plan_result` turns a plan on arrays (:mod:`analysis.regions`, made by
:mod:`analysis.rebalance`) back into frames keyed by block and beat ids. Before figures are
today's beats with today's posts; after figures the plan's beats with the plan's posts.
A block is *moved* when its beat id differs from today's (pseudo-blocks ``outside:`` count
among the households moved, not the blocks). Compactness is reported two ways per beat:
``spread`` (the search's measure, :func:`analysis.regions.spread`: 1.0 for a round beat
with its post in the middle, higher is less compact) and ``polsby_popper`` of the beat's
dissolved blocks (``4 pi area / perimeter**2``: 1.0 for a circle, 0.79 for a square).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from analysis import regions
from analysis.local_search import Search
from analysis.workload import BlockFigures
from geo.settings import Settings

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
        ``locked_blocks``, ``contiguous`` (every beat one piece, or one per separate part
        of the block network it touches), ``workload``, ``spread`` and ``polsby_popper``
        per beat, each also ``_before`` (today's beats); ``new_beats``,
        ``removed_beats``, ``unplanned_beats``, ``unplanned_blocks``, the minutes per visit
        and its source, and the search's moves and objective before and after.
    """

    blocks: pd.DataFrame
    beats: pd.DataFrame
    summary: dict[str, Any]


@dataclass(frozen=True)
class PlanProblem:
    """Today's beats on the arrays of :mod:`analysis.regions` (:mod:`analysis.rebalance`)."""

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


def plan_result(
    problem: PlanProblem,
    blocks: gpd.GeoDataFrame,
    beats: pd.DataFrame,
    assignment: IntArray,
    posts: IntArray,
    *,
    ids: list[str],
    search: Search,
    mode: str,
    settings: Settings,
) -> Plan:
    """Return the plan frame, the beats' figures and the summary of a plan on arrays.

    Parameters
    ----------
    problem : PlanProblem
        Today's beats on arrays.
    blocks : geopandas.GeoDataFrame
        The blocks the problem was made from.
    beats : pandas.DataFrame
        Today's beats table (names, stations, officers).
    assignment, posts : numpy.ndarray
        The plan: a beat number per planned block, and each beat's post block.
    ids : list of str
        Beat id of each beat number.
    search : Search
        The search that made the plan.
    mode : {"rebalance", "fresh"}
        What made it.
    settings : Settings
        The settings it was made with.
    """
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
    problem: PlanProblem,
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
            # one piece, or one per separate part of the street network it touches
            "contiguous": regions.components(layout, assignment, k)
            <= np.maximum(1, regions.parts_touched(layout, assignment, k)),
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
    problem: PlanProblem,
    frame: pd.DataFrame,
    table: pd.DataFrame,
    *,
    search: Search,
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

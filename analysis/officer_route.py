"""An officer's walk route for one time band: which households, in what order, when.

Rules
-----
* **Whose doors**: the households of every beat whose ``officer_ids`` names the officer
  (:func:`geo.schema.officer_pairs`), with a location; :func:`beat_route` walks given beats
  instead (the My beat page: the beat shown, whoever is logged in).
* **What a door is worth**: :func:`analysis.gaps.household_prize`, the block priority of
  the Gaps and My beat pages split per household (vulnerable overdue, open follow-ups, never
  contacted in a badly covered block, longer waits first). A household that needs no visit
  is worth nothing and is not a stop.
* **When people are home**: each household may be visited only inside its block's
  ``recommended_band`` (:mod:`analysis.timeofday`), the hours of that band on the route's
  day. A household of a block advised for another band is not a stop at all rather than a
  stop worth less: a visit that finds nobody home is no contact (DESIGN.md, "visit when
  people are home"), and the officer's route in that band will collect it. A block with no
  advice (no household placed in a block) may be visited at any hour.
* **When the route starts**: at the first hour of ``band`` (evening: 17:00) unless
  ``start_at`` says otherwise. Stops are begun inside their hours; an officer early at a
  door waits (the wait counts in the budget).
* **Where it starts**: ``start``, else the post of the officer's first beat (its block
  nearest the beat's household-weighted centre, :func:`analysis.workload.beat_posts`).
* **Minutes**: walking by :mod:`analysis.route_walk` (the network only where credible), and
  ``visit_min`` at each door (:func:`analysis.workload.minutes_per_visit`).
* The route is :func:`analysis.route.plan_route`'s, with ``route_search_rounds``,
  ``route_seed`` and ``route_return_to_start``; it never exceeds the budget.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from analysis.gaps import household_prize
from analysis.route import plan_route
from analysis.route_walk import Walks, route_line, walk_matrix
from analysis.timeofday import TIE_ORDER, band_hours
from analysis.workload import beat_posts
from geo.errors import RouteError
from geo.projection import WGS84, project
from geo.schema import officer_pairs, require_columns
from geo.settings import Settings, resolve

STOP_COLUMNS: tuple[str, ...] = (
    "order",
    "household_id",
    "address",
    "block_id",
    "beat_id",
    "band",
    "arrival",
    "begin",
    "walk_min",
    "priority",
    "needs_visit_reasons",
)
"""Columns of :attr:`OfficerRoute.stops`, in order (then ``geometry``)."""


@dataclass
class OfficerRoute:
    """A walk route and what it collects.

    Attributes
    ----------
    stops : geopandas.GeoDataFrame
        :data:`STOP_COLUMNS`, one row per door in visit order, WGS84 points; ``arrival``
        and ``begin`` are local clock times ``HH:MM``.
    line : shapely.LineString or None
        The walk from the start through every stop, WGS84 (``None`` without stops).
    start : shapely.Point
        The start point, WGS84.
    start_at : datetime.time
        The start's clock time.
    minutes, priority_collected : float
        The route's minutes (walking, waiting, doors) and the prize of its stops.
    candidates : int
        Households that could be visited in the band (worth something, hours open).
    beats : list of str
        The officer's beats.
    """

    stops: gpd.GeoDataFrame
    line: shapely.LineString | None
    start: shapely.Point
    start_at: dt.time
    minutes: float
    priority_collected: float
    candidates: int
    beats: list[str]


def officer_beats(beats: pd.DataFrame, officer_id: str) -> list[str]:
    """Return the beats whose ``officer_ids`` name ``officer_id``, in the beats' order.

    Raises
    ------
    RouteError
        The officer is named in no beat.

    Examples
    --------
    >>> beats = pd.DataFrame({"beat_id": ["B1", "B2"], "officer_ids": ["P1;P2", "P1"]})
    >>> officer_beats(beats, "P1"), officer_beats(beats, "P2")
    (['B1', 'B2'], ['B1'])
    """
    pairs = officer_pairs(beats)
    mine: list[str] = pairs.loc[pairs["officer_id"] == str(officer_id), "beat_id"].tolist()
    if not mine:
        known = sorted(pairs["officer_id"].unique())
        listed = ", ".join(known[:8]) + (" ..." if len(known) > 8 else "")
        msg = (
            f"officer {officer_id!r} is named in no beat's officer_ids; "
            f"officers named: {listed or 'none'}"
        )
        raise RouteError(msg)
    return mine


def beat_households(households: gpd.GeoDataFrame, beat_ids: Sequence[str]) -> gpd.GeoDataFrame:
    """Return the located households whose ``beat_id`` is one of ``beat_ids``.

    Raises
    ------
    RouteError
        The beats hold no located household.
    """
    mine = [str(b) for b in beat_ids]
    rows = households[households["beat_id"].astype(str).isin(mine)]
    rows = rows[rows.geometry.notna() & ~rows.geometry.is_empty]
    if rows.empty:
        msg = f"beats {', '.join(mine) or '(none)'} hold no located household"
        raise RouteError(msg)
    return rows


def officer_households(
    households: gpd.GeoDataFrame, beats: pd.DataFrame, officer_id: str
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return the located households of ``officer_id``'s beats, and those beats.

    Raises
    ------
    RouteError
        The officer is named in no beat, or their beats hold no located household.
    """
    mine = officer_beats(beats, officer_id)
    try:
        rows = beat_households(households, mine)
    except RouteError as exc:
        msg = f"officer {officer_id!r}'s beats ({', '.join(mine)}) hold no located household"
        raise RouteError(msg) from exc
    return rows, mine


def band_windows(
    bands: pd.Series, *, start_min: float, budget_min: float
) -> npt.NDArray[np.float64]:
    """Return each household's window, minutes after the start, from its block's band.

    The first hours of the band that have not ended at the start; ``""`` (no advice) is
    any time; a band whose hours are over gets a window that opens after the budget.

    Examples
    --------
    >>> band_windows(pd.Series(["evening", "morning", ""]), start_min=17 * 60, budget_min=120)
    array([[  0., 240.],
           [121., 121.],
           [  0.,  inf]])
    """
    out = np.column_stack([np.zeros(len(bands)), np.full(len(bands), np.inf)])
    for band in set(bands.fillna("").astype(str)) - {""}:
        rows = (bands.fillna("").astype(str) == band).to_numpy()
        hours = [(a * 60 - start_min, b * 60 - start_min) for a, b in band_hours(band)]
        ahead = [(max(a, 0.0), b) for a, b in hours if b > 0]
        out[rows] = ahead[0] if ahead else (budget_min + 1, budget_min + 1)
    return out


@dataclass
class RouteProblem:
    """An officer's candidate doors for one band, ready for a solver.

    Attributes
    ----------
    candidates : geopandas.GeoDataFrame
        The households worth a visit whose band hours are open within the budget.
    prize, service : numpy.ndarray
        Per candidate: its worth and the minutes at its door.
    windows : numpy.ndarray
        ``(n, 2)``: per candidate, the first and last minute after the start its visit may
        begin.
    bands : numpy.ndarray
        Per candidate, its block's recommended band.
    walks : Walks
        Walks between the start (position 0) and the candidates (positions 1..n).
    start : shapely.Point
        The start, in the households' CRS.
    start_at : datetime.time
        The start's clock time.
    beats : list of str
        The officer's beats.
    """

    candidates: gpd.GeoDataFrame
    prize: npt.NDArray[np.float64]
    service: npt.NDArray[np.float64]
    windows: npt.NDArray[np.float64]
    bands: npt.NDArray[np.object_]
    walks: Walks
    start: shapely.Point
    start_at: dt.time
    beats: list[str]


def beat_route_problem(
    households: gpd.GeoDataFrame,
    blocks: pd.DataFrame,
    *,
    beat_ids: Sequence[str],
    budget_min: float,
    band: str,
    visit_min: float,
    graph: nx.MultiDiGraph | None,
    start: shapely.Point | None = None,
    start_at: dt.time | None = None,
    settings: Settings | None = None,
) -> RouteProblem:
    """Return the candidate doors of ``beat_ids``, their worth, windows and walks.

    Parameters and errors are :func:`beat_route`'s.
    """
    s = resolve(settings)
    if not budget_min > 0:
        msg = f"the time budget must be more than 0 minutes; got {budget_min}"
        raise RouteError(msg)
    if band not in TIE_ORDER:
        msg = f"unknown time band {band!r}; choose one of {', '.join(TIE_ORDER)}"
        raise RouteError(msg)
    require_columns(blocks, ("block_id", "recommended_band", "shrunk_coverage"), name="blocks")
    homes = beat_households(households, beat_ids)
    mine = [str(b) for b in beat_ids]
    clock = start_at or dt.time(band_hours(band)[0][0])
    start_min = clock.hour * 60 + clock.minute
    by_block = blocks.set_index("block_id")
    prize = household_prize(homes, by_block["shrunk_coverage"], settings=s).to_numpy()
    home_band = homes["block_id"].map(by_block["recommended_band"]).fillna("").astype(str)
    windows = band_windows(home_band, start_min=start_min, budget_min=budget_min)
    keep = (prize > 0) & (windows[:, 0] <= budget_min)
    cand = homes[keep]
    origin = start if start is not None else beat_post(blocks, homes, mine[0])
    points = gpd.GeoSeries([origin, *cand.geometry.to_numpy()], crs=homes.crs)
    return RouteProblem(
        candidates=cand,
        prize=prize[keep],
        service=np.full(len(cand), float(visit_min)),
        windows=windows[keep],
        bands=home_band.to_numpy(dtype=object)[keep],
        walks=walk_matrix(points, graph=graph, settings=s),
        start=origin,
        start_at=clock,
        beats=mine,
    )


def route_problem(
    households: gpd.GeoDataFrame,
    blocks: pd.DataFrame,
    beats: pd.DataFrame,
    *,
    officer_id: str,
    budget_min: float,
    band: str,
    visit_min: float,
    graph: nx.MultiDiGraph | None,
    start: shapely.Point | None = None,
    start_at: dt.time | None = None,
    settings: Settings | None = None,
) -> RouteProblem:
    """Return the officer's candidate doors, their worth, windows and walks.

    Parameters and errors are :func:`officer_route`'s.
    """
    _, mine = officer_households(households, beats, officer_id)
    return beat_route_problem(
        households,
        blocks,
        beat_ids=mine,
        budget_min=budget_min,
        band=band,
        visit_min=visit_min,
        graph=graph,
        start=start,
        start_at=start_at,
        settings=settings,
    )


def officer_route(
    households: gpd.GeoDataFrame,
    blocks: pd.DataFrame,
    beats: pd.DataFrame,
    *,
    officer_id: str,
    budget_min: float,
    band: str,
    visit_min: float,
    graph: nx.MultiDiGraph | None,
    start: shapely.Point | None = None,
    start_at: dt.time | None = None,
    settings: Settings | None = None,
) -> OfficerRoute:
    """Choose and order the officer's doors for ``band`` within ``budget_min`` minutes.

    Parameters
    ----------
    households : geopandas.GeoDataFrame
        The analysis' households (:class:`analysis.pipeline.Analysis`) with their points
        and ``address``.
    blocks : pandas.DataFrame
        The analysis' blocks: ``block_id``, ``beat_id``, ``households``,
        ``recommended_band``, ``shrunk_coverage`` and a geometry (for the post).
    beats : pandas.DataFrame
        ``beat_id`` and ``officer_ids``.
    officer_id : str
        The officer.
    budget_min : float
        Minutes available, more than 0.
    band : {"evening", "morning", "midday", "working"}
        The time band walked.
    visit_min : float
        Minutes at each door.
    graph : networkx.MultiDiGraph or None
        The walk network.
    start : shapely.Point, optional
        Where the route starts (in the households' CRS); default the post of the officer's
        first beat.
    start_at : datetime.time, optional
        When it starts; default the band's first hour.
    settings : Settings, optional
        The priority weights, walking rule and ``route_*`` settings.

    Returns
    -------
    OfficerRoute

    Raises
    ------
    RouteError
        An unknown officer or band, a budget of 0 or less, an officer without households.
    """
    _, mine = officer_households(households, beats, officer_id)
    return beat_route(
        households,
        blocks,
        beat_ids=mine,
        budget_min=budget_min,
        band=band,
        visit_min=visit_min,
        graph=graph,
        start=start,
        start_at=start_at,
        settings=settings,
    )


def beat_route(
    households: gpd.GeoDataFrame,
    blocks: pd.DataFrame,
    *,
    beat_ids: Sequence[str],
    budget_min: float,
    band: str,
    visit_min: float,
    graph: nx.MultiDiGraph | None,
    start: shapely.Point | None = None,
    start_at: dt.time | None = None,
    settings: Settings | None = None,
) -> OfficerRoute:
    """Choose and order the doors of ``beat_ids`` for ``band`` within ``budget_min`` minutes.

    :func:`officer_route` for the beats themselves (the My beat page walks the beat shown,
    whoever is logged in); the start defaults to the post of the first of ``beat_ids``.

    Raises
    ------
    RouteError
        An unknown band, a budget of 0 or less, beats without located households.
    """
    s = resolve(settings)
    problem = beat_route_problem(
        households,
        blocks,
        beat_ids=beat_ids,
        budget_min=budget_min,
        band=band,
        visit_min=visit_min,
        graph=graph,
        start=start,
        start_at=start_at,
        settings=s,
    )
    walks = problem.walks
    route = plan_route(
        walks.minutes,
        problem.prize,
        problem.service,
        budget=float(budget_min),
        windows=problem.windows,
        return_to_start=s.route_return_to_start,
        rounds=s.route_search_rounds,
        seed=s.route_seed,
    )
    path = np.concatenate([[0], route.order + 1])
    line = route_line(walks, np.append(path, 0) if s.route_return_to_start else path)
    start_min = problem.start_at.hour * 60 + problem.start_at.minute
    stops = problem.candidates.iloc[route.order].copy()
    stops["order"] = np.arange(1, len(stops) + 1)
    stops["band"] = problem.bands[route.order]
    stops["arrival"] = [_clock(start_min + m) for m in route.arrival]
    stops["begin"] = [_clock(start_min + m) for m in route.begin]
    stops["walk_min"] = np.round(walks.minutes[path[:-1], path[1:]], 1)
    stops["priority"] = np.round(problem.prize[route.order], 4)
    columns = [c for c in STOP_COLUMNS if c in stops.columns]
    crs = problem.candidates.crs
    out = gpd.GeoDataFrame(stops[columns], geometry=stops.geometry.to_numpy(), crs=crs)
    wgs_line = None
    if line is not None:
        wgs_line = gpd.GeoSeries([line], crs=walks.metric).to_crs(WGS84).iloc[0]
    return OfficerRoute(
        stops=out.to_crs(WGS84).reset_index(drop=True),
        line=wgs_line,
        start=gpd.GeoSeries([problem.start], crs=crs).to_crs(WGS84).iloc[0],
        start_at=problem.start_at,
        minutes=route.minutes,
        priority_collected=route.prize,
        candidates=len(problem.candidates),
        beats=problem.beats,
    )


def beat_post(blocks: pd.DataFrame, homes: gpd.GeoDataFrame, beat_id: str) -> shapely.Point:
    """Return the centre of the beat's post block; its households' centre without blocks.

    The post is the block nearest the beat's household-weighted centre
    (:func:`analysis.workload.beat_posts`); the point is in ``homes``' CRS.
    """
    rows = blocks[(blocks["beat_id"].astype(str) == beat_id)]
    if isinstance(rows, gpd.GeoDataFrame):
        rows = rows[rows.geometry.notna() & ~rows.geometry.is_empty]
    if not isinstance(rows, gpd.GeoDataFrame) or rows.empty:
        metric = project(homes.geometry)
        centre = shapely.Point(metric.x.mean(), metric.y.mean())
        return gpd.GeoSeries([centre], crs=metric.crs).to_crs(homes.crs).iloc[0]
    centres = project(rows.geometry).centroid
    xy = np.column_stack([centres.x.to_numpy(), centres.y.to_numpy()])
    area = project(rows.geometry).area.to_numpy()
    weight = rows["households"].to_numpy(dtype=float) if "households" in rows else area
    post = beat_posts(xy, weight, area, np.zeros(len(rows), dtype=np.intp), 1)[0]
    return gpd.GeoSeries([centres.iloc[post]], crs=centres.crs).to_crs(homes.crs).iloc[0]


def _clock(minutes: float) -> str:
    """Return a clock time ``HH:MM`` for minutes after midnight (past midnight wraps).

    Examples
    --------
    >>> _clock(17 * 60 + 5.6), _clock(24 * 60 + 30)
    ('17:06', '00:30')
    """
    whole = int(round(minutes)) % (24 * 60)
    return f"{whole // 60:02d}:{whole % 60:02d}"


__all__ = [
    "STOP_COLUMNS",
    "OfficerRoute",
    "RouteProblem",
    "band_windows",
    "beat_households",
    "beat_post",
    "beat_route",
    "beat_route_problem",
    "officer_beats",
    "officer_households",
    "officer_route",
    "route_problem",
]

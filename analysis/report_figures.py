"""The upward report's figures: per station and per beat, with the officers short of time.

Pure: frames in, named frames out (:class:`ReportFigures`); the PDF and the workbook
(:mod:`analysis.upward_report`) only lay them out.

Figures of a unit (a beat, a station, everything), over the analysis's window
---------------------------------------------------------------------------
``households``
    Households placed in the unit (a household belongs to the beat whose polygon holds it).
``visited_households``
    Households with at least one visit (any outcome) in the window.
``contacted_households`` (见面)
    Households with a counted face-to-face contact in the window (:mod:`analysis.rules`).
``coverage``
    Contacted over households; blank for a unit without households.
``coverage_change``
    Coverage now minus coverage in the previous period of equal length
    (:func:`previous_window`). **Blank when the previous period has no visit in the unit**
    (or no previous analysis is given): an empty period is nothing to compare with, and
    "+83 pp" against it would be a false rise.
``vulnerable_households``, ``vulnerable_seen``, ``vulnerable_overdue``
    Households with a vulnerable resident; of them, those contacted in the window; and
    those with no counted contact in the ``vulnerable_overdue_days`` before its end.
``follow_ups_raised``, ``follow_ups_closed``, ``follow_ups_open``
    Issues raised in the window; issues closed in the window (their first counted
    follow-up falls in it, whenever they were raised); issues open at its end (not closed
    and past their limit, however long ago raised: the ``open_follow_ups`` of every other
    table). States as in :mod:`analysis.followups`.
``visits``, ``not_counted_visits``, ``review_visits``
    Visits in the window to the unit's households; of them, those verification did not
    count (``not_counted``) and those awaiting a chief (``review``).
``mean_satisfaction``
    Mean over households of each household's mean rating (as :func:`analysis.coverage.summarise`).

Officers short of time
----------------------
Each beat's workload (:mod:`analysis.workload`, minutes per ``workload_period_days``) is
shared equally by the officers its ``officer_ids`` name; an officer of several beats adds
up their shares. An officer is short of time when that is more than
``workload_officer_hours``. Beats that name no officer carry their workload alone and
appear in no officer's row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.followups import follow_up_status
from analysis.pipeline import Analysis
from analysis.rules import window_mask
from analysis.workload import beat_workload, block_workload
from geo.errors import ReportError
from geo.schema import officer_pairs
from geo.settings import Settings, resolve

FIGURE_COLUMNS: Final = (
    "households",
    "visited_households",
    "contacted_households",
    "coverage",
    "coverage_change",
    "vulnerable_households",
    "vulnerable_seen",
    "vulnerable_overdue",
    "follow_ups_raised",
    "follow_ups_closed",
    "follow_ups_open",
    "visits",
    "not_counted_visits",
    "review_visits",
    "mean_satisfaction",
)
"""The figures of every unit, in the order the report shows them."""

OFFICER_COLUMNS: Final = (
    "officer_id",
    "station",
    "beat_ids",
    "workload_h",
    "available_h",
    "short_h",
)
"""Columns of :attr:`ReportFigures.officers`."""

TOTAL: Final = "\x00total"
"""Key of the one unit that holds every household (:attr:`ReportFigures.total`)."""

_VISIT_NEEDS: Final = ("visit_id", "household_id", "time")


@dataclass(frozen=True)
class ReportFigures:
    """Everything the upward report shows.

    Attributes
    ----------
    stations : pandas.DataFrame
        Indexed by ``station`` (``""`` for households in no beat, last),
        :data:`FIGURE_COLUMNS`; stations in the order of their first beat id.
    beats : pandas.DataFrame
        ``station``, ``beat_id``, ``name``, then :data:`FIGURE_COLUMNS`; by station (as
        ``stations``), then beat id.
    total : pandas.Series
        :data:`FIGURE_COLUMNS` over every household.
    officers : pandas.DataFrame
        :data:`OFFICER_COLUMNS`, one row per officer named by a beat, shortest of time first.
    trend : pandas.DataFrame
        ``station``, ``beat_id``, ``week_start``, ``cumulative_coverage`` per beat and week.
    station_trend : pandas.DataFrame
        ``station``, ``week_start``, ``cumulative_coverage`` per station and week.
    window, previous : tuple of datetime.date
        The window and the previous period of equal length.
    compared : bool
        Whether the previous period has any visit (otherwise every change is blank).
    period_days, officer_hours : float
        ``workload_period_days`` and ``workload_officer_hours``: the officers' hours are
        per that many days.
    """

    stations: pd.DataFrame
    beats: pd.DataFrame
    total: pd.Series
    officers: pd.DataFrame
    trend: pd.DataFrame
    station_trend: pd.DataFrame
    window: tuple[dt.date, dt.date]
    previous: tuple[dt.date, dt.date]
    compared: bool
    period_days: float
    officer_hours: float


def previous_window(window: tuple[Any, Any]) -> tuple[dt.date, dt.date]:
    """Return the period of equal length just before ``window`` (days inclusive).

    Examples
    --------
    >>> previous_window((dt.date(2026, 7, 11), dt.date(2026, 7, 20)))
    (datetime.date(2026, 7, 1), datetime.date(2026, 7, 10))
    """
    start, end = (_day(w) for w in window)
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


def _day(value: Any) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def report_figures(
    analysis: Analysis,
    previous: Analysis | None,
    *,
    visits: pd.DataFrame,
    streets: gpd.GeoSeries | None = None,
    settings: Settings | None = None,
) -> ReportFigures:
    """Return the report's figures for ``analysis``, with changes against ``previous``.

    Parameters
    ----------
    analysis : Analysis
        The window's analysis (:func:`analysis.pipeline.analyse`).
    previous : Analysis or None
        The same data analysed over :func:`previous_window` (None: no change is shown).
    visits : pandas.DataFrame
        The canonical visits the analysis was run on (``issue_raised``, ``follow_up_of``
        and ``duration_min`` when the data have them); their verification comes from
        ``analysis.visits``.
    streets : geopandas.GeoSeries, optional
        Street lines, for the streets inside blocks in the workload.
    settings : Settings, optional
        As for the analysis; ``workload_*`` for the officers' time.

    Returns
    -------
    ReportFigures

    Raises
    ------
    ReportError
        ``visits`` lacks ``visit_id``, ``household_id`` or ``time``.
    """
    s = resolve(settings)
    missing = [c for c in _VISIT_NEEDS if c not in visits.columns]
    if missing:
        msg = f"the report needs the canonical visits; they lack {', '.join(missing)}"
        raise ReportError(msg)
    start, end = (_day(w) for w in analysis.window)
    checked = _checked_visits(visits, analysis)
    issues = _issues(checked, start=start, end=end, settings=s)
    homes = analysis.households.assign(
        station=analysis.households["station"].fillna("").astype(str),
        _all=TOTAL,
    )
    before = previous_window((start, end))

    def figures(by: str) -> pd.DataFrame:
        out = unit_figures(homes, analysis.visits, issues, by=by)
        change = _coverage_change(out["coverage"], previous, by=by)
        out["coverage_change"] = change.reindex(out.index).to_numpy()
        return out[list(FIGURE_COLUMNS)]

    beats = _beat_rows(figures("beat_id"), analysis.beats)
    stations = figures("station")
    first = beats["station"].drop_duplicates().tolist()
    stations = stations.reindex([*first, *(s for s in stations.index if s not in first)])
    total = figures("_all").iloc[0]
    compared = previous is not None and bool(previous.visits["in_window"].any())
    return ReportFigures(
        stations=stations,
        beats=beats,
        total=total,
        officers=officer_time(analysis, visits=checked, streets=streets, settings=s),
        trend=_beat_trend(analysis),
        station_trend=_station_trend(analysis),
        window=(start, end),
        previous=before,
        compared=compared,
        period_days=float(s.workload_period_days),
        officer_hours=float(s.workload_officer_hours),
    )


def unit_figures(
    households: pd.DataFrame, visits: pd.DataFrame, issues: pd.DataFrame, *, by: str
) -> pd.DataFrame:
    """Return the figures of each unit named by the households' column ``by``.

    Parameters
    ----------
    households : pandas.DataFrame
        Household status (:attr:`Analysis.households`): ``household_id``, ``by``,
        ``attempts``, ``contacted``, ``vulnerable``, ``vulnerable_overdue``,
        ``mean_satisfaction``.
    visits : pandas.DataFrame
        :attr:`Analysis.visits`: ``household_id``, ``status``, ``in_window``.
    issues : pandas.DataFrame
        One row per issue: ``household_id``, booleans ``raised``, ``closed``, ``open``
        (see the module docstring).
    by : str
        The unit column.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by`` (every unit with a household), :data:`FIGURE_COLUMNS` except
        ``coverage_change`` (missing units count 0; a missing key is a unit of its own).

    Examples
    --------
    >>> h = pd.DataFrame({"household_id": ["a", "b", "c"], "beat": ["B1", "B1", "B2"],
    ...     "attempts": [2, 1, 0], "contacted": [True, False, False],
    ...     "vulnerable": [True, True, False], "vulnerable_overdue": [False, True, False],
    ...     "mean_satisfaction": [4.0, np.nan, np.nan]})
    >>> v = pd.DataFrame({"household_id": ["a", "a", "b"], "in_window": [True] * 3,
    ...     "status": ["counted", "review", "not_counted"]})
    >>> i = pd.DataFrame({"household_id": ["a"], "raised": [True], "closed": [False],
    ...     "open": [False]})
    >>> f = unit_figures(h, v, i, by="beat")
    >>> f[["households", "visited_households", "coverage", "vulnerable_seen"]].loc["B1"].tolist()
    [2.0, 2.0, 0.5, 1.0]
    >>> f.loc["B2", ["visits", "follow_ups_raised", "vulnerable_overdue"]].tolist()
    [0, 0, 0]
    """
    key = households[by]
    contacted = households["contacted"].astype(bool)
    vulnerable = households["vulnerable"].astype(bool)
    frame = pd.DataFrame(
        {
            "key": key.to_numpy(),
            "households": 1,
            "visited_households": (households["attempts"] > 0).to_numpy(),
            "contacted_households": contacted.to_numpy(),
            "vulnerable_households": vulnerable.to_numpy(),
            "vulnerable_seen": (vulnerable & contacted).to_numpy(),
            "vulnerable_overdue": households["vulnerable_overdue"].astype(bool).to_numpy(),
            "mean_satisfaction": households["mean_satisfaction"].astype(float).to_numpy(),
        }
    )
    grouped = frame.groupby("key", dropna=False, sort=True)
    out = grouped.sum(numeric_only=True).drop(columns="mean_satisfaction").astype("int64")
    out["mean_satisfaction"] = grouped["mean_satisfaction"].mean()
    unit_of = pd.Series(key.to_numpy(), index=households["household_id"].to_numpy())

    seen = visits[visits["in_window"].astype(bool)]
    status = seen["status"].astype(str)
    per_visit = pd.DataFrame(
        {
            "key": seen["household_id"].map(unit_of).to_numpy(),
            "visits": 1,
            "not_counted_visits": status.eq("not_counted").to_numpy(),
            "review_visits": status.eq("review").to_numpy(),
        }
    )
    per_issue = pd.DataFrame(
        {
            "key": issues["household_id"].map(unit_of).to_numpy(),
            "follow_ups_raised": issues["raised"].to_numpy(dtype=bool),
            "follow_ups_closed": issues["closed"].to_numpy(dtype=bool),
            "follow_ups_open": issues["open"].to_numpy(dtype=bool),
        }
    )
    for part in (per_visit, per_issue):
        sums = part.groupby("key", dropna=False).sum(numeric_only=True)
        out = out.join(sums, how="left")
    counts = [c for c in FIGURE_COLUMNS if c not in ("coverage", "coverage_change")]
    counts.remove("mean_satisfaction")
    out[counts] = out[counts].fillna(0).astype("int64")
    households_n = out["households"].astype(float)
    out["coverage"] = out["contacted_households"] / households_n.where(households_n > 0)
    out.index.name = by
    return out[[c for c in FIGURE_COLUMNS if c != "coverage_change"]]


def _checked_visits(visits: pd.DataFrame, analysis: Analysis) -> pd.DataFrame:
    """Return the canonical visits with the analysis's verdict (``status``, ``verified``)."""
    plain = pd.DataFrame(visits).drop(columns=["geometry", "status", "verified"], errors="ignore")
    verdict = analysis.visits[["visit_id", "status", "verified"]]
    return plain.merge(verdict, on="visit_id", how="left")


def _issues(
    visits: pd.DataFrame, *, start: dt.date, end: dt.date, settings: Settings
) -> pd.DataFrame:
    """Return the issues raised up to ``end``: household, ``raised``, ``closed``, ``open``."""
    state = follow_up_status(visits, end=end, settings=settings)
    closed_at = state["followed_up_at"]
    has_closed = closed_at.notna().to_numpy(dtype=bool)
    closed = np.zeros(len(state), dtype=bool)
    if has_closed.any():
        closed[has_closed] = window_mask(
            closed_at[has_closed], start=start, end=end, settings=settings
        )
    return pd.DataFrame(
        {
            "household_id": state["household_id"].to_numpy(),
            "raised": window_mask(state["raised_at"], start=start, end=end, settings=settings),
            "closed": closed,
            "open": state["open"].to_numpy(dtype=bool),
        }
    )


def _coverage_change(now: pd.Series, previous: Analysis | None, *, by: str) -> pd.Series:
    """Coverage now minus before, per unit; NaN where the previous period has no visit."""
    if previous is None:
        return pd.Series(np.nan, index=now.index)
    homes = previous.households.assign(
        station=previous.households["station"].fillna("").astype(str), _all=TOTAL
    )
    unit_of = pd.Series(homes[by].to_numpy(), index=homes["household_id"].to_numpy())
    seen = previous.visits[previous.visits["in_window"].astype(bool)]
    visited_units = set(seen["household_id"].map(unit_of).dropna())
    grouped = homes.groupby(by, dropna=False)
    before = grouped["contacted"].sum() / grouped.size()
    before = before[before.index.isin(visited_units)]
    return (now - before.reindex(now.index)).astype(float)


def _beat_rows(figures: pd.DataFrame, beats: pd.DataFrame) -> pd.DataFrame:
    """Beat figures with each beat's station and name, by station then beat."""
    info = beats.set_index("beat_id")
    out = figures[figures.index.notna()].copy()
    out.insert(0, "name", info["name"].reindex(out.index).fillna("").astype(str).to_numpy())
    station = info["station"].reindex(out.index).fillna("").astype(str)
    out.insert(0, "station", station.to_numpy())
    out = out.reset_index().rename(columns={out.index.name or "index": "beat_id"})
    # stations in the order of their first beat, beats by id within them
    first = out.sort_values("beat_id")["station"].drop_duplicates().tolist()
    out["_order"] = out["station"].map({s: i for i, s in enumerate(first)})
    out = out.sort_values(["_order", "beat_id"], kind="stable").reset_index(drop=True)
    return out[["station", "beat_id", "name", *FIGURE_COLUMNS]]


def officer_time(
    analysis: Analysis,
    *,
    visits: pd.DataFrame,
    streets: gpd.GeoSeries | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Return each officer's share of their beats' workload against their hours.

    Parameters
    ----------
    analysis : Analysis
        Its ``blocks`` (with geometry) and ``beats`` (``officer_ids``, ``station``).
    visits : pandas.DataFrame
        Visits with ``duration_min`` (and ``outcome``, ``status``) for the minutes per
        visit; without ``duration_min``, ``workload_visit_min`` is used.
    streets : geopandas.GeoSeries, optional
        Street lines for the streets inside blocks.
    settings : Settings, optional
        ``workload_*``, including ``workload_officer_hours``.

    Returns
    -------
    pandas.DataFrame
        :data:`OFFICER_COLUMNS`: ``beat_ids`` and ``station`` as ``、``-joined text,
        hours per ``workload_period_days``; ``short_h`` is 0 for an officer with time to
        spare. Most short first, then by officer.
    """
    s = resolve(settings)
    if "duration_min" not in visits.columns:
        visits = visits.assign(duration_min=np.nan)
    beats = analysis.beats
    if "officer_ids" not in beats.columns or not len(beats):
        return pd.DataFrame(columns=list(OFFICER_COLUMNS))
    work = beat_workload(block_workload(analysis.blocks, visits, streets=streets, settings=s))
    pairs = officer_pairs(beats[["beat_id", "officer_ids"]])
    pairs = pairs[pairs["officer_id"].astype(str).str.strip().ne("")]
    if pairs.empty:
        return pd.DataFrame(columns=list(OFFICER_COLUMNS))
    per_beat = pairs.groupby("beat_id")["officer_id"].transform("size")
    minutes = pairs["beat_id"].map(work["workload_min"]).fillna(0.0) / per_beat
    station = pairs["beat_id"].map(beats.set_index("beat_id")["station"]).fillna("")
    frame = pairs.assign(minutes=minutes.to_numpy(), station=station.astype(str).to_numpy())
    grouped = frame.groupby("officer_id", sort=True)
    out = pd.DataFrame(
        {
            "station": grouped["station"].agg(_joined),
            "beat_ids": grouped["beat_id"].agg(_joined),
            "workload_h": grouped["minutes"].sum() / 60.0,
        }
    )
    out["available_h"] = float(s.workload_officer_hours)
    out["short_h"] = (out["workload_h"] - out["available_h"]).clip(lower=0.0)
    out = out.reset_index().sort_values(["short_h", "officer_id"], ascending=[False, True])
    return out[list(OFFICER_COLUMNS)].reset_index(drop=True)


def _joined(values: Sequence[Any]) -> str:
    return "、".join(dict.fromkeys(str(v) for v in values if str(v)))


def _beat_trend(analysis: Analysis) -> pd.DataFrame:
    trend = analysis.trend
    columns = ["station", "beat_id", "week_start", "cumulative_coverage"]
    if trend.empty:
        return pd.DataFrame(columns=columns)
    station = trend["beat_id"].map(analysis.beats.set_index("beat_id")["station"])
    out = trend.assign(station=station.fillna("").astype(str).to_numpy())
    return out[columns].sort_values(["station", "beat_id", "week_start"]).reset_index(drop=True)


def _station_trend(analysis: Analysis) -> pd.DataFrame:
    """Weekly cumulative coverage per station: its beats' contacted over their households."""
    trend = analysis.trend
    columns = ["station", "week_start", "cumulative_coverage"]
    if trend.empty:
        return pd.DataFrame(columns=columns)
    station = trend["beat_id"].map(analysis.beats.set_index("beat_id")["station"])
    frame = trend.assign(station=station.fillna("").astype(str).to_numpy())
    sums = frame.groupby(["station", "week_start"])[["cumulative_contacted", "households"]].sum()
    sums["cumulative_coverage"] = sums["cumulative_contacted"] / sums["households"].where(
        sums["households"] > 0
    )
    return sums.reset_index()[columns]


__all__ = [
    "FIGURE_COLUMNS",
    "OFFICER_COLUMNS",
    "ReportFigures",
    "officer_time",
    "previous_window",
    "report_figures",
    "unit_figures",
]

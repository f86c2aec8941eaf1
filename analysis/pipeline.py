"""The whole coverage analysis on canonical frames: one call from the CLI and the app.

Steps: place blocks in beats and households in blocks (:mod:`geo.joins`), verify visits
(:mod:`analysis.verify`), household status and summaries (:mod:`analysis.coverage`), gaps
and priority (:mod:`analysis.gaps`), time-of-day advice (:mod:`analysis.timeofday`) and the
weekly trend (:mod:`analysis.trend`). Nothing here reads files.

Choices
-------
* A household counts for the beat whose polygon holds it; a block for the beat it overlaps
  most. Households outside every block get the nearest block within
  ``settings.outside_block_max_m``, else the pseudo-block ``outside:<beat_id>`` (no
  geometry): kept and counted, never lost.
* Without ``start``/``end`` the window is the visits' own span (first to last local day).
* Visit counts (``visits``, ``flagged_visits``, flag shares) are of visits inside the window;
  ``visits.csv`` lists every visit with an ``in_window`` column.
* ``coverage_as_logged`` is the coverage counting every logged contact, verified or not, so
  the drop caused by verification is visible next to ``coverage``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.coverage import contact_counts, household_status, officer_summary, summarise
from analysis.gaps import find_gaps, household_priority, household_todos
from analysis.rules import RULE_TEXT, household_codes, window_mask, with_arrow_text
from analysis.satisfaction import scored_visit_counts
from analysis.timeofday import recommended_band
from analysis.trend import weekly_trend
from analysis.verify import FLAG_SHARE_COLUMNS, officer_flag_share, verify_visits
from geo.errors import ValidationReport
from geo.joins import blocks_to_beats, join_households
from geo.schema import GPS_COLUMNS
from geo.settings import Settings, resolve
from geo.topology import check_beats

Progress = Callable[[str], None]
Verifier = Callable[..., pd.DataFrame]
"""A function with :func:`analysis.verify.verify_visits`'s signature and result (the Dask
engine's :meth:`analysis.dask_engine.DaskEngine.verify_visits` is one)."""

BLOCK_COLUMNS: tuple[str, ...] = (
    "block_id",
    "name",
    "beat_id",
    "households",
    "contacted_households",
    "coverage",
    "vulnerable_households",
    "vulnerable_overdue",
    "last_contact",
    "under_visited",
    "reasons",
    "priority",
    "recommended_band",
)
"""Columns of ``blocks.geojson`` named in DESIGN.md, in that order (extras follow)."""

HOUSEHOLD_COLUMNS: tuple[str, ...] = (
    "household_id",
    "block_id",
    "block_name",
    "beat_id",
    "contacted",
    "last_contact",
    "attempts",
    "vulnerable_overdue",
    "in_under_visited_block",
    "needs_visit",
    "needs_visit_reasons",
)
VISIT_COLUMNS: tuple[str, ...] = (
    "visit_id",
    "household_id",
    "officer_id",
    "verified",
    "status",
    "flags",
    "reason",
    "review",
    "time",
    "outcome",
)


@dataclass
class Analysis:
    """Everything one analysis run produces.

    Attributes
    ----------
    blocks : geopandas.GeoDataFrame
        One row per unit (block or H3 cell, plus ``outside:`` pseudo-blocks with no
        geometry), WGS84, :data:`BLOCK_COLUMNS` first; among the rest
        ``mean_satisfaction`` (one voice per household) and ``satisfaction_visits`` (the
        scored visits behind it, :mod:`analysis.satisfaction`).
    households : pandas.DataFrame
        One row per household: :data:`HOUSEHOLD_COLUMNS` first, then status details.
    visits : pandas.DataFrame
        One row per visit: :data:`VISIT_COLUMNS` first, then verification details.
    beats, stations, officers : pandas.DataFrame
        Summaries per beat, station and officer.
    trend : pandas.DataFrame
        Weekly figures per beat.
    topology : ValidationReport
        Beat-over-block findings (stray, split blocks, overlaps, gaps, non-contiguity).
    window : tuple of pandas.Timestamp
        Start and end of the window.
    """

    blocks: gpd.GeoDataFrame
    households: pd.DataFrame
    visits: pd.DataFrame
    beats: pd.DataFrame
    stations: pd.DataFrame
    officers: pd.DataFrame
    trend: pd.DataFrame
    topology: ValidationReport
    window: tuple[Any, Any]
    extras: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Return headline figures for ``summary.json`` and the Overview page."""
        h = self.households
        v = self.visits
        n = len(h)
        contacted = int(h["contacted"].sum())
        real = self.blocks[~self.blocks["block_id"].astype(str).str.startswith("outside")]
        return {
            "window": {"start": str(self.window[0]), "end": str(self.window[1])},
            "households": n,
            "contacted_households": contacted,
            "coverage": round(contacted / n, 4) if n else None,
            "coverage_as_logged": (
                round(float(h["contacted_as_logged"].sum()) / n, 4) if n else None
            ),
            "vulnerable_households": int(h["vulnerable"].sum()),
            "vulnerable_overdue": int(h["vulnerable_overdue"].sum()),
            "open_follow_ups": int(h["open_follow_ups"].sum()),
            "visits": int(v["in_window"].sum()),
            "flagged_visits": int((~v["verified"] & v["in_window"]).sum()),
            "blocks": len(real),
            "under_visited_blocks": int(real["under_visited"].sum()),
            "households_outside_blocks": int(
                h["block_id"].astype(str).str.startswith("outside").sum()
            ),
            "beats": len(self.beats),
            "topology_findings": [f.message for f in self.topology.findings],
        }


def default_window(visits: pd.DataFrame) -> tuple[dt.date, dt.date]:
    """Return the first and last local day of the visits (today twice when there are none)."""
    times = visits["time"].dropna()
    if times.empty:
        today = dt.date.today()
        return today, today
    return times.min().date(), times.max().date()


def analyse(
    beats: gpd.GeoDataFrame,
    households: gpd.GeoDataFrame,
    visits: gpd.GeoDataFrame,
    *,
    units: gpd.GeoDataFrame,
    walk_graph: nx.MultiDiGraph | None = None,
    reviews: pd.DataFrame | None = None,
    start: Any = None,
    end: Any = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
    verify: Verifier | None = None,
) -> Analysis:
    """Run the coverage analysis.

    Parameters
    ----------
    beats, households, visits : geopandas.GeoDataFrame
        Canonical tables (WGS84, tz-aware times); the visits may carry their GPS as two
        columns instead of points (``load_dataset(visit_points=False)``).
    units : geopandas.GeoDataFrame
        Street blocks or H3 cells with ``block_id`` (WGS84).
    walk_graph : networkx.MultiDiGraph, optional
        Walk network; it may raise the least travel time where credible (see
        :mod:`analysis.verify`).
    reviews : pandas.DataFrame, optional
        A chief's decisions on flagged visits (``visit_id``, ``decision``).
    start, end : date or Timestamp, optional
        The window; default the visits' own span.
    settings : Settings, optional
        Thresholds; ``settings.timezone`` is the local zone for bands and weeks.
    progress : callable, optional
        Called with a short label before each step (the CLI's progress bar).
    verify : callable, optional
        Verifies the visits in place of :func:`analysis.verify.verify_visits`, with the
        same arguments and the same result (``--engine dask`` spreads it over a cluster).

    Returns
    -------
    Analysis
    """
    s = resolve(settings)
    step = progress or (lambda _label: None)
    if start is None or end is None:
        first, last = default_window(visits)
        start = first if start is None else start
        end = last if end is None else end

    step("placing blocks and households")
    block_beats = blocks_to_beats(units, beats)
    topology = check_beats(units, beats, settings=s)
    places = join_households(households, units, beats, settings=s)
    station_of = beats.set_index("beat_id")["station"]
    homes = pd.DataFrame(households.drop(columns="geometry"))
    homes["block_id"] = places["block_id"].astype(object).to_numpy()
    homes["beat_id"] = places["beat_id"].astype(object).to_numpy()
    homes["placement"] = places["placement"].astype(object).to_numpy()
    homes["station"] = homes["beat_id"].map(station_of).fillna("").to_numpy()

    step("verifying visits")
    # text compared in C by verify and every rule, household ids hashed in C (made once)
    texted = with_arrow_text(visits, (*RULE_TEXT, "household_id"))
    codes = household_codes(homes, texted)  # each visit's household row, for every step
    if verify is None:  # the rows looked up once (a replacement verifier finds its own)
        checks = verify_visits(
            texted, households, graph=walk_graph, reviews=reviews, settings=s, household_rows=codes
        )
    else:
        checks = verify(texted, households, graph=walk_graph, reviews=reviews, settings=s)
    # plain (geopandas copies on drop); the GPS, as a geometry or two columns, is not written
    checked = pd.DataFrame(visits).drop(columns=["geometry", *GPS_COLUMNS], errors="ignore")
    for column in ("status", "verified", "flags", "shift"):
        checked[column] = checks[column]  # a Series on the same index: shared, not copied
    in_window = window_mask(checked["time"], start=start, end=end, settings=s)

    step("household status")
    # the outputs keep ``checked``'s own columns; the rules read the Arrow text
    facts = checked.assign(**{c: texted[c] for c in RULE_TEXT if c in checked.columns})
    status = household_status(homes, facts, start=start, end=end, settings=s, codes=codes)
    logged = s.replace(include_unverified=True)
    status["contacted_as_logged"] = (
        contact_counts(homes, facts, start=start, end=end, settings=logged, codes=codes) > 0
    )
    status["placement"] = homes["placement"].to_numpy()

    step("summaries and gaps")
    blocks_out = _block_table(units, block_beats, status, s)
    blocks_out = _with_band(blocks_out, facts, homes, start=start, end=end, settings=s, codes=codes)
    under = blocks_out.set_index("block_id")["under_visited"]
    name_of = blocks_out.set_index("block_id")["name"]
    status.insert(
        int(status.columns.get_loc("block_id")) + 1,
        "block_name",
        status["block_id"].map(name_of).fillna(status["block_id"]).to_numpy(),
    )
    status["in_under_visited_block"] = status["block_id"].map(under).fillna(False).astype(bool)
    todos = household_todos(status)
    status["needs_visit"] = todos["needs_visit"]
    status["needs_visit_reasons"] = todos["needs_visit_reasons"]
    to_visit = status.groupby("block_id")["needs_visit"].sum()
    blocks_out["households_to_visit"] = (
        blocks_out["block_id"].map(to_visit).fillna(0).astype("int64").to_numpy()
    )
    status["priority_rank"] = household_priority(status).to_numpy()
    scored = scored_visit_counts(
        status, facts, by="block_id", start=start, end=end, settings=s, codes=codes
    )
    blocks_out.insert(
        int(blocks_out.columns.get_loc("mean_satisfaction")) + 1,
        "satisfaction_visits",
        blocks_out["block_id"].map(scored).fillna(0).astype("int64").to_numpy(),
    )

    # only the columns the flag shares read, and no copy when every visit is in the window
    # (the default window is the visits' own span)
    shared = facts[[c for c in FLAG_SHARE_COLUMNS if c in facts.columns]]
    windowed = shared if in_window.all() else shared[in_window]
    beats_out = _beat_table(beats, status, _beat_flag_share(windowed, homes, codes[in_window]))
    stations_out = summarise(status, by="station")
    officers_out = officer_summary(
        status, facts, start=start, end=end, officer_beats=beats, settings=s, codes=codes
    ).join(
        officer_flag_share(windowed, settings=s),
        how="left",
        suffixes=("", "_checked"),
    )

    step("weekly trend")
    trend = weekly_trend(facts, homes, start=start, end=end, by="beat_id", settings=s, codes=codes)

    visits_out = _visit_table(checked, checks, in_window)
    households_out = status[
        list(HOUSEHOLD_COLUMNS) + [c for c in status.columns if c not in HOUSEHOLD_COLUMNS]
    ]
    return Analysis(
        blocks=blocks_out,
        households=households_out,
        visits=visits_out,
        beats=beats_out.reset_index(),
        stations=stations_out.reset_index(),
        officers=officers_out.reset_index(),
        trend=trend.reset_index(),
        topology=topology,
        window=(start, end),
    )


def unit_names(units: gpd.GeoDataFrame) -> pd.Series:
    """Return the units' names by ``block_id`` (their ids when the units carry no ``name``).

    Units from :func:`analysis.units.choose_units` are named by their streets
    (:mod:`geo.block_names`); bare blocks (``geo.blocks.blocks_from_graph``) by their ids.

    Examples
    --------
    >>> unit_names(pd.DataFrame({"block_id": ["B1"], "name": ["Main St / Hill Rd"]})).to_dict()
    {'B1': 'Main St / Hill Rd'}
    >>> unit_names(pd.DataFrame({"block_id": ["B1"]})).to_dict()
    {'B1': 'B1'}
    """
    ids = units["block_id"].astype(str)
    names = units["name"].astype(object) if "name" in units.columns else ids.astype(object)
    out = pd.Series(names.to_numpy(), index=ids.to_numpy(), name="name").fillna(
        pd.Series(ids.to_numpy(), index=ids.to_numpy())
    )
    out.index.name = "block_id"
    return out


def _beat_table(
    beats: gpd.GeoDataFrame, status: pd.DataFrame, flag_share: pd.DataFrame
) -> pd.DataFrame:
    """Return the beats' table: the imported columns, coverage (also as logged) and flags."""
    out = summarise(status, by="beat_id")
    out["coverage_as_logged"] = _logged_coverage(status, by="beat_id")
    out = out.join(flag_share, how="left").fillna({"flagged_visits": 0, "review_visits": 0})
    return beats.drop(columns="geometry").set_index("beat_id").join(out, how="left")


def _logged_coverage(status: pd.DataFrame, *, by: str) -> pd.Series:
    """Coverage counting every logged contact (``contacted_as_logged``), per ``by``.

    :func:`analysis.coverage.summarise`'s ``coverage`` of ``status`` with ``contacted``
    replaced by ``contacted_as_logged``, the same division of the same counts, without the
    other nine figures of a second summary.
    """
    grouped = status.groupby(by, dropna=False, observed=True, sort=True)["contacted_as_logged"]
    households = grouped.size().astype("float64")
    return grouped.sum() / households.where(households > 0)


def _visit_table(
    checked: pd.DataFrame, checks: pd.DataFrame, in_window: npt.NDArray[np.bool_]
) -> pd.DataFrame:
    """Return the visits' table: ids, the verdict, time, outcome, then every check column."""
    out = checked[["visit_id", "household_id", "officer_id"]]  # copied on write, not here
    # each column set as a Series on the same index: shared with ``checks`` (pandas copies an
    # array set as a column, 80 MB per number column at 10M visits), no text made again
    for column in ("verified", "status", "flags", "reason", "review"):
        out[column] = checks[column]
    out["time"] = checked["time"]
    out["outcome"] = checked["outcome"] if "outcome" in checked.columns else ""
    out["in_window"] = in_window
    for column in checks.columns:
        if column not in out.columns:
            out[column] = checks[column]
    return out


def _block_table(
    units: gpd.GeoDataFrame,
    block_beats: pd.DataFrame,
    status: pd.DataFrame,
    settings: Settings,
) -> gpd.GeoDataFrame:
    """Per-block figures with gaps and priority, geometry from ``units``."""
    by_block = summarise(status, by=["block_id"])
    logged_cov = _logged_coverage(status, by="block_id")
    unit_beat = pd.Series(
        block_beats["beat_id"].astype(object).to_numpy(), index=units["block_id"].to_numpy()
    )
    # a block's beat: the beat it overlaps most; outside pseudo-blocks (and any unit without
    # a beat): their households' most common beat, computed only for those few blocks
    beat = pd.Series(unit_beat).reindex(by_block.index)
    homeless = status["block_id"].isin(beat.index[beat.isna()]).to_numpy(dtype=bool)
    house_beat = (
        status[homeless]
        .groupby("block_id")["beat_id"]
        .agg(lambda b: b.dropna().mode().iloc[0] if b.notna().any() else None)
    )
    beat = beat.fillna(house_beat)
    by_block.insert(0, "beat_id", beat.to_numpy())
    gaps = find_gaps(by_block, settings=settings, prior_by="beat_id")
    table = by_block.join(gaps[["under_visited", "reasons", "priority", "shrunk_coverage"]])
    table["coverage_as_logged"] = logged_cov.reindex(table.index)
    # units without households still appear (0 households), so the map has every block
    empty = units.loc[~units["block_id"].isin(table.index), "block_id"]
    filler = pd.DataFrame(index=pd.Index(empty.to_numpy(), name="block_id"))
    filler["beat_id"] = unit_beat.reindex(filler.index).to_numpy()
    filler["households"] = 0
    filler["contacted_households"] = 0
    filler["under_visited"] = False
    filler["reasons"] = ""
    filler["priority"] = 0.0
    table = pd.concat([table, filler]) if len(filler) else table
    table = table.reset_index()
    geometry = units.set_index("block_id").geometry.reindex(table["block_id"]).to_numpy()
    out = gpd.GeoDataFrame(table, geometry=geometry, crs=units.crs)
    out.insert(1, "name", unit_names(units).reindex(out["block_id"]).to_numpy())
    out["name"] = out["name"].fillna(out["block_id"])  # outside pseudo-blocks: their ids
    for column in (
        "households",
        "contacted_households",
        "vulnerable_households",
        "vulnerable_overdue",
        "open_follow_ups",
        "attempts",
        "contacts",
    ):
        if column in out:
            out[column] = out[column].fillna(0).astype("int64")
    out["under_visited"] = out["under_visited"].fillna(False).astype(bool)
    out["reasons"] = out["reasons"].fillna("")
    out = out.sort_values(["priority", "block_id"], ascending=[False, True])
    return out.reset_index(drop=True)


def _with_band(
    blocks: gpd.GeoDataFrame,
    visits: pd.DataFrame,
    homes: pd.DataFrame,
    *,
    start: Any,
    end: Any,
    settings: Settings,
    codes: npt.NDArray[np.intp],
) -> gpd.GeoDataFrame:
    bands = recommended_band(visits, homes, start=start, end=end, settings=settings, codes=codes)
    out = blocks.copy()
    band = bands["recommended_band"].astype(object)
    out["recommended_band"] = out["block_id"].map(band).fillna("").astype(object)
    out["band_source"] = out["block_id"].map(bands["source"]).fillna("")
    out["band_expected_success"] = out["block_id"].map(bands["expected_success"])
    ordered = list(BLOCK_COLUMNS) + [c for c in out.columns if c not in BLOCK_COLUMNS]
    return out[ordered]


def _beat_flag_share(
    visits: pd.DataFrame, homes: pd.DataFrame, codes: npt.NDArray[np.intp]
) -> pd.DataFrame:
    """Per beat with visits: ``visits``, ``flagged_visits``, ``review_visits`` and the share.

    ``codes`` are the visits' household rows in ``homes`` (-1: unknown household, no beat).
    """
    beat_codes, beat_ids = pd.factorize(homes["beat_id"], sort=True)
    beat = np.where(codes >= 0, beat_codes[codes], -1)
    placed = beat >= 0
    beat = beat[placed]
    n = len(beat_ids)
    flagged = ~visits["verified"].to_numpy(dtype=bool)[placed]
    review = visits["status"].eq("review").to_numpy(dtype=bool)[placed]
    total = np.bincount(beat, minlength=n)
    seen = total > 0  # as a group-by: only the beats that have visits
    frame = pd.DataFrame(
        {
            "visits": total[seen],
            "flagged_visits": np.bincount(beat[flagged], minlength=n)[seen],
            "review_visits": np.bincount(beat[review], minlength=n)[seen],
        },
        index=pd.Index(np.asarray(beat_ids)[seen], name="beat_id"),
    )
    frame["flagged_share"] = frame["flagged_visits"] / frame["visits"].where(frame["visits"] > 0)
    return frame.astype({"flagged_visits": "int64", "review_visits": "int64"})

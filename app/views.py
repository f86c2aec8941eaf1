"""What each page shows, as plain tables: pure pandas on a scoped :class:`~app.state.View`.

Pages call these to pick, order and combine rows; nothing here draws, caches or reads
files, and nothing filters for security (the view is already restricted to the user's
scope). Every function returns a new frame and leaves its inputs untouched (the views are
shared, cached objects).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.gaps import REASONS
from analysis.timeofday import TIE_ORDER
from analysis.verify import FLAG_CODES
from app.i18n import translate
from geo.joins import OUTSIDE

FrameT = TypeVar("FrameT", bound=pd.DataFrame)

HEADLINE: Final = (
    "households",
    "coverage",
    "vulnerable_overdue",
    "open_follow_ups",
    "flagged_visits",
)
"""Headline figures of the Overview, in order (keys of ``Analysis.summary()``)."""

WORSE_WHEN_HIGHER: Final = frozenset({"vulnerable_overdue", "open_follow_ups", "flagged_visits"})
"""Figures whose rise is bad news (their change is coloured inversely)."""

BEAT_COLUMNS: Final = (
    "beat_id",
    "name",
    "station",
    "households",
    "contacted_households",
    "coverage",
    "coverage_change",
    "coverage_as_logged",
    "vulnerable_overdue",
    "open_follow_ups",
    "visits",
    "flagged_visits",
    "mean_satisfaction",
    "last_contact",
)
GAP_COLUMNS: Final = (
    "name",
    "block_id",
    "beat_id",
    "priority",
    "reasons",
    "households",
    "contacted_households",
    "coverage",
    "mean_satisfaction",
    "vulnerable_overdue",
    "open_follow_ups",
    "recommended_band",
    "last_contact",
)
HOUSEHOLD_COLUMNS: Final = (
    "priority_rank",
    "household_id",
    "address",
    "contacted",
    "vulnerable_category",
    "vulnerable_overdue",
    "open_follow_ups",
    "attempts",
    "last_contact",
    "days_waiting",
)
HISTORY_COLUMNS: Final = (
    "time",
    "household_id",
    "officer_id",
    "outcome",
    "duration_min",
    "verified",
    "flags",
    "issue_raised",
    "satisfaction",
    "note",
)
WORK_COLUMNS: Final = (
    "walk_order",
    "household_id",
    "address",
    "needs_visit_reasons",
    "block_name",
    "vulnerable_category",
    "vulnerable_overdue",
    "open_follow_ups",
    "contacted",
    "attempts",
    "last_contact",
    "days_waiting",
    "recommended_band",
)
"""Columns of My beat's household list (:func:`beat_list`), in order."""
STOP_COLUMNS: Final = (
    "order",
    "arrival",
    "address",
    "household_id",
    "block_name",
    "needs_visit_reasons",
    "walk_min",
    "priority",
)
"""Columns of a planned walk's stops on My beat (:func:`route_stops`), in order."""
BAND_COLUMNS: Final = (
    "name",
    "block_id",
    "households",
    "coverage",
    "mean_satisfaction",
    "under_visited",
    "recommended_band",
    "band_expected_success",
)


@dataclass(frozen=True)
class Figure:
    """One headline figure: its value now and its change against the previous period."""

    key: str
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """Value minus previous value (``None`` when either is missing)."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def headline(summary: dict[str, Any], previous: dict[str, Any]) -> list[Figure]:
    """Return the Overview's headline figures from two ``Analysis.summary()`` dicts.

    A previous period with no visits at all has nothing to compare with, and a window with
    no visits has nothing to compare: no change is shown in either case (rather than, say,
    "+79 pp" against an empty period, or "-79 pp" for a window not yet visited).

    Examples
    --------
    >>> now = {"households": 10, "coverage": 0.5, "visits": 4}
    >>> figures = headline(now, {"households": 10, "visits": 3})
    >>> [(f.key, f.value, f.change) for f in figures[:2]]
    [('households', 10.0, 0.0), ('coverage', 0.5, None)]
    >>> [f.change for f in headline(now, {"households": 10, "visits": 0})][:1]
    [None]
    >>> empty = headline({"households": 10, "visits": 0}, {"households": 10, "visits": 5})
    >>> [f.change for f in empty][:1]
    [None]
    """
    if not previous.get("visits") or not summary.get("visits"):
        previous = {}
    return [Figure(k, _number(summary.get(k)), _number(previous.get(k))) for k in HEADLINE]


def format_figure(key: str, value: float | None) -> str:
    """Return a figure as text: coverage as a percentage, counts as whole numbers."""
    if value is None:
        return "—"
    if key == "coverage":
        return f"{value:.1%}"
    return f"{int(round(value)):,}"


def format_change(key: str, change: float | None, *, points: str = "pp") -> str | None:
    """Return a change as signed text (``+1.5 pp`` for coverage, ``-3`` for counts)."""
    if change is None:
        return None
    if key == "coverage":
        return f"{change * 100:+.1f} {points}"
    return f"{int(round(change)):+,}"


def beat_table(beats: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Return one row per beat with its figures and coverage change, worst coverage first.

    As in :func:`headline`, a change needs something to compare: it is missing (an empty
    cell) for a beat with no visit in the previous period, and for every beat when the
    window holds no visit at all.

    Examples
    --------
    >>> now = pd.DataFrame({"beat_id": ["B1", "B2"], "coverage": [0.5, 0.8], "visits": [4, 6]})
    >>> before = pd.DataFrame({"beat_id": ["B1", "B2"], "coverage": [0.25, 0.0],
    ...                        "visits": [3, 0]})
    >>> beat_table(now, before)[["beat_id", "coverage_change"]].to_dict("list")
    {'beat_id': ['B1', 'B2'], 'coverage_change': [0.25, nan]}
    """
    out = pd.DataFrame(beats.drop(columns="geometry", errors="ignore")).copy()
    compared = previous
    if "visits" in previous.columns:
        compared = previous[previous["visits"].fillna(0) > 0]
    if "visits" in out.columns and not out["visits"].fillna(0).any():
        compared = compared.iloc[:0]
    before = compared.set_index("beat_id")["coverage"] if len(compared) else pd.Series()
    out["coverage_change"] = out["coverage"] - out["beat_id"].map(before).astype(float)
    out = out.sort_values(["coverage", "beat_id"], na_position="last")
    return _columns(out, BEAT_COLUMNS).reset_index(drop=True)


def trend_frame(trend: pd.DataFrame, *, value: str = "cumulative_coverage") -> pd.DataFrame:
    """Return the weekly trend for a chart: ``week_start`` (ISO date text), ``beat_id``, value.

    Examples
    --------
    >>> t = pd.DataFrame({"beat_id": ["B1"], "week_start": [pd.Timestamp("2026-07-06")],
    ...                   "cumulative_coverage": [0.25]})
    >>> trend_frame(t).to_dict("records")
    [{'week_start': '2026-07-06', 'beat_id': 'B1', 'cumulative_coverage': 0.25}]
    """
    if trend.empty:
        return pd.DataFrame(columns=["week_start", "beat_id", value])
    out = trend[["week_start", "beat_id", value]].sort_values(["beat_id", "week_start"])
    out = out.assign(
        week_start=pd.to_datetime(out["week_start"]).dt.strftime("%Y-%m-%d"),
        beat_id=out["beat_id"].astype(str),
    )
    return out.reset_index(drop=True)


def satisfaction_beats(beats: pd.DataFrame) -> pd.DataFrame:
    """Return the beats with both a coverage and a mean satisfaction, for the scatter chart.

    Columns ``beat_id``, ``label`` (the id and the beat's name, so labels sort as the ids
    do), ``coverage`` and ``mean_satisfaction`` (one voice per household,
    ``analysis.coverage.summarise``), by id.

    Examples
    --------
    >>> b = pd.DataFrame({"beat_id": ["B2", "B1", "B3"], "name": ["North", None, "South"],
    ...                   "coverage": [0.5, 0.8, 0.2], "mean_satisfaction": [4.0, 3.5, None]})
    >>> satisfaction_beats(b)[["label", "mean_satisfaction"]].values.tolist()
    [['B1', 3.5], ['B2 North', 4.0]]
    """
    out = pd.DataFrame(beats.drop(columns="geometry", errors="ignore"))
    names = out["name"] if "name" in out.columns else pd.Series(pd.NA, index=out.index)
    blank = names.isna() | names.astype(str).str.strip().eq("")
    out = out.assign(
        beat_id=out["beat_id"].astype(str),
        label=(out["beat_id"].astype(str) + " " + names.astype(object).where(~blank, ""))
        .astype(str)
        .str.strip(),
        coverage=out["coverage"].astype(float),
        mean_satisfaction=out["mean_satisfaction"].astype(float),
    )
    out = out.dropna(subset=["coverage", "mean_satisfaction"]).sort_values("beat_id")
    return out[["beat_id", "label", "coverage", "mean_satisfaction"]].reset_index(drop=True)


def satisfaction_waits(by_wait: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """Return ``analysis.satisfaction.satisfaction_by_wait`` for the bar chart.

    Columns ``wait`` (the bin's label in ``lang``, in the bins' order), ``mean_satisfaction``
    (None for an empty bin) and ``visits``.
    """
    means = by_wait["mean_satisfaction"].astype(float)
    return pd.DataFrame(
        {
            "wait": [translate(f"wait.{code}", lang) for code in by_wait.index],
            "mean_satisfaction": means.astype(object).where(means.notna(), None).to_numpy(),
            "visits": by_wait["visits"].astype("int64").to_numpy(),
        }
    )


def gap_blocks(
    blocks: gpd.GeoDataFrame,
    *,
    beats: Iterable[str] | None = None,
    vulnerable_only: bool = False,
    reasons: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Return the under-visited blocks matching the filters, highest priority first.

    Parameters
    ----------
    blocks : GeoDataFrame
        ``Analysis.blocks``.
    beats : iterable of str, optional
        Keep blocks of these beats (all when ``None`` or empty).
    vulnerable_only : bool
        Keep blocks with at least one vulnerable overdue household.
    reasons : iterable of str, optional
        Keep blocks with at least one of these reason codes (all when ``None`` or empty).
    """
    keep = blocks["under_visited"].to_numpy(dtype=bool).copy()
    wanted_beats = set(beats or ())
    if wanted_beats:
        keep &= blocks["beat_id"].isin(wanted_beats).to_numpy()
    if vulnerable_only:
        keep &= blocks["vulnerable_overdue"].fillna(0).to_numpy() > 0
    wanted = set(reasons or ())
    if wanted:
        codes = blocks["reasons"].fillna("").str.split(";")
        keep &= codes.map(lambda parts: bool(wanted & set(parts))).to_numpy(dtype=bool)
    out = blocks.loc[keep].sort_values(["priority", "block_id"], ascending=[False, True])
    return out.reset_index(drop=True)


WORST_COLUMNS: Final = (
    "rank",
    "block_id",
    "name",
    "beat_id",
    "priority",
    "reasons",
    "recommended_band",
    "households",
    "coverage",
)
"""Columns of :func:`worst_gaps`."""


def worst_gaps(blocks: pd.DataFrame, *, count: int = 5) -> pd.DataFrame:
    """Return the ``count`` under-visited blocks of highest priority, numbered from 1.

    The first rows of :func:`gap_blocks` (priority, then block id), so the numbers on Overview's
    map and list are the first rows of the Gaps table.

    Examples
    --------
    >>> blocks = pd.DataFrame({
    ...     "block_id": ["B1", "B2", "B3", "B4"], "name": ["A / B", "C / D", "E", "F"],
    ...     "beat_id": ["X", "X", "Y", "Y"], "priority": [3.0, 9.0, 9.0, 20.0],
    ...     "under_visited": [True, True, True, False], "reasons": ["low_coverage"] * 4,
    ...     "recommended_band": ["evening"] * 4, "households": [4, 9, 9, 20],
    ...     "coverage": [0.5, 0.1, 0.1, 0.9]})
    >>> worst_gaps(blocks, count=2)[["rank", "block_id", "name"]].values.tolist()
    [[1, 'B2', 'C / D'], [2, 'B3', 'E']]
    """
    rows = gap_blocks(blocks).head(max(int(count), 0))
    out = pd.DataFrame(_columns(rows, WORST_COLUMNS[1:]))
    if "name" in out.columns:
        out["name"] = list(block_labels(rows).values())
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def gap_table(gaps: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the gap blocks as a table (no geometry), in the order given."""
    return pd.DataFrame(_columns(gaps, GAP_COLUMNS)).reset_index(drop=True)


def gap_features(gaps: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the gap blocks with their polygons, for the GeoJSON download."""
    columns = [*_columns(gaps, GAP_COLUMNS).columns, gaps.geometry.name]
    return gpd.GeoDataFrame(gaps[columns].reset_index(drop=True), geometry=gaps.geometry.name)


def block_households(
    households: pd.DataFrame, block_id: str, *, vulnerable_only: bool = False
) -> pd.DataFrame:
    """Return a block's households: not yet contacted first, then by ``priority_rank``."""
    rows = households[households["block_id"] == block_id]
    if vulnerable_only:
        rows = rows[rows["vulnerable"].fillna(False).astype(bool)]
    rows = rows.sort_values(["contacted", "priority_rank"])
    return _columns(rows, HOUSEHOLD_COLUMNS).reset_index(drop=True)


AUDIT_COLUMNS: Final = ("seq", "at", "username", "role", "action", "target", "outcome", "hash")
"""Columns of the Audit page's table (``action`` translated, ``outcome`` as recorded)."""


def audit_table(rows: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """Return audit rows for the Audit page: actions in words, outcome as ``audit_outcome``.

    The outcome column is renamed so that it is not read as a visit's outcome.

    Examples
    --------
    >>> rows = pd.DataFrame({"seq": [2], "at": ["t"], "username": ["chief"], "role": ["chief"],
    ...     "action": ["review"], "target": ["visit V1: dismissed"], "outcome": ["ok"],
    ...     "hash": ["ab"]})
    >>> audit_table(rows, lang="zh")[["action", "audit_outcome"]].to_dict("records")
    [{'action': '审核决定', 'audit_outcome': 'ok'}]
    """
    out = _columns(rows, AUDIT_COLUMNS).copy()
    out["action"] = [translate(f"action.{a}", lang) for a in out["action"]]
    return out.rename(columns={"outcome": "audit_outcome"})


def beat_households(households: pd.DataFrame, beat_id: str) -> dict[str, str]:
    """Return a beat's households as ``{household_id: "id address"}``, by id (for a selector).

    Examples
    --------
    >>> homes = pd.DataFrame({"household_id": ["h2", "h1", "h3"], "beat_id": ["B1", "B1", "B2"],
    ...                       "address": ["Main st 2", None, "Far st 9"]})
    >>> beat_households(homes, "B1")
    {'h1': 'h1', 'h2': 'h2 Main st 2'}
    """
    rows = households[households["beat_id"] == beat_id].sort_values("household_id")
    address = rows["address"] if "address" in rows else pd.Series("", index=rows.index)
    return {
        str(h): f"{h} {'' if pd.isna(a) else a}".strip()
        for h, a in zip(rows["household_id"], address, strict=True)
    }


def household_details(households: pd.DataFrame, household_id: str) -> pd.DataFrame:
    """Return one household's row for its details (the columns of a block's households)."""
    rows = households[households["household_id"] == household_id]
    return _columns(rows, HOUSEHOLD_COLUMNS).reset_index(drop=True)


def visit_history(visits: pd.DataFrame, household_ids: Iterable[str]) -> pd.DataFrame:
    """Return the visits of some households, latest first."""
    wanted = set(household_ids)
    rows = visits[visits["household_id"].isin(wanted)]
    rows = rows.sort_values(["time", "visit_id"], ascending=[False, True], na_position="last")
    return _columns(rows, HISTORY_COLUMNS).reset_index(drop=True)


def beat_list(
    households: gpd.GeoDataFrame,
    blocks: pd.DataFrame,
    beat_ids: Iterable[str],
    *,
    order: pd.Series | None = None,
    no_block: str = "",
) -> gpd.GeoDataFrame:
    """Return every household of ``beat_ids`` for the officer's list, to-dos first.

    Parameters
    ----------
    households : GeoDataFrame
        ``View.households``: the analysis' households with address and point.
    blocks : DataFrame
        The analysis' blocks (``block_id``, ``recommended_band``).
    beat_ids : iterable of str
        The beats listed. A household is listed by its own ``beat_id`` (the beat polygon
        holding it), whatever block it was placed in.
    order : Series, optional
        The walking order by ``household_id`` (``Int64``, 1 = first door); becomes
        ``walk_order``. Households not in it have none.
    no_block : str, default ``""``
        ``block_name`` of households placed in no block (the ``outside:<beat>``
        pseudo-block of the analysis); their ``block_id`` is blank too.

    Returns
    -------
    GeoDataFrame
        :data:`WORK_COLUMNS` that exist, ``todo`` (the most urgent to-do code,
        :func:`urgent_todo`; ``""`` when none) and the point. Households with a to-do
        (``needs_visit``: never contacted, vulnerable overdue or an open follow-up,
        ``analysis.gaps.household_todos``) come first, in walking order, then by
        ``priority_rank``; then the others by id.
    """
    wanted = {str(b) for b in beat_ids}
    rows = households[households["beat_id"].astype(str).isin(wanted)].copy()
    band = blocks.set_index("block_id")["recommended_band"]
    rows["recommended_band"] = rows["block_id"].map(band).fillna("")
    rows["walk_order"] = _walk_order(rows["household_id"], order)
    rows["todo"] = urgent_todo(rows["needs_visit_reasons"])
    pseudo = rows["block_id"].astype(str).str.startswith(OUTSIDE)  # outside[:<beat>]
    rows.loc[pseudo, "block_id"] = ""
    rows.loc[pseudo, "block_name"] = no_block
    rows["_rest"] = ~rows["needs_visit"].astype(bool)
    keys = ["_rest", "walk_order", "priority_rank", "household_id"]
    rows = rows.sort_values([k for k in keys if k in rows.columns], na_position="last")
    columns = [c for c in (*WORK_COLUMNS, "block_id", "todo") if c in rows.columns]
    return gpd.GeoDataFrame(
        rows[[*columns, rows.geometry.name]].reset_index(drop=True),
        geometry=rows.geometry.name,
        crs=rows.crs,
    )


def _walk_order(household_ids: pd.Series, order: pd.Series | None) -> pd.Series:
    if order is None:
        return pd.Series(pd.NA, index=household_ids.index, dtype="Int64")
    return household_ids.map(order).astype("Int64")


def todos(rows: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of :func:`beat_list` with a to-do, in their order."""
    return rows[has_todo(rows)]


def todo_count(rows: pd.DataFrame) -> int:
    """Return how many rows of :func:`beat_list` have a to-do (no rows copied).

    Examples
    --------
    >>> todo_count(pd.DataFrame({"todo": ["never_contacted", "", "open_follow_up"]}))
    2
    """
    return int(has_todo(rows).sum())


def has_todo(rows: pd.DataFrame) -> pd.Series:
    """Return where a row of :func:`beat_list` has a to-do."""
    return rows["todo"] != ""


def route_stops(stops: pd.DataFrame, blocks: pd.DataFrame) -> pd.DataFrame:
    """Return a planned walk's stops for the page: :data:`STOP_COLUMNS`, blocks by name."""
    out = pd.DataFrame(stops.drop(columns="geometry", errors="ignore"))
    out["block_name"] = out["block_id"].map(block_labels(blocks)).fillna("")
    return _columns(out, STOP_COLUMNS).reset_index(drop=True)


def walk_band(rows: pd.DataFrame, *, now_band: str) -> str:
    """Return the band to plan a walk in: the one advised for most of the to-dos.

    ``now_band`` (the band of the current time) when no to-do has an advised band, or it
    is one of those advised for the most; other ties go by ``analysis.timeofday.TIE_ORDER``.

    Examples
    --------
    >>> rows = pd.DataFrame({"todo": ["open_follow_up", "never_contacted", "", "x"],
    ...                      "recommended_band": ["morning", "morning", "evening", "evening"]})
    >>> walk_band(rows, now_band="evening"), walk_band(rows.iloc[:0], now_band="midday")
    ('morning', 'midday')
    """
    advised = rows.loc[has_todo(rows), "recommended_band"].fillna("").astype(str)
    counts = advised[advised.isin(TIE_ORDER)].value_counts()
    if counts.empty:
        return now_band
    best = counts[counts == counts.max()].index
    if now_band in best:
        return now_band
    return next(b for b in TIE_ORDER if b in best)


TODO_URGENCY: Final = ("vulnerable_overdue", "open_follow_up", "never_contacted")
"""Household to-do codes, most urgent first (the colour of a household on the maps)."""


def urgent_todo(reasons: pd.Series) -> pd.Series:
    """Return the most urgent to-do code of each ``;``-separated reasons text.

    Examples
    --------
    >>> reasons = pd.Series(["never_contacted;vulnerable_overdue", "open_follow_up", ""])
    >>> urgent_todo(reasons).tolist()
    ['vulnerable_overdue', 'open_follow_up', '']
    """
    codes = reasons.fillna("").astype(str).str.split(";")
    first = [next((c for c in TODO_URGENCY if c in parts), "") for parts in codes]
    return pd.Series(first, index=reasons.index, name="todo")


def urgent_households(
    households: gpd.GeoDataFrame, *, beats: Iterable[str] | None = None
) -> gpd.GeoDataFrame:
    """Return the households with an urgent to-do (vulnerable overdue or open follow-up).

    These are marked on the Gaps map whether or not their block is under-visited: one
    person waiting does not make a block a gap, but the chief must see where they are.
    """
    rows = households
    wanted = set(beats or ())
    if wanted:
        rows = rows[rows["beat_id"].isin(wanted)]
    todo = urgent_todo(rows["needs_visit_reasons"])
    keep = todo.isin(TODO_URGENCY[:2]).to_numpy()
    columns = ["household_id", "address", "block_id", "block_name", "needs_visit_reasons"]
    out = rows.loc[keep, [c for c in columns if c in rows.columns] + [rows.geometry.name]]
    out = gpd.GeoDataFrame(out.reset_index(drop=True), geometry=rows.geometry.name)
    out["todo"] = todo[keep].to_numpy()
    return out


def band_table(blocks: pd.DataFrame, beat_id: str) -> pd.DataFrame:
    """Return a beat's blocks with households and their recommended time band."""
    rows = blocks[(blocks["beat_id"] == beat_id) & (blocks["households"] > 0)]
    rows = rows.sort_values(["priority", "block_id"], ascending=[False, True])
    return _columns(rows, BAND_COLUMNS).reset_index(drop=True)


def beat_figures(beats: pd.DataFrame, beat_id: str) -> dict[str, Any]:
    """Return one beat's row of ``Analysis.beats`` as a dict (empty when not in view)."""
    rows = beats[beats["beat_id"] == beat_id]
    if rows.empty:
        return {"beat_id": beat_id}
    record: dict[str, Any] = rows.drop(columns="geometry", errors="ignore").iloc[0].to_dict()
    return record


def window_is_empty(visits: pd.DataFrame) -> bool:
    """Tell whether no visit falls in the analysis window (``in_window``).

    Examples
    --------
    >>> window_is_empty(pd.DataFrame({"in_window": [False, False]}))
    True
    >>> window_is_empty(pd.DataFrame({"in_window": [False, True]}))
    False
    """
    return not bool(visits["in_window"].fillna(False).to_numpy(dtype=bool).any())


def window_visits(visits: FrameT) -> FrameT:
    """Return the visits inside the analysis window (``in_window``), in their order.

    ``View.visits`` holds every visit of the scope (the household history needs them);
    figures about visits are of the window only, as in ``Analysis.summary()``.

    Examples
    --------
    >>> visits = pd.DataFrame({"visit_id": ["V1", "V2", "V3"], "in_window": [True, False, True]})
    >>> window_visits(visits)["visit_id"].tolist()
    ['V1', 'V3']
    """
    keep = visits["in_window"].fillna(False).to_numpy(dtype=bool)
    return visits.loc[keep]


def flag_counts(visits: pd.DataFrame) -> pd.DataFrame:
    """Return, per flag code, how many visits carry it and how many of those do not count."""
    carries = _flag_marks(visits["flags"])
    counted = ~visits["verified"].astype(bool)
    rows = []
    for code in FLAG_CODES:
        has = carries[code]
        rows.append(
            {
                "flag": code,
                "visits": int(has.sum()),
                "not_counted": int((has & counted.to_numpy()).sum()),
            }
        )
    return pd.DataFrame(rows, columns=["flag", "visits", "not_counted"])


def officer_flags(visits: pd.DataFrame) -> pd.DataFrame:
    """Return, per officer, visits, visits not counted, their share and each flag's count."""
    return _flag_table(visits, "officer_id", visits["officer_id"])


def block_flags(visits: pd.DataFrame, households: pd.DataFrame) -> pd.DataFrame:
    """Return, per block of the visited household, the same figures as :func:`officer_flags`.

    The block's name (``block_name``) follows its id when the households carry it.
    """
    block_of = households.set_index("household_id")["block_id"]
    out = _flag_table(visits, "block_id", visits["household_id"].map(block_of))
    if "block_name" in households.columns:
        names = households.drop_duplicates("block_id").set_index("block_id")["block_name"]
        out.insert(1, "block_name", out["block_id"].map(names).fillna(out["block_id"]))
    return out


def block_labels(blocks: pd.DataFrame) -> dict[str, str]:
    """Return ``{block_id: name}`` in the blocks' order, for a block selector.

    A block is shown by its name (its streets); blocks without one by their id.

    Examples
    --------
    >>> blocks = pd.DataFrame({"block_id": ["B2", "B1"], "name": ["Main St / Hill Rd", None]})
    >>> block_labels(blocks)
    {'B2': 'Main St / Hill Rd', 'B1': 'B1'}
    """
    ids = blocks["block_id"].astype(str)
    if "name" not in blocks.columns:
        return dict(zip(ids, ids, strict=True))
    names = blocks["name"].astype(object).where(blocks["name"].notna(), ids)
    return dict(zip(ids, names.astype(str), strict=True))


def _flag_table(visits: pd.DataFrame, column: str, keys: pd.Series) -> pd.DataFrame:
    """Group visits by ``keys``: visits, not counted, their share and each flag's count."""
    if visits.empty:
        return pd.DataFrame(columns=[column, "visits", "not_counted", "not_counted_share"])
    carries = _flag_marks(visits["flags"])
    frame = pd.DataFrame(
        {
            column: keys.fillna("").astype(str).to_numpy(),
            "visits": 1,
            "not_counted": (~visits["verified"].astype(bool)).astype(int).to_numpy(),
        }
    )
    for code in FLAG_CODES:
        frame[code] = carries[code].astype(int)
    out = frame.groupby(column, sort=True).sum().reset_index()
    out.insert(3, "not_counted_share", out["not_counted"] / out["visits"])
    return out.sort_values(["not_counted", column], ascending=[False, True]).reset_index(drop=True)


def _flag_marks(flags: pd.Series) -> dict[str, np.ndarray]:
    """Return, per flag code, whether each visit's ``;``-joined ``flags`` holds it.

    Examples
    --------
    >>> marks = _flag_marks(pd.Series(["no_gps;too_short", "", None]))
    >>> marks["no_gps"].tolist(), marks["too_short"].tolist()
    ([True, False, False], [True, False, False])
    """
    wrapped = ";" + flags.astype("string").fillna("") + ";"
    return {
        code: wrapped.str.contains(f";{code};", regex=False).to_numpy(dtype=bool)
        for code in FLAG_CODES
    }


def reason_codes() -> tuple[str, ...]:
    """Return every block reason code (for the Gaps filter)."""
    return REASONS


def first_flag(flags: Any) -> str:
    """Return the first code of a ``;``-separated flags text (``""`` when none).

    Examples
    --------
    >>> first_flag("far_from_door;too_short"), first_flag("")
    ('far_from_door', '')
    """
    text = flags if isinstance(flags, str) else ""
    return next((p for p in text.split(";") if p), "")


def _columns(frame: pd.DataFrame, wanted: Sequence[str]) -> pd.DataFrame:
    return frame[[c for c in wanted if c in frame.columns]]


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number

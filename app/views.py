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
import shapely

from analysis.gaps import REASONS
from analysis.verify import FLAG_CODES, FLAG_GRADES, NOT_COUNTED, REVIEW, STATUSES
from app.i18n import code_label, translate
from app.maps import StepColors, step_colors
from geo.projection import to_wgs84
from geo.settings import Settings

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

PRIORITY_PALETTE: Final = ("#fee5d9", "#fcae91", "#fb6a4a", "#cb181d")
"""Priority colours, lowest to highest (ColorBrewer Reds)."""

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
    "block_id",
    "beat_id",
    "priority",
    "reasons",
    "households",
    "contacted_households",
    "coverage",
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
    "note",
)
WORK_COLUMNS: Final = (
    "priority_rank",
    "household_id",
    "address",
    "block_id",
    "vulnerable_category",
    "vulnerable_overdue",
    "open_follow_ups",
    "attempts",
    "last_contact",
    "days_waiting",
    "recommended_band",
)
BAND_COLUMNS: Final = (
    "block_id",
    "households",
    "coverage",
    "under_visited",
    "recommended_band",
    "band_expected_success",
)
REVIEW_COLUMNS: Final = (
    "visit_id",
    "time",
    "officer_id",
    "household_id",
    "address",
    "outcome",
    "duration_min",
    "status",
    "reason",
    "review",
    "reviewer",
    "decided_at",
    "door_distance_m",
    "flags",
)
"""Columns of the Visit quality list (:func:`review_visits`), in order."""

PATH_COLUMNS: Final = (
    "visit_id",
    "time",
    "officer_id",
    "household_id",
    "outcome",
    "status",
    "flags",
)
"""Columns of an officer's shift (:func:`shift_path`)."""


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

    A previous period with no visits at all has nothing to compare with: no change is shown
    (rather than, say, "+79 pp" against an empty period).

    Examples
    --------
    >>> figures = headline({"households": 10, "coverage": 0.5}, {"households": 10, "visits": 3})
    >>> [(f.key, f.value, f.change) for f in figures[:2]]
    [('households', 10.0, 0.0), ('coverage', 0.5, None)]
    >>> [f.change for f in headline({"households": 10}, {"households": 10, "visits": 0})][:1]
    [None]
    """
    if not previous.get("visits"):
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
    """Return one row per beat with its figures and coverage change, worst coverage first."""
    out = pd.DataFrame(beats.drop(columns="geometry", errors="ignore")).copy()
    before = previous.set_index("beat_id")["coverage"] if len(previous) else pd.Series()
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


def gap_table(gaps: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the gap blocks as a table (no geometry), in the order given."""
    return pd.DataFrame(_columns(gaps, GAP_COLUMNS)).reset_index(drop=True)


def gap_features(gaps: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the gap blocks with their polygons, for the GeoJSON download."""
    columns = [*_columns(gaps, GAP_COLUMNS).columns, gaps.geometry.name]
    return gpd.GeoDataFrame(gaps[columns].reset_index(drop=True), geometry=gaps.geometry.name)


def priority_colors(values: Sequence[float] | pd.Series) -> StepColors:
    """Return a colour scale for block priority: reds by quartile of ``values``.

    Priorities are skewed (a few blocks hold most of the urgent work), so the bins are the
    quartiles of the blocks shown, each a darker red; fewer distinct values give fewer bins.

    Examples
    --------
    >>> priority_colors([1.0, 2.0, 3.0, 4.0, 5.0]).labels
    ('1.0–2.0', '2.0–3.0', '3.0–4.0', '4.0–5.0')
    >>> priority_colors([2.0, 2.0]).labels
    ('2.0–3.0',)
    """
    numbers = np.array(
        [float(v) for v in values if v is not None and not math.isnan(float(v))], dtype=float
    )
    if numbers.size == 0:
        numbers = np.array([0.0])
    edges = np.unique(np.quantile(numbers, np.linspace(0, 1, len(PRIORITY_PALETTE) + 1)))
    if edges.size < 2:
        edges = np.array([edges[0], edges[0] + 1.0])
    palette = PRIORITY_PALETTE[len(PRIORITY_PALETTE) - (edges.size - 1) :]
    return step_colors(edges.tolist(), palette, label_format="{:.1f}")


def block_households(
    households: pd.DataFrame, block_id: str, *, vulnerable_only: bool = False
) -> pd.DataFrame:
    """Return a block's households: not yet contacted first, then by ``priority_rank``."""
    rows = households[households["block_id"] == block_id]
    if vulnerable_only:
        rows = rows[rows["vulnerable"].fillna(False).astype(bool)]
    rows = rows.sort_values(["contacted", "priority_rank"])
    return _columns(rows, HOUSEHOLD_COLUMNS).reset_index(drop=True)


def visit_history(visits: pd.DataFrame, household_ids: Iterable[str]) -> pd.DataFrame:
    """Return the visits of some households, latest first."""
    wanted = set(household_ids)
    rows = visits[visits["household_id"].isin(wanted)]
    rows = rows.sort_values(["time", "visit_id"], ascending=[False, True], na_position="last")
    return _columns(rows, HISTORY_COLUMNS).reset_index(drop=True)


def work_list(households: pd.DataFrame, blocks: pd.DataFrame, beat_id: str) -> pd.DataFrame:
    """Return a beat's households still to visit: not contacted, or vulnerable and overdue.

    Ordered by ``priority_rank`` (1 = first door to knock on), with each household's
    block's recommended time band; the household points are kept when ``households`` is a
    GeoDataFrame.
    """
    rows = households[households["beat_id"] == beat_id]
    todo = ~rows["contacted"].astype(bool) | rows["vulnerable_overdue"].astype(bool)
    rows = rows[todo].copy()
    band = blocks.set_index("block_id")["recommended_band"]
    rows["recommended_band"] = rows["block_id"].map(band).fillna("")
    rows = rows.sort_values("priority_rank")
    columns = [c for c in WORK_COLUMNS if c in rows.columns]
    if isinstance(rows, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(
            rows[[*columns, rows.geometry.name]].reset_index(drop=True),
            geometry=rows.geometry.name,
        )
    return rows[columns].reset_index(drop=True)


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


def review_visits(
    visits: gpd.GeoDataFrame,
    households: pd.DataFrame,
    decisions: pd.DataFrame,
    *,
    settings: Settings,
    lang: str,
) -> gpd.GeoDataFrame:
    """Return the visits a chief should look at, worst first, each with its reason.

    Listed are the visits in ``review`` or ``not_counted`` and every visit a chief decided
    on (a dismissed visit counts again but stays listed, with its decision, so it can be
    changed). Worst first: by the grade of the first flag (``not_counted`` before
    ``review``), then by flag in :data:`~analysis.verify.FLAG_CODES` order (so rows whose
    only flag is ``no_gps`` come last), then latest first. The order follows the evidence,
    not the decision, so a row stays in place when a chief decides on it.

    Parameters
    ----------
    visits : GeoDataFrame
        Visits of the view (one window) with the verification columns.
    households : DataFrame
        Households with ``household_id`` and ``address``.
    decisions : DataFrame
        The workspace's decisions (``visit_id``, ``reviewer``, ``decided_at``); who
        decided and when are shown where the analysis applied a decision.
    settings : Settings
        Thresholds quoted in the reasons.
    lang : str
        Language of the reasons (see :func:`reason_text`).

    Returns
    -------
    GeoDataFrame
        :data:`REVIEW_COLUMNS` and the GPS point, on a fresh index.
    """
    decided = visits["review"].fillna("").astype(str) != ""
    keep = visits["status"].isin([REVIEW, NOT_COUNTED]).to_numpy() | decided.to_numpy()
    rows = visits[keep]
    first = rows["flags"].map(first_flag)
    log = decisions.drop_duplicates("visit_id", keep="last")
    log = log[log["visit_id"].isin(rows.loc[decided[keep].to_numpy(), "visit_id"])]
    address = households.set_index("household_id")["address"]
    rows = rows.assign(
        address=rows["household_id"].map(address),
        reason=[reason_text(r, settings=settings, lang=lang) for r in _records(rows)],
        _grade=first.map(FLAG_GRADES).map(STATUSES.index).fillna(0).to_numpy(),
        _rank=first.map(FLAG_CODES.index).fillna(len(FLAG_CODES)).to_numpy(),
    ).merge(log[["visit_id", "reviewer", "decided_at"]], on="visit_id", how="left")
    rows["reviewer"] = rows["reviewer"].fillna("")
    rows = rows.sort_values(
        ["_grade", "_rank", "time", "visit_id"],
        ascending=[False, True, False, True],
        na_position="last",
    )
    out = rows[[*[c for c in REVIEW_COLUMNS if c in rows.columns], rows.geometry.name]]
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry=rows.geometry.name)


def quality_figures(visits: pd.DataFrame) -> dict[str, int]:
    """Return the Visit quality headline: visits, in review, not counted, decided by a chief.

    Examples
    --------
    >>> visits = pd.DataFrame({"status": ["counted", "review", "not_counted", "counted"],
    ...                        "review": ["", "", "confirmed", "dismissed"]})
    >>> quality_figures(visits)
    {'visits': 4, 'review': 1, 'not_counted': 1, 'decided': 2}
    """
    status = visits["status"]
    return {
        "visits": len(visits),
        "review": int((status == REVIEW).sum()),
        "not_counted": int((status == NOT_COUNTED).sum()),
        "decided": int((visits["review"].fillna("") != "").sum()),
    }


def utc_minute(value: Any) -> str:
    """Return a time as ``YYYY-MM-DD HH:MM`` in UTC (``""`` when missing).

    Examples
    --------
    >>> utc_minute(pd.Timestamp("2026-07-01 09:05:30+03:00")), utc_minute(pd.NaT)
    ('2026-07-01 06:05', '')
    """
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%d %H:%M")


def visit_choices(listed: pd.DataFrame, *, lang: str) -> dict[str, str]:
    """Return a label per listed visit for a selector: id, officer, time and first flag.

    Examples
    --------
    >>> listed = pd.DataFrame({"visit_id": ["V1"], "officer_id": ["P7"], "flags": ["gps_far"],
    ...     "time": [pd.Timestamp("2026-07-01 09:05", tz="Europe/Helsinki")]})
    >>> visit_choices(listed, lang="en")
    {'V1': 'V1 · P7 · 2026-07-01 09:05 · GPS far away'}
    """
    labels = {}
    for row in _records_of(listed, ["visit_id", "officer_id", "time", "flags"]):
        when = "" if pd.isna(row["time"]) else row["time"].strftime("%Y-%m-%d %H:%M")
        flag = code_label("flag", first_flag(row["flags"]), lang)
        officer = "" if _missing_text(row["officer_id"]) else str(row["officer_id"])
        parts = [str(row["visit_id"]), officer, when, flag]
        labels[str(row["visit_id"])] = " · ".join(parts)
    return labels


def reason_text(record: Any, *, settings: Settings, lang: str) -> str:
    """Return why a visit is flagged, in ``lang``: its first flag with its own figures.

    The sentence is built from the flag code and the numeric columns (``door_distance_m``,
    ``gap_min``, ``straight_m``, ``travel_m``, ``travel_needed_min``, ``duration_min``),
    so it follows the language of the page; a figure that is missing falls back to the
    flag's short description. ``""`` for a visit without flags.

    Examples
    --------
    >>> from geo.settings import DEFAULTS
    >>> row = {"flags": "impossible_travel;fast_travel", "straight_m": 1881.4, "gap_min": 4}
    >>> reason_text(row, settings=DEFAULTS, lang="en")
    '1,881 m from the previous visit in 4.0 min: impossible even running straight'
    >>> reason_text({"flags": "gps_far", "door_distance_m": 412.0}, settings=DEFAULTS, lang="zh")
    'GPS 位置离门口 412 米，远超任何定位误差'
    >>> reason_text({"flags": "far_from_door"}, settings=DEFAULTS, lang="en")
    "GPS point rather far from the household's door"
    """
    code = first_flag(record.get("flags"))
    if not code:
        return ""
    number = {c: _number(record.get(c)) for c in _REASON_FIGURES}
    key = f"why.{code}"
    params: dict[str, Any] = {}
    if code in ("gps_far", "far_from_door"):
        params = {"distance": _metres(number["door_distance_m"])}
    elif code == "impossible_travel":
        params = {
            "distance": _metres(number["straight_m"]),
            "gap": _minutes(number["gap_min"]),
        }
    elif code == "fast_travel":
        key += "_network" if record.get("travel_method") == "network" else ""
        params = {
            "distance": _metres(number["travel_m"]),
            "gap": _minutes(number["gap_min"]),
            "needed": _minutes(number["travel_needed_min"]),
        }
    elif code == "too_short":
        params = {"minutes": _minutes(number["duration_min"]), "limit": settings.too_short_min}
    elif code == "one_spot_burst":
        params = {"count": settings.burst_min_households, "span": settings.burst_span_min}
    elif code == "duplicate":
        params = {"window": settings.duplicate_window_min}
    if any(v is None for v in params.values()):
        return translate(f"flag_desc.{code}", lang)
    return translate(key, lang, **params)


_REASON_FIGURES: Final = (
    "door_distance_m",
    "gap_min",
    "straight_m",
    "travel_m",
    "travel_needed_min",
    "duration_min",
)


def _metres(value: float | None) -> str | None:
    return None if value is None else f"{value:,.0f}"


def _minutes(value: float | None) -> str | None:
    return None if value is None else f"{value:.1f}"


def _missing_text(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return _records_of(frame, ["flags", "travel_method", *_REASON_FIGURES])


def _records_of(frame: pd.DataFrame, wanted: Sequence[str]) -> list[dict[str, Any]]:
    """Return the rows as dicts of the ``wanted`` columns the frame has."""
    columns = [c for c in wanted if c in frame.columns]
    records: list[dict[str, Any]] = pd.DataFrame(frame[columns]).to_dict("records")
    return records


def shift_path(visits: gpd.GeoDataFrame, visit_id: str) -> gpd.GeoDataFrame:
    """Return the officer's visits of the shift holding ``visit_id``, in time order.

    The shift is the verifier's (``shift``: logs with no break of ``shift_gap_h``); a visit
    with no shift (no officer or time) is alone. Rows keep their GPS point (may be empty).
    Empty when the visit is not in ``visits``.
    """
    mine = visits[visits["visit_id"] == visit_id]
    if mine.empty:
        return gpd.GeoDataFrame(
            visits.iloc[0:0][[*PATH_COLUMNS, visits.geometry.name]], geometry=visits.geometry.name
        )
    row = mine.iloc[0]
    if int(row["shift"]) < 0:
        rows = mine
    else:
        same = (visits["officer_id"] == row["officer_id"]) & (visits["shift"] == row["shift"])
        rows = visits[same.to_numpy()]
    rows = rows.sort_values(["time", "visit_id"], na_position="last")
    out = rows[[*PATH_COLUMNS, rows.geometry.name]].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=rows.geometry.name)


def door_lines(visits: gpd.GeoDataFrame, households: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a line from each visit's GPS point to the door it claims (WGS84).

    Visits without a GPS point, or whose household has no location, get no line.
    Columns ``visit_id``, ``flags`` and ``door_distance_m`` come along.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> homes = gpd.GeoDataFrame({"household_id": ["h"]}, geometry=[Point(24.95, 60.17)],
    ...     crs="EPSG:4326")
    >>> logs = gpd.GeoDataFrame({"visit_id": ["v", "w"], "household_id": ["h", "h"],
    ...     "flags": ["gps_far", "no_gps"], "door_distance_m": [330.0, None]},
    ...     geometry=[Point(24.95, 60.173), None], crs="EPSG:4326")
    >>> door_lines(logs, homes).geometry.to_wkt().tolist()
    ['LINESTRING (24.95 60.173, 24.95 60.17)']
    """
    gps = to_wgs84(visits.geometry)
    doors = to_wgs84(households.set_index("household_id").geometry)
    door = gpd.GeoSeries(
        visits["household_id"].map(doors).to_numpy(), index=visits.index, crs=doors.crs
    )
    both = (gps.notna() & ~gps.is_empty & door.notna() & ~door.is_empty).to_numpy()
    start = shapely.get_coordinates(np.asarray(gps.to_numpy()[both], dtype=object))
    end = shapely.get_coordinates(np.asarray(door.to_numpy()[both], dtype=object))
    lines = shapely.linestrings(np.stack([start, end], axis=1)) if both.any() else []
    columns = [c for c in ("visit_id", "flags", "door_distance_m") if c in visits.columns]
    frame = pd.DataFrame(visits.loc[both, columns]).reset_index(drop=True)
    return gpd.GeoDataFrame(frame, geometry=list(lines), crs=doors.crs)


def visit_block(
    visit_id: str, visits: pd.DataFrame, households: pd.DataFrame, blocks: pd.DataFrame
) -> dict[str, Any]:
    """Return the block of a visit's household with its coverage figures (``{}`` if none).

    Keys ``block_id``, ``households``, ``contacted_households`` and ``coverage``.
    """
    household = visits.loc[visits["visit_id"] == visit_id, "household_id"]
    block = households.loc[households["household_id"].isin(household), "block_id"]
    rows = blocks[blocks["block_id"].isin(block)]
    if rows.empty:
        return {}
    wanted = ["block_id", "households", "contacted_households", "coverage"]
    record: dict[str, Any] = rows[wanted].iloc[0].to_dict()
    return record


def flag_counts(visits: pd.DataFrame) -> pd.DataFrame:
    """Return, per flag code, how many visits carry it and how many of those do not count."""
    codes = visits["flags"].fillna("").str.split(";")
    counted = ~visits["verified"].astype(bool)
    rows = []
    for code in FLAG_CODES:
        has = codes.map(lambda parts, c=code: c in parts).to_numpy(dtype=bool)
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
    """Return, per block of the visited household, the same figures as :func:`officer_flags`."""
    block_of = households.set_index("household_id")["block_id"]
    return _flag_table(visits, "block_id", visits["household_id"].map(block_of))


def _flag_table(visits: pd.DataFrame, column: str, keys: pd.Series) -> pd.DataFrame:
    """Group visits by ``keys``: visits, not counted, their share and each flag's count."""
    if visits.empty:
        return pd.DataFrame(columns=[column, "visits", "not_counted", "not_counted_share"])
    codes = visits["flags"].fillna("").str.split(";")
    frame = pd.DataFrame(
        {
            column: keys.fillna("").astype(str).to_numpy(),
            "visits": 1,
            "not_counted": (~visits["verified"].astype(bool)).astype(int).to_numpy(),
        }
    )
    for code in FLAG_CODES:
        frame[code] = codes.map(lambda parts, c=code: c in parts).astype(int).to_numpy()
    out = frame.groupby(column, sort=True).sum().reset_index()
    out.insert(3, "not_counted_share", out["not_counted"] / out["visits"])
    return out.sort_values(["not_counted", column], ascending=[False, True]).reset_index(drop=True)


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

"""A chief's review of flagged visits: what the Visit quality page lists and draws.

The visits to review come worst first with a reason in the page's language; a chosen
visit comes with its officer's shift, the line from its GPS point to the door it claims and
its block's coverage. Pure pandas on a scoped view, like :mod:`app.views`: nothing here
draws, caches, reads files or decides who may review (that is :mod:`app.shell`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.verify import FLAG_CODES, FLAG_GRADES, NOT_COUNTED, REVIEW, STATUSES
from app.i18n import code_label, translate
from app.views import first_flag
from geo.projection import to_wgs84
from geo.schema import present
from geo.settings import Settings

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
    both = present(gps) & present(door)
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

    Keys ``block_id``, ``name`` (when the blocks carry it), ``households``,
    ``contacted_households`` and ``coverage``.
    """
    household = visits.loc[visits["visit_id"] == visit_id, "household_id"]
    block = households.loc[households["household_id"].isin(household), "block_id"]
    rows = blocks[blocks["block_id"].isin(block)]
    if rows.empty:
        return {}
    wanted = ["block_id", "name", "households", "contacted_households", "coverage"]
    record: dict[str, Any] = rows[[c for c in wanted if c in rows]].iloc[0].to_dict()
    return record


def _number(value: Any) -> float | None:
    """Return a finite number, or ``None`` for a missing or non-numeric value."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number

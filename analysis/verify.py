"""Visit verification: catch box-ticking visits before they count.

A campaign judged by counts invites visits logged without going. :func:`verify_visits` gives
every visit a ``verified`` verdict and ``flags``, a ``;``-separated list of stable codes in the
order of :data:`FLAG_CODES` (``""`` when none):

``far_from_door``
    The visit's GPS point is farther than ``far_from_door_m`` from its household (strictly
    farther: a point exactly at the threshold passes).
``too_short``
    A contact (``outcome == "contact"``) shorter than ``too_short_min`` minutes (strictly).
    A missing duration is not flagged: it cannot be judged, and a missing field is a data
    problem, not evidence of a short visit.
``impossible_travel``
    The officer's previous log was too recent to have walked here: walking time between the
    two households (street network shortest path, see below) at ``walking_speed_mps`` plus
    ``min_visit_min`` at the door exceeds the minutes between the two logs (strictly: equal
    passes). The later visit is flagged.
``one_spot_burst``
    At least ``burst_min_households`` different households logged by one officer within
    ``burst_span_min`` minutes from GPS points within ``burst_radius_m`` of the burst's first
    GPS point, where each of those GPS points is more than ``burst_radius_m`` from its own
    household (a GPS point within ``burst_radius_m`` of its door is "at the household": an
    officer working through the flats of one building is not a burst). Every visit of the
    burst is flagged.
``duplicate``
    The same household and officer logged again within ``duplicate_window_min`` minutes
    (inclusive) of the previous log of that pair; the later log(s) are flagged.
``no_gps``
    The visit has no GPS point (missing, empty or NaN). It is kept and marked; it fails
    verification only when ``no_gps_counts`` is ``False``.

``verified`` is true when a visit has no flag other than ``no_gps`` (and not even that when
``no_gps_counts`` is false).

Consecutive visits
------------------
One officer's visits are sorted by time (ties keep input order), across midnight. Two logs are
consecutive when the gap between them is shorter than ``shift_gap_h`` hours (default 12): a
longer gap starts a new shift and nothing is compared across it. Visits with no time are
left out of every time-based check, and so are visits with no officer id. Officers are never
compared with each other.

Walking distance
----------------
Between two different households: with a street ``graph``, the shortest path between the
households' nearest graph nodes (edge ``length`` in metres, walked in both directions whatever
the ``oneway`` tags) plus the straight distance from each household to its node, and never
less than the straight line between the households. The straight line between the
households is used instead when there is no graph, when either household has no node, when
the two nodes are not connected, or when both households share one nearest node (their
node-to-node path is empty, and walking out to that node and back would overstate a walk
between neighbours). The same household twice in a row is 0 m apart. A visit to a household
id not in ``households`` (or one without a location) cannot be checked for
``far_from_door`` or ``impossible_travel``.

Network distances come from one sparse (CSR) adjacency built per call and
``scipy.sparse.csgraph.dijkstra`` run from many source nodes at once, never one search per
pair. Pairs are grouped by their source node over all officers and days (a generalisation of
"per officer-day": each node is searched once however many days start from it). Each search
has a ``limit``: the largest plausible walk of that node's pairs (three times the straight
node-to-node distance plus 300 m), and runs on only the part of the graph a path that long
can reach, so its cost depends on the neighbourhood, not on the size of the city. A pair not
reached within its limit is searched again with a larger one, and finally without, so
every distance reported is exact.

Comparisons with thresholds allow for floating-point round-off of a micrometre (distances)
or a microminute (times).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geo.errors import CRSError, SchemaError, StreetsError
from geo.projection import local_utm, project
from geo.settings import Settings, resolve
from geo.streets import graph_crs

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

FLAG_CODES: Final = (
    "far_from_door",
    "too_short",
    "impossible_travel",
    "one_spot_burst",
    "duplicate",
    "no_gps",
)
"""Every flag code, in the fixed order they appear in ``flags``."""

FLAG_DESCRIPTIONS: Final[dict[str, str]] = {
    "far_from_door": "GPS point too far from the household's door",
    "too_short": "contact logged as shorter than the minimum visit",
    "impossible_travel": "no time to walk here from the officer's previous visit",
    "one_spot_burst": "many households logged from one spot away from their doors",
    "duplicate": "same household logged again by the same officer within minutes",
    "no_gps": "no GPS point recorded",
}
"""A short human description of each flag code (for the UI and README)."""

SHIFT_GAP_H: Final = 12.0
"""Default ``shift_gap_h``: logs this many hours apart or more are not consecutive."""

_DIST_TOL_M: Final = 1e-6
_TIME_TOL_MIN: Final = 1e-6
_DETOUR_FACTOR: Final = 3.0
_DETOUR_SLACK_M: Final = 300.0
_MAX_CHUNK_CELLS: Final = 20_000_000  # sources x nodes per Dijkstra call (160 MB of float64)
_GROW_ROUNDS: Final = 4  # bounded searches with a growing radius before an unbounded one
_GROW_FACTOR: Final = 4.0
_LOCAL_CHUNK: Final = 64  # sources per local (bounded) search
_MIN_LOCAL_STRETCH: Final = 0.05  # below this, edge lengths are too odd to bound a search

_METHOD_SAME: Final = "same_household"
_METHOD_NETWORK: Final = "network"
_METHOD_STRAIGHT: Final = "straight_line"

RESULT_COLUMNS: Final = (
    "visit_id",
    "verified",
    "flags",
    "door_distance_m",
    "previous_visit_id",
    "gap_min",
    "travel_m",
    "travel_needed_min",
    "travel_method",
)
"""Columns of :func:`verify_visits`' result, in order."""


def verify_visits(
    visits: gpd.GeoDataFrame,
    households: gpd.GeoDataFrame,
    *,
    graph: nx.MultiDiGraph | None = None,
    household_nodes: Mapping[Any, Any] | pd.Series | None = None,
    settings: Settings | None = None,
    shift_gap_h: float | None = None,
) -> pd.DataFrame:
    """Flag box-ticking visits and say which visits are verified.

    Parameters
    ----------
    visits : geopandas.GeoDataFrame
        Canonical visits (``visit_id``, ``household_id``, ``officer_id``, tz-aware ``time``;
        optional ``outcome``, ``duration_min``) with the GPS point as geometry (missing or
        empty when there is none), in WGS84. A plain DataFrame without geometry is taken as
        visits without GPS.
    households : geopandas.GeoDataFrame
        Canonical households (``household_id``, Point geometry) in the same CRS as
        ``visits``.
    graph : networkx.MultiDiGraph, optional
        Walk network, osmnx style: graph attribute ``crs``, node attributes ``x``/``y`` in
        that CRS, edge attribute ``length`` in metres. Without it, walking distances are
        straight lines.
    household_nodes : mapping or pandas.Series, optional
        Nearest graph node of each household id. Households missing from it are snapped to
        the nearest node (in the metric CRS) here.
    settings : Settings, optional
        Thresholds; defaults to :data:`geo.settings.DEFAULTS`.
    shift_gap_h : float, optional
        Default ``settings.shift_gap_h`` (12). Two logs of one officer at least this many
        hours apart are not consecutive (a new shift starts), so ``impossible_travel``
        does not compare them.

    Returns
    -------
    pandas.DataFrame
        On ``visits``' index: ``visit_id``; ``verified`` (bool); ``flags`` (str, codes in
        :data:`FLAG_CODES` order joined by ``;``); ``door_distance_m`` (GPS to household,
        NaN when either is missing); ``previous_visit_id`` (the officer's previous log in the
        same shift, ``""`` for none); ``gap_min`` (minutes since it); ``travel_m`` (walking
        distance from its household); ``travel_needed_min`` (walking minutes plus
        ``min_visit_min``); ``travel_method`` (``network``, ``straight_line``,
        ``same_household`` or ``""`` when not checked).

    Raises
    ------
    SchemaError
        A required column is missing, ``time`` is not tz-aware, household ids repeat, or a
        geometry is not a point.
    CRSError
        A frame has no CRS, or the two frames' CRS differ.
    StreetsError
        The graph lacks a ``crs``, node coordinates or edge lengths, or ``household_nodes``
        names a node not in the graph.
    """
    cfg = resolve(settings)
    if shift_gap_h is None:
        shift_gap_h = cfg.shift_gap_h
    _check_columns(visits, "visits", ("visit_id", "household_id", "officer_id", "time"))
    _check_columns(households, "households", ("household_id", "geometry"))
    if not isinstance(households, gpd.GeoDataFrame):
        msg = "households must be a GeoDataFrame with a Point geometry column"
        raise SchemaError(msg)
    if households.crs is None:
        msg = "households have no coordinate system; set one (WGS84 is EPSG:4326)"
        raise CRSError(msg)
    hh_ids = households["household_id"]
    if hh_ids.duplicated().any():
        dup = hh_ids[hh_ids.duplicated()].astype(str).unique()[:5].tolist()
        msg = f"households: column 'household_id' repeats ids {dup}; ids must be unique"
        raise SchemaError(msg)
    gps = _visit_gps(visits, households.crs)
    minutes = _time_minutes(visits)

    n = len(visits)
    if n == 0:
        return _empty_result(visits)

    metric = _metric_crs(households, gps)
    hx, hy = _xy(project(households.geometry, crs=metric), "households", hh_ids)
    vx, vy = (
        _xy(project(gps, crs=metric), "visits", visits["visit_id"])
        if gps is not None
        else (np.full(n, np.nan), np.full(n, np.nan))
    )
    no_gps = ~np.isfinite(vx)

    # Household of each visit (-1 when the id is unknown or the household has no location).
    hpos = pd.Index(hh_ids).get_indexer(visits["household_id"]).astype(np.int64)
    vhx = np.full(n, np.nan)
    vhy = np.full(n, np.nan)
    matched = hpos >= 0
    vhx[matched] = hx[hpos[matched]]
    vhy[matched] = hy[hpos[matched]]
    hpos[~np.isfinite(vhx)] = -1
    door = np.hypot(vx - vhx, vy - vhy)

    far = door > cfg.far_from_door_m + _DIST_TOL_M
    too_short = _too_short(visits, cfg)

    streets = prepare_streets(graph, metric) if graph is not None else None
    hh_node: IntArray | None = None
    hh_off: FloatArray | None = None
    if streets is not None and streets.node_index:
        hh_node, hh_off = snap_households(households, hx, hy, streets, household_nodes)
    officer_codes = pd.factorize(visits["officer_id"])[0].astype(np.int64)
    household_codes = pd.factorize(visits["household_id"])[0].astype(np.int64)
    travel = _travel_checks(
        officer_codes,
        minutes,
        hpos,
        hx,
        hy,
        streets=streets,
        hh_node=hh_node,
        hh_off=hh_off,
        cfg=cfg,
        shift_gap_h=shift_gap_h,
    )
    burst = _bursts(
        officer_codes,
        minutes,
        household_codes,
        vx,
        vy,
        candidate=(door > cfg.burst_radius_m + _DIST_TOL_M)
        & np.isfinite(minutes)
        & (officer_codes >= 0),
        cfg=cfg,
    )
    duplicate = _duplicates(
        officer_codes,
        household_codes,
        minutes,
        window_min=cfg.duplicate_window_min,
    )

    masks = np.vstack([far, too_short, travel.impossible, burst, duplicate, no_gps])
    failing = masks[:-1].any(axis=0)
    if not cfg.no_gps_counts:
        failing |= no_gps

    prev_ids = np.full(n, "", dtype=object)
    has_prev = travel.prev >= 0
    prev_ids[has_prev] = visits["visit_id"].to_numpy()[travel.prev[has_prev]]

    out = pd.DataFrame(
        {
            "visit_id": visits["visit_id"].to_numpy(),
            "verified": ~failing,
            "flags": _flag_strings(masks),
            "door_distance_m": door,
            "previous_visit_id": prev_ids,
            "gap_min": travel.gap_min,
            "travel_m": travel.travel_m,
            "travel_needed_min": travel.needed_min,
            "travel_method": travel.method,
        },
        index=visits.index,
    )
    out["previous_visit_id"] = out["previous_visit_id"].astype(str)
    out["travel_method"] = out["travel_method"].astype(str)
    return out


def officer_flag_share(
    visits_with_flags: pd.DataFrame,
    *,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Share of each officer's visits that failed verification, with counts per flag.

    Parameters
    ----------
    visits_with_flags : pandas.DataFrame
        Visits with ``officer_id`` and ``flags`` (e.g. ``visits`` with the columns of
        :func:`verify_visits` assigned), plus ``time`` when ``start`` or ``end`` is given.
        A ``verified`` column, when present, decides what counts as flagged; otherwise the
        flags do (``no_gps`` counting only when ``no_gps_counts`` is false).
    start, end : pandas.Timestamp or str, optional
        Keep visits with ``start <= time < end``. A bound without a zone is taken in the
        zone of ``time``.
    settings : Settings, optional
        Used for ``no_gps_counts`` when there is no ``verified`` column.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``officer_id`` (sorted): ``visits``, ``flagged`` (visits not verified),
        ``share`` (flagged / visits), then one count column per code of
        :data:`FLAG_CODES`, in that order. Visits with no officer id are not counted.

    Raises
    ------
    SchemaError
        A needed column is missing, ``time`` is not tz-aware, or ``flags`` holds an unknown
        code.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"officer_id": ["a", "a", "b"],
    ...                   "flags": ["too_short", "", "no_gps"]})
    >>> officer_flag_share(v)[["visits", "flagged", "share", "too_short", "no_gps"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                visits  flagged  share  too_short  no_gps
    officer_id
    a                2        1    0.5          1       0
    b                1        0    0.0          0       1
    """
    cfg = resolve(settings)
    _check_columns(visits_with_flags, "visits", ("officer_id", "flags"))
    data = visits_with_flags
    if start is not None or end is not None:
        _check_columns(data, "visits", ("time",))
        _check_time(data)
        keep = np.ones(len(data), dtype=bool)
        if start is not None:
            keep &= (data["time"] >= _as_bound(start, data["time"])).to_numpy()
        if end is not None:
            keep &= (data["time"] < _as_bound(end, data["time"])).to_numpy()
        data = data[keep]

    flags = data["flags"].fillna("").astype(str)
    if "verified" in data.columns:
        flagged = ~data["verified"].fillna(False).astype(bool)
    else:
        failing_codes = [c for c in FLAG_CODES if c != "no_gps" or not cfg.no_gps_counts]
        flagged = _codes_matrix(flags.unique())[failing_codes].any(axis=1).reindex(flags).to_numpy()
        flagged = pd.Series(flagged, index=data.index)

    grouped = pd.DataFrame(
        {"officer_id": data["officer_id"].to_numpy(), "flags": flags.to_numpy(), "n": 1}
    )
    counts = grouped.groupby(["officer_id", "flags"], sort=True)["n"].sum()
    per_flag_string = _codes_matrix(counts.index.get_level_values("flags").unique())
    indicator = per_flag_string.reindex(counts.index.get_level_values("flags")).to_numpy()
    code_counts = pd.DataFrame(
        indicator.astype(np.int64) * counts.to_numpy()[:, None],
        index=counts.index.get_level_values("officer_id"),
        columns=list(FLAG_CODES),
    )
    code_counts = code_counts.groupby(level=0, sort=True).sum()

    totals = (
        pd.DataFrame(
            {
                "officer_id": data["officer_id"].to_numpy(),
                "visits": 1,
                "flagged": np.asarray(flagged, dtype=np.int64),
            }
        )
        .groupby("officer_id", sort=True)[["visits", "flagged"]]
        .sum()
    )
    totals["share"] = totals["flagged"] / totals["visits"]
    result = totals.join(code_counts)
    result[list(FLAG_CODES)] = result[list(FLAG_CODES)].fillna(0).astype(np.int64)
    result.index.name = "officer_id"
    return result


# --------------------------------------------------------------------------- validation


def _check_columns(frame: pd.DataFrame, table: str, required: tuple[str, ...]) -> None:
    """Raise ``SchemaError`` naming the columns of ``required`` that ``frame`` lacks."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = f"{table}: missing column(s) {missing}; have {list(frame.columns)}"
        raise SchemaError(msg)


def _check_time(visits: pd.DataFrame) -> pd.Series:
    """Return the ``time`` column, raising ``SchemaError`` unless it is tz-aware."""
    time = visits["time"]
    if not isinstance(time.dtype, pd.DatetimeTZDtype):
        msg = (
            f"visits: column 'time' must be tz-aware datetimes (dtype {time.dtype}); "
            "localise it, e.g. with the timezone setting"
        )
        raise SchemaError(msg)
    return time


def _time_minutes(visits: pd.DataFrame) -> FloatArray:
    """Return ``time`` as float minutes since the earliest log (NaN for a missing time)."""
    time = _check_time(visits)
    if time.notna().sum() == 0:
        return np.full(len(time), np.nan)
    delta = (time - time.min()) / pd.Timedelta(minutes=1)
    return np.asarray(delta.to_numpy(dtype=float, na_value=np.nan), dtype=np.float64)


def _as_bound(value: pd.Timestamp | str, time: pd.Series) -> pd.Timestamp:
    """Return ``value`` as a Timestamp in ``time``'s zone (localising a naive one)."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(time.dt.tz)
    return stamp


def _visit_gps(visits: pd.DataFrame, crs: pyproj.CRS) -> gpd.GeoSeries | None:
    """Return the visits' GPS points (``None`` when the frame has no geometry at all)."""
    if not isinstance(visits, gpd.GeoDataFrame):
        return None
    try:
        gps = visits.geometry
    except AttributeError:  # a GeoDataFrame without an active geometry column
        return None
    has_any = bool(_present(gps).any())
    if gps.crs is None:
        if has_any:
            msg = "visits have GPS points but no coordinate system; set one (EPSG:4326)"
            raise CRSError(msg)
        return None
    if not pyproj.CRS.from_user_input(gps.crs).equals(pyproj.CRS.from_user_input(crs)):
        msg = (
            f"visits are in {gps.crs.to_string()} but households in "
            f"{pyproj.CRS.from_user_input(crs).to_string()}; bring both to WGS84 first"
        )
        raise CRSError(msg)
    return gps if has_any else None


def _metric_crs(households: gpd.GeoDataFrame, gps: gpd.GeoSeries | None) -> pyproj.CRS:
    """Return the one metric CRS for this call: households' local UTM (else the GPS')."""
    located = households.geometry[_present(households.geometry)]
    if len(located):
        return local_utm(located)
    if gps is not None:
        return local_utm(gps[_present(gps)])
    # Nothing has a location, so no distance is measured; any metric CRS will do.
    return pyproj.CRS.from_epsg(3857)


def _present(points: gpd.GeoSeries) -> BoolArray:
    """Return True where a geometry is neither missing nor empty."""
    geoms = points.to_numpy()
    return np.asarray(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)), dtype=bool)


def _xy(points: gpd.GeoSeries, table: str, ids: pd.Series) -> tuple[FloatArray, FloatArray]:
    """Return x and y of ``points`` (NaN where missing or empty); non-points raise."""
    geoms = points.to_numpy()
    n = len(geoms)
    present = _present(points)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    if present.any():
        kinds = shapely.get_type_id(geoms[present])
        if (kinds != 0).any():
            bad = np.flatnonzero(present)[np.flatnonzero(kinds != 0)[0]]
            msg = (
                f"{table}: row {bad} ({ids.name} {ids.iloc[bad]!r}) has a "
                f"{geoms[bad].geom_type} in column 'geometry'; "
                "expected a Point"
            )
            raise SchemaError(msg)
        x[present] = shapely.get_x(geoms[present])
        y[present] = shapely.get_y(geoms[present])
    bad_xy = ~(np.isfinite(x) & np.isfinite(y))
    x[bad_xy] = np.nan
    y[bad_xy] = np.nan
    return x, y


def _empty_result(visits: pd.DataFrame) -> pd.DataFrame:
    """Return the result frame for zero visits."""
    out = pd.DataFrame({c: [] for c in RESULT_COLUMNS}, index=visits.index)
    out["visit_id"] = visits["visit_id"]
    dtypes: dict[str, type] = {"verified": bool, "flags": str, "previous_visit_id": str}
    dtypes |= {"travel_method": str, "gap_min": float, "travel_m": float}
    dtypes |= {"door_distance_m": float, "travel_needed_min": float}
    return out.astype(dtypes)


# --------------------------------------------------------------------------- simple flags


def _too_short(visits: pd.DataFrame, cfg: Settings) -> BoolArray:
    """Contacts shorter than ``too_short_min`` (a missing duration is not flagged)."""
    if "outcome" not in visits.columns or "duration_min" not in visits.columns:
        return np.zeros(len(visits), dtype=bool)
    contact = (visits["outcome"] == "contact").fillna(False).to_numpy(dtype=bool)
    duration = pd.to_numeric(visits["duration_min"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    return np.asarray(contact & (duration < cfg.too_short_min), dtype=bool)


def _duplicates(
    officer: IntArray, household: IntArray, minutes: FloatArray, *, window_min: float
) -> BoolArray:
    """Flag logs of one household by one officer within ``window_min`` of the previous one."""
    n = len(officer)
    order = np.lexsort((np.arange(n), minutes, household, officer))
    o, h, t = officer[order], household[order], minutes[order]
    dup_sorted = np.zeros(n, dtype=bool)
    if n > 1:
        dup_sorted[1:] = (
            (o[1:] == o[:-1])
            & (o[1:] >= 0)
            & (h[1:] == h[:-1])
            & (h[1:] >= 0)
            & (t[1:] - t[:-1] <= window_min + _TIME_TOL_MIN)
        )
    out = np.zeros(n, dtype=bool)
    out[order] = dup_sorted
    return out


def _bursts(
    officer: IntArray,
    minutes: FloatArray,
    household: IntArray,
    x: FloatArray,
    y: FloatArray,
    *,
    candidate: BoolArray,
    cfg: Settings,
) -> BoolArray:
    """``one_spot_burst``: a sliding time window per officer over the candidate visits.

    Every candidate (GPS away from its own door) anchors a window of the officer's later
    candidates within ``burst_span_min``; those within ``burst_radius_m`` of the anchor's GPS
    point join it. Windows with enough different households flag all their members. The work
    is the sum of the window sizes, never all pairs.
    """
    n = len(officer)
    out = np.zeros(n, dtype=bool)
    cand = np.flatnonzero(candidate)
    if len(cand) < max(cfg.burst_min_households, 1):
        return out
    cand = cand[np.lexsort((cand, minutes[cand], officer[cand]))]
    o, t, h = officer[cand], minutes[cand], household[cand]
    cx, cy = x[cand], y[cand]
    m = len(cand)
    anchors = [np.arange(m)]
    members = [np.arange(m)]
    active = np.arange(m)
    k = 1
    while len(active):
        j = active + k
        inside = j < m
        active, j = active[inside], j[inside]
        inside = (o[j] == o[active]) & (t[j] - t[active] <= cfg.burst_span_min + _TIME_TOL_MIN)
        active, j = active[inside], j[inside]
        near = np.hypot(cx[j] - cx[active], cy[j] - cy[active]) <= cfg.burst_radius_m + _DIST_TOL_M
        anchors.append(active[near])
        members.append(j[near])
        k += 1
    anchor = np.concatenate(anchors)
    member = np.concatenate(members)
    # Different households per anchor: unique (anchor, household) rows, counted per anchor.
    pairs = np.unique(np.stack([anchor, h[member]], axis=1), axis=0)
    distinct = np.bincount(pairs[:, 0], minlength=m)
    is_burst = distinct >= cfg.burst_min_households
    flagged = np.zeros(m, dtype=bool)
    flagged[member[is_burst[anchor]]] = True
    out[cand[flagged]] = True
    return out


def _flag_strings(masks: BoolArray) -> npt.NDArray[np.object_]:
    """Join the codes whose mask is set, in :data:`FLAG_CODES` order, with ``;``."""
    weights = (1 << np.arange(len(FLAG_CODES), dtype=np.int64))[:, None]
    bits = (masks.astype(np.int64) * weights).sum(axis=0)
    values, inverse = np.unique(bits, return_inverse=True)
    texts = np.array(
        [";".join(c for i, c in enumerate(FLAG_CODES) if v >> i & 1) for v in values],
        dtype=object,
    )
    return texts[inverse.reshape(-1)]


def _codes_matrix(flag_strings: Any) -> pd.DataFrame:
    """One row per distinct ``flags`` string, one bool column per code."""
    strings = [str(s) for s in flag_strings]
    rows = []
    for s in strings:
        codes = [c for c in s.split(";") if c]
        unknown = sorted(set(codes) - set(FLAG_CODES))
        if unknown:
            msg = f"visits: column 'flags' holds unknown code(s) {unknown}; known: {FLAG_CODES}"
            raise SchemaError(msg)
        rows.append([c in codes for c in FLAG_CODES])
    return pd.DataFrame(
        np.array(rows, dtype=bool).reshape(len(strings), len(FLAG_CODES)),
        index=pd.Index(strings, name="flags"),
        columns=list(FLAG_CODES),
    )


# --------------------------------------------------------------------------- travel


@dataclass
class _Travel:
    """Per-visit results of the consecutive-visit check."""

    prev: IntArray
    gap_min: FloatArray
    travel_m: FloatArray
    needed_min: FloatArray
    method: npt.NDArray[np.object_]
    impossible: BoolArray


@dataclass
class StreetIndex:
    """The walk graph prepared once per call."""

    csr: sparse.csr_array
    component: IntArray
    node_xy: FloatArray  # (n_nodes, 2) in the metric CRS
    node_index: dict[Hashable, int]
    stretch: float  # min over edges of length / straight node distance, at most 1
    x_order: IntArray  # node positions sorted by x, for box queries
    x_sorted: FloatArray  # their x


def _travel_checks(
    officer: IntArray,
    minutes: FloatArray,
    hpos: IntArray,
    hx: FloatArray,
    hy: FloatArray,
    *,
    streets: StreetIndex | None,
    hh_node: IntArray | None,
    hh_off: FloatArray | None,
    cfg: Settings,
    shift_gap_h: float,
) -> _Travel:
    """Pair each visit with the officer's previous log in the shift and check the walk."""
    n = len(officer)
    order = np.lexsort((np.arange(n), minutes, officer))
    prev = np.full(n, -1, dtype=np.int64)
    if n > 1:
        a, b = order[:-1], order[1:]
        gap = minutes[b] - minutes[a]
        consecutive = (officer[b] == officer[a]) & (officer[a] >= 0) & (gap < shift_gap_h * 60.0)
        prev[b[consecutive]] = a[consecutive]
    later = np.flatnonzero(prev >= 0)
    earlier = prev[later]

    gap_min = np.full(n, np.nan)
    gap_min[later] = minutes[later] - minutes[earlier]
    travel_m = np.full(n, np.nan)
    method = np.full(n, "", dtype=object)

    ha, hb = hpos[earlier], hpos[later]
    checkable = (ha >= 0) & (hb >= 0)
    same = checkable & (ha == hb)
    travel_m[later[same]] = 0.0
    method[later[same]] = _METHOD_SAME

    other = checkable & ~same
    pa, pb = ha[other], hb[other]
    straight = np.hypot(hx[pa] - hx[pb], hy[pa] - hy[pb])
    dist = straight.copy()
    used_network = np.zeros(len(pa), dtype=bool)
    if streets is not None and hh_node is not None and hh_off is not None and len(pa):
        na, nb = hh_node[pa], hh_node[pb]
        on_net = (
            (na >= 0)
            & (nb >= 0)
            & (na != nb)
            & (streets.component[np.maximum(na, 0)] == streets.component[np.maximum(nb, 0)])
        )
        if on_net.any():
            sa, sb = na[on_net], nb[on_net]
            node_gap = np.hypot(*(streets.node_xy[sa] - streets.node_xy[sb]).T)
            net = _network_lengths(streets, sa, sb, _DETOUR_FACTOR * node_gap + _DETOUR_SLACK_M)
            walk = hh_off[pa[on_net]] + net + hh_off[pb[on_net]]
            dist[on_net] = np.maximum(walk, straight[on_net])
            used_network = on_net
    travel_m[later[other]] = dist
    method[later[other]] = np.where(used_network, _METHOD_NETWORK, _METHOD_STRAIGHT)

    needed = travel_m / cfg.walking_speed_mps / 60.0 + cfg.min_visit_min
    impossible = np.asarray(needed > gap_min + _TIME_TOL_MIN, dtype=bool)  # NaN compares False
    return _Travel(
        prev=prev,
        gap_min=gap_min,
        travel_m=travel_m,
        needed_min=needed,
        method=method,
        impossible=impossible,
    )


def prepare_streets(graph: nx.MultiDiGraph, metric: pyproj.CRS) -> StreetIndex:
    """Build the symmetric CSR adjacency, components and metric node coordinates once."""
    crs = graph_crs(graph)
    nodes = list(graph.nodes)
    node_index = {node: i for i, node in enumerate(nodes)}
    n_nodes = len(nodes)
    xs = np.empty(n_nodes)
    ys = np.empty(n_nodes)
    for i, (node, data) in enumerate(graph.nodes(data=True)):
        try:
            xs[i] = float(data["x"])
            ys[i] = float(data["y"])
        except (KeyError, TypeError, ValueError) as err:
            msg = f"street graph: node {node!r} lacks numeric 'x'/'y' attributes"
            raise StreetsError(msg) from err
    if n_nodes:
        pts = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=crs)
        projected = project(pts, crs=metric)
        node_xy = np.column_stack(
            [shapely.get_x(projected.to_numpy()), shapely.get_y(projected.to_numpy())]
        )
    else:
        node_xy = np.zeros((0, 2))

    edges = list(graph.edges(data="length"))
    u = np.fromiter((node_index[e[0]] for e in edges), dtype=np.int64, count=len(edges))
    v = np.fromiter((node_index[e[1]] for e in edges), dtype=np.int64, count=len(edges))
    try:
        w = np.array([np.nan if e[2] is None else float(e[2]) for e in edges], dtype=float)
    except (TypeError, ValueError) as err:
        msg = "street graph: an edge has a non-numeric 'length' attribute"
        raise StreetsError(msg) from err
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        e = edges[int(np.flatnonzero(bad)[0])]
        msg = (
            f"street graph: edge ({e[0]!r}, {e[1]!r}) has length {e[2]!r}; every edge needs "
            "a non-negative 'length' in metres"
        )
        raise StreetsError(msg)
    loop = u == v
    u, v, w = u[~loop], v[~loop], w[~loop]
    # Walking ignores one-way streets: both directions, the shortest parallel edge wins.
    src = np.concatenate([u, v])
    dst = np.concatenate([v, u])
    wt = np.concatenate([w, w])
    order = np.lexsort((wt, dst, src))
    src, dst, wt = src[order], dst[order], wt[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    wt = np.maximum(wt[first], 1e-9)  # zero-length edges stay edges
    src, dst = src[first], dst[first]
    csr = sparse.csr_array((wt, (src, dst)), shape=(n_nodes, n_nodes))
    _, component = connected_components(csr, directed=False)
    # How much shorter than the straight line between its nodes an edge may be: a path of
    # length L then stays within L / stretch of its start, which bounds local searches.
    chord = np.hypot(*(node_xy[src] - node_xy[dst]).T) if len(src) else np.zeros(0)
    ratio = wt[chord > 0] / chord[chord > 0]
    stretch = float(min(1.0, ratio.min())) if len(ratio) else 1.0
    x_order = np.argsort(node_xy[:, 0], kind="stable").astype(np.int64)
    return StreetIndex(
        csr=csr,
        component=np.asarray(component, dtype=np.int64),
        node_xy=node_xy,
        node_index=node_index,
        stretch=stretch,
        x_order=x_order,
        x_sorted=node_xy[x_order, 0],
    )


def snap_households(
    households: gpd.GeoDataFrame,
    hx: FloatArray,
    hy: FloatArray,
    streets: StreetIndex,
    household_nodes: Mapping[Any, Any] | pd.Series | None,
) -> tuple[IntArray, FloatArray]:
    """Return each household's node position (-1: none) and its distance to that node."""
    n = len(households)
    node = np.full(n, -1, dtype=np.int64)
    located = np.isfinite(hx) & np.isfinite(hy)
    ids = households["household_id"]
    given = np.zeros(n, dtype=bool)
    if household_nodes is not None:
        mapping = pd.Series(household_nodes, dtype=object)
        mapped = mapping.reindex(ids.to_numpy()).to_numpy()
        for i in np.flatnonzero(pd.notna(mapped)):
            pos = streets.node_index.get(mapped[i])
            if pos is None:
                msg = (
                    f"household_nodes: household {ids.iloc[i]!r} is mapped to node "
                    f"{mapped[i]!r}, which is not in the street graph"
                )
                raise StreetsError(msg)
            node[i] = pos
            given[i] = True
    todo = located & ~given
    if todo.any():
        tree = cKDTree(streets.node_xy)
        _, nearest = tree.query(np.column_stack([hx[todo], hy[todo]]))
        node[todo] = nearest
    off = np.full(n, np.nan)
    has = (node >= 0) & located
    off[has] = np.hypot(
        hx[has] - streets.node_xy[node[has], 0], hy[has] - streets.node_xy[node[has], 1]
    )
    node[~has] = -1
    return node, off


def _network_lengths(
    streets: StreetIndex, src: IntArray, dst: IntArray, radius: FloatArray
) -> FloatArray:
    """Shortest path lengths ``src[i] -> dst[i]`` (nodes in one component), exactly.

    Pairs are grouped by source node. Pass 1 searches each source up to the largest
    ``radius`` of its pairs: sources are ordered by that radius' power of two, then along a
    space-filling curve, and searched in chunks on the part of the graph a path of that
    length can reach (the chunk's bounding box grown by ``limit / stretch``), so a chunk's
    work and memory depend on its neighbourhood, not on the size of the city. Pairs farther
    apart than their radius are searched again with four times the radius, a few times, and
    then on the whole graph without a limit. Every length returned is exact.
    """
    out = np.full(len(src), np.inf)
    todo = np.arange(len(src))
    reach = np.asarray(radius, dtype=float).copy()
    for _ in range(_GROW_ROUNDS):
        found = _multi_source(streets, src[todo], dst[todo], reach[todo])
        out[todo] = found
        todo = todo[~np.isfinite(found)]
        if not len(todo):
            return out
        reach[todo] *= _GROW_FACTOR
    out[todo] = _multi_source(streets, src[todo], dst[todo], np.full(len(todo), np.inf))
    return out


def _multi_source(
    streets: StreetIndex, src: IntArray, dst: IntArray, radius: FloatArray
) -> FloatArray:
    """One chunked multi-source Dijkstra pass (see :func:`_network_lengths`)."""
    n_nodes = streets.csr.shape[0]
    out = np.full(len(src), np.inf)
    sources, inverse = np.unique(src, return_inverse=True)
    reach = np.zeros(len(sources))
    np.maximum.at(reach, inverse, radius)
    local = bool(np.isfinite(reach).all()) and streets.stretch >= _MIN_LOCAL_STRETCH
    if local:
        size_class = np.floor(np.log2(np.maximum(reach, 1.0)))
        order = np.lexsort((_morton(streets.node_xy[sources]), size_class))
        chunk = _LOCAL_CHUNK
    else:
        order = np.arange(len(sources))
        chunk = max(1, min(1024, _MAX_CHUNK_CELLS // max(n_nodes, 1)))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    pair_rank = rank[inverse]
    pair_order = np.argsort(pair_rank, kind="stable")
    sorted_rank = pair_rank[pair_order]
    position = np.full(n_nodes, -1, dtype=np.int64)
    for start in range(0, len(sources), chunk):
        members = sources[order[start : start + chunk]]
        limit = float(reach[order[start : start + chunk]].max())
        lo, hi = np.searchsorted(sorted_rank, [start, start + chunk])
        sel = pair_order[lo:hi]
        row = pair_rank[sel] - start
        if not local:
            lengths = dijkstra(streets.csr, directed=True, indices=members, limit=limit)
            out[sel] = lengths[row, dst[sel]]
            continue
        margin = limit / streets.stretch + 1.0
        inside = _in_box(streets, members, margin)
        position[inside] = np.arange(len(inside))
        sub = streets.csr[inside][:, inside]
        lengths = dijkstra(sub, directed=True, indices=position[members], limit=limit)
        target = position[dst[sel]]
        reached = target >= 0  # a target outside the box is farther than the limit
        out[sel[reached]] = lengths[row[reached], target[reached]]
        position[inside] = -1
    return out


def _in_box(streets: StreetIndex, members: IntArray, margin: float) -> IntArray:
    """Return the nodes inside the bounding box of ``members`` grown by ``margin``."""
    xy = streets.node_xy
    lo = xy[members].min(axis=0) - margin
    hi = xy[members].max(axis=0) + margin
    start = int(np.searchsorted(streets.x_sorted, lo[0], side="left"))
    stop = int(np.searchsorted(streets.x_sorted, hi[0], side="right"))
    slab = streets.x_order[start:stop]
    y = xy[slab, 1]
    return np.sort(slab[(y >= lo[1]) & (y <= hi[1])])


def _morton(xy: FloatArray) -> IntArray:
    """Return a Z-order (Morton) key of points on a 50 m grid: nearby points, nearby keys."""
    cells = np.clip((xy - xy.min(axis=0)) // 50.0, 0, (1 << 20) - 1).astype(np.int64)
    key = np.zeros(len(xy), dtype=np.int64)
    for bit in range(20):
        key |= ((cells[:, 0] >> bit) & 1) << (2 * bit)
        key |= ((cells[:, 1] >> bit) & 1) << (2 * bit + 1)
    return key

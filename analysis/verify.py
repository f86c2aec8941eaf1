"""Visit verification: catch box-ticking visits without accusing honest officers.

A campaign judged by counts invites visits logged without going; a check that calls honest
work fake is worse than none. :func:`verify_visits` therefore grades the evidence. Every
visit gets a ``status``:

``counted``
    No flag, or a chief dismissed the flags.
``review``
    Weak or ambiguous evidence (a flag of grade ``review``). Listed for a chief; counted as
    a visit while ``settings.review_counts`` is true (the default).
``not_counted``
    Strong evidence (a flag of grade ``not_counted``), or a chief confirmed the flags.

with its ``flags`` (``;``-separated codes, most severe first, in :data:`FLAG_CODES` order)
and one plain-language ``reason`` for the worst one. ``verified`` is ``status !=
"not_counted"``. The flags, their grades and descriptions are one registry, :data:`FLAGS`:

``desk_job`` (not counted)
    Every visit of a shift (an officer's logs with no break of ``shift_gap_h`` hours) that
    holds at least ``desk_job_min_jumps`` *jumps* making up at least ``desk_job_min_share``
    of its travel checks. A jump is a move between two households that is impossible even
    in a straight line at ``walking_speed_mps`` (see below, without the door minimum). An
    officer "visiting" two compounds 2 km apart alternately every 6 minutes with GPS points
    typed in at the doors is at a desk; one odd pair in a shift proves nothing.
``one_spot_burst`` (not counted)
    At least ``burst_min_households`` different households logged by one officer within
    ``burst_span_min`` minutes from GPS points within ``burst_radius_m`` of the burst's
    first GPS point, where each of those points is more than ``burst_radius_m`` from its
    own household (an officer working through the flats of one building is not a burst)
    and their doors are not all within ``burst_radius_m`` of the first one's (flats
    registered at one address point, e.g. a compound's centroid, are one place). Every
    visit of the burst is flagged.
``impossible_travel`` (not counted)
    The straight distance from the officer's previous household, less twice
    ``gps_error_m``, could not be covered at ``running_speed_mps`` in the minutes between
    the two logs.
``gps_far`` (not counted)
    The GPS point is more than ``gps_far_m`` from the household: beyond any GPS error.
``duplicate`` (not counted)
    The same household, officer and outcome logged again within ``duplicate_window_min``
    minutes (inclusive) of the previous such log: the same record twice. A knock that
    found nobody home followed by a contact at the same door minutes later is two honest
    attempts, and the contact counts.
``far_from_door`` (review)
    The GPS point is more than ``far_from_door_m`` (and at most ``gps_far_m``) from the
    household.
``fast_travel`` (review)
    Not impossible, but faster than the least-possible travel time (below).
``too_short`` (review)
    A contact (``outcome == "contact"``) shorter than ``too_short_min`` minutes. A missing
    duration is not flagged.
``no_gps`` (review)
    The visit has no GPS point (missing, empty or NaN).

Thresholds are strict: a value exactly at its threshold passes. Comparisons allow for
round-off of a micrometre (distances) or a microminute (times).

The least-possible travel time
------------------------------
``impossible_travel``, ``fast_travel`` and ``desk_job`` come from :mod:`analysis.travel`:
consecutive logs of one officer in a shift, the least-possible travel time between two
doors (straight line at a brisk walk, less the GPS allowance, plus a minute at the door),
raised by the walk network only where it is credible, and never to ``not_counted`` on
network evidence alone.

Chief's reviews
---------------
``reviews`` (``visit_id``, ``decision``) holds a chief's decisions: ``confirmed`` makes a
flagged visit ``not_counted``, ``dismissed`` makes it ``counted``; the flags stay and the
reason says who decided. Decisions for unknown visits are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyproj
import shapely

from analysis.coded_text import (
    TEXT,
    bit_texts,
    categories_of,
    coded_categories,
    flag_bits,
)
from analysis.records import duplicates, one_spot_bursts
from analysis.rules import float_values, lookup, require_columns, visit_times
from analysis.travel import (
    DIST_TOL_M,
    METHOD_NETWORK,
    METHODS,
    Travel,
    credible_network,
    officer_order,
    time_rank,
    travel_checks,
)
from geo.errors import CRSError, SchemaError
from geo.projection import local_utm, project, projected_xy
from geo.reviews import DECISIONS
from geo.schema import GPS_COLUMNS, WGS84, gps_lonlat, points_xy, present
from geo.settings import Settings, resolve

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

COUNTED: Final = "counted"
REVIEW: Final = "review"
NOT_COUNTED: Final = "not_counted"
STATUSES: Final = (COUNTED, REVIEW, NOT_COUNTED)
"""The three evidence grades of a visit, from best to worst."""


@dataclass(frozen=True)
class Evidence:
    """What the flags are decided from: one value per visit, in the visits' order."""

    door_m: FloatArray  # GPS point to the household's door (NaN without either)
    no_gps: BoolArray
    duplicate: BoolArray  # the same record logged again (see ``duplicate``)
    burst: BoolArray  # a member of a one-spot burst
    contact: BoolArray  # outcome is ``contact``
    duration_min: FloatArray  # NaN where not given
    travel: Travel  # the consecutive-visit checks of :mod:`analysis.travel`


Detector = Callable[[Evidence, Settings], BoolArray]
"""Which visits carry a flag: a bool array on the visits' order."""

Reason = Callable[[Evidence, int, Settings], str]
"""The plain-language sentence, with figures, of a visit whose worst flag this is."""


@dataclass(frozen=True)
class Flag:
    """One verification flag: code, grade, description, detector and reason.

    Adding a flag is one entry in :data:`FLAGS` (plus its translations in the app's
    catalogues and a line in the module notes); codes, masks, statuses, the reason and the
    README's flag table all come from here.
    """

    code: str
    grade: str
    description: str
    detect: Detector
    reason: Reason


def _door_beyond(metres: float) -> Callable[[Evidence], BoolArray]:
    return lambda e: np.asarray(e.door_m > metres + DIST_TOL_M, dtype=bool)


def _far_from_door(e: Evidence, cfg: Settings) -> BoolArray:
    return _door_beyond(cfg.far_from_door_m)(e) & ~_door_beyond(cfg.gps_far_m)(e)


def _fast_reason(e: Evidence, i: int, cfg: Settings) -> str:
    t = e.travel
    way = "by the streets" if METHODS[t.method[i]] == METHOD_NETWORK else "in a straight line"
    return (
        f"{t.travel_m[i]:,.0f} m {way} from the previous visit in {t.gap_min[i]:.1f} min; "
        f"a brisk walk and a minimal visit need {t.needed_min[i]:.1f} min"
    )


FLAGS: Final = (
    Flag(
        "desk_job",
        NOT_COUNTED,
        "a shift of moves no one could walk: logged from a desk",
        lambda e, cfg: e.travel.desk_job,
        lambda e, i, cfg: (
            f"{e.travel.shift_jumps[i]} moves in this shift are impossible even walking "
            "straight: logged from a desk"
        ),
    ),
    Flag(
        "one_spot_burst",
        NOT_COUNTED,
        "many households logged from one spot off their doors",
        lambda e, cfg: e.burst,
        lambda e, i, cfg: (
            f"one of {cfg.burst_min_households} or more households logged within "
            f"{cfg.burst_span_min:g} min from one spot away from their doors"
        ),
    ),
    Flag(
        "impossible_travel",
        NOT_COUNTED,
        "too far from the last visit even running straight",
        lambda e, cfg: e.travel.impossible,
        lambda e, i, cfg: (
            f"{e.travel.straight_m[i]:,.0f} m from the previous visit in "
            f"{e.travel.gap_min[i]:.1f} min: impossible even running straight"
        ),
    ),
    Flag(
        "gps_far",
        NOT_COUNTED,
        "GPS point far beyond any GPS error from the door",
        lambda e, cfg: _door_beyond(cfg.gps_far_m)(e),
        lambda e, i, cfg: f"GPS point {e.door_m[i]:,.0f} m from the door",
    ),
    Flag(
        "duplicate",
        NOT_COUNTED,
        "the same record logged twice",
        lambda e, cfg: e.duplicate,
        lambda e, i, cfg: (
            "the same household, officer and outcome logged again within "
            f"{cfg.duplicate_window_min:g} min"
        ),
    ),
    Flag(
        "far_from_door",
        REVIEW,
        "GPS point rather far from the household's door",
        _far_from_door,
        lambda e, i, cfg: f"GPS point {e.door_m[i]:,.0f} m from the door",
    ),
    Flag(
        "fast_travel",
        REVIEW,
        "faster than a brisk walk from the officer's last visit",
        lambda e, cfg: e.travel.fast,
        _fast_reason,
    ),
    Flag(
        "too_short",
        REVIEW,
        "contact logged as shorter than the minimum visit",
        lambda e, cfg: e.contact & (e.duration_min < cfg.too_short_min),
        lambda e, i, cfg: (
            f"contact of {e.duration_min[i]:.1f} min, under {cfg.too_short_min:g} min"
        ),
    ),
    Flag(
        "no_gps",
        REVIEW,
        "no GPS point recorded",
        lambda e, cfg: e.no_gps,
        lambda e, i, cfg: "no GPS point recorded",
    ),
)
"""Every flag, most severe first: the one registry codes, grades, masks and texts come from."""

FLAG_CODES: Final = tuple(f.code for f in FLAGS)
"""Every flag code, in the fixed order they appear in ``flags``."""

FLAG_GRADES: Final[dict[str, str]] = {f.code: f.grade for f in FLAGS}
"""The grade (``not_counted`` or ``review``) of each flag code."""

FLAG_DESCRIPTIONS: Final[dict[str, str]] = {f.code: f.description for f in FLAGS}
"""A short human description of each flag code (for the UI and README)."""

RESULT_COLUMNS: Final = (
    "visit_id",
    "status",
    "verified",
    "flags",
    "reason",
    "review",
    "door_distance_m",
    "previous_visit_id",
    "gap_min",
    "straight_m",
    "travel_m",
    "travel_needed_min",
    "travel_method",
    "shift",
)
"""Columns of :func:`verify_visits`' result, in order."""

VERDICT_DTYPES: Final[dict[str, pd.CategoricalDtype]] = {
    "status": categories_of(STATUSES),
    "flags": categories_of(bit_texts(FLAG_CODES)),
    "review": categories_of(("", *DECISIONS)),
    "travel_method": categories_of(METHODS),
}
"""The result's columns of a fixed, short list of texts: pandas categoricals of these.

One or two bytes a row (``flags``: every combination of :data:`FLAG_CODES`, category ``i``
the flags of bit value ``i``), where text would take nine to twenty; the same categories
in every result, so results of parts concatenate as categoricals (:mod:`analysis.dask_engine`).
"""


def verify_visits(
    visits: gpd.GeoDataFrame,
    households: gpd.GeoDataFrame,
    *,
    graph: nx.MultiDiGraph | None = None,
    household_nodes: Mapping[Any, Any] | pd.Series | None = None,
    reviews: pd.DataFrame | None = None,
    settings: Settings | None = None,
    origin: pd.Timestamp | None = None,
    household_rows: npt.NDArray[np.integer] | None = None,
) -> pd.DataFrame:
    """Grade the evidence that each visit happened: counted, review or not counted.

    Parameters
    ----------
    visits : geopandas.GeoDataFrame
        Canonical visits (``visit_id``, ``household_id``, ``officer_id``, tz-aware ``time``;
        optional ``outcome``, ``duration_min``) with the GPS point as geometry (missing or
        empty when there is none), in WGS84. A plain DataFrame is taken as visits without
        GPS, unless it has the GPS as two columns of WGS84 degrees
        (:data:`geo.schema.GPS_COLUMNS`, NaN where none: the importer's ``points=False``).
    households : geopandas.GeoDataFrame
        Canonical households (``household_id``, Point geometry) in the same CRS as
        ``visits``.
    graph : networkx.MultiDiGraph, optional
        Walk network, osmnx style: graph attribute ``crs``, node attributes ``x``/``y`` in
        that CRS, edge attribute ``length`` in metres. It may only raise the least-possible
        travel time where credible (see the module notes).
    household_nodes : mapping or pandas.Series, optional
        Nearest graph node of each household id. Households missing from it are snapped to
        the nearest node (in the metric CRS) here.
    reviews : pandas.DataFrame, optional
        A chief's decisions: ``visit_id`` and ``decision`` (``confirmed`` or
        ``dismissed``). The last decision of a visit id wins.
    settings : Settings, optional
        Thresholds; defaults to :data:`geo.settings.DEFAULTS`.
    origin : pandas.Timestamp, optional
        The time minutes are counted from (default: the earliest log). A caller that
        verifies the visits in parts (:mod:`analysis.dask_engine`) passes the earliest log
        of them all, so every part measures the same minutes, to the last bit.
    household_rows : numpy.ndarray of int, optional
        Each visit's row in ``households`` (-1: unknown), as
        :func:`analysis.rules.household_codes` gives them; looked up here when omitted
        (:func:`analysis.pipeline.analyse` has them already).

    Returns
    -------
    pandas.DataFrame
        On ``visits``' index, the columns of :data:`RESULT_COLUMNS`: ``visit_id``;
        ``status``; ``verified`` (``status != "not_counted"``); ``flags``; ``reason``
        (``""`` when there is no flag); ``review`` (the decision applied, ``""`` for none);
        ``door_distance_m`` (GPS to household); ``previous_visit_id`` (the officer's
        previous log in the shift, ``""`` for none); ``gap_min`` (minutes since it);
        ``straight_m`` (between the two households); ``travel_m`` (the distance timed:
        the credible network walk or the straight line); ``travel_needed_min`` (the
        least-possible time); ``travel_method`` (``network``, ``straight_line``,
        ``same_household`` or ``""``); ``shift`` (a number per officer shift, -1 without
        officer or time). ``status``, ``flags``, ``review`` and ``travel_method`` are
        categoricals of :data:`VERDICT_DTYPES`; ``reason`` is a categorical of its
        sentences (``""`` first), ``previous_visit_id`` pandas ``str``.

    Raises
    ------
    SchemaError
        A required column is missing, ``time`` is not tz-aware, household ids repeat, a
        geometry is not a point, or a review decision is unknown.
    CRSError
        A frame has no CRS, or the two frames' CRS differ.
    StreetsError
        The graph lacks a ``crs``, node coordinates or edge lengths, or ``household_nodes``
        names a node not in the graph.

    Examples
    --------
    >>> import pandas as pd, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> homes = gpd.GeoDataFrame({"household_id": ["a", "b"]},
    ...     geometry=[Point(118.78, 32.04), Point(118.80, 32.04)], crs="EPSG:4326")
    >>> logs = gpd.GeoDataFrame({"visit_id": ["v1", "v2"], "household_id": ["a", "b"],
    ...     "officer_id": ["o", "o"],
    ...     "time": pd.to_datetime(["2026-05-06 10:00", "2026-05-06 10:04"]).tz_localize(
    ...         "Asia/Shanghai")},
    ...     geometry=[Point(118.78, 32.04), Point(118.80, 32.04)], crs="EPSG:4326")
    >>> result = verify_visits(logs, homes)
    >>> result[["visit_id", "status", "flags"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'visit_id': 'v1', 'status': 'counted', 'flags': ''},
     {'visit_id': 'v2', 'status': 'not_counted', 'flags': 'impossible_travel'}]
    >>> print(result["reason"].iloc[1])
    1,889 m from the previous visit in 4.0 min: impossible even running straight
    """
    cfg = resolve(settings)
    _check_inputs(visits, households)
    decisions = _decisions(reviews, visits["visit_id"])
    gps = _visit_gps(visits, households.crs)
    minutes = _time_minutes(visits, origin=origin)
    if len(visits) == 0:
        return _empty_result(visits)
    evidence = _evidence(
        visits,
        households,
        gps,
        minutes,
        graph=graph,
        household_nodes=household_nodes,
        rows=household_rows,
        cfg=cfg,
    )
    bits = flag_bits([flag.detect(evidence, cfg) for flag in FLAGS], n=len(visits))
    status = _status_codes(bits)
    travel = evidence.travel
    kinds = VERDICT_DTYPES
    out = pd.DataFrame(
        {
            "visit_id": _same_column(visits["visit_id"]).copy(),  # the frame's own
            "status": coded_categories(kinds["status"], status),
            "verified": status != STATUSES.index(NOT_COUNTED),
            "flags": coded_categories(kinds["flags"], bits),
            "reason": _reasons(bits, evidence, cfg),
            "review": coded_categories(kinds["review"], np.zeros(len(visits), dtype=np.int8)),
            "door_distance_m": evidence.door_m,
            "previous_visit_id": _previous_ids(visits["visit_id"], travel.prev),
            "gap_min": travel.gap_min,
            "straight_m": travel.straight_m,
            "travel_m": travel.travel_m,
            "travel_needed_min": travel.needed_min,
            "travel_method": coded_categories(kinds["travel_method"], travel.method),
            "shift": travel.shift,
        },
        index=visits.index,
        copy=False,  # the arrays are this call's own: one block each, not stacked copies
    )
    _apply_decisions(out, decisions)
    return out


def _check_inputs(visits: pd.DataFrame, households: pd.DataFrame) -> None:
    """Raise on what :func:`verify_visits` cannot read (see its Raises)."""
    require_columns(visits, ("visit_id", "household_id", "officer_id", "time"), name="visits")
    require_columns(households, ("household_id", "geometry"), name="households")
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


def _evidence(
    visits: pd.DataFrame,
    households: gpd.GeoDataFrame,
    gps: Gps | None,
    minutes: FloatArray,
    *,
    graph: nx.MultiDiGraph | None,
    household_nodes: Mapping[Any, Any] | pd.Series | None,
    rows: npt.NDArray[np.integer] | None,
    cfg: Settings,
) -> Evidence:
    """Measure what the flags are decided from: doors, GPS, records, bursts and travel."""
    n = len(visits)
    hh_ids = households["household_id"]
    metric = _metric_crs(households, gps)
    hx, hy = _metric_xy(households.geometry, "households", hh_ids, crs=metric)
    vx, vy = (
        projected_xy(gps.x, gps.y, source=gps.crs, target=metric, copy=not gps.own)
        if gps is not None
        else (np.full(n, np.nan), np.full(n, np.nan))
    )
    # Household of each visit (-1 when the id is unknown or the household has no location)
    household_codes, hpos = _household_rows(hh_ids, visits["household_id"], rows=rows)
    if len(hx):  # the door of each visit's household (``take`` of -1 is masked next)
        vhx, vhy = hx.take(hpos), hy.take(hpos)
        vhx[hpos < 0] = np.nan
        vhy[hpos < 0] = np.nan
    else:
        vhx, vhy = np.full(n, np.nan), np.full(n, np.nan)
    hpos[~np.isfinite(vhx)] = -1
    door = vx - vhx
    door_y = vy - vhy
    np.hypot(door, door_y, out=door)
    del door_y

    officer_codes = pd.factorize(visits["officer_id"])[0].astype(np.int64)
    order = officer_order(officer_codes, time_rank(minutes))  # shared by the three checks
    duplicate = duplicates(
        visits, officer_codes, household_codes, minutes, settings=cfg, order=order
    )
    # the bursts are the last check that reads the GPS points and doors: measured before
    # the travel checks, their four whole-length arrays are gone while those run
    burst = one_spot_bursts(
        officer_codes,
        minutes,
        household_codes,
        vx,
        vy,
        doors=(vhx, vhy),
        candidate=(door > cfg.burst_radius_m + DIST_TOL_M)
        & np.isfinite(minutes)
        & (officer_codes >= 0),
        settings=cfg,
        order=order,
    )
    no_gps = ~np.isfinite(vx)
    del vx, vy, vhx, vhy
    travel = travel_checks(
        officer_codes,
        minutes,
        hpos,
        hx,
        hy,
        network=credible_network(graph, households, hx, hy, household_nodes, metric, cfg),
        copies=duplicate,
        cfg=cfg,
        order=order,
    )
    contact = (
        (visits["outcome"] == "contact").fillna(False).to_numpy(dtype=bool)
        if "outcome" in visits.columns
        else np.zeros(n, dtype=bool)
    )
    duration = (
        float_values(visits["duration_min"])
        if "duration_min" in visits.columns
        else np.full(n, np.nan)
    )
    return Evidence(
        door_m=door,
        no_gps=no_gps,
        duplicate=duplicate,
        burst=burst,
        contact=contact,
        duration_min=duration,
        travel=travel,
    )


def _household_rows(
    households: pd.Series, visits: pd.Series, *, rows: npt.NDArray[np.integer] | None = None
) -> tuple[IntArray, IntArray]:
    """Return each visit's household code (-1: none) and row in ``households`` (-1: unknown).

    Codes are equal exactly where the ids are: a known id's code is its row, an unknown
    id's one past the rows, numbered by the distinct unknown ids. Every visit is looked up
    once in the households' hash (no factorising of the visits' ids first), unless its
    ``rows`` are given.

    Examples
    --------
    >>> codes, rows = _household_rows(pd.Series(["a", "b"]), pd.Series(["b", "z", None, "b"]))
    >>> codes.tolist(), rows.tolist()
    ([1, 2, -1, 1], [1, -1, -1, 1])
    """
    found: IntArray = (
        np.asarray(lookup(households, visits), dtype=np.int64)
        if rows is None  # else the caller's array, copied: ``_evidence`` marks unplaced doors
        else np.array(rows, dtype=np.int64, copy=True)
    )
    codes = found.copy()
    unknown = np.flatnonzero(found < 0)
    if len(unknown):
        others = pd.factorize(visits.iloc[unknown])[0].astype(np.int64)
        codes[unknown] = np.where(others >= 0, others + len(households), -1)
    return codes, found


def officer_flag_share(
    visits_with_checks: pd.DataFrame,
    *,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Per officer: visits not counted and in review, contact time, bursts, desk-job shifts.

    The chief's view of who needs a word. Pass the visits of one window (the caller
    chooses them, as everywhere else).

    Parameters
    ----------
    visits_with_checks : pandas.DataFrame
        Visits with ``officer_id`` and ``flags``, and ``status`` (e.g. ``visits`` with the
        columns of :func:`verify_visits` assigned). Without ``status`` it is derived from
        ``verified`` when present, else from the flags' grades. Optional:
        ``outcome`` and ``duration_min`` (for the contact minutes) and ``shift`` (for the
        desk-job shifts).
    settings : Settings, optional
        Unused today; accepted for a uniform signature.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``officer_id`` (sorted): ``visits``, ``not_counted``, ``review``,
        ``share`` (not counted / visits), ``review_share``, ``median_contact_min`` (median
        ``duration_min`` of contacts, NaN without any), ``burst_visits``,
        ``desk_job_shifts`` (distinct shifts flagged ``desk_job``), then one count column
        per code of :data:`FLAG_CODES`, in that order. Visits with no officer id are not
        counted.

    Raises
    ------
    SchemaError
        A needed column is missing, or ``flags`` or ``status`` holds an unknown code.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"officer_id": ["a", "a", "b"],
    ...                   "flags": ["duplicate", "", "no_gps"]})
    >>> officer_flag_share(v)[["visits", "not_counted", "review", "share", "no_gps"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                visits  not_counted  review  share  no_gps
    officer_id
    a                2            1       0    0.5       0
    b                1            0       1    0.0       1
    """
    resolve(settings)
    require_columns(visits_with_checks, ("officer_id", "flags"), name="visits")
    # integer codes for officers and for the few distinct flag strings: sums by bincount
    officer, officers = pd.factorize(visits_with_checks["officer_id"], sort=True)
    has_officer = officer >= 0
    data = visits_with_checks if has_officer.all() else visits_with_checks[has_officer]
    officer = officer[has_officer]
    flag_of, flag_strings = _text_codes(data["flags"], fill="")
    table = _codes_matrix(flag_strings).to_numpy()  # one row per distinct flags string
    status = _status_of(data, table, flag_of)
    n, ns, nk = len(officers), len(flag_strings), len(STATUSES)
    # visits per (officer, status) and per (officer, flags string); codes per officer are
    # then the string counts times the strings' codes: no pass over the visits per code
    per_status = np.bincount(officer * nk + status, minlength=n * nk).reshape(n, nk)
    del status  # 80 MB at 10M visits
    per_string = np.bincount(officer * ns + flag_of, minlength=n * ns).reshape(n, ns)
    per_code = per_string @ table.astype(np.int64)
    frame = pd.DataFrame(
        {
            "visits": per_status.sum(axis=1),
            NOT_COUNTED: per_status[:, STATUSES.index(NOT_COUNTED)],
            REVIEW: per_status[:, STATUSES.index(REVIEW)],
        }
    )
    for i, code in enumerate(FLAG_CODES):
        frame[code] = per_code[:, i]
    result = frame.astype(np.int64)
    result.insert(3, "share", result[NOT_COUNTED] / result["visits"])
    result.insert(4, "review_share", result[REVIEW] / result["visits"])
    result.insert(5, "median_contact_min", _median_contact(data, officer, n=n))
    result.insert(6, "burst_visits", result["one_spot_burst"])
    desk = table[:, FLAG_CODES.index("desk_job")][flag_of]
    result.insert(7, "desk_job_shifts", _desk_shifts(data, officer, desk, n=n))
    result.index = pd.Index(np.asarray(officers, dtype=object), name="officer_id")
    return result


FLAG_SHARE_COLUMNS: Final = (
    "officer_id",
    "flags",
    "status",
    "verified",
    "outcome",
    "duration_min",
    "shift",
)
"""The visit columns :func:`officer_flag_share` reads (a caller may pass only these)."""


def _text_codes(values: pd.Series, *, fill: str) -> tuple[IntArray, list[str]]:
    """Return each value's position in a list of distinct texts, and the list.

    Missing values are ``fill``; the list holds only the texts present. A categorical gives
    its categories in their order, from its codes (no text per row); any other column is
    factorized as text, in the order of first appearance.

    Examples
    --------
    >>> _text_codes(pd.Series(["b", None, "b"]), fill="a")
    (array([0, 1, 0]), ['b', 'a'])
    >>> kind = pd.CategoricalDtype(["a", "b", "c"])
    >>> codes, texts = _text_codes(pd.Series(["c", None, "c"], dtype=kind), fill="")
    >>> codes.tolist(), texts
    ([0, 1, 0], ['c', ''])
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        texts = [str(c) for c in values.cat.categories]
        codes = values.cat.codes.to_numpy().astype(np.int64)
        missing = codes < 0
        if missing.any():
            if fill not in texts:
                texts.append(fill)
            codes[missing] = texts.index(fill)
        used = np.bincount(codes, minlength=len(texts)) > 0
        place = np.cumsum(used) - 1  # each used text's position among the used ones
        return place[codes], [t for t, u in zip(texts, used, strict=True) if u]
    codes, uniques = pd.factorize(values.fillna(fill).astype(str))
    return codes.astype(np.int64, copy=False), [str(u) for u in uniques]  # intp: as is


def _status_of(data: pd.DataFrame, table: BoolArray, flag_of: IntArray) -> IntArray:
    """Return each visit's status as its position in :data:`STATUSES`.

    From the ``status`` column; else from ``verified`` and the weak flags; else from the
    flags' grades. ``table`` holds one row per distinct flags string and one column per
    code of :data:`FLAG_CODES`; ``flag_of`` is each visit's row.
    """
    if "status" in data.columns:
        status, uniques = _text_codes(data["status"], fill=COUNTED)
        unknown = sorted(set(uniques) - set(STATUSES))
        if unknown:
            msg = f"visits: column 'status' holds unknown value(s) {unknown}; known: {STATUSES}"
            raise SchemaError(msg)
        return np.array([STATUSES.index(u) for u in uniques], dtype=np.int64)[status]
    strong = [i for i, c in enumerate(FLAG_CODES) if FLAG_GRADES[c] == NOT_COUNTED]
    weak = [i for i, c in enumerate(FLAG_CODES) if FLAG_GRADES[c] == REVIEW]
    if "verified" in data.columns:
        bad = ~data["verified"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        bad = np.asarray(table[:, strong].any(axis=1), dtype=bool)[flag_of]
    review = np.asarray(table[:, weak].any(axis=1), dtype=bool)[flag_of]
    graded = np.where(review, STATUSES.index(REVIEW), STATUSES.index(COUNTED))
    return np.where(bad, STATUSES.index(NOT_COUNTED), graded).astype(np.int64)


def _median_contact(data: pd.DataFrame, officer: IntArray, *, n: int) -> FloatArray:
    """Median ``duration_min`` of each officer's contacts (NaN without the columns)."""
    if "outcome" not in data.columns or "duration_min" not in data.columns:
        return np.full(n, np.nan)
    contact = (data["outcome"] == "contact").fillna(False).to_numpy(dtype=bool)
    minutes = float_values(data["duration_min"])
    median = pd.Series(minutes[contact]).groupby(officer[contact]).median()
    return median.reindex(np.arange(n)).to_numpy(dtype=float)


def _desk_shifts(data: pd.DataFrame, officer: IntArray, desk: BoolArray, *, n: int) -> IntArray:
    """Distinct shifts flagged ``desk_job`` (``desk``) per officer (0 without ``shift``)."""
    if "shift" not in data.columns:
        return np.zeros(n, dtype=np.int64)
    shifts = pd.Series(data["shift"].to_numpy()[desk]).groupby(officer[desk]).nunique()
    return shifts.reindex(np.arange(n), fill_value=0).to_numpy(dtype=np.int64)


# --------------------------------------------------------------------------- reviews


def _decisions(reviews: pd.DataFrame | None, visit_ids: pd.Series) -> pd.Series:
    """Return the decision per visit id (last one wins), checked; empty without reviews."""
    if reviews is None or len(reviews) == 0:
        return pd.Series(dtype=object)
    require_columns(reviews, ("visit_id", "decision"), name="reviews")
    decision = reviews["decision"].astype(str).str.strip().str.lower()
    bad = ~decision.isin(DECISIONS)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        msg = (
            f"reviews: row {row + 1} has decision {reviews['decision'].iloc[row]!r} in column "
            f"'decision'; use one of {list(DECISIONS)}"
        )
        raise SchemaError(msg)
    by_id = pd.Series(decision.to_numpy(), index=reviews["visit_id"].astype(str).to_numpy())
    by_id = by_id[~by_id.index.duplicated(keep="last")]
    return by_id.reindex(visit_ids.astype(str).to_numpy())


def _apply_decisions(out: pd.DataFrame, decisions: pd.Series) -> None:
    """Apply a chief's decisions to flagged visits in place (status, verified, reason, review).

    On the categoricals' codes; only the decided visits' reasons are rewritten.
    """
    if decisions.empty:
        return
    decision = decisions.fillna("").to_numpy(dtype=object)
    flagged = out["flags"].cat.codes.to_numpy() != 0  # category 0: no flag
    dismissed = flagged & (decision == "dismissed")
    confirmed = flagged & (decision == "confirmed")
    kinds = VERDICT_DTYPES
    status = out["status"].cat.codes.to_numpy(dtype=np.int64, copy=True)
    status[dismissed] = STATUSES.index(COUNTED)
    status[confirmed] = STATUSES.index(NOT_COUNTED)
    review = np.zeros(len(out), dtype=np.int64)
    review[dismissed] = list(kinds["review"].categories).index("dismissed")
    review[confirmed] = list(kinds["review"].categories).index("confirmed")
    reason = out["reason"].cat.codes.to_numpy().astype(np.int64)
    texts = [str(t) for t in out["reason"].cat.categories]
    said = {text: code for code, text in enumerate(texts)}
    for rows, wording in (
        (np.flatnonzero(dismissed), "dismissed by a chief (was: {})"),
        (np.flatnonzero(confirmed), "confirmed by a chief: {}"),
    ):
        was = reason[rows]
        now = np.empty_like(was)
        for code in np.unique(was):  # each decided reason reworded once
            text = wording.format(texts[code])
            if text not in said:
                said[text] = len(texts)
                texts.append(text)
            now[was == code] = said[text]
        reason[rows] = now
    out["status"] = coded_categories(kinds["status"], status)
    out["verified"] = status != STATUSES.index(NOT_COUNTED)
    reworded = coded_categories(categories_of(texts), reason)
    out["reason"] = reworded.set_categories(sorted(texts))  # sorted again, as _reasons does
    out["review"] = coded_categories(kinds["review"], review)


# --------------------------------------------------------------------------- validation


def _time_minutes(visits: pd.DataFrame, *, origin: pd.Timestamp | None = None) -> FloatArray:
    """Return ``time`` as float minutes since ``origin`` (default the earliest log; NaN: none)."""
    time = visit_times(visits)
    if time.notna().sum() == 0:
        return np.full(len(time), np.nan)
    delta = (time - (time.min() if origin is None else origin)) / pd.Timedelta(minutes=1)
    return np.asarray(delta.to_numpy(dtype=float, na_value=np.nan), dtype=np.float64)


@dataclass(frozen=True)
class Gps:
    """The visits' GPS as coordinates in their own CRS (NaN where none).

    ``own``: the arrays were made for this (points read from geometries) and may be
    overwritten; else they are the table's own columns, read only.
    """

    x: FloatArray
    y: FloatArray
    crs: Any
    own: bool = True


def _visit_gps(visits: pd.DataFrame, crs: pyproj.CRS) -> Gps | None:
    """Return the visits' GPS coordinates (``None`` when no visit has a GPS point).

    From the Point geometry of a GeoDataFrame, else from :data:`GPS_COLUMNS` (WGS84).
    """
    geometry = getattr(visits, "active_geometry_name", None)
    if geometry is None:
        if not all(c in visits.columns for c in GPS_COLUMNS):
            return None
        # the columns' own arrays: projecting makes the metres (in ``_evidence``), which
        # then go when the checks that read them are done
        x, y = gps_lonlat(visits)
        if not bool((np.isfinite(x) & np.isfinite(y)).any()):
            return None
        _same_crs(WGS84, crs)
        return Gps(x, y, pyproj.CRS.from_user_input(WGS84), own=False)
    gps = visits.geometry
    has_any = bool(present(gps).any())
    if gps.crs is None:
        if has_any:
            msg = "visits have GPS points but no coordinate system; set one (EPSG:4326)"
            raise CRSError(msg)
        return None
    _same_crs(gps.crs, crs)
    if not has_any:
        return None
    x, y = points_xy(gps, table="visits", ids=visits["visit_id"])
    return Gps(x, y, gps.crs)


def _same_crs(gps_crs: Any, crs: Any) -> None:
    """Raise unless the visits' GPS and the households are in one CRS."""
    if not pyproj.CRS.from_user_input(gps_crs).equals(pyproj.CRS.from_user_input(crs)):
        msg = (
            f"visits are in {pyproj.CRS.from_user_input(gps_crs).to_string()} but households in "
            f"{pyproj.CRS.from_user_input(crs).to_string()}; bring both to WGS84 first"
        )
        raise CRSError(msg)


def _metric_crs(households: gpd.GeoDataFrame, gps: Gps | None) -> pyproj.CRS:
    """Return the one metric CRS for this call: households' local UTM (else the GPS')."""
    located = households.geometry[present(households.geometry)]
    if len(located):
        return local_utm(located)
    if gps is not None:
        ok = np.isfinite(gps.x) & np.isfinite(gps.y)
        return local_utm(gpd.GeoSeries(shapely.points(gps.x[ok], gps.y[ok]), crs=gps.crs))
    # Nothing has a location, so no distance is measured; any metric CRS will do.
    return pyproj.CRS.from_epsg(3857)


def _metric_xy(
    points: gpd.GeoSeries, table: str, ids: pd.Series, *, crs: Any
) -> tuple[FloatArray, FloatArray]:
    """Return x and y of ``points`` in the metric ``crs`` (as :func:`geo.schema.points_xy`).

    Projected as coordinate arrays: no geometry is built per point.
    """
    if points.crs is None:  # geopandas says why it cannot project
        return points_xy(project(points, crs=crs), table=table, ids=ids)
    x, y = points_xy(points, table=table, ids=ids)  # fresh arrays: projected in place
    return projected_xy(x, y, source=points.crs, target=crs, copy=False)


def _empty_result(visits: pd.DataFrame) -> pd.DataFrame:
    """Return the result frame for zero visits."""
    out = pd.DataFrame({c: [] for c in RESULT_COLUMNS}, index=visits.index)
    out["visit_id"] = visits["visit_id"]
    dtypes: dict[str, Any] = {"reason": categories_of([""]), "previous_visit_id": str}
    dtypes |= VERDICT_DTYPES
    dtypes |= {"verified": bool, "shift": np.int64}
    numbers = ("door_distance_m", "gap_min", "straight_m", "travel_m", "travel_needed_min")
    dtypes |= {c: float for c in numbers}
    return out.astype(dtypes)


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


# --------------------------------------------------------------------------- flags and reasons


def _status_codes(bits: IntArray) -> npt.NDArray[np.int8]:
    """Return each visit's status as its position in :data:`STATUSES`, from its flag bits.

    ``not_counted`` with any flag of that grade, else ``review`` with any flag, else
    ``counted``.

    Examples
    --------
    >>> [STATUSES[s] for s in _status_codes(np.array([0, 0b1000, 0b100000, 0b101000]))]
    ['counted', 'not_counted', 'review', 'not_counted']
    """
    strong = sum(1 << i for i, flag in enumerate(FLAGS) if flag.grade == NOT_COUNTED)
    graded = np.where(bits != 0, STATUSES.index(REVIEW), STATUSES.index(COUNTED))
    graded = graded.astype(np.int8)  # one byte a visit, as the categorical keeps it
    return np.where(bits & strong, np.int8(STATUSES.index(NOT_COUNTED)), graded)


def _same_column(column: pd.Series) -> Any:
    """Return what gives ``column``'s values in a new frame, as its NumPy values would.

    A ``str`` column's own array (not converted to Python strings and back); any other
    column's NumPy values.

    Examples
    --------
    >>> type(_same_column(pd.Series(["a"], dtype="str"))).__name__
    'ArrowStringArray'
    >>> _same_column(pd.Series([1, 2])).tolist()
    [1, 2]
    """
    return column.array if column.dtype == TEXT else column.to_numpy()


def _previous_ids(visit_ids: pd.Series, prev: IntArray) -> pd.api.extensions.ExtensionArray:
    """Return the visit id at each position of ``prev`` as ``str`` (``""`` where -1).

    Examples
    --------
    >>> _previous_ids(pd.Series(["v1", "v2", "v3"]), np.array([-1, 0, 1])).tolist()
    ['', 'v1', 'v2']
    """
    ids = pa.array(visit_ids.astype(TEXT).array)  # one array or several chunks
    chunks = ids.chunks if isinstance(ids, pa.ChunkedArray) else [ids]
    padded = pa.chunked_array(
        [*(c.cast(pa.large_string()) for c in chunks), pa.array([""], type=pa.large_string())]
    )
    taken = padded.take(pa.array(np.where(prev >= 0, prev, len(ids))))
    return pd.array(taken, dtype=TEXT)


def _reasons(bits: IntArray, evidence: Evidence, cfg: Settings) -> pd.Categorical:
    """One plain-language sentence per flagged visit, about its worst flag, with figures.

    The worst flag is the first of :data:`FLAGS` a visit carries: the lowest bit set in its
    :func:`analysis.coded_text.flag_bits`. A categorical of the distinct sentences, sorted
    (``""``, no flag, first), so that results of parts of the visits have categories that
    merge into those of the whole (:mod:`analysis.dask_engine`). The figures are rounded,
    so sentences repeat: 874 distinct among 152,282 flagged visits of 10M, where text took
    8 bytes a row for its offsets alone (81 MB against 19).

    Examples
    --------
    >>> e = Evidence(door_m=np.array([0.0, 150.0]), no_gps=np.array([True, False]),
    ...     duplicate=np.zeros(2, bool), burst=np.zeros(2, bool), contact=np.zeros(2, bool),
    ...     duration_min=np.full(2, np.nan), travel=None)
    >>> no_gps, far = 1 << FLAG_CODES.index("no_gps"), 1 << FLAG_CODES.index("far_from_door")
    >>> reasons = _reasons(np.array([no_gps, far | no_gps, no_gps]), e, resolve(None))
    >>> reasons.tolist()
    ['no GPS point recorded', 'GPS point 150 m from the door', 'no GPS point recorded']
    >>> reasons.categories.tolist()
    ['', 'GPS point 150 m from the door', 'no GPS point recorded']
    """
    flagged = np.flatnonzero(bits)
    lowest = bits[flagged] & -bits[flagged]  # the worst flag's bit alone
    worst = np.zeros(len(flagged), dtype=np.int64)
    for i in range(1, len(FLAGS)):
        worst[lowest == 1 << i] = i
    sentences = [
        FLAGS[w].reason(evidence, int(i), cfg) for w, i in zip(worst, flagged, strict=True)
    ]
    said, texts = pd.factorize(pd.Series(sentences, dtype=TEXT), sort=True)
    which = np.zeros(len(bits), dtype=np.int32)  # 0: the empty reason
    which[flagged] = said + 1
    return coded_categories(categories_of(["", *texts]), which)

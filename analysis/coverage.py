"""Household status and coverage summaries per block, beat, station and officer.

The counting rules (window, attempt, counted visit, contact) are in :mod:`analysis.rules`,
shared by every analysis module.

Choices made here
-----------------
* ``contacted`` and ``contacts`` look only inside the window, but ``last_contact`` looks
  at every counted contact up to ``end``, including those before ``start``: a vulnerable
  resident seen five days before the window opened is not overdue on its first day.
* ``days_waiting`` is the days since the last counted contact; a household never
  contacted has waited at least since ``start``, so it gets ``as_of - start``.
* Mean satisfaction gives each household one voice: a household's mean rating (counted
  visits in the window) is averaged over the households that gave one.
* Officers are not a household attribute, so per-officer figures come from
  :func:`officer_summary`, which needs the visits too. With an ``officer_beats``
  mapping an officer answers for every household of their beats (coverage = households
  of those beats the officer contacted / households of those beats); without it, for the
  households they attempted (coverage = contacted / attempted). Attempts and contacts are
  the officer's own, wherever they happened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.followups import follow_up_status
from analysis.rules import (
    TimeLike,
    contact_mask,
    counted_mask,
    household_codes,
    latest_per_code,
    lookup,
    nonblank,
    require_columns,
    resolve_window,
    sorted_unique,
    visit_times,
)
from analysis.satisfaction import scores
from geo.errors import SchemaError
from geo.schema import officer_pairs
from geo.settings import Settings, resolve

__all__ = [
    "PASS_THROUGH",
    "STATUS_COLUMNS",
    "contact_counts",
    "household_status",
    "officer_summary",
    "summarise",
]

STATUS_COLUMNS: tuple[str, ...] = (
    "household_id",
    "attempts",
    "contacts",
    "contacted",
    "last_contact",
    "days_since_contact",
    "days_waiting",
    "vulnerable",
    "vulnerable_overdue",
    "open_follow_ups",
    "mean_satisfaction",
)
"""Columns :func:`household_status` always returns (plus any passed-through grouping columns)."""

PASS_THROUGH: tuple[str, ...] = ("block_id", "beat_id", "station", "kind")
"""Household columns copied into the status frame when present, for grouping."""

_DAY = pd.Timedelta(days=1)


def _vulnerable(households: pd.DataFrame) -> np.ndarray:
    """Return whether each household is vulnerable ("" or missing means not)."""
    if "vulnerable" not in households.columns:
        return np.zeros(len(households), dtype=bool)
    col = households["vulnerable"]
    if pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("boolean").fillna(False).to_numpy(dtype=bool)
    return nonblank(col)


# --------------------------------------------------------------------------- households


def household_status(
    households: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    start: TimeLike,
    end: TimeLike,
    settings: Settings | None = None,
    codes: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return each household's visiting record for the window ``start``–``end``.

    Parameters
    ----------
    households : pandas.DataFrame
        Canonical households with unique ``household_id``; optional ``vulnerable``, and
        ``block_id``, ``beat_id``, ``station``, ``kind`` which are copied through.
    visits : pandas.DataFrame
        Canonical visits (``visit_id``, ``household_id``, tz-aware ``time``; optional
        ``outcome``, ``issue_raised``, ``follow_up_of``, ``satisfaction``, ``verified``).
    start, end : pandas.Timestamp or datetime.date
        The window; see the module docstring.
    settings : Settings, optional
        ``vulnerable_overdue_days``, ``follow_up_days``, ``include_unverified``, ``timezone``.
    codes : numpy.ndarray, optional
        :func:`analysis.rules.household_codes` of ``households`` and ``visits``, when the
        caller already has them (:func:`analysis.pipeline.analyse` computes them once).

    Returns
    -------
    pandas.DataFrame
        On ``households.index`` (no geometry): ``household_id``, the pass-through columns,
        ``attempts`` (visits in the window), ``contacts`` (counted contacts in the window),
        ``contacted`` (bool), ``last_contact`` (latest counted contact up to ``end``, any
        time before; NaT if none), ``days_since_contact`` (float, NaN if never),
        ``days_waiting`` (days since last contact, or since ``start`` if never),
        ``vulnerable`` (bool), ``vulnerable_overdue`` (vulnerable and no counted contact in
        the ``vulnerable_overdue_days`` before ``end``; exactly that many days ago is still
        in time), ``open_follow_ups`` (issues open past their limit, see
        :func:`analysis.followups.follow_up_status`), ``mean_satisfaction`` (mean rating
        on counted visits in the window, NaN if none).

    Raises
    ------
    SchemaError
        A required column is missing, ``time`` is not tz-aware, or a household_id repeats.
    BeatcovError
        The window is unreadable or starts after it ends.
    """
    s = resolve(settings)
    require_columns(households, ("household_id",), name="households")
    require_columns(visits, ("visit_id", "household_id", "time"), name="visits")
    times = visit_times(visits)
    win = resolve_window(start, end, settings=s)
    n = len(households)
    codes = household_codes(households, visits) if codes is None else codes
    known = codes >= 0
    counted = counted_mask(visits, settings=s)
    contact = counted & contact_mask(visits)

    in_win = known & win.contains(times)
    attempts = np.bincount(codes[in_win], minlength=n)
    contact_in_win = in_win & contact
    contacts = np.bincount(codes[contact_in_win], minlength=n)

    contact_upto = known & contact & win.upto(times)
    latest = latest_per_code(times[contact_upto], codes[contact_upto], n=n)
    last_contact = pd.Series(latest.array, index=households.index)
    days_since = (win.as_of - last_contact) / _DAY
    days_waiting = days_since.fillna(win.days)

    vulnerable = _vulnerable(households)
    recent = last_contact.ge(win.as_of - pd.Timedelta(days=s.vulnerable_overdue_days))
    overdue = vulnerable & ~recent.to_numpy(dtype=bool)

    follow = follow_up_status(visits, end=end, settings=s)
    open_codes = lookup(households["household_id"], follow.loc[follow["open"], "household_id"])
    open_follow_ups = np.bincount(open_codes[open_codes >= 0], minlength=n)

    rating = scores(visits)
    rated = in_win & counted & ~np.isnan(rating)
    rating_sum = np.bincount(codes[rated], weights=rating[rated], minlength=n)
    rating_n = np.bincount(codes[rated], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_rating = np.where(rating_n > 0, rating_sum / np.maximum(rating_n, 1), np.nan)

    # plain arrays (``.array``), not Series, so a repeated index label cannot misalign
    out = pd.DataFrame({"household_id": households["household_id"].array}, index=households.index)
    for col in PASS_THROUGH:
        if col in households.columns:
            out[col] = households[col].array
    out["attempts"] = attempts
    out["contacts"] = contacts
    out["contacted"] = contacts > 0
    out["last_contact"] = last_contact.array
    out["days_since_contact"] = days_since.to_numpy()
    out["days_waiting"] = days_waiting.to_numpy()
    out["vulnerable"] = vulnerable
    out["vulnerable_overdue"] = overdue
    out["open_follow_ups"] = open_follow_ups
    out["mean_satisfaction"] = mean_rating
    return out


def contact_counts(
    households: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    start: TimeLike,
    end: TimeLike,
    settings: Settings | None = None,
    codes: np.ndarray | None = None,
) -> npt.NDArray[np.int64]:
    """Return each household's counted contacts in the window, as :func:`household_status`.

    Its ``contacts`` column alone, without the rest of the status (no follow-ups, no last
    contact): :func:`analysis.pipeline.analyse` asks it for the contacts as logged.

    Parameters
    ----------
    households, visits, start, end, settings, codes
        As for :func:`household_status`.

    Returns
    -------
    numpy.ndarray
        int64, one per row of ``households``.

    Examples
    --------
    >>> h = pd.DataFrame({"household_id": ["a", "b"]})
    >>> v = pd.DataFrame({"visit_id": ["v1", "v2", "v3"], "household_id": ["a", "a", "z"],
    ...     "time": pd.to_datetime(["2024-03-01 10:00"] * 3, utc=True),
    ...     "outcome": ["contact", "contact", "contact"], "verified": [True, False, True]})
    >>> day = pd.Timestamp("2024-03-01").date()
    >>> contact_counts(h, v, start=day, end=day).tolist()
    [1, 0]
    """
    s = resolve(settings)
    require_columns(visits, ("visit_id", "household_id", "time"), name="visits")
    codes = household_codes(households, visits) if codes is None else codes
    win = resolve_window(start, end, settings=s)
    counted = (codes >= 0) & win.contains(visit_times(visits))
    counted &= counted_mask(visits, settings=s) & contact_mask(visits)
    return np.bincount(codes[counted], minlength=len(households)).astype(np.int64)


# --------------------------------------------------------------------------- summaries


def _keys(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def summarise(status: pd.DataFrame, *, by: str | Sequence[str]) -> pd.DataFrame:
    """Summarise household status per block, beat, station (or any household column).

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`household_status`.
    by : str or list of str
        Grouping column(s) of ``status``, e.g. ``"beat_id"`` or ``["beat_id", "block_id"]``
        (use the latter for blocks, so :func:`analysis.gaps.find_gaps` knows each block's
        beat). Households with a missing key form their own group.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``: ``households``, ``contacted_households``, ``coverage``
        (contacted / households), ``attempts``, ``contacts``, ``attempts_per_contact``
        (NaN with no contacts), ``vulnerable_households``, ``vulnerable_overdue``,
        ``open_follow_ups``, ``mean_satisfaction`` (mean of household means),
        ``mean_days_waiting`` (over households not contacted in the window; NaN if all
        were), ``last_contact``.

    Raises
    ------
    SchemaError
        ``by`` or a status column is missing; for ``officer_id`` use
        :func:`officer_summary`.

    Examples
    --------
    >>> st = pd.DataFrame({"household_id": ["a", "b"], "beat_id": ["B1", "B1"],
    ...     "attempts": [2, 1], "contacts": [1, 0], "contacted": [True, False],
    ...     "last_contact": pd.to_datetime([None, None], utc=True),
    ...     "days_since_contact": [1.0, None], "days_waiting": [1.0, 30.0],
    ...     "vulnerable": [False, True], "vulnerable_overdue": [False, True],
    ...     "open_follow_ups": [0, 0], "mean_satisfaction": [4.0, None]})
    >>> out = summarise(st, by="beat_id")
    >>> out[["households", "coverage", "attempts_per_contact"]].to_dict("index")
    {'B1': {'households': 2, 'coverage': 0.5, 'attempts_per_contact': 3.0}}
    """
    keys = _keys(by)
    if "officer_id" in keys and "officer_id" not in status.columns:
        msg = (
            "status has no column 'officer_id': officers are not a household attribute; "
            "use officer_summary(status, visits, ...) for per-officer figures"
        )
        raise SchemaError(msg)
    require_columns(status, [*keys, *STATUS_COLUMNS], name="status")
    frame = status[[*keys, *STATUS_COLUMNS]].assign(
        wait_uncontacted=status["days_waiting"].where(~status["contacted"].astype(bool))
    )
    grouped = frame.groupby(keys, dropna=False, observed=True, sort=True)
    out = grouped.agg(
        households=("household_id", "size"),
        contacted_households=("contacted", "sum"),
        attempts=("attempts", "sum"),
        contacts=("contacts", "sum"),
        vulnerable_households=("vulnerable", "sum"),
        vulnerable_overdue=("vulnerable_overdue", "sum"),
        open_follow_ups=("open_follow_ups", "sum"),
        mean_satisfaction=("mean_satisfaction", "mean"),
        mean_days_waiting=("wait_uncontacted", "mean"),
        last_contact=("last_contact", "max"),
    )
    return _finish(out)


_SUMMARY_ORDER = (
    "households",
    "contacted_households",
    "coverage",
    "attempts",
    "contacts",
    "attempts_per_contact",
    "vulnerable_households",
    "vulnerable_overdue",
    "open_follow_ups",
    "mean_satisfaction",
    "mean_days_waiting",
    "last_contact",
)


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    """Add the ratio columns and put columns in their documented order."""
    households = out["households"].astype("float64")
    contacts = out["contacts"].astype("float64")
    out = out.assign(
        coverage=out["contacted_households"] / households.where(households > 0),
        attempts_per_contact=out["attempts"] / contacts.where(contacts > 0),
    )
    cols = [c for c in _SUMMARY_ORDER if c in out.columns]
    rest = [c for c in out.columns if c not in cols]
    return out[cols + rest]


OfficerBeats: TypeAlias = Mapping[str, str | Iterable[str]] | pd.DataFrame


def _officer_beat_pairs(officer_beats: OfficerBeats) -> pd.DataFrame:
    """Return long (officer_id, beat_id) pairs from a mapping or a frame.

    A frame may be long (``officer_id``, ``beat_id``) or the canonical beats table
    (``beat_id``, ``officer_ids`` ``;``-separated).
    """
    if isinstance(officer_beats, pd.DataFrame):
        if {"officer_id", "beat_id"} <= set(officer_beats.columns):
            pairs = officer_beats[["officer_id", "beat_id"]]
        elif {"officer_ids", "beat_id"} <= set(officer_beats.columns):
            pairs = officer_pairs(officer_beats)
        else:
            msg = (
                "officer_beats frame needs columns officer_id and beat_id, or beat_id and "
                f"officer_ids; it has: {', '.join(map(str, officer_beats.columns))}"
            )
            raise SchemaError(msg)
    else:
        rows: list[tuple[Any, Any]] = []
        for officer, beats in officer_beats.items():
            beat_list = [beats] if isinstance(beats, str) else list(beats)
            rows.extend((officer, b) for b in beat_list)
        pairs = pd.DataFrame(rows, columns=["officer_id", "beat_id"])
    return pairs[["officer_id", "beat_id"]].drop_duplicates(ignore_index=True)


def officer_summary(
    status: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    start: TimeLike,
    end: TimeLike,
    officer_beats: OfficerBeats | None = None,
    settings: Settings | None = None,
    codes: np.ndarray | None = None,
) -> pd.DataFrame:
    """Summarise each officer's work in the window.

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`household_status` for the same window (needs ``beat_id`` when
        ``officer_beats`` is given).
    visits : pandas.DataFrame
        Canonical visits with ``officer_id``.
    start, end : pandas.Timestamp or datetime.date
        The window, as for :func:`household_status`.
    officer_beats : mapping or pandas.DataFrame, optional
        Which beats each officer answers for: ``{officer_id: beat_id or [beat_id, ...]}``,
        a long frame (``officer_id``, ``beat_id``) or the beats table (``beat_id``,
        ``officer_ids``).
    settings : Settings, optional
        ``include_unverified``, ``timezone``.
    codes : numpy.ndarray, optional
        :func:`analysis.rules.household_codes` of ``status`` and ``visits``, when the caller
        already has them.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``officer_id`` (officers with visits in the window, plus every officer
        of ``officer_beats``): ``households`` (of their beats, or those they attempted
        without a mapping), ``attempted_households``, ``contacted_households`` (of
        ``households``, contacted by this officer), ``coverage``, ``attempts``,
        ``contacts`` (the officer's own, anywhere), ``attempts_per_contact``,
        ``vulnerable_households``, ``vulnerable_overdue``, ``open_follow_ups`` (over
        ``households``), ``mean_satisfaction`` (household means on the officer's counted
        visits). An officer of the mapping whose beats have no households has coverage NaN.
        Visits with no ``officer_id`` are left out.
    """
    s = resolve(settings)
    require_columns(status, STATUS_COLUMNS, name="status")
    require_columns(visits, ("visit_id", "household_id", "officer_id", "time"), name="visits")
    win = resolve_window(start, end, settings=s)
    times = visit_times(visits)
    codes = household_codes(status, visits) if codes is None else codes
    # officer codes of every visit first (-1: none; a categorical's own codes), then the
    # kept visits' officers in the order they appear: integers, not millions of ids, are
    # subset and hashed again
    officer_of, officer_ids = _officer_codes(visits["officer_id"])
    keep = (codes >= 0) & (officer_of >= 0) & win.contains(times)
    counted = counted_mask(visits, settings=s)
    # the kept visits' values only: at 10M visits each whole-length array is 80 MB
    rating = scores(visits)[keep]
    rating[~counted[keep]] = np.nan
    contact = (counted & contact_mask(visits))[keep]
    del counted
    hh = codes[keep].astype(np.int64, copy=False)
    n = max(len(status), 1)

    # officers as integer codes over the union of those who visited and those mapped
    kept_off = officer_of[keep]
    del officer_of, keep
    seen = pd.unique(kept_off)  # the codes of the kept visits' officers, as they appear
    visit_uniques = officer_ids[seen]
    pairs = None if officer_beats is None else _officer_beat_pairs(officer_beats)
    mapped = pd.Index([]) if pairs is None else pd.Index(pairs["officer_id"].unique())
    officers = pd.Index(visit_uniques).union(mapped).rename("officer_id")
    no = len(officers)
    place = np.full(len(officer_ids), -1, dtype=np.int64)  # officer code -> row of officers
    place[seen] = lookup(officers, pd.Index(visit_uniques))
    off = place[kept_off]
    del kept_off

    attempts = np.bincount(off, minlength=no)
    contacts = np.bincount(off[contact], minlength=no)
    pair = off  # each kept visit's (officer, household), made in off's own memory
    pair *= n
    pair += hh
    del off, hh
    attempted = sorted_unique(pair)
    contacted = sorted_unique(pair[contact])
    sat_sum, sat_n = _satisfaction_sums(rating, pair, n=n, officers=no)
    del pair, rating
    if pairs is None:
        scoped, reached = _over_attempted(status, attempted, contacted, n=n, officers=no)
    else:
        scoped, reached = _over_beats(status, pairs, officers, contacted, n=n)

    out = pd.DataFrame(
        {
            "households": scoped["households"].astype(np.int64),
            "attempted_households": np.bincount(attempted // n, minlength=no),
            "contacted_households": reached.astype(np.int64),
            "attempts": attempts,
            "contacts": contacts,
            "vulnerable_households": scoped["vulnerable_households"].astype(np.int64),
            "vulnerable_overdue": scoped["vulnerable_overdue"].astype(np.int64),
            "open_follow_ups": scoped["open_follow_ups"].astype(np.int64),
            "mean_satisfaction": np.where(sat_n > 0, sat_sum / np.maximum(sat_n, 1), np.nan),
        },
        index=officers,
    )
    out = _finish(out)
    order = [
        "households",
        "attempted_households",
        "contacted_households",
        "coverage",
        "attempts",
        "contacts",
        "attempts_per_contact",
        "vulnerable_households",
        "vulnerable_overdue",
        "open_follow_ups",
        "mean_satisfaction",
    ]
    return out[order]


def _officer_codes(officer_ids: pd.Series) -> tuple[npt.NDArray[np.integer], pd.Index]:
    """Return each visit's officer as a code (-1: none) and the officers the codes name.

    A categorical gives its own codes and categories (no copy: one or two bytes a visit
    where ``pandas.factorize`` makes eight); any other column is factorized.

    Examples
    --------
    >>> codes, ids = _officer_codes(pd.Series(["p2", None, "p1"], dtype="category"))
    >>> codes.tolist(), ids.tolist()
    ([1, -1, 0], ['p1', 'p2'])
    >>> codes, ids = _officer_codes(pd.Series(["p2", None, "p1"]))
    >>> codes.tolist(), ids.tolist()
    ([0, -1, 1], ['p2', 'p1'])
    """
    if isinstance(officer_ids.dtype, pd.CategoricalDtype):
        return officer_ids.cat.codes.to_numpy(), officer_ids.cat.categories
    codes, uniques = pd.factorize(officer_ids)
    return codes, pd.Index(uniques)


_OFFICER_WEIGHTS: Final = {
    "vulnerable_households": "vulnerable",
    "vulnerable_overdue": "vulnerable_overdue",
    "open_follow_ups": "open_follow_ups",
}
"""Officer summary columns summed from ``status`` columns over the officer's households."""


def _satisfaction_sums(
    rating: npt.NDArray[np.float64], pair: npt.NDArray[np.int64], *, n: int, officers: int
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Per officer: the sum and count of household means of their rated visits.

    ``pair`` is ``officer * n + household`` of each visit; unrated visits are NaN.
    """
    rated = ~np.isnan(rating)
    pair_mean = pd.Series(rating[rated]).groupby(pair[rated]).mean()
    pair_officer = pair_mean.index.to_numpy(dtype=np.int64) // n
    sums = np.bincount(pair_officer, weights=pair_mean.to_numpy(), minlength=officers)
    return sums, np.bincount(pair_officer, minlength=officers)


def _over_attempted(
    status: pd.DataFrame,
    attempted: npt.NDArray[np.int64],
    contacted: npt.NDArray[np.int64],
    *,
    n: int,
    officers: int,
) -> tuple[dict[str, npt.NDArray[Any]], npt.NDArray[np.int64]]:
    """Officer sums over the households each officer attempted (no beat mapping)."""
    scope_off, scope_hh = attempted // n, attempted % n
    reached = np.bincount(
        np.intersect1d(contacted, attempted, assume_unique=True) // n, minlength=officers
    )
    scoped = {"households": np.bincount(scope_off, minlength=officers)}
    for name, column in _OFFICER_WEIGHTS.items():
        w = status[column].to_numpy(dtype=float)
        scoped[name] = np.bincount(scope_off, weights=w[scope_hh], minlength=officers)
    return scoped, reached


def _over_beats(
    status: pd.DataFrame,
    pairs: pd.DataFrame,
    officers: pd.Index,
    contacted: npt.NDArray[np.int64],
    *,
    n: int,
) -> tuple[dict[str, npt.NDArray[Any]], npt.NDArray[np.int64]]:
    """Officer sums over every household of the officer's beats.

    Summed per beat, then per officer: the (officer, household) pairs, officers times their
    beats' households, are never built.
    """
    require_columns(status, ("beat_id",), name="status")
    no = len(officers)
    hh_beat, beat_ids = pd.factorize(status["beat_id"])
    nb = max(len(beat_ids), 1)
    placed = hh_beat >= 0
    pair_beat = lookup(pd.Index(beat_ids), pd.Index(pairs["beat_id"])).astype(np.int64)
    pair_off = lookup(officers, pd.Index(pairs["officer_id"])).astype(np.int64)
    known = pair_beat >= 0
    pair_beat, pair_off = pair_beat[known], pair_off[known]

    def over_beats(w: npt.NDArray[Any] | None) -> npt.NDArray[Any]:
        by_beat = np.bincount(
            hh_beat[placed], weights=None if w is None else w[placed], minlength=nb
        )
        return np.bincount(pair_off, weights=by_beat[pair_beat], minlength=no)

    scoped = {"households": over_beats(None)}
    for name, column in _OFFICER_WEIGHTS.items():
        scoped[name] = over_beats(status[column].to_numpy(dtype=float))
    c_off, c_hh = contacted // n, contacted % n
    c_beat = hh_beat[c_hh].astype(np.int64)
    in_scope = (c_beat >= 0) & np.isin(
        c_off * nb + c_beat, sorted_unique(pair_off * nb + pair_beat)
    )
    return scoped, np.bincount(c_off[in_scope], minlength=no)

"""Household status and coverage summaries per block, beat, station and officer.

This module also holds the counting rules every analysis module shares, so that
"attempt", "contact" and "window" mean the same thing everywhere:

* **Window.** ``start`` and ``end`` are tz-aware Timestamps (a naive one is read in
  ``settings.timezone``) or plain dates. Timestamps bound a closed window
  ``start <= time <= end``. A date stands for the whole local day: ``start`` is its
  00:00, ``end`` runs up to (not including) 00:00 of the next day. The moment the window
  ends is ``as_of``, from which "days since" are counted.
* **Attempt.** Any logged visit inside the window, verified or not.
* **Counted visit.** A visit whose verification ``status`` (from ``analysis.verify``) is
  ``counted``, or ``review`` while ``settings.review_counts`` is true; without a ``status``
  column, a ``verified`` one; any visit when ``settings.include_unverified`` is true or
  both columns are absent. A missing value does not count.
* **Contact.** A counted visit whose ``outcome`` is ``contact``. When the ``outcome``
  column is absent every visit is taken as a contact (some station exports log only
  completed visits).
* Visits of households that are not in ``households`` are ignored.

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

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from geo.errors import BeatcovError, SchemaError
from geo.settings import Settings, resolve

__all__ = [
    "STATUS_COLUMNS",
    "Window",
    "contact_mask",
    "counted_mask",
    "end_bound",
    "household_codes",
    "household_status",
    "local_zone",
    "lookup",
    "nonblank",
    "officer_summary",
    "require_columns",
    "resolve_window",
    "sorted_unique",
    "summarise",
    "visit_times",
    "window_mask",
]

TimeLike: TypeAlias = pd.Timestamp | dt.datetime | dt.date | str
"""A window bound: tz-aware Timestamp, naive Timestamp (read in the local zone) or a date."""

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


# --------------------------------------------------------------------------- shared rules


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, name: str) -> None:
    """Raise :class:`SchemaError` naming every column of ``columns`` missing from ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame to check.
    columns : iterable of str
        Columns it must have.
    name : str
        What the frame is, for the message (``"visits"``, ``"households"``).
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns))
        msg = f"{name} lacks column(s) {', '.join(missing)} (it has: {have})"
        raise SchemaError(msg)


def local_zone(settings: Settings | None = None) -> str:
    """Return ``settings.timezone``, checked to be a known IANA zone."""
    tz = resolve(settings).timezone
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        msg = f"unknown time zone {tz!r}: use an IANA name such as 'Asia/Shanghai'"
        raise BeatcovError(msg) from exc
    return tz


def visit_times(visits: pd.DataFrame, *, column: str = "time") -> pd.Series:
    """Return ``visits[column]``, checked to hold tz-aware datetimes."""
    require_columns(visits, (column,), name="visits")
    times = visits[column]
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        msg = (
            f"visits column {column!r} must hold tz-aware datetimes, got dtype {times.dtype}; "
            "import visits through geo so times are localised"
        )
        raise SchemaError(msg)
    return times


def nonblank(values: pd.Series) -> np.ndarray:
    """Return a boolean array: True where ``values`` is present and not blank text."""
    present = values.notna().to_numpy(dtype=bool)
    text = values.astype("str").str.strip().ne("").to_numpy(dtype=bool)
    return present & text


def counted_mask(visits: pd.DataFrame, *, settings: Settings | None = None) -> np.ndarray:
    """Return which visits count, by their verification status.

    Parameters
    ----------
    visits : pandas.DataFrame
        Visits, optionally with ``status`` (``counted``, ``review``, ``not_counted``, from
        :mod:`analysis.verify`) or, without it, a boolean ``verified`` column.
    settings : Settings, optional
        ``include_unverified`` makes every visit count; ``review_counts`` decides whether
        visits in review count.

    Returns
    -------
    numpy.ndarray
        Boolean, one per visit. A missing ``verified`` or ``status`` value does not count.
    """
    s = resolve(settings)
    if s.include_unverified:
        return np.ones(len(visits), dtype=bool)
    if "status" in visits.columns:
        status = visits["status"]
        good = status.eq("counted") | (status.eq("review") & s.review_counts)
        return good.fillna(False).to_numpy(dtype=bool)
    if "verified" not in visits.columns:
        return np.ones(len(visits), dtype=bool)
    verified = visits["verified"].astype("boolean").fillna(False)
    return verified.to_numpy(dtype=bool)


def contact_mask(visits: pd.DataFrame) -> np.ndarray:
    """Return where ``outcome == "contact"`` (all True when there is no ``outcome`` column)."""
    if "outcome" not in visits.columns:
        return np.ones(len(visits), dtype=bool)
    return visits["outcome"].eq("contact").to_numpy(dtype=bool)


def _to_timestamp(value: TimeLike, *, timezone: str, what: str) -> tuple[pd.Timestamp, bool]:
    """Return ``(timestamp, is_date)``; a naive value is read in ``timezone``."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return pd.Timestamp(value).tz_localize(timezone), True
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        msg = f"window {what} {value!r} is not a time or a date"
        raise BeatcovError(msg) from exc
    if ts is pd.NaT:
        msg = f"window {what} is missing"
        raise BeatcovError(msg)
    if ts.tzinfo is None:
        ts = ts.tz_localize(timezone)
    return ts, False


def end_bound(end: TimeLike, *, settings: Settings | None = None) -> tuple[pd.Timestamp, bool]:
    """Return ``(as_of, inclusive)`` for a window end.

    A Timestamp is its own inclusive bound; a date ends at the next local midnight,
    exclusive.

    Examples
    --------
    >>> import datetime as dt
    >>> end_bound(dt.date(2024, 3, 31))
    (Timestamp('2024-04-01 00:00:00+0800', tz='Asia/Shanghai'), False)
    """
    s = resolve(settings)
    ts, is_date = _to_timestamp(end, timezone=local_zone(s), what="end")
    if is_date:
        return ts + _DAY, False
    return ts, True


@dataclass(frozen=True)
class Window:
    """A reporting window in absolute time.

    Attributes
    ----------
    start : pandas.Timestamp
        First instant inside the window.
    end : pandas.Timestamp
        The window's end, also ``as_of``.
    end_inclusive : bool
        Whether a visit at exactly ``end`` is inside.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    end_inclusive: bool = True

    @property
    def as_of(self) -> pd.Timestamp:
        """The moment "days since" are counted from."""
        return self.end

    @property
    def days(self) -> float:
        """Length of the window in days."""
        return float((self.end - self.start) / _DAY)

    def upto(self, times: pd.Series) -> np.ndarray:
        """Return where ``times`` is not after the window's end (start ignored)."""
        below = times.le(self.end) if self.end_inclusive else times.lt(self.end)
        return below.to_numpy(dtype=bool)

    def contains(self, times: pd.Series) -> np.ndarray:
        """Return where ``times`` lies inside the window."""
        return times.ge(self.start).to_numpy(dtype=bool) & self.upto(times)


def resolve_window(start: TimeLike, end: TimeLike, *, settings: Settings | None = None) -> Window:
    """Turn ``start``/``end`` (Timestamps or dates) into a :class:`Window`.

    Examples
    --------
    >>> import datetime as dt
    >>> w = resolve_window(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    >>> w.days
    31.0
    """
    s = resolve(settings)
    lo, _ = _to_timestamp(start, timezone=local_zone(s), what="start")
    hi, inclusive = end_bound(end, settings=s)
    if lo > hi:
        msg = f"window start {lo} is after its end {hi}"
        raise BeatcovError(msg)
    return Window(start=lo, end=hi, end_inclusive=inclusive)


def window_mask(
    times: pd.Series,
    *,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    settings: Settings | None = None,
) -> np.ndarray:
    """Return where ``times`` lies between optional bounds (read as in :func:`resolve_window`).

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2024-03-01 09:00", "2024-03-02 09:00"], utc=True))
    >>> window_mask(t, end=pd.Timestamp("2024-03-01 09:00", tz="UTC")).tolist()
    [True, False]
    """
    s = resolve(settings)
    keep = np.ones(len(times), dtype=bool)
    if start is not None:
        lo, _ = _to_timestamp(start, timezone=local_zone(s), what="start")
        keep &= times.ge(lo).to_numpy(dtype=bool)
    if end is not None:
        hi, inclusive = end_bound(end, settings=s)
        keep &= (times.le(hi) if inclusive else times.lt(hi)).to_numpy(dtype=bool)
    return keep


def _vulnerable(households: pd.DataFrame) -> np.ndarray:
    """Return whether each household is vulnerable ("" or missing means not)."""
    if "vulnerable" not in households.columns:
        return np.zeros(len(households), dtype=bool)
    col = households["vulnerable"]
    if pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("boolean").fillna(False).to_numpy(dtype=bool)
    return nonblank(col)


def lookup(keys: pd.Series | pd.Index, values: pd.Series | pd.Index) -> np.ndarray:
    """Return the position of each of ``values`` in the unique ``keys`` (-1 when absent).

    Text columns take a fast path through Arrow's hash lookup (about four times faster than
    ``Index.get_indexer`` on millions of ids); anything else uses ``get_indexer``.

    Examples
    --------
    >>> lookup(pd.Series(["a", "b"]), pd.Series(["b", "z", "a"])).tolist()
    [1, -1, 0]
    """
    if isinstance(keys.dtype, pd.StringDtype) and isinstance(values.dtype, pd.StringDtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.index_in(pa.array(values), value_set=pa.array(keys)).fill_null(-1)
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.intp)
    return np.asarray(pd.Index(keys).get_indexer(values), dtype=np.intp)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Return the sorted distinct values of a 1-D integer array.

    Sort-and-compare: on millions of wide-ranging integers ``np.unique`` (hash-based in
    NumPy 2.4) is many times slower.

    Examples
    --------
    >>> sorted_unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def household_codes(households: pd.DataFrame, visits: pd.DataFrame) -> np.ndarray:
    """Return each visit's row position in ``households`` (-1 for an unknown household).

    Raises
    ------
    SchemaError
        A ``household_id`` appears twice in ``households``.
    """
    require_columns(households, ("household_id",), name="households")
    require_columns(visits, ("household_id",), name="visits")
    ids = households["household_id"]
    dup = ids.duplicated().to_numpy(dtype=bool)
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        msg = (
            f"households column 'household_id': {ids.iloc[pos]!r} appears more than once "
            f"(again at row {pos + 1} of the frame); household ids must be unique"
        )
        raise SchemaError(msg)
    return lookup(ids, visits["household_id"])


def _satisfaction(visits: pd.DataFrame) -> np.ndarray:
    """Return satisfaction as floats (NaN when missing or no column)."""
    if "satisfaction" not in visits.columns:
        return np.full(len(visits), np.nan)
    values = pd.to_numeric(visits["satisfaction"], errors="coerce").astype("Float64")
    return values.to_numpy(dtype=float, na_value=np.nan)


# --------------------------------------------------------------------------- households


def household_status(
    households: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    start: TimeLike,
    end: TimeLike,
    settings: Settings | None = None,
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
    from analysis.followups import follow_up_status  # followups builds on this module

    s = resolve(settings)
    require_columns(households, ("household_id",), name="households")
    require_columns(visits, ("visit_id", "household_id", "time"), name="visits")
    times = visit_times(visits)
    win = resolve_window(start, end, settings=s)
    n = len(households)
    codes = household_codes(households, visits)
    known = codes >= 0
    counted = counted_mask(visits, settings=s)
    contact = counted & contact_mask(visits)

    in_win = known & win.contains(times)
    attempts = np.bincount(codes[in_win], minlength=n)
    contact_in_win = in_win & contact
    contacts = np.bincount(codes[contact_in_win], minlength=n)

    contact_upto = known & contact & win.upto(times)
    latest = times[contact_upto].groupby(codes[contact_upto]).max()
    last_contact = pd.Series(latest.reindex(np.arange(n)).array, index=households.index)
    days_since = (win.as_of - last_contact) / _DAY
    days_waiting = days_since.fillna(win.days)

    vulnerable = _vulnerable(households)
    recent = last_contact.ge(win.as_of - pd.Timedelta(days=s.vulnerable_overdue_days))
    overdue = vulnerable & ~recent.to_numpy(dtype=bool)

    follow = follow_up_status(visits, end=end, settings=s)
    open_codes = lookup(households["household_id"], follow.loc[follow["open"], "household_id"])
    open_follow_ups = np.bincount(open_codes[open_codes >= 0], minlength=n)

    rating = _satisfaction(visits)
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
            split = officer_beats["officer_ids"].astype("str").str.split(";")
            pairs = (
                pd.DataFrame({"beat_id": officer_beats["beat_id"], "officer_id": split})
                .explode("officer_id")
                .assign(officer_id=lambda f: f["officer_id"].str.strip())
            )
            pairs = pairs[nonblank(pairs["officer_id"])]
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
    codes = household_codes(status, visits)
    has_officer = visits["officer_id"].notna().to_numpy(dtype=bool)
    keep = (codes >= 0) & has_officer & win.contains(times)
    counted = counted_mask(visits, settings=s)
    contact = counted & contact_mask(visits)
    rating = np.where(counted, _satisfaction(visits), np.nan)[keep]
    contact = contact[keep]
    hh = codes[keep].astype(np.int64)
    n = max(len(status), 1)

    # officers as integer codes over the union of those who visited and those mapped
    visit_off, visit_uniques = pd.factorize(visits["officer_id"][keep], sort=False)
    pairs = None if officer_beats is None else _officer_beat_pairs(officer_beats)
    mapped = pd.Index([]) if pairs is None else pd.Index(pairs["officer_id"].unique())
    officers = pd.Index(visit_uniques).union(mapped).rename("officer_id")
    no = len(officers)
    off = lookup(officers, pd.Index(visit_uniques))[visit_off].astype(np.int64)

    attempts = np.bincount(off, minlength=no)
    contacts = np.bincount(off[contact], minlength=no)
    attempted = sorted_unique(off * n + hh)
    contacted = sorted_unique(off[contact] * n + hh[contact])
    rated = ~np.isnan(rating)
    pair_mean = pd.Series(rating[rated]).groupby(off[rated] * n + hh[rated]).mean()
    pair_officer = pair_mean.index.to_numpy(dtype=np.int64) // n
    sat_sum = np.bincount(pair_officer, weights=pair_mean.to_numpy(), minlength=no)
    sat_n = np.bincount(pair_officer, minlength=no)

    weights = {
        "vulnerable_households": status["vulnerable"].to_numpy(dtype=float),
        "vulnerable_overdue": status["vulnerable_overdue"].to_numpy(dtype=float),
        "open_follow_ups": status["open_follow_ups"].to_numpy(dtype=float),
    }
    if pairs is None:
        # scope: the households each officer attempted
        scope_off, scope_hh = attempted // n, attempted % n
        reached = np.bincount(
            np.intersect1d(contacted, attempted, assume_unique=True) // n, minlength=no
        )
        scoped = {"households": np.bincount(scope_off, minlength=no)}
        for name, w in weights.items():
            scoped[name] = np.bincount(scope_off, weights=w[scope_hh], minlength=no)
    else:
        # scope: every household of the officer's beats. Summed per beat, then per officer:
        # the (officer, household) pairs, officers times their beats' households, are
        # never built.
        require_columns(status, ("beat_id",), name="status")
        hh_beat, beat_ids = pd.factorize(status["beat_id"])
        nb = max(len(beat_ids), 1)
        placed = hh_beat >= 0
        pair_beat = lookup(pd.Index(beat_ids), pd.Index(pairs["beat_id"])).astype(np.int64)
        pair_off = lookup(officers, pd.Index(pairs["officer_id"])).astype(np.int64)
        known = pair_beat >= 0
        pair_beat, pair_off = pair_beat[known], pair_off[known]

        def over_beats(w: np.ndarray | None) -> np.ndarray:
            by_beat = np.bincount(
                hh_beat[placed], weights=None if w is None else w[placed], minlength=nb
            )
            return np.bincount(pair_off, weights=by_beat[pair_beat], minlength=no)

        scoped = {"households": over_beats(None)}
        for name, w in weights.items():
            scoped[name] = over_beats(w)
        c_off, c_hh = contacted // n, contacted % n
        c_beat = hh_beat[c_hh].astype(np.int64)
        in_scope = (c_beat >= 0) & np.isin(
            c_off * nb + c_beat, sorted_unique(pair_off * nb + pair_beat)
        )
        reached = np.bincount(c_off[in_scope], minlength=no)

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

"""The counting rules every analysis module shares: window, counted, contact, lookups.

One place, so that "attempt", "contact" and "window" mean the same thing everywhere
(coverage, follow-ups, time bands, trend, gaps):

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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from geo.errors import BeatcovError, SchemaError
from geo.schema import require_columns
from geo.settings import Settings, resolve
from geo.times import check_timezone

__all__ = [
    "RULE_TEXT",
    "TimeLike",
    "Window",
    "contact_mask",
    "counted_mask",
    "end_bound",
    "float_values",
    "household_codes",
    "latest_per_code",
    "local_zone",
    "lookup",
    "nonblank",
    "require_columns",
    "resolve_window",
    "sorted_unique",
    "visit_times",
    "window_mask",
    "with_arrow_text",
]

TimeLike: TypeAlias = pd.Timestamp | dt.datetime | dt.date | str
"""A window bound: tz-aware Timestamp, naive Timestamp (read in the local zone) or a date."""

_DAY = pd.Timedelta(days=1)


def local_zone(settings: Settings | None = None) -> str:
    """Return ``settings.timezone``, checked by :func:`geo.times.check_timezone`."""
    return check_timezone(resolve(settings).timezone)


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


def float_values(values: pd.Series) -> np.ndarray:
    """Return a column's values as floats, NaN where missing or not a number.

    A numeric column's own values (a float column's array itself, read only: no copy of
    ten million values); any other column read as numbers first (``pandas.to_numeric``,
    unreadable text: NaN).

    Examples
    --------
    >>> float_values(pd.Series(["2.5", "x", None])).tolist()
    [2.5, nan, nan]
    >>> float_values(pd.Series([5, None], dtype="Int64")).tolist()
    [5.0, nan]
    >>> column = pd.Series([2.5, np.nan])
    >>> np.shares_memory(float_values(column), column.to_numpy())
    True
    """
    if not pd.api.types.is_numeric_dtype(values.dtype):
        values = pd.to_numeric(values, errors="coerce")
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


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


def lookup(keys: pd.Series | pd.Index, values: pd.Series | pd.Index) -> np.ndarray:
    """Return the position of each of ``values`` in the unique ``keys`` (-1 when absent).

    Text columns (string or object dtype holding text) take a fast path through Arrow's
    hash lookup (four to five times faster than ``Index.get_indexer`` on millions of ids);
    anything else uses ``get_indexer``. A missing value is never found.

    Examples
    --------
    >>> lookup(pd.Series(["a", "b"]), pd.Series(["b", "z", "a"])).tolist()
    [1, -1, 0]
    >>> lookup(pd.Series(["a", "b"], dtype="str"), pd.Series(["b", None], dtype=object)).tolist()
    [1, -1]
    >>> lookup(pd.Series([1, 2]), pd.Series([2, 3])).tolist()
    [1, -1]
    """
    found = _arrow_lookup(keys, values)
    if found is not None:
        return found
    return np.asarray(pd.Index(keys).get_indexer(values), dtype=np.intp)


def _arrow_lookup(keys: pd.Series | pd.Index, values: pd.Series | pd.Index) -> np.ndarray | None:
    """Return :func:`lookup` through Arrow when both sides are text, else ``None``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def textual(dtype: Any) -> bool:
        return isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype)

    if not (textual(keys.dtype) and textual(values.dtype)):
        return None
    try:
        wanted, given = pa.array(keys, from_pandas=True), pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # objects that are not all text
        return None
    text = (pa.string(), pa.large_string())
    if wanted.type not in text or given.type not in text or wanted.null_count:
        return None
    found = pc.index_in(given, value_set=wanted).fill_null(-1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.intp)


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


def latest_per_code(times: pd.Series, codes: np.ndarray, *, n: int) -> pd.Series:
    """Return the latest of tz-aware ``times`` for each code ``0 .. n-1`` (NaT: none).

    ``codes`` (one per time, each in ``0 .. n-1``) say whose each time is; a missing time
    is never the latest. The result, on ``range(n)`` and of the dtype of ``times``, is a
    group-by maximum done by ``numpy.maximum.at`` on the times' integers, many times faster
    than pandas' group-by on a million households.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2024-03-02", "2024-03-01", None], utc=True))
    >>> latest_per_code(t, np.array([1, 1, 0]), n=3).dt.day.tolist()
    [nan, 2.0, nan]
    """
    dtype = times.dtype
    if not isinstance(dtype, pd.DatetimeTZDtype):
        msg = f"latest_per_code needs tz-aware times, got dtype {dtype}"
        raise SchemaError(msg)
    unit = f"datetime64[{dtype.unit}]"
    # NaT is the smallest int64, so a missing time never wins and no time leaves NaT
    latest = np.full(n, np.datetime64("NaT").astype(unit).astype(np.int64))
    np.maximum.at(latest, codes, times.to_numpy(dtype=unit).view(np.int64))
    naive = pd.Series(latest.view(unit))
    return naive.dt.tz_localize("UTC").dt.tz_convert(dtype.tz).astype(dtype)


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


RULE_TEXT: tuple[str, ...] = ("outcome", "issue_raised", "follow_up_of")
"""Visit text columns the counting rules compare at every step (outcome, issue, follow-up)."""


def with_arrow_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Return ``frame`` with those of ``columns`` that hold Python objects as Arrow text.

    Object text is compared value by value in Python at every use (``outcome == "contact"``
    in five steps); Arrow text (``str``) once converted compares in C. The values are the
    same: missing stays missing, and only text is compared, so the rules read them alike.
    The other columns are shared with ``frame``, not copied.

    Examples
    --------
    >>> frame = pd.DataFrame({"outcome": pd.Series(["contact", None], dtype=object)})
    >>> with_arrow_text(frame, ["outcome", "absent"])["outcome"].tolist()
    ['contact', nan]
    """
    objects = [c for c in columns if c in frame.columns and frame[c].dtype == object]
    return frame.assign(**{c: frame[c].astype("str") for c in objects})

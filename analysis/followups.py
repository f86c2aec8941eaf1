"""Follow-ups of issues residents raise: which were followed up, late, pending or open.

An **issue** is a visit with a non-blank ``issue_raised``, at or before ``end`` (any time
before, however long ago: an old issue never followed up is still a gap). Its **limit**
(``deadline``) is ``raised_at + settings.follow_up_days`` days.

An issue is **closed** by the first visit that names it in ``follow_up_of``, comes strictly
after it, is not after ``end``, and is a counted contact (see :mod:`analysis.rules`: a
follow-up that found nobody home, or that failed verification, does not close it).

Each issue is in exactly one ``state``:

``on_time``
    Closed at or before the limit (a follow-up exactly ``follow_up_days`` later is on time).
``late``
    Closed after the limit. The issue is closed, but the limit was missed.
``pending``
    Not closed, and the limit has not passed by ``end`` (``end <= deadline``): e.g. raised
    three days before ``end`` with a 14-day limit. Not a gap yet.
``open``
    Not closed and the limit has passed (``end > deadline``). These are the open
    follow-ups counted per household and flagged as gaps.

``overdue`` is ``late`` or ``open``: the limit was missed, whether or not it has been
made good since.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.rules import (
    TimeLike,
    contact_mask,
    counted_mask,
    end_bound,
    nonblank,
    require_columns,
    visit_times,
)
from geo.errors import SchemaError
from geo.settings import Settings, resolve

BoolArray = npt.NDArray[np.bool_]

__all__ = ["STATES", "follow_up_status"]

STATES: tuple[str, ...] = ("on_time", "late", "pending", "open")
"""The states of an issue, in the order of the ``state`` categorical."""

_DAY = pd.Timedelta(days=1)

_COLUMNS = (
    "visit_id",
    "household_id",
    "officer_id",
    "issue_raised",
    "raised_at",
    "deadline",
    "followed_up_at",
    "days_open",
    "state",
    "open",
    "late",
    "overdue",
)


def follow_up_status(
    visits: pd.DataFrame, *, end: TimeLike, settings: Settings | None = None
) -> pd.DataFrame:
    """Return one row per visit that raised an issue, with its follow-up state at ``end``.

    Parameters
    ----------
    visits : pandas.DataFrame
        Canonical visits: ``visit_id``, ``household_id``, tz-aware ``time``; optional
        ``issue_raised``, ``follow_up_of``, ``outcome``, ``verified``, ``officer_id``.
    end : pandas.Timestamp or datetime.date
        As-of moment (a date means the end of that local day); later visits are ignored.
    settings : Settings, optional
        ``follow_up_days``, ``include_unverified``, ``timezone``.

    Returns
    -------
    pandas.DataFrame
        On the raising visits' index: ``visit_id``, ``household_id``, ``officer_id`` (NA
        without that column), ``issue_raised``, ``raised_at``, ``deadline``,
        ``followed_up_at`` (NaT if not closed), ``days_open`` (days from raising to the
        follow-up, or to ``end`` while not closed), ``state`` (categorical, see the module
        docstring), and booleans ``open``, ``late``, ``overdue``. Without an
        ``issue_raised`` column the frame is empty.

    Raises
    ------
    SchemaError
        A required column is missing, ``time`` is not tz-aware, or two issue-raising
        visits share a ``visit_id``.

    Examples
    --------
    >>> v = pd.DataFrame({"visit_id": ["v1", "v2"], "household_id": ["h1", "h1"],
    ...     "time": pd.to_datetime(["2024-03-01 10:00", "2024-03-20 10:00"], utc=True),
    ...     "outcome": ["contact", "contact"], "issue_raised": ["noise", ""],
    ...     "follow_up_of": ["", "v1"]})
    >>> follow_up_status(v, end=pd.Timestamp("2024-03-31", tz="UTC"))["state"].tolist()
    ['late']
    """
    s = resolve(settings)
    require_columns(visits, ("visit_id", "household_id", "time"), name="visits")
    times = visit_times(visits)
    as_of, inclusive = end_bound(end, settings=s)
    as_of = as_of.tz_convert(times.dt.tz)
    upto = (times.le(as_of) if inclusive else times.lt(as_of)).to_numpy(dtype=bool)

    issues = _raised_issues(visits, times, upto)
    out = issues.assign(
        deadline=issues["raised_at"] + pd.Timedelta(days=s.follow_up_days),
        followed_up_at=_first_follow_ups(visits, issues, times, upto, settings=s),
    )
    closed = out["followed_up_at"].notna().to_numpy(dtype=bool)
    late = closed & out["followed_up_at"].gt(out["deadline"]).to_numpy(dtype=bool)
    open_ = ~closed & (as_of > out["deadline"]).to_numpy(dtype=bool)
    pending = ~closed & ~open_
    codes = np.select([closed & ~late, late, pending, open_], [0, 1, 2, 3], default=-1)

    until = out["followed_up_at"].where(out["followed_up_at"].notna(), as_of)
    out["days_open"] = (until - out["raised_at"]) / _DAY
    out["state"] = pd.Categorical.from_codes(codes, categories=list(STATES))
    out["open"] = open_
    out["late"] = late
    out["overdue"] = open_ | late
    return out[list(_COLUMNS)]


def _raised_issues(visits: pd.DataFrame, times: pd.Series, upto: BoolArray) -> pd.DataFrame:
    """Return the visits up to the as-of moment that raised an issue (ids checked unique)."""
    if "issue_raised" in visits.columns:
        raised = upto & nonblank(visits["issue_raised"])
    else:
        raised = np.zeros(len(visits), dtype=bool)
    issues = pd.DataFrame(
        {
            "visit_id": visits["visit_id"][raised],
            "household_id": visits["household_id"][raised],
            "officer_id": (
                visits["officer_id"][raised]
                if "officer_id" in visits.columns
                else pd.Series(pd.NA, index=visits.index[raised], dtype="str")
            ),
            "issue_raised": (
                visits["issue_raised"][raised]
                if "issue_raised" in visits.columns
                else pd.Series(index=visits.index[raised], dtype="str")
            ),
            "raised_at": times[raised],
        }
    )
    dup = issues["visit_id"].duplicated().to_numpy(dtype=bool)
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        msg = (
            f"visits column 'visit_id': {issues['visit_id'].iloc[pos]!r} is used by more "
            "than one visit that raised an issue; follow_up_of cannot tell them apart"
        )
        raise SchemaError(msg)
    return issues


def _first_follow_ups(
    visits: pd.DataFrame,
    issues: pd.DataFrame,
    times: pd.Series,
    upto: BoolArray,
    *,
    settings: Settings,
) -> pd.Series:
    """Return when each issue was first followed up: a counted contact after it, or NaT."""
    s = settings
    if "follow_up_of" in visits.columns and len(issues):
        closes = (
            upto
            & nonblank(visits["follow_up_of"])
            & counted_mask(visits, settings=s)
            & contact_mask(visits)
        )
        follow = pd.DataFrame(
            {
                "visit_id": visits["follow_up_of"][closes].astype("str").str.strip(),
                "at": times[closes],
            }
        ).merge(
            issues[["visit_id", "raised_at"]].astype({"visit_id": "str"}),
            on="visit_id",
            how="inner",
        )
        follow = follow[follow["at"].gt(follow["raised_at"])]
        first = follow.groupby("visit_id")["at"].min()
        followed_up_at = first.reindex(issues["visit_id"].astype("str")).array
    else:
        followed_up_at = pd.array([pd.NaT] * len(issues), dtype=times.dtype)
    return pd.Series(followed_up_at, index=issues.index)

"""Residents' satisfaction linked to coverage and to how long a household waited.

The practice is judged by residents, so their scores are tied here to what officers
control: how many households a beat reaches, and how long a household waits between
contacts. The counting rules (window, counted visit, contact) are :mod:`analysis.rules`'.

Definitions
-----------
* **Score.** A visit's ``satisfaction`` (1–5, ``geo.schema``); a missing or unreadable
  value is no score.
* **Scored visit.** A counted visit inside the window with a score, whatever its outcome
  (the same visits :func:`analysis.coverage.household_status` averages).
* **Days since the previous contact** of a visit: the whole days (rounded down) from the
  same household's latest counted contact strictly before the visit to the visit, at any
  time before (also before the window opens). A visit with no earlier counted contact is
  the household's **first contact** (as far as the records go). Two visits at the same
  instant are not each other's previous contact.
* **Waits** are binned ``0–30``, ``31–90``, ``91–180``, ``181+`` days and ``first``
  (:data:`WAIT_BINS`).

Who speaks
----------
Per block and beat, :func:`analysis.coverage.summarise` gives each household one voice
(``mean_satisfaction`` is the mean of household means), so a household rating every
weekly visit does not outweigh its neighbours; :func:`scored_visit_counts` says how many
scored visits stand behind that mean. By wait, each scored visit is one voice: the
question is how a visit's score depends on the wait before it, and one household's
visits fall into several bins.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from analysis.rules import (
    TimeLike,
    contact_mask,
    counted_mask,
    float_values,
    household_codes,
    require_columns,
    resolve_window,
    visit_times,
)
from geo.settings import Settings, resolve

__all__ = [
    "WAIT_BINS",
    "days_since_previous_contact",
    "satisfaction_by_wait",
    "scored_visit_counts",
    "scored_visits",
    "scores",
    "wait_bin",
]

WAIT_BINS: Final[tuple[tuple[str, float], ...]] = (
    ("0_30", 30),
    ("31_90", 90),
    ("91_180", 180),
    ("181_plus", np.inf),
    ("first", np.nan),
)
"""Wait bins in display order: ``(code, last whole day in the bin)``; ``first`` has none."""

_DAY = pd.Timedelta(days=1)


def scores(visits: pd.DataFrame) -> np.ndarray:
    """Return each visit's score as a float (NaN when missing, unreadable or no column).

    Examples
    --------
    >>> scores(pd.DataFrame({"satisfaction": pd.array([5, None], dtype="Int64")})).tolist()
    [5.0, nan]
    """
    if "satisfaction" not in visits.columns:
        return np.full(len(visits), np.nan)
    return float_values(visits["satisfaction"])  # e.g. Int64 from the importer: as is


def scored_visits(
    visits: pd.DataFrame, *, start: TimeLike, end: TimeLike, settings: Settings | None = None
) -> np.ndarray:
    """Return which visits are scored visits of the window (boolean, one per visit)."""
    s = resolve(settings)
    window = resolve_window(start, end, settings=s)
    inside = window.contains(visit_times(visits))
    return inside & counted_mask(visits, settings=s) & ~np.isnan(scores(visits))


def scored_visit_counts(
    households: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    by: str,
    start: TimeLike,
    end: TimeLike,
    settings: Settings | None = None,
    codes: np.ndarray | None = None,
) -> pd.Series:
    """Return the number of scored visits per value of the household column ``by``.

    Parameters
    ----------
    households : pandas.DataFrame
        Households with unique ``household_id`` and the grouping column ``by``.
    visits : pandas.DataFrame
        Canonical visits (``household_id``, tz-aware ``time``; ``satisfaction``,
        ``status`` or ``verified``). Visits of households not in ``households`` are left out.
    by : str
        E.g. ``"block_id"``.
    start, end, settings
        The window and counting rules, as for :func:`analysis.coverage.household_status`.
    codes : numpy.ndarray, optional
        :func:`analysis.rules.household_codes` of ``households`` and ``visits``, when the
        caller already has them.

    Returns
    -------
    pandas.Series
        ``satisfaction_visits`` (int64), indexed by every value of ``by`` that has a
        household (0 where none was scored).
    """
    require_columns(households, ("household_id", by), name="households")
    codes = household_codes(households, visits) if codes is None else codes
    keep = scored_visits(visits, start=start, end=end, settings=settings) & (codes >= 0)
    per_household = np.bincount(codes[keep], minlength=len(households))
    counts = pd.Series(per_household, index=households.index).groupby(
        households[by].to_numpy(), sort=True
    )
    out = counts.sum().astype("int64").rename("satisfaction_visits")
    out.index.name = by
    return out


def days_since_previous_contact(
    visits: pd.DataFrame, *, settings: Settings | None = None
) -> pd.Series:
    """Return, for every visit, the whole days since its household's previous contact.

    Parameters
    ----------
    visits : pandas.DataFrame
        Visits with ``household_id`` and tz-aware ``time`` (``outcome``, ``status`` or
        ``verified`` decide which are counted contacts, :mod:`analysis.rules`).
    settings : Settings, optional
        ``include_unverified``, ``review_counts``.

    Returns
    -------
    pandas.Series
        ``days_since_previous_contact`` (float) on ``visits.index``: whole days, rounded
        down, since the same household's latest counted contact strictly before the visit;
        NaN when there is none (the first contact) or the visit has no time or household.

    Examples
    --------
    >>> v = pd.DataFrame({"household_id": ["a", "a", "a", "b"],
    ...     "time": pd.to_datetime(["2026-01-01 09:00", "2026-01-31 08:00",
    ...                             "2026-03-01 09:00", "2026-01-05 09:00"]).tz_localize("UTC"),
    ...     "outcome": ["contact", "nobody_home", "contact", "contact"]})
    >>> days_since_previous_contact(v).tolist()
    [nan, 29.0, 59.0, nan]
    """
    require_columns(visits, ("household_id",), name="visits")
    times = visit_times(visits)
    known = (times.notna() & visits["household_id"].notna()).to_numpy(dtype=bool)
    contact = known & counted_mask(visits, settings=settings) & contact_mask(visits)
    ids = visits["household_id"].astype(str).to_numpy(dtype=object)
    left = pd.DataFrame({"row": np.flatnonzero(known), "time": times[known].array})
    left["household"] = ids[known]
    right = pd.DataFrame({"time": times[contact].array, "household": ids[contact]})
    right["previous"] = right["time"]
    matched = pd.merge_asof(
        left.sort_values("time", kind="stable"),
        right.sort_values("time", kind="stable"),
        on="time",
        by="household",
        direction="backward",
        allow_exact_matches=False,
    )
    days = np.floor((matched["time"] - matched["previous"]) / _DAY).to_numpy(dtype=float)
    out = np.full(len(visits), np.nan)
    out[matched["row"].to_numpy()] = days
    return pd.Series(out, index=visits.index, name="days_since_previous_contact")


def wait_bin(days: pd.Series) -> pd.Series:
    """Return each wait's bin code of :data:`WAIT_BINS` (``first`` for NaN).

    Examples
    --------
    >>> wait_bin(pd.Series([0.0, 30.0, 31.0, 180.0, 181.0, np.nan])).tolist()
    ['0_30', '0_30', '31_90', '91_180', '181_plus', 'first']
    """
    codes = np.full(len(days), "first", dtype=object)
    values = days.to_numpy(dtype=float)
    lower = -np.inf
    for code, last in WAIT_BINS:
        if np.isnan(last):
            continue
        codes[(values > lower) & (values <= last)] = code
        lower = last
    return pd.Series(codes, index=days.index, name="wait")


def satisfaction_by_wait(
    visits: pd.DataFrame, *, start: TimeLike, end: TimeLike, settings: Settings | None = None
) -> pd.DataFrame:
    """Return the mean score of the window's scored visits by days since the previous contact.

    Parameters
    ----------
    visits : pandas.DataFrame
        Every visit of the households concerned, also those before the window (they
        hold the previous contacts): ``household_id``, tz-aware ``time``,
        ``satisfaction``; ``outcome`` and ``status``/``verified`` as in
        :mod:`analysis.rules`.
    start, end : pandas.Timestamp or datetime.date
        The window whose scored visits are binned.
    settings : Settings, optional
        ``include_unverified``, ``review_counts``, ``timezone``.

    Returns
    -------
    pandas.DataFrame
        One row per bin of :data:`WAIT_BINS`, in that order, indexed by ``wait``:
        ``mean_satisfaction`` (NaN for an empty bin) and ``visits`` (scored visits).
    """
    s = resolve(settings)
    scored = scored_visits(visits, start=start, end=end, settings=s)
    days = days_since_previous_contact(visits, settings=s)[scored]
    frame = pd.DataFrame({"wait": wait_bin(days), "score": scores(visits)[scored]})
    grouped = frame.groupby("wait")["score"]
    order = pd.Index([code for code, _ in WAIT_BINS], name="wait")
    return pd.DataFrame(
        {
            "mean_satisfaction": grouped.mean().reindex(order).astype(float),
            "visits": grouped.size().reindex(order).fillna(0).astype("int64"),
        },
        index=order,
    )

"""Weekly trend of visiting per beat (or block, or station).

Weeks start on Monday 00:00 local time (``settings.timezone``) and are
labelled by that Monday's local calendar date (``week_start``, a naive date-time at
midnight: a week is a span of local days, not an instant). The first and last weeks are
the ones holding ``start`` and ``end``; a partial week counts only visits inside the
window. Every unit gets every week, with zeros where nothing happened, so cumulative
figures are continuous.

Counting follows :mod:`analysis.rules`: attempts are all visits in the window,
contacts are counted contacts. ``cumulative_coverage`` is the share of the unit's
households with at least one counted contact from ``start`` to the end of that week.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.rules import (
    TimeLike,
    contact_mask,
    counted_mask,
    household_codes,
    local_zone,
    require_columns,
    resolve_window,
    sorted_unique,
    visit_times,
)
from geo.settings import Settings, resolve

__all__ = ["weekly_trend"]


def _weeks_since_epoch(local_naive: np.ndarray) -> np.ndarray:
    """Return Monday-based week numbers of naive local datetime64 values.

    Day 0 (1970-01-01) was a Thursday, so ``(day + 3) // 7`` counts weeks from Monday
    1969-12-29.
    """
    days = local_naive.astype("datetime64[D]").astype(np.int64)
    return (days + 3) // 7


def _local_naive(times: pd.Series, tz: str) -> np.ndarray:
    return times.dt.tz_convert(tz).dt.tz_localize(None).to_numpy()


def weekly_trend(
    visits: pd.DataFrame,
    households: pd.DataFrame,
    *,
    start: TimeLike,
    end: TimeLike,
    by: str | Sequence[str] = "beat_id",
    settings: Settings | None = None,
    codes: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return weekly attempts, contacts and cumulative coverage per unit.

    Parameters
    ----------
    visits : pandas.DataFrame
        Canonical visits (optional ``outcome``, ``verified``).
    households : pandas.DataFrame
        Households with unique ``household_id`` and the ``by`` column(s).
    start, end : pandas.Timestamp or datetime.date
        The window, as in :func:`analysis.rules.resolve_window`.
    by : str or list of str
        Household column(s) naming the unit; default ``beat_id``.
    settings : Settings, optional
        ``include_unverified``, ``timezone`` (the zone whose Mondays start the weeks).
    codes : numpy.ndarray, optional
        :func:`analysis.rules.household_codes` of ``households`` and ``visits``, when the
        caller already has them.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(*by, week_start)``: ``attempts``, ``contacts``,
        ``households_contacted`` (distinct households with a counted contact that week),
        ``new_households_contacted`` (first counted contact in the window that week),
        ``cumulative_contacted``, ``households`` (of the unit), ``cumulative_coverage``.

    Raises
    ------
    SchemaError
        A needed column is missing, ``time`` is not tz-aware, or household ids repeat.
    """
    s = resolve(settings)
    keys = [by] if isinstance(by, str) else list(by)
    require_columns(households, ("household_id", *keys), name="households")
    require_columns(visits, ("visit_id", "household_id", "time"), name="visits")
    times = visit_times(visits)
    tz = local_zone(s)
    win = resolve_window(start, end, settings=s)

    codes = household_codes(households, visits) if codes is None else codes
    keep = (codes >= 0) & win.contains(times)
    contact = (counted_mask(visits, settings=s) & contact_mask(visits))[keep]
    hh = codes[keep]

    grouped = households.groupby(keys, dropna=False, sort=True)
    unit_of_hh = grouped.ngroup().to_numpy()
    unit_size = grouped.size()
    n_units = len(unit_size)

    last = win.end if win.end_inclusive else win.end - pd.Timedelta(1, "ns")
    ends = pd.Series([win.start.tz_convert("UTC"), last.tz_convert("UTC")])
    bounds = _weeks_since_epoch(_local_naive(ends, tz))
    first_week = int(bounds[0])
    nw = int(bounds[1]) - first_week + 1
    monday0 = np.datetime64("1969-12-29", "D")
    weeks = pd.DatetimeIndex(monday0 + 7 * np.arange(first_week, first_week + nw))

    week = _weeks_since_epoch(_local_naive(times[keep], tz)) - first_week
    unit = unit_of_hh[hh]
    cell = unit * nw + week
    size = n_units * nw
    attempts = np.bincount(cell, minlength=size)
    contacts = np.bincount(cell[contact], minlength=size)

    hh_week = sorted_unique(hh[contact] * nw + week[contact])
    hh_contacted = np.bincount(unit_of_hh[hh_week // nw] * nw + hh_week % nw, minlength=size)

    # each household's first week with a contact (nw: none), a group-by minimum in numpy
    first_seen = np.full(len(households), nw, dtype=np.int64)
    np.minimum.at(first_seen, hh[contact], week[contact])
    first_hh = np.flatnonzero(first_seen < nw)
    new = np.bincount(unit_of_hh[first_hh] * nw + first_seen[first_hh], minlength=size)
    cumulative = new.reshape(n_units, nw).cumsum(axis=1).ravel()
    n_households = np.repeat(unit_size.to_numpy(dtype=np.int64), nw)

    unit_index = unit_size.index
    index = pd.MultiIndex.from_arrays(
        [
            *[unit_index.get_level_values(i).repeat(nw) for i in range(unit_index.nlevels)],
            np.tile(weeks.to_numpy(), n_units),
        ],
        names=[*keys, "week_start"],
    )
    return pd.DataFrame(
        {
            "attempts": attempts,
            "contacts": contacts,
            "households_contacted": hh_contacted,
            "new_households_contacted": new,
            "cumulative_contacted": cumulative,
            "households": n_households,
            "cumulative_coverage": cumulative / np.maximum(n_households, 1),
        },
        index=index,
    )

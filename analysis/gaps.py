"""Under-visited blocks, household to-dos, and the order to act in.

A block is **under-visited** because of its coverage alone: ``low_coverage``, i.e.
``coverage < settings.coverage_threshold`` (exactly at the threshold is enough; a block with
no households has no coverage and is never low). ``reasons`` lists what needs attention in
the block, ``;``-joined, always in this order:

``low_coverage``
    The block is under-visited (the only code that makes it so).
``vulnerable_overdue``
    At least one vulnerable household has had no counted contact for more than
    ``settings.vulnerable_overdue_days``.
``open_follow_up``
    At least one raised issue is open past its ``follow_up_days`` limit.

The last two are **household to-dos** (:func:`household_todos`): they put the household on
the officer's list and raise the block's priority, but one overdue resident in a block of
850 households at 84 % coverage does not make the block a gap.

Priority
--------
The score ranks blocks by how much urgent work they hold, without letting small blocks
win by noise. A block of one household with no contact has coverage 0 %, the worst
possible, on the evidence of a single door. So the block's coverage is shrunk towards its
beat's pooled coverage ``p_beat`` with ``k = settings.priority_prior_households``
pseudo-households (empirical Bayes, a Beta prior of strength ``k``)::

    shrunk_coverage = (contacted + k * p_beat) / (households + k)

and the shortfall ``1 - shrunk_coverage`` multiplies the number of households actually
left unvisited (that count is observed, not estimated, so it is not shrunk)::

    priority = (1 - shrunk_coverage) * unvisited * (1 + min(mean_days_waiting / T, 1))
               + vulnerable_weight * vulnerable_overdue
               + follow_up_weight * open_follow_ups

``unvisited = households - contacted_households``; ``T = waiting_full_days``: unvisited
households of a block whose households have waited ``T`` days or more on average count
double. One household at 0 % in a beat at 80 % scores ``(1 - 4/6) * 1 = 0.33`` (times the
wait factor), while ten unvisited out of twenty score ``0.5 * 10 = 5``: a large, badly
covered block comes first, a tiny one cannot dominate by chance, and a fully covered
block scores nothing from coverage. Vulnerable overdue households and open follow-ups are
real people waiting, not noisy rates, so they add fixed weights (a vulnerable overdue
household outweighs any ordinary unvisited one, whose term is at most 2). Every block gets
a score, under-visited or not.

Unit
----
Priority is counted in **weighted households to visit** (:data:`PRIORITY_UNIT`): each
unvisited household of the block counts between 0 and 2 (its block's shortfall, doubled at
most by the wait), each vulnerable overdue household ``priority_vulnerable_weight`` (2)
more, each open follow-up ``priority_follow_up_weight`` (1) more. A priority of 30 is about
the work of thirty households waiting; it does not depend on the other blocks of the run
beyond the beat's pooled coverage in the shrinkage, and not at all on what a map shows. The
maps colour it on the fixed bins of ``settings.priority_color_edges`` (0-5, 5-15, 15-30,
30-60, 60 and more by default), so a block keeps its colour whatever the filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.coded_text import bit_texts, flag_bits, taken_text
from analysis.rules import require_columns
from geo.errors import BeatcovError
from geo.settings import Settings, resolve

__all__ = [
    "PRIORITY_UNIT",
    "REASONS",
    "TODO_REASONS",
    "find_gaps",
    "household_priority",
    "household_prize",
    "household_todos",
    "joined_codes",
]

PRIORITY_UNIT: Final = "weighted households to visit"
"""What a block's ``priority`` counts (see the module's Unit section)."""

REASONS: tuple[str, ...] = ("low_coverage", "vulnerable_overdue", "open_follow_up")
"""Stable reason codes, in the order they appear in ``reasons``."""

TODO_REASONS: tuple[str, ...] = ("never_contacted", "vulnerable_overdue", "open_follow_up")
"""Why a household needs a visit, in the order they appear in ``needs_visit_reasons``."""


def joined_codes(
    codes: Sequence[str], flags: Sequence[npt.NDArray[np.bool_]], *, index: pd.Index
) -> pd.Series:
    """Return, per row, the codes whose flag is set, in the order of ``codes``, ``;``-joined.

    Each distinct combination of flags is joined once (at most ``2 ** len(codes)``), then
    taken by row: no string is built per row.

    Parameters
    ----------
    codes : sequence of str
        The codes, in the order they appear.
    flags : sequence of numpy.ndarray
        One boolean array per code, one value per row.
    index : pandas.Index
        The rows.

    Returns
    -------
    pandas.Series
        Text (``str``) on ``index``; ``""`` where no flag is set.

    Examples
    --------
    >>> joined_codes(["a", "b"], [np.array([True, False, True]), np.array([True, False, False])],
    ...              index=pd.RangeIndex(3)).tolist()
    ['a;b', '', 'a']
    """
    bits = flag_bits(flags, n=len(index))
    return pd.Series(taken_text(bit_texts(codes), bits), index=index)


def _prior_coverage(summary: pd.DataFrame, prior_by: str | None) -> np.ndarray:
    """Return each row's pooled coverage of its ``prior_by`` group (all rows if none)."""
    households = summary["households"].astype("float64")
    contacted = summary["contacted_households"].astype("float64")
    total_n = households.sum()
    overall = contacted.sum() / total_n if total_n > 0 else 0.0
    if prior_by is None:
        return np.full(len(summary), overall)
    if prior_by in summary.columns:
        key = summary[prior_by].to_numpy()
    elif prior_by in (summary.index.names or []):
        key = summary.index.get_level_values(prior_by).to_numpy()
    else:
        return np.full(len(summary), overall)
    frame = pd.DataFrame({"key": key, "n": households.to_numpy(), "c": contacted.to_numpy()})
    sums = frame.groupby("key", dropna=False)[["n", "c"]].transform("sum")
    pooled = (sums["c"] / sums["n"].where(sums["n"] > 0)).fillna(overall)
    return pooled.to_numpy(dtype=float)


def find_gaps(
    block_summary: pd.DataFrame,
    *,
    settings: Settings | None = None,
    prior_by: str | None = "beat_id",
) -> pd.DataFrame:
    """Flag under-visited blocks, say why, and score their priority.

    Parameters
    ----------
    block_summary : pandas.DataFrame
        :func:`analysis.coverage.summarise` by ``["beat_id", "block_id"]`` (or any frame
        with ``households``, ``contacted_households``, ``coverage``, ``vulnerable_overdue``,
        ``open_follow_ups``; ``mean_days_waiting`` optional).
    settings : Settings, optional
        ``coverage_threshold``, ``priority_prior_households``, and the weights
        ``priority_vulnerable_weight``, ``priority_follow_up_weight`` and
        ``priority_waiting_full_days``.
    prior_by : str or None
        Column or index level whose pooled coverage is the prior (default ``beat_id``);
        when absent or ``None`` the prior is the pooled coverage of all rows.

    Returns
    -------
    pandas.DataFrame
        On ``block_summary.index``: ``under_visited`` (bool, low coverage), ``reasons``
        (str, ``""`` when none), ``shrunk_coverage``, ``priority`` (float, in weighted
        households to visit, higher = sooner).

    Raises
    ------
    SchemaError
        A needed column is missing.
    BeatcovError
        A weight is negative or ``waiting_full_days`` is not positive.
    """
    s = resolve(settings)
    vulnerable_weight = s.priority_vulnerable_weight
    follow_up_weight = s.priority_follow_up_weight
    waiting_full_days = s.priority_waiting_full_days
    require_columns(
        block_summary,
        ("households", "contacted_households", "coverage", "vulnerable_overdue", "open_follow_ups"),
        name="block summary",
    )
    if min(vulnerable_weight, follow_up_weight) < 0 or waiting_full_days <= 0:
        msg = (
            "priority_vulnerable_weight and priority_follow_up_weight must be >= 0 and "
            "priority_waiting_full_days > 0; "
            f"got {vulnerable_weight}, {follow_up_weight}, {waiting_full_days}"
        )
        raise BeatcovError(msg)
    n = block_summary["households"].to_numpy(dtype=float)
    c = block_summary["contacted_households"].to_numpy(dtype=float)
    coverage = block_summary["coverage"].to_numpy(dtype=float, na_value=np.nan)
    overdue = block_summary["vulnerable_overdue"].to_numpy(dtype=float)
    open_fu = block_summary["open_follow_ups"].to_numpy(dtype=float)

    low = np.nan_to_num(coverage, nan=np.inf) < s.coverage_threshold
    reasons = joined_codes(REASONS, [low, overdue > 0, open_fu > 0], index=block_summary.index)

    k = s.priority_prior_households
    prior = _prior_coverage(block_summary, prior_by)
    with np.errstate(invalid="ignore", divide="ignore"):
        shrunk = (c + k * prior) / (n + k)
    if "mean_days_waiting" in block_summary.columns:
        wait = block_summary["mean_days_waiting"].to_numpy(dtype=float, na_value=np.nan)
        wait_factor = 1.0 + np.clip(np.nan_to_num(wait, nan=0.0) / waiting_full_days, 0, 1)
    else:
        wait_factor = np.ones(len(block_summary))
    shortfall = np.nan_to_num(1.0 - shrunk, nan=0.0)
    priority = (
        shortfall * (n - c) * wait_factor + vulnerable_weight * overdue + follow_up_weight * open_fu
    )
    return pd.DataFrame(
        {
            "under_visited": low,
            "reasons": reasons,
            "shrunk_coverage": shrunk,
            "priority": priority,
        },
        index=block_summary.index,
    )


def household_priority(status: pd.DataFrame) -> pd.Series:
    """Rank households for action: 1 is the first door to knock on.

    Order: vulnerable overdue households first; then by days since the last counted
    contact, longest first, a household never contacted counting as waiting longest;
    then more open follow-ups first; then ``household_id`` so the order is stable.

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`analysis.coverage.household_status`.

    Returns
    -------
    pandas.Series
        ``priority_rank`` (int64, 1..n) on ``status.index``.

    Examples
    --------
    >>> st = pd.DataFrame({"household_id": ["a", "b", "c"],
    ...     "vulnerable_overdue": [False, True, False],
    ...     "days_since_contact": [40.0, 2.0, None], "open_follow_ups": [0, 0, 0]})
    >>> household_priority(st).tolist()
    [3, 1, 2]
    """
    require_columns(
        status,
        ("household_id", "vulnerable_overdue", "days_since_contact", "open_follow_ups"),
        name="status",
    )
    overdue = status["vulnerable_overdue"].to_numpy(dtype=bool)
    since = status["days_since_contact"].to_numpy(dtype=float, na_value=np.nan)
    since = np.where(np.isnan(since), np.inf, since)
    open_fu = status["open_follow_ups"].to_numpy(dtype=float)
    ids, _ = pd.factorize(status["household_id"], sort=True)
    order = np.lexsort((ids, -open_fu, -since, ~overdue))
    rank = np.empty(len(status), dtype=np.int64)
    rank[order] = np.arange(1, len(status) + 1)
    return pd.Series(rank, index=status.index, name="priority_rank")


def household_prize(
    status: pd.DataFrame, shrunk_coverage: pd.Series, *, settings: Settings | None = None
) -> pd.Series:
    """Return what visiting each household is worth: its share of its block's priority.

    The block priority formula (module docstring) summed per household::

        prize = needs_visit * ( (1 - shrunk_coverage_of_block) * (1 + min(days_waiting / T, 1))
                                  * (not contacted)
                                + vulnerable_weight * vulnerable_overdue
                                + follow_up_weight * open_follow_ups )

    so a block's households are worth its priority when they have waited alike (the block
    uses their mean wait), a household that has waited longer is worth more (as in
    :func:`household_priority`'s order), and a household that needs no visit is worth 0.
    A household whose block has no shrunk coverage (none known) gets the coverage term at
    full shortfall, 1.

    Parameters
    ----------
    status : pandas.DataFrame
        :func:`analysis.coverage.household_status` with ``block_id``, ``contacted``,
        ``days_waiting``, ``vulnerable_overdue``, ``open_follow_ups`` and ``needs_visit``.
    shrunk_coverage : pandas.Series
        Each block's ``shrunk_coverage`` (:func:`find_gaps`), indexed by ``block_id``.
    settings : Settings, optional
        ``priority_vulnerable_weight``, ``priority_follow_up_weight``,
        ``priority_waiting_full_days``.

    Returns
    -------
    pandas.Series
        ``prize`` (float, 0 or more) on ``status.index``.

    Examples
    --------
    >>> st = pd.DataFrame({"block_id": ["b", "b", "b"], "contacted": [False, True, True],
    ...     "days_waiting": [90.0, 10.0, 10.0], "vulnerable_overdue": [False, True, False],
    ...     "open_follow_ups": [0, 0, 0], "needs_visit": [True, True, False]})
    >>> household_prize(st, pd.Series({"b": 0.75})).tolist()
    [0.5, 2.0, 0.0]
    """
    s = resolve(settings)
    require_columns(
        status,
        (
            "block_id",
            "contacted",
            "days_waiting",
            "vulnerable_overdue",
            "open_follow_ups",
            "needs_visit",
        ),
        name="status",
    )
    shrunk = status["block_id"].map(shrunk_coverage).to_numpy(dtype=float, na_value=np.nan)
    shortfall = np.clip(np.nan_to_num(1.0 - shrunk, nan=1.0), 0.0, 1.0)
    wait = status["days_waiting"].to_numpy(dtype=float, na_value=np.nan)
    wait_factor = 1.0 + np.clip(np.nan_to_num(wait, nan=0.0) / s.priority_waiting_full_days, 0, 1)
    unvisited = ~status["contacted"].astype(bool).to_numpy()
    prize = (
        shortfall * wait_factor * unvisited
        + s.priority_vulnerable_weight * status["vulnerable_overdue"].astype(bool).to_numpy()
        + s.priority_follow_up_weight * status["open_follow_ups"].to_numpy(dtype=float)
    )
    prize = np.where(status["needs_visit"].astype(bool).to_numpy(), prize, 0.0)
    return pd.Series(prize, index=status.index, name="prize")


def household_todos(status: pd.DataFrame) -> pd.DataFrame:
    """Say which households need a visit, and why.

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`analysis.coverage.household_status` (``contacted``,
        ``vulnerable_overdue``, ``open_follow_ups``).

    Returns
    -------
    pandas.DataFrame
        On ``status.index``: ``needs_visit`` (bool) and ``needs_visit_reasons`` (codes of
        :data:`TODO_REASONS` joined by ``;``, ``""`` when none): ``never_contacted`` (no
        counted contact in the window), ``vulnerable_overdue``, ``open_follow_up`` (at
        least one issue open past its limit).

    Examples
    --------
    >>> st = pd.DataFrame({"contacted": [True, False, True],
    ...     "vulnerable_overdue": [True, False, False], "open_follow_ups": [0, 1, 0]})
    >>> household_todos(st)["needs_visit_reasons"].tolist()
    ['vulnerable_overdue', 'never_contacted;open_follow_up', '']
    """
    require_columns(status, ("contacted", "vulnerable_overdue", "open_follow_ups"), name="status")
    flags = [
        ~status["contacted"].astype(bool).to_numpy(),
        status["vulnerable_overdue"].astype(bool).to_numpy(),
        status["open_follow_ups"].to_numpy(dtype=float) > 0,
    ]
    reasons = joined_codes(TODO_REASONS, flags, index=status.index)
    return pd.DataFrame(
        {"needs_visit": reasons.ne("").to_numpy(), "needs_visit_reasons": reasons},
        index=status.index,
    )

"""Time-of-day bands: when are people home, and when should each block be visited.

Bands
-----
Visit times are converted to the local zone (``settings.timezone``) and
classified by the local hour, each band closed at its start and open at its end:

=========  ==========================  =====================================
band       local time                  boundary examples
=========  ==========================  =====================================
morning    06:00–08:59                 06:00 is morning
working    09:00–10:59, 14:00–16:59    09:00 and 14:00 are working hours
midday     11:00–13:59                 11:00 is midday
evening    17:00–20:59                 17:00 is evening
other      21:00–05:59                 21:00 and 05:59 are other
=========  ==========================  =====================================

Success
-------
The question is "when are people in", so a visit **finds someone home** when its outcome
is ``contact`` or ``refused`` (a refusal still answered the door); ``nobody_home`` is a
failure. Only counted visits are used (verified, unless ``settings.include_unverified``):
a visit that may not have happened says nothing about who is home.

Recommendation
--------------
:func:`recommended_band` chooses among morning, midday, working and evening (night visits
are never recommended). Each band's chance of finding someone home is a Beta-Binomial
posterior mean, pooled in three levels, each level's prior being the level above with
the unit's own data left out:

* everywhere else: ``q0 = (H + m * base_rate) / (A + m)`` over all other beats,
* beat: ``q_beat = (h_beat + m * q0) / (a_beat + m)``,
* block: ``q_block = (h_block + m * q_beat_without_block) / (a_block + m)``,

where ``a``/``h`` are attempts/home per band and ``m = prior_attempts`` (default 2, with
``base_rate`` 0.5 this is Laplace smoothing at the top). A band nobody tried keeps the
rate of the level above, so it is never impossible, while a band the block tried and
failed sinks below it: a block tried only in working hours with nobody home gets
working-hours posterior ``m q / (a + m) < q`` and is sent to another band. A block with at
least ``settings.band_min_attempts`` counted attempts (in any band) uses its own posterior
(``source="block"``), otherwise its beat's (``source="beat"``). Ties go to evening, then
morning, midday, working (:data:`TIE_ORDER`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from analysis.rules import (
    TimeLike,
    contact_mask,
    counted_mask,
    household_codes,
    local_zone,
    lookup,
    require_columns,
    visit_times,
    window_mask,
)
from geo.errors import BeatcovError, SchemaError
from geo.settings import Settings, resolve

__all__ = ["BANDS", "TIE_ORDER", "band_hours", "band_of", "band_success", "recommended_band"]

BANDS: tuple[str, ...] = ("morning", "midday", "working", "evening", "other")
"""Band names, in the order of the ``band`` categorical."""

TIE_ORDER: tuple[str, ...] = ("evening", "morning", "midday", "working")
"""Recommendable bands, in the order that breaks ties."""

_HOUR_BAND = np.array(
    [
        BANDS.index(b)
        for b in ["other"] * 6
        + ["morning"] * 3
        + ["working"] * 2
        + ["midday"] * 3
        + ["working"] * 3
        + ["evening"] * 4
        + ["other"] * 3
    ],
    dtype=np.int8,
)
"""Band code of each local hour 0–23."""


def band_hours(band: str) -> list[tuple[int, int]]:
    """Return the local hours of ``band``: ``(first, end)`` pairs, ``end`` not included.

    Examples
    --------
    >>> band_hours("evening"), band_hours("working")
    ([(17, 21)], [(9, 11), (14, 17)])
    """
    if band not in BANDS:
        msg = f"unknown time band {band!r}; bands are {', '.join(BANDS)}"
        raise BeatcovError(msg)
    code = BANDS.index(band)
    hours = np.flatnonzero(_HOUR_BAND == code).tolist()
    spans: list[tuple[int, int]] = []
    for hour in hours:
        if spans and spans[-1][1] == hour:
            spans[-1] = (spans[-1][0], hour + 1)
        else:
            spans.append((hour, hour + 1))
    return spans


BAND_PART_ROWS: Final = 1 << 20
"""Times :func:`band_of` puts in bands at once."""


def band_of(times: pd.Series, *, settings: Settings | None = None) -> pd.Series:
    """Return the time-of-day band of each tz-aware time, in local time.

    Parameters
    ----------
    times : pandas.Series
        Tz-aware datetimes (any zone).
    settings : Settings, optional
        ``timezone``: the IANA zone to classify in.

    Returns
    -------
    pandas.Series
        Categorical named ``band`` on ``times.index`` with categories :data:`BANDS`;
        missing times give a missing band.

    Raises
    ------
    SchemaError
        ``times`` is not tz-aware.
    BeatcovError
        ``settings.timezone`` is not a known zone.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2024-03-01 01:00", "2024-03-01 09:00"], utc=True))
    >>> band_of(t).tolist()  # 09:00 and 17:00 in Shanghai, the default zone
    ['working', 'evening']
    """
    tz = local_zone(settings)
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        msg = f"times must be tz-aware datetimes to be put in local bands, got {times.dtype}"
        raise SchemaError(msg)
    codes = np.full(len(times), -1, dtype=np.int8)
    # a part at a time: local times, hours and their floats are a few MB, not 80 MB each
    # of them at 10M visits
    for start in range(0, len(times), BAND_PART_ROWS):
        part = times.iloc[start : start + BAND_PART_ROWS]
        hours = part.dt.tz_convert(tz).dt.hour.to_numpy(dtype="float64", na_value=np.nan)
        valid = ~np.isnan(hours)
        codes[start : start + len(part)][valid] = _HOUR_BAND[hours[valid].astype(np.int64)]
    cat = pd.Categorical.from_codes(codes, categories=list(BANDS))
    return pd.Series(cat, index=times.index, name="band")


def _counted_visits(
    visits: pd.DataFrame,
    households: pd.DataFrame,
    *,
    start: TimeLike | None,
    end: TimeLike | None,
    settings: Settings,
    codes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return which visits are counted, of known households and in the window; their rows.

    A mask and the kept visits' household rows, not the visits themselves: copying millions
    of visits' text costs more than the counting, so callers take only the arrays they need.
    """
    require_columns(visits, ("visit_id", "household_id", "time"), name="visits")
    require_columns(households, ("household_id",), name="households")
    times = visit_times(visits)
    codes = household_codes(households, visits) if codes is None else codes
    keep = (
        (codes >= 0)
        & counted_mask(visits, settings=settings)
        & window_mask(times, start=start, end=end, settings=settings)
    )
    return keep, codes[keep]


def _home_mask(visits: pd.DataFrame) -> np.ndarray:
    """Return where someone was found at home (contact or refused)."""
    if "outcome" not in visits.columns:
        return contact_mask(visits)
    return visits["outcome"].isin(["contact", "refused"]).to_numpy(dtype=bool)


def band_success(
    visits: pd.DataFrame,
    households: pd.DataFrame,
    *,
    by: str | Sequence[str],
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Return attempts, contacts and the raw home rate per unit and band.

    Parameters
    ----------
    visits : pandas.DataFrame
        Canonical visits (optional ``outcome``, ``verified``).
    households : pandas.DataFrame
        Households with ``household_id`` and the grouping columns.
    by : str or list of str
        Unit column(s): household columns (``block_id``, ``beat_id``, ``station``) or
        visit columns (``officer_id``); a household column wins when both have it.
    start, end : pandas.Timestamp or datetime.date, optional
        Window bounds, as in :func:`analysis.rules.resolve_window`; default unbounded.
    settings : Settings, optional
        ``include_unverified``, ``timezone`` (the zone of the bands).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(*by, band)``, only combinations with attempts: ``attempts``,
        ``contacts``, ``home`` (contact or refused), ``success_rate`` (home / attempts).
    """
    s = resolve(settings)
    keys = [by] if isinstance(by, str) else list(by)
    keep, codes = _counted_visits(visits, households, start=start, end=end, settings=s)
    frame = pd.DataFrame(index=np.arange(len(codes)))
    dtypes = {}
    for key in keys:
        # group on categorical codes: factorising the (smaller) household column once is
        # much faster than hashing millions of visit-level strings
        if key in households.columns:
            key_codes, uniques = pd.factorize(households[key], sort=True)
            key_codes = key_codes[codes]
            dtypes[key] = households[key].dtype
        elif key in visits.columns:
            key_codes, uniques = pd.factorize(visits[key], sort=True)
            key_codes = key_codes[keep]
            dtypes[key] = visits[key].dtype
        else:
            msg = f"neither households nor visits have the grouping column {key!r}"
            raise SchemaError(msg)
        frame[key] = pd.Categorical.from_codes(key_codes, categories=uniques)
    frame["band"] = band_of(visit_times(visits)[keep], settings=s).array
    frame["contacts"] = contact_mask(visits)[keep]
    frame["home"] = _home_mask(visits)[keep]
    out = frame.groupby([*keys, "band"], dropna=False, observed=True, sort=True).agg(
        attempts=("home", "size"), contacts=("contacts", "sum"), home=("home", "sum")
    )
    out["success_rate"] = out["home"] / out["attempts"]
    flat = out.reset_index().astype(dtypes)
    return flat.set_index([*keys, "band"])


def _block_beats(households: pd.DataFrame) -> pd.Series:
    """Return each block's beat: the beat most of its households are in (ties: lowest id)."""
    pairs = households[["block_id", "beat_id"]].dropna()
    counts = pairs.groupby(["block_id", "beat_id"], observed=True).size().rename("n")
    counts = counts.reset_index().sort_values(
        ["block_id", "n", "beat_id"], ascending=[True, False, True]
    )
    first = counts.drop_duplicates("block_id")
    return pd.Series(first["beat_id"].to_numpy(), index=pd.Index(first["block_id"]))


def recommended_band(
    visits: pd.DataFrame,
    households: pd.DataFrame,
    *,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    settings: Settings | None = None,
    codes: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return, per block, the band most likely to find people home.

    Parameters
    ----------
    visits : pandas.DataFrame
        Canonical visits (optional ``outcome``, ``verified``).
    households : pandas.DataFrame
        Households with ``household_id``, ``block_id`` and ``beat_id``.
    start, end : pandas.Timestamp or datetime.date, optional
        Window bounds; default unbounded.
    settings : Settings, optional
        ``band_min_attempts``, ``include_unverified``, ``timezone`` (the zone of the
        bands), ``band_prior_attempts`` (weight ``m`` of each level's prior, in
        pseudo-attempts) and ``band_base_rate`` (prior home rate of a band nobody anywhere
        has tried).
    codes : numpy.ndarray, optional
        :func:`analysis.rules.household_codes` of ``households`` and ``visits``, when the
        caller already has them.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``block_id`` (every block with households and a beat):
        ``beat_id``, ``recommended_band``, ``source`` (``block`` or ``beat``),
        ``expected_success`` (smoothed home rate of the chosen band), ``block_attempts``
        (the block's counted attempts in the window, all bands).

    Raises
    ------
    SchemaError
        A required column is missing or times are not tz-aware.
    """
    s = resolve(settings)
    prior_attempts = s.band_prior_attempts
    base_rate = s.band_base_rate
    require_columns(households, ("household_id", "block_id", "beat_id"), name="households")
    if prior_attempts <= 0 or not 0.0 <= base_rate <= 1.0:
        msg = (
            "band_prior_attempts must be > 0 and band_base_rate in [0, 1], "
            f"got {prior_attempts} and {base_rate}"
        )
        raise BeatcovError(msg)
    block_beat = _block_beats(households)
    blocks = block_beat.index
    beats = pd.Index(pd.unique(block_beat.to_numpy()))
    beat_of = beats.get_indexer(block_beat.to_numpy())
    nb, nbeat, nk = len(blocks), len(beats), len(TIE_ORDER)

    keep, codes = _counted_visits(visits, households, start=start, end=end, settings=s, codes=codes)
    blk = lookup(pd.Series(blocks), households["block_id"])[codes]
    band = band_of(visit_times(visits), settings=s).cat.codes.to_numpy()[keep]  # one byte each
    band_pos = np.array(
        [TIE_ORDER.index(b) if b in TIE_ORDER else -1 for b in BANDS] + [-1], dtype=np.int8
    )
    pos = band_pos[band]  # code -1 (no time) picks the final -1
    home = _home_mask(visits)[keep]
    has_block = blk >= 0
    block_attempts = np.bincount(blk[has_block], minlength=nb)
    cell = has_block & (pos >= 0)
    flat = blk[cell] * nk + pos[cell]
    a_blk = np.bincount(flat, minlength=nb * nk).reshape(nb, nk).astype(float)
    h_blk = np.bincount(flat, weights=home[cell], minlength=nb * nk).reshape(nb, nk)

    a_beat = np.zeros((nbeat, nk))
    h_beat = np.zeros((nbeat, nk))
    np.add.at(a_beat, beat_of, a_blk)
    np.add.at(h_beat, beat_of, h_blk)
    a_all, h_all = a_beat.sum(axis=0), h_beat.sum(axis=0)

    m = prior_attempts
    q_rest = (h_all - h_beat + m * base_rate) / (a_all - a_beat + m)
    q_beat = (h_beat + m * q_rest) / (a_beat + m)
    q_beat_wo = (h_beat[beat_of] - h_blk + m * q_rest[beat_of]) / (a_beat[beat_of] - a_blk + m)
    q_block = (h_blk + m * q_beat_wo) / (a_blk + m)

    own = block_attempts >= s.band_min_attempts
    chosen = np.where(own[:, None], q_block, q_beat[beat_of])
    best = np.argmax(np.round(chosen, 12), axis=1)
    return pd.DataFrame(
        {
            "beat_id": block_beat.to_numpy(),
            "recommended_band": pd.Categorical(np.asarray(TIE_ORDER)[best], categories=list(BANDS)),
            "source": np.where(own, "block", "beat"),
            "expected_success": chosen[np.arange(nb), best],
            "block_attempts": block_attempts,
        },
        index=blocks.rename("block_id"),
    )

"""Visit times: parse the text of a time column into tz-aware timestamps.

Accepts ISO 8601 (with or without offset), ``2026/07/01 18:05`` and ``2026年7月1日 18:05``.
Naive times are localised to the dataset's zone, zoned ones converted to it; a cell that is
no time, or a local time that does not exist or is ambiguous at a daylight-saving change, is
a fatal ``bad_time`` finding.
"""

from __future__ import annotations

import zoneinfo

import numpy as np
import pandas as pd

from geo.errors import BeatcovError
from geo.validate import Collector

__all__ = ["ISO_TIME", "check_timezone", "parse_times"]

ISO_TIME = (
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?)?"
)
"""Strict ISO 8601 to the microsecond, offset optional (as ``Timestamp.isoformat`` writes
times without nanoseconds): such cells are parsed with ``format="ISO8601"``."""

_OFFSET_AT_END = r"(?:Z|[+-]\d{2}:?\d{2})$"


def check_timezone(name: str) -> str:
    """Return ``name`` without surrounding blanks, checked to be a known IANA time zone.

    The one check of a zone name: the command line's ``--timezone``, the Data page's zone
    and the analysis' ``settings.timezone`` all go through it.

    Raises
    ------
    BeatcovError
        If no IANA zone has that name.

    Examples
    --------
    >>> check_timezone(" Asia/Shanghai ")
    'Asia/Shanghai'
    >>> check_timezone("Mars/Olympus")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geo.errors.BeatcovError: unknown time zone 'Mars/Olympus': use an IANA name such as ...
    """
    zone = name.strip()
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        msg = f"unknown time zone {name!r}: use an IANA name such as 'Asia/Shanghai'"
        raise BeatcovError(msg) from None
    return zone


def parse_times(values: pd.Series, collector: Collector, *, timezone: str) -> pd.Series:
    """Parse visit times to tz-aware timestamps in ``timezone``; bad cells are fatal.

    Accepts ISO 8601 (with or without offset), ``2026/07/01 18:05`` and
    ``2026年7月1日 18:05``. Naive times are localised to ``timezone``; an ambiguous or
    non-existent local time (daylight-saving change) is reported as fatal. Cells in strict
    ISO 8601 (:data:`ISO_TIME`) are parsed as such, the others one format at a time.
    """
    text = values.astype(str).str.strip()
    iso = text.str.fullmatch(ISO_TIME).to_numpy(dtype=bool)
    cleaned = text.copy()
    if not iso.all():  # ISO text has no 年/月/日 or slashes: only the rest needs cleaning
        cleaned[~iso] = (
            text[~iso]
            .str.replace(r"(\d)\s*年\s*(\d)", r"\1-\2", regex=True)
            .str.replace(r"(\d)\s*月\s*(\d)", r"\1-\2", regex=True)
            .str.replace("日", " ", regex=False)
            .str.replace("/", "-", regex=False)
            .str.strip()
        )
    aware_mask = cleaned.str.contains(_OFFSET_AT_END, regex=True).to_numpy(dtype=bool)
    naive_mask = ~aware_mask & (cleaned != "").to_numpy(dtype=bool)
    try:
        result = _parse_groups(cleaned, aware_mask, naive_mask, iso, timezone=timezone)
    except (ValueError, TypeError):
        # zones the offset pattern misses ("18:05 UTC", "+08") mix zones into a batch, and
        # nanosecond text does not fit: read the cells one by one instead of failing
        result = _one_by_one(cleaned.where(aware_mask | naive_mask, ""), timezone=timezone)
    for position in np.flatnonzero(result.isna().to_numpy()):
        raw = text.iloc[position]
        variant = "empty" if raw == "" else ""
        collector.add(
            "fatal", "bad_time", variant=variant, value=raw, position=int(position), column="time"
        )
    return result


def _parse_groups(
    cleaned: pd.Series,
    aware_mask: np.ndarray,
    naive_mask: np.ndarray,
    iso: np.ndarray,
    *,
    timezone: str,
) -> pd.Series:
    """Parse cells with an offset (converted) and without (localised), vectorised."""
    result = pd.Series(pd.NaT, index=cleaned.index, dtype=f"datetime64[us, {timezone}]")
    if aware_mask.any():
        for mask, aware in _split_parse(cleaned, aware_mask, iso, utc=True):
            result.loc[mask] = aware.dt.tz_convert(timezone).dt.as_unit("us")
    if naive_mask.any():
        for mask, naive in _split_parse(cleaned, naive_mask, iso, utc=False):
            local = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
            result.loc[mask] = local.dt.as_unit("us")
    return result


def _one_by_one(cells: pd.Series, *, timezone: str) -> pd.Series:
    """Parse cells one at a time: zoned ones are converted, naive ones localised."""
    out = pd.Series(pd.NaT, index=cells.index, dtype=f"datetime64[us, {timezone}]")
    for label, cell in cells.items():
        if not cell:
            continue
        try:
            stamp = pd.Timestamp(cell).as_unit("us")
        except (ValueError, TypeError, OverflowError):
            continue
        if pd.isna(stamp):
            continue
        try:
            if stamp.tzinfo is None:
                stamp = stamp.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
            else:
                stamp = stamp.tz_convert(timezone)
        except (ValueError, TypeError):
            continue
        out.loc[label] = stamp
    return out


def _split_parse(
    cleaned: pd.Series, mask: np.ndarray, iso: np.ndarray, *, utc: bool
) -> list[tuple[np.ndarray, pd.Series]]:
    """Parse the cells of ``mask``: strict ISO ones as ISO 8601, the rest format by format.

    Returns ``(mask, parsed)`` pairs whose times are those of parsing all cells of ``mask``
    together format by format. Parsing infers one resolution for all cells, and cells
    outside its range fail; strict ISO cells have at most microseconds, so when the rest
    need nanoseconds, or carry a zone where none was expected (which fails as mixed zones),
    all cells are parsed together as before.
    """
    parts = []
    fast, slow = mask & iso, mask & ~iso
    if slow.any():
        rest = pd.to_datetime(cleaned[slow], errors="coerce", utc=utc, format="mixed")
        parts.append((slow, rest))
    if fast.any():
        parsed = pd.to_datetime(cleaned[fast], errors="coerce", utc=utc, format="ISO8601")
        parts.append((fast, parsed))
    if len(parts) == 2 and not all(_unit(p) in ("s", "us") and _zone_ok(p, utc) for _, p in parts):
        whole = pd.to_datetime(cleaned[mask], errors="coerce", utc=utc, format="mixed")
        return [(mask, whole)]
    return parts


def _zone_ok(times: pd.Series, utc: bool) -> bool:
    """Return whether ``times`` carry a zone exactly when one was asked for (``utc``)."""
    return isinstance(times.dtype, pd.DatetimeTZDtype) == utc


def _unit(times: pd.Series) -> str:
    """Return the resolution of a datetime Series (``"s"``, ``"ms"``, ``"us"`` or ``"ns"``)."""
    return str(times.dt.unit)

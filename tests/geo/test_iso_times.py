"""Times in one fixed ISO layout read by arithmetic exactly as parse_times reads them.

Random times (years 1700-2250, every layout of :mod:`geo.iso_times`, offsets east and west,
zones with and without daylight saving) are parsed by :func:`geo.times.parse_times` with
:func:`geo.iso_times.fixed_iso_times` and with it declining; the times and the findings
must be identical. Columns the arithmetic must decline (a day past the month's end, hour
24, a local time skipped or repeated by a clock change, a cell of another width, spaces,
an offset of 24 hours, year-last dates) are checked to decline and still parse the same.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import geo.times
from geo.iso_times import fixed_iso_times
from geo.readers import RawTable
from geo.times import parse_times
from geo.validate import Collector

ZONES = ["Asia/Shanghai", "Europe/Helsinki", "America/St_Johns", "UTC"]
LAYOUTS = {  # layout: strftime format of the clock, how the offset is written
    "minutes": ("%Y-%m-%d %H:%M", ""),
    "minutes_t_offset": ("%Y-%m-%dT%H:%M", "+hh:mm"),
    "seconds": ("%Y-%m-%d %H:%M:%S", ""),
    "seconds_t": ("%Y-%m-%dT%H:%M:%S", ""),
    "z": ("%Y-%m-%dT%H:%M:%S", "Z"),
    "compact_offset": ("%Y-%m-%dT%H:%M:%S", "+hhmm"),
    "colon_offset": ("%Y-%m-%d %H:%M:%S", "+hh:mm"),
    "minutes_compact": ("%Y-%m-%d %H:%M", "+hhmm"),
    "minutes_z": ("%Y-%m-%dT%H:%M", "Z"),
}


def _cells(layout: str, rng: np.random.Generator, n: int = 2000) -> pd.Series:
    clock, offset = LAYOUTS[layout]
    seconds = rng.integers(
        pd.Timestamp("1700-01-01").value // 10**9, pd.Timestamp("2250-12-31").value // 10**9, n
    )
    seconds[:4] = [
        pd.Timestamp(t).value // 10**9
        for t in ("2024-02-29 23:59:59", "2000-02-29 00:00", "1900-02-28 12:00", "2026-12-31")
    ]
    wall = pd.Series(pd.to_datetime(seconds, unit="s"))
    text = wall.dt.strftime(clock)
    if offset == "Z":
        return (text + "Z").astype(str)
    minutes = rng.integers(-23 * 60 - 59, 23 * 60 + 60, n)
    sign = np.where(minutes < 0, "-", "+")
    hours, mins = np.abs(minutes) // 60, np.abs(minutes) % 60
    sep = ":" if offset == "+hh:mm" else ""
    written = [f"{s}{h:02d}{sep}{m:02d}" for s, h, m in zip(sign, hours, mins, strict=True)]
    if offset == "":
        return text.astype(str)
    return (text + pd.Series(written)).astype(str)


def _parse(cells: pd.Series, zone: str) -> tuple[pd.Series, list[str]]:
    collector = Collector(
        RawTable(pd.DataFrame({"time": cells}), None, None, "v.csv", 2, "row"), {}
    )
    times = parse_times(cells, collector, timezone=zone)
    return times, [repr(dataclasses.asdict(f)) for f in collector.close().findings]


def _both(cells: pd.Series, zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _parse(cells, zone)
    with monkeypatch.context() as patch:
        patch.setattr(geo.times, "fixed_iso_times", lambda values, *, timezone: None)
        slow = _parse(cells, zone)
    pd.testing.assert_series_equal(fast[0], slow[0])
    assert fast[1] == slow[1]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_fixed_layouts_parse_as_parse_times(
    layout: str, zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = _cells(layout, np.random.default_rng(len(layout) + len(zone)))
    if LAYOUTS[layout][1] == "":  # naive: drop local times a clock change skips or repeats
        local = pd.to_datetime(cells).dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        cells = cells[local.notna().to_numpy()].reset_index(drop=True)
    assert fixed_iso_times(cells, timezone=zone) is not None
    _both(cells, zone, monkeypatch)


DECLINED = {
    "day past the month": ["2026-07-01 10:00", "2026-02-29 10:00"],
    "hour 24": ["2026-07-01 10:00", "2026-07-01 24:00"],
    "minute 60": ["2026-07-01 10:60", "2026-07-01 10:00"],
    "month 13": ["2026-13-01 10:00", "2026-07-01 10:00"],
    "skipped in Helsinki": ["2026-03-29 03:30", "2026-07-01 10:00"],
    "repeated in Helsinki": ["2026-10-25 03:30", "2026-07-01 10:00"],
    "other widths": ["2026-07-01 10:00", "2026-07-01 10:00:00"],
    "a space before": [" 2026-07-01 10:00", "2026-07-01 10:00:"],
    "offset of 24 hours": ["2026-07-01T10:00+24:00", "2026-07-01T10:00+08:00"],
    "offset minute 60": ["2026-07-01T10:00+0860", "2026-07-01T10:00+0800"],
    "year last": ["01/07/2026 10:00", "13/07/2026 10:00"],
    "year 1600": ["1600-07-01 10:00", "2026-07-01 10:00"],
    "empty": ["2026-07-01 10:00", ""],
    "letters": ["2026-07-01 1O:00", "2026-07-01 10:00"],
    "slashes": ["2026/07/01 10:00", "2026/07/02 10:00"],
}


@pytest.mark.parametrize("case", sorted(DECLINED))
def test_declined_columns_parse_as_before(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cells = pd.Series(DECLINED[case], dtype=str)
    assert fixed_iso_times(cells, timezone="Europe/Helsinki") is None
    _both(cells, "Europe/Helsinki", monkeypatch)


def test_object_and_empty_columns() -> None:
    cells = pd.Series(["2026-07-01 10:00"], dtype=object)
    got = fixed_iso_times(cells, timezone="UTC")
    assert got is not None
    assert got.tolist() == [pd.Timestamp("2026-07-01 10:00", tz="UTC")]
    assert fixed_iso_times(pd.Series([], dtype=str), timezone="UTC") is None


def test_a_column_in_chunks() -> None:
    chunks = pa.chunked_array([["2026-07-01 10:00"], ["2026-07-01 11:00"]], type=pa.large_string())
    cells = pd.Series(pd.arrays.ArrowStringArray(chunks))
    got = fixed_iso_times(cells, timezone="UTC")
    assert got is not None
    assert got.dt.hour.tolist() == [10, 11]

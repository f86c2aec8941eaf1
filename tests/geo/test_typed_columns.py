"""A GeoParquet file's own datetimes import exactly as their text would (geo.typed_columns).

The demo's visits are written as GeoParquet with the time column in many forms (zoned,
UTC, naive, nanoseconds, seconds, missing cells, a local time that does not exist, old
offsets of seconds, text); each file is imported with :func:`geo.typed_columns.typed_times`
and with it declining (the text route), and the canonical tables, geometries (as WKB) and
findings must be identical.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import geo.importer
from geo.cell_text import text_frame
from geo.demo import DEMO_FILES
from geo.importer import Imported, read_table, read_visits
from geo.readers import RawTable
from geo.settings import DEFAULTS
from geo.typed_columns import typed_numbers, typed_times
from tests.support.same_import import assert_same_import
from tests.support.shared import Pristine


@pytest.fixture(scope="module")
def demo_visits() -> gpd.GeoDataFrame:
    table = read_visits(DEMO_FILES["visits"]).table
    return table.drop(columns=["geometry"]).set_geometry(table.geometry.to_numpy(), crs=4326)


def _shanghai(times: pd.Series) -> pd.Series:
    return times


def _utc_ns(times: pd.Series) -> pd.Series:
    return times.dt.tz_convert("UTC").dt.as_unit("ns")


def _naive(times: pd.Series) -> pd.Series:
    return times.dt.tz_localize(None)


def _seconds(times: pd.Series) -> pd.Series:
    return times.dt.as_unit("s")


def _nanosecond_fraction(times: pd.Series) -> pd.Series:
    out = times.dt.as_unit("ns").copy()
    out.iloc[3] = out.iloc[3] + pd.Timedelta(1, "ns")
    return out


def _missing(times: pd.Series) -> pd.Series:
    out = times.copy()
    out.iloc[[2, 5]] = pd.NaT
    return out


def _nonexistent_in_berlin(times: pd.Series) -> pd.Series:
    out = times.dt.tz_localize(None).copy()
    out.iloc[1] = pd.Timestamp("2026-03-29 02:30")  # clocks jump from 02:00 to 03:00
    return out


def _old_offset(times: pd.Series) -> pd.Series:
    out = times.dt.tz_convert("Europe/Amsterdam").copy()
    out.iloc[0] = pd.Timestamp("1900-07-01 12:00", tz="Europe/Amsterdam")  # +00:19:32
    return out


def _text(times: pd.Series) -> pd.Series:
    return times.astype(str)


FORMS: dict[str, tuple[Callable[[pd.Series], pd.Series], str]] = {
    "shanghai_us": (_shanghai, "Asia/Shanghai"),
    "utc_ns": (_utc_ns, "Asia/Shanghai"),
    "naive": (_naive, "Asia/Shanghai"),
    "seconds": (_seconds, "Europe/Berlin"),
    "nanosecond_fraction": (_nanosecond_fraction, "Asia/Shanghai"),
    "missing": (_missing, "Asia/Shanghai"),
    "nonexistent": (_nonexistent_in_berlin, "Europe/Berlin"),
    "old_offset": (_old_offset, "Asia/Shanghai"),
    "text": (_text, "Asia/Shanghai"),
}


@pytest.fixture(scope="module")
def forms(demo_visits: gpd.GeoDataFrame) -> Iterator[pd.DataFrame]:
    """The demo's visit times in each form, a column per form (the text form takes 0.3 CPU-s).

    Shared by the tests of this module, never to be changed (checked when they are done).
    """
    times = demo_visits["time"]
    frame = pd.DataFrame({form: change(times) for form, (change, _) in FORMS.items()})
    kept = Pristine("forms", frame)
    yield frame
    kept.check()


def _declined(*args: object, **kwargs: object) -> None:
    return None


@pytest.mark.parametrize("form", sorted(FORMS))
def test_parquet_times_import_the_same(
    form: str,
    demo_visits: gpd.GeoDataFrame,
    forms: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, zone = FORMS[form]
    path = tmp_path / "visits.parquet"
    demo_visits.assign(time=forms[form]).to_parquet(path)
    settings = dataclasses.replace(DEFAULTS, timezone=zone)
    fast = read_table("visits", path, settings=settings)
    with monkeypatch.context() as patch:
        patch.setattr(geo.importer, "typed_times", _declined)
        slow = read_table("visits", path, settings=settings)
    assert isinstance(fast, Imported)
    assert_same_import(fast, slow)


def test_typed_times_taken_or_declined(forms: pd.DataFrame) -> None:
    cases = {  # form: taken
        "shanghai_us": True,
        "utc_ns": True,
        "naive": True,
        "seconds": True,
        "nanosecond_fraction": False,
        "missing": False,
        "nonexistent": False,
        "old_offset": False,
        "text": False,
    }
    for form, taken in cases.items():
        _, zone = FORMS[form]
        typed = pd.DataFrame({"t": forms[form]})
        text = text_frame(typed)  # the reader's text (astype(str) of zoned times is slow)
        raw = RawTable(text, None, None, "v.parquet", 1, "feature", typed=typed)
        got = typed_times(raw, "t", timezone=zone)
        assert (got is not None) == taken, form
        if got is not None:
            assert str(got.dtype) == f"datetime64[us, {zone}]", form


def test_no_typed_columns_for_spreadsheets() -> None:
    raw = RawTable(pd.DataFrame({"t": ["2026-07-01 18:05"]}), None, None, "v.csv", 2, "row")
    assert typed_times(raw, "t", timezone="Asia/Shanghai") is None


def test_typed_numbers_taken_or_declined() -> None:
    cases = {  # column: numbers taken, or None (declined)
        "ints": (pd.Series([3, -2, 0]), [3.0, -2.0, 0.0]),
        "nullable ints": (pd.array([7, None], dtype="Int64"), [7.0, None]),
        "15 characters": (pd.Series([10**15 - 1, -(10**14) + 1]), [1e15 - 1, -1e14 + 1]),
        "16 digits": (pd.Series([10**15]), None),
        "15 digits and a sign": (pd.Series([-(10**14)]), None),
        "whole floats": (pd.Series([-0.0, 2.0, np.nan]), [0.0, 2.0, None]),
        "a fraction": (pd.Series([1.0, 2.5]), None),
        "infinity": (pd.Series([1.0, np.inf]), None),
        "booleans": (pd.Series([True, False]), None),
        "text": (pd.Series(["3"], dtype="str"), None),
        "times": (pd.Series(pd.to_datetime(["2026-07-01"])), None),
    }
    for name, (values, taken) in cases.items():
        typed = pd.DataFrame({"n": values})
        raw = RawTable(None, None, None, "v.parquet", 1, "feature", typed=typed)
        got = typed_numbers(raw, "n")
        if taken is None:
            assert got is None, name
            continue
        assert got is not None, name
        assert str(got.dtype) == "float64", name
        assert [None if np.isnan(v) else v for v in got] == taken, name
        assert not np.signbit(got[got == 0]).any(), name  # -0.0 reads "0": a zero


def test_no_typed_numbers_for_spreadsheets_or_doubled_headers() -> None:
    raw = RawTable(pd.DataFrame({"n": ["3"]}), None, None, "v.csv", 2, "row")
    assert typed_numbers(raw, "n") is None
    typed = pd.DataFrame([[1, 2]], columns=["n", "n"])
    raw = RawTable(None, None, None, "v.parquet", 1, "feature", typed=typed)
    assert typed_numbers(raw, "n") is None

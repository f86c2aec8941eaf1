"""Cells to text column by column, exactly as the cell-by-cell conversion gives them.

``geo.cell_text.cell_text`` is the reference: the conversion of one cell that the readers
used to apply to every cell. ``column_text`` converts whole columns by dtype and must give
the same text for every cell of every dtype; the property tests compare the two on seeded
random columns, the hand-made cases state the expected text worked out by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from geo.cell_text import cell_text, column_text, text_frame

N = 3000
ZONES = ["UTC", "Asia/Shanghai", "Europe/Helsinki", "America/St_Johns", "Asia/Kolkata"]
WORDS = [
    " 007 ", "0012", "户号", " 见面\u3000", "\u00a0x\u00a0", "", "   ", "a b", "\x1cq\x1f", "1e5",
    "NaN", "None", "110101199003071234",
]  # fmt: skip


def reference(values: pd.Series) -> list[str]:
    """The text of each cell as the readers gave it before: ``cell_text`` cell by cell."""
    return values.map(cell_text).astype(object).tolist()


def assert_same_text(values: pd.Series) -> None:
    got = column_text(values)
    assert str(got.dtype) == "str"
    assert not got.isna().any()
    assert got.index.equals(values.index)
    assert got.tolist() == reference(values)


# ---------------------------------------------------------------- random columns, every dtype


def floats(rng: np.random.Generator) -> np.ndarray:
    """Random bit patterns (any float, subnormals, NaNs, infinities) and awkward values."""
    bits = rng.integers(0, 2**64, N, dtype=np.uint64).view(np.float64)
    special = [
        0.0, -0.0, 0.1 + 0.2, 1e20, 1e16, 1e-5, 2.0**53, 2.0**53 - 1, -(2.0**53) + 1,
        np.inf, -np.inf, np.nan, 5e-324, 123456789.5, 3.0, -3.0,
    ]  # fmt: skip
    whole = np.round(rng.normal(0, 1e6, N))
    big = rng.integers(-(2**60), 2**60, N).astype(np.float64)
    return np.concatenate([bits, special, whole, rng.normal(0, 100, N), big])


def nullable(values: np.ndarray, dtype: str, rng: np.random.Generator) -> pd.Series:
    series = pd.Series(pd.array(values, dtype=dtype))
    series[rng.random(len(series)) < 0.1] = pd.NA
    return series


def datetimes(rng: np.random.Generator, unit: str) -> pd.Series:
    """1900-2100, whole seconds, milli-, micro- and nanoseconds, some NaT."""
    ticks = rng.integers(-2208988800, 4102444800, N) * 10**9
    ticks += rng.integers(0, 10**9, N) * (rng.random(N) < 0.5)
    ticks[::5] -= ticks[::5] % 1000  # microseconds only
    ticks[::7] -= ticks[::7] % 10**6  # milliseconds only
    series = pd.Series(pd.to_datetime(ticks, unit="ns")).dt.as_unit(unit)
    series[rng.random(N) < 0.05] = pd.NaT
    return series


def objects(rng: np.random.Generator) -> pd.Series:
    cells = [
        *WORDS, None, np.nan, pd.NA, pd.NaT, np.datetime64("NaT"), 1, -5, 2**70, True, False,
        1.0, 0.1, -0.0, 1e20, float("inf"), np.float64(0.1), np.float64(2.0), np.int64(7),
        pd.Timestamp("2026-07-01 18:05", tz="Asia/Shanghai"), pd.Timestamp("2026-07-01"),
        dt.datetime(2026, 7, 1, 8, 5), dt.date(2026, 7, 1), pd.Timedelta("5min"), b"bytes",
    ]  # fmt: skip
    return pd.Series(rng.choice(np.array(cells, dtype=object), N), dtype=object)


COLUMNS: dict[str, Callable[[np.random.Generator], pd.Series]] = {
    "float64": lambda rng: pd.Series(floats(rng)),
    "float32": lambda rng: pd.Series(rng.integers(0, 2**32, N, np.uint32).view(np.float32)),
    "float16": lambda rng: pd.Series(rng.integers(0, 2**16, N, np.uint16).view(np.float16)),
    "Float64": lambda rng: nullable(floats(rng), "Float64", rng),
    "int64": lambda rng: pd.Series(
        np.r_[rng.integers(-(2**63), 2**63 - 1, N), -(2**63), 2**63 - 1, 0]
    ),
    "uint64": lambda rng: pd.Series(np.r_[rng.integers(0, 2**64 - 1, N, np.uint64), 2**64 - 1]),
    "int8": lambda rng: pd.Series(rng.integers(-128, 127, N, np.int8, endpoint=True)),
    "Int64": lambda rng: nullable(rng.integers(-(2**63), 2**63 - 1, N), "Int64", rng),
    "UInt8": lambda rng: nullable(rng.integers(0, 255, N, endpoint=True), "UInt8", rng),
    "bool": lambda rng: pd.Series(rng.random(N) < 0.5),
    "boolean": lambda rng: nullable(rng.random(N) < 0.5, "boolean", rng),
    "str": lambda rng: pd.Series(rng.choice(WORDS, N), dtype="str").where(rng.random(N) > 0.1),
    "string": lambda rng: pd.Series(rng.choice(WORDS, N), dtype="string").where(
        rng.random(N) > 0.1
    ),
    "object text": lambda rng: pd.Series(rng.choice(WORDS, N).astype(object), dtype=object),
    "object text and None": lambda rng: pd.Series(
        rng.choice(np.array([*WORDS, None, np.nan], dtype=object), N), dtype=object
    ),
    "object mixed": objects,
    "category": lambda rng: pd.Series(rng.choice(WORDS, N)).astype("category"),
    "timedelta": lambda rng: pd.Series(pd.to_timedelta(rng.integers(0, 10**12, 50))),
    "empty": lambda rng: pd.Series([], dtype=np.float64),
}


@pytest.mark.parametrize("kind", list(COLUMNS))
def test_column_text_matchescell_text(kind: str) -> None:
    rng = np.random.default_rng(sorted(COLUMNS).index(kind))
    assert_same_text(COLUMNS[kind](rng))


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("zone", [None, *ZONES, dt.timezone(dt.timedelta(hours=-5, minutes=-30))])
def test_datetime_text_matches_isoformat(unit: str, zone: str | dt.timezone | None) -> None:
    rng = np.random.default_rng(len(unit))
    times = datetimes(rng, unit)
    if zone is not None:
        times = times.dt.tz_localize("UTC").dt.tz_convert(zone)
    assert_same_text(times)


# ---------------------------------------------------------------- hand-made cases


def test_float_text_by_hand() -> None:
    # integral floats below 2**53 lose ".0" (-0.0 is the integer 0); everything else is repr:
    # 0.1 + 0.2 is 0.30000000000000004, 1e20 and 2**53 are too large to print as integers
    values = pd.Series([3.0, -0.0, 0.1 + 0.2, 1e20, 2.0**53, -7.5, np.nan, np.inf])
    expected = ["3", "0", "0.30000000000000004", "1e+20", "9007199254740992.0", "-7.5", "", "inf"]
    assert column_text(values).tolist() == expected


def test_integer_and_text_by_hand() -> None:
    # huge integers print in full; text keeps leading zeros and loses outer (also ideographic)
    # spaces; missing cells become ""
    ints = pd.Series([2**63 - 1, -(2**63), 7])
    assert column_text(ints).tolist() == ["9223372036854775807", "-9223372036854775808", "7"]
    ids = pd.Series(pd.array([12, None], dtype="Int64"))
    assert column_text(ids).tolist() == ["12", ""]
    text = pd.Series([" 007 ", "户号\u3000", None], dtype="str")
    assert column_text(text).tolist() == ["007", "户号", ""]
    assert column_text(pd.Series([True, None], dtype="boolean")).tolist() == ["True", ""]


def test_datetime_text_by_hand() -> None:
    # isoformat: seconds always, six decimals when there is a fraction, nine when there are
    # nanoseconds; the offset of the time's own zone (+08:00 in Shanghai, -02:30 in St John's
    # in July daylight saving time, +01:39:49 in Helsinki before 1921)
    naive = pd.Series(
        pd.to_datetime(
            ["2026-07-01 18:05", "2026-07-01 18:05:00.5", None, "2026-07-01 00:00:00.000000001"],
            format="ISO8601",
        )
    )
    assert column_text(naive).tolist() == [
        "2026-07-01T18:05:00",
        "2026-07-01T18:05:00.500000",
        "",
        "2026-07-01T00:00:00.000000001",
    ]
    local = pd.Series(pd.to_datetime(["2026-07-01 18:05", None]).tz_localize("Asia/Shanghai"))
    assert column_text(local).tolist() == ["2026-07-01T18:05:00+08:00", ""]
    newfoundland = pd.Series(pd.to_datetime(["2026-07-01 12:00"]).tz_localize("America/St_Johns"))
    assert column_text(newfoundland).tolist() == ["2026-07-01T12:00:00-02:30"]
    old = pd.Series(pd.to_datetime(["1900-01-01 00:00"]).tz_localize("Europe/Helsinki"))
    assert column_text(old).tolist() == ["1900-01-01T00:00:00+01:39:49"]


def test_datetime_outside_years_1_to_9999_cell_by_cell() -> None:
    # numpy holds years beyond 9999 at second resolution; they are converted one by one
    values = pd.Series(np.array(["12000-01-01T00:00:00", "2026-07-01T00:00:00"], dtype="M8[s]"))
    assert_same_text(values)
    assert column_text(values).iloc[1] == "2026-07-01T00:00:00"


def test_text_frame_keeps_rows_names_and_duplicate_headers() -> None:
    frame = pd.DataFrame(
        {"id": [1, 2], "flag": pd.array([True, None], dtype="boolean"), "n": [0.5, None]},
        index=[7, 7],
    )
    frame["text"] = [" a ", None]
    frame.columns = ["id", "flag", "id", "text"]
    text = text_frame(frame)
    assert list(text.columns) == ["id", "flag", "id", "text"]
    assert list(text.index) == [7, 7]
    assert text.to_numpy().tolist() == [["1", "True", "0.5", "a"], ["2", "", "", ""]]
    no_columns = text_frame(pd.DataFrame(index=range(3)))
    assert no_columns.shape == (3, 0)


# ---------------------------------------------------------------- through files

"""Arrow's CSV writer with pandas' text: the same values back, the same bytes where it can."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.arrow_csv import _whole_second_iso, iso_csv_text, rounded, write_arrow_csv
from geo.arrow_text import iso_text


def mixed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.Series(["V1", "V2", "V3", None], dtype="str"),
            "code": pd.Series(["051001", "", None, "x"], dtype=object),
            "ok": [True, False, True, False],
            "maybe": pd.Series([True, None, False, None], dtype=object),
            "n": [3, 0, -2, 7],
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
            "share": [1 / 3, np.nan, 0.1 + 0.2, 90.0],
            "big": [np.inf, -np.inf, 1e16, -0.5],
            "band": pd.Categorical(["evening", None, "morning", "evening"]),
        }
    )


def test_bytes_are_pandas_bytes_for_an_ordinary_table(tmp_path: Path) -> None:
    frame = mixed_frame()
    old = frame.to_csv(index=False)
    new = write_arrow_csv(frame, tmp_path / "t.csv").read_bytes().decode("utf-8")
    assert new == old
    assert new.splitlines()[:2] == [
        "id,code,ok,maybe,n,count,share,big,band",
        "V1,051001,True,True,3,1,0.3333333333333333,inf,evening",
    ]


def test_exponents_differ_in_text_not_in_value(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1e-05, 1e15, 2.5e-07, 123456789.123]})
    text = write_arrow_csv(frame, tmp_path / "t.csv").read_text(encoding="utf-8")
    assert text == "x\n0.00001\n1e+15\n2.5e-7\n123456789.123\n"  # pandas: 1e-05, 1000...0.0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t.csv"), frame)


def test_quotes_only_when_a_cell_needs_them(tmp_path: Path) -> None:
    plain = pd.DataFrame({"a b": ["北京路 1 号", " x "], "n": [1, 2]})
    text = write_arrow_csv(plain, tmp_path / "p.csv").read_text(encoding="utf-8")
    assert text == "a b,n\n北京路 1 号,1\n x ,2\n"
    odd = pd.DataFrame({"x,y": ['say "hi"', "a,b", "two\nlines", "", None], "n": range(5)})
    path = write_arrow_csv(odd, tmp_path / "q.csv")
    text = path.read_text(encoding="utf-8")
    assert text.startswith('"x,y",n\n"say ""hi""",0\n"a,b",1\n"two\nlines",2\n"",3\n,4\n')
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == list(csv.reader(odd.to_csv(index=False).splitlines(keepends=True)))
    back = pd.read_csv(path, keep_default_na=False, dtype=str)
    assert back["x,y"].tolist() == ['say "hi"', "a,b", "two\nlines", "", ""]


def test_no_bom_and_utf8(tmp_path: Path) -> None:
    data = write_arrow_csv(pd.DataFrame({"街区": ["一枝园"]}), tmp_path / "t.csv").read_bytes()
    assert data == "街区\n一枝园\n".encode()


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (8.729529460496114, "8.7"),
        (18.0, "18.0"),
        (0.04, "0.0"),
        (-0.04, "0.0"),  # numpy gives -0.0; the text loses the sign, not the value
        (0.25, "0.2"),  # numpy.round: half to even
        (12345678.96, "12345679.0"),
        (-3.35, "-3.4"),
        (np.nan, ""),
        (np.inf, "inf"),
        (1e300, "1e+300"),
    ],
)
def test_fixed_decimals(tmp_path: Path, value: float, written: str) -> None:
    frame = pd.DataFrame({"door_distance_m": [value], "id": ["V1"]})
    path = write_arrow_csv(frame, tmp_path / "t.csv", decimals={"door_distance_m": 1})
    assert path.read_text(encoding="utf-8") == f"door_distance_m,id\n{written},V1\n"
    back = pd.read_csv(path)["door_distance_m"].to_numpy()
    np.testing.assert_array_equal(back, rounded([value], 1))


def test_other_types_are_written_as_python_text(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "naive": pd.to_datetime(["2026-07-01 18:05", None]),
            "took": pd.to_timedelta(["5min", None]),
            "mixed": pd.Series([1, "x"], dtype=object),
        }
    )
    text = write_arrow_csv(frame, tmp_path / "t.csv").read_text(encoding="utf-8")
    assert text == "naive,took,mixed\n2026-07-01 18:05:00,0 days 00:05:00,1\n,,x\n"


def test_empty_frame_is_its_header(tmp_path: Path) -> None:
    frame = mixed_frame().iloc[:0]
    text = write_arrow_csv(frame, tmp_path / "t.csv").read_text(encoding="utf-8")
    assert text == frame.to_csv(index=False)


@pytest.mark.parametrize("decimals", [0, 1, 2, 3, 6])
def test_fixed_decimals_agree_with_python_formatting(tmp_path: Path, decimals: int) -> None:
    rng = np.random.default_rng(decimals)
    values = np.concatenate(
        [rng.normal(0, 50, 2_000), rng.normal(0, 0.01, 200), [0.0, -0.0, 1e9, -123456.5]]
    )
    frame = pd.DataFrame({"x_m": values})
    path = write_arrow_csv(frame, tmp_path / "t.csv", decimals={"x_m": decimals})
    expected = [
        f"{v:.{decimals}f}".removeprefix("-") if v == 0 else f"{v:.{decimals}f}"
        for v in rounded(values, decimals)
    ]
    assert path.read_text(encoding="utf-8").splitlines()[1:] == expected


@pytest.mark.parametrize("decimals", [0, 1, 3])
def test_repeated_fixed_decimals_agree_with_python_formatting(
    tmp_path: Path, decimals: int
) -> None:
    # a few hundred distinct numbers among thousands of cells: each distinct text made once
    rng = np.random.default_rng(decimals)
    pool = np.concatenate([rng.normal(0, 50, 300), [0.0, -0.0, -0.04, 1e9, np.nan]])
    values = rng.choice(pool, 5_000)
    frame = pd.DataFrame({"x_m": values})
    path = write_arrow_csv(frame, tmp_path / "t.csv", decimals={"x_m": decimals})
    expected = [
        ""
        if np.isnan(v)
        else f"{v:.{decimals}f}".removeprefix("-")
        if v == 0
        else f"{v:.{decimals}f}"
        for v in rounded(values, decimals)
    ]
    assert path.read_text(encoding="utf-8").splitlines()[1:] == expected


def zoned(texts: list[str | None], zone: str, unit: str = "us") -> pd.Series:
    return pd.Series(pd.to_datetime(texts, format="ISO8601")).dt.as_unit(unit).dt.tz_localize(zone)


def random_times(zone: str, *, seed: int, n: int = 3_000) -> pd.Series:
    rng = np.random.default_rng(seed)
    seconds = rng.integers(1_700_000_000, 1_800_000_000, n)  # 2023 to 2027, across DST
    times = pd.Series(pd.to_datetime(seconds, unit="s", utc=True)).dt.tz_convert(zone)
    return times.mask(rng.random(n) < 0.05)  # some missing


ISO_CASES = {
    "shanghai": random_times("Asia/Shanghai", seed=1),
    "helsinki, both sides of DST": random_times("Europe/Helsinki", seed=2),
    "half-hour offsets": random_times("America/St_Johns", seed=3),
    "west of UTC, seconds unit": random_times("America/Los_Angeles", seed=4).dt.as_unit("s"),
    "nanoseconds unit": random_times("UTC", seed=5).dt.as_unit("ns"),
    "year 1000": zoned(["1000-01-01 00:00:00", "1000-01-02 12:00:00"], "UTC"),
    "year 9999": zoned(["9999-12-31 23:59:59", None], "UTC"),
    "all missing": zoned([None, None], "Asia/Shanghai"),
    "empty": zoned([], "Asia/Shanghai"),
}
"""Columns :func:`iso_csv_text` assembles from its tables."""

ISO_OTHERS = {
    "microseconds": zoned(["2026-07-01 18:05:03.5", "2026-07-01 18:05:04", None], "UTC"),
    "nanoseconds": zoned(["2026-07-01 18:05:03.000000001"], "UTC", "ns"),
    "offset with seconds (local mean time)": zoned(["1900-01-01 12:00:00"], "Europe/Helsinki"),
    "year below 1000": zoned(["0999-12-31 23:00:00"], "UTC"),
    "days far apart": zoned(["1900-01-01 00:00:00", "2100-01-01 00:00:00"], "UTC"),
}
"""Columns left to :func:`geo.arrow_text.iso_text` (the same text, made another way)."""


@pytest.mark.parametrize("name", [*ISO_CASES, *ISO_OTHERS])
def test_iso_csv_text_is_iso_text(name: str) -> None:
    times = {**ISO_CASES, **ISO_OTHERS}[name]
    text = iso_csv_text(times)
    assert text.to_pylist() == iso_text(times).to_pylist()
    assert text.to_pylist() == ["" if pd.isna(t) else t.isoformat() for t in times]
    assert text.null_count == 0  # missing times are empty text, written "" when quoted
    assert (_whole_second_iso(times) is None) == (name in ISO_OTHERS)

"""Arrow text of times and formula-like cells: what isoformat and neutralise give, at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from geo.arrow_text import arrow_text, first_bytes, iso_text, neutralised_text, utc_offset
from geo.writers import neutralise


def zoned(cells: list[str], zone: str, unit: str = "us") -> pd.Series:
    naive = pd.Series(np.array(cells, dtype=f"datetime64[{unit}]"))
    return naive.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")


def test_iso_text_by_hand() -> None:
    times = zoned(
        [
            "2026-07-01T18:05:03",  # +08:00
            "2026-07-01T18:05:03.250",  # microseconds written, six digits
            "NaT",  # missing: empty text, not null
            "1969-12-31T23:59:59.5",  # before 1970 with a fraction
            "0999-03-01T12:00",  # a three-digit year, written with four digits
            "1900-01-01T00:00",  # Shanghai's local mean time: +08:05:43
        ],
        "Asia/Shanghai",
    )
    assert iso_text(times).to_pylist() == [
        "2026-07-01T18:05:03+08:00",
        "2026-07-01T18:05:03.250000+08:00",
        "",
        "1969-12-31T23:59:59.500000+08:00",
        "0999-03-01T12:00:00+08:05:43",
        "1900-01-01T00:00:00+08:05:43",
    ]


def test_iso_text_with_two_offsets_and_a_five_digit_year() -> None:
    helsinki = zoned(["2026-01-05T09:00", "2026-07-01T09:00"], "Europe/Helsinki")
    assert iso_text(helsinki).to_pylist() == [
        "2026-01-05T09:00:00+02:00",
        "2026-07-01T09:00:00+03:00",
    ]
    far = zoned(["10000-01-01T00:00", "2026-01-01T00:00"], "UTC")  # the space found by search
    assert iso_text(far).to_pylist() == [t.isoformat() for t in far]


def test_iso_text_of_nanoseconds_and_of_nothing() -> None:
    times = zoned(["2026-07-01T18:05:03.000000001", "NaT"], "UTC", unit="ns")
    assert iso_text(times).to_pylist() == ["2026-07-01T18:05:03.000000001+00:00", ""]
    assert iso_text(zoned(["NaT", "NaT"], "UTC")).to_pylist() == ["", ""]
    assert iso_text(zoned([], "UTC")).to_pylist() == []


def test_utc_offset() -> None:
    assert [utc_offset(s) for s in (0, 28800, -12600, -9052)] == [
        "+00:00",
        "+08:00",
        "-03:30",
        "-02:30:52",
    ]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_neutralised_text_by_hand(kind: pa.DataType) -> None:
    cells = ["=1+1", "-5", "-5\n", "+86 138", "-0.5", "-", "", None, "北京路", "\rx", " =x"]
    text = pa.array(cells, type=kind)
    out = neutralised_text(text)
    assert out.type == kind
    assert out.to_pylist() == [
        "'=1+1",
        "-5",
        "'-5\n",  # a number then a line break is no plain number
        "'+86 138",
        "-0.5",
        "'-",
        "",
        None,
        "北京路",
        "'\rx",
        " =x",
    ]
    assert out.to_pylist() == [neutralise(c) for c in cells]


def test_neutralised_text_returns_clean_text_itself() -> None:
    text = pa.array(["北京路 1 号", None, "5"])
    assert neutralised_text(text) is text


def test_neutralised_text_agrees_with_neutralise_on_random_cells() -> None:
    rng = np.random.default_rng(5)
    parts = ["=", "+", "-", "@", "\t", "\r", "1", "0.5", ".", "a", " ", "中", "\n"]
    cells = ["".join(rng.choice(parts, size=int(rng.integers(0, 4)))) for _ in range(3_000)]
    out = neutralised_text(pa.array(cells)).to_pylist()
    assert out == [neutralise(c) for c in cells]
    assert 0 < sum(a != b for a, b in zip(out, cells, strict=True)) < len(cells)


def test_arrow_text_takes_text_only() -> None:
    assert arrow_text(pd.Series(["a", np.nan, None], dtype=object)).to_pylist() == [
        "a",
        None,
        None,
    ]
    assert arrow_text(pd.Series(["x", None], dtype="str")).to_pylist() == ["x", None]
    assert arrow_text(pd.Series(pd.Categorical(["=b", None]))).to_pylist() == ["=b", None]
    assert arrow_text(pd.Series([1, "x"], dtype=object)) is None
    assert arrow_text(pd.Series([None, None], dtype=object)) is None  # no text at all
    assert arrow_text(pd.Series(pd.Categorical([1, 2]))) is None


def test_first_bytes_of_slices_and_large_text() -> None:
    text = pa.array(["=x", None, "", "中", "\t", "ab"])
    assert first_bytes(text).tolist() == [61, 0, 0, 0xE4, 9, 97]
    assert first_bytes(text.slice(3, 2)).tolist() == [0xE4, 9]
    assert first_bytes(text.cast(pa.large_string()).slice(1)).tolist() == [0, 0, 0xE4, 9, 97]
    assert first_bytes(pa.array([None, None], type=pa.string())).tolist() == [0, 0]
    assert first_bytes(pa.array([], type=pa.string())).tolist() == []
    assert first_bytes(pa.array(["", "", ""])).tolist() == [0, 0, 0]  # no data at all
    # a null over bytes (Arrow allows it): built from buffers, the middle cell null
    spans = pa.StringArray.from_buffers(
        3,
        pa.py_buffer(np.array([0, 1, 3, 4], dtype=np.int32).tobytes()),
        pa.py_buffer(b"a=bc"),
        pa.py_buffer(np.packbits([1, 0, 1], bitorder="little").tobytes()),
    )
    assert first_bytes(spans).tolist() == [97, 0, 99]


def test_first_bytes_as_the_cells_say() -> None:
    """Random text with empties, nulls and several-byte characters, sliced anywhere."""
    rng = np.random.default_rng(11)
    alphabet = ["", "=1", "+", "-x", "@y", "a", "北京", "\t", " z", None]
    cells = [alphabet[i] for i in rng.integers(0, len(alphabet), 3000)]
    for kind in (pa.string(), pa.large_string()):
        text = pa.array(cells, type=kind)
        for start, length in ((0, 3000), (1, 2998), (17, 5), (2990, 10), (500, 0)):
            part = text.slice(start, length)
            want = [
                0 if cell is None or cell == "" else cell.encode()[0]
                for cell in cells[start : start + length]
            ]
            assert first_bytes(part).tolist() == want, (kind, start, length)

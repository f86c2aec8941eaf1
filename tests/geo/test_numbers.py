"""Arrow reads plain decimals as ``pandas.to_numeric`` does; every other column goes to pandas.

:func:`geo.numbers.text_numbers` against :func:`geo.numbers.pandas_numbers` (the reader
before it), bit for bit: odd cells one column each and beside plain ones, and random plain
decimals of up to 15 characters (a sign, digits and a point).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.numbers import MAX_CHARS, _plain_numbers, pandas_numbers, text_numbers

ODD = [
    "",
    "0",
    "-0",
    "-0.0",
    "0.0",
    "007",
    "1,5",
    "1,2,3",
    "1.",
    ".5",
    "+1",
    "1e5",
    "1E-3",
    "inf",
    "-inf",
    "nan",
    "NaN",
    "1e309",
    "0x10",
    " 1",
    "1 ",
    "1_000",
    "١٢",
    "１２",
    "abc",
    "999999999999999",
    "9999999999999999",
    "9007199254740993",
    "123456789012345678901234567890",
    "0.1234567890123456789",
    "-118.7647759",
    "32.050389",
]


def _same(cells: list[str]) -> None:
    text = pd.Series(cells, dtype="str")
    got, want = text_numbers(text), pandas_numbers(text)
    assert got.dtype == want.dtype == np.float64
    assert got.tobytes() == want.tobytes(), (cells, got, want)


@pytest.mark.parametrize("cell", ODD)
def test_odd_cells_read_as_pandas_reads_them(cell: str) -> None:
    _same([cell])
    _same([cell, "1", ""])
    _same(["2.5", cell, "-3"])


def test_empty_columns_read_as_pandas_reads_them() -> None:
    _same([])
    _same(["", ""])


def test_random_plain_decimals_read_as_pandas_reads_them() -> None:
    rng = np.random.default_rng(15)
    n = 200_000
    digits = rng.integers(1, 16, n)
    mantissa = rng.integers(0, 10 ** digits.astype(np.int64), dtype=np.int64)
    places = rng.integers(0, 16, n) % digits
    cells = []
    for m, d, p in zip(mantissa.tolist(), digits.tolist(), places.tolist(), strict=True):
        whole = str(m).zfill(d)
        sign = "-" if m % 3 == 0 and m else ""
        cells.append(f"{sign}{whole[: d - p]}.{whole[d - p :]}" if p else f"{sign}{whole}")
    cells = [c for c in cells if len(c) <= MAX_CHARS]
    assert len(cells) > n // 2
    assert _plain_numbers(pd.Series(cells, dtype="str")) is not None  # Arrow reads them
    _same(cells)
    _same([c.replace(".", ",") for c in cells[:1000]])


def test_plain_columns_are_read_by_arrow() -> None:
    """The comparisons above are not all of pandas against itself."""
    plain = pd.Series(["118.7647759", "", "-32,05", "5", "0"], dtype="str")
    assert _plain_numbers(plain) is not None
    assert _plain_numbers(pd.Series(["-1234567890.123"], dtype="str")) is not None
    for odd in ("1e5", "-0", "+1", "1234567890123456", "-1234567890.1234", " 1"):
        assert _plain_numbers(pd.Series(["1", odd], dtype="str")) is None

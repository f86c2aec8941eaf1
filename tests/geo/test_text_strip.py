"""Stripping text cells: the column itself only when pandas' strip would change nothing."""

from __future__ import annotations

import gc
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from geo import text_strip
from geo.text_strip import _may_need_strip, strip

SPACES = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
"""Every character Python strips (Arrow strips no other)."""

OTHERS = [
    "a",
    "7",
    "户",
    "号",
    "。",
    "é",
    "\u00a1",
    "\u2030",
    "\u3001",
    "😀",
    "\x7f",
    "\x00",
    "\ufeff",
]
"""Characters that are not white space, several led by the bytes white space is led by."""


def _same_as_pandas(cells: list[str | None], dtype: str = "str") -> bool:
    """Assert ``strip`` gives pandas' strip; return whether it gave the column itself."""
    values = pd.Series(cells, dtype=dtype, name="x", index=range(10, 10 + len(cells)))
    got = strip(values)
    pd.testing.assert_series_equal(got, values.str.strip())
    return got is values


def test_cells_by_hand() -> None:
    assert _same_as_pandas(["a", "b c", "户号", "", None, "1.5"])  # nothing to strip
    assert not _same_as_pandas(["a", " b"])
    assert not _same_as_pandas(["a\t", "b"])
    assert not _same_as_pandas(["\u3000户"])  # an ideographic space
    assert not _same_as_pandas(["户\u00a0"])  # a no-break space
    assert not _same_as_pandas(["户。"])  # no white space, but led by 0xE3: stripped to see
    assert _same_as_pandas(["户号", "é"])
    assert not _same_as_pandas([" a"], dtype="object")  # not Arrow text: pandas strips


def test_every_white_space_character_at_either_end_is_seen() -> None:
    for space in SPACES:
        for cells in ([space], [f"a{space}"], [f"{space}a"], [f"户{space}"], [f"{space}户"]):
            assert _may_need_strip(pa.array(cells)), repr(space)
            assert not _same_as_pandas(["x", *cells]), repr(space)


def test_random_cells_strip_as_pandas_strips() -> None:
    rng = np.random.default_rng(3)
    alphabet = SPACES + OTHERS * 20
    for _ in range(300):
        cells = [
            "".join(rng.choice(alphabet, size=rng.integers(0, 4)).tolist())
            for _ in range(rng.integers(1, 6))
        ]
        _same_as_pandas(cells)


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_sliced_and_chunked_arrays(kind: pa.DataType) -> None:
    chunks = pa.chunked_array([pa.array([" a", "b", "c"], kind)[1:], pa.array(["d", None], kind)])
    values = pd.Series(pd.arrays.ArrowStringArray(chunks))
    assert strip(values) is values  # the " a" before the slice is not a cell
    chunks = pa.chunked_array([pa.array(["a"], kind), pa.array(["d "], kind)])
    values = pd.Series(pd.arrays.ArrowStringArray(chunks))
    assert strip(values).tolist() == ["a", "d"]


def test_stripped_arrays_are_remembered_while_they_live() -> None:
    """A column looked at, or stripped, is not looked at again: it is given back as it is."""
    clean = pd.Series(["a", "户号"], dtype="str")
    assert strip(clean) is clean
    assert text_strip._known_stripped(clean.array.__arrow_array__())
    again = pd.Series(clean.array, index=[5, 6], name="y", copy=False)  # the same cells
    assert strip(again) is again
    spaced = pd.Series([" a", "户。", "b\u3000"], dtype="str")
    assert not text_strip._known_stripped(spaced.array.__arrow_array__())
    stripped = strip(spaced)
    pd.testing.assert_series_equal(stripped, spaced.str.strip())
    assert not text_strip._known_stripped(spaced.array.__arrow_array__())
    assert text_strip._known_stripped(stripped.array.__arrow_array__())
    assert strip(stripped) is stripped  # "户。" is not looked at again
    pd.testing.assert_series_equal(stripped, stripped.str.strip())
    before = len(text_strip._STRIPPED)
    del clean, again, stripped
    gc.collect()
    assert len(text_strip._STRIPPED) == before - 2  # none kept alive, none left behind

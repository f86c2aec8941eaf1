"""Text columns from codes (analysis/coded_text.py), worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.coded_text import TEXT, bit_texts, flag_bits, taken_text


def test_every_combination_of_three_flags_by_hand() -> None:
    # rows: none, a, b, a and c, all three
    a = [False, True, False, True, True]
    b = np.array([False, False, True, False, True])
    c = np.array([False, False, False, True, True])
    bits = flag_bits([a, b, c], n=5)
    assert bits.tolist() == [0, 1, 2, 1 + 4, 7]
    texts = bit_texts(["a", "b", "c"])
    assert texts == ["", "a", "b", "a;b", "c", "a;c", "b;c", "a;b;c"]
    column = taken_text(texts, bits)
    assert column.tolist() == ["", "a", "b", "a;c", "a;b;c"]
    assert column.dtype == TEXT == pd.Series(["x"], dtype=object).astype(str).dtype


def test_no_rows() -> None:
    bits = flag_bits([np.array([], dtype=bool)], n=0)
    assert bits.tolist() == [] and taken_text(bit_texts(["a"]), bits).tolist() == []

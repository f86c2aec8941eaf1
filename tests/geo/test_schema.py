"""The canonical schema's helpers: geometry present, officer lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from shapely.geometry import Point

from geo.schema import officer_list, officer_pairs, present, text_in


def test_present_is_false_for_missing_and_empty() -> None:
    geoms = np.array([Point(1, 2), None, Point(), Point(0, 0)], dtype=object)
    assert present(geoms).tolist() == [True, False, False, True]


def test_officer_list_accepts_the_separators_of_station_exports() -> None:
    assert officer_list("P1,P2") == "P1;P2"
    assert officer_list("张三、李四；王五") == "张三;李四;王五"
    assert officer_list(" P1 | P2  P3 ") == "P1;P2;P3"
    assert officer_list("") == ""
    assert officer_list(float("nan")) == ""


def test_officer_pairs_one_row_per_beat_and_officer() -> None:
    beats = pd.DataFrame(
        {
            "beat_id": ["B1", "B2", "B3", "B4"],
            "officer_ids": ["P1; P2", None, " ;P3;P3", "P1"],
        }
    )
    pairs = officer_pairs(beats)
    assert pairs.to_dict("list") == {
        "beat_id": ["B1", "B1", "B3", "B4"],
        "officer_id": ["P1", "P2", "P3", "P1"],
    }
    assert pairs.index.tolist() == [0, 1, 2, 3]
    # "nan" is never an officer
    assert "nan" not in set(pairs["officer_id"])


def test_officer_pairs_without_the_column_names_no_officer() -> None:
    pairs = officer_pairs(pd.DataFrame({"beat_id": ["B1"]}))
    assert pairs.empty and list(pairs.columns) == ["beat_id", "officer_id"]


def test_text_in_takes_text_columns_as_they_are() -> None:
    # Arrow-backed text and columns of Python strings go straight to Arrow; lists and other
    # columns are made text cell by cell. Both routes give the same answers.
    allowed = pd.Series(["H1", "H2", None, "户1", ""], dtype="str")
    cases = {
        "strings": (["H1", "H3", "户1", "", "h1", "H1 "], [True, False, True, True, False, False]),
        "a missing cell": (["H1", None, "H2"], [True, False, True]),
        "not strings": ([1, "H1", 2.5], [False, True, False]),
        "nothing": ([], []),
    }
    for name, (cells, expected) in cases.items():
        values = pd.Series(cells, dtype=object)
        assert text_in(values, allowed).tolist() == expected, name
        assert text_in(list(values), list(allowed)).tolist() == expected, name
        assert text_in(values, allowed.astype(object)).tolist() == expected, name
        assert text_in(values.astype("str"), allowed).tolist() == expected, name
    values = pd.Series(["H1", "H9"], dtype=object)
    chunked = pd.Series(
        pd.arrays.ArrowStringArray(pa.chunked_array([pa.array(["H1"]), pa.array(["H9"])]))
    )
    assert text_in(values, chunked).tolist() == [True, True]
    assert text_in(chunked, ["H9"]).tolist() == [False, True]

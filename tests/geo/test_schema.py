"""The canonical schema's helpers: geometry present, officer lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
from shapely.geometry import Point

from geo.schema import officer_list, officer_pairs, present


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

"""``analysis.rules``: ``lookup``'s Arrow fast path finds exactly what ``get_indexer`` finds;
``with_arrow_text`` changes the dtype of object text, never a value or a rule's answer;
``latest_per_code`` is a group-by maximum of times."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.rules import (
    RULE_TEXT,
    contact_mask,
    latest_per_code,
    lookup,
    nonblank,
    with_arrow_text,
)
from geo.errors import SchemaError


@pytest.mark.parametrize("keys_dtype", ["str", object])
@pytest.mark.parametrize("values_dtype", ["str", object])
def test_text_ids_of_either_dtype_are_found_as_get_indexer_finds_them(
    keys_dtype: str | type, values_dtype: str | type
) -> None:
    rng = np.random.default_rng(7)
    keys = pd.Series([f"H{i:05d}" for i in rng.permutation(500)], dtype=keys_dtype)
    drawn = [f"H{i:05d}" for i in rng.integers(0, 600, 3_000)]  # a sixth are unknown
    drawn[::97] = [None] * len(drawn[::97])  # missing ids are never found
    values = pd.Series(drawn, dtype=values_dtype)
    expected = pd.Index(keys.astype(object)).get_indexer(values.astype(object))
    assert lookup(keys, values).tolist() == expected.tolist()
    assert (lookup(keys, values) == -1).sum() > 500


def test_objects_that_are_not_all_text_take_get_indexer() -> None:
    keys = pd.Series(["a", 1, 2.5], dtype=object)
    values = pd.Series([2.5, "a", "zz", 1], dtype=object)
    assert lookup(keys, values).tolist() == [2, 0, -1, 1]
    assert lookup(pd.Series([10, 20]), pd.Series([20, 30, 10])).tolist() == [1, -1, 0]


def test_arrow_text_keeps_values_and_the_rules_answers() -> None:
    frame = pd.DataFrame(
        {
            "outcome": pd.Series(["contact", None, "refused", "contact "], dtype=object),
            "issue_raised": pd.Series(["", "  ", None, "leak"], dtype=object),
            "follow_up_of": pd.Series(["v1", "", "", ""], dtype="str"),  # already Arrow text
            "visit_id": pd.Series(["a", "b", "c", "d"], dtype=object),  # not a rule column
        }
    )
    out = with_arrow_text(frame, RULE_TEXT)
    assert [str(out[c].dtype) for c in out.columns] == ["str", "str", "str", "object"]
    # values: missing stays missing, text unchanged (no stripping)
    assert out["outcome"].tolist() == ["contact", np.nan, "refused", "contact "]
    pd.testing.assert_series_equal(out["follow_up_of"], frame["follow_up_of"])
    # the rules read both alike: only the first is a contact; only "leak" is an issue
    assert contact_mask(out).tolist() == contact_mask(frame).tolist() == [True] + [False] * 3
    assert nonblank(out["issue_raised"]).tolist() == [False, False, False, True]
    assert nonblank(frame["issue_raised"]).tolist() == [False, False, False, True]
    assert frame["outcome"].dtype == object  # the input frame is not changed


@pytest.mark.parametrize("unit", ["s", "us", "ns"])
def test_latest_per_code_is_the_groupby_maximum(unit: str) -> None:
    # household 0: 09:00 and 08:00 local -> 09:00; 1: none; 2: only a missing time -> NaT;
    # 3: 2024-03-01 23:30 local, the latest although the UTC date is the day before
    local = ["2024-03-01 09:00", "2024-03-01 08:00", None, "2024-03-01 23:30"]
    times = pd.Series(pd.to_datetime(local).tz_localize("Asia/Shanghai").as_unit(unit))
    got = latest_per_code(times, np.array([0, 0, 2, 3]), n=4)
    assert got.dtype == times.dtype
    assert got.index.tolist() == [0, 1, 2, 3]
    assert got[0] == pd.Timestamp("2024-03-01 09:00", tz="Asia/Shanghai")
    assert pd.isna(got[1]) and pd.isna(got[2])
    assert got[3] == pd.Timestamp("2024-03-01 15:30", tz="UTC")
    expected = times.groupby(np.array([0, 0, 2, 3])).max().reindex(range(4))
    pd.testing.assert_series_equal(got, expected, check_names=False, check_index_type=False)


def test_latest_per_code_needs_tz_aware_times() -> None:
    with pytest.raises(SchemaError, match="tz-aware"):
        latest_per_code(pd.Series(pd.to_datetime(["2024-03-01"])), np.array([0]), n=1)

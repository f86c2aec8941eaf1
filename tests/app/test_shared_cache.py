"""The shared caches remember what they hand out, and a fingerprint sees any change to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon
from streamlit import type_util
from streamlit.runtime.caching.cache_type import CacheType
from streamlit.runtime.caching.cache_utils import _make_value_key

from app import state
from geo.arrow_text import arrow_text
from tests.support.shared_caches import fingerprint


@dataclass(frozen=True)
class Bundle:
    frame: gpd.GeoDataFrame
    graph: nx.MultiDiGraph
    label: str


CALLS: list[int] = []


@state.shared_cache(max_entries=2)
def _bundle(n: int) -> Bundle:
    CALLS.append(n)
    frame = gpd.GeoDataFrame(
        {"id": [f"h{i}" for i in range(n)], "x": [1.5] * n},
        geometry=[Point(i, 0) for i in range(n)],
        crs="EPSG:4326",
    )
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    graph.add_edge(1, 2, length=10.0)
    return Bundle(frame, graph, "t")


def test_a_shared_cache_hands_out_one_object_and_remembers_its_parts() -> None:
    got: list[Any] = []
    state.HANDOUT_HOOKS.append(got.append)
    try:
        first = _bundle(3)
        again = _bundle(3)
    finally:
        state.HANDOUT_HOOKS.remove(got.append)
    assert again is first and CALLS.count(3) == 1
    assert [id(p) for p in got] == [id(first.frame), id(first.graph)] * 2
    alive = {id(p) for p in state.handed_out()}
    assert {id(first.frame), id(first.graph)} <= alive


def test_the_fingerprint_sees_every_kind_of_change() -> None:
    base = _bundle(4)
    frame, graph = base.frame.copy(), base.graph.copy()
    print_ = fingerprint(frame)
    assert fingerprint(frame.copy()) == print_
    changed = [frame.copy() for _ in range(6)]
    changed[0].loc[1, "x"] = 2.5  # a value
    changed[1]["new"] = 1  # a column
    changed[2].index = [9, 1, 2, 3]  # the index
    changed[3].loc[0, "geometry"] = Point(0, 1)  # a geometry
    changed[4]["x"] = changed[4]["x"].astype("float32")  # a dtype
    changed[5].index = pd.RangeIndex(1, 5)  # a range index, by its start, stop and step
    assert len({fingerprint(c) for c in changed} | {print_}) == 7
    g = graph.copy()
    g.edges[1, 2, 0]["length"] = 11.0
    assert fingerprint(g) != fingerprint(graph)
    series = frame["id"]
    assert fingerprint(series) != fingerprint(series.str.upper())


def test_the_fingerprint_sees_changes_in_every_column_type_the_app_hands_out() -> None:
    square = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)])
    holed = Polygon(square.exterior, [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    frame = gpd.GeoDataFrame(
        {
            "name": pd.array(["a", "b", None], dtype="string[pyarrow]"),
            "kind": pd.Categorical(["x", "y", "x"]),
            "time": pd.to_datetime(["2026-01-01", "2026-01-02", None]).tz_localize("UTC"),
            "count": pd.array([1, None, 3], dtype="Int64"),
            "flags": [["a"], [], ["b", "c"]],
        },
        geometry=[square, holed, None],
    )
    print_ = fingerprint(frame)
    assert fingerprint(frame.copy()) == print_
    changed = [frame.copy() for _ in range(7)]
    changed[0].loc[2, "name"] = "c"
    changed[1].loc[0, "kind"] = "y"
    changed[2].loc[1, "time"] = pd.Timestamp("2026-01-03", tz="UTC")
    changed[3].loc[1, "count"] = 2
    changed[4].at[1, "flags"] = ["z"]
    changed[5].loc[0, "geometry"] = holed  # same outline, one hole more
    changed[6].loc[2, "geometry"] = Point(0, 0)  # an empty cell filled
    assert len({fingerprint(c) for c in changed} | {print_}) == 8


def test_the_fingerprint_reads_text_columns_exactly() -> None:
    texts = ["甲区", "b", None, "", "ab"]
    frame = pd.DataFrame({"object": pd.Series(texts, dtype=object), "arrow": texts})
    frame["arrow"] = frame["arrow"].astype("string[pyarrow]")
    frame["str"] = frame["arrow"].astype("str")  # pandas' default text dtype (NaN for null)
    assert all(arrow_text(frame[c]) is not None for c in frame.columns)  # the fast route
    print_ = fingerprint(frame)
    # the same values through another route, and a slice of a longer column, read the same
    longer = pd.DataFrame(
        {"object": pd.Series(["x", *texts], dtype=object), "arrow": ["x", *texts]}
    )
    longer = longer.iloc[1:]
    longer["arrow"] = longer["arrow"].astype("string[pyarrow]")
    longer["str"] = longer["arrow"].astype("str")
    assert fingerprint(longer.reset_index(drop=True)) == print_
    changed = [frame.copy() for _ in range(7)]
    changed[0].loc[0, "object"] = "乙区"  # one character
    changed[1].loc[2, "object"] = ""  # a null made empty
    changed[2].loc[3, "object"] = None  # an empty made null
    changed[3].loc[4, "object"] = "a"  # a shorter value: where the values end moves
    changed[4].loc[1, "arrow"] = "c"
    changed[5].loc[1, "str"] = "c"
    changed[6].loc[2, "str"] = ""
    assert len({fingerprint(c) for c in changed} | {print_}) == 8
    # text beside other kinds of object still goes through pandas' hashing
    mixed = pd.DataFrame({"cell": pd.Series(["a", 1, None], dtype=object)})
    assert arrow_text(mixed["cell"]) is None
    assert fingerprint(mixed) != fingerprint(mixed.replace({1: 2}))


@state.shared_cache()
def _twice_a(n: int, _note: str = "") -> list[int]:
    CALLS.append(n)
    return [n]


@state.shared_cache()
def _twice_b(n: int, _note: str = "") -> list[int]:
    CALLS.append(n)
    return [n]


@state.shared_cache()
def _of_mapping(mapping: dict[str, int]) -> list[int]:
    CALLS.append(-1)
    return sorted(mapping.values())


def test_a_shared_cache_keys_plain_arguments_by_name_and_each_function_apart() -> None:
    CALLS.clear()
    first = _twice_a(7)
    assert _twice_a(n=7) is first  # positional or keyword: one key
    assert _twice_a(7, _note="ignored") is first  # a leading "_" is left out, as Streamlit does
    assert _twice_a(8) is not first
    assert _twice_b(7) is not first and _twice_b(7) == first  # same body, its own cache
    assert CALLS == [7, 8, 7]


def test_arguments_without_a_text_key_go_through_streamlits_hashing() -> None:
    CALLS.clear()
    first = _of_mapping({"a": 2, "b": 1})
    assert _of_mapping({"a": 2, "b": 1}) is first
    assert _of_mapping({"a": 3}) == [3]
    assert CALLS == [-1, -1]
    keys = {state.fast_key(v, hash_funcs={}) for v in (1, 1.0, "1", True, None, (1,), [1])}
    assert len(keys) == 7


def test_a_fast_keyed_call_names_its_arguments_so_streamlit_reads_no_signature(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Streamlit reads a function's signature to name each positional argument, on every
    # call; the fast key's call passes them by name, which Streamlit hashes the same way
    read: list[Any] = []
    real = type_util.get_func_parameters
    monkeypatch.setattr(
        type_util, "get_func_parameters", lambda func: read.append(func) or real(func)
    )
    CALLS.clear()
    first = _twice_a(41)
    assert _twice_a(41) is first and _twice_a(n=41) is first
    assert CALLS == [41] and read == []

    # the pairs Streamlit hashes by name are the ones it hashed by position
    def by_key(key: str, _args: tuple[Any, ...], _kwargs: dict[str, Any]) -> None:
        del key, _args, _kwargs

    by_position = _make_value_key(CacheType.RESOURCE, by_key, ("k", (41,), {}), {}, None)
    by_name = _make_value_key(
        CacheType.RESOURCE, by_key, (), {"key": "k", "_args": (41,), "_kwargs": {}}, None
    )
    assert by_name == by_position

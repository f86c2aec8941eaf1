"""app.page_cache: what a page draws is made once per view, scope, language and choice, shared
read-only, and never served to another scope; a warm page run sends the very same map."""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.pipeline import Analysis
from analysis.scope import Scope
from app import map_files, mapviews, page_cache, state, views
from app.shell import Context
from geo.accounts import Account
from geo.settings import DEFAULTS
from tests.app.test_pages import PAGES, map_args, run_app
from tests.support.shared_caches import caches_unchanged  # noqa: F401 (autouse)


@pytest.fixture(scope="module")
def workspace_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workspace")


@pytest.fixture(autouse=True)
def _workspace_env(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(state.WORKSPACE_ENV, str(workspace_dir))


def empty_view() -> state.View:
    empty = gpd.GeoDataFrame()
    return state.View(None, empty, empty, empty)  # type: ignore[arg-type]


def context(scope: Scope) -> Context:
    account = Account("someone", "chief", (), ("S1",))
    window = (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    return Context("en", account, scope, window, state.DEMO_REF, "demo", DEFAULTS)


def test_a_view_token_is_kept_for_one_view_and_never_given_again() -> None:
    first = empty_view()
    token = page_cache.view_token(first)
    assert page_cache.view_token(first) == token
    second = empty_view()
    assert page_cache.view_token(second) > token
    address = id(first)
    del first
    gc.collect()
    assert address not in page_cache._TOKENS  # forgotten with its view
    assert page_cache.view_token(empty_view()) > page_cache.view_token(second)


def test_each_scope_and_language_gets_its_own_drawing() -> None:
    view = empty_view()
    made: list[str] = []

    def make(label: str) -> pd.DataFrame:
        made.append(label)
        return pd.DataFrame({"label": [label]})

    b1, b2 = context(Scope.for_beats(["B1"])), context(Scope.for_beats(["B2"]))
    one = page_cache.drawn(b1, view, "test.scoped", lambda: make("B1"))
    two = page_cache.drawn(b2, view, "test.scoped", lambda: make("B2"))
    again = page_cache.drawn(b1, view, "test.scoped", lambda: make("B1 again"))
    assert made == ["B1", "B2"]
    assert again is one and one["label"].tolist() == ["B1"] and two["label"].tolist() == ["B2"]
    assert page_cache.draw_key(b1, view) != page_cache.draw_key(b2, view)
    # the page's choices are part of the key
    chosen = page_cache.drawn(b1, view, "test.scoped", lambda: make("B1 gaps"), ("gaps",))
    assert chosen["label"].tolist() == ["B1 gaps"]


def test_a_cached_table_is_handed_out_for_the_fingerprints() -> None:
    seen: list[Any] = []
    state.HANDOUT_HOOKS.append(seen.append)
    try:
        table = page_cache.table(
            context(Scope.everything()),
            empty_view(),
            "test.table",
            lambda: pd.DataFrame({"block_id": ["b1"], "flags": ["no_gps"]}),
        )
    finally:
        state.HANDOUT_HOOKS.remove(seen.append)
    assert table.shown.to_dict("records") == [{"Block": "b1", "Flags": "no GPS"}]
    assert {id(table.frame), id(table.shown)} <= {id(part) for part in seen}


def counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls: list[int] = []
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


@pytest.mark.parametrize("page", ["overview", "gaps", "my_beat", "quality"])
def test_a_warm_run_draws_nothing_again_and_sends_the_same_map(
    page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(page, user="officer")
    drawn = {
        "overview": counted(monkeypatch, mapviews, "overview_map"),
        "gaps": counted(monkeypatch, mapviews, "gap_map"),
        "my_beat": counted(monkeypatch, mapviews, "beat_blocks_map"),
        "quality": counted(monkeypatch, mapviews, "review_map"),
    }
    tables = counted(monkeypatch, views, "beat_table")
    first = map_args(at)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any(drawn.values()) and not tables
    assert map_args(at) == first


RANDOM_IDS = re.compile(r"[0-9a-f]{32}")
"""Folium names its elements with random hex ids (and Streamlit its widgets with hashes)."""


def elements(at: AppTest) -> list[str]:
    """Every element the run shows, as its message, random ids made equal."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if getattr(node, "proto", None) is not None:
            found.append(RANDOM_IDS.sub("ID", str(node.proto)))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.sidebar)
    walk(at.main)
    return found


@pytest.mark.parametrize("page", ["overview", "gaps", "my_beat", "quality"])
@pytest.mark.parametrize("user", ["chief", "officer"])
def test_a_cached_run_shows_what_a_fresh_run_shows(
    page: str, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(page, user=user)
    at.run()  # warm: everything drawn comes from the caches
    cached = elements(at)
    assert cached
    for name in ("_made", "_map"):  # draw everything afresh, as before the caches
        monkeypatch.setattr(page_cache, name, lambda key, name, params, make: make())
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert elements(at) == cached


def test_an_officer_never_gets_the_chiefs_map(demo_analysis: Analysis) -> None:
    chief = run_app("overview", user="chief")
    officer = run_app("overview", user="officer")  # bound to B01
    script = map_args(officer)[0]["script"]
    assert map_args(chief)[0]["script"] != script
    blocks = demo_analysis.blocks
    others = blocks.loc[blocks["beat_id"] != "B01", "block_id"]
    assert len(others)
    assert not [b for b in others if json.dumps(b) in script]
    # nor the chief's geometry: the files the officer's map fetches hold B01's blocks only
    files = map_files.fetched_files(script)
    assert files and set(files) != set(map_files.fetched_files(map_args(chief)[0]["script"]))
    served = [json.loads(f.read_bytes()) for f in files]
    ids = {f["properties"].get("block_id") for fc in served for f in fc["features"]} - {None}
    mine = blocks.loc[(blocks["beat_id"] == "B01") & blocks.geometry.notna(), "block_id"]
    assert ids == set(mine)
    beats = {f["properties"].get("beat_id") for fc in served for f in fc["features"]} - {None}
    assert beats == {"B01"}
    chief.switch_page(PAGES["gaps"]).run()
    officer.switch_page(PAGES["gaps"]).run()
    assert map_args(chief) != map_args(officer)


def test_the_map_follows_the_language() -> None:
    english = map_args(run_app("overview", lang="en"))[0]["script"]
    chinese = map_args(run_app("overview", lang="zh"))[0]["script"]
    assert english != chinese
    assert "Coverage" in english and "Coverage" not in chinese

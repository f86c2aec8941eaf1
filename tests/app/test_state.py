"""The app's analyses are computed once, stored in the workspace and read back after.

Each test uses a window of its own (the demo's first weeks, cut differently), so no
analysis held in this process's memory by another test answers for the store.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from analysis.pipeline import Analysis, analyse
from analysis.scope import Scope, account_scope
from analysis.stored import TABLES, file_digest, read_analysis, result_key
from app import state
from app.shell import Context
from geo.accounts import Account
from geo.importer import Dataset
from geo.results import ResultStore
from geo.settings import Settings
from geo.workspace import Workspace

FIRST = dt.date(2026, 7, 1)


def window(days: int, *, skip: int = 0) -> state.Window:
    return FIRST + dt.timedelta(days=skip), FIRST + dt.timedelta(days=skip + days - 1)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "workspace"
    monkeypatch.setenv(state.WORKSPACE_ENV, str(folder))
    return folder


def stored_files(folder: Path) -> list[str]:
    results = folder / "results"
    return sorted(p.name for p in results.iterdir()) if results.is_dir() else []


def test_prepare_computes_once_reporting_each_stage_then_needs_no_computing(
    workspace: Path, demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = window(9, skip=2)
    assert not state.is_ready(state.DEMO_REF, chosen, demo_settings)
    stages: list[str] = []
    assert state.prepare(state.DEMO_REF, chosen, demo_settings, progress=stages.append)
    # every stage once or more, in the order the bar shows them, the last one storing
    assert list(dict.fromkeys(stages)) == list(state.STAGES)
    assert stages == sorted(stages, key=state.STAGES.index)
    [name] = stored_files(workspace)
    assert name.startswith("demo-") and name.endswith(".zip")
    assert state.is_ready(state.DEMO_REF, chosen, demo_settings)

    def no_computing(*args: Any, **kwargs: Any) -> Analysis:
        raise AssertionError("the stored analysis should have been read")

    monkeypatch.setattr(state, "analyse", no_computing)
    again: list[str] = []
    assert not state.prepare(state.DEMO_REF, chosen, demo_settings, progress=again.append)
    assert again == []  # stored: no bar at all
    result = state.get_analysis(Scope.everything(), chosen, demo_settings)
    assert (result.window[0], result.window[1]) == chosen


def test_the_stored_analysis_is_the_computed_one(
    workspace: Path,
    demo_data: Dataset,
    demo_settings: Settings,
    demo_units: Any,
    demo_walk_graph: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chosen = window(12, skip=1)
    state.prepare(state.DEMO_REF, chosen, demo_settings)
    monkeypatch.setattr(state, "analyse", None)  # any computing would fail here
    key = state.analysis_key(state.DEMO_REF, chosen, demo_settings, ())
    read = read_analysis(state.results(state.DEMO_REF), "demo", key)
    assert read is not None
    handed = state.get_analysis(Scope.everything(), chosen, demo_settings)
    direct = analyse(
        demo_data.beats,
        demo_data.households,
        demo_data.visits,
        units=demo_units,
        walk_graph=demo_walk_graph,
        start=chosen[0],
        end=chosen[1],
        settings=demo_settings,
    )
    for result in (read, handed):
        for name in TABLES:
            assert getattr(result, name).equals(getattr(direct, name)), name
            assert (getattr(result, name).dtypes == getattr(direct, name).dtypes).all(), name


def test_what_prepare_computed_is_handed_over_not_read_back(
    workspace: Path, demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = window(9, skip=7)
    assert state.prepare(state.DEMO_REF, chosen, demo_settings)

    def no_reading(*args: Any, **kwargs: Any) -> Analysis:
        raise AssertionError("the analysis just computed should not be read from disk")

    monkeypatch.setattr(state, "read_analysis", no_reading)
    monkeypatch.setattr(state, "analyse", None)  # nor computed again
    result = state.get_analysis(Scope.everything(), chosen, demo_settings)
    assert result.window == chosen


def test_sessions_asking_at_once_wait_for_one_computation(
    workspace: Path, demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = window(8, skip=4)
    calls: list[int] = []
    real = state.analyse

    def counted(*args: Any, **kwargs: Any) -> Analysis:
        calls.append(1)
        time.sleep(0.3)  # long enough for every other thread to be waiting
        return real(*args, **kwargs)

    monkeypatch.setattr(state, "analyse", counted)
    computed: list[bool] = []
    threads = [
        threading.Thread(
            target=lambda: computed.append(state.prepare(state.DEMO_REF, chosen, demo_settings))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert sorted(computed) == [False, False, False, True]


def test_a_store_that_cannot_be_written_costs_speed_not_the_page(
    workspace: Path, demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.mkdir(parents=True)
    (workspace / "results").write_text("not a folder")  # results/ cannot be made
    chosen = window(7, skip=6)
    assert state.prepare(state.DEMO_REF, chosen, demo_settings)
    monkeypatch.setattr(state, "analyse", None)  # computed once: not again for the page
    result = state.get_analysis(Scope.everything(), chosen, demo_settings)
    assert result.window == chosen
    assert (workspace / "results").read_text() == "not a folder"


def test_a_new_decision_is_another_result(
    workspace: Path, demo_settings: Settings, demo_analysis: Analysis
) -> None:
    chosen = window(10, skip=3)
    state.prepare(state.DEMO_REF, chosen, demo_settings)
    flagged = demo_analysis.visits[~demo_analysis.visits["verified"]]["visit_id"].iloc[0]
    state.record_review(str(flagged), "dismissed", reviewer="chief1")
    assert not state.is_ready(state.DEMO_REF, chosen, demo_settings)
    assert state.prepare(state.DEMO_REF, chosen, demo_settings)
    assert len(stored_files(workspace)) == 2


def test_the_page_context_prepares_its_window_with_a_progress_bar(
    workspace: Path, demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = window(11, skip=5)
    drawn: list[str] = []
    monkeypatch.setattr("app.shell.stage_progress", _recording_progress(drawn), raising=True)
    context = Context(
        lang="en",
        account=Account(username="planner1", role="planner", beats=(), stations=()),
        scope=Scope.everything(),
        window=chosen,
        ref=state.DEMO_REF,
        dataset_name="demo",
        settings=demo_settings,
    )
    view = context.view()
    assert view.analysis.window == chosen
    assert list(dict.fromkeys(drawn)) == list(state.STAGES)
    drawn.clear()
    context.view()  # held now: no bar
    assert drawn == []


def _recording_progress(drawn: list[str]) -> Any:
    import contextlib

    @contextlib.contextmanager
    def stage_progress(stages: Any, *, prefix: str) -> Any:
        assert tuple(stages) == state.STAGES and prefix == "progress"
        yield drawn.append

    return stage_progress


def test_the_analysis_key_is_the_stored_result_key_of_its_inputs(
    workspace: Path, demo_settings: Settings
) -> None:
    # remembered per input (every page run asks for it), the key stays result_key's
    streets = file_digest(state.streets_file(state.DEMO_REF))
    other = demo_settings.replace(timezone="Asia/Urumqi")
    seen = set()
    for chosen, settings, reviews in [
        (window(9), demo_settings, ()),
        (window(9), demo_settings, (("V1", "dismissed"),)),
        (window(8), demo_settings, ()),
        (window(9), other, ()),
    ]:
        direct = result_key(
            dataset_id="demo", streets=streets, window=chosen, settings=settings, reviews=reviews
        )
        for _ in range(2):
            assert state.analysis_key(state.DEMO_REF, chosen, settings, reviews) == direct
        seen.add(direct)
    assert len(seen) == 4


def test_deleting_a_dataset_deletes_its_stored_results(tmp_path: Path, demo_data: Dataset) -> None:
    folder = tmp_path / "ws"
    store = Workspace(folder)
    # two stored datasets; a few of the demo's visits are enough (its 20,000 took 0.7 s to store)
    few = dataclasses.replace(demo_data, visits=demo_data.visits.iloc[:20].copy())
    first = store.save(few)
    fewer = dataclasses.replace(demo_data, visits=demo_data.visits.iloc[1:20].copy())
    second = store.save(fewer)  # now the current one
    results = ResultStore(folder)
    results.write(first, "k1", {"a": b"1"})
    results.write(second, "k1", {"a": b"2"})
    store.delete(first)
    assert results.read(first, "k1") is None
    assert results.read(second, "k1") == {"a": b"2"}


def test_a_decision_from_another_session_is_seen_on_the_next_call(
    workspace: Path, demo_analysis: Analysis
) -> None:
    flagged = demo_analysis.visits[~demo_analysis.visits["verified"]]["visit_id"]
    first, second = (str(v) for v in flagged.iloc[:2])
    before = state.review_key(state.DEMO_REF)
    assert before == state.review_key(state.DEMO_REF)  # unchanged: the same key
    Workspace(workspace).record_review(first, "dismissed", reviewer="chief1")
    assert state.review_key(state.DEMO_REF) == ((first, "dismissed"),)
    Workspace(workspace).record_review(second, "confirmed", reviewer="chief1")
    Workspace(workspace).record_review(first, "confirmed", reviewer="chief1")
    assert state.review_key(state.DEMO_REF) == tuple(
        sorted([(first, "confirmed"), (second, "confirmed")])
    )
    Workspace(workspace).withdraw_review(first)
    assert state.review_key(state.DEMO_REF) == ((second, "confirmed"),)
    Workspace(workspace).record_review("V-not-in-the-demo", "dismissed", reviewer="chief1")
    assert state.review_key(state.DEMO_REF) == ((second, "confirmed"),)
    # the decisions themselves (Visit quality's list), read again after each change
    assert state.review_log()["visit_id"].tolist() == [second, "V-not-in-the-demo"]
    Workspace(workspace).withdraw_review(second)
    assert state.review_log()["visit_id"].tolist() == ["V-not-in-the-demo"]


def test_the_sidebars_window_and_scope_are_the_datasets_and_the_accounts(
    workspace: Path, demo_data: Dataset
) -> None:
    # cached per dataset (and binding): the same answers as computed afresh
    assert state.window_of(state.DEMO_REF) == state.data_window(demo_data)
    stations = sorted(set(demo_data.beats["station"]))
    accounts = [
        Account("li", "chief", (), (stations[0],)),
        Account("li", "chief", (), tuple(stations)),  # the same name, bound afresh
        Account("li", "officer", ("B01",), ()),
        Account("wang", "officer", ("B02",), ()),
        Account("zhou", "planner", (), ()),
    ]
    scopes = [state.scope_of(state.DEMO_REF, account) for account in accounts]
    assert scopes == [account_scope(demo_data.beats, account) for account in accounts]
    assert len({s.beats for s in scopes}) == len(scopes)  # no account gets another's
    assert scopes == [state.scope_of(state.DEMO_REF, account) for account in accounts]

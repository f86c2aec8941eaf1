"""Every page on the demo with Streamlit's AppTest: renders in English and Chinese, shows the
figures the pipeline gives, keeps maps offline, limits an officer to their beat, and the
Data page accepts a good upload and refuses a bad one without touching the workspace."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.pipeline import Analysis, analyse
from analysis.route_export import PRINT_COLUMNS
from analysis.rules import window_mask
from analysis.scope import Scope
from app import mapviews, state
from app.i18n import translate
from app.shell import Context
from app.ui import md_text
from app.upload import Upload, check_upload, crs_choice, safe_name
from geo.accounts import Account
from geo.audit import AuditLog
from geo.block_names import block_names, labelled_streets
from geo.demo import DEMO_FILES
from geo.errors import ReviewError
from geo.importer import Dataset
from geo.settings import DEFAULTS, Settings
from geo.streets import load_streets
from geo.workspace import Workspace
from tests.support.downloads import Downloads, downloads_fixture  # noqa: F401
from tests.support.login import PASSWORD, add_account, log_in, logged_in
from tests.support.shared_caches import caches_unchanged  # noqa: F401 (autouse)

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
PAGES = {
    "overview": "app/pages/overview.py",
    "gaps": "app/pages/gaps.py",
    "my_beat": "app/pages/my_beat.py",
    "quality": "app/pages/quality.py",
    "data": "app/pages/data.py",
}
TITLES = {
    "overview": "overview.title",
    "gaps": "gaps.title",
    "my_beat": "my_beat.title",
    "quality": "quality.title",
    "data": "data.title",
}


@pytest.fixture(scope="module")
def workspace_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workspace")


@pytest.fixture(autouse=True)
def _workspace_env(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(state.WORKSPACE_ENV, str(workspace_dir))


@pytest.fixture(scope="module")
def expected(
    demo_data: Dataset,
    demo_settings: Settings,
    demo_units: gpd.GeoDataFrame,
    demo_walk_graph: nx.MultiDiGraph,
    demo_analysis: Analysis,
) -> dict[str, Analysis]:
    """The demo analysed directly (no app code): its window and the period before it."""
    now = demo_analysis
    start, end = now.window
    days = (end - start).days + 1
    before = analyse(
        demo_data.beats,
        demo_data.households,
        demo_data.visits,
        units=demo_units,
        walk_graph=demo_walk_graph,
        start=start - pd.Timedelta(days=days),
        end=start - pd.Timedelta(days=1),
        settings=demo_settings,
    )
    return {"now": now, "before": before}


def run_app(
    page: str = "overview", *, lang: str = "en", user: str = "chief", password: str | None = None
) -> AppTest:
    """The app logged in as ``user`` (a demo account unless ``password`` is given) on ``page``."""
    at = logged_in(APP, user, lang=lang, **({} if password is None else {"password": password}))
    if page != "overview":
        at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, tuple[str, Any]]:
    return {m.label: (m.value, m.proto.delta) for m in at.metric}


def map_args(at: AppTest) -> list[dict[str, Any]]:
    """The arguments of every streamlit-folium map on the page."""
    found = [e for e in at.get("component_instance") if "st_folium" in e.proto.component_name]
    return [json.loads(e.proto.json_args) for e in found]


def assert_offline(args: dict[str, Any]) -> None:
    assert args["js_links"] and args["css_links"]
    for link in [*args["js_links"], *args["css_links"]]:
        assert link.startswith("/component/"), link
    text = args["header"] + args["html"] + args["script"]
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text)
    assert "tile.openstreetmap" not in text and "cdn" not in text.lower()


def frame(at: AppTest, key: str) -> pd.DataFrame:
    """The table shown in the keyed container ``key`` (see ``app.ui.table``)."""
    found = [n for n in walk(at.get_by_key(key)) if getattr(n, "type", "") == "dataframe"]
    assert len(found) == 1, key
    return found[0].value


def walk(node: Any) -> Any:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_in_both_languages(page: str, lang: str) -> None:
    at = run_app(page, lang=lang, user="planner" if page == "data" else "chief")
    assert at.title[0].value == translate(TITLES[page], lang)
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "OpenStreetMap" in sidebar
    assert at.sidebar.radio(key="lang").value == lang
    for args in map_args(at):
        assert_offline(args)
    if page in {"overview", "gaps", "my_beat", "quality"}:
        assert len(map_args(at)) == 1


def test_overview_shows_the_pipeline_figures(expected: dict[str, Analysis]) -> None:
    now, before = expected["now"].summary(), expected["before"].summary()
    at = run_app("overview")
    shown = metrics(at)
    # the demo's previous period of equal length holds no visit: nothing to compare with, so
    # no change is shown (app.views.headline's doctests cover the changes themselves)
    assert before["visits"] == 0
    assert shown["Households"] == (f"{now['households']:,}", "")
    assert shown["Coverage"] == (f"{now['coverage']:.1%}", "")
    for label, key in [
        ("Vulnerable overdue", "vulnerable_overdue"),
        ("Open follow-ups", "open_follow_ups"),
        ("Visits not counted", "flagged_visits"),
    ]:
        assert shown[label] == (f"{now[key]:,}", "")
    beats = frame(at, "overview_beats")
    direct = expected["now"].beats.set_index("beat_id")["coverage"]
    assert sorted(beats["Beat"]) == sorted(direct.index)
    assert beats.set_index("Beat")["Coverage"].to_dict() == pytest.approx(direct.to_dict())
    # the weekly trend, then satisfaction by beat and by wait (Streamlit's own Vega)
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(charts) == 3
    scatter, bars = charts[1], charts[2]
    assert scatter["encoding"]["x"]["title"] == "Coverage"
    assert scatter["encoding"]["y"]["title"] == "Mean satisfaction"
    assert bars["encoding"]["x"]["title"] == "Days since the household's previous contact"
    assert [b.proto.label for b in at.download_button] == [
        "Download the report (PDF)",
        "Download the report (Excel)",
        "Download CSV",
        "Download Excel",
    ]
    assert not [i for i in at.info if "hexagonal cells" in i.value]  # the demo's own streets


def test_overview_lists_and_numbers_the_worst_gaps(expected: dict[str, Analysis]) -> None:
    blocks = expected["now"].blocks
    under = blocks[blocks["under_visited"]].sort_values(
        ["priority", "block_id"], ascending=[False, True]
    )
    top = under.head(5)
    assert top["name"].str.contains(" / ").all()  # streets, not ids
    for lang, prefix in [("en", "The 5 worst gaps"), ("zh", "最需补访的 5 个街区")]:
        at = run_app("overview", lang=lang)
        assert prefix in [h.value for h in at.subheader]
        items = [m.value for m in at.markdown if m.value.startswith("**") and ". " in m.value]
        assert len(items) == 5
        for rank, (item, name) in enumerate(zip(items, top["name"], strict=True), start=1):
            assert item.startswith(f"**{rank}. {name}**"), item
        # the numbers stand on the map, over the blocks coloured by coverage
        script = map_args(at)[0]["script"]  # the labels' HTML, JSON-escaped in the script
        for rank in range(1, 6):
            assert f"\\u003e{rank}\\u003c/div" in script
        # labels let clicks through to the block: the beats' names and the gaps' numbers,
        # styled once in the header
        assert script.count("beatcov-label-name") == len(expected["now"].beats)
        assert script.count("beatcov-label-rank") == 5
        header = map_args(at)[0]["header"]
        for kind in ("name", "rank"):
            assert re.search(rf"\.beatcov-label-{kind} \{{[^}}]*pointer-events:none", header)
    # a block opened from the list (or a click on the map): its households
    at.selectbox(key="overview_block").select_index(0).run()
    assert f"街区 {top['name'].iloc[0]} 的住户" in [h.value for h in at.subheader]
    homes = frame(at, "overview_households")
    assert len(homes) == int(top["households"].iloc[0])


def test_overview_in_chinese_translates_headers_and_figures() -> None:
    at = run_app("overview", lang="zh")
    assert {"住户数", "走访覆盖率", "弱势群体逾期未访", "未办结回访"} <= set(metrics(at))
    assert {"警务区", "覆盖率", "住户数"} <= set(frame(at, "overview_beats").columns)
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(charts) == 3
    assert charts[1]["encoding"]["y"]["title"] == "平均满意度"
    assert charts[2]["encoding"]["x"]["title"] == "距该户上一次见面的天数"


def test_overview_says_when_the_window_holds_no_visits(demo_data: Dataset) -> None:
    # the 30 days after the demo's last visit: no visit in the window, the 30 days before
    # it full of visits; one plain line, no change arrows (not "-79 pp"), no trend chart
    last = demo_data.visits["time"].max().date()
    start, end = last + dt.timedelta(days=1), last + dt.timedelta(days=30)
    at = run_app("overview", lang="zh")
    at.date_input(key=f"end:{state.DEMO_ID}").set_value(end)
    at.date_input(key=f"start:{state.DEMO_ID}").set_value(start).run()
    assert not at.exception, [e.value for e in at.exception]
    said = translate("common.empty_window", "zh", start=start, end=end)
    assert [i.value for i in at.info].count(said) == 1
    assert translate("overview.trend_empty", "zh") in [i.value for i in at.info]
    assert metrics(at)["走访覆盖率"] == ("0.0%", "")
    assert {delta for _, delta in metrics(at).values()} == {""}
    assert not at.get("vega_lite_chart")
    beats = frame(at, "overview_beats")
    assert len(beats) and beats["覆盖率变化"].isna().all()


def test_gaps_filters_say_all_in_the_chosen_language() -> None:
    at = run_app("gaps", lang="zh")
    assert at.multiselect(key="gaps_beats").proto.placeholder == "全部警务区"
    assert at.multiselect(key="gaps_reasons").proto.placeholder == "全部原因"


def test_gaps_lists_blocks_and_a_chosen_blocks_households(
    expected: dict[str, Analysis],
) -> None:
    blocks = expected["now"].blocks
    under = blocks[blocks["under_visited"]]
    at = run_app("gaps")
    table = frame(at, "gaps_table")
    assert sorted(table["Block"]) == sorted(under["block_id"])
    assert table["Priority"].is_monotonic_decreasing
    # the map's click lands in this selector (tested in the browser); here: choose the top
    top = under.sort_values("priority", ascending=False)["block_id"].iloc[0]
    at.selectbox(key="gaps_block").set_value(top).run()
    assert not at.exception
    homes = frame(at, "gaps_households")
    direct = expected["now"].households
    mine = direct[direct["block_id"] == top]
    assert sorted(homes["Household"]) == sorted(mine["household_id"])
    # not contacted first, then by priority rank
    contacted = homes["Contacted"].tolist()
    assert contacted == sorted(contacted)
    history = frame(at, "gaps_history")
    assert set(history["Household"]) <= set(mine["household_id"])
    assert "Satisfaction" in history.columns  # each visit's score, beside the block's mean
    # reason codes are shown as words
    assert not any("_" in r for r in table["Reasons"])
    # each block's mean satisfaction (each household one voice), empty where none was scored
    means = under.set_index("block_id")["mean_satisfaction"]
    shown = table.set_index("Block")["Mean satisfaction"]
    assert shown.isna().equals(means.reindex(shown.index).isna())
    assert shown.dropna().to_dict() == pytest.approx(means.reindex(shown.index).dropna().to_dict())


def test_gaps_filters_by_reason_and_vulnerable() -> None:
    at = run_app("gaps")
    at.multiselect(key="gaps_reasons").set_value(["low_coverage"]).run()
    table = frame(at, "gaps_table")
    assert len(table) and all("low coverage" in r for r in table["Reasons"])
    at.checkbox(key="gaps_vulnerable").check().run()
    table = frame(at, "gaps_table")
    assert len(table) and (table["Vulnerable overdue"] > 0).all()


def test_officer_sees_only_their_beat(expected: dict[str, Analysis], demo_data: Dataset) -> None:
    homes = expected["now"].households
    b01 = set(homes.loc[homes["beat_id"] == "B01", "household_id"])
    beat = demo_data.beats.set_index("beat_id").loc["B01"]
    officer = beat["officer_ids"].split(";")[0]  # a 警号 such as "051001"
    at = run_app("my_beat", user="officer")  # the demo officer, bound to B01
    assert officer in beat["officer_ids"]
    assert at.selectbox(key="my_beat_beat").options == [f"B01 {beat['name']}"]
    shown = metrics(at)
    assert shown["Households"][0] == f"{len(b01):,}"
    # every household of the beat, whatever block it is in (count as households.csv)
    listed = frame(at, "my_beat_todo")
    assert len(listed) == len(b01) and set(listed["Household"]) == b01
    assert not listed["Block name"].astype(str).str.startswith("outside").any()
    # every to-do on it, first, numbered in walking order; open follow-ups too
    needing = homes[(homes["beat_id"] == "B01") & homes["needs_visit"]]
    todo = listed.iloc[: len(needing)]
    assert set(todo["Household"]) == set(needing["household_id"])
    assert todo["Walk order"].tolist() == list(range(1, len(needing) + 1))
    assert listed["Walk order"].iloc[len(needing) :].isna().all()
    assert (needing["needs_visit_reasons"].str.contains("open_follow_up")).any()
    assert set(frame(at, "my_beat_bands")["Block"]) <= set(
        expected["now"].blocks.query("beat_id == 'B01'")["block_id"]
    )
    at.switch_page(PAGES["overview"]).run()
    assert metrics(at)["Households"][0] == f"{len(b01):,}"
    assert list(frame(at, "overview_beats")["Beat"]) == ["B01"]
    at.switch_page(PAGES["gaps"]).run()
    assert set(frame(at, "gaps_table")["Beat"]) <= {"B01"}
    at.switch_page(PAGES["quality"]).run()
    visits = frame(at, "quality_visits")
    assert set(visits["Household"]) <= b01
    # officers do not get the Data page
    with pytest.raises(ValueError, match="data.py"):
        at.switch_page(PAGES["data"])


def test_officer_plans_an_evening_walk(expected: dict[str, Analysis], downloads: Downloads) -> None:
    at = run_app("my_beat", user="officer")
    at.selectbox(key="my_beat_walk_band").set_value("evening")
    at.number_input(key="my_beat_budget").set_value(120)
    at.button(key="my_beat_plan").click().run()
    assert not at.exception, [e.value for e in at.exception]
    stops = frame(at, "my_beat_stops")
    assert len(stops) and stops["Stop"].tolist() == list(range(1, len(stops) + 1))
    assert stops["Arrival"].iloc[0] >= "17:00" and stops["Arrival"].is_monotonic_increasing
    homes = expected["now"].households.set_index("household_id")
    assert set(homes.loc[stops["Household"], "beat_id"]) == {"B01"}
    assert stops["Address"].str.contains(r"[\u4e00-\u9fff]").all()  # as in the data
    used = metrics(at)["Minutes used"][0]
    minutes, budget = (int(n) for n in re.findall(r"\d+", used))
    assert budget == 120 and 0 < minutes <= 120
    # the household list now follows the planned walk
    listed = frame(at, "my_beat_todo")
    assert listed["Household"].iloc[: len(stops)].tolist() == stops["Household"].tolist()
    assert listed["Walk order"].iloc[: len(stops)].tolist() == stops["Stop"].tolist()
    # the path and the stops are on the map
    script = map_args(at)[0]["script"]
    assert script.count(mapviews.ROUTE_COLOR) > len(stops) and mapviews.START_COLOR in script
    gpx = ElementTree.fromstring(downloads.file(at, "my_beat_gpx"))
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    names = [w.findtext("g:name", namespaces=ns) for w in gpx.findall("g:wpt", ns)]
    assert [n.split()[0] for n in names] == [str(i) for i in stops["Stop"]]
    assert len(gpx.findall("g:trk/g:trkseg/g:trkpt", ns)) >= len(stops)
    printable = pd.read_csv(
        io.BytesIO(downloads.file(at, "my_beat_route_csv")), encoding="utf-8-sig", dtype=str
    )
    assert list(printable.columns) == list(PRINT_COLUMNS)
    assert printable["household_id"].tolist() == stops["Household"].tolist()


def test_my_beat_offers_a_printable_report() -> None:
    at = run_app("my_beat")
    labels = [b.proto.label for b in at.download_button]
    assert "Printable list and beat report (HTML)" in labels


def test_visit_quality_counts_flags(expected: dict[str, Analysis]) -> None:
    visits = expected["now"].visits
    at = run_app("quality")
    shown = metrics(at)
    assert shown["Visits"][0] == f"{len(visits):,}"
    assert shown["Visits not counted"][0] == f"{int((~visits['verified']).sum()):,}"
    by_flag = frame(at, "quality_flags").set_index("Flag")
    direct = visits["flags"].str.split(";").explode().value_counts()
    assert by_flag.loc["far from door", "Visits"] == direct["far_from_door"]
    assert by_flag.loc["no GPS", "Visits"] == direct["no_gps"]
    assert "GPS point rather far from the household's door" in set(by_flag["Description"])
    # per block: visits not counted, grouped by the block of the visited household
    block_of = expected["now"].households.set_index("household_id")["block_id"]
    direct_blocks = (~visits["verified"]).groupby(visits["household_id"].map(block_of)).sum()
    by_block = frame(at, "quality_blocks").set_index("Block")
    assert by_block["Not counted"].sum() == int((~visits["verified"]).sum())
    worst = direct_blocks.sort_values(ascending=False).index[0]
    assert by_block.loc[worst, "Not counted"] == direct_blocks[worst] > 0


def test_visit_quality_honours_a_narrowed_window(
    expected: dict[str, Analysis], demo_data: Dataset, demo_settings: Settings
) -> None:
    # 7 days ending on the last day with a visit not counted: Visit quality shows that
    # window's visits, as Overview does (before the fix it showed all 18,081 demo visits)
    data, settings = demo_data, demo_settings
    checked = expected["now"].visits  # verification does not depend on the window
    time = data.visits.set_index("visit_id")["time"]
    end = time[checked.loc[~checked["verified"], "visit_id"]].max().date()
    start = end - dt.timedelta(days=6)
    inside = window_mask(data.visits["time"], start=start, end=end, settings=settings)
    ids = set(data.visits.loc[inside, "visit_id"])
    not_counted = int((~checked["verified"] & checked["visit_id"].isin(ids)).sum())
    assert 0 < len(ids) < len(checked) and not_counted > 0

    at = run_app("overview")
    at.date_input(key=f"end:{state.DEMO_ID}").set_value(end)
    at.date_input(key=f"start:{state.DEMO_ID}").set_value(start).run()
    assert not at.exception, [e.value for e in at.exception]
    overview = metrics(at)
    assert overview["Visits not counted"][0] == f"{not_counted:,}"
    assert frame(at, "overview_beats")["Visits"].sum() == len(ids)
    at.switch_page(PAGES["quality"]).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = metrics(at)
    assert shown["Visits"][0] == f"{len(ids):,}"
    assert shown["Visits not counted"][0] == overview["Visits not counted"][0]
    assert frame(at, "quality_flags")["Visits"].max() <= len(ids)
    assert frame(at, "quality_officers")["Visits"].sum() == len(ids)
    assert frame(at, "quality_blocks")["Not counted"].sum() == not_counted


def uncontacted_flagged_contact(now: Analysis) -> pd.Series:
    """A contact not counted (strong evidence) at a household with no counted contact."""
    visits = now.visits.merge(now.households[["household_id", "contacted", "block_id"]])
    found = visits[
        (visits["status"] == "not_counted")
        & (visits["outcome"] == "contact")
        & visits["in_window"]
        & ~visits["contacted"]
    ]
    assert len(found), "the demo has no flagged contact whose dismissal would count"
    return found.sort_values("visit_id").iloc[0]


def block_figures(now: Analysis, block_id: str) -> tuple[int, int]:
    row = now.blocks.set_index("block_id").loc[block_id]
    return int(row["contacted_households"]), int(row["households"])


def demo_block_name(units: gpd.GeoDataFrame, block_id: str) -> str:
    """A demo block's name as the app gives it: the streets around it (geo.block_names)."""
    graph = load_streets(DEMO_FILES["streets"], network_type=DEFAULTS.network_type)
    names = block_names(units, labelled_streets(graph)).set_axis(units["block_id"])
    return str(names[block_id])


def test_chief_dismisses_a_flagged_visit_and_its_block_coverage_rises(
    expected: dict[str, Analysis],
    demo_units: gpd.GeoDataFrame,
    demo_data: Dataset,
    demo_settings: Settings,
    demo_walk_graph: nx.MultiDiGraph,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(state.WORKSPACE_ENV, str(tmp_path))  # decisions of this test only
    now = expected["now"]
    visit = uncontacted_flagged_contact(now)
    contacted, households = block_figures(now, visit["block_id"])
    label = f"Coverage of block {md_text(demo_block_name(demo_units, visit['block_id']))}"
    at = run_app("quality", user="chief")
    listed = frame(at, "quality_visits")
    order = listed["Status"].tolist()
    assert order == sorted(order, key=["not counted", "review"].index)  # worst first
    assert listed.loc[listed["Visit"] == visit["visit_id"], "Reason"].iloc[0]
    at.selectbox(key="quality_visit").set_value(visit["visit_id"]).run()
    assert metrics(at)[label][0] == f"{contacted / households:.1%}"
    before = now.summary()["flagged_visits"]
    assert metrics(at)["Visits not counted"][0] == f"{before:,}"

    at.button(key="quality_dismiss").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # re-analysed with the decision: the contact counts, the block gains one household
    assert metrics(at)[label][0] == f"{(contacted + 1) / households:.1%}"
    assert metrics(at)["Visits not counted"][0] == f"{before - 1:,}"
    assert metrics(at)["Decided by a chief"][0] == "1"
    row = frame(at, "quality_visits").set_index("Visit").loc[visit["visit_id"]]
    assert (row["Status"], row["Chief's decision"], row["Decided by"]) == (
        "counted",
        "dismissed: counted",
        "chief",
    )
    stored = Workspace(tmp_path).reviews()
    assert stored[["visit_id", "decision", "reviewer"]].to_dict("records") == [
        {"visit_id": visit["visit_id"], "decision": "dismissed", "reviewer": "chief"}
    ]
    # the same figure straight from the pipeline run with the decision
    data, settings = demo_data, demo_settings
    direct = analyse(
        data.beats,
        data.households,
        data.visits,
        units=state.units(state.DEMO_REF, settings),
        walk_graph=demo_walk_graph,
        reviews=stored[["visit_id", "decision"]],
        settings=settings,
    )
    assert block_figures(direct, visit["block_id"]) == (contacted + 1, households)
    at.switch_page(PAGES["overview"]).run()
    assert metrics(at)["Visits not counted"][0] == f"{direct.summary()['flagged_visits']:,}"

    # withdrawn: back to the verifier's grade
    at.switch_page(PAGES["quality"]).run()
    at.selectbox(key="quality_visit").set_value(visit["visit_id"]).run()
    at.button(key="quality_withdraw").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at)[label][0] == f"{contacted / households:.1%}"
    assert Workspace(tmp_path).reviews().empty


@pytest.mark.parametrize("role", ["officer", "planner"])
def test_only_a_chief_reviews(
    expected: dict[str, Analysis],
    demo_data: Dataset,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    role: str,
) -> None:
    monkeypatch.setenv(state.WORKSPACE_ENV, str(tmp_path))
    now = expected["now"]
    visit = uncontacted_flagged_contact(now)
    if role == "officer":  # an officer of the visit's beat (the demo officer has B01 only)
        beat = now.households.set_index("household_id").loc[visit["household_id"], "beat_id"]
        account = add_account(tmp_path, "officer-of-the-visit", "officer", beats=[beat])
        at = run_app("quality", user=account.username, password=PASSWORD)
    else:
        account = Account("planner", "planner", (), (), demo=True)
        at = run_app("quality", user="planner")
    assert visit["visit_id"] in set(frame(at, "quality_visits")["Visit"])  # in their view
    at.selectbox(key="quality_visit").set_value(visit["visit_id"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [b for b in at.button if b.key and b.key.startswith("quality_")]
    assert "Only a chief can confirm or dismiss a visit." in [c.value for c in at.caption]
    # the action itself refuses, whatever a page draws
    ctx = Context(
        lang="en",
        account=account,
        scope=Scope.everything(),
        window=now.window,
        ref=state.DEMO_REF,
        dataset_name="demo",
        settings=DEFAULTS,
    )
    with pytest.raises(ReviewError, match=f"\\({role}\\) may not review visits.*only a chief"):
        ctx.review(visit["visit_id"], "dismissed")
    with pytest.raises(ReviewError, match="only a chief"):
        ctx.withdraw_review(visit["visit_id"])
    assert Workspace(tmp_path).reviews().empty


# --------------------------------------------------------------------------- Data page

BEATS_CSV = (
    "beat_id,name,station,officer_ids,geometry\n"
    'T1,Test beat,Test station,P9,"POLYGON ((24.947 60.177, 24.951 60.177, 24.951 60.179, '
    '24.947 60.179, 24.947 60.177))"\n'
)
HOUSEHOLDS_CSV = (
    "户号,地址,经度,纬度,弱势群体\n"
    "H1,Paasivuorenkatu 2,24.9496190,60.1779869,elderly_alone\n"
    "H2,Siltasaarenkatu 12,24.9494900,60.1785600,\n"
    "H3,<script>alert(1)</script>,24.9478900,60.1775000,\n"
)
VISITS_CSV = (
    "visit_id,household_id,officer_id,time,outcome,duration_min,lon,lat\n"
    "V1,H1,P9,2026-07-01T09:00:00+03:00,contact,10,24.94962,60.17799\n"
    "V2,H2,P9,2026-07-02T18:00:00+03:00,nobody_home,2,24.94949,60.17856\n"
)


def upload_files(at: AppTest, households: str) -> None:
    at.file_uploader(key="data_file_beats").set_value(("beats.csv", BEATS_CSV.encode(), "text/csv"))
    at.file_uploader(key="data_file_households").set_value(
        ("住户.csv", households.encode(), "text/csv")
    )
    at.file_uploader(key="data_file_visits").set_value(
        ("visits.csv", VISITS_CSV.encode(), "text/csv")
    )
    at.run()
    at.button(key="data_check").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_data_page_refuses_a_bad_upload_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(state.WORKSPACE_ENV, str(tmp_path))
    at = run_app("data", user="planner")
    bad = HOUSEHOLDS_CSV + "H1,again,24.9490,60.1780,\n"  # H1 twice: duplicate_id, fatal
    upload_files(at, bad)
    report = frame(at, "data_report")
    assert "duplicate id" in set(report["Problem"])
    assert (report["Severity"] == "fatal").any()
    assert report.loc[report["Problem"] == "duplicate id", "File"].iloc[0] == "住户.csv"
    assert at.error and "refused" in at.error[0].value
    assert not [b for b in at.button if b.key == "data_store"]
    assert Workspace(tmp_path).current_id() is None


def test_data_page_stores_a_good_upload_and_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_data: Dataset
) -> None:
    monkeypatch.setenv(state.WORKSPACE_ENV, str(tmp_path))
    at = run_app("data", user="planner")
    at.text_input(key="data_label").set_value("*T1* [x](javascript:alert(1))")
    upload_files(at, HOUSEHOLDS_CSV)
    assert at.success and "accepted" in at.success[0].value
    at.button(key="data_store").click().run()
    assert not at.exception, [e.value for e in at.exception]
    ws = Workspace(tmp_path)
    current = ws.current_id()
    assert current is not None and ws.load(current).households["household_id"].tolist() == [
        "H1",
        "H2",
        "H3",
    ]
    # stored through an audited action, by the demo planner
    log = AuditLog(ws).rows()
    assert log.loc[log["action"].isin(["import", "make_current"]), "username"].tolist() == [
        "planner",
        "planner",
    ]
    # real data now: the demo accounts are gone and the session with them; with no account
    # left, the login page says how to create the first admin
    assert at.title[0].value == "Log in"
    assert "python -m analysis users add NAME --role admin" in at.error[0].value
    assert not [i for i in at.text_input if i.key == "login_password"]
    add_account(tmp_path, "admin", "admin")
    at.run()
    log_in(at, "admin", PASSWORD)
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(PAGES["overview"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at)["Households"][0] == "3"
    # contact on H1 only (H2 nobody home, H3 never visited): 1 of 3
    assert metrics(at)["Coverage"][0] == "33.3%"
    # the label is data: shown as text, not as Markdown emphasis or a link
    caption = [c.value for c in at.sidebar.caption if "T1" in c.value][0]
    assert caption == r"Dataset: \*T1\* \[x\]\(javascript\:alert\(1\)\)"
    # the hostile address reaches the My beat map only escaped (Leaflet inserts HTML)
    at.switch_page(PAGES["my_beat"]).run()
    assert not at.exception, [e.value for e in at.exception]
    script = map_args(at)[0]["script"].replace("\\u0026", "&")  # JSON escapes "&"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in script
    assert "<script>alert(1)" not in script and "\\u003cscript" not in script
    listed = frame(at, "my_beat_todo")  # every household, the to-dos first
    assert listed["Household"].tolist()[2:] == ["H1"]
    assert set(listed["Household"].iloc[:2]) == {"H2", "H3"}
    at.switch_page(PAGES["data"]).run()
    at.button(key="data_demo").click().run()
    assert not at.exception
    at.switch_page(PAGES["overview"]).run()
    assert metrics(at)["Households"][0] == f"{len(demo_data.households):,}"


def test_data_far_from_the_demo_streets_uses_hexagon_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(state.WORKSPACE_ENV, str(tmp_path))
    workspace_dir = tmp_path
    add_account(tmp_path, "zhou", "planner")
    # a beat in Shanghai: the demo's Nanjing streets enclose none of it, so the units are
    # H3 cells (ids "H..."), and no walk is measured on streets 270 km away (no visit is
    # flagged impossible_travel: the two visits are 30 min and ~130 m apart)
    beats = (
        "beat_id,officer_ids,geometry\n"
        'S1,P1,"POLYGON ((121.470 31.230, 121.476 31.230, 121.476 31.235, 121.470 31.235, '
        '121.470 31.230))"\n'
    )
    homes = "户号,地址,经度,纬度\nA,x,121.4710,31.2310\nB,y,121.4720,31.2320\n"
    visits = (
        "走访编号,户号,民警,走访时间,走访结果,时长(分钟),经度,纬度\n"
        "V1,A,P1,2026-07-01 09:00,见面,10,121.4710,31.2310\n"
        "V2,B,P1,2026-07-01 09:30,见面,10,121.4720,31.2320\n"
    )
    at = run_app("data", user="zhou", password=PASSWORD)
    at.text_input(key="data_timezone").set_value("Asia/Shanghai")
    at.file_uploader(key="data_file_beats").set_value(("beats.csv", beats.encode(), "text/csv"))
    at.file_uploader(key="data_file_households").set_value(("h.csv", homes.encode(), "text/csv"))
    at.file_uploader(key="data_file_visits").set_value(("v.csv", visits.encode(), "text/csv"))
    at.run()
    at.button(key="data_check").click().run()
    at.button(key="data_store").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert Workspace(workspace_dir).load(Workspace(workspace_dir).current_id()).timezone == (
        "Asia/Shanghai"
    )
    at.switch_page(PAGES["overview"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at)["Coverage"][0] == "100.0%"
    assert metrics(at)["Visits not counted"][0] == "0"
    at.switch_page(PAGES["my_beat"]).run()
    assert not at.exception, [e.value for e in at.exception]
    cells = frame(at, "my_beat_bands")["Block"]
    assert len(cells) and all(b.startswith("H") for b in cells)
    # and the page says why there are no street blocks
    (notice,) = [i.value for i in at.info if "hexagonal cells" in i.value]
    assert "(H3, resolution 9, about 0.1 km² each)" in notice


def test_upload_helpers_name_files_and_coordinates() -> None:
    assert safe_name("C:\\Users\\x\\走访.xlsx", fallback="visits") == "走访.xlsx"
    assert crs_choice("bd09") == "bd09"
    with pytest.raises(ValueError, match="not an EPSG code"):
        crs_choice("epsg", "abc")
    checked = check_upload(
        {
            "beats": Upload("b.txt", b"not,a\nbeat,file\n"),
            "households": Upload("h.csv", HOUSEHOLDS_CSV.encode()),
            "visits": Upload("v.pdf", b"%PDF"),
        },
        crs=None,
        settings=DEFAULTS.replace(timezone="Europe/Helsinki"),
        label="x",
    )
    assert not checked.accepted
    assert (checked.report["severity"] == "fatal").all()

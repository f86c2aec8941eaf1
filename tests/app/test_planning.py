"""The Planning page with Streamlit's AppTest: for planners and admins only; Propose on the demo
evens the beats as the ``plan`` command does; the download reads back through the importer;
Make current stores the plan as the current dataset with one ``plan_change`` audit row, and
every page follows it.

Each test has a workspace of its own (``tmp_path``); while it holds no data and no real
account the app shows the embedded demo and the demo accounts log in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.pipeline import Analysis
from analysis.plan_proposal import Proposal, plan_visits, propose
from app import planning, state
from app.i18n import has_key, translate
from app.shell import PAGES, pages_for
from geo.accounts import Account
from geo.audit import AuditLog
from geo.errors import PlanError
from geo.importer import Dataset, read_beats
from geo.workspace import Workspace
from tests.app.test_pages import frame, map_args, metrics
from tests.support.downloads import Downloads, downloads_fixture  # noqa: F401
from tests.support.login import PASSWORD, add_account, logged_in
from tests.support.shared_caches import caches_unchanged  # noqa: F401 (autouse)

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
PAGE = "app/pages/planning.py"
TARGET = 1.10  # the acceptance, as tests/analysis/test_plan_cli.py asserts it


@pytest.fixture
def workspace_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(state.WORKSPACE_ENV, str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def demo_proposal(demo_analysis: Analysis, demo_data: Dataset) -> Proposal:
    """Today's demo beats rebalanced directly (no app code)."""
    visits = plan_visits(demo_data.visits, demo_analysis.visits)
    return propose(demo_analysis.blocks, demo_data.beats, visits)


def planning_page(user: str, password: str | None = None, *, lang: str = "en") -> AppTest:
    at = logged_in(APP, user, lang=lang, **({} if password is None else {"password": password}))
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def propose_plan(at: AppTest) -> None:
    at.button(key="planning_propose").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_only_planners_and_admins_get_the_page(workspace_dir: Path) -> None:
    assert [p.key for p in PAGES if p.key == "planning"] == ["planning"]
    for role in ("admin", "planner"):
        assert "planning" in [p.key for p in pages_for(role)]
    for role in ("chief", "officer"):
        assert "planning" not in [p.key for p in pages_for(role)]
    for user in ("chief", "officer"):  # not in their navigation: no switching to it
        at = logged_in(APP, user)
        with pytest.raises(ValueError, match="planning.py"):
            at.switch_page(PAGE)


def test_propose_on_the_demo_evens_the_beats_and_downloads_the_plan(
    workspace_dir: Path, downloads: Downloads
) -> None:
    at = planning_page("planner")
    assert at.title[0].value == "Planning beats"
    assert [i.value for i in at.info] == [translate("planning.nothing_yet", "en")]
    assert at.radio(key="planning_mode").value == "today"
    today = at.number_input(key="planning_beats").value
    propose_plan(at)
    shown = metrics(at)
    before = float(shown["Imbalance today"][0])
    after = float(shown["Imbalance in the plan"][0])
    assert before > after and after <= TARGET
    assert int(shown["Blocks moved"][0]) > 0
    assert shown["Beats"][0] == f"{today} → {today}"
    assert shown["Every beat in one piece"][0] == "yes"
    assert len(map_args(at)) == 2  # today and the plan, side by side (offline: test_pages)
    table = frame(at, "planning_beats_table")
    assert len(table) == today
    assert max(table["Workload (min)"]) / min(table["Workload (min)"]) == pytest.approx(
        after, abs=0.01
    )
    assert table["Households"].sum() == table["Households today"].sum()
    # the download reads back through the importer as the same number of beats
    content = downloads.file(at, "planning_download")
    path = workspace_dir / "plan.geojson"
    path.write_bytes(content)
    back = read_beats(path)
    assert back.report.ok, str(back.report)
    assert len(back.table) == today
    assert sorted(back.table["beat_id"]) == sorted(table["Beat"])
    exports = AuditLog(Workspace(workspace_dir)).rows(action="export")
    assert exports["target"].tolist() == ["plan.geojson"]
    # a demo account is not offered Make current (it would end the demo)
    assert not [b for b in at.button if b.key == "planning_make_current"]
    assert translate("planning.demo_account", "en") in [i.value for i in at.info]
    # the same page in Chinese
    at.sidebar.radio(key="lang").set_value("zh").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == translate("planning.title", "zh")
    assert {"现有不均衡度", "方案不均衡度", "调整的街区"} <= set(metrics(at))


def test_a_planner_makes_the_plan_current_and_every_page_follows(workspace_dir: Path) -> None:
    add_account(workspace_dir, "zhou", "planner")  # a real account: the demo stays shown
    at = planning_page("zhou", PASSWORD)
    propose_plan(at)
    moved = int(metrics(at)["Blocks moved"][0])
    plan_table = frame(at, "planning_beats_table").set_index("Beat")
    at.button(key="planning_make_current").click().run()
    assert at.warning and "Make the plan current?" in at.warning[0].value
    assert Workspace(workspace_dir).current_id() is None  # nothing before the confirmation
    at.button(key="planning_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.success and "The plan is current" in at.success[0].value

    ws = Workspace(workspace_dir)
    stored = ws.list()
    assert len(stored) == 2  # the demo (the way back to it) and the plan
    current = ws.current_id()
    assert current is not None and current != state.DEMO_ID
    rows = AuditLog(ws).rows()
    changes = rows[rows["action"] == "plan_change"]
    assert len(changes) == 1
    change = changes.iloc[0]
    assert (change["username"], change["role"]) == ("zhou", "planner")
    assert change["target"].startswith(f"{current} rebalance: 6 -> 6 beats, {moved} blocks moved")
    assert "imbalance" in change["target"]
    assert rows.loc[rows["action"] == "make_current", "target"].str.startswith(current).sum() == 1
    # the new dataset: the demo's households and visits, the plan's beats
    demo = state.demo_dataset()
    planned = ws.load(current)
    assert len(planned.households) == len(demo.households)
    assert len(planned.visits) == len(demo.visits)
    assert not planned.beats.geometry.geom_equals(demo.beats.geometry).all()

    # the Overview follows: each beat's households are the plan's
    at.switch_page("app/pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    beats = frame(at, "overview_beats").set_index("Beat")
    assert beats["Households"].to_dict() == plan_table["Households"].to_dict()
    assert beats["Households"].to_dict() != plan_table["Households today"].to_dict()
    # planning again from the plan: nothing left to move, nothing to make current
    at.switch_page(PAGE).run()
    propose_plan(at)
    assert metrics(at)["Blocks moved"][0] == "0"
    assert translate("planning.no_change", "en") in [i.value for i in at.info]


def test_make_current_is_for_planners_and_admins_only(
    workspace_dir: Path, demo_proposal: Proposal
) -> None:
    ws = Workspace(workspace_dir)
    for role in ("chief", "officer"):
        account = Account(f"a {role}", role, (), (), demo=False)
        with pytest.raises(PlanError, match="only a planner or an admin"):
            planning.make_current(
                demo_proposal, account=account, ref=state.DEMO_REF, workspace=ws, label="x"
            )
    demo_planner = Account("planner", "planner", (), (), demo=True)
    with pytest.raises(PlanError, match="demo account"):
        planning.make_current(
            demo_proposal, account=demo_planner, ref=state.DEMO_REF, workspace=ws, label="x"
        )
    assert ws.list().empty and AuditLog(ws).rows().empty


def test_every_planning_text_is_in_both_languages() -> None:
    keys = [f"planning.moves_{i}" for i in range(len(planning.MOVE_PENALTIES))]
    keys += [f"plan_status.{s}" for s in ("kept", "new", "removed", "unplanned")]
    keys += [f"col.{c}" for c in planning.TABLE_COLUMNS]
    keys += ["page.planning", "planning.mode_today", "planning.mode_fresh"]
    assert [(k, lang) for k in keys for lang in ("en", "zh") if not has_key(k, lang)] == []

"""Logging in with Streamlit's AppTest: nothing before a login, the lockout, scope from the
account (an officer's beat, a chief's station), no Data page for officers, the audit trail of
logins, reviews, exports and household views, timeouts and logout, and the first-run page.

Each test has a workspace of its own (``tmp_path``). While it holds no data and no real
account the app shows the embedded demo and the demo accounts log in.
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.scope import household_beats
from app import auth, state
from app.shell import PAGES
from app.upload import Checked, store
from geo.accounts import DEMO_PASSWORD, Account, Accounts
from geo.audit import Actor, AuditLog
from geo.errors import BeatcovError
from geo.importer import Dataset
from geo.workspace import Workspace
from tests.app.test_pages import HOUSEHOLDS_CSV, frame, metrics, upload_files
from tests.support.downloads import Downloads, downloads_fixture  # noqa: F401
from tests.support.login import PASSWORD, add_account, log_in, logged_in
from tests.support.shared_caches import caches_unchanged  # noqa: F401 (autouse)

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
PAGE_FILES = {spec.key: f"app/pages/{spec.file}" for spec in PAGES}


@pytest.fixture
def workspace_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(state.WORKSPACE_ENV, str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def beat_of(demo_data: Dataset) -> pd.Series:
    """Each demo household's beat, by the polygon holding it (not through the app)."""
    return household_beats(demo_data.households, demo_data.beats)


def login_page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_text(at: AppTest) -> str:
    parts = [
        *at.title,
        *at.markdown,
        *at.caption,
        *at.info,
        *at.warning,
        *at.error,
        *at.success,
        *at.sidebar.caption,
        *at.sidebar.markdown,
    ]
    return "\n".join(str(p.value) for p in parts)


def audit(folder: Path) -> pd.DataFrame:
    return AuditLog(Workspace(folder)).rows()


def test_before_login_there_is_no_data_no_officer_list_and_no_page(
    workspace_dir: Path, demo_data: Dataset
) -> None:
    at = login_page()
    assert [t.value for t in at.title] == ["Log in"]
    assert "Authorised police use only" in at.warning[0].value
    assert "Demo accounts, for the demo only: `chief`, `planner`, `officer`" in at.info[0].value
    assert "`beatcov-demo`" in at.info[0].value
    # nothing of the data: no table, figure, map, window, selector
    assert not at.dataframe and not at.metric and not at.selectbox and not at.date_input
    assert not at.get("component_instance") and not at.download_button
    assert [r.key for r in at.sidebar.radio] == ["lang"] and not at.sidebar.selectbox
    officers = set(";".join(demo_data.beats["officer_ids"]).split(";"))
    text = shown_text(at)
    assert officers and not [o for o in officers if o in text]
    assert "B01" not in text and "Nanjing" not in text
    # no page but this one, however it is asked for
    for path in PAGE_FILES.values():
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(path)
    # the login page says the same in Chinese
    zh = login_page("zh")
    assert zh.title[0].value == "登录" and "仅限授权警务人员使用" in zh.warning[0].value


def test_five_wrong_passwords_lock_the_account(workspace_dir: Path) -> None:
    at = login_page()
    for _ in range(4):
        log_in(at, "chief", "not the password")
        assert [e.value for e in at.error] == ["Wrong username or password."]
    log_in(at, "chief", "not the password")
    assert "this account is locked for 15 minutes" in at.error[0].value
    # the right password is refused while the lock lasts
    log_in(at, "chief", DEMO_PASSWORD)
    assert "locked" in at.error[0].value and at.title[0].value == "Log in"
    assert not at.dataframe and not at.metric
    # the lock ends (moved into the past in the database): the right password logs in
    with sqlite3.connect(workspace_dir / "workspace.sqlite") as conn:
        conn.execute(
            "UPDATE accounts SET locked_until = '2000-01-01T00:00:00.000000+00:00' "
            "WHERE username = 'chief'"
        )
    conn.close()
    log_in(at, "chief", DEMO_PASSWORD)
    assert at.title[0].value == "Overview" and not at.error
    rows = audit(workspace_dir)
    logins = rows[rows["action"].isin(["login", "failed_login"])]
    assert logins["outcome"].str.split(";").str[0].tolist() == [
        *["wrong_password"] * 5,
        "locked",
        "ok",
    ]
    assert set(logins["username"]) == {"chief"}


def test_officer_sees_and_downloads_only_their_beat(
    workspace_dir: Path, beat_of: pd.Series, downloads: Downloads
) -> None:
    b01 = set(beat_of[beat_of == "B01"].index)
    at = logged_in(APP, "officer")
    assert "Logged in as officer · officer of B01" in shown_text(at)
    assert "Demo account: for the demo only." in [w.value for w in at.sidebar.warning]
    assert list(frame(at, "overview_beats")["Beat"]) == ["B01"]
    # the upward report of what the officer may see: their beat, no other
    others = {f"B0{i}" for i in range(2, 7)}
    sheets = pd.read_excel(io.BytesIO(downloads.file(at, "overview_report_xlsx")), sheet_name=None)
    cells = {str(v) for sheet in sheets.values() for v in sheet.astype(str).to_numpy().ravel()}
    assert "B01" in cells and not cells & others
    pdf = downloads.file(at, "overview_report_pdf")
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert "B01" in text and not [b for b in others if b in text]
    at.switch_page(PAGE_FILES["my_beat"]).run()
    assert [o.split()[0] for o in at.selectbox(key="my_beat_beat").options] == ["B01"]
    todo = frame(at, "my_beat_todo")
    assert len(todo) and set(todo["Household"]) <= b01
    # the file itself: the same households, no other beat's
    downloaded = pd.read_csv(
        io.BytesIO(downloads.file(at, "my_beat_todo_csv")), encoding="utf-8-sig", dtype=str
    )
    assert downloaded["Household"].tolist() == todo["Household"].tolist()
    # the officer's selector of households offers their beat's only
    choices = at.selectbox(key="my_beat_household").options
    assert {c.split()[0] for c in choices} == b01
    rows = audit(workspace_dir)
    exports = rows.loc[rows["action"] == "export", ["username", "role", "target"]]
    assert set(exports["username"]) == {"officer"} and set(exports["role"]) == {"officer"}
    targets = exports["target"].tolist()
    assert [t.rsplit(".", 1)[-1] for t in targets] == ["xlsx", "pdf", "csv"]
    assert targets[0].startswith("report_") and targets[2] == "households_B01.csv"


def test_officer_cannot_reach_data_or_audit(workspace_dir: Path) -> None:
    at = logged_in(APP, "officer")
    for key in ("data", "audit"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE_FILES[key])
    at.switch_page(PAGE_FILES["quality"]).run()
    assert not at.exception
    # and the action behind the Data page refuses an officer, whatever a page draws
    with pytest.raises(BeatcovError, match=r"officer \(officer\) may not import data"):
        store(
            Checked(None, pd.DataFrame()),
            Workspace(workspace_dir),
            actor=Actor("officer", "officer"),
        )
    assert Workspace(workspace_dir).current_id() is None


def test_a_household_viewed_on_my_beat_is_recorded_once(workspace_dir: Path) -> None:
    at = logged_in(APP, "officer")
    at.switch_page(PAGE_FILES["my_beat"]).run()
    choice = at.selectbox(key="my_beat_household")
    household = choice.options[0].split()[0]
    choice.set_value(household).run()
    assert not at.exception, [e.value for e in at.exception]
    assert frame(at, "my_beat_household_row")["Household"].tolist() == [household]
    shown = frame(at, "my_beat_household_visits")["Household"]
    assert set(shown) <= {household}
    at.run()  # the same household still open: not recorded again
    rows = audit(workspace_dir)
    assert rows.loc[rows["action"] == "view_household", "target"].tolist() == [
        f"household {household}"
    ]


def test_a_chiefs_review_and_export_appear_on_the_audit_page(
    workspace_dir: Path, downloads: Downloads
) -> None:
    at = logged_in(APP, "chief")
    beats = downloads.file(at, "overview_beats_csv")
    assert beats.decode("utf-8-sig").startswith("Beat,")
    at.switch_page(PAGE_FILES["quality"]).run()
    visit = at.selectbox(key="quality_visit").options[0].split(" · ")[0]
    at.selectbox(key="quality_visit").set_value(visit).run()
    at.button(key="quality_dismiss").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(PAGE_FILES["audit"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Audit trail"
    assert at.success[0].value.startswith("The chain verifies: 4 rows")
    table = frame(at, "audit_table")
    assert table[["User", "Action", "Target"]].values.tolist() == [
        ["chief", "review decision", f"visit {visit}: dismissed"],
        ["chief", "export", "beats.csv"],
        ["chief", "login", ""],
        ["system", "account change", "demo accounts added: chief, planner, officer"],
    ]
    assert table["Row"].tolist() == [4, 3, 2, 1]  # newest first
    at.selectbox(key="audit_action").set_value("review").run()
    assert frame(at, "audit_table")["Target"].tolist() == [f"visit {visit}: dismissed"]
    at.selectbox(key="audit_action").set_value("").run()
    at.selectbox(key="audit_user").set_value("system").run()
    assert frame(at, "audit_table")["Row"].tolist() == [1]
    # someone edits the export's row in the database: the page says where the chain breaks
    with sqlite3.connect(workspace_dir / "workspace.sqlite") as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET target = 'nothing.csv' WHERE seq = 3")
    conn.close()
    at.run()
    assert at.error[0].value == (
        "The chain is broken at row 3: its content was changed after it was written."
    )


def test_logout_idle_timeout_and_session_limit(workspace_dir: Path) -> None:
    at = logged_in(APP, "planner")
    at.sidebar.button(key="logout").click().run()
    assert at.title[0].value == "Log in" and not at.metric
    log_in(at, "planner")
    session = at.session_state[auth.SESSION_KEY]
    session.last_seen -= dt.timedelta(minutes=31)
    at.run()
    assert at.title[0].value == "Log in"
    assert "You were logged out after a while without activity" in at.info[0].value
    log_in(at, "planner")
    session = at.session_state[auth.SESSION_KEY]
    session.login_at -= dt.timedelta(hours=12)
    at.run()
    assert "Your session reached its time limit" in at.info[0].value
    rows = audit(workspace_dir)
    assert rows.loc[rows["action"] == "logout", "outcome"].tolist() == [
        "ok",
        "idle_timeout",
        "session_limit",
    ]


def test_a_disabled_account_is_logged_out_at_its_next_action(workspace_dir: Path) -> None:
    add_account(workspace_dir, "zhou", "planner")
    at = logged_in(APP, "zhou", password=PASSWORD)
    Accounts(Workspace(workspace_dir)).disable("zhou")
    at.run()
    assert at.title[0].value == "Log in" and "This account was disabled." in shown_text(at)


def test_a_chief_sees_the_beats_of_their_station(workspace_dir: Path, demo_data: Dataset) -> None:
    data = demo_data
    station = "五老村派出所"
    mine = sorted(data.beats.loc[data.beats["station"] == station, "beat_id"])
    assert 0 < len(mine) < len(data.beats)
    add_account(workspace_dir, "li", "chief", stations=[station])
    at = logged_in(APP, "li", password=PASSWORD)
    assert sorted(frame(at, "overview_beats")["Beat"]) == mine
    # a real account exists: the demo accounts no longer log in, and no banner is shown
    fresh = login_page()
    assert not fresh.info
    log_in(fresh, "chief", DEMO_PASSWORD)
    assert [e.value for e in fresh.error] == ["Wrong username or password."]


def test_a_workspace_with_data_and_no_account_says_how_to_create_the_admin(
    workspace_dir: Path,
) -> None:
    at = logged_in(APP, "planner")
    at.switch_page(PAGE_FILES["data"]).run()
    upload_files(at, HOUSEHOLDS_CSV)
    at.button(key="data_store").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Log in"
    assert "Real data or a real account was added" in at.info[0].value
    (advice,) = [e.value for e in at.error]
    assert "python -m analysis users add NAME --role admin" in advice
    assert not at.text_input  # no form: there is no account to log in with
    assert Accounts(Workspace(workspace_dir)).list().empty  # the demo accounts are gone
    # once an admin exists, the form is back and the demo banner is not
    add_account(workspace_dir, "admin", "admin")
    again = login_page()
    assert [i.key for i in again.text_input] == ["login_username", "login_password"]
    assert not again.info
    log_in(again, "admin", PASSWORD)
    assert metrics(again)["Households"][0] == "3"


def test_who_may_clear_the_caches() -> None:
    now = dt.datetime.now(dt.UTC)
    fresh = auth.Session("zhou", now, now)
    idle = auth.Session("zhou", now, now - dt.timedelta(minutes=31))
    planner = Account("zhou", "planner", (), ())

    def state(account: Account | None, session: auth.Session | None) -> dict[str, object]:
        return {auth.ACCOUNT_KEY: account, auth.SESSION_KEY: session}

    assert auth.may_clear_cache(state(planner, fresh))
    assert auth.may_clear_cache(state(Account("root", "admin", (), ()), fresh))
    assert not auth.may_clear_cache(state(Account("wang", "officer", ("B01",), ()), fresh))
    assert not auth.may_clear_cache(state(Account("li", "chief", (), ("S1",)), fresh))
    assert not auth.may_clear_cache(state(planner, idle))  # timed out since its last run
    assert not auth.may_clear_cache({})  # before a login

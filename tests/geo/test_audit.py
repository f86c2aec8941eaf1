"""The audit trail: the hash chain worked out by hand, every way of tampering caught at the
right row, append-only guards, retention that keeps the chain verifiable, and the
workspace's own actions (import, make current, review) written with their rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from pathlib import Path

import pytest

from geo.audit import GENESIS, SYSTEM, Actor, AuditLog, canonical, row_hash, verify_rows
from geo.errors import AuditError, WorkspaceError
from geo.settings import DEFAULTS
from geo.workspace import Workspace
from tests.geo.test_workspace import make_dataset
from tests.support.backends import raw

pytestmark = pytest.mark.usefixtures("backend")


T0 = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
CHIEF = Actor("chief", "chief")


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(Workspace(tmp_path))
    audit.record(CHIEF, "login", now=day(0))
    audit.record(CHIEF, "review", "visit V7: dismissed", now=day(1))
    audit.record(Actor("王警官", "officer"), "export", "to_visit_B01.csv", now=day(2))
    audit.record(CHIEF, "logout", "", "idle_timeout", now=day(3))
    return audit


def test_the_first_rows_hashes_by_hand(log: AuditLog) -> None:
    content = (
        '{"action":"login","at":"2026-07-01T08:00:00.000000+00:00","outcome":"ok",'
        '"role":"chief","seq":1,"target":"","username":"chief"}'
    )
    first = hashlib.sha256((GENESIS + content).encode("utf-8")).hexdigest()
    rows = log.rows()
    assert rows["seq"].tolist() == [1, 2, 3, 4]
    assert rows["hash"].iloc[0] == first
    assert rows["prev_hash"].tolist() == [GENESIS, *rows["hash"].iloc[:3]]
    second = {
        "seq": 2,
        "at": "2026-07-02T08:00:00.000000+00:00",
        "username": "chief",
        "role": "chief",
        "action": "review",
        "target": "visit V7: dismissed",
        "outcome": "ok",
    }
    assert rows["hash"].iloc[1] == row_hash(first, second)
    third = second | {"seq": 3, "username": "王警官", "role": "officer"}
    assert '"username":"王警官"' in canonical(third)  # UTF-8 text, not \\u escapes
    check = log.verify()
    assert (check.ok, check.rows, check.first_bad, check.head) == (
        True,
        4,
        None,
        rows["hash"].iloc[3],
    )


def test_an_edited_row_is_named(log: AuditLog, tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="append-only"):
        with log.database.transaction("tampering") as conn:
            conn.execute("UPDATE audit_log SET target = 'visit V7: confirmed' WHERE seq = 2")
    assert log.verify().ok
    with raw(log.database) as conn:
        conn.execute("UPDATE audit_log SET target = 'visit V7: confirmed' WHERE seq = 2")
    check = log.verify()
    assert (check.ok, check.first_bad, check.code, check.rows) == (False, 2, "content", 2)
    assert "the row was changed" in check.reason


def test_a_deleted_row_is_named(log: AuditLog, tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="append-only"):
        with log.database.transaction("tampering") as conn:
            conn.execute("DELETE FROM audit_log WHERE seq = 2")
    with raw(log.database) as conn:
        conn.execute("DELETE FROM audit_log WHERE seq = 2")
    check = log.verify()
    assert (check.first_bad, check.code) == (3, "missing")
    assert check.reason == "row 2 is missing (the next row is 3): rows were deleted"


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_one(
    log: AuditLog, tmp_path: Path
) -> None:
    rows = log.rows()
    forged = {
        "seq": 2,
        "at": "2026-07-02T08:00:00.000000+00:00",
        "username": "chief",
        "role": "chief",
        "action": "review",
        "target": "visit V7: confirmed",
        "outcome": "ok",
    }
    with raw(log.database) as conn:
        conn.execute(
            "UPDATE audit_log SET target = ?, hash = ? WHERE seq = 2",
            (forged["target"], row_hash(rows["hash"].iloc[0], forged)),
        )
    check = log.verify()
    assert (check.first_bad, check.code) == (3, "prev_hash")


def test_an_inserted_row_is_named(log: AuditLog, tmp_path: Path) -> None:
    with raw(log.database) as conn:
        conn.execute(
            "INSERT INTO audit_log VALUES (5, '2026-07-05T00:00:00.000000+00:00', 'chief', "
            "'chief', 'export', 'all.csv', 'ok', ?, ?)",
            (log.rows()["hash"].iloc[3], "f" * 64),
        )
    check = log.verify()
    assert (check.first_bad, check.code) == (5, "content")
    # a row given a free number before the others
    with raw(log.database) as conn:
        conn.execute("DELETE FROM audit_log WHERE seq = 5")
        conn.execute("UPDATE audit_log SET seq = seq + 10")
        conn.execute(
            "INSERT INTO audit_log VALUES (3, '2026-07-05T00:00:00.000000+00:00', 'x', 'x', "
            "'export', 'x', 'ok', ?, ?)",
            (GENESIS, "0" * 64),
        )
    assert log.verify().first_bad == 3


def test_retention_prunes_the_oldest_rows_and_the_rest_verifies(
    log: AuditLog, tmp_path: Path
) -> None:
    # 1,095 days before 2029-07-05 08:00 UTC is 2026-07-06 08:00 (2028 is a leap year):
    # rows 1-4 of 1-4 July 2026 are older; row 5 (7 July) is kept
    log.record(CHIEF, "login", now=day(6))
    now = dt.datetime(2029, 7, 5, 8, 0, tzinfo=dt.UTC)
    assert now - dt.timedelta(days=DEFAULTS.audit_retention_days) == day(5)
    assert log.prune(SYSTEM, now=now) == 4
    rows = log.rows()
    assert rows["seq"].tolist() == [5, 6]
    assert rows["action"].tolist() == ["login", "prune"]
    assert rows["target"].iloc[1] == "rows 1-4 (before 2026-07-06)"
    assert log.verify().ok and log.verify().rows == 2
    assert log.prune(SYSTEM, now=now) == 0  # nothing more to prune, nothing recorded
    assert len(log.rows()) == 2
    # a kept row cannot be removed through the guard; removed by hand, it is caught
    with pytest.raises(WorkspaceError, match="append-only"):
        with log.database.transaction("tampering") as conn:
            conn.execute("DELETE FROM audit_log WHERE seq = 5")
    with raw(log.database) as conn:
        conn.execute("DELETE FROM audit_log WHERE seq = 5")
    assert (log.verify().first_bad, log.verify().code) == (6, "missing")


def test_rows_filter_and_order(log: AuditLog) -> None:
    newest = log.rows(newest_first=True)
    assert newest["seq"].tolist() == [4, 3, 2, 1]
    assert log.rows(username="chief", action="review")["target"].tolist() == ["visit V7: dismissed"]
    assert log.rows(newest_first=True, limit=2)["seq"].tolist() == [4, 3]
    assert log.usernames() == ["chief", "王警官"]
    assert str(newest["at"].dtype) == "datetime64[us, UTC]"


def test_bad_rows_are_refused(log: AuditLog) -> None:
    with pytest.raises(AuditError, match="'delete' is not an audit action"):
        log.record(CHIEF, "delete")
    with pytest.raises(AuditError, match="needs who acted"):
        log.record(Actor(" ", "chief"), "login")
    with pytest.raises(AuditError, match="has no time zone"):
        log.record(CHIEF, "login", now=dt.datetime(2026, 7, 1))
    assert len(log.rows()) == 4


def test_the_workspace_audits_imports_current_changes_and_reviews(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    planner = Actor("zhou", "planner")
    first = ws.save(make_dataset(), actor=planner)
    ws.save(make_dataset(), actor=planner)  # the same content again
    second = ws.save(make_dataset(note="other"), make_current=False, actor=planner)
    ws.set_current(second, actor=planner)
    ws.record_review("V01", "confirmed", reviewer="chief", actor=CHIEF)
    ws.withdraw_review("V01", actor=CHIEF)
    rows = AuditLog(ws).rows()
    label = "测试 dataset"
    assert rows[["username", "action", "target", "outcome"]].to_dict("records") == [
        {"username": "zhou", "action": "import", "target": f"{first} {label}", "outcome": "ok"},
        {
            "username": "zhou",
            "action": "make_current",
            "target": f"{first} {label}",
            "outcome": "ok",
        },
        {
            "username": "zhou",
            "action": "import",
            "target": f"{first} {label}",
            "outcome": "already_stored",
        },
        {
            "username": "zhou",
            "action": "make_current",
            "target": f"{first} {label}",
            "outcome": "ok",
        },
        {"username": "zhou", "action": "import", "target": f"{second} {label}", "outcome": "ok"},
        {
            "username": "zhou",
            "action": "make_current",
            "target": f"{second} {label}",
            "outcome": "ok",
        },
        {
            "username": "chief",
            "action": "review",
            "target": "visit V01: confirmed",
            "outcome": "ok",
        },
        {
            "username": "chief",
            "action": "review",
            "target": "visit V01: withdrawn",
            "outcome": "ok",
        },
    ]
    assert AuditLog(ws).verify().ok
    # a failed change writes no audit row (one transaction)
    with pytest.raises(WorkspaceError):
        ws.set_current("0" * 12, actor=planner)
    assert len(AuditLog(ws).rows()) == 8


def test_verify_rows_on_an_empty_log(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    with ws.reading("t") as conn:
        check = verify_rows(conn)
    assert (check.ok, check.rows, check.head) == (True, 0, GENESIS)


def test_sessions_appending_at_once_write_one_chain(tmp_path: Path) -> None:
    # four sessions (each its own workspace object and connections, as four processes or
    # stations would be) append ten rows each at once: one chain of 40, never a fork
    Workspace(tmp_path)
    errors: list[BaseException] = []

    def session(n: int) -> None:
        try:
            log = AuditLog(Workspace(tmp_path))
            for i in range(10):
                log.record(Actor(f"officer{n}", "officer"), "view_household", f"H{i}")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    log = AuditLog(Workspace(tmp_path))
    rows = log.rows()
    assert rows["seq"].tolist() == list(range(1, 41))
    assert rows["prev_hash"].tolist()[1:] == rows["hash"].tolist()[:-1]
    assert rows.groupby("username").size().tolist() == [10, 10, 10, 10]
    assert log.verify().ok


def test_truncating_the_log_is_refused(log: AuditLog) -> None:
    # SQLite has no TRUNCATE; on PostgreSQL it fires no row trigger, so it has its own guard
    statement = (
        "DELETE FROM audit_log" if log.database.db.dialect == "sqlite" else ("TRUNCATE audit_log")
    )
    with pytest.raises(WorkspaceError, match="append-only"):
        with log.database.transaction("tampering") as conn:
            conn.execute(statement)
    assert len(log.rows()) == 4

"""``python -m analysis users ...`` and ``audit ...``: the first admin made from the command
line, every change audited, ``audit verify`` failing (exit 1, naming the row) after a row is
edited in the database, exports written whole, bad input refused with exit 2."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli import main
from geo.accounts import Accounts
from geo.audit import AuditLog
from geo.logins import authenticate
from geo.workspace import WORKSPACE_ENV, Workspace
from tests.support.backends import raw

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(args)


def add(folder: Path, monkeypatch: pytest.MonkeyPatch, name: str, *options: str) -> int:
    args = ["users", "add", name, *options, "--password-stdin", "--workspace", str(folder)]
    return run(args, monkeypatch, PASSWORD + "\n")


def test_users_add_list_passwd_disable_enable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    assert add(ws, monkeypatch, "Admin", "--role", "admin") == 0
    assert add(ws, monkeypatch, "wang", "--role", "officer", "--beats", "B01,B02") == 0
    assert add(ws, monkeypatch, "li", "--role", "chief", "--stations", "新街口派出所") == 0
    assert "added admin (admin)" in capsys.readouterr().err
    assert run(["users", "list", "--workspace", str(ws)], monkeypatch) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].split()[:4] == ["username", "role", "beats", "stations"]
    assert [line.split()[:3] for line in listed[1:]] == [
        ["admin", "admin", "False"],
        ["li", "chief", "新街口派出所"],
        ["wang", "officer", "B01;B02"],
    ]
    accounts = Accounts(Workspace(ws))
    assert authenticate(accounts, "wang", PASSWORD, demo=False).ok
    new = "a different long password"
    assert run(["users", "passwd", "wang", "--password-stdin", "--workspace", str(ws)],
               monkeypatch, new + "\n") == 0  # fmt: skip
    assert authenticate(accounts, "wang", new, demo=False).ok
    assert run(["users", "disable", "wang", "--workspace", str(ws)], monkeypatch) == 0
    assert authenticate(accounts, "wang", new, demo=False).outcome == "disabled"
    assert run(["users", "enable", "wang", "--workspace", str(ws)], monkeypatch) == 0
    assert authenticate(accounts, "wang", new, demo=False).ok
    # every change is a user_change row by the person at the command line
    log = AuditLog(Workspace(ws)).rows()
    changes = log[log["action"] == "user_change"]
    assert set(changes["role"]) == {"cli"} and changes["username"].str.startswith("cli:").all()
    assert changes["target"].tolist() == [
        "admin: add admin",
        "wang: add officer beats B01;B02",
        "li: add chief stations 新街口派出所",
        "wang: new password, unlocked",
        "wang: disabled",
        "wang: enabled",
    ]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["users", "add", "x", "--role", "officer"], PASSWORD, "officer is bound to beats"),
        (["users", "add", "x", "--role", "planner"], "short", "at least 10 characters"),
        (["users", "add", "two words", "--role", "admin"], PASSWORD, "is not a username"),
        (["users", "add", "x", "--role", "admin"], "beatcov-demo", "demo password is public"),
        (["users", "passwd", "ghost"], PASSWORD, "no account 'ghost'"),
        (["users", "disable", "ghost"], "", "no account 'ghost'"),
    ],
)
def test_bad_input_is_refused_with_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stdin: str,
    message: str,
) -> None:
    Workspace(tmp_path)
    options = ["--password-stdin"] if args[1] in ("add", "passwd") else []
    assert run([*args, *options, "--workspace", str(tmp_path)], monkeypatch, stdin + "\n") == 2
    assert message in capsys.readouterr().err
    assert Accounts(Workspace(tmp_path)).list().empty


def test_no_workspace_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo"
    for args in (["users", "list"], ["audit", "verify"]):
        assert run([*args, "--workspace", str(missing)], monkeypatch) == 2
        assert f"there is no workspace at {missing}" in capsys.readouterr().err
    assert not missing.exists()  # nothing is created by looking
    # the folder comes from BEATCOV_WORKSPACE when --workspace is not given
    monkeypatch.setenv(WORKSPACE_ENV, str(tmp_path / "env"))
    assert run(["users", "add", "zhou", "--role", "planner", "--password-stdin"], monkeypatch,
               PASSWORD + "\n") == 0  # fmt: skip
    assert Accounts(Workspace(tmp_path / "env")).get("zhou") is not None


def test_audit_verify_fails_after_a_row_is_edited_in_the_database(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    backend: str,
) -> None:
    # on SQLite, the file edited; on PostgreSQL (BEATCOV_DATABASE_URL set for the command
    # too), the server's table edited by someone with its credentials
    ws = Workspace(tmp_path)
    accounts = Accounts(ws)
    accounts.add("li", "chief", PASSWORD, stations=["S1"])
    authenticate(accounts, "li", PASSWORD, demo=False)
    ws.record_review("V7", "dismissed", reviewer="li", actor=accounts.get("li").actor)
    verify = ["audit", "verify", "--workspace", str(tmp_path)]
    assert run(verify, monkeypatch) == 0
    assert capsys.readouterr().out.startswith("the audit trail verifies (3 rows); last hash ")
    # someone with the file turns the chief's dismissal into a confirmation
    with raw(ws) as conn:
        conn.execute("UPDATE audit_log SET target = 'visit V7: confirmed' WHERE seq = 3")
    # the real command (a process of its own, its exit status the shell's) names the row
    command = [sys.executable, "-m", "analysis", *verify]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "the audit trail is broken at row 3 (" in done.stderr
    assert ", li, review): its content does not match its hash" in done.stderr
    assert run(verify, monkeypatch) == 1


def test_audit_export_and_prune(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace(tmp_path / "ws")
    Accounts(ws).add("li", "planner", PASSWORD)
    out = tmp_path / "audit.csv"
    args = ["audit", "export", "--out", str(out), "--workspace", str(ws.folder)]
    assert run(args, monkeypatch) == 0
    assert "wrote 2 rows to" in capsys.readouterr().err
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "seq", "at", "username", "role", "action", "target", "outcome", "prev_hash", "hash"
    ]  # fmt: skip
    assert [(r["seq"], r["action"]) for r in rows] == [("1", "user_change"), ("2", "export")]
    assert rows[1]["target"] == "audit trail to audit.csv"
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    # an existing file is kept unless asked
    assert run(args, monkeypatch) == 2
    assert "audit.csv exists" in capsys.readouterr().err
    assert run([*args, "--overwrite"], monkeypatch) == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert run(["audit", "prune", "--workspace", str(ws.folder)], monkeypatch) == 0
    assert "removed 0 rows older than 1095 days" in capsys.readouterr().out

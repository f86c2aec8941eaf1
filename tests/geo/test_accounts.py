"""Accounts and logins (geo/accounts.py, geo/logins.py): argon2 hashes, the lockout counted
by hand on an injected clock, disabled and unknown accounts, session timeouts, the demo
accounts' life, and every change audited."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import threading
import time
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

from geo.accounts import (
    DEMO_ACCOUNTS,
    DEMO_OFFICER_BEATS,
    DEMO_PASSWORD,
    DEMO_STATIONS,
    Accounts,
    check_binding,
    normalise_username,
)
from geo.audit import Actor, AuditLog
from geo.demo import DEMO_FILES
from geo.errors import AccountError
from geo.logins import _dummy_hash, authenticate, session_end
from geo.settings import DEFAULTS
from geo.workspace import Workspace

pytestmark = pytest.mark.usefixtures("backend")


T0 = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
ADMIN = Actor("cli:root", "cli")
PASSWORD = "correct horse battery"


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    return Accounts(Workspace(tmp_path))


def stored_hash(accounts: Accounts, name: str) -> str:
    with accounts.database.reading("t") as conn:
        row = conn.execute("SELECT password_hash FROM accounts WHERE username = ?", (name,))
        return str(row.fetchone()[0])


@pytest.mark.real_password_cost
@pytest.mark.sqlite_only  # the parameters do not depend on the backend
def test_passwords_are_hashed_with_rfc_9106_low_memory(tmp_path: Path) -> None:
    accounts = Accounts(Workspace(tmp_path))
    accounts.add("wang", "officer", PASSWORD, beats="B01", actor=ADMIN)
    hashed = stored_hash(accounts, "wang")
    # argon2id, 64 MiB, 3 passes, 4 lanes: RFC 9106's second recommended option
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert extract_parameters(hashed) == RFC_9106_LOW_MEMORY
    # an unknown name is checked against a hash that costs the same
    assert extract_parameters(_dummy_hash(accounts.hasher)) == RFC_9106_LOW_MEMORY


@pytest.mark.real_password_cost
@pytest.mark.sqlite_only
def test_a_cheaper_hash_is_renewed_at_the_next_right_login(tmp_path: Path) -> None:
    cheap = Accounts(Workspace(tmp_path), hasher=PasswordHasher.from_parameters(CHEAPEST))
    cheap.add("wang", "officer", PASSWORD, beats="B01", actor=ADMIN)
    assert extract_parameters(stored_hash(cheap, "wang")) == CHEAPEST
    accounts = Accounts(Workspace(tmp_path))
    assert not authenticate(accounts, "wang", "wrong password!", demo=False, now=T0).ok
    assert extract_parameters(stored_hash(accounts, "wang")) == CHEAPEST
    assert authenticate(accounts, "wang", PASSWORD, demo=False, now=minutes(1)).ok
    assert extract_parameters(stored_hash(accounts, "wang")) == RFC_9106_LOW_MEMORY


def test_the_suite_hashes_cheaply_unless_marked(tmp_path: Path) -> None:
    accounts = Accounts(Workspace(tmp_path))
    assert extract_parameters(accounts.hasher.hash(PASSWORD)) == CHEAPEST


def test_passwords_are_stored_as_argon2id_hashes(accounts: Accounts) -> None:
    accounts.add("Wang.Li", "officer", PASSWORD, beats="B02,B01", actor=ADMIN)
    hashed = stored_hash(accounts, "wang.li")
    assert hashed.startswith("$argon2id$v=19$") and PASSWORD not in hashed
    assert PasswordHasher().verify(hashed, PASSWORD)
    account = accounts.get("WANG.LI")
    assert account is not None
    assert (account.username, account.role, account.beats, account.stations) == (
        "wang.li",
        "officer",
        ("B01", "B02"),
        (),
    )
    login = authenticate(accounts, " Wang.Li ", PASSWORD, demo=False, now=T0)
    assert login.ok and login.account == account
    # the same name twice, in any case, is refused
    with pytest.raises(AccountError, match="already an account 'wang.li'"):
        accounts.add("WANG.LI", "planner", PASSWORD)


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(accounts: Accounts) -> None:
    accounts.add("li", "chief", PASSWORD, stations=["新街口派出所"])
    for i in range(4):
        login = authenticate(accounts, "li", "wrong", demo=False, now=minutes(i))
        assert (login.outcome, login.locked_until) == ("wrong_password", None)
        assert accounts.get("li").failed_attempts == i + 1
    fifth = authenticate(accounts, "li", "wrong", demo=False, now=minutes(4))
    assert (fifth.outcome, fifth.locked_until) == ("wrong_password", minutes(19))
    assert accounts.get("li").failed_attempts == 0  # counting starts again after the lock
    # the right password is refused, without being checked, until the lock ends
    for at in (minutes(4.1), minutes(18.99)):
        refused = authenticate(accounts, "li", PASSWORD, demo=False, now=at)
        assert (refused.ok, refused.outcome, refused.locked_until) == (False, "locked", minutes(19))
    assert authenticate(accounts, "li", PASSWORD, demo=False, now=minutes(19)).ok
    outcomes = AuditLog(accounts.database).rows()[["action", "outcome"]].iloc[1:]
    assert outcomes.values.tolist() == [
        *[["failed_login", "wrong_password"]] * 4,
        ["failed_login", "wrong_password; locked until 2026-07-01T08:19:00.000000+00:00"],
        ["failed_login", "locked"],
        ["failed_login", "locked"],
        ["login", "ok"],
    ]


def test_a_right_password_clears_the_count(accounts: Accounts) -> None:
    accounts.add("li", "planner", PASSWORD)
    for i in range(4):
        authenticate(accounts, "li", "wrong", demo=False, now=minutes(i))
    assert authenticate(accounts, "li", PASSWORD, demo=False, now=minutes(5)).ok
    assert accounts.get("li").failed_attempts == 0
    for i in range(4):  # four more wrong ones do not lock
        assert (
            authenticate(accounts, "li", "x", demo=False, now=minutes(6 + i)).locked_until is None
        )


def test_a_new_password_unlocks(accounts: Accounts) -> None:
    accounts.add("li", "planner", PASSWORD)
    for i in range(5):
        authenticate(accounts, "li", "wrong", demo=False, now=minutes(i))
    accounts.set_password("li", "another long one", actor=ADMIN, now=minutes(5))
    assert authenticate(accounts, "li", "another long one", demo=False, now=minutes(6)).ok
    assert not authenticate(accounts, "li", PASSWORD, demo=False, now=minutes(7)).ok


def test_disabled_and_unknown_accounts_are_refused_and_never_lock(accounts: Accounts) -> None:
    accounts.add("li", "admin", PASSWORD)
    accounts.disable("li", actor=ADMIN)
    assert authenticate(accounts, "li", PASSWORD, demo=False, now=T0).outcome == "disabled"
    for i in range(2):
        assert authenticate(accounts, "nobody", PASSWORD, demo=False, now=minutes(i)).outcome == (
            "unknown_user"
        )
    assert authenticate(accounts, "bad name!", PASSWORD, demo=False).outcome == "unknown_user"
    accounts.enable("li", actor=ADMIN)
    assert authenticate(accounts, "li", PASSWORD, demo=False, now=T0).ok
    with pytest.raises(AccountError, match="no account 'ghost'"):
        accounts.disable("ghost", actor=ADMIN)
    rows = AuditLog(accounts.database).rows()
    failed = rows[rows["action"] == "failed_login"]
    assert failed[["username", "role", "outcome"]].values.tolist()[:2] == [
        ["li", "admin", "disabled"],
        ["nobody", "none", "unknown_user"],
    ]


def test_every_account_change_is_audited(accounts: Accounts) -> None:
    accounts.add("li", "chief", PASSWORD, stations="S1, S2", actor=ADMIN, now=T0)
    accounts.set_password("li", "another long one", actor=ADMIN, now=minutes(1))
    accounts.disable("li", actor=ADMIN, now=minutes(2))
    accounts.enable("li", actor=ADMIN, now=minutes(3))
    log = AuditLog(accounts.database)
    assert log.rows()[["username", "role", "action", "target"]].values.tolist() == [
        ["cli:root", "cli", "user_change", "li: add chief stations S1;S2"],
        ["cli:root", "cli", "user_change", "li: new password, unlocked"],
        ["cli:root", "cli", "user_change", "li: disabled"],
        ["cli:root", "cli", "user_change", "li: enabled"],
    ]
    assert log.verify().ok
    listed = accounts.list()
    assert listed[["username", "role", "stations", "disabled", "demo"]].values.tolist() == [
        ["li", "chief", "S1;S2", False, False]
    ]
    assert "password_hash" not in listed.columns


@pytest.mark.parametrize(
    ("role", "beats", "stations", "message"),
    [
        ("officer", "", "", "an officer is bound to beats"),
        ("officer", "B01", "S1", "an officer is bound to beats"),
        ("chief", "B01", "", "a chief sees the beats of their station"),
        ("planner", "B01", "", "an planner sees every beat"),
        ("boss", "", "", "'boss' is not a role"),
    ],
)
def test_a_role_takes_its_own_binding(role: str, beats: str, stations: str, message: str) -> None:
    with pytest.raises(AccountError, match=message):
        check_binding(role, beats, stations)


def test_usernames_and_passwords_follow_the_rules(accounts: Accounts) -> None:
    assert normalise_username("０５１００１") == "051001"
    for bad in ("", "two words", "a" * 65, "<script>", "System"):
        with pytest.raises(AccountError):
            normalise_username(bad)
    with pytest.raises(AccountError, match="at least 10 characters"):
        accounts.add("li", "planner", "short")
    with pytest.raises(AccountError, match="must not be the username"):
        accounts.add("longusername", "planner", "LongUserName")
    with pytest.raises(AccountError, match="the demo password is public"):
        accounts.add("li", "planner", DEMO_PASSWORD)
    assert accounts.list().empty


def test_sessions_end_when_idle_or_too_long() -> None:
    idle, limit = DEFAULTS.session_idle_min, DEFAULTS.session_max_h
    assert (idle, limit) == (30.0, 12.0)
    assert session_end(T0, T0, now=minutes(29.99)) is None
    assert session_end(T0, T0, now=minutes(30)) == "idle_timeout"
    # active every 20 minutes: not idle, but 12 hours after the login it ends
    assert session_end(T0, minutes(700), now=minutes(719.9)) is None
    assert session_end(T0, minutes(700), now=minutes(720)) == "session_limit"
    short = DEFAULTS.replace(session_idle_min=5.0)
    assert session_end(T0, T0, now=minutes(5), settings=short) == "idle_timeout"


def test_demo_accounts_live_only_while_the_demo_is_shown(accounts: Accounts) -> None:
    assert accounts.ensure_demo(now=T0)
    assert not accounts.ensure_demo(now=T0)  # once
    assert sorted(accounts.list()["username"]) == ["chief", "officer", "planner"]
    assert accounts.list()["demo"].all() and not accounts.has_real_accounts()
    officer = authenticate(accounts, "officer", DEMO_PASSWORD, demo=True, now=T0)
    assert officer.ok and officer.account.beats == DEMO_OFFICER_BEATS
    chief = authenticate(accounts, "chief", DEMO_PASSWORD, demo=True, now=T0).account
    assert chief.stations == DEMO_STATIONS and chief.demo
    # with real data shown, the demo accounts are unknown
    assert authenticate(accounts, "planner", DEMO_PASSWORD, demo=False).outcome == "unknown_user"
    with pytest.raises(AccountError, match="no account 'planner'"):
        accounts.set_password("planner", "a new long password")
    # the first real account removes them in its transaction, and they do not come back
    accounts.add("chief", "chief", PASSWORD, stations=["S1"], actor=ADMIN, now=minutes(1))
    assert accounts.list()[["username", "demo"]].values.tolist() == [["chief", False]]
    assert not accounts.ensure_demo()
    assert accounts.remove_demo() == 0
    targets = AuditLog(accounts.database).rows()["target"].tolist()
    assert targets[0] == "demo accounts added: chief, planner, officer"
    assert targets[-2:] == ["demo accounts removed", "chief: add chief stations S1"]


def test_the_public_demo_password_is_compared_not_hashed(accounts: Accounts) -> None:
    """Hashing protects a secret; the demo password is printed in the README."""

    class Refusing(PasswordHasher):
        def verify(self, hash: str, password: str | bytes) -> bool:  # noqa: A002
            raise AssertionError("a demo login must not run argon2")

    accounts.ensure_demo(now=T0)
    demo = Accounts(accounts.database, hasher=Refusing())
    assert authenticate(demo, "chief", DEMO_PASSWORD, demo=True, now=T0).ok
    wrong = [
        authenticate(demo, "chief", DEMO_PASSWORD + " ", demo=True, now=minutes(i))
        for i in range(5)
    ]
    assert [w.outcome for w in wrong] == ["wrong_password"] * 5 and wrong[-1].locked_until
    # a real account still goes through argon2
    accounts.add("li", "officer", PASSWORD, beats=["B01"], actor=ADMIN, now=minutes(6))
    with pytest.raises(AssertionError, match="must not run argon2"):
        authenticate(demo, "li", PASSWORD, demo=False, now=minutes(7))


def test_the_demo_accounts_fit_the_demo_data() -> None:
    beats = gpd.read_file(DEMO_FILES["beats"])
    assert DEMO_OFFICER_BEATS == (beats["警务区编号"].iloc[0],)
    assert sorted(DEMO_STATIONS) == sorted(set(beats["所属派出所"]))
    assert set(DEMO_ACCOUNTS) == {"chief", "planner", "officer"}


class CountingHasher(PasswordHasher):
    """A real argon2 hasher (cheap parameters) that counts the hashes it makes."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.made = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.made += 1
        return super().hash(password, salt=salt)


@pytest.mark.sqlite_only  # three workspaces: three folders (one server would be one workspace)
def test_the_demo_password_is_hashed_once_per_process(tmp_path: Path) -> None:
    hasher = CountingHasher()
    for n in range(3):
        accounts = Accounts(Workspace(tmp_path / f"ws{n}"), hasher=hasher)
        assert accounts.ensure_demo(now=T0)
        for name in DEMO_ACCOUNTS:
            login = authenticate(accounts, name, DEMO_PASSWORD, demo=True, now=T0)
            assert login.account is not None and login.account.username == name
    assert hasher.made <= 1  # one hash of the public password serves every demo account


class OverlapHasher(PasswordHasher):
    """A real argon2 hasher (cheap parameters) that records how many checks overlap."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.05)  # long enough for every thread to be waiting at the gate
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


@pytest.mark.sqlite_only  # one workspace folder per limit
@pytest.mark.parametrize("at_once", [1, 2])
def test_a_wave_of_logins_checks_at_most_the_set_number_of_passwords_at_once(
    tmp_path: Path, at_once: int
) -> None:
    hasher = OverlapHasher()
    accounts = Accounts(Workspace(tmp_path / "ws"), hasher=hasher)
    for n in range(6):
        accounts.add(f"officer{n}", "officer", PASSWORD, beats=["B01"])
    settings = DEFAULTS.replace(password_checks_at_once=at_once)
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        logins = list(
            pool.map(
                lambda n: authenticate(
                    accounts, f"officer{n}", PASSWORD, demo=False, now=T0, settings=settings
                ),
                range(6),
            )
        )
    assert [login.outcome for login in logins] == ["ok"] * 6
    assert hasher.most == at_once

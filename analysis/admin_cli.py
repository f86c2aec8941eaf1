"""Administration on the command line: ``python -m analysis users ...`` and ``audit ...``.

Accounts (:mod:`geo.accounts`) and the audit trail (:mod:`geo.audit`) live in the workspace
folder the app uses (``--workspace``, default ``$BEATCOV_WORKSPACE``, else
``<repo>/workspace``). The first account of a station is made here: the app never has a
default password outside the demo.

``users add NAME --role ROLE [--beats B01,B02] [--stations S]``
    Create an account. An officer is bound to ``--beats``, a chief to ``--stations``; an
    admin or planner takes neither. The password is asked for twice (never echoed), or read
    from the first line of standard input with ``--password-stdin`` (scripts).
``users list``
    Every account: role, beats or stations, disabled, locked, failed attempts.
``users passwd NAME``
    Set a new password (asked for as above); it also unlocks the account.
``users disable NAME`` / ``users enable NAME``
    Stop an account from logging in (its open sessions end at their next action) / allow
    it again.
``audit verify``
    Recompute the audit trail's hash chain: exit 0 when it holds, 1 naming the first row
    that does not match.
``audit export --out FILE``
    Write the whole trail as CSV (refuses an existing file unless ``--overwrite``).
``audit prune``
    Remove rows older than the retention (``audit_retention_days``); the rest still verifies.

Every change is recorded in the audit trail as done by ``cli:<login name>`` (role
``cli``). Exit codes: 0 done, 1 the audit trail does not verify or the workspace failed,
2 bad input (unknown account, a rule broken, no workspace at ``--workspace``).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

from geo.accounts import ROLES, Accounts, split_list
from geo.audit import Actor, AuditLog
from geo.database import configured_url
from geo.errors import AccountError, BeatcovError
from geo.settings import DEFAULTS
from geo.workspace import DB_NAME, Workspace, default_folder
from geo.writers import write_csv

COMMANDS: Final = ("users", "audit")
"""The subcommands of this module."""


def add_commands(commands: Any) -> None:
    """Add ``users`` and ``audit`` to the command line's subcommands (``add_subparsers()``)."""
    users = commands.add_parser(
        "users",
        help="user accounts of the app: add, list, passwd, disable, enable",
        description="Manage the app's accounts in the workspace (every change is audited).",
    )
    actions = users.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser("add", help="create an account")
    add.add_argument("name", help="username (letters, digits, . _ - @)")
    add.add_argument("--role", required=True, choices=ROLES, help="the account's role")
    add.add_argument("--beats", default=None, help="an officer's beats, e.g. B01,B02")
    add.add_argument("--stations", default=None, help="a chief's station(s), comma-separated")
    _password_option(add)
    actions.add_parser("list", help="list the accounts")
    passwd = actions.add_parser("passwd", help="set a new password (and unlock)")
    passwd.add_argument("name")
    _password_option(passwd)
    for verb, text in (("disable", "stop an account from logging in"), ("enable", "allow again")):
        actions.add_parser(verb, help=text).add_argument("name")

    audit = commands.add_parser(
        "audit",
        help="the audit trail: verify, export, prune",
        description="Check, export or prune the workspace's hash-chained audit trail.",
    )
    steps = audit.add_subparsers(dest="audit_command", required=True)
    steps.add_parser("verify", help="recompute the hash chain; exit 1 at the first bad row")
    export = steps.add_parser("export", help="write the trail as CSV")
    export.add_argument("--out", required=True, type=Path, help="the CSV file to write")
    export.add_argument("--overwrite", action="store_true", help="replace an existing file")
    steps.add_parser("prune", help="remove rows older than the retention")
    for parser in (*actions.choices.values(), *steps.choices.values()):
        parser.add_argument(
            "--workspace",
            type=Path,
            default=None,
            help="workspace folder (default $BEATCOV_WORKSPACE, else <repo>/workspace)",
        )


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )


def run(args: argparse.Namespace) -> int:
    """Run a ``users`` or ``audit`` command; return the exit code."""
    try:
        workspace = _open(args)
        if args.command == "users":
            return _users(args, workspace)
        return _audit(args, workspace)
    except (AccountError, _Refused) as error:
        print(f"beatcov: {error}", file=sys.stderr)
        return 2
    except BeatcovError as error:  # the workspace could not be read or written
        print(f"beatcov: {error}", file=sys.stderr)
        return 1


class _Refused(BeatcovError):
    """Bad input found here (not an account rule): exit 2."""


def _open(args: argparse.Namespace) -> Workspace:
    folder = args.workspace if args.workspace is not None else default_folder()
    creating = args.command == "users" and args.users_command == "add"
    shared = configured_url() is not None  # the tables are on a server: no file to look for
    if not creating and not shared and not (folder / DB_NAME).is_file():
        msg = (
            f"there is no workspace at {folder} (no {DB_NAME}); name it with --workspace "
            "or set BEATCOV_WORKSPACE"
        )
        raise _Refused(msg)
    return Workspace(folder)


def cli_actor() -> Actor:
    """Return who runs the command line, as the actor of its audit rows (``cli:<login>``)."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name in this environment
        login = "unknown"
    return Actor(f"cli:{login}", "cli")


def _users(args: argparse.Namespace, workspace: Workspace) -> int:
    accounts = Accounts(workspace)
    actor = cli_actor()
    command = args.users_command
    if command == "list":
        listed = accounts.list()
        print("no accounts" if listed.empty else listed.to_string(index=False))
        return 0
    if command == "add":
        account = accounts.add(
            args.name,
            args.role,
            _password(args),
            beats=split_list(args.beats),
            stations=split_list(args.stations),
            actor=actor,
            settings=DEFAULTS,
        )
        print(f"added {account.username} ({account.role})", file=sys.stderr)
    elif command == "passwd":
        if accounts.get(args.name) is None:
            msg = f"there is no account {args.name!r}; see python -m analysis users list"
            raise _Refused(msg)
        accounts.set_password(args.name, _password(args), actor=actor, settings=DEFAULTS)
        print(f"new password set for {args.name}", file=sys.stderr)
    elif command == "disable":
        accounts.disable(args.name, actor=actor)
        print(f"disabled {args.name}", file=sys.stderr)
    else:
        accounts.enable(args.name, actor=actor)
        print(f"enabled {args.name}", file=sys.stderr)
    return 0


def _password(args: argparse.Namespace) -> str:
    """Read the new password: one line of stdin, or asked twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        msg = "the two passwords differ; nothing was changed"
        raise _Refused(msg)
    return first


def _audit(args: argparse.Namespace, workspace: Workspace) -> int:
    log = AuditLog(workspace)
    if args.audit_command == "verify":
        check = log.verify()
        if check.ok:
            print(f"the audit trail verifies ({check.rows} rows); last hash {check.head}")
            return 0
        print(
            f"beatcov: the audit trail is broken at {_describe(log, check.first_bad)}: "
            f"{check.reason}",
            file=sys.stderr,
        )
        return 1
    if args.audit_command == "prune":
        removed = log.prune(cli_actor(), settings=DEFAULTS)
        print(f"removed {removed} rows older than {DEFAULTS.audit_retention_days} days")
        return 0
    out: Path = args.out
    if out.exists() and not (args.overwrite and out.is_file()):
        msg = f"{out} exists; choose another file or pass --overwrite to replace a file"
        raise _Refused(msg)
    log.record(cli_actor(), "export", f"audit trail to {out.name}")
    rows = log.rows()
    _write_atomically(rows, out)
    check = log.verify()
    state = "verifies" if check.ok else f"is BROKEN at row {check.first_bad}: {check.reason}"
    print(f"wrote {len(rows)} rows to {out}; the audit trail {state}", file=sys.stderr)
    return 0


def _describe(log: AuditLog, seq: int | None) -> str:
    """Return ``row N (time, user, action)`` for a message, or ``row N`` if it is gone."""
    found = log.rows()
    row = found[found["seq"] == seq]
    if row.empty:
        return f"row {seq}"
    first = row.iloc[0]
    return (
        f"row {seq} ({first['at']:%Y-%m-%d %H:%M:%S} UTC, {first['username']}, {first['action']})"
    )


def _write_atomically(rows: Any, out: Path) -> None:
    """Write the CSV under a temporary name beside ``out`` and rename it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(handle)
    try:
        write_csv(rows, name)
        os.replace(name, out)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise

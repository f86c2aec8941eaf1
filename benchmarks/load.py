"""Time concurrent logged-in sessions on the app as ``make run`` serves it (issues #12, #13).

Run from the repository root::

    PYTHONPATH=. .venv/bin/python benchmarks/load.py --sessions 20 50
    PYTHONPATH=. .venv/bin/python benchmarks/load.py --sessions 3      # a short trial
    PYTHONPATH=. .venv/bin/python benchmarks/load.py --sessions 50 --think 0 5   # burst, paced

Only loopback is used: the server is ``make run`` inside the network guard of
:mod:`tests.support.server` (as in the tests), serving a workspace of its own.

The workspace
-------------
A fresh workspace (``BEATCOV_WORKSPACE``) holds the demo stored as its current dataset
(:meth:`geo.workspace.Workspace.save` of :func:`geo.demo.load_demo`: the first real account
ends the demo accounts, and a real deployment shows stored data) and real accounts, made
with :class:`geo.accounts.Accounts` before the server starts: ``--officers`` officers bound
to the demo's beats round-robin, a chief per station and one for both, two planners. The
sessions of a wave log in as different users, one chief or planner among every ten.

The client
----------
One websocket per session (:class:`tests.support.stream.Client`) speaks Streamlit's
protocol as the browser does: ``BackMsg.rerun_script`` with the login form's widget states
or a page's hash, then ``ForwardMsg`` until the run's final ``script_finished``. A *page
time* is the time from sending the ``BackMsg`` to that ``script_finished``: the server's
script run and the messages' way to the client, no drawing and no component round trips
(the map's first value). Page runs are the login run (it ends on the Overview) and the
page switches; opening the login page is shown apart.

An *error* is a session that could not go on (no login form, refused login, a run longer
than ``--timeout``, a dropped connection) or a run whose messages hold an ``exception``
element, a ``page_not_found`` or a compile error.

Phases, on one server
---------------------
1. **cold**: the first session after the server started opens the login page, logs in
   (the run ends on the Overview), then switches to Gaps, My beat and the Overview.
2. **warm**: the same user in a new session logs in and goes round Overview, Gaps and
   My beat ``--rounds`` times: warm page switches, one session alone.
3. **warm-up**: one session of the cold phase's scenario per other scope among the
   accounts (beat, station, every beat), one after the other: as on a server that has been
   running for a while, so the waves measure concurrency rather than first analyses.
4. one **wave** per ``--sessions`` value (and per ``--think`` value): that many sessions
   connect, then all start together (one event loop) and each runs the cold phase's
   scenario as its own user. With ``--think 0`` (the default) every session fires its next
   run the moment the last one ends: a burst, the worst case. With ``--think T`` the users
   act as people do: each starts within the first T seconds and reads each page for a
   random 0–2T seconds (mean T) before switching, so 50 users with T = 5 ask for about
   10 pages a second.

Per phase it prints the 1-minute load average of the machine when the phase started
(other work shares its cores), the page runs' and the page switches' p50/p95/max (s), the
errors, the server's CPU seconds (every process of ``make run``'s group, from ``/proc``),
this client's own CPU seconds (it shares the cores with the server), the wall time and the
server's peak resident memory; then the same per page, and every error. It exits with 1
on any error or non-local connection attempt. Nothing is written but the temporary
workspace (and the street graph's GraphML cache, which the app keeps next to the demo's
extract whenever it runs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.accounts import Accounts  # noqa: E402
from geo.demo import load_demo  # noqa: E402
from geo.workspace import Workspace  # noqa: E402
from tests.support.server import Server, make_run  # noqa: E402
from tests.support.stream import LANDING, Client, ProtocolError, Run  # noqa: E402

PASSWORD = "load benchmark password 2026"
SEED = 20260701
"""Seed of the users' start and reading times (``--think``)."""
"""The password of every benchmark account."""

SWITCHES = ("gaps", "my-beat", LANDING)
"""The pages a session opens after the login lands it on the Overview (URL paths)."""

OPEN, LOGIN = "open", "login+overview"
"""Labels of a session's first run (the login page) and its login run (ends on the Overview)."""


# --------------------------------------------------------------------------- the workspace


@dataclass(frozen=True)
class Planned:
    """An account to make: username, role and the beats or stations it is bound to."""

    username: str
    role: str
    beats: tuple[str, ...] = ()
    stations: tuple[str, ...] = ()

    @property
    def scope(self) -> tuple[str, ...]:
        """What the account sees: its beats, its stations, or every beat (``("*",)``)."""
        return self.beats or self.stations or ("*",)


def plan_accounts(beats: Sequence[str], stations: Sequence[str], officers: int) -> list[Planned]:
    """Return the accounts to make, in the order waves use them (a chief or planner in ten).

    Examples
    --------
    >>> plan = plan_accounts(["B1", "B2"], ["S1"], 12)
    >>> [a.username for a in plan][8:11]
    ['officer09', 'chief01', 'officer10']
    >>> plan[1].beats, plan[9].stations, plan[-1].scope, len(plan)
    (('B2',), ('S1',), ('*',), 16)
    """
    leads = [Planned(f"chief{i + 1:02d}", "chief", stations=(s,)) for i, s in enumerate(stations)]
    leads.append(Planned(f"chief{len(stations) + 1:02d}", "chief", stations=tuple(stations)))
    leads += [Planned(f"planner{i:02d}", "planner") for i in (1, 2)]
    plan: list[Planned] = []
    for i in range(officers):
        plan.append(Planned(f"officer{i + 1:02d}", "officer", beats=(beats[i % len(beats)],)))
        if (i + 1) % 9 == 0 and leads:
            plan.append(leads.pop(0))
    return plan + leads


def prepare_workspace(folder: Path, officers: int) -> list[Planned]:
    """Store the demo as the current dataset of ``folder``, make the accounts, return them."""
    data = load_demo()
    workspace = Workspace(folder)
    workspace.save(data)
    beats = sorted(data.beats["beat_id"].astype(str))
    stations = sorted(data.beats["station"].astype(str).unique())
    plan = plan_accounts(beats, stations, officers)
    accounts = Accounts(workspace)
    for account in plan:
        accounts.add(
            account.username,
            account.role,
            PASSWORD,
            beats=account.beats,
            stations=account.stations,
        )
    return plan


def scope_leads(plan: Sequence[Planned]) -> list[Planned]:
    """Return the first account of every scope after the first account's own.

    Examples
    --------
    >>> plan = plan_accounts(["B1", "B2"], ["S1"], 4)
    >>> [a.username for a in scope_leads(plan)]
    ['officer02', 'chief01', 'planner01']
    """
    seen = {plan[0].scope}
    leads = []
    for account in plan:
        if account.scope not in seen:
            seen.add(account.scope)
            leads.append(account)
    return leads


# --------------------------------------------------------------------------- scenarios


@dataclass
class SessionResult:
    """What one session did: its timed runs and why it stopped early, if it did."""

    username: str
    runs: list[Run] = field(default_factory=list)
    failure: str | None = None

    @property
    def errors(self) -> int:
        """Runs with errors, plus one if the session could not go on."""
        return sum(bool(r.errors) for r in self.runs) + (self.failure is not None)


async def session(
    url: str,
    username: str,
    *,
    password: str,
    pages: Sequence[str],
    timeout: float,
    start: asyncio.Event | None = None,
    pauses: Sequence[float] = (),
) -> SessionResult:
    """Log ``username`` in, open ``pages`` in turn, and return the timed runs.

    ``pauses``: seconds to wait before the session starts and before each page after the
    login (a user reading the page); none by default.
    """
    result = SessionResult(username)
    client: Client | None = None
    waits = iter(pauses)
    try:
        client = await Client.open(url, timeout=timeout)
        if start is not None:
            await start.wait()
        await asyncio.sleep(next(waits, 0.0))
        result.runs.append(await client.run("", timeout=timeout))
        result.runs[-1].page = OPEN
        result.runs.append(await client.log_in(username, password, timeout=timeout))
        result.runs[-1].page = LOGIN
        for page in pages:
            await asyncio.sleep(next(waits, 0.0))
            result.runs.append(await client.run(page, timeout=timeout))
    except TimeoutError:
        result.failure = f"timeout: a run took more than {timeout:g} s"
    except (ProtocolError, OSError) as error:
        result.failure = f"{type(error).__name__}: {error}"
    finally:
        if client is not None:
            await client.close()
    return result


async def wave(
    url: str, usernames: Sequence[str], *, timeout: float, think: float = 0.0
) -> list[SessionResult]:
    """Run the scenario for every user at once: all connect, then all start together.

    With ``think`` > 0 the users act as people do: each starts at a random moment within
    the first ``think`` seconds and reads each page for a random 0 to 2 × ``think`` seconds
    (mean ``think``) before the next switch (seeded, so runs compare).
    """
    rng = random.Random(SEED)
    start = asyncio.Event()
    tasks = []
    for name in usernames:
        pauses = (
            [rng.uniform(0, think), *(rng.uniform(0, 2 * think) for _ in SWITCHES)]
            if think > 0
            else []
        )
        tasks.append(
            asyncio.create_task(
                session(
                    url,
                    name,
                    password=PASSWORD,
                    pages=SWITCHES,
                    timeout=timeout,
                    start=start,
                    pauses=pauses,
                )
            )
        )
    await asyncio.sleep(0.5)  # let every websocket connect before the start
    start.set()
    return list(await asyncio.gather(*tasks))


# --------------------------------------------------------------------------- measuring


def _group(pgid: int) -> list[Path]:
    """Return the ``/proc`` folders of the live processes of group ``pgid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[2]) == pgid:  # field 5 of proc(5): pgrp
            found.append(entry)
    return found


def group_cpu_s(pgid: int) -> float:
    """Return the CPU seconds (user + system) used so far by group ``pgid``'s live processes."""
    ticks = 0
    for entry in _group(pgid):
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def group_peak_rss_mb(pgid: int) -> float:
    """Return the largest peak resident memory (``VmHWM``, MB) of group ``pgid``'s processes."""
    peak = 0
    for entry in _group(pgid):
        with contextlib.suppress(OSError):
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak / 1024


@dataclass
class Phase:
    """One phase's sessions, with the machine's load and the CPU and wall time it took."""

    name: str
    sessions: list[SessionResult]
    load_1min: float
    server_cpu_s: float
    client_cpu_s: float
    wall_s: float
    peak_rss_mb: float

    def times(self, pages: Iterable[str]) -> list[float]:
        """Return the times of the phase's runs of ``pages`` (labels or URL paths)."""
        chosen = set(pages)
        return [r.seconds for s in self.sessions for r in s.runs if r.page in chosen]

    @property
    def errors(self) -> int:
        """Errors of every session (see the module docstring)."""
        return sum(s.errors for s in self.sessions)


async def measure(name: str, server: Server, runs: Awaitable[list[SessionResult]]) -> Phase:
    """Await ``runs`` (the phase's sessions) and measure the phase."""
    pgid = server.process.pid
    load = os.getloadavg()[0]
    cpu0, own0, wall0 = group_cpu_s(pgid), time.process_time(), time.perf_counter()
    results = await runs
    return Phase(
        name,
        results,
        load_1min=load,
        server_cpu_s=group_cpu_s(pgid) - cpu0,
        client_cpu_s=time.process_time() - own0,
        wall_s=time.perf_counter() - wall0,
        peak_rss_mb=group_peak_rss_mb(pgid),
    )


def percentile(values: Sequence[float], q: float) -> float:
    """Return the ``q``-th percentile (1-99) by linear interpolation; NaN when empty.

    Examples
    --------
    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), round(percentile([1.0, 2.0, 3.0, 4.0], 95), 2)
    (2.5, 3.85)
    """
    if not values:
        return float("nan")
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1])


# --------------------------------------------------------------------------- the benchmark


async def benchmark(
    server: Server,
    plan: Sequence[Planned],
    waves: Sequence[int],
    *,
    rounds: int,
    timeout: float,
    think: Sequence[float] = (0.0,),
) -> list[Phase]:
    """Run the phases of the module docstring on ``server``; return them in order."""
    url, first = server.url, plan[0].username
    switches = [LANDING, "gaps", "my-beat"] * rounds
    phases = [
        await measure("cold", server, _sequential(url, [first], SWITCHES, timeout)),
        await measure("warm", server, _sequential(url, [first], switches, timeout)),
    ]
    others = [account.username for account in scope_leads(plan)]
    phases.append(await measure("warm-up", server, _sequential(url, others, SWITCHES, timeout)))
    for pause in think:
        for count in waves:
            users = [account.username for account in plan[:count]]
            name = f"{count} sessions" + (f" think {pause:g}s" if pause > 0 else "")
            runs = wave(url, users, timeout=timeout, think=pause)
            phases.append(await measure(name, server, runs))
    return phases


async def _sequential(
    url: str, users: Sequence[str], pages: Sequence[str], timeout: float
) -> list[SessionResult]:
    return [
        await session(url, user, password=PASSWORD, pages=pages, timeout=timeout) for user in users
    ]


def _cell(times: Sequence[float]) -> str:
    return f"{percentile(times, 50):5.2f} {percentile(times, 95):5.2f} {max(times, default=0):5.2f}"


def report(phases: Sequence[Phase]) -> str:
    """Return the figures as text: a line per phase, its pages, then every error."""
    pages = (OPEN, LOGIN, *SWITCHES)
    head = (
        f"{'phase':<12} {'load':>4} {'sess':>4} {'runs':>4} | {'page runs p50 p95 max':>17} | "
        f"{'switches p50 p95 max':>17} | {'errors':>6} {'srv CPU s':>9} {'cli CPU s':>9} "
        f"{'wall s':>6} {'peak MB':>7}"
    )
    lines = [head, "-" * len(head)]
    for p in phases:
        runs = p.times(pages)
        lines.append(
            f"{p.name:<12} {p.load_1min:4.1f} {len(p.sessions):>4} {len(runs):>4} | "
            f"{_cell(p.times(pages[1:])):>17} | {_cell(p.times(SWITCHES)):>17} | "
            f"{p.errors:>6} {p.server_cpu_s:>9.1f} {p.client_cpu_s:>9.1f} {p.wall_s:>6.1f} "
            f"{p.peak_rss_mb:>7.0f}"
        )
    lines += ["", "by page (p50 p95 max, s):"]
    for p in phases:
        cells = [
            f"{page or 'overview'} {_cell(p.times([page]))}" for page in pages if p.times([page])
        ]
        lines.append(f"  {p.name:<12} " + " | ".join(cells))
    failures = [f"{s.username}: {s.failure}" for p in phases for s in p.sessions if s.failure]
    failures += [
        f"{s.username} {r.page}: {e}"
        for p in phases
        for s in p.sessions
        for r in s.runs
        for e in r.errors
    ]
    if failures:
        lines += ["", f"errors ({len(failures)}; the first 30):"]
        lines += [f"  {text}" for text in failures[:30]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Prepare the workspace, serve it with ``make run``, run the phases, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sessions",
        type=int,
        nargs="+",
        default=[20, 50],
        help="concurrent sessions of each wave (default: 20 50)",
    )
    parser.add_argument(
        "--officers", type=int, default=50, help="officer accounts to make (default: 50)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="rounds of the warm phase's three pages (default: 5)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=180.0,
        help="longest run before a session counts as failed, s (default: 180)",
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs="+",
        default=[0.0],
        help="users' mean reading time per page, s; 0: every run at once (default: 0)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="beatcov-load-") as tmp:
        work = Path(tmp)
        plan = prepare_workspace(work / "workspace", args.officers)
        if max(args.sessions) > len(plan):
            parser.error(f"{max(args.sessions)} sessions need more accounts: raise --officers")
        env = {"BEATCOV_WORKSPACE": str(work / "workspace")}
        started = time.perf_counter()
        with make_run(work, env=env) as server:
            print(f"make run answered after {time.perf_counter() - started:.1f} s", flush=True)
            phases = asyncio.run(
                benchmark(
                    server,
                    plan,
                    args.sessions,
                    rounds=args.rounds,
                    timeout=args.timeout,
                    think=args.think,
                )
            )
            attempts = server.external_attempts()
    print(report(phases))
    if attempts:
        print(f"non-local connections attempted: {attempts}")
    return 1 if attempts or any(p.errors for p in phases) else 0


if __name__ == "__main__":
    sys.exit(main())

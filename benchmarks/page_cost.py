"""Server CPU of one warm run of each page, with what dominates it (issue #13).

Run from the repository root::

    PYTHONPATH=. .venv/bin/python benchmarks/page_cost.py
    PYTHONPATH=. .venv/bin/python benchmarks/page_cost.py --profile 25 --pages gaps

Each page is run in Streamlit's AppTest (logged in through the login page as the demo's
``chief``, then its ``officer``, on a fresh temporary workspace showing the demo): once
cold, then ``--runs`` times warm. A page run's *CPU* is the CPU time of the script thread
(:func:`time.thread_time`): the page's own work and the building of its messages. The
*send* column is the CPU spent serialising the run's messages as the server does before
sending them (``SerializeToString``), and *bytes* their size. Printed per page: the median
of the warm runs; with ``--profile N`` the top ``N`` functions by cumulative time over the
warm runs (``cProfile``, script thread only).

Nothing is written but the temporary workspace.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from streamlit.testing.v1.local_script_runner import LocalScriptRunner  # noqa: E402

APP = str(ROOT / "streamlit_app.py")
PAGES = {
    "overview": "app/pages/overview.py",
    "gaps": "app/pages/gaps.py",
    "my_beat": "app/pages/my_beat.py",
    "quality": "app/pages/quality.py",
}
USERS = ("chief", "officer")

_PROFILER: list[cProfile.Profile] = []
_CPU: list[float] = []


def _measured(run: Any) -> Any:
    """Wrap the AppTest script thread so its CPU (and profile) are recorded."""

    def thread(self: LocalScriptRunner) -> None:
        profiler = _PROFILER[0] if _PROFILER else None
        start = time.thread_time()
        if profiler is not None:
            profiler.enable()
        try:
            run(self)
        finally:
            if profiler is not None:
                profiler.disable()
            _CPU.append(time.thread_time() - start)

    return thread


def page_costs(
    page: str, user: str, *, runs: int, profile: int
) -> tuple[list[float], list[float], list[int], str]:
    """Return the warm runs' CPU, send CPU and bytes of ``page`` as ``user``, and a profile."""
    from tests.support.login import logged_in

    sent: list[float] = []
    sizes: list[int] = []
    original = LocalScriptRunner.forward_msgs

    def forward_msgs(self: LocalScriptRunner) -> Any:
        messages = original(self)
        start = time.process_time()
        size = sum(len(m.SerializeToString()) for m in messages)
        sent.append(time.process_time() - start)
        sizes.append(size)
        return messages

    at = logged_in(APP, user)
    if page != "overview":
        at.switch_page(PAGES[page]).run()  # cold
    else:
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    _CPU.clear()
    profiler = cProfile.Profile()
    if profile:
        _PROFILER.append(profiler)
    LocalScriptRunner.forward_msgs = forward_msgs  # type: ignore[method-assign]
    try:
        for _ in range(runs):
            at.run()
            assert not at.exception, [e.value for e in at.exception]
    finally:
        LocalScriptRunner.forward_msgs = original  # type: ignore[method-assign]
        _PROFILER.clear()
    text = ""
    if profile:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(profile)
        stats.print_stats(str(ROOT / "(app|analysis|geo)"), profile)
        text = out.getvalue()
    return list(_CPU), sent, sizes, text


def main(argv: Sequence[str] | None = None) -> int:
    """Print each page's warm CPU per run (median), and profiles when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="warm runs per page (default 5)")
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--users", nargs="+", default=list(USERS), choices=list(USERS))
    args = parser.parse_args(argv)
    LocalScriptRunner._run_script_thread = _measured(  # type: ignore[method-assign]
        LocalScriptRunner._run_script_thread
    )
    with tempfile.TemporaryDirectory(prefix="beatcov-page-cost-") as work:
        os.environ["BEATCOV_WORKSPACE"] = work
        rows = []
        for user in args.users:
            for page in args.pages:
                cpu, sent, sizes, text = page_costs(
                    page, user, runs=args.runs, profile=args.profile
                )
                rows.append((user, page, cpu, sent, sizes))
                if text:
                    print(f"--- {user} {page}: profile of {args.runs} warm runs\n{text}")
    print(f"{'user':<8} {'page':<9} {'cpu s':>7} {'min s':>7} {'send s':>7} {'bytes':>10}")
    for user, page, cpu, sent, sizes in rows:
        print(
            f"{user:<8} {page:<9} {statistics.median(cpu):7.3f} {min(cpu):7.3f} "
            f"{statistics.median(sent):7.3f} {statistics.median(sizes):10,.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run ``python -m analysis ...`` in a child process that marks the time of each step.

Shared by ``benchmarks/coverage_cli.py`` and ``benchmarks/pipeline.py``. The child process is
``analysis.cli.main`` unchanged, with its progress bar (``tqdm``) replaced by one that writes
the wall time, CPU time and memory of each label to a file; ``write_outputs`` is wrapped to
mark when writing starts. Not a benchmark itself (``make bench`` skips ``benchmarks/_*.py``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from geo.demo import DEMO_TIMEZONE
from geo.settings import DEFAULTS

ROOT = Path(__file__).resolve().parents[1]


CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
sys.path.insert(0, os.environ["BEATCOV_ROOT"])
log = open(os.environ["BEATCOV_BENCH_STEPS"], "a", buffering=1)

def note(label):
    mem = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                mem[line.split(":")[0]] = int(line.split()[1]) / 1024
    log.write(json.dumps({"label": label, "t": time.perf_counter() - t0,
                          "cpu": time.process_time(),
                          "rss": mem["VmRSS"], "hwm": mem["VmHWM"]}) + "\n")

note("(imports)")
import analysis.cli as cli

class Bar:
    def __init__(self, *args, **kwargs):
        pass
    def set_description(self, label):
        note(label)
    def update(self, n=1):
        pass
    def close(self):
        note("(end)")

cli.tqdm = Bar
write_outputs = cli.write_outputs

def timed_write(*args, **kwargs):
    note("writing files")
    return write_outputs(*args, **kwargs)

cli.write_outputs = timed_write
if os.environ.get("BEATCOV_BENCH_STRAIGHT") == "1":
    load_streets = cli.load_streets

    def no_walk_graph(path, *, network_type=None, **kwargs):
        if network_type == "walk":
            return None
        return load_streets(path, network_type=network_type, **kwargs)

    cli.load_streets = no_walk_graph
overrides = json.loads(os.environ.get("BEATCOV_BENCH_SETTINGS") or "{}")
if overrides:  # settings the command line has no option for, e.g. the input-size limits
    cli.DEFAULTS = cli.DEFAULTS.replace(**overrides)
sys.exit(cli.main(sys.argv[1:]))
"""


def input_limits(files: Iterable[Path], *, records: int) -> dict[str, int]:
    """Return the CLI's input-size limits raised just enough to admit ``files``.

    The defaults (:mod:`geo.limits`: 200 MB a file, 2,000,000 records, 10,000,000 vertices)
    refuse a file of 10M visits, and the CLI has no option for them; pass the result to
    :func:`run_cli` as ``settings=``, and the checks still run, against these values. Only
    the limits that must rise are returned (none at small sizes). Not far above the need:
    GDAL readers allocate for ``max_records`` features (pyogrio's ``max_features``), so a
    limit of 10**9 records costs gigabytes however small the file.
    """
    largest = max(path.stat().st_size for path in files)
    wanted = {
        "upload_max_bytes": largest,
        "unpacked_max_bytes": int(DEFAULTS.unpacked_max_ratio * largest),
        "max_records": records,
        "max_cells": 32 * records,  # records x columns; the inputs have fewer than 32
        "max_vertices": 2 * records,  # points: one vertex each, GeoParquet's estimate 1.3
    }
    return {k: v for k, v in wanted.items() if v > getattr(DEFAULTS, k)}


@dataclass
class Run:
    name: str
    code: int | None
    wall_s: float
    peak_mib: float
    steps: list[dict[str, Any]] = field(default_factory=list)
    stopped: str = ""
    stderr_tail: str = ""
    cpu_s: float = float("nan")
    """User + system CPU seconds of the child (``os.wait4``), from its start to its exit."""
    user_s: float = float("nan")
    """The user part of :attr:`cpu_s`."""
    sys_s: float = float("nan")
    """The system part of :attr:`cpu_s`: the kernel's, mostly handing over and clearing
    fresh memory pages and writing the outputs; the part that varies most between runs."""


def rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_cli(
    name: str,
    inputs: dict[str, Any],
    work: Path,
    *,
    straight: bool,
    timeout_s: float,
    max_rss_gib: float,
    settings: dict[str, Any] | None = None,
    extra: Iterable[str] = (),
) -> Run:
    """Run ``python -m analysis coverage`` on ``inputs`` in a child process, marking its steps.

    ``settings`` replaces fields of the CLI's default :class:`geo.settings.Settings` in the
    child (the CLI has no option for most of them); ``straight`` skips the walk graph;
    ``extra`` are further options (``--engine dask --scheduler ...``).
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    out = work / f"out-{slug}"
    steps_file = work / f"steps-{slug}.jsonl"
    err_file = work / f"stderr-{slug}.txt"
    steps_file.unlink(missing_ok=True)
    argv = [
        "coverage",
        "--households", str(inputs["households"]),
        "--visits", str(inputs["visits"]),
        "--beats", str(inputs["beats"]),
        "--streets", str(inputs["streets"]),
        "--coords", str(inputs.get("coords", "wgs84")),
        "--timezone", DEMO_TIMEZONE,
        "--out", str(out),
        *extra,
    ]  # fmt: skip
    env = os.environ | {
        "BEATCOV_ROOT": str(ROOT),
        "BEATCOV_BENCH_STEPS": str(steps_file),
        "BEATCOV_BENCH_STRAIGHT": "1" if straight else "0",
        "BEATCOV_BENCH_SETTINGS": json.dumps(settings or {}),
    }
    started = time.perf_counter()
    with err_file.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, *argv],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
        stopped = ""
        seen_peak = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            rss = rss_mib(proc.pid)
            seen_peak = max(seen_peak, rss)
            elapsed = time.perf_counter() - started
            if not stopped and elapsed > timeout_s:
                stopped = f"timeout after {elapsed:.0f} s"
            if not stopped and rss > max_rss_gib * 1024:
                stopped = f"RSS {rss / 1024:.1f} GiB > {max_rss_gib} GiB"
            if stopped:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    steps = [json.loads(line) for line in steps_file.read_text().splitlines() if line]
    tail = "\n".join(err_file.read_text(errors="replace").splitlines()[-8:])
    # the child's own high-water mark (VmHWM) at its last mark, "(end)" just before it exits;
    # not ru_maxrss, which counts the parent's pages when the child was forked from it
    peak = max([seen_peak] + [mark["hwm"] for mark in steps])
    cpu = usage.ru_utime + usage.ru_stime
    return Run(
        name, proc.returncode, wall, peak, steps, stopped, tail, cpu, usage.ru_utime, usage.ru_stime
    )


def step_table(run: Run) -> pd.DataFrame:
    rows = []
    marks = run.steps
    for here, there in zip(marks, marks[1:], strict=False):
        rows.append(
            {
                "step": here["label"],
                "seconds": there["t"] - here["t"],
                "cpu_s": there["cpu"] - here["cpu"],
                "rss_end_mib": there["rss"],
                "peak_so_far_mib": there["hwm"],
            }
        )
    if marks and (run.stopped or marks[-1]["label"] != "(end)"):
        nan = float("nan")
        rows.append({"step": f"{marks[-1]['label']} [unfinished]", "seconds": nan,
                     "cpu_s": nan, "rss_end_mib": nan, "peak_so_far_mib": nan})  # fmt: skip
    frame = pd.DataFrame(rows)
    # main() names "writing outputs" after the files are written; fold it into the writing
    return frame[frame["step"] != "writing outputs"] if len(frame) else frame

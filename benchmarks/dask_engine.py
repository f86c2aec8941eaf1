"""Time ``coverage --engine local`` against ``--engine dask`` on the same data; one JSON line.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python benchmarks/dask_engine.py                     # 200k / 2M
    PYTHONPATH=. .venv/bin/python benchmarks/dask_engine.py --households 20000 --visits 200000

Data: ``--households`` households and ``--visits`` visits over the demo's real street blocks,
from the seeded generator of ``benchmarks/pipeline.py`` (:func:`benchmarks._synthetic.synthesise`,
GeoParquet, WGS84), with the shipped Nanjing extract as ``--streets`` (walk network included).

Runs: the CLI as a user runs it, in a child process (:func:`benchmarks._cli_run.run_cli`),
once with ``--engine local`` and once with ``--engine dask --scheduler ADDRESS`` against a
``LocalCluster`` of ``--workers`` worker processes (default 2) started here before the run,
on 127.0.0.1, no dashboard. CPU seconds are counted for every process that works:

* ``client_cpu_s``: the CLI child's user + system time (``os.wait4``);
* ``workers_cpu_s``: the cluster's worker and nanny processes, from ``psutil`` (user +
  system, their own children included) just before and just after the CLI run; their
  first task pays their imports of beatcov, as on a fresh cluster;
* ``scheduler_cpu_s``: this process's CPU during the run (the scheduler runs here, in a
  thread; this process otherwise only waits);
* ``cpu_s``: their sum. ``cluster_start_s``: wall seconds to start the cluster (not in
  ``wall_s``).

``equal``: the five output files of the two runs are the same bytes. ``local.cpu_s`` /
``wall_s`` are the single-process run's. On this 2-core machine the workers share the two
cores with the client, so Dask cannot win here: the figures show its overhead (sending the
households to each worker, the visits to their parts, the results back).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.dask_engine import local_cluster  # noqa: E402
from benchmarks._cli_run import input_limits, run_cli  # noqa: E402
from benchmarks._synthetic import release_memory, synthesise  # noqa: E402
from benchmarks.pipeline import PER_SHIFT, cli_steps, demo_blocks, loadavg  # noqa: E402
from geo.demo import DEMO_FILES  # noqa: E402


def cluster_cpu_s() -> float:
    """Return the CPU seconds of this process's children (the cluster's processes) so far."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def same_outputs(one: Path, other: Path) -> bool:
    names = sorted(p.name for p in one.iterdir())
    if names != sorted(p.name for p in other.iterdir()):
        return False
    return all((one / n).read_bytes() == (other / n).read_bytes() for n in names)


def measure(n_households: int, n_visits: int, *, seed: int, workers: int, work: Path) -> dict:
    load_before = loadavg()
    streets = work / DEMO_FILES["streets"].name
    shutil.copyfile(DEMO_FILES["streets"], streets)
    blocks = demo_blocks(streets)
    paths = synthesise(
        n_households,
        n_visits,
        work / "synthetic",
        fmt="parquet",
        seed=seed,
        per_shift=PER_SHIFT,
        within=blocks.geometry,
    )
    del blocks
    release_memory()
    inputs = {**paths, "streets": streets}
    limits = input_limits(paths.values(), records=max(n_households, n_visits))
    common = {"straight": False, "timeout_s": 3600.0, "max_rss_gib": 12.0, "settings": limits}
    local = run_cli("local", inputs, work, **common)

    started = time.perf_counter()
    with local_cluster(workers) as cluster:
        start_s = time.perf_counter() - started
        workers_before, here_before = cluster_cpu_s(), time.process_time()
        extra = ("--engine", "dask", "--scheduler", cluster.scheduler_address)
        dask = run_cli("dask", inputs, work, extra=extra, **common)
        workers_cpu = cluster_cpu_s() - workers_before
        scheduler_cpu = time.process_time() - here_before
    for run in (local, dask):
        if run.code != 0 or run.stopped:
            msg = f"the {run.name} run failed ({run.stopped or run.code}):\n{run.stderr_tail}"
            raise RuntimeError(msg)
    return {
        "households": n_households,
        "visits": n_visits,
        "seed": seed,
        "local": {
            "cpu_s": round(local.cpu_s, 2),
            "wall_s": round(local.wall_s, 2),
            "peak_rss_mb": round(local.peak_mib, 1),
            "steps": cli_steps(local),
        },
        "dask": {
            "workers": workers,
            "cpu_s": round(dask.cpu_s + workers_cpu + scheduler_cpu, 2),
            "client_cpu_s": round(dask.cpu_s, 2),
            "workers_cpu_s": round(workers_cpu, 2),
            "scheduler_cpu_s": round(scheduler_cpu, 2),
            "wall_s": round(dask.wall_s, 2),
            "client_peak_rss_mb": round(dask.peak_mib, 1),
            "cluster_start_s": round(start_s, 2),
            "steps": cli_steps(dask),
        },
        "equal": same_outputs(work / "out-local", work / "out-dask"),
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The coverage CLI: --engine local vs dask.")
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--visits", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, help="keep inputs and outputs in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="beatcov-dask-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        record: dict[str, Any] = measure(
            args.households, args.visits, seed=args.seed, workers=args.workers, work=work
        )
    print(json.dumps(record))
    return 0 if record["equal"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

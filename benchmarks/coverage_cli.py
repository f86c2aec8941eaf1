"""Time the whole ``python -m analysis coverage`` command, on the demo and at scale.

Run from the repository root::

    .venv/bin/python benchmarks/coverage_cli.py                      # demo + 1M / 10M
    .venv/bin/python benchmarks/coverage_cli.py --skip-large         # demo only
    .venv/bin/python benchmarks/coverage_cli.py --households 200000 --visits 2000000

What it does:

- runs the CLI as a subprocess on the demo as a user would (``data/demo``: GBK CSV in
  GCJ-02, so ``--coords gcj02``; streets from a copy of the shipped extract in a temporary
  folder, so the repository is not written);
- generates synthetic inputs in a temporary folder, vectorised: ``--households`` random
  points in the demo beats; officers assigned to beats in proportion to their households
  (``--visits-per-shift`` visits a shift, about 63 shifts in 90 days); every shift walks
  door to door along the beat's households sorted on a space-filling curve (neighbours a
  few metres apart, a few minutes between logs) in a morning, midday, working-hours or
  evening band; outcomes depend on the band; contacts last 5-25 minutes, other attempts
  1-3; GPS points are 12 m (sd) from the door, 1 % missing, 0.3 % logged 300 m away, 0.5 %
  of contacts last one minute; 5 % of contacts raise an issue (none is followed up: the
  generator does not revisit households on purpose), 40 % give a satisfaction score. The
  beats file is the demo's with the synthetic officers listed. Inputs are GeoParquet by
  default (``--format csv`` for CSV). The CLI's input-size limits are raised for these runs
  just enough (``benchmarks._cli_run.input_limits``): its defaults refuse 10M visits;
- **baseline**: the same CLI with verification's travel check on straight lines instead of
  the street network (the walk graph is not loaded), so the difference is the cost of
  ``impossible_travel`` on the network (loading the walk graph plus the shortest paths);
- reports for each run the wall time, the wall and CPU time of every step (the CLI's
  progress labels; writing the files is timed on its own) and the peak RSS of the CLI
  process (its own ``VmHWM`` just before it exits: ``os.wait4``'s ``ru_maxrss`` would count
  the parent's pages, the child being forked from it), with the RSS at the end of each step.

A run is stopped when it exceeds ``--timeout`` seconds or ``--max-rss-gib`` of resident
memory, and the step it was in is reported.

How the steps are timed: the child process is ``analysis.cli.main`` unchanged, with its
progress bar (``tqdm``) replaced by one that writes the time and memory of each label to a
file; ``write_outputs`` is wrapped to mark when writing starts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._cli_run import Run, input_limits, run_cli, step_table  # noqa: E402
from benchmarks._synthetic import release_memory, synthesise  # noqa: E402
from geo.demo import DEMO_COORDS, DEMO_FILES  # noqa: E402


def report(run: Run) -> None:
    state = "ok" if run.code == 0 else f"exit {run.code}"
    if run.stopped:
        state = f"STOPPED: {run.stopped}"
    print(f"\n== {run.name}: {state}; wall {run.wall_s:.1f} s; peak RSS {run.peak_mib:,.0f} MiB")
    table = step_table(run)
    if len(table):
        print(table.round(2).to_string(index=False))
    if run.code not in (0, None) or run.stopped:
        print("stderr tail:\n" + run.stderr_tail)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time python -m analysis coverage.")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=10_000_000)
    parser.add_argument("--skip-large", action="store_true", help="time the demo only")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--visits-per-shift", type=int, default=25)
    parser.add_argument("--no-baseline", action="store_true", help="skip the straight-line runs")
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per run")
    parser.add_argument("--max-rss-gib", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, help="keep inputs and outputs in this folder")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="beatcov-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        streets = work / DEMO_FILES["streets"].name
        shutil.copyfile(DEMO_FILES["streets"], streets)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; work folder {work}")
        limits = {"timeout_s": args.timeout, "max_rss_gib": args.max_rss_gib}
        demo: dict[str, Any] = {k: DEMO_FILES[k] for k in ("households", "visits", "beats")}
        demo.update(streets=streets, coords=DEMO_COORDS)
        variants = [False] if args.no_baseline else [False, True]
        for straight in variants:
            label = "demo, straight-line travel (baseline)" if straight else "demo, walk network"
            report(run_cli(label, demo, work, straight=straight, **limits))
        if args.skip_large:
            return 0

        size = f"{args.households:,} households / {args.visits:,} visits"
        started = time.perf_counter()
        inputs = synthesise(
            args.households,
            args.visits,
            work / "synthetic",
            fmt=args.format,
            seed=args.seed,
            per_shift=args.visits_per_shift,
        )
        raised = input_limits(inputs.values(), records=max(args.households, args.visits))
        inputs["streets"] = streets
        made = time.perf_counter() - started
        release_memory()  # the generator's frames are gone; give their pages back
        sizes = ", ".join(
            f"{p.name} {p.stat().st_size / 2**20:,.0f} MiB"
            for k, p in inputs.items()
            if k != "streets"
        )
        print(f"\ngenerated {size} as {args.format} in {made:.1f} s ({sizes})")
        for straight in variants:
            how = "straight-line travel (baseline)" if straight else "walk network"
            label = f"{size}, {how}"
            report(run_cli(label, inputs, work, straight=straight, settings=raised, **limits))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

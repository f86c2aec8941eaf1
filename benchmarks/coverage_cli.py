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
  default (``--format csv`` for CSV);
- **baseline**: the same CLI with verification's travel check on straight lines instead of
  the street network (the walk graph is not loaded), so the difference is the cost of
  ``impossible_travel`` on the network (loading the walk graph plus the shortest paths);
- reports for each run the wall time, the time of every step (the CLI's progress labels;
  writing the files is timed on its own) and the peak RSS of the CLI process
  (``os.wait4``'s ``ru_maxrss``), with the RSS at the end of each step.

A run is stopped when it exceeds ``--timeout`` seconds or ``--max-rss-gib`` of resident
memory, and the step it was in is reported.

How the steps are timed: the child process is ``analysis.cli.main`` unchanged, with its
progress bar (``tqdm``) replaced by one that writes the time and memory of each label to a
file; ``write_outputs`` is wrapped to mark when writing starts.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.demo import DEMO_COORDS, DEMO_FILES, DEMO_TIMEZONE, load_demo  # noqa: E402
from geo.projection import local_utm  # noqa: E402

DAYS = 90
WINDOW_START = pd.Timestamp("2026-07-01 00:00", tz=DEMO_TIMEZONE)
BANDS = {  # name: (start hour, probability of a shift, chance somebody is home)
    "morning": (6, 0.20, 0.60),
    "midday": (11, 0.20, 0.40),
    "working": (9, 0.175, 0.25),
    "afternoon": (14, 0.175, 0.25),
    "evening": (17, 0.25, 0.70),
}
VULNERABLE = np.array(["elderly_alone", "disabled", "sick", "poor", "left_behind_child"])

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
sys.exit(cli.main(sys.argv[1:]))
"""


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    name: str
    code: int | None
    wall_s: float
    peak_mib: float
    steps: list[dict[str, Any]] = field(default_factory=list)
    stopped: str = ""
    stderr_tail: str = ""


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
) -> Run:
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
    ]  # fmt: skip
    env = os.environ | {
        "BEATCOV_ROOT": str(ROOT),
        "BEATCOV_BENCH_STEPS": str(steps_file),
        "BEATCOV_BENCH_STRAIGHT": "1" if straight else "0",
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
    peak = max(usage.ru_maxrss / 1024, seen_peak)
    return Run(name, proc.returncode, wall, peak, steps, stopped, tail)


def step_table(run: Run) -> pd.DataFrame:
    rows = []
    marks = run.steps
    for here, there in zip(marks, marks[1:], strict=False):
        rows.append(
            {
                "step": here["label"],
                "seconds": there["t"] - here["t"],
                "rss_end_mib": there["rss"],
                "peak_so_far_mib": there["hwm"],
            }
        )
    if marks and (run.stopped or marks[-1]["label"] != "(end)"):
        rows.append({"step": f"{marks[-1]['label']} [unfinished]", "seconds": float("nan"),
                     "rss_end_mib": float("nan"), "peak_so_far_mib": float("nan")})  # fmt: skip
    frame = pd.DataFrame(rows)
    # main() names "writing outputs" after the files are written; fold it into the writing
    return frame[frame["step"] != "writing outputs"] if len(frame) else frame


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


# --------------------------------------------------------------------------- synthetic data


def release_memory() -> None:
    """Collect garbage and return freed heap pages to the system (glibc ``malloc_trim``)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def morton(ix: np.ndarray, iy: np.ndarray, bits: int = 20) -> np.ndarray:
    key = np.zeros(len(ix), dtype=np.int64)
    for bit in range(bits):
        key |= ((ix >> bit) & 1) << (2 * bit)
        key |= ((iy >> bit) & 1) << (2 * bit + 1)
    return key


def zero_padded(prefix: str, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), width))


def synthesise(
    n_households: int, n_visits: int, folder: Path, *, fmt: str, seed: int, per_shift: int
) -> dict[str, Path]:
    """Write households, visits and beats for the demo beats into ``folder``."""
    rng = np.random.default_rng(seed)
    beats = load_demo().beats  # canonical columns (beat_id, name, station, officer_ids)
    metric = local_utm(beats.geometry)
    beats_m = beats.geometry.to_crs(metric)
    areas = beats_m.area.to_numpy()
    per_beat = rng.multinomial(n_households, areas / areas.sum())

    # households: uniform points inside each beat, sorted on a Z-order curve (1 m cells)
    xs, ys = [], []
    for geom, want in zip(beats_m, per_beat, strict=True):
        shapely.prepare(geom)
        minx, miny, maxx, maxy = geom.bounds
        fill = geom.area / ((maxx - minx) * (maxy - miny))
        got_x, got_y, need = [], [], int(want)
        while need > 0:
            m = int(need / fill * 1.1) + 64
            x, y = rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)
            keep = shapely.contains_xy(geom, x, y)
            got_x.append(x[keep][:need])
            got_y.append(y[keep][:need])
            need -= len(got_x[-1])
        x, y = np.concatenate(got_x), np.concatenate(got_y)
        order = np.argsort(morton((x - minx).astype(np.int64), (y - miny).astype(np.int64)))
        xs.append(x[order])
        ys.append(y[order])
    hx, hy = np.concatenate(xs), np.concatenate(ys)
    offset = np.concatenate([[0], np.cumsum(per_beat)[:-1]])
    to_wgs = pyproj.Transformer.from_crs(metric, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(hx, hy)
    household_ids = zero_padded("0", n_households, 9)
    kind = np.where(rng.random(n_households) < 0.98, "household", "shop")
    vulnerable = np.where(
        (rng.random(n_households) < 0.08) & (kind == "household"),
        VULNERABLE[rng.integers(0, len(VULNERABLE), n_households)],
        "",
    )
    households = pd.DataFrame(
        {
            "household_id": household_ids,
            "address": np.char.add("Synthetic st ", (np.arange(n_households) // 20).astype(str)),
            "residents": np.where(kind == "household", rng.integers(1, 6, n_households), 0),
            "vulnerable": vulnerable,
            "kind": kind,
        }
    )

    # officers: in proportion to their beat's households, ~63 shifts of per_shift visits
    shifts_per_officer = 63
    n_officers = max(len(beats), -(-n_visits // (per_shift * shifts_per_officer)))
    quantile = (np.arange(n_officers) + 0.5) / n_officers
    officer_beat = np.minimum(
        np.searchsorted(np.cumsum(per_beat) / n_households, quantile), len(beats) - 1
    )
    officer_ids = zero_padded("P", n_officers, 6)
    beats = beats.assign(
        officer_ids=[";".join(officer_ids[officer_beat == b]) for b in range(len(beats))]
    )

    # visits: officer o logs its share as shifts of per_shift doors along its beat's curve
    counts = np.full(n_officers, n_visits // n_officers)
    counts[: n_visits % n_officers] += 1
    officer = np.repeat(np.arange(n_officers), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    j = np.arange(n_visits) - first[officer]
    shift, door = j // per_shift, j % per_shift
    max_shifts = int(shift.max()) + 1
    if max_shifts > DAYS:
        msg = f"{max_shifts} shifts per officer do not fit in {DAYS} days; raise --visits-per-shift"
        raise SystemExit(msg)
    days = np.sort(np.argsort(rng.random((n_officers, DAYS)), axis=1)[:, :max_shifts], axis=1)
    band_names = list(BANDS)
    band = rng.choice(len(BANDS), size=(n_officers, max_shifts),
                      p=[BANDS[b][1] for b in band_names])  # fmt: skip
    start_hour = np.array([BANDS[b][0] for b in band_names])[band]
    start_min = start_hour * 60 + rng.uniform(0, 30, (n_officers, max_shifts))
    minute = (
        days[officer, shift] * 1440.0
        + start_min[officer, shift]
        + door * 6.0
        + rng.uniform(-2.0, 2.0, n_visits)
    )
    beat = officer_beat[officer]
    size = per_beat[beat]
    begin = rng.integers(0, np.iinfo(np.int64).max, (n_officers, max_shifts))[officer, shift]
    stride = rng.integers(1, 4, (n_officers, max_shifts))[officer, shift]
    house = offset[beat] + (begin % size + door * stride) % size

    home_rate = np.array([BANDS[b][2] for b in band_names])[band[officer, shift]]
    home = rng.random(n_visits) < home_rate
    outcome = np.where(home, np.where(rng.random(n_visits) < 0.95, "contact", "refused"),
                       "nobody_home")  # fmt: skip
    contact = outcome == "contact"
    duration = np.where(contact, rng.integers(5, 26, n_visits), rng.integers(1, 4, n_visits))
    duration = np.where(contact & (rng.random(n_visits) < 0.005), 1, duration)
    gx = hx[house] + rng.normal(0, 12, n_visits)
    gy = hy[house] + rng.normal(0, 12, n_visits)
    far = rng.random(n_visits) < 0.003
    gx[far] += 300.0
    glon, glat = to_wgs.transform(gx, gy)
    no_fix = rng.random(n_visits) < 0.01
    glon[no_fix] = np.nan
    glat[no_fix] = np.nan
    issue = contact & (rng.random(n_visits) < 0.05)
    rated = contact & (rng.random(n_visits) < 0.4)
    visits = pd.DataFrame(
        {
            "visit_id": zero_padded("V", n_visits, 9),
            "household_id": household_ids[house],
            "officer_id": officer_ids[officer],
            "time": WINDOW_START + pd.to_timedelta(np.round(minute * 60), unit="s"),
            "outcome": outcome,
            "duration_min": duration.astype(float),
            "issue_raised": np.where(issue, "streetlight out", ""),
            "follow_up_of": "",
            "satisfaction": pd.array(
                np.where(rated, rng.integers(1, 6, n_visits), 0), dtype="Int64"
            ),
            "note": "",
        }
    )
    visits.loc[~rated, "satisfaction"] = pd.NA

    folder.mkdir(parents=True, exist_ok=True)
    paths = {"beats": folder / "beats.geojson"}
    beats.to_file(paths["beats"], driver="GeoJSON", engine="pyogrio")
    if fmt == "parquet":
        paths["households"] = folder / "households.parquet"
        paths["visits"] = folder / "visits.parquet"
        gpd.GeoDataFrame(
            households, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
        ).to_parquet(paths["households"])
        gps = gpd.points_from_xy(glon, glat)
        gps[no_fix] = None
        gpd.GeoDataFrame(visits, geometry=gps, crs="EPSG:4326").to_parquet(paths["visits"])
    else:
        paths["households"] = folder / "households.csv"
        paths["visits"] = folder / "visits.csv"
        households.insert(1, "lon", np.round(lon, 7))
        households.insert(2, "lat", np.round(lat, 7))
        households.to_csv(paths["households"], index=False)
        visits.insert(6, "lon", np.round(glon, 7))
        visits.insert(7, "lat", np.round(glat, 7))
        visits["time"] = visits["time"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        visits.to_csv(paths["visits"], index=False)
    return paths


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
            report(run_cli(label, inputs, work, straight=straight, **limits))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

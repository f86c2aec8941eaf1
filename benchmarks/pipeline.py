"""Time ``python -m analysis coverage`` against a naive geopandas baseline on the same data.

Run from the repository root (prints one JSON line)::

    PYTHONPATH=. .venv/bin/python benchmarks/pipeline.py                       # 1M / 10M
    PYTHONPATH=. .venv/bin/python benchmarks/pipeline.py --households 20000 --visits 200000

Data
    ``--households`` households and ``--visits`` visits from the seeded generator of
    ``benchmarks/coverage_cli.py`` (:func:`benchmarks._synthetic.synthesise`), as GeoParquet
    in WGS84, with every household inside one of the demo's real street blocks (the
    ``drive_service`` blocks of the shipped Nanjing extract, built by
    :func:`geo.blocks.blocks_from_graph` as the CLI builds them) and at least 1 m from any
    block or beat edge, so any point-in-polygon rule places it alike. Visits' GPS points
    are 12 m (sd) from the door, some 300 m off, 1 % missing.

The CLI run
    A subprocess (:func:`benchmarks._cli_run.run_cli`: ``analysis.cli.main`` unchanged, its
    progress bar replaced by one that marks each label's wall and CPU time). A subprocess,
    not in-process, because the figures are the command's as a user runs it: a fresh
    interpreter paying its imports and the join index's compilation, and memory that is
    the CLI's alone. ``cpu_s`` is the child's user + system time (``os.wait4``; also apart,
    ``user_s`` and ``sys_s``: the system time varies most from run to run), ``wall_s``
    from spawn to exit, ``peak_rss_mb`` the child's own ``VmHWM`` read from
    ``/proc/self/status`` at its last mark, just before it exits (``ru_maxrss`` would count
    the parent's pages, the child being forked from it). ``steps`` are the CLI's progress
    labels, ``(imports)`` being the import of ``analysis.cli`` and ``writing files`` the
    five outputs. The CLI's input-size limits are raised just enough for the inputs
    (:func:`benchmarks._cli_run.input_limits`, in the record as ``cli_settings``; none at
    small sizes): its defaults refuse a file of 10M visits.

Baseline (in this process, after the CLI run; ``baseline_cpu_s`` by ``time.process_time``)
    What someone would write with geopandas for the same headline figures: read the three
    inputs, ``geopandas.sjoin(predicate="within")`` of the households to the blocks and to
    the beats and of the visits' GPS points to the blocks, then pandas ``groupby``:
    households and households with a logged contact (``outcome == "contact"``; the window
    is the visits' whole span, as the CLI's default) per block and per beat. The blocks are
    given (built once before, as above), as they would be to someone holding a blocks
    layer. The baseline does no verification, gaps, trend or output files, which the CLI
    does: ``speedup_vs_baseline`` (``baseline_cpu_s / cpu_s``) compares a whole command
    with that much smaller job.

Join side by side (``join_vs_sjoin``)
    On the households' points, in one run, each timed by ``time.process_time``: the CLI's
    containment join :func:`geo.joins.assign_points` (through :mod:`geo.point_index` from
    ``INDEX_MIN_POINTS`` points; timed twice, the first run ``join_cold_cpu_s`` paying the
    index's one-off compilation, the second giving ``join_points_per_s``) and
    ``geopandas.sjoin(predicate="within")``. ``join_vs_sjoin`` is sjoin's CPU over the warm
    join's; the two answers are checked equal.

Agreement (``agree``: every entry of ``checks`` is true)
    ``blocks``: the CLI's blocks.geojson holds exactly the baseline's block ids, with no
    ``outside`` pseudo-block. ``households_per_block`` / ``households_per_beat``: the CLI's
    ``households`` (blocks.geojson, beats.csv) equal the baseline's sjoin counts, every block
    and beat, zeros included. ``contacted_per_block`` / ``contacted_per_beat``: the CLI's
    ``contacted_households`` equal the baseline's count of households with a counted
    contact, counted by the CLI's definition: :func:`analysis.rules.contact_mask` and
    :func:`analysis.rules.counted_mask` on the CLI's own verdicts (visits.csv ``status``;
    the baseline does not verify visits), in the window (``in_window``), each household
    placed by the baseline's sjoin. ``contacted_as_logged_per_beat``: beats.csv's
    ``coverage_as_logged`` times ``households`` equals the baseline's logged-contact count,
    computed from the input file alone. ``totals``: summary.json's ``households`` is
    ``--households``, its ``contacted_households`` the baseline's total, none outside
    blocks. ``join_same_blocks``: the side-by-side join and sjoin give every household the
    same block.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.rules import contact_mask, counted_mask  # noqa: E402
from benchmarks._cli_run import Run, input_limits, run_cli, step_table  # noqa: E402
from benchmarks._synthetic import release_memory, synthesise  # noqa: E402
from geo.blocks import blocks_from_graph  # noqa: E402
from geo.demo import DEMO_FILES  # noqa: E402
from geo.joins import assign_points  # noqa: E402
from geo.settings import DEFAULTS  # noqa: E402
from geo.streets import load_streets  # noqa: E402

PER_SHIFT = 25
"""Visits an officer logs in a shift (``benchmarks/coverage_cli.py``'s default)."""
RUN_NAME = "pipeline"
"""Name of the CLI run: its outputs go to ``<work>/out-pipeline``."""


def loadavg() -> list[float]:
    """Return the 1, 5 and 15 minute load averages."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def cpu_timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Return ``(CPU seconds of this process, result)`` of ``fn()``."""
    started = time.process_time()
    result = fn()
    return time.process_time() - started, result


def demo_blocks(streets: Path) -> gpd.GeoDataFrame:
    """Return the street blocks of ``streets`` as the CLI builds them (default settings)."""
    graph = load_streets(streets, network_type=DEFAULTS.network_type)
    return blocks_from_graph(graph, settings=DEFAULTS)[["block_id", "geometry"]]


# --------------------------------------------------------------------------- baseline


@dataclass
class Baseline:
    homes: pd.DataFrame  # household_id, block_id, beat_id, contacted_as_logged
    per_block: pd.DataFrame  # households, contacted_as_logged by block_id
    per_beat: pd.DataFrame  # households, contacted_as_logged by beat_id
    gps_in_own_block: float  # share of located visits whose GPS is in their household's block
    sjoin_duplicates: int  # households sjoin put in more than one block or beat
    cpu_s: float
    wall_s: float


def first_match(joined: gpd.GeoDataFrame, column: str) -> pd.Series:
    """Return ``column`` of an sjoin result, one value per left row (the first match)."""
    return joined.loc[~joined.index.duplicated(), column]


def baseline(paths: dict[str, Path], blocks: gpd.GeoDataFrame) -> Baseline:
    """Households and logged contacts per block and beat by sjoin and groupby, timed."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    households = gpd.read_parquet(paths["households"], columns=["household_id", "geometry"])
    visits = gpd.read_parquet(paths["visits"], columns=["household_id", "outcome", "geometry"])
    beats = gpd.read_file(paths["beats"], columns=["beat_id"])
    in_block = gpd.sjoin(households, blocks, predicate="within", how="left")
    in_beat = gpd.sjoin(households, beats[["beat_id", "geometry"]], predicate="within", how="left")
    gps = gpd.sjoin(visits[["household_id", "geometry"]], blocks, predicate="within", how="left")
    duplicates = int(in_block.index.duplicated().sum() + in_beat.index.duplicated().sum())
    homes = pd.DataFrame(
        {
            "household_id": households["household_id"],
            "block_id": first_match(in_block, "block_id"),
            "beat_id": first_match(in_beat, "beat_id"),
        }
    )
    contacted = visits.loc[visits["outcome"] == "contact", "household_id"].unique()
    homes["contacted_as_logged"] = homes["household_id"].isin(contacted)
    figures = {
        "households": ("household_id", "size"),
        "contacted_as_logged": ("contacted_as_logged", "sum"),
    }
    per_block = homes.groupby("block_id").agg(**figures)
    per_beat = homes.groupby("beat_id").agg(**figures)
    gps = gps.loc[~gps.index.duplicated()]
    home_block = gps["household_id"].map(homes.set_index("household_id")["block_id"])
    located = visits.geometry.notna().to_numpy()
    same = (gps["block_id"] == home_block).fillna(False).to_numpy()[located]
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return Baseline(homes, per_block, per_beat, float(same.mean()), duplicates, cpu, wall)


# --------------------------------------------------------------------------- join side by side


def join_side_by_side(households: Path, blocks: gpd.GeoDataFrame) -> dict[str, Any]:
    """Time the CLI's point-to-block join and sjoin on the same points, in CPU seconds."""
    points = gpd.read_parquet(households, columns=["geometry"])

    def ours() -> pd.Series:
        return assign_points(points, blocks, id_column="block_id")

    cold_s, _ = cpu_timed(ours)
    warm_s, got = cpu_timed(ours)
    sjoin_s, joined = cpu_timed(lambda: gpd.sjoin(points, blocks, predicate="within", how="left"))
    theirs = first_match(joined, "block_id").reindex(points.index)
    same = got.astype("string").fillna("").equals(theirs.astype("string").fillna(""))
    n = len(points)
    return {
        "join_points": n,
        "join_cold_cpu_s": round(cold_s, 3),
        "join_cpu_s": round(warm_s, 3),
        "sjoin_cpu_s": round(sjoin_s, 3),
        "join_points_per_s": round(n / warm_s) if warm_s > 0 else None,
        "sjoin_points_per_s": round(n / sjoin_s) if sjoin_s > 0 else None,
        "join_vs_sjoin": round(sjoin_s / warm_s, 2) if warm_s > 0 else None,
        "join_same_blocks": same,
    }


# --------------------------------------------------------------------------- agreement


def equal_counts(cli: pd.Series, ours: pd.Series) -> bool:
    """Whether two counts by id are equal for every id of either (missing counts as 0)."""
    ids = cli.index.union(ours.index)
    a = cli.reindex(ids).fillna(0).to_numpy(dtype=np.int64)
    b = ours.reindex(ids).fillna(0).to_numpy(dtype=np.int64)
    return bool((a == b).all())


def compare(out: Path, base: Baseline, blocks: gpd.GeoDataFrame, n_households: int) -> dict:
    """Return the agreement checks of the module docstring, each true or false."""
    cli_blocks = gpd.read_file(
        out / "blocks.geojson",
        columns=["block_id", "households", "contacted_households"],
        ignore_geometry=True,
    ).set_index("block_id")
    cli_beats = pd.read_csv(
        out / "beats.csv",
        usecols=["beat_id", "households", "contacted_households", "coverage_as_logged"],
    ).set_index("beat_id")
    summary = json.loads((out / "summary.json").read_text())
    visits = pd.read_csv(
        out / "visits.csv",
        usecols=["household_id", "status", "outcome", "in_window"],
        dtype={"household_id": str, "status": str, "outcome": str},
        engine="pyarrow",
    )
    counted = contact_mask(visits) & counted_mask(visits, settings=DEFAULTS)
    counted &= visits["in_window"].to_numpy(dtype=bool)
    homes = base.homes.assign(
        contacted=base.homes["household_id"].isin(visits.loc[counted, "household_id"].unique())
    )
    logged_cli = np.rint(cli_beats["coverage_as_logged"] * cli_beats["households"])
    return {
        "blocks": set(cli_blocks.index) == set(blocks["block_id"]),
        "households_per_block": equal_counts(
            cli_blocks["households"], base.per_block["households"]
        ),
        "households_per_beat": equal_counts(cli_beats["households"], base.per_beat["households"]),
        "contacted_per_block": equal_counts(
            cli_blocks["contacted_households"], homes.groupby("block_id")["contacted"].sum()
        ),
        "contacted_per_beat": equal_counts(
            cli_beats["contacted_households"], homes.groupby("beat_id")["contacted"].sum()
        ),
        "contacted_as_logged_per_beat": equal_counts(
            logged_cli, base.per_beat["contacted_as_logged"]
        ),
        "totals": summary["households"] == n_households
        and summary["contacted_households"] == int(homes["contacted"].sum())
        and summary["households_outside_blocks"] == 0,
    }


# --------------------------------------------------------------------------- measure


def cli_steps(run: Run) -> dict[str, dict[str, float]]:
    """Return CPU and wall seconds per progress label of the CLI run."""
    table = step_table(run)
    return {
        row.step: {"cpu_s": round(row.cpu_s, 3), "wall_s": round(row.seconds, 3)}
        for row in table.itertuples()
    }


def measure(
    n_households: int,
    n_visits: int,
    *,
    seed: int,
    work: Path,
    timeout_s: float = 3600.0,
    max_rss_gib: float = 16.0,
) -> dict[str, Any]:
    """Generate the inputs in ``work``, run the CLI and the baseline, return the record."""
    load_before = loadavg()
    streets = work / DEMO_FILES["streets"].name
    shutil.copyfile(DEMO_FILES["streets"], streets)
    blocks = demo_blocks(streets)
    started = time.perf_counter()
    paths = synthesise(
        n_households,
        n_visits,
        work / "synthetic",
        fmt="parquet",
        seed=seed,
        per_shift=PER_SHIFT,
        within=blocks.geometry,
    )
    generate_s = time.perf_counter() - started
    release_memory()  # the generator's frames are gone; give their pages back

    limits = input_limits(paths.values(), records=max(n_households, n_visits))
    run = run_cli(
        RUN_NAME,
        {**paths, "streets": streets},
        work,
        straight=False,
        timeout_s=timeout_s,
        max_rss_gib=max_rss_gib,
        settings=limits,
    )
    if run.code != 0 or run.stopped:
        msg = f"the CLI failed ({run.stopped or f'exit {run.code}'}):\n{run.stderr_tail}"
        raise RuntimeError(msg)
    base = baseline(paths, blocks)
    join = join_side_by_side(paths["households"], blocks)
    checks = compare(work / f"out-{RUN_NAME}", base, blocks, n_households)
    checks["join_same_blocks"] = join["join_same_blocks"]
    checks["sjoin_no_duplicates"] = base.sjoin_duplicates == 0
    return {
        "households": n_households,
        "visits": n_visits,
        "seed": seed,
        "blocks": len(blocks),
        "cpu_s": round(run.cpu_s, 2),
        "user_s": round(run.user_s, 2),
        "sys_s": round(run.sys_s, 2),
        "wall_s": round(run.wall_s, 2),
        "peak_rss_mb": round(run.peak_mib, 1),
        "steps": cli_steps(run),
        "cli_settings": limits,
        **{k: v for k, v in join.items() if k != "join_same_blocks"},
        "baseline_cpu_s": round(base.cpu_s, 2),
        "baseline_wall_s": round(base.wall_s, 2),
        "speedup_vs_baseline": round(base.cpu_s / run.cpu_s, 3),
        "baseline_gps_in_own_block": round(base.gps_in_own_block, 4),
        "agree": all(checks.values()),
        "checks": checks,
        "generate_s": round(generate_s, 2),
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The coverage CLI against a naive baseline.")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds for the CLI run")
    parser.add_argument("--max-rss-gib", type=float, default=16.0, help="stop the CLI above this")
    parser.add_argument("--work", type=Path, help="keep inputs and outputs in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="beatcov-pipeline-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        record = measure(
            args.households,
            args.visits,
            seed=args.seed,
            work=work,
            timeout_s=args.timeout,
            max_rss_gib=args.max_rss_gib,
        )
    print(json.dumps(record))
    return 0 if record["agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

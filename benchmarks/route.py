"""Score the walk-route solver: priority collected vs nearest-next and vs the exact optimum.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python benchmarks/route.py            # 50 demo + 2 x 10 real
    PYTHONPATH=. .venv/bin/python benchmarks/route.py --demo 10 --real 0

Nothing is written to disk (the demo's street file is copied to a temporary folder, as the
CLI caches its graph beside it). The seed is fixed, so every run prints the same instances.

Instances
---------
* **demo** (``--demo`` instances, default 50): the shipped demo analysed as the ``route``
  command does; each instance draws an officer, a band among those that leave the officer at
  least one candidate, a budget of 45-180 minutes and a start at one of the officer's
  households; candidates, worth, windows and walking times are
  :func:`analysis.officer_route.route_problem`'s (demo minutes per visit).
* **real** (``--real`` instances per extract, default 10): the extracts of
  ``../shared/data/osm/`` (``nanjing_xuanwu``, ``wuhan_hankou_core``; the walk network there
  lacks the paths inside compounds) with synthetic households, 1-3 per residential building
  (read as ``benchmarks/verify_real.py`` reads them). A beat is the 150 households nearest a
  random one; each household is worth 0 (60 %: visited), 0.2-2 (30 %: never contacted) or
  2-3 (10 %: vulnerable overdue); its block band is evening (60 %), morning (30 %) or
  working (10 %); the route walks evening or morning, 45-180 minutes, 10 minutes a door,
  from a random household of the beat. Walking times by :mod:`analysis.route_walk`.

What it measures
----------------
On the whole instance: the priority of :func:`analysis.route.plan_route` (the settings'
rounds and a seed per instance) over the greedy :func:`analysis.route.nearest_next_route`.
On a random subsample of at most 12 candidates of the same instance (same start, budget,
windows): ``plan_route`` and nearest-next over the optimum of
:func:`analysis.route.exact_route`, and how many subsamples are *binding* (the optimum leaves
out a candidate worth something). Ratios with a zero denominator count as 1 when the
numerator is zero too. CPU seconds (``time.process_time``) per solver call. The script
exits with 1 when the mean ratio to the optimum is below 95 %.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from analysis.cli import build_parser, run_coverage  # noqa: E402
from analysis.officer_route import band_windows, route_problem  # noqa: E402
from analysis.plan_cli import demo_arguments  # noqa: E402
from analysis.route import exact_route, nearest_next_route, plan_route  # noqa: E402
from analysis.route_walk import walk_matrix  # noqa: E402
from analysis.timeofday import TIE_ORDER  # noqa: E402
from analysis.workload import minutes_per_visit  # noqa: E402
from geo.demo import DEMO_FILES  # noqa: E402
from geo.errors import RouteError  # noqa: E402
from geo.schema import officer_pairs  # noqa: E402
from geo.settings import DEFAULTS  # noqa: E402
from geo.streets import load_streets  # noqa: E402

OSM_DIR = ROOT.parent / "shared" / "data" / "osm"
SEED = 20261401
EXACT_STOPS = 12
BEAT_HOUSEHOLDS = 150
TARGET = 0.95


@dataclass
class Instance:
    """One routing instance on arrays (position 0 of ``minutes`` is the start)."""

    case: str
    minutes: np.ndarray
    prize: np.ndarray
    service: np.ndarray
    windows: np.ndarray
    budget: float


def demo_instances(count: int, rng: np.random.Generator) -> list[Instance]:
    """Draw ``count`` instances from the demo analysed as ``route`` does."""
    folder = Path(tempfile.mkdtemp(prefix="route-bench-"))
    try:
        streets = folder / DEMO_FILES["streets"].name
        shutil.copyfile(DEMO_FILES["streets"], streets)
        argv = ["route", "--demo", "--officer", "x", "--budget-min", "1", "--out", "o"]
        args = build_parser().parse_args(demo_arguments([*argv, "--streets", str(streets)]))
        settings = DEFAULTS.replace(timezone=args.timezone)
        result = run_coverage(args, settings=settings)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    inputs = result.extras
    places = inputs["households"]
    homes = result.households.merge(
        places[["household_id", "address", "geometry"]], on="household_id", how="left"
    )
    homes = gpd.GeoDataFrame(homes, geometry="geometry", crs=places.crs)
    visits = pd.DataFrame(inputs["visits"]).drop(columns="geometry")
    visits = visits.merge(result.visits[["visit_id", "status"]], on="visit_id")
    visit_min = minutes_per_visit(visits, settings=settings).minutes
    officers = officer_pairs(inputs["beats"])
    out: list[Instance] = []
    while len(out) < count:
        pick = officers.iloc[int(rng.integers(len(officers)))]
        beat_homes = homes[homes["beat_id"] == pick["beat_id"]]
        start = beat_homes.geometry.iloc[int(rng.integers(len(beat_homes)))]
        budget = float(rng.integers(45, 181))
        for band in rng.permutation(list(TIE_ORDER)):
            try:
                problem = route_problem(
                    homes,
                    result.blocks,
                    inputs["beats"],
                    officer_id=pick["officer_id"],
                    budget_min=budget,
                    band=str(band),
                    visit_min=visit_min,
                    graph=inputs["walk"],
                    start=start,
                    settings=settings,
                )
            except RouteError:
                break
            if len(problem.prize):
                case = "demo"
                out.append(
                    Instance(
                        case,
                        problem.walks.minutes,
                        problem.prize,
                        problem.service,
                        problem.windows,
                        budget,
                    )
                )
                break
    return out


def real_instances(path: Path, count: int, rng: np.random.Generator) -> list[Instance]:
    """Draw ``count`` instances on one real extract with synthetic households."""
    from verify_real import CLIP_MARGIN_M, clip_graph, read_buildings, residential

    buildings = residential(read_buildings(path))
    area = buildings.union_all().convex_hull.buffer(CLIP_MARGIN_M)
    graph = clip_graph(load_streets(path, network_type="walk", cache=False), area, buildings.crs)
    per_building = rng.integers(1, 4, len(buildings))
    xy = np.repeat(shapely.get_coordinates(buildings.centroid.to_numpy()), per_building, 0)
    points = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=buildings.crs)
    wgs = points.to_crs("EPSG:4326")
    name = path.name.split(".")[0]
    out: list[Instance] = []
    for _ in range(count):
        centre = xy[int(rng.integers(len(xy)))]
        near = np.argsort(np.hypot(*(xy - centre).T))[:BEAT_HOUSEHOLDS]
        kind = rng.choice(3, len(near), p=[0.6, 0.3, 0.1])
        prize = np.where(kind == 1, rng.uniform(0.2, 2, len(near)), 0.0)
        prize = np.where(kind == 2, rng.uniform(2, 3, len(near)), prize)
        bands = rng.choice(["evening", "morning", "working"], len(near), p=[0.6, 0.3, 0.1])
        band = str(rng.choice(["evening", "morning"]))
        budget = float(rng.integers(45, 181))
        start_min = 17 * 60 if band == "evening" else 6 * 60
        windows = band_windows(pd.Series(bands), start_min=start_min, budget_min=budget)
        keep = (prize > 0) & (windows[:, 0] <= budget)
        start = wgs.iloc[int(near[int(rng.integers(len(near)))])]
        stops = gpd.GeoSeries([start, *wgs.iloc[near[keep]]], crs="EPSG:4326")
        walks = walk_matrix(stops, graph=graph)
        n = int(keep.sum())
        out.append(
            Instance(name, walks.minutes, prize[keep], np.full(n, 10.0), windows[keep], budget)
        )
    return out


def ratio(a: float, b: float) -> float:
    """``a / b``; 1 when both are 0."""
    if b <= 0:
        return 1.0 if a <= 0 else np.inf
    return a / b


def score(inst: Instance, seed: int, rng: np.random.Generator) -> dict[str, float]:
    """Solve one instance whole and subsampled; return prizes, ratios and CPU seconds."""
    common = {"budget": inst.budget, "windows": inst.windows}
    t0 = time.process_time()
    heur = plan_route(
        inst.minutes,
        inst.prize,
        inst.service,
        rounds=DEFAULTS.route_search_rounds,
        seed=seed,
        **common,
    )
    t1 = time.process_time()
    greedy = nearest_next_route(inst.minutes, inst.prize, inst.service, **common)
    t2 = time.process_time()
    n = len(inst.prize)
    pick = np.sort(rng.choice(n, min(EXACT_STOPS, n), replace=False))
    nodes = np.concatenate([[0], pick + 1])
    sub = (inst.minutes[np.ix_(nodes, nodes)], inst.prize[pick], inst.service[pick])
    sub_common = {"budget": inst.budget, "windows": inst.windows[pick]}
    t3 = time.process_time()
    exact = exact_route(*sub, **sub_common)
    t4 = time.process_time()
    sub_heur = plan_route(*sub, rounds=DEFAULTS.route_search_rounds, seed=seed, **sub_common)
    t5 = time.process_time()
    sub_greedy = nearest_next_route(*sub, **sub_common)
    assert max(heur.minutes, greedy.minutes, exact.minutes, sub_heur.minutes) <= inst.budget + 1e-6
    return {
        "candidates": n,
        "stops": len(heur.order),
        "heur_vs_greedy": ratio(heur.prize, greedy.prize),
        "sub_heur_vs_exact": ratio(sub_heur.prize, exact.prize),
        "sub_greedy_vs_exact": ratio(sub_greedy.prize, exact.prize),
        "binding": float(len(exact.order) < int((inst.prize[pick] > 0).sum())),
        "cpu_heur": t1 - t0,
        "cpu_greedy": t2 - t1,
        "cpu_exact": t4 - t3,
        "cpu_sub_heur": t5 - t4,
    }


def report(rows: pd.DataFrame) -> bool:
    """Print the table per case; return whether the mean ratio to the optimum meets TARGET."""
    table = rows.groupby("case").agg(
        instances=("stops", "size"),
        candidates=("candidates", "mean"),
        stops=("stops", "mean"),
        vs_greedy_mean=("heur_vs_greedy", "mean"),
        vs_greedy_min=("heur_vs_greedy", "min"),
        vs_exact_mean=("sub_heur_vs_exact", "mean"),
        vs_exact_min=("sub_heur_vs_exact", "min"),
        greedy_vs_exact=("sub_greedy_vs_exact", "mean"),
        binding=("binding", "sum"),
        cpu_heur_mean=("cpu_heur", "mean"),
        cpu_heur_max=("cpu_heur", "max"),
        cpu_exact_mean=("cpu_exact", "mean"),
        cpu_greedy_mean=("cpu_greedy", "mean"),
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string())
    mean = float(rows["sub_heur_vs_exact"].mean())
    print(f"\nall: plan_route / optimum mean {mean:.4f}, min {rows['sub_heur_vs_exact'].min():.4f}")
    print(f"plan_route / nearest-next mean {rows['heur_vs_greedy'].mean():.3f}")
    return mean >= TARGET


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=int, default=50, help="demo instances (default 50)")
    parser.add_argument("--real", type=int, default=10, help="instances per real extract")
    parser.add_argument(
        "--osm-dir", type=Path, default=OSM_DIR, help=f"the real extracts (default {OSM_DIR})"
    )
    args = parser.parse_args(argv)
    rng = np.random.default_rng(SEED)
    instances = demo_instances(args.demo, rng) if args.demo else []
    if args.real:
        paths = sorted(args.osm_dir.glob("*.osm"))
        if not paths:
            print(f"no real extracts in {args.osm_dir}; use --osm-dir", file=sys.stderr)
            return 2
        for path in paths:
            sub = np.random.default_rng([SEED, zlib.crc32(path.name.encode())])
            instances += real_instances(path, args.real, sub)
    rows = []
    for i, inst in enumerate(instances):
        rows.append({"case": inst.case, **score(inst, i, rng)})
    return 0 if report(pd.DataFrame(rows)) else 1


if __name__ == "__main__":
    sys.exit(main())

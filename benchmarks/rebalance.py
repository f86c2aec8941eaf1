"""Time beat planning on the demo and on a synthetic city of 2,000 blocks, with a baseline.

Run from the repository root::

    .venv/bin/python benchmarks/rebalance.py                  # demo + 2,000 blocks
    .venv/bin/python benchmarks/rebalance.py --blocks 5000 --beats 100
    .venv/bin/python benchmarks/rebalance.py --osm ../shared/data/osm/wuhan_hankou_core.osm

What it does:

- **demo**: the embedded demo read through the importer and analysed as ``python -m
  analysis plan --demo`` does (street graph read without its cache, so the repository is
  not written); then times, in CPU seconds (``time.process_time``), the rebalance of
  today's 6 beats (:func:`analysis.rebalance.rebalance`, everything included: projection,
  neighbours, workloads, search, figures), a fresh plan of 6 beats
  (:func:`analysis.rebalance.fresh_plan`, 8 draws) and the export
  (:func:`analysis.plan_export.plan_beats`). Targets: imbalance <= 1.10 in < 10 s.
- **synthetic city**: ``--blocks`` Voronoi cells (seeded) in a square, 150 m apart on
  average, lognormal households (median 16), 8 % vulnerable, 0.3 open follow-ups a
  block; 4 stations grown from random seeds; ``--beats`` beats shared among the stations
  in proportion to their households, each station's beats grown and balanced (the same
  search) on stale household counts (today's counts times lognormal noise, sigma 0.6:
  beats drawn on old figures), so today's workloads differ. Times the rebalance and a
  fresh plan of the same number of beats. Target: < 60 s.
- **real extract** (``--osm``, repeatable): the street blocks the analysis builds from a
  real OSM extract, households in proportion to each block's area (one per 250 m²,
  lognormal noise), one station, today's ``--osm-beats`` beats drawn on stale counts as in
  the synthetic city; the same rebalance, fresh plan and baseline.
- **baseline** (all): a plain greedy without contiguity: the move of one block to a
  neighbouring beat of its station that most lowers the sum of squared relative
  deviations, repeated while one does, with no contiguity check, no compactness and no
  move penalty (posts and locked blocks stay, as in the real search). It shows what the
  contiguity rule costs in balance and what ignoring it breaks (beats in pieces).

spopt was not used: its regionalisers (AZP, Max-p, SKATER, region k-means) minimise
attribute dissimilarity or count regions over a floor; none balances a workload from an
existing plan with a move budget, station borders and locked units, which are the rules
here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis import local_search, regions  # noqa: E402
from analysis.pipeline import analyse  # noqa: E402
from analysis.plan_export import plan_beats  # noqa: E402
from analysis.rebalance import _problem, fresh_plan, rebalance  # noqa: E402
from analysis.units import choose_units  # noqa: E402
from geo.blocks import block_neighbours, blocks_from_graph  # noqa: E402
from geo.demo import DEMO_FILES, load_demo  # noqa: E402
from geo.projection import local_utm  # noqa: E402
from geo.settings import DEFAULTS, Settings  # noqa: E402
from geo.streets import load_streets, street_lines  # noqa: E402


def cpu(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.process_time()
    out = func(*args, **kwargs)
    return out, time.process_time() - start


def greedy_baseline(
    layout: regions.Layout, today: np.ndarray, posts: np.ndarray, settings: Settings
) -> tuple[np.ndarray, int]:
    """Move single blocks while the squared deviation falls, ignoring contiguity."""
    k = len(posts)
    assign = today.copy()
    access = regions.access_minutes(layout, posts, settings=settings)
    rows = np.arange(layout.n)
    loads = np.bincount(assign, layout.fixed + access[rows, assign], minlength=k)
    mean = layout.fixed.sum() / k
    fixed = layout.locked.copy()
    fixed[posts] = True
    eu = np.repeat(rows, np.diff(layout.indptr))
    ev = layout.indices
    keep = ~fixed[eu] & (layout.station[eu] == layout.station[ev])
    eu, ev = eu[keep], ev[keep]
    moves = 0
    while True:
        a, j = assign[eu], assign[ev]
        border = a != j
        cu, ca, cj = eu[border], a[border], j[border]
        w_out = layout.fixed[cu] + access[cu, ca]
        w_in = layout.fixed[cu] + access[cu, cj]
        delta = (
            ((loads[ca] - w_out) / mean - 1) ** 2
            - (loads[ca] / mean - 1) ** 2
            + ((loads[cj] + w_in) / mean - 1) ** 2
            - (loads[cj] / mean - 1) ** 2
        )
        if len(delta) == 0 or delta.min() >= -1e-9:
            return assign, moves
        t = int(np.argmin(delta))
        loads[ca[t]] -= w_out[t]
        loads[cj[t]] += w_in[t]
        assign[cu[t]] = cj[t]
        moves += 1


def baseline_row(problem: Any, settings: Settings) -> dict[str, Any]:
    (assign, moves), seconds = cpu(
        greedy_baseline, problem.layout, problem.today, problem.posts, settings
    )
    loads = regions.beat_loads(problem.layout, assign, problem.posts, settings=settings)
    k = len(problem.posts)
    pieces = regions.components(problem.layout, assign, k)
    allowed = np.maximum(1, regions.parts_touched(problem.layout, assign, k))
    return {
        "imbalance": round(regions.imbalance(loads), 4),
        "moved_blocks": int((assign != problem.today).sum()),
        "moves": moves,
        "beats_in_pieces": int((pieces > allowed).sum()),
        "cpu_s": round(seconds, 2),
    }


def plan_row(plan: Any, seconds: float) -> dict[str, Any]:
    s = plan.summary
    return {
        "imbalance_before": s["imbalance_before"],
        "imbalance": s["imbalance"],
        "station_floor": s["station_floor"],
        "moved_blocks": s["moved_blocks"],
        "contiguous": s["contiguous"],
        "beats_in_pieces": int((~plan.beats["contiguous"].fillna(True).astype(bool)).sum()),
        "cpu_s": round(seconds, 2),
    }


def demo() -> None:
    data = load_demo()
    graph = load_streets(DEMO_FILES["streets"], network_type=DEFAULTS.network_type, cache=False)
    units = choose_units(
        data.beats, data.households, unit="blocks", streets=graph, streets_name="demo"
    ).frame
    result = analyse(data.beats, data.households, data.visits, units=units)
    visits = pd.DataFrame(data.visits.drop(columns="geometry")).merge(
        result.visits[["visit_id", "status"]], on="visit_id"
    )
    lines = street_lines(graph)
    blocks = result.blocks
    print(f"demo: {int(blocks.geometry.notna().sum())} blocks, {len(data.beats)} beats")
    plan, seconds = cpu(rebalance, blocks, data.beats, visits, streets=lines)
    print(f"  rebalance today's beats  {plan_row(plan, seconds)}")
    fresh, seconds = cpu(fresh_plan, blocks, data.beats, visits, beats_count=6, streets=lines)
    print(f"  fresh plan of 6 beats    {plan_row(fresh, seconds)}")
    _, seconds = cpu(plan_beats, plan, blocks, data.beats)
    print(f"  export (plan_beats)      {{'cpu_s': {seconds:.2f}}}")
    problem = _problem(blocks, data.beats, visits, streets=lines, locked=(), settings=DEFAULTS)
    print(f"  baseline (no contiguity) {baseline_row(problem, DEFAULTS)}")


def city(n: int, beats: int, *, seed: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return a synthetic city's blocks (WGS84) and today's beats (see the module doc)."""
    rng = np.random.default_rng(seed)
    side = 150.0 * np.sqrt(n)
    x0, y0 = 660_000.0, 3_540_000.0
    points = shapely.points(rng.uniform(0, side, (n, 2)) + [x0, y0])
    frame = box(x0, y0, x0 + side, y0 + side)
    voronoi = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame)
    cells = shapely.intersection(shapely.get_parts(voronoi), frame)
    households = np.round(rng.lognormal(2.8, 0.9, n)).astype(int)
    return today_beats(cells, "EPSG:32650", households, beats, rng=rng, stations=4)


def real_city(path: Path, beats: int, *, seed: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return a real extract's street blocks with synthetic households, and today's beats.

    The blocks are those the analysis builds from the extract (``settings.network_type``);
    households per block follow the block's area (one per 250 m², lognormal noise sigma
    0.5); one station; today's beats are drawn as in the synthetic city.
    """
    rng = np.random.default_rng(seed)
    graph = load_streets(path, network_type=DEFAULTS.network_type, cache=False)
    blocks = blocks_from_graph(graph, settings=DEFAULTS)
    utm = local_utm(blocks)
    cells = blocks.to_crs(utm).geometry.to_numpy()
    households = np.round(shapely.area(cells) / 250.0 * rng.lognormal(0.0, 0.5, len(cells)))
    return today_beats(cells, utm, households.astype(int), beats, rng=rng, stations=1)


def today_beats(
    cells: np.ndarray,
    crs: Any,
    households: np.ndarray,
    beats: int,
    *,
    rng: np.random.Generator,
    stations: int,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Blocks with households and today's beats drawn on stale counts (see the module doc)."""
    n = len(cells)
    pairs = block_neighbours(gpd.GeoSeries(cells, crs=crs), min_shared_m=10.0)
    links = pairs[["left", "right"]].to_numpy()
    xy = shapely.get_coordinates(shapely.centroid(cells))
    plain = regions.Layout.from_pairs(links, fixed=np.ones(n), xy=xy)
    seeds = rng.choice(n, stations, replace=False)
    station_of = regions.grow(plain, [[s] for s in seeds])
    share = np.bincount(station_of, households, minlength=stations) / households.sum()
    counts = np.maximum(1, np.floor(share * beats).astype(int))
    for extra in np.argsort(-(share * beats - counts))[: beats - counts.sum()]:
        counts[extra] += 1
    stale = 10.0 * households * rng.lognormal(0.0, 0.6, n)  # minutes on old counts
    layout = regions.Layout.from_pairs(
        links, fixed=stale, xy=xy, area=shapely.area(cells), station=station_of
    )
    groups = [
        [int(b)]
        for st, c in enumerate(counts)
        for b in rng.choice(np.flatnonzero(station_of == st), c, replace=False)
    ]
    grown = regions.grow(layout, groups)
    posts = np.array([g[0] for g in groups])
    today = local_search.improve(layout, grown, posts, settings=DEFAULTS).assignment
    ids = [f"T{j + 1:03d}" for j in range(len(groups))]
    blocks = gpd.GeoDataFrame(
        {
            "block_id": [f"K{i:05d}" for i in range(n)],
            "beat_id": [ids[b] for b in today],
            "households": households,
            "vulnerable_households": rng.binomial(households, 0.08),
            "open_follow_ups": rng.poisson(0.3, n),
        },
        geometry=cells,
        crs=crs,
    ).to_crs("EPSG:4326")
    table = pd.DataFrame(
        {"beat_id": ids, "station": [f"S{station_of[g[0]]}" for g in groups]},
    )
    return blocks, table


def real(path: Path, beats: int, seed: int) -> None:
    (blocks, table), seconds = cpu(real_city, path, beats, seed=seed)
    visits = pd.DataFrame({"duration_min": pd.Series([], dtype=float)})
    print(
        f"real extract {path.name}: {len(blocks)} blocks, {beats} beats, 1 station "
        f"(built in {seconds:.1f} s)"
    )
    plan, seconds = cpu(rebalance, blocks, table, visits)
    print(f"  rebalance today's beats  {plan_row(plan, seconds)}")
    fresh, seconds = cpu(fresh_plan, blocks, table, visits, beats_count=beats)
    print(f"  fresh plan of {beats} beats   {plan_row(fresh, seconds)}")
    problem = _problem(blocks, table, visits, streets=None, locked=(), settings=DEFAULTS)
    print(f"  baseline (no contiguity) {baseline_row(problem, DEFAULTS)}")


def synthetic(n: int, beats: int, seed: int) -> None:
    (blocks, table), seconds = cpu(city, n, beats, seed=seed)
    visits = pd.DataFrame({"duration_min": pd.Series([], dtype=float)})
    print(f"synthetic city: {n} blocks, {beats} beats, 4 stations (built in {seconds:.1f} s)")
    plan, seconds = cpu(rebalance, blocks, table, visits)
    print(f"  rebalance today's beats  {plan_row(plan, seconds)}")
    fresh, seconds = cpu(fresh_plan, blocks, table, visits, beats_count=beats)
    print(f"  fresh plan of {beats} beats   {plan_row(fresh, seconds)}")
    problem = _problem(blocks, table, visits, streets=None, locked=(), settings=DEFAULTS)
    print(f"  baseline (no contiguity) {baseline_row(problem, DEFAULTS)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=2000, help="synthetic city blocks")
    parser.add_argument("--beats", type=int, default=40, help="synthetic city beats")
    parser.add_argument("--seed", type=int, default=1, help="synthetic city seed")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument(
        "--osm",
        type=Path,
        action="append",
        default=[],
        help="also plan the street blocks of this real OSM extract (repeatable)",
    )
    parser.add_argument("--osm-beats", type=int, default=8, help="beats on a real extract")
    args = parser.parse_args(argv)
    if not args.skip_demo:
        demo()
    synthetic(args.blocks, args.beats, args.seed)
    for path in args.osm:
        real(path, args.osm_beats, args.seed)


if __name__ == "__main__":
    main()

"""Time point-to-block joins at scale on blocks built from a real OSM extract.

Builds street blocks from the drive_service highways of the Helsinki extract
``tests/fixtures/helsinki/helsinki.osm.pbf`` (read with pyosmium directly, so this does not
depend on ``geo.streets``), draws uniform random points (seeded) over the blocks' extent,
and times ``geo.joins.assign_points`` for households and for visits' GPS points against a
baseline: a plain ``geopandas.sjoin`` without the boundary tie-break or the nearest-block
search for outside points.

With ``--synthetic``, instead: ``--blocks`` Voronoi blocks in a square (seeded, 150 m apart
on average, UTM 50N, as ``benchmarks/rebalance.py``'s city), and for each ``--points`` count
uniform random points over the square and a 2 % margin around it, side by side in one run,
in CPU seconds (``time.process_time``): ``geopandas.sjoin(predicate="within")``,
``assign_points`` through the STRtree query (the previous implementation), ``assign_points``
as it runs now (through :mod:`geo.point_index` from ``INDEX_MIN_POINTS`` points), and the
index alone on coordinate arrays (its build and its one-off compilation timed apart). All
``assign_points`` runs apply the 50 m nearest-block rule; every answer is checked equal.

Run from the repository root::

    .venv/bin/python benchmarks/joins.py --households 1000000 --visits 10000000
    .venv/bin/python benchmarks/joins.py --synthetic --blocks 10000 --points 1000000 10000000
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import time
from functools import partial
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import geo.joins  # noqa: E402
from geo.blocks import blocks_from_lines  # noqa: E402
from geo.joins import assign_points, join_households  # noqa: E402
from geo.point_index import PointIndex  # noqa: E402
from geo.projection import project, to_wgs84  # noqa: E402

# osmnx 2.1's "drive_service" filter, applied with the same regex semantics
EXCLUDED = {
    "area": "yes",
    "access": "private",
    "highway": (
        "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|"
        "footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|"
        "services|steps|track"
    ),
    "motor_vehicle": "no",
    "motorcar": "no",
    "service": "emergency_access|parking|parking_aisle|private",
}
PATTERNS = {k: re.compile(v) for k, v in EXCLUDED.items()}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def drive_lines(path: Path) -> gpd.GeoSeries:
    import osmium

    coords: list[list[tuple[float, float]]] = []
    fp = osmium.FileProcessor(str(path)).with_locations()
    fp = fp.with_filter(osmium.filter.KeyFilter("highway"))
    for obj in fp:
        if not obj.is_way():
            continue
        tags = obj.tags
        if any(k in tags and p.search(tags[k]) for k, p in PATTERNS.items()):
            continue
        pts = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
        if len(pts) >= 2:
            coords.append(pts)
    return gpd.GeoSeries([shapely.LineString(c) for c in coords], crs="EPSG:4326")


def random_points(bounds: np.ndarray, n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    x0, y0, x1, y1 = bounds
    xy = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    return gpd.GeoDataFrame(geometry=shapely.points(xy), crs="EPSG:4326")


def timed(label: str, n: int, fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    print(
        f"  {label:<38} {dt:8.2f} s  {n / dt:12,.0f} points/s  peak RSS {peak_rss_mib():8,.0f} MiB",
        flush=True,
    )
    return out


def bench(name: str, pts: gpd.GeoDataFrame, blocks: gpd.GeoDataFrame, max_m: float) -> None:
    n = len(pts)
    print(f"{name}: {n:,} points", flush=True)
    got = timed(
        f"assign_points (max_distance_m={max_m:g})",
        n,
        lambda: assign_points(pts, blocks, id_column="block_id", max_distance_m=max_m),
    )
    timed(
        "assign_points (no nearest search)",
        n,
        lambda: assign_points(pts, blocks, id_column="block_id"),
    )
    base = timed(
        "baseline geopandas.sjoin(within)",
        n,
        lambda: gpd.sjoin(pts, blocks[["block_id", "geometry"]], how="left", predicate="within"),
    )
    inside = int(got.notna().sum())
    print(
        f"  assigned {inside:,} ({inside / n:.1%}); baseline rows {len(base):,}, "
        f"matched {int(base['block_id'].notna().sum()):,}",
        flush=True,
    )


def voronoi_blocks(n: int, *, seed: int) -> gpd.GeoDataFrame:
    """``n`` Voronoi blocks in a square, ids ``B00000``... in shuffled row order."""
    rng = np.random.default_rng(seed)
    side = 150.0 * np.sqrt(n)
    x0, y0 = 660_000.0, 3_540_000.0
    seeds = shapely.points(rng.uniform(0, side, (n, 2)) + [x0, y0])
    frame = shapely.box(x0, y0, x0 + side, y0 + side)
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame)
    polys = shapely.intersection(shapely.get_parts(cells), frame)
    ids = [f"B{i:05d}" for i in rng.permutation(len(polys))]
    return gpd.GeoDataFrame({"block_id": ids}, geometry=polys, crs="EPSG:32650")


def points_frame(xy: np.ndarray, crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=shapely.points(xy), crs=crs)


def cpu_timed(label: str, n: int, fn):  # type: ignore[no-untyped-def]
    """Run ``fn``, print and return (result, CPU seconds)."""
    t0 = time.process_time()
    out = fn()
    dt = time.process_time() - t0
    print(
        f"  {label:<44} {dt:8.2f} CPU s  {n / dt:14,.0f} points/s  "
        f"peak RSS {peak_rss_mib():8,.0f} MiB",
        flush=True,
    )
    return out, dt


def side_by_side(blocks: gpd.GeoDataFrame, n: int, *, seed: int, max_m: float) -> None:
    """Time sjoin, the STRtree assign_points, today's assign_points and the index on n points."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = blocks.total_bounds
    pad = 0.02 * (x1 - x0)
    xy = np.column_stack([rng.uniform(x0 - pad, x1 + pad, n), rng.uniform(y0 - pad, y1 + pad, n)])
    print(f"{n:,} points x {len(blocks):,} blocks", flush=True)
    geoms = np.asarray(blocks.geometry.to_numpy(), dtype=object)
    rank = geo.joins._ranks(blocks["block_id"].astype("string"))
    index, t_build = cpu_timed("index build", n, lambda: PointIndex.build(geoms, priority=rank))
    pos, t_index = cpu_timed(
        "index locate (x, y arrays)", n, partial(index.locate, xy[:, 0], xy[:, 1])
    )
    pts, _ = cpu_timed("make the GeoDataFrame of points", n, partial(points_frame, xy, blocks.crs))
    del xy
    join, t_sjoin = cpu_timed(
        'geopandas.sjoin(predicate="within")',
        n,
        lambda: gpd.sjoin(pts, blocks[["block_id", "geometry"]], how="left", predicate="within"),
    )
    join = join[~join.index.duplicated()]["block_id"]
    keep = geo.joins.INDEX_MIN_POINTS
    geo.joins.INDEX_MIN_POINTS = n + 1  # the previous implementation: STRtree query only
    old, t_old = cpu_timed(
        f"assign_points, STRtree ({max_m:g} m rule)",
        n,
        lambda: assign_points(pts, blocks, id_column="block_id", max_distance_m=max_m),
    )
    geo.joins.INDEX_MIN_POINTS = keep
    new, t_new = cpu_timed(
        f"assign_points, now ({max_m:g} m rule)",
        n,
        lambda: assign_points(pts, blocks, id_column="block_id", max_distance_m=max_m),
    )
    ids = blocks["block_id"].astype("string").to_numpy()
    from_index = pd.array(np.where(pos >= 0, ids[np.maximum(pos, 0)], None), dtype="string")
    inside = join.notna().to_numpy()
    print(
        f"  identical: assign_points now vs STRtree {old.equals(new)}; index vs sjoin on "
        f"points sjoin places "
        f"{bool((from_index[inside] == join.to_numpy()[inside]).all())}; "
        f"index deferred {int((pos == -2).sum()):,}, "
        f"outside every block {int((pos == -1).sum()):,}",
        flush=True,
    )
    print(
        f"  ratios: index locate {t_sjoin / t_index:,.0f}x sjoin, "
        f"{t_old / t_index:,.0f}x STRtree assign_points; index build + locate "
        f"{t_sjoin / (t_build + t_index):,.0f}x sjoin; assign_points now "
        f"{t_sjoin / t_new:,.1f}x sjoin, {t_old / t_new:,.1f}x before",
        flush=True,
    )


def synthetic(args: argparse.Namespace) -> None:
    blocks = voronoi_blocks(args.blocks, seed=args.seed)
    geoms = np.asarray(blocks.geometry.to_numpy(), dtype=object)
    small = np.array([[0.0, 0.0]])
    t0 = time.process_time()
    PointIndex.build(geoms[:2]).locate(small[:, 0], small[:, 1])
    print(f"numba compilation (once per process): {time.process_time() - t0:.2f} CPU s")
    for n in args.points:
        side_by_side(blocks, n, seed=args.seed + n, max_m=args.max_distance)
    print(f"peak RSS {peak_rss_mib():,.0f} MiB", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--pbf", type=Path, default=ROOT / "tests" / "fixtures" / "helsinki" / "helsinki.osm.pbf"
    )
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--visits", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--max-distance", type=float, default=50.0)
    ap.add_argument("--synthetic", action="store_true", help="Voronoi blocks, side by side")
    ap.add_argument("--blocks", type=int, default=10_000)
    ap.add_argument("--points", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = ap.parse_args(argv)
    if args.synthetic:
        synthetic(args)
        return

    t0 = time.perf_counter()
    lines = drive_lines(args.pbf)
    blocks = to_wgs84(blocks_from_lines(project(lines), min_area_m2=200.0))
    print(
        f"blocks: {len(lines):,} drive_service ways -> {len(blocks):,} blocks "
        f"({blocks['area_m2'].sum() / 1e6:.2f} km²) in {time.perf_counter() - t0:.2f} s",
        flush=True,
    )
    rng = np.random.default_rng(args.seed)
    bounds = np.asarray(blocks.total_bounds)

    if args.households:
        hh = random_points(bounds, args.households, rng)
        bench("households", hh, blocks, args.max_distance)
        # join_households against four quadrant "beats" over the same extent
        mx, my = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
        quads = [
            shapely.box(bounds[0], bounds[1], mx, my),
            shapely.box(mx, bounds[1], bounds[2], my),
            shapely.box(bounds[0], my, mx, bounds[3]),
            shapely.box(mx, my, bounds[2], bounds[3]),
        ]
        beats = gpd.GeoDataFrame(
            {"beat_id": ["Q1", "Q2", "Q3", "Q4"]}, geometry=quads, crs="EPSG:4326"
        )
        res = timed(
            "join_households (4 beats)", len(hh), lambda: join_households(hh, blocks, beats)
        )
        counts = res["placement"].value_counts().to_dict()
        print(f"  placements: {counts}", flush=True)
        del hh, res

    if args.visits:
        visits = timed(
            "generate visit GPS points",
            args.visits,
            lambda: random_points(bounds, args.visits, rng),
        )
        bench("visits", visits, blocks, args.max_distance)
    print(f"peak RSS {peak_rss_mib():,.0f} MiB", flush=True)


if __name__ == "__main__":
    main()

"""Time point-to-block joins at scale on blocks built from a real OSM extract.

Builds street blocks from the drive_service highways of the Helsinki extract
``tests/fixtures/helsinki/helsinki.osm.pbf`` (read with pyosmium directly, so this does not
depend on ``geo.streets``), draws uniform random points (seeded) over the blocks' extent,
and times ``geo.joins.assign_points`` for households and for visits' GPS points against a
baseline: a plain ``geopandas.sjoin`` without the boundary tie-break or the nearest-block
search for outside points.

Run from the repository root::

    .venv/bin/python benchmarks/joins.py --households 1000000 --visits 10000000
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.blocks import blocks_from_lines  # noqa: E402
from geo.joins import assign_points, join_households  # noqa: E402
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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--pbf", type=Path, default=ROOT / "tests" / "fixtures" / "helsinki" / "helsinki.osm.pbf"
    )
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--visits", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--max-distance", type=float, default=50.0)
    args = ap.parse_args(argv)

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

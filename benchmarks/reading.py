"""CPU seconds of reading households and visits, CSV and GeoParquet, against the Arrow floor.

Run from the repository root (prints one JSON line)::

    PYTHONPATH=. .venv/bin/python benchmarks/reading.py                        # 200k / 2M
    PYTHONPATH=. .venv/bin/python benchmarks/reading.py --households 20000 --visits 200000

Data
    The seeded generator of ``benchmarks/pipeline.py`` (:func:`benchmarks._synthetic.
    synthesise`, 25 visits a shift), written once as CSV (lon/lat columns, ISO times with
    an offset) and once as GeoParquet (point geometry, zoned datetimes).

Ours
    :func:`geo.importer.read_households` and :func:`geo.importer.read_visits` as the CLI
    calls them (input-size limits raised just enough, as ``benchmarks/pipeline.py`` does):
    every check, every finding, the canonical tables.

Floor (``floor``)
    What the same bytes cost with no validation at all: ``pyarrow.csv.read_csv`` with an
    explicit schema (ids as text, coordinates as float64, times as timestamps) or
    ``pyarrow.parquet.read_table``, then ``geopandas.points_from_xy`` (CSV) or
    ``shapely.from_wkb`` (GeoParquet) for the points, and ``to_pandas``. ``ratio`` is ours
    over the floor: what is left to win.

Each figure is the least ``time.process_time`` (CPU of all threads) of ``--repeat`` runs,
so a busy machine inflates it less.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import shapely

from benchmarks._cli_run import input_limits
from benchmarks._synthetic import release_memory, synthesise
from geo.importer import read_households, read_visits
from geo.settings import DEFAULTS, Settings

PER_SHIFT = 25

HOUSEHOLD_TYPES = {
    "household_id": pa.string(),
    "lon": pa.float64(),
    "lat": pa.float64(),
    "address": pa.string(),
    "residents": pa.int64(),
    "vulnerable": pa.string(),
    "kind": pa.string(),
}
VISIT_TYPES = {
    "visit_id": pa.string(),
    "household_id": pa.string(),
    "officer_id": pa.string(),
    "time": pa.timestamp("s", tz="UTC"),
    "outcome": pa.string(),
    "duration_min": pa.float64(),
    "lon": pa.float64(),
    "lat": pa.float64(),
    "issue_raised": pa.string(),
    "follow_up_of": pa.string(),
    "satisfaction": pa.int64(),
    "note": pa.string(),
}


def least_cpu(fn: Callable[[], Any], *, repeat: int) -> float:
    """Return the least CPU seconds of ``repeat`` calls of ``fn``."""
    best = float("inf")
    for _ in range(repeat):
        release_memory()
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def floor_csv(path: Path, types: dict[str, pa.DataType]) -> gpd.GeoDataFrame:
    """Arrow with a schema, then the points: no checks at all."""
    options = pa_csv.ConvertOptions(column_types=types, strings_can_be_null=False)
    frame = pa_csv.read_csv(path, convert_options=options).to_pandas()
    points = gpd.points_from_xy(frame.pop("lon"), frame.pop("lat"))
    return gpd.GeoDataFrame(frame, geometry=points, crs=4326)


def floor_parquet(path: Path) -> gpd.GeoDataFrame:
    """Arrow's Parquet reader, then the points from their WKB: no checks at all."""
    table = pq.read_table(path)
    wkb = table.column("geometry").to_numpy(zero_copy_only=False)
    frame = table.drop(["geometry"]).to_pandas()
    return gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb), crs=4326)


def time_format(fmt: str, files: dict[str, Path], *, records: int, repeat: int) -> dict:
    """Time ours and the floor on one format's households and visits."""
    wanted = input_limits([files["households"], files["visits"]], records=records)
    settings: Settings = dataclasses.replace(DEFAULTS, **wanted)
    readers = {"households": read_households, "visits": read_visits}
    types = {"households": HOUSEHOLD_TYPES, "visits": VISIT_TYPES}
    ours, floor = {}, {}
    for table, reader in readers.items():
        ours[table] = least_cpu(partial(reader, files[table], settings=settings), repeat=repeat)
        if fmt == "csv":
            baseline = partial(floor_csv, files[table], types[table])
        else:
            baseline = partial(floor_parquet, files[table])
        floor[table] = least_cpu(baseline, repeat=repeat)
    total, total_floor = sum(ours.values()), sum(floor.values())
    return {
        "cpu_s": round(total, 2),
        "floor_cpu_s": round(total_floor, 2),
        "ratio": round(total / total_floor, 2),
        "tables": {
            table: {"cpu_s": round(ours[table], 2), "floor_cpu_s": round(floor[table], 2)}
            for table in ours
        },
    }


def measure(n_households: int, n_visits: int, *, seed: int, repeat: int, work: Path) -> dict:
    """Generate both formats in ``work``, time ours and the floor, return the record."""
    paths = {
        fmt: synthesise(n_households, n_visits, work / fmt, fmt=fmt, seed=seed, per_shift=PER_SHIFT)
        for fmt in ("csv", "parquet")
    }
    release_memory()
    record: dict[str, Any] = {"households": n_households, "visits": n_visits, "seed": seed}
    for fmt, files in paths.items():
        record[fmt] = time_format(fmt, files, records=n_visits, repeat=repeat)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reading inputs against the Arrow floor.")
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--visits", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the least counts")
    parser.add_argument("--work", type=Path, help="keep the inputs in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="beatcov-reading-") as tmp:
        work = args.work or Path(tmp)
        record = measure(
            args.households, args.visits, seed=args.seed, repeat=args.repeat, work=work
        )
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

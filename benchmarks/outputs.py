"""Time writing the coverage tables: the old pandas CSV path, the Arrow CSV path, Parquet.

Run from the repository root::

    .venv/bin/python benchmarks/outputs.py                        # 200k and 2M rows
    .venv/bin/python benchmarks/outputs.py --rows 200000 --repeat 3

What it does:

- analyses the embedded demo once, as ``python -m analysis coverage --demo`` does (streets
  from a copy of the shipped extract in a temporary folder, so the repository is not
  written), and takes its ``households`` (22 columns) and ``visits`` (19 columns) tables;
- for each ``--rows`` count, builds a synthetic table of that many rows by repeating the
  demo's rows in order (every column and type as the command line writes them);
- times, in CPU seconds of this process (``time.process_time``, all threads), each way of
  writing it to a file in a temporary folder:

  * ``pandas_csv``: the path before Arrow, ``neutralised(iso_times(frame)).to_csv(...)``;
  * ``arrow_csv``: :func:`geo.writers.write_csv` as the command line calls it (ISO times,
    formula-neutralising, metres and minutes to one decimal, Arrow's CSV writer);
  * ``parquet``: :func:`geo.writers.write_parquet` as ``--format parquet`` calls it;

  each ``--repeat`` times, keeping the fastest;
- prints one JSON line: the CPU seconds and file sizes per table and row count, and the
  ratios ``pandas_csv / arrow_csv`` and ``pandas_csv / parquet`` (above 1: faster than the
  old path).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.cli import build_parser, output_decimals, run_coverage  # noqa: E402
from analysis.plan_cli import demo_arguments  # noqa: E402
from geo.demo import DEMO_FILES  # noqa: E402
from geo.settings import DEFAULTS  # noqa: E402
from geo.writers import iso_times, neutralised, write_csv, write_parquet  # noqa: E402

TABLES = ("households", "visits")


def demo_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The demo's households and visits tables, as the command line writes them."""
    streets = folder / DEMO_FILES["streets"].name
    shutil.copyfile(DEMO_FILES["streets"], streets)
    argv = ["coverage", "--demo", "--streets", str(streets), "--out", str(folder / "out")]
    args = build_parser().parse_args(demo_arguments(argv))
    result = run_coverage(args, settings=DEFAULTS.replace(timezone=args.timezone))
    return {name: getattr(result, name) for name in TABLES}


def synthetic(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    """``rows`` rows: the demo's rows repeated in order."""
    return frame.iloc[np.arange(rows) % len(frame)].reset_index(drop=True)


def pandas_csv(frame: pd.DataFrame, path: Path) -> None:
    neutralised(iso_times(frame)).to_csv(path, index=False, encoding="utf-8")


def arrow_csv(frame: pd.DataFrame, path: Path) -> None:
    write_csv(frame, path, decimals=output_decimals(frame))


def parquet(frame: pd.DataFrame, path: Path) -> None:
    write_parquet(frame, path, decimals=output_decimals(frame))


WRITERS: dict[str, tuple[Callable[[pd.DataFrame, Path], None], str]] = {
    "pandas_csv": (pandas_csv, ".csv"),
    "arrow_csv": (arrow_csv, ".csv"),
    "parquet": (parquet, ".parquet"),
}


def cpu_seconds(write: Callable[[pd.DataFrame, Path], None], frame: pd.DataFrame, path: Path,
                *, repeat: int) -> float:  # fmt: skip
    best = float("inf")
    for _ in range(repeat):
        path.unlink(missing_ok=True)
        start = time.process_time()
        write(frame, path)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000, 2_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    report: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        tables = demo_tables(folder)
        for name, demo in tables.items():
            for rows in args.rows:
                frame = synthetic(demo, rows)
                figures: dict[str, float] = {}
                for label, (write, suffix) in WRITERS.items():
                    path = folder / f"{name}-{label}{suffix}"
                    figures[f"{label}_cpu_s"] = round(
                        cpu_seconds(write, frame, path, repeat=args.repeat), 3
                    )
                    figures[f"{label}_mb"] = round(path.stat().st_size / 1e6, 1)
                    path.unlink()
                pandas = figures["pandas_csv_cpu_s"]
                figures["pandas_over_arrow_csv"] = round(pandas / figures["arrow_csv_cpu_s"], 2)
                figures["pandas_over_parquet"] = round(pandas / figures["parquet_cpu_s"], 2)
                report[f"{name}@{rows}"] = figures
                del frame
    print(json.dumps({"benchmark": "outputs", "repeat": args.repeat, "tables": report}))


if __name__ == "__main__":
    main()

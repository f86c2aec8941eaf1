"""Time the checks that keep hostile uploads cheap: duplicate IDs, and limits before parsing.

Run from the repository root::

    .venv/bin/python benchmarks/uploads.py

What it does (CPU seconds, ``time.process_time``; nothing is written outside a temporary
folder):

- ``geo.validate.check_ids`` on a column of one ID repeated N times (30k, 300k, 2M) and on
  N/2 IDs each used twice: the findings stay at 50 plus one summary line and the time
  grows linearly with N;
- ``geo.importer.read_households`` on a 300k-row CSV whose IDs are all the same: the
  whole import of such a file;
- the refusals of the files of issue 12: a 5 KB XLSX with one cell at XFD1048576, an
  XLSX with a 400 MB shared string (about 400 KB zipped), a zipped Shapefile of 3M points
  (written here, 27 MB zipped at level 1): each is refused before it is parsed, in the time
  shown, with the finding printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.errors import InputFileError  # noqa: E402
from geo.importer import read_households  # noqa: E402
from geo.readers import RawTable, read_raw  # noqa: E402
from geo.validate import Collector, check_ids  # noqa: E402
from tests.support import hostile  # noqa: E402


def cpu(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    result = func()
    return time.process_time() - start, result


def refusal(path: Path) -> tuple[float, InputFileError | None]:
    """CPU seconds ``read_raw`` takes on ``path``, and the error it refused it with."""
    start = time.process_time()
    try:
        read_raw(path)
    except InputFileError as error:
        return time.process_time() - start, error
    return time.process_time() - start, None


def ids_case(values: list[str]) -> tuple[float, int]:
    raw = RawTable(pd.DataFrame({"id": values}), None, None, "h.csv", 2, "row")
    collector = Collector(raw, {"household_id": "id"})
    column = raw.frame["id"]

    def run() -> int:
        check_ids(column, collector, column="household_id")
        return len(collector.close().findings)

    return cpu(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[30_000, 300_000, 2_000_000])
    args = parser.parse_args()
    print("check_ids, CPU seconds")
    for n in args.rows:
        seconds, findings = ids_case(["7"] * n)
        print(f"  one ID x {n:>9,}: {seconds:7.3f} s, {findings} findings")
        pairs = [str(i // 2) for i in range(n)]
        seconds, findings = ids_case(pairs)
        print(f"  {n // 2:>9,} IDs x 2: {seconds:7.3f} s, {findings} findings")
    with tempfile.TemporaryDirectory(prefix="beatcov-bench-") as folder:
        path = Path(folder) / "h.csv"
        n = 300_000
        frame = pd.DataFrame({"household_id": ["7"] * n, "lon": "118.8", "lat": "32.05"})
        frame.to_csv(path, index=False)
        seconds, imported = cpu(lambda: read_households(path))
        print(f"read_households, one ID x {n:,}: {seconds:.3f} s CPU, ", end="")
        print(f"{len(imported.report.findings)} findings")
        print("hostile files of issue 12: size, CPU seconds to refuse, finding")
        cases = {
            "xfd.xlsx": hostile.far_cell_workbook,
            "shared_string.xlsx": hostile.shared_string_bomb,
            "points.zip": lambda p: hostile.points_shapefile(p, 3_000_000),
        }
        for name, make in cases.items():
            target = make(Path(folder) / name)
            seconds, error = refusal(target)
            size = target.stat().st_size
            print(f"  {name}: {size:,} bytes, refused in {seconds:.3f} s: {error}")


if __name__ == "__main__":
    main()

"""Run the mutation corpus of the import fuzz test and report what became of each file.

Run from the repository root::

    .venv/bin/python benchmarks/fuzz_uploads.py --files 1000

Builds the corpus of ``tests/support/mutations.py`` (valid files of the demo and the
Helsinki fixture, and the same tables as XLSX, GeoPackage, GeoParquet, GeoJSON and zipped
Shapefile, each damaged once: bytes flipped, cut, inserted, duplicated or deleted, a value
replaced, a zip member damaged, another format's bytes swapped in) and reads each file as
its table with ``geo.importer.read_table``, the import boundary. Prints the files tried,
accepted and refused, the tracebacks (exceptions that left ``read_table``, and
``unexpected_error`` findings, the boundary's net), the warnings, the refusals by finding
code and mutation, and the CPU time. Exit status 1 if there was any traceback.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.importer import read_table  # noqa: E402
from tests.support.mutations import corpus  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    codes: collections.Counter[str] = collections.Counter()
    kinds: collections.Counter[tuple[str, str]] = collections.Counter()
    tracebacks = []
    noted = tried = 0
    start = time.process_time()
    with tempfile.TemporaryDirectory(prefix="beatcov-fuzz-") as folder:
        base = Path(folder)
        for number, mutant in enumerate(corpus(base / "seeds", size=args.files, seed=args.seed)):
            path = base / str(number) / mutant.name
            path.parent.mkdir()
            path.write_bytes(mutant.content)
            tried += 1
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    report = read_table(mutant.table, path).report  # type: ignore[arg-type]
                except Exception as error:  # noqa: BLE001 (reported)
                    tracebacks.append((mutant.seed, mutant.mutation, repr(error)))
                    continue
            noted += len(caught)
            fatal = {f.code for f in report.fatal}
            if "unexpected_error" in fatal:
                tracebacks.append((mutant.seed, mutant.mutation, report.fatal[0].message))
            codes.update(fatal or {"(accepted)"})
            kinds[(mutant.mutation, "refused" if fatal else "accepted")] += 1
    seconds = time.process_time() - start
    accepted = codes["(accepted)"]
    print(f"files tried: {tried}; accepted {accepted}, refused {tried - accepted}")
    print(f"tracebacks: {len(tracebacks)}; warnings: {noted}; CPU {seconds:.1f} s")
    print("files with each fatal finding code:")
    for code, count in codes.most_common():
        print(f"  {code:28} {count}")
    print("mutations (refused / accepted):")
    for mutation in sorted({m for m, _ in kinds}):
        print(f"  {mutation:10} {kinds[(mutation, 'refused')]:5} / {kinds[(mutation, 'accepted')]}")
    for seed, mutation, message in tracebacks:
        print(f"TRACEBACK {seed} ({mutation}): {message}")
    return 1 if tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())

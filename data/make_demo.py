r"""Generate the embedded demo dataset from the shipped OpenStreetMap extract.

Run ``make demo``, or ``.venv/bin/python data/make_demo.py [--seed N] [--out DIR]``. From
the real extract ``data/streets/nanjing_xuanwu.osm`` (Nanjing, Xuanwu district,
© OpenStreetMap contributors, ODbL) it draws six beats along the major streets, derives
households from the real residential buildings with Chinese addresses, simulates 90 days
of officers' door-to-door visits with a few planted problems, and writes, as a station and
a GIS office hand them over::

    DIR/boundaries/beats.geojson   DIR/boundaries/README.md
    DIR/demo/households.csv        DIR/demo/visits.csv
    DIR/demo/planted.json          DIR/demo/README.md

The steps live in the package ``data/demo_maker`` (one module each); this file is its
command line. The output is deterministic: the same seed gives the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from data.demo_maker.generate import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())

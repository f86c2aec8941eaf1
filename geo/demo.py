"""The embedded demo dataset: Nanjing (Xuanwu) streets with generated households and visits.

Files live in ``data/`` (see ``data/demo/README.md``) and are read through the importer
exactly as a station's files are: the households and visits are GBK CSV exports with
Chinese headers and GCJ-02 coordinates (``coords gcj02``), with local times without a zone
(``timezone Asia/Shanghai``); the beats are a standard GeoJSON (WGS84), which keeps the
system it declares whatever ``coords`` says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from geo.importer import Dataset, load_dataset
from geo.settings import Settings, resolve

DATA_DIR: Final = Path(__file__).resolve().parents[1] / "data"
DEMO_TIMEZONE: Final = "Asia/Shanghai"
"""Visit times of the demo are local Nanjing time, written without a zone."""
DEMO_COORDS: Final = "gcj02"
"""Coordinates of the demo's CSV exports (households, visits): GCJ-02, from a map app."""
DEMO_LABEL: Final = "demo: Nanjing, Xuanwu"


def demo_files(root: Path = DATA_DIR) -> dict[str, Path]:
    """Return the demo's files under ``root`` (``data/``, or where the generator wrote them)."""
    return {
        "beats": root / "boundaries" / "beats.geojson",
        "households": root / "demo" / "households.csv",
        "visits": root / "demo" / "visits.csv",
        "streets": DATA_DIR / "streets" / "nanjing_xuanwu.osm",
    }


DEMO_FILES: Final = demo_files()


def load_demo(*, settings: Settings | None = None, root: Path = DATA_DIR) -> Dataset:
    """Load the demo through the importer (CSV in GCJ-02, Asia/Shanghai; beats WGS84).

    ``root`` reads a demo the generator wrote elsewhere (``data/make_demo.py --out``).
    """
    files = demo_files(root)
    return load_dataset(
        beats=files["beats"],
        households=files["households"],
        visits=files["visits"],
        crs=DEMO_COORDS,
        settings=resolve(settings).replace(timezone=DEMO_TIMEZONE),
        label=DEMO_LABEL,
    )

"""The embedded demo dataset: central Helsinki streets with generated households and visits.

Files live in ``data/`` (see ``data/demo/README.md``); they are read through the same
importer as any station export.
"""

from __future__ import annotations

from pathlib import Path

from geo.importer import Dataset, load_dataset
from geo.settings import Settings

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEMO_TIMEZONE = "Europe/Helsinki"
"""Visit times of the demo are local Helsinki time."""

DEMO_FILES = {
    "beats": DATA_DIR / "boundaries" / "beats.geojson",
    "households": DATA_DIR / "demo" / "households.csv",
    "visits": DATA_DIR / "demo" / "visits.csv",
    "streets": DATA_DIR / "streets" / "helsinki.osm.pbf",
}


def load_demo(*, settings: Settings | None = None) -> Dataset:
    """Load the demo dataset through the importer (WGS84, Helsinki time)."""
    return load_dataset(
        beats=DEMO_FILES["beats"],
        households=DEMO_FILES["households"],
        visits=DEMO_FILES["visits"],
        timezone=DEMO_TIMEZONE,
        settings=settings,
        label="demo: central Helsinki",
    )

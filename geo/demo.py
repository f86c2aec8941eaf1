"""The embedded demo dataset: Nanjing (Xuanwu) streets with generated households and visits.

Files live in ``data/`` (see ``data/demo/README.md``) and are read through the importer
exactly as a station's files are: the households and visits are GBK CSV exports with
Chinese headers and GCJ-02 coordinates (``coords gcj02``), with local times without a zone
(``timezone Asia/Shanghai``); the beats are a standard GeoJSON (WGS84).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from geo.errors import ImportRefused, ValidationReport
from geo.importer import Dataset, cross_check, read_beats, read_households, read_visits
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
    cfg = resolve(settings)
    files = demo_files(root)
    # TODO(coords-per-file): once the importer applies ``crs`` only to files that declare no
    # coordinate system, this becomes load_dataset(..., crs=DEMO_COORDS, ...).
    beats = read_beats(files["beats"], settings=cfg)
    households = read_households(files["households"], crs=DEMO_COORDS, settings=cfg)
    visits = read_visits(files["visits"], crs=DEMO_COORDS, timezone=DEMO_TIMEZONE, settings=cfg)
    report = ValidationReport()
    for part in (beats, households, visits):
        report.extend(part.report)
    if report.ok:
        report.extend(cross_check(beats.table, households.table, visits.table))
    if not report.ok:
        raise ImportRefused(report)
    return Dataset(beats.table, households.table, visits.table, report, DEMO_TIMEZONE, DEMO_LABEL)

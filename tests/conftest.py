"""Shared test fixtures.

The whole suite runs offline: pytest-socket (configured in pyproject.toml) lets sockets
connect only to loopback addresses, so any code path that reaches the internet fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def demo_extract() -> Path:
    """The shipped real OSM extract (central Helsinki, ODbL)."""
    return DATA / "streets" / "helsinki.osm.pbf"

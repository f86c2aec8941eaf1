"""Fixtures shared by the command-line tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo.demo import DEMO_FILES


@pytest.fixture(scope="session")
def streets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo's extract: the CLI's street cache goes next to it, not into the repo.

    One copy per test process, so its street cache is built once, by the first command that
    reads it (tests/geo/test_streets.py tests building and reading the cache).
    """
    copy = tmp_path_factory.mktemp("streets") / DEMO_FILES["streets"].name
    shutil.copyfile(DEMO_FILES["streets"], copy)
    return copy

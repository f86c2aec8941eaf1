"""Fixtures shared by the command-line tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo.demo import DEMO_FILES


@pytest.fixture(scope="module")
def streets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo's extract: the CLI's street cache goes next to it, not into the repo."""
    copy = tmp_path_factory.mktemp("streets") / DEMO_FILES["streets"].name
    shutil.copyfile(DEMO_FILES["streets"], copy)
    return copy

"""Fixtures shared by the page tests that drive a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import launch, require_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser as Launched


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launched]:
    """One chromium for a test module; each test opens a fresh context of its own in it
    (``chromium(tmp_path, browser=launched)``: no cookies, storage or cache of another
    test), so no test pays for a launch."""
    require_chromium()
    with launch(tmp_path_factory.mktemp("chromium")) as browser:
        yield browser

"""`make run` serves the app on the demo, offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.server import fetch, make_run


@pytest.mark.server
def test_make_run_serves_the_demo(tmp_path: Path) -> None:
    with make_run(tmp_path) as server:
        status, html = fetch(server.url + "/")
        assert status == 200
        assert '<div id="root">' in html or 'id="root"' in html
        # every script and stylesheet of the page is served by the app itself
        external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
        assert external == []
        assert server.external_attempts() == []

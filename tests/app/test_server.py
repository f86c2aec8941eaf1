"""`make run` serves the app on the demo, offline, with beatcov's server settings.

The settings live in ``.streamlit/config.toml`` (README, "Security") and the security
headers in ``app/serve.py`` / :mod:`app.headers`. Each is checked where it takes effect:
Streamlit's own ``config show`` for what it reads from the file, the running ``make run``
server for headers, XSRF, CORS and the loopback address, and a real browser for what an
uncaught exception shows a user (tests/app/test_browser_maps.py: a page of its throwaway
app, whose server reads the same file, so no server and no chromium start for it here).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.headers import SECURITY_HEADERS
from tests.support.server import ROOT, Server, fetch

CONFIG = ROOT / ".streamlit" / "config.toml"
SETTINGS = {
    "client": {"showErrorDetails": "none", "toolbarMode": "viewer"},
    "browser": {"gatherUsageStats": False},
    "server": {
        "headless": True,
        "address": "127.0.0.1",
        "enableCORS": True,
        "enableXsrfProtection": True,
        "maxUploadSize": 200,
        "fileWatcherType": "none",
    },
    "runner": {"postScriptGC": False, "magicEnabled": False},
    "global": {"maxCachedMessageAge": 50},
}
"""What the config file sets, section by section (issues 12, 13)."""


@pytest.fixture(scope="module")
def served(demo_server: Server) -> Iterator[Server]:
    """The ``make run`` demo server (``tests.conftest.demo_server``, shared with the browser
    tests); once this module is done, it has attempted nothing outside the machine."""
    yield demo_server
    assert demo_server.external_attempts() == []


def request(url: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> tuple:
    """Send one request to the local server; return status and headers (errors included)."""
    req = urllib.request.Request(url, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


# --------------------------------------------------------------------------- the file


def test_config_file_sets_exactly_the_server_settings() -> None:
    assert tomllib.loads(CONFIG.read_text(encoding="utf-8")) == SETTINGS


def test_streamlit_reads_every_setting_from_the_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env["HOME"] = str(tmp_path)  # no ~/.streamlit of the user's

    def output(*args: str) -> str:
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout

    shown = output("-m", "streamlit", "config", "show")
    effective = tomllib.loads(shown[shown.index("\n[") + 1 :])  # after the prose preamble
    for section, values in SETTINGS.items():
        for name, value in values.items():
            if (section, name) in HIDDEN:
                continue
            assert effective[section][name] == value, (section, name)
            # and Streamlit says where it found it
            assert re.search(
                rf"# The value below was set in {re.escape(str(CONFIG))}\n{name} = ", shown
            ), name
    # hidden options are not shown: ask Streamlit's config module for them (one process)
    options = [f"{section}.{name}" for section, name in HIDDEN]
    code = (
        "import json, streamlit.config as c; "
        f"print(json.dumps([c.get_option(option) for option in {options!r}]))"
    )
    asked = json.loads(output("-c", code).strip().splitlines()[-1])
    for (section, name), value in zip(HIDDEN, asked, strict=True):
        assert value == SETTINGS[section][name], name


HIDDEN = (("runner", "postScriptGC"), ("global", "maxCachedMessageAge"))
"""Settings that ``streamlit config show`` leaves out (hidden options)."""


def test_make_run_and_the_config_file_agree() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^HOST \?= (\S+)$", makefile, re.M)[1] == SETTINGS["server"]["address"]
    recipe = makefile.split("\nrun: ", 1)[1].split("\n\n", 1)[0]
    assert "streamlit run app/serve.py" in recipe
    # the only flags are the overridable address and port: the rest is the file's alone
    assert re.findall(r"--[\w.]+", recipe) == ["--server.address", "--server.port"]


# --------------------------------------------------------------------------- make run


@pytest.mark.server
def test_make_run_serves_the_demo(served: Server) -> None:
    status, html = fetch(served.url + "/")
    assert status == 200
    assert '<div id="root">' in html or 'id="root"' in html
    # every script and stylesheet of the page is served by the app itself
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
    assert external == []
    assert served.external_attempts() == []


@pytest.mark.server
@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/_stcore/host-config", "/nowhere"])
def test_every_response_carries_the_security_headers(served: Server, path: str) -> None:
    _, headers = request(served.url + path)
    for name, value in SECURITY_HEADERS.items():
        assert headers.get_all(name) == [value], name


@pytest.mark.server
def test_xsrf_and_cors_protection_are_on(served: Server) -> None:
    status, headers = request(served.url + "/_stcore/health")
    assert status == 200
    assert any(c.startswith("_streamlit_xsrf=") for c in headers.get_all("Set-Cookie") or [])
    # an upload without the XSRF token is refused before anything else is looked at
    status, _ = request(served.url + "/_stcore/upload_file/s/f", method="PUT")
    assert status == 403
    # another site's page gets no permission to read the server's answers
    _, headers = request(served.url + "/_stcore/health", headers={"Origin": "http://evil.test"})
    assert headers.get("Access-Control-Allow-Origin") in (None, served.url)


@pytest.mark.server
def test_the_server_listens_on_loopback_only(served: Server) -> None:
    port = urlsplit(served.url).port
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                listening.append(address)
    assert listening == ["0100007F"]  # 127.0.0.1, nothing on 0.0.0.0 or ::

"""The security headers' middleware: map files are kept by the browser, nothing else changes."""

from __future__ import annotations

import asyncio

import pytest

from app.headers import IMMUTABLE_CACHE, IMMUTABLE_PATH, SecurityHeaders


def respond(path: str, *, status: int = 200) -> dict[bytes, bytes]:
    """Return the headers of the middleware's response to ``path`` from a Streamlit-like app."""

    async def streamlit(scope, receive, send) -> None:  # noqa: ANN001
        headers = [(b"content-type", b"application/json"), (b"cache-control", b"public")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(SecurityHeaders(streamlit)({"type": "http", "path": path}, None, send))
    headers = sent[0]["headers"]
    assert len({n for n, _ in headers}) == len(headers)  # each header once
    return dict(headers)


@pytest.mark.parametrize("base", ["", "/police"])
def test_a_map_file_is_kept_for_a_year(base: str) -> None:
    headers = respond(f"{base}{IMMUTABLE_PATH}0123456789abcdef0123456789abcdef.json")
    assert headers[b"cache-control"] == IMMUTABLE_CACHE.encode()
    assert headers[b"x-frame-options"] == b"SAMEORIGIN"


def test_other_files_and_failures_keep_streamlits_header() -> None:
    leaflet = "/component/app._streamlit_compat.beatcov_static/leaflet/leaflet.js"
    assert respond(leaflet)[b"cache-control"] == b"public"
    missing = respond(f"{IMMUTABLE_PATH}nothing.json", status=404)
    assert missing[b"cache-control"] == b"public"

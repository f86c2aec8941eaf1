"""HTTP security headers on every response of the app's server.

Streamlit's settings (``.streamlit/config.toml``) have no option for response headers;
Streamlit 1.67 lets an app add ASGI middleware through ``st.App`` instead, which is what
``app/serve.py`` (the file ``make run`` serves) does with :class:`SecurityHeaders`.

The headers (:data:`SECURITY_HEADERS`):

* ``X-Content-Type-Options: nosniff`` -- a browser never guesses a script out of a file
  served as something else;
* ``X-Frame-Options: SAMEORIGIN`` and ``Content-Security-Policy: frame-ancestors 'self'``
  -- no other site can frame the app (clickjacking); the app's own frames (the
  streamlit-folium map) are same-origin and still work;
* ``Referrer-Policy: no-referrer`` -- a link followed out of the app does not carry the
  app's address (which may name a page or beat) to the other site.

A header the response already carries is kept as it is, but for one: the map files of
:mod:`app.map_files` (paths containing :data:`IMMUTABLE_PATH`; their names change with
their content) are sent with ``Cache-Control:`` :data:`IMMUTABLE_CACHE`, so a browser
fetches each once and keeps it, where Streamlit's bare ``public`` made it ask again.
No ``Strict-Transport-Security``: the app serves plain HTTP on loopback; a TLS proxy in
front of it should send that header.
No fuller ``Content-Security-Policy``: Streamlit's front end and the Folium map need inline
scripts and styles, so a policy strict enough to matter would break them.

This module does not import Streamlit: the middleware is plain ASGI.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "frame-ancestors 'self'",
    "Referrer-Policy": "no-referrer",
}
"""Header name -> value added to every HTTP response (not to WebSocket messages)."""

IMMUTABLE_PATH: Final = "/component/app._streamlit_compat.beatcov_maps/"
"""Where the app serves :mod:`app.map_files` (``serve_folder("beatcov_maps", ...)``)."""

IMMUTABLE_CACHE: Final = "private, max-age=31536000, immutable"
"""How long a browser keeps a map file: a year, without asking again."""


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response.

    Examples
    --------
    >>> import asyncio
    >>> async def plain(scope, receive, send):
    ...     await send({"type": "http.response.start", "status": 200, "headers": []})
    ...     await send({"type": "http.response.body", "body": b"ok"})
    >>> sent = []
    >>> async def send(message):
    ...     sent.append(message)
    >>> asyncio.run(SecurityHeaders(plain)({"type": "http"}, None, send))
    >>> dict(sent[0]["headers"])[b"x-frame-options"]
    b'SAMEORIGIN'
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in SECURITY_HEADERS.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to an HTTP response's start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        immutable = IMMUTABLE_PATH in str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if immutable and message.get("status") == 200:
                    headers = [(n, v) for n, v in headers if bytes(n).lower() != b"cache-control"]
                    headers.append((b"cache-control", IMMUTABLE_CACHE.encode("latin-1")))
                present = {bytes(name).lower() for name, _ in headers}
                headers += [(n, v) for n, v in self.headers if n not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

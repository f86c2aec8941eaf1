"""A throwaway HTTP server on the loopback, for tests that must see what a library requests."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

POLL_S = 0.01
"""How often the server looks at its stop flag: ``shutdown()`` waits up to this long (the
standard library's 0.5 s idled half a second at the end of every test using it)."""


@contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 at a free port in a thread; yield the base URL.

    The server is stopped, closed and its thread joined on leaving.
    """
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(POLL_S,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

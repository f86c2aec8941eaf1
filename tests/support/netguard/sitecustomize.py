"""Network guard for subprocesses started by tests (loaded through PYTHONPATH).

Every attempt to connect to, or look up, a non-loopback address is refused and appended to
the file named by ``BEATCOV_NETLOG``, so a test can assert that the app reached nothing.
"""

from __future__ import annotations

import ipaddress
import os
import socket

_LOG = os.environ.get("BEATCOV_NETLOG")
_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


def _is_local(host: object) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _record(kind: str, host: object) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{kind} {host}\n")


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: object) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if not _is_local(host):
        _record("connect", host)
        raise OSError(f"beatcov test guard: connection to {host} refused (offline test)")
    return _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    host = address[0] if isinstance(address, tuple) else address
    if not _is_local(host):
        _record("connect", host)
        return 111
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
    if isinstance(host, bytes):
        host = host.decode()
    if not _is_local(host):
        _record("lookup", host)
        raise socket.gaierror(f"beatcov test guard: lookup of {host} refused (offline test)")
    return _getaddrinfo(host, *args, **kwargs)


if _LOG:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]

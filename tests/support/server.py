"""Start the app exactly as a user does (``make run``), guarded from the network."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUARD = Path(__file__).resolve().parent / "netguard"


@dataclass
class Server:
    """A running app server."""

    url: str
    netlog: Path
    process: subprocess.Popen[bytes]

    @property
    def workdir(self) -> Path:
        """The server's working folder: its network log, its log and its workspace."""
        return self.netlog.parent

    @property
    def workspace(self) -> Path:
        """The workspace folder of a server started by :func:`demo_make_run`."""
        return self.workdir / "workspace"

    def external_attempts(self) -> list[str]:
        """Return every non-local connection or lookup the server attempted."""
        if not self.netlog.exists():
            return []
        return self.netlog.read_text(encoding="utf-8").splitlines()


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, *, timeout: float = 10.0) -> tuple[int, str]:
    """GET ``url`` (loopback only) and return status and body text."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
        return response.status, response.read().decode("utf-8", errors="replace")


@contextlib.contextmanager
def serve(
    command: list[str],
    port: int,
    workdir: Path,
    *,
    startup_s: float = 120.0,
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """Run ``command`` (a server on ``port``) from the repo root inside the network guard.

    ``PYTHONPATH`` holds the guard only, so every non-local connection or lookup the
    server attempts is refused and logged (``Server.external_attempts()``); the repository
    is on the path only if the command puts it there, as ``make run`` must for a user.
    ``env`` adds variables to the server's environment (this process's own, otherwise).
    Yields once ``/_stcore/health`` answers ``ok``; the whole process group is stopped after.
    """
    netlog = workdir / "netlog.txt"
    environ = {**os.environ, **(env or {})}
    environ["PYTHONPATH"] = str(GUARD)
    environ["BEATCOV_NETLOG"] = str(netlog)
    environ["HOME"] = str(workdir)  # keep ~/.streamlit out of the user's home
    log_path = workdir / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_s
        while True:
            if process.poll() is not None:
                text = log_path.read_text(errors="replace")
                msg = f"{' '.join(command)} exited with {process.returncode}:\n{text}"
                raise RuntimeError(msg)
            with contextlib.suppress(OSError):
                status, body = fetch(f"{url}/_stcore/health", timeout=2)
                if status == 200 and body.strip() == "ok":
                    break
            if time.monotonic() > deadline:
                text = log_path.read_text(errors="replace")
                msg = f"server did not answer within {startup_s} s:\n{text}"
                raise RuntimeError(msg)
            time.sleep(0.3)
        yield Server(url, netlog, process)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@contextlib.contextmanager
def make_run(
    workdir: Path, *, startup_s: float = 120.0, env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """Run ``make run HOST=127.0.0.1 PORT=<free>`` and yield once the server answers."""
    port = free_port()
    command = ["make", "--no-print-directory", "run", "HOST=127.0.0.1", f"PORT={port}"]
    with serve(command, port, workdir, startup_s=startup_s, env=env) as server:
        yield server


@contextlib.contextmanager
def demo_make_run(workdir: Path) -> Iterator[Server]:
    """``make run`` on the demo with a workspace of its own (``Server.workspace``)."""
    with make_run(workdir, env={"BEATCOV_WORKSPACE": str(workdir / "workspace")}) as server:
        yield server

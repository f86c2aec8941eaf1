"""A throwaway PostgreSQL cluster with PostGIS for the tests of the shared workspace.

One cluster per test process (each pytest-xdist worker has its own), started on first use:
``initdb`` into a temporary folder, ``pg_ctl start`` listening on 127.0.0.1 at a free port,
scram-sha-256 passwords for every connection (so the tests use a URL with a password, as a
station would). A superuser (``postgres``) creates:

* the role ``beatcov`` (password :data:`APP_PASSWORD`), no superuser, as a station's app;
* the database ``beatcov`` owned by it, with PostGIS enabled by the superuser;
* the database ``nopostgis`` owned by it, without PostGIS (which ``beatcov`` may not enable).

Each test gets a fresh schema in ``beatcov`` (:meth:`Cluster.fresh_url`, the URL's
``search_path``), dropped afterwards, so tests start from an empty workspace at the cost of
a ``CREATE SCHEMA``.

PostgreSQL refuses to run as root; under root (CI) the binaries run as the ``postgres``
user (``runuser``), which owns the temporary folder. Missing binaries fail the tests that
need them: they are never skipped (``.ci/run`` installs ``postgresql``, ``postgis`` and
``postgresql-15-postgis-3``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

APP_USER = "beatcov"
APP_PASSWORD = "pw-Ω-s3cret"  # a non-ASCII password: URL-quoted, masked in messages
ADMIN_PASSWORD = "admin-s3cret"
QUOTED_PASSWORD = "pw-%CE%A9-s3cret"


def bin_dir() -> Path:
    """Return the newest Debian PostgreSQL binaries folder, or fail saying what to install."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if not found:
        msg = (
            "the PostgreSQL tests need Debian's PostgreSQL server and PostGIS: apt-get install "
            "postgresql postgis postgresql-15-postgis-3 (as .ci/run does)"
        )
        raise RuntimeError(msg)
    return Path(found[-1]).parent


def _version(path: str) -> int:
    return int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0


class Cluster:
    """A running throwaway cluster; :meth:`stop` removes it."""

    def __init__(self) -> None:
        self.bin = bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="beatcov-pg-"))
        self.data = self.root / "data"
        self.owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self.owner is not None:
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)
        pwfile = self.root / "pw"
        pwfile.write_text(ADMIN_PASSWORD)
        if self.owner is not None:
            os.chown(pwfile, self.owner.pw_uid, self.owner.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=scram-sha-256",
            f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        self.port = 0
        for _ in range(5):  # another process may take the free port first
            self.port = free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.root} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB "
                "-c max_connections=40"
            )
            log = str(self.root / "server.log")
            done = self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-o", options,
                             "start", check=False)  # fmt: skip
            if done.returncode == 0:
                break
        else:
            msg = f"pg_ctl could not start PostgreSQL: {(self.root / 'server.log').read_text()}"
            raise RuntimeError(msg)
        self.admin = psycopg.connect(self.url("postgres", admin=True), autocommit=True)
        self.admin.execute(
            f"CREATE ROLE {APP_USER} LOGIN PASSWORD %s".replace("%s", _literal(APP_PASSWORD))
        )
        for name in ("beatcov", "nopostgis"):
            self.admin.execute(f"CREATE DATABASE {name} OWNER {APP_USER}")
        # the superuser's session in ``beatcov``, kept for the schemas of every test (a
        # connection costs both sides a scram-sha-256 handshake and the server a process)
        self.beatcov_admin = psycopg.connect(self.url("beatcov", admin=True), autocommit=True)
        self.beatcov_admin.execute("CREATE EXTENSION postgis")
        self.schemas = 0

    def url(self, database: str = "beatcov", *, admin: bool = False, schema: str = "") -> str:
        """Return a URL of a database, as the app (default) or the superuser."""
        who = f"postgres:{ADMIN_PASSWORD}" if admin else f"{APP_USER}:{QUOTED_PASSWORD}"
        options = f"?options=-csearch_path%3D{schema},public" if schema else ""
        return f"postgresql://{who}@127.0.0.1:{self.port}/{database}{options}"

    @contextlib.contextmanager
    def fresh_url(self) -> Iterator[str]:
        """Yield the URL of a new, empty schema in ``beatcov``; drop the schema after."""
        self.schemas += 1
        schema = f"t{os.getpid()}_{self.schemas}"
        self.beatcov_admin.execute(f"CREATE SCHEMA {schema} AUTHORIZATION {APP_USER}")
        try:
            yield self.url("beatcov", schema=schema)
        finally:
            self.beatcov_admin.execute(f"DROP SCHEMA {schema} CASCADE")

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        for conn in (self.beatcov_admin, self.admin):
            with contextlib.suppress(Exception):
                conn.close()
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str, check: bool = True) -> Any:
        command = [str(self.bin / program), *args]
        if self.owner is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if check and done.returncode != 0:
            msg = f"{' '.join(command)} failed: {done.stdout}{done.stderr}"
            raise RuntimeError(msg)
        return done


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

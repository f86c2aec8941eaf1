"""Fixtures shared by the command-line tests."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.demo import DEMO_FILES
from tests.support.demo_cli import Analyses, CliRun, demo_coverage_args

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def streets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo's extract: the CLI's street cache goes next to it, not into the repo.

    One copy per test process, so its street cache is built once, by the first command that
    reads it (tests/geo/test_streets.py tests building and reading the cache).
    """
    copy = tmp_path_factory.mktemp("streets") / DEMO_FILES["streets"].name
    shutil.copyfile(DEMO_FILES["streets"], copy)
    return copy


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="session")
def demo_analyses() -> Iterator[Analyses]:
    """The analysis :func:`demo_csv_run` and :func:`demo_parquet_run` share: the demo's
    inputs read and analysed once per test process, by the first of them to run; each run
    writes its own format. Checked unchanged at the end."""
    analyses = Analyses()
    yield analyses
    analyses.check()


@contextlib.contextmanager
def _shared_run(argv: list[str], out: Path, analyses: Analyses) -> Iterator[CliRun]:
    """Run ``main(argv)`` (exit 0; ``analyses`` shared) and yield it; fail if a test changed
    its outputs."""
    from analysis.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), analyses.sharing():
        code = main(argv)
    assert code == 0, err.getvalue()
    kept = _digests(out)
    yield CliRun(out, err.getvalue())
    assert _digests(out) == kept, f"a test changed the shared outputs in {out}: copy them first"


@pytest.fixture(scope="session")
def demo_csv_run(
    streets: Path, tmp_path_factory: pytest.TempPathFactory, demo_analyses: Analyses
) -> Iterator[CliRun]:
    """``coverage`` on the demo's files named one by one, CSV (the default), no progress bar.

    Run once per test process and shared, read-only, by test_cli.py (its outputs under test)
    and test_dask_engine.py (the single-process reference); checked unchanged at the end.
    """
    out = tmp_path_factory.mktemp("demo-csv") / "out"
    argv = demo_coverage_args(streets, out, "--no-progress")
    with _shared_run(argv, out, demo_analyses) as run:
        yield run


@pytest.fixture(scope="session")
def demo_parquet_run(
    streets: Path, tmp_path_factory: pytest.TempPathFactory, demo_analyses: Analyses
) -> Iterator[CliRun]:
    """As :func:`demo_csv_run` with ``--format parquet``: shared by test_cli_outputs.py (the
    command line writes what ``write_outputs`` writes) and test_dask_engine.py."""
    out = tmp_path_factory.mktemp("demo-parquet") / "out"
    argv = demo_coverage_args(streets, out, "--no-progress", "--format", "parquet")
    with _shared_run(argv, out, demo_analyses) as run:
        yield run


START = """
import contextlib, json, sys
from analysis.cli import main

imported = sorted({name.split(".")[0] for name in sys.modules})  # by the import alone
folder = sys.argv[1]
with contextlib.redirect_stdout(sys.stderr), contextlib.suppress(SystemExit):
    main(["--help"])
codes = [
    main(["users", "add", "ann", "--role", "admin", "--password-stdin", "--workspace", folder]),
    main(["users", "list", "--workspace", folder]),
    main(["audit", "verify", "--workspace", folder]),
]
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"imported": imported, "codes": codes, "loaded": loaded}))
"""
"""A fresh interpreter imports :mod:`analysis.cli`, then runs ``--help``, ``users`` and
``audit``; it prints the top-level modules after the import and after the commands."""


@pytest.fixture(scope="session")
def cli_start(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    """:data:`START` run once per test process (a new workspace; the password on stdin), for
    the tests of what the command line loads (test_cli_start.py, test_dask_engine.py): the
    lists it printed, ``imported``, ``codes`` and ``loaded``. Fails if the process failed."""
    done = subprocess.run(
        [sys.executable, "-c", START, str(tmp_path_factory.mktemp("start") / "ws")],
        input="correct horse battery\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.splitlines()[-1]))

"""``kill -9`` of the command line while it writes leaves no ``--out`` or a complete one.

The CLI runs as a real process on the demo, exactly as a user runs it, and is killed with
SIGKILL at chosen moments of the write (when the hidden partial folder appears, when it
holds 2 and 4 of the 5 files, when the old folder is renamed aside) and at random delays
(fixed seed). After every kill the folder at ``--out`` must be, file for file and byte for
byte, one of the complete outputs it may hold: the previous run's, or (when the kill came
after the rename) this run's; or be absent when there was none before. Never a mix, never
a file cut short.

To tell the two complete outputs apart, the previous output is the H3 run (``--unit h3:9``)
and the killed runs write street blocks: their ``blocks.geojson`` and ``households.csv``
differ. Both reference outputs are made first by complete runs of the same command.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis.cli import OUTPUTS
from geo.demo import DEMO_COORDS, DEMO_FILES
from geo.files import check_output_folder

ROOT = Path(__file__).resolve().parents[2]
SEED = 20260701

Snapshot = dict[str, str]
"""File name -> SHA-256 of a folder's files (``{}`` for no folder)."""


def snapshot(folder: Path) -> Snapshot:
    if not folder.exists():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


class Runner:
    """Starts the CLI on the demo as a subprocess, writing to ``out``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        streets = workdir / "streets" / DEMO_FILES["streets"].name
        streets.parent.mkdir()
        shutil.copyfile(DEMO_FILES["streets"], streets)  # its street cache goes beside it
        self.streets = streets

    def command(self, out: Path, *extra: str) -> list[str]:
        return [
            sys.executable, "-m", "analysis", "coverage",
            "--households", str(DEMO_FILES["households"]),
            "--visits", str(DEMO_FILES["visits"]),
            "--beats", str(DEMO_FILES["beats"]),
            "--streets", str(self.streets),
            "--coords", DEMO_COORDS,
            "--no-progress",
            "--out", str(out),
            *extra,
        ]  # fmt: skip

    def start(self, out: Path, *extra: str) -> subprocess.Popen[bytes]:
        env = dict(os.environ, HOME=str(self.workdir))  # no street cache in the real home
        return subprocess.Popen(
            self.command(out, *extra),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def complete(self, out: Path, *extra: str) -> float:
        began = time.monotonic()
        process = self.start(out, *extra)
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err.decode(errors="replace")
        return time.monotonic() - began


def names_beside(out: Path) -> list[str]:
    with os.scandir(out.parent) as entries:
        return [entry.name for entry in entries]


def partial_of(out: Path) -> Path | None:
    found = [n for n in names_beside(out) if n.startswith(f".{out.name}.partial-")]
    return out.parent / found[0] if found else None


def when_partial_holds(out: Path, files: int) -> Callable[[], bool]:
    def ready() -> bool:
        partial = partial_of(out)
        if partial is None:
            return False
        try:
            return len(os.listdir(partial)) >= files
        except FileNotFoundError:  # renamed into place meanwhile
            return True

    return ready


def when_replacing(out: Path) -> Callable[[], bool]:
    def ready() -> bool:
        return any(n.startswith(f".{out.name}.replaced-") for n in names_beside(out))

    return ready


def kill(
    process: subprocess.Popen[bytes], *, ready: Callable[[], bool] | None, delay: float
) -> str:
    """SIGKILL ``process`` once ``ready()`` holds (polled every 0.2 ms) or after ``delay`` s.

    Returns what happened; a process that ended first must have succeeded.
    """
    if ready is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=delay)
    while process.poll() is None:
        if ready is None or ready():
            os.kill(process.pid, signal.SIGKILL)
            process.communicate()  # reaps it and closes the pipe
            return "killed"
        time.sleep(0.0002)
    _, err = process.communicate()
    assert process.returncode == 0, err.decode(errors="replace")
    return "finished first"


@pytest.mark.timeout(1500)
def test_kill_9_leaves_no_output_or_a_complete_one(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    refs = tmp_path / "refs"
    refs.mkdir()
    runner.complete(refs / "h3", "--unit", "h3:9")  # also builds the street cache
    seconds = runner.complete(refs / "blocks")
    previous, new = snapshot(refs / "h3"), snapshot(refs / "blocks")
    assert sorted(previous) == sorted(new) == sorted(OUTPUTS)
    assert previous["blocks.geojson"] != new["blocks.geojson"]
    rng = random.Random(SEED)
    log: list[str] = []

    # (a) no earlier output: after a kill there is no folder, or this run's whole one
    out = tmp_path / "fresh" / "out"
    out.parent.mkdir()
    moments: list[tuple[str, Callable[[], bool] | None, float]] = [
        ("partial folder appears", when_partial_holds(out, 0), 0.0),
        ("random delay", None, rng.uniform(0.5, seconds * 1.1)),
    ]
    for label, ready, delay in moments:
        outcome = kill(runner.start(out), ready=ready, delay=delay)
        state = snapshot(out)
        log.append(
            f"fresh, {label} ({delay:.2f} s): {outcome}; {left_beside(out)}; "
            f"--out {describe(state, previous, new)}"
        )
        assert state in ({}, new), log[-1]
        shutil.rmtree(out, ignore_errors=True)

    # (b) an earlier complete output, replaced with --overwrite
    out = tmp_path / "kept" / "out"
    out.parent.mkdir()
    shutil.copytree(refs / "h3", out)
    moments = [
        ("partial folder appears", when_partial_holds(out, 0), 0.0),
        ("partial holds 2 of 5 files", when_partial_holds(out, 2), 0.0),
        ("partial holds 4 of 5 files", when_partial_holds(out, 4), 0.0),
        ("old folder renamed aside", when_replacing(out), 0.0),
        *[("random delay", None, rng.uniform(0.5, seconds * 1.1)) for _ in range(2)],
    ]
    for label, ready, delay in moments:
        outcome = kill(runner.start(out, "--overwrite"), ready=ready, delay=delay)
        state = snapshot(out)
        log.append(
            f"kept, {label} ({delay:.2f} s): {outcome}; {left_beside(out)}; "
            f"--out {describe(state, previous, new)}"
        )
        if not state:  # killed between the two renames: the old folder waits aside
            check_output_folder(out, names=OUTPUTS, overwrite=True)  # what the next run does
            state = snapshot(out)
            log[-1] += f", put back: {describe(state, previous, new)}"
            assert state == previous, log[-1]
        assert state in (previous, new), log[-1]
        if state == new:
            shutil.rmtree(out)
            shutil.copytree(refs / "h3", out)

    # the next complete run clears every leftover of the killed ones
    runner.complete(out, "--overwrite")
    assert snapshot(out) == new
    assert [p.name for p in out.parent.iterdir()] == ["out"]
    print("\n".join(["", f"complete run: {seconds:.1f} s", *log]))


def left_beside(out: Path) -> str:
    """What the killed run left in its partial folder: file names and sizes."""
    partial = partial_of(out)
    if partial is None:
        return "no partial folder"
    files = ", ".join(f"{p.name} {p.stat().st_size} B" for p in sorted(partial.iterdir()))
    return f"partial folder left with: {files or 'nothing'}"


def describe(state: Snapshot, previous: Snapshot, new: Snapshot) -> str:
    if not state:
        return "absent"
    if state == new:
        return "this run's complete output"
    return "the previous complete output" if state == previous else f"A MIX: {state}"

"""``kill -9`` of the command line while it writes leaves no ``--out`` or a complete one.

The CLI runs as a real process on the demo and is killed with SIGKILL at chosen moments of
the write (when the hidden partial folder appears, when it holds 2 and 4 of the 5 files,
when the old folder is renamed aside) and at random moments of the write (fixed seed): a
random delay after the run's partial folder appears, shorter than the reference run took
from its partial folder appearing to its ``--out`` appearing. After every kill the folder
at ``--out`` must be, file for file and byte for byte, one of the complete outputs it may
hold: the previous run's, or (when the kill came after the rename) this run's; or be
absent when there was none before. Never a mix, never a file cut short.

The runs are forked from a server process that imported :mod:`analysis.cli` once: each
calls the command line's ``main`` with the command's arguments, as ``python -m analysis``
does, in a process of its own (its pid names its partial folder) that the test kills.
Every kill lands in the write, after the run's partial folder appears, so the killed runs
of street blocks share one reading and analysis of the demo: the server runs ``main`` on
their arguments once, up to the end of :func:`analysis.cli.run_coverage` (the real one,
reading the same files), and each run forked afterwards gets that analysis from
``run_coverage`` for the same arguments. The rest of ``main`` is the run's own: the checks
of its arguments and of ``--out`` (which clear the leftovers of killed runs), the write,
the exit code. This saves the import (1.3 s of CPU) and the reading and analysis (1.2 s)
of every killed run. The first reference run (H3) reads and analyses as a user's run does,
and the last complete run, which must clear every leftover of the killed ones and write
this run's output byte for byte, is ``python -m analysis`` itself: the shared analysis
must give its bytes.

To tell the two complete outputs apart, the previous output is the H3 run (``--unit h3:9``)
and the killed runs write street blocks: their ``blocks.geojson`` and ``households.csv``
differ. Both reference outputs are made first by complete runs of the same command.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from analysis.cli import OUTPUTS
from geo.demo import DEMO_COORDS, DEMO_FILES
from geo.files import check_output_folder

ROOT = Path(__file__).resolve().parents[2]
SEED = 20260701
POLL = 0.0002
"""Seconds between two looks at the output folder once a run's write may be near."""
WAIT = 0.01
"""Seconds between two looks before then: a 0.2 ms poll costs the test about 0.1 s of CPU
for every second it runs."""
WARM = 0.6
"""A run's write may be near once it has used this share of the CPU time the reference run
had used when its write began (the checks before it; the same arguments every run)."""

Snapshot = dict[str, str]
"""File name -> SHA-256 of a folder's files (``{}`` for no folder)."""

SERVER = """
import json, os, sys, traceback
import analysis.cli
from analysis.cli import main  # once, here: each run is a fork of this process
import analysis.pipeline, analysis.units, geo.importer, geo.reviews, geo.streets  # run_coverage's

read_and_analyse = analysis.cli.run_coverage
analysed = {}  # the arguments the analysis depends on -> the analysis of them


class Analysed(BaseException):  # none of main's handlers catches it
    pass


def inputs(args):
    skip = ("out", "overwrite", "no_progress")  # where and how to write, not what
    return repr(sorted((k, v) for k, v in vars(args).items() if k not in skip))


def analyse_once(args, **options):
    analysed[inputs(args)] = read_and_analyse(args, **options)
    raise Analysed


def run_coverage(args, **options):
    if inputs(args) in analysed:
        return analysed[inputs(args)]
    return read_and_analyse(args, **options)


analysis.cli.run_coverage = run_coverage

while line := sys.stdin.readline():
    argv, err = json.loads(line)
    if err is None:  # analyse these arguments once, here, for the runs forked later
        analysis.cli.run_coverage = analyse_once
        try:
            print(f"main returned {main(argv)} before the analysis", flush=True)
        except Analysed:
            print("analysed", flush=True)
        analysis.cli.run_coverage = run_coverage
        continue
    pid = os.fork()
    if pid == 0:  # the run: stdin and stdout closed, stderr to its file
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
        try:
            code = main(argv)
        except SystemExit as stop:
            code = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stderr.flush()
        os._exit(code)
    print(pid, flush=True)
    ended = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # a zombie: its pid stays taken
    signalled = ended.si_code in (os.CLD_KILLED, os.CLD_DUMPED)
    print(-ended.si_status if signalled else ended.si_status, flush=True)
    sys.stdin.readline()  # the test has its exit code: reap it now
    os.waitpid(pid, 0)
    print("reaped", flush=True)
"""


def snapshot(folder: Path) -> Snapshot:
    if not folder.exists():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


class Forked:
    """One run of the command line, forked by the server: the part of ``Popen`` used here.

    Its pid is reaped (by the server) only once its exit code has been read here, as
    ``Popen`` does: until then a kill cannot reach another process that took the pid.
    """

    def __init__(self, server: subprocess.Popen[bytes], argv: list[str], err: Path) -> None:
        assert server.stdin is not None and server.stdout is not None
        self.stdin, self.stdout, self.err = server.stdin, server.stdout, err
        self.stdin.write(json.dumps([argv, str(err)]).encode() + b"\n")
        self.pid = int(self._line())
        self.returncode: int | None = None

    def _line(self) -> bytes:
        line = self.stdout.readline()  # unbuffered: select() sees what is not read yet
        assert line, f"the fork server ended: {self.err.parent / 'server.err'}"
        return line

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self.stdout], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self.stdout], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"run {self.pid}", timeout or 0.0)
            self._ended()
        assert self.returncode is not None
        return self.returncode

    def communicate(self) -> tuple[bytes | None, bytes]:
        self.wait()
        return None, self.err.read_bytes()

    def _ended(self) -> None:
        self.returncode = int(self._line())
        self.stdin.write(b"\n")
        assert self._line() == b"reaped\n"


class Runner:
    """Runs the CLI on the demo, writing to ``out``: forked by a server, or as a command."""

    def __init__(self, workdir: Path, streets: Path, server: subprocess.Popen[bytes]) -> None:
        self.workdir = workdir
        self.streets = streets
        self.server = server
        self.runs = 0

    @classmethod
    @contextlib.contextmanager
    def open(cls, workdir: Path, streets: Path) -> Iterator[Runner]:
        """``streets``: a copy of the demo's extract (its street cache goes beside it)."""
        (workdir / "logs").mkdir()
        with (workdir / "logs" / "server.err").open("wb") as err:
            server = subprocess.Popen(
                [sys.executable, "-c", SERVER],
                cwd=ROOT,
                env=runner_env(workdir),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                bufsize=0,
            )
        try:
            yield cls(workdir, streets, server)
        finally:
            assert server.stdin is not None
            server.stdin.close()  # the server's loop ends
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            assert server.stdout is not None
            server.stdout.close()

    def arguments(self, out: Path, *extra: str) -> list[str]:
        return [
            "coverage",
            "--households", str(DEMO_FILES["households"]),
            "--visits", str(DEMO_FILES["visits"]),
            "--beats", str(DEMO_FILES["beats"]),
            "--streets", str(self.streets),
            "--coords", DEMO_COORDS,
            "--no-progress",
            "--out", str(out),
            *extra,
        ]  # fmt: skip

    def analyse(self, out: Path, *extra: str) -> None:
        """Have the server read and analyse for the runs of these arguments (any ``--out``)."""
        assert self.server.stdin is not None and self.server.stdout is not None
        self.server.stdin.write(json.dumps([self.arguments(out, *extra), None]).encode() + b"\n")
        answer = self.server.stdout.readline()
        assert answer == b"analysed\n", f"{answer!r}: {self.workdir / 'logs' / 'server.err'}"

    def start(self, out: Path, *extra: str) -> Forked:
        """Start a run forked by the server."""
        self.runs += 1
        err = self.workdir / "logs" / f"run-{self.runs}.err"
        return Forked(self.server, self.arguments(out, *extra), err)

    def complete(self, out: Path, *extra: str) -> None:
        """Run the command to its end, forked by the server."""
        process = self.start(out, *extra)
        _, err = process.communicate()
        assert process.returncode == 0, err.decode(errors="replace")

    def command(self, out: Path, *extra: str) -> None:
        """Run ``python -m analysis`` to its end, as a user does."""
        done = subprocess.run(
            [sys.executable, "-m", "analysis", *self.arguments(out, *extra)],
            cwd=ROOT,
            env=runner_env(self.workdir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")


def runner_env(workdir: Path) -> dict[str, str]:
    return dict(os.environ, HOME=str(workdir))  # no street cache in the real home


def names_beside(out: Path) -> list[str]:
    with os.scandir(out.parent) as entries:
        return [entry.name for entry in entries]


def partial_of(out: Path, pid: int | None = None) -> Path | None:
    """Return the partial folder of ``out`` (of run ``pid``, if given), if there is one."""
    mark = f".{out.name}.partial-{'' if pid is None else f'{pid}-'}"
    found = [n for n in names_beside(out) if n.startswith(mark)]
    return out.parent / found[0] if found else None


Ready = Callable[[int], bool]
"""Tells, given a run's pid, whether the moment to kill it has come."""


def when_partial_holds(out: Path, files: int) -> Ready:
    def ready(pid: int) -> bool:
        partial = partial_of(out, pid)  # this run's, not one a killed run left
        if partial is None:
            return False
        try:
            return len(os.listdir(partial)) >= files
        except FileNotFoundError:  # renamed into place meanwhile
            return True

    return ready


def when_replacing(out: Path) -> Ready:
    def ready(pid: int) -> bool:
        return any(n.startswith(f".{out.name}.replaced-{pid}-") for n in names_beside(out))

    return ready


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user and system) process ``pid`` has used, from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kill(process: Forked, *, ready: Ready, delay: float = 0.0, warm: float = 0.0) -> str:
    """SIGKILL ``process`` ``delay`` s after ``ready(pid)`` first holds.

    ``ready`` is polled every 0.2 ms once the process has used ``warm`` s of CPU, every
    10 ms before. Returns what happened; a process that ended first must have succeeded.
    """
    near = False
    while process.poll() is None:
        if ready(process.pid):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=delay)
            if process.poll() is not None:
                break
            os.kill(process.pid, signal.SIGKILL)  # not reaped yet: still this process's pid
            process.communicate()  # reaps it and closes the pipe
            return "killed"
        near = near or cpu_seconds(process.pid) >= warm
        time.sleep(POLL if near else WAIT)
    _, err = process.communicate()
    assert process.returncode == 0, err.decode(errors="replace")
    return "finished first"


def writing_time(process: Forked, out: Path) -> tuple[float, float]:
    """Return when ``out``'s write began, in CPU s of the run, and how long it took.

    The write is timed from the partial folder appearing to ``out`` appearing, in
    seconds; ``out`` must not exist yet. The process is left to end.
    """
    appeared, cpu = None, 0.0
    while not out.exists() and process.poll() is None:
        if appeared is None and partial_of(out, process.pid) is not None:
            appeared, cpu = time.monotonic(), cpu_seconds(process.pid)
        time.sleep(POLL)
    done = time.monotonic()
    _, err = process.communicate()
    assert process.returncode == 0, err.decode(errors="replace")
    return cpu, done - (done if appeared is None else appeared)


@pytest.mark.timeout(1500)
def test_kill_9_leaves_no_output_or_a_complete_one(streets: Path, tmp_path: Path) -> None:
    with Runner.open(tmp_path, streets) as runner:
        check_kills(runner, tmp_path)


def check_kills(runner: Runner, tmp_path: Path) -> None:
    refs = tmp_path / "refs"
    refs.mkdir()
    runner.analyse(refs / "blocks")  # for every run of street blocks below
    runner.complete(refs / "h3", "--unit", "h3:9")
    began, writing = writing_time(runner.start(refs / "blocks"), refs / "blocks")
    previous, new = snapshot(refs / "h3"), snapshot(refs / "blocks")
    assert sorted(previous) == sorted(new) == sorted(OUTPUTS)
    assert previous["blocks.geojson"] != new["blocks.geojson"]
    rng = random.Random(SEED)
    log: list[str] = []

    # (a) no earlier output: after a kill there is no folder, or this run's whole one
    out = tmp_path / "fresh" / "out"
    out.parent.mkdir()
    moments: list[tuple[str, Ready, float]] = [
        ("partial folder appears", when_partial_holds(out, 0), 0.0),
        ("random moment", when_partial_holds(out, 0), rng.uniform(0.0, writing)),
    ]
    for label, ready, delay in moments:
        outcome = kill(runner.start(out), ready=ready, delay=delay, warm=began * WARM)
        state = snapshot(out)
        log.append(
            f"fresh, {label} (+{delay:.3f} s): {outcome}; {left_beside(out)}; "
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
        *[
            ("random moment", when_partial_holds(out, 0), rng.uniform(0.0, writing))
            for _ in range(2)
        ],
    ]
    for label, ready, delay in moments:
        process = runner.start(out, "--overwrite")
        outcome = kill(process, ready=ready, delay=delay, warm=began * WARM)
        state = snapshot(out)
        log.append(
            f"kept, {label} (+{delay:.3f} s): {outcome}; {left_beside(out)}; "
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

    # the next complete run, python -m analysis itself, clears every leftover of the killed ones
    runner.command(out, "--overwrite")
    assert snapshot(out) == new
    assert [p.name for p in out.parent.iterdir()] == ["out"]
    print("\n".join(["", f"writing: after {began:.2f} s of CPU, for {writing:.3f} s", *log]))


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

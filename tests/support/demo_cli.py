"""The command line on the demo's files, as the CLI tests run it."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.demo import DEMO_COORDS, DEMO_FILES, DEMO_TIMEZONE


def demo_coverage_args(
    streets: Path, out: Path, *extra: str, visits: Path | None = None
) -> list[str]:
    """``coverage`` on the demo's files named one by one (as a user names theirs)."""
    return [
        "coverage",
        "--households", str(DEMO_FILES["households"]),
        "--visits", str(visits or DEMO_FILES["visits"]),
        "--beats", str(DEMO_FILES["beats"]),
        "--streets", str(streets),
        "--coords", DEMO_COORDS,
        "--timezone", DEMO_TIMEZONE,
        "--out", str(out),
        *extra,
    ]  # fmt: skip


@dataclass(frozen=True)
class CliRun:
    """A finished run of the command line: its ``--out`` folder and what it wrote on stderr."""

    out: Path
    err: str


READ_BY_RUN_COVERAGE = (
    "beats", "households", "visits", "coords", "beats_coords", "households_coords",
    "visits_coords", "column", "reviews", "streets", "unit", "start", "end",
)  # fmt: skip
"""The arguments :func:`analysis.cli.run_coverage` reads (its ``settings`` besides)."""


class Analyses:
    """Analyses of the command line's inputs, each read and analysed once, to share.

    ``plan``, ``route`` and ``report`` run ``coverage``'s reading and analysis, then their
    own step, and ``--format`` changes only the write: their other options change nothing
    before it. While :meth:`sharing`, the first run of given inputs
    (:data:`READ_BY_RUN_COVERAGE` and the settings) reads and analyses them with the real
    :func:`analysis.cli.run_coverage`; a later run of the same inputs gets that analysis,
    the rest of ``main`` (argument and ``--out`` checks, the command's own step, the write,
    the exit code) its own. ``--engine dask`` runs are never shared. :meth:`check` fails if
    an analysis (its frames and graphs, and those of ``extras``: the inputs) is not as it
    was made: a command that changed one.
    """

    def __init__(self) -> None:
        from tests.support.shared import Pristine

        self.analysed: dict[str, Any] = {}
        self.kept: list[Pristine] = []

    def run_coverage(self, real: Any, args: argparse.Namespace, **options: Any) -> Any:
        """``real(args, **options)``, or the analysis of the same inputs made before."""
        from tests.support.shared import Pristine

        if options.get("verify") is not None:  # --engine dask: its own run
            return real(args, **options)
        key = repr([(name, getattr(args, name)) for name in READ_BY_RUN_COVERAGE])
        key += repr(options["settings"])
        if key not in self.analysed:
            result = self.analysed[key] = real(args, **options)
            self.kept.append(Pristine(f"analysis of {key[:60]}...", result))
            frames = {k: v for k, v in result.extras.items() if v is not None}
            self.kept.extend(Pristine(f"extras[{k!r}]", v) for k, v in frames.items())
        return self.analysed[key]

    @contextlib.contextmanager
    def sharing(self) -> Iterator[None]:
        """Within it, :func:`analysis.cli.run_coverage` shares these analyses."""
        import analysis.cli

        real = analysis.cli.run_coverage

        def run_coverage(args: argparse.Namespace, **options: Any) -> Any:
            return self.run_coverage(real, args, **options)

        analysis.cli.run_coverage = run_coverage
        try:
            yield
        finally:
            analysis.cli.run_coverage = real

    def check(self) -> None:
        """Raise ``AssertionError`` if a shared analysis was changed."""
        for copy in self.kept:
            copy.check()


@contextlib.contextmanager
def analysed_once() -> Iterator[None]:
    """Within it, runs of the same inputs share one reading and analysis (:class:`Analyses`);
    on leaving, the analyses must be as they were made."""
    analyses = Analyses()
    with analyses.sharing():
        yield
    analyses.check()

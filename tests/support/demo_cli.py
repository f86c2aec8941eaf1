"""The command line on the demo's files, as the CLI tests run it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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

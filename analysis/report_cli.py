"""Command line: ``python -m analysis report ... --out DIR``: the upward report, by station.

The ``report`` command takes every input option of ``coverage`` (:mod:`analysis.cli` reads
the inputs and runs the analysis exactly as for ``coverage``; ``--demo`` comes with them),
analyses the same data again over the previous period of equal length (for the changes),
and writes through :func:`analysis.upward_report.build_report`:

* ``report.pdf``: a summary page, then a page per station (A4, numbered), in ``--lang``;
* ``report.xlsx``: the same tables, formatted (percentages, widths, frozen header), one
  sheet per table, labelled in ``--lang``.

Both are written whole or not at all, like every output (:func:`geo.files.output_folder`).
This module only registers the command: the report's modules (fpdf2, the workbook writer)
are imported by :func:`write_report` when a report is made, so ``coverage`` and ``--help``
never load them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from analysis.report_labels import LANGUAGES
from geo.demo import DEMO_LABEL
from geo.files import output_folder
from geo.settings import DEFAULTS, Settings

if TYPE_CHECKING:
    from analysis.pipeline import Analysis

REPORT_OUTPUTS: Final = ("report.pdf", "report.xlsx")
REPORT_STEPS: Final = ("previous period", "drawing the report")
"""Progress labels of ``report`` after the analysis (writing outputs is shared)."""


def add_report_parser(commands: Any, *, inputs: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register ``report`` with every option of ``inputs`` (the ``coverage`` parser) and its own."""
    report: argparse.ArgumentParser = commands.add_parser(
        "report",
        parents=[inputs],
        conflict_handler="resolve",  # -h/--help of the parent; never re-add its options
        help="the upward report: PDF and Excel per station and beat",
        description=(
            "Read the inputs as coverage does, analyse the window and the period of equal "
            "length before it, and write report.pdf (a summary page, then a page per "
            "station) and report.xlsx (the same tables, formatted) to --out."
        ),
    )
    report.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="en",
        help="language of the report: en (default) or zh",
    )
    report.add_argument(
        "--officer-hours",
        type=_hours,
        default=DEFAULTS.workload_officer_hours,
        metavar="H",
        help="hours each officer has for visiting per workload period of "
        f"{DEFAULTS.workload_period_days:g} days (default {DEFAULTS.workload_officer_hours:g})",
    )
    report.add_argument(
        "--dataset",
        default=None,
        metavar="NAME",
        help="the data's name in the title (default: the demo's name with --demo, else the "
        "visits file's name)",
    )
    return report


def write_report(
    result: Analysis,
    args: argparse.Namespace,
    *,
    settings: Settings,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Analyse the previous period, build the report and write :data:`REPORT_OUTPUTS`.

    ``result.extras`` holds the inputs the analysis was run on (:func:`analysis.cli.run_coverage`).
    """
    from analysis.pipeline import analyse
    from analysis.report_figures import previous_window
    from analysis.upward_report import build_report  # fpdf2 and xlsxwriter: only when run
    from geo.streets import street_lines

    step = progress or (lambda _label: None)
    s = settings.replace(workload_officer_hours=args.officer_hours)
    inputs = result.extras
    step("previous period")
    start, end = previous_window(result.window)
    previous = analyse(
        inputs["beats"],
        inputs["households"],
        inputs["visits"],
        units=inputs["units"],
        walk_graph=inputs.get("walk"),
        reviews=inputs.get("reviews"),
        start=start,
        end=end,
        settings=s,
    )
    step("drawing the report")
    streets = inputs.get("streets")
    files = build_report(
        result,
        previous,
        visits=inputs["visits"],
        lang=args.lang,
        dataset=_dataset_name(args),
        streets=street_lines(streets) if streets is not None else None,
        settings=s,
    )
    step("writing outputs")
    with output_folder(args.out, names=REPORT_OUTPUTS, overwrite=args.overwrite) as folder:
        (folder / "report.pdf").write_bytes(files.pdf)
        (folder / "report.xlsx").write_bytes(files.xlsx)
    return [args.out / name for name in REPORT_OUTPUTS]


def _dataset_name(args: argparse.Namespace) -> str:
    if args.dataset:
        return str(args.dataset)
    if getattr(args, "demo", False):
        return DEMO_LABEL
    return Path(args.visits).name


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        msg = f"{text!r} is not a number of hours"
        raise argparse.ArgumentTypeError(msg) from exc
    if not value > 0:
        msg = f"{text!r}: an officer needs more than 0 hours"
        raise argparse.ArgumentTypeError(msg)
    return value


__all__ = ["REPORT_OUTPUTS", "REPORT_STEPS", "add_report_parser", "write_report"]

"""Command line: ``python -m analysis plan ... --out DIR``: balanced beats from street blocks.

The ``plan`` command takes every input option of ``coverage`` (:mod:`analysis.cli` reads
the inputs and runs the analysis exactly as for ``coverage``), then rebalances today's
beats (:func:`analysis.rebalance.rebalance`), or draws ``--beats-count`` beats afresh
(:func:`analysis.rebalance.fresh_plan`), and writes:

* ``plan.geojson``: the plan's beats in the canonical beats schema (``beat_id``, ``name``,
  ``station``, ``officer_ids``, polygons in WGS84; :mod:`analysis.plan_export`), which
  ``coverage --beats`` and the app's importer read back;
* ``plan.json``: the plan's figures (:func:`plan_document`): ``imbalance``,
  ``moved_blocks``, ``workload`` per beat, ``contiguous``, the same figures ``_before``
  (today's beats), compactness, the beats, the blocks that move and the settings used.

``--demo`` (an option of ``coverage`` too) fills every input option not given with the
embedded demo's (:func:`demo_arguments`). Nothing here imports :mod:`analysis.cli`: it
registers this command and hands over the analysis.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from geo.demo import DEMO_COORDS, DEMO_FILES, DEMO_TIMEZONE
from geo.files import output_folder
from geo.settings import DEFAULTS, Settings
from geo.writers import write_json, write_table

if TYPE_CHECKING:
    from analysis.pipeline import Analysis
    from analysis.rebalance import Plan

PLAN_OUTPUTS = ("plan.geojson", "plan.json")
PLAN_STEPS = ("planning",)
"""Progress labels of ``plan`` after the analysis (writing outputs is shared)."""

PLAN_SETTINGS = (
    "plan_target_ratio",
    "plan_move_penalty",
    "plan_compactness_weight",
    "plan_adjacency_min_m",
    "plan_seed",
    "plan_fresh_starts",
    "workload_period_days",
    "workload_visits_per_household",
    "workload_follow_up_visits",
    "workload_visit_min",
    "workload_min_durations",
    "workload_walking_speed_mps",
    "workload_rounds_per_period",
    "workload_access_detour",
    "vulnerable_overdue_days",
)
"""Settings written into ``plan.json`` (what the figures depend on)."""


DEMO_COMMANDS: Final = ("coverage", "plan", "report", "route")
"""The commands that take ``--demo``: all read the inputs of ``coverage``."""


def demo_arguments(argv: Sequence[str]) -> list[str]:
    """Return ``argv`` with the demo's files for each input option ``--demo`` lacks.

    ``coverage --demo``, ``plan --demo``, ``report --demo`` and ``route --demo`` run on the
    embedded demo:
    every input option not given (``--households``, ``--visits``, ``--beats``,
    ``--streets``, ``--coords``, ``--timezone``) takes the demo's; options given keep their
    values. Other commands, and these without ``--demo``, are returned as they are.

    Examples
    --------
    >>> args = demo_arguments(["plan", "--demo", "--out", "o", "--streets", "s.osm"])
    >>> args[args.index("--coords") + 1], args[args.index("--streets") + 1]
    ('gcj02', 's.osm')
    >>> args = demo_arguments(["coverage", "--demo", "--out", "o"])
    >>> args[args.index("--timezone") + 1]
    'Asia/Shanghai'
    >>> demo_arguments(["coverage", "--out", "o"])
    ['coverage', '--out', 'o']
    """
    args = list(argv)
    if not args or args[0] not in DEMO_COMMANDS or "--demo" not in args:
        return args
    given = {a.split("=", 1)[0] for a in args}
    demo = {
        "--households": str(DEMO_FILES["households"]),
        "--visits": str(DEMO_FILES["visits"]),
        "--beats": str(DEMO_FILES["beats"]),
        "--streets": str(DEMO_FILES["streets"]),
        "--coords": DEMO_COORDS,
        "--timezone": DEMO_TIMEZONE,
    }
    for option, value in demo.items():
        if option not in given:
            args += [option, value]
    return args


def add_plan_parser(commands: Any, *, inputs: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register ``plan`` with every option of ``inputs`` (the ``coverage`` parser) and its own."""
    plan: argparse.ArgumentParser = commands.add_parser(
        "plan",
        parents=[inputs],
        conflict_handler="resolve",  # -h/--help of the parent; never re-add its options
        help="balanced beats: rebalance today's beats or draw a chosen number afresh",
        description=(
            "Read the inputs as coverage does, weigh each street block's visiting workload, "
            "then rebalance today's beats (moving as few blocks as it takes) or, with "
            "--beats-count, draw that many beats afresh; write plan.geojson (beats, as the "
            "importer reads them) and plan.json (figures before and after) to --out."
        ),
    )
    plan.add_argument(
        "--beats-count",
        type=_positive_int,
        default=None,
        metavar="N",
        help="draw N beats afresh (default: rebalance today's beats)",
    )
    plan.add_argument(
        "--lock",
        action="append",
        default=[],
        metavar="BLOCK_ID",
        help="a block (block_id of blocks.geojson) that stays in today's beat (repeatable)",
    )
    plan.add_argument(
        "--target-ratio",
        type=_ratio,
        default=DEFAULTS.plan_target_ratio,
        help="heaviest over lightest beat workload to reach "
        f"(default {DEFAULTS.plan_target_ratio})",
    )
    plan.add_argument(
        "--move-penalty",
        type=_non_negative,
        default=DEFAULTS.plan_move_penalty,
        help="how much a moved block must gain; higher keeps more of today's beats "
        f"(default {DEFAULTS.plan_move_penalty})",
    )
    plan.add_argument(
        "--seed",
        type=int,
        default=DEFAULTS.plan_seed,
        help=f"seed of a fresh plan's random seeds (default {DEFAULTS.plan_seed})",
    )
    return plan


def plan_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    """Return ``settings`` with the ``plan`` options applied."""
    return settings.replace(
        plan_target_ratio=args.target_ratio,
        plan_move_penalty=args.move_penalty,
        plan_seed=args.seed,
    )


def make_plan(
    result: Analysis, args: argparse.Namespace, *, settings: Settings
) -> tuple[Plan, Any]:
    """Return the plan and its beats for an analysis run by ``coverage``'s reading.

    ``result.extras`` holds the inputs the analysis was run on: ``beats`` (the imported
    beats with their polygons), ``visits`` (with ``duration_min``) and ``streets`` (the
    street graph the blocks come from). The plan is :func:`analysis.plan_proposal.propose`'s,
    as the app's Planning page proposes it.
    """
    from analysis.plan_proposal import plan_visits, propose  # the solver: only when run
    from geo.streets import street_lines  # osmnx: only when run

    inputs = result.extras
    lines = street_lines(inputs["streets"]) if inputs.get("streets") is not None else None
    proposal = propose(
        result.blocks,
        inputs["beats"],
        plan_visits(inputs["visits"], result.visits),
        streets=lines,
        beats_count=args.beats_count,
        locked=args.lock,
        settings=settings,
    )
    return proposal.plan, proposal.beats


def write_plan(
    result: Analysis,
    args: argparse.Namespace,
    *,
    settings: Settings,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Plan from the analysis and write :data:`PLAN_OUTPUTS` as the folder ``args.out``."""
    step = progress or (lambda _label: None)
    step("planning")
    s = plan_settings(args, settings)
    plan, beats = make_plan(result, args, settings=s)
    step("writing outputs")
    # whole or not at all, as the coverage outputs (geo.files.output_folder)
    with output_folder(args.out, names=PLAN_OUTPUTS, overwrite=args.overwrite) as folder:
        write_table(beats, folder / "plan.geojson", kind="beats")
        write_json(plan_document(plan, settings=s), folder / "plan.json")
    return [args.out / name for name in PLAN_OUTPUTS]


def plan_document(plan: Plan, *, settings: Settings) -> dict[str, Any]:
    """Return ``plan.json``: the summary, the beats, the blocks that move, the settings."""
    beats = plan.beats.astype(object).where(plan.beats.notna(), None)
    moved = plan.blocks[plan.blocks["moved"]]
    return {
        **plan.summary,
        "per_beat": [_plain(row) for row in beats.to_dict("records")],
        "moved": [
            {"block_id": str(b), "from": _plain_value(f), "to": _plain_value(t)}
            for b, f, t in zip(
                moved["block_id"], moved["before_beat_id"], moved["beat_id"], strict=True
            )
        ],
        "settings": {name: getattr(settings, name) for name in PLAN_SETTINGS},
    }


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {str(k): _plain_value(v) for k, v in row.items()}


def _plain_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return round(value, 4)
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        msg = f"{text!r} is not a whole number"
        raise argparse.ArgumentTypeError(msg) from exc
    if value < 1:
        msg = f"{text!r}: a plan needs at least one beat"
        raise argparse.ArgumentTypeError(msg)
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError as exc:
        msg = f"{text!r} is not a number"
        raise argparse.ArgumentTypeError(msg) from exc


def _ratio(text: str) -> float:
    value = _number(text)
    if not value >= 1.0:
        msg = f"{text!r}: the heaviest beat over the lightest is at least 1"
        raise argparse.ArgumentTypeError(msg)
    return value


def _non_negative(text: str) -> float:
    value = _number(text)
    if not value >= 0.0:
        msg = f"{text!r} must be 0 or more"
        raise argparse.ArgumentTypeError(msg)
    return value


__all__ = [
    "DEMO_COMMANDS",
    "PLAN_OUTPUTS",
    "PLAN_STEPS",
    "add_plan_parser",
    "demo_arguments",
    "make_plan",
    "plan_document",
    "write_plan",
]

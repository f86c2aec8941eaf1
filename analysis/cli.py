"""Command line: ``python -m analysis coverage ... --out DIR`` (and other commands).

This is the one place in ``analysis`` that touches files: it reads inputs through
:mod:`geo.importer` and :mod:`geo.streets` and writes the outputs listed in DESIGN.md through
:mod:`geo.writers`. The units are :func:`analysis.units.choose_units`'s: ``--unit blocks``
with a ``--streets`` file whose blocks miss the households is refused, never replaced by H3
cells unasked.
The ``plan`` command (:mod:`analysis.plan_cli`) takes the same input options and the same
analysis (its inputs are kept in ``Analysis.extras``) and writes a beat plan instead; the
``route`` command (:mod:`analysis.route_cli`) likewise writes an officer's walk route, and
``report`` (:mod:`analysis.report_cli`) the upward report (PDF and Excel).
Exit codes: 0 done, 2 bad input (the validation report goes to stderr), 1 other errors.
``--engine dask`` (:mod:`analysis.dask_engine`) verifies the visits on a Dask cluster, a
local one or ``--scheduler``'s, and writes the same bytes; a scheduler that does not answer
is refused with its address (exit 2). Dask is imported only then.
The administration commands ``users`` and ``audit`` are :mod:`analysis.admin_cli`'s.

Every option is checked before any file is read, and every input path before any is
opened: a bad value, a missing file or a folder where a file belongs is refused with a
message naming the option (exit 2), never a traceback. ``--out`` is checked then too:
an existing file, a folder holding files (without ``--overwrite``) or a folder holding
anything beatcov does not write is refused before the run, not after it. The outputs are
written into a hidden folder beside ``--out`` and renamed into place when all are written
(:func:`geo.files.output_folder`): a crash or ``kill -9`` leaves no ``--out`` or the
previous complete one, never half an output. Output folders are ``0700`` and their files
``0600``: they hold personal data, and sharing them is a deliberate act.

``--format csv`` (the default) writes ``blocks.geojson`` and CSV tables; ``--format
parquet`` writes the same values as ``blocks.parquet`` (GeoParquet) and Parquet tables,
typed (times as timestamps with their zone). Either way ``summary.json`` comes too, and
``--overwrite`` replaces a folder of either format's outputs. Float columns in metres
(names ending ``_m``: ``door_distance_m``, ``straight_m``, ``travel_m``) and minutes
(``_min``: ``gap_min``, ``travel_needed_min``) are rounded to 0.1 (:data:`DECIMALS`) and
written with one decimal; every other number (coverage and other shares, days, priorities)
is written as computed.

Each input file's coordinates are read by the rule of :mod:`geo.systems`: ``--coords`` for
files that carry no coordinate system, the file's own otherwise, ``--beats-coords`` &c. to
override one file. ``--column TABLE.CANONICAL=HEADER`` (repeatable) names the file's column
that plays a canonical one when the alias table does not know its header. Misaligned inputs
are refused before anything is written: households outside the beats and GPS points off
their doors when a coordinate mix-up explains them (the import names the option that fixes
it), street blocks that miss the households (here, once the blocks are built).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import pandas as pd
from tqdm import tqdm

from analysis import admin_cli
from analysis.plan_cli import PLAN_OUTPUTS, PLAN_STEPS, add_plan_parser, demo_arguments, write_plan
from analysis.report_cli import REPORT_OUTPUTS, REPORT_STEPS, add_report_parser, write_report
from analysis.route_cli import ROUTE_OUTPUTS, ROUTE_STEPS, add_route_parser, write_route
from geo.arrow_pool import use_batch_pool
from geo.errors import BeatcovError, CRSError, ImportRefused, ValidationReport
from geo.files import check_output_folder, output_folder
from geo.settings import DEFAULTS, Settings
from geo.times import DATE_ORDERS, check_timezone
from geo.writers import write_csv, write_geojson, write_geoparquet, write_json, write_parquet

if TYPE_CHECKING:
    from analysis.pipeline import Analysis, Verifier
    from geo.importer import Dataset

TABLES = ("beats", "households", "visits")
"""The input tables, each with its own ``--TABLE-coords`` option."""
INPUTS = ("households", "visits", "beats", "streets", "reviews")
"""The options that name an input file, in the order they are checked."""
OUTPUTS = ("blocks.geojson", "households.csv", "visits.csv", "beats.csv", "summary.json")
"""The files ``coverage`` writes (``--format csv``, the default)."""
PARQUET_OUTPUTS = (
    "blocks.parquet",
    "households.parquet",
    "visits.parquet",
    "beats.parquet",
    "summary.json",
)
"""The files ``coverage --format parquet`` writes."""
FORMATS: Final = {"csv": OUTPUTS, "parquet": PARQUET_OUTPUTS}
"""The files of each ``--format``."""
COVERAGE_FILES = tuple(dict.fromkeys(OUTPUTS + PARQUET_OUTPUTS))
"""Every file ``coverage`` writes in either format: what ``--overwrite`` may replace."""
DECIMALS: Final = {"_m": 1, "_min": 1}
"""Decimals of float columns by name ending: metres (``_m``) and minutes (``_min``) to 0.1."""
ENGINES = ("local", "dask")
"""``--engine``: one process, or the visits verified on a Dask cluster."""
STEPS = (
    "reading inputs",
    "loading streets",
    "building units",
    "placing blocks and households",
    "verifying visits",
    "household status",
    "summaries and gaps",
    "weekly trend",
    "writing outputs",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (``--help`` documents every option)."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="beatcov: where door-to-door visits fall short.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    cov = commands.add_parser(
        "coverage",
        help="coverage, gaps and time-of-day advice per street block",
        description=(
            "Import households, visits and beats, place them on the street blocks of a "
            "local OSM file, verify visits and write blocks.geojson, households.csv, "
            "visits.csv, beats.csv and summary.json to --out (with --format parquet: "
            "blocks.parquet, households.parquet, visits.parquet, beats.parquet and "
            "summary.json)."
        ),
    )
    cov.add_argument(
        "--households",
        required=True,
        type=Path,
        help="households file (CSV, XLSX, GeoJSON, GeoPackage, GeoParquet or zipped Shapefile)",
    )
    cov.add_argument("--visits", required=True, type=Path, help="visits file (same formats)")
    cov.add_argument("--beats", required=True, type=Path, help="beat polygons file")
    cov.add_argument(
        "--streets",
        required=True,
        type=Path,
        help="local street file: .osm, .osm.bz2, .osm.pbf or .graphml",
    )
    cov.add_argument(
        "--coords",
        default=None,
        type=_crs,
        metavar="CRS",
        help="coordinate system of inputs that carry none (lon/lat or WKT columns of CSV/XLSX, "
        "a Shapefile without .prj): wgs84 (default), gcj02, bd09 or EPSG:n; files that declare "
        "one keep it (GeoJSON is WGS84)",
    )
    for table in TABLES:
        cov.add_argument(
            f"--{table}-coords",
            default=None,
            type=_crs,
            metavar="CRS",
            help=f"coordinate system of the {table} file, whatever it declares (as --coords; "
            "for a projected file wgs84/gcj02/bd09 name the lon/lat behind its projection)",
        )
    cov.add_argument(
        "--column",
        action="append",
        default=[],
        type=_column,
        metavar="TABLE.CANONICAL=HEADER",
        help="the file's column that plays a canonical column when the alias table does not "
        "know its header, e.g. --column beats.beat_id=Name (repeatable; TABLE is beats, "
        "households or visits)",
    )
    cov.add_argument(
        "--timezone",
        default=DEFAULTS.timezone,
        type=_zone,
        help=f"zone of visit times without one, and of time bands (default {DEFAULTS.timezone})",
    )
    cov.add_argument(
        "--date-order",
        default=DEFAULTS.date_order,
        choices=DATE_ORDERS,
        help="order of day and month in visit dates with the year last (01/07/2026): dmy, mdy, "
        "ymd (refuse them) or auto (default: told from the column; a column whose dates "
        "could be read either way is refused)",
    )
    cov.add_argument(
        "--start",
        default=None,
        type=_day,
        help="first day of the window, YYYY-MM-DD (default: first visit)",
    )
    cov.add_argument(
        "--end",
        default=None,
        type=_day,
        help="last day of the window, YYYY-MM-DD, included whole (default: last visit)",
    )
    cov.add_argument(
        "--unit",
        default="blocks",
        help="blocks (street blocks, default) or h3:RES for H3 cells of resolution RES (e.g. h3:9)",
    )
    cov.add_argument(
        "--network-type",
        default=DEFAULTS.network_type,
        choices=("drive", "drive_service", "walk", "all"),
        help="street network that bounds the blocks (default drive_service)",
    )
    cov.add_argument(
        "--coverage-threshold",
        type=_share,
        default=DEFAULTS.coverage_threshold,
        help="a block below this coverage is under-visited: a share from 0 to 1 (default 0.8)",
    )
    cov.add_argument(
        "--include-unverified",
        action="store_true",
        help="count visits that failed verification as contacts too",
    )
    cov.add_argument(
        "--reviews",
        default=None,
        type=Path,
        metavar="FILE",
        help="a chief's decisions on flagged visits: CSV/XLSX with visit_id and decision "
        "(confirmed: not counted; dismissed: counted)",
    )
    cov.add_argument(
        "--demo",
        action="store_true",
        help="run on the embedded demo: its file for every input option not given, with its "
        "--coords and --timezone",
    )
    cov.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    cov.add_argument(
        "--out",
        required=True,
        type=Path,
        help="output folder: created, or an empty folder; written whole or not at all",
    )
    cov.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an --out folder that holds the outputs of an earlier run",
    )
    add_plan_parser(commands, inputs=cov)
    add_route_parser(commands, inputs=cov)
    add_report_parser(commands, inputs=cov)
    # after the commands that copy coverage's options: theirs write other files
    cov.add_argument(
        "--format",
        default="csv",
        choices=tuple(FORMATS),
        help="csv (default): blocks.geojson and CSV tables; parquet: blocks.parquet "
        "(GeoParquet) and Parquet tables, the same values with their types",
    )
    add_engine_options(cov)
    admin_cli.add_commands(commands)  # users, audit
    return parser


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--engine``, ``--scheduler`` and ``--workers`` (:mod:`analysis.dask_engine`)."""
    parser.add_argument(
        "--engine",
        default="local",
        choices=ENGINES,
        help="local (default): one process; dask: verify visits on a Dask cluster, the same "
        "outputs byte for byte (a local cluster unless --scheduler is given)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="with --engine dask: a running Dask scheduler, e.g. tcp://10.0.0.5:8786, whose "
        "workers see the input files",
    )
    parser.add_argument(
        "--workers",
        default=None,
        type=_count,
        metavar="N",
        help="with --engine dask and no --scheduler: worker processes of the local cluster "
        "(default 2)",
    )


def _count(text: str) -> int:
    """Parse ``--workers``: a whole number from 1; anything else is a usage error."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"{text!r} is not a number of workers: write a whole number from 1, e.g. 4"
        raise argparse.ArgumentTypeError(msg)
    return value


def engine_usage(args: argparse.Namespace) -> str | None:
    """Return what is wrong with ``--engine``/``--scheduler``/``--workers`` (``None``: fine).

    Examples
    --------
    >>> engine_usage(argparse.Namespace(engine="local", scheduler="tcp://h:8786", workers=None))
    '--scheduler needs --engine dask'
    >>> engine_usage(argparse.Namespace(engine="dask", scheduler="tcp://h:8786", workers=4))
    '--workers sizes a local cluster; with --scheduler the cluster has its own workers'
    """
    engine = getattr(args, "engine", "local")
    scheduler = getattr(args, "scheduler", None)
    workers = getattr(args, "workers", None)
    if engine == "local":
        for option, value in (("--scheduler", scheduler), ("--workers", workers)):
            if value is not None:
                return f"{option} needs --engine dask"
    elif scheduler is not None and workers is not None:
        return "--workers sizes a local cluster; with --scheduler the cluster has its own workers"
    return None


def make_engine(args: argparse.Namespace) -> AbstractContextManager[Any]:
    """Return the engine ``args`` ask for: a Dask engine, or a no-op for ``--engine local``.

    Dask is imported only here, and only for ``--engine dask``.
    """
    if getattr(args, "engine", "local") != "dask":
        return nullcontext()
    from analysis.dask_engine import LOCAL_WORKERS, DaskEngine

    return DaskEngine(scheduler=args.scheduler, workers=args.workers or LOCAL_WORKERS)


def coords_hint(table: str, system: str) -> str:
    """Name the option that reads ``table``'s file as ``system`` (for import findings).

    Examples
    --------
    >>> coords_hint("beats", "gcj02")
    'run with --beats-coords gcj02'
    """
    return f"run with --{table}-coords {system}"


def _crs(text: str) -> str:
    """Parse a coordinate-system option; a bad one is a usage error (exit 2)."""
    from geo.coords import parse_crs  # pyproj's database: only when the option is given

    try:
        return parse_crs(text)
    except CRSError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _zone(text: str) -> str:
    """Parse ``--timezone``; an unknown zone is a usage error (exit 2)."""
    try:
        return check_timezone(text)
    except BeatcovError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _column(text: str) -> tuple[str, str, str]:
    """Parse one ``--column TABLE.CANONICAL=HEADER``; a bad one is a usage error (exit 2)."""
    target, sep, header = text.partition("=")
    table, dot, canonical = target.strip().partition(".")
    if not sep or not dot or not header.strip():
        msg = (
            f"{text!r}: write TABLE.CANONICAL=HEADER, e.g. beats.beat_id=Name (the file's "
            "column HEADER plays CANONICAL)"
        )
        raise argparse.ArgumentTypeError(msg)
    from geo.aliases import check_choice

    try:
        check_choice(table, canonical)
    except BeatcovError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from exc
    return table, canonical, header.strip()


def column_choices(chosen: Sequence[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """Return ``--column`` options as ``{table: {canonical: header}}``.

    Raises
    ------
    BeatcovError
        If one canonical column is named twice with different headers.

    Examples
    --------
    >>> column_choices([("beats", "beat_id", "Name"), ("visits", "time", "When")])
    {'beats': {'beat_id': 'Name'}, 'visits': {'time': 'When'}}
    """
    out: dict[str, dict[str, str]] = {}
    for table, canonical, header in chosen:
        before = out.setdefault(table, {}).setdefault(canonical, header)
        if before != header:
            msg = f"--column {table}.{canonical} is named twice ({before!r} and {header!r})"
            raise BeatcovError(msg)
    return out


def _share(text: str) -> float:
    """Parse ``--coverage-threshold``: a share from 0 to 1; anything else is a usage error."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        msg = f"{text!r} is not a share: write a number from 0 to 1, e.g. 0.8 for 80%"
        raise argparse.ArgumentTypeError(msg)
    return value


def check_inputs(args: argparse.Namespace) -> None:
    """Refuse input paths that cannot be read as files, before any file is opened.

    Raises
    ------
    BeatcovError
        Naming the option and the path: missing, a folder, or not readable.
    """
    for option in INPUTS:
        path: Path | None = getattr(args, option)
        if path is None:
            continue
        where = f"--{option} {path}"
        if not path.exists():
            msg = f"{where}: no such file; check the path"
            raise BeatcovError(msg)
        if path.is_dir():
            msg = f"{where} is a folder; name the file inside it"
            raise BeatcovError(msg)
        if not path.is_file():
            msg = f"{where} is not a regular file (a device or a pipe?); name a file"
            raise BeatcovError(msg)
        if not os.access(path, os.R_OK):
            msg = f"{where}: permission denied; make the file readable or copy it"
            raise BeatcovError(msg)


def _day(text: str) -> dt.date:
    """Parse a ``--start``/``--end`` day; a bad one is a usage error (exit 2)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        msg = f"{text!r} is not a day; write it as YYYY-MM-DD"
        raise argparse.ArgumentTypeError(msg) from exc


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(demo_arguments(sys.argv[1:] if argv is None else argv))
    if args.command in admin_cli.COMMANDS:
        return admin_cli.run(args)
    outputs, extra_steps, write = {
        "plan": (PLAN_OUTPUTS, PLAN_STEPS, write_plan),
        "route": (ROUTE_OUTPUTS, ROUTE_STEPS, write_route),
        "report": (REPORT_OUTPUTS, REPORT_STEPS, write_report),
    }.get(args.command) or (FORMATS[args.format], (), None)
    replaceable = outputs if write is not None else COVERAGE_FILES
    try:
        column_choices(args.column)
    except BeatcovError as error:
        parser.error(str(error))  # a usage error: exit 2
    if args.start is not None and args.end is not None and args.start > args.end:
        parser.error(f"--start {args.start} is after --end {args.end}; swap them")
    wrong = engine_usage(args)
    if wrong is not None:
        parser.error(wrong)
    from analysis.units import parse_unit  # street blocks and H3: not for users and audit

    try:
        parse_unit(args.unit, name="--unit")
        check_inputs(args)
        check_output_folder(args.out, names=replaceable, overwrite=args.overwrite)
    except BeatcovError as error:
        print(f"beatcov: {error}", file=sys.stderr)
        return 2
    settings = DEFAULTS.replace(
        timezone=args.timezone,
        date_order=args.date_order,
        network_type=args.network_type,
        coverage_threshold=args.coverage_threshold,
        include_unverified=args.include_unverified,
    )
    bar = tqdm(
        total=len(STEPS) + len(extra_steps),
        file=sys.stderr,
        disable=args.no_progress,
        unit="step",
        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}]",
    )

    def step(label: str) -> None:
        bar.set_description(label)
        bar.update(1)

    use_batch_pool()  # Arrow on jemalloc for a city's year (geo.arrow_pool)
    try:
        with make_engine(args) as engine:
            verify = engine.verify_visits if engine is not None else None
            result = run_coverage(args, settings=settings, progress=step, verify=verify)
        if write is not None:
            write(result, args, settings=settings, progress=step)
        else:
            step("writing outputs")
            write_outputs(result, args.out, overwrite=args.overwrite, format=args.format)
    except KeyboardInterrupt:
        bar.close()
        print(f"beatcov: interrupted; {args.out} is as it was", file=sys.stderr)
        return 130
    except ImportRefused as refused:
        bar.close()
        print("beatcov: the import was refused. Fix these and run again:", file=sys.stderr)
        print(_report_text(refused.report), file=sys.stderr)
        return 2
    except BeatcovError as error:
        bar.close()
        print(f"beatcov: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a disk full, a file unreadable midway, ...
        bar.close()
        print(f"beatcov: {error}; {args.out} is as it was", file=sys.stderr)
        return 1
    bar.close()
    print(f"wrote {', '.join(outputs)} to {args.out}", file=sys.stderr)
    return 0


def run_coverage(
    args: argparse.Namespace,
    *,
    settings: Settings,
    progress: Any = None,
    verify: Verifier | None = None,
) -> Analysis:
    """Read the inputs named in ``args`` and run :func:`analysis.pipeline.analyse`.

    ``verify`` replaces :func:`analysis.verify.verify_visits` (``--engine dask``). The
    modules of the analysis (osmnx, networkx, SciPy, H3) are imported here, so that the
    commands that need none of them (``users``, ``audit``, ``--help``) start without them.
    """
    from analysis.pipeline import analyse
    from analysis.units import H3_FALLBACK_RESOLUTION, choose_units
    from geo.importer import load_dataset
    from geo.reviews import read_reviews
    from geo.streets import load_streets

    step = progress or (lambda _label: None)
    step("reading inputs")
    data: Dataset = load_dataset(
        beats=args.beats,
        households=args.households,
        visits=args.visits,
        crs=args.coords,
        table_crs={table: getattr(args, f"{table}_coords") for table in TABLES},
        columns=column_choices(args.column),
        settings=settings,
        hint=coords_hint,
        visit_points=False,  # GPS only measured: two columns, no shapely point per visit
    )
    lean_inputs(data)
    reviews = read_reviews(args.reviews) if args.reviews is not None else None
    step("loading streets")
    streets = load_streets(args.streets, network_type=settings.network_type)
    walk = load_streets(args.streets, network_type="walk")
    step("building units")
    units = choose_units(
        data.beats,
        data.households,
        unit=args.unit,
        streets=streets,
        streets_name=args.streets.name,
        instead=f"use --unit h3:{H3_FALLBACK_RESOLUTION}",
        settings=settings,
    ).frame
    result = analyse(
        data.beats,
        data.households,
        data.visits,
        units=units,
        walk_graph=walk,
        reviews=reviews,
        start=args.start,
        end=args.end,
        settings=settings,
        progress=step,
        verify=verify,
    )
    result.extras.update(
        beats=data.beats,
        visits=data.visits,
        households=data.households,
        streets=streets,
        walk=walk,
        units=units,
        reviews=reviews,
    )
    return result


def lean_inputs(data: Dataset) -> Dataset:
    """Keep the imported tables as the command line needs them through the analysis.

    In place, and returned. A visit's note is for the app's pages: no command reads or
    writes it (76 MB of text at 10M visits), so it is dropped. A household's address, a
    Python string as the import gives it (about 70 bytes each beyond Arrow's), becomes
    Arrow text (``str``): the route's stops show it, nothing else reads it. The values are
    the same. At 1M households and 10M visits the run's peak fell from 3,224 to 3,140 MB
    (the note) and from 3,067 to 2,998 MB (the address).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from geo.importer import Dataset
    >>> data = Dataset(gpd.GeoDataFrame(), gpd.GeoDataFrame({"address": ["1 Main St"]}),
    ...                gpd.GeoDataFrame({"visit_id": ["v1"], "note": ["rang twice"]}))
    >>> lean = lean_inputs(data)
    >>> list(lean.visits.columns), lean.households["address"].dtype
    (['visit_id'], <StringDtype(na_value=nan)>)
    """
    data.visits = data.visits.drop(columns=["note"], errors="ignore")
    if "address" in data.households.columns:
        data.households["address"] = data.households["address"].astype("str")
    return data


def write_outputs(
    result: Analysis,
    out: Path,
    *,
    overwrite: bool = False,
    format: Literal["csv", "parquet"] = "csv",
) -> list[Path]:
    """Write the five outputs of DESIGN.md as the folder ``out``, whole or not at all.

    The files (:mod:`geo.writers`; :data:`FORMATS` names them) go into a hidden folder
    beside ``out`` that is renamed into place once all are written
    (:func:`geo.files.output_folder`): a writer that fails leaves ``out`` as it was and no
    hidden folder. ``overwrite`` replaces a folder of earlier outputs of either format.
    Float columns in metres and minutes are rounded (:func:`output_decimals`). Returns the
    paths of the files in ``out``.
    """
    tables = {"households": result.households, "visits": result.visits, "beats": result.beats}
    blocks = result.blocks
    with output_folder(out, names=COVERAGE_FILES, overwrite=overwrite) as folder:
        if format == "parquet":
            write_geoparquet(blocks, folder / "blocks.parquet", decimals=output_decimals(blocks))
            for name, frame in tables.items():
                write_parquet(frame, folder / f"{name}.parquet", decimals=output_decimals(frame))
        else:
            write_geojson(blocks, folder / "blocks.geojson", decimals=output_decimals(blocks))
            for name, frame in tables.items():
                write_csv(frame, folder / f"{name}.csv", decimals=output_decimals(frame))
        write_json(result.summary(), folder / "summary.json")
    return [out / name for name in FORMATS[format]]


def output_decimals(frame: pd.DataFrame) -> dict[str, int]:
    """Return the fixed decimals of ``frame``'s float columns, by :data:`DECIMALS`.

    Examples
    --------
    >>> frame = pd.DataFrame({"door_distance_m": [8.73], "gap_min": [5.2], "coverage": [0.5],
    ...                       "budget_m": [300]})
    >>> output_decimals(frame)
    {'door_distance_m': 1, 'gap_min': 1}
    """
    return {
        str(column): places
        for column in frame.columns
        for ending, places in DECIMALS.items()
        if str(column).endswith(ending) and pd.api.types.is_float_dtype(frame[column])
    }


def _report_text(report: ValidationReport) -> str:
    """Return the findings as a plain table: rows as whole numbers, blank where none."""
    frame = report.to_frame()
    frame["row"] = frame["row"].astype("Int64")
    return frame.astype(object).where(frame.notna(), "").to_string(index=False)


__all__ = [
    "FORMATS",
    "OUTPUTS",
    "PARQUET_OUTPUTS",
    "build_parser",
    "main",
    "output_decimals",
    "write_outputs",
]

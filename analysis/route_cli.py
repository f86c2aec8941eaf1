"""Command line: ``python -m analysis route ... --out DIR``: an officer's walk route.

The ``route`` command takes every input option of ``coverage`` (:mod:`analysis.cli` reads
the inputs and runs the analysis exactly as for ``coverage``), then chooses and orders the
doors of ``--officer``'s beats for ``--band`` within ``--budget-min`` minutes
(:func:`analysis.officer_route.officer_route`) and writes:

* ``route.json``: ``stops`` (in visit order: ``order``, ``household_id``, ``address``,
  ``block_id``, ``beat_id``, ``band``, ``arrival`` and ``begin`` as local ``HH:MM``,
  ``walk_min`` from the stop before, ``priority``, ``needs_visit_reasons``, ``lon``,
  ``lat``), ``minutes``, ``priority_collected``, ``budget_min``, ``band``, ``officer_id``,
  ``beats``, ``start`` (``lon``, ``lat``, ``time``), ``candidates``, ``visit_min``, ``path``
  (the walk as GeoJSON LineString) and the settings used;
* ``route.gpx``: the stops as waypoints in visit order (``1 address``) and the walk as a
  track, WGS84, for a phone;
* ``route.csv``: the printable list for the officer: order, arrival, address (Chinese, as
  imported), household, block, why, priority; UTF-8 with a BOM so Excel shows Chinese.

Coordinates are WGS84 in every file: the importer converts GCJ-02/BD-09 inputs on reading,
as for every other output. ``--start-point LON,LAT`` is read in the ``--coords`` system
(a point picked on a Chinese map app is GCJ-02). ``--demo`` fills every input option not
given with the embedded demo's (:func:`analysis.plan_cli.demo_arguments`).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from analysis.timeofday import TIE_ORDER
from geo.coords import to_wgs84
from geo.files import output_folder
from geo.settings import Settings
from geo.writers import write_json

if TYPE_CHECKING:
    from analysis.officer_route import OfficerRoute
    from analysis.pipeline import Analysis

ROUTE_OUTPUTS = ("route.json", "route.gpx", "route.csv")
ROUTE_STEPS = ("routing",)
"""Progress labels of ``route`` after the analysis (writing outputs is shared)."""

ROUTE_SETTINGS = (
    "route_return_to_start",
    "route_search_rounds",
    "route_seed",
    "workload_walking_speed_mps",
    "workload_access_detour",
    "network_snap_max_m",
    "network_max_detour",
    "network_min_snapped_share",
    "priority_vulnerable_weight",
    "priority_follow_up_weight",
    "priority_waiting_full_days",
)
"""Settings written into ``route.json`` (what the route depends on)."""


def add_route_parser(commands: Any, *, inputs: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register ``route`` with every option of ``inputs`` (the ``coverage`` parser) and its own."""
    route: argparse.ArgumentParser = commands.add_parser(
        "route",
        parents=[inputs],
        conflict_handler="resolve",  # -h/--help of the parent; never re-add its options
        help="an officer's walk route: the most priority within a time budget",
        description=(
            "Read the inputs as coverage does, then choose which households of the "
            "officer's beats to visit in the time band, and in what order, to collect the "
            "most priority within the budget; write route.json, route.gpx and route.csv "
            "(a printable list) to --out."
        ),
    )
    route.add_argument("--officer", required=True, metavar="ID", help="the officer's id")
    route.add_argument(
        "--budget-min",
        required=True,
        type=_positive,
        metavar="MINUTES",
        help="minutes available, walking and doors together (e.g. 120)",
    )
    route.add_argument(
        "--band",
        default="evening",
        choices=TIE_ORDER,
        help="time band walked; only households whose block is advised for it are visited "
        "(default evening)",
    )
    route.add_argument(
        "--start-point",
        type=_lon_lat,
        default=None,
        metavar="LON,LAT",
        help="where the walk starts, in the --coords system (default: the post of the "
        "officer's first beat)",
    )
    route.add_argument(
        "--start-at",
        type=_clock,
        default=None,
        metavar="HH:MM",
        help="when the walk starts (default: the band's first hour, evening 17:00)",
    )
    return route


def make_route(result: Analysis, args: argparse.Namespace, *, settings: Settings) -> OfficerRoute:
    """Return the route for an analysis run by ``coverage``'s reading.

    ``result.extras`` holds the inputs: ``households`` (with points and addresses),
    ``beats``, ``visits`` (with ``duration_min``) and ``walk`` (the walk network).
    """
    from analysis.officer_route import officer_route  # the walk network: only when run
    from analysis.workload import minutes_per_visit

    inputs = result.extras
    places = inputs["households"]
    extra = [c for c in ("address",) if c in places.columns]
    homes = result.households.merge(
        places[["household_id", *extra, places.geometry.name]], on="household_id", how="left"
    )
    if "address" not in homes.columns:
        homes["address"] = ""
    homes = gpd.GeoDataFrame(homes, geometry=places.geometry.name, crs=places.crs)
    visits = pd.DataFrame(inputs["visits"]).drop(columns="geometry", errors="ignore")
    visits = visits.merge(result.visits[["visit_id", "status"]], on="visit_id", how="left")
    start = None
    if args.start_point is not None:
        lon, lat = to_wgs84(*args.start_point, crs=args.coords or settings.input_crs)
        wgs = gpd.GeoSeries([shapely.Point(float(lon), float(lat))], crs="EPSG:4326")
        start = wgs.to_crs(places.crs).iloc[0]
    return officer_route(
        homes,
        result.blocks,
        inputs["beats"],
        officer_id=args.officer,
        budget_min=args.budget_min,
        band=args.band,
        visit_min=minutes_per_visit(visits, settings=settings).minutes,
        graph=inputs.get("walk"),
        start=start,
        start_at=args.start_at,
        settings=settings,
    )


def write_route(
    result: Analysis,
    args: argparse.Namespace,
    *,
    settings: Settings,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Route from the analysis and write :data:`ROUTE_OUTPUTS` as the folder ``args.out``."""
    from analysis.route_export import route_csv, route_gpx

    step = progress or (lambda _label: None)
    step("routing")
    route = make_route(result, args, settings=settings)
    document = route_document(
        route, officer_id=args.officer, budget_min=args.budget_min, band=args.band
    )
    document["settings"] = {name: getattr(settings, name) for name in ROUTE_SETTINGS}
    step("writing outputs")
    with output_folder(args.out, names=ROUTE_OUTPUTS, overwrite=args.overwrite) as folder:
        write_json(document, folder / "route.json")
        (folder / "route.gpx").write_bytes(route_gpx(route, name=f"{args.officer} {args.band}"))
        (folder / "route.csv").write_bytes(route_csv(route))
    return [args.out / name for name in ROUTE_OUTPUTS]


def route_document(
    route: OfficerRoute, *, officer_id: str, budget_min: float, band: str
) -> dict[str, Any]:
    """Return ``route.json`` without the settings (see the module)."""
    stops = pd.DataFrame(route.stops.drop(columns=route.stops.geometry.name))
    stops["lon"] = route.stops.geometry.x.round(7).to_numpy()
    stops["lat"] = route.stops.geometry.y.round(7).to_numpy()
    rows = stops.astype(object).where(stops.notna(), None).to_dict("records")
    return {
        "officer_id": officer_id,
        "beats": route.beats,
        "band": band,
        "budget_min": budget_min,
        "minutes": round(route.minutes, 2),
        "priority_collected": round(route.priority_collected, 4),
        "stops": [{str(k): _plain(v) for k, v in row.items()} for row in rows],
        "start": {
            "lon": round(route.start.x, 7),
            "lat": round(route.start.y, 7),
            "time": route.start_at.strftime("%H:%M"),
        },
        "candidates": route.candidates,
        "path": shapely.geometry.mapping(route.line) if route.line is not None else None,
    }


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        msg = f"{text!r} is not a number of minutes"
        raise argparse.ArgumentTypeError(msg) from exc
    if not value > 0:
        msg = f"{text!r}: a route needs a budget of more than 0 minutes"
        raise argparse.ArgumentTypeError(msg)
    return value


def _lon_lat(text: str) -> tuple[float, float]:
    parts = text.replace("，", ",").split(",")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError as exc:
        msg = f"{text!r}: write the start point as LON,LAT, e.g. 118.78,32.04"
        raise argparse.ArgumentTypeError(msg) from exc
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        msg = f"{text!r}: longitude is -180..180 and latitude -90..90 (LON,LAT)"
        raise argparse.ArgumentTypeError(msg)
    return lon, lat


def _clock(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except ValueError as exc:
        msg = f"{text!r} is not a clock time; write it as HH:MM, e.g. 17:30"
        raise argparse.ArgumentTypeError(msg) from exc


__all__ = [
    "ROUTE_OUTPUTS",
    "ROUTE_STEPS",
    "add_route_parser",
    "make_route",
    "route_document",
    "write_route",
]

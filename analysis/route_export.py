"""A planned walk as files for the officer: GPX for a phone, and the printable list.

The ``route`` command (:mod:`analysis.route_cli`) and the My beat page hand out the same
two files, made here as bytes:

* :func:`route_gpx`: the stops as waypoints in visit order, named ``"<order> <address>"``
  and described ``"<arrival> <household_id>"``, and the walk as one track; WGS84.
* :func:`route_csv`: :func:`print_list`, the columns :data:`PRINT_COLUMNS` (order, arrival,
  address as imported -- Chinese addresses stay Chinese --, household, block, why,
  priority), UTF-8 with a BOM so Excel shows Chinese, formulas neutralised.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import pandas as pd

from analysis.officer_route import OfficerRoute
from geo.writers import csv_bytes, gpx_bytes

PRINT_COLUMNS: Final = (
    "order",
    "arrival",
    "address",
    "household_id",
    "block_id",
    "needs_visit_reasons",
    "priority",
)
"""Columns of ``route.csv``, the printable list."""


def gpx_stops(route: OfficerRoute) -> gpd.GeoDataFrame:
    """Return the route's stops with the waypoint ``label`` and ``note`` of the GPX file."""
    stops = route.stops.copy()
    stops["label"] = stops["order"].astype(str) + " " + stops["address"].fillna("").astype(str)
    stops["note"] = stops["arrival"] + " " + stops["household_id"].astype(str)
    return stops


def route_gpx(route: OfficerRoute, *, name: str) -> bytes:
    """Return the route as GPX 1.1: its stops as waypoints in order, its walk as a track."""
    return gpx_bytes(
        gpx_stops(route), track=route.line, name=name, label="label", description="note"
    )


def print_list(route: OfficerRoute) -> pd.DataFrame:
    """Return the printable list: :data:`PRINT_COLUMNS` of the stops, in visit order."""
    return pd.DataFrame(route.stops[list(PRINT_COLUMNS)])


def route_csv(route: OfficerRoute) -> bytes:
    """Return :func:`print_list` as CSV for people (UTF-8 with BOM, no formulas)."""
    return csv_bytes(print_list(route))


__all__ = ["PRINT_COLUMNS", "gpx_stops", "print_list", "route_csv", "route_gpx"]

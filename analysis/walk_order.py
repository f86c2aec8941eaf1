"""A walking order for a list of doors: from a start, always the nearest door not yet visited.

The My beat page numbers an officer's to-dos in the order they would be walked when no
route is planned (a planned route, :mod:`analysis.officer_route`, brings its own order).

Rules
-----
* The walk starts at ``start`` and goes each time to the nearest door not yet visited, by
  walking minutes (:func:`analysis.route_walk.walk_matrix`: the street network where it is
  credible, else through the compound). Ties go to the door listed first.
* No budget, no time windows, no worth: every door is numbered. This is the nearest-next
  baseline of :func:`analysis.route.nearest_next_route` without its budget, written
  directly on the matrix (the baseline tests every candidate's schedule, which a walk with
  no budget does not need).
* A door without a location gets no number (``<NA>``).
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from analysis.route_walk import walk_matrix
from geo.schema import present
from geo.settings import Settings

IntArray = npt.NDArray[np.int64]


def nearest_next_order(minutes: npt.ArrayLike) -> IntArray:
    """Return the stops (positions ``0..n-1``) in nearest-next order from the start.

    Parameters
    ----------
    minutes : array_like
        ``(n + 1, n + 1)`` walking minutes; row and column 0 are the start.

    Returns
    -------
    numpy.ndarray
        Every stop once, in the order walked.

    Examples
    --------
    >>> t = [[0, 30, 10, 20], [30, 0, 20, 10], [10, 20, 0, 10], [20, 10, 10, 0]]
    >>> nearest_next_order(t).tolist()
    [1, 2, 0]
    """
    times = np.asarray(minutes, dtype=float)
    n = len(times) - 1
    free = np.ones(n, dtype=bool)
    order = np.empty(n, dtype=np.int64)
    here = 0
    for step in range(n):
        row = np.where(free, times[here, 1:], np.inf)
        nxt = int(np.argmin(row))  # the first of equal minutes
        order[step] = nxt
        free[nxt] = False
        here = nxt + 1
    return order


def walking_order(
    points: gpd.GeoSeries,
    *,
    start: shapely.Point,
    graph: nx.MultiDiGraph | None,
    settings: Settings | None = None,
) -> pd.Series:
    """Return each door's place (1, 2, ...) in the nearest-next walk from ``start``.

    Parameters
    ----------
    points : geopandas.GeoSeries
        The doors, with a CRS; missing or empty points get ``<NA>``.
    start : shapely.Point
        Where the walk starts, in ``points``' CRS.
    graph : networkx.MultiDiGraph or None
        The walk network; ``None``: every leg through compounds.
    settings : Settings, optional
        The walking rule of :func:`analysis.route_walk.walk_matrix`.

    Returns
    -------
    pandas.Series
        ``Int64`` named ``walk_order`` on ``points.index``.
    """
    located = present(points)
    out = pd.Series(pd.NA, index=points.index, dtype="Int64", name="walk_order")
    if not located.any():
        return out
    doors = points[located]
    walks = walk_matrix(
        gpd.GeoSeries([start, *doors.to_numpy()], crs=points.crs), graph=graph, settings=settings
    )
    order = nearest_next_order(walks.minutes)
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(1, len(order) + 1)
    out[located] = place
    return out


__all__ = ["nearest_next_order", "walking_order"]

"""Walking minutes between a route's points, and the route drawn as a line along the streets.

The rule is the verifier's (:mod:`analysis.travel`, DESIGN.md "Truth on real data"): OSM in
Chinese residential areas lacks the paths inside compounds, so the street network is used
for a leg only where it is credible: the network as a whole reaches at least
``network_min_snapped_share`` of the points within ``network_snap_max_m``, both ends of the
leg lie that close to it, and the walk along it (door to node, network, node to door) is at
most ``network_max_detour`` times the straight line (:func:`analysis.travel.credible_walks`).
Every other leg is walked through the compound: the straight line times
``workload_access_detour``, the planning rule of :mod:`analysis.workload`. Minutes are metres
at ``workload_walking_speed_mps``, an officer's ordinary pace (an expected time, not the
verifier's brisk floor).

The line of a route (:func:`route_line`) follows the same choice leg by leg: a credible leg
is the shortest network path with straight pieces from the doors to their nodes; any other
leg is the straight line from door to door.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from analysis.travel import CredibleNetwork, credible_network, credible_walks
from geo.projection import local_utm, project
from geo.settings import Settings, resolve
from geo.walk import network_path

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Walks:
    """Walks between every two points (the start first, then the stops).

    Attributes
    ----------
    minutes, metres : numpy.ndarray
        ``(n, n)`` walking minutes and metres.
    on_network : numpy.ndarray
        ``(n, n)``: whether the leg follows the street network (else through compounds).
    xy : numpy.ndarray
        ``(n, 2)`` points in ``metric``.
    metric : pyproj.CRS
        The local UTM zone the metres are measured in.
    network : CredibleNetwork or None
        The street network where credible (``None``: none, or shown incomplete here).
    """

    minutes: FloatArray
    metres: FloatArray
    on_network: BoolArray
    xy: FloatArray
    metric: pyproj.CRS
    network: CredibleNetwork | None


def walk_matrix(
    points: gpd.GeoSeries,
    *,
    graph: nx.MultiDiGraph | None,
    settings: Settings | None = None,
) -> Walks:
    """Return the walks between every two of ``points`` by the rule of the module.

    Parameters
    ----------
    points : geopandas.GeoSeries
        Points with a CRS (the start first, then the stops).
    graph : networkx.MultiDiGraph or None
        The walk network (``network_type="walk"``); ``None``: every leg straight.
    settings : Settings, optional
        ``network_snap_max_m``, ``network_max_detour``, ``network_min_snapped_share``,
        ``workload_access_detour``, ``workload_walking_speed_mps``.

    Returns
    -------
    Walks
    """
    s = resolve(settings)
    metric = local_utm(points)
    metric_points = project(points, crs=metric)
    xy = np.column_stack([metric_points.x.to_numpy(), metric_points.y.to_numpy()])
    n = len(xy)
    frame = gpd.GeoDataFrame({"household_id": np.arange(n)}, geometry=points.to_numpy())
    frame = frame.set_crs(points.crs)
    network = credible_network(graph, frame, xy[:, 0], xy[:, 1], None, metric, s)
    straight = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    metres = straight * s.workload_access_detour
    on_network = np.zeros((n, n), dtype=bool)
    if network is not None and n > 1:
        pa, pb = np.triu_indices(n, k=1)
        walk = credible_walks(network, pa, pb, straight[pa, pb], s)
        found = np.isfinite(walk)
        metres[pa[found], pb[found]] = metres[pb[found], pa[found]] = walk[found]
        on_network[pa[found], pb[found]] = on_network[pb[found], pa[found]] = True
    minutes = metres / s.workload_walking_speed_mps / 60.0
    return Walks(minutes, metres, on_network, xy, metric, network)


def route_line(walks: Walks, stops: npt.ArrayLike) -> shapely.LineString | None:
    """Return the walk through ``stops`` (point positions, the start first) as a line.

    The line is in ``walks.metric``; ``None`` when there are fewer than two stops.
    """
    order = np.asarray(stops, dtype=np.int64)
    if len(order) < 2:
        return None
    coords: list[FloatArray] = [walks.xy[order[0]][None, :]]
    for a, b in zip(order[:-1], order[1:], strict=True):
        if walks.on_network[a, b] and walks.network is not None:
            net = walks.network
            nodes = network_path(
                net.streets, int(net.node[a]), int(net.node[b]), limit=walks.metres[a, b] + 1.0
            )
            coords.append(net.streets.node_xy[nodes])
        coords.append(walks.xy[b][None, :])
    line = np.concatenate(coords)
    keep = np.ones(len(line), dtype=bool)
    keep[1:] = np.any(np.diff(line, axis=0) != 0, axis=1)
    line = line[keep]
    if len(line) < 2:  # every stop at the start's door
        line = np.concatenate([line, line])
    return shapely.LineString(line)


__all__ = ["Walks", "route_line", "walk_matrix"]

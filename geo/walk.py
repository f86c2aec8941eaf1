"""Walking distances along a street graph: snapping, network lengths, many pairs at once.

The routing engine used by :mod:`analysis.verify` (and the demo generator), modelled on
osmnx's ``routing.py`` but for many origin-destination pairs in one go:

* :func:`prepare_streets` builds one symmetric CSR adjacency of a walk graph (one-way streets
  are walked both ways; the shortest parallel edge wins), its connected components and the
  node coordinates in a metric CRS.
* :func:`snap_households` gives each point its nearest graph node and the straight distance
  to it.
* :func:`network_lengths` returns exact shortest-path lengths for many node pairs.
* :func:`network_path` returns the nodes of one shortest path (to draw a walk route).

Network distances come from ``scipy.sparse.csgraph.dijkstra`` run from many source nodes at
once, never one search per pair. Pairs are grouped by their source node. Each search has a
``limit`` (the caller's radius: the largest plausible walk of that node's pairs) and runs on
only the part of the graph a path that long can reach, so its cost depends on the
neighbourhood, not on the size of the city. A pair not reached within its limit is searched
again with a larger one, and finally without, so every distance reported is exact.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geo.errors import StreetsError
from geo.projection import project
from geo.streets import graph_crs

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_MAX_CHUNK_CELLS: Final = 20_000_000  # sources x nodes per Dijkstra call (160 MB of float64)
_GROW_ROUNDS: Final = 4  # bounded searches with a growing radius before an unbounded one
_GROW_FACTOR: Final = 4.0
_LOCAL_CHUNK: Final = 64  # sources per local (bounded) search
_MIN_LOCAL_STRETCH: Final = 0.05  # below this, edge lengths are too odd to bound a search


@dataclass
class StreetIndex:
    """The walk graph prepared once per call."""

    csr: sparse.csr_array
    component: IntArray
    node_xy: FloatArray  # (n_nodes, 2) in the metric CRS
    node_index: dict[Hashable, int]
    stretch: float  # min over edges of length / straight node distance, at most 1
    x_order: IntArray  # node positions sorted by x, for box queries
    x_sorted: FloatArray  # their x


def prepare_streets(graph: nx.MultiDiGraph, metric: pyproj.CRS) -> StreetIndex:
    """Build the symmetric CSR adjacency, components and metric node coordinates once."""
    crs = graph_crs(graph)
    nodes = list(graph.nodes)
    node_index = {node: i for i, node in enumerate(nodes)}
    n_nodes = len(nodes)
    xs = np.empty(n_nodes)
    ys = np.empty(n_nodes)
    for i, (node, data) in enumerate(graph.nodes(data=True)):
        try:
            xs[i] = float(data["x"])
            ys[i] = float(data["y"])
        except (KeyError, TypeError, ValueError) as err:
            msg = f"street graph: node {node!r} lacks numeric 'x'/'y' attributes"
            raise StreetsError(msg) from err
    if n_nodes:
        pts = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=crs)
        projected = project(pts, crs=metric)
        node_xy = np.column_stack(
            [shapely.get_x(projected.to_numpy()), shapely.get_y(projected.to_numpy())]
        )
    else:
        node_xy = np.zeros((0, 2))

    edges = list(graph.edges(data="length"))
    u = np.fromiter((node_index[e[0]] for e in edges), dtype=np.int64, count=len(edges))
    v = np.fromiter((node_index[e[1]] for e in edges), dtype=np.int64, count=len(edges))
    try:
        w = np.array([np.nan if e[2] is None else float(e[2]) for e in edges], dtype=float)
    except (TypeError, ValueError) as err:
        msg = "street graph: an edge has a non-numeric 'length' attribute"
        raise StreetsError(msg) from err
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        e = edges[int(np.flatnonzero(bad)[0])]
        msg = (
            f"street graph: edge ({e[0]!r}, {e[1]!r}) has length {e[2]!r}; every edge needs "
            "a non-negative 'length' in metres"
        )
        raise StreetsError(msg)
    loop = u == v
    u, v, w = u[~loop], v[~loop], w[~loop]
    # Walking ignores one-way streets: both directions, the shortest parallel edge wins.
    src = np.concatenate([u, v])
    dst = np.concatenate([v, u])
    wt = np.concatenate([w, w])
    order = np.lexsort((wt, dst, src))
    src, dst, wt = src[order], dst[order], wt[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    wt = np.maximum(wt[first], 1e-9)  # zero-length edges stay edges
    src, dst = src[first], dst[first]
    csr = sparse.csr_array((wt, (src, dst)), shape=(n_nodes, n_nodes))
    _, component = connected_components(csr, directed=False)
    # How much shorter than the straight line between its nodes an edge may be: a path of
    # length L then stays within L / stretch of its start, which bounds local searches.
    chord = np.hypot(*(node_xy[src] - node_xy[dst]).T) if len(src) else np.zeros(0)
    ratio = wt[chord > 0] / chord[chord > 0]
    stretch = float(min(1.0, ratio.min())) if len(ratio) else 1.0
    x_order = np.argsort(node_xy[:, 0], kind="stable").astype(np.int64)
    return StreetIndex(
        csr=csr,
        component=np.asarray(component, dtype=np.int64),
        node_xy=node_xy,
        node_index=node_index,
        stretch=stretch,
        x_order=x_order,
        x_sorted=node_xy[x_order, 0],
    )


def snap_households(
    households: gpd.GeoDataFrame,
    hx: FloatArray,
    hy: FloatArray,
    streets: StreetIndex,
    household_nodes: Mapping[Any, Any] | pd.Series | None,
) -> tuple[IntArray, FloatArray]:
    """Return each household's node position (-1: none) and its distance to that node."""
    n = len(households)
    node = np.full(n, -1, dtype=np.int64)
    located = np.isfinite(hx) & np.isfinite(hy)
    ids = households["household_id"]
    given = np.zeros(n, dtype=bool)
    if household_nodes is not None:
        mapping = pd.Series(household_nodes, dtype=object)
        mapped = mapping.reindex(ids.to_numpy()).to_numpy()
        for i in np.flatnonzero(pd.notna(mapped)):
            pos = streets.node_index.get(mapped[i])
            if pos is None:
                msg = (
                    f"household_nodes: household {ids.iloc[i]!r} is mapped to node "
                    f"{mapped[i]!r}, which is not in the street graph"
                )
                raise StreetsError(msg)
            node[i] = pos
            given[i] = True
    todo = located & ~given
    if todo.any():
        tree = cKDTree(streets.node_xy)
        _, nearest = tree.query(np.column_stack([hx[todo], hy[todo]]))
        node[todo] = nearest
    off = np.full(n, np.nan)
    has = (node >= 0) & located
    off[has] = np.hypot(
        hx[has] - streets.node_xy[node[has], 0], hy[has] - streets.node_xy[node[has], 1]
    )
    node[~has] = -1
    return node, off


def network_lengths(
    streets: StreetIndex,
    src: IntArray,
    dst: IntArray,
    radius: FloatArray,
    *,
    exact: bool = True,
) -> FloatArray:
    """Return shortest path lengths ``src[i] -> dst[i]`` (node positions, one component).

    Parameters
    ----------
    streets : StreetIndex
        From :func:`prepare_streets`.
    src, dst : numpy.ndarray
        Node positions of each pair.
    radius : numpy.ndarray
        Per pair, the length within which its path is expected (search limit).
    exact : bool, default True
        With ``False``, a pair whose path is longer than its ``radius`` gets ``inf`` (one
        bounded pass: the caller only needs paths up to that length). With ``True`` such
        pairs are searched again with four times the radius, a few times, and then on the
        whole graph without a limit, so every length returned is exact.

    Returns
    -------
    numpy.ndarray
        Lengths in metres.

    Notes
    -----
    Pairs are grouped by source node. Each pass searches each source up to the largest
    ``radius`` of its pairs: sources are ordered by that radius' power of two, then along a
    space-filling curve, and searched in chunks on the part of the graph a path of that
    length can reach (the chunk's bounding box grown by ``limit / stretch``), so a chunk's
    work and memory depend on its neighbourhood, not on the size of the city.
    """
    out = np.full(len(src), np.inf)
    todo = np.arange(len(src))
    reach = np.asarray(radius, dtype=float).copy()
    for _ in range(_GROW_ROUNDS if exact else 1):
        found = _multi_source(streets, src[todo], dst[todo], reach[todo])
        out[todo] = found
        todo = todo[~np.isfinite(found)]
        if not len(todo) or not exact:
            return np.where(out <= reach, out, np.inf) if not exact else out
        reach[todo] *= _GROW_FACTOR
    out[todo] = _multi_source(streets, src[todo], dst[todo], np.full(len(todo), np.inf))
    return out


def network_path(
    streets: StreetIndex, source: int, target: int, *, limit: float = np.inf
) -> IntArray:
    """Return the node positions of a shortest path ``source -> target`` (both included).

    ``limit`` (metres) bounds the search: the caller's known length of that path or more.

    Raises
    ------
    StreetsError
        When ``target`` cannot be reached from ``source``.
    """
    if source == target:
        return np.array([source], dtype=np.int64)
    _, previous = dijkstra(
        streets.csr, directed=True, indices=source, return_predecessors=True, limit=limit
    )
    path = [target]
    while path[-1] != source:
        step = int(previous[path[-1]])
        if step < 0:
            msg = f"street graph: node {target} cannot be reached from node {source}"
            raise StreetsError(msg)
        path.append(step)
    return np.array(path[::-1], dtype=np.int64)


def _multi_source(
    streets: StreetIndex, src: IntArray, dst: IntArray, radius: FloatArray
) -> FloatArray:
    """One chunked multi-source Dijkstra pass (see :func:`network_lengths`)."""
    n_nodes = streets.csr.shape[0]
    out = np.full(len(src), np.inf)
    sources, inverse = np.unique(src, return_inverse=True)
    reach = np.zeros(len(sources))
    np.maximum.at(reach, inverse, radius)
    local = bool(np.isfinite(reach).all()) and streets.stretch >= _MIN_LOCAL_STRETCH
    if local:
        size_class = np.floor(np.log2(np.maximum(reach, 1.0)))
        order = np.lexsort((_morton(streets.node_xy[sources]), size_class))
        chunk = _LOCAL_CHUNK
    else:
        order = np.arange(len(sources))
        chunk = max(1, min(1024, _MAX_CHUNK_CELLS // max(n_nodes, 1)))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    pair_rank = rank[inverse]
    pair_order = np.argsort(pair_rank, kind="stable")
    sorted_rank = pair_rank[pair_order]
    position = np.full(n_nodes, -1, dtype=np.int64)
    for start in range(0, len(sources), chunk):
        members = sources[order[start : start + chunk]]
        limit = float(reach[order[start : start + chunk]].max())
        lo, hi = np.searchsorted(sorted_rank, [start, start + chunk])
        sel = pair_order[lo:hi]
        row = pair_rank[sel] - start
        if not local:
            lengths = dijkstra(streets.csr, directed=True, indices=members, limit=limit)
            out[sel] = lengths[row, dst[sel]]
            continue
        margin = limit / streets.stretch + 1.0
        inside = _in_box(streets, members, margin)
        position[inside] = np.arange(len(inside))
        sub = streets.csr[inside][:, inside]
        lengths = dijkstra(sub, directed=True, indices=position[members], limit=limit)
        target = position[dst[sel]]
        reached = target >= 0  # a target outside the box is farther than the limit
        out[sel[reached]] = lengths[row[reached], target[reached]]
        position[inside] = -1
    return out


def _in_box(streets: StreetIndex, members: IntArray, margin: float) -> IntArray:
    """Return the nodes inside the bounding box of ``members`` grown by ``margin``."""
    xy = streets.node_xy
    lo = xy[members].min(axis=0) - margin
    hi = xy[members].max(axis=0) + margin
    start = int(np.searchsorted(streets.x_sorted, lo[0], side="left"))
    stop = int(np.searchsorted(streets.x_sorted, hi[0], side="right"))
    slab = streets.x_order[start:stop]
    y = xy[slab, 1]
    return np.sort(slab[(y >= lo[1]) & (y <= hi[1])])


def _morton(xy: FloatArray) -> IntArray:
    """Return a Z-order (Morton) key of points on a 50 m grid: nearby points, nearby keys."""
    cells = np.clip((xy - xy.min(axis=0)) // 50.0, 0, (1 << 20) - 1).astype(np.int64)
    key = np.zeros(len(xy), dtype=np.int64)
    for bit in range(20):
        key |= ((cells[:, 0] >> bit) & 1) << (2 * bit)
        key |= ((cells[:, 1] >> bit) & 1) << (2 * bit + 1)
    return key

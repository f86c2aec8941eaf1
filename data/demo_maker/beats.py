"""Beats along the major streets, balanced by households.

1. The frame is the neighbourhood window together with the street blocks that reach into it
   (its outer ring), so every block lies in the beats and beat edges run along streets.
2. The major streets (``MAJOR_HIGHWAYS`` of the block network) and the frame's edge are
   noded and polygonised into cells (coordinates on the ``GRID``). A cell holding more than
   ``HEAVY_CELL_SHARE`` of a beat's share of households is split along the smaller streets
   inside it.
3. The cells are merged into ``N_BEATS`` contiguous beats of roughly balanced household
   counts (:func:`partition_cells`).
4. A beat is named after a place node inside it, else after its longest major street
   (``中山东路警务区``); the beats nearer the first station report to it, the others to the
   second. Names, stations and officer numbers are made up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo.projection import project

from .households import Entities
from .osm import Extract
from .params import (
    BEAT_SUFFIX,
    COMPACTNESS,
    GRID,
    HEAVY_CELL_SHARE,
    MAJOR_HIGHWAYS,
    N_BEATS,
    OFFICER_ID,
    OFFICERS_PER_BEAT,
    STATIONS,
)

WGS84 = "EPSG:4326"


@dataclass
class Beats:
    """The beats table (WGS84 polygons on the grid, metric copies for joins)."""

    beat_id: list[str]
    name: list[str]
    station: list[str]
    officer_ids: list[list[str]]
    geometry: list[Polygon]
    geometry_m: list[BaseGeometry]
    households: list[int]


def frame_of(extract: Extract) -> Polygon:
    """Return the window grown by the street blocks reaching into it (outer ring, on the grid)."""
    return frame_around(extract.window, extract.blocks)


def frame_around(window: Polygon, blocks: gpd.GeoDataFrame) -> Polygon:
    """Return ``window`` grown by the ``blocks`` reaching into it (outer ring, on the grid).

    :func:`frame_of` on the extract's window and blocks; apart, so that a test can frame
    blocks it built itself.
    """
    shapes = blocks.geometry
    touching = shapes[shapes.intersects(window)].to_numpy()
    union = shapely.union_all([window, *touching], grid_size=GRID)
    largest = max(shapely.get_parts(union), key=lambda p: p.area)
    return Polygon(largest.exterior)


def polygonize(lines: Iterable[BaseGeometry]) -> list[Polygon]:
    """Faces of the noded ``lines``, on the coordinate grid, sorted south to north."""
    parts = [g for g in lines if not g.is_empty]
    noded = shapely.union_all(parts, grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    out = [f for f in faces if f.area > 0]
    out.sort(key=lambda p: (round(p.centroid.y, 7), round(p.centroid.x, 7)))
    return out


def _adjacency(cells_m: Sequence[BaseGeometry], min_shared_m: float = 1.0) -> list[list[int]]:
    tree = shapely.STRtree(list(cells_m))
    adj: list[list[int]] = [[] for _ in cells_m]
    for i, c in enumerate(cells_m):
        for j in sorted(tree.query(c, predicate="intersects").tolist()):
            if j <= i:
                continue
            shared = c.boundary.intersection(cells_m[j].boundary).length
            if shared > min_shared_m:
                adj[i].append(j)
                adj[j].append(i)
    return [sorted(a) for a in adj]


def _connected(members: set[int], adj: list[list[int]]) -> bool:
    if not members:
        return False
    start = min(members)
    seen = {start}
    stack = [start]
    while stack:
        a = stack.pop()
        for b in adj[a]:
            if b in members and b not in seen:
                seen.add(b)
                stack.append(b)
    return len(seen) == len(members)


def _objective(
    label: np.ndarray,
    weights: np.ndarray,
    areas: np.ndarray,
    xy: np.ndarray,
    k: int,
    compactness: float,
) -> float:
    """Balance (squared relative deviation of weights) plus ``compactness`` × spread.

    The spread of a region is its area-weighted moment of inertia about its centroid,
    divided by the squared total area (a disc-like split scores about 0.03).
    """
    mean = weights.sum() / k
    total_area = areas.sum()
    cost = 0.0
    for r in range(k):
        m = label == r
        cost += ((weights[m].sum() - mean) / mean) ** 2
        a = areas[m]
        c = (xy[m] * a[:, None]).sum(axis=0) / a.sum()
        cost += compactness * float((a * ((xy[m] - c) ** 2).sum(axis=1)).sum()) / total_area**2
    return cost


def _grow(weights: np.ndarray, adj: list[list[int]], xy: np.ndarray, areas: np.ndarray, k: int):
    """Seeds by farthest-point sampling, then the lightest region takes its nearest cell."""
    n = len(weights)
    label = np.full(n, -1)
    seeds = [int(np.argmax(weights))]
    while len(seeds) < k:
        d = np.min(np.linalg.norm(xy[:, None, :] - xy[seeds][None, :, :], axis=2), axis=1)
        seeds.append(int(np.argmax(d)))
    for r, s in enumerate(seeds):
        label[s] = r
    totals = np.array([weights[s] for s in seeds], dtype=float)
    while (label < 0).any():
        grown = False
        for r in np.argsort(totals, kind="stable"):
            members = np.flatnonzero(label == r)
            frontier = sorted({b for a in members for b in adj[a] if label[b] < 0})
            if not frontier:
                continue
            a = areas[members]
            centre = (xy[members] * a[:, None]).sum(axis=0) / a.sum()
            pick = frontier[int(np.argmin(np.linalg.norm(xy[frontier] - centre, axis=1)))]
            label[pick] = r
            totals[r] += weights[pick]
            grown = True
            break
        if not grown:  # cells not reachable from any seed: give them to a touching region
            for a in np.flatnonzero(label < 0):
                near = [label[b] for b in adj[a] if label[b] >= 0]
                label[a] = min(near) if near else 0
    return label


def partition_cells(
    weights: np.ndarray,
    adj: list[list[int]],
    xy: np.ndarray,
    areas: np.ndarray,
    k: int,
    *,
    compactness: float = COMPACTNESS,
) -> np.ndarray:
    """Split cells into ``k`` contiguous, compact regions of balanced weight (deterministic).

    Seeds are spread by farthest-point sampling from the heaviest cell; the lightest region
    repeatedly takes the unassigned neighbouring cell nearest its centroid; then single
    boundary cells move to a neighbouring region while that lowers ``_objective`` (balance
    of household counts plus ``compactness`` × spread) and keeps the region they leave
    contiguous.
    """
    label = _grow(weights, adj, xy, areas, k)
    cost = _objective(label, weights, areas, xy, k, compactness)
    for _ in range(20 * len(weights)):
        best: tuple[float, int, int] | None = None
        for a in range(len(weights)):
            ra = int(label[a])
            for rb in sorted({int(label[b]) for b in adj[a]} - {ra}):
                trial = label.copy()
                trial[a] = rb
                if not (trial == ra).any():
                    continue
                new = _objective(trial, weights, areas, xy, k, compactness)
                if new >= cost - 1e-12 or (best is not None and new >= best[0]):
                    continue
                if _connected(set(np.flatnonzero(trial == ra).tolist()), adj):
                    best = (new, a, rb)
        if best is None:
            break
        cost, a, rb = best
        label[a] = rb
    return label


def station_points(extract: Extract) -> dict[str, Point]:
    """Where each made-up station stands: its anchor place node, else its anchor street."""
    out = {}
    places = extract.tagged("place")
    for name, anchor in STATIONS:
        hit = places[places["tags"].map(lambda t, a=anchor: t.get("name") == a)]
        if len(hit):
            out[name] = hit.geometry.iloc[0]
            continue
        street = extract.named[extract.named["name"] == anchor]
        lines = street.geometry.to_numpy() if len(street) else [extract.window]
        out[name] = shapely.union_all(lines).centroid
    return out


def _cells(extract: Extract, frame: Polygon, ent: Entities, crs: pyproj.CRS):
    """Cells between the major streets, heavy ones split; with their household counts."""
    edges = extract.block_edges
    major = edges[edges["highway"].map(lambda h: isinstance(h, str) and h in MAJOR_HIGHWAYS)]
    lines = list(shapely.intersection(major.geometry.to_numpy(), frame, grid_size=GRID))
    pts = shapely.points(ent.xy())[np.asarray(ent.kind) == "household"]

    def weigh(cells: list[Polygon]) -> tuple[np.ndarray, np.ndarray]:
        cells_m = project(gpd.GeoSeries(cells, crs=WGS84), crs=crs).to_numpy()
        pairs = shapely.STRtree(cells_m).query(pts, predicate="within")
        return cells_m, np.bincount(pairs[1], minlength=len(cells)).astype(float)

    cells = polygonize([*lines, frame.exterior])
    _, weights = weigh(cells)
    limit = HEAVY_CELL_SHARE * weights.sum() / N_BEATS
    split: list[Polygon] = []
    edge_shapes = edges.geometry.to_numpy()
    for cell, w in zip(cells, weights, strict=True):
        if w <= limit:
            split.append(cell)
            continue
        inner = list(shapely.intersection(edge_shapes, cell, grid_size=GRID))
        split.extend(polygonize([*inner, cell.boundary]))
    cells = sorted(split, key=lambda p: (round(p.centroid.y, 7), round(p.centroid.x, 7)))
    cells_m, weights = weigh(cells)
    return cells, cells_m, weights


def _name(poly_m: BaseGeometry, centre: Point, extract: Extract, used: set[str]) -> str:
    """Name a beat: a place inside it, else its longest major street (not used yet)."""
    places = extract.tagged("place")
    inside = sorted(
        (centre.distance(row.metric), row.tags["name"])
        for row in places.itertuples()
        if row.tags.get("place") in {"suburb", "quarter", "neighbourhood"}
        and "name" in row.tags
        and poly_m.contains(row.metric)
        and row.tags["name"] not in used
    )
    if inside:
        return inside[0][1]
    edges = extract.block_edges
    major = edges[
        edges["highway"].map(lambda h: isinstance(h, str) and h in MAJOR_HIGHWAYS)
        & edges["name"].map(lambda v: isinstance(v, str) and v != "")
    ]
    lengths: dict[str, float] = {}
    for name, line in zip(major["name"], project(major.geometry, crs=extract.crs), strict=True):
        lengths[name] = lengths.get(name, 0.0) + poly_m.intersection(line).length
    cands = sorted((-v, nm) for nm, v in lengths.items() if nm not in used and v > 0)
    return cands[0][1] if cands else f"第{len(used) + 1}"


def build_beats(extract: Extract, ent: Entities, stations: dict[str, Point]) -> Beats:
    """Draw ``N_BEATS`` beats along the major streets, balanced by household count."""
    crs = extract.crs
    frame = frame_of(extract)
    cells, cells_m, weights = _cells(extract, frame, ent, crs)
    xy = np.array([[c.centroid.x, c.centroid.y] for c in cells_m])
    label = partition_cells(
        weights, _adjacency(cells_m), xy, np.array([c.area for c in cells_m]), N_BEATS
    )
    polys = [
        shapely.union_all([cells[i] for i in np.flatnonzero(label == r)], grid_size=GRID)
        for r in range(N_BEATS)
    ]
    polys_m = project(gpd.GeoSeries(polys, crs=WGS84), crs=crs).to_numpy()
    counts = [int(weights[label == r].sum()) for r in range(N_BEATS)]
    names = list(stations)
    st_m = project(gpd.GeoSeries(list(stations.values()), crs=WGS84), crs=crs).to_numpy()
    cent = [p.centroid for p in polys_m]
    order = np.argsort([c.distance(st_m[0]) - c.distance(st_m[1]) for c in cent], kind="stable")
    station_of = {
        int(r): names[0] if pos < N_BEATS // 2 else names[1] for pos, r in enumerate(order)
    }
    ranked = sorted(
        range(N_BEATS),
        key=lambda r: (names.index(station_of[r]), -round(cent[r].y), round(cent[r].x)),
    )
    used: set[str] = set()
    beats = Beats([], [], [], [], [], [], [])
    for pos, r in enumerate(ranked):
        name = _name(polys_m[r], cent[r], extract, used)
        used.add(name)
        beats.beat_id.append(f"B{pos + 1:02d}")
        beats.name.append(name + BEAT_SUFFIX)
        beats.station.append(station_of[r])
        first = 1001 + OFFICERS_PER_BEAT * pos
        beats.officer_ids.append([OFFICER_ID.format(first + k) for k in range(OFFICERS_PER_BEAT)])
        beats.geometry.append(shapely.orient_polygons(polys[r], exterior_cw=False))
        beats.geometry_m.append(polys_m[r])
        beats.households.append(counts[r])
    return beats


def entity_beats(ent: Entities, beats: Beats) -> np.ndarray:
    """Beat index of every entity (nearest beat for the rare point on a boundary)."""
    pts = shapely.points(ent.xy())
    out = np.full(len(ent), -1)
    for r, g in enumerate(beats.geometry_m):
        out[shapely.contains(g, pts) & (out < 0)] = r
    for i in np.flatnonzero(out < 0):
        out[i] = int(np.argmin([g.distance(pts[i]) for g in beats.geometry_m]))
    return out

"""A grid index over polygons for fast point-in-polygon lookups, exact or deferred.

Built once from polygons (any CRS; the points must share it), :class:`PointIndex` answers,
for each point, the position of the polygon of **smallest priority** whose *closed* set
(interior or boundary) holds it: the boundary rule of :mod:`geo.joins`.

Structure
---------
- Polygon rings as flat coordinate arrays (``ring_start`` per ring, ``unit_ring`` per
  polygon); every ring of a polygon (shell, holes, every part) counts in one even-odd sum.
- A uniform grid of square cells over the polygons' bounds, about ``cells_per_polygon``
  cells per polygon. Each cell keeps the polygons whose bounding box meets it (CSR arrays
  ``cell_start``/``cand``), in priority order. Each (cell, polygon) pair is clipped to the
  cell, enlarged by a margin far above any rounding in the point-to-cell arithmetic: of
  the polygon's segments, those wholly above, below or left of the cell can never count
  for a point in it (GEOS skips them too); those wholly right of it that span its whole
  height cross every such point's ray, so they only add a fixed ``parity``; the rest are
  the pair's ``edges``. When every segment of the polygon provably misses the enlarged
  cell (bounding boxes apart, or the cell's four corners strictly on one side of the
  segment's line), the cell lies wholly inside or outside the polygon, as its centre
  does: *full* (every later pair of the cell is dropped, their priority being larger) or
  dropped.
- ``cell_code``: per cell, the polygon when its first pair is full, -1 when it has no
  pair, else a reference into ``rec``, where each such *partial* cell keeps, contiguous
  (a cache line or two): a 4-bit code per sub-cell of a ``2**sub_log`` square sub-grid
  (none, the k-th pair's polygon, or "test the edges"), found by the same clipping per
  sub-cell against the cell's own edges; then its pairs' polygons, flags (parity, full)
  and edge lists. At 64 cells per polygon and 8 x 8 sub-cells, of the random points of
  ``benchmarks/joins.py --synthetic`` about 73 % are answered by their cell (or as
  outside the grid), 23 % by their sub-cell and 4 % by edge tests.
- The lookup goes a batch of points at a time, in passes whose memory reads do not wait
  on one another (cell codes; sub-cell codes of the points in partial cells; the edge
  tests of the rest), so the memory system serves many at once: the time goes on cache
  misses, not on arithmetic.

Compiled code
-------------
The kernels are compiled by numba on first use (about 6 CPU s) and kept in ``__pycache__``
beside this module (``cache=True``), so later processes load them in about a second; numba
compiles again when this file changes.

Kernel
------
The point test follows GEOS's ``RayCrossingCounter`` step for step (the algorithm behind
shapely's prepared ``intersects``): a vertex equal to the point, or a horizontal segment
holding it, is the boundary; a segment whose y-range crosses the point's ordinate
half-open is tested by orientation, collinear meaning boundary and left of an upward
segment counting a crossing. The orientation is Shewchuk's filtered ``orient2d``: its sign
is taken where the floating-point error bound proves it (GEOS's own filter, looser, then
agrees, or its double-double fallback does). Where it fails, GEOS computes
``(b - a) x (p - b)`` in double-double arithmetic, which is exact when those four
differences are exact floats (as for a point on a vertex or on a drawn grid line); the
kernel then takes the exact sign (Dekker's error-free products), and otherwise the point is
**deferred** (:data:`DEFERRED`) and the caller answers it with shapely: even a point
exactly on an edge in binary can be off it in GEOS's arithmetic. So every answer the
kernel gives equals GEOS's; nothing is guessed near an edge.

The index requires valid ``Polygon``/``MultiPolygon`` geometries with finite coordinates
(missing or empty ones never match); :func:`supported` says whether a set qualifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numba import njit
from numpy.typing import NDArray

NONE = -1
"""Result for a point in no polygon."""

DEFERRED = -2
"""Result for a point the kernel cannot decide exactly (within rounding of an edge line,
or a non-finite coordinate): answer it with shapely."""

_POLYGON_TYPES = (3, 6)  # shapely type ids of Polygon and MultiPolygon
_EPS = 2.0**-53
_CCW_ERRBOUND_A = (3.0 + 16.0 * _EPS) * _EPS
_IN, _OUT, _UNSURE, _EDGE = 1, 0, 2, 3
_PARTIAL = -3  # cell code: look at the cell's pairs (then -3 - its place in ``rec``)
_MARGIN_CELL, _MARGIN_COORD = 1e-7, 1e-12
_SUB_LOG = 3  # 8 x 8 sub-cells per partial cell: measured best here (4 x 4 close behind)
_TEST = 15  # sub-cell code: test the edges (0 is no polygon, k the k-th pair's polygon)
_FLAG_PARITY, _FLAG_FULL = 1, 2
_BATCH = 1024  # points per batch of the lookup: measured best here

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


def supported(polygons: NDArray[np.object_]) -> bool:
    """Return whether :class:`PointIndex` can index these geometries exactly.

    Parameters
    ----------
    polygons : numpy.ndarray
        Shapely geometries (``None`` allowed).

    Returns
    -------
    bool
        True when every present geometry is a valid Polygon or MultiPolygon with finite
        coordinates.

    Examples
    --------
    >>> from shapely.geometry import LineString, box
    >>> supported(np.array([box(0, 0, 1, 1), None], dtype=object))
    True
    >>> supported(np.array([LineString([(0, 0), (1, 1)])], dtype=object))
    False
    """
    geoms = np.asarray(polygons, dtype=object)
    here = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms = geoms[here]
    if not np.isin(shapely.get_type_id(geoms), _POLYGON_TYPES).all():
        return False
    if not shapely.is_valid(geoms).all():
        return False
    return bool(np.isfinite(shapely.get_coordinates(geoms)).all())


@dataclass(frozen=True)
class PointIndex:
    """Grid, candidate lists and clipped rings of a polygon set (see the module docstring).

    Build with :meth:`build`; query with :meth:`locate`. ``inv_cell`` is the inverse
    of a sub-cell's side, ``shape`` the grid's cells along x and y.
    """

    n_polygons: int
    origin: tuple[float, float]
    top: tuple[float, float]
    inv_cell: float
    shape: tuple[int, int]
    sub_log: int
    cell_code: NDArray[np.int32]
    rec: NDArray[np.int32]
    xs: FloatArray
    ys: FloatArray

    @classmethod
    def build(
        cls,
        polygons: NDArray[np.object_],
        *,
        priority: NDArray[np.integer] | None = None,
        cells_per_polygon: float = 64.0,
        sub_log: int = _SUB_LOG,
    ) -> PointIndex:
        """Index polygons.

        Parameters
        ----------
        polygons : numpy.ndarray
            Shapely Polygons/MultiPolygons (``None`` or empty never match); see
            :func:`supported`.
        priority : numpy.ndarray of int, optional
            One value per polygon, smaller wins where several hold a point; row order
            when omitted (equal values: row order too).
        cells_per_polygon : float, default 64.0
            Grid cells per polygon: more cells, more of them wholly inside one polygon.
        sub_log : int, default 3
            Each cell an edge meets is split into ``2**sub_log`` by ``2**sub_log``
            sub-cells (0: not split); from 0 to 5.

        Returns
        -------
        PointIndex

        Raises
        ------
        ValueError
            When ``priority`` does not have one value per polygon, ``sub_log`` is out
            of range, or the polygons are too many for int32 offsets.
        """
        geoms = np.asarray(polygons, dtype=object)
        n = len(geoms)
        prio = np.arange(n) if priority is None else np.asarray(priority)
        if prio.shape != (n,):
            msg = f"priority has {prio.shape} values for {n} polygons"
            raise ValueError(msg)
        if not 0 <= sub_log <= 5:
            msg = f"sub_log must be from 0 to 5, not {sub_log}"
            raise ValueError(msg)
        unit_ring, ring_start, xs, ys = _rings(geoms)
        bounds = shapely.bounds(geoms)
        here = np.isfinite(bounds).all(axis=1)
        if not here.any():
            return cls(n, (0.0, 0.0), (-1.0, -1.0), 1.0, (1, 1), 0, np.full(1, NONE, np.int32),
                       np.empty(0, np.int32), xs, ys)  # fmt: skip
        x0, y0 = bounds[here, 0].min(), bounds[here, 1].min()
        x1, y1 = bounds[here, 2].max(), bounds[here, 3].max()
        span = max(x1 - x0, y1 - y0)
        area = (x1 - x0) * (y1 - y0)
        cell = np.sqrt(area / (cells_per_polygon * here.sum())) if area > 0 else span
        cell = float(cell) if cell > 0 else 1.0
        nx = int(np.floor((x1 - x0) / cell)) + 1
        ny = int(np.floor((y1 - y0) / cell)) + 1
        inv = 1.0 / cell
        margin = _MARGIN_COORD * max(abs(x0), abs(y0), abs(x1), abs(y1))
        grid = (x0, y0, cell, nx, _MARGIN_CELL * cell + margin)
        cell_code, pairs = _cell_pairs(
            bounds, here, prio, grid, ny, (unit_ring, ring_start, xs, ys)
        )
        sub_grid = (
            x0,
            y0,
            cell / (1 << sub_log),
            nx,
            _MARGIN_CELL * cell / (1 << sub_log) + margin,
        )
        rec = _pack(cell_code, pairs, sub_grid, sub_log, xs, ys)
        return cls(
            n, (float(x0), float(y0)), (float(x1), float(y1)), inv * (1 << sub_log), (nx, ny),
            sub_log, cell_code, rec, xs, ys,
        )  # fmt: skip

    def locate(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Return, per point, the polygon of smallest priority holding it (closed set).

        Parameters
        ----------
        x, y : numpy.ndarray of float
            Point coordinates, in the polygons' CRS.

        Returns
        -------
        numpy.ndarray of intp
            Polygon position, :data:`NONE` (-1) when none holds the point, or
            :data:`DEFERRED` (-2) when it cannot be decided exactly here.

        Raises
        ------
        ValueError
            When ``x`` and ``y`` are not 1-d arrays of one length.

        Examples
        --------
        >>> from shapely.geometry import box
        >>> index = PointIndex.build(np.array([box(1, 0, 2, 1), box(0, 0, 1, 1)]),
        ...                          priority=np.array([0, 1]))
        >>> index.locate(np.array([0.5, 1.0, 9.0]), np.array([0.5, 0.5, 9.0])).tolist()
        [1, 0, -1]
        """
        xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if xa.shape != ya.shape or xa.ndim != 1:
            msg = f"x and y must be 1-d arrays of one length, not {xa.shape} and {ya.shape}"
            raise ValueError(msg)
        out = np.empty(len(xa), dtype=np.intp)
        (bx, kx), (by, ky) = _strided(xa), _strided(ya)
        _locate_all(
            bx, kx, by, ky, self.origin[0], self.origin[1], self.top[0], self.top[1],
            self.inv_cell, self.shape[0], self.shape[1], self.sub_log, self.cell_code, self.rec,
            self.xs, self.ys, out,
        )  # fmt: skip
        return out


def _strided(v: FloatArray) -> tuple[FloatArray, int]:
    """Return ``(base, k)``, ``v[i]`` being ``base[i * k]``, ``base`` contiguous.

    A column of an (n, 2) array (as ``shapely.get_coordinates`` gives) is read in place,
    not copied: ``base`` spans the memory from its first to its last value, all of it in
    the array's own buffer. One array type for the kernel, whatever the layout.
    """
    k = v.strides[0] // v.itemsize if len(v) > 1 else 1
    if len(v) > 1 and (v.strides[0] <= 0 or v.strides[0] % v.itemsize):
        v, k = np.ascontiguousarray(v), 1
    size = (len(v) - 1) * k + 1 if len(v) else 0
    base = np.lib.stride_tricks.as_strided(v, shape=(size,), strides=(v.itemsize,), writeable=False)
    return base, k


def _rings(geoms: NDArray[np.object_]) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Flat rings: ``unit_ring`` (CSR over rings per polygon), ``ring_start``, x, y."""
    n = len(geoms)
    here = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    parts, part_unit = shapely.get_parts(geoms[here], return_index=True)
    part_unit = np.flatnonzero(here)[part_unit]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    unit_ring = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(np.bincount(part_unit[ring_part], minlength=n), out=unit_ring[1:])
    ring_start = np.zeros(len(rings) + 1, dtype=np.intp)
    np.cumsum(np.bincount(coord_ring, minlength=len(rings)), out=ring_start[1:])
    return (
        unit_ring,
        ring_start,
        np.ascontiguousarray(coords[:, 0], dtype=np.float64),
        np.ascontiguousarray(coords[:, 1], dtype=np.float64),
    )


def _cell_index(v: FloatArray, v0: float, inv: float, size: int) -> IntArray:
    """Cell index along one axis, the same arithmetic as the kernel's."""
    return np.clip(np.floor((v - v0) * inv), 0, size - 1).astype(np.intp)


def _cell_pairs(
    bounds: FloatArray,
    here: NDArray[np.bool_],
    prio: NDArray[np.integer],
    grid: tuple[float, float, float, int, float],
    ny: int,
    rings: tuple[IntArray, IntArray, FloatArray, FloatArray],
) -> tuple[NDArray[np.int32], tuple[Any, ...]]:
    """Cell codes and the kept (cell, polygon) pairs, clipped, by cell and priority.

    ``pairs`` is ``(cell_start, unit, full, parity, edge_start, edges)``: CSR over cells
    of the pairs, then per pair its polygon, whether it is full, the parity of its fixed
    crossings and (CSR) its edges' first vertex positions.
    """
    x0, y0, cell, nx, _ = grid
    unit_ring, ring_start, xs, ys = rings
    cell_of, unit = _pairs(bounds, here, x0, y0, 1.0 / cell, nx, ny)
    order = np.lexsort((np.arange(len(unit)), prio[unit], cell_of))
    cell_of, unit = cell_of[order], unit[order]
    count, parity, state = _clipped(cell_of, unit, grid, rings, None)
    keep, full = _keep(cell_of, state)
    cell_of, unit, count, parity, full = (
        cell_of[keep],
        unit[keep],
        count[keep],
        parity[keep],
        full[keep],
    )
    edge_start = np.zeros(len(unit) + 1, dtype=np.intp)
    np.cumsum(count, out=edge_start[1:])
    edges = np.empty(edge_start[-1], dtype=np.intp)
    _clipped(cell_of, unit, grid, rings, (edge_start, edges))
    cell_start = np.zeros(nx * ny + 1, dtype=np.intp)
    np.cumsum(np.bincount(cell_of, minlength=nx * ny), out=cell_start[1:])
    cell_code = _cell_codes(cell_start, unit, full)
    return cell_code, (cell_start, unit.astype(np.intp), full, parity, edge_start, edges)


def _pairs(
    bounds: FloatArray, here: NDArray[np.bool_], x0: float, y0: float, inv: float, nx: int, ny: int
) -> tuple[IntArray, IntArray]:
    """Every (cell, polygon) whose polygon's bounding box meets the cell."""
    unit = np.flatnonzero(here)
    b = bounds[unit]
    ix0, ix1 = _cell_index(b[:, 0], x0, inv, nx), _cell_index(b[:, 2], x0, inv, nx)
    iy0, iy1 = _cell_index(b[:, 1], y0, inv, ny), _cell_index(b[:, 3], y0, inv, ny)
    wx, wy = ix1 - ix0 + 1, iy1 - iy0 + 1
    count = wx * wy
    pair_unit = np.repeat(np.arange(len(unit)), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    cx = ix0[pair_unit] + k % wx[pair_unit]
    cy = iy0[pair_unit] + k // wx[pair_unit]
    return (cy * nx + cx).astype(np.intp), unit[pair_unit]


def _cell_codes(cell_start: IntArray, unit: IntArray, full: NDArray[np.bool_]) -> NDArray[np.int32]:
    """Return a code per cell.

    Its polygon when one holds the whole cell first, NONE when none meets it, else
    _PARTIAL (look at its pairs).
    """
    first = cell_start[:-1]
    empty = cell_start[1:] == first
    at = np.minimum(first, max(len(unit) - 1, 0))
    code = np.full(len(first), _PARTIAL, dtype=np.int32)
    if len(unit):
        direct = ~empty & full[at]
        code[direct] = unit[at[direct]]
    code[empty] = NONE
    return code


def _keep(
    cell_of: IntArray, state: NDArray[np.int8]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Pairs to keep (up to the first full one of their cell, in priority order), and full."""
    full = state == _IN
    first = np.r_[True, cell_of[1:] != cell_of[:-1]]
    seen = np.cumsum(full)
    start = np.flatnonzero(first)
    group = np.cumsum(first) - 1
    before = seen - full - (seen[start] - full[start])[group]
    return (state != _OUT) & (before == 0), full


def _clipped(
    cell_of: IntArray,
    unit: IntArray,
    grid: tuple[float, float, float, int, float],
    rings: tuple[IntArray, IntArray, FloatArray, FloatArray],
    fill: tuple[IntArray, IntArray] | None,
) -> tuple[IntArray, NDArray[np.int8], NDArray[np.int8]]:
    """Clip each (cell, polygon) pair's segments to the enlarged cell (see :func:`_clip`).

    Returns, per pair, the count of segments kept, the parity of the fixed crossings and
    the pair's state (_IN: the enlarged cell lies in the polygon's interior, _OUT: outside
    it, else _EDGE); with ``fill`` = (edge_start, edges), also writes the kept segments'
    start positions.
    """
    unit_ring, ring_start, xs, ys = rings
    count = np.zeros(len(unit), dtype=np.intp)
    parity = np.zeros(len(unit), dtype=np.int8)
    state = np.full(len(unit), _EDGE, dtype=np.int8)
    nothing = np.empty(0, dtype=np.intp)
    edge_start, edges = (nothing, nothing) if fill is None else fill
    _clip(cell_of, unit, grid, unit_ring, ring_start, xs, ys, edge_start, edges,
          count, parity, state)  # fmt: skip
    return count, parity, state


@njit(cache=True)
def _clip(
    cell_of, unit, grid, unit_ring, ring_start, xs, ys, edge_start, edges, count, parity, state
):  # fmt: skip
    """Write :func:`_clipped`'s ``count``, ``parity`` and ``state`` (and ``edges``).

    ``count``, ``parity`` and ``state`` come filled with 0, 0 and _EDGE; ``edges`` is
    written unless ``edge_start`` is empty. Both passes give the same argument types, so
    numba compiles one version, not two (``None`` for no edges made a second one, and
    arrays made in here their own allocators: 2 of the first compilation's 8 CPU s).
    """
    write = len(edge_start) > 0
    x0, y0, cell, nx, margin = grid
    for k in range(len(unit)):
        cx, cy = cell_of[k] % nx, cell_of[k] // nx
        xlo, xhi = x0 + cx * cell - margin, x0 + (cx + 1) * cell + margin
        ylo, yhi = y0 + cy * cell - margin, y0 + (cy + 1) * cell + margin
        u = unit[k]
        at = edge_start[k] if write else 0
        touch = False
        for r in range(unit_ring[u], unit_ring[u + 1]):
            for j in range(ring_start[r], ring_start[r + 1] - 1):
                ya, yb, xa, xb = ys[j], ys[j + 1], xs[j], xs[j + 1]
                touch = touch or _may_cross(xa, ya, xb, yb, xlo, ylo, xhi, yhi)
                if max(ya, yb) < ylo or min(ya, yb) > yhi or max(xa, xb) < xlo:
                    continue
                if min(xa, xb) > xhi and min(ya, yb) < ylo and max(ya, yb) > yhi:
                    parity[k] ^= 1
                    continue
                if write:
                    edges[at] = j
                at += 1
        count[k] = at
        if not touch:
            got = _in_polygon(u, (xlo + xhi) / 2, (ylo + yhi) / 2, unit_ring, ring_start, xs, ys)
            if got == _IN or got == _OUT:
                state[k] = got


@njit(cache=True)
def _may_cross(xa, ya, xb, yb, xlo, ylo, xhi, yhi):
    """Return False only when segment a-b provably misses the box."""
    if max(xa, xb) < xlo or min(xa, xb) > xhi or max(ya, yb) < ylo or min(ya, yb) > yhi:
        return False
    s1 = _orient(xa, ya, xb, yb, xlo, ylo)
    s2 = _orient(xa, ya, xb, yb, xhi, ylo)
    s3 = _orient(xa, ya, xb, yb, xhi, yhi)
    s4 = _orient(xa, ya, xb, yb, xlo, yhi)
    if s1 == s2 == s3 == s4 and (s1 == 1 or s1 == -1):
        return False  # the whole box on one side of the segment's line
    return True


@njit(cache=True, inline="always")
def _in_polygon(u, px, py, unit_ring, ring_start, xs, ys):
    """_IN, _EDGE, _OUT or _UNSURE for polygon ``u`` over all its rings, as GEOS counts."""
    crossings = 0
    for r in range(unit_ring[u], unit_ring[u + 1]):
        for j in range(ring_start[r], ring_start[r + 1] - 1):
            got = _step(xs[j], ys[j], xs[j + 1], ys[j + 1], px, py)
            if got == _UNSURE or got == _EDGE:
                return got
            crossings ^= got
    return _IN if crossings == 1 else _OUT


@njit(cache=True)
def _step(x1, y1, x2, y2, px, py):
    """GEOS ``RayCrossingCounter.countSegment``: 1 crossing, 0 none, _EDGE or _UNSURE.

    GEOS's order of tests, but the crossing test first: a point equal to the segment's
    end that passes it gives orientation 0 there, the same _EDGE; a horizontal segment
    never passes it. So every answer is GEOS's.
    """
    if x1 < px and x2 < px:
        return 0
    if (y1 > py) != (y2 > py):
        o = _orient(x1, y1, x2, y2, px, py)
        if o == _UNSURE:
            return _UNSURE
        if o == 0:
            return _EDGE
        return 1 if (o == 1) == (y2 > y1) else 0  # left of the segment taken upwards
    if px == x2 and py == y2:
        return _EDGE
    if y1 == py and y2 == py and min(x1, x2) <= px <= max(x1, x2):
        return _EDGE
    return 0


@njit(cache=True)
def _orient(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> int:
    """Sign of orient2d(a, b, c) (+1 when c is left of a->b), or _UNSURE when unproven.

    The common case in one test: Shewchuk's bound with ``|left| + |right|`` holds whatever
    the signs (opposite signs cannot cancel); well above underflow, nothing is lost there.
    """
    left = (ax - cx) * (by - cy)
    right = (ay - cy) * (bx - cx)
    det = left - right
    detsum = abs(left) + abs(right)
    if detsum > 1e-280 and abs(det) > _CCW_ERRBOUND_A * detsum:
        return 1 if det > 0.0 else -1
    return _orient_slow(ax, ay, bx, by, cx, cy)


@njit(cache=True)
def _orient_slow(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> int:
    """:func:`_orient` step by step (Shewchuk's ``orient2d`` filter, then exact)."""
    dax, dby, day, dbx = ax - cx, by - cy, ay - cy, bx - cx
    left = dax * dby
    right = day * dbx
    if (left == 0.0 and dax != 0.0 and dby != 0.0) or (right == 0.0 and day != 0.0 and dbx != 0.0):
        return _UNSURE  # underflow: the product's sign is lost
    det = left - right
    if left > 0.0:
        if right <= 0.0:
            return 1
        detsum = left + right
    elif left < 0.0:
        if right >= 0.0:
            return -1
        detsum = -left - right
    else:
        return 0 if right == 0.0 else (1 if -right > 0.0 else -1)
    bound = _CCW_ERRBOUND_A * detsum
    if det > bound:
        return 1
    if -det > bound:
        return -1
    return _orient_exact(ax, ay, bx, by, cx, cy)


@njit(cache=True)
def _orient_exact(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> int:
    """Return GEOS's orientation sign where it is provably the exact one, else _UNSURE.

    Reached where the filter fails, as GEOS's own filter then does: GEOS computes
    ``(b - a) x (c - b)`` in double-double arithmetic, exact (so equal to this) when the
    four differences are exact floats, the products then exact (Dekker's); other cases,
    even exactly collinear ones, can come out either way there, so they are deferred.
    """
    dx1, dy1, dx2, dy2 = bx - ax, by - ay, cx - bx, cy - by
    if not (_exact_diff(bx, ax, dx1) and _exact_diff(by, ay, dy1)):
        return _UNSURE
    if not (_exact_diff(cx, bx, dx2) and _exact_diff(cy, by, dy2)):
        return _UNSURE
    if max(abs(dx1), abs(dy1), abs(dx2), abs(dy2)) > 1e150:
        return _UNSURE  # the splitting below could overflow
    lh, ll = _two_product(dx1, dy2)
    rh, rl = _two_product(dy1, dx2)
    if (dx1 != 0.0 and dy2 != 0.0 and abs(lh) < 1e-250) or (
        dy1 != 0.0 and dx2 != 0.0 and abs(rh) < 1e-250
    ):
        return _UNSURE  # a product or its low part could underflow
    # rounding is monotone: different high parts order the exact products; else the lows
    if lh != rh:
        return 1 if lh > rh else -1
    if ll != rl:
        return 1 if ll > rl else -1
    return 0


@njit(cache=True)
def _exact_diff(a: float, b: float, d: float) -> bool:
    """Whether ``d = fl(a - b)`` is exact (Knuth's two-sum error is zero)."""
    bv = a - d
    av = d + bv
    return (a - av) + (bv - b) == 0.0 and np.isfinite(d)


@njit(cache=True)
def _two_product(a: float, b: float) -> tuple[float, float]:
    """Return ``a * b`` as ``(p, e)``, ``p + e`` exact (Dekker's product, Veltkamp splits)."""
    p = a * b
    ca = 134217729.0 * a
    ahi = ca - (ca - a)
    alo = a - ahi
    cb = 134217729.0 * b
    bhi = cb - (cb - b)
    blo = b - bhi
    e = alo * blo - (((p - ahi * bhi) - alo * bhi) - ahi * blo)
    return p, e


def _pack(
    cell_code: NDArray[np.int32],
    pairs: tuple[Any, ...],
    sub_grid: tuple[float, float, float, int, float],
    sub_log: int,
    xs: FloatArray,
    ys: FloatArray,
) -> NDArray[np.int32]:
    """Return the partial cells' records, pointing their cell codes at them.

    The record at ``p`` (cell code ``-3 - p``): the sub-cells' 4-bit codes (see
    :func:`_sub_codes`), eight to an int32, row by row; the number of pairs; their
    polygons; then per pair its flags (parity, full), edge count and the edges' first
    vertex positions.

    Raises
    ------
    ValueError
        When the records or the vertices are too many for int32 offsets.
    """
    cell_start, _, _, _, edge_start, _ = pairs
    partial = np.flatnonzero(cell_code == _PARTIAL)
    k0, k1 = cell_start[partial], cell_start[partial + 1]
    words = ((1 << (2 * sub_log)) + 7) // 8
    size = words + 1 + 3 * (k1 - k0) + edge_start[k1] - edge_start[k0]
    at = np.zeros(len(partial) + 1, dtype=np.intp)
    np.cumsum(size, out=at[1:])
    if at[-1] >= 2**31 - 3 or len(xs) >= 2**31:
        msg = f"{len(xs)} vertices in {at[-1]} words of cell records are too many for one index"
        raise ValueError(msg)
    rec = np.empty(at[-1], dtype=np.int32)
    cell_code[partial] = -3 - at[:-1]
    cells = 1 << (2 * sub_log)
    scratch = (np.zeros(cells, np.int64), np.zeros(cells, np.bool_), np.zeros(cells, np.int64),
               np.zeros(cells, np.int64))  # fmt: skip
    _fill(partial, at, pairs, sub_grid, sub_log, xs, ys, rec, scratch)
    return rec


@njit(cache=True)
def _fill(partial, at, pairs, sub_grid, sub_log, xs, ys, rec, scratch):  # fmt: skip
    """Write the record of each partial cell ``partial[i]`` at ``rec[at[i]:]`` (see _pack).

    ``scratch``: :func:`_sub_codes`' four arrays of a value per sub-cell.
    """
    cell_start, unit, full, parity, edge_start, edges = pairs
    side = 1 << sub_log
    words = (side * side + 7) // 8
    codes = scratch[0]
    for i in range(len(partial)):
        c = partial[i]
        k0, k1 = cell_start[c], cell_start[c + 1]
        _sub_codes(c, k0, k1, pairs, sub_grid, sub_log, xs, ys, scratch)
        for w in range(words):
            word = 0
            for t in range(8 * w, min(8 * w + 8, side * side)):
                word |= codes[t] << (4 * (t % 8))
            rec[at[i] + w] = word - (1 << 32) if word >= 1 << 31 else word
        q = at[i] + words
        rec[q] = k1 - k0
        q += 1
        for k in range(k0, k1):
            rec[q] = unit[k]
            q += 1
        for k in range(k0, k1):
            rec[q] = parity[k] | (_FLAG_FULL if full[k] else 0)
            rec[q + 1] = edge_start[k + 1] - edge_start[k]
            q += 2
            for e in range(edge_start[k], edge_start[k + 1]):
                rec[q] = edges[e]
                q += 1


@njit(cache=True)
def _sub_codes(c, k0, k1, pairs, sub_grid, sub_log, xs, ys, scratch):  # fmt: skip
    """Write the codes of cell ``c``'s sub-cells (its pairs ``k0:k1``) into ``codes``.

    A sub-cell's code is ``q`` when the q-th pair (from 1) holds the whole enlarged
    sub-cell and the earlier pairs' polygons miss it, 0 when no pair's polygon meets it,
    else _TEST (an edge may meet it, its centre is doubtful, or past 14 pairs). The
    pair's edges are all of its polygon's boundary that meets the cell, so a sub-cell
    that none of them may cross is wholly inside or outside, as its centre is; and so
    are side-by-side such sub-cells together. ``scratch``: four arrays of a code each.
    """
    codes, touched, group, stack = scratch
    _, _, full, parity, edge_start, edges = pairs
    x0, y0, sub, nx, margin = sub_grid
    side = 1 << sub_log
    fx, fy = (c % nx) * side, (c // nx) * side
    codes[:] = -1  # undecided
    for k in range(k0, k1):
        q = k - k0 + 1
        touched[:] = False
        for e in range(edge_start[k], edge_start[k + 1]):
            j = edges[e]
            xa, ya, xb, yb = xs[j], ys[j], xs[j + 1], ys[j + 1]
            # per row of sub-cells, those the segment may meet there (one more each way
            # for rounding), then the exact test
            sy0 = _clamp(np.floor((min(ya, yb) - y0) / sub) - fy - 1, side)
            sy1 = _clamp(np.floor((max(ya, yb) - y0) / sub) - fy + 1, side - 1)
            for sy in range(sy0, sy1 + 1):
                ylo = y0 + (fy + sy) * sub - margin
                yhi = ylo + sub + 2 * margin
                if ya == yb:
                    xl, xr = min(xa, xb), max(xa, xb)
                else:
                    ta = min(max((ylo - ya) / (yb - ya), 0.0), 1.0)
                    tb = min(max((yhi - ya) / (yb - ya), 0.0), 1.0)
                    xl = min(xa + ta * (xb - xa), xa + tb * (xb - xa))
                    xr = max(xa + ta * (xb - xa), xa + tb * (xb - xa))
                sx0 = _clamp(np.floor((xl - x0) / sub) - fx - 1, side)
                sx1 = _clamp(np.floor((xr - x0) / sub) - fx + 1, side - 1)
                for sx in range(sx0, sx1 + 1):
                    t = sy * side + sx
                    if codes[t] < 0 and not touched[t]:
                        xlo = x0 + (fx + sx) * sub - margin
                        xhi = xlo + sub + 2 * margin
                        touched[t] = _may_cross(xa, ya, xb, yb, xlo, ylo, xhi, yhi)
        # one centre test per group of undecided sub-cells side by side that no edge meets
        group[:] = -1
        for t0 in range(side * side):
            if touched[t0] or group[t0] >= 0 or codes[t0] >= 0:
                continue
            state = _IN if full[k] else _center_state(t0, k, pairs, sub_grid, side, fx, fy, xs, ys)
            group[t0], top = state, 1
            stack[0] = t0
            while top:
                top -= 1
                t = stack[top]
                for nb in (
                    t - side,
                    t + side,
                    t - 1 if t % side else -1,
                    t + 1 if (t + 1) % side else -1,
                ):
                    if (
                        0 <= nb < side * side
                        and not touched[nb]
                        and group[nb] < 0
                        and codes[nb] < 0
                    ):
                        group[nb] = state
                        stack[top] = nb
                        top += 1
        for t in range(side * side):
            if codes[t] >= 0:
                continue
            if q >= _TEST or touched[t] or group[t] == _UNSURE:
                codes[t] = _TEST
            elif group[t] == _IN:
                codes[t] = q
    for t in range(side * side):
        codes[t] = max(codes[t], 0)


@njit(cache=True)
def _center_state(t, k, pairs, sub_grid, side, fx, fy, xs, ys):  # fmt: skip
    """_IN, _OUT or _UNSURE: sub-cell ``t``'s centre against pair ``k``'s polygon."""
    _, _, _, parity, edge_start, edges = pairs
    x0, y0, sub, _, _ = sub_grid
    px = x0 + (fx + t % side + 0.5) * sub
    py = y0 + (fy + t // side + 0.5) * sub
    crossings = np.int64(parity[k])
    for e in range(edge_start[k], edge_start[k + 1]):
        j = edges[e]
        got = _step(xs[j], ys[j], xs[j + 1], ys[j + 1], px, py)
        if got == _UNSURE or got == _EDGE:
            return _UNSURE
        crossings ^= got
    return _IN if crossings == 1 else _OUT


@njit(cache=True, inline="always")
def _clamp(v: float, hi: int) -> int:
    """``v`` (a whole number, maybe huge) clamped to ``0..hi``, as an int."""
    return int(min(max(v, 0.0), float(hi)))


@njit(cache=True)
def _locate_all(
    x, kx, y, ky, x0, y0, x1, y1, inv, nx, ny, sub_log, cell_code, rec, xs, ys, out
):  # fmt: skip
    """Answer every point (the i-th at ``x[i * kx], y[i * ky]``), writing ``out``.

    A batch of points at a time, in three passes, each a loop of loads that do not wait
    on one another (so that the memory system serves many at once): each point's cell
    code (the answer in a direct cell); for points in partial cells, their sub-cell's
    code (the answer in a decided sub-cell); the edge tests for the rest.
    """
    fnx, fny = nx << sub_log, ny << sub_log
    mask = (1 << sub_log) - 1
    words = ((1 << (2 * sub_log)) + 7) // 8
    n = len(out)
    todo = np.empty(_BATCH, dtype=np.intp)
    at = np.empty(_BATCH, dtype=np.intp)
    word = np.empty(_BATCH, dtype=np.intp)
    for s0 in range(0, n, _BATCH):
        m = min(n, s0 + _BATCH) - s0
        q = 0
        for k in range(m):
            i = s0 + k
            px, py = x[i * kx], y[i * ky]
            inside = px >= x0 and py >= y0 and px <= x1 and py <= y1  # False for NaN
            fx = min(int(((px if inside else x0) - x0) * inv), fnx - 1)
            fy = min(int(((py if inside else y0) - y0) * inv), fny - 1)
            code = cell_code[(fy >> sub_log) * nx + (fx >> sub_log)]
            if not inside:
                code = NONE if np.isfinite(px) and np.isfinite(py) else DEFERRED
            out[i] = code
            todo[q] = i
            at[q] = ((-3 - code) << 10) | ((fy & mask) << sub_log) | (fx & mask)
            q += code < DEFERRED
        for t in range(q):
            s = at[t] & 1023
            word[t] = rec[(at[t] >> 10) + (s >> 3)]
        r = 0
        for t in range(q):
            s = at[t] & 1023
            sub = (word[t] >> ((s & 7) << 2)) & 15
            base = (at[t] >> 10) + words
            i = todo[t]
            out[i] = NONE if sub == 0 else rec[base + (0 if sub == _TEST else sub)]
            todo[r] = i
            at[r] = base
            r += sub == _TEST
        for t in range(r):
            i = todo[t]
            out[i] = _test_edges(rec, at[t], x[i * kx], y[i * ky], xs, ys)


@njit(cache=True)
def _test_edges(rec, at, px, py, xs, ys):  # fmt: skip
    """Answer a point by the edge tests of the cell record's pairs (``at``: pair count).

    Each pair's edges first by :func:`_cross`; a pair with a doubtful edge again by
    :func:`_step`, GEOS's test, which gives the boundary or defers.
    """
    npairs = rec[at]
    q = at + 1 + npairs
    for k in range(npairs):
        flags, ne = rec[q], rec[q + 1]
        q += 2
        if flags & _FLAG_FULL:
            return rec[at + 1 + k]
        crossings = flags & _FLAG_PARITY
        doubt = False
        for e in range(q, q + ne):
            j = rec[e]
            got = _cross(xs[j], ys[j], xs[j + 1], ys[j + 1], px, py)
            doubt |= got == _UNSURE
            crossings ^= got & 1
        if doubt:
            crossings, got = flags & _FLAG_PARITY, 0
            for e in range(q, q + ne):
                j = rec[e]
                got = _step(xs[j], ys[j], xs[j + 1], ys[j + 1], px, py)
                if got == _UNSURE or got == _EDGE:
                    break
                crossings ^= got
            if got == _UNSURE:
                return DEFERRED
            if got == _EDGE:
                return rec[at + 1 + k]
        if crossings == 1:  # the first in priority order wins
            return rec[at + 1 + k]
        q += ne
    return NONE


@njit(cache=True, inline="always")
def _cross(x1, y1, x2, y2, px, py):
    """Return :func:`_step`'s answer in the common case, with few branches.

    1 crossing, 0 none, _UNSURE when the point is level with an end or the orientation
    is unproven (then ask _step). Level with neither end, the segment either spans the
    point's ordinate (the crossing then is the proven orientation's, whichever side of
    the point its ends lie) or it holds no crossing and cannot hold the point.
    """
    spans = (y1 > py) != (y2 > py)
    left = (x1 - px) * (y2 - py)
    right = (y1 - py) * (x2 - px)
    det = left - right
    detsum = abs(left) + abs(right)
    proven = detsum > 1e-280 and abs(det) > _CCW_ERRBOUND_A * detsum
    if py == y1 or py == y2 or (spans and not proven):
        return _UNSURE
    return 1 if spans and (det > 0.0) == (y2 > py) else 0

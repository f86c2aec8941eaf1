"""A beat plan as beat polygons in the canonical beats schema, ready to import again.

:func:`plan_beats` dissolves each planned beat's street blocks into one polygon and returns
the table :func:`geo.importer.read_beats` produces: ``beat_id``, ``name``, ``station``,
``officer_ids``, geometry (WGS84). Written with :func:`geo.writers.write_table` as GeoJSON,
it reads back as the beats of the plan.

Choices
-------
* **Land no block covers** (streets' slivers under ``block_min_area_m2``, the edges of
  today's beats beyond the outermost streets) keeps today's outline: each piece of a
  today's beat outside every planned block goes to the plan beat of the same station that
  shares the longest border with it (any station when none does, the nearest beat when it
  touches none). So the plan covers what today's beats cover, and households off the
  blocks stay inside some beat. Pieces under ``beat_overlap_min_m2`` are dropped: gaps
  that small are not reported by the importer either.
* Geometry is dissolved in the local UTM zone on a 1 cm grid, then returned to WGS84.
* Beats left out of the plan (``unplanned``: they held no block) keep today's polygon, less
  the planned blocks; removed beats are not written. A new beat has an empty ``name`` and
  ``officer_ids``: a planner names it and assigns officers.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from analysis.rebalance import Plan
from geo.errors import SchemaError
from geo.projection import local_utm, to_wgs84
from geo.schema import present, require_columns
from geo.settings import Settings, resolve

GRID_M = 0.01
"""Dissolving snaps coordinates to this grid (metres)."""

EXPORT_COLUMNS: tuple[str, ...] = ("beat_id", "name", "station", "officer_ids", "geometry")
"""Columns of :func:`plan_beats`, the canonical beats table."""


def plan_beats(
    plan: Plan,
    blocks: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    *,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Return the plan's beats as canonical beat polygons (WGS84).

    Parameters
    ----------
    plan : Plan
        From :func:`analysis.rebalance.rebalance` or :func:`analysis.rebalance.fresh_plan`.
    blocks : geopandas.GeoDataFrame
        The blocks the plan was made from (``block_id``, geometry with a CRS).
    beats : geopandas.GeoDataFrame
        Today's beats with their polygons (``beat_id``, geometry with a CRS).
    settings : Settings, optional
        ``beat_overlap_min_m2``: smaller pieces of land are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`EXPORT_COLUMNS`, one row per beat of the plan (then unplanned beats), in the
        order of ``plan.beats``.
    """
    s = resolve(settings)
    require_columns(blocks, ("block_id",), name="blocks")
    require_columns(beats, ("beat_id",), name="beats")
    for frame, what in ((blocks, "blocks"), (beats, "beats")):
        if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
            msg = f"{what} must be a GeoDataFrame with a coordinate system"
            raise SchemaError(msg)
    crs = local_utm(blocks.geometry)
    beat_of = plan.blocks.set_index(plan.blocks["block_id"].astype(str))["beat_id"]
    block_m = blocks.geometry.to_crs(crs).to_numpy()
    ids = blocks["block_id"].astype(str).map(beat_of).to_numpy(dtype=object)
    use = present(block_m) & pd.notna(ids)
    table = plan.beats[plan.beats["status"].ne("removed")].reset_index(drop=True)
    planned = table.loc[table["status"].ne("unplanned"), "beat_id"].astype(str).tolist()
    pieces: dict[str, list[BaseGeometry]] = {
        b: [shapely.union_all(block_m[use & (ids == b)], grid_size=GRID_M)] for b in planned
    }
    today = beats.assign(beat_id=beats["beat_id"].astype(str))
    today_m = today.geometry.to_crs(crs).to_numpy()
    covered = shapely.union_all(block_m[use], grid_size=GRID_M)
    station_of = dict(zip(table["beat_id"].astype(str), table["station"], strict=True))
    today_station = dict(
        zip(today["beat_id"], today.get("station", pd.Series("", index=today.index)), strict=True)
    )
    shapes = {b: pieces[b][0] for b in planned}
    for beat, geom in zip(today["beat_id"], today_m, strict=True):
        if geom is None or geom.is_empty:
            continue
        rest = shapely.difference(geom, covered, grid_size=GRID_M)
        if beat not in set(planned) and beat in station_of:
            pieces[beat] = [rest if not rest.is_empty else geom]
            continue
        for part in shapely.get_parts(rest):
            if part.area < s.beat_overlap_min_m2:
                continue
            owner = _owner(part, shapes, station_of, today_station.get(beat))
            pieces[owner].append(part)
    geoms = [
        _tidy(
            shapely.union_all(np.asarray(pieces[b], dtype=object), grid_size=GRID_M),
            s.beat_overlap_min_m2,
        )
        for b in table["beat_id"].astype(str)
    ]
    out = gpd.GeoDataFrame(
        {
            "beat_id": table["beat_id"].astype(str),
            "name": table["name"].fillna("").astype(str),
            "station": table["station"].fillna("").astype(str),
            "officer_ids": table["officer_ids"].fillna("").astype(str),
        },
        geometry=gpd.GeoSeries(geoms, crs=crs),
        crs=crs,
    )
    return to_wgs84(out)[list(EXPORT_COLUMNS)]


def _tidy(geom: BaseGeometry, min_area: float) -> BaseGeometry:
    """Return ``geom`` without holes or parts smaller than ``min_area`` (its largest part stays).

    Examples
    --------
    >>> from shapely.geometry import Polygon
    >>> ring = [(0, 0), (10, 0), (10, 10), (0, 10)]
    >>> _tidy(Polygon(ring, [[(1, 1), (1.5, 1), (1.5, 1.5), (1, 1.5)]]), 1.0).area
    100.0
    """
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    if not parts:
        return geom
    largest = max(parts, key=lambda p: p.area)
    kept = [
        shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= min_area])
        for p in parts
        if p is largest or p.area >= min_area
    ]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)


def _owner(
    part: BaseGeometry,
    shapes: dict[str, BaseGeometry],
    station_of: dict[str, str],
    station: str | None,
) -> str:
    """Return the planned beat a piece of land goes to (see the module docstring)."""
    names = list(shapes)
    geoms = np.asarray([shapes[b] for b in names], dtype=object)
    shared = shapely.length(shapely.intersection(shapely.boundary(part), geoms, grid_size=GRID_M))
    same = np.array([station_of.get(b) == station for b in names])
    for mask in (same, np.ones(len(names), dtype=bool)):
        if (shared[mask] > 0).any():
            best = np.flatnonzero(mask)[int(np.argmax(shared[mask]))]
            return names[best]
    return names[int(np.argmin(shapely.distance(part, geoms)))]

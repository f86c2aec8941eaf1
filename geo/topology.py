"""Topology checks of beats against each other and against street blocks.

Every block should belong to exactly one beat, beats should neither overlap nor leave gaps,
and each beat should be one piece. ``check_beats`` reports what falls short as warnings.

Codes
-----
``block_outside_beats``
    A block overlaps no beat.
``block_split``
    More than ``split_min_share`` of a block lies outside the beat it is assigned to.
``beats_overlap``
    Two beats overlap by at least ``settings.beat_overlap_min_m2``.
``beats_gap``
    An area of at least ``settings.beat_overlap_min_m2`` lies between beats: a hole in the
    union of the beats, or a pocket of the union's convex hull that is open to the outside
    only through a narrow mouth (its edge on the hull is at most ``gap_mouth_max_share`` of
    its perimeter). Wide bays of a concave outline (an L-shaped district) are not gaps.
``beat_not_contiguous``
    The beat polygon has more than one part, or its blocks form more than one group of
    touching blocks (touching at a corner counts).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo.errors import Finding, ValidationReport
from geo.findings import problem
from geo.joins import block_beat_overlaps, blocks_to_beats
from geo.projection import local_utm
from geo.schema import WGS84, require_columns
from geo.settings import Settings, resolve


def _fmt_m2(area: float) -> str:
    return f"{area:,.0f} m²" if area >= 10 else f"{area:.2f} m²"


def _warn(
    report: ValidationReport,
    code: str,
    message: str,
    source: str,
    row: int | None,
    values: dict[str, Any] | None = None,
) -> None:
    report.add(Finding("warning", code, message, source, row=row, values=values or {}))


def _check_blocks(
    report: ValidationReport,
    blocks: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    source: str,
    split_min_share: float,
) -> pd.DataFrame:
    """Add block findings; return blocks_to_beats' answer."""
    assigned = blocks_to_beats(blocks, beats, split_min_share=split_min_share)
    pairs = block_beat_overlaps(blocks, beats)
    block_ids = blocks["block_id"].astype("string").to_numpy()
    beat_ids = beats["beat_id"].astype("string").to_numpy()
    crs = local_utm(blocks.geometry)
    areas = shapely.area(blocks.geometry.to_crs(crs).to_numpy())
    for pos in np.flatnonzero(assigned["beat_id"].isna().to_numpy()):
        msg = (
            f"block {block_ids[pos]} ({_fmt_m2(areas[pos])}) lies in no beat; "
            "extend a beat to cover it or clip the streets to the beats"
        )
        _warn(report, "block_outside_beats", msg, source, None)
    by_block = pairs.groupby("block_pos")
    for pos in np.flatnonzero(assigned["split"].to_numpy()):
        parts = by_block.get_group(pos)
        inside = ", ".join(
            f"{beat_ids[t]} {_fmt_m2(a)} ({a / areas[pos]:.0%})"
            for t, a in zip(parts["beat_pos"], parts["overlap_m2"], strict=True)
        )
        rest = areas[pos] - float(parts["overlap_m2"].sum())
        tail = f", no beat {_fmt_m2(rest)}" if rest / areas[pos] > split_min_share else ""
        msg = (
            f"block {block_ids[pos]} ({_fmt_m2(areas[pos])}) is split: {inside}{tail}; "
            f"it is counted in beat {assigned['beat_id'].iloc[pos]}. Move the beat boundary "
            "onto a street"
        )
        _warn(report, "block_split", msg, source, None)
    return assigned


def _check_overlaps(
    report: ValidationReport, beats_m: np.ndarray, beat_ids: np.ndarray, source: str, min_m2: float
) -> None:
    tree = shapely.STRtree(beats_m)
    left, right = tree.query(beats_m, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    area = shapely.area(shapely.intersection(beats_m[left], beats_m[right]))
    for i, j, a in zip(left, right, area, strict=True):
        if a < min_m2:
            continue
        first, second = sorted((beat_ids[i], beat_ids[j]))
        values = {"first": first, "second": second, "area": _fmt_m2(a), "row_word": "feature"}
        msg = problem("beats_overlap", **values)
        _warn(report, "beats_overlap", msg, source, int(min(i, j)) + 1, values)


def _check_gaps(
    report: ValidationReport,
    beats_m: np.ndarray,
    beat_ids: np.ndarray,
    source: str,
    min_m2: float,
    mouth_max_share: float,
    crs: pyproj.CRS,
) -> None:
    # a 1 cm grid absorbs float noise between shared edges that would otherwise leave
    # hairline slivers and hide real gaps
    union = shapely.union_all(beats_m, grid_size=0.01)
    hull = shapely.convex_hull(union)
    pockets = shapely.get_parts(shapely.difference(hull, union))
    pockets = pockets[shapely.get_type_id(pockets) == 3]
    hull_edge = shapely.boundary(hull)
    tree = shapely.STRtree(beats_m)
    found = []
    for pocket in pockets:
        area = float(pocket.area)
        if area < min_m2:
            continue
        mouth = float(shapely.length(shapely.intersection(shapely.boundary(pocket), hull_edge)))
        if mouth > mouth_max_share * float(pocket.length):
            continue
        near = tree.query(pocket, predicate="dwithin", distance=1e-6)
        shared = shapely.length(shapely.intersection(shapely.boundary(pocket), beats_m[near]))
        names = sorted(str(beat_ids[t]) for t in near[shared > 1e-6])
        found.append((-area, names, pocket))
    for neg_area, names, pocket in sorted(found, key=lambda f: (f[0], f[1])):
        rp = gpd.GeoSeries([shapely.point_on_surface(pocket)], crs=crs).to_crs(WGS84).iloc[0]
        values = {"area": _fmt_m2(-neg_area), "names": ", ".join(names), "lon": rp.x, "lat": rp.y}
        msg = problem("beats_gap", **values)
        _warn(report, "beats_gap", msg, source, None, values)


def _check_contiguity(
    report: ValidationReport,
    blocks: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    assigned: pd.DataFrame,
    source: str,
) -> None:
    beat_ids = beats["beat_id"].astype("string").to_numpy()
    parts = shapely.get_num_geometries(beats.geometry.to_numpy())
    types = shapely.get_type_id(beats.geometry.to_numpy())
    block_geoms = np.asarray(blocks.geometry.to_numpy(), dtype=object)
    block_ids = blocks["block_id"].astype("string").to_numpy()
    of_block = assigned["beat_id"].astype("string").reset_index(drop=True)
    members = {str(k): v.to_numpy() for k, v in of_block.groupby(of_block).groups.items()}
    tree = shapely.STRtree(block_geoms)
    left, right = tree.query(block_geoms, predicate="intersects")
    for pos, beat in enumerate(beat_ids):
        reasons = []
        if types[pos] == 6 and parts[pos] > 1:
            reasons.append(f"its polygon has {parts[pos]} separate parts")
        mine = members.get(str(beat), np.array([], dtype=np.intp))
        if len(mine) > 1:
            local = np.full(len(block_geoms), -1)
            local[mine] = np.arange(len(mine))
            keep = (local[left] >= 0) & (local[right] >= 0)
            graph = coo_matrix(
                (np.ones(keep.sum()), (local[left[keep]], local[right[keep]])),
                shape=(len(mine), len(mine)),
            )
            n, labels = connected_components(graph, directed=False)
            if n > 1:
                groups = sorted(sorted(block_ids[mine[labels == k]].tolist()) for k in range(n))
                shown = "; ".join(
                    ", ".join(g[:3]) + (", ..." if len(g) > 3 else "") for g in groups
                )
                reasons.append(f"its {len(mine)} blocks form {n} separate groups ({shown})")
        if reasons:
            msg = f"beat {beat} is not contiguous: {' and '.join(reasons)}"
            _warn(report, "beat_not_contiguous", msg, source, pos + 1)


def check_beats(
    blocks: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    *,
    settings: Settings | None = None,
    source: str = "beats",
    split_min_share: float | None = None,
    gap_mouth_max_share: float | None = None,
) -> ValidationReport:
    """Check that beats tile the blocks: no stray or split blocks, overlaps, gaps or pieces.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Street blocks with ``block_id``.
    beats : geopandas.GeoDataFrame
        Beats with ``beat_id``, in the same CRS as ``blocks``.
    settings : Settings, optional
        ``beat_overlap_min_m2``: overlaps and gaps smaller than this are not reported.
    source : str, default "beats"
        File name written into each finding.
    split_min_share : float, optional
        A block is split when more than this share of it lies outside its beat (default
        ``settings.block_split_min_share``).
    gap_mouth_max_share : float, optional
        A pocket between beats that opens onto the convex hull of all beats is a gap only
        when its opening is at most this share of its perimeter (default
        ``settings.beat_gap_mouth_max_share``).

    Returns
    -------
    ValidationReport
        Warnings, in this order: ``block_outside_beats``, ``block_split``, ``beats_overlap``,
        ``beats_gap``, ``beat_not_contiguous`` (see the module docstring). Each message names
        the block/beat ids and areas in square metres; ``row`` is the beat's 1-based feature
        number for beat findings.

    Raises
    ------
    SchemaError
        When ``block_id`` or ``beat_id`` is missing.
    CRSError
        When the inputs have no CRS or differ in it.
    """
    s = resolve(settings)
    split_min_share = s.block_split_min_share if split_min_share is None else split_min_share
    if gap_mouth_max_share is None:
        gap_mouth_max_share = s.beat_gap_mouth_max_share
    require_columns(blocks, ("block_id",), name="blocks")
    require_columns(beats, ("beat_id",), name="beats")
    report = ValidationReport()
    if len(beats) == 0:
        return report
    assigned = pd.DataFrame({"beat_id": pd.Series([], dtype="string")})
    if len(blocks):
        assigned = _check_blocks(report, blocks, beats, source, split_min_share)
    report.extend(
        check_beat_polygons(
            beats, settings=s, source=source, gap_mouth_max_share=gap_mouth_max_share
        )
    )
    _check_contiguity(report, blocks, beats, assigned, source)
    return report


def check_beat_polygons(
    beats: gpd.GeoDataFrame,
    *,
    settings: Settings | None = None,
    source: str = "beats",
    gap_mouth_max_share: float | None = None,
) -> ValidationReport:
    """Check beats against each other alone: ``beats_overlap`` and ``beats_gap`` warnings.

    Used by the importer (no blocks yet) and by :func:`check_beats`.

    Parameters
    ----------
    beats : geopandas.GeoDataFrame
        Beats with ``beat_id`` and valid polygons, with a CRS.
    settings : Settings, optional
        ``beat_overlap_min_m2`` and ``beat_gap_mouth_max_share``.
    source : str, default "beats"
        File name written into each finding.
    gap_mouth_max_share : float, optional
        Overrides ``settings.beat_gap_mouth_max_share``.
    """
    s = resolve(settings)
    mouth = s.beat_gap_mouth_max_share if gap_mouth_max_share is None else gap_mouth_max_share
    report = ValidationReport()
    if len(beats) == 0:
        return report
    crs = local_utm(beats.geometry)
    beats_m = np.asarray(beats.geometry.to_crs(crs).to_numpy(), dtype=object)
    bent = ~shapely.is_valid(beats_m) & shapely.is_geometry(beats_m)
    if bent.any():  # valid in lon/lat, crossing itself once projected far from its zone
        beats_m[bent] = shapely.make_valid(beats_m[bent])
    beat_ids = beats["beat_id"].astype("string").to_numpy()
    _check_overlaps(report, beats_m, beat_ids, source, s.beat_overlap_min_m2)
    _check_gaps(report, beats_m, beat_ids, source, s.beat_overlap_min_m2, mouth, crs)
    return report

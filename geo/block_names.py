"""Human names for street blocks: the streets around them (``中山东路 / 太平北路 / 长江路``).

A block id (``Bcc6dc18e8f``) is stable but says nothing to an officer; a block is known by
the streets that bound it. :func:`block_names` names every unit of an analysis (street
blocks or H3 cells) from the labelled streets of :func:`labelled_streets`.

Rules
-----
* **Label.** A street's label is its OSM ``name``, else its ``ref`` (``S122``), else it has
  none. Chinese OSM leaves many service roads and alleys unnamed: those bound blocks but
  never name them. An edge that the graph's simplification merged from ways of several
  names (``["珠江路", "中山路"]``) shares its length equally among them. Each street is
  counted once, not once per direction.
* **Bounding streets.** The length of a labelled street that runs along a block's boundary
  is the length of the street within :data:`ALONG_TOLERANCE_M` of the boundary, summed over
  the street's edges. Streets that only cross or end at the boundary add about twice the
  tolerance per crossing, so a label counts as bounding only from
  ``settings.block_name_min_m`` along the boundary.
* **Name.** The ``settings.block_name_streets`` (3) longest bounding labels, longest first
  (equal lengths by label), joined by ``" / "``.
* **No bounding label** (a block ringed by unnamed alleys, and H3 cells, whose edges follow
  no street): ``"~"`` and the label of the nearest labelled street within
  ``settings.block_name_near_m`` (``~`` reads "near"); streets at the same distance (those
  crossing an H3 cell are all at distance 0) go longest inside the unit first, then by
  label.
* **Nothing labelled near**: the unit's own ``block_id``.
* **Duplicates.** Units whose names coincide each get ``" #"`` and a short id: the first
  four characters of the hash in a ``B…`` block id (``#cc6d`` for ``Bcc6dc18e8f``), or of
  the SHA-1 of any other id (H3 cells, whose ids share long prefixes), lengthened until
  the short ids of the group differ. Names are thus unique and deterministic: the same
  blocks and streets give the same names.

Examples
--------
>>> join_labels(["中山东路", "太平北路", "长江路"])
'中山东路 / 太平北路 / 长江路'
>>> short_id("Bcc6dc18e8f"), len(short_id("H89309a5c0dbffff"))
('cc6d', 4)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geo.errors import CRSError, SchemaError
from geo.projection import project
from geo.schema import present
from geo.settings import Settings, resolve
from geo.streets import graph_frames

__all__ = [
    "ALONG_TOLERANCE_M",
    "NAME_SEPARATOR",
    "NEAR_MARK",
    "block_names",
    "bounding_lengths",
    "join_labels",
    "labelled_streets",
    "short_id",
]

ALONG_TOLERANCE_M: Final = 1.0
"""Distance (metres) within which a street runs along a block's boundary: a block's
boundary is made of its streets' centrelines, so only float noise separates them."""

NAME_SEPARATOR: Final = " / "
"""Between the streets of a name."""

NEAR_MARK: Final = "~"
"""Before the nearest street's label when no labelled street bounds the unit."""

SHORT_ID_MIN: Final = 4
"""Characters of a short id before it is lengthened to tell duplicates apart."""

_HASH_ID: Final = re.compile(r"B([0-9a-f]+(?:-[0-9]+)?)")


def _label(name: Any, ref: Any) -> list[str]:
    """Return the labels of one edge: its names, else its refs, else none."""
    for value in (name, ref):
        values = value if isinstance(value, list | tuple) else [value]
        labels = [v.strip() for v in values if isinstance(v, str) and v.strip()]
        if labels:
            return list(dict.fromkeys(labels))
    return []


def labelled_streets(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """Return a street graph's labelled streets, each once, one row per label.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`geo.streets.load_streets` (edge ``name``/``ref`` optional).

    Returns
    -------
    geopandas.GeoDataFrame
        ``label`` (str), ``weight`` (the share of the edge's length the label takes: 1, or
        ``1/n`` for an edge merged from ways of ``n`` labels) and ``geometry`` (LineString,
        the graph's CRS); two-way streets once; unlabelled edges left out.

    Raises
    ------
    StreetsError
        When ``G`` has no streets or no ``crs`` attribute.
    """
    _, edges = graph_frames(G)
    keys = shapely.to_wkb(shapely.normalize(edges.geometry.to_numpy()))
    _, first = np.unique(keys, return_index=True)
    edges = edges.iloc[np.sort(first)]
    names = edges["name"] if "name" in edges.columns else pd.Series(None, index=edges.index)
    refs = edges["ref"] if "ref" in edges.columns else pd.Series(None, index=edges.index)
    rows: list[tuple[str, float, Any]] = []
    for name, ref, geom in zip(names, refs, edges.geometry, strict=True):
        labels = _label(name, ref)
        rows += [(label, 1.0 / len(labels), geom) for label in labels]
    frame = pd.DataFrame(rows, columns=["label", "weight", "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=edges.crs)


def join_labels(labels: Iterable[str]) -> str:
    """Return street labels joined into a block name."""
    return NAME_SEPARATOR.join(labels)


def short_id(block_id: str, *, length: int = SHORT_ID_MIN) -> str:
    """Return the first ``length`` characters of a unit id's hash (see the module rules).

    Examples
    --------
    >>> short_id("Bcc6dc18e8f", length=6)
    'cc6dc1'
    """
    found = _HASH_ID.fullmatch(block_id)
    digits = found[1] if found else hashlib.sha1(block_id.encode("utf-8")).hexdigest()
    return digits[:length]


def _check(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> None:
    if frame.crs is None:
        msg = f"{what} have no coordinate system; cannot measure the streets around blocks"
        raise CRSError(msg)


def bounding_lengths(
    units: gpd.GeoSeries, streets: gpd.GeoDataFrame, *, tolerance_m: float = ALONG_TOLERANCE_M
) -> pd.DataFrame:
    """Return how long each labelled street runs along each unit's boundary.

    Parameters
    ----------
    units : geopandas.GeoSeries
        Unit polygons in a projected metric CRS.
    streets : geopandas.GeoDataFrame
        :func:`labelled_streets` in the same CRS.
    tolerance_m : float
        A street within this distance of the boundary runs along it.

    Returns
    -------
    pandas.DataFrame
        ``unit`` (row position in ``units``), ``label`` and ``length_m`` (weighted),
        one row per unit and label that touch, sorted by unit, longest first, then label.

    Examples
    --------
    >>> from shapely.geometry import LineString, box
    >>> cell = gpd.GeoSeries([box(0, 0, 100, 50)], crs="EPSG:32650")
    >>> st = gpd.GeoDataFrame({"label": ["A", "B"], "weight": [1.0, 1.0]}, crs="EPSG:32650",
    ...     geometry=[LineString([(0, 0), (100, 0)]), LineString([(0, -5), (0, 60)])])
    >>> bounding_lengths(cell, st).values.tolist()  # B: from 1 m below to 1 m above
    [[0, 'A', 100.0], [0, 'B', 52.0]]
    """
    geoms = units.to_numpy()
    rings = shapely.buffer(shapely.boundary(geoms), tolerance_m)
    lines = streets.geometry.to_numpy()
    tree = shapely.STRtree(lines)
    unit, street = tree.query(rings, predicate="intersects")
    length = shapely.length(shapely.intersection(lines[street], rings[unit]))
    frame = pd.DataFrame(
        {
            "unit": unit,
            "label": streets["label"].to_numpy()[street],
            "length_m": length * streets["weight"].to_numpy(dtype=float)[street],
        }
    )
    out = frame.groupby(["unit", "label"], as_index=False, sort=True)["length_m"].sum()
    out["length_m"] = out["length_m"].round(1)  # float noise must not reorder equal streets
    out = out.sort_values(["unit", "length_m", "label"], ascending=[True, False, True])
    return out.reset_index(drop=True)


def _nearest_labels(
    geoms: np.ndarray, streets: gpd.GeoDataFrame, *, max_m: float
) -> dict[int, str]:
    """Return, per unit position, the label of the nearest labelled street within ``max_m``."""
    lines = streets.geometry.to_numpy()
    labels = streets["label"].to_numpy()
    tree = shapely.STRtree(lines)
    (unit, street), distance = tree.query_nearest(
        geoms, max_distance=max_m, return_distance=True, all_matches=True
    )
    inside = shapely.length(shapely.intersection(lines[street], geoms[unit]))
    frame = pd.DataFrame(
        {"unit": unit, "label": labels[street], "distance": distance.round(3), "inside": inside}
    )
    frame = frame.groupby(["unit", "label", "distance"], as_index=False)["inside"].sum()
    frame = frame.sort_values(
        ["unit", "distance", "inside", "label"], ascending=[True, True, False, True]
    )
    best = frame.drop_duplicates("unit")
    return dict(zip(best["unit"].tolist(), best["label"].tolist(), strict=True))


def _disambiguate(names: list[str], ids: Sequence[str]) -> list[str]:
    """Append a short id to every name shared by several units (see the module rules)."""
    out = list(names)
    groups: dict[str, list[int]] = {}
    for pos, name in enumerate(names):
        groups.setdefault(name, []).append(pos)
    for name, members in groups.items():
        if len(members) < 2:
            continue
        length = SHORT_ID_MIN
        while True:
            shorts = [short_id(ids[p], length=length) for p in members]
            longest = max(len(short_id(ids[p], length=10_000)) for p in members)
            if len(set(shorts)) == len(shorts) or length >= longest:
                break
            length += 1
        if len(set(shorts)) < len(shorts):  # ids whose hashes agree: the ids themselves
            shorts = [ids[p] for p in members]
        for pos, short in zip(members, shorts, strict=True):
            out[pos] = f"{name} #{short}"
    if len(set(out)) < len(out):  # a street literally named like "X #ab12": fall back to ids
        seen: dict[str, int] = {}
        for name in out:
            seen[name] = seen.get(name, 0) + 1
        out = [f"{n} #{i}" if seen[n] > 1 else n for n, i in zip(out, ids, strict=True)]
    return out


def block_names(
    units: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame | None,
    *,
    settings: Settings | None = None,
) -> pd.Series:
    """Return each unit's name: the streets around it (see the module rules).

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Street blocks or H3 cells: ``block_id`` and polygons, with a CRS.
    streets : geopandas.GeoDataFrame or None
        :func:`labelled_streets`, with a CRS (any; both are projected to the units' local
        UTM zone). ``None`` (no streets belong to the data) names every unit by its id.
    settings : Settings, optional
        ``block_name_streets``, ``block_name_min_m`` and ``block_name_near_m``.

    Returns
    -------
    pandas.Series
        ``name`` (str, unique) on ``units.index``.

    Raises
    ------
    SchemaError
        When ``units`` has no ``block_id`` column, or ``streets`` no ``label``/``weight``.
    CRSError
        When either has no coordinate system.
    """
    s = resolve(settings)
    if "block_id" not in units.columns:
        msg = "units: column 'block_id' is missing; cannot name blocks without their ids"
        raise SchemaError(msg)
    ids = units["block_id"].astype(str).tolist()
    if streets is None or len(streets) == 0 or len(units) == 0:
        return pd.Series(ids, index=units.index, name="name", dtype=object)
    missing = [c for c in ("label", "weight") if c not in streets.columns]
    if missing:
        msg = f"streets: column(s) {', '.join(missing)} missing; build them with labelled_streets"
        raise SchemaError(msg)
    _check(units, "units")
    _check(streets, "streets")
    metric = project(units.geometry)
    lines = streets.to_crs(metric.crs)
    usable = present(metric.to_numpy())
    positions = np.flatnonzero(usable)
    names = list(ids)
    if len(positions):
        along = bounding_lengths(metric.iloc[positions], lines)
        along = along[along["length_m"] >= s.block_name_min_m]
        top = along.groupby("unit", sort=True).head(s.block_name_streets)
        for unit, labels in top.groupby("unit", sort=True)["label"]:
            names[int(positions[unit])] = join_labels(labels.tolist())
        rest = np.setdiff1d(np.arange(len(positions)), top["unit"].to_numpy())
        if len(rest):
            near = _nearest_labels(
                metric.to_numpy()[positions[rest]], lines, max_m=s.block_name_near_m
            )
            for i, label in near.items():
                names[int(positions[rest[i]])] = NEAR_MARK + label
    return pd.Series(_disambiguate(names, ids), index=units.index, name="name", dtype=object)

"""Offline OpenStreetMap street networks, built the way osmnx builds them.

Police networks are often offline, so beatcov reads streets from a local OSM file
(``.osm``, ``.osm.bz2``, ``.osm.pbf``) or from a GraphML file saved by osmnx. The result is
an osmnx-compatible ``networkx.MultiDiGraph``: graph attribute ``crs``, node attributes
``x``/``y``/``street_count``, edge attributes ``osmid``/``highway``/``oneway``/``reversed``/
``length`` and, after simplification, ``geometry``.

How a file becomes a graph:

1. pyosmium streams the file (all three OSM encodings alike); node coordinates are kept in
   pyosmium's own location index, so only street ways and tagged nodes reach Python.
2. Each way's tags are tested against osmnx's own Overpass filter for the network type
   (:mod:`geo.osm_filter`), so the file gives the same ways
   an Overpass download with ``osmnx.graph_from_place`` would.
3. Ways that reference nodes missing from the file (clipped extracts) are split into their
   runs of consecutive present nodes.
4. The ways and their nodes are handed, as Overpass-like JSON, to osmnx's own graph
   constructor, then ``largest_component`` (unless ``retain_all``) and ``simplify_graph``
   (unless ``simplify=False``), as ``osmnx.graph_from_xml`` does.
5. The graph is cached as GraphML (never pickle) next to the source file, keyed by the file's
   content, so the next load skips steps 1-4.

All OSM file and OSM network access in beatcov lives in this module.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmium.filter
import osmnx as ox
import shapely

from geo import _osmnx_compat
from geo.errors import StreetsError
from geo.osm_filter import (
    NETWORK_TYPES,
    TagCondition,
    check_network_type,
    matches_filter,
    network_filter,
    parse_overpass_filter,
)
from geo.schema import WGS84
from geo.settings import DEFAULTS
from geo.street_files import GRAPHML_SUFFIX, OSM_SUFFIXES

logger = logging.getLogger(__name__)

CACHE_VERSION: Final = 1
"""Bump when the way graphs are built changes, so stale cached GraphML files are ignored."""

CACHE_FOLDER: Final = ".beatcov-cache"

_GRAPH_DTYPES: Final[dict[str, Any]] = {"beatcov_clipped_ways": int}

# ---------------------------------------------------------------------------------------------
# Reading OSM files
# ---------------------------------------------------------------------------------------------


@dataclass
class OsmRead:
    """The street ways and nodes read from one OSM file.

    Attributes
    ----------
    response : dict
        Overpass-JSON-like ``{"elements": [...]}``: node dicts (type/id/lat/lon/tags) sorted
        by id, then way dicts (type/id/nodes/tags) in file order. A way split into several
        pieces has the temporary id ``(way_id, piece_number)`` for each piece.
    ways : int
        Ways that passed the filter.
    clipped_ways : int
        Of those, ways that reference nodes missing from the file.
    pieces : int
        Pieces of two or more consecutive present nodes kept from the clipped ways.
    dropped_ways : int
        Clipped ways dropped whole because no two consecutive nodes are present.
    """

    response: dict[str, Any]
    ways: int = 0
    clipped_ways: int = 0
    pieces: int = 0
    dropped_ways: int = 0


def _required_keys(conditions: Iterable[TagCondition]) -> list[str]:
    return sorted({c.key for c in conditions if c.op in ("exists", "=", "~")})


def _read_osm(path: Path, conditions: tuple[TagCondition, ...]) -> OsmRead:
    """Stream ``path`` with pyosmium and keep the ways passing ``conditions``.

    Raises ``RuntimeError`` (pyosmium) or ``OSError`` on unreadable files; the caller turns
    them into :class:`StreetsError`.
    """
    node_keys = list(ox.settings.useful_tags_node)
    node_key_set = set(node_keys)
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
    processor.with_locations()  # coordinates stay in pyosmium's index, not in Python
    node_filter: osmium.filter.KeyFilter | osmium.filter.EntityFilter
    if node_keys:
        node_filter = osmium.filter.KeyFilter(*node_keys)
        node_filter.enable_for(osmium.osm.NODE)
    else:
        node_filter = osmium.filter.EntityFilter(osmium.osm.WAY)
    processor.with_filter(node_filter)
    for key in _required_keys(conditions):  # cheap C++ pre-filter; AND of required keys
        way_filter = osmium.filter.KeyFilter(key)
        way_filter.enable_for(osmium.osm.WAY)
        processor.with_filter(way_filter)

    node_tags: dict[int, dict[str, str]] = {}
    coords: dict[int, tuple[float, float]] = {}
    way_elements: list[dict[str, Any]] = []
    read = OsmRead(response={})
    for obj in processor:
        if isinstance(obj, osmium.osm.Node):
            tags = {k: v for k, v in obj.tags if k in node_key_set}
            if tags:
                node_tags[obj.id] = tags
            continue
        if not isinstance(obj, osmium.osm.Way):  # pragma: no cover - relations are not read
            continue
        way_tags = dict(obj.tags)
        if not matches_filter(way_tags, conditions):
            continue
        read.ways += 1
        runs: list[list[int]] = [[]]
        clipped = False
        for ref in obj.nodes:
            loc = ref.location
            if loc.valid():
                coords[ref.ref] = (loc.lat, loc.lon)
                runs[-1].append(ref.ref)
            else:
                clipped = True
                if runs[-1]:
                    runs.append([])
        if not clipped:
            way_elements.append({"type": "way", "id": obj.id, "nodes": runs[0], "tags": way_tags})
            continue
        read.clipped_ways += 1
        kept = [run for run in runs if len(run) >= 2]
        read.pieces += len(kept)
        if not kept:
            read.dropped_ways += 1
        for i, run in enumerate(kept):
            way_id: Any = obj.id if len(kept) == 1 else (obj.id, i)
            way_elements.append({"type": "way", "id": way_id, "nodes": run, "tags": way_tags})

    used = sorted({n for way in way_elements for n in way["nodes"]})
    node_elements = [
        {
            "type": "node",
            "id": n,
            "lat": coords[n][0],
            "lon": coords[n][1],
            "tags": node_tags.get(n, {}),
        }
        for n in used
    ]
    read.response = {"elements": node_elements + way_elements}
    return read


# ---------------------------------------------------------------------------------------------
# Building the graph
# ---------------------------------------------------------------------------------------------


def _build_graph(
    path: Path, network_type: str, *, retain_all: bool, simplify: bool
) -> nx.MultiDiGraph:
    conditions = parse_overpass_filter(network_filter(network_type))
    try:
        read = _read_osm(path, conditions)
    except (RuntimeError, OSError) as exc:
        msg = (
            f"cannot read the street file {path.name} ({path}): {exc}. Check that it is a "
            "complete OSM file (.osm XML, .osm.bz2 or .osm.pbf); download or export it again"
        )
        raise StreetsError(msg) from exc
    ways = [e for e in read.response["elements"] if e["type"] == "way"]
    if not ways:
        if read.ways:
            msg = (
                f"the street file {path.name} has no {network_type!r} streets that are "
                f"complete enough to use: none of its {read.ways} street ways has two "
                "consecutive nodes in the file. Export the extract again with its nodes, or "
                "sort it so nodes come before ways (osmium sort)"
            )
        else:
            msg = (
                f"the street file {path.name} has no {network_type!r} streets; check that the "
                f"extract covers the area, or choose another network type "
                f"({', '.join(NETWORK_TYPES)})"
            )
        raise StreetsError(msg)
    if read.clipped_ways:
        logger.info(
            "%s: repaired %d %s way(s) that reference nodes missing from the file (clipped "
            "extract): kept %d piece(s) of consecutive present nodes, dropped %d way(s)",
            path.name,
            read.clipped_ways,
            network_type,
            read.pieces,
            read.dropped_ways,
        )

    bidirectional = network_type in ox.settings.bidirectional_network_types
    G = _osmnx_compat.create_graph([read.response], bidirectional=bidirectional)
    if any(isinstance(way["id"], tuple) for way in ways):
        # pieces of split ways carried temporary ids (way_id, piece); restore the OSM id
        for _, _, data in G.edges(data=True):
            if isinstance(data["osmid"], tuple):
                data["osmid"] = data["osmid"][0]
    if not retain_all:
        G = ox.truncate.largest_component(G, strongly=False)
    if simplify:
        G = ox.simplify_graph(G)
    # graph_from_xml leaves street_count out; graph_from_place sets it, and so do we
    nx.set_node_attributes(G, ox.stats.count_streets_per_node(G), name="street_count")
    for _, _, data in G.edges(data=True):
        # numpy float64 -> float, so a fresh graph equals its cached GraphML copy type for type
        data["length"] = float(data["length"])
    G.graph["crs"] = WGS84
    G.graph["beatcov_network_type"] = network_type
    G.graph["beatcov_clipped_ways"] = read.clipped_ways
    return G


# ---------------------------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------------------------


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cache_key(path: Path, network_type: str, *, retain_all: bool, simplify: bool) -> str:
    """Return the cache key of a street file loaded with these options.

    The key covers the file's content (sha256), the network type and its osmnx filter,
    ``retain_all``, ``simplify``, the osmnx tag settings and version, and
    :data:`CACHE_VERSION`.

    Parameters
    ----------
    path : pathlib.Path
        The OSM file.
    network_type : str
        One of :data:`NETWORK_TYPES`.
    retain_all, simplify : bool
        As in :func:`load_streets`.

    Returns
    -------
    str
        Hex sha256 of all the above.
    """
    material = {
        "cache_version": CACHE_VERSION,
        "file_sha256": _file_sha256(path),
        "network_type": network_type,
        "filter": network_filter(network_type),
        "bidirectional": network_type in ox.settings.bidirectional_network_types,
        "retain_all": retain_all,
        "simplify": simplify,
        "useful_tags_node": list(ox.settings.useful_tags_node),
        "useful_tags_way": list(ox.settings.useful_tags_way),
        "osmnx": package_version("osmnx"),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _cache_dirs(path: Path, cache_dir: str | os.PathLike[str] | None) -> list[Path]:
    if cache_dir is not None:
        return [Path(cache_dir)]
    return [path.parent / CACHE_FOLDER, Path.home() / ".cache" / "beatcov"]


def _read_cache(files: list[Path]) -> nx.MultiDiGraph | None:
    for file in files:
        if not file.is_file():
            continue
        try:
            G = ox.load_graphml(file, graph_dtypes=_GRAPH_DTYPES)
        except (OSError, ValueError, SyntaxError, KeyError, TypeError, nx.NetworkXError) as exc:
            logger.warning("ignoring unreadable street cache %s (%s); rebuilding it", file, exc)
            continue
        logger.info("loaded streets from cache %s", file)
        return G
    return None


def _write_cache(G: nx.MultiDiGraph, files: list[Path]) -> Path | None:
    for file in files:
        tmp: Path | None = None
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=file.parent, prefix=".tmp-", suffix=GRAPHML_SUFFIX)
            os.close(fd)
            tmp = Path(name)
            ox.save_graphml(G, tmp)
            os.replace(tmp, file)  # atomic: readers never see half a file
        except OSError as exc:
            logger.info("cannot write street cache in %s (%s); trying the next place", file, exc)
            continue
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        logger.info("saved streets cache %s", file)
        return file
    logger.warning("could not write the street cache anywhere (tried %s)", [str(f) for f in files])
    return None


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(GRAPHML_SUFFIX):
        return "graphml"
    if name.endswith(OSM_SUFFIXES):
        return "osm"
    supported = ", ".join((*OSM_SUFFIXES, GRAPHML_SUFFIX))
    msg = f"the street file {path.name} has an unsupported type; use one of: {supported}"
    raise StreetsError(msg)


def _load_graphml(path: Path) -> nx.MultiDiGraph:
    try:
        G = ox.load_graphml(path, graph_dtypes=_GRAPH_DTYPES)
    except (OSError, ValueError, SyntaxError, KeyError, TypeError, nx.NetworkXError) as exc:
        msg = (
            f"cannot read the GraphML street file {path.name} ({path}): {exc}. Use a file "
            "saved by osmnx.save_graphml, or load the OSM extract instead"
        )
        raise StreetsError(msg) from exc
    if "crs" not in G.graph:
        msg = (
            f"the GraphML street file {path.name} has no 'crs' graph attribute, so it was not "
            "saved by osmnx; save it with osmnx.save_graphml or load the OSM extract instead"
        )
        raise StreetsError(msg)
    if G.number_of_edges() == 0:
        msg = f"the GraphML street file {path.name} has no streets (no edges)"
        raise StreetsError(msg)
    return G


def load_streets(
    path: str | os.PathLike[str],
    *,
    network_type: str = DEFAULTS.network_type,
    retain_all: bool = False,
    simplify: bool = True,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> nx.MultiDiGraph:
    """Load a street network from a local OSM file or an osmnx GraphML file.

    Works offline. The graph is what ``osmnx.graph_from_xml`` would build from the ways of
    the file that osmnx's Overpass filter for ``network_type`` keeps (``walk`` is made
    bidirectional, as osmnx does for downloads), with graph attribute ``crs`` set to
    ``EPSG:4326``, plus ``beatcov_network_type`` and ``beatcov_clipped_ways`` (ways that
    referenced nodes missing from a clipped extract and were split into the runs of
    consecutive present nodes; logged at INFO).

    Parameters
    ----------
    path : str or os.PathLike
        ``.osm``, ``.osm.bz2``, ``.osm.pbf`` (read with pyosmium) or ``.graphml`` (read with
        ``osmnx.load_graphml`` as it is: no filter, no cache).
    network_type : str
        ``drive``, ``drive_service``, ``walk`` or ``all`` (default: the default
        ``Settings.network_type``). The blocks' network is ``settings.network_type``; the
        walking distances use ``walk``.
    retain_all : bool
        Keep every connected piece, not only the largest weakly connected component.
    simplify : bool
        Simplify the topology with ``osmnx.simplify_graph`` (edges get ``geometry``).
    cache : bool
        Read and write the GraphML cache. Files are named by a key of the file's content and
        the options (see :func:`cache_key`), so a changed file is never served stale.
    cache_dir : str or os.PathLike, optional
        Where to keep the cache. By default a ``.beatcov-cache`` folder next to ``path``, or
        ``~/.cache/beatcov`` when that folder cannot be written.

    Returns
    -------
    networkx.MultiDiGraph
        The osmnx-compatible street graph, in WGS84.

    Raises
    ------
    StreetsError
        When the file is missing, of an unsupported type, unreadable, or holds no street of
        ``network_type``; or when ``network_type`` is unknown.
    """
    path = Path(path)
    check_network_type(network_type)
    kind = _kind(path)
    if not path.is_file():
        msg = f"the street file {path.name} does not exist ({path}); check the path"
        raise StreetsError(msg)
    if kind == "graphml":
        return _load_graphml(path)

    files: list[Path] = []
    if cache:
        try:
            key = cache_key(path, network_type, retain_all=retain_all, simplify=simplify)
        except OSError as exc:
            msg = f"cannot read the street file {path.name} ({path}): {exc}"
            raise StreetsError(msg) from exc
        name = f"{path.name}.{network_type}.{key[:32]}{GRAPHML_SUFFIX}"
        files = [d / name for d in _cache_dirs(path, cache_dir)]
        cached = _read_cache(files)
        if cached is not None:
            return cached

    G = _build_graph(path, network_type, retain_all=retain_all, simplify=simplify)
    logger.info(
        "%s: %s street graph with %d nodes and %d edges",
        path.name,
        network_type,
        G.number_of_nodes(),
        G.number_of_edges(),
    )
    if cache:
        _write_cache(G, files)
    return G


def load_streets_online(
    *,
    place: str | None = None,
    polygon: Any = None,
    network_type: str = DEFAULTS.network_type,
    retain_all: bool = False,
    simplify: bool = True,
) -> nx.MultiDiGraph:
    """Download a street network from OpenStreetMap (needs the internet).

    A thin wrapper over ``osmnx.graph_from_place`` / ``osmnx.graph_from_polygon`` for users
    who are online and ask for it; offline users load an extract with :func:`load_streets`.
    The graph gets the same graph attributes as :func:`load_streets` gives.

    Parameters
    ----------
    place : str, optional
        Place name osmnx geocodes with Nominatim, e.g. ``"Kamppi, Helsinki, Finland"``.
    polygon : shapely.Polygon or shapely.MultiPolygon, optional
        Area in WGS84 longitude/latitude. Give ``place`` or ``polygon``, not both.
    network_type : str
        As in :func:`load_streets`.
    retain_all, simplify : bool
        As in :func:`load_streets`.

    Returns
    -------
    networkx.MultiDiGraph
        The osmnx street graph, in WGS84.

    Raises
    ------
    StreetsError
        When neither or both of ``place`` and ``polygon`` are given, the network type is
        unknown, or the download fails or returns nothing.
    """
    import requests

    check_network_type(network_type)
    if (place is None) == (polygon is None):
        msg = "give either place or polygon to download streets, not both and not neither"
        raise StreetsError(msg)
    where = place if place is not None else "the polygon"
    try:
        if place is not None:
            G = ox.graph_from_place(
                place, network_type=network_type, retain_all=retain_all, simplify=simplify
            )
        else:
            G = ox.graph_from_polygon(
                polygon, network_type=network_type, retain_all=retain_all, simplify=simplify
            )
    except (_osmnx_compat.InsufficientResponseError, requests.RequestException) as exc:
        msg = (
            f"cannot download {network_type!r} streets for {where}: {exc}. This needs the "
            "internet; offline, load an OSM extract with load_streets instead"
        )
        raise StreetsError(msg) from exc
    G.graph["crs"] = WGS84
    G.graph["beatcov_network_type"] = network_type
    G.graph["beatcov_clipped_ways"] = 0
    return G


def graph_crs(G: nx.MultiDiGraph) -> str:
    """Return the street graph's ``crs`` attribute, or raise :class:`StreetsError`.

    The one check every user of a street graph (blocks, joins, verification) runs first.
    """
    crs = G.graph.get("crs")
    if crs is None:
        msg = (
            "street graph has no 'crs' graph attribute; load it with "
            "geo.streets.load_streets or set graph.graph['crs'] = 'EPSG:4326'"
        )
        raise StreetsError(msg)
    return str(crs)


def graph_frames(G: nx.MultiDiGraph) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return a street graph's nodes and edges as GeoDataFrames (``osmnx.graph_to_gdfs``).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`load_streets`.

    Returns
    -------
    nodes : geopandas.GeoDataFrame
        Indexed by ``osmid``; columns ``x``, ``y``, ``street_count``, ... and ``geometry``.
    edges : geopandas.GeoDataFrame
        Flat index with columns ``u``, ``v``, ``key``, the edge attributes and ``geometry``
        (straight lines filled in for unsimplified edges).

    Raises
    ------
    StreetsError
        When ``G`` has no nodes or edges, or no ``crs`` attribute.
    """
    graph_crs(G)
    if G.number_of_nodes() == 0 or G.number_of_edges() == 0:
        msg = "street graph has no streets (no nodes or edges)"
        raise StreetsError(msg)
    nodes, edges = ox.graph_to_gdfs(G, nodes=True, edges=True)
    return nodes, edges.reset_index()


def street_lines(G: nx.MultiDiGraph) -> gpd.GeoSeries:
    """Return each street of a graph once, as a line: two-way streets are not doubled.

    A two-way street is two edges of the directed graph (``u -> v`` and ``v -> u``) with
    the same line drawn both ways; lines equal up to direction are kept once (the first).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`load_streets`.

    Returns
    -------
    geopandas.GeoSeries
        LineStrings in the graph's CRS, on a fresh RangeIndex.

    Raises
    ------
    StreetsError
        When ``G`` has no streets or no ``crs`` attribute.
    """
    _, edges = graph_frames(G)
    geoms = edges.geometry.to_numpy()
    keys = shapely.to_wkb(shapely.normalize(geoms))
    _, first = np.unique(keys, return_index=True)
    return gpd.GeoSeries(geoms[np.sort(first)], crs=edges.crs)


# ---------------------------------------------------------------------------------------------
# Other features: buildings, land use, points of interest
# ---------------------------------------------------------------------------------------------

FEATURE_COLUMNS: Final = ("osm_type", "osm_id", "tags", "geometry")
"""Columns of :func:`load_features`' frame, in order."""


def load_features(path: str | os.PathLike[str], *, keys: Iterable[str]) -> gpd.GeoDataFrame:
    """Return the tagged points and areas of a local OSM file: buildings, land use, shops.

    Works offline, streaming the file with pyosmium as :func:`load_streets` does. A node is
    kept when it carries one of ``keys`` and has a location; a closed way or multipolygon
    relation when pyosmium assembles it into an area and it carries one of ``keys``. Other
    ways (streets) are not returned: streets come from :func:`load_streets`. Areas whose
    nodes are missing from the file (clipped extracts) or whose rings do not close are left
    out.

    Parameters
    ----------
    path : str or os.PathLike
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf``.
    keys : iterable of str
        Tag keys that select a feature, e.g. ``("building", "landuse", "shop")``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``osm_type`` (``"node"``, ``"way"`` or ``"relation"``), ``osm_id`` (int), ``tags``
        (dict of all the feature's tags) and ``geometry`` (Point, or Polygon/MultiPolygon;
        an area of one polygon is a Polygon) in WGS84, sorted by ``osm_type`` and
        ``osm_id``.

    Raises
    ------
    StreetsError
        When the file is missing, not an OSM file, or unreadable.
    """
    path = Path(path)
    if _kind(path) != "osm":
        msg = f"{path.name}: features are read from OSM files ({', '.join(OSM_SUFFIXES)})"
        raise StreetsError(msg)
    if not path.is_file():
        msg = f"the OSM file {path.name} does not exist ({path}); check the path"
        raise StreetsError(msg)
    wanted = frozenset(keys)
    factory = osmium.geom.WKBFactory()
    rows: list[tuple[str, int, dict[str, str], Any]] = []
    try:
        for obj in osmium.FileProcessor(str(path)).with_locations().with_areas():
            if not any(k in obj.tags for k in wanted):
                continue
            if isinstance(obj, osmium.osm.Node):
                if obj.location.valid():
                    point = shapely.Point(obj.location.lon, obj.location.lat)
                    rows.append(("node", obj.id, dict(obj.tags), point))
            elif isinstance(obj, osmium.osm.Area):
                try:
                    geom = shapely.from_wkb(factory.create_multipolygon(obj))
                except (osmium.InvalidLocationError, RuntimeError):
                    continue  # nodes missing from a clipped extract, or rings that do not close
                parts = shapely.get_parts(geom)
                kind = "way" if obj.from_way() else "relation"
                rows.append(
                    (kind, obj.orig_id(), dict(obj.tags), parts[0] if len(parts) == 1 else geom)
                )
    except (RuntimeError, OSError) as exc:
        msg = f"cannot read the OSM file {path.name} ({path}): {exc}"
        raise StreetsError(msg) from exc
    rows.sort(key=lambda row: (row[0], row[1]))
    frame = gpd.GeoDataFrame(
        {
            "osm_type": [r[0] for r in rows],
            "osm_id": [r[1] for r in rows],
            "tags": [r[2] for r in rows],
        },
        geometry=gpd.GeoSeries([r[3] for r in rows], crs=WGS84),
        crs=WGS84,
    )
    frame["osm_id"] = frame["osm_id"].astype("int64")
    return frame

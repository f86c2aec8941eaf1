"""What the generator takes from the OpenStreetMap extract, all read through ``geo.streets``.

Streets are the graphs the analysis itself builds (``load_streets``): the block network
(``settings.network_type``) for the blocks and the beats' major streets, the ``walk``
network for the officers' choice of the nearest door, and the ``all`` network for the
street names of addresses. Buildings, land use and points of interest come from
``load_features``. Every geometry is kept in WGS84 and in the local UTM zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pyproj
import shapely
from shapely.geometry import Polygon, box

from geo.blocks import blocks_from_graph
from geo.projection import local_utm, project
from geo.settings import DEFAULTS
from geo.streets import graph_frames, load_features, load_streets

from .params import FEATURE_KEYS, WALK_NETWORK, WINDOW


@dataclass
class Extract:
    """The extract as the generator uses it.

    Attributes
    ----------
    path : Path
        The OSM file.
    window : Polygon
        The neighbourhood (WGS84): households are taken from inside it.
    crs : pyproj.CRS
        The local UTM zone all metric work uses.
    features : geopandas.GeoDataFrame
        ``load_features`` output (WGS84) with a ``metric`` geometry column added.
    blocks : geopandas.GeoDataFrame
        The street blocks the analysis builds from this file (``geo.blocks``), WGS84.
    block_edges : geopandas.GeoDataFrame
        Edges of the block network (every piece, unsimplified), WGS84.
    named : geopandas.GeoDataFrame
        Named ways of the ``all`` network (unsimplified edges with ``highway``, ``name``).
    walk : networkx.MultiDiGraph
        The walk network, as the verifier loads it.
    """

    path: Path
    window: Polygon
    crs: pyproj.CRS
    features: gpd.GeoDataFrame
    blocks: gpd.GeoDataFrame
    block_edges: gpd.GeoDataFrame
    named: gpd.GeoDataFrame
    walk: nx.MultiDiGraph

    def tagged(self, key: str, value: str | None = None) -> gpd.GeoDataFrame:
        """Features with tag ``key`` (equal to ``value`` when given), in file order."""
        mask = self.features["tags"].map(lambda t: key in t and (value is None or t[key] == value))
        return self.features[mask.astype(bool)]

    def in_window(self, frame: gpd.GeoDataFrame, *, whole: bool = False) -> gpd.GeoDataFrame:
        """Rows of ``frame`` inside the window: wholly, or by their representative point."""
        shapes = frame.geometry if whole else frame.geometry.representative_point()
        return frame[shapely.contains(self.window, shapes.to_numpy())]


def read_extract(path: Path) -> Extract:
    """Read the extract ``path`` (streets are not cached: the repository is not written)."""
    window = box(*WINDOW)
    crs = local_utm(gpd.GeoSeries([window], crs="EPSG:4326"))
    blocks_graph = load_streets(path, network_type=DEFAULTS.network_type, cache=False)
    pieces = load_streets(
        path,
        network_type=DEFAULTS.network_type,
        retain_all=True,
        simplify=False,
        cache=False,
    )
    every = load_streets(path, network_type="all", retain_all=True, simplify=False, cache=False)
    walk = load_streets(path, network_type=WALK_NETWORK, cache=False)
    features = load_features(path, keys=FEATURE_KEYS)
    features["metric"] = project(features.geometry, crs=crs)
    edges = graph_frames(pieces)[1]
    named = graph_frames(every)[1]
    named = named[named["name"].map(lambda v: isinstance(v, str) and v != "")]
    return Extract(
        path=path,
        window=window,
        crs=crs,
        features=features,
        blocks=blocks_from_graph(blocks_graph, settings=DEFAULTS),
        block_edges=edges,
        named=named.reset_index(drop=True),
        walk=walk,
    )

"""The one module that touches osmnx internals.

:mod:`geo.streets` builds street graphs from local OSM files exactly as osmnx builds them
from Overpass. osmnx has no public API for the three pieces that needs:

- :func:`network_filter`: osmnx's Overpass way filter of a network type
  (``osmnx._overpass._get_network_filter``). Public osmnx only sends it to Overpass.
- :func:`create_graph`: osmnx's graph constructor from Overpass-style JSON
  (``osmnx.graph._create_graph``). The public ``osmnx.graph_from_xml`` wraps the same
  constructor, but it takes the XML file as it is and fails on clipped extracts (ways that
  reference nodes missing from the file), which :mod:`geo.streets` repairs first; writing the
  repaired ways back to XML only to parse them again would double the load time for nothing.
- :class:`InsufficientResponseError`: what osmnx's public downloaders raise when Overpass
  returns no data (``osmnx._errors``).

Each function checks on first use that the installed osmnx lies in :data:`SUPPORTED` (see
:mod:`geo.dependencies`). ``tests/geo/test_osmnx_compat.py`` holds them to osmnx's public
behaviour: on a complete extract :func:`create_graph` gives the graph ``graph_from_xml``
gives, and :func:`network_filter` admits exactly the ways ``graph_from_xml``'s graph keeps.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, Final

import networkx as nx
from osmnx import _overpass
from osmnx import graph as _graph
from osmnx._errors import InsufficientResponseError

from geo.dependencies import Supported

__all__ = ["SUPPORTED", "InsufficientResponseError", "create_graph", "network_filter"]

SUPPORTED: Final = Supported("osmnx", at_least="2.1", below="2.2", module="geo/_osmnx_compat.py")
"""The osmnx versions these internals were tested with (2.1.1 is pinned)."""


@functools.cache
def _checked() -> None:
    SUPPORTED.check()


def network_filter(network_type: str) -> str:
    """Return osmnx's Overpass way filter for ``network_type``.

    Parameters
    ----------
    network_type : str
        An osmnx network type such as ``"drive"`` or ``"walk"``.

    Returns
    -------
    str
        The filter osmnx would send to Overpass; it honours
        ``osmnx.settings.default_access``.

    Raises
    ------
    DependencyError
        If the installed osmnx is outside :data:`SUPPORTED`.

    Examples
    --------
    >>> network_filter("drive").startswith('["highway"]["area"!~"yes"]')
    True
    """
    _checked()
    return _overpass._get_network_filter(network_type)


def create_graph(responses: Iterable[dict[str, Any]], *, bidirectional: bool) -> nx.MultiDiGraph:
    """Build osmnx's unsimplified street graph from Overpass-style JSON responses.

    Parameters
    ----------
    responses : iterable of dict
        Overpass JSON: ``{"elements": [...]}`` with ``node`` elements (``id``, ``lat``,
        ``lon``, ``tags``) and ``way`` elements (``id``, ``nodes``, ``tags``).
    bidirectional : bool
        Add both directions of one-way streets (osmnx does so for the network types in
        ``osmnx.settings.bidirectional_network_types``).

    Returns
    -------
    networkx.MultiDiGraph
        As osmnx builds it before ``largest_component`` and ``simplify_graph``: node
        attributes ``x``/``y``, edge attributes ``osmid``/``oneway``/``reversed``/``length``
        and the way's useful tags.

    Raises
    ------
    DependencyError
        If the installed osmnx is outside :data:`SUPPORTED`.
    InsufficientResponseError
        If the responses hold no nodes and no ways.
    """
    _checked()
    return _graph._create_graph(responses, bidirectional)

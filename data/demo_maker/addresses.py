"""Chinese addresses from the extract's street names: ``中山东路12号3栋502室``.

A compound (小区) is addressed from the street nearest to it: its house number (号) grows by
two every ``HOUSE_NUMBER_SPACING_M`` along the street, odd on the left and even on the right
(looking along the street's main direction, which runs west to east or south to north), as
Chinese numbering does; two compounds never share a number on one street. Its buildings are
numbered 1, 2, ... (栋) from north-west to south-east; a flat is ``floor × 100 + flat``
(``502`` is flat 2 on the fifth floor), with the stairwell (单元) named when a building has
more than one. A feature with ``addr:street`` and ``addr:housenumber`` keeps its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.projection import project

from .params import ADDRESS_HIGHWAYS, HOUSE_NUMBER_SPACING_M


class StreetIndex:
    """Named streets in metres: the nearest one to a place, and positions along each.

    Parameters
    ----------
    named : geopandas.GeoDataFrame
        Street edges (WGS84) with ``highway`` and ``name``; kinds outside
        ``ADDRESS_HIGHWAYS`` are ignored.
    crs : pyproj.CRS
        The metric CRS.
    """

    def __init__(self, named: gpd.GeoDataFrame, crs: object) -> None:
        kinds = named["highway"].map(lambda h: isinstance(h, str) and h in ADDRESS_HIGHWAYS)
        plain = [
            named[c].map(lambda v, bad=bad: v not in bad) if c in named else True
            for c, bad in (("junction", {"roundabout", "circular"}), ("tunnel", {"yes"}))
        ]
        usable = named[kinds & plain[0] & plain[1]]
        lines = project(usable.geometry, crs=crs).to_numpy()
        self.names: list[str] = usable["name"].astype(str).tolist()
        self.lines = lines
        self.tree = shapely.STRtree(lines)
        self.axes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in sorted(set(self.names)):
            parts = [g for g, n in zip(lines, self.names, strict=True) if n == name]
            xy = np.vstack([shapely.get_coordinates(g) for g in parts])
            centre = xy.mean(axis=0)
            _, _, vt = np.linalg.svd(xy - centre, full_matrices=False)
            axis = vt[0]
            if (
                abs(axis[0]) >= abs(axis[1])
                and axis[0] < 0
                or abs(axis[0]) < abs(axis[1])
                and axis[1] < 0
            ):
                axis = -axis  # west to east, or south to north
            start = float(((xy - centre) @ axis).min())
            self.axes[name] = (centre + start * axis, axis)

    def nearest(self, geom: BaseGeometry) -> str:
        """Name of the street nearest to ``geom`` (metric); ties go to the first edge."""
        return self.names[int(self.tree.nearest(geom))]

    def place(self, name: str, point: BaseGeometry) -> tuple[float, int]:
        """Metres along street ``name`` and side (1 left, 0 right) of ``point``."""
        origin, axis = self.axes[name]
        rel = np.array([point.x, point.y]) - origin
        along = float(rel @ axis)
        parts = [g for g, n in zip(self.lines, self.names, strict=True) if n == name]
        line = min(parts, key=lambda g: g.distance(point))
        foot = line.interpolate(line.project(point))
        cross = axis[0] * (point.y - foot.y) - axis[1] * (point.x - foot.x)
        return along, int(cross > 0)


def house_numbers(
    streets: StreetIndex,
    keys: Sequence[tuple[str, BaseGeometry]],
    taken: set[tuple[str, int]],
) -> list[int]:
    """House numbers for places ``(street, metric point)``, unique per street.

    Numbers follow the position along the street (``HOUSE_NUMBER_SPACING_M``), odd on the
    left and even on the right; a number already ``taken`` (updated here) moves on by two.
    """
    placed = [(name, *streets.place(name, pt), k) for k, (name, pt) in enumerate(keys)]
    placed.sort(key=lambda p: (p[0], p[2], p[1], p[3]))
    out = [0] * len(keys)
    for name, along, side, k in placed:
        number = 2 * max(0, math.floor(along / HOUSE_NUMBER_SPACING_M)) + (1 if side else 2)
        while (name, number) in taken:
            number += 2
        taken.add((name, number))
        out[k] = number
    return out


def own_address(tags: dict[str, str]) -> tuple[str, str] | None:
    """Return the feature's own Chinese street and house number (without ``号``), if any.

    Only a street name in Chinese characters with a plain number (``18`` or ``18号``)
    counts; ``7栋`` or ``47-5`` are not house numbers of the street.
    """
    street = tags.get("addr:street", "").strip()
    number = tags.get("addr:housenumber", "").strip()
    if not re.search(r"[\u4e00-\u9fff]", street) or not re.fullmatch(r"\d+号?", number):
        return None
    return street, number.removesuffix("号")


def building_order(footprints: Sequence[BaseGeometry]) -> list[int]:
    """栋 numbers (1, 2, ...) of a compound's buildings: north-west first, rows of 25 m."""
    cents = [f.centroid for f in footprints]
    order = sorted(range(len(cents)), key=lambda i: (-math.floor(cents[i].y / 25.0), cents[i].x, i))
    numbers = [0] * len(cents)
    for rank, i in enumerate(order):
        numbers[i] = rank + 1
    return numbers


def flat_label(unit: int, units: int, floor: int, flat: int) -> str:
    """``3单元502室``, or ``502室`` in a building with one stairwell."""
    room = f"{floor}{flat:02d}室"
    return f"{unit}单元{room}" if units > 1 else room

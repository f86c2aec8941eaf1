"""The canonical tables every importer produces and every analysis consumes.

All three are GeoDataFrames in WGS84 (``EPSG:4326``). IDs are text; times are tz-aware.

beats
    ``beat_id`` (str), ``name`` (str), ``station`` (str), ``officer_ids`` (str,
    ``;``-separated), ``geometry`` (Polygon/MultiPolygon).
households
    ``household_id`` (str), ``address`` (str), ``residents`` (Int64), ``vulnerable`` (str;
    empty = none, otherwise a category such as ``elderly_alone``), ``kind`` (str:
    household/shop/school/workplace), ``geometry`` (Point).
visits
    ``visit_id`` (str), ``household_id`` (str), ``officer_id`` (str), ``time``
    (datetime64, tz-aware), ``outcome`` (str: contact/nobody_home/refused),
    ``duration_min`` (float), ``issue_raised`` (str; empty = none), ``follow_up_of`` (str;
    visit_id of the visit whose issue this follows up; empty = none), ``satisfaction``
    (Int64, 1–5), ``note`` (str), ``geometry`` (GPS Point or None).
"""

from __future__ import annotations

from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import shapely

Table = Literal["beats", "households", "visits"]

WGS84: Final = "EPSG:4326"

REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "beats": ("beat_id", "geometry"),
    "households": ("household_id", "geometry"),
    "visits": ("visit_id", "household_id", "officer_id", "time"),
}

OPTIONAL: Final[dict[str, tuple[str, ...]]] = {
    "beats": ("name", "station", "officer_ids"),
    "households": ("address", "residents", "vulnerable", "kind"),
    "visits": (
        "outcome",
        "duration_min",
        "issue_raised",
        "follow_up_of",
        "satisfaction",
        "note",
        "geometry",
    ),
}

ID_COLUMNS: Final[dict[str, str]] = {
    "beats": "beat_id",
    "households": "household_id",
    "visits": "visit_id",
}

TEXT_COLUMNS: Final = frozenset(
    {
        "beat_id",
        "name",
        "station",
        "officer_ids",
        "household_id",
        "address",
        "vulnerable",
        "kind",
        "visit_id",
        "officer_id",
        "outcome",
        "issue_raised",
        "follow_up_of",
        "note",
    }
)
INT_COLUMNS: Final = frozenset({"residents", "satisfaction"})
FLOAT_COLUMNS: Final = frozenset({"duration_min"})

OUTCOMES: Final = ("contact", "nobody_home", "refused")
KINDS: Final = ("household", "shop", "school", "workplace")


def columns(table: Table) -> tuple[str, ...]:
    """All canonical columns of ``table`` in their canonical order (geometry last).

    Examples
    --------
    >>> columns("beats")
    ('beat_id', 'name', 'station', 'officer_ids', 'geometry')
    """
    cols = [c for c in REQUIRED[table] + OPTIONAL[table] if c != "geometry"]
    return (*cols, "geometry")


def present(geoms: Any) -> npt.NDArray[np.bool_]:
    """Return True where a geometry is neither missing nor empty.

    ``geoms`` is a GeoSeries or an array of shapely geometries; the result is a plain
    boolean array in the same order, to index either with.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> present(np.array([Point(0, 0), None, Point()], dtype=object)).tolist()
    [True, False, False]
    """
    values = geoms.to_numpy() if hasattr(geoms, "to_numpy") else np.asarray(geoms, dtype=object)
    return np.asarray(~(shapely.is_missing(values) | shapely.is_empty(values)), dtype=bool)

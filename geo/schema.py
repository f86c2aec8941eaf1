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

import re
from collections.abc import Iterable
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.arrow_text import arrow_array, is_arrow_text
from geo.errors import SchemaError

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


GPS_COLUMNS: Final = ("gps_lon", "gps_lat")
"""The visits' GPS as two columns of WGS84 degrees (NaN where a visit has none), in place
of the Point geometry, when the importer is asked for no points (``read_visits(...,
points=False)``): the command line reads ten million visits and only measures them."""


def gps_lonlat(visits: pd.DataFrame) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return the visits' GPS longitude and latitude (NaN where a visit has none).

    Read from :data:`GPS_COLUMNS` when the table has them, else from its Point geometry
    (:func:`points_xy`: a missing or empty point gives NaN; anything but points raises
    ``SchemaError``); a table with neither has no GPS at all. Float64 columns give their
    own values as read-only views (a city's year: no 160 MB copy); other columns and the
    geometry give fresh arrays. Callers never write to them.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> import geopandas as gpd
    >>> gdf = gpd.GeoDataFrame(geometry=[Point(1, 2), None, Point()])
    >>> [v.tolist() for v in gps_lonlat(gdf)]
    [[1.0, nan, nan], [2.0, nan, nan]]
    >>> plain = pd.DataFrame({"gps_lon": [1.0, np.nan], "gps_lat": [2.0, np.nan]})
    >>> [v.tolist() for v in gps_lonlat(plain)]
    [[1.0, nan], [2.0, nan]]
    """
    lon, lat = GPS_COLUMNS
    if lon in visits.columns and lat in visits.columns:
        return (
            visits[lon].to_numpy(dtype=np.float64, na_value=np.nan),
            visits[lat].to_numpy(dtype=np.float64, na_value=np.nan),
        )
    geometry = getattr(visits, "active_geometry_name", None)
    if geometry is None:
        return np.full(len(visits), np.nan), np.full(len(visits), np.nan)
    ids = visits["visit_id"] if "visit_id" in visits.columns else None
    return points_xy(visits[geometry], table="visits", ids=ids)


def points_xy(
    points: Any, *, table: str, ids: pd.Series | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return x and y of ``points`` (NaN where missing or empty); non-points raise.

    ``points`` is a GeoSeries or an array of shapely geometries. Read from every geometry
    at once (a missing one gives NaN) unless some are empty, which shapely cannot read x
    from. Other coordinates are the points' own, bit for bit (a NaN one stays, beside a
    number: :func:`geo.projection.projected_xy` makes the pair NaN). Fresh arrays. The
    ``SchemaError`` for a geometry other than a point names ``table``, the row and, when
    given, its id in ``ids``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gps = np.array([Point(1, 2), None, Point(), Point(3, float("nan"))], dtype=object)
    >>> [v.tolist() for v in points_xy(gps, table="visits")]
    [[1.0, nan, nan, 3.0], [2.0, nan, nan, nan]]
    """
    geoms = points.to_numpy() if hasattr(points, "to_numpy") else np.asarray(points, dtype=object)
    kinds = shapely.get_type_id(geoms)  # -1: missing
    empty = shapely.is_empty(geoms)
    located = (kinds >= 0) & ~empty
    other = np.flatnonzero(located & (kinds != 0))
    if len(other):
        bad = int(other[0])
        named = "" if ids is None else f" ({ids.name} {ids.iloc[bad]!r})"
        msg = (
            f"{table}: row {bad}{named} has a {geoms[bad].geom_type} in column 'geometry'; "
            "expected a Point"
        )
        raise SchemaError(msg)
    if empty.any():
        x = np.full(len(geoms), np.nan)
        y = np.full(len(geoms), np.nan)
        x[located] = shapely.get_x(geoms[located])
        y[located] = shapely.get_y(geoms[located])
    else:
        x = np.asarray(shapely.get_x(geoms), dtype=np.float64)
        y = np.asarray(shapely.get_y(geoms), dtype=np.float64)
    return x, y


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


def text_in(values: Any, allowed: Any) -> npt.NDArray[np.bool_]:
    """Return whether each value, as text, is one of ``allowed`` (a missing value never is).

    The same as ``values.astype("string").isin(allowed).fillna(False)`` for ids, through
    Arrow's hash lookup: pandas' ``isin`` on Arrow-backed strings turns both sides into
    Python objects first, about thirty times slower on twenty thousand ids.

    Examples
    --------
    >>> text_in(pd.Series(["V1", None, "V3", "V1"]), pd.Series(["V1", "V2", None])).tolist()
    [True, False, False, True]
    >>> text_in(pd.Series([7, 8]), ["7"]).tolist()
    [True, False]
    """
    return pc.is_in(_arrow_text(values), value_set=_arrow_text(allowed), skip_nulls=True).to_numpy(
        zero_copy_only=False
    )


def _arrow_text(values: Any) -> pa.Array:
    """Return ``values`` as Arrow text, missing values null (the text of ``text_in``).

    A column that is text already is taken as it is: pandas' Arrow-backed text by its own
    array, a column of Python strings (every cell a ``str``, as the canonical tables' id
    columns) in one conversion. Anything else is made text cell by cell, through pandas'
    ``string`` dtype.
    """
    if isinstance(values, pd.Series) and (
        is_arrow_text(values)
        or (
            pd.api.types.is_object_dtype(values.dtype)
            and pd.api.types.infer_dtype(values, skipna=False) == "string"
        )
    ):
        text = arrow_array(values)
        if text is not None:
            return text.cast(pa.large_string())
    text = pd.Series(values, dtype=object).astype("string")
    return pa.array(text.to_numpy(dtype=object, na_value=None), type=pa.large_string())


def require_columns(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    name: str,
    advice: str = "",
    error: type[Exception] = SchemaError,
) -> None:
    """Raise ``error`` naming every column of ``columns`` missing from ``frame``.

    The one message for a missing column of a table handed between functions:
    ``"<name> lacks column(s) a, b (it has: x, y)"``, then ``"; <advice>"`` when given.
    (Columns missing from a user's *file* are findings of the importer, not errors.)

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame to check.
    columns : iterable of str
        Columns it must have.
    name : str
        What the frame is, for the message (``"visits"``, ``"the beats table"``).
    advice : str, optional
        What to do, appended to the message.
    error : type of Exception, default :class:`~geo.errors.SchemaError`
        The error to raise (e.g. :class:`~geo.errors.WorkspaceError`).

    Examples
    --------
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b", "c"], name="blocks")
    Traceback (most recent call last):
    ...
    geo.errors.SchemaError: blocks lacks column(s) b, c (it has: a)
    """
    missing = [str(c) for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns))
        msg = f"{name} lacks column(s) {', '.join(missing)} (it has: {have})"
        raise error(f"{msg}; {advice}" if advice else msg)


OFFICER_SEPARATOR: Final = ";"
"""How the canonical beats table joins the officers of a beat in ``officer_ids``."""

_OFFICER_SPLIT: Final = re.compile(r"[;,，；、|\s]+")


def officer_list(value: Any) -> str:
    """Return a beat's officers as the canonical ``officer_ids`` text (``;``-joined).

    Files separate officers with ``;``, ``,``, ``，``, ``；``, ``、``, ``|`` or spaces;
    blanks and missing values give ``""``.

    Examples
    --------
    >>> officer_list("P1， P2、P3 ; ")
    'P1;P2;P3'
    >>> officer_list(None)
    ''
    """
    if not isinstance(value, str):
        return ""
    return OFFICER_SEPARATOR.join(p for p in _OFFICER_SPLIT.split(value) if p)


def officer_pairs(beats: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (``beat_id``, ``officer_id``) named in the beats' ``officer_ids``.

    The one place that reads the canonical ``;``-joined ``officer_ids``: ids are stripped,
    blanks dropped, repeats kept once, in the beats' order.

    Parameters
    ----------
    beats : pandas.DataFrame
        With ``beat_id`` and ``officer_ids`` (a frame without ``officer_ids`` names no
        officer).

    Returns
    -------
    pandas.DataFrame
        Columns ``beat_id`` and ``officer_id`` (strings), a fresh ``RangeIndex``.

    Examples
    --------
    >>> b = pd.DataFrame({"beat_id": ["B1", "B2"], "officer_ids": ["P1; P2", None]})
    >>> officer_pairs(b).to_dict("list")
    {'beat_id': ['B1', 'B1'], 'officer_id': ['P1', 'P2']}
    """
    if "officer_ids" not in beats:
        return pd.DataFrame({"beat_id": [], "officer_id": []}, dtype="str")
    listed = beats["officer_ids"].astype("str").fillna("").str.split(OFFICER_SEPARATOR)
    pairs = pd.DataFrame(
        {"beat_id": beats["beat_id"].astype("str").to_numpy(), "officer_id": listed}
    ).explode("officer_id")
    pairs["officer_id"] = pairs["officer_id"].astype("str").str.strip()
    pairs = pairs[pairs["officer_id"].fillna("") != ""]
    return pairs.drop_duplicates(ignore_index=True)

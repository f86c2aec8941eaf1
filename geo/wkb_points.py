"""Coordinates of a GeoParquet file's points, read from the WKB bytes without shapely.

geopandas reads a GeoParquet geometry column by building a shapely geometry from every
row's WKB (:func:`shapely.from_wkb`); for a column of points the importer then takes
their coordinates and builds its rounded points again (:mod:`geo.point_columns`).
:func:`wkb_points` reads the coordinates straight from the column's bytes instead, so a
point is built once. It accepts only what it is certain to read as GEOS reads it and
declines (``None``: geopandas' route runs) otherwise:

* a row is missing (null), or is exactly 21 bytes: a byte-order byte (``1`` little-endian,
  ``0`` big-endian), the geometry type as a ``uint32`` in that order equal to 1 (a 2D
  point: ISO ``1001``, EWKB flags and the like decline) and two ``float64`` in that order;
* both coordinates are finite (an empty point is written as two NaNs);
* a missing row holds no bytes (Arrow's usual layout).

:func:`parquet_points` applies it to a file whose ``geo`` metadata is the plain case: one
geometry column, the primary one, encoded as ``WKB``, with no covering and planar edges.
Its coordinate system is read as geopandas reads it: the metadata's ``crs`` (PROJJSON,
ids of datum ensemble members dropped; parsed once per distinct text), ``null`` or ``{}``
for none, ``OGC:CRS84`` when absent. :func:`plain_geometry` gives the plain case's column
and CRS whatever its geometries, for :func:`geo.readers.plain_parquet_frame`.
``tests/geo/test_wkb_points.py`` checks hand-written bytes; ``tests/geo/
test_point_columns.py`` imports GeoParquet files both ways.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyproj
import shapely

POINT_BYTES = 21
"""A 2D WKB point: byte order (1), geometry type (4), x and y (8 each)."""

_FIELDS = ((1, 5), (5, 13), (13, 21))
"""Byte ranges of the type, x and y in a WKB point."""


@dataclass(frozen=True)
class Points:
    """A column of 2D points as coordinates.

    Attributes
    ----------
    coords : numpy.ndarray
        ``(m, 2)`` float64 longitude/latitude (x/y) of the located rows, in row order.
    located : numpy.ndarray
        ``(n,)`` booleans, True for a row holding a point (False: missing).
    """

    coords: np.ndarray
    located: np.ndarray

    def shapes(self) -> np.ndarray:
        """Return the rows as shapely points (``None`` where missing).

        Examples
        --------
        >>> points = Points(np.array([[1.0, 2.0]]), np.array([False, True]))
        >>> [None if g is None else g.wkt for g in points.shapes()]
        [None, 'POINT (1 2)']
        """
        out = np.full(len(self.located), None, dtype=object)
        if len(self.coords):
            out[self.located] = shapely.points(self.coords)
        return out


def wkb_points(column: pa.Array | pa.ChunkedArray) -> Points | None:
    """Return the points of a WKB column, or ``None`` when a row is not a plain 2D point.

    Parameters
    ----------
    column : pyarrow.Array or pyarrow.ChunkedArray
        A ``binary`` or ``large_binary`` column of WKB.

    Returns
    -------
    Points or None
        The coordinates and which rows hold a point; ``None`` when any row is not
        missing nor a finite 2D point (see the module's rules).

    Examples
    --------
    >>> little = bytes([1, 1, 0, 0, 0]) + np.array([118.5, 32.25], "<f8").tobytes()
    >>> big = bytes([0, 0, 0, 0, 1]) + np.array([-1.0, 2.0], ">f8").tobytes()
    >>> points = wkb_points(pa.array([little, None, big], pa.binary()))
    >>> points.coords.tolist(), points.located.tolist()
    ([[118.5, 32.25], [-1.0, 2.0]], [True, False, True])
    >>> wkb_points(pa.array([shapely.Point(1, 2, 3).wkb])) is None
    True
    """
    if column.type not in (pa.binary(), pa.large_binary()):
        return None
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = []
    for chunk in chunks:
        records = _fixed_records(chunk)  # a view of the chunk's bytes
        if records is None:
            return None
        parts.append(records)
    located = np.concatenate(
        [~chunk.is_null().to_numpy(zero_copy_only=False) for chunk in chunks] or [[]]
    ).astype(bool, copy=False)
    coords = np.empty((int(located.sum()), 2), dtype=np.float64)
    start = 0
    for records in parts:  # a chunk at a time: no copy of the whole column's bytes
        decoded = _decoded(records)
        if decoded is None:
            return None
        coords[start : start + len(decoded)] = decoded
        start += len(decoded)
    return Points(coords, located)


def _fixed_records(array: pa.Array) -> np.ndarray | None:
    """Return the bytes of the present rows as ``(m, 21)``, or ``None`` if any differs."""
    if array.type not in (pa.binary(), pa.large_binary()):
        return None
    n = len(array)
    width = np.int64 if array.type == pa.large_binary() else np.int32
    _, offset_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=width)[array.offset : array.offset + n + 1]
    lengths = np.diff(offsets)
    present = ~array.is_null().to_numpy(zero_copy_only=False)
    if not np.array_equal(lengths, np.where(present, POINT_BYTES, 0)):
        return None
    if n == 0 or data_buffer is None:
        return np.empty((0, POINT_BYTES), dtype=np.uint8)
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(-1, POINT_BYTES)


def _decoded(records: np.ndarray) -> np.ndarray | None:
    """Return the x/y of ``(m, 21)`` WKB point records, or ``None`` unless all are 2D points."""
    order = records[:, 0]
    big = order == 0
    if not np.all(big | (order == 1)):
        return None
    little = records
    if big.any():  # big-endian fields reversed into little-endian ones
        little = records.copy()
        for start, end in _FIELDS:
            little[big, start:end] = records[big, start:end][:, ::-1]
    kinds = np.ascontiguousarray(little[:, 1:5]).view("<u4").ravel()
    coords = np.ascontiguousarray(little[:, 5:]).view("<f8")
    if not (np.all(kinds == 1) and np.isfinite(coords).all()):
        return None
    return coords.reshape(-1, 2)


def parquet_points(
    table: pa.Table,
) -> tuple[pd.DataFrame, str, Points, pyproj.CRS | None] | None:
    """Return a GeoParquet table's attributes, name, points and CRS, or ``None`` (declined).

    Parameters
    ----------
    table : pyarrow.Table
        The file as read by :func:`pyarrow.parquet.read_table`, with its schema metadata.

    Returns
    -------
    tuple or None
        The attributes as :meth:`pyarrow.Table.to_pandas` gives them (index reset), the
        geometry column's name, its :class:`Points` and the file's coordinate system;
        ``None`` unless the ``geo`` metadata is the plain case (see the module) and every
        row is a 2D point or missing.
    """
    plain = plain_geometry(table)
    if plain is None:
        return None
    name, crs = plain
    points = wkb_points(table.column(name))
    if points is None:
        return None
    attrs = table.drop_columns([name]).to_pandas().reset_index(drop=True)
    return attrs, name, points, crs


def plain_geometry(table: pa.Table) -> tuple[str, pyproj.CRS | None] | None:
    """Return the geometry column's name and CRS of a plain GeoParquet table, else ``None``.

    Parameters
    ----------
    table : pyarrow.Table
        The file as read by :func:`pyarrow.parquet.read_table`, with its schema metadata.

    Returns
    -------
    tuple or None
        The name of the one WKB geometry column and its coordinate system as geopandas
        reads it; ``None`` unless the ``geo`` metadata is the plain case (see the module),
        whatever the geometries.
    """
    column = _plain_column(table)
    if column is None:
        return None
    name, meta = column
    return name, _file_crs(meta)


def _plain_column(table: pa.Table) -> tuple[str, dict[str, Any]] | None:
    """Return the one WKB geometry column and its metadata, or ``None`` for any other case."""
    try:
        geo = json.loads((table.schema.metadata or {}).get(b"geo", b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(geo, dict) or not geo.get("version", geo.get("schema_version")):
        return None
    name, columns = geo.get("primary_column"), geo.get("columns")
    if not isinstance(name, str) or not isinstance(columns, dict) or list(columns) != [name]:
        return None
    meta = columns[name]
    names = table.column_names
    plain = (
        isinstance(meta, dict)
        and meta.get("encoding") == "WKB"
        and meta.get("edges", "planar") == "planar"
        and "covering" not in meta
        and isinstance(meta.get("crs"), dict | None)
    )
    if not plain or names.count(name) != 1 or len(set(names)) != len(names):
        return None
    if name != "geometry" and "geometry" in names:
        return None
    return name, meta


def _file_crs(meta: dict[str, Any]) -> pyproj.CRS | None:
    """Return the column's CRS as geopandas reads it (absent: ``OGC:CRS84``).

    Like geopandas, a ``null`` or empty (``{}``) CRS is none.
    """
    if "crs" not in meta:
        return pyproj.CRS.from_user_input("OGC:CRS84")
    crs = meta["crs"]
    if not crs:
        return None
    _drop_member_ids(crs)
    return _projjson_crs(json.dumps(crs))


@functools.lru_cache(maxsize=32)
def _projjson_crs(text: str) -> pyproj.CRS:
    """Return the CRS of a PROJJSON text, parsed once per distinct text.

    PROJ looks up each datum ensemble member whose id was dropped by its name in its
    database, some 30 ms for WGS 84, and a file's CRS is nearly always one of a few; a
    :class:`pyproj.CRS` is immutable (and rebuilt from its text in any other thread), so
    one object serves every file. The text is what :class:`pyproj.CRS` makes of the
    dictionary (``json.dumps``), so :attr:`pyproj.CRS.srs` is as if parsed afresh.

    Parameters
    ----------
    text : str
        PROJJSON, as :func:`json.dumps` writes the dictionary.

    Returns
    -------
    pyproj.CRS
        The coordinate system (a :class:`pyproj.exceptions.CRSError` is not kept).

    Examples
    --------
    >>> text = pyproj.CRS("EPSG:4326").to_json()
    >>> _projjson_crs(text) is _projjson_crs(text), _projjson_crs(text).to_epsg()
    (True, 4326)
    """
    return pyproj.CRS.from_user_input(json.loads(text))


def _drop_member_ids(projjson: dict[str, Any]) -> None:
    """Remove the ids of datum ensemble members, as geopandas does before reading PROJJSON."""
    for key, value in projjson.items():
        if isinstance(value, dict):
            _drop_member_ids(value)
        elif key == "members" and isinstance(value, list):
            for member in value:
                member.pop("id", None)


__all__ = ["POINT_BYTES", "Points", "parquet_points", "plain_geometry", "wkb_points"]

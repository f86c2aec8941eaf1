"""A dataset as one GeoPackage file: what can be stored, its content id, exact round trips.

The workspace (:mod:`geo.workspace`) keeps each dataset in one GeoPackage with the layers
:data:`LAYERS`. This module is the file side of it:

- :func:`checked_tables` refuses what the round trip could not keep exactly (fatal
  findings, missing canonical columns, columns of types GeoPackage cannot hold);
- :func:`dataset_id` / :func:`content_id`: the first :data:`ID_LENGTH` hex digits of the
  SHA-256 of the canonical content, so the same data always get the same id;
- :func:`write_file` writes every layer to a temporary file, makes it ``0600`` (its
  owner's only, :mod:`geo.files`), flushes it and renames it into place (a crash leaves
  the old file or none, never half a file); :func:`read_layer`
  gives every column back its saved dtype and order (:func:`layout`).
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyogrio
import shapely

from geo.arrow_text import iso_text
from geo.errors import WorkspaceError
from geo.files import PRIVATE_FILE, fsync_folder
from geo.importer import Dataset
from geo.schema import REQUIRED, require_columns

LAYERS: Final = ("beats", "households", "visits")
"""Layers of a dataset's GeoPackage, one per canonical table."""

ID_LENGTH: Final = 12
"""Hex digits of a dataset id."""

SCHEMA_VERSION: Final = 1
"""Version of the stored format (the workspace database's ``user_version`` too)."""

TMP_PREFIX: Final = ".tmp-"
"""Names of files being written; leftovers of a crash are swept when a workspace opens."""

_UTC_OFFSET: Final = "+00:00"
"""The offset ``isoformat`` writes after a UTC time (:func:`_iso` cuts it off naive times)."""


# --------------------------------------------------------------------- content and id


def dataset_id(dataset: Dataset) -> str:
    """Return the id :meth:`Workspace.save` gives ``dataset`` (without saving it).

    The id is the first 12 hex digits of SHA-256 of the canonical content: every table's
    column names, dtypes and values (geometry as WKB, times as ISO 8601 with offset) and
    the time zone; the label and the report are left out.

    Raises
    ------
    WorkspaceError
        When the dataset cannot be stored (fatal findings, columns of unknown types).
    """
    tables = checked_tables(dataset)
    layouts = {name: layout(table) for name, table in tables.items()}
    return content_id(tables, layouts, timezone=dataset.timezone)


def content_id(
    tables: dict[str, gpd.GeoDataFrame], layout: dict[str, Any], *, timezone: str
) -> str:
    """Return the id of checked ``tables`` with their ``layout`` (see :func:`dataset_id`)."""
    digest = hashlib.sha256()
    head = {"format": SCHEMA_VERSION, "timezone": timezone, "layout": layout}
    digest.update(json.dumps(head, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    for name in LAYERS:
        table = tables[name]
        for column in table.columns:
            tokens = _tokens(table[column])
            digest.update(b"\x1e" + name.encode() + b"\x1f" + str(column).encode("utf-8"))
            digest.update(json.dumps(tokens, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:ID_LENGTH]


def _tokens(values: pd.Series) -> builtins.list[Any]:
    """Return JSON-able values of one column, missing values as ``None``."""
    if isinstance(values, gpd.GeoSeries):
        wkb = shapely.to_wkb(np.asarray(values.to_numpy(), dtype=object), hex=True)
        return [None if w is None else str(w) for w in wkb]
    if _is_time(values):
        return _iso(values).tolist()
    cells = values.tolist()
    # a checked column's cells are text, numbers or missing (:func:`_check_storable`), where
    # pandas' missing values are :func:`_missing`'s: set them at once, not cell by cell
    for i in np.flatnonzero(values.isna().to_numpy()):
        cells[i] = None
    return cells


_TEXT_OR_MISSING: Final = frozenset({str, type(None), type(pd.NA), type(pd.NaT)})
"""Types whose every value is text or :func:`_missing` (``pd.NA`` and ``pd.NaT`` are alone)."""


def _missing(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and np.isnan(value))
    )


def _is_time(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
        values.dtype
    )


def _iso(values: pd.Series) -> pd.Series:
    """Return times as ISO 8601 text (with offset when tz-aware), missing as ``None``.

    The text ``Timestamp.isoformat()`` writes, made at once by :func:`iso_text` (formatting
    cell by cell took most of a save). Naive times are formatted as UTC, whose ``+00:00``
    is then cut off: ``isoformat`` writes the same wall clock without an offset.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2026-07-01 18:05:03.5", None]))
    >>> _iso(t).tolist(), _iso(t.dt.tz_localize("Asia/Shanghai")).tolist()
    (['2026-07-01T18:05:03.500000', None], ['2026-07-01T18:05:03.500000+08:00', None])
    """
    aware = isinstance(values.dtype, pd.DatetimeTZDtype)
    text = iso_text(values if aware else values.dt.tz_localize("UTC"))
    if not aware:
        text = pc.utf8_slice_codeunits(text, 0, -len(_UTC_OFFSET))
    cells = np.where(values.isna().to_numpy(), None, text.to_numpy(zero_copy_only=False))
    return pd.Series(cells, index=values.index, dtype=object, name=values.name)


# --------------------------------------------------------------------- checks and layout


def checked_tables(dataset: Dataset) -> dict[str, gpd.GeoDataFrame]:
    """Return the dataset's three tables with a fresh index, or raise when not storable."""
    if not dataset.report.ok:
        msg = (
            f"dataset {dataset.name!r} has {len(dataset.report.fatal)} fatal finding(s) and "
            "cannot be stored; fix the files and import them again"
        )
        raise WorkspaceError(msg)
    tables: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYERS:
        table = getattr(dataset, name)
        if not isinstance(table, gpd.GeoDataFrame):
            msg = f"dataset {dataset.name!r}: {name} must be a GeoDataFrame, not {type(table)}"
            raise WorkspaceError(msg)
        require_columns(
            table,
            [c for c in REQUIRED[name] if c != "geometry"],
            name=f"dataset {dataset.name!r}: the {name} table",
            advice="load the files through the importer",
            error=WorkspaceError,
        )
        if table.columns.has_duplicates or "fid" in table.columns:
            msg = (
                f"dataset {dataset.name!r}: the {name} table has repeated columns or one "
                "named 'fid' (reserved by GeoPackage); rename it"
            )
            raise WorkspaceError(msg)
        for column in table.columns:
            _check_storable(table[column], table=name, label=dataset.name)
        tables[name] = table.reset_index(drop=True)
    return tables


def _check_storable(values: pd.Series, *, table: str, label: str) -> None:
    """Raise unless the column's dtype is one the GeoPackage round trip keeps exactly."""
    dtype = values.dtype
    if isinstance(values, gpd.GeoSeries):
        return
    if pd.api.types.is_object_dtype(dtype):
        cells = values.tolist()
        if set(map(type, cells)) <= _TEXT_OR_MISSING:  # the usual column, told at once
            return
        odd = [v for v in cells if not (_missing(v) or isinstance(v, str))]
        if not odd:
            return
        problem = f"holds {type(odd[0]).__name__} values, not text"
    elif (
        isinstance(dtype, pd.StringDtype)
        or pd.api.types.is_integer_dtype(dtype)
        or pd.api.types.is_float_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
        or _is_time(values)
    ):
        return
    else:
        problem = f"has type {dtype}, which the workspace cannot store"
    msg = (
        f"dataset {label!r}: column {values.name!r} of the {table} table {problem}; load the "
        "files through the importer"
    )
    raise WorkspaceError(msg)


def layout(table: gpd.GeoDataFrame) -> dict[str, Any]:
    """Describe a table: column order, each column's dtype, geometry column name."""
    return {
        "columns": [[str(c), str(table[c].dtype)] for c in table.columns],
        "geometry": table.geometry.name,
        "crs": None if table.crs is None else table.crs.to_string(),
    }


# --------------------------------------------------------------------- GeoPackage I/O


def write_file(tables: dict[str, gpd.GeoDataFrame], final: Path) -> None:
    """Write all layers to a temporary ``0600`` file beside ``final``, flush it, rename it."""
    tmp = final.with_name(f"{TMP_PREFIX}{final.stem}-{secrets.token_hex(4)}.gpkg")
    try:
        for name in LAYERS:
            _write_layer(_storable(tables[name]), tmp, name)
        info = {str(layer) for layer, _ in pyogrio.list_layers(tmp)}
        if not set(LAYERS) <= info:
            msg = f"{tmp} lacks layer(s) {sorted(set(LAYERS) - info)} after writing"
            raise OSError(msg)
        os.chmod(tmp, PRIVATE_FILE)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final)
        fsync_folder(final.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _write_layer(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Write one layer into the GeoPackage at ``path`` (created on the first layer)."""
    pyogrio.write_dataframe(
        frame, path, layer=layer, driver="GPKG", geometry_type="Unknown", promote_to_multi=False
    )


def _storable(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the table with times as ISO text and nullable booleans as numbers."""
    out = table.copy()
    for column in out.columns:
        if column == out.geometry.name:
            continue
        values = out[column]
        if _is_time(values):
            out[column] = _iso(values)
        elif isinstance(values.dtype, pd.BooleanDtype):
            out[column] = values.astype("Float64").astype(float)
    return out


def read_layer(path: Path, layer: str, layout: dict[str, Any]) -> gpd.GeoDataFrame:
    """Read one layer and give every column back its saved dtype and order."""
    raw = pyogrio.read_dataframe(path, layer=layer)
    if not isinstance(raw, gpd.GeoDataFrame):
        raw = gpd.GeoDataFrame(raw, geometry=gpd.GeoSeries([None] * len(raw)))
    geometry_name = layout["geometry"]
    columns: dict[str, Any] = {}
    for name, dtype in layout["columns"]:
        if name == geometry_name:
            continue
        if name not in raw.columns:
            msg = f"{path}: layer {layer} lacks column {name!r}"
            raise OSError(msg)
        columns[name] = _restore(raw[name], dtype)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(raw)))
    geometry = gpd.GeoSeries(raw.geometry.to_numpy(), index=frame.index, crs=layout["crs"])
    out = gpd.GeoDataFrame(frame, geometry=geometry.rename(geometry_name), crs=layout["crs"])
    return out[[name for name, _ in layout["columns"]]]


def _restore(values: pd.Series, dtype: str) -> pd.Series:
    """Convert one read-back column to its saved dtype."""
    if dtype.startswith("datetime64"):
        target = pd.api.types.pandas_dtype(dtype)
        text = values.astype(object).where(values.notna(), None)
        if isinstance(target, pd.DatetimeTZDtype):
            parsed = pd.to_datetime(text, utc=True, format="ISO8601").dt.tz_convert(target.tz)
        else:
            parsed = pd.to_datetime(text, format="ISO8601")
        return parsed.astype(target)
    if dtype == "object":
        as_object = values.astype(object)
        return as_object.where(values.notna(), None)
    return values.astype(dtype)

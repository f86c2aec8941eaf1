"""An analysis kept in the workspace: its key, and its tables as Parquet and back.

The app computes an analysis once per (dataset, street file, window, settings, decisions,
code) and stores it (:class:`geo.results.ResultStore`); opening the app, switching pages
and restarting the server then read the result instead of computing it again.

Format of one stored result (the parts of :meth:`ResultStore.write`):

* ``<table>.parquet`` for each table of :class:`~analysis.pipeline.Analysis` (``blocks``
  as GeoParquet);
* ``meta.json``: the format number, the window, the topology findings and each column's
  exact pandas dtype, restored on reading (Parquet alone would give Arrow-backed strings
  where the analysis holds Python objects, or milliseconds where it holds seconds).

Reading a result gives the very tables the analysis returned (tests compare them cell by
cell and dtype by dtype). Parquet holds data only, never code, so a stored file cannot run
anything when it is read.

The key (:func:`result_key`) is a SHA-256 of everything the result depends on: the
dataset's id (a hash of its content), the street file's SHA-256, the window, every
setting, the decisions, and a fingerprint of the code (the source of ``geo`` and
``analysis`` and the versions of the libraries that compute), so a new beatcov never reads
an old result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.pipeline import Analysis
from geo.errors import Finding, ValidationReport
from geo.results import ResultStore
from geo.settings import Settings

FORMAT: Final = 1
"""Version of the stored layout (part of every key)."""

TABLES: Final = ("blocks", "households", "visits", "beats", "stations", "officers", "trend")
"""The tables of an :class:`Analysis`, each stored as ``<name>.parquet``."""

LIBRARIES: Final = ("geopandas", "networkx", "numpy", "osmnx", "pandas", "pyproj", "shapely")
"""Libraries whose versions enter the code fingerprint."""

_PACKAGES: Final = ("geo", "analysis")
_ROOT: Final = Path(__file__).resolve().parents[1]


def result_key(
    *,
    dataset_id: str,
    streets: str,
    window: tuple[dt.date, dt.date],
    settings: Settings,
    reviews: Sequence[tuple[str, str]],
) -> str:
    """Return the key of an analysis result: 32 hex digits naming all it depends on.

    Parameters
    ----------
    dataset_id : str
        The dataset's id (a hash of its content).
    streets : str
        The SHA-256 of the street file used (:func:`file_digest`).
    window : (date, date)
        First and last day of the window.
    settings : Settings
        Every setting of the run.
    reviews : sequence of (visit_id, decision)
        The decisions the run applies, sorted.

    Examples
    --------
    >>> from geo.settings import DEFAULTS
    >>> day = dt.date(2026, 7, 1)
    >>> one = result_key(dataset_id="d1", streets="s", window=(day, day),
    ...                  settings=DEFAULTS, reviews=())
    >>> len(one), one == result_key(dataset_id="d1", streets="s", window=(day, day),
    ...                             settings=DEFAULTS, reviews=[("V1", "dismissed")])
    (32, False)
    """
    described = {
        "format": FORMAT,
        "code": code_fingerprint(),
        "dataset": dataset_id,
        "streets": streets,
        "window": [window[0].isoformat(), window[1].isoformat()],
        "settings": dataclasses.asdict(settings),
        "reviews": [list(pair) for pair in reviews],
    }
    text = json.dumps(described, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@functools.cache
def code_fingerprint() -> str:
    """Return a SHA-256 of the code that computes an analysis (sources and libraries)."""
    digest = hashlib.sha256()
    for package in _PACKAGES:
        for path in sorted((_ROOT / package).rglob("*.py")):
            digest.update(str(path.relative_to(_ROOT)).encode())
            digest.update(path.read_bytes())
    for name in LIBRARIES:
        digest.update(f"{name}={metadata.version(name)}".encode())
    return digest.hexdigest()


def file_digest(path: str | Path) -> str:
    """Return the SHA-256 of a file (remembered per path, size and modification time)."""
    stat = Path(path).stat()
    return _digest(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(functools.partial(handle.read, 1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- to and from parts


def analysis_parts(result: Analysis) -> dict[str, bytes]:
    """Return an analysis as named parts: one Parquet file per table and ``meta.json``."""
    parts: dict[str, bytes] = {}
    dtypes: dict[str, dict[str, Any]] = {}
    for name in TABLES:
        table = getattr(result, name)
        buffer = io.BytesIO()
        table.to_parquet(buffer)
        parts[f"{name}.parquet"] = buffer.getvalue()
        dtypes[name] = {str(column): _dtype_text(table[column]) for column in table.columns}
    meta = {
        "format": FORMAT,
        "window": [_when(value) for value in result.window],
        "findings": [_finding(f) for f in result.topology.findings],
        "dtypes": dtypes,
    }
    parts["meta.json"] = json.dumps(meta, ensure_ascii=False).encode()
    return parts


def analysis_from_parts(parts: Mapping[str, bytes]) -> Analysis:
    """Return the analysis stored as ``parts`` (see :func:`analysis_parts`).

    Raises
    ------
    ValueError
        When the parts are not a stored analysis of this format.
    """
    try:
        meta = json.loads(parts["meta.json"])
    except (KeyError, json.JSONDecodeError) as exc:
        msg = "the stored result has no readable meta.json"
        raise ValueError(msg) from exc
    if meta.get("format") != FORMAT:
        msg = f"the stored result has format {meta.get('format')!r}, not {FORMAT}"
        raise ValueError(msg)
    tables: dict[str, Any] = {}
    for name in TABLES:
        data = io.BytesIO(parts[f"{name}.parquet"])
        table = gpd.read_parquet(data) if name == "blocks" else pd.read_parquet(data)
        tables[name] = _restore(table, meta["dtypes"][name])
    findings = [Finding(**values) for values in meta["findings"]]
    start, end = (_from_when(value) for value in meta["window"])
    return Analysis(**tables, topology=ValidationReport(findings), window=(start, end))


def read_analysis(store: ResultStore, dataset_id: str, key: str) -> Analysis | None:
    """Return a stored analysis, or ``None`` when there is none (or it cannot be read)."""
    parts = store.read(dataset_id, key)
    if parts is None:
        return None
    try:
        return analysis_from_parts(parts)
    except (ValueError, KeyError, TypeError, OSError):
        return None  # a damaged or foreign result is computed again


def write_analysis(store: ResultStore, dataset_id: str, key: str, result: Analysis) -> Path:
    """Store an analysis under its key; return the file."""
    return store.write(dataset_id, key, analysis_parts(result))


# --------------------------------------------------------------------------- details


def _dtype_text(column: pd.Series) -> dict[str, Any]:
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return {
            "dtype": "category",
            "categories": dtype.categories.tolist(),
            "ordered": bool(dtype.ordered),
        }
    if pd.api.types.is_object_dtype(dtype):
        # missing values come back as None; remember where they were NaN instead
        values = column.to_numpy()
        missing = np.flatnonzero(pd.isna(values))
        nan = [int(i) for i in missing if isinstance(values[i], float)]
        return {"dtype": "object", "nan_rows": nan}
    return {"dtype": str(dtype)}


def _restore(table: pd.DataFrame, dtypes: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    for column, spec in dtypes.items():
        if spec["dtype"] == "geometry":
            continue
        if spec["dtype"] == "category":
            wanted: Any = pd.CategoricalDtype(spec["categories"], ordered=spec["ordered"])
        elif spec["dtype"] == "object":
            values = table[column].astype(object).to_numpy(copy=True)
            values[pd.isna(values)] = None
            values[spec["nan_rows"]] = np.nan
            table[column] = pd.Series(values, index=table.index, dtype=object)
            continue
        else:
            wanted = spec["dtype"]
        if str(table[column].dtype) != str(wanted):
            table[column] = table[column].astype(wanted)
    return table


def _when(value: Any) -> dict[str, str]:
    if isinstance(value, pd.Timestamp):
        return {"kind": "timestamp", "value": value.isoformat()}
    if isinstance(value, dt.datetime):
        return {"kind": "datetime", "value": value.isoformat()}
    if isinstance(value, dt.date):
        return {"kind": "date", "value": value.isoformat()}
    return {"kind": "text", "value": str(value)}


def _from_when(value: Mapping[str, str]) -> Any:
    kind, text = value["kind"], value["value"]
    if kind == "timestamp":
        return pd.Timestamp(text)
    if kind == "datetime":
        return dt.datetime.fromisoformat(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    return text


def _finding(finding: Finding) -> dict[str, Any]:
    values = dataclasses.asdict(finding)
    json.dumps(values)  # a finding whose values are not plain data fails here, not on reading
    return values

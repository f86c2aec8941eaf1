"""Map geometry written once into files the app serves, so a map's rerun sends only colours.

A map of a city's 5,000 blocks carried its shapes inside the map's script (about 4 MB),
and every rerun that changed the map (a filter on Gaps, another beat on My beat) sent them
all again. The shapes of a dataset do not change with a rerun: they are written here once,
as a GeoJSON file the app serves itself (:func:`app._streamlit_compat.serve_folder`, on
the app's own address: offline), and the map's script fetches the file
(:mod:`app.served_layers`) while its arguments carry only what changes: a style table of
colours and tooltip texts by id.

The rules:

- **Content.** A compact GeoJSON ``FeatureCollection``; a feature's only property is its id
  (``{"block_id": "B01-3"}``), so a click returns what it returned before; coordinates are
  rounded to ``map_coordinate_decimals`` (5: about a metre, as the shapes are simplified to
  1 m). Features keep the order they are given in.
- **Name.** ``<HMAC-SHA256 of the content under a random key of this server process,
  first 32 hex digits>.json``. The same content has the same name for as long as the
  server runs, so a browser fetches each file once and keeps it (the app's headers mark
  these files immutable, :mod:`app.headers`); a name cannot be worked out from the data.
- **Access.** Streamlit serves a registered folder's files to any request, without the
  session's login, as it serves the media of ``st.download_button`` by an unguessable id.
  So a file's name is its key: only a session that was sent a map learns the names of that
  map's files, and each file holds only what that session may see. The blocks' file of a
  map holds the blocks of the page's scope (an officer's: the blocks of their beat, never
  another beat's; a chief's: every block), the same for every rerun of that scope whatever
  the page's filters; the streets' file holds the dataset's streets, which every map of the
  dataset draws already (OpenStreetMap data, shown to every user). The server listens on
  loopback unless an agency configures otherwise (README, "Security").
- **Place and lifetime.** A private folder (``0700``) in the system's temporary folder, made
  on first use and removed when the process exits; files are never changed after they are
  written (written to a temporary name, then renamed), and not deleted while the server
  runs, because a cached map (:mod:`app.page_cache`) may still name them: one file per
  dataset's streets and per scope's blocks.
"""

from __future__ import annotations

import atexit
import collections
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely

from app.assets import base_path
from geo.projection import to_wgs84
from geo.settings import Settings, resolve

__all__ = [
    "FOLDER_NAME",
    "feature_collection",
    "fetched_files",
    "file_name",
    "geometry_url",
    "lines_url",
]

FOLDER_NAME: Final = "beatcov_maps"
"""Name under which the folder of map files is served (:func:`serve_folder`)."""

MEMO_ENTRIES: Final = 64
"""Most (shapes, ids) -> URL answers remembered, so a map rebuilt does not serialise again."""

_NAME = re.compile(rf"{re.escape(FOLDER_NAME)}/([0-9a-f]{{32}}\.json)")
_LOCK: Final = threading.Lock()
_MEMO: collections.OrderedDict[tuple[int, Hashable], tuple[weakref.ref[Any], str]] = (
    collections.OrderedDict()
)


@functools.cache
def _key() -> bytes:
    return secrets.token_bytes(32)


@functools.cache
def folder() -> Path:
    """Return this process's folder of map files (made on first call, removed at exit)."""
    made = Path(tempfile.mkdtemp(prefix="beatcov-maps-"))  # mode 0700
    atexit.register(shutil.rmtree, made, ignore_errors=True)
    return made


def feature_collection(
    geometries: Sequence[Any] | np.ndarray,
    ids: Sequence[str] | None,
    *,
    id_column: str | None,
    decimals: int,
) -> bytes:
    """Return the GeoJSON of ``geometries`` with coordinates rounded, as compact UTF-8.

    Parameters
    ----------
    geometries : sequence of shapely geometries
        WGS84 longitude/latitude; missing or empty ones are left out.
    ids : sequence of str, optional
        One id per geometry, stored as the feature's only property, ``id_column``.
    id_column : str, optional
        The property's name (required with ``ids``).
    decimals : int
        Decimal places kept.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> feature_collection([box(0, 0, 1.234567, 1)], ["a"], id_column="block_id", decimals=2)
    ... # doctest: +NORMALIZE_WHITESPACE
    b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"block_id":"a"},"geometry":{"type":"Polygon","coordinates":[[[1.23,0.0],[1.23,1.0],[0.0,1.0],[0.0,0.0],[1.23,0.0]]]}}]}'
    """
    values = np.asarray(geometries, dtype=object)
    keep = ~(shapely.is_missing(values) | shapely.is_empty(values))
    rounded = shapely.transform(values[keep], lambda xy: np.round(xy, decimals))
    texts = shapely.to_geojson(rounded)
    if ids is None:
        props = ["{}"] * len(texts)
    else:
        if id_column is None:
            msg = "feature_collection: ids given without id_column"
            raise ValueError(msg)
        kept = np.asarray(list(ids), dtype=object)[keep]
        props = [json.dumps({id_column: str(i)}, separators=(",", ":")) for i in kept]
    features = ",".join(
        f'{{"type":"Feature","properties":{p},"geometry":{g}}}'
        for p, g in zip(props, texts, strict=True)
    )
    return f'{{"type":"FeatureCollection","features":[{features}]}}'.encode()


def file_name(content: bytes) -> str:
    """Return the name of a map file: a keyed hash of its content (see the module's rules).

    Examples
    --------
    >>> name = file_name(b"{}")
    >>> len(name), name.endswith(".json"), name == file_name(b"{}"), name == file_name(b"[]")
    (37, True, True, False)
    """
    return hmac.new(_key(), content, hashlib.sha256).hexdigest()[:32] + ".json"


def publish(content: bytes) -> str:
    """Write ``content`` into the served folder (once) and return its URL path."""
    from app._streamlit_compat import serve_folder

    where = folder()
    name = file_name(content)
    target = where / name
    if not target.exists():
        fd, temporary = tempfile.mkstemp(dir=where, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    return f"{base_path()}{serve_folder(FOLDER_NAME, where)}/{name}"


def geometry_url(
    shapes: gpd.GeoSeries,
    ids: Iterable[str] | None = None,
    *,
    id_column: str,
    settings: Settings | None = None,
) -> str:
    """Return the URL of the file of ``shapes`` (only those of ``ids``), writing it once.

    Parameters
    ----------
    shapes : GeoSeries
        WGS84 shapes indexed by id (e.g. :attr:`app.state.MapShapes.blocks`).
    ids : iterable of str, optional
        The ids to keep, in this order (ids without a shape are skipped); default all.
    id_column : str
        The property naming each feature's id (what a click returns).
    settings : Settings, optional
        Uses ``map_coordinate_decimals``.

    Returns
    -------
    str
        The file's URL path on the app's server (the same for the same content).

    The answer is remembered per ``shapes`` object and ``ids`` (:data:`MEMO_ENTRIES`).
    """
    decimals = resolve(settings).map_coordinate_decimals
    chosen = None if ids is None else tuple(str(i) for i in ids)

    def content() -> bytes:
        picked = shapes
        if chosen is not None:
            picked = shapes[shapes.index.astype(str).isin(chosen)]
            order = {b: i for i, b in enumerate(chosen)}
            picked = picked.iloc[np.argsort([order[str(b)] for b in picked.index], kind="stable")]
        keys = [str(i) for i in picked.index]
        picked = to_wgs84(picked)
        return feature_collection(picked.to_numpy(), keys, id_column=id_column, decimals=decimals)

    return _remembered(shapes, (chosen, id_column, decimals), content)


def lines_url(lines: gpd.GeoSeries, *, settings: Settings | None = None) -> str:
    """Return the URL of the file of ``lines`` as one MultiLineString feature (streets).

    Each line is kept once whichever way it was digitised (:func:`app.maps.unique_lines`);
    remembered per ``lines`` object as :func:`geometry_url`.
    """
    decimals = resolve(settings).map_coordinate_decimals

    def content() -> bytes:
        from app.maps import unique_lines

        kept = unique_lines(to_wgs84(lines))
        merged = [shapely.multilinestrings(list(kept))] if len(kept) else []
        return feature_collection(merged, None, id_column=None, decimals=decimals)

    return _remembered(lines, ("lines", decimals), content)


def _remembered(shapes: Any, params: Hashable, content: Callable[[], bytes]) -> str:
    """Return the URL of ``content()``, published once per (``shapes`` object, ``params``)."""
    memo_key = (id(shapes), params)
    with _LOCK:
        found = _MEMO.get(memo_key)
        if found is not None and found[0]() is shapes:  # not another object at the same id
            _MEMO.move_to_end(memo_key)
            return found[1]
    url = publish(content())
    with _LOCK:
        _MEMO[memo_key] = (weakref.ref(shapes), url)  # does not keep the shapes alive
        while len(_MEMO) > MEMO_ENTRIES:
            _MEMO.popitem(last=False)
    return url


def fetched_files(script: str) -> list[Path]:
    """Return the map files a map's script names, in order (those this process wrote)."""
    names = dict.fromkeys(_NAME.findall(script))
    return [folder() / n for n in names if (folder() / n).is_file()]

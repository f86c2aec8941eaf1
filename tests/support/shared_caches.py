"""Prove that no page changes what the app's shared caches hand out.

Streamlit hands one cached object to every session (``app.state.shared_cache``), so a page
that changed a cached frame in place would change it for every user. The fixture
:func:`caches_unchanged` fingerprints every frame and graph the first time a shared cache
hands it out in this process, and again once the module's last test has run: any
difference from the first fingerprint fails the module (reported as an error of its last
test) with the object's type, shape and columns. A change made in place stays, so the one
check at the end sees a change made by any of the module's page runs; checking after every
test instead fingerprinted the same frames again and again (11 CPU-s over the suite).

Use it in a module that runs pages::

    from tests.support.shared_caches import caches_unchanged  # noqa: F401 (autouse)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely

from app import state
from geo.arrow_text import arrow_array

_FIRST_SEEN: dict[int, tuple[Any, str]] = {}
"""id -> (object, fingerprint when a shared cache first handed it out in this process).

The objects are held here, so an id is never reused by another object while it is known.
"""


def fingerprint(obj: Any) -> str:
    """Return a digest of a frame's, series' or graph's whole content, index and dtypes.

    SHA-1, not SHA-256: the digest looks for a page's accidental change, not an attacker's
    collision, and hashing the bytes was most of the fingerprint's time (SHA-1 is several
    times faster here).

    A frame is read column by column from its arrays (pandas' private
    ``DataFrame._get_column_array``, which ``items()`` itself uses), not through ``items()``:
    building a Series per column was most of a small frame's time, and the pages hand out
    hundreds of small frames (test_pages: 0.5 instead of 1.4 ms a small frame).
    """
    digest = hashlib.sha1(usedforsecurity=False)
    if isinstance(obj, nx.Graph):
        digest.update(repr(sorted(obj.graph.items(), key=str)).encode())
        digest.update(repr(list(obj.nodes(data=True))).encode())
        digest.update(repr(list(obj.edges(data=True))).encode())
        return digest.hexdigest()
    frame = obj.to_frame() if isinstance(obj, pd.Series) else obj
    # the names as a list: iterating a text Index goes through Arrow value by value
    names = [str(c) for c in frame.columns.tolist()]
    types = [str(d) for d in frame.dtypes.tolist()]
    digest.update(repr(list(zip(names, types, strict=True))).encode())
    _add_index(digest, frame.index)
    for i in range(frame.shape[1]):
        _add_column(digest, frame._get_column_array(i))
    return digest.hexdigest()


def _add_index(digest: Any, index: pd.Index) -> None:
    """Add an index's values to ``digest`` (a RangeIndex by its start, stop and step)."""
    if type(index) is pd.RangeIndex:
        digest.update(repr(("range", index.start, index.stop, index.step)).encode())
        return
    digest.update(pd.util.hash_pandas_object(index, index=False).to_numpy().tobytes())


def _add_column(digest: Any, values: Any) -> None:
    """Add one column's values (its array) to ``digest``, by the cheapest exact route."""
    dtype = values.dtype
    if isinstance(dtype, gpd.array.GeometryDtype):
        # shapely geometries cannot change in place: a changed cell is a new geometry, with
        # other coordinates, type or parts
        shapes = np.asarray(values)
        for part in (
            shapely.get_type_id(shapes),
            shapely.get_num_geometries(shapes),
            shapely.get_num_interior_rings(shapes),
            shapely.get_num_coordinates(shapes),
            shapely.get_coordinates(shapes, include_z=True),
        ):
            digest.update(np.ascontiguousarray(part).tobytes())
        return
    if isinstance(values, np.ndarray) and dtype.kind != "O":
        digest.update(np.ascontiguousarray(values).tobytes())
        return
    if isinstance(dtype, pd.DatetimeTZDtype):
        # the instants as integers (the zone and unit are in the dtype, digested with it)
        digest.update(np.ascontiguousarray(values.asi8).tobytes())
        return
    if isinstance(dtype, pd.CategoricalDtype):
        digest.update(repr(list(dtype.categories)).encode())
        digest.update(np.asarray(values.codes).tobytes())
        return
    text = _text(values)
    if text is not None:
        # a text column by its exact content: the characters, where each value ends, nulls
        buffers = text.buffers()
        width = np.int64 if pa.types.is_large_string(text.type) else np.int32
        ends = np.frombuffer(buffers[1], dtype=width)[text.offset : text.offset + len(text) + 1]
        digest.update(str(text.type).encode())
        digest.update((ends - ends[0]).tobytes())
        if buffers[2] is not None:
            digest.update(memoryview(buffers[2])[int(ends[0]) : int(ends[-1])])
        digest.update(text.is_null().to_numpy(zero_copy_only=False).tobytes())
        return
    column = pd.Series(values, dtype=values.dtype, copy=False)
    try:
        hashed = pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes()
    except TypeError:  # unhashable cells (lists)
        hashed = repr(column.tolist()).encode()
    digest.update(hashed)


def _text(values: Any) -> pa.Array | None:
    """Return a column's array as one Arrow string array, ``None`` unless every cell is text.

    An Arrow-backed column hands over its own array; an object column is converted
    (``NaN`` and ``None`` become null), as :func:`geo.arrow_text.arrow_text` does.
    """
    array = arrow_array(values)
    if array is None or not (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    ):
        return None
    return array


def describe(obj: Any) -> str:
    """Return a short description of a cached object for a failure message."""
    if isinstance(obj, nx.Graph):
        return f"graph of {len(obj)} nodes"
    columns = list(obj.columns) if isinstance(obj, pd.DataFrame) else [obj.name]
    return f"{type(obj).__name__} {obj.shape} with columns {columns[:8]}"


@pytest.fixture(scope="module", autouse=True)
def caches_unchanged() -> Iterator[None]:
    """Fail the module if a page changed any frame or graph a shared cache handed out."""
    handed: dict[int, Any] = {}

    def remember(part: Any) -> None:
        if id(part) not in _FIRST_SEEN:
            _FIRST_SEEN[id(part)] = (part, fingerprint(part))
        handed[id(part)] = part

    state.HANDOUT_HOOKS.append(remember)
    try:
        yield
    finally:
        state.HANDOUT_HOOKS.remove(remember)
    changed = [
        describe(obj) for key, obj in handed.items() if fingerprint(obj) != _FIRST_SEEN[key][1]
    ]
    assert not changed, (
        f"a page run by this module's tests changed cached objects shared by every session: "
        f"{changed}"
    )

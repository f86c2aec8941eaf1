"""Prove that no page changes what the app's shared caches hand out.

Streamlit hands one cached object to every session (``app.state.shared_cache``), so a page
that changed a cached frame in place would change it for every user. The fixture
:func:`caches_unchanged` fingerprints every frame and graph when a shared cache first
hands it out during a test, and again when the test ends; any difference fails the test
with the object's type, shape and columns.

Use it in a module that runs pages::

    from tests.support.shared_caches import caches_unchanged  # noqa: F401 (autouse)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
import shapely

from app import state


def fingerprint(obj: Any) -> str:
    """Return a digest of a frame's, series' or graph's whole content, index and dtypes."""
    digest = hashlib.sha256()
    if isinstance(obj, nx.Graph):
        digest.update(repr(sorted(obj.graph.items(), key=str)).encode())
        digest.update(repr(list(obj.nodes(data=True))).encode())
        digest.update(repr(list(obj.edges(data=True))).encode())
        return digest.hexdigest()
    frame = obj.to_frame() if isinstance(obj, pd.Series) else obj
    digest.update(repr([(str(c), str(frame[c].dtype)) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame.index, index=False).to_numpy().tobytes())
    for column in frame.columns:
        values = frame[column]
        if isinstance(values, gpd.GeoSeries):
            digest.update(repr(shapely.to_wkb(values.to_numpy()).tolist()).encode())
            continue
        try:
            hashed = pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes()
        except TypeError:  # unhashable cells (lists)
            hashed = repr(values.tolist()).encode()
        digest.update(hashed)
    return digest.hexdigest()


def describe(obj: Any) -> str:
    """Return a short description of a cached object for a failure message."""
    if isinstance(obj, nx.Graph):
        return f"graph of {len(obj)} nodes"
    columns = list(obj.columns) if isinstance(obj, pd.DataFrame) else [obj.name]
    return f"{type(obj).__name__} {obj.shape} with columns {columns[:8]}"


@pytest.fixture(autouse=True)
def caches_unchanged() -> Iterator[None]:
    """Fail the test if a page changed any frame or graph a shared cache handed out."""
    seen: dict[int, tuple[Any, str]] = {}

    def remember(part: Any) -> None:
        if id(part) not in seen:
            seen[id(part)] = (part, fingerprint(part))

    state.HANDOUT_HOOKS.append(remember)
    try:
        yield
    finally:
        state.HANDOUT_HOOKS.remove(remember)
    changed = [describe(obj) for obj, before in seen.values() if fingerprint(obj) != before]
    assert not changed, f"a page changed cached objects shared by every session: {changed}"

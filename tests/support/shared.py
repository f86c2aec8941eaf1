"""Keep objects shared between tests unchanged.

The demo, its street graphs and its analysis are built once per test process
(``tests/conftest.py``) and handed to every test that asks. A test that changed one would
make later tests pass or fail by the order they happen to run in, so :class:`Pristine`
keeps a copy of each frame and graph when the object is built, and :meth:`Pristine.check`
compares them when the session ends: a change fails the run, naming the object and field.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import networkx as nx
import pandas as pd
from geopandas import GeoDataFrame
from geopandas.testing import assert_geodataframe_equal


def _parts(value: Any) -> dict[str, Any]:
    """The frames and graphs of ``value``: itself, or the fields of a dataclass."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    else:
        fields = {"": value}
    return {k: v for k, v in fields.items() if isinstance(v, pd.DataFrame | nx.Graph)}


class Pristine:
    """A deep copy of the frames and graphs of a shared object, to check it against later.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1, 2]})
    >>> kept = Pristine("numbers", frame)
    >>> kept.check()
    >>> frame["b"] = 3
    >>> kept.check()
    Traceback (most recent call last):
    ...
    AssertionError: a test changed the shared numbers: copy it before changing it
    """

    def __init__(self, name: str, value: Any) -> None:
        self.name = name
        self.value = value
        self.copies = {k: v.copy() for k, v in _parts(value).items()}
        assert self.copies, f"{name} holds no frame or graph to keep"

    def check(self) -> None:
        """Raise ``AssertionError`` if any frame or graph differs from its copy."""
        now = _parts(self.value)
        for key, kept in self.copies.items():
            label = f"{self.name}.{key}" if key else self.name
            try:
                if isinstance(kept, nx.Graph):
                    assert nx.utils.graphs_equal(now[key], kept)
                elif isinstance(kept, GeoDataFrame):
                    assert_geodataframe_equal(now[key], kept)
                else:
                    pd.testing.assert_frame_equal(now[key], kept)
            except AssertionError:
                msg = f"a test changed the shared {label}: copy it before changing it"
                raise AssertionError(msg) from None

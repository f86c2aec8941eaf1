"""The one module that touches folium/branca internals and mirrors streamlit-folium's.

:func:`app.maps.external_links` must list every link streamlit-folium makes the browser
load for a map, so that a test can prove a map is offline. streamlit-folium collects the
scripts and stylesheets of a map by walking folium's element tree (a function inside
``st_folium``); :func:`linked_elements` is that walk. It needs the children of each
element, which branca keeps in the private ``Element._children``; no public API lists
them (``Element.to_dict`` gives names and ids, not the elements).

:func:`linked_elements` checks on first use that the installed streamlit-folium (whose walk
it mirrors), folium and branca (whose tree it reads) lie in :data:`SUPPORTED` (see
:mod:`geo.dependencies`). ``tests/app/test_folium_compat.py`` holds it to streamlit-folium's
public behaviour: the links it yields are the links ``st_folium`` sends to the browser.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, Final

import branca.colormap
import folium.elements
import folium.plugins

from geo.dependencies import Supported

__all__ = ["SUPPORTED", "children", "linked_elements"]

SUPPORTED: Final = (
    Supported("streamlit-folium", at_least="0.27", below="0.28", module="app/_folium_compat.py"),
    Supported("folium", at_least="0.20", below="0.21", module="app/_folium_compat.py"),
    Supported("branca", at_least="0.8", below="0.9", module="app/_folium_compat.py"),
)
"""The versions this walk was tested with (pinned: 0.27.4, 0.20.0 and 0.8.2)."""


@functools.cache
def _checked() -> None:
    for supported in SUPPORTED:
        supported.check()


def children(element: Any) -> list[Any]:
    """Return the child elements of a folium/branca element, in order (none for others).

    Raises
    ------
    DependencyError
        If an installed version is outside :data:`SUPPORTED`.

    Examples
    --------
    >>> import folium
    >>> m = folium.Map(tiles=None)
    >>> marker = folium.Marker([0, 0]).add_to(m)
    >>> children(m) == [marker]
    True
    """
    _checked()
    return list(getattr(element, "_children", {}).values())


def linked_elements(element: Any) -> Iterator[Any]:
    """Yield the elements of a map whose links streamlit-folium loads, as it walks them.

    These are colour maps (for which streamlit-folium adds d3), the two maps of a
    ``DualMap`` and every element with ``default_js``/``default_css`` (folium's
    ``JSCSSMixin``), the map itself included, depth first.

    Parameters
    ----------
    element : folium.Map or branca element
        Where the walk starts.

    Yields
    ------
    branca element
        Each colour map and each ``JSCSSMixin`` element, in streamlit-folium's order.

    Raises
    ------
    DependencyError
        If an installed version is outside :data:`SUPPORTED`.
    """
    if isinstance(element, branca.colormap.ColorMap):
        yield element
    if isinstance(element, folium.plugins.DualMap):
        yield from linked_elements(element.m1)
        yield from linked_elements(element.m2)
    if isinstance(element, folium.elements.JSCSSMixin):
        yield element
    for child in children(element):
        yield from linked_elements(child)

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

:func:`prepare` and :func:`show` split ``st_folium`` in two, so that a page can cache a map
ready to send: :func:`prepare` does what ``st_folium`` does before it calls the component
(renders the map, cuts its HTML, header and script, collects its links, makes the
component's key: most of a page run's CPU for a big map), :func:`show` calls the component
with those arguments as ``st_folium`` does. They use streamlit-folium's private helpers and
its component; the contract test holds ``show(prepare(m))`` to send exactly what
``st_folium(m)`` sends.

:func:`prepare` also spares branca a needless compile (:func:`plain_text_template`). When a
folium element renders, branca wraps each piece of HTML and script it rendered in a new
``Element``, whose constructor compiles that finished text as a Jinja template again (most
of a map's rendering time), only to print it back. Text without Jinja syntax renders as
itself, less one final line break; such text gets one template, compiled once, that prints
the element's text just so. ``tests/app/test_folium_compat.py`` holds each text of the
app's maps to render as Jinja renders it.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

import branca.colormap
import branca.element
import folium
import folium.elements
import folium.plugins
import jinja2
import streamlit as st

from geo.dependencies import Supported

__all__ = [
    "AS_ITSELF",
    "JINJA_MARKS",
    "SUPPORTED",
    "MapArgs",
    "children",
    "linked_elements",
    "plain_text_template",
    "prepare",
    "show",
]

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


# ------------------------------------------------------------------ branca's text elements

JINJA_MARKS: Final = ("{{", "{%", "{#")
"""Where Jinja's syntax starts (its default delimiters; line statements are off)."""

AS_ITSELF: Final = jinja2.Template(
    "{{ this._template_str[:-1] if this._template_str.endswith('\\n') else this._template_str }}"
)
"""Prints an ``Element``'s own text as Jinja renders text without syntax: less a final ``\\n``.

(Jinja's default ``keep_trailing_newline=False`` drops one; nothing else changes in text
without ``\\r``, whose line breaks Jinja would rewrite.)
"""


def plain_text_template(source: Any) -> jinja2.Template:
    r"""Return the template branca's ``Element(source)`` needs, compiling only real templates.

    Text without Jinja syntax (:data:`JINJA_MARKS`) and without ``\r`` shares one
    template that prints the element's own text (its ``_template_str``) as Jinja would;
    anything else is compiled as before.

    Examples
    --------
    >>> element = branca.element.Element("<b>map</b>\n")
    >>> element.render(), AS_ITSELF.render(this=element)
    ('<b>map</b>', '<b>map</b>')
    >>> [plain_text_template(s) is AS_ITSELF for s in ("<b>map</b>", "{{ this.get_name() }}")]
    [True, False]
    """
    plain = isinstance(source, str) and "\r" not in source
    if plain and not any(mark in source for mark in JINJA_MARKS):
        return AS_ITSELF
    return jinja2.Template(source)


@functools.cache
def _text_elements_uncompiled() -> None:
    """Let branca's ``Element`` take :func:`plain_text_template` (once, for the process).

    ``Element.__init__`` looks ``Template`` (jinja2's) up in its module when called. What
    renders changes only in speed, so a session rendering as it is set needs no lock.
    """
    _checked()
    branca.element.Template = plain_text_template  # type: ignore[misc,assignment]


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


# ------------------------------------------------------------------ st_folium in two steps


@dataclass(frozen=True)
class MapArgs:
    """What ``st_folium`` sends the browser for one map: made by :func:`prepare`, read-only.

    Attributes
    ----------
    key : str
        The page's key of the map (``st_folium``'s ``key``).
    component_key : str
        The component's own key: a hash of the script and ``key``, as ``st_folium`` makes it.
    script, header, html : str
        The map's Leaflet script, the header (styles) and the HTML around the map's div.
    map_id : str
        The id of the map element.
    css_links, js_links : tuple of str
        Stylesheets and scripts the browser loads, in ``st_folium``'s order.
    returned_objects : tuple of str
        What a click sends back.
    defaults : tuple of (str, object)
        The component's value before any click.
    """

    key: str
    component_key: str
    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    returned_objects: tuple[str, ...]
    defaults: tuple[tuple[str, Any], ...]


_DEFAULT_NAMES: Final = (
    "last_clicked",
    "last_object_clicked",
    "last_object_clicked_count",
    "last_object_clicked_tooltip",
    "last_object_clicked_popup",
    "all_drawings",
    "last_active_drawing",
    "bounds",
    "zoom",
    "last_circle_radius",
    "last_circle_polygon",
    "selected_layers",
    "selected_tags",
    "last_geocoder_result",
)
"""The values ``st_folium`` returns, in its order (``bounds`` and ``zoom`` from the map)."""


def prepare(m: folium.Map, *, key: str, returned_objects: Sequence[str]) -> MapArgs:
    """Return what ``st_folium(m, key=key, returned_objects=...)`` would send (no Streamlit call).

    ``m`` is rendered and its elements renamed on the way, as ``st_folium`` does: do not
    use it again.

    Raises
    ------
    DependencyError
        If an installed version is outside :data:`SUPPORTED`.
    """
    _checked()
    _text_elements_uncompiled()
    streamlit_folium = _streamlit_folium()
    m.get_root().render()
    m.render()
    html = streamlit_folium._get_html(m)
    header = streamlit_folium._get_header(m)
    script = streamlit_folium._get_map_string(m)
    map_id = streamlit_folium.get_full_id(m)
    south_west, north_east = m.get_bounds()
    bounds = {
        "_southWest": {"lat": south_west[0], "lng": south_west[1]},
        "_northEast": {"lat": north_east[0], "lng": north_east[1]},
    }
    known: dict[str, Any] = dict.fromkeys(_DEFAULT_NAMES)
    known["bounds"] = bounds
    known["zoom"] = m.options.get("zoom")
    css: list[str] = []
    js: list[str] = []
    for element in linked_elements(m):
        if isinstance(element, branca.colormap.ColorMap):
            js[:0] = [
                "https://d3js.org/d3.v4.min.js",
                "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js",
            ]
        css += [href for _, href in getattr(element, "default_css", [])]
        js += [src for _, src in getattr(element, "default_js", [])]
    return MapArgs(
        key=key,
        component_key=streamlit_folium.generate_js_hash(script, key, False),
        script=script,
        header=header,
        html=html,
        map_id=map_id,
        css_links=tuple(dict.fromkeys(css)),
        js_links=tuple(dict.fromkeys(js)),
        returned_objects=tuple(returned_objects),
        defaults=tuple((k, v) for k, v in known.items() if k in returned_objects),
    )


def show(args: MapArgs, *, height: int) -> Any:
    """Show a prepared map across the container's width; return what ``st_folium`` returns."""
    _checked()
    key, component_key = args.key, args.component_key

    def on_change() -> None:  # st_folium's: the value is kept under the page's key too
        st.session_state[key] = st.session_state.get(component_key, {})

    component: Callable[..., Any] = _streamlit_folium()._component_func
    return component(
        script=args.script,
        header=args.header,
        html=args.html,
        id=args.map_id,
        key=component_key,
        height=height,
        width=None,
        returned_objects=list(args.returned_objects),
        default=copy.deepcopy(dict(args.defaults)),
        zoom=None,
        center=None,
        feature_group=None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(args.css_links),
        js_links=list(args.js_links),
        on_change=on_change,
        wrap_longitude=False,
    )


def _streamlit_folium() -> Any:
    """Import streamlit-folium when a map is first drawn, inside a script run.

    Importing it declares its component; declared while the server starts (the data's
    warm-up, :mod:`app.serve`, imports this module through :mod:`app.maps`), the component
    is not registered and its frame answers 404 in the browser.
    """
    import streamlit_folium

    return streamlit_folium

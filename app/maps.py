"""Offline map builders (Folium, shown through streamlit-folium).

Police networks are often offline, so a map loads no script, stylesheet, font or tile from
the internet: Leaflet is the copy vendored in ``app/static/leaflet`` and served by the app
(:mod:`app.assets`), there is no tile layer unless an agency names its own tile server, and
the street network drawn from the OSM extract is the base layer. Colours and legends are
computed in Python by :mod:`app.colors`. Every text from data shown in a tooltip or popup is
HTML-escaped, because Leaflet inserts it as HTML.

Typical use on a page::

    m = base_map(beats.total_bounds)
    street_layer(edges).add_to(m)
    polygon_layer(blocks, value_column="coverage", colors=coverage_colors(),
                  tooltip_columns={"block_id": "Block", "coverage": "Coverage"},
                  id_column="block_id", name="Blocks").add_to(m)
    clicked = render(m, key="coverage_map")
    if clicked:
        st.write(clicked["block_id"])
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final, TypeAlias

import branca.colormap
import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

from app._folium_compat import MapArgs, linked_elements, prepare
from app._folium_compat import show as show_map
from app.assets import static_url
from app.colors import Colors, check_hex, color_of, display_text, is_missing
from geo.errors import BeatcovError, CRSError, SchemaError
from geo.projection import project, to_wgs84
from geo.schema import present
from geo.settings import Settings, resolve

OSM_ATTRIBUTION: Final = "© OpenStreetMap contributors"
"""Credit shown on every map (the streets come from OpenStreetMap, ODbL)."""

RETURNED_OBJECTS: Final = ("last_object_clicked", "last_active_drawing")
"""What the map sends back to Streamlit: only clicks (panning does not rerun the page)."""

SIMPLIFY_M: Final = 1.0
"""Default simplification tolerance in metres (proposed setting ``map_simplify_m``)."""

MAX_ZOOM: Final = 19
"""Deepest zoom the map allows (there are no tiles to bound it)."""

_DISPLAY_KEY = re.compile(r"^_\d+$")
_URL = re.compile(r"""https?://[^\s"'<>()\\]+""", re.IGNORECASE)
_PROTOCOL_RELATIVE = re.compile(r"""(?:src|href)\s*=\s*["']?(//[^\s"'<>]+)""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*["']?(//[^\s"'()]+)""", re.IGNORECASE)

Bounds: TypeAlias = Sequence[float] | np.ndarray | gpd.GeoDataFrame | gpd.GeoSeries


# --------------------------------------------------------------------------- the map


class _Attribution(MacroElement):
    """Add a text to the map's Leaflet attribution control (bottom right)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text


def base_map(
    bounds: Bounds,
    *,
    attribution: str = OSM_ATTRIBUTION,
    tile_attribution: str | None = None,
    height: int | str = "100%",
    settings: Settings | None = None,
) -> folium.Map:
    """Return an empty offline map fitted to ``bounds``.

    The map loads only the vendored Leaflet (served by the app), has no tile layer unless
    ``settings.tile_url`` is set, and always credits OpenStreetMap.

    Parameters
    ----------
    bounds : (minx, miny, maxx, maxy) or GeoDataFrame or GeoSeries
        Area to show: WGS84 longitude/latitude bounds (``total_bounds``), or a frame whose
        extent is used (converted to WGS84).
    attribution : str, default ``"© OpenStreetMap contributors"``
        Credit shown in the attribution control (plain text; it is escaped).
    tile_attribution : str, optional
        Credit of the tile server (plain text); defaults to ``attribution``.
    height : int or str, default ``"100%"``
        Height of the map inside its frame.
    settings : Settings, optional
        Uses ``tile_url``: an agency's own tile server,
        ``https://tiles.example/{z}/{x}/{y}.png``. Without one the street layer is the base
        map.

    Returns
    -------
    folium.Map
        Add layers with ``layer.add_to(m)`` and show it with :func:`render`.

    Raises
    ------
    BeatcovError
        If the bounds are empty or not longitude/latitude, or the tile URL lacks
        ``{z}``, ``{x}`` or ``{y}``.
    CRSError
        If a frame given as ``bounds`` has no coordinate system.
    """
    west, south, east, north = _wgs84_bounds(bounds)
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        zoom_start=15,
        height=height,
        control_scale=True,
    )
    # Only the vendored Leaflet: no CDN jQuery, Bootstrap, Font Awesome or awesome-markers.
    m.default_js = [("leaflet", static_url("leaflet/leaflet.js"))]
    m.default_css = [("leaflet_css", static_url("leaflet/leaflet.css"))]
    m.options["max_zoom"] = MAX_ZOOM
    url = resolve(settings).tile_url
    if url:
        if not all(part in url for part in ("{z}", "{x}", "{y}")):
            msg = f"tile_url {url!r} must contain {{z}}, {{x}} and {{y}}"
            raise BeatcovError(msg)
        folium.TileLayer(
            tiles=url,
            attr=html.escape(tile_attribution or attribution),
            name="Tiles",
            max_zoom=MAX_ZOOM,
            max_native_zoom=18,
        ).add_to(m)
    _Attribution(html.escape(attribution)).add_to(m)
    m.fit_bounds([[south, west], [north, east]], padding=(10, 10))
    return m


def street_layer(
    edges: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    color: str = "#8c8c8c",
    weight: float = 1.0,
    name: str = "Streets",
    simplify_m: float = SIMPLIFY_M,
    settings: Settings | None = None,
) -> folium.GeoJson:
    """Return the street network as thin grey lines (the base layer of an offline map).

    All streets go into one MultiLineString feature (one SVG path: small and fast); a
    two-way street drawn twice (osmnx keeps both directions) is drawn once. The layer does
    not react to the mouse, so clicks reach the areas and points above it.

    Parameters
    ----------
    edges : GeoDataFrame or GeoSeries
        Street edges (LineString or MultiLineString) with a coordinate system, e.g. osmnx
        ``graph_to_gdfs(G, nodes=False)``; other geometry types are ignored.
    color : str, default ``"#8c8c8c"``
        Line colour.
    weight : float, default 1.0
        Line width in pixels.
    name : str, default ``"Streets"``
        Layer name.
    simplify_m : float, default 1.0
        Simplification tolerance in metres (0 keeps every vertex).
    settings : Settings, optional
        Uses ``map_coordinate_decimals``.

    Returns
    -------
    folium.GeoJson
        Add it to a map first, before the coloured layers.

    Raises
    ------
    CRSError
        If ``edges`` has no coordinate system.
    """
    check_hex(color, what="street colour")
    geometry = edges.geometry if isinstance(edges, gpd.GeoDataFrame) else edges
    _require_crs(geometry, layer=name)
    lines = unique_lines(geometry)
    features = []
    if len(lines):
        series = gpd.GeoSeries(lines, crs=geometry.crs)
        rounded = _display_geometry(series, simplify_m=simplify_m, settings=settings)
        merged = shapely.multilinestrings(list(rounded))
        features.append(_feature(0, merged, {}))
    style = {"color": color, "weight": weight, "opacity": 0.9}
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style_function=lambda _feature: dict(style),
        interactive=False,
    )


def unique_lines(geometry: gpd.GeoSeries) -> np.ndarray:
    """Return the LineStrings of ``geometry``, each street once whichever way it was digitised.

    Multi-part lines are split; missing, empty and non-line parts are left out; the first
    copy of each line is kept, in order.
    """
    present = np.asarray(geometry.values, dtype=object)[geometry.notna().to_numpy()]
    parts = shapely.get_parts(present)
    lines = parts[shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING]
    lines = lines[~shapely.is_empty(lines)]
    if len(lines):
        _, first = np.unique(shapely.to_wkb(shapely.normalize(lines)), return_index=True)
        lines = lines[np.sort(first)]
    return lines


def polygon_layer(
    gdf: gpd.GeoDataFrame,
    *,
    value_column: str,
    colors: Colors,
    tooltip_columns: Mapping[str, str],
    popup_columns: Mapping[str, str] | None = None,
    name: str,
    id_column: str | None = None,
    fill_opacity: float = 0.6,
    simplify_m: float = SIMPLIFY_M,
    settings: Settings | None = None,
) -> folium.GeoJson:
    """Return beats or blocks filled by a figure (coverage, priority, ...).

    Each feature's colour is computed here from ``value_column`` and stored as its
    ``color`` property; tooltip and popup texts are HTML-escaped copies of the data.
    Geometry is simplified in metres and coordinates are rounded before embedding.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons or MultiPolygons with a coordinate system.
    value_column : str
        Column that decides the colour.
    colors : StepColors, mapping or function
        Colour rule value -> ``#rrggbb`` (see :func:`coverage_colors`); a mapping gives
        :data:`app.colors.MISSING_COLOR` to values it lacks.
    tooltip_columns : mapping of str to str
        Columns shown on hover, column -> label, in order. Values are shown as escaped
        text: numbers with at most two decimals, missing values blank; put a formatted
        text column in ``gdf`` for anything else (e.g. ``"45%"``).
    popup_columns : mapping of str to str, optional
        Columns shown in a popup on click, column -> label.
    name : str
        Layer name.
    id_column : str, optional
        Column whose raw value a click returns through :func:`render` (e.g. ``block_id``).
    fill_opacity : float, default 0.6
        Fill opacity.
    simplify_m : float, default 1.0
        Simplification tolerance in metres (0 keeps every vertex).
    settings : Settings, optional
        Uses ``map_coordinate_decimals``.

    Returns
    -------
    folium.GeoJson
        One layer; features keep the row order of ``gdf``.

    Raises
    ------
    SchemaError
        If a named column is missing or a geometry is not a polygon.
    CRSError
        If ``gdf`` has no coordinate system.
    BeatcovError
        If the colour rule returns something that is not a ``#rrggbb`` colour.
    """
    frame = _usable_rows(gdf, layer=name, kinds=("Polygon", "MultiPolygon"))
    data = _features(
        frame,
        layer=name,
        value_column=value_column,
        colors=colors,
        id_column=id_column,
        tooltip_columns=tooltip_columns,
        popup_columns=popup_columns or {},
        simplify_m=simplify_m,
        settings=settings,
    )

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        color = feature["properties"]["color"]
        return {
            "color": color,
            "weight": 1,
            "opacity": 0.9,
            "fillColor": color,
            "fillOpacity": fill_opacity,
        }

    return _geojson(
        data,
        name=name,
        style=style,
        tooltip_columns=tooltip_columns,
        popup_columns=popup_columns or {},
    )


def point_layer(
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    value_column: str | None = None,
    colors: Colors | None = None,
    color: str = "#2b5c8a",
    radius: float = 4.0,
    tooltip_columns: Mapping[str, str] | None = None,
    popup_columns: Mapping[str, str] | None = None,
    id_column: str | None = None,
    settings: Settings | None = None,
) -> folium.GeoJson:
    """Return households or visits as small circles (one GeoJson layer, not one marker each).

    Parameters
    ----------
    gdf : GeoDataFrame
        Points with a coordinate system.
    name : str
        Layer name.
    value_column : str, optional
        Column that decides the colour (with ``colors``); without it every point is
        ``color``.
    colors : StepColors, mapping or function, optional
        Colour rule value -> ``#rrggbb``.
    color : str, default ``"#2b5c8a"``
        Colour of every point when no ``value_column`` is given.
    radius : float, default 4.0
        Circle radius in pixels.
    tooltip_columns, popup_columns : mapping of str to str, optional
        Columns shown on hover / in a popup, column -> label (escaped).
    id_column : str, optional
        Column whose raw value a click returns through :func:`render`.
    settings : Settings, optional
        Uses ``map_coordinate_decimals``.

    Returns
    -------
    folium.GeoJson
        One layer of ``CircleMarker`` features.

    Raises
    ------
    SchemaError
        If a named column is missing, a geometry is not a point, or ``value_column`` is
        given without ``colors``.
    CRSError
        If ``gdf`` has no coordinate system.
    """
    rule = _color_rule(value_column, colors, color, layer=name, what="point colour")
    frame = _usable_rows(gdf, layer=name, kinds=("Point",))
    data = _features(
        frame,
        layer=name,
        value_column=value_column,
        colors=rule,
        id_column=id_column,
        tooltip_columns=tooltip_columns or {},
        popup_columns=popup_columns or {},
        simplify_m=0.0,
        settings=settings,
    )

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        fill = feature["properties"]["color"]
        return {"color": "#ffffff", "weight": 1, "fillColor": fill, "fillOpacity": 0.9}

    return _geojson(
        data,
        name=name,
        style=style,
        tooltip_columns=tooltip_columns or {},
        popup_columns=popup_columns or {},
        marker=folium.CircleMarker(radius=radius, fill=True),
    )


LABEL_STYLES: Final = {
    "name": (
        "background:rgba(255,255,255,0.85);border:1px solid #4d4d4d;border-radius:3px;"
        "padding:1px 4px;font:12px sans-serif;color:#222;white-space:nowrap;"
        "transform:translate(-50%,-50%);display:inline-block;"
    ),
    "rank": (
        "background:#111;color:#fff;border:2px solid #fff;border-radius:50%;width:22px;"
        "height:22px;line-height:18px;text-align:center;font:bold 13px sans-serif;"
        "box-sizing:border-box;"
    ),
}
"""CSS of :func:`label_layer`'s kinds: ``name`` (a box of text centred on its point) and
``rank`` (a numbered circle); a label of kind ``k`` has the class ``beatcov-label-k``."""

LABEL_CLASS: Final = "beatcov-label-"
"""Prefix of a label's CSS class (then its kind)."""


class _LabelStyle(MacroElement):
    """The CSS of one kind of label, in the map's header (labels let clicks through)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>.{{ this.css_class }} { {{ this.css }} pointer-events:none; }</style>
        {% endmacro %}
        """
    )

    def __init__(self, kind: str) -> None:
        super().__init__()
        self._name = "LabelStyle"
        self.css_class = LABEL_CLASS + kind
        self.css = LABEL_STYLES[kind]


def label_layer(
    gdf: gpd.GeoDataFrame,
    *,
    text_column: str,
    name: str,
    kind: str = "name",
    settings: Settings | None = None,
) -> folium.FeatureGroup:
    """Return text labels standing on the map at each row's point, always shown.

    For beat names and figures or the numbers of the worst gaps, at e.g. a polygon's
    representative point. Each label is a marker with an HTML icon (a permanent tooltip
    bound to one GeoJSON layer would open for one of its features only). Labels let clicks
    through (``pointer-events: none``), so clicking a number clicks the block under it.
    The text is HTML-escaped like any tooltip; rows without a point or text are left out.

    Parameters
    ----------
    gdf : GeoDataFrame
        Points with a coordinate system (e.g. each beat's representative point).
    text_column : str
        Column holding the label text.
    name : str
        Layer name.
    kind : {"name", "rank"}
        The look (:data:`LABEL_STYLES`).
    settings : Settings, optional
        Uses ``map_coordinate_decimals``.

    Raises
    ------
    SchemaError
        If the column is missing or a geometry is not a point.
    CRSError
        If ``gdf`` has no coordinate system.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> points = gpd.GeoDataFrame({"t": ["<b>1</b>"]}, geometry=[Point(118.8, 32.0)], crs=4326)
    >>> m = folium.Map(tiles=None)
    >>> _ = label_layer(points, text_column="t", name="labels", kind="rank").add_to(m)
    >>> page = m.get_root().render()
    >>> "<b>1</b>" in page, "lt;b" in page  # escaped (then JSON-encoded) into the icon
    (False, True)
    """
    if text_column not in gdf.columns:
        raise SchemaError(f"layer {name!r}: no column {text_column!r} for its labels")
    if kind not in LABEL_STYLES:
        raise BeatcovError(f"layer {name!r}: unknown label kind {kind!r}")
    frame = _usable_rows(gdf, layer=name, kinds=("Point",))
    frame = frame[frame[text_column].notna().to_numpy()]
    group = folium.FeatureGroup(name=name)
    if not len(frame):
        return group
    points = _display_geometry(frame.geometry, simplify_m=0.0, settings=settings)
    size, anchor = ((22, 22), (11, 11)) if kind == "rank" else ((0, 0), (0, 0))
    _LabelStyle(kind).add_to(group)  # the look once, in the page's header, not per label
    for point, text in zip(points, frame[text_column].astype(str), strict=True):
        label = f'<div class="{LABEL_CLASS}{kind}">{html.escape(text)}</div>'
        icon = folium.DivIcon(html=label, icon_size=size, icon_anchor=anchor, class_name="")
        folium.Marker([point.y, point.x], icon=icon, interactive=False).add_to(group)
    return group


def line_layer(
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    value_column: str | None = None,
    colors: Colors | None = None,
    color: str = "#252525",
    weight: float = 2.0,
    dash: str | None = None,
    tooltip_columns: Mapping[str, str] | None = None,
    settings: Settings | None = None,
) -> folium.GeoJson:
    """Return lines (a GPS point joined to its door, an officer's path) as one layer.

    Parameters
    ----------
    gdf : GeoDataFrame
        LineStrings or MultiLineStrings with a coordinate system; rows without geometry
        are skipped.
    name : str
        Layer name.
    value_column, colors : optional
        Colour each line by a column, as in :func:`point_layer`; else every line is
        ``color``.
    color : str, default ``"#252525"``
        Colour of every line when no ``value_column`` is given.
    weight : float, default 2.0
        Line width in pixels.
    dash : str, optional
        SVG dash pattern, e.g. ``"6 4"``.
    tooltip_columns : mapping of str to str, optional
        Columns shown on hover, column -> label (escaped).
    settings : Settings, optional
        Uses ``map_coordinate_decimals``.

    Returns
    -------
    folium.GeoJson
        One layer; lines are not simplified (they are short).

    Raises
    ------
    SchemaError
        If a named column is missing, a geometry is not a line, or ``value_column`` is
        given without ``colors``.
    CRSError
        If ``gdf`` has no coordinate system.
    """
    rule = _color_rule(value_column, colors, color, layer=name, what="line colour")
    frame = _usable_rows(gdf, layer=name, kinds=("LineString", "MultiLineString"))
    data = _features(
        frame,
        layer=name,
        value_column=value_column,
        colors=rule,
        id_column=None,
        tooltip_columns=tooltip_columns or {},
        popup_columns={},
        simplify_m=0.0,
        settings=settings,
    )
    pattern = dash

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        line = feature["properties"]["color"]
        return {"color": line, "weight": weight, "opacity": 0.9, "dashArray": pattern}

    return _geojson(
        data, name=name, style=style, tooltip_columns=tooltip_columns or {}, popup_columns={}
    )


def render(m: folium.Map, *, key: str, height: int = 560) -> dict[str, Any] | None:
    """Show ``m`` in the page and return the properties of the last clicked feature.

    Only clicks rerun the page (panning and zooming do not). The same as
    ``show(prepared(m, key=key), height=height)``; a page that shows the same map on every
    run caches :func:`prepared` instead (:mod:`app.page_cache`).

    Parameters
    ----------
    m : folium.Map
        A map from :func:`base_map` with its layers.
    key : str
        Streamlit widget key of the map.
    height : int, default 560
        Height in pixels.

    Returns
    -------
    dict or None
        The clicked feature's raw properties, i.e. ``{id_column: value}`` of the layer it
        belongs to (see :func:`clicked_properties`), or ``None`` before any click.
    """
    return show(prepared(m, key=key), height=height)


def prepared(m: folium.Map, *, key: str) -> MapArgs:
    """Return ``m`` ready to send (rendered, as ``st_folium`` would): cacheable, read-only.

    ``m`` itself is used up (rendering renames its elements).
    """
    return prepare(m, key=key, returned_objects=RETURNED_OBJECTS)


def show(args: MapArgs, *, height: int = 560) -> dict[str, Any] | None:
    """Show a map made by :func:`prepared` across the container; return the clicked feature.

    As :func:`render` (it draws what ``st_folium`` draws).
    """
    return clicked_properties(show_map(args, height=height))


def clicked_properties(result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return the raw properties of the clicked feature in a streamlit-folium result.

    The escaped display copies (keys ``_0``, ``_1``, ...) and ``color`` are left out.

    Parameters
    ----------
    result : mapping or None
        What ``st_folium`` returned.

    Returns
    -------
    dict or None
        ``None`` when nothing has been clicked.

    Examples
    --------
    >>> clicked_properties({"last_active_drawing": {"type": "Feature", "properties":
    ...     {"block_id": "b1", "color": "#fddbc7", "_0": "b1"}}})
    {'block_id': 'b1'}
    >>> clicked_properties({"last_active_drawing": None}) is None
    True
    """
    if not result:
        return None
    feature = result.get("last_active_drawing")
    if not isinstance(feature, Mapping):
        return None
    properties = feature.get("properties")
    if not isinstance(properties, Mapping):
        return None
    return {k: v for k, v in properties.items() if k != "color" and not _DISPLAY_KEY.match(k)}


# --------------------------------------------------------------------------- checks


def geojson_payload_size(m: folium.Map) -> int:
    """Return the size in bytes (UTF-8) of the map's rendered HTML and JavaScript.

    This is what the browser receives for the map, data included.
    """
    return len(m.get_root().render().encode("utf-8"))


def external_links(m: folium.Map) -> list[str]:
    """Return every internet URL the map would show or load, first occurrence first.

    Looks in the rendered HTML/JavaScript of the whole figure (tile URLs, links in
    popups) and in the script and stylesheet links streamlit-folium collects from the
    element tree (``default_js``/``default_css`` of every element, d3 for branca
    colormaps) with its walk, :func:`app._folium_compat.linked_elements`. ``http(s)://``
    and protocol-relative ``//`` links count; the app's own ``/component/...`` paths do not.

    Parameters
    ----------
    m : folium.Map
        The map to inspect.

    Returns
    -------
    list of str
        Empty for an offline map.
    """
    found: list[str] = []
    for element in linked_elements(m):
        if isinstance(element, branca.colormap.ColorMap):
            found += [  # streamlit-folium adds these for every colormap
                "https://d3js.org/d3.v4.min.js",
                "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js",
            ]
        links = [*getattr(element, "default_js", []), *getattr(element, "default_css", [])]
        found += [url for _, url in links if _is_external(url)]
    text = m.get_root().render()
    text = text.replace("\\u0026", "&").replace("\\/", "/")
    found += _URL.findall(text)
    found += _PROTOCOL_RELATIVE.findall(text)
    found += _CSS_URL.findall(text)
    return list(dict.fromkeys(found))


# --------------------------------------------------------------------------- helpers


def _is_external(url: str) -> bool:
    return url.lower().startswith(("http://", "https://", "//"))


def _json_value(value: Any) -> Any:
    """Return ``value`` as a JSON-safe raw property (what a click sends back)."""
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _require_crs(geometry: gpd.GeoSeries, *, layer: str) -> None:
    if geometry.crs is None:
        msg = (
            f"layer {layer!r}: the frame has no coordinate system; set one "
            "(WGS84 is EPSG:4326) before mapping it"
        )
        raise CRSError(msg)


def _color_rule(
    value_column: str | None, colors: Colors | None, color: str, *, layer: str, what: str
) -> Colors:
    """Return ``colors``, or ``color`` for every feature; check they are given consistently."""
    if (value_column is None) != (colors is None):
        msg = f"layer {layer!r}: give value_column and colors together, or neither"
        raise SchemaError(msg)
    check_hex(color, what=what)
    return colors if colors is not None else (lambda _value: color)


def _usable_rows(gdf: gpd.GeoDataFrame, *, layer: str, kinds: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Return the rows with a geometry, after checking CRS and geometry types."""
    _require_crs(gdf.geometry, layer=layer)
    frame = gdf[present(gdf.geometry)]
    wrong = np.flatnonzero(~frame.geometry.geom_type.isin(kinds).to_numpy())
    if len(wrong):
        row, kind = frame.index[wrong[0]], frame.geometry.iloc[wrong[0]].geom_type
        msg = (
            f"layer {layer!r}: row {row!r} has a {kind} "
            f"geometry; this layer draws only {' or '.join(kinds)}"
        )
        raise SchemaError(msg)
    return frame


def _display_geometry(
    geometry: gpd.GeoSeries, *, simplify_m: float, settings: Settings | None
) -> np.ndarray:
    """Return WGS84 geometries simplified in metres and rounded for the browser."""
    decimals = resolve(settings).map_coordinate_decimals
    if simplify_m > 0 and len(geometry):
        geometry = to_wgs84(project(geometry).simplify(simplify_m, preserve_topology=True))
    else:
        geometry = to_wgs84(geometry)
    values = np.asarray(geometry.values, dtype=object)
    return shapely.transform(values, lambda coords: np.round(coords, decimals))


def _feature(index: int, geometry: Any, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": str(index),
        "properties": properties,
        "geometry": json.loads(shapely.to_geojson(geometry)),
    }


def _features(
    frame: gpd.GeoDataFrame,
    *,
    layer: str,
    value_column: str | None,
    colors: Colors,
    id_column: str | None,
    tooltip_columns: Mapping[str, str],
    popup_columns: Mapping[str, str],
    simplify_m: float,
    settings: Settings | None,
) -> dict[str, Any]:
    """Return the FeatureCollection: raw id, colour and escaped display copies."""
    shown = list(dict.fromkeys([*tooltip_columns, *popup_columns]))
    named = [c for c in (value_column, id_column) if c is not None]
    missing = [c for c in [*named, *shown] if c not in frame.columns]
    if missing:
        msg = (
            f"layer {layer!r}: column {missing[0]!r} is not in the frame; "
            f"its columns are {[str(c) for c in frame.columns]}"
        )
        raise SchemaError(msg)
    geometries = _display_geometry(frame.geometry, simplify_m=simplify_m, settings=settings)
    values = frame[value_column].tolist() if value_column is not None else [None] * len(frame)
    raw = {id_column: frame[id_column].tolist()} if id_column is not None else {}
    display = {f"_{i}": [display_text(v) for v in frame[c].tolist()] for i, c in enumerate(shown)}
    features = []
    for i, geometry in enumerate(geometries):
        properties: dict[str, Any] = {c: _json_value(vals[i]) for c, vals in raw.items()}
        properties["color"] = color_of(colors, values[i])
        properties.update({key: texts[i] for key, texts in display.items()})
        features.append(_feature(i, geometry, properties))
    return {"type": "FeatureCollection", "features": features}


def _geojson(
    data: dict[str, Any],
    *,
    name: str,
    style: Callable[[dict[str, Any]], dict[str, Any]],
    tooltip_columns: Mapping[str, str],
    popup_columns: Mapping[str, str],
    marker: folium.CircleMarker | None = None,
) -> folium.GeoJson:
    """Return the GeoJson layer with escaped tooltip/popup bound to the display keys."""
    shown = list(dict.fromkeys([*tooltip_columns, *popup_columns]))
    key_of = {column: f"_{i}" for i, column in enumerate(shown)}
    has_features = bool(data["features"])
    tooltip = popup = None
    if has_features and tooltip_columns:
        tooltip = folium.GeoJsonTooltip(
            fields=[key_of[c] for c in tooltip_columns],
            aliases=[html.escape(label) for label in tooltip_columns.values()],
            localize=False,
        )
    if has_features and popup_columns:
        popup = folium.GeoJsonPopup(
            fields=[key_of[c] for c in popup_columns],
            aliases=[html.escape(label) for label in popup_columns.values()],
            localize=False,
        )
    return folium.GeoJson(
        data,
        name=name,
        style_function=style,
        highlight_function=lambda _feature: {"weight": 3, "color": "#000000"},
        tooltip=tooltip,
        popup=popup,
        marker=marker,
    )


def _wgs84_bounds(bounds: Bounds) -> tuple[float, float, float, float]:
    """Return (west, south, east, north) in WGS84, checked."""
    if isinstance(bounds, gpd.GeoDataFrame | gpd.GeoSeries):
        geometry = bounds.geometry if isinstance(bounds, gpd.GeoDataFrame) else bounds
        _require_crs(geometry, layer="base map")
        values = to_wgs84(geometry).total_bounds
    else:
        values = np.asarray(bounds, dtype=float)
    if values.shape != (4,) or not np.isfinite(values).all():
        msg = f"map bounds must be four finite numbers (minx, miny, maxx, maxy); got {bounds!r}"
        raise BeatcovError(msg)
    west, south, east, north = (float(v) for v in values)
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        msg = (
            f"map bounds {[west, south, east, north]} are not WGS84 longitude/latitude "
            "(minx, miny, maxx, maxy); convert the data to EPSG:4326 first"
        )
        raise BeatcovError(msg)
    return west, south, east, north

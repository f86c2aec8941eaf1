"""Map layers whose shapes the browser fetches from the app, styled from a small table.

The shapes come from a file of :mod:`app.map_files` (fetched once per browser, then kept),
so a map's script carries only a *style table*: per feature id, the index of its colour in
a short palette and its tooltip texts (HTML-escaped in Python, as :mod:`app.maps` does)::

    {"id": "block_id", "palette": ["#b2182b", "#4393c3"], "fields": ["Block", "Coverage"],
     "rows": {"B1": [0, "B1", "10%"], "B2": [1, "B2", "90%"]}}

A layer draws only the features its table lists (a Gaps filter shows fewer blocks from the
same file). What the layer does in the browser is what :func:`app.maps.polygon_layer`'s
folium ``GeoJson`` does: fill and outline in the feature's colour, a sticky tooltip table
(``<th>`` label, ``<td>`` text), a black outline under the pointer, and a click returns the
feature's properties, which are only its id, through streamlit-folium (the layer is on the
map when streamlit-folium hooks the map's layers; features added later pass their clicks
to it).

Fetched once: a map whose arguments change is drawn in a new frame, so the layer keeps the
text of each file it fetched in the app's page (``window.parent.beatcovMapFiles``, by URL;
the map's frame has the app's origin) and a later frame takes it from there; a new tab or
a reload asks the browser's cache, which keeps the files (immutable, :mod:`app.headers`).

Stacking: the features arrive after the rest of the map is drawn; once added, every shape
on the map is put back in the order its layer was created in (a layer's features at the
layer's place), so blocks lie above the streets and beat outlines and below the
households' marks, as when everything was drawn at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import geopandas as gpd
import numpy as np
from branca.element import MacroElement
from folium.template import Template

from app.colors import Colors, color_of, display_text, is_missing
from geo.errors import SchemaError
from geo.projection import to_wgs84
from geo.schema import present
from geo.settings import Settings, resolve

__all__ = [
    "PointTable",
    "ServedLayer",
    "point_table",
    "served_lines",
    "served_polygons",
    "style_table",
]

_SCRIPT: Final = """
(function (map, url, table, look) {
    const rows = table === null ? null : table.rows;
    const idOf = f => f.properties[table.id];
    const has = Object.prototype.hasOwnProperty;
    let order = 0;
    const layer = L.geoJson(null, {
        interactive: look.interactive,
        filter: f => rows === null || has.call(rows, idOf(f)),
        style: f => {
            const c = rows === null ? look.color : table.palette[rows[idOf(f)][0]];
            return {color: c, weight: look.weight, opacity: look.opacity,
                    fillColor: c, fillOpacity: look.fillOpacity};
        },
        onEachFeature: (f, l) => { l.beatcovOrder = order; },
    }).addTo(map);
    order = L.stamp(layer);
    if (rows !== null && table.fields.length) {
        layer.bindTooltip(l => {
            const texts = rows[idOf(l.feature)];
            const cells = table.fields.map(
                (label, i) => "<tr><th>" + label + "</th><td>" + texts[i + 1] + "</td></tr>");
            return "<table>" + cells.join("") + "</table>";
        }, {sticky: true, className: "foliumtooltip"});
    }
    if (look.interactive) {
        layer.on("mouseover", e => e.layer.setStyle({weight: 3, color: "#000000"}));
        layer.on("mouseout", e => layer.resetStyle(e.layer));
    }
    let kept = {};  // the app page's copy of each file (the map's frame is made anew per map)
    try { kept = window.parent.beatcovMapFiles = window.parent.beatcovMapFiles || {}; }
    catch (e) { kept = {}; }
    const text = typeof kept[url] === "string" ? Promise.resolve(kept[url])
        : fetch(url, {cache: "force-cache", credentials: "same-origin"})
            .then(r => { if (!r.ok) { throw new Error(url + ": " + r.status); } return r.text(); })
            .then(t => { kept[url] = t; return t; });
    text.then(t => {
            layer.addData(JSON.parse(t));
            const paths = [];
            map.eachLayer(l => {
                if (l instanceof L.Path) {
                    paths.push([l.beatcovOrder || L.stamp(l), L.stamp(l), l]);
                }
            });
            paths.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
            paths.forEach(p => p[2].bringToFront());
        });
})(%(map)s, %(url)s, %(table)s, %(look)s);
"""


_POINTS: Final = """
(function (map, table, look) {
    const rows = table.rows;
    const features = rows.map((r, i) => ({
        type: "Feature",
        properties: table.id === null ? {} : {[table.id]: r[3]},
        geometry: {type: "Point", coordinates: [r[0], r[1]]},
        row: i,
    }));
    const layer = L.geoJson(null, {
        pointToLayer: (f, latlng) => L.circleMarker(latlng, {radius: look.radius, fill: true}),
        style: f => ({color: "#ffffff", weight: 1, fillColor: table.palette[rows[f.row][2]],
                      fillOpacity: 0.9}),
    });
    layer.addData(features);
    if (table.fields.length) {
        layer.bindTooltip(l => {
            const texts = rows[l.feature.row];
            const cells = table.fields.map(
                (label, i) => "<tr><th>" + label + "</th><td>" + texts[i + 4] + "</td></tr>");
            return "<table>" + cells.join("") + "</table>";
        }, {sticky: true, className: "foliumtooltip"});
    }
    layer.on("mouseover", e => e.layer.setStyle({weight: 3, color: "#000000"}));
    layer.on("mouseout", e => layer.resetStyle(e.layer));
    layer.addTo(map);
})(%(map)s, %(table)s, %(look)s);
"""


def _js(value: Any) -> str:
    """Return ``value`` as JSON safe inside a ``<script>`` (``<``, ``>``, ``&`` escaped)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class ServedLayer(MacroElement):
    """A Leaflet GeoJSON layer filled from a served file and styled from a table.

    Parameters
    ----------
    url : str
        The file's URL path (:func:`app.map_files.geometry_url`).
    table : dict or None
        The style table (:func:`style_table`); ``None``: every feature in ``color``.
    look : dict
        ``interactive``, ``color``, ``weight``, ``opacity``, ``fillOpacity``.
    name : str
        Layer name.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.code(this._parent.get_name()) }}
        {% endmacro %}
        """
    )

    def __init__(
        self, url: str, *, table: dict[str, Any] | None, look: dict[str, Any], name: str
    ) -> None:
        super().__init__()
        self._name = "ServedLayer"
        self.layer_name = name
        self.url = url
        self.table = table
        self.look = look

    def colors_by_id(self) -> dict[str, str]:
        """Return the colour of each feature the layer draws, by id (empty without a table)."""
        if self.table is None:
            return {}
        palette = self.table["palette"]
        return {key: palette[row[0]] for key, row in self.table["rows"].items()}

    def code(self, map_name: str) -> str:
        """Return the layer's script for the map named ``map_name``."""
        return _SCRIPT % {
            "map": map_name,
            "url": _js(self.url),
            "table": _js(self.table),
            "look": _js(self.look),
        }


def style_table(
    frame: gpd.GeoDataFrame | Any,
    *,
    id_column: str,
    value_column: str,
    colors: Colors,
    tooltip_columns: Mapping[str, str],
) -> dict[str, Any]:
    """Return the style table of ``frame``'s rows: colour index and escaped tooltip texts.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"block_id": ["a", "b", "c"], "v": [1, 2, 1], "n": ["<i>", "x", "y"]})
    >>> style_table(frame, id_column="block_id", value_column="v",
    ...             colors={1: "#ff0000", 2: "#0000ff"}, tooltip_columns={"n": "Name"})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'id': 'block_id', 'palette': ['#ff0000', '#0000ff'], 'fields': ['Name'],
     'rows': {'a': [0, '&lt;i&gt;'], 'b': [1, 'x'], 'c': [0, 'y']}}
    """
    missing = [c for c in (id_column, value_column, *tooltip_columns) if c not in frame.columns]
    if missing:
        msg = f"style table: column {missing[0]!r} is not in the frame"
        raise SchemaError(msg)
    palette: dict[str, int] = {}
    texts = [[display_text(v) for v in frame[c].tolist()] for c in tooltip_columns]
    rows: dict[str, list[Any]] = {}
    for i, (key, value) in enumerate(
        zip(frame[id_column].tolist(), frame[value_column].tolist(), strict=True)
    ):
        color = color_of(colors, value)
        index = palette.setdefault(color, len(palette))
        rows[str(key)] = [index, *(column[i] for column in texts)]
    return {
        "id": id_column,
        "palette": list(palette),
        "fields": [display_text(label) for label in tooltip_columns.values()],
        "rows": rows,
    }


def served_polygons(
    frame: gpd.GeoDataFrame | Any,
    url: str,
    *,
    id_column: str,
    value_column: str,
    colors: Colors,
    tooltip_columns: Mapping[str, str],
    name: str,
    fill_opacity: float = 0.6,
) -> ServedLayer:
    """Return the polygons of ``url`` whose ids are in ``frame``, filled by ``value_column``.

    As :func:`app.maps.polygon_layer` (colours from ``colors``, escaped tooltip texts, a
    click returns ``{id_column: id}``), with the shapes fetched from ``url``
    (:func:`app.map_files.geometry_url` of the same ids' shapes or more).
    """
    table = style_table(
        frame,
        id_column=id_column,
        value_column=value_column,
        colors=colors,
        tooltip_columns=tooltip_columns,
    )
    look = {"interactive": True, "color": None, "weight": 1, "opacity": 0.9}
    look["fillOpacity"] = fill_opacity
    return ServedLayer(url, table=table, look=look, name=name)


def served_lines(url: str, *, color: str, weight: float, name: str) -> ServedLayer:
    """Return the lines of ``url`` (streets), all in ``color``, not interactive."""
    look = {"interactive": False, "color": color, "weight": weight, "opacity": 0.9}
    look["fillOpacity"] = 0.0
    return ServedLayer(url, table=None, look=look, name=name)


class PointTable(MacroElement):
    """Points drawn from a compact table in the map's script (no GeoJSON per point).

    Each row of ``table["rows"]`` is ``[lon, lat, colour index, id, text, ...]``
    (:func:`point_table`); the layer draws circles of ``look["radius"]`` pixels, a white
    edge and the row's fill, a tooltip and a hover outline as :func:`app.maps.point_layer`,
    and a click returns ``{table["id"]: id}``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.code(this._parent.get_name()) }}
        {% endmacro %}
        """
    )

    def __init__(self, table: dict[str, Any], *, radius: float, name: str) -> None:
        super().__init__()
        self._name = "PointTable"
        self.layer_name = name
        self.table = table
        self.radius = radius

    def colors(self) -> list[str]:
        """Return the colour of each point, in the rows' order."""
        return [self.table["palette"][row[2]] for row in self.table["rows"]]

    def code(self, map_name: str) -> str:
        """Return the layer's script for the map named ``map_name``."""
        look = {"radius": self.radius}
        return _POINTS % {"map": map_name, "table": _js(self.table), "look": _js(look)}


def point_table(
    frame: gpd.GeoDataFrame,
    *,
    value_column: str,
    colors: Colors,
    tooltip_columns: Mapping[str, str],
    id_column: str | None,
    name: str,
    radius: float = 4.0,
    settings: Settings | None = None,
) -> PointTable:
    """Return ``frame``'s points (households) as a :class:`PointTable` layer.

    As :func:`app.maps.point_layer` with ``value_column`` and ``colors``, in a fraction of
    its bytes: rows without a point are left out; coordinates are WGS84 rounded to
    ``map_coordinate_decimals``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> homes = gpd.GeoDataFrame({"block_id": ["b1"], "todo": ["x"], "n": ["<b>"]},
    ...                          geometry=[Point(118.123456, 32.1)], crs=4326)
    >>> point_table(homes, value_column="todo", colors={"x": "#762a83"},
    ...             tooltip_columns={"n": "Name"}, id_column="block_id", name="h").table
    ... # doctest: +NORMALIZE_WHITESPACE
    {'id': 'block_id', 'palette': ['#762a83'], 'fields': ['Name'],
     'rows': [[118.12346, 32.1, 0, 'b1', '&lt;b&gt;']]}
    """
    decimals = resolve(settings).map_coordinate_decimals
    shown = frame[present(frame.geometry)]
    wrong = ~shown.geometry.geom_type.eq("Point")
    if wrong.any():
        msg = f"layer {name!r}: row {shown.index[wrong.to_numpy()][0]!r} is not a point"
        raise SchemaError(msg)
    points = to_wgs84(shown.geometry)
    xs = np.round(points.x.to_numpy(), decimals).tolist()
    ys = np.round(points.y.to_numpy(), decimals).tolist()
    ids = shown[id_column].tolist() if id_column is not None else [None] * len(shown)
    palette: dict[str, int] = {}
    texts = [[display_text(v) for v in shown[c].tolist()] for c in tooltip_columns]
    rows = []
    for i, value in enumerate(shown[value_column].tolist()):
        index = palette.setdefault(color_of(colors, value), len(palette))
        key = None if is_missing(ids[i]) or ids[i] == "" else str(ids[i])
        rows.append([xs[i], ys[i], index, key, *(column[i] for column in texts)])
    table = {
        "id": id_column,
        "palette": list(palette),
        "fields": [display_text(label) for label in tooltip_columns.values()],
        "rows": rows,
    }
    return PointTable(table, radius=radius, name=name)

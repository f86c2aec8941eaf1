"""The offline map layer: no internet links, escaped popups, colours from Python, small."""

from __future__ import annotations

import inspect
import json
import math

import folium
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from app import maps
from app._folium_compat import linked_elements
from app.assets import STATIC_DIR, static_url
from app.colors import COVERAGE_PALETTE, MISSING_COLOR, coverage_colors
from geo.errors import BeatcovError, CRSError, SchemaError
from geo.settings import DEFAULTS

EVIL = "<img src=x onerror=alert(1)>"
LEAFLET_JS = "/component/app._streamlit_compat.beatcov_static/leaflet/leaflet.js"
LEAFLET_CSS = "/component/app._streamlit_compat.beatcov_static/leaflet/leaflet.css"


def squares() -> gpd.GeoDataFrame:
    """Three 100 m-ish squares in Helsinki and one with no coverage."""
    d = 0.001
    return gpd.GeoDataFrame(
        {
            "block_id": ["A", "B", "C", "D"],
            "name": [EVIL, "Mäkelänkatu & co", "plain", None],
            "coverage": [0.1, 0.5, 0.9, np.nan],
            "households": [10, 4, 7, 0],
        },
        geometry=[box(24.94 + i * d, 60.17, 24.94 + i * d + d * 0.9, 60.17 + d) for i in range(4)],
        crs="EPSG:4326",
    )


def streets() -> gpd.GeoDataFrame:
    # a two-way street digitised in both directions, plus one one-way street
    a = LineString([(24.94, 60.169), (24.945, 60.169)])
    return gpd.GeoDataFrame(
        geometry=[a, LineString(a.coords[::-1]), LineString([(24.94, 60.172), (24.945, 60.172)])],
        crs="EPSG:4326",
    )


def households() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "household_id": ["h1", "h2"],
            "address": [EVIL, "Rue <b>"],
            "vulnerable": ["elderly", None],
        },
        geometry=[Point(24.9405, 60.1705), Point(24.9415, 60.1705)],
        crs="EPSG:4326",
    )


def full_map(*, tile_url: str | None = None, **kwargs: object) -> folium.Map:
    gdf = squares()
    settings = DEFAULTS.replace(tile_url=tile_url)
    m = maps.base_map(gdf.total_bounds, settings=settings, **kwargs)  # type: ignore[arg-type]
    maps.street_layer(streets()).add_to(m)
    maps.polygon_layer(
        gdf,
        value_column="coverage",
        colors=coverage_colors(),
        tooltip_columns={"block_id": "Block", "name": "Name"},
        popup_columns={"name": "Name", "households": "Households"},
        id_column="block_id",
        name="Blocks",
    ).add_to(m)
    maps.point_layer(
        households(),
        name="Households",
        value_column="vulnerable",
        colors={"elderly": "#e31a1c"},
        tooltip_columns={"address": "Address"},
        id_column="household_id",
    ).add_to(m)
    return m


# ----------------------------------------------------------------- offline


def test_offline_map_has_no_internet_link_anywhere() -> None:
    m = full_map()
    assert maps.external_links(m) == []
    # the only script and stylesheet are the vendored Leaflet served by the app
    js = [url for e in linked_elements(m) for _, url in getattr(e, "default_js", [])]
    css = [url for e in linked_elements(m) for _, url in getattr(e, "default_css", [])]
    assert js == [LEAFLET_JS]
    assert css == [LEAFLET_CSS]
    assert not [c for c in m._children.values() if isinstance(c, folium.TileLayer)]


def test_external_links_sees_what_streamlit_folium_would_load() -> None:
    # folium's own defaults (CDN Leaflet, jQuery, Bootstrap...) are what base_map removes
    m = folium.Map(tiles=None)
    links = maps.external_links(m)
    assert "https://code.jquery.com/jquery-3.7.1.min.js" in links
    assert any(link.startswith("https://cdn.jsdelivr.net/npm/leaflet@") for link in links)


def test_tile_url_is_the_only_internet_link() -> None:
    url = "https://tiles.police.example/osm/{z}/{x}/{y}.png?key=k&style=grey"
    m = full_map(tile_url=url, tile_attribution="Police tiles <b>")
    assert maps.external_links(m) == [url]
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert [t.tiles for t in tiles] == [url]
    assert tiles[0].options["attribution"] == "Police tiles &lt;b&gt;"


def test_tile_url_comes_only_from_settings() -> None:
    url = "http://10.0.0.5/tiles/{z}/{x}/{y}.png"
    m = maps.base_map(squares().total_bounds, settings=DEFAULTS.replace(tile_url=url))
    assert maps.external_links(m) == [url]
    assert "tile_url" not in inspect.signature(maps.base_map).parameters


def test_tile_url_without_placeholders_is_refused() -> None:
    with pytest.raises(BeatcovError, match=r"must contain \{z\}"):
        full_map(tile_url="https://tiles.example/t.png")


def test_static_files_exist_and_are_served_by_the_app() -> None:
    assert static_url("leaflet/leaflet.js") == LEAFLET_JS
    assert (STATIC_DIR / "leaflet" / "leaflet.css").is_file()
    with pytest.raises(FileNotFoundError, match="no static file"):
        static_url("leaflet/missing.js")
    with pytest.raises(FileNotFoundError, match="no static file"):
        static_url("../maps.py")


def test_attribution_is_always_shown() -> None:
    for m in (full_map(), full_map(tile_url="https://t.example/{z}/{x}/{y}.png")):
        html = m.get_root().render()
        # Jinja's tojson writes the copyright sign as \u00a9
        assert '.attributionControl.addAttribution("\\u00a9 OpenStreetMap contributors")' in html


# ----------------------------------------------------------------- escaping


def test_tooltip_and_popup_texts_are_escaped() -> None:
    layer = maps.polygon_layer(
        squares(),
        value_column="coverage",
        colors=coverage_colors(),
        tooltip_columns={"name": "Name <i>"},
        popup_columns={"name": "Name <i>", "block_id": "Block"},
        id_column="block_id",
        name="Blocks",
    )
    props = [f["properties"] for f in layer.data["features"]]
    # tooltip and popup share the display copy "_0" of "name"; "_1" is block_id
    assert props[0]["_0"] == "&lt;img src=x onerror=alert(1)&gt;"
    assert props[1]["_0"] == "Mäkelänkatu &amp; co"
    assert props[3]["_0"] == ""  # missing name shows nothing, not "None"
    assert props[0]["block_id"] == "A"  # the raw id a click returns
    tooltips = [c for c in layer._children.values() if isinstance(c, folium.GeoJsonTooltip)]
    popups = [c for c in layer._children.values() if isinstance(c, folium.GeoJsonPopup)]
    assert tooltips[0].fields == ["_0"] and tooltips[0].aliases == ["Name &lt;i&gt;"]
    assert popups[0].fields == ["_0", "_1"]
    m = maps.base_map(squares().total_bounds)
    layer.add_to(m)
    html = m.get_root().render()
    # Leaflet puts these strings into innerHTML: JSON-decoded they must still be escaped
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html
    assert "\\u003cimg" not in html
    assert "<img" not in html


def test_point_tooltips_are_escaped() -> None:
    layer = maps.point_layer(
        households(), name="Households", tooltip_columns={"address": "Address"}
    )
    texts = [f["properties"]["_0"] for f in layer.data["features"]]
    assert texts == ["&lt;img src=x onerror=alert(1)&gt;", "Rue &lt;b&gt;"]


# ----------------------------------------------------------------- colours


def test_colours_are_computed_per_feature() -> None:
    layer = maps.polygon_layer(
        squares(),
        value_column="coverage",
        colors=coverage_colors(),
        tooltip_columns={"block_id": "Block"},
        name="Blocks",
    )
    colors = [f["properties"]["color"] for f in layer.data["features"]]
    # threshold 0.8 -> edges 0, .2, .4, .6, .8, 1: 0.1 is bin 0, 0.5 bin 2 (.4-.6),
    # 0.9 bin 4 (at/above the threshold), NaN is "no households"
    p = COVERAGE_PALETTE
    assert colors == [p[0], p[2], p[4], MISSING_COLOR]
    # the style Leaflet gets is built from that property
    style = layer.style_function(layer.data["features"][1])
    assert style["fillColor"] == style["color"] == p[2]


def test_point_colours_from_a_mapping_and_a_default() -> None:
    mapped = maps.point_layer(
        households(), name="H", value_column="vulnerable", colors={"elderly": "#e31a1c"}
    )
    # "elderly" is mapped, None is not in the mapping -> missing grey
    assert [f["properties"]["color"] for f in mapped.data["features"]] == [
        "#e31a1c",
        MISSING_COLOR,
    ]
    plain = maps.point_layer(households(), name="H", color="#123456")
    assert {f["properties"]["color"] for f in plain.data["features"]} == {"#123456"}
    assert isinstance(plain.marker, folium.CircleMarker)


def test_a_colour_rule_must_give_hex_colours() -> None:
    with pytest.raises(BeatcovError, match="'red' is not a hex colour"):
        maps.polygon_layer(
            squares(),
            value_column="coverage",
            colors=lambda value: "red",
            tooltip_columns={},
            name="Blocks",
        )


# ----------------------------------------------------------------- size and geometry


def test_five_thousand_blocks_stay_under_two_megabytes() -> None:
    # 50 x 100 squares of ~20 m with full 6-decimal coordinates and four shown properties
    rng = np.random.default_rng(7)
    d = 0.000371
    x0, y0 = 24.9123457, 60.1612349
    geoms = [
        box(x0 + j * d, y0 + i * d / 2, x0 + j * d + d * 0.83, y0 + i * d / 2 + d * 0.41)
        for i in range(50)
        for j in range(100)
    ]
    blocks = gpd.GeoDataFrame(
        {
            "block_id": [f"helsinki-b{i:05d}" for i in range(5000)],
            "beat_id": [f"beat-{i % 12:02d}" for i in range(5000)],
            "coverage": rng.random(5000),
            "households": rng.integers(0, 60, 5000),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    m = maps.base_map(blocks.total_bounds)
    maps.polygon_layer(
        blocks,
        value_column="coverage",
        colors=coverage_colors(),
        tooltip_columns={"block_id": "Block", "coverage": "Coverage", "households": "Homes"},
        popup_columns={"beat_id": "Beat"},
        id_column="block_id",
        name="Blocks",
    ).add_to(m)
    size = maps.geojson_payload_size(m)
    assert 500_000 < size < 2_000_000


def test_coordinates_are_rounded_and_simplified_in_metres() -> None:
    # a square with an extra vertex ~0.3 m off its bottom edge (0.000003 deg of latitude)
    ring = [(24.9400001, 60.17), (24.9405, 60.170003), (24.941, 60.17), (24.941, 60.171),
            (24.94, 60.171)]  # fmt: skip
    gdf = gpd.GeoDataFrame({"v": [1.0]}, geometry=[Polygon(ring)], crs="EPSG:4326")
    kept = maps.polygon_layer(
        gdf, value_column="v", colors={1.0: "#000000"}, tooltip_columns={}, name="x",
        simplify_m=0.0,
    )  # fmt: skip
    coords = kept.data["features"][0]["geometry"]["coordinates"][0]
    assert len(coords) == 6  # 5 vertices + closing point
    assert coords[0] == [24.94, 60.17]  # 24.9400001 rounded to 6 decimals
    simplified = maps.polygon_layer(
        gdf, value_column="v", colors={1.0: "#000000"}, tooltip_columns={}, name="x"
    )
    # the 0.3 m bump is within the 1 m tolerance and goes
    assert len(simplified.data["features"][0]["geometry"]["coordinates"][0]) == 5
    for x, y in simplified.data["features"][0]["geometry"]["coordinates"][0]:
        assert round(x, 6) == x and round(y, 6) == y


def test_frames_in_a_metric_crs_come_out_in_lon_lat() -> None:
    metric = squares().to_crs("EPSG:3067")
    layer = maps.polygon_layer(
        metric, value_column="coverage", colors=coverage_colors(),
        tooltip_columns={}, name="x",
    )  # fmt: skip
    ring = layer.data["features"][0]["geometry"]["coordinates"][0]
    # square A spans 24.94-24.9409 E, 60.17-60.171 N; the round trip through metres is
    # exact at 6 decimals (0.1 m)
    expected = [(24.9409, 60.17), (24.9409, 60.171), (24.94, 60.171), (24.94, 60.17)]
    assert len(ring) == 5
    for (x, y), (ex, ey) in zip(ring, expected, strict=False):
        assert math.isclose(x, ex, abs_tol=2e-6) and math.isclose(y, ey, abs_tol=2e-6)


def test_street_layer_is_one_thin_grey_non_interactive_feature() -> None:
    layer = maps.street_layer(streets())
    features = layer.data["features"]
    assert len(features) == 1
    geometry = features[0]["geometry"]
    # the street drawn both ways is kept once: two lines remain
    assert geometry["type"] == "MultiLineString" and len(geometry["coordinates"]) == 2
    assert layer.options["interactive"] is False
    style = layer.style_function(features[0])
    assert style["color"] == "#8c8c8c" and style["weight"] == 1.0


def test_line_layer_colours_dashes_and_escapes_each_line() -> None:
    lines = gpd.GeoDataFrame(
        {"visit_id": [EVIL, "v2"], "flag": ["gps_far", "unknown"]},
        geometry=[
            LineString([(24.9405, 60.1705), (24.9415, 60.1712)]),
            LineString([(24.9415, 60.1705), (24.9416, 60.1706)]),
        ],
        crs="EPSG:4326",
    )
    layer = maps.line_layer(
        lines,
        name="GPS to door",
        value_column="flag",
        colors={"gps_far": "#d95f02"},
        weight=3,
        dash="6 4",
        tooltip_columns={"visit_id": "Visit"},
    )
    features = layer.data["features"]
    assert [f["geometry"]["type"] for f in features] == ["LineString", "LineString"]
    assert [f["properties"]["color"] for f in features] == ["#d95f02", MISSING_COLOR]
    assert features[0]["properties"]["_0"] == "&lt;img src=x onerror=alert(1)&gt;"
    style = layer.style_function(features[0])
    assert (style["color"], style["weight"], style["dashArray"]) == ("#d95f02", 3, "6 4")
    plain = maps.line_layer(lines, name="Path", color="#123456")
    assert {f["properties"]["color"] for f in plain.data["features"]} == {"#123456"}
    with pytest.raises(SchemaError, match="row 0 has a Point geometry"):
        maps.line_layer(households(), name="Path")
    with pytest.raises(SchemaError, match="give value_column and colors together"):
        maps.line_layer(lines, name="Path", value_column="flag")


def test_empty_layers_render() -> None:
    m = maps.base_map(squares().total_bounds)
    maps.street_layer(streets().iloc[:0]).add_to(m)
    maps.polygon_layer(
        squares().iloc[:0],
        value_column="coverage",
        colors=coverage_colors(),
        tooltip_columns={"name": "Name"},
        name="Blocks",
    ).add_to(m)
    assert "L.geoJson(null" in m.get_root().render()


# ----------------------------------------------------------------- errors and clicks


def test_bad_inputs_are_refused_with_named_columns_and_rows() -> None:
    with pytest.raises(SchemaError, match="layer 'Blocks': column 'priority' is not in the frame"):
        maps.polygon_layer(
            squares(), value_column="priority", colors={}, tooltip_columns={}, name="Blocks"
        )
    with pytest.raises(SchemaError, match="row 0 has a Point geometry"):
        maps.polygon_layer(
            households(), value_column="vulnerable", colors={}, tooltip_columns={}, name="B"
        )
    with pytest.raises(CRSError, match="layer 'H': the frame has no coordinate system"):
        maps.point_layer(households().set_crs(None, allow_override=True), name="H")
    with pytest.raises(SchemaError, match="give value_column and colors together"):
        maps.point_layer(households(), name="H", value_column="vulnerable")
    with pytest.raises(BeatcovError, match="not WGS84 longitude/latitude"):
        maps.base_map([2_500_000, 6_600_000, 2_600_000, 6_700_000])
    with pytest.raises(BeatcovError, match="four finite numbers"):
        maps.base_map(squares().iloc[:0].total_bounds)


def test_clicked_properties_keep_only_raw_values() -> None:
    result = {
        "last_object_clicked": {"lat": 60.17, "lng": 24.94},
        "last_active_drawing": {
            "type": "Feature",
            "id": "0",
            "properties": {"block_id": "A", "color": "#b2182b", "_0": "&lt;img&gt;", "_1": "A"},
            "geometry": {"type": "Polygon", "coordinates": []},
        },
    }
    assert maps.clicked_properties(result) == {"block_id": "A"}
    assert maps.clicked_properties(None) is None
    assert maps.clicked_properties({"last_active_drawing": None}) is None


def test_geojson_is_plain_json() -> None:
    layer = maps.polygon_layer(
        squares().astype({"households": "int64"}),
        value_column="households",
        colors=lambda v: "#000000",
        tooltip_columns={"households": "Homes", "coverage": "Coverage"},
        id_column="households",
        name="x",
    )
    text = json.dumps(layer.data, allow_nan=False)  # numpy ints and NaN are converted
    first = layer.data["features"][0]["properties"]
    assert first["households"] == 10 and first["_0"] == "10" and first["_1"] == "0.10"
    assert "NaN" not in text

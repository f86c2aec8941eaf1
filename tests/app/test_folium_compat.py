"""Contract tests of app._folium_compat: the walk against what streamlit-folium really loads.

``st_folium`` sends the browser the script and stylesheet links it collects from a map; an
``AppTest`` run shows them (the component's arguments). For maps with plugins, a colour
map and a ``DualMap``, the links of :func:`linked_elements` (with d3 first for a colour map,
as streamlit-folium adds it) must be exactly those.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import branca.colormap
import folium
import folium.plugins
import pytest
from streamlit.testing.v1 import AppTest

from app import _folium_compat
from app._folium_compat import children, linked_elements
from geo.errors import DependencyError

ROOT = Path(__file__).resolve().parents[2]
D3 = ["https://d3js.org/d3.v4.min.js", "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js"]


def plugin_map(kind: str) -> folium.Map | folium.plugins.DualMap:
    """A map with plugins nested in a feature group; ``kind`` picks the extras."""
    m: Any = folium.plugins.DualMap(location=[60.17, 24.94], tiles=None)
    if kind == "map":
        m = folium.Map(location=[60.17, 24.94], tiles=None)
        branca.colormap.LinearColormap(["#ffffff", "#000000"], vmin=0, vmax=1).add_to(m)
    group = folium.FeatureGroup(name="group").add_to(m)
    cluster = folium.plugins.MarkerCluster().add_to(group)
    folium.Marker([60.17, 24.94]).add_to(cluster)
    folium.plugins.Fullscreen().add_to(m)
    folium.plugins.MeasureControl().add_to(m)
    return m  # type: ignore[no-any-return]


def map_script() -> None:
    """Run by AppTest: show the map named in the query parameters with st_folium."""
    import streamlit as st
    from streamlit_folium import st_folium

    from tests.app.test_folium_compat import plugin_map

    st_folium(plugin_map(st.query_params["kind"]), key="map", returned_objects=[])


def loaded_by_streamlit_folium(kind: str) -> dict[str, list[str]]:
    at = AppTest.from_function(map_script)
    at.query_params["kind"] = kind
    at.run()
    assert not at.exception
    found = [e for e in at.get("component_instance") if "st_folium" in e.proto.component_name]
    args = json.loads(found[0].proto.json_args)
    return {"js": args["js_links"], "css": args["css_links"]}


def collected_by_the_walk(m: Any) -> dict[str, list[str]]:
    js: list[str] = []
    css: list[str] = []
    for element in linked_elements(m):
        if isinstance(element, branca.colormap.ColorMap):
            js[:0] = D3
        css += [url for _, url in getattr(element, "default_css", [])]
        js += [url for _, url in getattr(element, "default_js", [])]
    return {"js": list(dict.fromkeys(js)), "css": list(dict.fromkeys(css))}


@pytest.mark.parametrize("kind", ["map", "dual"])
def test_the_walk_finds_the_links_streamlit_folium_loads(kind: str) -> None:
    ours = collected_by_the_walk(plugin_map(kind))
    # the plugins' own files are among them, so the walk reached into the feature group
    assert any("markercluster" in url.lower() for url in ours["js"])
    assert any("fullscreen" in url.lower() for url in ours["css"])
    assert (D3[0] in ours["js"]) is (kind == "map")
    assert ours == loaded_by_streamlit_folium(kind)


def app_map() -> folium.Map:
    """A map as the pages make them: streets, a polygon layer with tooltips, labels, points."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point, box

    from app import maps
    from app.colors import coverage_colors

    blocks = gpd.GeoDataFrame(
        {"block_id": ["b1", "b2"], "coverage": [0.2, 0.9], "name": ["<A>", "B"]},
        geometry=[box(118.80, 32.00, 118.801, 32.001), box(118.801, 32.00, 118.802, 32.001)],
        crs=4326,
    )
    m = maps.base_map(blocks.total_bounds)
    streets = gpd.GeoSeries([LineString([(118.80, 32.0), (118.802, 32.0)])], crs=4326)
    maps.street_layer(streets).add_to(m)
    maps.polygon_layer(
        blocks,
        value_column="coverage",
        colors=coverage_colors(),
        tooltip_columns={"block_id": "Block", "name": "Name"},
        id_column="block_id",
        name="Blocks",
    ).add_to(m)
    points = gpd.GeoDataFrame({"t": ["1"]}, geometry=[Point(118.8005, 32.0005)], crs=4326)
    maps.label_layer(points, text_column="t", name="Labels", kind="rank").add_to(m)
    maps.point_layer(points, name="Points", tooltip_columns={"t": "T"}).add_to(m)
    return m


def two_ways_script() -> None:
    """Run by AppTest: show a map with st_folium, or with prepare and show."""
    import streamlit as st
    from streamlit_folium import st_folium

    from app._folium_compat import prepare, show
    from tests.app.test_folium_compat import app_map, plugin_map

    kind = st.query_params["kind"]
    m = app_map() if kind == "app" else plugin_map(kind)
    returned = ["last_object_clicked", "last_active_drawing"]
    if st.query_params["how"] == "st_folium":
        st_folium(m, key="map", height=300, use_container_width=True, returned_objects=returned)
    else:
        show(prepare(m, key="map", returned_objects=returned), height=300)


@pytest.mark.parametrize("kind", ["app", "map"])
def test_prepare_and_show_send_what_st_folium_sends(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import functools
    import itertools

    import branca.element

    sent = {}
    for how in ("st_folium", "prepare"):
        # the same element ids both ways (folium draws them at random)
        ids = functools.partial(next, itertools.count())
        fixed = classmethod(lambda cls, ids=ids: f"{ids():032x}")
        monkeypatch.setattr(branca.element.Element, "_generate_id", fixed)
        at = AppTest.from_function(two_ways_script)
        at.query_params["kind"] = kind
        at.query_params["how"] = how
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        found = [e for e in at.get("component_instance") if "st_folium" in e.proto.component_name]
        assert len(found) == 1
        proto = found[0].proto
        sent[how] = (proto.component_name, proto.id, json.loads(proto.json_args))
    assert sent["prepare"] == sent["st_folium"]
    assert "b1" in sent["prepare"][2]["script"] or kind == "map"


@pytest.mark.parametrize("kind", ["app", "map"])  # a DualMap draws more ids, from elsewhere
def test_text_elements_render_as_branca_compiles_them(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import functools
    import itertools

    import branca.element
    import jinja2

    shared: list[str] = []

    def recorded(source: Any) -> jinja2.Template:
        template = _folium_compat.plain_text_template(source)
        if template is _folium_compat.AS_ITSELF:
            shared.append(source)
        return template

    html = {}
    for how, template in (("compiled", jinja2.Template), ("plain", recorded)):
        # the same element ids both ways (folium draws them at random)
        ids = functools.partial(next, itertools.count())
        fixed = classmethod(lambda cls, ids=ids: f"{ids():032x}")
        monkeypatch.setattr(branca.element.Element, "_generate_id", fixed)
        monkeypatch.setattr(branca.element, "Template", template)
        m = app_map() if kind == "app" else plugin_map(kind)
        html[how] = m.get_root().render()
    assert html["plain"] == html["compiled"]
    assert len(shared) > 5  # the rendered pieces took the shared template


@pytest.mark.parametrize(
    ("text", "shared"),
    [
        ("", True),
        ("\n", True),
        ("a\n\n", True),  # one line break dropped, as Jinja drops it
        ("<b>北京</b>\n  ", True),
        ("{ {x} } %} #} }}", True),  # ends of Jinja syntax, and braces, are text
        ("a\r\nb\rc", False),  # Jinja rewrites these line breaks: compiled
        ("{{ 1 + 1 }}", False),
        ("{% if true %}x{% endif %}", False),
        ("{# c #}x", False),
    ],
)
def test_a_text_renders_as_jinja_renders_it(text: str, shared: bool) -> None:
    import branca.element
    import jinja2

    element = branca.element.Element("placeholder")
    element._template_str = text  # what Element(text) keeps
    template = _folium_compat.plain_text_template(text)
    assert (template is _folium_compat.AS_ITSELF) is shared
    assert template.render(this=element, kwargs={}) == jinja2.Template(text).render(
        this=element, kwargs={}
    )


def test_children_in_order() -> None:
    m = folium.Map(tiles=None)
    first = folium.Marker([0, 0]).add_to(m)
    second = folium.FeatureGroup().add_to(m)
    assert children(m) == [first, second]
    assert children(second) == []
    assert children("not an element") == []


# ------------------------------------------------------------------------ version check


def test_the_pinned_versions_are_supported() -> None:
    pins = {}
    for name in ("requirements.txt", "constraints.txt"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            if "==" in line and not line.startswith("#"):
                package, pinned = line.split("==")
                pins[package.strip().lower()] = pinned.strip()
    for supported in _folium_compat.SUPPORTED:
        assert supported.check() == pins[supported.package]


@pytest.mark.parametrize(
    ("index", "found"), [(0, "0.28.0"), (0, "0.26.1"), (1, "0.21.0"), (2, "0.9.0")]
)
def test_other_versions_are_refused(index: int, found: str) -> None:
    supported = _folium_compat.SUPPORTED[index]
    with pytest.raises(DependencyError, match=rf"{supported.package} {found} is installed"):
        supported.check(found)


def test_the_walk_checks_the_installed_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    import geo.dependencies

    monkeypatch.setattr(geo.dependencies, "version", lambda package: "9.0")
    _folium_compat._checked.cache_clear()
    try:
        with pytest.raises(DependencyError, match="streamlit-folium 9.0 is installed"):
            list(linked_elements(folium.Map(tiles=None)))
    finally:
        _folium_compat._checked.cache_clear()

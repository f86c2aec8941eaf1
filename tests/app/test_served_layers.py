"""Served layers: three blocks' style table worked by hand, and a script without shapes."""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from app import map_files, maps, served_layers
from app.colors import COVERAGE_PALETTE, MISSING_COLOR, coverage_colors
from geo.errors import SchemaError

EVIL = "<img src=x onerror=alert(1)>"


def three_blocks() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "block_id": ["A", "B", "C"],
            "name": [EVIL, "Mäkelänkatu & co", None],
            "coverage": [0.1, 0.9, np.nan],
        },
        geometry=[box(24.94 + i * 0.002, 60.17, 24.941 + i * 0.002, 60.171) for i in range(3)],
        crs="EPSG:4326",
    )


def test_the_style_table_of_three_blocks() -> None:
    # coverage 0.1 -> the first bin, 0.9 -> the last, missing -> the missing colour;
    # each colour once in the palette, each row [its colour's index, tooltip texts...]
    table = served_layers.style_table(
        three_blocks(),
        id_column="block_id",
        value_column="coverage",
        colors=coverage_colors(),
        tooltip_columns={"block_id": "Block", "name": "Name <i>"},
    )
    assert table == {
        "id": "block_id",
        "palette": [COVERAGE_PALETTE[0], COVERAGE_PALETTE[4], MISSING_COLOR],
        "fields": ["Block", "Name &lt;i&gt;"],
        "rows": {
            "A": [0, "A", "&lt;img src=x onerror=alert(1)&gt;"],
            "B": [1, "B", "Mäkelänkatu &amp; co"],
            "C": [2, "C", ""],
        },
    }


def served_map() -> tuple[folium.Map, str]:
    frame = three_blocks()
    url = map_files.geometry_url(frame.set_index("block_id").geometry, id_column="block_id")
    m = maps.base_map(frame.total_bounds)
    served_layers.served_polygons(
        frame,
        url,
        id_column="block_id",
        value_column="coverage",
        colors=coverage_colors(),
        tooltip_columns={"name": "Name"},
        name="Blocks",
    ).add_to(m)
    return m, url


def test_the_script_names_the_file_and_carries_no_shape() -> None:
    m, url = served_map()
    args = maps.prepared(m, key="map")
    assert json.dumps(url) in args.script
    assert '"coordinates"' not in args.script and "Polygon" not in args.script
    # the table is escaped once in Python and kept from closing the script
    assert EVIL not in args.script and "\\u003cimg" not in args.script
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in args.script
    assert maps.external_links(m) == []
    assert map_files.fetched_files(args.script)[0].is_file()


def test_layers_report_their_colours() -> None:
    m, url = served_map()
    layer = next(c for c in m._children.values() if getattr(c, "layer_name", "") == "Blocks")
    assert layer.colors_by_id() == {
        "A": COVERAGE_PALETTE[0],
        "B": COVERAGE_PALETTE[4],
        "C": MISSING_COLOR,
    }
    streets = served_layers.served_lines(url, color="#8c8c8c", weight=1.0, name="Streets")
    assert streets.colors_by_id() == {} and streets.look["interactive"] is False


def test_points_are_a_compact_table() -> None:
    homes = gpd.GeoDataFrame(
        {
            "household_id": ["h1", "h2", "h3"],
            "block_id": ["A", "", "B"],
            "todo": ["vulnerable_overdue", "none", "elsewhere"],
            "address": [EVIL, "Rue 2", "Rue 3"],
        },
        geometry=[Point(24.9405012, 60.1705), None, Point(24.943, 60.17049999)],
        crs="EPSG:4326",
    )
    layer = served_layers.point_table(
        homes,
        value_column="todo",
        colors={"vulnerable_overdue": "#762a83", "none": "#1b9e77"},
        tooltip_columns={"address": "Address"},
        id_column="block_id",
        name="Households",
    )
    # h2 has no point; h3's to-do has no colour: the missing colour; 5 decimals
    assert layer.table == {
        "id": "block_id",
        "palette": ["#762a83", MISSING_COLOR],
        "fields": ["Address"],
        "rows": [
            [24.9405, 60.1705, 0, "A", "&lt;img src=x onerror=alert(1)&gt;"],
            [24.943, 60.1705, 1, "B", "Rue 3"],
        ],
    }
    assert layer.colors() == ["#762a83", MISSING_COLOR]


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(SchemaError, match="'households' is not in the frame"):
        served_layers.style_table(
            three_blocks(),
            id_column="block_id",
            value_column="coverage",
            colors=coverage_colors(),
            tooltip_columns={"households": "Households"},
        )
    with pytest.raises(SchemaError, match="row 0 is not a point"):
        served_layers.point_table(
            three_blocks(),
            value_column="coverage",
            colors=coverage_colors(),
            tooltip_columns={},
            id_column=None,
            name="Points",
        )

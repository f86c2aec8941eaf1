"""The pages' maps, composed from :mod:`app.maps` (offline Folium layers).

Each builder returns a :class:`folium.Map` (streets as the base layer, coloured polygons or
points above) and the colour rule for the legend, which the page draws with Streamlit.
Tooltip labels are translated; tooltip values are escaped by :mod:`app.maps`.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from analysis.verify import FLAG_CODES
from app import maps
from app.i18n import codes_label, column_label, current_language, t
from app.maps import StepColors
from app.state import MapShapes
from app.views import first_flag
from geo.settings import Settings

FLAG_PALETTE = {
    "desk_job": "#b2182b",
    "one_spot_burst": "#a6761d",
    "impossible_travel": "#e7298a",
    "gps_far": "#d95f02",
    "duplicate": "#1b9e77",
    "far_from_door": "#fdae61",
    "fast_travel": "#c994c7",
    "too_short": "#7570b3",
    "no_gps": "#666666",
}
"""Colour of a flagged visit's point by its first flag (ColorBrewer Dark2)."""


def _tooltips(columns: list[str]) -> dict[str, str]:
    return {c: column_label(c) for c in columns}


def _percent(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else f"{float(v):.0%}" for v in values]


OUTLINE_COLOR = "#4d4d4d"
"""Colour of beat outlines drawn under blocks."""


def _base(
    bounds: gpd.GeoDataFrame,
    shapes: MapShapes,
    settings: Settings,
    *,
    outlines: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Return a map with the streets and, optionally, the beats' outlines (under the rest)."""
    m = maps.base_map(bounds, attribution=t("map.attribution"), settings=settings)
    maps.street_layer(
        shapes.edges, name=t("map.streets"), simplify_m=0.0, settings=settings
    ).add_to(m)
    if outlines is not None and len(outlines):
        frame = _shaped(outlines[["beat_id", outlines.geometry.name]], "beat_id", shapes.beats)
        maps.polygon_layer(
            frame,
            value_column="beat_id",
            colors=lambda _beat: OUTLINE_COLOR,
            tooltip_columns={"beat_id": column_label("beat_id")},
            name=t("map.beats"),
            fill_opacity=0.04,
            simplify_m=0.0,
            settings=settings,
        ).add_to(m)
    return m


def _shaped(frame: gpd.GeoDataFrame, id_column: str, shapes: gpd.GeoSeries) -> gpd.GeoDataFrame:
    """Return ``frame`` with the simplified map geometry of its ids (rows without one dropped)."""
    geometry = gpd.GeoSeries(
        frame[id_column].map(shapes).to_numpy(), index=frame.index, crs=shapes.crs
    )
    out = gpd.GeoDataFrame(frame.drop(columns=frame.geometry.name), geometry=geometry)
    return out[out.geometry.notna()]


def beat_coverage_map(
    beats: gpd.GeoDataFrame, shapes: MapShapes, *, settings: Settings
) -> tuple[folium.Map, StepColors]:
    """Return the beats coloured by coverage over the streets, and the colour scale."""
    colors = maps.coverage_colors(settings=settings)
    frame = _shaped(beats, "beat_id", shapes.beats)
    frame = frame.assign(coverage_text=_percent(frame["coverage"]))
    m = _base(frame, shapes, settings)
    maps.polygon_layer(
        frame,
        value_column="coverage",
        colors=colors,
        tooltip_columns={
            "beat_id": column_label("beat_id"),
            "name": column_label("name"),
            "coverage_text": column_label("coverage"),
            "households": column_label("households"),
            "vulnerable_overdue": column_label("vulnerable_overdue"),
        },
        id_column="beat_id",
        name=t("map.beats"),
        simplify_m=0.0,
        settings=settings,
    ).add_to(m)
    return m, colors


def gap_map(
    gaps: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    shapes: MapShapes,
    colors: StepColors,
    *,
    settings: Settings,
) -> folium.Map:
    """Return the under-visited blocks coloured by priority over the streets and ``beats``."""
    lang = current_language()
    drawn = _shaped(gaps, "block_id", shapes.blocks)
    frame = drawn.assign(
        coverage_text=_percent(drawn["coverage"]),
        reasons_text=[codes_label("reason", r, lang) for r in drawn["reasons"]],
        band_text=[t(f"band.{b}") if b else "" for b in drawn["recommended_band"]],
    )
    m = _base(beats, shapes, settings, outlines=beats)
    if len(frame):
        maps.polygon_layer(
            frame,
            value_column="priority",
            colors=colors,
            tooltip_columns={
                "block_id": column_label("block_id"),
                "beat_id": column_label("beat_id"),
                "priority": column_label("priority"),
                "reasons_text": column_label("reasons"),
                "coverage_text": column_label("coverage"),
                "households": column_label("households"),
                "band_text": column_label("recommended_band"),
            },
            id_column="block_id",
            name=t("map.gaps"),
            fill_opacity=0.7,
            simplify_m=0.0,
            settings=settings,
        ).add_to(m)
    return m


def beat_blocks_map(
    blocks: gpd.GeoDataFrame,
    todo: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    shapes: MapShapes,
    *,
    settings: Settings,
) -> tuple[folium.Map, StepColors]:
    """Return a beat's blocks by coverage, its outline, and the households still to visit."""
    colors = maps.coverage_colors(settings=settings)
    drawn = _shaped(blocks, "block_id", shapes.blocks)
    frame = drawn.assign(
        coverage_text=_percent(drawn["coverage"]),
        band_text=[t(f"band.{b}") if b else "" for b in drawn["recommended_band"]],
    )
    m = _base(beats, shapes, settings, outlines=beats)
    maps.polygon_layer(
        frame,
        value_column="coverage",
        colors=colors,
        tooltip_columns={
            "block_id": column_label("block_id"),
            "coverage_text": column_label("coverage"),
            "households": column_label("households"),
            "band_text": column_label("recommended_band"),
        },
        id_column="block_id",
        name=t("map.blocks"),
        simplify_m=0.0,
        settings=settings,
    ).add_to(m)
    points = todo[todo.geometry.notna()]
    if len(points):
        maps.point_layer(
            points,
            name=t("map.to_visit"),
            value_column="vulnerable_overdue",
            colors={True: "#b2182b", False: "#2b5c8a"},
            tooltip_columns=_tooltips(["priority_rank", "address", "vulnerable_category"]),
            radius=4,
            settings=settings,
        ).add_to(m)
    return m, colors


def flagged_map(
    flagged: gpd.GeoDataFrame, beats: gpd.GeoDataFrame, shapes: MapShapes, *, settings: Settings
) -> tuple[folium.Map, dict[str, str]]:
    """Return the GPS points of flagged visits coloured by their first flag, over ``beats``."""
    lang = current_language()
    points = flagged[flagged.geometry.notna() & ~flagged.geometry.is_empty]
    m = _base(beats, shapes, settings, outlines=beats)
    colors = {t(f"flag.{code}"): FLAG_PALETTE[code] for code in FLAG_CODES}
    if len(points):
        frame = points.assign(
            first_flag=[t(f"flag.{first_flag(f)}") for f in points["flags"]],
            flags_text=[codes_label("flag", f, lang) for f in points["flags"]],
            time_text=["" if pd.isna(v) else v.strftime("%Y-%m-%d %H:%M") for v in points["time"]],
            distance_text=[
                "" if pd.isna(v) else f"{float(v):.0f} m" for v in points["door_distance_m"]
            ],
        )
        maps.point_layer(
            frame,
            name=t("map.flagged"),
            value_column="first_flag",
            colors=colors,
            tooltip_columns={
                "visit_id": column_label("visit_id"),
                "officer_id": column_label("officer_id"),
                "time_text": column_label("time"),
                "address": column_label("address"),
                "flags_text": column_label("flags"),
                "distance_text": column_label("door_distance_m"),
            },
            id_column="visit_id",
            radius=5,
            settings=settings,
        ).add_to(m)
    return m, colors


OUTSIDE_COLOR = "#d7191c"
"""Colour of households that lie outside every beat (Data page)."""


def outside_map(
    beats: gpd.GeoDataFrame, outside: gpd.GeoDataFrame, *, settings: Settings
) -> folium.Map:
    """Return the beats' outlines and the households outside every beat (a refused import).

    No streets: a refused import has no street network yet, and the point is to see how far
    and in which direction the two files miss each other.
    """
    frame = pd.concat([beats.geometry, outside.geometry])
    m = maps.base_map(frame.total_bounds, attribution=t("map.attribution"), settings=settings)
    maps.polygon_layer(
        beats[["beat_id", beats.geometry.name]],
        value_column="beat_id",
        colors=lambda _beat: OUTLINE_COLOR,
        tooltip_columns={"beat_id": column_label("beat_id")},
        name=t("map.beats"),
        fill_opacity=0.1,
        simplify_m=0.0,
        settings=settings,
    ).add_to(m)
    maps.point_layer(
        outside[["household_id", outside.geometry.name]],
        name=t("map.outside"),
        color=OUTSIDE_COLOR,
        tooltip_columns={"household_id": column_label("household_id")},
        settings=settings,
    ).add_to(m)
    return m

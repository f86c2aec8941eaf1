"""The pages' maps, composed from :mod:`app.maps` (offline Folium layers).

Each builder returns a :class:`folium.Map` (streets as the base layer, coloured polygons or
points above) and the colour rule for the legend, which the page draws with Streamlit.
Tooltip labels are translated; tooltip values are escaped by :mod:`app.maps`.

The shapes of the streets and of the blocks (and beats coloured by coverage) are not in
the map: the browser fetches them once from files the app serves (:mod:`app.map_files`,
:mod:`app.served_layers`), and the map carries their colours and tooltips by id. A blocks'
file holds the blocks of the page's scope (``scope_blocks``), whatever the page's filters,
so a filter changes the map's colours, not its files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely

from analysis.verify import FLAG_CODES
from app import map_files, maps, served_layers
from app.colors import StepColors, coverage_colors
from app.i18n import code_label, codes_label, column_label, current_language, t
from app.state import MapShapes
from app.views import first_flag
from geo.projection import project, to_wgs84
from geo.schema import present
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
"""Colour of a flagged visit's point by its first flag; every code of
:data:`analysis.verify.FLAG_CODES` has one."""

PATH_COLOR = "#2b5c8a"
"""Colour of an officer's path through a shift (and its stops)."""

DOOR_COLOR = "#000000"
"""Colour of the door a visit claims."""

SELECTED_COLOR = "#c51b7d"
"""Colour of the chosen visit's GPS point and its line to the door."""

PATH_MARGIN_M = 60.0
"""Margin (metres) around a shift's points when the map is fitted to them."""


def _tooltips(columns: list[str]) -> dict[str, str]:
    return {c: column_label(c) for c in columns}


def _percent(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else f"{float(v):.0%}" for v in values]


STREET_COLOR = "#8c8c8c"
"""Colour of the streets, the base layer of every map."""

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
    streets = map_files.lines_url(shapes.edges, settings=settings)
    served_layers.served_lines(
        streets, color=STREET_COLOR, weight=1.0, name=t("map.streets")
    ).add_to(m)
    if outlines is not None and len(outlines):
        frame = _shaped(outlines[["beat_id", outlines.geometry.name]], "beat_id", shapes.beats)
        url = map_files.geometry_url(
            shapes.beats, frame["beat_id"], id_column="beat_id", settings=settings
        )
        served_layers.served_polygons(
            frame,
            url,
            id_column="beat_id",
            value_column="beat_id",
            colors=lambda _beat: OUTLINE_COLOR,
            tooltip_columns={"beat_id": column_label("beat_id")},
            name=t("map.beats"),
            fill_opacity=0.04,
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
    colors = coverage_colors(settings=settings)
    frame = _shaped(beats, "beat_id", shapes.beats)
    frame = frame.assign(coverage_text=_percent(frame["coverage"]))
    m = _base(frame, shapes, settings)
    columns = ("beat_id", "name", "coverage_text", "households", "vulnerable_overdue")
    _coverage_layer(
        frame, colors, columns, shapes=shapes.beats, name=t("map.beats"), settings=settings
    ).add_to(m)
    return m, colors


def overview_map(
    blocks: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    worst: pd.DataFrame,
    shapes: MapShapes,
    *,
    settings: Settings,
) -> tuple[folium.Map, StepColors]:
    """Return Overview's map of blocks by coverage, beats and the worst gaps' numbers.

    Every block is coloured by coverage on the fixed scale, the beats are outlined and
    labelled with their name and coverage, and the numbers of the ``worst`` gaps
    (:func:`app.views.worst_gaps`) stand on their blocks.

    A click on a block (or on a number, which lets clicks through) returns its
    ``block_id``.
    """
    colors = coverage_colors(settings=settings)
    drawn = _shaped(blocks, "block_id", shapes.blocks)
    frame = drawn.assign(coverage_text=_percent(drawn["coverage"]))
    m = _base(beats, shapes, settings, outlines=beats)
    columns = ("block_id", "name", "beat_id", "coverage_text", "households")
    columns = tuple(c for c in columns if c in frame.columns)
    _coverage_layer(
        frame, colors, columns, shapes=shapes.blocks, name=t("map.blocks"), settings=settings
    ).add_to(m)
    outlines = _shaped(beats, "beat_id", shapes.beats)
    if len(outlines):
        names = outlines["name"] if "name" in outlines else outlines["beat_id"]
        texts = [
            f"{n if isinstance(n, str) and n else b} · {c}"
            for n, b, c in zip(
                names, outlines["beat_id"], _percent(outlines["coverage"]), strict=True
            )
        ]
        _labels(outlines, texts, name=t("map.beat_names"), settings=settings).add_to(m)
    ranked = drawn.merge(worst[["block_id", "rank"]], on="block_id")
    if len(ranked):
        numbers = ranked["rank"].astype(str).tolist()
        _labels(ranked, numbers, name=t("map.worst_gaps"), kind="rank", settings=settings).add_to(m)
    return m, colors


def _labels(
    shapes: gpd.GeoDataFrame,
    texts: list[str],
    *,
    name: str,
    kind: str = "name",
    settings: Settings,
) -> Any:
    """Return ``texts``, one per row, standing inside ``shapes`` (:func:`maps.label_layer`).

    Each stands at its shape's representative point, found in metres.
    """
    points = to_wgs84(project(shapes.geometry).representative_point())
    frame = gpd.GeoDataFrame({"text": texts}, geometry=points.to_numpy(), crs=points.crs)
    return maps.label_layer(frame, text_column="text", name=name, kind=kind, settings=settings)


def _coverage_layer(
    frame: gpd.GeoDataFrame,
    colors: StepColors,
    columns: tuple[str, ...],
    *,
    shapes: gpd.GeoSeries,
    name: str,
    settings: Settings,
) -> served_layers.ServedLayer:
    """Return ``frame``'s shapes coloured by coverage; ``columns[0]`` is the id clicked.

    The shapes are ``shapes``' of ``frame``'s ids, served (the scope's: ``frame`` holds
    every id of the page's scope). The tooltip shows ``columns``; ``*_text`` columns are
    labelled as the column they render (``coverage_text`` as coverage, ``band_text`` as
    the recommended band).
    """
    labels = {"coverage_text": "coverage", "band_text": "recommended_band"}
    if columns[0] == "block_id":
        labels["name"] = "block_name"
    url = map_files.geometry_url(shapes, frame[columns[0]], id_column=columns[0], settings=settings)
    return served_layers.served_polygons(
        frame,
        url,
        id_column=columns[0],
        value_column="coverage",
        colors=colors,
        tooltip_columns={c: column_label(labels.get(c, c)) for c in columns},
        name=name,
    )


def gap_map(
    gaps: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    shapes: MapShapes,
    colors: StepColors,
    *,
    urgent: gpd.GeoDataFrame | None = None,
    scope_blocks: Iterable[str] | None = None,
    settings: Settings,
) -> folium.Map:
    """Return the under-visited blocks coloured by priority over the streets and ``beats``.

    ``urgent`` households (vulnerable overdue, open follow-ups) are marked on top, in
    under-visited blocks or not. ``scope_blocks`` are the ids of every block of the page's
    scope, whose shapes the browser fetches once (default: the gaps' own, so the file
    changes with the gaps).
    """
    lang = current_language()
    drawn = _shaped(gaps, "block_id", shapes.blocks)
    frame = drawn.assign(
        coverage_text=_percent(drawn["coverage"]),
        reasons_text=[codes_label("reason", r, lang) for r in drawn["reasons"]],
        band_text=[t(f"band.{b}") if b else "" for b in drawn["recommended_band"]],
    )
    m = _base(beats, shapes, settings, outlines=beats)
    if len(frame):
        ids = frame["block_id"] if scope_blocks is None else scope_blocks
        url = map_files.geometry_url(shapes.blocks, ids, id_column="block_id", settings=settings)
        served_layers.served_polygons(
            frame,
            url,
            id_column="block_id",
            value_column="priority",
            colors=colors,
            tooltip_columns={
                "name": column_label("block_name"),
                "block_id": column_label("block_id"),
                "beat_id": column_label("beat_id"),
                "priority": column_label("priority"),
                "reasons_text": column_label("reasons"),
                "coverage_text": column_label("coverage"),
                "households": column_label("households"),
                "band_text": column_label("recommended_band"),
            },
            name=t("map.gaps"),
            fill_opacity=0.7,
        ).add_to(m)
    if urgent is not None and len(urgent):
        _todo_layer(urgent, name=t("map.urgent"), settings=settings).add_to(m)
    return m


def beat_blocks_map(
    blocks: gpd.GeoDataFrame,
    homes: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    shapes: MapShapes,
    *,
    walk: RouteDrawing | None = None,
    settings: Settings,
) -> tuple[folium.Map, StepColors]:
    """Return a beat's blocks by coverage, its outline, its households and a planned walk.

    ``homes`` (:func:`app.views.beat_list`) are marked by their most urgent to-do
    (:data:`TODO_PALETTE`, ``todo`` ``""``: nothing to do); ``walk`` adds the path, the
    stops and the start on top.
    """
    colors = coverage_colors(settings=settings)
    drawn = _shaped(blocks, "block_id", shapes.blocks)
    frame = drawn.assign(
        coverage_text=_percent(drawn["coverage"]),
        band_text=[t(f"band.{b}") if b else "" for b in drawn["recommended_band"]],
    )
    m = _base(beats, shapes, settings, outlines=beats)
    columns = ("block_id", "name", "coverage_text", "households", "band_text")
    _coverage_layer(
        frame, colors, columns, shapes=shapes.blocks, name=t("map.blocks"), settings=settings
    ).add_to(m)
    marks = homes.assign(todo=homes["todo"].where(homes["todo"] != "", NOTHING_TO_DO))
    _todo_layer(marks, name=t("map.households"), settings=settings).add_to(m)
    if walk is not None:
        _walk_layers(walk, settings=settings, m=m)
    return m, colors


NOTHING_TO_DO = "none"
"""Code of a household with no to-do on the My beat map (its colour in :data:`TODO_PALETTE`)."""

TODO_PALETTE: dict[str, str] = {
    "vulnerable_overdue": "#762a83",
    "open_follow_up": "#e6ab02",
    "never_contacted": "#1a1a1a",
    NOTHING_TO_DO: "#1b9e77",
}
"""Colour of a household by its most urgent to-do (``none``: nothing to do).

Purple, gold, near-black and green: none is a colour of the coverage scale (red to blue,
:data:`app.colors.COVERAGE_PALETTE`) or the priority reds, so a mark never reads as a
block's figure."""

ROUTE_COLOR = "#e7298a"
"""Colour of a planned walk's path and stops (magenta: on neither scale nor the marks)."""

START_COLOR = "#000000"
"""Colour of a planned walk's start."""


@dataclass(frozen=True)
class RouteDrawing:
    """A planned walk to draw: the stops in order, the path and the start (WGS84)."""

    stops: gpd.GeoDataFrame
    line: shapely.LineString | None
    start: shapely.Point


def todo_legend(*, urgent_only: bool = False) -> dict[str, str]:
    """Return the households' legend: translated to-do -> colour (urgent ones only).

    The full legend (My beat) ends with the households that have nothing to do.
    """
    urgent = ("vulnerable_overdue", "open_follow_up")
    codes = [c for c in TODO_PALETTE if not urgent_only or c in urgent]
    return {t(f"todo.{code}"): TODO_PALETTE[code] for code in codes}


def walk_legend() -> dict[str, str]:
    """Return a planned walk's legend: its path and stops, and its start."""
    return {t("legend.walk"): ROUTE_COLOR, t("legend.start"): START_COLOR}


def _walk_layers(walk: RouteDrawing, *, settings: Settings, m: folium.Map) -> None:
    """Add a planned walk to ``m``: the path, the stops (tooltip: order, arrival) and start."""
    if walk.line is not None:
        path = gpd.GeoDataFrame(geometry=[walk.line], crs="EPSG:4326")
        maps.line_layer(
            path, name=t("map.walk"), color=ROUTE_COLOR, weight=3, settings=settings
        ).add_to(m)
    if len(walk.stops):
        tips = ("order", "arrival", "household_id", "address")
        maps.point_layer(
            walk.stops[[*tips, walk.stops.geometry.name]],
            name=t("map.walk"),
            color=ROUTE_COLOR,
            tooltip_columns=_tooltips(list(tips)),
            radius=6,
            settings=settings,
        ).add_to(m)
    start = gpd.GeoDataFrame({"label": [t("legend.start")]}, geometry=[walk.start], crs=4326)
    maps.point_layer(
        start,
        name=t("legend.start"),
        color=START_COLOR,
        tooltip_columns={"label": ""},
        radius=8,
        settings=settings,
    ).add_to(m)


def _todo_layer(households: gpd.GeoDataFrame, *, name: str, settings: Settings) -> Any:
    """Households that need a visit, coloured by their most urgent to-do.

    A click on a household returns its ``block_id``, as a click on the block would.
    """
    lang = current_language()
    points = households[present(households.geometry)]
    points = points.assign(
        todo_text=[codes_label("todo", r, lang) for r in points["needs_visit_reasons"]]
    )
    tips = {"household_id": column_label("household_id"), "address": column_label("address")}
    tips["block_name"] = column_label("block_name")
    tips["todo_text"] = column_label("needs_visit_reasons")
    return served_layers.point_table(
        points,
        name=name,
        value_column="todo",
        colors=TODO_PALETTE,
        tooltip_columns={k: v for k, v in tips.items() if k in points.columns},
        id_column="block_id" if "block_id" in points.columns else None,
        radius=4,
        settings=settings,
    )


def review_map(
    listed: gpd.GeoDataFrame,
    lines: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    shapes: MapShapes,
    *,
    settings: Settings,
) -> tuple[folium.Map, dict[str, str]]:
    """Return the GPS points of the visits to review, each joined by a line to its door.

    Points and lines are coloured by the visit's first flag; a click on a point returns
    its ``visit_id``.
    """
    m = _base(beats, shapes, settings, outlines=beats)
    colors = {t(f"flag.{code}"): FLAG_PALETTE[code] for code in FLAG_CODES}
    if len(lines):
        frame = lines.assign(first_flag=[t(f"flag.{first_flag(f)}") for f in lines["flags"]])
        maps.line_layer(
            frame,
            name=t("map.door_lines"),
            value_column="first_flag",
            colors=colors,
            weight=1.5,
            settings=settings,
        ).add_to(m)
    points = listed[present(listed.geometry)]
    if len(points):
        maps.point_layer(
            _visit_labels(points),
            name=t("map.flagged"),
            value_column="first_flag",
            colors=colors,
            tooltip_columns=_visit_tooltip(),
            id_column="visit_id",
            radius=5,
            settings=settings,
        ).add_to(m)
    return m, colors


def shift_map(
    path: gpd.GeoDataFrame,
    chosen: gpd.GeoDataFrame,
    door: gpd.GeoDataFrame,
    lines: gpd.GeoDataFrame,
    shapes: MapShapes,
    *,
    settings: Settings,
) -> tuple[folium.Map, dict[str, str]]:
    """Return one visit up close: its GPS point, its door, and the officer's shift.

    Parameters
    ----------
    path : GeoDataFrame
        The officer's visits of that shift in time order (:func:`app.review.shift_path`);
        their GPS points are joined by a dashed line.
    chosen : GeoDataFrame
        The visit (one row of :func:`app.review.review_visits`).
    door : GeoDataFrame
        The household the visit claims (its point).
    lines : GeoDataFrame
        The visit's GPS-to-door line (:func:`app.review.door_lines`), may be empty.
    """
    drawn = [g for g in (path.geometry, chosen.geometry, door.geometry) if len(g)]
    shown = pd.concat([to_wgs84(g) for g in drawn]) if drawn else gpd.GeoSeries()
    shown = shown[present(shown)]
    bounds = to_wgs84(project(shown).buffer(PATH_MARGIN_M)) if len(shown) else door
    m = _base(bounds, shapes, settings)
    legend = {
        t("legend.path"): PATH_COLOR,
        t("legend.door"): DOOR_COLOR,
        t("legend.selected"): SELECTED_COLOR,
    }
    stops = path[present(path.geometry)]
    if len(stops) >= 2:
        route = gpd.GeoDataFrame(
            geometry=[shapely.LineString(shapely.get_coordinates(to_wgs84(stops.geometry)))],
            crs="EPSG:4326",
        )
        maps.line_layer(
            route, name=t("map.path"), color=PATH_COLOR, weight=2, dash="6 4", settings=settings
        ).add_to(m)
    if len(stops):
        maps.point_layer(
            _visit_labels(stops),
            name=t("map.path"),
            color=PATH_COLOR,
            tooltip_columns=_visit_tooltip(),
            radius=3,
            settings=settings,
        ).add_to(m)
    if len(lines):
        maps.line_layer(
            lines, name=t("map.door_lines"), color=SELECTED_COLOR, weight=3, settings=settings
        ).add_to(m)
    homes = door[present(door.geometry)]
    if len(homes):
        maps.point_layer(
            homes,
            name=t("map.doors"),
            color=DOOR_COLOR,
            tooltip_columns=_tooltips(["household_id", "address"]),
            radius=7,
            settings=settings,
        ).add_to(m)
    gps = chosen[present(chosen.geometry)]
    if len(gps):
        maps.point_layer(
            _visit_labels(gps),
            name=t("legend.selected"),
            color=SELECTED_COLOR,
            tooltip_columns=_visit_tooltip(),
            radius=8,
            settings=settings,
        ).add_to(m)
    return m, legend


def _visit_tooltip() -> dict[str, str]:
    """Tooltip columns of a visit point, labelled in the session's language."""
    return {
        "visit_id": column_label("visit_id"),
        "officer_id": column_label("officer_id"),
        "time_text": column_label("time"),
        "status_text": column_label("status"),
        "flags_text": column_label("flags"),
        "reason_text": column_label("reason"),
    }


def _visit_labels(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return visit points with the texts their tooltips show, in the session's language."""
    lang = current_language()
    return points.assign(
        officer_id=points["officer_id"] if "officer_id" in points else "",
        first_flag=[t(f"flag.{first_flag(f)}") if f else "" for f in points["flags"]],
        flags_text=[codes_label("flag", f, lang) for f in points["flags"]],
        status_text=[code_label("status", v, lang) for v in points["status"]],
        reason_text=points["reason"] if "reason" in points else "",
        time_text=["" if pd.isna(v) else v.strftime("%Y-%m-%d %H:%M") for v in points["time"]],
    )


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


def plan_map(
    blocks: pd.DataFrame,
    beats: gpd.GeoDataFrame,
    shapes: MapShapes,
    colors: dict[str, str],
    *,
    settings: Settings,
) -> folium.Map:
    """Return one side of a plan: blocks coloured by beat, beat outlines, labels with workload.

    Parameters
    ----------
    blocks : pandas.DataFrame
        One row per block: ``block_id``, ``beat_id`` (the beat on this side),
        ``before_beat_id``, ``moved``, ``households``, ``workload_min``.
    beats : geopandas.GeoDataFrame
        The beats of this side: ``beat_id``, ``label`` (its id and workload), polygons.
    shapes : MapShapes
        The dataset's simplified streets and blocks.
    colors : dict
        Beat id -> colour (:func:`app.colors.beat_colors`, the same on both sides).
    settings : Settings
        Map settings.
    """
    frame = pd.DataFrame(blocks).assign(
        moved_text=[t("common.yes") if m else "" for m in blocks["moved"]]
    )
    drawn = _shaped(
        gpd.GeoDataFrame(frame, geometry=[None] * len(frame), crs=shapes.blocks.crs),
        "block_id",
        shapes.blocks,
    )
    m = _base(beats, shapes, settings)
    columns = ("block_id", "beat_id", "before_beat_id", "moved_text", "households", "workload_min")
    labels = {"moved_text": "moved"}
    outlines = beats[["beat_id", beats.geometry.name]]
    maps.polygon_layer(
        outlines,
        value_column="beat_id",
        colors=lambda _beat: OUTLINE_COLOR,
        tooltip_columns={"beat_id": column_label("beat_id")},
        name=t("map.beats"),
        fill_opacity=0.0,  # under the blocks: their tooltips stay reachable
        simplify_m=0.0,
        settings=settings,
    ).add_to(m)
    url = map_files.geometry_url(
        shapes.blocks, drawn["block_id"], id_column="block_id", settings=settings
    )
    served_layers.served_polygons(
        drawn,
        url,
        id_column="block_id",
        value_column="beat_id",
        colors=colors,
        tooltip_columns={c: column_label(labels.get(c, c)) for c in columns},
        name=t("map.blocks"),
        fill_opacity=0.55,
    ).add_to(m)
    _labels(beats, beats["label"].tolist(), name=t("map.labels"), settings=settings).add_to(m)
    return m

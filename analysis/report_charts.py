"""The upward report's pictures: a station's blocks by coverage, and the weekly trend.

Drawn straight onto the PDF page with fpdf2's vector operations (paths, lines, rectangles,
text), so they are sharp at any zoom, small, and need no plotting library; their text is set
in the document's font (the vendored Noto Sans SC, :data:`REPORT_FONT`). The scales (metres
and weeks to millimetres, coverage to colour) are :mod:`analysis.chart_scales`'s.

* **Map**: the block polygons projected to the local UTM zone and fitted into the box
  keeping their proportions (the box's height follows the area's shape, between half and
  1.3 times its width), filled by coverage on the app's fixed scale (four reds below
  ``coverage_threshold``, blue at or above; grey: no households), holes left open
  (even-odd fill); beats outlined and named at a point inside them; below, the scale's
  steps with their edges and the grey swatch. No tiles.
* **Trend**: one line (with a dot per week) per beat or station, 0–100 % with a tick every
  20 %, the weeks labelled ``MM-DD`` (thinned when they crowd), a legend at the lower right.

Each function draws in a box given in millimetres and returns the height it used; the
caller keeps the page flow (fpdf2 does not move ``y`` for drawings).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from fpdf import FPDF
from fpdf.enums import PathPaintRule

from analysis.chart_scales import (
    LINE_COLOURS,
    NO_HOUSEHOLDS,
    Box,
    Fit,
    coverage_colour,
    coverage_steps,
    fit,
    label_every,
    percent_ticks,
    rgb,
    share_y,
    week_x,
)
from geo.projection import project
from geo.schema import present
from geo.settings import Settings, resolve

REPORT_FONT: Final = Path(__file__).resolve().parents[1] / "data/fonts/NotoSansSC-Regular.otf"
"""The vendored CJK font (Noto Sans SC, OFL 1.1; see ``data/fonts/README.md``)."""

PT: Final = 25.4 / 72
"""Millimetres per typographic point."""

MAP_RATIO: Final = (0.5, 1.3)
"""Smallest and largest height of the map's box as a share of its width."""

MAP_LEGEND_MM: Final = 12.0
"""Height of the map's legend (colour bar, ticks, grey swatch) below the map."""


def _hex(colour: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def _rings(
    pdf: FPDF,
    geometry: shapely.Geometry,
    where: Fit,
    *,
    fill: str | None,
    stroke: str | None,
    width: float = 0.1,
) -> None:
    """Draw a (multi)polygon's rings as one path: holes stay open (even-odd fill)."""
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return
    if fill is None:
        rule = PathPaintRule.STROKE
    else:
        rule = PathPaintRule.FILL_EVENODD if stroke is None else PathPaintRule.STROKE_FILL_EVENODD
    with pdf.new_path(paint_rule=rule) as path:
        if fill is not None:
            path.style.fill_color = fill
        if stroke is not None:
            path.style.stroke_color = stroke
            path.style.stroke_width = width
        for part in parts:
            for ring in (part.exterior, *part.interiors):
                points = where.points(np.asarray(ring.coords)[:, :2])
                path.move_to(*points[0])
                for point in points[1:]:
                    path.line_to(*point)
                path.close()


def station_map(
    pdf: FPDF,
    blocks: gpd.GeoDataFrame,
    *,
    x: float,
    y: float,
    width: float,
    beat_names: Mapping[str, str],
    no_households: str,
    family: str,
    settings: Settings | None = None,
) -> float:
    """Draw ``blocks`` filled by coverage, their beats outlined and named; return the height.

    Parameters
    ----------
    pdf : fpdf.FPDF
        The document, on the page to draw on; ``family`` registered in it.
    blocks : geopandas.GeoDataFrame
        Blocks with ``beat_id``, ``households``, ``coverage`` and a coordinate system;
        rows without geometry are left out.
    x, y : float
        Top-left corner of the map, in millimetres.
    width : float
        Width of the map in millimetres (the height follows the area's shape).
    beat_names : mapping
        Beat id -> label drawn inside the beat (e.g. ``"B01 汉中路警务区"``).
    no_households : str
        Legend text for grey blocks.
    family : str
        The font family of the labels.
    settings : Settings, optional
        Uses ``coverage_threshold``: the coverage scale's steps, the app's
        (:func:`analysis.chart_scales.coverage_steps`).

    Returns
    -------
    float
        Millimetres drawn below ``y``, legend included.
    """
    threshold = resolve(settings).coverage_threshold
    shown = blocks[present(blocks.geometry.to_numpy())]
    metric = project(shown) if len(shown) else shown
    bounds = metric.total_bounds if len(shown) else (0.0, 0.0, 1.0, 1.0)
    ratio = (bounds[3] - bounds[1]) / max(bounds[2] - bounds[0], 1.0)
    area = Box(x, y, width, width * min(max(ratio, MAP_RATIO[0]), MAP_RATIO[1]))
    where = fit(bounds, area)
    with pdf.local_context():
        _blocks(pdf, metric, where, threshold=threshold)
        if len(shown):
            _beats(pdf, metric, where, beat_names=beat_names, family=family)
        legend = Box(x, area.bottom + 2, width, MAP_LEGEND_MM - 2)
        _map_legend(pdf, legend, no_households, family, threshold=threshold)
    return area.h + MAP_LEGEND_MM


def _blocks(pdf: FPDF, metric: gpd.GeoDataFrame, where: Fit, *, threshold: float) -> None:
    coverage = pd.to_numeric(metric["coverage"], errors="coerce").to_numpy(dtype=float)
    households = pd.to_numeric(metric["households"], errors="coerce").fillna(0).to_numpy()
    for geometry, share, people in zip(metric.geometry, coverage, households, strict=True):
        colour = coverage_colour(float(share), threshold=threshold)
        fill = NO_HOUSEHOLDS if people <= 0 else _hex(colour)
        _rings(pdf, geometry, where, fill=fill, stroke="#ffffff", width=0.1)


def _beats(
    pdf: FPDF,
    metric: gpd.GeoDataFrame,
    where: Fit,
    *,
    beat_names: Mapping[str, str],
    family: str,
) -> None:
    beats = metric.dissolve(by="beat_id")
    for geometry in beats.geometry:
        _rings(pdf, geometry, where, fill=None, stroke="#222222", width=0.35)
    pdf.set_font(family, size=6.5)
    height = 6.5 * PT
    for beat_id, geometry in zip(beats.index, beats.geometry, strict=True):
        text = beat_names.get(str(beat_id), str(beat_id))
        spot = geometry.representative_point()
        ((cx, cy),) = where.points(np.array([[spot.x, spot.y]]))
        wide = pdf.get_string_width(text)
        with pdf.local_context(fill_opacity=0.75):
            pdf.set_fill_color(255)
            pdf.rect(cx - wide / 2 - 0.6, cy - height / 2 - 0.5, wide + 1.2, height + 1.0, "F")
        pdf.text(cx - wide / 2, cy + height * 0.35, text)


def _map_legend(pdf: FPDF, box: Box, no_households: str, family: str, *, threshold: float) -> None:
    """Draw the coverage scale's steps with their edges, and the grey swatch, in ``box``."""
    edges, palette = coverage_steps(threshold)
    bar = Box(box.x + box.w * 0.04, box.y + 1, box.w * 0.57, 2.4)
    pdf.set_draw_color(80)
    pdf.set_line_width(0.1)
    for lo, hi, colour in zip(edges[:-1], edges[1:], palette, strict=True):
        pdf.set_fill_color(*rgb(colour))
        pdf.rect(bar.x + bar.w * lo, bar.y, bar.w * (hi - lo), bar.h, "FD")
    pdf.set_font(family, size=5.5)
    for edge in edges:
        tick_x = bar.x + bar.w * edge
        pdf.line(tick_x, bar.bottom, tick_x, bar.bottom + 0.8)
        label = f"{edge:.0%}"
        pdf.text(tick_x - pdf.get_string_width(label) / 2, bar.bottom + 0.8 + 5.5 * PT, label)
    swatch = box.x + box.w * 0.67
    pdf.set_fill_color(*rgb(NO_HOUSEHOLDS))
    pdf.rect(swatch, bar.y, 2.6, bar.h, "F")
    pdf.set_font(family, size=6.5)
    pdf.text(swatch + 3.6, bar.y + bar.h / 2 + 6.5 * PT * 0.35, no_households)


def trend_chart(
    pdf: FPDF,
    trend: pd.DataFrame,
    *,
    by: str,
    names: Mapping[str, str],
    x: float,
    y: float,
    width: float,
    height: float,
    family: str,
) -> float:
    """Draw weekly cumulative coverage, one line per ``by``, in a box; return its height.

    Parameters
    ----------
    pdf : fpdf.FPDF
        The document, on the page to draw on; ``family`` registered in it.
    trend : pandas.DataFrame
        ``by``, ``week_start``, ``cumulative_coverage``.
    by : str
        The column naming each line (``beat_id`` or ``station``).
    names : mapping
        Line key -> legend label.
    x, y, width, height : float
        The chart's box in millimetres, tick labels included.
    family : str
        The font family of the labels and legend.

    Returns
    -------
    float
        ``height``.
    """
    size = 6.0
    plot = Box(x + 9.0, y + 1.5, width - 10.5, height - 7.5)
    weeks = sorted(pd.to_datetime(trend["week_start"]).unique())
    days = [int((w - weeks[0]).days) for w in weeks] if weeks else []
    xs = dict(zip(weeks, week_x(days, Box(plot.x + 2, plot.y, plot.w - 4, plot.h)), strict=True))
    with pdf.local_context():
        pdf.set_font(family, size=size)
        pdf.set_line_width(0.1)
        pdf.set_draw_color(210)
        for share, tick_y in percent_ticks(plot):
            pdf.line(plot.x, tick_y, plot.right, tick_y)
            label = f"{share:.0%}"
            pdf.text(plot.x - 1.2 - pdf.get_string_width(label), tick_y + size * PT * 0.35, label)
        every = label_every(list(xs.values()), min_gap=pdf.get_string_width("00-00") + 2)
        for i, (week, week_at) in enumerate(xs.items()):
            if i % every:
                continue
            pdf.set_draw_color(210)
            pdf.line(week_at, plot.y, week_at, plot.bottom)
            label = pd.Timestamp(week).strftime("%m-%d")
            wide = pdf.get_string_width(label)
            pdf.text(week_at - wide / 2, plot.bottom + 1.2 + size * PT, label)
        pdf.set_draw_color(60)
        pdf.set_line_width(0.2)
        pdf.rect(plot.x, plot.y, plot.w, plot.h)
        keys = []
        for n, (key, rows) in enumerate(trend.groupby(by, sort=True)):
            colour = rgb(LINE_COLOURS[n % len(LINE_COLOURS)])
            keys.append((names.get(str(key), str(key)), colour))
            rows = rows.sort_values("week_start")
            points = [
                (xs[w], share_y(float(v), plot))
                for w, v in zip(
                    pd.to_datetime(rows["week_start"]), rows["cumulative_coverage"], strict=True
                )
                if pd.notna(v)
            ]
            _line(pdf, points, colour)
        _trend_legend(pdf, keys, plot, size=size)
    return height


def _line(
    pdf: FPDF,
    points: list[tuple[float, float]],
    colour: tuple[int, int, int],
    *,
    dots: list[tuple[float, float]] | None = None,
) -> None:
    """Draw a polyline through ``points`` with a dot on each of ``dots`` (default: the points)."""
    pdf.set_draw_color(*colour)
    pdf.set_fill_color(*colour)
    pdf.set_line_width(0.4)
    if len(points) > 1:
        pdf.polyline(points)
    for px, py in points if dots is None else dots:
        pdf.circle(px, py, 0.45, "F")


def _trend_legend(
    pdf: FPDF, keys: list[tuple[str, tuple[int, int, int]]], plot: Box, *, size: float
) -> None:
    """Draw the legend at the lower right inside ``plot``: a line and a dot, then the name."""
    if not keys:
        return
    row = size * PT * 1.5
    wide = max(pdf.get_string_width(label) for label, _ in keys)
    left = plot.right - 1.5 - wide - 6.0
    for i, (label, colour) in enumerate(reversed(keys)):
        mid = plot.bottom - 1.5 - row * (i + 0.5)
        _line(pdf, [(left, mid), (left + 4.0, mid)], colour, dots=[(left + 2.0, mid)])
        pdf.text(left + 5.5, mid + size * PT * 0.35, label)


__all__ = ["REPORT_FONT", "station_map", "trend_chart"]

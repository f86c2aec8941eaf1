"""A printable per-beat report: figures, a map drawn as inline SVG, and the work list.

The report is one self-contained HTML page (no script, no stylesheet link, no image file,
no font from the internet): it prints as it is and opens on a machine with no network.
The map is drawn here in Python from the block polygons, projected to metres so shapes
keep their proportions, each block filled with its coverage colour (the same scale as the
app's maps). Every text that comes from the data (names, addresses, ids) is HTML-escaped.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> blocks = gpd.GeoDataFrame(
...     {"block_id": ["B1"], "coverage": [0.5]},
...     geometry=[box(24.94, 60.17, 24.941, 60.171)],
...     crs="EPSG:4326",
... )
>>> svg = svg_map(blocks)
>>> svg.startswith("<svg") and svg.count("<path") == 1
True
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from app.colors import coverage_colors
from app.i18n import translator
from app.tables import labelled
from geo.projection import project
from geo.schema import present
from geo.settings import Settings

SVG_WIDTH: Final = 640
"""Width of the report's map in pixels (the height follows the area's shape)."""

SVG_MAX_HEIGHT: Final = 640
"""Tallest map drawn; a tall narrow beat is scaled down to fit."""

_CSS: Final = """
body { font-family: sans-serif; margin: 1.5cm; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
.meta { color: #555; margin-bottom: 1em; }
.figures { display: flex; flex-wrap: wrap; gap: 0.6em; margin: 1em 0; }
.figure { border: 1px solid #ccc; padding: 0.4em 0.8em; min-width: 8em; }
.figure .value { font-size: 1.4em; font-weight: bold; }
.legend span.swatch { display: inline-block; width: 1em; height: 1em;
  vertical-align: middle; margin: 0 0.3em 0 0.8em; border: 1px solid #999; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.4em; text-align: left; }
th { background: #eee; }
td.tick { width: 1.5em; }
.credit { color: #555; font-size: 0.8em; margin-top: 1.5em; }
@media print { body { margin: 0.5cm; } .figure, tr { break-inside: avoid; } }
"""


def svg_map(
    blocks: gpd.GeoDataFrame,
    *,
    value_column: str = "coverage",
    outline: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    title_column: str | None = "name",
    width: int = SVG_WIDTH,
    settings: Settings | None = None,
) -> str:
    """Return the blocks as an inline SVG map, each filled by its coverage colour.

    Parameters
    ----------
    blocks : GeoDataFrame
        Polygons with a coordinate system and ``value_column``; rows without geometry
        are skipped.
    value_column : str, default ``"coverage"``
        The share that decides the colour (scale of :func:`app.colors.coverage_colors`).
    outline : GeoSeries or GeoDataFrame, optional
        Drawn as a dark outline on top (e.g. the beat boundary).
    title_column : str, optional
        Column shown as each block's hover title (escaped): the block's name by default,
        its ``block_id`` when the blocks carry no name.
    width : int, default 640
        Width in pixels.
    settings : Settings, optional
        Uses ``coverage_threshold`` for the colour scale.

    Returns
    -------
    str
        ``<svg>...</svg>``; an empty map (just the frame) when nothing can be drawn.
    """
    colors = coverage_colors(settings=settings)
    drawn = blocks[present(blocks.geometry)]
    shapes = [drawn.geometry]
    if outline is not None:
        line = outline.geometry if isinstance(outline, gpd.GeoDataFrame) else outline
        shapes.append(line[present(line)])
    frames = [s for s in shapes if len(s)]
    if not frames:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="80"></svg>'
    metric = project(pd.concat(frames))
    minx, miny, maxx, maxy = metric.total_bounds
    span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    scale = min((width - 20) / span_x, (SVG_MAX_HEIGHT - 20) / span_y)
    height = int(np.ceil(span_y * scale + 20))

    def path(geometry: Any) -> str:
        parts = []
        for polygon in shapely.get_parts(geometry):
            rings = [polygon.exterior, *polygon.interiors] if polygon.geom_type == "Polygon" else []
            for ring in rings:
                xy = np.asarray(ring.coords)[:, :2]
                px = (xy[:, 0] - minx) * scale + 10
                py = (maxy - xy[:, 1]) * scale + 10
                points = " L".join(f"{x:.1f} {y:.1f}" for x, y in zip(px, py, strict=True))
                parts.append(f"M{points} Z")
        return " ".join(parts)

    n_blocks = len(drawn)
    body = []
    values = drawn[value_column].tolist() if value_column in drawn else [None] * n_blocks
    if title_column == "name" and "name" not in drawn:
        title_column = "block_id"
    titles = drawn[title_column].tolist() if title_column and title_column in drawn else None
    for i, geometry in enumerate(metric.iloc[:n_blocks]):
        fill = colors(values[i])
        title = ""
        if titles is not None:
            title = f"<title>{html.escape(str(titles[i]))}</title>"
        body.append(
            f'<path d="{path(geometry)}" fill="{fill}" fill-rule="evenodd" '
            f'stroke="#555555" stroke-width="0.6">{title}</path>'
        )
    for geometry in metric.iloc[n_blocks:]:
        body.append(
            f'<path d="{path(geometry)}" fill="none" stroke="#111111" stroke-width="2"></path>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
        f'<rect width="{width}" height="{height}" fill="#ffffff"></rect>' + "".join(body) + "</svg>"
    )


def beat_report(
    *,
    beat: Mapping[str, Any],
    blocks: gpd.GeoDataFrame,
    work_list: pd.DataFrame,
    window: tuple[Any, Any],
    dataset_name: str,
    outline: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    lang: str = "en",
    generated: dt.datetime | None = None,
    settings: Settings | None = None,
) -> str:
    """Return the printable HTML report of one beat.

    Parameters
    ----------
    beat : mapping
        The beat's row of ``Analysis.beats``: ``beat_id``, ``name``, ``station``,
        ``households``, ``contacted_households``, ``coverage``, ``vulnerable_overdue``,
        ``open_follow_ups``, ``flagged_visits`` (missing figures show as blank).
    blocks : GeoDataFrame
        The beat's blocks with ``block_id`` and ``coverage`` (for the map).
    work_list : DataFrame
        Households still to visit, in visiting order, with raw column names (headers and
        codes are translated here).
    window : (start, end)
        The analysis window shown in the heading.
    dataset_name : str
        Name of the dataset (shown in the heading).
    outline : GeoSeries or GeoDataFrame, optional
        The beat boundary, outlined on the map.
    lang : {"en", "zh"}, default ``"en"``
        Language of the report.
    generated : datetime, optional
        Time stamp printed at the bottom (default now).
    settings : Settings, optional
        Uses ``coverage_threshold`` for the colours.

    Returns
    -------
    str
        A complete HTML document.
    """
    t = translator(lang)
    esc = html.escape
    beat_id = str(beat.get("beat_id", ""))
    name = _text(beat.get("name"))
    heading = (
        t("report.heading", beat=beat_id, name=name)
        if name
        else t("report.heading_no_name", beat=beat_id)
    )
    figures = [
        (t("fig.households"), _count(beat.get("households"))),
        (t("fig.contacted"), _count(beat.get("contacted_households"))),
        (t("fig.coverage"), _share(beat.get("coverage"))),
        (t("fig.to_visit"), str(len(work_list))),
        (t("fig.vulnerable_overdue"), _count(beat.get("vulnerable_overdue"))),
        (t("fig.open_follow_ups"), _count(beat.get("open_follow_ups"))),
        (t("fig.flagged_visits"), _count(beat.get("flagged_visits"))),
    ]
    figure_html = "".join(
        f'<div class="figure"><div class="label">{esc(label)}</div>'
        f'<div class="value">{esc(value)}</div></div>'
        for label, value in figures
    )
    colors = coverage_colors(settings=settings)
    legend = "".join(
        f'<span class="swatch" style="background:{color}"></span>{esc(_legend_label(label, t))}'
        for label, color in colors.entries()
    )
    station = _text(beat.get("station"))
    stamp = (generated or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    meta = t(
        "report.meta",
        station=station or "—",
        start=_day(window[0]),
        end=_day(window[1]),
        dataset=dataset_name,
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f"<title>{esc(heading)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{esc(heading)}</h1>"
        f'<div class="meta">{esc(meta)}</div>'
        f'<div class="figures">{figure_html}</div>'
        f"<h2>{esc(t('report.map'))}</h2>"
        f"{svg_map(blocks, outline=outline, settings=settings)}"
        f'<div class="legend">{esc(t("legend.coverage"))}:{legend}</div>'
        f"<h2>{esc(t('report.work_list', count=len(work_list)))}</h2>"
        f"{_table(work_list, lang=lang)}"
        f'<div class="credit">{esc(t("report.generated", time=stamp))} · '
        f"{esc(t('credit.osm'))}</div>"
        "</body></html>\n"
    )


def _table(frame: pd.DataFrame, *, lang: str) -> str:
    """Return ``frame`` as an escaped HTML table with a tick column for the officer."""
    t = translator(lang)
    if frame.empty:
        return f"<p>{html.escape(t('report.nothing_to_visit'))}</p>"
    shown = labelled(frame, lang=lang)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for record in shown.itertuples(index=False):
        cells = "".join(f"<td>{html.escape(_cell(v))}</td>" for v in record)
        rows.append(f'<tr><td class="tick">☐</td>{cells}</tr>')
    return (
        f'<table><thead><tr><th class="tick">✓</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _legend_label(label: str, t: Any) -> str:
    return t("legend.no_households") if label == "no households" else label


def _cell(value: Any) -> str:
    if value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value))):
        return ""
    if isinstance(value, bool | np.bool_):
        return "✓" if value else ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() else f"{number:.1f}"
    return str(value)


def _text(value: Any) -> str:
    if value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value))):
        return ""
    return str(value)


def _count(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""
    return str(int(float(text)))


def _share(value: Any) -> str:
    text = _text(value)
    return f"{float(text):.0%}" if text else ""


def _day(value: Any) -> str:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def report_columns(columns: Sequence[str]) -> list[str]:
    """Return the work-list columns the report prints, in order, of those available."""
    wanted = (
        "walk_order",
        "household_id",
        "address",
        "needs_visit_reasons",
        "block_name",
        "vulnerable_category",
        "vulnerable_overdue",
        "attempts",
        "last_contact",
        "days_waiting",
        "recommended_band",
    )
    return [c for c in wanted if c in columns]

"""The upward report's pictures: a station's blocks by coverage, and the weekly trend.

Drawn with matplotlib's object API (``Figure`` on an Agg canvas: no ``pyplot``, no global
state, no display) as PNG bytes, Chinese text set in the vendored font
(:data:`REPORT_FONT`), so no system font is needed. Maps are the block polygons projected
to the local UTM zone (shapes keep their proportions), filled by coverage on a fixed 0–100 %
scale (red to green; grey: no households), beats outlined and labelled; no tiles.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import colormaps
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import PercentFormatter

from geo.projection import project
from geo.schema import present

REPORT_FONT: Final = Path(__file__).resolve().parents[1] / "data/fonts/NotoSansSC-Regular.otf"
"""The vendored CJK font (Noto Sans SC, OFL 1.1; see ``data/fonts/README.md``)."""

DPI: Final = 200
"""Resolution of the pictures (dots per inch): sharp on paper, a few hundred KB each."""

COVERAGE_CMAP: Final = "RdYlGn"
"""Coverage colours: red (0 %) through yellow to green (100 %)."""

NO_HOUSEHOLDS: Final = "#d9d9d9"


def _font(font: Path, size: float) -> FontProperties:
    return FontProperties(fname=str(font), size=size)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _polygon_path(geometry: shapely.Geometry) -> MplPath:
    """Return a (multi)polygon as one matplotlib path, holes included."""
    rings: list[MplPath] = []
    for part in shapely.get_parts(geometry):
        if part.is_empty or part.geom_type != "Polygon":
            continue
        for ring in (part.exterior, *part.interiors):
            rings.append(MplPath(np.asarray(ring.coords)[:, :2], closed=True))
    return MplPath.make_compound_path(*rings)


def station_map(
    blocks: gpd.GeoDataFrame,
    *,
    beat_names: Mapping[str, str],
    no_households: str,
    width_in: float = 3.6,
    font: Path = REPORT_FONT,
) -> bytes:
    """Return a PNG map of ``blocks`` filled by coverage, their beats outlined and named.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks with ``beat_id``, ``households``, ``coverage`` and a coordinate system;
        rows without geometry are left out.
    beat_names : mapping
        Beat id -> label drawn at the beat's centre (e.g. ``"B01 汉中路警务区"``).
    no_households : str
        Legend text for grey blocks.
    width_in : float
        Width of the picture in inches (the height follows the area's shape).
    font : pathlib.Path
        Font of the labels.

    Returns
    -------
    bytes
        PNG.
    """
    shown = blocks[present(blocks.geometry.to_numpy())]
    metric = project(shown) if len(shown) else shown
    xmin, ymin, xmax, ymax = metric.total_bounds if len(shown) else (0.0, 0.0, 1.0, 1.0)
    ratio = min(max((ymax - ymin) / max(xmax - xmin, 1.0), 0.5), 1.3)
    figure = Figure(figsize=(width_in, width_in * 0.96 * ratio / 0.84))
    ax = figure.add_axes((0.02, 0.14, 0.96, 0.84))
    ax.set_axis_off()
    cmap = colormaps[COVERAGE_CMAP]
    norm = Normalize(0.0, 1.0)
    coverage = pd.to_numeric(metric["coverage"], errors="coerce").to_numpy(dtype=float)
    households = pd.to_numeric(metric["households"], errors="coerce").fillna(0).to_numpy()
    for geometry, value, people in zip(metric.geometry, coverage, households, strict=True):
        colour = NO_HOUSEHOLDS if people <= 0 or np.isnan(value) else cmap(norm(value))
        patch = PathPatch(_polygon_path(geometry), facecolor=colour, edgecolor="white", lw=0.3)
        ax.add_patch(patch)
    if len(shown):
        beats = metric.dissolve(by="beat_id")
        for beat_id, geometry in zip(beats.index, beats.geometry, strict=True):
            outline = PathPatch(_polygon_path(geometry), facecolor="none", edgecolor="#222", lw=1)
            ax.add_patch(outline)
            spot = geometry.representative_point()
            ax.text(
                spot.x,
                spot.y,
                beat_names.get(str(beat_id), str(beat_id)),
                ha="center",
                va="center",
                fontproperties=_font(font, 6.5),
                bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1.0},
            )
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="datalim")
    bar_ax = figure.add_axes((0.06, 0.07, 0.55, 0.025))
    bar = figure.colorbar(
        ScalarMappable(norm=norm, cmap=cmap), cax=bar_ax, orientation="horizontal"
    )
    bar.ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bar.ax.tick_params(labelsize=6)
    figure.add_artist(
        Rectangle((0.67, 0.065), 0.03, 0.03, transform=figure.transFigure, color=NO_HOUSEHOLDS)
    )
    figure.text(0.71, 0.065, no_households, fontproperties=_font(font, 6.5))
    return _png(figure)


def trend_chart(
    trend: pd.DataFrame,
    *,
    by: str,
    names: Mapping[str, str],
    size_in: tuple[float, float] = (3.6, 2.6),
    font: Path = REPORT_FONT,
) -> bytes:
    """Return a PNG line chart of weekly cumulative coverage, one line per ``by``.

    Parameters
    ----------
    trend : pandas.DataFrame
        ``by``, ``week_start``, ``cumulative_coverage``.
    by : str
        The column naming each line (``beat_id`` or ``station``).
    names : mapping
        Line key -> legend label.
    size_in : tuple of float
        Width and height in inches.
    font : pathlib.Path
        Font of the legend and label.
    """
    figure = Figure(figsize=size_in)
    ax = figure.add_axes((0.14, 0.2, 0.84, 0.76))
    for key, rows in trend.groupby(by, sort=True):
        rows = rows.sort_values("week_start")
        ax.plot(
            pd.to_datetime(rows["week_start"]),
            rows["cumulative_coverage"].astype(float),
            marker="o",
            markersize=2.0,
            linewidth=1.2,
            label=names.get(str(key), str(key)),
        )
    ax.set_ylim(0.0, 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.tick_params(labelsize=6)
    for label in ax.get_xticklabels():
        label.set_rotation(30)
    ax.grid(True, linewidth=0.3, alpha=0.6)
    if len(trend):
        ax.legend(prop=_font(font, 6), loc="lower right", frameon=False)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    return _png(figure)


__all__ = ["REPORT_FONT", "station_map", "trend_chart"]

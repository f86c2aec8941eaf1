"""The upward report as a PDF: a summary page, then a page per station; A4, numbered.

Laid out with fpdf2, offline: the text is set in the vendored Noto Sans SC
(:data:`analysis.report_charts.REPORT_FONT`), of which fpdf2 embeds the characters used (a
subset), so the PDF shows Chinese on any reader and ``pdftotext`` gives the text back. The
map and the trend charts are vector drawings on the page (:mod:`analysis.report_charts`).

Pages
-----
1. **Summary**: title, window, dataset, the period changes are against (or why none is
   shown); the table by station with a total row; the weekly trend per station; every
   officer short of time; notes on the figures.
2. **One per station** (in the order of their first beat): the table by beat with the
   station's total; the map of its blocks by coverage; the weekly trend per beat; its
   officers short of time. A station with many beats runs on to a further page.

Every page carries the title, the window and "page n of N" at its foot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from analysis.report_charts import REPORT_FONT, station_map, trend_chart
from analysis.report_figures import FIGURE_COLUMNS, ReportFigures
from geo.settings import Settings

FAMILY: Final = "report"
"""Name the report's font is registered under in the document."""

MARGIN_MM: Final = 12.0
PAGE_W_MM: Final = 210.0
PAGE_H_MM: Final = 297.0
BODY_W_MM: Final = PAGE_W_MM - 2 * MARGIN_MM

NAME_COLUMN_MM: Final = 27.0
"""Width of a table's first column (station or beat); the figures share the rest."""

OFFICER_TABLE: Final = ("officer_id", "station", "beat_ids", "workload_h", "available_h", "short_h")

SUMMARY_TREND_MM: Final = (130.0, 58.0)
"""Width and height of the summary page's trend chart."""
STATION_TREND_RATIO: Final = 0.72
"""Height of a station page's trend chart as a share of its width (half the body)."""

HEADER_FILL: Final = FontFace(fill_color=(232, 232, 232))
TOTAL_FILL: Final = FontFace(fill_color=(245, 245, 245))

Formatter = Callable[[Any], str]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _count(value: Any) -> str:
    return "—" if _blank(value) else f"{int(value):,}"


def _percent(value: Any) -> str:
    return "—" if _blank(value) else f"{float(value) * 100:.1f}%"


def _points(value: Any) -> str:
    return "—" if _blank(value) else f"{float(value) * 100:+.1f}"


def _decimal(value: Any) -> str:
    return "—" if _blank(value) else f"{float(value):.2f}"


def _hours(value: Any) -> str:
    return "—" if _blank(value) else f"{float(value):,.1f}"


FORMATTERS: Final[Mapping[str, Formatter]] = {
    "coverage": _percent,
    "coverage_change": _points,
    "mean_satisfaction": _decimal,
    "workload_h": _hours,
    "available_h": _hours,
    "short_h": _hours,
}
"""How a column is shown; counts (the default) with thousands separators, blanks as —."""


class _Document(FPDF):
    """An A4 page with the report's font and a footer: title, window, page n of N."""

    def __init__(self, *, footer: str, page_label: Callable[[int], str], font: Path) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FAMILY, fname=str(font))
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=16)
        self._footer_text = footer
        self._page_label = page_label
        self.set_creator("beatcov")

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FAMILY, size=7)
        self.set_text_color(110)
        self.cell(BODY_W_MM * 0.75, 5, self._footer_text, align="L")
        self.cell(BODY_W_MM * 0.25, 5, self._page_label(self.page_no()), align="R")
        self.set_text_color(0)


def report_pdf(
    figures: ReportFigures,
    *,
    blocks: gpd.GeoDataFrame,
    words: Mapping[str, str],
    dataset: str,
    generated: str,
    font: Path = REPORT_FONT,
    settings: Settings | None = None,
) -> bytes:
    """Return the report as PDF bytes (see the module docstring for its pages).

    Parameters
    ----------
    figures : ReportFigures
        From :func:`analysis.report_figures.report_figures`.
    blocks : geopandas.GeoDataFrame
        The analysis's blocks (``beat_id``, ``households``, ``coverage``, geometry).
    words : mapping
        The report's catalogue in its language (:func:`analysis.report_labels.labels`).
    dataset : str
        The data's name for the title block.
    generated : str
        When the report was made, as shown.
    font : pathlib.Path
        The font (TrueType or OpenType) every text is set in.
    settings : Settings, optional
        Uses ``coverage_threshold``, for the maps' coverage scale.
    """
    start, end = figures.window
    window = words["window"].format(start=start, end=end, dataset=dataset)
    pdf = _Document(
        footer=f"{words['title']} · {window}",
        page_label=lambda n: words["page"].format(page=n, pages="{nb}"),
        font=font,
    )
    pdf.set_title(words["title"])
    stations = _station_order(figures)
    _summary_page(pdf, figures, words=words, window=window, generated=generated)
    for station in stations:
        _station_page(pdf, figures, station, blocks=blocks, words=words, settings=settings)
    return bytes(pdf.output())


def _station_order(figures: ReportFigures) -> list[str]:
    """Stations in the order of their first beat; households in no beat make no page."""
    return [s for s in figures.stations.index if s]


def _station_label(station: str, words: Mapping[str, str]) -> str:
    return station if station else words["no_station"]


def _heading(pdf: FPDF, text: str, *, size: float) -> None:
    pdf.set_font(FAMILY, size=size)
    pdf.multi_cell(BODY_W_MM, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _line(pdf: FPDF, text: str, *, size: float = 8, grey: int = 60) -> None:
    pdf.set_font(FAMILY, size=size)
    pdf.set_text_color(grey)
    pdf.multi_cell(BODY_W_MM, size * 0.45, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)


def _summary_page(
    pdf: FPDF,
    figures: ReportFigures,
    *,
    words: Mapping[str, str],
    window: str,
    generated: str,
) -> None:
    pdf.add_page()
    _heading(pdf, words["title"], size=16)
    _line(pdf, window, size=9)
    before = words["previous" if figures.compared else "no_previous"]
    _line(pdf, before.format(start=figures.previous[0], end=figures.previous[1]), size=9)
    _line(pdf, words["generated"].format(time=generated), size=8, grey=110)
    pdf.ln(3)
    _heading(pdf, words["by_station"], size=11)
    rows = figures.stations.reset_index()
    rows = pd.concat([rows, _total_row(figures.stations, figures.total, "station", words)])
    rows = rows.assign(station=rows["station"].map(lambda s: _station_label(s, words)))
    _figure_table(pdf, rows, first="station", words=words, total_last=True)
    pdf.ln(3)
    _heading(pdf, words["trend"], size=10)
    names = {s: _station_label(s, words) for s in figures.station_trend["station"].unique()}
    width, height = SUMMARY_TREND_MM
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    trend_chart(
        pdf,
        figures.station_trend,
        by="station",
        names=names,
        x=MARGIN_MM,
        y=top,
        width=width,
        height=height,
        family=FAMILY,
    )
    pdf.set_y(top + height + 1)
    _officers(pdf, figures.officers, words=words, figures=figures)
    pdf.ln(2)
    _line(pdf, words["notes"], size=7, grey=90)


def _station_page(
    pdf: FPDF,
    figures: ReportFigures,
    station: str,
    *,
    blocks: gpd.GeoDataFrame,
    words: Mapping[str, str],
    settings: Settings | None,
) -> None:
    pdf.add_page()
    _heading(pdf, words["station_heading"].format(station=station), size=14)
    _heading(pdf, words["by_beat"], size=10)
    beats = figures.beats[figures.beats["station"].eq(station)]
    rows = beats.assign(label=beats["beat_id"].astype(str) + " " + beats["name"].astype(str))
    total = figures.stations.loc[[station]].reset_index(drop=True)
    total["label"] = words["total"]
    rows = pd.concat([rows[["label", *FIGURE_COLUMNS]], total[["label", *FIGURE_COLUMNS]]])
    _figure_table(pdf, rows, first="label", words=words, total_last=True, first_label="beat_id")
    pdf.ln(3)
    ids = beats["beat_id"].astype(str).tolist()
    mine = blocks[blocks["beat_id"].astype(str).isin(ids)]
    names = {b: f"{b} {n}".strip() for b, n in zip(ids, beats["name"].astype(str), strict=True)}
    trend = figures.trend[figures.trend["beat_id"].astype(str).isin(ids)]
    half = (BODY_W_MM - 6) / 2
    if pdf.get_y() + 95 > PAGE_H_MM - 20:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_font(FAMILY, size=9)
    pdf.cell(half, 5, words["map"])
    pdf.set_x(MARGIN_MM + half + 6)
    pdf.cell(half, 5, words["trend"][:60], new_x="LMARGIN", new_y="NEXT")
    shown = station_map(
        pdf,
        mine,
        x=MARGIN_MM,
        y=top + 6,
        width=half,
        beat_names=names,
        no_households=words["no_households"],
        family=FAMILY,
        settings=settings,
    )
    drawn = trend_chart(
        pdf,
        trend,
        by="beat_id",
        names=names,
        x=MARGIN_MM + half + 6,
        y=top + 6,
        width=half,
        height=half * STATION_TREND_RATIO,
        family=FAMILY,
    )
    pdf.set_y(top + 6 + max(shown, drawn) + 1)
    _line(pdf, words["map_credit"], size=6.5, grey=110)
    mine_officers = figures.officers[figures.officers["beat_ids"].map(lambda b: _in(b, ids))]
    _officers(pdf, mine_officers, words=words, figures=figures)


def _in(beats: str, ids: Sequence[str]) -> bool:
    return any(b in ids for b in str(beats).split("、"))


def _total_row(
    stations: pd.DataFrame, total: pd.Series, column: str, words: Mapping[str, str]
) -> pd.DataFrame:
    row = total.to_frame().T.reset_index(drop=True)
    row.insert(0, column, words["total"])
    return row[[column, *stations.columns]]


def _figure_table(
    pdf: FPDF,
    rows: pd.DataFrame,
    *,
    first: str,
    words: Mapping[str, str],
    total_last: bool,
    first_label: str | None = None,
) -> None:
    """Draw :data:`FIGURE_COLUMNS` after a name column; the last row shaded as a total."""
    headers = [words[first_label or first]]
    for column in FIGURE_COLUMNS:
        headers.append(
            words["coverage_change_pp"] if column == "coverage_change" else words[column]
        )
    rest = (BODY_W_MM - NAME_COLUMN_MM) / len(FIGURE_COLUMNS)
    widths = (NAME_COLUMN_MM, *([rest] * len(FIGURE_COLUMNS)))
    body = [
        [str(row[first]), *(FORMATTERS.get(c, _count)(row[c]) for c in FIGURE_COLUMNS)]
        for _, row in rows.iterrows()
    ]
    _table(pdf, headers, body, widths=widths, shade_last=total_last)


def _table(
    pdf: FPDF,
    headers: Sequence[str],
    body: Sequence[Sequence[str]],
    *,
    widths: Sequence[float],
    shade_last: bool = False,
    size: float = 6.5,
    text_columns: int = 1,
) -> None:
    """Draw a table: ``text_columns`` columns of text (left), then numbers (right)."""
    pdf.set_font(FAMILY, size=size)
    align = (*(["LEFT"] * text_columns), *(["RIGHT"] * (len(headers) - text_columns)))
    with pdf.table(
        width=sum(widths),
        col_widths=tuple(widths),
        text_align=align,
        line_height=size * 0.48,
        headings_style=HEADER_FILL,
        padding=0.8,
        align="LEFT",
    ) as table:
        head = table.row()
        for text in headers:
            head.cell(text, align="CENTER")
        for i, values in enumerate(body):
            shaded = shade_last and i == len(body) - 1
            row = table.row(style=TOTAL_FILL if shaded else None)
            for value in values:
                row.cell(value)


def _officers(
    pdf: FPDF, officers: pd.DataFrame, *, words: Mapping[str, str], figures: ReportFigures
) -> None:
    """Draw the officers short of time (or a line saying none is)."""
    pdf.ln(2)
    title = words["officers_short"].format(days=figures.period_days, hours=figures.officer_hours)
    _heading(pdf, title, size=10)
    short = officers[officers["short_h"] > 0]
    if officers.empty:
        _line(pdf, words["no_officers"], size=8)
        return
    if short.empty:
        _line(pdf, words["no_officer_short"], size=8)
        return
    headers = [words[c] for c in OFFICER_TABLE]
    body = [[FORMATTERS.get(c, str)(row[c]) for c in OFFICER_TABLE] for _, row in short.iterrows()]
    _table(pdf, headers, body, widths=(26, 36, 40, 28, 28, 28), text_columns=3)


__all__ = ["report_pdf"]

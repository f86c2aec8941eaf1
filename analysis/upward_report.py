"""The upward report (issue #13): one call that gives the PDF and the Excel workbook.

:func:`build_report` is what the command line (``python -m analysis report``,
:mod:`analysis.report_cli`) and the app's Overview download both call: figures from
:mod:`analysis.report_figures`, the PDF from :mod:`analysis.report_pdf`, the workbook
through :func:`geo.workbook.workbook_bytes`. Nothing here reads or writes a file (the font
is read by fpdf2 when the report is drawn).

The workbook has one sheet per table, labelled in the report's language: stations (with a
total row), beats, officers (every officer, short of time or not) and the weekly trend per
beat. Shares are stored as numbers between 0 and 1 and shown as percentages; a coverage
change is blank where the previous period has no visit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd

from analysis.pipeline import Analysis
from analysis.report_charts import REPORT_FONT
from analysis.report_figures import FIGURE_COLUMNS, OFFICER_COLUMNS, ReportFigures, report_figures
from analysis.report_labels import labels
from analysis.report_pdf import report_pdf
from geo.settings import Settings, resolve
from geo.workbook import Sheet, workbook_bytes

KINDS: Final = {
    "coverage": "percent",
    "coverage_change": "change",
    "cumulative_coverage": "percent",
    "mean_satisfaction": "decimal",
    "workload_h": "hours",
    "available_h": "hours",
    "short_h": "hours",
    "week_start": "date",
    **{
        c: "integer"
        for c in FIGURE_COLUMNS
        if c not in ("coverage", "coverage_change", "mean_satisfaction")
    },
}
"""Number format kind of each column in the workbook (:data:`geo.workbook.NUMBER_FORMATS`)."""


@dataclass(frozen=True)
class ReportFiles:
    """The report's two files as bytes.

    Attributes
    ----------
    pdf : bytes
        ``report.pdf``.
    xlsx : bytes
        ``report.xlsx``.
    figures : ReportFigures
        The figures both show.
    """

    pdf: bytes
    xlsx: bytes
    figures: ReportFigures


def build_report(
    analysis: Analysis,
    previous: Analysis | None,
    *,
    visits: pd.DataFrame,
    lang: str = "en",
    dataset: str = "",
    streets: gpd.GeoSeries | None = None,
    generated: dt.datetime | None = None,
    settings: Settings | None = None,
    font: Path = REPORT_FONT,
) -> ReportFiles:
    """Return the upward report of ``analysis`` as PDF and Excel bytes.

    Parameters
    ----------
    analysis : Analysis
        The window's analysis (scoped as the reader may see it).
    previous : Analysis or None
        The same data over the previous period of equal length
        (:func:`analysis.report_figures.previous_window`); None shows no change.
    visits : pandas.DataFrame
        The canonical visits behind ``analysis`` (with ``issue_raised``, ``follow_up_of``,
        ``duration_min`` when the data have them), for follow-ups and the workload.
    lang : {"en", "zh"}
        Language of every label.
    dataset : str
        The data's name, shown in the title block.
    streets : geopandas.GeoSeries, optional
        Street lines, for the streets inside blocks in the officers' workload.
    generated : datetime.datetime, optional
        When the report is made, as shown on its first page (default: now, local time).
    settings : Settings, optional
        The analysis's settings (``workload_*``, ``workload_officer_hours``).
    font : pathlib.Path
        The font every text is set in (default: the vendored Noto Sans SC).

    Returns
    -------
    ReportFiles

    Raises
    ------
    ReportError
        An unknown ``lang``, or ``visits`` without the canonical columns.
    """
    words = labels(lang)
    s = resolve(settings)
    figures = report_figures(analysis, previous, visits=visits, streets=streets, settings=s)
    when = (generated or dt.datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M")
    pdf = report_pdf(
        figures,
        blocks=analysis.blocks,
        words=words,
        dataset=dataset,
        generated=when,
        font=font,
        settings=settings,
    )
    return ReportFiles(pdf=pdf, xlsx=report_workbook(figures, words=words), figures=figures)


def report_workbook(figures: ReportFigures, *, words: Mapping[str, str]) -> bytes:
    """Return the report's tables as a formatted workbook, labelled with ``words``."""
    stations = figures.stations.reset_index()
    total = figures.total.to_frame().T
    total.insert(0, "station", words["total"])
    stations = pd.concat([stations, total], ignore_index=True)
    stations["station"] = stations["station"].replace("", words["no_station"])
    trend = figures.trend.assign(week_start=pd.to_datetime(figures.trend["week_start"]).dt.date)
    tables = (
        ("sheet_stations", stations[["station", *FIGURE_COLUMNS]]),
        ("sheet_beats", figures.beats[["beat_id", "name", "station", *FIGURE_COLUMNS]]),
        ("sheet_officers", figures.officers[list(OFFICER_COLUMNS)]),
        ("sheet_trend", trend[["beat_id", "station", "week_start", "cumulative_coverage"]]),
    )
    sheets = []
    for key, frame in tables:
        labelled = frame.rename(columns={c: words[c] for c in frame.columns})
        kinds = {words[c]: KINDS[c] for c in frame.columns if c in KINDS}
        sheets.append(Sheet(words[key], labelled, kinds))
    return workbook_bytes(sheets)


__all__ = ["KINDS", "ReportFiles", "build_report", "report_workbook"]

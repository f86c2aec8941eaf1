"""Shared Streamlit pieces: headline figures, legends, tables with downloads, map clicks.

Pages compose these so that no page repeats drawing code. Texts come from the catalogue;
data shown as HTML (the legend) is escaped.
"""

from __future__ import annotations

import contextlib
import functools
import html
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import streamlit as st

from analysis.units import Units, parse_unit
from app import auth, tables
from app.colors import Colors, legend
from app.i18n import column_label, current_language, t
from app.views import (
    WORSE_WHEN_HIGHER,
    Figure,
    format_change,
    format_figure,
    window_is_empty,
)
from geo.writers import geojson_bytes

PERCENT_COLUMNS = frozenset(
    {
        "coverage",
        "coverage_change",
        "coverage_as_logged",
        "not_counted_share",
        "band_expected_success",
        "flagged_share",
    }
)
"""Columns holding shares (0–1), shown as percentages."""

ONE_DECIMAL_COLUMNS = frozenset(
    {"priority", "days_waiting", "door_distance_m", "mean_satisfaction", "mean_days_waiting"}
)
"""Columns shown with one decimal."""

_MISSING_LABELS = {"no households": "legend.no_households", "no data": "legend.no_data"}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|:~$])")
_UNSAFE_FILE_CHARS = re.compile(r"[^\w.\-]+")


def md_text(value: Any) -> str:
    r"""Return text from data safe to show inside Markdown (``st.caption``, ``st.subheader``).

    Streamlit renders those as Markdown (never as raw HTML), so data could still turn into
    links, emphasis or colour directives; every Markdown character is backslash-escaped.

    Examples
    --------
    >>> print(md_text("[x](javascript:1) *b*"))
    \[x\]\(javascript\:1\) \*b\*
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if value is None else str(value))


def file_name(name: str) -> str:
    """Return ``name`` safe as a download's file name (ids may hold ``:`` or ``/``).

    Examples
    --------
    >>> file_name("visits_outside:B01")
    'visits_outside_B01'
    """
    return _UNSAFE_FILE_CHARS.sub("_", name).strip("._") or "download"


@contextlib.contextmanager
def stage_progress(stages: Sequence[str], *, prefix: str) -> Iterator[Callable[[str], None]]:
    """Yield a reporter that draws a progress bar, one step per stage, gone at the end.

    Each call ``report(stage)`` shows the bar at the stage's place in ``stages`` with the
    catalogue text ``<prefix>.<stage>``; nothing is drawn until the first call, so a step
    that turns out to be stored already shows nothing.
    """
    holder = st.empty()

    def report(stage: str) -> None:
        done = stages.index(stage) / len(stages)
        holder.progress(
            done, text=t(f"{prefix}.{stage}", step=stages.index(stage) + 1, steps=len(stages))
        )

    try:
        yield report
    finally:
        holder.empty()


def headline(figures: Sequence[Figure]) -> None:
    """Draw headline figures in one row, each with its change against the previous period."""
    columns = st.columns(len(figures))
    for column, figure in zip(columns, figures, strict=True):
        change = format_change(figure.key, figure.change, points=t("unit.points"))
        column.metric(
            t(f"fig.{figure.key}"),
            format_figure(figure.key, figure.value),
            delta=change,
            delta_color="inverse" if figure.key in WORSE_WHEN_HIGHER else "normal",
            delta_arrow="off" if not figure.change else "auto",
            help=t("fig.change_help"),
        )


def beat_metrics(figures: dict[str, Any], *, to_visit: int) -> None:
    """Draw one beat's figures: households, coverage, still to visit, overdue, follow-ups."""
    shown = [
        ("households", figures.get("households")),
        ("coverage", figures.get("coverage")),
        ("to_visit", to_visit),
        ("vulnerable_overdue", figures.get("vulnerable_overdue")),
        ("open_follow_ups", figures.get("open_follow_ups")),
    ]
    for column, (key, value) in zip(st.columns(len(shown)), shown, strict=True):
        number = None if value is None or pd.isna(value) else float(value)
        column.metric(t(f"fig.{key}"), format_figure(key, number))


def file_drop(
    label: str, *, types: Sequence[str], key: str, limit_bytes: int, where: Any = None
) -> Any:
    """Show a file uploader whose drop zone speaks the chosen language; return the file.

    Streamlit writes its drop zone's own texts ("Upload", "200MB per file", "Drag and drop
    a file here") in English and has no option to change them. A style sheet scoped to
    this uploader's key (``.st-key-<key>``) shrinks them to nothing and shows the
    catalogue's texts in their place (CSS ``content``); the limit shown is ours
    (``limit_bytes``), the help says the same in words.

    Parameters
    ----------
    label : str
        The uploader's label (already translated).
    types : sequence of str
        Accepted suffixes without the dot.
    key : str
        The widget key; also scopes the style sheet.
    limit_bytes : int
        The largest file accepted (``settings.upload_max_bytes``).
    where : streamlit container, optional
        Where to draw (default: the page).
    """
    where = st if where is None else where
    mb = f"{limit_bytes / 1e6:g}"
    uploaded = where.file_uploader(
        label, type=list(types), key=key, help=t("data.upload_help", mb=mb)
    )
    st.html(
        dropzone_style(
            key,
            button=t("data.dropzone_button"),
            limit=t("data.dropzone_limit", mb=mb, types=", ".join(x.upper() for x in types)),
            drag=t("data.dropzone_drag"),
        )
    )
    return uploaded


def dropzone_style(key: str, *, button: str, limit: str, drag: str) -> str:
    r"""Return the ``<style>`` that shows ``button``, ``limit`` and ``drag`` in a drop zone.

    Examples
    --------
    >>> css = dropzone_style("k", button="上传", limit='1 "MB"', drag="</style>")
    >>> '.st-key-k [data-testid="stFileUploaderDropzoneInstructions"] span::after' in css
    True
    >>> 'content:"上传"' in css and r'content:"1 \"MB\""' in css
    True
    >>> css.count("</style>")
    1
    """
    zone = f'.st-key-{key} [data-testid="stFileUploaderDropzone"]'
    parts = {
        f'{zone} button [data-testid="stMarkdownContainer"] p': button,
        f'.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span': limit,
        f"{zone} > div:not([data-testid]) span": drag,
    }
    rules = "".join(
        f"{where}{{font-size:0;white-space:normal}}"
        f"{where}::after{{content:{_css_string(text)};font-size:0.875rem}}"
        for where, text in parts.items()
    )
    return f"<style>{rules}</style>"


def _css_string(text: str) -> str:
    r"""Return ``text`` as a CSS string literal that cannot end the string or the sheet.

    Examples
    --------
    >>> print(_css_string('a "b" \\ </style>'))
    "a \"b\" \\ \3c /style>"
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + escaped.replace("\n", "\\a ") + '"'


def draw_legend(colors: Colors, *, title: str, values: Sequence[Any] | None = None) -> None:
    """Draw a map's legend with Streamlit (colour swatches and labels, escaped)."""
    rows = legend(colors, values=values)
    items = []
    for label, color in zip(rows["label"], rows["color"], strict=True):
        text = t(_MISSING_LABELS[label]) if label in _MISSING_LABELS else str(label)
        items.append(
            f'<span style="display:inline-block;width:0.9em;height:0.9em;background:{color};'
            f'border:1px solid #888;margin:0 0.3em 0 0.8em;vertical-align:middle"></span>'
            f"{html.escape(text)}"
        )
    st.markdown(
        f"<div><strong>{html.escape(title)}</strong>{''.join(items)}</div>",
        unsafe_allow_html=True,
    )


def table(
    frame: pd.DataFrame,
    *,
    key: str,
    height: int | Literal["auto"] = "auto",
    shown: pd.DataFrame | pa.Table | None = None,
) -> None:
    """Show a table with translated headers and codes; shares as percentages.

    Every column can be sorted by clicking its header; a missing value is an empty cell.
    ``shown`` is ``tables.labelled(frame)`` when the page has it already (cached), or
    that as Arrow (:attr:`app.page_cache.Table.sent`).
    """
    shown = tables.labelled(frame) if shown is None else shown
    config = {
        column_label(c): st.column_config.NumberColumn(format="percent")
        for c in frame.columns
        if c in PERCENT_COLUMNS
    }
    config |= {
        column_label(c): st.column_config.NumberColumn(format="%.1f")
        for c in frame.columns
        if c in ONE_DECIMAL_COLUMNS
    }
    # a keyed container (CSS class ``st-key-<key>``) lets tests and users find the table
    with st.container(key=key):
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            height=height,
            column_config=config,
            placeholder="",  # a missing value is an empty cell, not "None"
        )


def downloads(
    frame: pd.DataFrame,
    *,
    name: str,
    key: str,
    geo: gpd.GeoDataFrame | None = None,
) -> None:
    """Draw download buttons for a table: CSV and Excel (and GeoJSON when ``geo`` is given).

    The files are made only when a button is clicked (Streamlit runs the callable then), so
    drawing a page costs nothing for its downloads; each file made is an ``export`` row of
    the audit trail (:func:`app.auth.audited`). ``frame`` must not change afterwards.
    """
    lang = current_language()
    base = file_name(name)
    columns = st.columns(3 if geo is not None else 2)
    columns[0].download_button(
        t("download.csv"),
        data=auth.audited(f"{base}.csv", functools.partial(tables.to_csv, frame, lang=lang)),
        file_name=f"{base}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )
    columns[1].download_button(
        t("download.excel"),
        data=auth.audited(f"{base}.xlsx", functools.partial(tables.to_excel, frame, lang=lang)),
        file_name=f"{base}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
    )
    if geo is not None:
        columns[2].download_button(
            t("download.geojson"),
            data=auth.audited(f"{base}.geojson", functools.partial(geojson_bytes, geo)),
            file_name=f"{base}.geojson",
            mime="application/geo+json",
            key=f"{key}_geojson",
            on_click="ignore",
        )


def html_download(label: str, build: Callable[[], str], *, name: str, key: str) -> None:
    """Draw a download button for an HTML page (``<name>.html``) made by ``build`` on click.

    Recorded as an ``export`` when the page is made, like :func:`downloads`.
    """
    file_download(
        label,
        lambda: build().encode("utf-8"),
        file=f"{file_name(name)}.html",
        mime="text/html",
        key=key,
        primary=True,
    )


def file_download(
    label: str,
    build: Callable[[], bytes],
    *,
    file: str,
    mime: str,
    key: str,
    primary: bool = False,
) -> None:
    """Draw a download button for a file made by ``build`` when it is clicked.

    Recorded as an ``export`` of ``file`` when the file is made, like :func:`downloads`.
    """
    st.download_button(
        label,
        data=auth.audited(file, build),
        file_name=file,
        mime=mime,
        key=key,
        on_click="ignore",
        type="primary" if primary else "secondary",
    )


def table_with_downloads(
    frame: pd.DataFrame, *, name: str, key: str, shown: pd.DataFrame | pa.Table | None = None
) -> None:
    """Show a table and its CSV and Excel downloads (``shown``: as in :func:`table`)."""
    table(frame, key=key, shown=shown)
    downloads(frame, name=name, key=key)


def block_households(homes: pd.DataFrame, *, name: str, block_id: str, key: str) -> None:
    """Draw a block's households under its name, counted, with their downloads."""
    st.subheader(t("gaps.households_of", block=md_text(name)))
    st.caption(t("gaps.households_count", count=len(homes)))
    table_with_downloads(homes, name=f"households_{block_id}", key=key)


def pick_from_map(
    clicked: dict[str, Any] | None, options: Sequence[str], *, id_column: str, key: str
) -> None:
    """Move a selector (session key ``key``) to the feature clicked on a map.

    Only a new click moves it, so the selector can still be changed by hand afterwards.
    Call before the selector is drawn.
    """
    value = (clicked or {}).get(id_column)
    last_key = f"{key}__last_click"
    if value in options and value != st.session_state.get(last_key):
        st.session_state[last_key] = value
        st.session_state[key] = value


def trend_chart(trend: pd.DataFrame, *, value: str, x_label: str, y_label: str) -> None:
    """Draw a weekly line per beat (Vega-Lite, bundled with Streamlit: no CDN)."""
    spec = {
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {
                "field": "week_start",
                "type": "temporal",
                "title": x_label,
                "axis": {"format": "%m-%d"},  # no month names: the same in both languages
            },
            "y": {
                "field": value,
                "type": "quantitative",
                "title": y_label,
                # whole percentages on a fixed 0-100 % scale: a flat line at 0 is drawn at
                # the bottom of a readable axis, never on a "0.000000 %" one
                "axis": {"format": ".0%"},
                "scale": {"domain": [0, 1]},
            },
            "color": {"field": "beat_id", "type": "nominal", "title": column_label("beat_id")},
            "tooltip": [
                {"field": "beat_id", "type": "nominal", "title": column_label("beat_id")},
                {"field": "week_start", "type": "temporal", "title": x_label},
                {"field": value, "type": "quantitative", "title": y_label, "format": ".0%"},
            ],
        },
    }
    st.vega_lite_chart(trend, spec, width="stretch")


def satisfaction_scatter(
    beats: pd.DataFrame, *, x_label: str, y_label: str, beat_label: str
) -> None:
    """Draw each beat's coverage against its mean satisfaction, one colour per beat.

    ``beats`` is :func:`app.views.satisfaction_beats`; Vega-Lite as :func:`trend_chart`.
    Beats are named in the legend (text beside the points overlapped where beats have close
    figures) and coloured in the trend chart's order. Coverage spans the beats' own range
    (beats differ by a few points); satisfaction the whole 1–5 scale.
    """
    x = {"field": "coverage", "type": "quantitative", "title": x_label}
    x |= {"axis": {"format": "%"}, "scale": {"zero": False}}
    y = {"field": "mean_satisfaction", "type": "quantitative", "title": y_label}
    y |= {"scale": {"domain": [1, 5]}}  # the whole scale: small differences look small
    tooltip = [
        {"field": "label", "type": "nominal", "title": beat_label},
        {"field": "coverage", "type": "quantitative", "title": x_label, "format": ".0%"},
        {"field": "mean_satisfaction", "type": "quantitative", "title": y_label, "format": ".1f"},
    ]
    spec = {
        "mark": {"type": "point", "filled": True, "size": 90, "opacity": 0.85, "stroke": "white"},
        "encoding": {
            "x": x,
            "y": y,
            "color": {"field": "label", "type": "nominal", "title": beat_label},
            "tooltip": tooltip,
        },
    }
    st.vega_lite_chart(beats, spec, width="stretch")


def satisfaction_bars(waits: pd.DataFrame, *, x_label: str, y_label: str, n_label: str) -> None:
    """Draw mean satisfaction by days since the previous contact, each bar with its count.

    ``waits`` is :func:`app.views.satisfaction_waits` (bins in order); the number above a
    bar is how many scored visits it holds. Vega-Lite as :func:`trend_chart`.
    """
    x = {"field": "wait", "type": "nominal", "title": x_label, "sort": list(waits["wait"])}
    x |= {"axis": {"labelAngle": 0}}
    y = {"field": "mean_satisfaction", "type": "quantitative", "title": y_label}
    y |= {"scale": {"domain": [0, 5]}}
    tooltip = [
        {"field": "wait", "type": "nominal", "title": x_label},
        {"field": "mean_satisfaction", "type": "quantitative", "title": y_label, "format": ".1f"},
        {"field": "visits", "type": "quantitative", "title": n_label},
    ]
    spec = {
        "encoding": {"x": x, "y": y, "tooltip": tooltip},
        "layer": [
            {"mark": {"type": "bar"}},
            {
                "mark": {"type": "text", "baseline": "bottom", "dy": -3},
                "transform": [
                    {"calculate": "'n = ' + datum.visits", "as": "count"},
                    # an empty bin has no bar: its "n = 0" stands on the axis
                    {"calculate": "datum.mean_satisfaction || 0", "as": "top"},
                ],
                "encoding": {
                    "y": {"field": "top", "type": "quantitative"},
                    "text": {"field": "count", "type": "nominal"},
                },
            },
        ],
    }
    st.vega_lite_chart(waits, spec, width="stretch")


def empty_window(visits: pd.DataFrame, window: tuple[Any, Any]) -> bool:
    """Say plainly, in one line, when no visit falls in the window; return whether so.

    Pages then draw no chart and no change against the previous period (there is nothing
    to compare); their tables and maps still show the households, none of them visited.
    """
    empty = window_is_empty(visits)
    if empty:
        st.info(t("common.empty_window", start=window[0], end=window[1]))
    return empty


def nothing_in_scope() -> None:
    """Say that the user's scope holds no beats (e.g. an officer on no beat)."""
    st.info(t("common.nothing_in_scope"))


def units_notice(units: Units) -> None:
    """Say when coverage is judged on H3 cells because the streets miss the dataset."""
    if units.fallback:
        st.info(t("common.units_fallback", resolution=parse_unit(units.unit)))

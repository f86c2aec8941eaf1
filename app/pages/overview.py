"""Overview (chief): headline figures with their change, beat map, weekly trend, beats table."""

import streamlit as st

from app import mapviews, state, ui, views
from app.i18n import t
from app.maps import render
from app.shell import context

ctx = context()
view = ctx.view()
previous = ctx.previous_view()

st.title(t("overview.title"))
before = state.previous_window(ctx.window)
st.caption(
    t(
        "overview.window",
        start=ctx.window[0],
        end=ctx.window[1],
        prev_start=before[0],
        prev_end=before[1],
    )
)
ui.units_notice(state.unit_choice(ctx.ref, ctx.settings))
ui.headline(views.headline(view.analysis.summary(), previous.analysis.summary()))

if view.beats.empty:
    ui.nothing_in_scope()
    st.stop()

st.subheader(t("overview.map"))
shapes = state.map_shapes(ctx.ref, ctx.settings)
beat_map, colors = mapviews.beat_coverage_map(view.beats, shapes, settings=ctx.settings)
render(beat_map, key="overview_map", height=480)
ui.draw_legend(colors, title=t("legend.coverage"))

st.subheader(t("overview.trend"))
trend = views.trend_frame(view.analysis.trend)
if trend.empty:
    st.info(t("overview.no_trend"))
else:
    ui.trend_chart(
        trend,
        value="cumulative_coverage",
        x_label=t("col.week_start"),
        y_label=t("col.cumulative_coverage"),
    )

st.subheader(t("overview.beats"))
st.caption(t("common.sort_hint"))
beats = views.beat_table(view.beats, previous.analysis.beats)
ui.table_with_downloads(beats, name="beats", key="overview_beats")

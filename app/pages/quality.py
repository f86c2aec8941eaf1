"""Visit quality: flagged visits by officer and by flag, on a map of their GPS points."""

import streamlit as st

from app import mapviews, state, ui, views
from app.i18n import t
from app.maps import render
from app.shell import context

ctx = context()
view = ctx.view()
visits = views.window_visits(view.visits)

st.title(t("quality.title"))
st.caption(t("quality.intro"))
if view.beats.empty:
    ui.nothing_in_scope()
    st.stop()

flagged = views.flagged_visits(visits, view.households)
not_counted = int((~visits["verified"].astype(bool)).sum())
columns = st.columns(3)
columns[0].metric(t("fig.visits"), f"{len(visits):,}")
columns[1].metric(t("fig.flagged_any"), f"{len(flagged):,}")
columns[2].metric(
    t("fig.flagged_visits"),
    f"{not_counted:,}",
    help=t("quality.not_counted_help"),
)

st.subheader(t("quality.by_flag"))
counts = views.flag_counts(visits)
counts["description"] = [t(f"flag_desc.{code}") for code in counts["flag"]]
ui.table_with_downloads(counts, name="flags", key="quality_flags")

st.subheader(t("quality.by_officer"))
ui.table_with_downloads(views.officer_flags(visits), name="officers", key="quality_officers")

st.subheader(t("quality.by_block"))
ui.table_with_downloads(
    views.block_flags(visits, view.households), name="blocks", key="quality_blocks"
)

st.subheader(t("quality.map"))
shapes = state.map_shapes(ctx.ref, ctx.settings)
flag_map, colors = mapviews.flagged_map(flagged, view.beats, shapes, settings=ctx.settings)
render(flag_map, key="quality_map", height=460)
ui.draw_legend(colors, title=t("legend.first_flag"))

st.subheader(t("quality.visits", count=len(flagged)))
ui.table_with_downloads(flagged, name="flagged_visits", key="quality_visits")

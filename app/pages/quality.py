"""Visit quality: the visits to review, worst first, each with its evidence; a chief decides.

Figures are of the analysis window (as on the Overview). A chief confirms a flagged visit
(not counted) or dismisses it (counted); the decision is kept in the workspace and the
analysis is run again with it. Everyone else sees the list without the buttons.
"""

import folium
import pandas as pd
import streamlit as st

from app import maps, mapviews, page_cache, review, state, ui, views
from app.i18n import code_label, t
from app.shell import context
from geo.errors import BeatcovError

ctx = context()
view = ctx.view()
visits = page_cache.drawn(ctx, view, "quality.visits", lambda: views.window_visits(view.visits))

st.title(t("quality.title"))
st.caption(t("quality.intro"))
ui.empty_window(view.visits, ctx.window)
if view.beats.empty:
    ui.nothing_in_scope()
    st.stop()

log = state.review_log()
# the list shows who decided and when: every stored decision is part of its key
decided = tuple(log.itertuples(index=False, name=None))
listed = page_cache.drawn(
    ctx,
    view,
    "quality.listed",
    lambda: review.review_visits(
        visits, view.households, log, settings=ctx.settings, lang=ctx.lang
    ),
    decided,
)
figures = page_cache.drawn(ctx, view, "quality.figures", lambda: review.quality_figures(visits))
columns = st.columns(4)
columns[0].metric(t("fig.visits"), f"{figures['visits']:,}")
columns[1].metric(t("fig.in_review"), f"{figures['review']:,}", help=t("quality.in_review_help"))
columns[2].metric(
    t("fig.flagged_visits"), f"{figures['not_counted']:,}", help=t("quality.not_counted_help")
)
columns[3].metric(t("fig.decided"), f"{figures['decided']:,}")

st.subheader(t("quality.map"))
shapes = state.map_shapes(ctx.ref, ctx.settings)


def _map() -> tuple[folium.Map, dict[str, str]]:
    lines = review.door_lines(listed, view.households)
    return mapviews.review_map(listed, lines, view.beats, shapes, settings=ctx.settings)


map_args, colors = page_cache.map_args(ctx, view, "quality_map", _map, decided)
clicked = maps.show(map_args, height=460)
ui.draw_legend(colors, title=t("legend.first_flag"))

st.subheader(t("quality.review_list", count=len(listed)))
choices = page_cache.drawn(
    ctx, view, "quality.choices", lambda: review.visit_choices(listed, lang=ctx.lang), decided
)
ui.pick_from_map(clicked, list(choices), id_column="visit_id", key="quality_visit")
visit_id = st.selectbox(
    t("quality.visit"),
    list(choices),
    index=None,
    format_func=choices.__getitem__,
    placeholder=t("quality.visit_placeholder"),
    key="quality_visit",
)
if visit_id:
    chosen = listed[listed["visit_id"] == visit_id]
    row = chosen.iloc[0]
    st.markdown(t("quality.reason", reason=ui.md_text(row["reason"])))
    if row["review"]:
        decided = row["decided_at"]
        st.caption(
            t(
                "quality.decided",
                decision=code_label("decision", row["review"], ctx.lang),
                reviewer=ui.md_text(row["reviewer"]),
                time=review.utc_minute(decided),
            )
        )
    block = review.visit_block(visit_id, visits, view.households, view.analysis.blocks)
    if block:
        st.metric(
            t("quality.block_coverage", block=ui.md_text(block.get("name", block["block_id"]))),
            f"{block['coverage']:.1%}",
            help=f"{block['contacted_households']:,} / {block['households']:,}",
        )
    if ctx.can_review:
        left, middle, right = st.columns(3)
        action = None
        if left.button(
            t("quality.confirm"), key="quality_confirm", disabled=row["review"] == "confirmed"
        ):
            action = "confirmed"
        if middle.button(
            t("quality.dismiss"), key="quality_dismiss", disabled=row["review"] == "dismissed"
        ):
            action = "dismissed"
        if right.button(t("quality.withdraw"), key="quality_withdraw", disabled=not row["review"]):
            action = ""
        if action is not None:
            try:
                if action:
                    ctx.review(visit_id, action)
                else:
                    ctx.withdraw_review(visit_id)
            except BeatcovError as error:
                st.error(str(error))
            else:
                st.rerun()
    else:
        st.caption(t("quality.chief_only"))
    st.caption(t("quality.shift_map", visit=visit_id, officer=ui.md_text(row["officer_id"])))
    door = view.households[view.households["household_id"] == row["household_id"]]
    visit_map, legend = mapviews.shift_map(
        review.shift_path(view.visits, visit_id),
        chosen,
        door,
        review.door_lines(chosen, view.households),
        shapes,
        settings=ctx.settings,
    )
    maps.render(visit_map, key="quality_visit_map", height=380)
    ui.draw_legend(legend, title="")

shown = page_cache.table(ctx, view, "quality.listed_table", lambda: listed, decided)
ui.table_with_downloads(
    shown.frame, name="visits_to_review", key="quality_visits", shown=shown.sent
)


def _flag_counts() -> pd.DataFrame:
    counts = views.flag_counts(visits)
    return counts.assign(description=[t(f"flag_desc.{code}") for code in counts["flag"]])


st.subheader(t("quality.by_flag"))
counts = page_cache.table(ctx, view, "quality.flags", _flag_counts)
ui.table_with_downloads(counts.frame, name="flags", key="quality_flags", shown=counts.sent)

st.subheader(t("quality.by_officer"))
officers = page_cache.table(ctx, view, "quality.officers", lambda: views.officer_flags(visits))
ui.table_with_downloads(
    officers.frame, name="officers", key="quality_officers", shown=officers.sent
)

st.subheader(t("quality.by_block"))
by_block = page_cache.table(
    ctx, view, "quality.blocks", lambda: views.block_flags(visits, view.households)
)
ui.table_with_downloads(by_block.frame, name="blocks", key="quality_blocks", shown=by_block.sent)

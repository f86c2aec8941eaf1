"""My beat (officer): who is still to visit, vulnerable and overdue first, and when to go."""

import functools

import streamlit as st

from app import auth, mapviews, report, state, ui, views
from app.i18n import t
from app.maps import render
from app.shell import context

ctx = context()
view = ctx.view()
blocks = view.analysis.blocks

st.title(t("my_beat.title"))
ui.units_notice(state.unit_choice(ctx.ref, ctx.settings))
if view.beats.empty:
    ui.nothing_in_scope()
    st.stop()

names = dict(zip(view.beats["beat_id"], view.beats["name"].fillna(""), strict=True))
beat_id = st.selectbox(
    t("my_beat.beat"),
    sorted(names),
    format_func=lambda b: f"{b} {names[b]}".strip(),
    key="my_beat_beat",
)
figures = views.beat_figures(view.beats, beat_id)
todo = views.work_list(view.households, blocks, beat_id)
ui.beat_metrics(figures, to_visit=len(todo))

beat_blocks = blocks[blocks["beat_id"] == beat_id]
outline = view.beats[view.beats["beat_id"] == beat_id]
shapes = state.map_shapes(ctx.ref, ctx.settings)
beat_map, colors = mapviews.beat_blocks_map(
    beat_blocks, todo, outline, shapes, settings=ctx.settings
)
render(beat_map, key="my_beat_map", height=440)
ui.draw_legend(colors, title=t("legend.coverage"))
ui.draw_legend(mapviews.todo_legend(), title=t("legend.todo"))

st.subheader(t("my_beat.todo", count=len(todo)))
st.caption(t("my_beat.todo_help"))
ui.table_with_downloads(todo, name=f"to_visit_{beat_id}", key="my_beat_todo")
ui.html_download(
    t("my_beat.printable"),
    functools.partial(
        report.beat_report,
        beat=figures,
        blocks=beat_blocks,
        work_list=todo[report.report_columns(todo.columns)],
        window=ctx.window,
        dataset_name=ctx.dataset_name,
        outline=outline,
        lang=ctx.lang,
        settings=ctx.settings,
    ),
    name=f"beat_{beat_id}",
    key="my_beat_report",
)

st.subheader(t("my_beat.household_title"))
homes = views.beat_households(view.households, beat_id)
household_id = st.selectbox(
    t("my_beat.household"),
    list(homes),
    index=None,
    format_func=homes.__getitem__,
    placeholder=t("my_beat.household_placeholder"),
    key="my_beat_household",
)
if household_id:
    auth.record_view(ctx.actor, household_id)  # the audit trail: who opened which household
    ui.table(views.household_details(view.households, household_id), key="my_beat_household_row")
    st.caption(t("my_beat.household_visits"))
    ui.table(views.visit_history(view.visits, [household_id]), key="my_beat_household_visits")

st.subheader(t("my_beat.bands"))
st.caption(t("my_beat.bands_help"))
ui.table_with_downloads(
    views.band_table(blocks, beat_id), name=f"bands_{beat_id}", key="my_beat_bands"
)

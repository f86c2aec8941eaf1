"""My beat (officer): every household of the beat, its to-dos in walking order, a walk plan."""

import dataclasses
import functools

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.route_export import route_csv, route_gpx
from analysis.timeofday import TIE_ORDER
from app import auth, maps, mapviews, page_cache, report, state, ui, views, walks
from app.colors import StepColors
from app.i18n import t
from app.shell import context
from geo.errors import RouteError

PLAN_KEY = "my_beat_walk"  # session key: the inputs of the last "Plan my walk"

ctx = context()
view = ctx.view()
blocks = view.analysis.blocks

st.title(t("my_beat.title"))
ui.empty_window(view.visits, ctx.window)
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
figures = page_cache.drawn(
    ctx, view, "my_beat.figures", lambda: views.beat_figures(view.beats, beat_id), beat_id
)
no_block = t("my_beat.no_block")
listed = page_cache.drawn(
    ctx,
    view,
    "my_beat.listed",
    lambda: views.beat_list(view.households, blocks, [beat_id], no_block=no_block),
    beat_id,
)
ui.beat_metrics(figures, to_visit=views.todo_count(listed))

# ------------------------------------------------------------------ the walk: inputs
st.subheader(t("my_beat.walk"))
st.caption(t("my_beat.walk_help"))
homes = page_cache.drawn(
    ctx, view, "my_beat.homes", lambda: views.beat_households(view.households, beat_id), beat_id
)
band_col, budget_col, start_col = st.columns(3)
now_band = walks.current_band(ctx.settings)
default_band = page_cache.drawn(
    ctx,
    view,
    "my_beat.walk_band",
    lambda: views.walk_band(listed, now_band=now_band),
    beat_id,
    now_band,
)
band = band_col.selectbox(
    t("my_beat.walk_band"),
    TIE_ORDER,
    index=TIE_ORDER.index(default_band),
    format_func=lambda b: t(f"band.{b}"),
    key="my_beat_walk_band",
)
budget = budget_col.number_input(
    t("my_beat.walk_budget"), min_value=10, max_value=600, value=120, step=10, key="my_beat_budget"
)
start_id = start_col.selectbox(
    t("my_beat.walk_start"),
    list(homes),
    index=None,
    format_func=homes.__getitem__,
    placeholder=t("my_beat.walk_start_post"),
    key="my_beat_walk_start",
)
if st.button(t("my_beat.walk_plan"), key="my_beat_plan", type="primary"):
    st.session_state[PLAN_KEY] = walks.WalkInputs(beat_id, band, float(budget), start_id)

asked = st.session_state.get(PLAN_KEY)
route = None
if isinstance(asked, walks.WalkInputs) and asked.beat_id == beat_id:
    try:
        route = walks.plan(ctx, asked)
    except RouteError as exc:
        st.warning(t("my_beat.walk_refused", reason=str(exc)))


def _ordered() -> gpd.GeoDataFrame:
    # Return the beat's households in walking order (the planned walk's, else the to-dos').
    if route is not None:
        order = route.stops.set_index("household_id")["order"]
    else:
        order = walks.order(ctx, beat_id, start_id)
    return views.beat_list(view.households, blocks, [beat_id], order=order, no_block=no_block)


def _map() -> tuple[folium.Map, StepColors]:
    drawing = None if route is None else mapviews.RouteDrawing(route.stops, route.line, route.start)
    return mapviews.beat_blocks_map(
        beat_blocks, listed, outline, state.map_shapes(ctx.ref, ctx.settings), walk=drawing,
        settings=ctx.settings,
    )  # fmt: skip


# what is drawn depends on the beat, the start and the planned walk (its inputs decide it)
planned = None if route is None or asked is None else dataclasses.astuple(asked)
walked = (beat_id, start_id, planned)
listed = page_cache.drawn(ctx, view, "my_beat.ordered", _ordered, *walked)

# ------------------------------------------------------------------ the map
beat_blocks, outline = page_cache.drawn(
    ctx,
    view,
    "my_beat.shapes",
    lambda: (blocks[blocks["beat_id"] == beat_id], view.beats[view.beats["beat_id"] == beat_id]),
    beat_id,
)
map_args, colors = page_cache.map_args(ctx, view, "my_beat_map", _map, *walked)
maps.show(map_args, height=440)
ui.draw_legend(colors, title=t("legend.coverage"))
ui.draw_legend(mapviews.todo_legend(), title=t("legend.households"))
if route is not None:
    ui.draw_legend(mapviews.walk_legend(), title=t("legend.walk_title"))

# ------------------------------------------------------------------ the planned walk
if route is not None and isinstance(asked, walks.WalkInputs):
    minutes_col, priority_col, stops_col = st.columns(3)
    minutes_col.metric(
        t("my_beat.walk_minutes"),
        t("my_beat.walk_minutes_value", used=round(route.minutes), budget=round(asked.budget_min)),
    )
    priority_col.metric(t("my_beat.walk_priority"), f"{route.priority_collected:.1f}")
    stops_col.metric(t("my_beat.walk_stops"), f"{len(route.stops)} / {route.candidates}")
    st.caption(t("my_beat.walk_plan_help", band=t(f"band.{asked.band}")))
    ui.table(views.route_stops(route.stops, blocks), key="my_beat_stops")
    gpx_col, csv_col = st.columns(2)
    gpx_col.download_button(
        t("my_beat.walk_gpx"),
        data=auth.audited(
            "route.gpx", functools.partial(route_gpx, route, name=f"{beat_id} {asked.band}")
        ),
        file_name="route.gpx",
        mime="application/gpx+xml",
        key="my_beat_gpx",
        on_click="ignore",
    )
    csv_col.download_button(
        t("my_beat.walk_csv"),
        data=auth.audited("route.csv", functools.partial(route_csv, route)),
        file_name="route.csv",
        mime="text/csv",
        key="my_beat_route_csv",
        on_click="ignore",
    )

# ------------------------------------------------------------------ every household
st.subheader(t("my_beat.list", count=len(listed), todo=views.todo_count(listed)))
st.caption(t("my_beat.list_help" if route is None else "my_beat.list_help_route"))


def _work_list() -> pd.DataFrame:
    return listed[[c for c in views.WORK_COLUMNS if c in listed.columns]]


work = page_cache.table(ctx, view, "my_beat.work_list", _work_list, *walked)
ui.table_with_downloads(
    work.frame, name=f"households_{beat_id}", key="my_beat_todo", shown=work.sent
)


def _printable() -> str:
    # made when the button is clicked: the beat report with every to-do
    todo = views.todos(listed)
    return report.beat_report(
        beat=figures,
        blocks=beat_blocks,
        work_list=todo[report.report_columns(todo.columns)],
        window=ctx.window,
        dataset_name=ctx.dataset_name,
        outline=outline,
        lang=ctx.lang,
        settings=ctx.settings,
    )


ui.html_download(t("my_beat.printable"), _printable, name=f"beat_{beat_id}", key="my_beat_report")

st.subheader(t("my_beat.household_title"))
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
bands = page_cache.table(
    ctx, view, "my_beat.bands", lambda: views.band_table(blocks, beat_id), beat_id
)
ui.table_with_downloads(bands.frame, name=f"bands_{beat_id}", key="my_beat_bands", shown=bands.sent)

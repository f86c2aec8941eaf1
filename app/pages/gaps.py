"""Gaps: under-visited blocks by priority; click a block to see its households and visits."""

import functools

import folium
import streamlit as st

from app import maps, mapviews, page_cache, state, ui, views
from app.colors import StepColors, priority_colors
from app.i18n import code_label, t
from app.shell import context

ctx = context()
view = ctx.view()
blocks = view.analysis.blocks

st.title(t("gaps.title"))
st.caption(t("gaps.intro"))
ui.empty_window(view.visits, ctx.window)
ui.units_notice(state.unit_choice(ctx.ref, ctx.settings))
if view.beats.empty:
    ui.nothing_in_scope()
    st.stop()

left, middle, right = st.columns(3)
beat_ids = sorted(view.beats["beat_id"].tolist())
chosen_beats = left.multiselect(
    t("gaps.filter_beats"), beat_ids, placeholder=t("gaps.all_beats"), key="gaps_beats"
)
reasons = middle.multiselect(
    t("gaps.filter_reasons"),
    list(views.reason_codes()),
    format_func=functools.partial(code_label, "reason", lang=ctx.lang),
    placeholder=t("gaps.all_reasons"),
    key="gaps_reasons",
)
vulnerable_only = right.checkbox(t("gaps.vulnerable_only"), key="gaps_vulnerable")

chosen = (tuple(chosen_beats), tuple(reasons), vulnerable_only)  # what the map and table show
gaps = page_cache.drawn(
    ctx,
    view,
    "gaps.gaps",
    lambda: views.gap_blocks(
        blocks, beats=chosen_beats, vulnerable_only=vulnerable_only, reasons=reasons
    ),
    chosen,
)
st.caption(t("gaps.count", count=len(gaps), total=int(blocks["under_visited"].sum())))

colors = priority_colors(settings=ctx.settings)  # fixed bins: colours do not follow filters
urgent = page_cache.drawn(
    ctx,
    view,
    "gaps.urgent",
    lambda: views.urgent_households(view.households, beats=chosen_beats),
    chosen[0],
)


def _map() -> tuple[folium.Map, StepColors]:
    bounds = view.beats[view.beats["beat_id"].isin(chosen_beats or beat_ids)]
    shapes = state.map_shapes(ctx.ref, ctx.settings)
    drawn = mapviews.gap_map(
        gaps,
        bounds,
        shapes,
        colors,
        urgent=urgent,
        scope_blocks=blocks["block_id"],  # the scope's: one file whatever the filters
        settings=ctx.settings,
    )
    return drawn, colors


map_args, _ = page_cache.map_args(ctx, view, "gaps_map", _map, chosen)
clicked = maps.show(map_args, height=480)
ui.draw_legend(colors, title=t("legend.priority"))
st.caption(t("gaps.priority_help"))
if len(urgent):
    ui.draw_legend(mapviews.todo_legend(urgent_only=True), title=t("map.urgent"))

block_names = page_cache.drawn(ctx, view, "gaps.names", lambda: views.block_labels(gaps), chosen)
gap_ids = list(block_names)
ui.pick_from_map(clicked, gap_ids, id_column="block_id", key="gaps_block")
block_id = st.selectbox(
    t("gaps.block"),
    gap_ids,
    index=None,
    format_func=block_names.__getitem__,
    placeholder=t("gaps.block_placeholder"),
    key="gaps_block",
)

if block_id:
    homes = views.block_households(view.households, block_id, vulnerable_only=vulnerable_only)
    ui.block_households(homes, name=block_names[block_id], block_id=block_id, key="gaps_households")
    st.subheader(t("gaps.history"))
    history = views.visit_history(view.visits, homes["household_id"])
    ui.table_with_downloads(history, name=f"visits_{block_id}", key="gaps_history")

st.subheader(t("gaps.table"))
table = page_cache.table(ctx, view, "gaps.table", lambda: views.gap_table(gaps), chosen)
ui.table(table.frame, key="gaps_table", shown=table.sent)
features = page_cache.drawn(ctx, view, "gaps.features", lambda: views.gap_features(gaps), chosen)
ui.downloads(table.frame, name="gap_blocks", key="gaps_download", geo=features)

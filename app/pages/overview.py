"""Overview (chief): headline figures, blocks by coverage, the worst gaps, trend and beats.

The worst gaps are numbered on the map and listed beside it, with why and when to go.
"""

import streamlit as st

from app import mapviews, state, ui, views
from app.i18n import codes_label, t
from app.maps import render
from app.shell import context

WORST_COUNT = 5  # how many of the worst gaps Overview numbers on its map and lists

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
empty = ui.empty_window(view.visits, ctx.window)
ui.units_notice(state.unit_choice(ctx.ref, ctx.settings))
ui.headline(views.headline(view.analysis.summary(), previous.analysis.summary()))

if view.beats.empty:
    ui.nothing_in_scope()
    st.stop()

blocks = view.analysis.blocks
worst = views.worst_gaps(blocks, count=WORST_COUNT)
left, right = st.columns([3, 2])
with left:
    st.subheader(t("overview.map"))
    shapes = state.map_shapes(ctx.ref, ctx.settings)
    block_map, colors = mapviews.overview_map(
        blocks, view.beats, worst, shapes, settings=ctx.settings
    )
    clicked = render(block_map, key="overview_map", height=440)
    ui.draw_legend(colors, title=t("legend.coverage"))
with right:
    st.subheader(t("overview.worst", count=len(worst)))
    if worst.empty:
        st.success(t("overview.no_gaps"))
    for gap in worst.itertuples(index=False):
        band = t(f"band.{gap.recommended_band}") if gap.recommended_band else "–"
        st.markdown(
            t(
                "overview.worst_item",
                rank=gap.rank,
                name=ui.md_text(gap.name),
                beat=ui.md_text(gap.beat_id),
                why=ui.md_text(codes_label("reason", gap.reasons, ctx.lang)),
                band=ui.md_text(band),
                priority=f"{gap.priority:.0f}",
            )
        )
    names = views.block_labels(blocks)
    ui.pick_from_map(clicked, list(names), id_column="block_id", key="overview_block")
    block_id = st.selectbox(
        t("overview.open_block"),
        list(worst["block_id"]) + [b for b in names if b not in set(worst["block_id"])],
        index=None,
        format_func=names.__getitem__,
        placeholder=t("gaps.block_placeholder"),
        key="overview_block",
    )

if block_id:
    homes = views.block_households(view.households, block_id)
    st.subheader(t("gaps.households_of", block=ui.md_text(names[block_id])))
    st.caption(t("gaps.households_count", count=len(homes)))
    ui.table_with_downloads(homes, name=f"households_{block_id}", key="overview_households")

st.subheader(t("overview.trend"))
trend = views.trend_frame(view.analysis.trend)
if empty:
    st.info(t("overview.trend_empty"))
elif trend.empty:
    st.info(t("overview.no_trend"))
else:
    ui.trend_chart(
        trend,
        value="cumulative_coverage",
        x_label=t("col.week_start"),
        y_label=t("col.cumulative_coverage"),
    )

st.subheader(t("overview.report"))
st.caption(t("overview.report_help"))


def _report() -> state.ReportFiles:
    return state.upward_report(
        ctx.scope, ctx.window, ctx.settings, lang=ctx.lang, name=ctx.dataset_name, ref=ctx.ref
    )


stem = ui.file_name(f"report_{ctx.window[0]}_{ctx.window[1]}")
pdf, xlsx = st.columns(2)
with pdf:
    ui.file_download(
        t("overview.report_pdf"),
        lambda: _report().pdf,
        file=f"{stem}.pdf",
        mime="application/pdf",
        key="overview_report_pdf",
        primary=True,
    )
with xlsx:
    ui.file_download(
        t("overview.report_xlsx"),
        lambda: _report().xlsx,
        file=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="overview_report_xlsx",
    )

st.subheader(t("overview.beats"))
st.caption(t("common.sort_hint"))
beats = views.beat_table(view.beats, previous.analysis.beats)
ui.table_with_downloads(beats, name="beats", key="overview_beats")

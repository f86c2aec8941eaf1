"""Overview (chief): headline figures, blocks by coverage, worst gaps, trend, satisfaction, beats.

The worst gaps are numbered on the map and listed beside it, with why and when to go.
"""

import folium
import streamlit as st

from analysis.satisfaction import satisfaction_by_wait
from app import maps, mapviews, page_cache, state, ui, views
from app.colors import StepColors
from app.i18n import codes_label, t
from app.shell import context

WORST_COUNT = 5  # how many of the worst gaps Overview numbers on its map and lists

ctx = context()
view = ctx.view()


def _previous() -> state.View:
    # Return the period of equal length before the window (as ``ctx.previous_view()``).
    #
    # It is decided by what decides ``view`` (dataset, window, settings, decisions, scope), so
    # what is drawn from both is cached under ``view``'s key: a warm run does not fetch it.
    return state.get_view(ctx.scope, state.previous_window(ctx.window), ctx.settings, ref=ctx.ref)


with st.spinner(t("common.loading_previous")):
    figures = page_cache.drawn(
        ctx,
        view,
        "overview.headline",
        lambda: views.headline(view.analysis.summary(), _previous().analysis.summary()),
    )

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
ui.headline(figures)

if view.beats.empty:
    ui.nothing_in_scope()
    st.stop()

blocks = view.analysis.blocks
worst = page_cache.drawn(
    ctx, view, "overview.worst", lambda: views.worst_gaps(blocks, count=WORST_COUNT)
)


def _map() -> tuple[folium.Map, StepColors]:
    shapes = state.map_shapes(ctx.ref, ctx.settings)
    return mapviews.overview_map(blocks, view.beats, worst, shapes, settings=ctx.settings)


def _worst_items() -> list[str]:
    items = []
    for gap in worst.itertuples(index=False):
        band = t(f"band.{gap.recommended_band}") if gap.recommended_band else "–"
        items.append(
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
    return items


def _block_choices() -> tuple[dict[str, str], list[str]]:
    names = views.block_labels(blocks)
    first = list(worst["block_id"])
    return names, first + [b for b in names if b not in set(first)]


left, right = st.columns([3, 2])
# the list first: it reaches the browser while the map (slower to make cold) is being drawn
with right:
    st.subheader(t("overview.worst", count=len(worst)))
    if worst.empty:
        st.success(t("overview.no_gaps"))
    for item in page_cache.drawn(ctx, view, "overview.worst_items", _worst_items):
        st.markdown(item)
with left:
    st.subheader(t("overview.map"))
    map_args, colors = page_cache.map_args(ctx, view, "overview_map", _map)
    clicked = maps.show(map_args, height=440)
    ui.draw_legend(colors, title=t("legend.coverage"))
with right:
    names, choices = page_cache.drawn(ctx, view, "overview.blocks", _block_choices)
    ui.pick_from_map(clicked, choices, id_column="block_id", key="overview_block")
    block_id = st.selectbox(
        t("overview.open_block"),
        choices,
        index=None,
        format_func=names.__getitem__,
        placeholder=t("gaps.block_placeholder"),
        key="overview_block",
    )

if block_id:
    homes = views.block_households(view.households, block_id)
    ui.block_households(homes, name=names[block_id], block_id=block_id, key="overview_households")

st.subheader(t("overview.trend"))
trend = page_cache.drawn(
    ctx, view, "overview.trend", lambda: views.trend_frame(view.analysis.trend)
)
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

st.subheader(t("overview.satisfaction"))
waits = page_cache.drawn(
    ctx,
    view,
    "overview.waits",
    lambda: satisfaction_by_wait(
        view.visits,
        start=view.analysis.window[0],
        end=view.analysis.window[1],
        settings=ctx.settings,
    ),
)
if not waits["visits"].sum():
    st.info(t("overview.no_satisfaction"))
else:
    st.caption(t("overview.satisfaction_help", count=f"{int(waits['visits'].sum()):,}"))
    by_beat, by_wait = st.columns(2)
    with by_beat:
        ui.satisfaction_scatter(
            page_cache.drawn(
                ctx, view, "overview.satisfaction", lambda: views.satisfaction_beats(view.beats)
            ),
            x_label=t("col.coverage"),
            y_label=t("col.mean_satisfaction"),
            beat_label=t("col.beat_id"),
        )
    with by_wait:
        ui.satisfaction_bars(
            page_cache.drawn(
                ctx,
                view,
                "overview.waits_shown",
                lambda: views.satisfaction_waits(waits, lang=ctx.lang),
            ),
            x_label=t("overview.satisfaction_wait"),
            y_label=t("col.mean_satisfaction"),
            n_label=t("overview.satisfaction_visits"),
        )

st.subheader(t("overview.report"))
st.caption(t("overview.report_help"))


def _report() -> state.ReportFiles:
    return state.upward_report(
        ctx.scope, ctx.window, ctx.settings, lang=ctx.lang, name=ctx.dataset_name, ref=ctx.ref
    )


stem = ui.file_name(f"report_{ctx.window[0]}_{ctx.window[1]}")
REPORT_FILES = [  # the format's field of ReportFiles, its suffix and media type
    ("pdf", "application/pdf"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
]
for column, (part, mime) in zip(st.columns(2), REPORT_FILES, strict=True):
    with column:
        ui.file_download(
            t(f"overview.report_{part}"),
            lambda part=part: getattr(_report(), part),
            file=f"{stem}.{part}",
            mime=mime,
            key=f"overview_report_{part}",
            primary=part == "pdf",
        )

st.subheader(t("overview.beats"))
st.caption(t("common.sort_hint"))
beats = page_cache.table(
    ctx,
    view,
    "overview.beats",
    lambda: views.beat_table(view.beats, _previous().analysis.beats),
)
ui.table_with_downloads(beats.frame, name="beats", key="overview_beats", shown=beats.sent)

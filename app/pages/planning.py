"""Planning (planner, admin): today's beats against a proposed plan; download it, make it current.

The planner picks how to plan and presses Propose; the plan (cached per choice,
:mod:`app.planning`) is shown beside today's beats: two maps, the figures per beat and the
headline figures. The plan downloads as beats GeoJSON the importer reads, and a planner or
admin can make it current after a confirmation (a new dataset, audited as ``plan_change``).
"""

import functools

import streamlit as st

from app import auth, mapviews, planning, state, ui
from app.colors import beat_colors
from app.i18n import t
from app.maps import render
from app.shell import context
from geo.errors import BeatcovError

REQUEST = "planning_request"  # session key: (dataset id, Request) of the last Propose
CONFIRM = "planning_confirming"  # session key: the Make current confirmation is open
FLASH = "planning_flash"  # session key of a message to show after a rerun

ctx = context()
if not planning.may_plan(ctx.role):  # not in this role's navigation; never drawn for it
    st.stop()

st.title(t("planning.title"))
st.caption(t("planning.intro", days=f"{ctx.settings.workload_period_days:g}"))
if message := st.session_state.pop(FLASH, None):
    st.success(message)
ui.units_notice(state.unit_choice(ctx.ref, ctx.settings))
view = ctx.view()
ui.empty_window(view.visits, ctx.window)
today = len(view.beats)
blocks = view.analysis.blocks
lockable = sorted(
    blocks.loc[
        blocks["beat_id"].notna() & ~blocks["block_id"].astype(str).str.startswith("outside:"),
        "block_id",
    ].astype(str)
)

left, middle, right = st.columns(3)
mode = left.radio(
    t("planning.mode"),
    ["today", "fresh"],
    format_func=lambda m: t(f"planning.mode_{m}"),
    key="planning_mode",
)
count = left.number_input(
    t("planning.beats_count"),
    min_value=1,
    max_value=max(1, len(lockable)),
    value=today,
    step=1,
    key="planning_beats",
    disabled=mode == "today",
    help=t("planning.beats_count_help"),
)
penalty = middle.select_slider(
    t("planning.moves"),
    options=list(planning.MOVE_PENALTIES),
    value=ctx.settings.plan_move_penalty,
    format_func=lambda p: t(f"planning.moves_{planning.MOVE_PENALTIES.index(p)}"),
    key="planning_penalty",
    help=t("planning.moves_help"),
)
locked = right.multiselect(
    t("planning.locked"),
    lockable,
    placeholder=t("planning.locked_none"),
    key="planning_locked",
    help=t("planning.locked_help"),
)
if st.button(t("planning.propose"), key="planning_propose", type="primary"):
    request = planning.Request(
        beats_count=None if mode == "today" else int(count),
        move_penalty=float(penalty),
        locked=tuple(sorted(locked)),
    )
    st.session_state[REQUEST] = (ctx.ref.dataset_id, request)
    st.session_state.pop(CONFIRM, None)

asked = st.session_state.get(REQUEST)
if asked is None or asked[0] != ctx.ref.dataset_id:
    st.info(t("planning.nothing_yet"))
    st.stop()
try:
    with st.spinner(t("planning.running")):
        found = planning.proposal(ctx.ref, ctx.window, ctx.settings, asked[1])
except BeatcovError as error:
    st.error(str(error))
    st.stop()

shown = planning.figures(found)
columns = st.columns(5)
columns[0].metric(t("planning.imbalance_today"), f"{shown['imbalance_before']:.2f}")
columns[1].metric(
    t("planning.imbalance_plan"),
    f"{shown['imbalance']:.2f}",
    delta=f"{shown['imbalance'] - shown['imbalance_before']:+.2f}",
    delta_color="inverse",
    help=t("planning.imbalance_help", target=f"{shown['target']:.2f}"),
)
columns[2].metric(
    t("planning.moved"),
    f"{shown['moved_blocks']:,}",
    help=t("planning.moved_help", households=f"{shown['moved_households']:,}"),
)
columns[3].metric(t("planning.beats"), f"{shown['beats_before']} → {shown['beats']}")
columns[4].metric(
    t("planning.contiguous"),
    t("common.yes") if shown["contiguous"] else t("common.no"),
    help=t("planning.contiguous_help"),
)
if not shown["meets_target"]:
    st.warning(
        t(
            "planning.misses_target",
            target=f"{shown['target']:.2f}",
            floor=f"{shown['station_floor']:.2f}",
        )
    )

with st.spinner(t("planning.drawing")):
    shapes = state.map_shapes(ctx.ref, ctx.settings)
    plan_blocks = found.plan.blocks
    colors = beat_colors(
        [*plan_blocks["before_beat_id"].dropna(), *plan_blocks["beat_id"].dropna()]
    )
    before_map, after_map = st.columns(2)
    before_map.subheader(t("planning.map_today"))
    with before_map:
        render(
            mapviews.plan_map(
                plan_blocks.assign(beat_id=plan_blocks["before_beat_id"]),
                planning.side_beats(found, shapes, proposed=False, lang=ctx.lang),
                shapes,
                colors,
                settings=ctx.settings,
            ),
            key="planning_map_today",
            height=440,
        )
    after_map.subheader(t("planning.map_plan"))
    with after_map:
        render(
            mapviews.plan_map(
                plan_blocks,
                planning.side_beats(found, shapes, proposed=True, lang=ctx.lang),
                shapes,
                colors,
                settings=ctx.settings,
            ),
            key="planning_map_plan",
            height=440,
        )
ui.draw_legend(colors, title=t("legend.beats"))

st.subheader(t("planning.per_beat"))
st.caption(t("planning.per_beat_help", days=f"{ctx.settings.workload_period_days:g}"))
ui.table_with_downloads(
    planning.beat_table(found, lang=ctx.lang), name="plan_beats", key="planning_beats_table"
)

st.subheader(t("planning.use"))
st.download_button(
    t("planning.download"),
    data=auth.audited("plan.geojson", functools.partial(planning.plan_file, found)),
    file_name="plan.geojson",
    mime="application/geo+json",
    key="planning_download",
    on_click="ignore",
)
st.caption(t("planning.download_help"))
if not planning.is_change(found.plan.summary):
    st.info(t("planning.no_change"))
elif planning.demo_refusal(ctx.account, ctx.ref):
    st.info(t("planning.demo_account"))
elif not st.session_state.get(CONFIRM):
    if st.button(t("planning.make_current"), key="planning_make_current"):
        st.session_state[CONFIRM] = True
        st.rerun()
else:
    st.warning(
        t(
            "planning.confirm_text",
            beats=shown["beats"],
            moved=shown["moved_blocks"],
            before=f"{shown['imbalance_before']:.2f}",
            after=f"{shown['imbalance']:.2f}",
        )
    )
    label = st.text_input(
        t("planning.label"),
        value=t("planning.default_label", name=ctx.dataset_name),
        key="planning_label",
    )
    yes, no = st.columns(2)
    if yes.button(t("planning.confirm"), key="planning_confirm", type="primary"):
        try:
            with st.spinner(t("planning.saving")):
                planning.make_current(
                    found,
                    account=ctx.account,
                    ref=ctx.ref,
                    workspace=state.workspace(),
                    label=label.strip() or t("planning.default_label", name=ctx.dataset_name),
                )
        except BeatcovError as error:
            st.error(str(error))
        else:
            for key in (REQUEST, CONFIRM):
                st.session_state.pop(key, None)
            st.session_state[FLASH] = t("planning.made_current", name=ui.md_text(label))
            st.rerun()
    if no.button(t("planning.cancel"), key="planning_cancel"):
        st.session_state.pop(CONFIRM, None)
        st.rerun()

"""Data: import beats, households and visits; see the validation report; pick the dataset."""

import streamlit as st

from app import maps, mapviews, state, ui, upload
from app.i18n import column_label, t, translate
from app.shell import context
from geo.errors import BeatcovError
from geo.settings import DEFAULTS
from geo.times import DATE_ORDERS, check_timezone

PENDING = "data_pending"  # session key of the last checked upload, kept until stored
FLASH = "data_flash"  # session key of a message to show after a rerun
COLUMNS = "data_columns"  # session key of the column choices ({table: {canonical: header}})

ctx = context()
st.title(t("data.title"))
st.caption(t("data.current", name=ui.md_text(ctx.dataset_name)))
if message := st.session_state.pop(FLASH, None):
    st.success(message)

st.subheader(t("data.import"))
st.caption(t("data.import_help"))
files = {}
file_coords = {}
for column, table in zip(st.columns(3), upload.TABLES, strict=True):
    uploaded = ui.file_drop(
        t(f"data.file_{table}"),
        types=upload.UPLOAD_TYPES,
        key=f"data_file_{table}",
        limit_bytes=ctx.settings.upload_max_bytes,
        where=column,
    )
    if uploaded is not None:
        files[table] = upload.Upload(uploaded.name, uploaded.getvalue())
    own = column.selectbox(
        t("data.file_coords"),
        upload.FILE_COORDS,
        format_func=lambda c: translate(f"coords.{c}", ctx.lang),
        key=f"data_coords_{table}",
    )
    own_epsg = ""
    if own == "epsg":
        own_epsg = column.text_input(t("data.epsg"), key=f"data_epsg_{table}")
    file_coords[table] = (own, own_epsg)
streets_file = ui.file_drop(
    t("data.file_streets"),
    types=upload.STREET_TYPES,
    key="data_file_streets",
    limit_bytes=ctx.settings.upload_max_bytes,
)
st.caption(t("data.streets_help"))
left, middle, right = st.columns(3)
coords = left.selectbox(
    t("data.coords"),
    upload.COORDS,
    format_func=lambda c: translate(f"coords.{c}", ctx.lang),
    key="data_coords",
)
epsg = left.text_input(t("data.epsg"), key="data_epsg", disabled=coords != "epsg")
zone = middle.text_input(t("data.timezone"), value=ctx.settings.timezone, key="data_timezone")
date_order = middle.selectbox(
    t("data.date_order"),
    DATE_ORDERS,
    format_func=lambda o: translate(f"date_order.{o}", ctx.lang),
    key="data_date_order",
)
label = right.text_input(t("data.label"), value=t("data.default_label"), key="data_label")
st.caption(t("data.coords_help"))

ready = len(files) == len(upload.TABLES)
if not ready:
    st.caption(t("data.need_three"))
if st.button(t("data.check"), key="data_check", disabled=not ready):
    streets = None
    if streets_file is not None:
        streets = upload.Upload(streets_file.name, streets_file.getvalue())
    columns = upload.merge_choices(
        st.session_state.get(COLUMNS), st.session_state.get(PENDING), st.session_state
    )
    st.session_state.pop(PENDING, None)
    try:
        with st.spinner(t("data.checking")):
            st.session_state[PENDING] = upload.check_upload(
                files,
                crs=upload.crs_choice(coords, epsg),
                table_crs={
                    table: upload.crs_choice(*choice) for table, choice in file_coords.items()
                },
                label=label.strip() or t("data.default_label"),
                streets=streets,
                columns=columns,
                workspace=state.workspace(),
                settings=DEFAULTS.replace(timezone=check_timezone(zone), date_order=date_order),
            )
            st.session_state[COLUMNS] = st.session_state[PENDING].columns
    except BeatcovError as error:
        st.error(str(error))

checked = st.session_state.get(PENDING)
if checked is not None:
    st.subheader(t("data.report"))
    if checked.accepted:
        st.success(t("data.accepted", warnings=len(checked.report)))
    else:
        fatal = int((checked.report["severity"] == "fatal").sum())
        st.error(t("data.refused", fatal=fatal))
    report = upload.report_frame(checked.findings, lang=ctx.lang)
    ui.table_with_downloads(report, name="validation_report", key="data_report")
    if checked.needs:
        st.subheader(t("data.columns_title"))
        st.caption(t("data.columns_help"))
        for table, need in checked.needs.items():
            for canonical in need.missing:
                options = ["", *need.headers]
                current = checked.columns.get(table, {}).get(canonical, "")
                st.selectbox(
                    t(
                        "data.column_for",
                        column=column_label(canonical, ctx.lang),
                        code=canonical,
                        file=checked.names[table],
                    ),
                    options,
                    index=options.index(current) if current in options else 0,
                    format_func=lambda h: h or t("data.column_none"),
                    key=upload.column_key(table, canonical),
                )
    if checked.outside is not None and checked.beats is not None and len(checked.outside):
        st.caption(t("data.outside_map"))
        outside_map = mapviews.outside_map(checked.beats, checked.outside, settings=ctx.settings)
        maps.render(outside_map, key="data_outside_map", height=420)
    if checked.accepted and st.button(t("data.make_current"), key="data_store", type="primary"):
        try:
            with st.spinner(t("data.saving")):
                upload.store(checked, state.workspace(), actor=ctx.actor)
        except BeatcovError as error:
            st.error(str(error))
        else:
            st.session_state.pop(PENDING, None)
            st.session_state[FLASH] = t("data.stored", name=ui.md_text(checked.dataset.name))
            st.rerun()

st.subheader(t("data.stored_title"))
stored = state.workspace().list()
if stored.empty:
    st.caption(t("data.none_stored"))
else:
    ui.table_with_downloads(stored, name="datasets", key="data_list")
    names = dict(zip(stored["dataset_id"], stored["label"], strict=True))
    chosen = st.selectbox(
        t("data.choose"), list(names), format_func=lambda i: f"{names[i]} ({i})", key="data_pick"
    )
    if st.button(t("data.use"), key="data_use"):
        try:
            state.workspace().set_current(chosen, actor=ctx.actor)
        except BeatcovError as error:
            st.error(str(error))
        else:
            st.session_state[FLASH] = t("data.stored", name=ui.md_text(names[chosen]))
            st.rerun()
if st.button(t("data.use_demo"), key="data_demo"):
    try:
        with st.spinner(t("data.saving")):
            state.workspace().save(state.demo_dataset(), make_current=True, actor=ctx.actor)
    except BeatcovError as error:
        st.error(str(error))
    else:
        st.session_state[FLASH] = t("data.demo_restored")
        st.rerun()

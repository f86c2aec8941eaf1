"""Audit (admin, chief): the audit trail newest first, by user and action; does it verify.

Rows and the check come from :mod:`geo.audit` (its hash chain recomputed on every run).
"""

import streamlit as st

from app import auth, ui, views
from app.i18n import t
from app.shell import context
from geo.audit import ACTIONS

ROWS_SHOWN = 2000  # the newest rows of the filter; `python -m analysis audit export` has all

ctx = context()
log = auth.audit_log()

st.title(t("audit.title"))
st.caption(t("audit.intro"))
check = log.verify()
if check.ok:
    st.success(t("audit.verified", rows=check.rows, head=check.head))
else:
    st.error(t("audit.broken", seq=check.first_bad, problem=t(f"audit.problem_{check.code}")))

left, right = st.columns(2)
user = left.selectbox(
    t("audit.user"),
    ["", *log.usernames()],
    format_func=lambda name: name or t("audit.everyone"),
    key="audit_user",
)
action = right.selectbox(
    t("audit.action"),
    ["", *ACTIONS],
    format_func=lambda code: t(f"action.{code}") if code else t("audit.every_action"),
    key="audit_action",
)
rows = log.rows(username=user or None, action=action or None, newest_first=True, limit=ROWS_SHOWN)
st.caption(t("audit.count", count=len(rows), limit=ROWS_SHOWN))
ui.table(views.audit_table(rows, lang=ctx.lang), key="audit_table")

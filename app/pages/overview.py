"""Overview (chief): headline figures and the table of beats."""

import streamlit as st

from app.state import current_dataset

data = current_dataset()
st.title("Overview")
cols = st.columns(4)
cols[0].metric("Beats", len(data.beats))
cols[1].metric("Households", len(data.households))
cols[2].metric("Visits", len(data.visits))
cols[3].metric("Contacts", int((data.visits["outcome"] == "contact").sum()))
st.dataframe(data.beats.drop(columns="geometry"), hide_index=True)

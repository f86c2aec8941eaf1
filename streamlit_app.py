"""beatcov's Streamlit entry point: routing only."""

import streamlit as st

from app.shell import build_navigation

st.set_page_config(page_title="beatcov", page_icon="🗺️", layout="wide")
build_navigation().run()

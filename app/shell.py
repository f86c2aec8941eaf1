"""Navigation and the shared sidebar, defined once for every page."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent / "pages"


def build_navigation() -> st.navigation:
    """Return the app's navigation over the pages in ``app/pages``, with the sidebar drawn."""
    pages = [
        st.Page(PAGES_DIR / "overview.py", title="Overview", icon="📊", default=True),
    ]
    navigation = st.navigation(pages)
    sidebar()
    return navigation


def sidebar() -> None:
    """Draw the sidebar shared by all pages: dataset name and data credits."""
    from app.state import current_dataset

    with st.sidebar:
        st.caption(f"Dataset: {current_dataset().name}")
        st.caption("Streets and buildings © OpenStreetMap contributors (ODbL)")

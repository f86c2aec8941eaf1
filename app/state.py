"""Cached access to the current dataset (Streamlit caches live in app/ only)."""

from __future__ import annotations

import streamlit as st

from geo.demo import load_demo
from geo.importer import Dataset


@st.cache_resource(show_spinner="Loading the demo dataset…")
def _demo() -> Dataset:
    return load_demo()


def current_dataset() -> Dataset:
    """Return the dataset the app is showing (the embedded demo until an import replaces it)."""
    return _demo()

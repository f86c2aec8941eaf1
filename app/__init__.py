"""Streamlit user interface for beatcov: pages, maps, translations and caching wrappers."""

"""Loading and shaping geodata for beatcov.

Readers, column aliases, coordinate systems, validation, offline OSM streets, street blocks
and spatial joins. Nothing here imports Streamlit.
"""

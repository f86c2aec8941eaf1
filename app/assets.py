"""Serve ``app/static/`` (the vendored Leaflet) from the app itself, never from a CDN.

Police networks are often offline, so every script, stylesheet and image a map needs is
shipped in ``app/static/`` and served by the running Streamlit server, through
:func:`app._streamlit_compat.serve_folder` (which says why not Streamlit's static file
serving). Nothing is registered at import time: the folder is registered on the first
:func:`static_url` call inside a script run.

Examples
--------
>>> static_url("leaflet/leaflet.js")
'/component/app._streamlit_compat.beatcov_static/leaflet/leaflet.js'
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Final

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
"""The folder of files the app serves itself (``app/static``)."""

_FOLDER_NAME: Final = "beatcov_static"


def base_path() -> str:
    """Return Streamlit's ``server.baseUrlPath`` as ``/prefix`` (empty when unset)."""
    import streamlit as st

    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def static_url(path: str) -> str:
    """Return the URL path at which the app serves ``app/static/<path>``.

    Parameters
    ----------
    path : str
        File path relative to ``app/static``, with forward slashes, e.g.
        ``"leaflet/leaflet.js"``.

    Returns
    -------
    str
        Absolute URL path on the app's own server (no scheme, no host), e.g.
        ``/component/app._streamlit_compat.beatcov_static/leaflet/leaflet.js``; prefixed
        with ``server.baseUrlPath`` when one is configured.

    Raises
    ------
    FileNotFoundError
        If ``app/static/<path>`` does not exist or lies outside ``app/static``.

    Examples
    --------
    >>> static_url("leaflet/leaflet.css")
    '/component/app._streamlit_compat.beatcov_static/leaflet/leaflet.css'
    """
    from app._streamlit_compat import serve_folder

    relative = PurePosixPath(path)
    target = (STATIC_DIR / relative).resolve()
    if relative.is_absolute() or not target.is_relative_to(STATIC_DIR) or not target.is_file():
        msg = f"no static file {path!r} in {STATIC_DIR}; the app serves only files it ships"
        raise FileNotFoundError(msg)
    return f"{base_path()}{serve_folder(_FOLDER_NAME, STATIC_DIR)}/{relative.as_posix()}"

"""Serve ``app/static/`` (the vendored Leaflet) from the app itself, never from a CDN.

Police networks are often offline, so every script, stylesheet and image a map needs is
shipped in ``app/static/`` and served by the running Streamlit server. The folder is
registered as a Streamlit (v1) custom component path; Streamlit then serves any file under
it at ``/component/<registered name>/<file>``. Nothing is registered at import time: the
registration happens on the first :func:`static_url` call inside a script run.

Examples
--------
>>> static_url("leaflet/leaflet.js")
'/component/app.assets.beatcov_static/leaflet/leaflet.js'
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Final

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
"""The folder of files the app serves itself (``app/static``)."""

_COMPONENT: Final = "beatcov_static"


def _registered_name() -> str:
    """Register ``app/static`` with the running Streamlit server and return its name.

    Streamlit names a declared component ``<calling module>.<name>``; outside a script run
    (tests, ``python -c``) nothing is registered and the same name is returned.
    """
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return f"{__name__}.{_COMPONENT}"
    from streamlit.components.v1 import declare_component

    # Registering again with the same path is a no-op for Streamlit's registry.
    return declare_component(_COMPONENT, path=STATIC_DIR).name


def _base_path() -> str:
    """Return Streamlit's ``server.baseUrlPath`` as ``/prefix`` (empty when unset)."""
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
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
        ``/component/app.assets.beatcov_static/leaflet/leaflet.js``; prefixed with
        ``server.baseUrlPath`` when one is configured.

    Raises
    ------
    FileNotFoundError
        If ``app/static/<path>`` does not exist or lies outside ``app/static``.

    Examples
    --------
    >>> static_url("leaflet/leaflet.css")
    '/component/app.assets.beatcov_static/leaflet/leaflet.css'
    """
    relative = PurePosixPath(path)
    target = (STATIC_DIR / relative).resolve()
    if relative.is_absolute() or not target.is_relative_to(STATIC_DIR) or not target.is_file():
        msg = f"no static file {path!r} in {STATIC_DIR}; the app serves only files it ships"
        raise FileNotFoundError(msg)
    return f"{_base_path()}/component/{_registered_name()}/{relative.as_posix()}"

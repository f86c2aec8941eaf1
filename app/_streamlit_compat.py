"""The one module that touches Streamlit internals.

Streamlit's public API is the ``st`` namespace (with ``streamlit.components.v1`` and
``streamlit.testing.v1``). beatcov needs three things beyond it:

- :func:`in_script_run`: whether the calling code runs inside a script run, i.e. on behalf
  of a session, so that :mod:`app.i18n` and :mod:`app.assets` also work in tests, doctests
  and ``python -c``. The public ``st.runtime.exists()`` does not tell this: it says whether a
  Streamlit server exists in the process, which stays true in every thread of the server
  that runs no script. Streamlit's own ``get_script_run_ctx`` tells it.
- :func:`serve_folder`: the URL path at which the running server serves a folder of files
  (the vendored Leaflet). The folder is registered with the public ``declare_component``,
  and Streamlit serves a v1 component's files at ``/component/<module>.<name>/<file>``, a
  route that is not documented. The public alternative, static file serving
  (``server.enableStaticServing``), serves only a ``static/`` folder next to the main
  script: a new top-level folder instead of ``app/static``, and none at all for an app run
  from another script (the browser tests run throwaway scripts from a temporary folder).
- :data:`StreamlitPage`: the documented class of what ``st.Page`` and ``st.navigation``
  return, importable only from ``streamlit.navigation.page``.
- :func:`guard_clear_cache`: Streamlit clears every cache of the server, for all users,
  when any browser sends the ``clear_cache`` message (the main menu's "Clear cache", or a
  message written by hand on the websocket); there is no public switch for it. The guard
  wraps ``AppSession._handle_clear_cache_request`` so that only a session the app allows
  (an admin or planner) clears them.

Each function checks on first use that the installed Streamlit lies in :data:`SUPPORTED`
(see :mod:`geo.dependencies`); ``tests/app/test_streamlit_compat.py`` holds these
internals to Streamlit's public behaviour.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from geo.dependencies import Supported

__all__ = ["SUPPORTED", "StreamlitPage", "guard_clear_cache", "in_script_run", "serve_folder"]

_LOG = logging.getLogger(__name__)

SUPPORTED: Final = Supported(
    "streamlit", at_least="1.67", below="1.68", module="app/_streamlit_compat.py"
)
"""The Streamlit versions these internals were tested with (1.67.0 is pinned)."""

COMPONENT_ROUTE: Final = "/component"
"""Where Streamlit serves the files of v1 components (``/component/<name>/<file>``)."""


@functools.cache
def _checked() -> None:
    SUPPORTED.check()


def in_script_run() -> bool:
    """Return whether the caller runs inside a Streamlit script run.

    Returns
    -------
    bool
        True in the thread that runs a page for a session (``streamlit run`` or
        ``AppTest``); False in tests, doctests, ``python -c`` and other threads.

    Raises
    ------
    DependencyError
        If the installed Streamlit is outside :data:`SUPPORTED`.

    Examples
    --------
    >>> in_script_run()
    False
    """
    _checked()
    return get_script_run_ctx(suppress_warning=True) is not None


def serve_folder(name: str, folder: Path) -> str:
    """Have the running Streamlit server serve ``folder``; return its URL path.

    Inside a script run the folder is registered (again: registering the same folder
    twice is a no-op); outside one nothing is registered and the same path is returned.

    Parameters
    ----------
    name : str
        A name for the folder, unique in this app.
    folder : pathlib.Path
        Absolute path of the folder.

    Returns
    -------
    str
        The URL path of the folder on the app's server, without ``server.baseUrlPath``:
        ``/component/app._streamlit_compat.<name>``; a file ``<folder>/<file>`` is served
        at ``<path>/<file>``.

    Raises
    ------
    DependencyError
        If the installed Streamlit is outside :data:`SUPPORTED`.

    Examples
    --------
    >>> serve_folder("files", Path("/srv/files"))
    '/component/app._streamlit_compat.files'
    """
    _checked()
    registered = f"{__name__}.{name}"  # declare_component names it <calling module>.<name>
    if in_script_run():
        from streamlit.components.v1 import declare_component

        registered = declare_component(name, path=folder).name
    return f"{COMPONENT_ROUTE}/{registered}"


def guard_clear_cache(allowed: Callable[[Any], bool]) -> None:
    """Let a browser's request to clear the caches through only when ``allowed`` says so.

    Parameters
    ----------
    allowed : callable
        Called with the requesting session's state (read it with ``key in state`` and
        ``state[key]``); true lets Streamlit clear every cache and that session's state,
        false ignores the request (logged as a warning).

    Installed once per process: calling it again with the same function changes nothing,
    with another function replaces the rule.

    Raises
    ------
    DependencyError
        If the installed Streamlit is outside :data:`SUPPORTED`.
    """
    _checked()
    from streamlit.runtime.app_session import AppSession

    current = AppSession._handle_clear_cache_request
    if getattr(current, "beatcov_rule", None) is allowed:
        return
    original = getattr(current, "__wrapped__", current)

    @functools.wraps(original)
    def guarded(self: AppSession) -> None:
        if allowed(self._session_state):
            original(self)
        else:
            _LOG.warning("a session that may not clear the caches asked to; ignored")

    guarded.beatcov_rule = allowed  # type: ignore[attr-defined]
    AppSession._handle_clear_cache_request = guarded  # type: ignore[method-assign]

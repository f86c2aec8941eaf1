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

Each function checks on first use that the installed Streamlit lies in :data:`SUPPORTED`
(see :mod:`geo.dependencies`); ``tests/app/test_streamlit_compat.py`` holds these
internals to Streamlit's public behaviour.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Final

from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from geo.dependencies import Supported

__all__ = ["SUPPORTED", "StreamlitPage", "in_script_run", "serve_folder"]

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

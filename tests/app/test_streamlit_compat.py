"""Contract tests of app._streamlit_compat: Streamlit's internals against its public behaviour.

- ``in_script_run`` is False outside a run and True inside an ``AppTest`` run, but False in
  another thread of that run, where the public ``st.runtime.exists()`` is True: why the
  public call does not do.
- ``serve_folder`` gives the same path inside a run (where ``declare_component`` names the
  folder) as outside one; that Streamlit serves the files there is checked in chromium by
  ``tests/app/test_browser_maps.py`` (Leaflet loads from it).
- ``StreamlitPage`` is the class of what ``st.Page`` and ``st.navigation`` return.
- The version check accepts the pinned Streamlit and refuses hand-given versions outside it.
- ``guard_clear_cache`` wraps the handler of the websocket's ``clear_cache`` message once;
  that only an admin or planner clears the caches is checked in chromium by
  ``tests/app/test_browser_pages.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import _streamlit_compat
from app._streamlit_compat import StreamlitPage, in_script_run, serve_folder
from geo.errors import DependencyError

ROOT = Path(__file__).resolve().parents[2]


def probe_script() -> None:
    """Run by AppTest: what the script thread and another thread of the run see."""
    import threading

    import streamlit as st

    from app._streamlit_compat import in_script_run, serve_folder
    from app.assets import STATIC_DIR

    seen: dict[str, bool] = {}

    def other_thread() -> None:
        seen["in_script_run"] = in_script_run()
        seen["runtime_exists"] = st.runtime.exists()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    st.session_state["in_script_run"] = in_script_run()
    st.session_state["runtime_exists"] = st.runtime.exists()
    st.session_state["thread"] = seen
    st.session_state["served_at"] = serve_folder("probe", STATIC_DIR)
    page = st.navigation([st.Page(lambda: None, title="Only")])
    st.session_state["navigation_is_page"] = (
        page.__class__.__module__ + "." + page.__class__.__name__
    )


def test_in_script_run_outside_a_run() -> None:
    assert in_script_run() is False
    assert st.runtime.exists() is False


def test_in_script_run_inside_a_run_but_not_in_its_other_threads() -> None:
    at = AppTest.from_function(probe_script).run()
    assert not at.exception
    assert at.session_state["in_script_run"] is True
    assert at.session_state["runtime_exists"] is True
    # another thread of the same server: a runtime exists, but no script runs there
    assert at.session_state["thread"] == {"in_script_run": False, "runtime_exists": True}


def test_serve_folder_path_is_the_same_inside_and_outside_a_run() -> None:
    at = AppTest.from_function(probe_script).run()
    assert not at.exception
    outside = serve_folder("probe", ROOT / "app" / "static")
    assert at.session_state["served_at"] == outside == "/component/app._streamlit_compat.probe"


def test_streamlit_page_is_what_st_page_and_st_navigation_return() -> None:
    page = st.Page(ROOT / "app" / "pages" / "overview.py", title="Overview")
    assert isinstance(page, StreamlitPage)
    at = AppTest.from_function(probe_script).run()
    assert not at.exception
    name = f"{StreamlitPage.__module__}.{StreamlitPage.__name__}"
    assert at.session_state["navigation_is_page"] == name


# ------------------------------------------------------------------------ version check


def test_the_pinned_streamlit_is_supported() -> None:
    pins = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pinned = next(line.split("==")[1] for line in pins if line.startswith("streamlit=="))
    assert _streamlit_compat.SUPPORTED.check() == st.__version__ == pinned


@pytest.mark.parametrize("found", ["1.66.1", "1.68.0", "2.0"])
def test_other_streamlit_versions_are_refused(found: str) -> None:
    with pytest.raises(DependencyError, match=rf"streamlit {found} is installed.*<1\.68"):
        _streamlit_compat.SUPPORTED.check(found)


def test_the_compat_functions_check_the_installed_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import geo.dependencies

    monkeypatch.setattr(geo.dependencies, "version", lambda package: "1.70.0")
    _streamlit_compat._checked.cache_clear()
    try:
        with pytest.raises(DependencyError, match="update app/_streamlit_compat.py"):
            in_script_run()
        with pytest.raises(DependencyError, match="streamlit 1.70.0 is installed"):
            serve_folder("probe", ROOT / "app" / "static")
    finally:
        _streamlit_compat._checked.cache_clear()


def test_guard_clear_cache_wraps_streamlits_handler_once() -> None:
    import inspect

    from streamlit.runtime.app_session import AppSession

    from app import auth

    def refuse(state: object) -> bool:
        return False

    try:
        _streamlit_compat.guard_clear_cache(refuse)
        guarded = AppSession._handle_clear_cache_request
        _streamlit_compat.guard_clear_cache(refuse)  # again: the same wrapper, not two
        assert AppSession._handle_clear_cache_request is guarded
        original = guarded.__wrapped__
        assert original.__qualname__ == "AppSession._handle_clear_cache_request"
        # what the guard relies on: the websocket's message is handled by that method
        assert "self._handle_clear_cache_request()" in inspect.getsource(AppSession.handle_backmsg)
        assert '"clear_cache"' in inspect.getsource(AppSession.handle_backmsg)
    finally:
        _streamlit_compat.guard_clear_cache(auth.may_clear_cache)
    assert AppSession._handle_clear_cache_request.__wrapped__ is original

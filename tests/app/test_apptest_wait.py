"""The suite's AppTest waits for a script run by joining its thread (tests/conftest.py):
a run is awaited to its end, and one past its timeout still fails with Streamlit's error."""

from __future__ import annotations

import pytest
from streamlit.runtime import Runtime
from streamlit.testing.v1 import AppTest, local_script_runner


def _slow_script() -> None:
    import time

    import streamlit as st

    time.sleep(0.3)
    st.write("done")


def _stuck_script() -> None:
    import time

    import streamlit as st

    st.write("started")
    time.sleep(1.5)


def test_the_suite_waits_by_joining_the_script_thread() -> None:
    assert local_script_runner.require_widgets_deltas.__name__ == "joined"


def test_a_slow_run_is_awaited_to_its_end() -> None:
    at = AppTest.from_function(_slow_script, default_timeout=10).run()
    assert not at.exception
    assert [m.value for m in at.markdown] == ["done"]


def test_a_run_past_its_timeout_fails_with_streamlits_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # AppTest installs a stand-in runtime for a run and leaves it installed when the run
    # times out; put back what was there, or the next test of this process finds a runtime
    monkeypatch.setattr(Runtime, "_instance", Runtime._instance)
    at = AppTest.from_function(_stuck_script)
    with pytest.raises(RuntimeError, match=r"timed out after 0\.5"):
        at.run(timeout=0.5)

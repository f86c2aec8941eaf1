"""Small drawing helpers of app.ui, run in Streamlit's AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def progress_script() -> None:
    import streamlit as st

    from app.state import STAGES
    from app.ui import stage_progress

    shown = []
    with stage_progress(STAGES, prefix="progress") as report:
        for stage in STAGES:
            report(stage)
            shown.append(stage)
    st.markdown("done: " + ",".join(shown))


def test_the_stage_bar_runs_through_every_stage_and_is_gone_after() -> None:
    at = AppTest.from_function(progress_script, default_timeout=120).run()
    assert not at.exception
    assert at.markdown[0].value == "done: reading,streets,verifying,coverage,storing"
    # the bar was replaced by nothing once the stages were done
    assert at.get("progress") == []


def quiet_script() -> None:
    import streamlit as st

    from app.state import STAGES
    from app.ui import stage_progress

    with stage_progress(STAGES, prefix="progress"):
        pass  # stored already: nothing reported
    st.markdown("nothing to wait for")


def test_the_stage_bar_draws_nothing_when_no_stage_is_reported() -> None:
    at = AppTest.from_function(quiet_script, default_timeout=120).run()
    assert not at.exception
    assert at.get("progress") == []
    assert [e.value for e in at.markdown] == ["nothing to wait for"]

"""Every page renders on the demo without exception (Streamlit AppTest)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo.demo import load_demo

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def test_overview_renders_demo_figures() -> None:
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    data = load_demo()
    assert metrics["Households"] == str(len(data.households))
    assert metrics["Beats"] == str(len(data.beats))

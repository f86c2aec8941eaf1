"""Colours and legends of the maps: bins, clamping, missing values, legend rows."""

from __future__ import annotations

import pytest

from app.colors import COVERAGE_PALETTE, MISSING_COLOR, coverage_colors, legend, step_colors
from geo.errors import BeatcovError


def test_step_colours_edges() -> None:
    scale = step_colors([0, 10, 20], ["#000000", "#ffffff"], label_format="{:g}")
    # bins are [0, 10) and [10, 20]; outside values clamp to the end bins
    assert [scale(v) for v in (-5, 0, 9.99, 10, 20, 99)] == ["#000000"] * 3 + ["#ffffff"] * 3
    assert scale(float("nan")) == scale(None) == MISSING_COLOR
    with pytest.raises(BeatcovError, match="value 'high' is not a number"):
        scale("high")
    assert scale.labels == ("0–10", "10–20")
    with pytest.raises(BeatcovError, match="one more edge than colours"):
        step_colors([0, 1], ["#000000", "#ffffff"])
    with pytest.raises(BeatcovError, match="must increase"):
        step_colors([0, 0, 1], ["#000000", "#ffffff"])


def test_legend_rows() -> None:
    scale = coverage_colors()
    rows = legend(scale)
    assert list(rows.columns) == ["label", "color"]
    assert rows["label"].tolist() == [
        "0%–20%",
        "20%–40%",
        "40%–60%",
        "60%–80%",
        "80%–100%",
        "no households",
    ]
    assert rows["color"].tolist() == [*COVERAGE_PALETTE, MISSING_COLOR]
    mapped = legend({"high": "#d73027", "low": "#4575b4"})
    assert mapped.to_dict("records") == [
        {"label": "high", "color": "#d73027"},
        {"label": "low", "color": "#4575b4"},
    ]
    fn = legend(lambda v: "#000000" if v == "a" else "#ffffff", values=["a", "b", "a", None])
    assert fn.to_dict("records") == [
        {"label": "a", "color": "#000000"},
        {"label": "b", "color": "#ffffff"},
    ]
    with pytest.raises(BeatcovError, match="needs the values"):
        legend(lambda v: "#000000")

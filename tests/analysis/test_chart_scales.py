"""The report's chart scales, worked by hand (analysis/chart_scales.py).

Every figure is written out: the box, the area in metres, and where each corner lands on
the page (millimetres from the top left, y down; metres with y up).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.chart_scales import (
    COVERAGE_PALETTE,
    NO_HOUSEHOLDS,
    Box,
    coverage_colour,
    fit,
    label_every,
    percent_ticks,
    rgb,
    share_y,
    week_x,
)
from app.colors import coverage_colors


def test_a_wide_area_fills_the_width_and_is_centred_vertically() -> None:
    # 400 m x 100 m into 80 x 60 mm: min(80/400, 60/100) = 0.2 mm/m -> 80 x 20 mm,
    # (60 - 20) / 2 = 20 mm to spare above and below
    box = Box(10.0, 30.0, 80.0, 60.0)
    f = fit((500_000, 3_500_000, 500_400, 3_500_100), box)
    assert f.scale == pytest.approx(0.2)
    corners = np.array([[500_000, 3_500_100], [500_400, 3_500_000], [500_200, 3_500_050]])
    expected = [(10.0, 50.0), (90.0, 70.0), (50.0, 60.0)]
    assert np.array(f.points(corners)) == pytest.approx(np.array(expected))


def test_a_tall_area_fills_the_height_and_is_centred_horizontally() -> None:
    # 100 m x 300 m into 80 x 60 mm: min(80/100, 60/300) = 0.2 mm/m -> 20 x 60 mm,
    # (80 - 20) / 2 = 30 mm to spare left and right
    f = fit((0, 0, 100, 300), Box(0.0, 0.0, 80.0, 60.0))
    assert f.scale == pytest.approx(0.2)
    corners = f.points(np.array([[0, 300], [100, 0]]))
    assert np.array(corners) == pytest.approx(np.array([(30.0, 0.0), (50.0, 60.0)]))


def test_fitting_keeps_proportions() -> None:
    # a 50 m square stays square on the page whatever the box's shape
    for box in (Box(0, 0, 100, 30), Box(5, 5, 30, 100)):
        f = fit((0, 0, 200, 80), box)
        (x0, y0), (x1, y1) = f.points(np.array([[10, 60], [60, 10]]))
        assert x1 - x0 == pytest.approx(y1 - y0) == pytest.approx(50 * f.scale)
        # and the whole area lies inside the box
        (left, top), (right, bottom) = f.points(np.array([[0, 80], [200, 0]]))
        assert box.x - 1e-9 <= left and right <= box.right + 1e-9
        assert box.y - 1e-9 <= top and bottom <= box.bottom + 1e-9


def test_a_point_is_scaled_as_one_metre_and_centred() -> None:
    f = fit((7, 7, 7, 7), Box(0, 0, 40, 20))  # min(40/1, 20/1) = 20 mm/m
    assert f.scale == 20.0
    assert f.points(np.array([[7.0, 7.0]])) == [(20.0, 10.0)]


def test_percent_ticks_run_from_the_bottom_up_every_20_percent() -> None:
    # plot 50 mm tall from y = 10: 0 % at y = 60, each 20 % 10 mm higher
    ticks = percent_ticks(Box(0, 10, 80, 50))
    assert [s for s, _ in ticks] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert [y for _, y in ticks] == pytest.approx([60.0, 50.0, 40.0, 30.0, 20.0, 10.0])
    assert share_y(0.84, Box(0, 10, 80, 50)) == pytest.approx(18.0)  # 60 - 0.84 * 50


def test_weeks_are_placed_by_date_and_labels_thinned() -> None:
    # four weeks with one missing (days 0, 7, 21): 21 days over 63 mm = 3 mm per day
    assert week_x([0, 7, 21], Box(10, 0, 63, 40)) == pytest.approx([10.0, 31.0, 73.0])
    # 13 weeks over 60 mm: 5 mm apart; labels 9 mm wide + 2 mm -> every third
    xs = week_x([7 * i for i in range(13)], Box(0, 0, 60, 40))
    assert label_every(xs, min_gap=11.0) == 3
    assert week_x([], Box(0, 0, 60, 40)) == []


def test_coverage_colours_are_the_app_s_fixed_steps() -> None:
    # threshold 0.8: reds from 0, 0.2, 0.4, 0.6; blue from 0.8; an edge takes the colour above
    red, mid, light, pale, blue = (rgb(c) for c in COVERAGE_PALETTE)
    assert [coverage_colour(v) for v in (0.0, 0.19, 0.2, 0.5, 0.79)] == [red, red, mid, light, pale]
    assert coverage_colour(0.8) == coverage_colour(1.0) == coverage_colour(1.7) == blue
    assert coverage_colour(-0.2) == red
    assert coverage_colour(math.nan) == rgb(NO_HOUSEHOLDS)
    # another threshold moves the steps; an impossible one gives four reds over 0-100 %
    assert coverage_colour(0.6, threshold=0.6) == blue
    assert coverage_colour(0.99, threshold=1.0) == pale
    # the app's map scale is this one
    app = coverage_colors()
    assert [rgb(app(v)) for v in (0.1, 0.3, 0.5, 0.7, 0.9)] == [red, mid, light, pale, blue]

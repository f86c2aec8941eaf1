"""Scales of the report's charts: data to page millimetres, coverage to colour.

Pure arithmetic, no drawing (:mod:`analysis.report_charts` draws with it), so every figure
can be checked on paper. Page coordinates are fpdf2's: millimetres from the page's top left,
``y`` growing downwards; map coordinates are metres with ``y`` growing northwards, so
:class:`Fit` flips ``y``.

Rules
-----
* A map is **fitted** into its box by one scale for both axes (shapes keep their
  proportions: a square block stays square), as large as fits, centred on the axis with room
  to spare. An area of zero width or height (one point, a line) is scaled as if it were 1 m
  on that side.
* The percent axis runs from 0 % at the bottom of the plot to 100 % at its top, ticks every
  ``step`` (20 % by default).
* Weeks are placed by their date, the first at the left edge and the last at the right; a
  single week sits in the middle. Labels are thinned to every ``k``-th week so that two are
  at least ``min_gap`` apart; the first week is always labelled.
* Coverage colours are the app's fixed scale (:func:`coverage_steps`): four reds below
  ``coverage_threshold`` in equal steps, one blue at or above it; a share on an edge takes
  the colour above it. Blocks without households (or without a coverage) are grey,
  :data:`NO_HOUSEHOLDS`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

RGB = tuple[int, int, int]

COVERAGE_PALETTE: Final = ("#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#4393c3")
"""Coverage colours, worst to best: four reds below the threshold, one blue at or above it
(ColorBrewer RdBu, readable with the common colour-vision deficiencies). The app's maps
(:func:`app.colors.coverage_colors`) and the report's use this one scale."""


def coverage_steps(threshold: float) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """Return the coverage scale's bin edges and colours for ``threshold``.

    Bins 0, t/4, t/2, 3t/4, t, 1 with the five colours; a threshold outside (0, 1) gives
    four equal bins and the four reds.

    Examples
    --------
    >>> coverage_steps(0.8)[0]
    (0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0)
    >>> coverage_steps(1.0)[1] == COVERAGE_PALETTE[:4]
    True
    """
    if not 0.0 < threshold < 1.0:
        return (0.0, 0.25, 0.5, 0.75, 1.0), COVERAGE_PALETTE[:4]
    edges = (0.0, threshold / 4, threshold / 2, 3 * threshold / 4, threshold, 1.0)
    return edges, COVERAGE_PALETTE


NO_HOUSEHOLDS: Final = "#d9d9d9"
"""Fill of blocks without households."""

LINE_COLOURS: Final[tuple[str, ...]] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
"""Colours of the trend lines, in turn (Tableau 10, as the report's charts had before)."""


def rgb(colour: str) -> RGB:
    """Return ``#rrggbb`` as three integers.

    Examples
    --------
    >>> rgb("#a50026")
    (165, 0, 38)
    """
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def coverage_colour(share: float, *, threshold: float = 0.8) -> RGB:
    """Return the fill of a coverage ``share`` on the fixed scale (NaN is grey).

    Examples
    --------
    >>> [coverage_colour(v) == rgb(c) for v, c in [(0.0, "#b2182b"), (0.79, "#fddbc7")]]
    [True, True]
    >>> coverage_colour(0.8) == coverage_colour(1.0) == rgb("#4393c3")
    True
    >>> coverage_colour(float("nan")) == rgb(NO_HOUSEHOLDS)
    True
    """
    if math.isnan(share):
        return rgb(NO_HOUSEHOLDS)
    edges, palette = coverage_steps(threshold)
    step = int(np.searchsorted(np.asarray(edges[1:-1]), share, side="right"))
    return rgb(palette[min(step, len(palette) - 1)])


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, in millimetres from the top left.

    Attributes
    ----------
    x, y : float
        Top-left corner.
    w, h : float
        Width and height.
    """

    x: float
    y: float
    w: float
    h: float

    @property
    def bottom(self) -> float:
        """Return the ``y`` of the bottom edge."""
        return self.y + self.h

    @property
    def right(self) -> float:
        """Return the ``x`` of the right edge."""
        return self.x + self.w


@dataclass(frozen=True)
class Fit:
    """Map metres to page millimetres: ``page = offset + scale * (metres - origin)``, y flipped.

    Build one with :func:`fit`.

    Attributes
    ----------
    scale : float
        Millimetres per metre, the same on both axes.
    left, top : float
        Page position of the area's west and north edges.
    west, north : float
        The area's smallest ``x`` and largest ``y``, in metres.
    """

    scale: float
    left: float
    top: float
    west: float
    north: float

    def points(self, coords: np.ndarray) -> list[tuple[float, float]]:
        """Return an ``(n, 2)`` array of metres as page points."""
        xs = self.left + (coords[:, 0] - self.west) * self.scale
        ys = self.top + (self.north - coords[:, 1]) * self.scale
        return list(zip(xs.tolist(), ys.tolist(), strict=True))


def fit(bounds: Sequence[float], box: Box) -> Fit:
    """Return the largest :class:`Fit` of ``bounds`` (west, south, east, north) in ``box``.

    Examples
    --------
    An area 200 m wide and 100 m tall in a 50 × 50 mm box: 0.25 mm per metre, 25 mm tall,
    centred vertically (12.5 mm to spare above and below).

    >>> f = fit((1000, 5000, 1200, 5100), Box(10, 20, 50, 50))
    >>> f.scale, f.left, f.top
    (0.25, 10.0, 32.5)
    >>> f.points(np.array([[1000, 5100], [1200, 5000]]))
    [(10.0, 32.5), (60.0, 57.5)]
    """
    west, south, east, north = (float(b) for b in bounds)
    width, height = max(east - west, 1.0), max(north - south, 1.0)
    scale = min(box.w / width, box.h / height)
    left = box.x + (box.w - (east - west) * scale) / 2
    top = box.y + (box.h - (north - south) * scale) / 2
    return Fit(scale=scale, left=left, top=top, west=west, north=north)


def percent_ticks(box: Box, *, step: float = 0.2) -> list[tuple[float, float]]:
    """Return ``(share, y)`` of the percent ticks: 0 % at the bottom of ``box``, 100 % at its top.

    Examples
    --------
    >>> percent_ticks(Box(0, 10, 80, 50), step=0.25)
    [(0.0, 60.0), (0.25, 47.5), (0.5, 35.0), (0.75, 22.5), (1.0, 10.0)]
    """
    count = round(1.0 / step)
    return [(i / count, box.bottom - box.h * i / count) for i in range(count + 1)]


def share_y(share: float, box: Box) -> float:
    """Return the page ``y`` of a ``share`` (0 to 1) on the percent axis of ``box``.

    Examples
    --------
    >>> share_y(0.3, Box(0, 10, 80, 50))
    45.0
    """
    return box.bottom - box.h * share


def week_x(days: Sequence[int], box: Box) -> list[float]:
    """Return the page ``x`` of each week, given as days since any fixed day.

    Examples
    --------
    Three weeks over 60 mm: the first at the left edge, the last at the right.

    >>> week_x([0, 7, 14], Box(20, 0, 60, 40))
    [20.0, 50.0, 80.0]
    >>> week_x([3], Box(20, 0, 60, 40))
    [50.0]
    """
    if not days:
        return []
    first, last = min(days), max(days)
    if last == first:
        return [box.x + box.w / 2] * len(days)
    return [box.x + box.w * (d - first) / (last - first) for d in days]


def label_every(positions: Sequence[float], *, min_gap: float) -> int:
    """Return ``k``: label every ``k``-th of evenly spaced ``positions`` so labels keep apart.

    Examples
    --------
    Weeks 5 mm apart with labels needing 12 mm: every third week.

    >>> label_every([0, 5, 10, 15, 20, 25], min_gap=12)
    3
    >>> label_every([0, 20], min_gap=12), label_every([7], min_gap=12)
    (1, 1)
    """
    if len(positions) < 2:
        return 1
    gap = (max(positions) - min(positions)) / (len(positions) - 1)
    return max(1, math.ceil(min_gap / gap)) if gap > 0 else len(positions)


__all__ = [
    "COVERAGE_PALETTE",
    "LINE_COLOURS",
    "NO_HOUSEHOLDS",
    "Box",
    "Fit",
    "coverage_colour",
    "coverage_steps",
    "fit",
    "label_every",
    "percent_ticks",
    "rgb",
    "share_y",
    "week_x",
]

"""Colours and legends of the maps, computed in Python.

No branca colormaps: they pull d3 from a CDN. A colour rule is a :class:`StepColors` (bins
of numbers), a mapping (categories) or a function; :func:`legend` returns the legend as data
for Streamlit to draw.
"""

from __future__ import annotations

import html
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, TypeAlias

import numpy as np
import pandas as pd

from analysis import chart_scales
from geo.errors import BeatcovError
from geo.settings import Settings, resolve

MISSING_COLOR: Final = "#bdbdbd"
"""Fill for features whose value is missing (no households, no data)."""

COVERAGE_PALETTE: Final = chart_scales.COVERAGE_PALETTE
"""Coverage colours, worst to best (:data:`analysis.chart_scales.COVERAGE_PALETTE`, which the
report's maps use too)."""

PRIORITY_PALETTE: Final = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
"""Priority colours, lowest to highest (ColorBrewer Reds, five classes)."""

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")

Colors: TypeAlias = Callable[[Any], str] | Mapping[Any, str]
"""Colour rule: a function value -> ``#rrggbb`` or a mapping value -> ``#rrggbb``."""


# --------------------------------------------------------------------------- colours


@dataclass(frozen=True)
class StepColors:
    """Colour numbers by bins: a value in ``[edges[i], edges[i + 1])`` gets ``palette[i]``.

    Values below the first edge take the first colour, values at or above the last edge the
    last colour; missing values (``None``, NaN) take ``missing``. Build one with
    :func:`step_colors` or :func:`coverage_colors`.

    Attributes
    ----------
    edges : tuple of float
        Increasing bin edges, one more than colours.
    palette : tuple of str
        ``#rrggbb`` colour of each bin.
    labels : tuple of str
        Legend label of each bin.
    missing : str
        Colour of missing values.
    missing_label : str
        Legend label of missing values.

    Examples
    --------
    >>> scale = step_colors([0, 0.5, 1], ["#ff0000", "#0000ff"])
    >>> scale(0.2), scale(0.5), scale(1.0), scale(None)
    ('#ff0000', '#0000ff', '#0000ff', '#bdbdbd')
    """

    edges: tuple[float, ...]
    palette: tuple[str, ...]
    labels: tuple[str, ...]
    missing: str = MISSING_COLOR
    missing_label: str = "no data"

    def __post_init__(self) -> None:
        if len(self.edges) < 2 or len(self.palette) != len(self.edges) - 1:
            msg = (
                f"a colour scale needs one more edge than colours; got {len(self.edges)} "
                f"edges and {len(self.palette)} colours"
            )
            raise BeatcovError(msg)
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            msg = f"colour scale edges must increase strictly; got {list(self.edges)}"
            raise BeatcovError(msg)
        if len(self.labels) != len(self.palette):
            msg = f"a colour scale needs one label per colour; got {len(self.labels)} labels"
            raise BeatcovError(msg)
        for color in (*self.palette, self.missing):
            check_hex(color, what="colour scale")

    def __call__(self, value: Any) -> str:
        """Return the colour of ``value``."""
        if is_missing(value):
            return self.missing
        try:
            number = float(value)
        except (TypeError, ValueError):
            msg = f"colour scale: value {value!r} is not a number"
            raise BeatcovError(msg) from None
        if math.isnan(number):
            return self.missing
        return self.palette[bisect_right(self.edges[1:-1], number)]

    def entries(self) -> list[tuple[str, str]]:
        """Return the legend as ``(label, colour)`` pairs, missing last."""
        return [*zip(self.labels, self.palette, strict=True), (self.missing_label, self.missing)]


def step_colors(
    edges: Sequence[float],
    palette: Sequence[str],
    *,
    label_format: str = "{:.0%}",
    missing: str = MISSING_COLOR,
    missing_label: str = "no data",
) -> StepColors:
    """Return a binned colour scale with legend labels ``"lo–hi"`` (``"0%–20%"``).

    Parameters
    ----------
    edges : sequence of float
        Increasing bin edges (one more than colours).
    palette : sequence of str
        Colour of each bin, ``#rrggbb``.
    label_format : str, default ``"{:.0%}"``
        Format of an edge in a label (the default suits shares such as coverage).
    missing, missing_label : str
        Colour and legend label of missing values.

    Returns
    -------
    StepColors
        Callable value -> colour, with :meth:`StepColors.entries` for the legend.

    Examples
    --------
    >>> step_colors([0, 0.5, 1], ["#ff0000", "#0000ff"]).labels
    ('0%–50%', '50%–100%')
    """
    edge_values = tuple(float(e) for e in edges)
    labels = tuple(
        f"{label_format.format(lo)}–{label_format.format(hi)}"
        for lo, hi in zip(edge_values, edge_values[1:], strict=False)
    )
    return StepColors(
        edges=edge_values,
        palette=tuple(palette),
        labels=labels,
        missing=missing,
        missing_label=missing_label,
    )


def coverage_colors(*, settings: Settings | None = None) -> StepColors:
    """Return the coverage scale: four reds below ``coverage_threshold``, blue at or above.

    Parameters
    ----------
    settings : Settings, optional
        Uses ``coverage_threshold`` (default 0.8).

    Returns
    -------
    StepColors
        Bins 0, t/4, t/2, 3t/4, t, 1 for threshold t.

    Examples
    --------
    >>> scale = coverage_colors()
    >>> scale.labels
    ('0%–20%', '20%–40%', '40%–60%', '60%–80%', '80%–100%')
    >>> scale(0.79) == COVERAGE_PALETTE[3], scale(0.8) == COVERAGE_PALETTE[4]
    (True, True)
    """
    edges, palette = chart_scales.coverage_steps(resolve(settings).coverage_threshold)
    return step_colors(list(edges), palette, missing_label="no households")


def priority_colors(*, settings: Settings | None = None) -> StepColors:
    """Return the fixed priority scale: five reds on ``settings.priority_color_edges``.

    Priority is counted in weighted households to visit (:mod:`analysis.gaps`); the bins
    are fixed, not taken from the blocks shown, so a block keeps its colour whatever the
    filters. The last bin is open (``60+``).

    Parameters
    ----------
    settings : Settings, optional
        Uses ``priority_color_edges`` (default 5, 15, 30, 60).

    Returns
    -------
    StepColors
        Bins 0, e1, e2, e3, e4, infinity.

    Raises
    ------
    BeatcovError
        If there are not four increasing positive edges.

    Examples
    --------
    >>> scale = priority_colors()
    >>> scale.labels
    ('0–5', '5–15', '15–30', '30–60', '60+')
    >>> scale(4.9) == PRIORITY_PALETTE[0], scale(60) == scale(500) == PRIORITY_PALETTE[4]
    (True, True)
    """
    inner = tuple(float(e) for e in resolve(settings).priority_color_edges)
    if len(inner) != len(PRIORITY_PALETTE) - 1 or not all(e > 0 for e in inner):
        msg = (
            f"priority_color_edges must be {len(PRIORITY_PALETTE) - 1} positive increasing "
            f"numbers (weighted households to visit), not {list(inner)}"
        )
        raise BeatcovError(msg)
    edges = (0.0, *inner, math.inf)
    pairs = zip(edges[:-2], inner, strict=True)
    labels = [f"{_number_text(lo)}–{_number_text(hi)}" for lo, hi in pairs]
    labels.append(f"{_number_text(inner[-1])}+")
    return StepColors(
        edges=edges,
        palette=PRIORITY_PALETTE,
        labels=tuple(labels),
        missing_label="no households",
    )


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


BEAT_PALETTE: Final = (
    "#1f78b4",
    "#33a02c",
    "#e31a1c",
    "#ff7f00",
    "#6a3d9a",
    "#b15928",
    "#a6cee3",
    "#b2df8a",
    "#fb9a99",
    "#fdbf6f",
    "#cab2d6",
    "#ffff99",
)
"""Colours of beats told apart by colour (ColorBrewer Paired, strong colours first)."""


def beat_colors(beat_ids: Sequence[Any]) -> dict[str, str]:
    """Return a colour per beat id: the distinct ids, sorted, take the palette in turn.

    Two maps coloured with the same ids (today's beats and a plan) give a beat the same
    colour on both; past twelve beats the colours repeat.

    Examples
    --------
    >>> beat_colors(["B2", "B1", "B2"])
    {'B1': '#1f78b4', 'B2': '#33a02c'}
    """
    ids = sorted({str(b) for b in beat_ids if not is_missing(b)})
    return {b: BEAT_PALETTE[i % len(BEAT_PALETTE)] for i, b in enumerate(ids)}


def legend(colors: Colors, *, values: Sequence[Any] | None = None) -> pd.DataFrame:
    """Return the legend of a colour rule as a frame for Streamlit to draw.

    Parameters
    ----------
    colors : StepColors, mapping or function
        The colour rule given to :func:`polygon_layer` or :func:`point_layer`.
    values : sequence, optional
        The values coloured; required when ``colors`` is a plain function (the legend then
        lists each distinct value).

    Returns
    -------
    pandas.DataFrame
        Columns ``label`` (plain text: escape it if you draw it as HTML) and ``color``.

    Raises
    ------
    BeatcovError
        If ``colors`` is a plain function and ``values`` is not given.

    Examples
    --------
    >>> legend({"high": "#ff0000", "low": "#00ff00"}).to_dict("records")
    [{'label': 'high', 'color': '#ff0000'}, {'label': 'low', 'color': '#00ff00'}]
    """
    if isinstance(colors, StepColors):
        rows = colors.entries()
    elif isinstance(colors, Mapping):
        rows = [(str(k), check_hex(c, what=f"colour of {k!r}")) for k, c in colors.items()]
    elif values is None:
        msg = "the legend of a colour function needs the values it colours (values=...)"
        raise BeatcovError(msg)
    else:
        distinct = list(dict.fromkeys(v for v in values if not is_missing(v)))
        rows = [(display_text(v), color_of(colors, v)) for v in distinct]
    return pd.DataFrame(rows, columns=["label", "color"])


def check_hex(color: Any, *, what: str) -> str:
    """Return ``color`` if it is a hex colour (``#rrggbb``, …); else raise, naming ``what``."""
    if not isinstance(color, str) or not _HEX.match(color):
        msg = f"{what}: {color!r} is not a hex colour like '#1f78b4'"
        raise BeatcovError(msg)
    return color


def color_of(colors: Colors, value: Any) -> str:
    """Return the checked colour ``colors`` gives ``value`` (missing-colour for unknown keys)."""
    if isinstance(colors, Mapping):
        try:
            color = colors.get(value, MISSING_COLOR)
        except TypeError:  # unhashable value
            color = MISSING_COLOR
    else:
        color = colors(value)
    return check_hex(color, what=f"colour of value {value!r}")


def is_missing(value: Any) -> bool:
    """Return True for ``None`` and scalar NA/NaN/NaT (a list is never missing)."""
    if value is None:
        return True
    if not pd.api.types.is_scalar(value):
        return False
    return bool(pd.isna(value))


def display_text(value: Any) -> str:
    """Return ``value`` as escaped text for a tooltip or popup."""
    if is_missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        text = "yes" if value else "no"
    elif isinstance(value, int | np.integer):
        text = str(int(value))
    elif isinstance(value, float | np.floating):
        number = float(value)
        text = str(int(number)) if number.is_integer() else f"{number:.2f}"
    elif isinstance(value, pd.Timestamp | datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, list | tuple | set):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    return html.escape(text, quote=True)

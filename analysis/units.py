"""The units coverage is judged by: street blocks, or H3 cells where the streets miss.

One choice for the command line and the app (:func:`choose_units`); nothing here reads
files or draws.

Rules
-----
* **Unit.** ``"blocks"``: the street blocks of the street graph
  (:func:`geo.blocks.blocks_from_graph`). ``"h3:RES"``: the H3 cells of resolution ``RES``
  (0-15) covering the beats and every household (:func:`geo.blocks.h3_cells`); asked for by
  name, they are never a fallback and the streets are not checked.
* **Blocks miss** when more than ``settings.streets_miss_max_share`` of the located
  households lie farther than ``settings.outside_block_max_m`` from every block
  (:func:`geo.alignment.check_streets`, the test the Data page applies to an uploaded street
  file); streets that enclose no block miss every household.
* **Names.** Every unit gets a ``name`` (:func:`geo.block_names.block_names`): street
  blocks the streets around them, H3 cells the labelled street longest inside them or
  nearest; fallback cells, whose streets belong to another place, and cells asked for
  without streets are named by their ids.
* **When blocks miss, who chose the streets decides.**

  - The user named the street file (``fallback=False``; the command line's ``--streets``):
    :class:`~geo.errors.UnitError` naming the file, the share of households missed and
    where the nearest block lies. A file of another place, or read in another coordinate
    system, is an input error to fix; falling back would hide it. H3 cells stay one option
    away (``--unit h3:9``), asked for knowingly.
  - The streets are a default the user did not choose (``fallback=True``; the app, whose
    datasets use the demo's extract unless a street file was uploaded with them, and an
    uploaded file that misses is refused at upload): H3 cells of resolution
    :data:`H3_FALLBACK_RESOLUTION`, with :attr:`Units.fallback` set so the caller can say
    so and keep the streets out of the analysis (no walks measured on streets of another
    city).

Examples
--------
>>> parse_unit("blocks"), parse_unit("h3:9")
(None, 9)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import networkx as nx

from geo.alignment import StreetsCheck, check_streets, streets_message
from geo.block_names import block_names, labelled_streets
from geo.blocks import blocks_from_graph, h3_cells
from geo.errors import UnitError
from geo.settings import Settings, resolve

__all__ = ["BLOCKS", "H3_FALLBACK_RESOLUTION", "Units", "choose_units", "name_units", "parse_unit"]

BLOCKS: Final = "blocks"
"""The unit name of street blocks."""

H3_FALLBACK_RESOLUTION: Final = 9
"""H3 resolution of the cells used when default streets miss (cells of about 0.1 km²)."""

_H3: Final = re.compile(r"h3:([0-9]+)")


@dataclass(frozen=True)
class Units:
    """The units an analysis runs on, and how they were chosen.

    Attributes
    ----------
    frame : GeoDataFrame
        ``block_id``, ``name``, ``area_m2`` and the unit polygons (WGS84).
    unit : str
        What ``frame`` holds: ``"blocks"`` or ``"h3:RES"``.
    fallback : bool
        True when blocks were asked for, the streets missed and H3 cells were given
        instead: the streets do not belong to the data and should not be used for walks.
    check : StreetsCheck or None
        How the households lie against the blocks, when blocks were built.
    """

    frame: gpd.GeoDataFrame
    unit: str
    fallback: bool = False
    check: StreetsCheck | None = None


def parse_unit(text: str, *, name: str = "unit") -> int | None:
    """Return the H3 resolution of ``"h3:RES"``, or ``None`` for ``"blocks"``.

    Parameters
    ----------
    text : str
        ``"blocks"`` or ``"h3:RES"`` with ``RES`` from 0 to 15.
    name : str, default "unit"
        What the text is, for the message (the command line passes ``"--unit"``).

    Raises
    ------
    UnitError
        If ``text`` is neither.

    Examples
    --------
    >>> parse_unit("h3:15")
    15
    >>> parse_unit("h3:16", name="--unit")
    Traceback (most recent call last):
    geo.errors.UnitError: --unit 'h3:16': use blocks or h3:RES with RES from 0 to 15 (e.g. h3:9)
    """
    if text == BLOCKS:
        return None
    found = _H3.fullmatch(text)
    if found is None or int(found[1]) > 15:
        msg = f"{name} {text!r}: use blocks or h3:RES with RES from 0 to 15 (e.g. h3:9)"
        raise UnitError(msg)
    return int(found[1])


def choose_units(
    beats: gpd.GeoDataFrame,
    households: gpd.GeoDataFrame,
    *,
    unit: str = BLOCKS,
    streets: nx.MultiDiGraph | None = None,
    fallback: bool = False,
    streets_name: str = "the street file",
    instead: str = "",
    settings: Settings | None = None,
) -> Units:
    """Return the units of an analysis: street blocks, H3 cells, or H3 cells as fallback.

    Parameters
    ----------
    beats, households : GeoDataFrame
        Canonical beats and households (WGS84); the H3 cells cover the beats and every
        household, the street check measures the households.
    unit : str, default "blocks"
        ``"blocks"`` or ``"h3:RES"`` (see :func:`parse_unit`).
    streets : networkx.MultiDiGraph, optional
        The street graph that bounds the blocks; needed for ``"blocks"``.
    fallback : bool, default False
        When the blocks miss: give H3 cells of :data:`H3_FALLBACK_RESOLUTION` (streets the
        user did not choose) rather than refuse (a street file the user named). See the
        module's rules.
    streets_name : str, default "the street file"
        The street file's name, for the refusal.
    instead : str, optional
        What the user can do instead, added to the refusal (``"use --unit h3:9"``).
    settings : Settings, optional
        ``block_min_area_m2``, ``outside_block_max_m`` and ``streets_miss_max_share``.

    Returns
    -------
    Units
        The unit frame, what it holds, and whether it is a fallback.

    Raises
    ------
    UnitError
        If ``unit`` is unknown, blocks are asked for without ``streets``, or the blocks
        miss and ``fallback`` is false.
    """
    cfg = resolve(settings)
    resolution = parse_unit(unit)
    if resolution is not None:
        cells = _cells(beats, households, resolution)
        return Units(name_units(cells, streets, settings=cfg), unit)
    if streets is None:
        msg = "street blocks need a street graph; pass streets= or use h3:RES cells"
        raise UnitError(msg)
    blocks = blocks_from_graph(streets, settings=cfg)
    check = check_streets(blocks, households, settings=cfg)
    if not check.misaligned:
        return Units(name_units(blocks, streets, settings=cfg), BLOCKS, check=check)
    if not fallback:
        message = streets_message(check, streets_file=streets_name, settings=cfg)
        raise UnitError(f"{message}, or {instead}" if instead else message)
    cells = name_units(_cells(beats, households, H3_FALLBACK_RESOLUTION), None, settings=cfg)
    return Units(cells, f"h3:{H3_FALLBACK_RESOLUTION}", fallback=True, check=check)


def name_units(
    units: gpd.GeoDataFrame, streets: nx.MultiDiGraph | None, *, settings: Settings
) -> gpd.GeoDataFrame:
    """Return ``units`` with their ``name`` after ``block_id`` (ids without streets).

    The names of :func:`geo.block_names.block_names` from the streets' labels; the one
    place blocks and cells get their names, for the CLI, the app and the tests' fixtures.
    """
    lines = labelled_streets(streets) if streets is not None else None
    out = units.copy()
    out.insert(1, "name", block_names(units, lines, settings=settings).to_numpy())
    return out


def _cells(
    beats: gpd.GeoDataFrame, households: gpd.GeoDataFrame, resolution: int
) -> gpd.GeoDataFrame:
    return h3_cells(beats, resolution=resolution, points=households)

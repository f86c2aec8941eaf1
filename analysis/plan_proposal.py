"""One beat plan proposed from an analysis: the plan, its beat polygons, its one-line record.

Shared by the ``plan`` command (:mod:`analysis.plan_cli`) and the app's Planning page, so
both propose the same plan from the same inputs. :func:`propose` rebalances today's beats
(:func:`analysis.rebalance.rebalance`) or, given ``beats_count``, draws that many beats
afresh (:func:`analysis.rebalance.fresh_plan`), then dissolves the plan into beat polygons
in the importer's schema (:func:`analysis.plan_export.plan_beats`).

Choices
-------
* The minutes per visit come from the visits' logged durations, counted visits only
  (:func:`plan_visits` joins each visit's verification ``status``: a visit not counted
  does not set the pace).
* A plan is *a change* (:func:`is_change`) when it moves a block, or adds or removes a
  beat. A plan that changes nothing is not made current: re-drawing the same beats as
  dissolved blocks would move boundaries for no reason.
* The audit row of a plan made current (:func:`change_target`) names the number of beats
  before and after, the blocks moved and the workload imbalance (heaviest over lightest
  beat) before and after, so the trail alone says what changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from analysis.plan_export import plan_beats
from analysis.rebalance import Plan, fresh_plan, rebalance
from geo.errors import PlanError
from geo.settings import Settings, resolve

__all__ = ["Proposal", "change_target", "is_change", "plan_visits", "propose"]


@dataclass(frozen=True)
class Proposal:
    """A proposed plan and its beats.

    Attributes
    ----------
    plan : Plan
        Each block's beat, the figures per beat before and after, the summary.
    beats : geopandas.GeoDataFrame
        The plan's beats as the importer reads them (:data:`analysis.plan_export.EXPORT_COLUMNS`,
        WGS84).
    """

    plan: Plan
    beats: gpd.GeoDataFrame


def plan_visits(visits: pd.DataFrame, checked: pd.DataFrame) -> pd.DataFrame:
    """Return the imported visits (without geometry) with each visit's verification ``status``.

    Parameters
    ----------
    visits : pandas.DataFrame
        The imported visits (``visit_id``, ``duration_min`` ...).
    checked : pandas.DataFrame
        The analysis's visits: ``visit_id`` and ``status``.

    Examples
    --------
    >>> visits = pd.DataFrame({"visit_id": ["v1", "v2"], "duration_min": [12.0, 3.0]})
    >>> checked = pd.DataFrame({"visit_id": ["v2", "v1"], "status": ["not_counted", "counted"]})
    >>> plan_visits(visits, checked)["status"].tolist()
    ['counted', 'not_counted']
    """
    plain = pd.DataFrame(visits).drop(columns="geometry", errors="ignore")
    return plain.merge(checked[["visit_id", "status"]], on="visit_id", how="left")


def propose(
    blocks: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    visits: pd.DataFrame,
    *,
    streets: gpd.GeoSeries | None = None,
    beats_count: int | None = None,
    locked: Iterable[str] = (),
    settings: Settings | None = None,
) -> Proposal:
    """Propose a plan: rebalance today's beats, or draw ``beats_count`` beats afresh.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        The analysis's blocks (:attr:`analysis.pipeline.Analysis.blocks`).
    beats : geopandas.GeoDataFrame
        Today's beats with their polygons (the imported table).
    visits : pandas.DataFrame
        Visits with ``duration_min`` and ``status`` (:func:`plan_visits`).
    streets : geopandas.GeoSeries, optional
        Street lines (:func:`geo.streets.street_lines`), for the streets inside blocks;
        ``None`` when the blocks are not street blocks (H3 cells).
    beats_count : int, optional
        Draw this many beats afresh; default: rebalance today's beats.
    locked : iterable of str
        Block ids that stay in today's beat.
    settings : Settings, optional
        ``workload_*`` and ``plan_*`` settings, ``beat_overlap_min_m2``.

    Returns
    -------
    Proposal

    Raises
    ------
    PlanError
        When the plan cannot be made as asked (see :func:`analysis.rebalance.fresh_plan`).
    """
    s = resolve(settings)
    common: dict[str, Any] = {"streets": streets, "locked": list(locked), "settings": s}
    if beats_count is None:
        plan = rebalance(blocks, beats, visits, **common)
    else:
        plan = fresh_plan(blocks, beats, visits, beats_count=beats_count, **common)
    return Proposal(plan=plan, beats=plan_beats(plan, blocks, beats, settings=s))


def is_change(summary: dict[str, Any]) -> bool:
    """Tell whether a plan changes today's beats: a block moves, a beat is added or removed.

    Examples
    --------
    >>> is_change({"moved_blocks": 0, "new_beats": [], "removed_beats": []})
    False
    >>> is_change({"moved_blocks": 3, "new_beats": [], "removed_beats": []})
    True
    """
    return bool(summary["moved_blocks"] or summary["new_beats"] or summary["removed_beats"])


def change_target(summary: dict[str, Any]) -> str:
    """Return the target text of a ``plan_change`` audit row (see the module docstring).

    Examples
    --------
    >>> change_target({"mode": "rebalance", "beats_before": 6, "beats": 6, "moved_blocks": 3,
    ...                "imbalance_before": 1.1867, "imbalance": 1.0865})
    'rebalance: 6 -> 6 beats, 3 blocks moved, imbalance 1.19 -> 1.09'
    """
    required = ("mode", "beats_before", "beats", "moved_blocks", "imbalance_before", "imbalance")
    missing = [key for key in required if key not in summary]
    if missing:
        msg = f"the plan's summary lacks {', '.join(missing)}: pass Plan.summary"
        raise PlanError(msg)
    return (
        f"{summary['mode']}: {summary['beats_before']} -> {summary['beats']} beats, "
        f"{summary['moved_blocks']} blocks moved, imbalance "
        f"{_ratio(summary['imbalance_before'])} -> {_ratio(summary['imbalance'])}"
    )


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"

"""The officer's walk on My beat: the walking order of the to-dos and a planned route, cached.

Both are computed by :mod:`analysis` (:func:`analysis.walk_order.walking_order`,
:func:`analysis.officer_route.beat_route`) on the scoped view of the logged-in account and
cached with :func:`app.state.shared_cache` under a key holding the scope, like every view:
one officer's walk never reaches another. Handed-out frames are read-only.

Choices
-------
* **Start**: the beat's post (:func:`analysis.officer_route.beat_post`), or a household of
  the beat chosen from the list (its door).
* **The walking order** numbers the beat's to-dos (households that need a visit) nearest
  next from the start, along the streets where credible (:mod:`analysis.route_walk`).
* **A planned walk** is the beat's route (:func:`analysis.officer_route.beat_route`) for a
  band and a budget, starting at the band's first hour (evening: 17:00) as the ``route``
  command does; minutes at a door are the median counted contact of the scope's visits
  (:func:`analysis.workload.minutes_per_visit`).
* **Default band**: the band advised for most of the beat's to-dos
  (:func:`app.views.walk_band`), else the band of the current time (evening at night).
* The walk network is the dataset's unless its streets miss the households (H3 cells):
  then every leg is walked through compounds, as the analysis measures it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import networkx as nx
import pandas as pd
import shapely

from analysis.officer_route import OfficerRoute, beat_post, beat_route
from analysis.scope import Scope
from analysis.timeofday import TIE_ORDER, band_of
from analysis.walk_order import walking_order
from analysis.workload import minutes_per_visit
from app import state
from app.shell import Context
from geo.schema import present
from geo.settings import Settings

_SCOPE_HASH = {Scope: state.scope_key}


@dataclass(frozen=True)
class WalkInputs:
    """What the officer asked for when they pressed "Plan my walk".

    Attributes
    ----------
    beat_id : str
        The beat walked.
    band : str
        One of :data:`analysis.timeofday.TIE_ORDER`.
    budget_min : float
        Minutes available, walking and doors together.
    start_id : str or None
        The household the walk starts at; ``None``: the beat's post.
    """

    beat_id: str
    band: str
    budget_min: float
    start_id: str | None = None


def current_band(settings: Settings, *, now: dt.datetime | None = None) -> str:
    """Return the band of the current local time; ``evening`` when in none (at night).

    Examples
    --------
    >>> from geo.settings import DEFAULTS
    >>> utc = dt.UTC
    >>> current_band(DEFAULTS, now=dt.datetime(2026, 5, 1, 1, tzinfo=utc))  # 09:00 Shanghai
    'working'
    >>> current_band(DEFAULTS, now=dt.datetime(2026, 5, 1, 16, tzinfo=utc))  # midnight
    'evening'
    """
    moment = pd.Timestamp(now or dt.datetime.now(dt.UTC))
    band = str(band_of(pd.Series([moment]), settings=settings).iloc[0])
    return band if band in TIE_ORDER else TIE_ORDER[0]


def order(ctx: Context, beat_id: str, start_id: str | None) -> pd.Series:
    """Return the walking order of the beat's to-dos by ``household_id`` (cached).

    ``Int64`` from 1; households without a location are not in it.
    """
    start, end = ctx.window
    reviews = state.review_key(ctx.ref)
    args = (ctx.ref.folder, ctx.ref.dataset_id, start, end, ctx.settings, reviews, ctx.scope)
    found: pd.Series = _order(*args, beat_id, start_id)
    return found


def plan(ctx: Context, inputs: WalkInputs) -> OfficerRoute:
    """Return the planned walk for ``inputs`` (cached).

    Raises
    ------
    RouteError
        The beat holds no located household (or the inputs are refused by the router).
    """
    start, end = ctx.window
    reviews = state.review_key(ctx.ref)
    args = (ctx.ref.folder, ctx.ref.dataset_id, start, end, ctx.settings, reviews, ctx.scope)
    found: OfficerRoute = _plan(*args, inputs)
    return found


@state.shared_cache(max_entries=64, hash_funcs=_SCOPE_HASH)
def _order(
    folder: str,
    dataset_id: str,
    start: dt.date,
    end: dt.date,
    settings: Settings,
    reviews: state.ReviewKey,
    scope: Scope,
    beat_id: str,
    start_id: str | None,
) -> pd.Series:
    ref = state.DatasetRef(folder, dataset_id)
    view = state.get_view(scope, (start, end), settings, ref=ref)
    homes = view.households[view.households["beat_id"] == beat_id]
    todo = homes[homes["needs_visit"].astype(bool) & present(homes.geometry)]
    if todo.empty:
        return pd.Series([], dtype="Int64", name="walk_order")
    origin = _start(view, beat_id, start_id)
    places = walking_order(
        todo.geometry, start=origin, graph=_walk_graph(ref, settings), settings=settings
    )
    return pd.Series(places.to_numpy(), index=todo["household_id"].to_numpy(), name="walk_order")


@state.shared_cache(max_entries=32, hash_funcs=_SCOPE_HASH)
def _plan(
    folder: str,
    dataset_id: str,
    start: dt.date,
    end: dt.date,
    settings: Settings,
    reviews: state.ReviewKey,
    scope: Scope,
    inputs: WalkInputs,
) -> OfficerRoute:
    ref = state.DatasetRef(folder, dataset_id)
    view = state.get_view(scope, (start, end), settings, ref=ref)
    visits = pd.DataFrame(view.visits.drop(columns="geometry", errors="ignore"))
    return beat_route(
        view.households,
        view.analysis.blocks,
        beat_ids=[inputs.beat_id],
        budget_min=inputs.budget_min,
        band=inputs.band,
        visit_min=minutes_per_visit(visits, settings=settings).minutes,
        graph=_walk_graph(ref, settings),
        start=_start(view, inputs.beat_id, inputs.start_id),
        settings=settings,
    )


def _start(view: state.View, beat_id: str, start_id: str | None) -> shapely.Point:
    """Return the chosen household's door, else the beat's post (households' CRS)."""
    homes = view.households[view.households["beat_id"] == beat_id]
    homes = homes[present(homes.geometry)]
    if start_id is not None:
        chosen = homes[homes["household_id"] == start_id]
        if len(chosen):
            point: shapely.Point = chosen.geometry.iloc[0]
            return point
    return beat_post(view.analysis.blocks, homes, beat_id)


def _walk_graph(ref: state.DatasetRef, settings: Settings) -> nx.MultiDiGraph | None:
    """Return the dataset's walk network; ``None`` when its streets miss the households."""
    if state.unit_choice(ref, settings).fallback:
        return None
    return state.street_graph(str(state.streets_file(ref)), "walk")

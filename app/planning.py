"""The Planning page's work: propose a plan (cached), its figures, its file, making it current.

Nothing here draws. A plan is proposed for the whole current dataset (planners and admins
see every beat) over the analysis window, by :func:`analysis.plan_proposal.propose`, the
``plan`` command's own call; it is cached in a shared cache per dataset, window, settings,
review decisions and the page's choices (:class:`Request`), so every planner asking the
same gets the same plan without computing it again.

Making a plan current (:func:`make_current`) stores a new dataset: the current dataset's
households and visits with the plan's beats, read back from the plan's file through the
importer (:func:`geo.plan_import.with_plan_beats`), and makes it current with a
``plan_change`` row in the audit trail, so every page follows the new beats. A street file
kept with the current dataset is kept with the new one too (before it becomes current, so
no page ever analyses it without its streets).

On the embedded demo (no dataset in the workspace) the demo is first stored as a dataset of
its own, not current, so the Data page can go back to it; the plan is then stored and made
current. A demo account may not do this: making a dataset current ends the demo accounts
(:func:`app.auth.demo_active`), so the page offers the download only and says how to go on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import pandas as pd

from analysis.plan_proposal import Proposal, change_target, is_change, plan_visits, propose
from analysis.scope import Scope
from app import state
from app.i18n import code_label, translate
from geo.accounts import Account
from geo.errors import PlanError
from geo.plan_import import with_plan_beats
from geo.settings import Settings
from geo.streets import street_lines
from geo.workspace import Workspace
from geo.writers import geojson_bytes

PLANNER_ROLES: Final = ("admin", "planner")
"""Roles that open the Planning page and may make a plan current."""

MOVE_PENALTIES: Final = (0.0, 0.0003, 0.001, 0.003, 0.01)
"""The choices of the moves-versus-balance setting (``plan_move_penalty``), from the most
even workloads to the fewest moved blocks; the default setting is among them."""

TABLE_COLUMNS: Final = (
    "beat_id",
    "name",
    "plan_status",
    "before_workload_min",
    "workload_min",
    "before_households",
    "households",
    "before_blocks",
    "blocks",
    "before_polsby_popper",
    "polsby_popper",
    "contiguous",
)
"""Columns of :func:`beat_table`: each beat today and in the plan."""


@dataclass(frozen=True)
class Request:
    """What a planner asked for.

    Attributes
    ----------
    beats_count : int or None
        Draw this many beats afresh; ``None`` starts from today's beats.
    move_penalty : float
        ``plan_move_penalty``: higher keeps more of today's beats.
    locked : tuple of str
        Block ids that stay in today's beat, sorted.
    """

    beats_count: int | None
    move_penalty: float
    locked: tuple[str, ...] = ()


def may_plan(role: str) -> bool:
    """Tell whether a role may open the Planning page and make a plan current.

    Examples
    --------
    >>> [may_plan(r) for r in ("admin", "chief", "planner", "officer")]
    [True, False, True, False]
    """
    return role in PLANNER_ROLES


def proposal(
    ref: state.DatasetRef,
    window: tuple[dt.date, dt.date],
    settings: Settings,
    request: Request,
) -> Proposal:
    """Return the plan a request proposes for a dataset (cached, shared, read-only).

    Raises
    ------
    PlanError
        When the plan cannot be made as asked (too few beats for the stations, an
        unknown locked block).
    """
    start, end = window
    reviews = state.review_key(ref)
    return _proposal(
        ref.folder,
        ref.dataset_id,
        start,
        end,
        settings.replace(plan_move_penalty=request.move_penalty),
        reviews,
        request.beats_count,
        tuple(sorted(request.locked)),
    )


@state.shared_cache(max_entries=8)
def _proposal(
    folder: str,
    dataset_id: str,
    start: dt.date,
    end: dt.date,
    settings: Settings,
    reviews: state.ReviewKey,
    beats_count: int | None,
    locked: tuple[str, ...],
) -> Proposal:
    ref = state.DatasetRef(folder, dataset_id)
    result = state.get_analysis(Scope.everything(), (start, end), settings, ref=ref)
    data = state.dataset(ref)
    lines = None
    if state.streets_cover(ref, settings):  # H3 cells hold no streets of their own
        lines = street_lines(
            state.street_graph(str(state.streets_file(ref)), settings.network_type)
        )
    return propose(
        result.blocks,
        data.beats,
        plan_visits(data.visits, result.visits),
        streets=lines,
        beats_count=beats_count,
        locked=locked,
        settings=settings,
    )


def beat_table(found: Proposal, *, lang: str) -> pd.DataFrame:
    """Return each beat today and in the plan (:data:`TABLE_COLUMNS`), the plan's beats first.

    Workloads are minutes per workload period; households count every household of the
    beat's blocks, those off every block included; compactness is Polsby-Popper (1.0 for
    a circle); ``plan_status`` is kept, new, removed or unplanned, in words of ``lang``.
    """
    beats = found.plan.beats
    blocks = found.plan.blocks
    ids = beats["beat_id"].astype(str)

    def households(column: str) -> pd.Series:
        # every household, those off the blocks too (they go with their beat's post block)
        per_beat = blocks.groupby(blocks[column].astype("string"))["households"].sum()
        return ids.map(per_beat).fillna(0).astype("int64")

    table = beats.assign(
        plan_status=[code_label("plan_status", s, lang) for s in beats["status"]],
        before_households=households("before_beat_id"),
        households=households("beat_id"),
        workload_min=beats["workload_min"].round(0),
        before_workload_min=beats["before_workload_min"].round(0),
        polsby_popper=beats["polsby_popper"].round(2),
        before_polsby_popper=beats["before_polsby_popper"].round(2),
    )
    return table[list(TABLE_COLUMNS)].reset_index(drop=True)


def figures(found: Proposal) -> dict[str, object]:
    """Return the headline figures: imbalance before and after, moves, contiguity, target."""
    summary = found.plan.summary
    return {
        key: summary[key]
        for key in (
            "imbalance_before",
            "imbalance",
            "target",
            "meets_target",
            "moved_blocks",
            "moved_households",
            "contiguous_before",
            "contiguous",
            "beats_before",
            "beats",
            "station_floor",
        )
    }


def side_beats(
    found: Proposal, shapes: state.MapShapes, *, proposed: bool, lang: str
) -> gpd.GeoDataFrame:
    """Return the beats of one side of the comparison: ``beat_id``, ``label``, polygon.

    Today's side draws today's (simplified) beat polygons, the plan's side the plan's; the
    label is the beat id and its workload in minutes.
    """
    beats = found.plan.beats
    column = "workload_min" if proposed else "before_workload_min"
    load = beats.dropna(subset=[column]).set_index(beats["beat_id"].astype(str))[column]
    if proposed:
        chosen = found.beats[found.beats["beat_id"].astype(str).isin(load.index)]
        ids, shapes_of = chosen["beat_id"].astype(str).tolist(), chosen.geometry
    else:
        chosen_today = shapes.beats[shapes.beats.index.astype(str).isin(load.index)]
        ids, shapes_of = [str(b) for b in chosen_today.index], chosen_today
    return gpd.GeoDataFrame(
        {"beat_id": ids, "label": [_label(b, load[b], lang) for b in ids]},
        geometry=shapes_of.to_numpy(),
        crs=shapes_of.crs,
    )


def _label(beat: str, minutes: float, lang: str) -> str:
    return translate("planning.beat_label", lang, beat=beat, minutes=f"{minutes:,.0f}")


def plan_file(found: Proposal) -> bytes:
    """Return the plan's beats as GeoJSON (``plan.geojson``), as the importer reads them."""
    return geojson_bytes(found.beats)


def demo_refusal(account: Account, ref: state.DatasetRef) -> bool:
    """Tell whether a plan may not be made current because a demo account is on the demo."""
    return account.demo and ref.dataset_id == state.DEMO_ID


def make_current(
    found: Proposal,
    *,
    account: Account,
    ref: state.DatasetRef,
    workspace: Workspace,
    label: str,
) -> str:
    """Store the dataset with the plan's beats, make it current (audited); return its id.

    See the module docstring for the demo. The ``plan_change`` row names the beats before
    and after, the blocks moved and the imbalance before and after
    (:func:`analysis.plan_proposal.change_target`).

    Raises
    ------
    PlanError
        When the account may not plan, a demo account is on the demo, or the plan changes
        nothing.
    ImportRefused
        When the plan's file does not read back as beats (nothing is stored).
    WorkspaceError
        When the workspace cannot be written.
    """
    if not may_plan(account.role):
        msg = (
            f"{account.username} ({account.role}) may not change beats: only a planner or "
            "an admin makes a plan current"
        )
        raise PlanError(msg)
    if demo_refusal(account, ref):
        msg = (
            "a demo account cannot make a plan current: it would end the demo; download the "
            "plan, or log in with a real account"
        )
        raise PlanError(msg)
    summary = found.plan.summary
    if not is_change(summary):
        msg = "the plan moves no block and adds or removes no beat: nothing to make current"
        raise PlanError(msg)
    data = state.dataset(ref)
    planned = with_plan_beats(data, plan_file(found), name=label)
    who = account.actor
    if ref.dataset_id == state.DEMO_ID:
        workspace.save(data, make_current=False, actor=who)  # the way back to the demo
    dataset_id = workspace.save(planned, make_current=False, actor=who)
    streets = workspace.streets_file(ref.dataset_id) if ref.folder else None
    if streets is not None:
        workspace.save_streets(dataset_id, streets.name, streets.read_bytes())
    workspace.set_current(dataset_id, actor=who, plan_change=change_target(summary))
    return dataset_id

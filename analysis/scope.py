"""The one query layer: every read of households, visits or blocks goes through a scope.

Personal data (addresses, vulnerable residents, officers' notes) must only reach users
allowed to see them. A :class:`Scope` names the beats a user may see (or all beats);
:func:`restrict` cuts an :class:`~analysis.pipeline.Analysis` and :func:`restrict_dataset`
a raw :class:`~geo.importer.Dataset` down to the rows inside it. Pages never filter for
security; caches are keyed by the scope (it is hashable).

Rules
-----
* A household belongs to the beat whose polygon holds it (the analysis' ``beat_id``).
  Households in no beat are outside every limited scope.
* A visit is in scope when its household is: a visit by an officer of the beat to a
  household outside it is **not** included (it would reveal that household).
* A visit's reference to a visit outside the scope (``previous_visit_id`` of the
  verification, ``follow_up_of``) is blanked.
* Blocks, beats and the weekly trend are cut by ``beat_id``; stations to the (non-blank)
  stations of the scope's beats; officers to those listed (``officer_ids``) on the scope's
  beats.
* Station and officer rows are summaries computed over the whole analysis: a station row
  may count households of the station's other beats, an officer row the officer's own
  visits anywhere. They carry counts only, no personal rows.
* ``Analysis.topology`` (beat and block geometry findings) is kept; ``Analysis.extras`` is
  dropped for a limited scope, since its content is not known here. A dataset's import
  report (which names rows and coordinates of any household) is dropped likewise.
* An empty scope sees nothing; it is never widened to everything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.pipeline import Analysis
from geo.accounts import Account
from geo.errors import ValidationReport
from geo.importer import Dataset
from geo.joins import assign_points
from geo.schema import officer_pairs, require_columns, text_in

REFERENCE_COLUMNS: tuple[str, ...] = ("previous_visit_id", "follow_up_of")
"""Visit columns holding another visit's id; blanked when that visit is out of scope."""


@dataclass(frozen=True)
class Scope:
    """The beats a user may see.

    Attributes
    ----------
    beats : frozenset of str or None
        Beat ids inside the scope; ``None`` means every beat (and rows in no beat).
    label : str
        A name for display (e.g. ``officer P1``); not part of equality or the hash, so
        scopes over the same beats share cache entries.

    Examples
    --------
    >>> Scope.for_beats(["B2", "B1"]) == Scope.for_beats({"B1", "B2"}, label="mine")
    True
    >>> Scope.everything().beats is None
    True
    """

    beats: frozenset[str] | None = None
    label: str = field(default="all beats", compare=False)

    def __post_init__(self) -> None:
        if self.beats is not None and not (
            isinstance(self.beats, frozenset) and all(isinstance(b, str) for b in self.beats)
        ):
            object.__setattr__(self, "beats", _beat_set(self.beats))

    @classmethod
    def everything(cls, *, label: str = "all beats") -> Scope:
        """Return the scope of every beat (chief, planner)."""
        return cls(None, label)

    @classmethod
    def for_beats(cls, ids: Iterable[Any] | str, *, label: str | None = None) -> Scope:
        """Return the scope of the given beats (a single string is one beat id).

        An empty collection gives the empty scope, which sees nothing.
        """
        beats = _beat_set(ids)
        name = label if label is not None else "beats " + ", ".join(sorted(beats))
        return cls(beats, name if beats else (label or "no beats"))

    @property
    def is_everything(self) -> bool:
        """True for the scope of every beat."""
        return self.beats is None

    def contains(self, beat_ids: pd.Series) -> np.ndarray:
        """Return, per value of ``beat_ids``, whether that beat is inside the scope.

        Missing beat ids are inside only the scope of everything.
        """
        if self.beats is None:
            return np.ones(len(beat_ids), dtype=bool)
        return text_in(beat_ids, sorted(self.beats))


def _beat_set(ids: Iterable[Any] | str) -> frozenset[str]:
    values = [ids] if isinstance(ids, str) else list(ids)
    return frozenset(str(v).strip() for v in values if not pd.isna(v) and str(v).strip())


def officer_scope(beats: pd.DataFrame, officer_id: str) -> Scope:
    """Return the scope of the beats an officer is listed on.

    Parameters
    ----------
    beats : pandas.DataFrame or geopandas.GeoDataFrame
        Beats with ``beat_id`` and ``officer_ids`` (``;``-separated), e.g. the canonical
        beats table or ``Analysis.beats``.
    officer_id : str
        The officer; matched exactly (after trimming spaces).

    Returns
    -------
    Scope
        The officer's beats; an unknown or blank officer gets the empty scope (sees
        nothing), never everything.

    Raises
    ------
    SchemaError
        When ``beat_id`` or ``officer_ids`` is missing.

    Examples
    --------
    >>> b = pd.DataFrame({"beat_id": ["B1", "B2"], "officer_ids": ["P1;P2", "P3"]})
    >>> sorted(officer_scope(b, "P2").beats)
    ['B1']
    >>> officer_scope(b, "P9").beats
    frozenset()
    """
    _require(beats, ("beat_id", "officer_ids"), "beats")
    who = str(officer_id).strip() if officer_id is not None else ""
    label = f"officer {who}" if who else "no officer"
    if not who:
        return Scope(frozenset(), label)
    pairs = officer_pairs(beats)
    return Scope(_beat_set(pairs.loc[pairs["officer_id"] == who, "beat_id"]), label)


def account_scope(beats: pd.DataFrame, account: Account) -> Scope:
    """Return the scope of a logged-in account: what its role and binding let it see.

    Parameters
    ----------
    beats : pandas.DataFrame or geopandas.GeoDataFrame
        The dataset's beats, with ``beat_id`` (and ``station`` for a chief).
    account : geo.accounts.Account
        Who is logged in.

    Returns
    -------
    Scope
        ``admin`` and ``planner``: everything. ``officer``: the beats the account is bound
        to. ``chief``: the beats whose ``station`` (trimmed) is one of the account's
        stations; none when the beats have no ``station`` column. Any other role: the
        empty scope, never everything.

    Examples
    --------
    >>> b = pd.DataFrame({"beat_id": ["B1", "B2", "B3"], "station": ["S1", " S2", "S1"]})
    >>> sorted(account_scope(b, Account("li", "chief", (), ("S1",))).beats)
    ['B1', 'B3']
    >>> account_scope(b, Account("wang", "officer", ("B2",), ())).label
    'officer wang'
    >>> account_scope(b, Account("zhou", "planner", (), ())).is_everything
    True
    """
    _require(beats, ("beat_id",), "beats")
    label = f"{account.role} {account.username}"
    if account.role in ("admin", "planner"):
        return Scope.everything(label=label)
    if account.role == "officer":
        return Scope.for_beats(account.beats, label=label)
    if account.role == "chief" and "station" in beats.columns:
        station = beats["station"].astype("string").str.strip()
        mine = station.isin(list(account.stations)).fillna(False).to_numpy(dtype=bool)
        return Scope.for_beats(beats.loc[mine, "beat_id"], label=label)
    return Scope(frozenset(), label)


def restrict(analysis: Analysis, scope: Scope) -> Analysis:
    """Return the analysis cut down to the scope.

    Parameters
    ----------
    analysis : Analysis
        Output of :func:`analysis.pipeline.analyse`.
    scope : Scope
        What the user may see.

    Returns
    -------
    Analysis
        ``analysis`` itself for :meth:`Scope.everything`; otherwise a new Analysis whose
        tables hold only rows inside the scope (see the module docstring), each with a
        fresh ``RangeIndex``.

    Raises
    ------
    SchemaError
        When a table lacks the column the scope is applied by.
    """
    if scope.beats is None:
        return analysis
    _require(analysis.blocks, ("beat_id",), "blocks")
    _require(analysis.households, ("household_id", "beat_id"), "households")
    _require(analysis.visits, ("household_id",), "visits")
    _require(analysis.beats, ("beat_id",), "beats")
    _require(analysis.stations, ("station",), "stations")
    _require(analysis.officers, ("officer_id",), "officers")
    _require(analysis.trend, ("beat_id",), "trend")

    households = _keep(analysis.households, scope.contains(analysis.households["beat_id"]))
    seen = households["household_id"].astype("string")
    visits = _keep(analysis.visits, text_in(analysis.visits["household_id"], seen))
    beats = _keep(analysis.beats, scope.contains(analysis.beats["beat_id"]))
    stations = _nonblank(beats["station"]) if "station" in beats else pd.Series([])
    officers = officer_pairs(beats)["officer_id"]
    return dataclasses.replace(
        analysis,
        blocks=_keep(analysis.blocks, scope.contains(analysis.blocks["beat_id"])),
        households=households,
        visits=_unlink(visits),
        beats=beats,
        stations=_keep(
            analysis.stations,
            text_in(analysis.stations["station"], stations),
        ),
        officers=_keep(
            analysis.officers,
            text_in(analysis.officers["officer_id"], officers),
        ),
        trend=_keep(analysis.trend, scope.contains(analysis.trend["beat_id"])),
        topology=ValidationReport(list(analysis.topology.findings)),
        extras={},
    )


def restrict_dataset(
    dataset: Dataset,
    scope: Scope,
    *,
    household_beats: pd.Series | Mapping[str, Any],
) -> Dataset:
    """Return a raw canonical dataset cut down to the scope.

    Parameters
    ----------
    dataset : Dataset
        Canonical beats, households and visits.
    scope : Scope
        What the user may see.
    household_beats : pandas.Series or mapping
        Each household's beat, keyed by ``household_id`` (e.g. from :func:`household_beats`
        or ``Analysis.households.set_index("household_id")["beat_id"]``). Households not
        in it are outside every limited scope.

    Returns
    -------
    Dataset
        ``dataset`` itself for :meth:`Scope.everything`; otherwise a new Dataset with the
        scope's beats, the households placed in them, the visits of those households, an
        empty report, and the same time zone and name. Tables get a fresh ``RangeIndex``.
    """
    if scope.beats is None:
        return dataset
    _require(dataset.beats, ("beat_id",), "beats")
    _require(dataset.households, ("household_id",), "households")
    _require(dataset.visits, ("household_id",), "visits")
    mapping = pd.Series(household_beats, dtype=object)
    homes = dataset.households["household_id"].astype("string")
    beat_of = homes.map(
        pd.Series(mapping.to_numpy(), index=pd.Index(mapping.index).astype("string"))
    )
    households = _keep(dataset.households, scope.contains(beat_of))
    seen = households["household_id"].astype("string")
    visits = _keep(dataset.visits, text_in(dataset.visits["household_id"], seen))
    return dataclasses.replace(
        dataset,
        beats=_keep(dataset.beats, scope.contains(dataset.beats["beat_id"])),
        households=households,
        visits=_unlink(visits),
        report=ValidationReport(),
    )


def household_beats(households: gpd.GeoDataFrame, beats: gpd.GeoDataFrame) -> pd.Series:
    """Return each household's beat (the polygon holding it), keyed by ``household_id``.

    Same rule as the analysis (:func:`geo.joins.assign_points`): a point on a shared edge
    goes to the smallest beat id; households in no beat or without a location get ``<NA>``.
    """
    _require(households, ("household_id",), "households")
    beat = assign_points(households, beats, id_column="beat_id")
    index = pd.Index(households["household_id"].astype("string"), name="household_id")
    return pd.Series(beat.to_numpy(), index=index, name="beat_id")


def _nonblank(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text[text.fillna("") != ""]


def _unlink(visits: pd.DataFrame) -> pd.DataFrame:
    """Blank references to visits outside the scope (``previous_visit_id``, ``follow_up_of``).

    The referenced visit is not in the table, and its id would tell that the officer was
    somewhere outside the scope just before.
    """
    out = visits
    ids = visits["visit_id"].astype("string") if "visit_id" in visits else pd.Series([])
    for column in REFERENCE_COLUMNS:
        if column not in visits:
            continue
        refs = visits[column].astype("string").fillna("")
        outside = (refs != "").to_numpy(dtype=bool) & ~text_in(refs, ids)
        if outside.any():
            out = out.copy() if out is visits else out
            out.loc[outside, column] = ""
    return out


def _keep(frame: pd.DataFrame, mask: Any) -> Any:
    """Return the rows of ``frame`` where ``mask`` holds, with a fresh index."""
    keep = np.asarray(mask, dtype=bool)
    return frame.loc[keep].reset_index(drop=True)


def _require(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    require_columns(
        frame, columns, name=f"the {name} table", advice="so it cannot be limited to a scope"
    )

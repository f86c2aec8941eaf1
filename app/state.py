"""Cached access to datasets, streets and analyses (Streamlit caches live in ``app/`` only).

Every page gets its data from :func:`get_view` (or :func:`get_analysis`), which takes the
scope of the logged-in account (:mod:`app.shell`). The full analysis of a dataset and window is
computed once and shared; each scope's rows are cut from it by
:func:`analysis.scope.restrict` only, and the scoped result is cached under a key holding
the workspace, dataset id, window, settings, the chief's reviews **and scope** (Streamlit
caches are shared by every user, so a key without the scope would hand one officer's rows
to another).

Reviews
-------
A chief's decisions on flagged visits live in the workspace (:meth:`Workspace.reviews`,
kept per visit id) and every analysis is run with them. The cache key holds the decisions
about the dataset's own visits (:func:`review_key`), read afresh on every run: a decision
takes effect on the next run of any session, and decisions about other datasets' visits
do not cost this one a re-analysis.

Cached objects are shared between sessions, so no page may change them. Every frame and
graph a cache hands out is remembered (:func:`handed_out`, weakly: an evicted entry is
freed); the page tests fingerprint each of them when first handed out and again after the
page has run, and fail on any change.

Datasets
--------
The current dataset is the workspace's current one (folder from ``BEATCOV_WORKSPACE``,
else ``<repo>/workspace/``); with no current dataset the app shows the embedded demo
(id :data:`DEMO_ID`). Dataset ids are content hashes, so a cached dataset never goes stale.

Streets
-------
The blocks and the walk network come from the demo's OSM extract unless a streets file was
uploaded with the dataset (kept as ``<workspace>/streets/<dataset id><suffix>``). When the
streets' blocks miss the dataset's households (data from another city without a streets
file) the units are H3 cells of resolution
:data:`analysis.units.H3_FALLBACK_RESOLUTION`, visits are checked with straight-line
distances and the pages say so (:func:`unit_choice`; the rule is
:func:`analysis.units.choose_units`'s).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import inspect
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import pandas as pd
import streamlit as st

from analysis.pipeline import Analysis, analyse, default_window
from analysis.scope import Scope, account_scope, restrict, restrict_dataset
from analysis.stored import file_digest, read_analysis, result_key, write_analysis
from analysis.units import Units, choose_units
from analysis.upward_report import ReportFiles, build_report
from app.maps import SIMPLIFY_M
from geo.accounts import Account
from geo.audit import SYSTEM, Actor
from geo.demo import DEMO_FILES, load_demo
from geo.importer import Dataset
from geo.projection import project, to_wgs84
from geo.results import ResultStore
from geo.schema import officer_pairs
from geo.settings import DEFAULTS, Settings
from geo.streets import graph_frames, load_streets, street_lines
from geo.workspace import WORKSPACE_ENV as WORKSPACE_ENV  # re-exported: tests set it
from geo.workspace import Workspace, default_folder

DEMO_ID: Final = "demo"
"""Id of the embedded demo, shown while the workspace has no current dataset."""

Window = tuple[dt.date, dt.date]

ReviewKey = tuple[tuple[str, str], ...]
"""A dataset's review decisions as a cache key: sorted ``(visit_id, decision)`` pairs."""

_HANDED_OUT: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
"""Every frame and graph a shared cache has handed out and that is still alive, by id."""

HANDOUT_HOOKS: list[Callable[[Any], None]] = []
"""Called with each frame or graph a shared cache hands out (the page tests fingerprint)."""


def shared_cache(**options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return ``st.cache_resource`` with ``options``, remembering what it hands out.

    Streamlit hands the same cached object to every session. The frames and graphs inside
    each result (found through dataclass fields, tuples, lists and dicts) are remembered in
    :func:`handed_out` and passed to every hook in :data:`HANDOUT_HOOKS`, so a test can
    prove that no page changes them.

    The arguments are turned into one text key by :func:`fast_key` (settings by
    :func:`settings_key`, types in ``hash_funcs`` by their function) and Streamlit hashes
    only that text: its own hashing of every argument on every call was a fifth of a warm
    page's CPU. Parameters named with a leading ``_`` are left out of the key, as
    Streamlit does. Arguments of other types go through Streamlit's own hashing.
    """
    hash_funcs = {Settings: settings_key, **options.pop("hash_funcs", {})}

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        cached = st.cache_resource(show_spinner=False, hash_funcs=hash_funcs, **options)(func)
        names = list(inspect.signature(func).parameters)

        def by_key(key: str, _args: tuple[Any, ...], _kwargs: dict[str, Any]) -> Any:
            del key  # the cache key only
            return func(*_args, **_kwargs)

        # Streamlit names a function's cache by module, qualified name and source: this
        # wrapper's source is the same for every cached function, its name is not
        by_key.__module__ = func.__module__
        by_key.__qualname__ = f"{func.__qualname__}.<by key>"
        keyed = st.cache_resource(show_spinner=False, **options)(by_key)

        @functools.wraps(func)
        def hand_out(*args: Any, **kwargs: Any) -> Any:
            try:
                if len(args) > len(names):
                    raise NoFastKey("*args")
                named = [*zip(names, args, strict=False), *sorted(kwargs.items())]
                key = fast_key(
                    [(n, a) for n, a in named if not n.startswith("_")], hash_funcs=hash_funcs
                )
            except NoFastKey:
                value = cached(*args, **kwargs)
            else:
                # by keyword: Streamlit names positional arguments by reading the function's
                # signature on every call (a third of a cached call's time)
                value = keyed(key=key, _args=args, _kwargs=kwargs)
            for part in _shared_parts(value):
                _HANDED_OUT[id(part)] = part
                for hook in HANDOUT_HOOKS:
                    hook(part)
            return value

        return hand_out

    return decorate


class NoFastKey(Exception):
    """An argument has no exact text key (:func:`fast_key`): Streamlit hashes it instead."""


_PLAIN: Final = frozenset({type(None), bool, int, float, str, bytes, dt.date, dt.datetime})
"""Types whose ``repr`` names their value exactly (``pd.Timestamp`` is a ``datetime``)."""


def fast_key(value: Any, *, hash_funcs: dict[Any, Callable[[Any], Any]]) -> str:
    """Return a text that names ``value`` exactly, for a cache key.

    Plain values by type and ``repr``; tuples and lists item by item; a type in
    ``hash_funcs`` by what its function returns. Anything else raises :class:`NoFastKey`.

    Examples
    --------
    >>> fast_key([("a", 1), ("b", dt.date(2026, 7, 1))], hash_funcs={})
    "list(tuple(str:'a',int:1),tuple(str:'b',date:datetime.date(2026, 7, 1)))"
    >>> fast_key(1, hash_funcs={}) == fast_key(True, hash_funcs={})
    False
    >>> fast_key(pd.Timestamp("2026-07-01", tz="UTC"), hash_funcs={})
    "Timestamp:Timestamp('2026-07-01 00:00:00+0000', tz='UTC')"
    >>> fast_key({"a": 1}, hash_funcs={})
    Traceback (most recent call last):
    ...
    app.state.NoFastKey: dict
    """
    kind = type(value)
    if kind in hash_funcs:
        return f"{kind.__qualname__}({fast_key(hash_funcs[kind](value), hash_funcs={})})"
    if kind in _PLAIN or kind is pd.Timestamp:
        return f"{kind.__name__}:{value!r}"
    if kind is tuple or kind is list:
        items = ",".join(fast_key(item, hash_funcs=hash_funcs) for item in value)
        return f"{kind.__name__}({items})"
    raise NoFastKey(kind.__name__)


@functools.lru_cache(maxsize=64)
def settings_key(settings: Settings) -> str:
    """Return a short text that names ``settings`` in cache keys (made once per settings).

    Streamlit would otherwise hash every field of the frozen dataclass on each cached call.

    Examples
    --------
    >>> settings_key(DEFAULTS) == settings_key(DEFAULTS.replace())
    True
    >>> settings_key(DEFAULTS) == settings_key(DEFAULTS.replace(timezone="Asia/Urumqi"))
    False
    """
    return hashlib.sha256(repr(settings).encode()).hexdigest()


def handed_out() -> list[Any]:
    """Return the frames and graphs the shared caches have handed out that are still alive."""
    return list(_HANDED_OUT.values())


def _shared_parts(value: Any) -> list[Any]:
    """Return the pandas objects and graphs in ``value`` (not the workspace handle)."""
    if isinstance(value, pd.DataFrame | pd.Series | nx.Graph):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [getattr(value, f.name) for f in dataclasses.fields(value)]
        return [part for field in fields for part in _shared_parts(field)]
    if isinstance(value, tuple | list):
        return [part for item in value for part in _shared_parts(item)]
    if isinstance(value, dict):
        return [part for item in value.values() for part in _shared_parts(item)]
    return []


@dataclass(frozen=True)
class DatasetRef:
    """Which dataset: the workspace folder and the dataset id (``"demo"`` for the demo)."""

    folder: str
    dataset_id: str


@dataclass(frozen=True)
class View:
    """What a page may see: the analysis restricted to a scope, with the records behind it.

    Attributes
    ----------
    analysis : Analysis
        The restricted analysis (every table holds in-scope rows only).
    households : GeoDataFrame
        ``analysis.households`` with the imported ``address``, ``residents``,
        ``vulnerable_category`` and the household point.
    visits : GeoDataFrame
        ``analysis.visits`` with the imported ``time``, ``outcome``, ``duration_min``,
        ``issue_raised``, ``follow_up_of``, ``satisfaction``, ``note`` and the GPS point
        (may be empty).
    beats : GeoDataFrame
        ``analysis.beats`` with the beat polygons.
    """

    analysis: Analysis
    households: gpd.GeoDataFrame
    visits: gpd.GeoDataFrame
    beats: gpd.GeoDataFrame


# --------------------------------------------------------------------- workspace & datasets


def workspace_folder() -> Path:
    """Return the workspace folder: ``$BEATCOV_WORKSPACE`` or ``<repo>/workspace``."""
    return default_folder()


@shared_cache()
def _workspace(folder: str) -> Workspace:
    return Workspace(Path(folder))


def workspace() -> Workspace:
    """Return the workspace (opened once per folder; it opens a connection per call)."""
    return _workspace(str(workspace_folder()))


DEMO_REF: Final = DatasetRef("", DEMO_ID)
"""The embedded demo (it belongs to no workspace, so its caches serve every workspace)."""


def current_ref() -> DatasetRef:
    """Return the current dataset: the workspace's current one, else the demo."""
    dataset_id = workspace().current_id()
    return DEMO_REF if dataset_id is None else DatasetRef(str(workspace_folder()), dataset_id)


@shared_cache()
def demo_dataset() -> Dataset:
    """Return the embedded demo (cached, read-only)."""
    return load_demo()


@shared_cache(max_entries=8)
def _dataset(folder: str, dataset_id: str) -> Dataset:
    if dataset_id == DEMO_ID:
        return demo_dataset()
    return _workspace(folder).load(dataset_id)


def dataset(ref: DatasetRef | None = None) -> Dataset:
    """Return a dataset (default the current one); cached, read-only."""
    chosen = ref or current_ref()
    return _dataset(chosen.folder, chosen.dataset_id)


def current_dataset() -> Dataset:
    """Return the dataset the app is showing."""
    return dataset()


def settings_for(data: Dataset) -> Settings:
    """Return the settings for a dataset: the defaults in the dataset's own time zone."""
    return DEFAULTS.replace(timezone=data.timezone)


def data_window(data: Dataset) -> Window:
    """Return the dataset's span: first and last local day of its visits."""
    first, last = default_window(data.visits)
    return first, last


def window_of(ref: DatasetRef) -> Window:
    """Return a dataset's span (:func:`data_window`), found once per dataset (cached).

    Dataset ids are content hashes, so the span of an id never changes; every page run's
    sidebar asks for it.
    """
    return _window_of(ref.folder, ref.dataset_id)


@shared_cache(max_entries=8)
def _window_of(folder: str, dataset_id: str) -> Window:
    return data_window(_dataset(folder, dataset_id))


def scope_of(ref: DatasetRef, account: Account) -> Scope:
    """Return what ``account`` may see of a dataset (:func:`analysis.scope.account_scope`).

    Cached per dataset and per every field of the account that ``account_scope`` reads
    (username, role, beats, stations): a changed binding is another entry, and no account
    gets another's scope. Every page run's sidebar asks for it.
    """
    return _scope_of(
        ref.folder,
        ref.dataset_id,
        account.username,
        account.role,
        account.beats,
        account.stations,
        account,
    )


@shared_cache(max_entries=256)
def _scope_of(
    folder: str,
    dataset_id: str,
    username: str,
    role: str,
    beats: tuple[str, ...],
    stations: tuple[str, ...],
    _account: Account,
) -> Scope:
    del username, role, beats, stations  # the key: what account_scope reads of _account
    return account_scope(_dataset(folder, dataset_id).beats, _account)


def previous_window(window: Window) -> Window:
    """Return the period of equal length just before ``window`` (days inclusive).

    Examples
    --------
    >>> previous_window((dt.date(2026, 7, 11), dt.date(2026, 7, 20)))
    (datetime.date(2026, 7, 1), datetime.date(2026, 7, 10))
    """
    start, end = window
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


# --------------------------------------------------------------------- streets and units


def streets_file(ref: DatasetRef) -> Path:
    """Return the street file of a dataset: its uploaded one, else the demo extract."""
    kept = _workspace(ref.folder).streets_file(ref.dataset_id) if ref.folder else None
    return kept if kept is not None else Path(DEMO_FILES["streets"])


@shared_cache(max_entries=8)
def street_graph(path: str, network_type: str) -> nx.MultiDiGraph:
    """Return the street graph of a local file (GraphML-cached by :mod:`geo.streets`)."""
    return load_streets(path, network_type=network_type)


@shared_cache(max_entries=8)
def street_edges(path: str, network_type: str) -> gpd.GeoDataFrame:
    """Return the street edges of a file as a frame (the base layer of every map)."""
    return graph_frames(street_graph(path, network_type))[1]


@shared_cache(max_entries=8)
def _units(folder: str, dataset_id: str, settings: Settings) -> Units:
    ref = DatasetRef(folder, dataset_id)
    data = _dataset(folder, dataset_id)
    graph = street_graph(str(streets_file(ref)), settings.network_type)
    # the app's streets are the demo's unless a file came with the data: fall back, say so
    return choose_units(
        data.beats, data.households, streets=graph, fallback=True, settings=settings
    )


def units(ref: DatasetRef, settings: Settings) -> gpd.GeoDataFrame:
    """Return the analysis units of a dataset: street blocks, or H3 cells as fallback."""
    return _units(ref.folder, ref.dataset_id, settings).frame


def unit_choice(ref: DatasetRef, settings: Settings) -> Units:
    """Return how a dataset's units were chosen (:func:`analysis.units.choose_units`).

    ``unit_choice(...).fallback`` tells pages to say that the units are H3 cells.
    """
    return _units(ref.folder, ref.dataset_id, settings)


def streets_cover(ref: DatasetRef, settings: Settings) -> bool:
    """Tell whether the dataset's streets reach its households (else units are H3 cells)."""
    return not _units(ref.folder, ref.dataset_id, settings).fallback


@dataclass(frozen=True)
class MapShapes:
    """Geometry for maps, simplified once per dataset (projecting is slow; maps are not).

    Attributes
    ----------
    edges : GeoSeries
        The street lines, simplified, WGS84.
    blocks : GeoSeries
        Unit polygons by ``block_id``, simplified, WGS84.
    beats : GeoSeries
        Beat polygons by ``beat_id``, simplified, WGS84.
    """

    edges: gpd.GeoSeries
    blocks: gpd.GeoSeries
    beats: gpd.GeoSeries


def _simplified(geometry: gpd.GeoSeries, tolerance_m: float) -> gpd.GeoSeries:
    if geometry.empty:
        return to_wgs84(geometry)
    return to_wgs84(project(geometry).simplify(tolerance_m, preserve_topology=True))


@shared_cache(max_entries=8)
def _map_shapes(folder: str, dataset_id: str, settings: Settings) -> MapShapes:
    ref = DatasetRef(folder, dataset_id)
    edges = street_edges(str(streets_file(ref)), settings.network_type)
    chosen = _units(folder, dataset_id, settings)
    beats = _dataset(folder, dataset_id).beats
    lines = edges.geometry.iloc[0:0] if chosen.fallback else edges.geometry  # far: no streets
    return MapShapes(
        edges=_simplified(lines, SIMPLIFY_M),
        blocks=_simplified(chosen.frame.set_index("block_id").geometry, SIMPLIFY_M),
        beats=_simplified(beats.set_index("beat_id").geometry, SIMPLIFY_M),
    )


def map_shapes(ref: DatasetRef, settings: Settings) -> MapShapes:
    """Return a dataset's streets, blocks and beats simplified for maps (cached)."""
    return _map_shapes(ref.folder, ref.dataset_id, settings)


# --------------------------------------------------------------------- reviews


@shared_cache(max_entries=8)
def _visit_ids(folder: str, dataset_id: str) -> frozenset[str]:
    return frozenset(_dataset(folder, dataset_id).visits["visit_id"].astype(str))


def review_log() -> pd.DataFrame:
    """Return every decision stored in the workspace (see :meth:`Workspace.reviews`).

    Cached and read-only: read again whenever the workspace's
    :meth:`~Workspace.reviews_version` has changed (one small query otherwise), as
    :func:`review_key` does, so a decision made in any session is seen on the next run.
    """
    folder = str(workspace_folder())
    return _review_log(folder, _workspace(folder).reviews_version())


@shared_cache(max_entries=32)
def _review_log(folder: str, version: int) -> pd.DataFrame:
    del version  # the cache key only: the decisions as of that version
    return _workspace(folder).reviews()


def review_key(ref: DatasetRef | None = None) -> ReviewKey:
    """Return the decisions about a dataset's visits (default the current one), sorted.

    Checked against the workspace on every call, so a decision made in any session is seen
    on the next run: the decisions are read again whenever the workspace's
    :meth:`~Workspace.reviews_version` has changed (one small query otherwise). Every
    dataset, the demo included, takes its decisions from the workspace folder the app runs
    on.
    """
    chosen = ref or current_ref()
    folder = str(workspace_folder())
    version = _workspace(folder).reviews_version()
    return _review_key(folder, version, chosen.folder, chosen.dataset_id)


@shared_cache(max_entries=32)
def _review_key(folder: str, version: int, data_folder: str, dataset_id: str) -> ReviewKey:
    log = _review_log(folder, version)
    mine = log[log["visit_id"].isin(_visit_ids(data_folder, dataset_id))]
    return tuple(sorted(zip(mine["visit_id"], mine["decision"], strict=True)))


def record_review(visit_id: str, decision: str, *, reviewer: str, actor: Actor = SYSTEM) -> None:
    """Store a decision in the workspace with its audit row (the caller checks who decides)."""
    workspace().record_review(visit_id, decision, reviewer=reviewer, actor=actor)


def withdraw_review(visit_id: str, *, actor: Actor = SYSTEM) -> None:
    """Remove the decision on a visit from the workspace (audited)."""
    workspace().withdraw_review(visit_id, actor=actor)


# --------------------------------------------------------------------- analyses


STAGES: Final = ("reading", "streets", "verifying", "coverage", "storing")
"""The stages of an analysis that is not stored yet, in order (:func:`prepare`)."""

_STEP_STAGE: Final = {
    "placing blocks and households": "streets",
    "verifying visits": "verifying",
}
"""The stage of each step label of :func:`analysis.pipeline.analyse` (the rest: coverage)."""

_HELD: set[str] = set()
"""Keys of the analyses this process has computed or read (its caches hold them)."""

_HANDED: dict[str, Analysis] = {}
"""Analyses :func:`prepare` computed, until the shared cache takes them (by key)."""

_PREPARING: dict[str, threading.Lock] = {}
_PREPARING_LOCK: Final = threading.Lock()


def results(ref: DatasetRef) -> ResultStore:
    """Return the stored analysis results of a dataset's workspace (:mod:`geo.results`).

    The demo belongs to no workspace: its results are kept in the one the app runs on.
    """
    return ResultStore(Path(ref.folder) if ref.folder else workspace_folder())


def analysis_key(ref: DatasetRef, window: Window, settings: Settings, reviews: ReviewKey) -> str:
    """Return the stored-result key of an analysis (:func:`analysis.stored.result_key`).

    The street file's digest is looked up on every call (it is remembered per path, size
    and modification time); the key made from it is remembered per input, as every page
    run asks for it (:func:`is_ready`).
    """
    streets = file_digest(streets_file(ref))
    return _result_key(ref.dataset_id, streets, tuple(window), settings, tuple(reviews))


@functools.lru_cache(maxsize=256)
def _result_key(
    dataset_id: str, streets: str, window: Window, settings: Settings, reviews: ReviewKey
) -> str:
    return result_key(
        dataset_id=dataset_id, streets=streets, window=window, settings=settings, reviews=reviews
    )


def is_ready(ref: DatasetRef, window: Window, settings: Settings) -> bool:
    """Tell whether an analysis (with today's decisions) needs no computing.

    It needs none when this process holds it or the workspace has it stored; then no
    progress bar is shown.
    """
    return _at_hand(ref, analysis_key(ref, window, settings, review_key(ref)))


def _at_hand(ref: DatasetRef, key: str) -> bool:
    """Tell whether the analysis ``key`` is held, handed over or stored (no computing)."""
    return key in _HELD or key in _HANDED or results(ref).path(ref.dataset_id, key).is_file()


def prepare(
    ref: DatasetRef,
    window: Window,
    settings: Settings,
    *,
    progress: Callable[[str], None] | None = None,
) -> bool:
    """Compute and store the analysis of a dataset and window unless it is stored already.

    Sessions asking for the same analysis at once wait for one computation. ``progress`` is
    called with each stage of :data:`STAGES` as it starts (the pages' progress bar); it is
    never called when the result is stored. Returns whether it computed.
    """
    reviews = review_key(ref)
    key = analysis_key(ref, window, settings, reviews)
    with _computing(key):
        if _at_hand(ref, key):
            return False
        # handed to the cache's next call, which would otherwise read it back from disk (or
        # compute it again where it could not be stored)
        _HANDED[key] = _compute(
            ref, window, settings, reviews, key=key, progress=progress or _quiet
        )
        return True


def _compute(
    ref: DatasetRef,
    window: Window,
    settings: Settings,
    reviews: ReviewKey,
    *,
    key: str,
    progress: Callable[[str], None],
) -> Analysis:
    """Run the analysis and store it (a store that cannot be written is only skipped)."""
    progress("reading")
    data = _dataset(ref.folder, ref.dataset_id)
    progress("streets")
    chosen = _units(ref.folder, ref.dataset_id, settings)
    # streets that do not reach the beats would measure walks across the world
    walk = None if chosen.fallback else street_graph(str(streets_file(ref)), "walk")
    decisions = pd.DataFrame(list(reviews), columns=["visit_id", "decision"], dtype=object)
    result = analyse(
        data.beats,
        data.households,
        data.visits,
        units=chosen.frame,
        walk_graph=walk,
        reviews=decisions if len(decisions) else None,
        start=window[0],
        end=window[1],
        settings=settings,
        progress=lambda step: progress(_STEP_STAGE.get(step, "coverage")),
    )
    progress("storing")
    # a full or read-only disk, or a table Parquet cannot hold, costs speed, not the page
    with contextlib.suppress(OSError, ValueError, TypeError):
        write_analysis(results(ref), ref.dataset_id, key, result)
    return result


@shared_cache(max_entries=16)
def _full_analysis(
    folder: str,
    dataset_id: str,
    start: dt.date,
    end: dt.date,
    settings: Settings,
    reviews: ReviewKey,
) -> Analysis:
    ref = DatasetRef(folder, dataset_id)
    key = analysis_key(ref, (start, end), settings, reviews)
    with _computing(key):
        result = _HANDED.pop(key, None)
        if result is None:
            result = read_analysis(results(ref), dataset_id, key)
        if result is None:
            result = _compute(ref, (start, end), settings, reviews, key=key, progress=_quiet)
    _HELD.add(key)
    return result


def _quiet(_stage: str) -> None:
    """Report no stage (an analysis computed without a progress bar)."""


@contextlib.contextmanager
def _computing(key: str) -> Iterator[None]:
    """Hold the lock of one analysis key: one session computes it, the others then read it."""
    with _PREPARING_LOCK:
        lock = _PREPARING.setdefault(key, threading.Lock())
    with lock:
        yield


def scope_key(scope: Scope) -> tuple[str, ...]:
    """Return the cache key of a scope: every beat it holds, sorted (or ``("*",)`` for all).

    Examples
    --------
    >>> scope_key(Scope.for_beats(["B2", "B1"])), scope_key(Scope.everything())
    (('beats', 'B1', 'B2'), ('*',))
    """
    if scope.beats is None:
        return ("*",)
    return ("beats", *sorted(scope.beats))


_SCOPE_HASH: Final[dict[str | type[Any], Callable[[Any], Any]]] = {Scope: scope_key}


@shared_cache(max_entries=64, hash_funcs=_SCOPE_HASH)
def _scoped_analysis(
    folder: str,
    dataset_id: str,
    start: dt.date,
    end: dt.date,
    settings: Settings,
    reviews: ReviewKey,
    scope: Scope,
) -> Analysis:
    # the key holds the scope: one officer's cached rows never reach another
    return restrict(_full_analysis(folder, dataset_id, start, end, settings, reviews), scope)


def get_analysis(
    scope: Scope, window: Window, settings: Settings, *, ref: DatasetRef | None = None
) -> Analysis:
    """Return the analysis of the current dataset for ``window``, restricted to ``scope``.

    Run with the workspace's review decisions; cached per (workspace, dataset id, window,
    settings, decisions, scope); read-only.
    """
    chosen = ref or current_ref()
    start, end = window
    reviews = review_key(chosen)
    return _scoped_analysis(chosen.folder, chosen.dataset_id, start, end, settings, reviews, scope)


@shared_cache(max_entries=64, hash_funcs=_SCOPE_HASH)
def _scoped_view(
    folder: str,
    dataset_id: str,
    start: dt.date,
    end: dt.date,
    settings: Settings,
    reviews: ReviewKey,
    scope: Scope,
) -> View:
    result = _scoped_analysis(folder, dataset_id, start, end, settings, reviews, scope)
    return build_view(result, _dataset(folder, dataset_id), scope)


def get_view(
    scope: Scope, window: Window, settings: Settings, *, ref: DatasetRef | None = None
) -> View:
    """Return the restricted analysis with its records (see :class:`View`); cached, read-only.

    Like :func:`get_analysis`, run with the workspace's review decisions.
    """
    chosen = ref or current_ref()
    start, end = window
    reviews = review_key(chosen)
    return _scoped_view(chosen.folder, chosen.dataset_id, start, end, settings, reviews, scope)


@shared_cache(max_entries=8, hash_funcs=_SCOPE_HASH)
def _upward_report(
    folder: str,
    dataset_id: str,
    start: dt.date,
    end: dt.date,
    settings: Settings,
    reviews: ReviewKey,
    scope: Scope,
    lang: str,
    name: str,
) -> ReportFiles:
    before = previous_window((start, end))
    now = _scoped_view(folder, dataset_id, start, end, settings, reviews, scope)
    previous = _scoped_view(folder, dataset_id, *before, settings, reviews, scope)
    path = streets_file(DatasetRef(folder, dataset_id))
    streets = street_lines(street_graph(str(path), settings.network_type))
    return build_report(
        now.analysis,
        previous.analysis,
        visits=now.visits,
        lang=lang,
        dataset=name,
        streets=streets,
        settings=settings,
    )


def upward_report(
    scope: Scope,
    window: Window,
    settings: Settings,
    *,
    lang: str,
    name: str,
    ref: DatasetRef | None = None,
) -> ReportFiles:
    """Return the upward report (PDF and Excel by station) of what ``scope`` may see.

    The same report as ``python -m analysis report`` (:func:`build_report`), over the
    window and the previous period of equal length; cached per (dataset, window, settings,
    decisions, scope, language), so its two downloads make it once.
    """
    chosen = ref or current_ref()
    start, end = window
    reviews = review_key(chosen)
    return _upward_report(
        chosen.folder, chosen.dataset_id, start, end, settings, reviews, scope, lang, name
    )


def build_view(result: Analysis, data: Dataset, scope: Scope) -> View:
    """Join a restricted analysis to the imported records of the same scope.

    The records are cut by :func:`analysis.scope.restrict_dataset` with the households'
    beats from the restricted analysis, so they never reach beyond the scope.
    """
    beat_of = result.households.set_index("household_id")["beat_id"]
    records = restrict_dataset(data, scope, household_beats=beat_of)
    homes = records.households.rename(columns={"vulnerable": "vulnerable_category"})
    extra = ["household_id", "address", "residents", "vulnerable_category", "geometry"]
    households = result.households.merge(
        homes[[c for c in extra if c in homes.columns]], on="household_id", how="inner"
    )
    households = gpd.GeoDataFrame(households, geometry="geometry", crs=data.households.crs)
    logged = ["visit_id", "time", "outcome", "duration_min", "issue_raised", "note"]
    logged += ["follow_up_of", "satisfaction", "geometry"]
    logged = [c for c in logged if c == "visit_id" or c not in result.visits.columns]
    visits = result.visits.merge(
        records.visits[[c for c in logged if c in records.visits.columns]],
        on="visit_id",
        how="inner",
    )
    visits = gpd.GeoDataFrame(visits, geometry="geometry", crs=data.visits.crs)
    beats = records.beats[["beat_id", "geometry"]].merge(result.beats, on="beat_id", how="inner")
    return View(analysis=result, households=households, visits=visits, beats=beats)


def officer_ids(data: Dataset) -> list[str]:
    """Return every officer id named in the beats' ``officer_ids``, sorted."""
    return sorted(set(officer_pairs(data.beats)["officer_id"]))


def warm_up() -> None:
    """Prepare what the first page asks for: the current dataset over its whole span.

    Its analysis and that of the period before it (Overview's changes) are computed and
    stored unless stored already, then held in memory with every beat's view and the map
    shapes. Called once by the server at start (:mod:`app.serve`), in a thread of its own.
    """
    ref = current_ref()
    data = dataset(ref)
    settings = settings_for(data)
    window = data_window(data)
    for chosen in (window, previous_window(window)):
        prepare(ref, chosen, settings)
        get_view(Scope.everything(), chosen, settings, ref=ref)
    map_shapes(ref, settings)

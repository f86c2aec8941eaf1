"""The Dask engine: ``coverage --engine dask`` verifies the visits on a Dask cluster.

The single-process run (``--engine local``) stays the reference: with ``--engine dask`` the
five outputs are the same bytes, in CSV and in Parquet. This module decides what runs on
the workers, cuts the data so that every computation sees exactly what it sees in one
process, and puts the pieces back together.

What runs where
---------------
Each step of :func:`analysis.pipeline.analyse` was sorted by what it depends on:

* **Verifying visits** runs on the workers, in parts. Every flag of
  :mod:`analysis.verify` reads either one visit (door distance, GPS, too short, no GPS, a
  chief's review) or one officer's own sequence of logs (shifts, travel, desk jobs,
  one-spot bursts, duplicates: each compares an officer's logs with that officer's other
  logs only). So the partition key is the officer: every officer's visits go whole into
  one part (visits without an officer, which no sequence check reads, form one group of
  their own), and parts are balanced by their number of visits
  (:func:`officer_parts`). An officer works a beat, so officer parts are in practice
  spatial; a part by station or beat would not be exact, as an officer may log visits in
  several beats or stations, and the travel between them is part of the evidence.
* Three things in :func:`analysis.verify.verify_visits` are global, and each part is
  given them whole rather than its own share: the **households** (the metric CRS is the
  local UTM of all of them, and the walk network is judged credible from the share of all
  households it snaps), sent once to every worker; the **minutes' origin**, the earliest
  log of all (``origin=``), so each part's minutes are the same floats; and the **shift
  numbers**, which count shifts over all officers in the order the officers first appear:
  the client renumbers each part's shifts into that order (:func:`renumber_shifts`).
  Rows come back in the visits' own order (by position).
* **Reading inputs** stays on the client: the importer validates whole columns (the day
  order told from a whole column, repeated ids, coordinate mix-ups, findings by file row),
  and a part of a file read alone would be refused, or admitted, differently.
* **Placing households, household status, summaries, gaps, bands, trend and writing**
  stay on the client, on the reassembled tables. They are group-bys over households,
  blocks, beats and officers whose float sums depend on the order of their rows, a
  block's beat and gaps prior need all of a beat's blocks, time-of-day advice falls back
  from block to beat to all visits, follow-ups may point at another household's visit,
  and a CSV file quotes every text cell when any cell needs it: partial results would
  need a reduce that reorders floats or rereads the whole. They cost a few seconds per
  million visits; verification, with the walk network, costs the most after reading.

The cluster
-----------
Without ``scheduler``, :class:`DaskEngine` starts a ``LocalCluster`` of ``workers``
processes (default :data:`LOCAL_WORKERS`), one thread each, listening on 127.0.0.1 only,
with no dashboard and its logs below errors silenced; it is closed when the run ends.
With ``scheduler`` (``tcp://host:8786``) it connects to a running cluster, whose workers
must import the same beatcov (installed, or the repository on their ``PYTHONPATH``); a
scheduler that does not answer within :data:`CONNECT_TIMEOUT_S` seconds, or has no
workers, is a :class:`ClusterError` naming the address. Dask is imported only when an
engine starts, so the command line's start-up does not pay for it. Nothing is sent to
the internet: Dask has no telemetry, and no dashboard is served.

Parts: :data:`PARTS_PER_WORKER` per worker. Each part pays a fixed cost (projecting all
households and snapping them to the walk network: about 0.5 CPU-s per 200,000 households),
and the parts are already balanced by visits, so more parts would only cost more. A part
travels lean (:func:`_lean`): only the columns verification reads, and GPS points as their
x and y (rebuilt as points on the worker; GPS columns travel as they are, and verification
reads them without points), since pickling a shapely point costs 20 times its two floats;
parts whose GPS holds anything but points travel as they are, so a bad geometry is refused
on the worker (its row counted within the part; the importer refuses such files before).
Each worker holds one copy of the households and the walk network, plus its part's visits
and their results.
"""

from __future__ import annotations

import heapq
import logging
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pandas.api.types import union_categoricals

from analysis.rules import visit_times
from analysis.verify import verify_visits
from geo.errors import BeatcovError, SchemaError
from geo.schema import GPS_COLUMNS, points_xy
from geo.settings import Settings

if TYPE_CHECKING:
    import networkx as nx
    from distributed import Client, LocalCluster

IntArray = npt.NDArray[np.int64]

LOCAL_WORKERS: Final = 2
"""Worker processes of the local cluster started when no scheduler is given."""
CONNECT_TIMEOUT_S: Final = 10.0
"""Seconds to wait for a scheduler to answer, and for it to have a worker."""
PARTS_PER_WORKER: Final = 1
"""Parts of the visits per worker."""
VERIFY_COLUMNS: Final = (
    "visit_id",
    "household_id",
    "officer_id",
    "time",
    "outcome",
    "duration_min",
)
"""The visits' columns :func:`analysis.verify.verify_visits` reads, besides the GPS point."""


class ClusterError(BeatcovError):
    """The Dask cluster cannot be reached, has no workers, or lost one mid-run."""


def officer_parts(officer_ids: pd.Series, *, parts: int) -> IntArray:
    """Return each visit's part: every officer whole in one part, parts balanced by visits.

    The officers (visits without one: one group) are taken largest first, ties in the
    order they first appear, each into the part with the fewest visits so far (the
    lowest-numbered among equals). Deterministic: the same visits give the same parts.

    Parameters
    ----------
    officer_ids : pandas.Series
        Each visit's officer id (missing: none).
    parts : int
        Number of parts, at least 1; some stay empty when there are fewer officers.

    Returns
    -------
    numpy.ndarray of int
        The part (0 to ``parts - 1``) of each visit, in the visits' order.

    Examples
    --------
    Officer ``a`` has 5 visits, ``b`` 3, ``c`` 2, and one visit has no officer: ``a`` goes
    to part 0, ``b`` to part 1, ``c`` to part 1 (3 < 5), the officer-less visit to part 0
    (5 = 5: the lower part).

    >>> ids = pd.Series(["a", "b", "a", "c", None, "a", "b", "c", "a", "b", "a"])
    >>> officer_parts(ids, parts=2).tolist()
    [0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0]
    """
    if parts < 1:
        msg = f"parts must be at least 1, got {parts}"
        raise ValueError(msg)
    codes = pd.factorize(officer_ids, use_na_sentinel=False)[0].astype(np.int64)
    sizes = np.bincount(codes) if len(codes) else np.zeros(0, np.int64)
    part_of = np.zeros(len(sizes), dtype=np.int64)
    loads = [(0, part) for part in range(parts)]
    for group in np.argsort(-sizes, kind="stable"):
        load, part = heapq.heappop(loads)
        part_of[group] = part
        heapq.heappush(loads, (load + int(sizes[group]), part))
    return part_of[codes]


def renumber_shifts(officer_ids: pd.Series, part: IntArray, shift: IntArray) -> IntArray:
    """Return the shift numbers one run over all visits gives, from each part's own.

    :func:`analysis.travel.shifts` numbers shifts 0, 1, ... by officer, in the order the
    officers first appear, then by time. Each part numbers its own officers' shifts so;
    as an officer is whole in one part, the pair (part, shift) names one officer's shift,
    and ranking the pairs by (the officer's first appearance overall, shift) gives the
    numbers of the single run. ``-1`` (no shift) stays.

    Examples
    --------
    Officers ``x`` and ``y`` first appear in that order. Part 1 holds ``x`` (shifts 0, 1),
    part 0 holds ``y`` (shift 0): one run numbers ``x``'s shifts 0 and 1 and ``y``'s 2.

    >>> ids = pd.Series(["x", "y", "x", "x", None])
    >>> renumber_shifts(ids, np.array([1, 0, 1, 1, 0]), np.array([0, 0, 0, 1, -1])).tolist()
    [0, 2, 0, 1, -1]
    """
    out = np.asarray(shift, dtype=np.int64).copy()
    has = out >= 0
    if not has.any():
        return out
    code = pd.factorize(officer_ids)[0].astype(np.int64)[has]
    local = out[has]
    key = np.asarray(part, dtype=np.int64)[has] * (int(local.max()) + 1) + local
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.lexsort((local[first], code[first]))] = np.arange(len(first))
    out[has] = rank[inverse.ravel()]
    return out


Lean = tuple[pd.DataFrame, npt.NDArray[np.float64], npt.NDArray[np.float64], Any]
"""A part in transit: the columns verification reads, GPS x, GPS y and their CRS."""


def _lean(visits: pd.DataFrame) -> Lean | pd.DataFrame:
    """Return ``visits`` as it travels to a worker (see the module notes), or as it is.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> part = gpd.GeoDataFrame({"visit_id": ["v1", "v2"], "note": ["", ""]},
    ...                         geometry=[Point(118.5, 32.0), None], crs="EPSG:4326")
    >>> frame, x, y, crs = _lean(part)
    >>> list(frame.columns), x.tolist()[0], bool(np.isnan(y[1])), crs.to_epsg()
    (['visit_id'], 118.5, True, 4326)
    >>> _unpack((frame, x, y, crs)).geometry.tolist()[1] is None
    True
    >>> columns = pd.DataFrame({"visit_id": ["v1"], "note": [""], "gps_lon": [118.5],
    ...                         "gps_lat": [32.0]})
    >>> list(_unpack(_lean(columns)).columns)
    ['visit_id', 'gps_lon', 'gps_lat']
    """
    columns = [c for c in VERIFY_COLUMNS if c in visits.columns]
    if all(c in visits.columns for c in GPS_COLUMNS) and (
        getattr(visits, "active_geometry_name", None) is None
    ):  # the GPS as two columns already (``load_dataset(visit_points=False)``)
        return pd.DataFrame(visits[[*columns, *GPS_COLUMNS]])
    if not isinstance(visits, gpd.GeoDataFrame) or visits.active_geometry_name is None:
        return visits
    try:
        x, y = points_xy(visits.geometry, table="visits")
    except SchemaError:  # not all points: the part travels as it is, refused on the worker
        return visits
    return pd.DataFrame(visits[columns]), x, y, visits.crs


def _unpack(part: Lean | pd.DataFrame) -> pd.DataFrame:
    """Return a part as :func:`analysis.verify.verify_visits` reads it (on the worker)."""
    if isinstance(part, pd.DataFrame):
        return part
    frame, x, y, crs = part
    points = np.full(len(frame), None, dtype=object)
    located = ~(np.isnan(x) | np.isnan(y))
    points[located] = shapely.points(x[located], y[located])
    return gpd.GeoDataFrame(frame, geometry=points, crs=crs)


def _verify_part(
    part: Lean | pd.DataFrame,
    households: gpd.GeoDataFrame,
    graph: nx.MultiDiGraph | None,
    *,
    reviews: pd.DataFrame | None,
    settings: Settings | None,
    origin: pd.Timestamp | None,
) -> pd.DataFrame:
    """Verify one part's visits on a worker (all households, the common origin)."""
    return verify_visits(
        _unpack(part), households, graph=graph, reviews=reviews, settings=settings, origin=origin
    )


class DaskEngine:
    """A Dask cluster that verifies visits in parts; use it as a context manager.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); default: start a local
        cluster of ``workers`` processes.
    workers : int
        Worker processes of the local cluster (not used with ``scheduler``).
    processes : bool
        Local workers as processes (default, as users run it) or threads of this process.
    timeout_s : float, optional
        Seconds to wait for the scheduler to answer and to have a worker (default
        :data:`CONNECT_TIMEOUT_S`).

    Examples
    --------
    >>> engine = DaskEngine(workers=2)  # nothing starts before ``with``
    >>> engine.scheduler is None
    True
    """

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        workers: int = LOCAL_WORKERS,
        processes: bool = True,
        timeout_s: float | None = None,
    ) -> None:
        if workers < 1:
            msg = f"workers must be at least 1, got {workers}"
            raise ValueError(msg)
        self.scheduler = scheduler
        self.workers = workers
        self.processes = processes
        self.timeout_s = CONNECT_TIMEOUT_S if timeout_s is None else timeout_s
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None

    def __enter__(self) -> DaskEngine:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start the local cluster or connect to the scheduler (imports Dask here).

        Raises
        ------
        ClusterError
            The scheduler does not answer, or has no worker, within ``timeout_s``.
        """
        from distributed import Client

        if self.scheduler is None:
            self._cluster = local_cluster(self.workers, processes=self.processes)
            self._client = Client(self._cluster)
            return
        where = f"--scheduler {self.scheduler}"
        try:
            self._client = Client(self.scheduler, timeout=self.timeout_s)
        except (OSError, TimeoutError) as exc:
            msg = (
                f"{where}: no Dask scheduler answered within {self.timeout_s:g} s; start one "
                "there (dask scheduler), check the address and port, or leave out "
                "--scheduler to run a local cluster"
            )
            raise ClusterError(msg) from exc
        try:
            self._client.wait_for_workers(1, timeout=self.timeout_s)
        except (OSError, TimeoutError) as exc:
            self.close()
            msg = (
                f"{where}: the scheduler has no workers; start some on machines that see "
                f"the input files (dask worker {self.scheduler})"
            )
            raise ClusterError(msg) from exc

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this engine started it."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def _running(self) -> Client:
        if self._client is None:
            msg = "the Dask engine is not started; use it as `with DaskEngine(...) as engine`"
            raise ClusterError(msg)
        return self._client

    def verify_visits(
        self,
        visits: gpd.GeoDataFrame,
        households: gpd.GeoDataFrame,
        *,
        graph: nx.MultiDiGraph | None = None,
        reviews: pd.DataFrame | None = None,
        settings: Settings | None = None,
    ) -> pd.DataFrame:
        """Return :func:`analysis.verify.verify_visits`'s result, computed in parts.

        The visits are cut by officer (:func:`officer_parts`), each part verified on a
        worker against all households with the common minutes' origin, and the parts put
        back in the visits' order with their shifts renumbered (:func:`renumber_shifts`):
        the same frame, value for value, as one call.

        Raises
        ------
        ClusterError
            A worker died (out of memory?) or the cluster went away mid-run.
        """
        client = self._running()
        times = visit_times(visits)
        if len(visits) == 0 or visits["officer_id"].nunique(dropna=False) < 2:
            return verify_visits(
                visits, households, graph=graph, reviews=reviews, settings=settings
            )
        origin = times.min() if times.notna().any() else None
        workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
        part = officer_parts(visits["officer_id"], parts=PARTS_PER_WORKER * workers)
        pieces = [rows for rows in (np.flatnonzero(part == k) for k in range(part.max() + 1))]
        pieces = [rows for rows in pieces if len(rows)]
        results = self._run(
            [_lean(visits.iloc[rows]) for rows in pieces],
            households,
            graph,
            reviews=reviews,
            settings=settings,
            origin=origin,
        )
        order = np.concatenate(pieces)
        back = np.empty(len(order), dtype=np.int64)
        back[order] = np.arange(len(order))
        # each part's reasons are its own sentences: merged into the sorted whole, as one
        # run has them (concatenated, parts of other categories would become text)
        out = pd.concat([r.drop(columns="reason") for r in results], ignore_index=True)
        out["reason"] = union_categoricals([r["reason"] for r in results], sort_categories=True)
        out = out[list(results[0].columns)].iloc[back]
        out.index = visits.index
        out["shift"] = renumber_shifts(visits["officer_id"], part, out["shift"].to_numpy())
        return out

    def _run(
        self,
        parts: list[Lean | pd.DataFrame],
        households: gpd.GeoDataFrame,
        graph: nx.MultiDiGraph | None,
        **options: Any,
    ) -> list[pd.DataFrame]:
        """Verify ``parts`` on the workers; households and graph go once to each worker."""
        from distributed import KilledWorker

        client = self._running()
        try:
            shared = client.scatter([households, graph], broadcast=True, hash=False)
            chunks = client.scatter(parts, hash=False)
            futures = [
                client.submit(_verify_part, chunk, *shared, pure=False, **options)
                for chunk in chunks
            ]
            results: list[pd.DataFrame] = client.gather(futures)
        except KilledWorker as exc:
            msg = (
                "a Dask worker died while verifying visits (out of memory?); give workers "
                "more memory or start more of them, and run again"
            )
            raise ClusterError(msg) from exc
        except OSError as exc:
            msg = f"the Dask cluster went away while verifying visits ({exc}); run again"
            raise ClusterError(msg) from exc
        return results


def local_cluster(workers: int, *, processes: bool = True) -> LocalCluster:
    """Start the local cluster of the module docstring: ``workers`` of one thread each.

    On 127.0.0.1 only, with no dashboard and its logs below errors silenced (imports Dask
    here). Workers as threads of this process (``processes=False``) listen there too, over
    TCP rather than Dask's in-process transport: such a cluster has an address other
    clients reach (``DaskEngine(scheduler=...)``), and the parts and results travel
    pickled, as between processes, so a run on threads takes the path a run on processes
    takes but for the fresh interpreters. Use it as a context manager, or close it.
    """
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=processes,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
        # no dashboard, but the scheduler still serves its health and metrics routes over
        # HTTP, by default on port 8787: a free loopback port instead, so a second cluster
        # (another run, a test's) never meets a taken port and its warning
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.ERROR,
    )


__all__ = [
    "CONNECT_TIMEOUT_S",
    "LOCAL_WORKERS",
    "PARTS_PER_WORKER",
    "ClusterError",
    "DaskEngine",
    "local_cluster",
    "officer_parts",
    "renumber_shifts",
]

"""Visiting workload per street block and per beat: the minutes one period of visits takes.

The formula
-----------
For block *i* in beat *b*, in minutes per period of ``workload_period_days`` (*P*) days::

    visits_i    = H_i * v  +  V_i * max(0, P / D - v)  +  F_i * f
    visit_i     = visits_i * m
    street_i    = r * (perimeter_i / 2 + inside_i) / (60 * s)
    access_ib   = r * 2 * detour * |c_i - post_b| / (60 * s)
    workload_ib = visit_i + street_i + access_ib

*H* households (every kind: shops, schools and workplaces are visited too), *V* vulnerable
households, *F* open follow-ups; *v* ``workload_visits_per_household``; *D*
``vulnerable_overdue_days``, so a vulnerable household gets one contact in every *D* days
(``max(v, P / D)`` visits in all); *f* ``workload_follow_up_visits``; *m* the minutes per
visit; *r* ``workload_rounds_per_period``; *s* ``workload_walking_speed_mps``; *detour*
``workload_access_detour``; *c* block centres (centroids, in the local UTM zone). Visits
and streets (``fixed_min``) do not depend on the beat a block is in; access does.

Choices
-------
* **Minutes per visit** (:func:`minutes_per_visit`): the median ``duration_min`` of the
  contacts that count (outcome ``contact``; not ``not_counted``; ``review`` only while
  ``review_counts``; every contact under ``include_unverified``) when at least
  ``workload_min_durations`` record one, else ``workload_visit_min``. One figure for the
  whole dataset, not per block or officer: the time a door takes should not depend on who
  knocked (a quick officer's blocks would look light and be given more). Attempts that find
  nobody home are not added: their minutes are real, but the rule is the issue's.
* **Streets**: a street bounding a block serves the blocks on both its sides, so a block
  carries half its perimeter; streets inside it (dead ends, service roads: lines of the
  street network farther than 1 m inside its border) it carries whole. Without a network,
  half the perimeter only.
* **Post**: the data name no police posts, so a beat's post is the block of the beat whose
  centre is nearest the beat's household-weighted centre (area-weighted when the beat has
  no households) (:func:`beat_posts`).
* **Access** is the straight line from the post's centre to the block's centre times
  ``workload_access_detour``, there and back, not the OSM walk network: OSM lacks the paths
  inside residential compounds, so network distances overstate the walk (the rule of
  visit verification, DESIGN.md "Truth on real data").
* **Pseudo-blocks** ``outside:<beat>`` (households farther than ``outside_block_max_m``
  from every block, no geometry) carry their visits only: no streets, no access.
* Blocks in no beat get a workload but count for no beat.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.errors import SchemaError
from geo.projection import project
from geo.schema import present, require_columns
from geo.settings import Settings, resolve

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

INSIDE_MARGIN_M = 1.0
"""A street line counts as inside a block when it lies farther than this inside its border."""

WORKLOAD_COLUMNS: tuple[str, ...] = (
    "block_id",
    "beat_id",
    "households",
    "vulnerable_households",
    "open_follow_ups",
    "visits_needed",
    "visit_min",
    "perimeter_m",
    "inside_street_m",
    "street_min",
    "post_block_id",
    "access_m",
    "access_min",
    "fixed_min",
    "workload_min",
)
"""Columns of :func:`block_workload`, in order."""


@dataclass(frozen=True)
class VisitMinutes:
    """Minutes per visit and where the figure comes from.

    Attributes
    ----------
    minutes : float
        Minutes per visit used in the workload.
    durations : int
        Counted contacts that record a duration.
    source : {"visits", "setting"}
        ``visits``: their median; ``setting``: ``workload_visit_min`` (too few durations).
    """

    minutes: float
    durations: int
    source: str


def minutes_per_visit(visits: pd.DataFrame, *, settings: Settings | None = None) -> VisitMinutes:
    """Return the minutes a visit takes: the median duration of the contacts that count.

    Parameters
    ----------
    visits : pandas.DataFrame
        With ``duration_min``; ``outcome`` (only ``contact`` rows are used when present) and
        ``status`` (``counted``/``review``/``not_counted``, from verification) are optional.
    settings : Settings, optional
        ``workload_min_durations``, ``workload_visit_min``, ``review_counts``,
        ``include_unverified``.

    Returns
    -------
    VisitMinutes

    Examples
    --------
    >>> v = pd.DataFrame({"duration_min": [10.0, 12.0, 30.0, 1.0, None],
    ...                   "outcome": ["contact", "contact", "contact", "contact", "contact"],
    ...                   "status": ["counted", "counted", "review", "not_counted", "counted"]})
    >>> from geo.settings import DEFAULTS
    >>> minutes_per_visit(v, settings=DEFAULTS.replace(workload_min_durations=3))
    VisitMinutes(minutes=12.0, durations=3, source='visits')
    >>> minutes_per_visit(v, settings=DEFAULTS.replace(workload_min_durations=4)).source
    'setting'
    """
    s = resolve(settings)
    require_columns(visits, ("duration_min",), name="visits")
    use = pd.Series(True, index=visits.index)
    if "outcome" in visits:
        use &= visits["outcome"].astype("string").eq("contact").fillna(False)
    if "status" in visits and not s.include_unverified:
        status = visits["status"].astype("string")
        use &= status.ne("not_counted").fillna(True)
        if not s.review_counts:
            use &= status.ne("review").fillna(True)
    durations = pd.to_numeric(visits.loc[use, "duration_min"], errors="coerce").dropna()
    if len(durations) >= max(s.workload_min_durations, 1):
        return VisitMinutes(float(durations.median()), len(durations), "visits")
    return VisitMinutes(float(s.workload_visit_min), len(durations), "setting")


def visits_needed(
    households: npt.ArrayLike,
    vulnerable: npt.ArrayLike,
    follow_ups: npt.ArrayLike,
    *,
    settings: Settings | None = None,
) -> FloatArray:
    """Return the visits per period a block needs (the module's ``visits_i``).

    Examples
    --------
    >>> visits_needed([10, 0], [2, 0], [1, 0]).tolist()  # 10 + 2 * (90 / 30 - 1) + 1
    [15.0, 0.0]
    """
    s = resolve(settings)
    base = s.workload_visits_per_household
    extra = max(0.0, s.workload_period_days / s.vulnerable_overdue_days - base)
    return (
        np.asarray(households, dtype=float) * base
        + np.asarray(vulnerable, dtype=float) * extra
        + np.asarray(follow_ups, dtype=float) * s.workload_follow_up_visits
    )


def walk_minutes(metres: npt.ArrayLike, *, settings: Settings | None = None) -> FloatArray:
    """Return the minutes to walk ``metres`` once per round, every round of a period.

    Examples
    --------
    >>> walk_minutes([720.0]).tolist()  # 720 m at 1.2 m/s, one round
    [10.0]
    """
    s = resolve(settings)
    pace = 60.0 * s.workload_walking_speed_mps
    return np.asarray(metres, dtype=float) * s.workload_rounds_per_period / pace


def access_metres(
    xy: npt.ArrayLike, post_xy: npt.ArrayLike, *, settings: Settings | None = None
) -> FloatArray:
    """Return the walk from each post to each block and back: straight line x detour x 2.

    Parameters
    ----------
    xy : array of shape (n, 2)
        Block centres, metres.
    post_xy : array of shape (k, 2)
        Post centres, metres.
    settings : Settings, optional
        ``workload_access_detour``.

    Returns
    -------
    numpy.ndarray of shape (n, k)

    Examples
    --------
    >>> access_metres([[0.0, 0.0], [300.0, 400.0]], [[0.0, 0.0]]).tolist()
    [[0.0], [1400.0]]
    """
    s = resolve(settings)
    a = np.asarray(xy, dtype=float).reshape(-1, 2)
    p = np.asarray(post_xy, dtype=float).reshape(-1, 2)
    straight = np.hypot(a[:, None, 0] - p[None, :, 0], a[:, None, 1] - p[None, :, 1])
    return 2.0 * s.workload_access_detour * straight


def beat_posts(
    xy: npt.ArrayLike,
    households: npt.ArrayLike,
    area: npt.ArrayLike,
    assignment: npt.ArrayLike,
    k: int,
) -> IntArray:
    """Return each beat's post: the block nearest its household-weighted centre.

    Parameters
    ----------
    xy : array of shape (n, 2)
        Block centres, metres.
    households : array of shape (n,)
        Households per block (the weights); a beat without households is weighted by area.
    area : array of shape (n,)
        Block areas.
    assignment : array of shape (n,)
        Beat number 0..k-1 of each block; ``-1`` for blocks in no beat (never posts).
    k : int
        Number of beats.

    Returns
    -------
    numpy.ndarray of shape (k,)
        Block position of each beat's post; ``-1`` for a beat without blocks. Equal
        distances go to the lower position.

    Examples
    --------
    >>> beat_posts([[0, 0], [100, 0], [200, 0]], [1, 0, 5], [1, 1, 1], [0, 0, 0], 1).tolist()
    [2]
    """
    pts = np.asarray(xy, dtype=float).reshape(-1, 2)
    weight = np.asarray(households, dtype=float)
    size = np.asarray(area, dtype=float)
    beat = np.asarray(assignment, dtype=np.intp)
    posts = np.full(k, -1, dtype=np.intp)
    for j in range(k):
        mine = np.flatnonzero(beat == j)
        if len(mine) == 0:
            continue
        w = weight[mine] if weight[mine].sum() > 0 else size[mine]
        w = w if w.sum() > 0 else np.ones(len(mine))
        centre = (pts[mine] * w[:, None]).sum(axis=0) / w.sum()
        gap = np.hypot(pts[mine, 0] - centre[0], pts[mine, 1] - centre[1])
        posts[j] = mine[int(np.argmin(gap))]
    return posts


def street_metres(blocks: gpd.GeoSeries, *, streets: gpd.GeoSeries | None = None) -> pd.DataFrame:
    """Return each block's perimeter and the length of street lines inside it.

    Parameters
    ----------
    blocks : geopandas.GeoSeries
        Block polygons in a projected metric CRS (missing ones give 0).
    streets : geopandas.GeoSeries, optional
        Street lines in the same CRS; a line counts inside a block where it lies farther
        than :data:`INSIDE_MARGIN_M` inside the block's border.

    Returns
    -------
    pandas.DataFrame
        ``perimeter_m`` and ``inside_street_m`` on the blocks' index.

    Examples
    --------
    >>> from shapely.geometry import LineString, box
    >>> b = gpd.GeoSeries([box(0, 0, 100, 100)], crs="EPSG:32650")
    >>> s = gpd.GeoSeries([LineString([(0, 50), (60, 50)])], crs="EPSG:32650")
    >>> street_metres(b, streets=s).round(1).values.tolist()
    [[400.0, 59.0]]
    """
    geoms = np.asarray(blocks.to_numpy(), dtype=object)
    has = present(geoms)
    perimeter = np.zeros(len(geoms))
    perimeter[has] = shapely.length(geoms[has])
    inside = np.zeros(len(geoms))
    if streets is not None and has.any():
        if streets.crs != blocks.crs:
            msg = f"streets are in {streets.crs}, blocks in {blocks.crs}; project both alike"
            raise SchemaError(msg)
        lines = np.asarray(streets.to_numpy(), dtype=object)
        lines = lines[present(lines)]
        cores = np.full(len(geoms), None, dtype=object)
        cores[has] = shapely.buffer(geoms[has], -INSIDE_MARGIN_M)
        tree = shapely.STRtree(lines)
        block_pos, line_pos = tree.query(cores[has], predicate="intersects")
        block_pos = np.flatnonzero(has)[block_pos]
        pieces = shapely.length(shapely.intersection(lines[line_pos], cores[block_pos]))
        np.add.at(inside, block_pos, pieces)
    return pd.DataFrame({"perimeter_m": perimeter, "inside_street_m": inside}, index=blocks.index)


def block_workload(
    blocks: gpd.GeoDataFrame,
    visits: pd.DataFrame,
    *,
    streets: gpd.GeoSeries | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Return the workload of every block in today's beats (see the module docstring).

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        The analysis's blocks (:attr:`analysis.pipeline.Analysis.blocks`): ``block_id``,
        ``beat_id``, ``households``, ``vulnerable_households``, ``open_follow_ups``,
        geometry with a CRS (missing for ``outside:`` pseudo-blocks).
    visits : pandas.DataFrame
        Visits with ``duration_min`` (and ``outcome``, ``status``), for the minutes per
        visit.
    streets : geopandas.GeoSeries, optional
        Street lines (any CRS), for the streets inside blocks.
    settings : Settings, optional
        The ``workload_*`` settings.

    Returns
    -------
    pandas.DataFrame
        :data:`WORKLOAD_COLUMNS` on the blocks' index; ``post_block_id`` is the post of the
        block's beat.
    """
    s = resolve(settings)
    figures = BlockFigures.build(blocks, visits, streets=streets, settings=s)
    beat_ids = pd.Index(sorted(blocks["beat_id"].dropna().astype(str).unique()))
    assignment = beat_ids.get_indexer(blocks["beat_id"].astype("string").fillna("\x00"))
    real = figures.real
    posts = beat_posts(
        figures.xy, figures.households, figures.area, np.where(real, assignment, -1),
        len(beat_ids),
    )  # fmt: skip
    access = np.zeros(len(blocks))
    inside = (assignment >= 0) & real
    rows = np.flatnonzero(inside)
    post_of = posts[assignment[rows]]
    access[rows] = (
        2.0
        * s.workload_access_detour
        * np.hypot(
            figures.xy[rows, 0] - figures.xy[post_of, 0],
            figures.xy[rows, 1] - figures.xy[post_of, 1],
        )
    )
    post_ids = np.full(len(blocks), None, dtype=object)
    ids = blocks["block_id"].astype(str).to_numpy()
    placed = assignment >= 0
    post_ids[placed] = ids[posts[assignment[placed]]]
    out = pd.DataFrame(
        {
            "block_id": blocks["block_id"].to_numpy(),
            "beat_id": blocks["beat_id"].to_numpy(),
            "households": figures.households.astype("int64"),
            "vulnerable_households": figures.vulnerable.astype("int64"),
            "open_follow_ups": figures.follow_ups.astype("int64"),
            "visits_needed": figures.visits_needed,
            "visit_min": figures.visit_min,
            "perimeter_m": figures.perimeter_m,
            "inside_street_m": figures.inside_street_m,
            "street_min": figures.street_min,
            "post_block_id": post_ids,
            "access_m": access,
            "access_min": walk_minutes(access, settings=s),
            "fixed_min": figures.fixed_min,
        },
        index=blocks.index,
    )
    out["workload_min"] = out["fixed_min"] + out["access_min"]
    return out


def beat_workload(workload: pd.DataFrame) -> pd.DataFrame:
    """Return the workload per beat: the sums of :func:`block_workload`'s minutes.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``beat_id``: ``blocks``, ``households``, ``visit_min``, ``street_min``,
        ``access_min``, ``workload_min`` and ``share`` (of the mean beat's workload).
    """
    placed = workload[workload["beat_id"].notna()]
    grouped = placed.groupby("beat_id")
    out = grouped[["households", "visit_min", "street_min", "access_min", "workload_min"]].sum()
    out.insert(0, "blocks", grouped.size())
    mean = out["workload_min"].mean()
    out["share"] = out["workload_min"] / mean if mean > 0 else np.nan
    return out


@dataclass(frozen=True)
class BlockFigures:
    """Per-block figures a plan needs, on the blocks' row positions (metres, minutes).

    Attributes
    ----------
    metric : geopandas.GeoSeries
        Block polygons in the local UTM zone (missing for pseudo-blocks).
    real : numpy.ndarray of bool
        Blocks with a geometry (not ``outside:`` pseudo-blocks).
    xy, area : numpy.ndarray
        Centres (n, 2) and areas of the blocks, metres; 0 for pseudo-blocks.
    households, vulnerable, follow_ups : numpy.ndarray
        Counts per block.
    visits_needed, visit_min, perimeter_m, inside_street_m, street_min, fixed_min
        The terms of the module's formula that do not depend on the beat.
    minutes : VisitMinutes
        The minutes per visit used.
    """

    metric: gpd.GeoSeries
    real: npt.NDArray[np.bool_]
    xy: FloatArray
    area: FloatArray
    households: FloatArray
    vulnerable: FloatArray
    follow_ups: FloatArray
    visits_needed: FloatArray
    visit_min: FloatArray
    perimeter_m: FloatArray
    inside_street_m: FloatArray
    street_min: FloatArray
    fixed_min: FloatArray
    minutes: VisitMinutes

    @classmethod
    def build(
        cls,
        blocks: gpd.GeoDataFrame,
        visits: pd.DataFrame,
        *,
        streets: gpd.GeoSeries | None = None,
        settings: Settings | None = None,
    ) -> BlockFigures:
        """Project the blocks once and compute every beat-independent figure."""
        s = resolve(settings)
        require_columns(
            blocks,
            ("block_id", "beat_id", "households", "vulnerable_households", "open_follow_ups"),
            name="blocks",
        )
        if not isinstance(blocks, gpd.GeoDataFrame) or blocks.crs is None:
            msg = "blocks must be a GeoDataFrame with a coordinate system (the analysis's blocks)"
            raise SchemaError(msg)
        real = present(blocks.geometry.to_numpy())
        if not real.any():
            msg = "blocks have no geometry: a plan needs street blocks or H3 cells"
            raise SchemaError(msg)
        metric = project(blocks.geometry)
        lines = None if streets is None else streets.to_crs(metric.crs)
        lengths = street_metres(metric, streets=lines)
        xy = np.zeros((len(blocks), 2))
        centres = shapely.centroid(metric.to_numpy()[real])
        xy[real, 0] = shapely.get_x(centres)
        xy[real, 1] = shapely.get_y(centres)
        area = np.zeros(len(blocks))
        area[real] = shapely.area(metric.to_numpy()[real])
        counts = {
            c: pd.to_numeric(blocks[c], errors="coerce").fillna(0).to_numpy(dtype=float)
            for c in ("households", "vulnerable_households", "open_follow_ups")
        }
        needed = visits_needed(
            counts["households"],
            counts["vulnerable_households"],
            counts["open_follow_ups"],
            settings=s,
        )
        per_visit = minutes_per_visit(visits, settings=s)
        perimeter = lengths["perimeter_m"].to_numpy()
        inside = lengths["inside_street_m"].to_numpy()
        street = walk_minutes(perimeter / 2.0 + inside, settings=s)
        visit = needed * per_visit.minutes
        return cls(
            metric=metric,
            real=real,
            xy=xy,
            area=area,
            households=counts["households"],
            vulnerable=counts["vulnerable_households"],
            follow_ups=counts["open_follow_ups"],
            visits_needed=needed,
            visit_min=visit,
            perimeter_m=perimeter,
            inside_street_m=inside,
            street_min=street,
            fixed_min=visit + street,
            minutes=per_visit,
        )

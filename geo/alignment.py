"""Misalignment never passes silently: checks that the input files lie on one another.

Households that miss the beats, GPS points that miss their doors and street blocks that miss
the households are found here, with the coordinate mix-up that explains them when one does.

Rules
-----
- **Households and beats.** When more than ``settings.misaligned_max_share`` of the located
  households lie outside every beat, the two files are misaligned. The usual mix-ups are
  tried on either file: its longitude/latitude read as another of WGS84, GCJ-02 and BD-09
  (for a file in a projection of its own, the longitude/latitude behind it), and its axes
  swapped (longitude/latitude files only). A mix-up *explains* the misalignment when, undone,
  at most that share lies outside. Moving the households by an offset and moving the beats
  back by it look the same to the households, so when several mix-ups explain it the one
  that re-reads the file whose system was least certain is named: assumed, then declared by
  the file, then named for the import, then named for the file (:data:`geo.systems.BASES`).
  When none explains it, the share outside and their median distance to the nearest beat
  are reported.
- **Visits and households.** When the median distance from the visits' GPS points to their
  households' doors is more than ``settings.far_from_door_m`` and a mix-up of the visits file
  brings it within that distance (and to a third or less), that mix-up is named. Otherwise
  the GPS points are left to verification, whose job it is to grade far points.
- **Street blocks and households** (command line). When more than
  ``settings.streets_miss_max_share`` of the households lie farther than
  ``settings.outside_block_max_m`` from every street block, the street file misses the
  beats; the offset from the households' centre to the nearest block is reported. (Real
  extracts leave some households outside their blocks, at the edges: the demo about 7 %.)

Mix-ups are tried on at most :data:`SAMPLE` records, evenly spaced. Nothing here reads files
or draws: the checks take canonical WGS84 frames and return what they found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from geo import coords
from geo.findings import problem
from geo.projection import local_utm
from geo.schema import WGS84, gps_lonlat, present
from geo.settings import Settings, resolve
from geo.systems import BASES, DATUM_NAMES, DATUMS, CoordSource

SAMPLE: Final = 10_000
"""Mix-ups are tried on at most this many households (or visits), evenly spaced."""

MIN_GPS_PAIRS: Final = 5
"""The visits' GPS points are judged only when at least this many have a located household."""

Hint = Callable[[str, str], str]
"""``hint(table, system)``: what the user does to read ``table``'s file as ``system``."""

FloatArray = npt.NDArray[np.float64]


def default_hint(table: str, system: str) -> str:
    """Say how to re-read a file through :func:`geo.importer.load_dataset`.

    Examples
    --------
    >>> default_hint("households", "gcj02")
    "read it with table_crs={'households': 'gcj02'}"
    """
    return f"read it with table_crs={{{table!r}: {system!r}}}"


@dataclass(frozen=True)
class Side:
    """One file of a check: its table, its name and how its coordinates were read."""

    table: str
    file: str
    source: CoordSource


@dataclass(frozen=True)
class MixUp:
    """A mix-up that explains a misalignment.

    Attributes
    ----------
    side : Side
        The file to re-read.
    system : str or None
        The system to read it as (``wgs84``, ``gcj02``, ``bd09``); ``None``: swap its axes.
    before, after : float
        The measure as read and with the mix-up undone: the share of households outside
        every beat, or the median metres from GPS points to doors.
    """

    side: Side
    system: str | None
    before: float
    after: float


@dataclass(frozen=True)
class BeatsCheck:
    """Where the households lie against the beats.

    Attributes
    ----------
    outside : numpy.ndarray
        Per household, whether it lies outside every beat (missing points: False).
    share : float
        Share of the located households outside every beat.
    misaligned : bool
        True when the share is above ``misaligned_max_share``: the import must be refused.
    mixup : MixUp or None
        The mix-up that explains it, if one does.
    distance_m : float or None
        When misaligned, the median distance (metres) of the households outside to the
        nearest beat.
    """

    outside: npt.NDArray[np.bool_]
    share: float
    misaligned: bool
    mixup: MixUp | None = None
    distance_m: float | None = None


def check_beats(
    beats: gpd.GeoDataFrame,
    households: gpd.GeoDataFrame,
    *,
    beats_side: Side,
    households_side: Side,
    settings: Settings | None = None,
) -> BeatsCheck:
    """Check that the households lie in the beats; find the mix-up when they do not.

    Parameters
    ----------
    beats, households : geopandas.GeoDataFrame
        Canonical tables in WGS84.
    beats_side, households_side : Side
        Their files and how their coordinates were read.
    settings : Settings, optional
        ``misaligned_max_share``.

    Returns
    -------
    BeatsCheck
    """
    cfg = resolve(settings)
    points = households.geometry
    located = present(points)
    polygons = beats.geometry[beats.geometry.notna()].to_numpy()
    outside = ~inside_any(points.to_numpy(), polygons) & located
    share = float(outside.sum() / located.sum()) if located.any() else 0.0
    if share <= cfg.misaligned_max_share or len(polygons) == 0:
        return BeatsCheck(outside, share, False)
    x, y = _sample_xy(points[located])
    found: list[tuple[int, float, MixUp]] = []
    for system in _rereadings(households_side.source):
        hx, hy = reread(x, y, was=households_side.source.datum, now=system)
        after = 1.0 - float(inside_any(shapely.points(hx, hy), polygons).mean())
        found.append(_ranked(MixUp(households_side, system, share, after)))
    for system in _rereadings(beats_side.source):
        moved = reread_geometries(polygons, was=beats_side.source.datum, now=system)
        after = 1.0 - float(inside_any(shapely.points(x, y), moved).mean())
        found.append(_ranked(MixUp(beats_side, system, share, after)))
    good = [entry for entry in found if entry[2].after <= cfg.misaligned_max_share]
    if good:
        return BeatsCheck(outside, share, True, min(good, key=lambda e: e[:2])[2])
    distance = _median_distance(points[outside], polygons)
    return BeatsCheck(outside, share, True, None, distance)


def check_gps(
    households: gpd.GeoDataFrame,
    visits: gpd.GeoDataFrame,
    *,
    visits_side: Side,
    settings: Settings | None = None,
) -> MixUp | None:
    """Return the mix-up of the visits file that puts its GPS points at their doors, if any.

    See the module's rules; ``None`` when the points are near enough as read, too few, or
    no mix-up explains their distance.
    """
    cfg = resolve(settings)
    doors = households.drop_duplicates("household_id").set_index("household_id").geometry
    lon, lat = gps_lonlat(visits)  # the Point geometry's, or the GPS columns
    keep = _evenly(np.flatnonzero(np.isfinite(lon) & np.isfinite(lat)))
    door = visits["household_id"].iloc[keep].map(doors).to_numpy()
    known = present(door)
    if known.sum() < MIN_GPS_PAIRS:
        return None
    gx, gy = lon[keep][known], lat[keep][known]
    dx, dy = shapely.get_x(door[known]), shapely.get_y(door[known])
    geod = pyproj.Geod(ellps="WGS84")
    before = float(np.median(geod.inv(gx, gy, dx, dy)[2]))
    if before <= cfg.far_from_door_m:
        return None
    best: MixUp | None = None
    for system in _rereadings(visits_side.source):
        nx, ny = reread(gx, gy, was=visits_side.source.datum, now=system)
        distance = np.asarray(geod.inv(nx, ny, dx, dy)[2], dtype=np.float64)
        after = float(np.median(np.where(np.isfinite(distance), distance, np.inf)))
        if after <= min(cfg.far_from_door_m, before / 3) and (best is None or after < best.after):
            best = MixUp(visits_side, system, before, after)
    return best


@dataclass(frozen=True)
class StreetsCheck:
    """Where the households lie against the street blocks.

    Attributes
    ----------
    share : float
        Share of the located households farther than ``outside_block_max_m`` from every
        block.
    misaligned : bool
        True when the share is above ``streets_miss_max_share``.
    distance_m, bearing : float or None, str
        When misaligned, the distance (metres) and compass direction from the households'
        centre to the nearest block.
    """

    share: float
    misaligned: bool
    distance_m: float | None = None
    bearing: str = ""


def check_streets(
    blocks: gpd.GeoDataFrame, households: gpd.GeoDataFrame, *, settings: Settings | None = None
) -> StreetsCheck:
    """Check that the street blocks reach the households (see the module's rules)."""
    cfg = resolve(settings)
    geoms = households.geometry
    points = geoms[present(geoms)]
    shapes = blocks.geometry[present(blocks.geometry)].to_numpy()
    if points.empty:
        return StreetsCheck(0.0, False)
    # only blocks around the households are measured in metres (far ones are far anyway)
    around = shapely.buffer(shapely.box(*points.total_bounds), 0.01)
    local = shapes[shapely.intersects(shapes, around)]
    near = np.zeros(len(points), dtype=bool)
    if len(local):
        if cfg.outside_block_max_m >= 1.0:  # in a block is 0 m from it (to micrometres)
            from geo.joins import contained  # imports the street module: not at start-up

            near = contained(points.to_numpy(), local) >= 0
        rest = np.flatnonzero(~near)  # only these are measured, in metres
        if len(rest):
            crs = local_utm(points)
            metric = gpd.GeoSeries(local, crs=WGS84).to_crs(crs).to_numpy()
            pairs = shapely.STRtree(metric).query(
                points.iloc[rest].to_crs(crs).to_numpy(),
                predicate="dwithin",
                distance=cfg.outside_block_max_m,
            )
            near[rest[np.unique(pairs[0])]] = True
    share = float(1.0 - near.mean())
    if share <= cfg.streets_miss_max_share:
        return StreetsCheck(share, False)
    if not len(shapes):
        return StreetsCheck(share, True)
    x, y = points.x.to_numpy(), points.y.to_numpy()
    centre = shapely.points([np.median(x)], [np.median(y)])
    distance, azimuth = _nearest(centre, shapes)
    return StreetsCheck(share, True, float(distance[0]), compass(float(azimuth[0])))


# --------------------------------------------------------------------------- re-reading


_FORWARD: Final = {"gcj02": coords.wgs84_to_gcj02, "bd09": coords.wgs84_to_bd09}
_INVERSE: Final = {"gcj02": coords.gcj02_to_wgs84, "bd09": coords.bd09_to_wgs84}


def reread(
    x: npt.ArrayLike, y: npt.ArrayLike, *, was: str, now: str | None
) -> tuple[FloatArray, FloatArray]:
    """Return WGS84 points read as datum ``was``, as they would be read as ``now``.

    ``now=None`` swaps the file's longitude and latitude instead.

    Examples
    --------
    >>> x, y = reread([116.39], [39.91], was="gcj02", now="wgs84")  # the GCJ-02 offset back
    >>> round(float(x[0] - 116.39) * 1e4), round(float(y[0] - 39.91) * 1e4)
    (62, 14)
    >>> reread([24.9], [60.1], was="wgs84", now=None)
    (array([60.1]), array([24.9]))
    """
    lon = np.asarray(x, dtype=np.float64)
    lat = np.asarray(y, dtype=np.float64)
    if was in _FORWARD:
        lon, lat = (np.asarray(v, dtype=np.float64) for v in _FORWARD[was](lon, lat))
    if now is None:
        lon, lat, now = lat, lon, was
    if now in _INVERSE:
        lon, lat = (np.asarray(v, dtype=np.float64) for v in _INVERSE[now](lon, lat))
    return lon, lat


def reread_geometries(
    geoms: npt.NDArray[np.object_], *, was: str, now: str | None
) -> npt.NDArray[np.object_]:
    """Apply :func:`reread` to every vertex of ``geoms``."""

    def move(xy: FloatArray) -> FloatArray:
        out = xy.copy()
        out[:, 0], out[:, 1] = reread(xy[:, 0], xy[:, 1], was=was, now=now)
        return out

    return np.asarray(shapely.transform(geoms, move), dtype=object)


def inside_any(
    points: npt.NDArray[np.object_], polygons: npt.NDArray[np.object_]
) -> npt.NDArray[np.bool_]:
    """Return, per point, whether it lies in or on any polygon (missing points: True).

    By :func:`geo.joins.contained` (the grid index for a million points and more).
    """
    from geo.joins import contained  # imports the street module: not at start-up

    points = np.asarray(points, dtype=object)
    return np.asarray((contained(points, polygons) >= 0) | ~present(points), dtype=bool)


_COMPASS: Final = (
    "north",
    "north-east",
    "east",
    "south-east",
    "south",
    "south-west",
    "west",
    "north-west",
)


def compass(azimuth: float) -> str:
    """Return one of eight compass words for an azimuth in degrees (0 north, 90 east).

    Examples
    --------
    >>> compass(0.0), compass(100.0), compass(-135.0)
    ('north', 'east', 'south-west')
    """
    return _COMPASS[round((azimuth % 360) / 45) % 8]


def _rereadings(source: CoordSource) -> list[str | None]:
    """Return the re-readings a file allows: other datums (if an option can name them), a swap."""
    out: list[str | None] = []
    if source.own_frame:
        out += [d for d in DATUMS if d != source.datum]
    if source.lonlat:
        out.append(None)
    return out


def _ranked(mixup: MixUp) -> tuple[int, float, MixUp]:
    return BASES.index(mixup.side.source.basis), mixup.after, mixup


def _evenly(positions: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """At most :data:`SAMPLE` of ``positions``, evenly spaced."""
    if len(positions) <= SAMPLE:
        return positions
    return positions[np.linspace(0, len(positions) - 1, SAMPLE).round().astype(np.intp)]


def _sample_xy(points: gpd.GeoSeries) -> tuple[FloatArray, FloatArray]:
    values = points.to_numpy()[_evenly(np.arange(len(points)))]
    return shapely.get_x(values), shapely.get_y(values)


def _median_distance(points: gpd.GeoSeries, polygons: npt.NDArray[np.object_]) -> float:
    """Median distance (metres) from ``points`` to the nearest polygon."""
    sample = points.to_numpy()[_evenly(np.arange(len(points)))]
    distance, _ = _nearest(sample, polygons)
    return float(np.median(distance))


def _nearest(
    points: npt.NDArray[np.object_], shapes: npt.NDArray[np.object_]
) -> tuple[FloatArray, FloatArray]:
    """Geodesic distance (metres) and azimuth (degrees) from each point to its nearest shape.

    The nearest shape and its nearest point are found in degrees, which is close enough to
    say how far and which way files miss each other, even by thousands of kilometres.
    """
    tree = shapely.STRtree(shapes)
    nearest = tree.query_nearest(points, all_matches=False)
    lines = shapely.shortest_line(points[nearest[0]], shapes[nearest[1]])
    start = shapely.get_point(lines, 0)
    end = shapely.get_point(lines, 1)
    azimuth, _, distance = pyproj.Geod(ellps="WGS84").inv(
        shapely.get_x(start), shapely.get_y(start), shapely.get_x(end), shapely.get_y(end)
    )
    return np.asarray(distance, dtype=np.float64), np.asarray(azimuth, dtype=np.float64)


# --------------------------------------------------------------------------- messages


def mixup_values(
    mixup: MixUp, *, other: Side | None = None, hint: Hint = default_hint
) -> tuple[str, dict[str, Any]]:
    """Return the template variant and values of a ``coordinates_mixed_up`` finding.

    The values hold the fix in words (``fix``, from ``hint``) and as ``fix_table`` and
    ``fix_system``, so a caller can say it in another language.
    """
    side = mixup.side
    gps = side.table == "visits"
    if gps:
        before, after = _metres(mixup.before), _metres(mixup.after)
    else:
        before, after = f"{mixup.before:.0%}", f"{mixup.after:.0%}"
    values: dict[str, Any] = {"file": side.file, "before": before, "after": after}
    values["where"] = False
    suffix = "_gps" if gps else ""
    if mixup.system is None:
        return f"swapped{suffix}", values
    values |= {
        "name": DATUM_NAMES[mixup.system],
        "fix": hint(side.table, mixup.system),
        "fix_table": side.table,
        "fix_system": mixup.system,
    }
    if other is None:
        return f"system{suffix}", values
    values |= {"other_file": other.file, "other_name": other.source.name}
    return f"against{suffix}", values


def mixup_message(mixup: MixUp, *, other: Side | None = None, hint: Hint = default_hint) -> str:
    """Say which file looks misread, as what, and what to do.

    Examples
    --------
    >>> from geo.systems import decide
    >>> h = Side("households", "households.csv", decide(None))
    >>> b = Side("beats", "beats.geojson", decide(pyproj.CRS("EPSG:4326")))
    >>> print(mixup_message(MixUp(h, "gcj02", 0.62, 0.0), other=b, hint=lambda t, s:
    ...     f"run with --{t}-coords {s}"))  # doctest: +NORMALIZE_WHITESPACE
    households.csv looks like GCJ-02 while beats.geojson is WGS84: run with
    --households-coords gcj02 (as read, 62% of the households lie outside every beat;
    read as GCJ-02, 0%)
    """
    variant, values = mixup_values(mixup, other=other, hint=hint)
    return problem("coordinates_mixed_up", variant, **values)


def outside_values(
    check: BeatsCheck, *, households_file: str, beats_file: str, cap: float
) -> tuple[str, dict[str, Any]]:
    """Return the template variant and values of an ``outside_beats_share`` finding."""
    n = int(check.outside.sum())
    values: dict[str, Any] = {
        "share": check.share,
        "households_file": households_file,
        "n": n,
        "total": round(n / check.share) if check.share else n,
        "beats_file": beats_file,
        "cap": cap,
        "where": False,
    }
    if check.distance_m is None:
        return "", values
    return "far", values | {"distance": _metres(check.distance_m)}


def outside_message(check: BeatsCheck, *, households_file: str, beats_file: str, cap: float) -> str:
    """Say how many households lie outside every beat when no mix-up explains it."""
    variant, values = outside_values(
        check, households_file=households_file, beats_file=beats_file, cap=cap
    )
    return problem("outside_beats_share", variant, **values)


def streets_values(check: StreetsCheck, *, settings: Settings) -> tuple[str, dict[str, Any]]:
    """Return the template variant and values of a ``streets_miss`` finding."""
    values: dict[str, Any] = {
        "share": check.share,
        "max_m": settings.outside_block_max_m,
        "cap": settings.streets_miss_max_share,
    }
    if check.distance_m is None:
        return "no_blocks", values
    return "", values | {"distance": _metres(check.distance_m), "bearing": check.bearing}


def streets_message(check: StreetsCheck, *, streets_file: str, settings: Settings) -> str:
    """Say that the street blocks miss the households, and by how far."""
    variant, values = streets_values(check, settings=settings)
    return f"{streets_file}: {problem('streets_miss', variant, **values)}"


def _metres(value: float | None) -> str:
    """Format a distance: ``340 m``, ``1.2 km``, ``1,234 km``."""
    if value is None or not np.isfinite(value):
        return "an unknown distance"
    if value < 1000:
        return f"{value:,.0f} m"
    if value < 100_000:
        return f"{value / 1000:,.1f} km"
    return f"{value / 1000:,.0f} km"

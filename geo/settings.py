"""The one typed settings module for beatcov.

Every threshold, speed and time band lives here with its default. Functions take a
keyword-only ``settings`` argument; pass ``DEFAULTS.replace(...)`` to override per call.

Examples
--------
>>> from geo.settings import DEFAULTS
>>> DEFAULTS.coverage_threshold
0.8
>>> DEFAULTS.replace(coverage_threshold=0.9).coverage_threshold
0.9
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Thresholds, speeds and options used across beatcov.

    Attributes
    ----------
    timezone : str
        IANA zone used to localise visit times that carry no zone. Default ``Asia/Shanghai``.
    date_order : str
        Order of day and month in visit dates written with the year last (``01/07/2026``,
        ``1.7.2026``): ``auto`` reads a time column day first (or month first) only when one
        of its dates can only be read that way, with a warning, and refuses a column whose
        dates could be read either way; ``dmy`` and ``mdy`` name the order; ``ymd`` refuses
        dates with the year last. Year-first dates (``2026-07-01``, ``2026/7/1``,
        ``2026年7月1日``) are always year-month-day; two-digit years are always refused.
    input_crs : str
        Coordinate system of input coordinates that carry none (lon/lat or WKT columns, a
        Shapefile without ``.prj``) when the user names none: ``wgs84``, ``gcj02``, ``bd09``
        or ``EPSG:n``. Files that declare a system keep it.
    upload_max_bytes : int
        Largest input file read, in bytes: 200 MB, Streamlit's own upload limit and several
        times a city's yearly visits as CSV. Larger files are refused before they are read
        (on the Data page, before they are written to disk). Every limit below is checked
        before the file is parsed, from its size, its archive directory, its headers or a
        scan of its sheet (:mod:`geo.limits`).
    unpacked_max_bytes : int
        Largest size, in bytes, an archive (XLSX workbook, zipped Shapefile) unpacks to, or
        a GeoParquet file's columns uncompressed: 1 GB. A sheet of the 1,048,576 rows Excel
        allows, by 20 columns, unpacks to about 0.8 GB.
    unpacked_max_ratio : float
        Largest ratio of unpacked to packed size of an archive or GeoParquet file that
        unpacks to more than 64 MB. Real exports compress 7-40 times (the demo's tables as
        XLSX about 7, as zipped Shapefile 14-18, 200,000 identical points 38); a zip bomb,
        such as a 400 KB workbook holding a 400 MB string, about 1,000.
    archive_max_members : int
        Most files an archive may hold: an XLSX workbook has about 10, a zipped Shapefile
        4 to 8. Counted from the archive's directory before it is opened.
    max_records : int
        Most records a file may hold: rows of a table (lines of a CSV), features of a geodata
        file. 2 million: a large city's households, or a station's visits over years; more
        is an export of the wrong scope.
    max_cells : int
        Most cells (records times columns) a table may span: 50 million, 2 million records
        of 25 columns. An XLSX sheet spans to its farthest cell, even one that only looks
        empty: a 5 KB workbook with one cell at XFD1048576 spans 17 billion.
    max_vertices : int
        Most vertices the geometries of a file may hold: 10 million, five times 2 million
        points; a city's beat polygons have well under a million.
    gcj_inverse_tolerance_m : float
        Stop the iterative GCJ-02/BD-09 inverse when a step moves the point less than this.
    misaligned_max_share : float
        An import is refused when more than this share of households lie outside every beat,
        naming the fix when a usual coordinate mix-up (GCJ-02, BD-09, WGS84, swapped axes)
        explains it.
    repair_max_area_change : float
        An invalid beat polygon is repaired with ``make_valid`` only when its area changes by
        less than this share; otherwise the import is refused.
    beat_overlap_min_m2 : float
        Overlaps and gaps between beats smaller than this (square metres) are not reported.
    block_split_min_share : float
        A block is split (reported) when more than this share of its area lies outside the
        beat it is assigned to.
    beat_gap_mouth_max_share : float
        A pocket between beats that is open to the outside counts as a gap only when its
        opening is at most this share of its perimeter.
    network_type : str
        Street network type: ``drive``, ``drive_service``, ``walk`` or ``all``.
    block_min_area_m2 : float
        Street blocks smaller than this (square metres) are slivers and are dropped.
    block_name_streets : int
        A block is named by at most this many of the labelled streets (OSM ``name``, else
        ``ref``) along its boundary, longest first (:mod:`geo.block_names`).
    block_name_min_m : float
        A street names a block only when at least this many metres of the block's boundary
        run along it (a street that only crosses or ends at a corner does not).
    block_name_near_m : float
        A block (or H3 cell) that no labelled street bounds is named ``~`` and the nearest
        labelled street within this many metres; beyond it, by its id.
    outside_block_max_m : float
        A household outside every block is given the nearest block within this distance
        (metres); farther ones go to the beat's "outside" block.
    streets_miss_max_share : float
        The command line and the Data page refuse a street file when more than this share
        of households lie farther than ``outside_block_max_m`` from every street block: its
        blocks miss the beats (another place, or another coordinate system). When the app's
        demo streets miss an imported dataset this way, its units are H3 cells instead.
    coverage_threshold : float
        A block whose coverage is below this is under-visited.
    vulnerable_overdue_days : int
        A vulnerable household with no contact for this many days is overdue.
    follow_up_days : int
        A raised issue with no follow-up visit within this many days is an open follow-up.
    band_min_attempts : int
        A block needs this many attempts of its own before its own record decides its
        recommended time band; below it the beat's record is used.
    band_prior_attempts : float
        Strength, in pseudo-attempts, of each level's prior in the time-band advice.
    band_base_rate : float
        Prior home rate of a time band nobody has tried.
    priority_prior_households : float
        Pseudo-count used to shrink small blocks' coverage towards their beat's in the
        priority score, so tiny blocks do not dominate by noise.
    priority_vulnerable_weight : float
        Priority added per vulnerable overdue household of a block.
    priority_follow_up_weight : float
        Priority added per open follow-up of a block.
    priority_waiting_full_days : float
        Mean wait (days) at which a block's unvisited households count double in priority.
    priority_color_edges : tuple of float
        Fixed edges of the priority colours on the maps, in weighted households to visit
        (:mod:`analysis.gaps`): five reds, below the first edge to at or above the last. The
        same block keeps its colour whatever the map shows.
    far_from_door_m : float
        ``far_from_door`` (review): a visit's GPS point farther than this (metres) from its
        household.
    gps_far_m : float
        ``gps_far`` (not counted): a GPS point farther than this from its household, beyond
        any GPS or address error.
    too_short_min : float
        ``too_short`` (review): a contact shorter than this many minutes.
    gps_error_m : float
        Position error allowed for each of the two doors when judging travel: the straight
        distance between two doors is shortened by twice this before it is timed.
    walking_speed_mps : float
        A brisk walk (metres per second): the least-possible travel time between two doors
        is their distance at this speed plus ``min_visit_min`` (``fast_travel``, review).
    running_speed_mps : float
        A running pace (metres per second): two doors farther apart in a straight line than
        this pace covers in the time between the logs is ``impossible_travel`` (not
        counted). Raise it where officers ride bicycles or e-bikes.
    min_visit_min : float
        Minimum minutes spent at a door, added to the least-possible travel time.
    network_snap_max_m : float
        The walk network may raise the least-possible travel time only when both doors lie
        within this distance (metres) of a network node.
    network_max_detour : float
        ... and only when the network route is at most this many times the straight line:
        a longer route says the network lacks the paths people walk (compound paths).
    network_min_snapped_share : float
        The network is not used at all when fewer than this share of located households lie
        within ``network_snap_max_m`` of it: it is shown to be incomplete there.
    shift_gap_h : float
        Two logs of one officer at least this many hours apart are in different shifts and
        are not compared for travel.
    desk_job_min_jumps : int
        ``desk_job`` (not counted, the whole shift): a shift with at least this many jumps
        impossible in a straight line at ``walking_speed_mps`` ...
    desk_job_min_share : float
        ... that are at least this share of the shift's travel checks.
    burst_min_households : int
        ``one_spot_burst`` (not counted): at least this many different households ...
    burst_radius_m : float
        ... logged from GPS points within this radius (metres) ...
    burst_span_min : float
        ... within this many minutes.
    duplicate_window_min : float
        ``duplicate`` (not counted): the same household, officer and outcome logged again
        within this many minutes.
    review_counts : bool
        Whether visits in ``review`` (weak evidence) count as visits until a chief decides.
    include_unverified : bool
        Count every logged visit as a contact, ``not_counted`` ones too (coverage switch).
    workload_period_days : float
        Planning period: workloads are minutes per this many days. A vulnerable household
        needs a contact every ``vulnerable_overdue_days``, so it needs this period divided
        by that many visits in the period (at least ``workload_visits_per_household``).
    workload_visits_per_household : float
        Visits every household (shop, school, workplace) needs per period.
    workload_follow_up_visits : float
        Extra visits per open follow-up, on top of the household's own.
    workload_visit_min : float
        Minutes per visit when the visits record too few durations of their own.
    workload_min_durations : int
        The minutes per visit are the median ``duration_min`` of the contacts that count
        when at least this many of them record one; otherwise ``workload_visit_min``.
    workload_walking_speed_mps : float
        An officer's ordinary walking pace (metres per second) for planning: an expected
        time, unlike ``walking_speed_mps``, which is a brisk floor for verification.
    workload_rounds_per_period : float
        Times per period an officer walks each block's streets and makes the round trip to
        it from the beat's post.
    workload_access_detour : float
        The walk from the post to a block is the straight line times this (OSM lacks the
        paths inside compounds, so its network would overstate the walk).
    workload_officer_hours : float
        Hours each officer has for door-to-door visiting per ``workload_period_days`` (80 h
        in 90 days: about 1.25 h on each of 64 working days). The report lists an officer
        as short of time when their share of their beats' workload is more than this.
    plan_target_ratio : float
        Beats are balanced when the heaviest beat's workload is at most this many times the
        lightest's.
    plan_move_penalty : float
        A block moves from today's beat only when the move lowers the plan's objective (sum
        over beats of the squared relative deviation from the mean workload, plus the
        compactness term) by at least this much; higher keeps more of today's plan.
    plan_compactness_weight : float
        Weight of compactness in the plan's objective: the workload-weighted moment of
        inertia of each beat about its post, over total workload times the mean beat area
        (a round beat with its post in the middle scores about 0.16).
    plan_adjacency_min_m : float
        Two blocks are neighbours when their borders share more than this many metres of
        street (touching at a corner is not enough); beats stay connected through these.
    plan_seed : int
        Seed of the random choices of a fresh plan (its first seeds), so plans repeat.
    plan_fresh_starts : int
        A fresh plan is drawn this many times from different seeds; the best is kept (on
        target first, then least imbalance, then least objective).
    route_return_to_start : bool
        A walk route (``route``) ends back at its start, the walk back counted in its
        budget; ``False`` (default): it ends at the last door, where the shift ends.
    route_search_rounds : int
        Rounds of the route solver's iterated local search (each removes a random run of
        stops and rebuilds); more may collect a little more priority, at more CPU time.
    route_seed : int
        Seed of the route solver's random removals, so a route repeats.
    map_coordinate_decimals : int
        Decimal places kept for coordinates sent to the browser map.
    tile_url : str | None
        Optional tile server for agencies with their own; ``None`` draws streets only.
    login_max_failures : int
        An account is locked after this many wrong passwords in a row ...
    login_lockout_min : float
        ... for this many minutes; a right password is refused until the lock ends.
    session_idle_min : float
        A session with no action for this many minutes is logged out.
    session_max_h : float
        Any session is logged out this many hours after its login, active or not.
    password_min_length : int
        A new password needs at least this many characters.
    password_checks_at_once : int
        At most this many passwords are checked (argon2) at once; other logins wait, so a
        wave of logins leaves the pages their share of the cores.
    audit_retention_days : int
        Audit rows older than this many days are pruned (the chain stays verifiable).
    """

    timezone: str = "Asia/Shanghai"
    date_order: str = "auto"
    input_crs: str = "wgs84"
    upload_max_bytes: int = 200_000_000
    unpacked_max_bytes: int = 1_000_000_000
    unpacked_max_ratio: float = 100.0
    archive_max_members: int = 1000
    max_records: int = 2_000_000
    max_cells: int = 50_000_000
    max_vertices: int = 10_000_000
    gcj_inverse_tolerance_m: float = 0.01
    misaligned_max_share: float = 0.05
    repair_max_area_change: float = 0.01
    beat_overlap_min_m2: float = 1.0
    block_split_min_share: float = 0.01
    beat_gap_mouth_max_share: float = 0.1
    network_type: str = "drive_service"
    block_min_area_m2: float = 200.0
    block_name_streets: int = 3
    block_name_min_m: float = 10.0
    block_name_near_m: float = 200.0
    outside_block_max_m: float = 50.0
    streets_miss_max_share: float = 0.5
    coverage_threshold: float = 0.8
    vulnerable_overdue_days: int = 30
    follow_up_days: int = 14
    band_min_attempts: int = 8
    band_prior_attempts: float = 2.0
    band_base_rate: float = 0.5
    priority_prior_households: float = 5.0
    priority_vulnerable_weight: float = 2.0
    priority_follow_up_weight: float = 1.0
    priority_waiting_full_days: float = 90.0
    priority_color_edges: tuple[float, ...] = (5.0, 15.0, 30.0, 60.0)
    far_from_door_m: float = 150.0
    gps_far_m: float = 300.0
    too_short_min: float = 3.0
    gps_error_m: float = 15.0
    walking_speed_mps: float = 1.5
    running_speed_mps: float = 4.0
    min_visit_min: float = 1.0
    network_snap_max_m: float = 50.0
    network_max_detour: float = 1.6
    network_min_snapped_share: float = 0.5
    shift_gap_h: float = 12.0
    desk_job_min_jumps: int = 3
    desk_job_min_share: float = 0.3
    burst_min_households: int = 5
    burst_radius_m: float = 30.0
    burst_span_min: float = 30.0
    duplicate_window_min: float = 10.0
    review_counts: bool = True
    include_unverified: bool = False
    workload_period_days: float = 90.0
    workload_visits_per_household: float = 1.0
    workload_follow_up_visits: float = 1.0
    workload_visit_min: float = 10.0
    workload_min_durations: int = 30
    workload_walking_speed_mps: float = 1.2
    workload_rounds_per_period: float = 1.0
    workload_access_detour: float = 1.4
    workload_officer_hours: float = 80.0
    plan_target_ratio: float = 1.1
    plan_move_penalty: float = 0.001
    plan_compactness_weight: float = 0.5
    plan_adjacency_min_m: float = 10.0
    plan_seed: int = 0
    plan_fresh_starts: int = 8
    route_return_to_start: bool = False
    route_search_rounds: int = 100
    route_seed: int = 0
    map_coordinate_decimals: int = 5
    tile_url: str | None = None
    login_max_failures: int = 5
    login_lockout_min: float = 15.0
    session_idle_min: float = 30.0
    session_max_h: float = 12.0
    password_min_length: int = 10
    password_checks_at_once: int = 1
    audit_retention_days: int = 1095

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied; unknown names raise ``TypeError``."""
        return dataclasses.replace(self, **changes)


DEFAULTS = Settings()
"""The defaults everyone starts from."""


def resolve(settings: Settings | None) -> Settings:
    """Return ``settings`` or the defaults when it is ``None``."""
    return DEFAULTS if settings is None else settings

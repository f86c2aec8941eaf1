"""Honest officers at work: shifts, rounds from door to door, who answers, issues raised.

Officers go to the nearest household along the walk network (:class:`Walks`), weighted by
priority: follow-up due > vulnerable not contacted for ``VULNERABLE_REVISIT_DAYS`` > never
contacted > routine revisit after ``ROUTINE_REVISIT_DAYS``. They do not walk the network's
route, though: like real officers they cut through compounds, on paths OSM lacks. A leg is
the straight line between the doors times a detour drawn per leg from ``DETOUR``, at the
officer's own speed (``OFFICER_SPEED_MPS``), plus a pause at the door (``OVERHEAD_S``).
:func:`check_travel` proves every honest leg keeps to that physics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from geo.projection import local_utm, project
from geo.settings import Settings
from geo.walk import prepare_streets, snap_households

from .beats import Beats
from .households import Entities
from .params import (
    BAND_P,
    BANDS,
    CLUSTER_DIAMETER_M,
    CLUSTER_MAX_PRIOR,
    CLUSTER_WINDOW_S,
    CONTACT_NOTES,
    DETOUR,
    EVENING_MAX_ATTEMPTS,
    FOLLOW_UP_NOTE,
    FOLLOW_UP_P,
    GPS_ERROR_M,
    ISSUE_NOTE,
    ISSUE_P,
    ISSUES,
    LEAVE_DAYS,
    MAX_FAILED_ATTEMPTS,
    MISSING_GPS_P,
    N_DAYS,
    NOBODY_NOTE,
    OFFICER_SPEED_MPS,
    OVERHEAD_S,
    PROFILES,
    REFUSE_P,
    REFUSED_NOTE,
    REFUSED_WEIGHT,
    REST_DAY_P,
    RETURN_DAYS,
    ROUTINE_REVISIT_DAYS,
    SATISFACTION_P,
    SATISFACTION_W,
    SCHOOL_OPENS_DAY,
    VULNERABLE_REVISIT_DAYS,
    WINDOW_START,
    rng_for,
)


@dataclass
class Walks:
    """Distances along the walk graph between entities: how officers judge "nearest".

    Between two different entities: the off-network legs from each to its nearest node of
    the walk graph plus the shortest path between the nodes, never less than the straight
    line; the straight line when both share a node or their nodes are not connected. The
    same entity twice is 0 m apart. Officers pick their next door by this distance, which
    keeps their rounds street by street, but they do not walk it.
    """

    xy: np.ndarray
    """(n, 2) metric coordinates of the entities."""
    slot: np.ndarray
    """(n,) row of each entity's nearest node in ``between``."""
    off: np.ndarray
    """(n,) metres from each entity to its nearest node."""
    between: np.ndarray
    """(k, k) shortest path lengths between the entities' nodes (inf: not connected)."""

    def from_one(self, a: int, others: np.ndarray) -> np.ndarray:
        """Return the walking distances (m) from entity ``a`` to each entity of ``others``."""
        others = np.asarray(others, dtype=np.int64)
        xy = self.xy[others]
        out = self._walk(self.xy[a, 0], self.xy[a, 1], self.slot[a], self.off[a], xy, others)
        out[others == a] = 0.0
        return out

    def among(self, ents: np.ndarray) -> np.ndarray:
        """Return the (m, m) walking distances (m) between the entities ``ents``.

        Row ``i`` equals ``from_one(ents[i], ents)``, computed for all rows at once.
        """
        ents = np.asarray(ents, dtype=np.int64)
        xy = self.xy[ents]
        a = ents[:, None]
        out = self._walk(xy[:, :1], xy[:, 1:], self.slot[a], self.off[a], xy, ents)
        np.fill_diagonal(out, 0.0)
        return out

    def pairwise(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return the walking distances (m) from each entity of ``a`` to its pair in ``b``.

        Element ``i`` equals ``from_one(a[i], [b[i]])[0]``, computed for all pairs at once.
        """
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        xy = self.xy[a]
        out = self._walk(xy[:, 0], xy[:, 1], self.slot[a], self.off[a], self.xy[b], b)
        out[a == b] = 0.0
        return out

    def _walk(
        self, ax: Any, ay: Any, slot_a: Any, off_a: Any, xy: np.ndarray, others: np.ndarray
    ) -> np.ndarray:
        """Return the walking distances from ``a`` to ``others`` (at ``xy``).

        ``a`` is at ``ax``, ``ay``, ``off_a`` metres off the network at node row ``slot_a``:
        scalars for one entity, or (m, 1) columns for m of them (broadcast to (m, n)).
        """
        straight = np.hypot(xy[:, 0] - ax, xy[:, 1] - ay)
        slot = self.slot[others]
        net = self.between[slot_a, slot]
        use = (slot != slot_a) & np.isfinite(net)
        walk = off_a + net + self.off[others]  # inf where the nodes are not connected
        return np.where(use, np.maximum(walk, straight), straight)


def walk_distances(graph: nx.MultiDiGraph, lon: np.ndarray, lat: np.ndarray) -> Walks:
    """Prepare walking distances between the points ``lon``/``lat`` (WGS84) along ``graph``.

    The points are projected, snapped to nodes and routed with :mod:`geo.walk` (symmetric
    adjacency with one-way streets walked both ways, nearest nodes).
    """
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    table = gpd.GeoDataFrame({"household_id": np.arange(len(points))}, geometry=points)
    metric = local_utm(points)
    m = project(points, crs=metric).to_numpy()
    xy = np.column_stack([shapely.get_x(m), shapely.get_y(m)])
    streets = prepare_streets(graph, metric)
    node, off = snap_households(table, xy[:, 0], xy[:, 1], streets, None)
    nodes, slot = np.unique(node, return_inverse=True)
    between = dijkstra(streets.csr, directed=True, indices=nodes)[:, nodes]
    return Walks(xy=xy, slot=slot.reshape(-1), off=off, between=between)


@dataclass
class Visit:
    """One visit (metric GPS, local seconds of its day)."""

    hh: int
    officer: str
    day: int
    sec: int
    outcome: str
    duration: int
    gps: tuple[float, float] | None
    issue: str = ""
    follow_up_of: int = -1
    satisfaction: int | None = None
    note: str = ""
    cheat: str = ""
    """``""`` for honest visits, else the planted pattern (``burst-1``, ``desk-1``, ...)."""
    visit_id: str = ""
    leg_m: float = 0.0
    """Metres walked from the officer's previous door (0 for a shift's first visit)."""


Schedule = dict[str, list[str | None]]


def officer_schedules(beats: Beats, seed: int) -> Schedule:
    """Band of each officer's shift on each day (``None`` = not working).

    Two fixed rest days a week, a ``LEAVE_DAYS`` leave and a few sick days; each working day
    is one shift in a band drawn with ``BAND_P``.
    """
    rng = rng_for(seed, "schedule")
    band_names = [b[0] for b in BANDS]
    out: Schedule = {}
    for pos, officers in enumerate(beats.officer_ids):
        for k, officer in enumerate(officers):
            rest = {(2 * pos + 3 * k) % 7, (2 * pos + 3 * k + 1) % 7}
            leave_start = 8 + 12 * ((pos + k * 3) % 6) + int(rng.integers(0, 4))
            days: list[str | None] = []
            for d in range(N_DAYS):
                weekday = (WINDOW_START + timedelta(days=d)).weekday()
                off = (
                    weekday in rest
                    or leave_start <= d < leave_start + LEAVE_DAYS
                    or rng.random() < REST_DAY_P
                )
                days.append(None if off else band_names[int(rng.choice(4, p=BAND_P))])
            out[officer] = days
    return out


def officer_speeds(beats: Beats, seed: int) -> dict[str, float]:
    """Each officer's walking speed (m/s), drawn from ``OFFICER_SPEED_MPS``."""
    rng = rng_for(seed, "speeds")
    officers = [o for os_ in beats.officer_ids for o in os_]
    return {o: float(rng.uniform(*OFFICER_SPEED_MPS)) for o in officers}


def p_home(profile: str, band: int, day: int, return_day: int) -> float:
    """Probability that somebody answers the door."""
    if profile == "away" and day < return_day:
        return 0.0
    if profile == "school" and day < SCHOOL_OPENS_DAY:
        return 0.1
    return PROFILES[profile][band]


@dataclass
class Rules:
    """Which households officers treat differently (the planted patterns' causes)."""

    excluded: np.ndarray
    """Never tried by honest officers (rarely visited blocks, burst blocks)."""
    evening: np.ndarray
    """Home only in the evening, tried only in working hours, at most a few times."""
    cutoff: np.ndarray
    """Day from which a household is no longer visited (overdue vulnerable residents)."""
    desk_days: set[tuple[str, int]] = field(default_factory=set)
    """(officer, day) of the desk-job shifts: no honest round that day."""


class Simulation:
    """The honest visits of every officer over the window (state kept per household)."""

    def __init__(
        self,
        ent: Entities,
        beat_of: np.ndarray,
        walks: Walks,
        speeds: dict[str, float],
        schedule: Schedule,
        rules: Rules,
        seed: int,
    ) -> None:
        self.rng = rng_for(seed, "visits")
        n = len(ent)
        self.ent = ent
        self.walks = walks
        self.speeds = speeds
        self.schedule = schedule
        self.rules = rules
        self.xy = ent.xy()
        self.vulnerable = np.array([bool(v) for v in ent.vulnerable])
        self.profile = list(ent.profile)
        for m in np.flatnonzero(rules.evening):
            self.profile[m] = "evening_only"
        self.kinds = np.asarray(ent.kind)
        # constant over the run: computed once, not per shift
        self.household = self.kinds == "household"
        self.tryable = ~rules.excluded
        self.cap = np.where(rules.evening, EVENING_MAX_ATTEMPTS, MAX_FAILED_ATTEMPTS)
        self.return_day = self.rng.integers(*RETURN_DAYS, size=n)
        self.beat_of = beat_of
        self.last_contact = np.full(n, -10_000)
        self.last_attempt = np.full(n, -1)
        self.failed = np.zeros(n, dtype=int)
        self.follow_due = np.full(n, 10_000)
        self.follow_origin = np.full(n, -1)
        self.visits: list[Visit] = []

    def run(self, officers: Sequence[tuple[str, int]]) -> list[Visit]:
        """Simulate every working day of ``officers`` ((officer, beat index)) in order."""
        members = {r: np.flatnonzero(self.beat_of == r) for _, r in officers}
        dist = {r: self.walks.among(m) for r, m in members.items()}
        band_index = {b[0]: k for k, b in enumerate(BANDS)}
        for day in range(N_DAYS):
            for officer, r in officers:
                band = self.schedule[officer][day]
                if band is None or (officer, day) in self.rules.desk_days:
                    continue
                self.shift(officer, members[r], dist[r], day, band_index[band])
        return self.visits

    def candidates(self, idx: np.ndarray, day: int, band: int) -> tuple[np.ndarray, np.ndarray]:
        """Households the officer may try now, and the priority bonus of each."""
        last_contact = self.last_contact[idx]
        never = last_contact < 0
        due_follow = self.follow_due[idx] <= day
        gap = day - last_contact
        due_vul = self.vulnerable[idx] & (gap >= VULNERABLE_REVISIT_DAYS)
        routine = (~never) & (gap >= ROUTINE_REVISIT_DAYS)
        ok = (
            self.tryable[idx]
            & (self.last_attempt[idx] != day)
            & (day < self.rules.cutoff[idx])
            & (self.failed[idx] < self.cap[idx])
            & (due_follow | due_vul | never | routine)
            & (self.household[idx] | never | due_follow)
        )
        if BANDS[band][0] != "working":
            ok &= ~self.rules.evening[idx]
        bonus = np.where(
            due_follow[ok], 600.0, np.where(due_vul[ok], 450.0, np.where(never[ok], 300.0, 0.0))
        )
        return idx[ok], bonus

    def pick(
        self,
        cand: np.ndarray,
        cost: np.ndarray,
        t: int,
        recent: list[tuple[int, float, float]],
        left: int,
    ) -> tuple[int, int, tuple[float, float]]:
        """Pick the cheapest door whose GPS point would not crowd the recent logs.

        Only the ``left`` cheapest doors of ``cand`` are open (the others cost ``inf``).
        Returns its position in ``cand``, the household and the GPS point (-1, -1: none).
        """
        window = [(gx, gy) for (ts, gx, gy) in recent if t - ts <= CLUSTER_WINDOW_S]
        uniform, beta = self.rng.uniform, self.rng.beta
        for o in np.argsort(cost, kind="stable")[: min(40, left)].tolist():
            h = int(cand[o])
            ang = uniform(0, 2 * math.pi)
            dist = GPS_ERROR_M[0] + (GPS_ERROR_M[1] - GPS_ERROR_M[0]) * beta(1.5, 4)
            g = (self.xy[h, 0] + dist * math.cos(ang), self.xy[h, 1] + dist * math.sin(ang))
            near = 0  # logs within CLUSTER_DIAMETER_M, counted up to CLUSTER_MAX_PRIOR
            for gx, gy in window:
                if math.hypot(gx - g[0], gy - g[1]) <= CLUSTER_DIAMETER_M:
                    near += 1
                    if near == CLUSTER_MAX_PRIOR:
                        break
            if near < CLUSTER_MAX_PRIOR:
                return o, h, g
        return -1, -1, (0.0, 0.0)

    def shift(self, officer: str, idx: np.ndarray, dist: np.ndarray, day: int, band: int) -> None:
        """One shift: door after door until the band ends or nobody is left to try.

        ``idx`` are the beat's households (ascending), ``dist`` their ``Walks.among``.

        The candidates are found once: a knock changes the state of the household knocked
        only, and takes it out of the candidates for the rest of the day (tried today), so
        each later step's candidates are the previous ones minus the doors knocked. Those
        stay in the arrays at cost ``inf``: a stable sort keeps the others in the same order.
        """
        _, start_min, end_min = BANDS[band]
        t = start_min * 60 + int(self.rng.integers(5, 25)) * 60
        prev: int | None = None
        recent: list[tuple[int, float, float]] = []
        cand, bonus = self.candidates(idx, day, band)
        rows = np.searchsorted(idx, cand)  # of cand in dist
        tried: list[int] = []  # positions in cand knocked this shift
        while len(tried) < len(cand):
            if prev is None:
                cost = -bonus + self.rng.uniform(0, 400, size=len(cand))
            else:
                # the same as self.walks.from_one(prev, cand) - bonus
                cost = dist[rows[tried[-1]], rows] - bonus
                cost[tried] = np.inf
            o, h, gps = self.pick(cand, cost, t, recent, len(cand) - len(tried))
            if h < 0:
                break
            tried.append(o)
            leg, travel = 0.0, 0.0
            if prev is not None:
                leg = float(np.hypot(*(self.xy[h] - self.xy[prev]))) * self.rng.uniform(*DETOUR)
                travel = leg / self.speeds[officer] + float(self.rng.uniform(*OVERHEAD_S))
            start = int(round(t + travel))
            if start > end_min * 60 - 5 * 60:
                break
            visit = self.knock(h, officer, day, start, band, gps, leg)
            if visit.gps is not None:
                recent.append((start, gps[0], gps[1]))
            prev = h
            t = start + visit.duration * 60

    def knock(
        self,
        h: int,
        officer: str,
        day: int,
        start: int,
        band: int,
        gps: tuple[float, float],
        leg: float,
    ) -> Visit:
        """Try household ``h``: who answers, how long, what is raised; record the visit."""
        rng = self.rng
        home = rng.random() < p_home(self.profile[h], band, day, int(self.return_day[h]))
        refuse = home and (self.profile[h] == "refuser" or rng.random() < REFUSE_P)
        if not home:
            outcome, duration = "nobody_home", int(rng.integers(1, 4))
            note = NOBODY_NOTE if rng.random() < 0.4 else ""
        elif refuse:
            outcome, duration, note = "refused", int(rng.integers(1, 4)), REFUSED_NOTE
        else:
            extra = 4.0 if self.vulnerable[h] else 0.0
            outcome = "contact"
            duration = min(max(round(5 + extra + rng.gamma(2.0, 3.5)), 5), 25)
            note = ""
        fix = None if rng.random() < MISSING_GPS_P else gps
        v = Visit(h, officer, day, start, outcome, duration, fix, note=note, leg_m=leg)
        self.last_attempt[h] = day
        if outcome == "contact":
            self._contact(v)
        else:
            self.failed[h] += REFUSED_WEIGHT if outcome == "refused" else 1
        self.visits.append(v)
        return v

    def _contact(self, v: Visit) -> None:
        """Record a contact: follow an issue up, raise one, or just talk; maybe a score."""
        rng, h, day = self.rng, v.hh, v.day
        self.last_contact[h] = day
        self.failed[h] = 0
        if self.follow_due[h] <= day:
            v.follow_up_of = int(self.follow_origin[h])
            v.note = FOLLOW_UP_NOTE + self.visits[v.follow_up_of].issue
            self.follow_due[h] = 10_000
            self.follow_origin[h] = -1
        elif self.follow_origin[h] < 0 and rng.random() < ISSUE_P:
            v.issue = ISSUES[int(rng.integers(len(ISSUES)))]
            v.note = ISSUE_NOTE
            if rng.random() < FOLLOW_UP_P:
                self.follow_due[h] = day + int(rng.integers(4, 16))
                self.follow_origin[h] = len(self.visits)
            else:
                self.follow_origin[h] = -2  # never followed up: stays open
        elif rng.random() < 0.3:
            v.note = CONTACT_NOTES[int(rng.integers(len(CONTACT_NOTES)))]
        if rng.random() < SATISFACTION_P:
            v.satisfaction = int(rng.choice(5, p=SATISFACTION_W)) + 1


def check_travel(
    visits: Sequence[Visit], xy: np.ndarray, speeds: dict[str, float], *, settings: Settings
) -> None:
    """Raise ``RuntimeError`` unless every honest leg of the simulation is physically possible.

    A leg joins two consecutive honest logs of one officer on one day (one shift). Its path
    (``Visit.leg_m``) is never shorter than the straight line between the doors (``xy``,
    metric), and the later log starts no sooner than the earlier one's duration, plus the
    path at the officer's own speed, plus the shortest pause at a door (``OVERHEAD_S``).
    Nor does any leg beat a straight line walked at ``settings.walking_speed_mps`` (a brisk
    walk) with ``settings.min_visit_min`` at the door: no honest officer is that fast.
    """
    by_officer: dict[str, list[Visit]] = {}
    for v in visits:
        if not v.cheat:
            by_officer.setdefault(v.officer, []).append(v)
    for officer, logs in sorted(by_officer.items()):
        logs.sort(key=lambda v: (v.day, v.sec))
        for a, b in zip(logs, logs[1:], strict=False):
            if b.day != a.day:
                continue
            gap = b.sec - a.sec
            straight = float(np.hypot(*(xy[b.hh] - xy[a.hh])))
            own = a.duration * 60 + b.leg_m / speeds[officer] + OVERHEAD_S[0]
            brisk = straight / settings.walking_speed_mps + settings.min_visit_min * 60
            if b.leg_m < straight - 1e-6 or gap < own - 0.5 or gap < brisk:
                msg = (
                    f"officer {officer}, day {b.day}: {gap} s between logs at {a.sec} s and "
                    f"{b.sec} s for a {b.leg_m:.0f} m path ({straight:.0f} m straight); "
                    f"the path needs {own:.0f} s, a brisk straight walk {brisk:.0f} s"
                )
                raise RuntimeError(msg)


def simulate(
    ent: Entities,
    beats: Beats,
    beat_of: np.ndarray,
    walks: Walks,
    schedule: Schedule,
    rules: Rules,
    seed: int,
) -> tuple[list[Visit], dict[str, float]]:
    """Run the honest rounds; return the visits and the officers' speeds."""
    speeds = officer_speeds(beats, seed)
    officers = [(o, r) for r, os_ in enumerate(beats.officer_ids) for o in os_]
    sim = Simulation(ent, beat_of, walks, speeds, schedule, rules, seed)
    return sim.run(officers), speeds

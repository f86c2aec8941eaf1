"""The planted patterns: where officers fall short, and the logs of box-ticking.

- ``under_visited``: street blocks officers rarely visit (only ``UNDER_VISITED_RARE_SHARE``
  of their households are ever tried).
- ``evening_only``: blocks whose residents are home only in the evening, tried only in
  working hours and given up after ``EVENING_MAX_ATTEMPTS`` failures.
- bursts: one officer logs 6-8 households of a small block within minutes from one spot (a
  station or a café) far from their doors; those households are never visited honestly.
- desk jobs: an officer who does no round that day "visits" two compounds about 2 km apart
  alternately every 5-7 minutes, GPS typed in at the doors.
- overdue vulnerable residents: a few vulnerable households officers stop visiting.

Blocks are the street blocks the analysis builds (``geo.blocks`` on the same file), so the
planted ``block_id`` is the id the analysis gives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from geo.projection import project

from .beats import Beats
from .households import Entities
from .osm import Extract
from .params import (
    BLOCK_HH_RANGE,
    BURST_BLOCK_HH_RANGE,
    BURST_MIN_DISTANCE_M,
    BURST_MIN_SIZE,
    BURST_RADIUS_M,
    BURST_SIZE_MAX,
    BURSTS_WANTED,
    DESK_DISTANCE_M,
    DESK_GPS_M,
    DESK_INTERVAL_S,
    DESK_LOGS,
    DESK_MIN_HOUSEHOLDS,
    N_DAYS,
    N_DESK_JOBS,
    N_EVENING_ONLY,
    N_OVERDUE_PLANTED,
    N_UNDER_VISITED,
    OVERDUE_CUTOFF_DAYS,
    PREFERRED_MAX_HH,
    UNDER_VISITED_RARE_SHARE,
    rng_for,
)
from .simulation import Rules, Schedule, Visit

DESK_ALONE_H = 12
"""No other log of the officer within this many hours of a desk-job shift (its own shift)."""


@dataclass
class Block:
    """One street block of the analysis with its member entities."""

    block_id: str
    poly: Polygon
    poly_m: BaseGeometry
    members: list[int]
    beat: int

    @property
    def households(self) -> int:
        """Number of member entities."""
        return len(self.members)


def build_blocks(extract: Extract, ent: Entities, beat_of: np.ndarray) -> list[Block]:
    """Return the analysis' street blocks with the entities inside each (beat -1: mixed)."""
    faces = extract.blocks
    faces_m = project(faces.geometry, crs=extract.crs).to_numpy()
    pairs = shapely.STRtree(faces_m).query(shapely.points(ent.xy()), predicate="within")
    of = np.full(len(ent), -1)
    of[pairs[0]] = pairs[1]
    blocks = []
    for i, (bid, poly, poly_m) in enumerate(
        zip(faces["block_id"], faces.geometry, faces_m, strict=True)
    ):
        members = np.flatnonzero(of == i).tolist()
        beats = sorted({int(beat_of[m]) for m in members})
        blocks.append(Block(str(bid), poly, poly_m, members, beats[0] if len(beats) == 1 else -1))
    return blocks


@dataclass
class Plan:
    """Which blocks and households are planted into which pattern."""

    under_visited: list[int] = field(default_factory=list)  # block indices
    evening_only: list[int] = field(default_factory=list)
    burst_blocks: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)  # entity indices
    overdue_cutoff: dict[int, int] = field(default_factory=dict)
    rare: set[int] = field(default_factory=set)  # under-visited entities still visited
    desk_days: list[tuple[str, int]] = field(default_factory=list)

    def planted_members(self, blocks: list[Block]) -> set[int]:
        """Entities of every planted block."""
        chosen = self.under_visited + self.evening_only + self.burst_blocks
        return {m for i in chosen for m in blocks[i].members}

    def rules(self, blocks: list[Block], n: int) -> Rules:
        """Return what the honest officers do differently because of the plan."""
        excluded = np.zeros(n, dtype=bool)
        for i in self.under_visited:
            for m in blocks[i].members:
                excluded[m] = m not in self.rare
        for i in self.burst_blocks:
            excluded[blocks[i].members] = True
        evening = np.zeros(n, dtype=bool)
        for i in self.evening_only:
            evening[blocks[i].members] = True
        cutoff = np.full(n, N_DAYS + 1)
        for i, d in self.overdue_cutoff.items():
            cutoff[i] = d
        return Rules(excluded, evening, cutoff, set(self.desk_days))


class _Picker:
    """Blocks taken one by one in a random order: separated, at most two per beat."""

    def __init__(self, blocks: list[Block], ent: Entities, rng: np.random.Generator) -> None:
        self.blocks = blocks
        self.is_hh = np.asarray(ent.kind) == "household"
        self.order = rng.permutation(len(blocks)).tolist()
        self.chosen: list[int] = []
        self.per_beat: dict[int, int] = {}

    def n_hh(self, b: Block) -> int:
        return int(self.is_hh[b.members].sum())

    def ok(self, i: int, lo: int, hi: int) -> bool:
        b = self.blocks[i]
        if i in self.chosen or b.beat < 0 or not (lo <= self.n_hh(b) <= hi):
            return False
        if self.n_hh(b) < 0.9 * b.households or self.per_beat.get(b.beat, 0) >= 2:
            return False
        return all(self.blocks[j].poly_m.distance(b.poly_m) > 40.0 for j in self.chosen)

    def add(self, i: int) -> None:
        self.chosen.append(i)
        beat = self.blocks[i].beat
        self.per_beat[beat] = self.per_beat.get(beat, 0) + 1

    def take(self, lo: int, hi: int, k: int) -> list[int]:
        got: list[int] = []
        for i in self.order:
            if len(got) >= k:
                break
            if self.ok(i, lo, hi):
                got.append(i)
                self.add(i)
        return got


def choose_planted(
    blocks: list[Block], ent: Entities, beats: Beats, schedule: Schedule, seed: int
) -> Plan:
    """Pick the planted blocks, households and desk-job days (separated, spread out)."""
    rng = rng_for(seed, "planted")
    plan = Plan()
    picker = _Picker(blocks, ent, rng)
    n_bursts = 0  # burst blocks first (small blocks are the scarcest), then the others
    for i in picker.order:
        if n_bursts >= BURSTS_WANTED[0]:
            break
        if not picker.ok(i, *BURST_BLOCK_HH_RANGE):
            continue
        k = math.ceil(blocks[i].households / BURST_SIZE_MAX)
        if n_bursts + k > BURSTS_WANTED[1]:
            continue
        plan.burst_blocks.append(i)
        picker.add(i)
        n_bursts += k
    # moderate blocks first, so the planted areas do not swallow a big share of the demo
    lo, hi = BLOCK_HH_RANGE
    plan.evening_only = picker.take(lo, PREFERRED_MAX_HH, N_EVENING_ONLY)
    plan.evening_only += picker.take(lo, hi, N_EVENING_ONLY - len(plan.evening_only))
    plan.under_visited = picker.take(lo, PREFERRED_MAX_HH, N_UNDER_VISITED)
    plan.under_visited += picker.take(lo, hi, N_UNDER_VISITED - len(plan.under_visited))
    for i in plan.under_visited:
        members = blocks[i].members
        k = max(1, round(UNDER_VISITED_RARE_SHARE * len(members)))
        plan.rare.update(sorted(rng.choice(members, size=k, replace=False).tolist()))
    planted = plan.planted_members(blocks)
    vul = [
        i
        for i in range(len(ent))
        if ent.vulnerable[i] and i not in planted and ent.kind[i] == "household"
    ]
    plan.overdue = sorted(rng.choice(vul, size=N_OVERDUE_PLANTED, replace=False).tolist())
    for i in plan.overdue:
        plan.overdue_cutoff[i] = int(rng.integers(*OVERDUE_CUTOFF_DAYS))
    plan.desk_days = _desk_days(beats, schedule, rng)
    return plan


def _desk_days(beats: Beats, schedule: Schedule, rng: np.random.Generator) -> list[tuple[str, int]]:
    """Officers of different beats and the working day after a rest day each sits at a desk."""
    out = []
    for r in sorted(rng.choice(len(beats.beat_id), size=N_DESK_JOBS, replace=False).tolist()):
        officer = beats.officer_ids[r][int(rng.integers(len(beats.officer_ids[r])))]
        days = schedule[officer]
        after_rest = [
            d for d in range(14, N_DAYS - 7) if days[d] is not None and days[d - 1] is None
        ]
        out.append((officer, int(rng.choice(after_rest))))
    return out


def plant_bursts(
    visits: list[Visit],
    schedule: Schedule,
    ent: Entities,
    beats: Beats,
    blocks: list[Block],
    plan: Plan,
    spots: list[tuple[str, Any]],
    seed: int,
) -> list[dict[str, Any]]:
    """Add the box-ticking bursts; return their descriptions (metric spots)."""
    rng = rng_for(seed, "bursts")
    xy = ent.xy()
    out: list[dict[str, Any]] = []
    used_days = set(plan.desk_days)
    for bi in plan.burst_blocks:
        blk = blocks[bi]
        members = sorted(blk.members)
        k = math.ceil(len(members) / BURST_SIZE_MAX)
        size = [len(members) // k + (1 if j < len(members) % k else 0) for j in range(k)]
        if min(size) < BURST_MIN_SIZE:
            size, k = [len(members)], 1  # one bigger burst rather than two small ones
        shuffled = rng.permutation(members).tolist()
        officers = beats.officer_ids[blk.beat]
        station = beats.station[blk.beat]
        start = 0
        for j in range(k):
            group = sorted(shuffled[start : start + size[j]])
            start += size[j]
            officer = officers[j % len(officers)]
            dists = [(min(np.hypot(*(xy[group] - [p.x, p.y]).T)), nm, p) for nm, p in spots]
            far = [d for d in dists if d[0] >= BURST_MIN_DISTANCE_M]
            own = [d for d in far if d[1] == station]
            spot = own[0] if own else min(far, key=lambda d: d[0])
            days = [
                d
                for d in range(14, N_DAYS - 7)
                if schedule[officer][d] in ("morning", "midday") and (officer, d) not in used_days
            ]
            day = int(rng.choice(days))
            used_days.add((officer, day))
            sec = (16 * 60 + int(rng.integers(0, 50))) * 60 + int(rng.integers(0, 60))
            ids = []
            for h in group:
                ang = rng.uniform(0, 2 * math.pi)
                rad = BURST_RADIUS_M * math.sqrt(rng.uniform())
                g = (spot[2].x + rad * math.cos(ang), spot[2].y + rad * math.sin(ang))
                ids.append(len(visits))
                visits.append(
                    Visit(h, officer, day, sec, "contact", 1, g, cheat=f"burst-{len(out) + 1}")
                )
                sec += int(rng.integers(25, 41))
            out.append(
                {
                    "block": bi,
                    "officer": officer,
                    "visits": ids,
                    "spot": spot[1:],
                    "households": group,
                }
            )
    return out


def _desk_compounds(ent: Entities, avoid: set[int]) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Compounds fit for a desk job: (index, household members, centre), none planted."""
    xy = ent.xy()
    out = []
    for c, compound in enumerate(ent.compounds):
        members = np.array([m for m in compound.members if m not in avoid], dtype=np.int64)
        if len(members) >= DESK_MIN_HOUSEHOLDS:
            out.append((c, members, xy[members].mean(axis=0)))
    return out


def plant_desk_jobs(
    visits: list[Visit],
    ent: Entities,
    beats: Beats,
    beat_of: np.ndarray,
    blocks: list[Block],
    plan: Plan,
    seed: int,
) -> list[dict[str, Any]]:
    """Add the desk-job shifts; return their descriptions."""
    rng = rng_for(seed, "desk")
    xy = ent.xy()
    avoid = plan.planted_members(blocks) | set(plan.overdue)
    fit = _desk_compounds(ent, avoid)
    used: set[int] = set()
    out = []
    for k, (officer, day) in enumerate(plan.desk_days):
        beat = next(r for r, os_ in enumerate(beats.officer_ids) if officer in os_)
        mine = [f for f in fit if int(np.bincount(beat_of[f[1]]).argmax()) == beat]
        pairs = [
            (a, b)
            for a in mine
            for b in fit
            if a[0] not in used
            and b[0] not in used
            and a[0] != b[0]
            and DESK_DISTANCE_M[0] <= float(np.hypot(*(a[2] - b[2]))) <= DESK_DISTANCE_M[1]
        ]
        if not pairs:
            msg = f"no two compounds {DESK_DISTANCE_M} m apart for {officer}'s desk job"
            raise RuntimeError(msg)
        a, b = pairs[int(rng.integers(len(pairs)))]
        used.update({a[0], b[0]})
        n = int(rng.integers(DESK_LOGS[0], DESK_LOGS[1] + 1))
        homes_a = rng.choice(a[1], size=min(len(a[1]), math.ceil(n / 2)), replace=False)
        homes_b = rng.choice(b[1], size=min(len(b[1]), n // 2), replace=False)
        order = [int(h) for pair in zip(homes_a, homes_b, strict=False) for h in pair]
        order += [int(h) for h in homes_a[len(homes_b) :]]
        sec = (9 * 60 + int(rng.integers(0, 40))) * 60 + int(rng.integers(0, 60))
        ids = []
        for h in order:
            g = (xy[h, 0] + rng.normal(0, DESK_GPS_M), xy[h, 1] + rng.normal(0, DESK_GPS_M))
            duration = int(rng.integers(3, 6))
            ids.append(len(visits))
            visits.append(
                Visit(h, officer, day, sec, "contact", duration, g, cheat=f"desk-{k + 1}")
            )
            sec += int(rng.integers(*DESK_INTERVAL_S))
        out.append({"officer": officer, "beat": beat, "compounds": (a[0], b[0]), "visits": ids})
    return out


def check_desk_jobs_alone(visits: list[Visit]) -> None:
    """Raise ``RuntimeError`` when another log of the officer is near a desk-job shift."""
    spans: dict[str, list[tuple[str, float, float]]] = {}
    for v in visits:
        if v.cheat.startswith("desk-"):
            t = v.day * 86400 + v.sec
            spans.setdefault(v.officer, []).append((v.cheat, t, t))
    for v in visits:
        t = v.day * 86400 + v.sec
        for cheat, lo, hi in spans.get(v.officer, []):
            if v.cheat != cheat and lo - DESK_ALONE_H * 3600 < t < hi + DESK_ALONE_H * 3600:
                msg = f"{cheat}: officer {v.officer} has another log within {DESK_ALONE_H} h"
                raise RuntimeError(msg)

"""Ground truth of the planted patterns (``planted.json``) and the figures of the READMEs.

Honest visits are every visit but the planted bursts and desk jobs; coverage and overdue
residents in the ground truth count honest contacts only. Coordinates in ``planted.json``
are WGS84 (as the analysis' outputs are), times ISO 8601 with their offset.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.projection import to_wgs84
from geo.settings import DEFAULTS

from .beats import Beats
from .households import Entities
from .params import N_DAYS, OVERDUE_DAYS, TZ_NAME, WINDOW_START
from .planting import Block, Plan
from .simulation import Visit
from .writers import iso


def _wkt(geom: BaseGeometry) -> str:
    return shapely.to_wkt(geom, rounding_precision=7, trim=True)


def _coverage(members: Sequence[int], contacted: np.ndarray) -> float:
    return round(float(np.mean(contacted[list(members)])), 3) if len(members) else 0.0


def _lonlat(points: list[tuple[float, float]], crs: Any) -> list[tuple[float, float]]:
    wgs = to_wgs84(gpd.GeoSeries(shapely.points(points), crs=crs))
    return [(round(float(x), 7), round(float(y), 7)) for x, y in zip(wgs.x, wgs.y, strict=True)]


class Truth:
    """What really happened, from the visits and the plan."""

    def __init__(self, ent: Entities, visits: list[Visit]) -> None:
        n = len(ent)
        self.ent, self.visits = ent, visits
        self.honest_contact = np.zeros(n, dtype=bool)
        self.any_contact = np.zeros(n, dtype=bool)
        self.last_honest = np.full(n, -1)
        self.bands: dict[int, dict[str, int]] = {}
        for v in visits:
            if v.outcome == "contact":
                self.any_contact[v.hh] = True
                if not v.cheat:
                    self.honest_contact[v.hh] = True
                    self.last_honest[v.hh] = max(self.last_honest[v.hh], v.day)
            if not v.cheat:
                hour = v.sec // 3600
                band = "morning" if hour < 9 else "working" if hour < 17 else "evening"
                counts = self.bands.setdefault(v.hh, {})
                counts[band] = counts.get(band, 0) + 1

    def block(self, b: Block, beats: Beats) -> dict[str, Any]:
        """Return a planted block's entry."""
        bands: dict[str, int] = {}
        for m in b.members:
            for k, c in self.bands.get(m, {}).items():
                bands[k] = bands.get(k, 0) + c
        return {
            "block_id": b.block_id,
            "beat_id": beats.beat_id[b.beat],
            "households": b.households,
            "coverage_honest": _coverage(b.members, self.honest_contact),
            "coverage_as_logged": _coverage(b.members, self.any_contact),
            "attempts_by_band": {
                k: bands[k] for k in ("morning", "working", "evening") if k in bands
            },
            "polygon_wkt": _wkt(b.poly),
            "household_ids": sorted(self.ent.ids[m] for m in b.members),
        }

    def burst(self, k: int, b: dict[str, Any], beats: Beats, blocks: list[Block]) -> dict:
        """Return a burst's entry."""
        vs = [self.visits[i] for i in b["visits"]]
        g = np.array([v.gps for v in vs])
        xy = self.ent.xy()
        spread = max(float(np.hypot(*(p - q))) for p, q in itertools.combinations(g, 2))
        dmin = min(float(np.hypot(*(g[i] - xy[v.hh]))) for i, v in enumerate(vs))
        (lon, lat) = _lonlat([(b["spot"][1].x, b["spot"][1].y)], self.ent.crs)[0]
        return {
            "burst_id": f"burst-{k + 1}",
            "officer_id": vs[0].officer,
            "beat_id": beats.beat_id[blocks[b["block"]].beat],
            "block_id": blocks[b["block"]].block_id,
            "start": iso(vs[0].day, vs[0].sec),
            "end": iso(vs[-1].day, vs[-1].sec),
            "spot": {"name": b["spot"][0], "lon": lon, "lat": lat},
            "households": len(vs),
            "span_min": round((vs[-1].sec - vs[0].sec) / 60, 2),
            "gps_spread_m": round(spread, 1),
            "min_distance_to_households_m": round(dmin, 1),
            "visit_ids": [v.visit_id for v in vs],
            "household_ids": sorted(self.ent.ids[v.hh] for v in vs),
        }

    def desk_job(self, k: int, d: dict[str, Any], beats: Beats) -> dict:
        """Return a desk-job shift's entry."""
        vs = [self.visits[i] for i in d["visits"]]
        xy = self.ent.xy()
        centres = [xy[self.ent.compounds[c].members].mean(axis=0) for c in d["compounds"]]
        where = _lonlat([tuple(c) for c in centres], self.ent.crs)
        jumps = [float(np.hypot(*(xy[b.hh] - xy[a.hh]))) for a, b in itertools.pairwise(vs)]
        gaps = [(b.sec - a.sec) / 60 for a, b in itertools.pairwise(vs)]
        return {
            "desk_job_id": f"desk-{k + 1}",
            "officer_id": vs[0].officer,
            "beat_id": beats.beat_id[d["beat"]],
            "start": iso(vs[0].day, vs[0].sec),
            "end": iso(vs[-1].day, vs[-1].sec),
            "compounds": [
                {"address": self.ent.compounds[c].label, "lon": lon, "lat": lat}
                for c, (lon, lat) in zip(d["compounds"], where, strict=True)
            ],
            "distance_m": round(float(np.hypot(*(centres[0] - centres[1]))), 1),
            "logs": len(vs),
            "minutes_between_logs": [round(min(gaps), 2), round(max(gaps), 2)],
            "min_jump_m": round(min(jumps), 1),
            "visit_ids": [v.visit_id for v in vs],
            "household_ids": sorted(self.ent.ids[v.hh] for v in vs),
        }

    def overdue(self) -> list[str]:
        """Vulnerable households with no honest contact in the last ``OVERDUE_DAYS``."""
        return sorted(
            self.ent.ids[i]
            for i in range(len(self.ent))
            if self.ent.vulnerable[i]
            and (self.last_honest[i] < 0 or N_DAYS - self.last_honest[i] > OVERDUE_DAYS)
        )

    def open_issues(self) -> list[str]:
        """Visits whose raised issue never got a follow-up."""
        followed = {v.follow_up_of for v in self.visits if v.follow_up_of >= 0}
        return [v.visit_id for k, v in enumerate(self.visits) if v.issue and k not in followed]


def ground_truth(
    truth: Truth,
    beats: Beats,
    blocks: list[Block],
    plan: Plan,
    cheats: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    seed: int,
) -> dict[str, Any]:
    """Return the content of ``planted.json``."""
    bursts, desks = cheats
    ent = truth.ent
    return {
        "description": "Ground truth of the patterns planted in the demo visits; see README.md.",
        "generator": {
            "script": "data/make_demo.py",
            "seed": seed,
            "window_start": WINDOW_START.isoformat(),
            "window_end": (WINDOW_START + timedelta(days=N_DAYS - 1)).isoformat(),
            "timezone": TZ_NAME,
            "as_of": iso(N_DAYS, 0),
            "coordinates": "WGS84",
        },
        "under_visited": [truth.block(blocks[i], beats) for i in plan.under_visited],
        "evening_only": [truth.block(blocks[i], beats) for i in plan.evening_only],
        "bursts": [truth.burst(k, b, beats, blocks) for k, b in enumerate(bursts)],
        "burst_blocks": [truth.block(blocks[i], beats) for i in plan.burst_blocks],
        "desk_jobs": [truth.desk_job(k, d, beats) for k, d in enumerate(desks)],
        "vulnerable_overdue": {
            "as_of": iso(N_DAYS, 0),
            "days": OVERDUE_DAYS,
            "planted": sorted(ent.ids[i] for i in plan.overdue),
            "all": truth.overdue(),
        },
        "open_issues": truth.open_issues(),
        "follow_up_days": DEFAULTS.follow_up_days,
    }


def summary(
    truth: Truth, beats: Beats, blocks: list[Block], plan: Plan, hstats: dict[str, Any]
) -> dict[str, Any]:
    """Figures for the READMEs and the command line."""
    ent, visits = truth.ent, truth.visits
    n = len(ent)
    kinds = np.asarray(ent.kind)
    is_hh = kinds == "household"
    vul = np.array([bool(x) for x in ent.vulnerable])
    honest_visits = np.bincount([v.hh for v in visits if not v.cheat], minlength=n)
    planted = set(plan.under_visited + plan.evening_only + plan.burst_blocks)
    others = [i for i, b in enumerate(blocks) if b.households >= 5 and i not in planted]
    cov = np.array([_coverage(blocks[i].members, truth.honest_contact) for i in others])
    return {
        "beats": len(beats.beat_id),
        "beat_households": dict(zip(beats.beat_id, beats.households, strict=True)),
        "households": int(is_hh.sum()),
        "entities": n,
        "kinds": {k: int((kinds == k).sum()) for k in ("household", "shop", "school", "workplace")},
        "vulnerable": int(vul.sum()),
        "visits": len(visits),
        "contacts": sum(1 for v in visits if v.outcome == "contact"),
        "burst_visits": sum(1 for v in visits if v.cheat.startswith("burst-")),
        "desk_job_visits": sum(1 for v in visits if v.cheat.startswith("desk-")),
        "coverage_households_honest": round(float(truth.honest_contact[is_hh].mean()), 3),
        "blocks": len(blocks),
        "blocks_with_households": sum(1 for b in blocks if b.households),
        "blocks_with_5plus": len(others),
        "block_coverage_quantiles": [
            round(float(q), 3) for q in np.quantile(cov, [0.1, 0.25, 0.5, 0.75, 0.9])
        ],
        "blocks_under_80": int((cov < 0.8).sum()),
        "visits_per_vulnerable": round(float(honest_visits[vul].mean()), 2),
        "visits_per_other_household": round(float(honest_visits[is_hh & ~vul].mean()), 2),
        "issues": sum(1 for v in visits if v.issue),
        "open_issues": len(truth.open_issues()),
        "follow_ups": sum(1 for v in visits if v.follow_up_of >= 0),
        "missing_gps": sum(1 for v in visits if v.gps is None),
        "satisfaction": sum(1 for v in visits if v.satisfaction is not None),
        **hstats,
    }

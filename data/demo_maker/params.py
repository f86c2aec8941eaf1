"""The generator's parameters: what the demo looks like and how its people behave.

Thresholds that define a finding (overdue after 30 days, a follow-up due in 14 days), the
block network and the zone of local times come from :mod:`geo.settings`, as the analysis
reads them. Everything else here describes the simulated station and is documented in the
generated READMEs. Nothing here copies a threshold of the verifier: honest officers follow
their own physics (``DETOUR``, ``OFFICER_SPEED_MPS``), not the verifier's model.
"""

from __future__ import annotations

import zlib
from datetime import date
from pathlib import Path
from typing import Final

import numpy as np

from geo.settings import DEFAULTS

ROOT: Final = Path(__file__).resolve().parents[2]
DEFAULT_SEED: Final = 20260701
DEFAULT_OSM: Final = ROOT / "data" / "streets" / "nanjing_xuanwu.osm"
DEFAULT_OUT: Final = ROOT / "data"

# --------------------------------------------------------------------------- the place

WINDOW: Final = (118.763, 32.036, 118.796, 32.052)
"""West, south, east, north (WGS84) of the neighbourhood: the span of the extract's
buildings (``../shared/data/osm/README.md``). The file's other ways reach far beyond."""
GRID: Final = 1e-7
"""Beat and block coordinates are snapped to this grid (degrees, about 1 cm)."""
GCJ_DECIMALS: Final = 6
"""Decimals of the GCJ-02 coordinates in the CSV exports (about 0.1 m), as map apps give."""

N_BEATS: Final = 6
OFFICERS_PER_BEAT: Final = 2
MAJOR_HIGHWAYS: Final = ("trunk", "primary", "secondary", "tertiary")
"""Streets that beats are drawn along."""
HEAVY_CELL_SHARE: Final = 0.35
"""A cell between major streets holding more than this share of a beat's households is
split along the smaller streets inside it."""
COMPACTNESS: Final = 4.0
STATIONS: Final = (("新街口派出所", "新街口转盘"), ("五老村派出所", "五老村"))
"""Made-up police stations: name and the OSM place or street whose position stands for it."""
BEAT_SUFFIX: Final = "警务区"
OFFICER_ID: Final = "05{:04d}"
"""Officer numbers (警号): six digits with a leading zero, kept as text."""

# --------------------------------------------------------------------------- households

RESIDENTIAL_BUILDINGS: Final = frozenset(
    {"residential", "apartments", "house", "detached", "terraced", "dormitory"}
)
"""Buildings that are homes by their tag; ``building=yes`` counts inside residential land."""
SLAB_DEPTH_M: Final = (8.0, 16.0)
SLAB_MIN_ELONGATION: Final = 2.5
SLAB_AREA_M2: Final = (150.0, 2000.0)
SLAB_MIN_FILL: Final = 0.8
"""A nameless ``building=yes`` outside commercial land is a home when it has the shape of a
residential slab (板楼): 8-16 m deep, at least 2.5 times as long, 150-2,000 m², filling 80 %
of its minimum rotated rectangle. OSM rarely tags the land use of old compounds."""
COMMERCIAL_LAND: Final = frozenset({"commercial", "retail", "industrial", "military"})
NON_RESIDENTIAL_KEYS: Final = (
    "shop",
    "amenity",
    "office",
    "tourism",
    "craft",
    "healthcare",
    "leisure",
)
FEATURE_KEYS: Final = (
    "building",
    "landuse",
    "shop",
    "amenity",
    "office",
    "tourism",
    "place",
    "addr:housenumber",
)
"""Tag keys of the features read from the extract (``geo.streets.load_features``)."""
ADDRESS_HIGHWAYS: Final = frozenset(
    {
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "living_street",
        "pedestrian",
        "service",
    }
)
"""Named ways of these kinds give addresses (streets, lanes 巷, pedestrian streets); not
expressways, tunnels or roundabouts."""
DEFAULT_LEVELS: Final = 6.0
"""Storeys of a residential building without ``building:levels``: the six-storey walk-up
blocks of the 1980s and 1990s that fill Nanjing's older compounds."""
DWELLING_M2: Final = 90.0
MIN_FOOTPRINT_M2: Final = 60.0
SCALE: Final = 0.17
"""Share of the dwellings kept as demo households."""
FLATS_PER_FLOOR: Final = (2, 4)
"""Flats per floor of one stairwell (单元): walk-ups (up to 7 storeys), then towers."""
N_SHOPS: Final = 40
N_SCHOOLS: Final = 3
N_WORKPLACES: Final = 30
SHOP_AMENITIES: Final = frozenset(
    {"restaurant", "fast_food", "cafe", "bar", "pub", "pharmacy", "bank", "ice_cream"}
)
HOUSE_NUMBER_SPACING_M: Final = 20.0
"""House numbers grow by two every this many metres along a street, odd on one side."""

RESIDENT_P: Final = (0.28, 0.34, 0.24, 0.1, 0.04)
"""Residents per household: 1 to 5."""
VULNERABLE_SHARE: Final = 0.08
VULNERABLE_CATEGORIES: Final = ("独居老人", "残疾人", "重病患者", "困难家庭", "留守儿童")
"""Elderly living alone, disabled, seriously ill, poor household, left-behind child."""
VULNERABLE_P: Final = (0.4, 0.16, 0.12, 0.2, 0.12)
KIND_LABELS: Final = {"household": "住户", "shop": "商铺", "school": "学校", "workplace": "单位"}

# --------------------------------------------------------------------------- time

TZ_NAME: Final = DEFAULTS.timezone
"""Local times are written without a zone; they are Asia/Shanghai (the analysis default)."""
WINDOW_START: Final = date(2026, 7, 1)
N_DAYS: Final = 90
OVERDUE_DAYS: Final = DEFAULTS.vulnerable_overdue_days
BANDS: Final = (
    ("morning", 360, 540),
    ("midday", 660, 840),
    ("working", 540, 1020),
    ("evening", 1020, 1260),
)
"""Shift bands: name, first and last minute of the day (local time)."""
BAND_P: Final = (0.2, 0.2, 0.35, 0.25)
SCHOOL_OPENS_DAY: Final = 62
"""2026-09-01: schools are closed for the summer until then."""

# --------------------------------------------------------------------------- officers

WALK_NETWORK: Final = "walk"
"""The osmnx network along which officers judge which household is nearest."""
OFFICER_SPEED_MPS: Final = (1.0, 1.35)
"""Each officer walks at an own speed (m/s), drawn once from this range."""
DETOUR: Final = (1.1, 1.5)
"""Officers cut through compounds rather than follow the walk network: a leg's path is the
straight line between the doors times a factor drawn per leg from this range."""
OVERHEAD_S: Final = (90, 240)
"""Seconds at a door on top of the logged duration (knocking, stairs, writing up)."""
GPS_ERROR_M: Final = (5.0, 40.0)
MISSING_GPS_P: Final = 0.01
REFUSE_P: Final = 0.03
ISSUE_P: Final = 0.05
FOLLOW_UP_P: Final = 0.85
SATISFACTION_P: Final = 0.4
SATISFACTION_W: Final = (0.03, 0.07, 0.2, 0.4, 0.3)
VULNERABLE_REVISIT_DAYS: Final = 14
ROUTINE_REVISIT_DAYS: Final = 35
MAX_FAILED_ATTEMPTS: Final = 8
REFUSED_WEIGHT: Final = 4
"""A refusal counts as this many failed attempts: two refusals and the officer gives up."""
CLUSTER_WINDOW_S: Final = 35 * 60
CLUSTER_DIAMETER_M: Final = 60.0
CLUSTER_MAX_PRIOR: Final = 3
"""Officers log at most this many households within ``CLUSTER_DIAMETER_M`` in
``CLUSTER_WINDOW_S`` (they spread a stairwell over several rounds)."""
REST_DAY_P: Final = 0.03
"""Chance of a sick day."""
LEAVE_DAYS: Final = 10

PROFILES: Final[dict[str, tuple[float, float, float, float]]] = {
    "regular": (0.6, 0.4, 0.22, 0.7),
    "homebody": (0.75, 0.7, 0.65, 0.72),
    "away": (0.6, 0.4, 0.22, 0.7),  # away (0) until its return day, then regular
    "never_home": (0.02, 0.02, 0.02, 0.02),
    "refuser": (0.6, 0.4, 0.22, 0.7),  # always refuses when home
    "evening_only": (0.0, 0.0, 0.0, 0.75),
    "shop": (0.3, 0.95, 0.95, 0.6),
    "school": (0.5, 0.9, 0.9, 0.1),  # closed for the summer until SCHOOL_OPENS_DAY
    "workplace": (0.4, 0.9, 0.9, 0.1),
}
"""Probability that somebody answers the door by band (morning, midday, working, evening)."""
HOUSEHOLD_PROFILE_P: Final = {
    "regular": 0.6,
    "homebody": 0.25,
    "away": 0.09,
    "never_home": 0.04,
    "refuser": 0.02,
}
RETURN_DAYS: Final = (10, 50)
"""An ``away`` household is back on a day drawn from this range (July-August)."""

ISSUES: Final = (
    "楼道路灯损坏",
    "噪音扰民",
    "电动车被盗",
    "楼道堆放杂物",
    "电动车在楼道充电",
    "停车纠纷",
    "楼道内有可疑人员",
    "接到诈骗电话",
    "邻里纠纷",
    "高空抛物",
)
CONTACT_NOTES: Final = (
    "介绍社区民警身份",
    "发放防诈骗宣传单",
    "宣传防盗知识",
    "了解家中情况，一切正常",
    "了解小区治安情况",
)
NOBODY_NOTE: Final = "留下警民联系卡"
REFUSED_NOTE: Final = "不愿交谈"
ISSUE_NOTE: Final = "已登记问题"
FOLLOW_UP_NOTE: Final = "已回访："
OUTCOME_LABELS: Final = {"contact": "见面", "nobody_home": "无人", "refused": "拒绝"}

# --------------------------------------------------------------------------- planted

N_UNDER_VISITED: Final = 4
N_EVENING_ONLY: Final = 3
UNDER_VISITED_RARE_SHARE: Final = 0.2
EVENING_MAX_ATTEMPTS: Final = 3
BLOCK_HH_RANGE: Final = (15, 160)
PREFERRED_MAX_HH: Final = 80
BURST_BLOCK_HH_RANGE: Final = (6, 24)
BURSTS_WANTED: Final = (5, 6)
BURST_SIZE_MAX: Final = 8
BURST_MIN_SIZE: Final = 6
BURST_RADIUS_M: Final = 10.0
BURST_MIN_DISTANCE_M: Final = 250.0
N_OVERDUE_PLANTED: Final = 5
OVERDUE_CUTOFF_DAYS: Final = (30, 50)
N_DESK_JOBS: Final = 2
DESK_DISTANCE_M: Final = (1800.0, 2200.0)
"""The two compounds of a desk-job shift are this far apart."""
DESK_LOGS: Final = (12, 18)
DESK_INTERVAL_S: Final = (300, 420)
"""Seconds between two logs of a desk-job shift (about 6 minutes)."""
DESK_GPS_M: Final = 2.0
"""GPS typed in at the doors: the door plus this much noise (metres, per axis)."""
DESK_MIN_HOUSEHOLDS: Final = 9


def rng_for(seed: int, name: str) -> np.random.Generator:
    """Return the random stream ``name`` of ``seed`` (independent of the other streams)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("ascii"))])

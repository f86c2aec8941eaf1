"""The generated READMEs: ``data/boundaries/README.md`` and ``data/demo/README.md``."""

from __future__ import annotations

from typing import Any

from geo.settings import DEFAULTS

from . import params as p
from .beats import Beats
from .writers import BEAT_HEADERS, HOUSEHOLD_HEADERS, VISIT_HEADERS


def boundaries_readme(beats: Beats, figures: dict[str, Any]) -> str:
    """Text of ``data/boundaries/README.md``."""
    rows = "\n".join(
        f"| {beats.beat_id[i]} | {beats.name[i]} | {beats.station[i]} | "
        f"{';'.join(beats.officer_ids[i])} | {beats.households[i]} |"
        for i in range(len(beats.beat_id))
    )
    w, s, e, n = p.WINDOW
    keys = " ".join(f"`{v}` ({k})" for k, v in BEAT_HEADERS.items())
    return BOUNDARIES_README.format(
        rows=rows,
        w=w,
        s=s,
        e=e,
        n=n,
        k=len(beats.beat_id),
        heavy=p.HEAVY_CELL_SHARE,
        compact=p.COMPACTNESS,
        major=", ".join(f"`{h}`" for h in p.MAJOR_HIGHWAYS),
        stations=" and ".join(f"{name} (at {anchor})" for name, anchor in p.STATIONS),
        keys=keys,
        blocks=figures["blocks"],
    )


def _planted_rows(planted: dict[str, Any]) -> str:
    lines = []
    for kind, label in (
        ("under_visited", "under_visited"),
        ("evening_only", "evening_only"),
        ("burst_blocks", "burst block"),
    ):
        for e in planted[kind]:
            extra = f" (as logged {e['coverage_as_logged']:.2f})" if kind == "burst_blocks" else ""
            lines.append(
                f"| {label} | {e['block_id']} | {e['beat_id']} | {e['households']} | "
                f"{e['coverage_honest']:.2f}{extra} |"
            )
    return "\n".join(lines)


def demo_readme(figures: dict[str, Any], planted: dict[str, Any], seed: int) -> str:
    """Text of ``data/demo/README.md``."""
    bursts = "\n".join(
        f"| {b['burst_id']} | {b['officer_id']} | {b['start']} | {b['households']} | "
        f"{b['span_min']:.1f} | {b['gps_spread_m']:.0f} | {b['min_distance_to_households_m']:.0f} "
        f"| {b['spot']['name']} |"
        for b in planted["bursts"]
    )
    desks = "\n".join(
        f"| {d['desk_job_id']} | {d['officer_id']} | {d['start']} | {d['logs']} | "
        f"{d['minutes_between_logs'][0]:.1f}–{d['minutes_between_logs'][1]:.1f} | "
        f"{d['compounds'][0]['address']} / {d['compounds'][1]['address']} | "
        f"{d['distance_m']:.0f} |"
        for d in planted["desk_jobs"]
    )
    f = figures
    return DEMO_README.format(
        seed=seed,
        households=f["households"],
        entities=f["entities"],
        shops=f["kinds"]["shop"],
        schools=f["kinds"]["school"],
        workplaces=f["kinds"]["workplace"],
        vulnerable=f["vulnerable"],
        visits=f["visits"],
        missing_gps=f["missing_gps"],
        contacts=f["contacts"],
        burst_visits=f["burst_visits"],
        desk_visits=f["desk_job_visits"],
        coverage=f["coverage_households_honest"],
        q10=f["block_coverage_quantiles"][0],
        q50=f["block_coverage_quantiles"][2],
        q90=f["block_coverage_quantiles"][4],
        vul_visits=f["visits_per_vulnerable"],
        other_visits=f["visits_per_other_household"],
        raw=f["raw_dwellings"],
        res_buildings=f["residential_buildings"],
        compounds=f["compounds"],
        blocks_table=_planted_rows(planted),
        bursts_table=bursts,
        desk_table=desks,
        overdue_planted=len(planted["vulnerable_overdue"]["planted"]),
        overdue_all=len(planted["vulnerable_overdue"]["all"]),
        overdue_days=p.OVERDUE_DAYS,
        open_issues=len(planted["open_issues"]),
        start=planted["generator"]["window_start"],
        end=planted["generator"]["window_end"],
        scale=p.SCALE,
        follow=p.FOLLOW_UP_P,
        speed_lo=p.OFFICER_SPEED_MPS[0],
        speed_hi=p.OFFICER_SPEED_MPS[1],
        detour_lo=p.DETOUR[0],
        detour_hi=p.DETOUR[1],
        network=p.WALK_NETWORK,
        verify_speed=DEFAULTS.walking_speed_mps,
        min_visit=DEFAULTS.min_visit_min,
        levels=p.DEFAULT_LEVELS,
        dwelling=p.DWELLING_M2,
        min_fp=p.MIN_FOOTPRINT_M2,
        h_headers=", ".join(f"`{h}`" for h in HOUSEHOLD_HEADERS),
        v_headers=", ".join(f"`{h}`" for h in VISIT_HEADERS),
        vul_cats="、".join(p.VULNERABLE_CATEGORIES),
        kinds=", ".join(f"`{v}` ({k})" for k, v in p.KIND_LABELS.items()),
        outcomes=", ".join(f"`{v}` ({k})" for k, v in p.OUTCOME_LABELS.items()),
        decimals=p.GCJ_DECIMALS,
        desk_lo=p.DESK_DISTANCE_M[0] / 1000,
        desk_hi=p.DESK_DISTANCE_M[1] / 1000,
    )


BOUNDARIES_README = """\
# Demo beat boundaries

`beats.geojson` holds {k} demo beats in Nanjing's Xuanwu district, drawn along the major
streets of the shipped OpenStreetMap extract `data/streets/nanjing_xuanwu.osm` around the
neighbourhood {w}–{e} E, {s}–{n} N. It is a standard GeoJSON (RFC 7946: WGS84 longitude and
latitude, one feature per line) with the attribute names a Chinese GIS office would use:
{keys}. The households and visits beside it are in GCJ-02; the beats are not.

**Generated file — do not edit by hand.** `data/make_demo.py` writes it (and this README);
run `make demo` (or `.venv/bin/python data/make_demo.py`) after changing the generator.

## Source and licence

Map data © OpenStreetMap contributors, available under the Open Database Licence (ODbL 1.0,
<https://opendatacommons.org/licenses/odbl/>); see `data/streets/README.md` for the
extract. The beats are a derived database and are shared under the same licence. Beat
names, stations and officer numbers are made up for the demo; they are not the real police
organisation of Nanjing.

## How the beats were drawn

1. The frame is the neighbourhood together with the street blocks that reach into it (the
   {blocks} faces of the osmnx `drive_service` network that beatcov itself builds, see
   `geo/blocks.py`), so every block lies in the beats and the beat edges run along streets.
2. The {major} streets of that network and the frame's edge are noded and polygonised into
   cells (coordinates snapped to a 1e-7 degree grid). Households of the demo (see
   `data/demo/README.md`) are counted per cell; a cell holding more than {heavy:.0%} of a
   beat's share of households is split further along the smaller streets inside it.
3. The cells are merged into {k} contiguous beats of roughly balanced household counts:
   seeds by farthest-point sampling, the lightest beat repeatedly takes the neighbouring
   cell nearest its centre, then single boundary cells move to a neighbouring beat while
   that lowers "squared relative deviation of household counts + {compact} × spread"
   (spread: the area-weighted moment of inertia over the squared total area) and keeps
   the beat they leave contiguous. The beats tile the frame without gaps or overlaps.
4. Each beat (警务区) is named after a place node inside it, else after its longest major
   street; the beats nearer the first station report to it, the others to the second:
   {stations}.

## Columns

| column | canonical | meaning |
|---|---|---|
| `警务区编号` | `beat_id` | `B01` … |
| `警务区名称` | `name` | place or main street + 警务区 |
| `所属派出所` | `station` | police station the beat reports to |
| `责任民警` | `officer_ids` | the beat's two officers (警号, six digits), `;`-separated |
| geometry | | Polygon (WGS84) |

| beat_id | name | station | officer_ids | households |
|---|---|---|---|---|
{rows}
"""

DEMO_README = """\
# Demo households and visits

Synthetic door-to-door visiting records of a police station in Nanjing's Xuanwu district,
for the demo beats in `../boundaries/beats.geojson`, derived from the real buildings and
streets of the shipped OpenStreetMap extract `../streets/nanjing_xuanwu.osm` (map data ©
OpenStreetMap contributors, ODbL 1.0). The people, visits, officers, issues and notes are
invented; addresses are built from the real street names with made-up numbers.

The files are what a station's system exports: **GBK-encoded CSV with Chinese headers,
GCJ-02 coordinates (as a Gaode-based app records them) and local times without a zone**
(Asia/Shanghai). beatcov reads them through its importer like any user's files, with
coordinates `gcj02` and time zone `Asia/Shanghai` (`geo/demo.py`); the beats stay WGS84.

**Generated files — do not edit by hand.** `data/make_demo.py` (the package
`data/demo_maker/`) writes every file here and in `../boundaries/`:

```
make demo                                        # seed {seed}, writes into data/
.venv/bin/python data/make_demo.py --seed 7 --out /tmp/demo
```

The output is deterministic: the same seed gives the same bytes (sorted rows, fixed
decimals, fixed JSON layout, `\\n` newlines, `numpy.random.default_rng` streams derived
from the seed). `tests/test_make_demo.py` checks that the committed files are reproduced.

## Files

| file | rows | what |
|---|---|---|
| `households.csv` | {entities} | {households} households, {shops} shops, {schools} schools, \
{workplaces} workplaces |
| `visits.csv` | {visits} | visits {start} – {end} ({contacts} contacts) |
| `planted.json` | – | ground truth of the planted patterns (UTF-8, WGS84) |

### households.csv

Headers {h_headers} (household_id, address, lon, lat, residents, vulnerable, kind in the
alias table). `住户编号` is text with leading zeros (`0100010000` …): read it as a string.
`经度`/`纬度` are GCJ-02 with {decimals} decimals. `居住人数` is 1–5 for households and
empty for other kinds; `关爱对象` is empty or one of {vul_cats} (elderly living alone,
disabled, seriously ill, poor household, left-behind child; {vulnerable} households).
`类型` is {kinds}.

How households are derived:

* A building is a home when its `building` tag is `residential`, `apartments`, `house`,
  `detached`, `terraced` or `dormitory`; or it is `building=yes` inside residential land
  use; or it is a nameless `building=yes` outside commercial land with the shape of a
  residential slab (板楼: 8–16 m deep, at least 2.5 times as long, 150–2,000 m², filling
  80 % of its rotated bounding rectangle) — OSM rarely maps the land use of Nanjing's old
  compounds. It must lie wholly in the neighbourhood, carry no `shop`, `amenity`,
  `office`, `tourism`, `craft`, `healthcare` or `leisure` tag, not be underground, hold no
  hotel, and cover at least {min_fp:.0f} m². {res_buildings} buildings qualify.
* Dwellings = footprint area (m², local UTM via `geo.projection`) × storeys /
  {dwelling:.0f} m². Storeys come from `building:levels`, else {levels:.0f} (the walk-up
  blocks of the 1980s–90s); a building with shops or amenities inside has one storey fewer.
  That gives about {raw} dwellings; the demo keeps a sample with scale factor {scale}
  (`round(dwellings × {scale})`, at least 1 per building).
* Stairwells (单元) are spread along a building's long axis (2 flats a floor in walk-ups up
  to 7 storeys, 4 in towers); a household's door point lies within 3 m of its stairwell's
  entrance, inside the footprint.
* Addresses: a compound (小区) is the homes of one street block addressed from the same
  nearest named street ({compounds} compounds). Its house number (号) grows by two every
  20 m along the street, odd on one side and even on the other; its buildings are numbered
  (栋) north-west first, and a flat is floor × 100 + flat, e.g. `中山东路12号3栋2单元502室`
  (the 单元 is named when a building has more than one stairwell). A building with
  `addr:street` and `addr:housenumber` keeps its own number.
* Shops: a sample of real `shop` and restaurant/café/bank/pharmacy nodes; schools: named
  `school` grounds and buildings; workplaces: a sample of `office` nodes and
  office/commercial/government buildings. They get a street address (`汉中路18号`).

### visits.csv

Headers {v_headers} (visit_id, household_id, officer_id, time, outcome, duration_min,
lon, lat, issue_raised, follow_up_of, satisfaction, note). `走访编号` is `V000001` … in
time order; `民警` the officer's number (警号); `走访时间` local time without a zone
(`2026-07-01 18:05:00`, Asia/Shanghai); `结果` {outcomes}; `时长(分钟)` whole minutes;
`经度`/`纬度` the GPS point in GCJ-02 (empty when the device had no fix); `回访编号` the
`走访编号` whose issue this contact follows up; `满意度` 1–5 (empty when not asked).

How visits are simulated (window {start} – {end}):

* Each officer has two fixed rest days a week, a 10-day leave and a few sick days; each
  working day is one shift in a band: morning 06–09 (20 %), midday 11–14 (20 %), working
  hours 09–17 (35 %), evening 17–21 (25 %).
* In a shift the officer goes from household to household of their own beat, choosing the
  nearest one along the extract's osmnx `{network}` graph weighted by priority: follow-up
  due > vulnerable not contacted for 14 days > never contacted > routine revisit after 35
  days. Officers do not walk the graph's route, though: like real officers they cut through
  compounds, on paths OSM lacks (see `../shared/data/osm/README.md` beside the clone: walk
  distances on OSM here are often 2× the real walk). A leg is the straight line between
  the doors times a detour factor drawn per leg from {detour_lo:.1f}–{detour_hi:.1f}, walked
  at the officer's own speed ({speed_lo:.2f}–{speed_hi:.2f} m/s, drawn once per officer),
  so it is often shorter than the graph's route. Time advances by the visit's duration,
  1.5–4 minutes at the door, and the leg. The generator checks every honest leg: no quicker
  than its own path allows, and never quicker than a straight line at a brisk
  {verify_speed:.1f} m/s plus {min_visit:.0f} minute at the door. No household is tried
  twice a day; a household is given up after 8 failed attempts (a refusal counts as 4).
  Officers log at most 3 households within 60 m in 35 minutes (they spread a stairwell
  over several rounds), so honest work never looks like a burst.
* Somebody answers the door with a probability that depends on band and household:
  ordinary households are home 60 % in the morning, 40 % at midday, 22 % in working hours,
  70 % in the evening; retired and vulnerable households most of the day; 9 % are away
  (working elsewhere, visiting family) until a day in July–August; 4 % are never reached;
  2 % always refuse; other refusals are 3 %. Shops and workplaces answer in the day;
  schools are closed for the summer until 1 September.
* Contacts last 5–25 minutes (longer for vulnerable households), nobody-home and refused
  attempts 1–3 minutes. GPS points are 5–40 m from the door; 1 % have no fix.
* 5 % of contacts raise an issue (a broken stairwell light, e-bikes charged in the
  stairwell, scam calls, …); {follow:.0%} of those are due for a follow-up 4–15 days later
  and get a follow-up contact then or soon after (when somebody is home), the rest are
  never followed up. 40 % of contacts give a satisfaction score.

Result: {visits} visits, {contacts} contacts ({burst_visits} of them in bursts and
{desk_visits} in desk-job shifts); {coverage:.1%} of all households (planted blocks
included) had an honest contact in the window. Street blocks outside the planted ones (with
≥ 5 households) have honest coverage between {q10:.0%} (10th percentile) and {q90:.0%} (90th
percentile), median {q50:.0%}; vulnerable households get about {vul_visits:.1f} visits
each, other households {other_visits:.1f}.

Verification (`analysis.verify` with the extract's osmnx `{network}` graph) counts every
honest visit: none is `not_counted`, and the {missing_gps} without a GPS fix are the only
ones in `review`. Every burst and desk-job visit is `not_counted`.
`tests/test_make_demo.py` checks this.

## Planted patterns (`planted.json`)

| pattern | block_id | beat | households | honest coverage |
|---|---|---|---|---|
{blocks_table}

* `under_visited`: street blocks (the faces of the extract's osmnx `drive_service` network
  that beatcov builds, ≥ 200 m²) with 15–160 households (80 or fewer preferred) that
  officers rarely visit (only a fifth of their households are ever tried), so honest
  coverage stays below 40 %.
* `evening_only`: blocks whose residents are home only in the evening (never before 17:00),
  which officers tried only in working hours — they look unvisited and the right advice is
  "evening" (see `attempts_by_band`).
* `bursts`: box-ticking bursts. One officer logs 6 or more (usually 6–8) different
  households within 5 minutes, each a 1-minute "contact", all from GPS points within 10 m
  of one spot (a station or a café) at least 250 m from those households, after a morning
  or midday shift. Their
  households (`burst_blocks`) are never visited honestly, so coverage there looks fine as
  logged and falls to 0 after verification.

| burst | officer | start | households | span (min) | GPS spread (m) | min. distance (m) | spot |
|---|---|---|---|---|---|---|---|
{bursts_table}

* `desk_jobs`: an officer who walked no round that day (the working day after a rest day,
  no other log within 12 hours) "visits" two compounds {desk_lo:.1f}–{desk_hi:.1f} km
  apart alternately every 5–7 minutes, 12–18 contacts of 3–5 minutes, GPS typed in at the
  doors (2 m off).

| desk job | officer | start | logs | minutes between logs | compounds | distance (m) |
|---|---|---|---|---|---|---|
{desk_table}

* `vulnerable_overdue`: {overdue_planted} vulnerable households officers stopped visiting
  after day 30–50 (`planted`), and all {overdue_all} vulnerable households with no honest
  contact in the {overdue_days} days before `as_of` (`all`, which also holds those in
  planted blocks).
* `open_issues`: the {open_issues} visits whose raised issue never got a follow-up.

### planted.json schema

```
{{
  "description": str,
  "generator": {{"script", "seed", "window_start", "window_end", "timezone", "as_of",
                "coordinates"}},
  "under_visited" | "evening_only" | "burst_blocks": [
    {{"block_id": str,            # id geo.blocks.block_ids gives this polygon
     "beat_id": str,
     "households": int,          # all kinds inside the block
     "coverage_honest": float,   # share with a contact, bursts and desk jobs excluded
     "coverage_as_logged": float,# share with a contact, every log included
     "attempts_by_band": {{"morning"|"working"|"evening": int}},  # honest attempts by hour
                                 # (morning < 09:00 <= working < 17:00 <= evening)
     "polygon_wkt": str,         # WGS84, 7 decimals
     "household_ids": [str]}}
  ],
  "bursts": [
    {{"burst_id", "officer_id", "beat_id", "block_id", "start", "end",
     "spot": {{"name", "lon", "lat"}}, "households": int, "span_min": float,
     "gps_spread_m": float, "min_distance_to_households_m": float,
     "visit_ids": [str], "household_ids": [str]}}
  ],
  "desk_jobs": [
    {{"desk_job_id", "officer_id", "beat_id", "start", "end",
     "compounds": [{{"address", "lon", "lat"}}, {{...}}], "distance_m": float, "logs": int,
     "minutes_between_logs": [min, max], "min_jump_m": float,
     "visit_ids": [str], "household_ids": [str]}}
  ],
  "vulnerable_overdue": {{"as_of": str, "days": int, "planted": [str], "all": [str]}},
  "open_issues": [str],          # visit_ids
  "follow_up_days": int          # an open issue is overdue this many days after its visit
}}
```

Times are ISO 8601 with their offset (`+08:00`); coordinates WGS84, as the analysis'
outputs are. Blocks are recorded by polygon so that a block builder that splits streets
differently can still be scored: match by polygon overlap when the `block_id`s differ.
"""

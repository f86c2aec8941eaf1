"""Tests for analysis.verify: hand-made visits whose flags are worked out on paper.

Coordinates: every point is placed by metre offsets (dx east, dy north) from the origin
lon 24.94, lat 60.17 (central Helsinki) in UTM zone 35N (EPSG:32635, the zone
``geo.projection.local_utm`` picks there) and converted to WGS84, so the distances
``verify_visits`` measures after projecting are the offsets we wrote (to ~1e-9 m).

Defaults used in the reasoning: far_from_door_m=150 (review), gps_far_m=300 (not counted),
too_short_min=3, gps_error_m=15 (so 30 m come off every straight distance), walking_speed_mps
=1.5 (90 m per minute), running_speed_mps=4 (240 m per minute), min_visit_min=1; the network
counts only with both doors within 50 m of a node and a walk at most 1.6 x the straight line;
desk job: 3 jumps making 30 % of a shift's checks; burst 5 households / 30 m / 30 min;
duplicate window 10 min; review_counts=True.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from analysis.coded_text import bit_texts, flag_bits, taken_text
from analysis.rules import counted_mask, household_codes
from analysis.travel import METHODS
from analysis.verify import (
    FLAG_CODES,
    FLAG_DESCRIPTIONS,
    FLAG_GRADES,
    FLAG_SHARE_COLUMNS,
    FLAGS,
    RESULT_COLUMNS,
    STATUSES,
    VERDICT_DTYPES,
    _previous_ids,
    _same_column,
    _status_codes,
    officer_flag_share,
    verify_visits,
)
from geo.errors import CRSError, SchemaError, StreetsError
from geo.schema import gps_lonlat
from geo.settings import DEFAULTS

UTM = "EPSG:32635"
_TO_UTM = Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
_TO_WGS = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
_X0, _Y0 = _TO_UTM.transform(24.94, 60.17)
TZ = "Europe/Helsinki"


def at(dx: float, dy: float) -> Point:
    """The WGS84 point dx metres east and dy metres north of the origin."""
    lon, lat = _TO_WGS.transform(_X0 + dx, _Y0 + dy)
    return Point(lon, lat)


def households(spec: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"household_id": list(spec), "geometry": [at(*xy) for xy in spec.values()]},
        crs="EPSG:4326",
    )


def visits(rows: list[dict], hh: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    """Rows: visit_id, household_id, officer_id, time ("YYYY-MM-DD HH:MM[:SS]", Helsinki).

    Optional: outcome (contact), duration_min (10), gps ("door" = at the household, None,
    or a (dx, dy) offset from the origin, or a shapely geometry).
    """
    records = []
    for r in rows:
        gps = r.get("gps", "door")
        if isinstance(gps, str):
            geom = at(*hh[r["household_id"]])
        elif isinstance(gps, tuple):
            geom = at(*gps)
        else:
            geom = gps
        records.append(
            {
                "visit_id": r["visit_id"],
                "household_id": r["household_id"],
                "officer_id": r["officer_id"],
                "time": pd.Timestamp(r["time"], tz=TZ),
                "outcome": r.get("outcome", "contact"),
                "duration_min": r.get("duration_min", 10.0),
                "geometry": geom,
            }
        )
    frame = pd.DataFrame(records)
    frame["duration_min"] = frame["duration_min"].astype(float)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def walk_graph(
    nodes: dict[int, tuple[float, float]],
    edges: list[tuple[int, int, float]],
    *,
    both_ways: bool = True,
) -> nx.MultiDiGraph:
    """An osmnx-style walk graph: crs attr, node x/y in WGS84, edge length in metres."""
    g = nx.MultiDiGraph(crs="EPSG:4326")
    for node, xy in nodes.items():
        p = at(*xy)
        g.add_node(node, x=p.x, y=p.y)
    for u, v, length in edges:
        g.add_edge(u, v, length=length)
        if both_ways:
            g.add_edge(v, u, length=length)
    return g


def flags_of(result: pd.DataFrame) -> dict[str, str]:
    return dict(zip(result["visit_id"], result["flags"], strict=True))


def status_of(result: pd.DataFrame) -> dict[str, str]:
    return dict(zip(result["visit_id"], result["status"], strict=True))


def row(visit_id: str, household: str, officer: str, time: str, **extra: object) -> dict:
    """One visit row (time of 2024-05-06 unless a full date is given)."""
    stamp = time if len(time) > 8 else f"2024-05-06 {time}"
    return {
        "visit_id": visit_id,
        "household_id": household,
        "officer_id": officer,
        "time": stamp,
        **extra,
    }


# --------------------------------------------------------------------------- registry


def test_registry_orders_codes_worst_first() -> None:
    assert FLAG_CODES == tuple(f.code for f in FLAGS)
    assert set(FLAG_DESCRIPTIONS) == set(FLAG_GRADES) == set(FLAG_CODES)
    grades = [FLAG_GRADES[c] for c in FLAG_CODES]
    # every not_counted flag comes before every review flag
    assert grades == sorted(grades, key=["not_counted", "review"].index)
    assert set(grades) == {"not_counted", "review"}


# --------------------------------------------------------------------------- door distance


def test_door_distance_grades_review_then_not_counted() -> None:
    # GPS 150 m from the door passes; 150.5 m is a bit far (review, still verified); 300 m is
    # still only far_from_door; 300.5 m is beyond any GPS error (not counted).
    # Different officers so no travel/duplicate interplay.
    hh = {"H": (0.0, 0.0)}
    offsets = {"at": 150.0, "past": 150.5, "edge": 300.0, "far": 300.5}
    rows = [row(v, "H", f"o{i}", "10:00", gps=(d, 0.0)) for i, (v, d) in enumerate(offsets.items())]
    res = verify_visits(visits(rows, hh), households(hh))
    assert flags_of(res) == {
        "at": "",
        "past": "far_from_door",
        "edge": "far_from_door",
        "far": "gps_far",
    }
    assert status_of(res) == {
        "at": "counted",
        "past": "review",
        "edge": "review",
        "far": "not_counted",
    }
    assert res["verified"].to_list() == [True, True, True, False]
    assert res["door_distance_m"].to_list() == pytest.approx(list(offsets.values()), abs=1e-6)
    assert res["reason"].to_list() == [
        "",
        "GPS point 150 m from the door",  # 150.5 rounds to 150 in the text
        "GPS point 300 m from the door",
        "GPS point 300 m from the door",
    ]


# --------------------------------------------------------------------------- too_short


def test_too_short_only_for_contacts_below_threshold() -> None:
    # contact 2.9 min < 3: flagged (review); contact exactly 3: passes; nobody_home 1 min:
    # not a contact; contact with unknown duration: cannot be judged, not flagged.
    hh = {"H": (0.0, 0.0)}
    rows = [
        row("short", "H", "o1", "10:00", duration_min=2.9),
        row("three", "H", "o2", "10:00", duration_min=3.0),
        row("away", "H", "o3", "10:00", duration_min=1.0, outcome="nobody_home"),
        row("unknown", "H", "o4", "10:00", duration_min=np.nan),
    ]
    res = verify_visits(visits(rows, hh), households(hh))
    assert flags_of(res) == {"short": "too_short", "three": "", "away": "", "unknown": ""}
    assert status_of(res)["short"] == "review"
    assert res["reason"].iloc[0] == "contact of 2.9 min, under 3 min"


# --------------------------------------------------------------------------- travel


def test_least_travel_time_in_a_straight_line_equal_gap_passes() -> None:
    # A and B are 120 m apart; less 2 x 15 m of GPS error: 90 m, 1 min at 90 m/min, plus
    # 1 min at the door = 2 min. o1 logs B exactly 2 min after A: passes. o2 after 1 min
    # 59 s: fast_travel (review). Running, 90 m take 22.5 s: o3 logs B 22 s after A:
    # impossible_travel (not counted); o4 23 s after A: only fast_travel.
    hh = {"A": (0.0, 0.0), "B": (120.0, 0.0)}
    rows = []
    for officer, second in (("o1", "10:02:00"), ("o2", "10:01:59"), ("o3", "10:00:22")):
        rows += [
            row(f"{officer}a", "A", officer, "10:00"),
            row(f"{officer}b", "B", officer, second),
        ]
    rows += [row("o4a", "A", "o4", "10:00"), row("o4b", "B", "o4", "10:00:23")]
    res = verify_visits(visits(rows, hh), households(hh)).set_index("visit_id")
    assert res.loc["o1b", "flags"] == ""
    assert res.loc["o2b", "flags"] == "fast_travel"
    assert res.loc["o2b", "status"] == "review"
    assert res.loc["o3b", "flags"] == "impossible_travel"
    assert res.loc["o3b", "status"] == "not_counted"
    assert res.loc["o4b", "flags"] == "fast_travel"
    assert res.loc[["o1a", "o2a", "o3a", "o4a"], "flags"].eq("").all()  # earlier: never
    assert res.loc["o1b", "straight_m"] == pytest.approx(120.0, abs=1e-6)
    assert res.loc["o1b", "travel_m"] == pytest.approx(120.0, abs=1e-6)
    assert res.loc["o1b", "travel_needed_min"] == pytest.approx(2.0)
    assert res.loc["o1b", "gap_min"] == pytest.approx(2.0)
    assert res.loc["o1b", "travel_method"] == "straight_line"
    assert res.loc["o1b", "previous_visit_id"] == "o1a"
    assert res.loc["o1a", "previous_visit_id"] == ""
    assert np.isnan(res.loc["o1a", "gap_min"])
    assert res.loc["o3b", "reason"] == (
        "120 m from the previous visit in 0.4 min: impossible even running straight"
    )
    assert res.loc["o2b", "reason"] == (
        "120 m in a straight line from the previous visit in 2.0 min; a brisk walk and a "
        "minimal visit need 2.0 min"
    )


def test_two_km_apart_four_minutes_is_not_counted() -> None:
    # 2,000 m in a straight line (1,970 m after the GPS allowance) in 4 min: 8.2 m/s, more
    # than twice a running pace.
    hh = {"A": (0.0, 0.0), "B": (2000.0, 0.0)}
    rows = [row("a", "A", "o", "10:00"), row("b", "B", "o", "10:04")]
    res = verify_visits(visits(rows, hh), households(hh))
    assert status_of(res) == {"a": "counted", "b": "not_counted"}
    assert flags_of(res)["b"] == "impossible_travel"
    assert not res["verified"].iloc[1]


def test_knock_again_is_not_a_duplicate_and_the_contact_counts() -> None:
    # Nobody home at 10:00; the officer knocks again at 10:05 and someone answers. Two
    # honest attempts at one door: no duplicate, no travel problem, the contact counts.
    hh = {"A": (0.0, 0.0)}
    rows = [
        row("knock", "A", "o", "10:00", outcome="nobody_home", duration_min=1.0),
        row("again", "A", "o", "10:05", outcome="contact"),
    ]
    v = visits(rows, hh)
    res = verify_visits(v, households(hh))
    assert flags_of(res) == {"knock": "", "again": ""}
    assert status_of(res) == {"knock": "counted", "again": "counted"}
    assert res["travel_method"].iloc[1] == "same_household"
    assert np.isnan(res["travel_needed_min"].iloc[1])
    assert counted_mask(v.assign(status=res["status"])).tolist() == [True, True]


def test_exact_double_log_is_a_duplicate() -> None:
    # The same household, officer and outcome twice within 10 min (inclusive): the later
    # one is a duplicate (not counted); 11 min after that is a new visit; another officer
    # is never a duplicate.
    hh = {"A": (0.0, 0.0)}
    rows = [
        row("1", "A", "o1", "10:00"),
        row("2", "A", "o1", "10:10"),
        row("3", "A", "o1", "10:21"),
        row("4", "A", "o2", "10:01"),
    ]
    res = verify_visits(visits(rows, hh), households(hh))
    assert flags_of(res) == {"1": "", "2": "duplicate", "3": "", "4": ""}
    assert status_of(res)["2"] == "not_counted"
    assert res["reason"].iloc[1] == (
        "the same household, officer and outcome logged again within 10 min"
    )


def test_next_visit_is_timed_from_the_original_not_its_copy() -> None:
    # A logged at 10:00 and copied 30 s later; B (120 m away, 2 min needed) at 10:02:10 is
    # 2 min 10 s after the original: counted (from the copy it would be 1 min 40 s).
    hh = {"A": (0.0, 0.0), "B": (120.0, 0.0)}
    rows = [
        row("a", "A", "o", "10:00"),
        row("copy", "A", "o", "10:00:30"),
        row("b", "B", "o", "10:02:10"),
    ]
    res = verify_visits(visits(rows, hh), households(hh)).set_index("visit_id")
    assert res["flags"].to_dict() == {"a": "", "copy": "duplicate", "b": ""}
    assert res.loc["b", "previous_visit_id"] == "a"
    assert res.loc["b", "gap_min"] == pytest.approx(130 / 60)
    assert res.loc["copy", "previous_visit_id"] == ""
    assert res["shift"].nunique() == 1


def test_nobody_home_twice_is_a_duplicate_too() -> None:
    hh = {"A": (0.0, 0.0)}
    rows = [
        row("1", "A", "o", "10:00", outcome="nobody_home"),
        row("2", "A", "o", "10:03", outcome="nobody_home"),
        row("3", "A", "o", "10:06", outcome="contact"),
    ]
    res = verify_visits(visits(rows, hh), households(hh))
    assert flags_of(res) == {"1": "", "2": "duplicate", "3": ""}


def test_alternating_desk_job_shift_is_not_counted_whole() -> None:
    # An officer "visits" compound X (around 0,0) and compound Y (around 2,000 m east)
    # alternately every 6 min, GPS typed in at the doors. X1 -> X2 is 10 m (fine on its
    # own); each X <-> Y move is 2 km in 6 min: a jump. 5 jumps of 6 checks: a desk job,
    # so every visit of the shift is not counted, X1 and X2 too. The same officer's shift
    # the next day (honest, 10 m steps) is untouched.
    hh = {
        "X1": (0.0, 0.0),
        "X2": (10.0, 0.0),
        "X3": (0.0, 10.0),
        "X4": (10.0, 10.0),
        "Y1": (2000.0, 0.0),
        "Y2": (2010.0, 0.0),
        "Y3": (2000.0, 10.0),
    }
    order = ["X1", "X2", "Y1", "X3", "Y2", "X4", "Y3"]
    rows = [row(f"d{i}", h, "o", f"10:{6 * i:02d}") for i, h in enumerate(order)]
    rows += [row(f"n{i}", h, "o", f"2024-05-07 10:{6 * i:02d}") for i, h in enumerate(order[:2])]
    res = verify_visits(visits(rows, hh), households(hh)).set_index("visit_id")
    desk = res.filter(like="d", axis=0)
    assert desk["status"].eq("not_counted").all()
    assert desk["flags"].str.startswith("desk_job").all()
    assert desk.loc["d0", "flags"] == "desk_job"
    assert desk.loc["d2", "flags"] == "desk_job;impossible_travel"
    assert (
        desk["reason"]
        .eq("5 moves in this shift are impossible even walking straight: logged from a desk")
        .all()
    )
    assert desk["shift"].nunique() == 1
    assert res.loc[["n0", "n1"], "status"].eq("counted").all()
    assert res.loc["n0", "shift"] != desk.loc["d0", "shift"]
    share = officer_flag_share(visits(rows, hh).assign(**{c: res[c].to_numpy() for c in res}))
    assert share.loc["o", "desk_job_shifts"] == 1
    assert share.loc["o", "not_counted"] == 7


def test_shift_with_one_odd_pair_is_review_not_desk_job() -> None:
    # An honest shift of 10 m steps every 4 min, except one household geocoded 600 m away:
    # in and out are 600 m in 4 min, 570 m after the GPS allowance: faster than a brisk
    # walk (6.3 min needed) but not than a run (2.4 min). Two jumps of six checks: fewer
    # than three, so no desk job; the two moves are only in review.
    hh = {f"H{i}": (10.0 * i, 0.0) for i in range(6)} | {"ODD": (30.0, 600.0)}
    order = ["H0", "H1", "H2", "ODD", "H3", "H4", "H5"]
    rows = [row(f"v{i}", h, "o", f"10:{4 * i:02d}") for i, h in enumerate(order)]
    res = verify_visits(visits(rows, hh), households(hh)).set_index("visit_id")
    assert res.loc[["v3", "v4"], "flags"].eq("fast_travel").all()
    assert res.loc[["v3", "v4"], "status"].eq("review").all()
    assert res.drop(index=["v3", "v4"])["status"].eq("counted").all()
    assert res["verified"].all()


def test_shift_gap_of_twelve_hours_starts_a_new_shift() -> None:
    # 11 h 59 min apart: still consecutive (gap < 12 h); exactly 12 h: a new shift.
    hh = {"A": (0.0, 0.0), "B": (78.0, 0.0)}
    rows = [
        row("1a", "A", "o1", "08:00"),
        row("1b", "B", "o1", "19:59"),
        row("2a", "A", "o2", "08:00"),
        row("2b", "B", "o2", "20:00"),
    ]
    res = verify_visits(visits(rows, hh), households(hh)).set_index("visit_id")
    assert res.loc["1b", "previous_visit_id"] == "1a"
    assert res.loc["1b", "gap_min"] == pytest.approx(719.0)
    assert res.loc["1a", "shift"] == res.loc["1b", "shift"]
    assert res.loc["2b", "previous_visit_id"] == ""
    assert res.loc["2a", "shift"] != res.loc["2b", "shift"]
    assert np.isnan(res.loc["2b", "travel_needed_min"])
    # A shorter shift gap makes even the 11 h 59 min pair unrelated.
    short = DEFAULTS.replace(shift_gap_h=8.0)
    res = verify_visits(visits(rows, hh), households(hh), settings=short)
    assert res["previous_visit_id"].to_list() == ["", "", "", ""]
    assert res["shift"].nunique() == 4


def test_officer_with_one_visit_is_counted() -> None:
    hh = {"A": (0.0, 0.0)}
    res = verify_visits(visits([row("v", "A", "o", "09:00")], hh), households(hh))
    assert res["status"].to_list() == ["counted"]
    assert res["verified"].to_list() == [True]
    assert res["flags"].to_list() == [""]
    assert res["reason"].to_list() == [""]
    assert res["travel_method"].to_list() == [""]
    assert list(res.columns) == list(RESULT_COLUMNS)


def test_interleaved_officers_are_not_compared() -> None:
    # o1 works around A (0,0), o2 around B 1 km east. Their logs interleave a minute apart;
    # compared with each other they would be impossible. Each officer's own consecutive
    # visits are 10 m and 6 min apart: fine.
    hh = {"A": (0.0, 0.0), "A2": (0.0, 10.0), "B": (1000.0, 0.0), "B2": (1000.0, 10.0)}
    rows = [
        row("1", "A", "o1", "10:00"),
        row("2", "B", "o2", "10:01"),
        row("3", "A2", "o1", "10:06"),
        row("4", "B2", "o2", "10:07"),
    ]
    res = verify_visits(visits(rows, hh), households(hh))
    assert res["flags"].to_list() == ["", "", "", ""]
    assert res["previous_visit_id"].to_list() == ["", "", "1", "2"]


# --------------------------------------------------------------------------- street network

# Compound: doors A and B are 150 m apart, but OSM has no path inside the compound; the only
# street goes A - C - B over a node C 995 m north (edges tagged 1,000 m each): 2 km on foot,
# 13 x the straight line. Officers walk through the compound.
COMPOUND_HH = {"A": (0.0, 0.0), "B": (150.0, 0.0)}
COMPOUND_NODES = {1: (0.0, 0.0), 2: (150.0, 0.0), 3: (75.0, 995.0)}
COMPOUND_ROWS = [row("a", "A", "o", "10:00"), row("b", "B", "o", "10:04")]


def test_compound_route_of_two_km_does_not_accuse() -> None:
    # The 2 km street walk is not credible (13 x > 1.6 x the straight line): the straight
    # line stands. 120 m at 90 m/min = 1.3 min + 1 min at the door = 2.3 min <= 4 min.
    graph = walk_graph(COMPOUND_NODES, [(1, 3, 1000.0), (3, 2, 1000.0)])
    v, h = visits(COMPOUND_ROWS, COMPOUND_HH), households(COMPOUND_HH)
    res = verify_visits(v, h, graph=graph).set_index("visit_id")
    assert res.loc["b", "status"] == "counted"
    assert res.loc["b", "flags"] == ""
    assert res.loc["b", "travel_method"] == "straight_line"
    assert res.loc["b", "travel_m"] == pytest.approx(150.0, abs=1e-6)
    assert res.loc["b", "travel_needed_min"] == pytest.approx(120.0 / 90.0 + 1.0)


# Credible street: A and B are 300 m apart; the street goes A - C - B over C at (150, 80)
# with edges tagged 180 m each: 360 m, 1.2 x the straight line. Least time by the street:
# (360 - 30) / 90 + 1 = 4.67 min; in a straight line (300 - 30) / 90 + 1 = 4 min.
STREET_HH = {"A": (0.0, 0.0), "B": (300.0, 0.0)}
STREET_NODES = {1: (0.0, 0.0), 2: (300.0, 0.0), 3: (150.0, 80.0)}
STREET_ROWS = [row("a", "A", "o", "10:00"), row("b", "B", "o", "10:04:30")]


def test_credible_network_raises_the_bound_to_review_only() -> None:
    v, h = visits(STREET_ROWS, STREET_HH), households(STREET_HH)
    straight = verify_visits(v, h).set_index("visit_id")
    assert straight.loc["b", "flags"] == ""  # 4.5 min >= 4 min
    graph = walk_graph(STREET_NODES, [(1, 3, 180.0), (3, 2, 180.0)])
    net = verify_visits(v, h, graph=graph).set_index("visit_id")
    assert net.loc["b", "flags"] == "fast_travel"  # 4.5 min < 4.67 min
    assert net.loc["b", "status"] == "review"  # network evidence alone: never not counted
    assert net.loc["b", "travel_method"] == "network"
    assert net.loc["b", "travel_m"] == pytest.approx(360.0, abs=1e-6)
    assert net.loc["b", "straight_m"] == pytest.approx(300.0, abs=1e-6)
    assert net.loc["b", "travel_needed_min"] == pytest.approx(330.0 / 90.0 + 1.0)
    assert net.loc["b", "reason"].startswith("360 m by the streets from the previous visit")


def test_network_just_past_the_detour_limit_is_not_used() -> None:
    # Edges of 250 m: a 500 m walk is 1.67 x the straight 300 m: not credible.
    graph = walk_graph(STREET_NODES, [(1, 3, 250.0), (3, 2, 250.0)])
    res = verify_visits(visits(STREET_ROWS, STREET_HH), households(STREET_HH), graph=graph)
    assert res["flags"].to_list() == ["", ""]
    assert res["travel_method"].iloc[1] == "straight_line"
    # ... and at 240 m each (480 m = 1.6 x) it is
    graph = walk_graph(STREET_NODES, [(1, 3, 240.0), (3, 2, 240.0)])
    res = verify_visits(visits(STREET_ROWS, STREET_HH), households(STREET_HH), graph=graph)
    assert res["travel_method"].iloc[1] == "network"


def test_one_way_edges_are_walked_both_ways() -> None:
    # Only B -> C -> A edges exist; walking A -> B still takes the 360 m street.
    graph = walk_graph(STREET_NODES, [(2, 3, 180.0), (3, 1, 180.0)], both_ways=False)
    res = verify_visits(visits(STREET_ROWS, STREET_HH), households(STREET_HH), graph=graph)
    assert res["flags"].to_list() == ["", "fast_travel"]
    assert res["travel_m"].iloc[1] == pytest.approx(360.0, abs=1e-6)


def test_disconnected_graph_falls_back_to_straight_line() -> None:
    # B's node 2 has no street to A's node 1: straight line, 4 min <= 4.5 min, passes.
    graph = walk_graph(STREET_NODES, [(1, 3, 180.0)])
    res = verify_visits(visits(STREET_ROWS, STREET_HH), households(STREET_HH), graph=graph)
    assert res["flags"].to_list() == ["", ""]
    assert res["travel_method"].to_list() == ["", "straight_line"]
    assert res["travel_m"].iloc[1] == pytest.approx(300.0, abs=1e-6)


def test_doors_far_from_the_network_keep_the_straight_line() -> None:
    # B sits 60 m south of node 2 (> 50 m): the street cannot vouch for the walk to it.
    hh = {"A": (0.0, 0.0), "B": (300.0, -60.0), "A2": (0.0, 5.0)}
    graph = walk_graph(STREET_NODES, [(1, 3, 180.0), (3, 2, 180.0)])
    res = verify_visits(visits(STREET_ROWS, hh), households(hh), graph=graph)
    assert res["travel_method"].iloc[1] == "straight_line"
    assert res["flags"].to_list() == ["", ""]


def test_network_shown_incomplete_is_not_used_at_all() -> None:
    # Of four households only A and B are within 50 m of a node (2 of 4 = 50 %: used);
    # with a fifth far one, 2 of 5 = 40 % < 50 %: the network is not used even for A-B.
    graph = walk_graph(STREET_NODES, [(1, 3, 180.0), (3, 2, 180.0)])
    far = {"F1": (0.0, -500.0), "F2": (300.0, -500.0)}
    hh = STREET_HH | far
    res = verify_visits(visits(STREET_ROWS, hh), households(hh), graph=graph)
    assert res["travel_method"].iloc[1] == "network"
    hh = hh | {"F3": (150.0, -500.0)}
    res = verify_visits(visits(STREET_ROWS, hh), households(hh), graph=graph)
    assert res["travel_method"].iloc[1] == "straight_line"
    assert res["flags"].to_list() == ["", ""]


# Off-network: nodes 1 at (0,0) and 2 at (78,0), one 78 m street. A stands on node 1; C is
# 39 m north of node 2, so its nearest node is 2. Walk A -> C = 0 + 78 + 39 = 117 m (1.34 x
# the straight 87.2 m: credible). Least time (117 - 30) / 90 + 1 = 1.967 min = 118 s.
OFF_HH = {"A": (0.0, 0.0), "C": (78.0, 39.0)}
OFF_NODES = {1: (0.0, 0.0), 2: (78.0, 0.0)}


def _off_rows(second: str) -> list[dict]:
    return [row("a", "A", "o", "10:00"), row("c", "C", "o", second)]


@pytest.mark.parametrize(
    ("second", "expected"),
    [("10:01:58", ""), ("10:01:57", "fast_travel")],
)
def test_network_adds_off_network_distance_and_equal_gap_passes(second: str, expected: str) -> None:
    graph = walk_graph(OFF_NODES, [(1, 2, 78.0)])
    res = verify_visits(visits(_off_rows(second), OFF_HH), households(OFF_HH), graph=graph)
    assert res["flags"].to_list() == ["", expected]
    assert res["travel_m"].iloc[1] == pytest.approx(117.0, abs=1e-6)
    assert res["travel_needed_min"].iloc[1] == pytest.approx(87.0 / 90.0 + 1.0)
    assert res["travel_method"].iloc[1] == "network"


def test_household_nodes_mapping_is_used_and_checked() -> None:
    graph = walk_graph(OFF_NODES, [(1, 2, 78.0)])
    v, h = visits(_off_rows("10:01:57"), OFF_HH), households(OFF_HH)
    res = verify_visits(v, h, graph=graph, household_nodes={"A": 1, "C": 2})
    assert res["travel_m"].iloc[1] == pytest.approx(117.0, abs=1e-6)
    # Mapping C to node 1 instead: both households share node 1, so the straight line.
    res = verify_visits(v, h, graph=graph, household_nodes=pd.Series({"A": 1, "C": 1}))
    assert res["travel_method"].iloc[1] == "straight_line"
    assert res["travel_m"].iloc[1] == pytest.approx(np.hypot(78.0, 39.0), abs=1e-6)
    with pytest.raises(StreetsError, match="household 'A' is mapped to node 99"):
        verify_visits(v, h, graph=graph, household_nodes={"A": 99})


def test_neighbours_sharing_a_node_use_the_straight_line() -> None:
    # D (10, 20) and E (-10, 20) both snap to node 1 (22.4 m away each). Going out to the
    # node and back would be 44.7 m; they are 20 m apart: straight line, 20 m.
    hh = {"D": (10.0, 20.0), "E": (-10.0, 20.0)}
    rows = [row("d", "D", "o", "10:00"), row("e", "E", "o", "10:03")]
    graph = walk_graph(OFF_NODES, [(1, 2, 78.0)])
    res = verify_visits(visits(rows, hh), households(hh), graph=graph)
    assert res["travel_method"].iloc[1] == "straight_line"
    assert res["travel_m"].iloc[1] == pytest.approx(20.0, abs=1e-6)


def test_network_walk_is_never_shorter_than_the_straight_line() -> None:
    # A street tagged 10 m long between nodes 78 m apart cannot beat the straight line:
    # A -> C is 87.2 m as the crow flies, more than 0 + 10 + 39 = 49 m "on the street".
    graph = walk_graph(OFF_NODES, [(1, 2, 10.0)])
    res = verify_visits(visits(_off_rows("10:10"), OFF_HH), households(OFF_HH), graph=graph)
    assert res["travel_m"].iloc[1] == pytest.approx(np.hypot(78.0, 39.0), abs=1e-6)
    assert res["travel_method"].iloc[1] == "straight_line"


# --------------------------------------------------------------------------- one_spot_burst


def _ring(n: int, radius: float = 100.0) -> dict[str, tuple[float, float]]:
    angles = np.deg2rad(np.arange(n) * 360.0 / 5)
    return {f"R{i}": (radius * np.cos(a), radius * np.sin(a)) for i, a in enumerate(angles)}


_JITTER = [(0.0, 0.0), (3.0, 0.0), (0.0, 3.0), (-3.0, 0.0), (0.0, -3.0)]


def _ring_rows(officer: str, n: int, minutes: list[int], hour: int = 10) -> list[dict]:
    return [
        row(
            f"{officer}-{i}", f"R{i}", officer, f"{hour + m // 60:02d}:{m % 60:02d}", gps=_JITTER[i]
        )
        for i, m in zip(range(n), minutes, strict=True)
    ]


def test_burst_of_five_households_but_not_four() -> None:
    # Households on a 100 m ring around the origin, logged from GPS points within 3 m of
    # the origin (100 m from each door: > 30 m, so not at the household; < 150 m, so not
    # far_from_door). Neighbours on the ring are 117.6 m apart: 2 min <= 5 min gaps.
    # o5: 5 households in 20 min -> all five not counted. o4: 4 households -> none.
    # o31: 5 households but spread over 31 min > 30 -> none.
    hh = _ring(5)
    rows = (
        _ring_rows("o5", 5, [0, 5, 10, 15, 20])
        + _ring_rows("o4", 4, [0, 5, 10, 15])
        + _ring_rows("o31", 5, [0, 8, 16, 24, 31])
    )
    res = verify_visits(visits(rows, hh), households(hh)).set_index("visit_id")
    assert res.filter(like="o5-", axis=0)["flags"].eq("one_spot_burst").all()
    assert res.filter(like="o5-", axis=0)["status"].eq("not_counted").all()
    assert res.filter(like="o4-", axis=0)["flags"].eq("").all()
    assert res.filter(like="o31-", axis=0)["flags"].eq("").all()


def test_flats_of_one_building_are_not_a_burst() -> None:
    # Five flats share one address point; the officer logs each from its door (GPS at the
    # household), four minutes apart. Same spot, but not away from the doors: no burst.
    hh = {f"F{i}": (0.0, 500.0) for i in range(5)}
    rows = [row(f"f{i}", f"F{i}", "o", f"10:{4 * i:02d}") for i in range(5)]
    res = verify_visits(visits(rows, hh), households(hh))
    assert res["flags"].eq("").all()
    assert res["travel_m"].iloc[1:].to_list() == [0.0] * 4


def test_flats_registered_at_a_compound_centroid_are_not_a_burst() -> None:
    # Six flats of one building are registered at their compound's centroid, 80 m from the
    # building. The officer logs them from the stairwell, 4 min apart: every GPS point is
    # 80 m from its door (> 30 m) and within 30 m of the first; but the doors are one
    # point, so this is one place worked through, not households logged from afar.
    hh = {f"F{i}": (0.0, 0.0) for i in range(6)}
    rows = [row(f"f{i}", f"F{i}", "o", f"10:{4 * i:02d}", gps=(80.0, 0.0)) for i in range(6)]
    res = verify_visits(visits(rows, hh), households(hh))
    assert res["flags"].eq("").all()
    assert res["status"].eq("counted").all()


# --------------------------------------------------------------------------- no_gps


@pytest.mark.parametrize(("review_counts", "counted"), [(True, True), (False, False)])
def test_missing_gps_is_review(review_counts: bool, counted: bool) -> None:
    # None, an empty point and a NaN point are all "no GPS": review, verified; they count
    # as visits unless review_counts is off.
    hh = {"A": (0.0, 0.0)}
    rows = [
        row(v, "A", o, "10:00", gps=g)
        for v, o, g in [
            ("none", "o1", None),
            ("empty", "o2", Point()),
            ("nan", "o3", Point(np.nan, np.nan)),
        ]
    ]
    v = visits(rows, hh)
    settings = DEFAULTS.replace(review_counts=review_counts)
    res = verify_visits(v, households(hh), settings=settings)
    assert res["flags"].to_list() == ["no_gps"] * 3
    assert res["status"].to_list() == ["review"] * 3
    assert res["verified"].to_list() == [True] * 3
    assert res["door_distance_m"].isna().all()
    counts = counted_mask(v.assign(status=res["status"]), settings=settings)
    assert counts.tolist() == [counted] * 3


# --------------------------------------------------------------------------- combined


def test_flags_follow_the_fixed_order_and_index_is_kept() -> None:
    # Second log of A by o1 4 min after the first: GPS 500 m away (gps_far), a 1-min
    # contact (too_short), same household and outcome within 10 min (duplicate).
    hh = {"A": (0.0, 0.0)}
    rows = [
        row("1", "A", "o1", "10:00"),
        row("2", "A", "o1", "10:04", gps=(500.0, 0.0), duration_min=1.0),
    ]
    v = visits(rows, hh).set_axis([70, 30])
    res = verify_visits(v, households(hh))
    assert res.index.to_list() == [70, 30]
    assert res.loc[30, "flags"] == "gps_far;duplicate;too_short"
    assert res.loc[30, "reason"] == "GPS point 500 m from the door"  # the worst flag's
    assert list(res.columns[:4]) == ["visit_id", "status", "verified", "flags"]


def test_unknown_household_is_not_checked_for_distance() -> None:
    # "X" is not in households: no door distance, no travel check from or to it.
    hh = {"A": (0.0, 0.0)}
    rows = [row("1", "A", "o", "10:00"), row("2", "X", "o", "10:00", gps=(5000.0, 0.0))]
    res = verify_visits(visits(rows, {**hh, "X": (0.0, 0.0)}), households(hh))
    assert res["flags"].to_list() == ["", ""]
    assert np.isnan(res["door_distance_m"].iloc[1])
    assert res["travel_method"].to_list() == ["", ""]


def test_visits_without_officer_or_time_are_left_out_of_sequences() -> None:
    # Two logs of A 1 min apart with no officer: not a duplicate of each other (nobody to
    # compare). o1's log with no time sits between two timed logs 1 min apart (78 m, 48 m
    # after the GPS allowance, need 1.53 min): the timed pair is still compared and is
    # fast_travel; the untimed log is not compared and has no shift.
    hh = {"A": (0.0, 0.0), "B": (78.0, 0.0)}
    rows = [
        row("n1", "A", "x", "10:00"),
        row("n2", "A", "x", "10:01"),
        row("t1", "A", "o1", "11:00"),
        row("t0", "B", "o1", "11:00"),
        row("t2", "B", "o1", "11:01"),
    ]
    v = visits(rows, hh)
    v["officer_id"] = v["officer_id"].where(v["officer_id"] != "x", None)
    v.loc[v["visit_id"] == "t0", "time"] = pd.NaT
    res = verify_visits(v, households(hh))
    assert flags_of(res) == {"n1": "", "n2": "", "t1": "", "t0": "", "t2": "fast_travel"}
    assert res["previous_visit_id"].to_list() == ["", "", "", "", "t1"]
    assert res["shift"].to_list()[:2] == [-1, -1]
    assert res["shift"].iloc[3] == -1


def test_plain_frame_without_geometry_means_no_gps() -> None:
    hh = {"A": (0.0, 0.0)}
    plain = pd.DataFrame(visits([row("1", "A", "o", "09:00")], hh).drop(columns="geometry"))
    res = verify_visits(plain, households(hh))
    assert res["flags"].to_list() == ["no_gps"]
    assert res["status"].to_list() == ["review"]
    assert res["verified"].to_list() == [True]


def test_gps_columns_verify_as_the_points_do() -> None:
    """The command line reads the GPS as two columns (no point per visit): same grades."""
    hh = {"A": (0.0, 0.0), "B": (5000.0, 0.0), "C": (0.0, 5000.0)}
    rows = [
        row("far", "A", "o1", "10:00", gps=(400.0, 0.0)),
        row("near", "B", "o2", "10:00", gps=(5010.0, 0.0)),
        row("none", "C", "o3", "10:00", gps=None),
        row("fast", "A", "o2", "10:04", gps=(0.0, 0.0)),  # 5 km from "near" in 4 min
    ]
    with_points = visits(rows, hh)
    lon, lat = gps_lonlat(with_points)
    columns = pd.DataFrame(with_points.drop(columns="geometry")).assign(gps_lon=lon, gps_lat=lat)
    want = verify_visits(with_points, households(hh))
    got = verify_visits(columns, households(hh))
    pd.testing.assert_frame_equal(got, want)
    assert flags_of(got) == {
        "far": "gps_far",
        "near": "",
        "none": "no_gps",
        "fast": "impossible_travel",
    }
    with pytest.raises(CRSError, match="visits are in EPSG:4326 but households in EPSG:3857"):
        verify_visits(columns, households(hh).to_crs("EPSG:3857"))


def test_household_rows_given_are_the_rows_looked_up_and_left_as_given() -> None:
    """The pipeline hands verify the rows it looked up once (a door without a place, an
    unknown household); verify marks its own copy."""
    hh = {"A": (0.0, 0.0), "B": (5000.0, 0.0)}
    rows = [
        row("a", "A", "o1", "10:00", gps=(400.0, 0.0)),
        row("ghost", "Z", "o1", "10:30"),
        row("b", "B", "o2", "10:00"),
    ]
    homes = households(hh)
    homes.loc[homes["household_id"] == "B", "geometry"] = None  # no place: no door
    v = visits([r | {"household_id": h} for r, h in zip(rows, "AAB", strict=True)], hh)
    v["household_id"] = ["A", "Z", "B"]
    given = household_codes(homes, v)
    assert given.tolist() == [0, -1, 1]
    kept = given.copy()
    want = verify_visits(v, homes)
    got = verify_visits(v, homes, household_rows=given)
    pd.testing.assert_frame_equal(got, want)
    assert given.tolist() == kept.tolist()


# --------------------------------------------------------------------------- reviews


def test_chief_decisions_override_the_grade_and_keep_the_flags() -> None:
    # "far" is not counted (GPS 400 m away), "short" in review (a 2-min contact), "ok" has
    # no flag. A chief dismisses "far" (counted), confirms "short" (not counted); a
    # decision on the unflagged "ok" and on an unknown id change nothing.
    hh = {"A": (0.0, 0.0), "B": (5000.0, 0.0), "C": (0.0, 5000.0)}
    rows = [
        row("far", "A", "o1", "10:00", gps=(400.0, 0.0)),
        row("short", "B", "o2", "10:00", gps=(5000.0, 0.0), duration_min=2.0),
        row("ok", "C", "o3", "10:00", gps=(0.0, 5000.0)),
    ]
    reviews = pd.DataFrame(
        {
            "visit_id": ["far", "short", "ok", "ghost", "far"],
            "decision": ["confirmed", "confirmed", "dismissed", "dismissed", "Dismissed"],
        }
    )
    res = verify_visits(visits(rows, hh), households(hh), reviews=reviews)
    assert status_of(res) == {"far": "counted", "short": "not_counted", "ok": "counted"}
    assert flags_of(res) == {"far": "gps_far", "short": "too_short", "ok": ""}
    assert res["review"].to_list() == ["dismissed", "confirmed", ""]
    assert res["verified"].to_list() == [True, False, True]
    assert {c: res[c].dtype for c in VERDICT_DTYPES} == VERDICT_DTYPES  # decided on the codes
    assert res["reason"].to_list() == [
        "dismissed by a chief (was: GPS point 400 m from the door)",
        "confirmed by a chief: contact of 2.0 min, under 3 min",
        "",
    ]
    with pytest.raises(SchemaError, match="reviews: row 1 has decision 'maybe'"):
        verify_visits(
            visits(rows, hh),
            households(hh),
            reviews=pd.DataFrame({"visit_id": ["far"], "decision": ["maybe"]}),
        )


def test_reasons_are_a_sorted_categorical_and_a_decision_rewords_only_its_visit() -> None:
    # "far1" and "far2" give the same sentence (GPS 400 m away); the chief dismisses far2
    # only: far1 keeps the sentence, far2 gets its own, and the categories stay sorted with
    # "" first, each sentence once
    hh = {"A": (0.0, 0.0), "B": (5000.0, 0.0), "C": (0.0, 5000.0)}
    rows = [
        row("far1", "A", "o1", "10:00", gps=(400.0, 0.0)),
        row("far2", "B", "o2", "10:00", gps=(5400.0, 0.0)),
        row("ok", "C", "o3", "10:00", gps=(0.0, 5000.0)),
    ]
    plain = verify_visits(visits(rows, hh), households(hh))
    said = "GPS point 400 m from the door"
    assert plain["reason"].to_list() == [said, said, ""]
    assert plain["reason"].cat.categories.to_list() == ["", said]
    assert plain["reason"].cat.codes.dtype == np.int8  # a byte a visit, not eight
    reviews = pd.DataFrame({"visit_id": ["far2"], "decision": ["dismissed"]})
    res = verify_visits(visits(rows, hh), households(hh), reviews=reviews)
    reworded = f"dismissed by a chief (was: {said})"
    assert res["reason"].to_list() == [said, reworded, ""]
    assert res["reason"].cat.categories.to_list() == ["", said, reworded]  # sorted
    assert status_of(res) == {"far1": "not_counted", "far2": "counted", "ok": "counted"}


# --------------------------------------------------------------------------- validation


def test_invalid_inputs_raise_our_errors() -> None:
    hh = {"A": (0.0, 0.0)}
    v, h = visits([row("1", "A", "o", "09:00")], hh), households(hh)
    with pytest.raises(SchemaError, match=r"visits lacks column\(s\) officer_id"):
        verify_visits(v.drop(columns="officer_id"), h)
    with pytest.raises(SchemaError, match="'time' must hold tz-aware"):
        verify_visits(v.assign(time=v["time"].dt.tz_localize(None)), h)
    with pytest.raises(SchemaError, match=r"'household_id' repeats ids \['A'\]"):
        verify_visits(v, pd.concat([h, h]))
    with pytest.raises(CRSError, match="visits are in EPSG:3857"):
        verify_visits(v.to_crs("EPSG:3857"), h)
    with pytest.raises(SchemaError, match="expected a Point"):
        verify_visits(v, h.assign(geometry=[at(0.0, 0.0).buffer(0.001)]))
    with pytest.raises(SchemaError, match=r"reviews lacks column\(s\) decision"):
        verify_visits(v, h, reviews=pd.DataFrame({"visit_id": ["1"]}))
    bare = walk_graph(OFF_NODES, [(1, 2, 78.0)])
    del bare.graph["crs"]
    with pytest.raises(StreetsError, match="no 'crs' graph attribute"):
        verify_visits(v, h, graph=bare)
    no_length = walk_graph(OFF_NODES, [])
    no_length.add_edge(1, 2)
    with pytest.raises(StreetsError, match=r"edge \(1, 2\) has length None"):
        verify_visits(v, h, graph=no_length)


def test_no_visits_gives_an_empty_frame() -> None:
    hh = {"A": (0.0, 0.0)}
    res = verify_visits(visits([row("1", "A", "o", "09:00")], hh).iloc[:0], households(hh))
    assert len(res) == 0
    assert list(res.columns) == list(RESULT_COLUMNS)
    assert res["verified"].dtype == bool
    assert {c: res[c].dtype for c in VERDICT_DTYPES} == VERDICT_DTYPES


def test_verdicts_are_categoricals_of_fixed_texts_that_concatenate_as_such() -> None:
    # Two officers' visits: o1 logs a visit 400 m from the door (gps_far: not counted), then
    # one at the door 4 min later, 5 km away (impossible_travel, straight line); o2 one
    # visit without GPS (no_gps: review). The texts are the ones a str column held; each
    # column is a categorical of its fixed list, one byte a row (flags: two, 512 texts).
    hh = {"A": (0.0, 0.0), "B": (5000.0, 0.0), "C": (0.0, 5000.0)}
    rows = [
        row("v1", "A", "o1", "10:00", gps=(400.0, 0.0)),
        row("v2", "B", "o1", "10:04", gps=(5000.0, 0.0)),
        row("v3", "C", "o2", "10:00", gps=None),
    ]
    res = verify_visits(visits(rows, hh), households(hh))
    assert res["status"].to_list() == ["not_counted", "not_counted", "review"]
    assert res["flags"].to_list() == ["gps_far", "impossible_travel", "no_gps"]
    assert res["review"].to_list() == ["", "", ""]
    assert res["travel_method"].to_list() == ["", "straight_line", ""]
    assert list(VERDICT_DTYPES["status"].categories) == ["counted", "review", "not_counted"]
    assert list(VERDICT_DTYPES["review"].categories) == ["", "confirmed", "dismissed"]
    assert list(VERDICT_DTYPES["travel_method"].categories) == list(METHODS)
    assert list(VERDICT_DTYPES["flags"].categories) == bit_texts(FLAG_CODES)
    assert [res[c].cat.codes.dtype.itemsize for c in VERDICT_DTYPES] == [1, 2, 1, 1]
    # every result has the same categories: parts concatenate as categoricals, not objects
    empty = verify_visits(visits(rows, hh).iloc[:0], households(hh))
    joined = pd.concat([res, empty, res], ignore_index=True)
    assert {c: joined[c].dtype for c in VERDICT_DTYPES} == VERDICT_DTYPES
    assert joined["flags"].to_list()[3:] == res["flags"].to_list()


# --------------------------------------------------------------------------- officer_flag_share


def _flagged_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "officer_id": ["o1", "o1", "o1", "o2", "o2"],
            "flags": ["duplicate;too_short", "", "no_gps", "far_from_door", "no_gps"],
            "outcome": ["contact", "contact", "nobody_home", "contact", "contact"],
            "duration_min": [2.0, 12.0, 1.0, 5.0, 7.0],
        }
    )


def test_officer_flag_share_counts_per_code() -> None:
    # o1: 3 visits, 1 not counted (duplicate), 1 in review (no_gps); contacts of 2 and 12
    # min: median 7. o2: 2 visits, both in review; contacts of 5 and 7 min: median 6.
    res = officer_flag_share(_flagged_frame())
    assert res.index.to_list() == ["o1", "o2"]
    assert list(res.columns) == [
        "visits",
        "not_counted",
        "review",
        "share",
        "review_share",
        "median_contact_min",
        "burst_visits",
        "desk_job_shifts",
        *FLAG_CODES,
    ]
    assert res["visits"].to_list() == [3, 2]
    assert res["not_counted"].to_list() == [1, 0]
    assert res["review"].to_list() == [1, 2]
    assert res["share"].to_list() == pytest.approx([1 / 3, 0.0])
    assert res["review_share"].to_list() == pytest.approx([1 / 3, 1.0])
    assert res["median_contact_min"].to_list() == pytest.approx([7.0, 6.0])
    assert res["desk_job_shifts"].to_list() == [0, 0]  # no shift column: none known
    assert res.loc["o1", ["too_short", "duplicate", "no_gps", "far_from_door"]].to_list() == [
        1,
        1,
        1,
        0,
    ]
    assert res.loc["o2", ["far_from_door", "no_gps", "impossible_travel"]].to_list() == [1, 1, 0]


def test_officer_flag_share_status_column_decides() -> None:
    # A status column (e.g. after a chief's review) decides over the flags' grades; a
    # verified column without status marks not_counted.
    frame = _flagged_frame()
    frame["status"] = ["counted", "counted", "review", "not_counted", "review"]
    res = officer_flag_share(frame)
    assert res["not_counted"].to_list() == [0, 1]
    assert res["review"].to_list() == [1, 1]
    frame = _flagged_frame().assign(verified=[False, False, True, True, True])
    assert officer_flag_share(frame)["not_counted"].to_list() == [2, 0]
    with pytest.raises(SchemaError, match=r"unknown code\(s\) \['walked_on_water'\]"):
        officer_flag_share(frame.assign(flags="walked_on_water"))
    with pytest.raises(SchemaError, match=r"unknown value\(s\) \['maybe'\]"):
        officer_flag_share(frame.assign(status="maybe"))


def test_officer_flag_share_of_categoricals_is_that_of_their_text() -> None:
    # verify_visits' categoricals, missing values and categories no row uses (an unknown
    # code among them is no error: no visit carries it) count as the same columns as text
    frame = _flagged_frame().assign(status=["counted", None, "review", "not_counted", "review"])
    text = frame.assign(status=frame["status"].fillna("counted"))
    kinds = {
        "flags": pd.CategoricalDtype([*bit_texts(FLAG_CODES), "walked_on_water"]),
        "status": pd.CategoricalDtype(["maybe", *STATUSES]),
    }
    coded = frame.astype(kinds)
    assert coded["status"].isna().sum() == 1
    pd.testing.assert_frame_equal(officer_flag_share(coded), officer_flag_share(text))
    with pytest.raises(SchemaError, match=r"unknown value\(s\) \['maybe'\]"):
        officer_flag_share(coded.assign(status=coded["status"].fillna("maybe")))


def test_officer_flag_share_reads_only_its_columns() -> None:
    # the pipeline passes only FLAG_SHARE_COLUMNS: the figures must not change
    frame = _flagged_frame().assign(
        status=["counted", "counted", "review", "not_counted", "review"],
        shift=[0, 0, 0, 1, 1],
        note="anything",
        household_id="h1",
    )
    only = frame[[c for c in FLAG_SHARE_COLUMNS if c in frame.columns]]
    pd.testing.assert_frame_equal(officer_flag_share(only), officer_flag_share(frame))


def test_officer_flag_share_on_verify_output() -> None:
    # The documented way: assign verify_visits' columns to the visits.
    rows = _ring_rows("o5", 5, [0, 5, 10, 15, 20])
    v = visits(rows, _ring(5))
    res = verify_visits(v, households(_ring(5)))
    share = officer_flag_share(v.assign(**{c: res[c] for c in res.columns}))
    assert share.loc["o5", ["visits", "not_counted", "burst_visits"]].to_list() == [5, 5, 5]
    assert share.loc["o5", "median_contact_min"] == 10.0


def test_flag_bits_texts_and_status_codes_by_hand() -> None:
    masks = np.zeros((len(FLAG_CODES), 3), dtype=bool)
    masks[FLAG_CODES.index("gps_far"), 1] = True  # bit 3
    masks[FLAG_CODES.index("no_gps"), 1] = True  # bit 8
    masks[FLAG_CODES.index("too_short"), 2] = True  # bit 7
    bits = flag_bits(masks, n=3)
    assert bits.tolist() == [0, 8 + 256, 128]
    assert [bit_texts(FLAG_CODES)[b] for b in bits] == ["", "gps_far;no_gps", "too_short"]
    assert [STATUSES[s] for s in _status_codes(bits)] == ["counted", "not_counted", "review"]


def test_text_and_previous_ids_are_str_columns() -> None:
    text = taken_text(("", "x"), np.array([1, 1, 0]))
    assert text.tolist() == ["x", "x", ""]
    assert text.dtype == pd.Series(["a"], dtype=object).astype(str).dtype
    ids = pd.Series(["v1", None, "v3"], dtype=object)
    assert _previous_ids(ids, np.array([2, 1, -1])).tolist()[::2] == ["v3", ""]
    assert pd.isna(_previous_ids(ids, np.array([2, 1, -1]))[1])  # a missing id stays missing


def test_same_column_keeps_a_str_array_and_gives_numpy_otherwise() -> None:
    text = pd.Series(["v1", "v2"], dtype="str")
    assert _same_column(text) is text.array
    assert _same_column(pd.Series(["v1"], dtype=object)).dtype == object

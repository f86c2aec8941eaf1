"""Tests for analysis.verify: hand-made visits whose flags are worked out on paper.

Coordinates: every point is placed by metre offsets (dx east, dy north) from the origin
lon 24.94, lat 60.17 (central Helsinki) in UTM zone 35N (EPSG:32635, the zone
``geo.projection.local_utm`` picks there) and converted to WGS84, so the distances
``verify_visits`` measures after projecting are the offsets we wrote (to ~1e-9 m).

Defaults used in the reasoning: far_from_door_m=150, too_short_min=3, walking_speed_mps=1.3
(78 m per minute), min_visit_min=2, burst 5 households / 30 m / 30 min, duplicate window
10 min, no_gps_counts=True.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from analysis.verify import FLAG_CODES, FLAG_DESCRIPTIONS, officer_flag_share, verify_visits
from geo.errors import CRSError, SchemaError, StreetsError
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


# --------------------------------------------------------------------------- far_from_door


def test_far_from_door_exactly_at_threshold_passes() -> None:
    # GPS 150 m east of the door: not farther than 150 m, passes. 150.5 m: flagged.
    # Different officers so no travel/duplicate interplay.
    hh = {"H": (0.0, 0.0)}
    rows = [
        {
            "visit_id": "at",
            "household_id": "H",
            "officer_id": "o1",
            "time": "2024-05-06 10:00",
            "gps": (150.0, 0.0),
        },
        {
            "visit_id": "past",
            "household_id": "H",
            "officer_id": "o2",
            "time": "2024-05-06 10:00",
            "gps": (150.5, 0.0),
        },
    ]
    res = verify_visits(visits(rows, hh), households(hh))
    assert flags_of(res) == {"at": "", "past": "far_from_door"}
    assert res["door_distance_m"].to_list() == pytest.approx([150.0, 150.5], abs=1e-6)
    assert res["verified"].to_list() == [True, False]


# --------------------------------------------------------------------------- too_short


def test_too_short_only_for_contacts_below_threshold() -> None:
    # contact 2.9 min < 3: flagged; contact exactly 3: passes; nobody_home 1 min: not a
    # contact; contact with unknown duration: cannot be judged, not flagged.
    hh = {"H": (0.0, 0.0)}
    base = {"household_id": "H", "time": "2024-05-06 10:00"}
    rows = [
        {**base, "visit_id": "short", "officer_id": "o1", "duration_min": 2.9},
        {**base, "visit_id": "three", "officer_id": "o2", "duration_min": 3.0},
        {
            **base,
            "visit_id": "away",
            "officer_id": "o3",
            "duration_min": 1.0,
            "outcome": "nobody_home",
        },
        {**base, "visit_id": "unknown", "officer_id": "o4", "duration_min": np.nan},
    ]
    res = verify_visits(visits(rows, hh), households(hh))
    assert flags_of(res) == {"short": "too_short", "three": "", "away": "", "unknown": ""}


# --------------------------------------------------------------------------- impossible_travel


def test_impossible_travel_straight_line_equal_gap_passes() -> None:
    # A and B are 78 m apart: 78 / 1.3 m/s = 60 s = 1 min walk + 2 min at the door = 3 min.
    # o1 logs B exactly 3 min after A: equal, passes. o2 logs B 2 min 59 s after A: flagged.
    hh = {"A": (0.0, 0.0), "B": (78.0, 0.0)}
    rows = [
        {"visit_id": "1a", "household_id": "A", "officer_id": "o1", "time": "2024-05-06 10:00"},
        {"visit_id": "1b", "household_id": "B", "officer_id": "o1", "time": "2024-05-06 10:03:00"},
        {"visit_id": "2a", "household_id": "A", "officer_id": "o2", "time": "2024-05-06 10:00"},
        {"visit_id": "2b", "household_id": "B", "officer_id": "o2", "time": "2024-05-06 10:02:59"},
    ]
    res = verify_visits(visits(rows, hh), households(hh)).set_index("visit_id")
    assert res.loc["1b", "flags"] == ""
    assert res.loc["2b", "flags"] == "impossible_travel"
    assert res.loc["2a", "flags"] == ""  # the earlier visit is not flagged
    assert res.loc["1b", "travel_m"] == pytest.approx(78.0, abs=1e-6)
    assert res.loc["1b", "travel_needed_min"] == pytest.approx(3.0)
    assert res.loc["1b", "gap_min"] == pytest.approx(3.0)
    assert res.loc["1b", "travel_method"] == "straight_line"
    assert res.loc["1b", "previous_visit_id"] == "1a"
    assert res.loc["1a", "previous_visit_id"] == ""
    assert np.isnan(res.loc["1a", "gap_min"])


def test_consecutive_and_duplicate_across_midnight() -> None:
    # o1: A at 23:58, B (78 m away, needs 3 min) at 00:00 next day: 2 min gap, impossible.
    # o2: A at 23:58 and again at 00:03: 5 min apart, same household and officer, so a
    # duplicate; travel 0 m + 2 min <= 5 min, so not impossible.
    hh = {"A": (0.0, 0.0), "B": (78.0, 0.0)}
    rows = [
        {"visit_id": "1a", "household_id": "A", "officer_id": "o1", "time": "2024-05-06 23:58"},
        {"visit_id": "1b", "household_id": "B", "officer_id": "o1", "time": "2024-05-07 00:00"},
        {"visit_id": "2a", "household_id": "A", "officer_id": "o2", "time": "2024-05-06 23:58"},
        {"visit_id": "2b", "household_id": "A", "officer_id": "o2", "time": "2024-05-07 00:03"},
    ]
    res = verify_visits(visits(rows, hh), households(hh)).set_index("visit_id")
    assert res.loc["1b", "flags"] == "impossible_travel"
    assert res.loc["1b", "gap_min"] == pytest.approx(2.0)
    assert res.loc["2b", "flags"] == "duplicate"
    assert res.loc["2b", "travel_method"] == "same_household"
    assert res.loc["2b", "travel_m"] == 0.0
    assert res.loc[["1a", "2a"], "flags"].to_list() == ["", ""]


def test_shift_gap_of_twelve_hours_starts_a_new_shift() -> None:
    # 11 h 59 min apart: still consecutive (gap < 12 h); exactly 12 h: a new shift.
    hh = {"A": (0.0, 0.0), "B": (78.0, 0.0)}
    rows = [
        {"visit_id": "1a", "household_id": "A", "officer_id": "o1", "time": "2024-05-06 08:00"},
        {"visit_id": "1b", "household_id": "B", "officer_id": "o1", "time": "2024-05-06 19:59"},
        {"visit_id": "2a", "household_id": "A", "officer_id": "o2", "time": "2024-05-06 08:00"},
        {"visit_id": "2b", "household_id": "B", "officer_id": "o2", "time": "2024-05-06 20:00"},
    ]
    res = verify_visits(visits(rows, hh), households(hh)).set_index("visit_id")
    assert res.loc["1b", "previous_visit_id"] == "1a"
    assert res.loc["1b", "gap_min"] == pytest.approx(719.0)
    assert res.loc["2b", "previous_visit_id"] == ""
    assert np.isnan(res.loc["2b", "travel_needed_min"])
    # A shorter shift gap makes even the 11 h 59 min pair unrelated.
    res = verify_visits(visits(rows, hh), households(hh), shift_gap_h=8.0)
    assert res["previous_visit_id"].to_list() == ["", "", "", ""]


def test_officer_with_one_visit_is_verified() -> None:
    hh = {"A": (0.0, 0.0)}
    rows = [{"visit_id": "v", "household_id": "A", "officer_id": "o", "time": "2024-05-06 9:00"}]
    res = verify_visits(visits(rows, hh), households(hh))
    assert res["verified"].to_list() == [True]
    assert res["flags"].to_list() == [""]
    assert res["travel_method"].to_list() == [""]


def test_interleaved_officers_are_not_compared() -> None:
    # o1 works around A (0,0), o2 around B 1 km east. Their logs interleave a minute apart;
    # compared with each other they would need 1000/78 = 12.8 min. Each officer's own
    # consecutive visits are 10 m apart and 6 min apart: fine.
    hh = {"A": (0.0, 0.0), "A2": (0.0, 10.0), "B": (1000.0, 0.0), "B2": (1000.0, 10.0)}
    rows = [
        {"visit_id": "1", "household_id": "A", "officer_id": "o1", "time": "2024-05-06 10:00"},
        {"visit_id": "2", "household_id": "B", "officer_id": "o2", "time": "2024-05-06 10:01"},
        {"visit_id": "3", "household_id": "A2", "officer_id": "o1", "time": "2024-05-06 10:06"},
        {"visit_id": "4", "household_id": "B2", "officer_id": "o2", "time": "2024-05-06 10:07"},
    ]
    res = verify_visits(visits(rows, hh), households(hh))
    assert res["flags"].to_list() == ["", "", "", ""]
    assert res["previous_visit_id"].to_list() == ["", "", "1", "2"]


# --------------------------------------------------------------------------- street network

# Detour: A and B are 100 m apart in a straight line, but the only street goes A - C - B
# over a node C 480 m north (edges tagged 500 m each): 1,000 m on foot.
DETOUR_HH = {"A": (0.0, 0.0), "B": (100.0, 0.0)}
DETOUR_NODES = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (50.0, 480.0)}
DETOUR_ROWS = [
    {"visit_id": "a", "household_id": "A", "officer_id": "o", "time": "2024-05-06 10:00"},
    {"visit_id": "b", "household_id": "B", "officer_id": "o", "time": "2024-05-06 10:05"},
]


def test_detour_straight_line_possible_network_impossible() -> None:
    # Straight: 100/78 + 2 = 3.28 min <= 5 min gap. Network: 1000/78 + 2 = 14.8 min > 5.
    v, h = visits(DETOUR_ROWS, DETOUR_HH), households(DETOUR_HH)
    straight = verify_visits(v, h).set_index("visit_id")
    assert straight.loc["b", "flags"] == ""
    assert straight.loc["b", "travel_m"] == pytest.approx(100.0, abs=1e-6)

    graph = walk_graph(DETOUR_NODES, [(1, 3, 500.0), (3, 2, 500.0)])
    net = verify_visits(v, h, graph=graph).set_index("visit_id")
    assert net.loc["b", "flags"] == "impossible_travel"
    assert net.loc["b", "travel_method"] == "network"
    assert net.loc["b", "travel_m"] == pytest.approx(1000.0, abs=1e-6)
    assert net.loc["b", "travel_needed_min"] == pytest.approx(1000.0 / 78.0 + 2.0)


def test_one_way_edges_are_walked_both_ways() -> None:
    # Only B -> C -> A edges exist; walking A -> B still takes the 1,000 m street.
    graph = walk_graph(DETOUR_NODES, [(2, 3, 500.0), (3, 1, 500.0)], both_ways=False)
    res = verify_visits(visits(DETOUR_ROWS, DETOUR_HH), households(DETOUR_HH), graph=graph)
    assert res["flags"].to_list() == ["", "impossible_travel"]
    assert res["travel_m"].iloc[1] == pytest.approx(1000.0, abs=1e-6)


def test_disconnected_graph_falls_back_to_straight_line() -> None:
    # B's node 2 has no street to A's node 1: straight line, 3.28 min <= 5, passes.
    graph = walk_graph(DETOUR_NODES, [(1, 3, 500.0)])
    res = verify_visits(visits(DETOUR_ROWS, DETOUR_HH), households(DETOUR_HH), graph=graph)
    assert res["flags"].to_list() == ["", ""]
    assert res["travel_method"].to_list() == ["", "straight_line"]
    assert res["travel_m"].iloc[1] == pytest.approx(100.0, abs=1e-6)


# Off-network: nodes 1 at (0,0) and 2 at (78,0), one 78 m street. A stands on node 1; C is
# 39 m north of node 2 (87 m from node 1), so its nearest node is 2. Walk A -> C =
# 0 + 78 + 39 = 117 m = 1.5 min, plus 2 min at the door: 3.5 min (straight line 87.2 m).
OFF_HH = {"A": (0.0, 0.0), "C": (78.0, 39.0)}
OFF_NODES = {1: (0.0, 0.0), 2: (78.0, 0.0)}


def _off_rows(second: str) -> list[dict]:
    return [
        {"visit_id": "a", "household_id": "A", "officer_id": "o", "time": "2024-05-06 10:00"},
        {"visit_id": "c", "household_id": "C", "officer_id": "o", "time": second},
    ]


@pytest.mark.parametrize(
    ("second", "expected"),
    [("2024-05-06 10:03:30", ""), ("2024-05-06 10:03:29", "impossible_travel")],
)
def test_network_adds_off_network_distance_and_equal_gap_passes(second: str, expected: str) -> None:
    graph = walk_graph(OFF_NODES, [(1, 2, 78.0)])
    res = verify_visits(visits(_off_rows(second), OFF_HH), households(OFF_HH), graph=graph)
    assert res["flags"].to_list() == ["", expected]
    assert res["travel_m"].iloc[1] == pytest.approx(117.0, abs=1e-6)
    assert res["travel_needed_min"].iloc[1] == pytest.approx(3.5)
    assert res["travel_method"].iloc[1] == "network"


def test_household_nodes_mapping_is_used_and_checked() -> None:
    graph = walk_graph(OFF_NODES, [(1, 2, 78.0)])
    v, h = visits(_off_rows("2024-05-06 10:03:29"), OFF_HH), households(OFF_HH)
    res = verify_visits(v, h, graph=graph, household_nodes={"A": 1, "C": 2})
    assert res["travel_m"].iloc[1] == pytest.approx(117.0, abs=1e-6)
    # Mapping C to node 1 instead: 0 m on the street, 87.2 m off it = the straight line,
    # but both households then share node 1, so the straight line is used.
    res = verify_visits(v, h, graph=graph, household_nodes=pd.Series({"A": 1, "C": 1}))
    assert res["travel_method"].iloc[1] == "straight_line"
    assert res["travel_m"].iloc[1] == pytest.approx(np.hypot(78.0, 39.0), abs=1e-6)
    with pytest.raises(StreetsError, match="household 'A' is mapped to node 99"):
        verify_visits(v, h, graph=graph, household_nodes={"A": 99})


def test_neighbours_sharing_a_node_use_the_straight_line() -> None:
    # D (10, 20) and E (-10, 20) both snap to node 1 (22.4 m away each). Going out to the
    # node and back would be 44.7 m; they are 20 m apart: straight line, 20 m.
    hh = {"D": (10.0, 20.0), "E": (-10.0, 20.0)}
    rows = [
        {"visit_id": "d", "household_id": "D", "officer_id": "o", "time": "2024-05-06 10:00"},
        {"visit_id": "e", "household_id": "E", "officer_id": "o", "time": "2024-05-06 10:03"},
    ]
    graph = walk_graph(OFF_NODES, [(1, 2, 78.0)])
    res = verify_visits(visits(rows, hh), households(hh), graph=graph)
    assert res["travel_method"].iloc[1] == "straight_line"
    assert res["travel_m"].iloc[1] == pytest.approx(20.0, abs=1e-6)


# --------------------------------------------------------------------------- one_spot_burst


def _ring(n: int, radius: float = 100.0) -> dict[str, tuple[float, float]]:
    angles = np.deg2rad(np.arange(n) * 360.0 / 5)
    return {f"R{i}": (radius * np.cos(a), radius * np.sin(a)) for i, a in enumerate(angles)}


_JITTER = [(0.0, 0.0), (3.0, 0.0), (0.0, 3.0), (-3.0, 0.0), (0.0, -3.0)]


def _ring_rows(officer: str, n: int, minutes: list[int], hour: int = 10) -> list[dict]:
    return [
        {
            "visit_id": f"{officer}-{i}",
            "household_id": f"R{i}",
            "officer_id": officer,
            "time": f"2024-05-06 {hour + m // 60:02d}:{m % 60:02d}",
            "gps": _JITTER[i],
        }
        for i, m in zip(range(n), minutes, strict=True)
    ]


def test_burst_of_five_households_but_not_four() -> None:
    # Households on a 100 m ring around the origin, logged from GPS points within 3 m of
    # the origin (100 m from each door: > 30 m, so not at the household; < 150 m, so not
    # far_from_door). Neighbours on the ring are 117.6 m apart: 1.5 + 2 min <= 5 min gaps.
    # o5: 5 households in 20 min -> all five flagged. o4: 4 households -> none.
    # o31: 5 households but spread over 31 min > 30 -> none.
    hh = _ring(5)
    rows = (
        _ring_rows("o5", 5, [0, 5, 10, 15, 20])
        + _ring_rows("o4", 4, [0, 5, 10, 15])
        + _ring_rows("o31", 5, [0, 8, 16, 24, 31])
    )
    res = verify_visits(visits(rows, hh), households(hh)).set_index("visit_id")
    assert res.filter(like="o5-", axis=0)["flags"].eq("one_spot_burst").all()
    assert res.filter(like="o4-", axis=0)["flags"].eq("").all()
    assert res.filter(like="o31-", axis=0)["flags"].eq("").all()


def test_flats_of_one_building_are_not_a_burst() -> None:
    # Five flats share one address point; the officer logs each from its door (GPS at the
    # household), four minutes apart. Same spot, but not away from the doors: no burst.
    hh = {f"F{i}": (0.0, 500.0) for i in range(5)}
    rows = [
        {
            "visit_id": f"f{i}",
            "household_id": f"F{i}",
            "officer_id": "o",
            "time": f"2024-05-06 10:{4 * i:02d}",
        }
        for i in range(5)
    ]
    res = verify_visits(visits(rows, hh), households(hh))
    assert res["flags"].eq("").all()
    assert res["travel_m"].iloc[1:].to_list() == [0.0] * 4


# --------------------------------------------------------------------------- duplicate


def test_duplicate_window_is_inclusive_and_per_officer() -> None:
    # o1 logs A at 10:00, 10:10 (10 min: duplicate), 10:21 (11 min after 10:10: not).
    # o2 logs A at 10:01: another officer, not a duplicate of o1's log.
    hh = {"A": (0.0, 0.0)}
    rows = [
        {"visit_id": "1", "household_id": "A", "officer_id": "o1", "time": "2024-05-06 10:00"},
        {"visit_id": "2", "household_id": "A", "officer_id": "o1", "time": "2024-05-06 10:10"},
        {"visit_id": "3", "household_id": "A", "officer_id": "o1", "time": "2024-05-06 10:21"},
        {"visit_id": "4", "household_id": "A", "officer_id": "o2", "time": "2024-05-06 10:01"},
    ]
    res = verify_visits(visits(rows, hh), households(hh))
    assert flags_of(res) == {"1": "", "2": "duplicate", "3": "", "4": ""}


# --------------------------------------------------------------------------- no_gps


@pytest.mark.parametrize(("counts", "verified"), [(True, True), (False, False)])
def test_missing_gps_is_kept_and_marked(counts: bool, verified: bool) -> None:
    # None, an empty point and a NaN point are all "no GPS"; no door distance is measured.
    hh = {"A": (0.0, 0.0)}
    rows = [
        {"visit_id": v, "household_id": "A", "officer_id": o, "time": "2024-05-06 10:00", "gps": g}
        for v, o, g in [
            ("none", "o1", None),
            ("empty", "o2", Point()),
            ("nan", "o3", Point(np.nan, np.nan)),
        ]
    ]
    res = verify_visits(
        visits(rows, hh), households(hh), settings=DEFAULTS.replace(no_gps_counts=counts)
    )
    assert res["flags"].to_list() == ["no_gps"] * 3
    assert res["verified"].to_list() == [verified] * 3
    assert res["door_distance_m"].isna().all()


# --------------------------------------------------------------------------- combined


def test_flags_follow_the_fixed_order_and_index_is_kept() -> None:
    # Second log of A by o1 4 min after the first: GPS 500 m away (far_from_door), a 1-min
    # contact (too_short), same household within 10 min (duplicate).
    hh = {"A": (0.0, 0.0)}
    rows = [
        {"visit_id": "1", "household_id": "A", "officer_id": "o1", "time": "2024-05-06 10:00"},
        {
            "visit_id": "2",
            "household_id": "A",
            "officer_id": "o1",
            "time": "2024-05-06 10:04",
            "gps": (500.0, 0.0),
            "duration_min": 1.0,
        },
    ]
    v = visits(rows, hh).set_axis([70, 30])
    res = verify_visits(v, households(hh))
    assert res.index.to_list() == [70, 30]
    assert res.loc[30, "flags"] == "far_from_door;too_short;duplicate"
    assert list(res.columns[:3]) == ["visit_id", "verified", "flags"]
    assert set(FLAG_DESCRIPTIONS) == set(FLAG_CODES)


def test_unknown_household_is_not_checked_for_distance() -> None:
    # "X" is not in households: no door distance, no travel check from or to it.
    hh = {"A": (0.0, 0.0)}
    rows = [
        {"visit_id": "1", "household_id": "A", "officer_id": "o", "time": "2024-05-06 10:00"},
        {
            "visit_id": "2",
            "household_id": "X",
            "officer_id": "o",
            "time": "2024-05-06 10:00",
            "gps": (5000.0, 0.0),
        },
    ]
    res = verify_visits(visits(rows, {**hh, "X": (0.0, 0.0)}), households(hh))
    assert res["flags"].to_list() == ["", ""]
    assert np.isnan(res["door_distance_m"].iloc[1])
    assert res["travel_method"].to_list() == ["", ""]


# --------------------------------------------------------------------------- validation


def test_invalid_inputs_raise_our_errors() -> None:
    hh = {"A": (0.0, 0.0)}
    rows = [{"visit_id": "1", "household_id": "A", "officer_id": "o", "time": "2024-05-06 9:00"}]
    v, h = visits(rows, hh), households(hh)
    with pytest.raises(SchemaError, match=r"visits: missing column\(s\) \['officer_id'\]"):
        verify_visits(v.drop(columns="officer_id"), h)
    with pytest.raises(SchemaError, match="'time' must be tz-aware"):
        verify_visits(v.assign(time=v["time"].dt.tz_localize(None)), h)
    with pytest.raises(SchemaError, match=r"'household_id' repeats ids \['A'\]"):
        verify_visits(v, pd.concat([h, h]))
    with pytest.raises(CRSError, match="visits are in EPSG:3857"):
        verify_visits(v.to_crs("EPSG:3857"), h)
    with pytest.raises(SchemaError, match="expected a Point"):
        verify_visits(v, h.assign(geometry=[at(0.0, 0.0).buffer(0.001)]))
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
    rows = [{"visit_id": "1", "household_id": "A", "officer_id": "o", "time": "2024-05-06 9:00"}]
    res = verify_visits(visits(rows, hh).iloc[:0], households(hh))
    assert len(res) == 0
    assert res["verified"].dtype == bool


# --------------------------------------------------------------------------- officer_flag_share


def _flagged_frame() -> pd.DataFrame:
    t = pd.to_datetime(
        [
            "2024-05-01 10:00",
            "2024-05-02 10:00",
            "2024-05-03 10:00",
            "2024-05-01 11:00",
            "2024-05-02 11:00",
        ]
    ).tz_localize(TZ)
    return pd.DataFrame(
        {
            "officer_id": ["o1", "o1", "o1", "o2", "o2"],
            "time": t,
            "flags": ["too_short;duplicate", "", "no_gps", "far_from_door", "no_gps"],
        }
    )


def test_officer_flag_share_counts_per_code() -> None:
    # o1: 3 visits, 1 failing (too_short;duplicate), no_gps does not fail by default.
    # o2: 2 visits, 1 failing (far_from_door).
    res = officer_flag_share(_flagged_frame())
    assert res.index.to_list() == ["o1", "o2"]
    assert list(res.columns) == ["visits", "flagged", "share", *FLAG_CODES]
    assert res["visits"].to_list() == [3, 2]
    assert res["flagged"].to_list() == [1, 1]
    assert res["share"].to_list() == pytest.approx([1 / 3, 1 / 2])
    assert res.loc["o1", ["too_short", "duplicate", "no_gps", "far_from_door"]].to_list() == [
        1,
        1,
        1,
        0,
    ]
    assert res.loc["o2", ["far_from_door", "no_gps", "impossible_travel"]].to_list() == [1, 1, 0]
    strict = officer_flag_share(_flagged_frame(), settings=DEFAULTS.replace(no_gps_counts=False))
    assert strict["flagged"].to_list() == [2, 2]


def test_officer_flag_share_window_and_verified_column() -> None:
    # start <= time < end keeps 2024-05-02 only (naive bounds taken in Helsinki time):
    # o1's "" and o2's "no_gps". A verified column decides "flagged" when present.
    frame = _flagged_frame()
    res = officer_flag_share(frame, start="2024-05-02", end="2024-05-03")
    assert res["visits"].to_list() == [1, 1]
    assert res["flagged"].to_list() == [0, 0]
    frame["verified"] = [False, False, True, True, False]
    res = officer_flag_share(frame)
    assert res["flagged"].to_list() == [2, 1]
    with pytest.raises(SchemaError, match=r"unknown code\(s\) \['walked_on_water'\]"):
        officer_flag_share(frame.assign(flags="walked_on_water"))
    with pytest.raises(SchemaError, match="'time' must be tz-aware"):
        officer_flag_share(frame.assign(time=frame["time"].dt.tz_localize(None)), start="2024")


def test_officer_flag_share_on_verify_output() -> None:
    # The documented way: assign verify_visits' columns to the visits.
    rows = _ring_rows("o5", 5, [0, 5, 10, 15, 20])
    v = visits(rows, _ring(5))
    res = verify_visits(v, households(_ring(5)))
    share = officer_flag_share(v.assign(verified=res["verified"], flags=res["flags"]))
    assert share.loc["o5", ["visits", "flagged", "one_spot_burst"]].to_list() == [5, 5, 5]


def test_network_walk_is_never_shorter_than_the_straight_line() -> None:
    # A street tagged 10 m long between nodes 78 m apart cannot beat the straight line:
    # A -> C is 87.2 m as the crow flies, more than 0 + 10 + 39 = 49 m "on the street".
    graph = walk_graph(OFF_NODES, [(1, 2, 10.0)])
    res = verify_visits(
        visits(_off_rows("2024-05-06 10:10"), OFF_HH), households(OFF_HH), graph=graph
    )
    assert res["travel_m"].iloc[1] == pytest.approx(np.hypot(78.0, 39.0), abs=1e-6)
    assert res["travel_method"].iloc[1] == "network"


def test_visits_without_officer_or_time_are_left_out_of_sequences() -> None:
    # Two logs of A 1 min apart with no officer: not a duplicate of each other (nobody to
    # compare). o1's log with no time sits between two timed logs 1 min apart (78 m needs
    # 3 min): the timed pair is still compared and flagged; the untimed log is not.
    hh = {"A": (0.0, 0.0), "B": (78.0, 0.0)}
    rows = [
        {"visit_id": "n1", "household_id": "A", "officer_id": "x", "time": "2024-05-06 10:00"},
        {"visit_id": "n2", "household_id": "A", "officer_id": "x", "time": "2024-05-06 10:01"},
        {"visit_id": "t1", "household_id": "A", "officer_id": "o1", "time": "2024-05-06 11:00"},
        {"visit_id": "t0", "household_id": "B", "officer_id": "o1", "time": "2024-05-06 11:00"},
        {"visit_id": "t2", "household_id": "B", "officer_id": "o1", "time": "2024-05-06 11:01"},
    ]
    v = visits(rows, hh)
    v["officer_id"] = v["officer_id"].where(v["officer_id"] != "x", None)
    v.loc[v["visit_id"] == "t0", "time"] = pd.NaT
    res = verify_visits(v, households(hh))
    assert flags_of(res) == {"n1": "", "n2": "", "t1": "", "t0": "", "t2": "impossible_travel"}
    assert res["previous_visit_id"].to_list() == ["", "", "", "", "t1"]


def test_plain_frame_without_geometry_means_no_gps() -> None:
    hh = {"A": (0.0, 0.0)}
    rows = [{"visit_id": "1", "household_id": "A", "officer_id": "o", "time": "2024-05-06 9:00"}]
    plain = pd.DataFrame(visits(rows, hh).drop(columns="geometry"))
    res = verify_visits(plain, households(hh))
    assert res["flags"].to_list() == ["no_gps"]
    assert res["verified"].to_list() == [True]

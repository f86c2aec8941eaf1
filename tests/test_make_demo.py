"""The demo generator ``data/make_demo.py``: reproducible files that mean what they say.

The generator runs once per module into a temporary directory (a few seconds); the tests
compare its output with the committed files and check the planted ground truth against the
visits it describes.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from analysis.verify import verify_visits
from geo.importer import load_dataset
from geo.projection import local_utm, project, to_wgs84
from geo.settings import DEFAULTS
from geo.streets import load_streets

OUTPUTS = (
    "boundaries/beats.geojson",
    "boundaries/README.md",
    "demo/households.csv",
    "demo/visits.csv",
    "demo/planted.json",
    "demo/README.md",
)


@pytest.fixture(scope="module")
def make_demo(root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_demo", root / "data" / "make_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_demo"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(make_demo: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert make_demo.main(["--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def visits(generated: Path) -> pd.DataFrame:
    return pd.read_csv(generated / "demo" / "visits.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def households(generated: Path) -> pd.DataFrame:
    return pd.read_csv(generated / "demo" / "households.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def planted(generated: Path) -> dict:
    return json.loads((generated / "demo" / "planted.json").read_text(encoding="utf-8"))


def _points(lon: pd.Series, lat: pd.Series, crs) -> np.ndarray:
    """Return (n, 2) metric coordinates of WGS84 lon/lat text columns."""
    pts = gpd.GeoSeries(gpd.points_from_xy(lon.astype(float), lat.astype(float)), crs=4326)
    m = project(pts, crs=crs)
    return np.column_stack([m.x.to_numpy(), m.y.to_numpy()])


# --- pure helpers, worked out by hand ---------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "kept"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "service"}, True),  # service roads are what drive_service adds
        ({"highway": "service", "service": "parking_aisle"}, False),
        ({"highway": "footway"}, False),
        ({"highway": "primary", "access": "private"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "tertiary", "motor_vehicle": "no"}, False),
        ({"building": "yes"}, False),
    ],
)
def test_is_drive_service_mirrors_the_osmnx_filter(make_demo, tags, kept):
    assert make_demo.is_drive_service(tags) is kept


def test_partition_cells_splits_a_row_into_two_balanced_halves(make_demo):
    # Four unit cells in a row, each touching the next, one household each. The first seed
    # is the heaviest cell (a tie: the first, 0), the second the farthest from it (3). The
    # lighter region grows first (tie: region 0 takes 1), then region 1 takes 2. Any later
    # move would leave 3 against 1 households, so none happens: [0, 0, 1, 1].
    weights = np.ones(4)
    adj = [[1], [0, 2], [1, 3], [2]]
    xy = np.array([[0.5, 0.5], [1.5, 0.5], [2.5, 0.5], [3.5, 0.5]])
    label = make_demo.partition_cells(weights, adj, xy, np.ones(4), 2)
    assert label.tolist() == [0, 0, 1, 1]


def test_partition_cells_moves_a_cell_to_balance(make_demo):
    # Weights 3, 1, 1, 1 in a row: seeds 0 (heaviest) and 3 (farthest). Region 1 (weight 1)
    # is lighter and grows first, taking 2 (weight 2 now), then again taking 1 (weight 3):
    # 3 against 3, the best balance there is, and it stays.
    weights = np.array([3.0, 1.0, 1.0, 1.0])
    adj = [[1], [0, 2], [1, 3], [2]]
    xy = np.array([[0.5, 0.5], [1.5, 0.5], [2.5, 0.5], [3.5, 0.5]])
    label = make_demo.partition_cells(weights, adj, xy, np.ones(4), 2)
    assert label.tolist() == [0, 1, 1, 1]


# A walk graph in metres (UTM 35N, near Helsinki; x east, y north from ORIGIN):
#   n4 (0,100) ---200--- n3 (200,100)        n6 (500,50)
#                             |100                |30 (shorter than its 50 m chord)
#   n1 (0,0)   ---200--- n2 (200,0)          n5 (500,0)
# No street joins n1 and n4 (a wall), and n5-n6 is a second piece.
ORIGIN = (385_000.0, 6_672_000.0)
WALK_NODES = {1: (0, 0), 2: (200, 0), 3: (200, 100), 4: (0, 100), 5: (500, 0), 6: (500, 50)}
WALK_EDGES = [(1, 2, 200.0), (2, 3, 100.0), (3, 4, 200.0), (5, 6, 30.0)]
# Doors, each 10 m from its nearest node (C 14.1 m from n1):
WALK_DOORS = {
    "A": (0, -10),  # n1
    "B": (0, 110),  # n4
    "C": (10, -10),  # n1, like A
    "D": (500, -10),  # n5
    "E": (200, -10),  # n2
    "F": (500, 60),  # n6
}


def _walk_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32635")
    for n, (x, y) in WALK_NODES.items():
        G.add_node(n, x=ORIGIN[0] + x, y=ORIGIN[1] + y)
    for u, v, length in WALK_EDGES:
        G.add_edge(u, v, length=length)  # one direction only: walkers ignore that
    return G


def _walk_doors() -> gpd.GeoSeries:
    """The doors in WGS84 with 7 decimals, as households.csv holds them (about 1 cm off)."""
    xy = np.array(list(WALK_DOORS.values()), dtype=float) + ORIGIN
    wgs = to_wgs84(gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=32635))
    lon = [float(f"{v:.7f}") for v in wgs.x]
    lat = [float(f"{v:.7f}") for v in wgs.y]
    return gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326)


def test_walks_follow_the_street_graph(make_demo):
    doors = _walk_doors()
    walks = make_demo.walk_distances(_walk_graph(), doors.x.to_numpy(), doors.y.to_numpy())
    # From A: A itself 0; B: 10 + (n1-n2-n3-n4 = 500) + 10 = 520 although the straight line
    # is 120; C shares A's node: straight 10; D's node is in the other piece: straight 500;
    # E: 10 + 200 + 10 = 220 (straight 200).
    got = walks.from_one(0, np.arange(5))
    assert got == pytest.approx([0.0, 520.0, 10.0, 500.0, 220.0], abs=0.05)  # 7-decimal doors
    # B to E: 10 + (n4-n3-n2 = 300) + 10 = 320; D to F: 10 + 30 + 10 = 50 is shorter than
    # the straight 70, and a walk is never shorter than the straight line: 70.
    assert walks.from_one(1, np.array([4]))[0] == pytest.approx(320.0, abs=0.05)
    assert walks.from_one(3, np.array([5]))[0] == pytest.approx(70.0, abs=0.05)


def _leg(make_demo, hh: int, sec: int, duration: int, leg_m: float):
    return make_demo.Visit(hh, "P1", 0, sec, "contact", duration, None, leg_m=leg_m)


def test_check_travel_times_each_leg_by_its_own_path(make_demo):
    # Doors 0 and 1 are 300 m apart. The officer walks 1.2 m/s; the shortest pause is 90 s.
    # A 5-minute visit at 09:00, then a 390 m path (detour 1.3): 300 + 325 + 90 = 715 s.
    xy = np.array([[0.0, 0.0], [300.0, 0.0]])
    speeds = {"P1": 1.2}
    settings = DEFAULTS.replace(walking_speed_mps=1.5, min_visit_min=1.0)
    ok = [_leg(make_demo, 0, 32_400, 5, 0.0), _leg(make_demo, 1, 32_400 + 715, 5, 390.0)]
    make_demo.check_travel(ok, xy, speeds, settings=settings)
    early = [ok[0], _leg(make_demo, 1, 32_400 + 714, 5, 390.0)]
    with pytest.raises(RuntimeError, match=r"715 s"):
        make_demo.check_travel(early, xy, speeds, settings=settings)
    # A path shorter than the straight line is impossible, whatever the time.
    short = [ok[0], _leg(make_demo, 1, 32_400 + 3_600, 5, 290.0)]
    with pytest.raises(RuntimeError, match=r"290 m path \(300 m straight\)"):
        make_demo.check_travel(short, xy, speeds, settings=settings)
    # An officer set at 10 m/s would beat a brisk straight walk: 300 / 1.5 + 60 = 260 s
    # is more than 60 + 39 + 90 = 189 s.
    fast = [
        _leg(make_demo, 0, 32_400, 1, 0.0),
        _leg(make_demo, 1, 32_400 + 189, 5, 390.0),
    ]
    with pytest.raises(RuntimeError, match=r"brisk straight walk 260 s"):
        make_demo.check_travel(fast, xy, {"P1": 10.0}, settings=settings)
    # Logs on different days are not a leg; bursts are not honest legs.
    apart = [ok[0], make_demo.Visit(1, "P1", 1, 0, "contact", 5, None, leg_m=0.0)]
    make_demo.check_travel(apart, xy, speeds, settings=settings)
    burst = [ok[0], make_demo.Visit(1, "P1", 0, 32_460, "contact", 1, None, burst=0)]
    make_demo.check_travel(burst, xy, speeds, settings=settings)


# --- the generated dataset ----------------------------------------------------------------


@pytest.mark.parametrize("rel", OUTPUTS)
def test_generator_reproduces_the_committed_file_byte_for_byte(generated, root, rel):
    committed = (root / "data" / rel).read_bytes()
    assert (generated / rel).read_bytes() == committed, f"data/{rel} differs: rerun the generator"


def test_household_ids_are_unique_text_with_leading_zeros(households, generated):
    ids = households["household_id"]
    assert ids.is_unique
    assert ids.str.fullmatch(r"0\d{9}").all()
    # read as str the zeros survive; left to guess, pandas would make numbers of them
    assert ids.iloc[0] == "0100010000"
    assert pd.read_csv(generated / "demo" / "households.csv")["household_id"].iloc[0] == 100010000
    assert set(households["kind"]) == {"household", "shop", "school", "workplace"}
    assert 3000 <= (households["kind"] == "household").sum() <= 6000


def test_beats_tile_the_extract(generated, make_demo):
    beats = gpd.read_file(generated / "boundaries" / "beats.geojson")
    assert 5 <= len(beats) <= 8
    assert beats["beat_id"].is_unique
    assert beats.is_valid.all()
    assert (beats["officer_ids"].str.split(";").str.len() == 2).all()
    osm = make_demo.read_osm(make_demo.DEFAULT_OSM)
    frame = gpd.GeoSeries([box(*osm.bbox)], crs=4326)
    crs = local_utm(frame)
    m = project(beats.geometry, crs=crs)
    frame_area = project(frame, crs=crs).area.iloc[0]
    union = shapely.union_all(m.to_numpy())
    assert abs(union.area - frame_area) / frame_area < 0.01
    overlap = sum(a.intersection(b).area for a, b in itertools.combinations(m.to_numpy(), 2))
    assert overlap < 1.0  # square metres, i.e. float noise only


def test_times_are_tz_aware_and_inside_the_window(visits):
    times = pd.to_datetime(visits["time"])
    assert isinstance(times.dtype, pd.DatetimeTZDtype)
    assert visits["time"].str.endswith("+03:00").all()  # summer time, Europe/Helsinki
    assert times.min() >= pd.Timestamp("2026-07-01T00:00:00+03:00")
    assert times.max() < pd.Timestamp("2026-09-29T00:00:00+03:00")
    assert visits["visit_id"].is_unique
    assert 15_000 <= len(visits) <= 40_000


def test_planted_bursts_meet_their_definition(visits, households, planted, make_demo):
    assert 4 <= len(planted["bursts"]) <= 6
    crs = local_utm(gpd.GeoSeries(gpd.points_from_xy([24.94], [60.17]), crs=4326))
    by_id = visits.set_index("visit_id")
    home = households.set_index("household_id")
    for burst in planted["bursts"]:
        rows = by_id.loc[burst["visit_ids"]]
        assert rows["officer_id"].nunique() == 1
        assert rows["household_id"].nunique() >= 6
        assert (rows["outcome"] == "contact").all()
        assert (rows["duration_min"].astype(float) == 1).all()
        times = pd.to_datetime(rows["time"])
        assert times.max() - times.min() <= pd.Timedelta(minutes=5)
        gps = _points(rows["lon"], rows["lat"], crs)
        spread = max(np.hypot(*(a - b)) for a, b in itertools.combinations(gps, 2))
        assert spread <= 30.0
        doors = home.loc[rows["household_id"]]
        door_xy = _points(doors["lon"], doors["lat"], crs)
        dist = np.hypot(*(gps[:, None, :] - door_xy[None, :, :]).transpose(2, 0, 1))
        assert dist.min() > 200.0


def test_honest_visits_do_not_look_like_box_ticking(visits, households, planted):
    burst_ids = {v for b in planted["bursts"] for v in b["visit_ids"]}
    honest = visits[~visits["visit_id"].isin(burst_ids)]
    contacts = honest[honest["outcome"] == "contact"]
    assert (contacts["duration_min"].astype(float) >= 5).all()
    # no household logged twice by the same officer within 10 minutes
    t = pd.to_datetime(honest["time"])
    frame = honest.assign(t=t).sort_values(["officer_id", "household_id", "t"])
    same = (frame["officer_id"] == frame["officer_id"].shift()) & (
        frame["household_id"] == frame["household_id"].shift()
    )
    gaps = frame["t"] - frame["t"].shift()
    assert not (same & (gaps < pd.Timedelta(minutes=10))).any()
    # GPS, where present, within 45 m of the door (5-40 m plus rounding)
    crs = local_utm(gpd.GeoSeries(gpd.points_from_xy([24.94], [60.17]), crs=4326))
    fix = honest[honest["lon"] != ""]
    assert 0.005 < 1 - len(fix) / len(honest) < 0.02  # about 1 % without a fix
    door = households.set_index("household_id").loc[fix["household_id"]]
    d = np.hypot(*(_points(fix["lon"], fix["lat"], crs) - _points(door["lon"], door["lat"], crs)).T)
    assert d.max() <= 45.0


def test_honest_officers_cut_through_compounds(
    visits, households, planted, make_demo, demo_extract, tmp_path
):
    # Legs: consecutive honest logs of one officer on one day. Each leg's walk (the time
    # between the logs less the first log's duration) is at least the straight line times
    # the smallest detour at the fastest officer speed, plus the shortest pause at a door
    # (1 s for rounding) ...
    burst_ids = {v for b in planted["bursts"] for v in b["visit_ids"]}
    honest = visits[~visits["visit_id"].isin(burst_ids)]
    honest = honest.assign(t=pd.to_datetime(honest["time"])).sort_values(["officer_id", "t"])
    a, b = honest.iloc[:-1], honest.iloc[1:]
    leg = (a["officer_id"].to_numpy() == b["officer_id"].to_numpy()) & (
        a["t"].dt.date.to_numpy() == b["t"].dt.date.to_numpy()
    )
    pos = {h: k for k, h in enumerate(households["household_id"])}
    src = a["household_id"].map(pos).to_numpy()[leg]
    dst = b["household_id"].map(pos).to_numpy()[leg]
    gap_s = (b["t"].to_numpy()[leg] - a["t"].to_numpy()[leg]) / np.timedelta64(1, "s")
    walk_s = gap_s - a["duration_min"].astype(float).to_numpy()[leg] * 60
    graph = load_streets(demo_extract, network_type="walk", cache_dir=tmp_path)
    lon = households["lon"].astype(float).to_numpy()
    lat = households["lat"].astype(float).to_numpy()
    walks = make_demo.walk_distances(graph, lon, lat)
    straight = np.hypot(*(walks.xy[dst] - walks.xy[src]).T)
    fastest = make_demo.OFFICER_SPEED_MPS[1]
    pause = make_demo.OVERHEAD_S[0]
    assert len(walk_s) > 15_000
    assert (walk_s >= straight * make_demo.DETOUR[0] / fastest + pause - 1.0).all()
    # ... but officers do not follow the walk graph: on many legs even the fastest officer
    # with the shortest pause could not have walked the graph's route in the time taken.
    route = np.array([walks.from_one(s, np.array([d]))[0] for s, d in zip(src, dst, strict=True)])
    assert (walk_s < route / fastest + pause).mean() > 0.03


def test_planted_blocks_are_what_they_claim(visits, planted):
    burst_ids = {v for b in planted["bursts"] for v in b["visit_ids"]}
    honest = visits[~visits["visit_id"].isin(burst_ids)]
    contacted = set(honest.loc[honest["outcome"] == "contact", "household_id"])
    assert 3 <= len(planted["under_visited"]) <= 4
    for block in planted["under_visited"]:
        ids = block["household_ids"]
        assert len(ids) >= 15
        assert sum(i in contacted for i in ids) / len(ids) < 0.4
    assert 2 <= len(planted["evening_only"]) <= 3
    for block in planted["evening_only"]:
        ids = set(block["household_ids"])
        tried = honest[honest["household_id"].isin(ids)]
        hours = pd.to_datetime(tried["time"]).dt.hour
        assert len(tried) > 0 and ((hours >= 9) & (hours < 17)).all()
        assert not ids & contacted
    for block in planted["burst_blocks"]:
        ids = set(block["household_ids"])
        assert not ids & set(honest["household_id"])  # only the bursts visit them
        assert block["coverage_as_logged"] >= 0.8
    assert re.fullmatch(r"POLYGON \(\(.*\)\)", planted["under_visited"][0]["polygon_wkt"])


def test_vulnerable_overdue_ground_truth_matches_the_visits(visits, households, planted):
    truth = planted["vulnerable_overdue"]
    assert set(truth["planted"]) <= set(truth["all"])
    burst_ids = {v for b in planted["bursts"] for v in b["visit_ids"]}
    honest = visits[~visits["visit_id"].isin(burst_ids) & (visits["outcome"] == "contact")]
    last = pd.to_datetime(honest["time"]).groupby(honest["household_id"]).max()
    cutoff = pd.Timestamp(truth["as_of"]) - pd.Timedelta(days=truth["days"])
    vulnerable = households.loc[households["vulnerable"] != "", "household_id"]
    overdue = sorted(h for h in vulnerable if h not in last.index or last[h] < cutoff)
    assert overdue == truth["all"]


def test_verification_counts_honest_visits_and_not_the_bursts(
    generated, planted, demo_extract, tmp_path
):
    # Honest officers beat the walk graph's route on many legs (they cut through compounds)
    # but never a straight line at a brisk walk, so verification with the walk graph counts
    # every honest visit: those in review are only the ones without a GPS fix (about 1 %).
    # Every burst visit is not counted, with one_spot_burst as its worst flag.
    data = load_dataset(
        beats=generated / "boundaries" / "beats.geojson",
        households=generated / "demo" / "households.csv",
        visits=generated / "demo" / "visits.csv",
        timezone="Europe/Helsinki",
    )
    graph = load_streets(demo_extract, network_type="walk", cache_dir=tmp_path)
    result = verify_visits(data.visits, data.households, graph=graph)
    burst_ids = {v for b in planted["bursts"] for v in b["visit_ids"]}
    burst = data.visits["visit_id"].isin(burst_ids).to_numpy()
    assert burst.sum() == len(burst_ids)
    assert (result["travel_method"] == "network").sum() > 1000  # the graph was used
    assert (result["verified"] == (result["status"] != "not_counted")).all()
    honest = result[~burst]
    assert (honest["status"] != "not_counted").all()
    review = honest[honest["status"] == "review"]
    assert (review["flags"] == "no_gps").all()
    assert len(review) == (honest["flags"] != "").sum()  # every honest visit without a fix
    assert 0.005 < len(review) / len(honest) < 0.02
    assert (result.loc[burst, "status"] == "not_counted").all()
    assert (result.loc[burst, "flags"].str.split(";").str[0] == "one_spot_burst").all()

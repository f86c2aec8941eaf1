"""Time analysis.verify.verify_visits at scale on the real Helsinki walk network.

Run from the repository root::

    .venv/bin/python benchmarks/verify.py --visits 1000000

What it does:

- loads the walk graph of the extract ``tests/fixtures/helsinki/helsinki.osm.pbf`` with
  ``geo.streets.load_streets(network_type="walk", cache=False)`` (or, where that module is
  missing, builds an unsimplified walk graph from the file with pyosmium + networkx);
- generates synthetic households near the streets of the extract's extent and officers who
  walk their beats: each officer-day is a run of neighbouring households with realistic gaps,
  with a little box-ticking mixed in (far GPS, too-short contacts, duplicates, one-spot
  bursts, missing GPS) so every check has work to do;
- times ``verify_visits`` on all visits (with the graph, and straight-line only), and reports
  peak RSS: of the whole process, and the peak above the data during the call;
- times the obvious baseline, one ``networkx.shortest_path_length`` Dijkstra per consecutive
  pair, on a random subsample of the pairs that ``verify_visits`` walked on the network,
  extrapolates it to all of them, and checks the two agree on the sampled distances.

``--grid-side N`` swaps the extract (2,277 nodes) for a synthetic N x N street grid (e.g.
300: 90,000 nodes, a city), to show that the cost of the network search follows the
neighbourhood of the visits, not the size of the graph.

Nothing is written to disk.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.verify import FLAG_CODES, verify_visits  # noqa: E402
from geo.projection import local_utm, project  # noqa: E402

EXTRACT = ROOT / "tests" / "fixtures" / "helsinki" / "helsinki.osm.pbf"
TZ = "Europe/Helsinki"


# --------------------------------------------------------------------------- memory


def rss_mb() -> float:
    """Current resident set size (MB)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process (MB), since start or the last reset."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------- graph


def load_walk_graph() -> tuple[nx.MultiDiGraph, str]:
    """The walk graph of the extract, and how it was built."""
    try:
        from geo.streets import load_streets
    except ImportError:
        return build_walk_graph_pyosmium(EXTRACT), "pyosmium + networkx (unsimplified)"
    graph = load_streets(EXTRACT, network_type="walk", cache=False)
    return graph, "geo.streets.load_streets(network_type='walk')"


def grid_city(side: int, *, spacing_m: float = 80.0, seed: int = 0) -> nx.MultiDiGraph:
    """A synthetic ``side`` x ``side`` street grid around the demo extent (scaling check).

    Edge lengths are the straight distance times 1.0-1.2 (curvy streets); 10% of the streets
    are missing, so some trips need detours.
    """
    from pyproj import Transformer

    rng = np.random.default_rng(seed)
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32635", always_xy=True)
    to_wgs = Transformer.from_crs("EPSG:32635", "EPSG:4326", always_xy=True)
    x0, y0 = to_utm.transform(24.94, 60.17)
    i, j = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = x0 + (i.ravel() - side / 2) * spacing_m
    y = y0 + (j.ravel() - side / 2) * spacing_m
    lon, lat = to_wgs.transform(x, y)
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    coords = zip(lon, lat, strict=True)
    graph.add_nodes_from((k, {"x": float(a), "y": float(b)}) for k, (a, b) in enumerate(coords))
    ids = np.arange(side * side).reshape(side, side)
    u = np.concatenate([ids[:-1, :].ravel(), ids[:, :-1].ravel()])
    v = np.concatenate([ids[1:, :].ravel(), ids[:, 1:].ravel()])
    keep = rng.random(len(u)) >= 0.1
    u, v = u[keep], v[keep]
    length = spacing_m * rng.uniform(1.0, 1.2, len(u))
    graph.add_edges_from(
        (int(a), int(b), {"length": float(w)}) for a, b, w in zip(u, v, length, strict=True)
    )
    graph.add_edges_from(
        (int(b), int(a), {"length": float(w)}) for a, b, w in zip(u, v, length, strict=True)
    )
    return graph


# osmnx's walk filter, as tags that exclude a way.
_NOT_WALKABLE = {
    "highway": {
        "abandoned",
        "bus_guideway",
        "construction",
        "cycleway",
        "motor",
        "motorway",
        "motorway_link",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
    },
    "foot": {"no"},
    "service": {"private"},
    "access": {"private"},
}


def build_walk_graph_pyosmium(path: Path) -> nx.MultiDiGraph:
    """An unsimplified osmnx-style walk graph straight from the OSM file."""
    import osmium

    graph = nx.MultiDiGraph(crs="EPSG:4326")
    fp = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    for obj in fp:
        if not obj.is_way() or "highway" not in obj.tags or obj.tags.get("area") == "yes":
            continue
        tags = dict(obj.tags)
        if any(tags.get(k) in bad for k, bad in _NOT_WALKABLE.items()):
            continue
        prev = None
        for ref in obj.nodes:
            if not ref.location.valid():
                prev = None
                continue
            node = (ref.ref, ref.location.lon, ref.location.lat)
            graph.add_node(node[0], x=node[1], y=node[2])
            if prev is not None:
                length = haversine_m(prev[1], prev[2], node[1], node[2])
                graph.add_edge(prev[0], node[0], length=length, osmid=obj.id)
                graph.add_edge(node[0], prev[0], length=length, osmid=obj.id)
            prev = node
    return graph


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_009.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


# --------------------------------------------------------------------------- synthetic data


def morton(ix: np.ndarray, iy: np.ndarray, bits: int = 16) -> np.ndarray:
    """Interleave the bits of two non-negative ints: a space-filling order."""
    key = np.zeros(len(ix), dtype=np.int64)
    for b in range(bits):
        key |= ((ix >> b) & 1) << (2 * b)
        key |= ((iy >> b) & 1) << (2 * b + 1)
    return key


def make_data(
    graph: nx.MultiDiGraph, *, n_visits: int, n_households: int, n_officers: int, seed: int
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, int]]:
    """Synthetic households near the streets and officers walking their beats."""
    rng = np.random.default_rng(seed)
    nodes = gpd.GeoSeries(
        gpd.points_from_xy(
            [d["x"] for _, d in graph.nodes(data=True)],
            [d["y"] for _, d in graph.nodes(data=True)],
        ),
        crs="EPSG:4326",
    )
    crs = local_utm(nodes)
    nxy = shapely.get_coordinates(project(nodes, crs=crs).to_numpy())

    # Households: a random street node, then 8-40 m off it in a random direction.
    base = nxy[rng.integers(0, len(nxy), n_households)]
    ang = rng.uniform(0, 2 * np.pi, n_households)
    off = rng.uniform(8, 40, n_households)
    hxy = base + np.column_stack([off * np.cos(ang), off * np.sin(ang)])
    cell = ((hxy - hxy.min(axis=0)) // 5).astype(np.int64)
    order = np.argsort(morton(cell[:, 0], cell[:, 1]), kind="stable")
    hxy = hxy[order]  # neighbours in the list are (mostly) neighbours on the ground
    hh_ids = np.array([f"H{i:07d}" for i in range(n_households)], dtype=object)
    households = gpd.GeoDataFrame(
        {"household_id": hh_ids},
        geometry=gpd.points_from_xy(hxy[:, 0], hxy[:, 1]),
        crs=crs,
    ).to_crs("EPSG:4326")

    # Officers: beat = a contiguous run of the space-filling order. Each officer-day walks
    # `per_day` consecutive households of the beat from a random start, 1-2 steps at a time.
    per_day = 20
    n_days = max(1, math.ceil(n_visits / (n_officers * per_day)))
    beat_len = n_households // n_officers
    n_od = n_officers * n_days
    officer = np.repeat(np.arange(n_officers), n_days)
    day = np.tile(np.arange(n_days), n_officers)
    start = rng.integers(0, beat_len, n_od)
    steps = np.cumsum(rng.integers(1, 3, (n_od, per_day)), axis=1) - 1
    hh = (officer[:, None] * beat_len + (start[:, None] + steps) % beat_len).ravel()

    oc = rng.random((n_od, per_day))
    outcome = np.where(oc < 0.7, "contact", np.where(oc < 0.95, "nobody_home", "refused"))
    shape = (n_od, per_day)
    duration = np.where(outcome == "contact", rng.uniform(4, 15, shape), rng.uniform(0.5, 2, shape))
    # Walk time between consecutive doors at 1.1 m/s over 1.4 x the straight line, plus the
    # time at the door, plus a few minutes of slack.
    pxy = hxy[hh].reshape(n_od, per_day, 2)
    step_m = np.zeros((n_od, per_day))
    step_m[:, 1:] = np.hypot(*(pxy[:, 1:] - pxy[:, :-1]).transpose(2, 0, 1))
    gap = np.zeros((n_od, per_day))
    slack = rng.uniform(1, 6, (n_od, per_day - 1))
    gap[:, 1:] = step_m[:, 1:] * 1.4 / 1.1 / 60 + duration[:, :-1] + 2 + slack
    minutes = 8 * 60 + rng.uniform(0, 60, (n_od, 1)) + np.cumsum(gap, axis=1)

    gps = pxy + rng.normal(0, 6, pxy.shape)
    injected: dict[str, int] = {}
    # Box-ticking: far GPS (1%), too-short contacts (1%), missing GPS (3%).
    far = rng.random((n_od, per_day)) < 0.01
    ang = rng.uniform(0, 2 * np.pi, far.sum())
    gps[far] = pxy[far] + np.column_stack([400 * np.cos(ang), 400 * np.sin(ang)])
    injected["far_from_door"] = int(far.sum())
    short = (rng.random((n_od, per_day)) < 0.01) & (outcome == "contact")
    duration[short] = rng.uniform(0.5, 2.5, short.sum())
    injected["too_short"] = int(short.sum())
    # One-spot bursts: 0.5% of officer-days log their last 6 visits from one spot ~80 m away
    # (3 min apart); rushing them also makes some impossible_travel.
    burst_days = np.flatnonzero(rng.random(n_od) < 0.005)
    spot = pxy[burst_days, -6] + np.array([80.0, 0.0])
    gps[burst_days, -6:] = spot[:, None, :] + rng.normal(0, 3, (len(burst_days), 6, 2))
    minutes[burst_days, -6:] = minutes[burst_days, -7][:, None] + 3 * np.arange(1, 7)
    injected["one_spot_burst (visits)"] = 6 * len(burst_days)
    flat_hh = hh
    flat_off = officer.repeat(per_day)
    flat_day = day.repeat(per_day)
    flat_min = minutes.ravel()
    flat_gps = gps.reshape(-1, 2)
    flat_out = outcome.ravel()
    flat_dur = duration.ravel()
    # Duplicates: 0.5% of the visits are a visit logged again 3 min later.
    n_dup = round(0.005 * n_visits)
    n_base = n_visits - n_dup
    dup = rng.choice(n_base, size=n_dup, replace=False)
    take = np.concatenate([np.arange(n_base), dup])
    t_extra = np.concatenate([np.zeros(n_base), np.full(n_dup, 3.0)])
    injected["duplicate"] = n_dup

    day0 = pd.Timestamp("2024-01-01", tz=TZ)
    times = (
        day0
        + pd.to_timedelta(flat_day[take], unit="D")
        + pd.to_timedelta(flat_min[take] + t_extra, unit="min")
    )
    no_gps = rng.random(len(take)) < 0.03
    geom = gpd.points_from_xy(flat_gps[take, 0], flat_gps[take, 1])
    geom[no_gps] = None
    injected["no_gps"] = int(no_gps.sum())
    visits = gpd.GeoDataFrame(
        {
            "visit_id": np.array([f"V{i:08d}" for i in range(len(take))], dtype=object),
            "household_id": hh_ids[flat_hh[take]],
            "officer_id": np.array([f"O{i:04d}" for i in range(n_officers)], dtype=object)[
                flat_off[take]
            ],
            "time": times,
            "outcome": flat_out[take],
            "duration_min": flat_dur[take],
        },
        geometry=geom,
        crs=crs,
    ).to_crs("EPSG:4326")
    return visits, households, injected


# --------------------------------------------------------------------------- baseline


def baseline(
    graph: nx.MultiDiGraph,
    visits: gpd.GeoDataFrame,
    households: gpd.GeoDataFrame,
    result: pd.DataFrame,
    *,
    n_pairs: int,
    seed: int,
) -> dict[str, Any]:
    """One networkx Dijkstra per consecutive pair, on a sample of the network pairs."""
    rng = np.random.default_rng(seed)
    net = np.flatnonzero(result["travel_method"].to_numpy() == "network")
    sample = rng.choice(net, size=min(n_pairs, len(net)), replace=False)
    later = visits.iloc[sample]
    prev_ids = result["previous_visit_id"].to_numpy()[sample]
    by_id = pd.Series(np.arange(len(visits)), index=visits["visit_id"].to_numpy())
    earlier = visits.iloc[by_id.loc[prev_ids].to_numpy()]

    # Nearest nodes, as verify_visits picks them (not timed: the baseline is the search).
    crs = local_utm(households)
    node_ids = np.array(list(graph.nodes), dtype=object)
    nodes = gpd.GeoSeries(
        gpd.points_from_xy(
            [graph.nodes[n]["x"] for n in node_ids], [graph.nodes[n]["y"] for n in node_ids]
        ),
        crs="EPSG:4326",
    )
    tree = cKDTree(shapely.get_coordinates(project(nodes, crs=crs).to_numpy()))
    hxy = households.set_index("household_id").geometry
    a_xy = shapely.get_coordinates(project(hxy.loc[earlier["household_id"]], crs=crs).to_numpy())
    b_xy = shapely.get_coordinates(project(hxy.loc[later["household_id"]], crs=crs).to_numpy())
    da, ia = tree.query(a_xy)
    db, ib = tree.query(b_xy)

    start = time.perf_counter()
    lengths = [
        nx.shortest_path_length(graph, node_ids[a], node_ids[b], weight="length")
        for a, b in zip(ia, ib, strict=True)
    ]
    elapsed = time.perf_counter() - start
    walk = np.maximum(da + np.asarray(lengths, dtype=float) + db, np.hypot(*(a_xy - b_xy).T))
    mine = result["travel_m"].to_numpy()[sample]
    return {
        "pairs": len(sample),
        "seconds": elapsed,
        "per_pair_ms": 1000 * elapsed / max(len(sample), 1),
        "network_pairs_total": len(net),
        "extrapolated_s": elapsed / max(len(sample), 1) * len(net),
        "max_abs_diff_m": float(np.max(np.abs(walk - mine))) if len(sample) else 0.0,
    }


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--officers", type=int, default=200)
    parser.add_argument("--baseline-pairs", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--grid-side",
        type=int,
        default=0,
        help="scaling check: use a synthetic N x N street grid instead of the extract",
    )
    args = parser.parse_args()

    t = time.perf_counter()
    if args.grid_side:
        graph, how = grid_city(args.grid_side, seed=args.seed), f"{args.grid_side}^2 grid city"
    else:
        graph, how = load_walk_graph()
    print(
        f"walk graph: {how}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges"
        f" ({time.perf_counter() - t:.1f} s)"
    )

    t = time.perf_counter()
    visits, households, injected = make_data(
        graph,
        n_visits=args.visits,
        n_households=args.households,
        n_officers=args.officers,
        seed=args.seed,
    )
    print(
        f"synthetic data: {len(visits):,} visits, {len(households):,} households, "
        f"{args.officers} officers ({time.perf_counter() - t:.1f} s); injected {injected}"
    )

    base_rss = rss_mb()
    can_reset = reset_peak_rss()
    t = time.perf_counter()
    result = verify_visits(visits, households, graph=graph)
    with_graph_s = time.perf_counter() - t
    call_peak = peak_rss_mb()
    print(
        f"\nverify_visits with walk graph: {with_graph_s:.2f} s "
        f"({1e6 * with_graph_s / len(visits):.2f} us/visit)"
    )
    if can_reset:
        print(
            f"  RSS before the call {base_rss:,.0f} MB, peak during it {call_peak:,.0f} MB "
            f"(+{call_peak - base_rss:,.0f} MB)"
        )
    else:
        print(f"  process peak RSS {call_peak:,.0f} MB (peak could not be reset)")

    t = time.perf_counter()
    verify_visits(visits, households)
    print(f"verify_visits straight-line only: {time.perf_counter() - t:.2f} s")

    methods = result["travel_method"].astype(str).value_counts().to_dict()  # the methods used
    print(f"\npairs by method: {methods}")
    counts = {c: int(result["flags"].str.contains(c, regex=False).sum()) for c in FLAG_CODES}
    print(f"flags: {counts}; verified {result['verified'].mean():.1%}")

    b = baseline(graph, visits, households, result, n_pairs=args.baseline_pairs, seed=args.seed)
    print(
        f"\nbaseline (networkx.shortest_path_length per pair): {b['pairs']:,} pairs in "
        f"{b['seconds']:.2f} s = {b['per_pair_ms']:.2f} ms/pair"
    )
    print(
        f"  extrapolated to all {b['network_pairs_total']:,} network pairs: "
        f"{b['extrapolated_s']:,.0f} s (the search alone) vs {with_graph_s:.1f} s for the "
        f"whole of verify_visits: {b['extrapolated_s'] / with_graph_s:,.0f}x"
    )
    print(f"  agreement on the sampled pairs: max |difference| {b['max_abs_diff_m']:.2e} m")
    print(
        f"\nprocess peak RSS (whole run): "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )


if __name__ == "__main__":
    main()

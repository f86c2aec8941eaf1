"""Beat plans on tiny grids worked out by hand, and rules checked over random layouts.

The grid: blocks of 100 m x 100 m in UTM 50N, named ``cCrR`` (column C, row R), with 10
households each and no visits with a duration, so a visit takes the default 10 minutes.
Per block: visits 10 x 10 = 100 minutes; streets half the 400 m perimeter at 72 m a minute,
200 / 72 = 2.778 minutes; access from the beat's post, there and back with the 1.4
detour: 280 m (2.8 x 100 m) to an edge neighbour, 396 m to a diagonal one, 560 m two
blocks away, at 72 m a minute.

2 x 4 grid, beats split 3 / 5::

    row 1   A  B  B  B          posts: A at c0r0 (nearest A's centre, 83 m, 83 m),
    row 0   A  A  B  B                 B at c2r1 (nearest B's centre, 270 m, 110 m)

Before: A = 300 + 3 x 2.778 + (280 + 280) / 72 = 316.111;
B = 500 + 5 x 2.778 + (280 x 3 + 396) / 72 = 531.055; imbalance 1.680.
Balanced: c1r1 joins A (the only 4 / 4 split of two compact halves). A = 400 + 11.111 +
(280 + 280 + 396) / 72 = 424.389, and B the same by symmetry: imbalance 1.000, one block
moved. With c1r1 locked, c2r0 joins A instead: A = 400 + 11.111 + (280 + 280 + 560) / 72
= 426.667 against B's 424.389: imbalance 1.0054.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from analysis import local_search, regions
from analysis.plan_export import EXPORT_COLUMNS, plan_beats
from analysis.rebalance import BEAT_COLUMNS, PLAN_COLUMNS, Plan, fresh_plan, rebalance
from analysis.workload import beat_posts
from geo.blocks import block_neighbours
from geo.errors import PlanError
from geo.importer import read_beats
from geo.settings import DEFAULTS
from geo.writers import write_table

X0, Y0 = 500_000.0, 3_540_000.0
UTM = "EPSG:32650"
VISITS = pd.DataFrame({"duration_min": pd.Series([], dtype=float)})
STREETS = 200 / 72
EDGE, DIAGONAL, TWO = 280 / 72, 2.8 * 2**0.5 * 100 / 72, 560 / 72
ADJ_1M = DEFAULTS.replace(plan_adjacency_min_m=1.0, plan_fresh_starts=2)


def grid(
    plan: Mapping[str, str],
    *,
    households: Mapping[str, int] | None = None,
    stations: Mapping[str, str] | None = None,
    margin: float = 0.0,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return blocks ``cCrR`` in the beats ``plan`` gives them, and the beats' polygons.

    ``margin`` widens each beat's polygon beyond the blocks (land no block covers).
    """
    ids = sorted(plan, key=lambda b: (int(b[3:]), int(b[1:2])))
    corners = [(X0 + 100 * int(b[1]), Y0 + 100 * int(b[3])) for b in ids]
    cells = [box(x, y, x + 100, y + 100) for x, y in corners]
    counts = households or {}
    blocks = gpd.GeoDataFrame(
        {
            "block_id": ids,
            "beat_id": [plan[b] for b in ids],
            "households": [counts.get(b, 10) for b in ids],
            "vulnerable_households": 0,
            "open_follow_ups": 0,
        },
        geometry=cells,
        crs=UTM,
    )
    names = sorted(set(plan.values()))
    polygons = [
        shapely.union_all(blocks.geometry[blocks["beat_id"] == n].to_numpy()).buffer(
            margin, join_style="mitre"
        )
        for n in names
    ]
    beats = gpd.GeoDataFrame(
        {
            "beat_id": names,
            "name": [f"{n} beat" for n in names],
            "station": [(stations or {}).get(n, "S") for n in names],
            "officer_ids": [f"{n}1;{n}2" for n in names],
        },
        geometry=polygons,
        crs=UTM,
    )
    return blocks, beats


def three_five() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    a = {"c0r0", "c0r1", "c1r0"}
    return grid({f"c{c}r{r}": "A" if f"c{c}r{r}" in a else "B" for c in range(4) for r in range(2)})


def beat_of(plan: Plan) -> dict[str, str]:
    return dict(zip(plan.blocks["block_id"], plan.blocks["beat_id"], strict=True))


def workload(plan: Plan) -> dict[str, float]:
    return {
        b: float(w) for b, w in zip(plan.beats["beat_id"], plan.beats["workload_min"], strict=True)
    }


# --------------------------------------------------------------------------- rebalance


def test_three_five_split_moves_exactly_one_block() -> None:
    blocks, beats = three_five()
    plan = rebalance(blocks, beats, VISITS)
    assert list(plan.blocks.columns) == list(PLAN_COLUMNS)
    assert list(plan.beats.columns) == list(BEAT_COLUMNS)
    assert plan.blocks.loc[plan.blocks["moved"], "block_id"].tolist() == ["c1r1"]
    assert beat_of(plan)["c1r1"] == "A"
    s = plan.summary
    assert s["moved_blocks"] == 1 and s["moved_households"] == 10
    assert s["workload_before"] == {
        "A": round(300 + 3 * STREETS + 2 * EDGE, 1),
        "B": round(500 + 5 * STREETS + 3 * EDGE + DIAGONAL, 1),
    }
    assert workload(plan)["A"] == pytest.approx(400 + 4 * STREETS + 2 * EDGE + DIAGONAL)
    assert workload(plan)["B"] == pytest.approx(workload(plan)["A"])
    assert s["imbalance"] == 1.0 and s["imbalance_before"] == pytest.approx(1.680, abs=1e-3)
    assert s["meets_target"] and s["contiguous"] and s["contiguous_before"]
    assert plan.beats.set_index("beat_id")["post_block_id"].to_dict() == {"A": "c0r0", "B": "c2r1"}
    # the halves are squares: 200 m x 200 m, Polsby-Popper pi / 4
    assert plan.beats["polsby_popper"].tolist() == pytest.approx([np.pi / 4] * 2)
    assert plan.beats["status"].tolist() == ["kept", "kept"]


def test_a_locked_block_never_moves() -> None:
    blocks, beats = three_five()
    plan = rebalance(blocks, beats, VISITS, locked=["c1r1"])
    assert plan.blocks.loc[plan.blocks["moved"], "block_id"].tolist() == ["c2r0"]
    assert beat_of(plan)["c1r1"] == "B"
    assert workload(plan)["A"] == pytest.approx(400 + 4 * STREETS + 2 * EDGE + TWO)
    heavier, lighter = (400 + 4 * STREETS + 2 * EDGE + x for x in (TWO, DIAGONAL))
    assert plan.summary["imbalance"] == pytest.approx(heavier / lighter, abs=1e-4)
    assert plan.summary["locked_blocks"] == 1
    # with both ways into A locked, nothing can move, and the plan says so
    stuck = rebalance(blocks, beats, VISITS, locked=["c1r1", "c2r0"])
    assert stuck.summary["moved_blocks"] == 0
    assert stuck.summary["imbalance"] == stuck.summary["imbalance_before"] > 1.6
    assert not stuck.summary["meets_target"]


def test_a_station_border_holds() -> None:
    # A (station N) is column 0; B and C (station S) share the rest, split 5 / 1
    plan_today = {f"c{c}r{r}": "B" for c in range(1, 4) for r in range(2)}
    plan_today.update({"c0r0": "A", "c0r1": "A", "c3r1": "C"})
    blocks, beats = grid(plan_today, stations={"A": "N", "B": "S", "C": "S"})
    plan = rebalance(blocks, beats, VISITS)
    after = beat_of(plan)
    assert [b for b, beat in after.items() if beat == "A"] == ["c0r0", "c0r1"]
    assert sorted(plan.beats["blocks"].tolist()) == [2, 3, 3]
    assert (
        plan.blocks["station"] == plan.blocks["beat_id"].map({"A": "N", "B": "S", "C": "S"})
    ).all()
    s = plan.summary
    # station N's one beat carries 2 blocks, S's beats 3 each: no plan gets under 1.10
    assert s["station_floor"] > 1.4 and not s["meets_target"] and s["contiguous"]
    # B and C differ only by their access minutes
    assert s["imbalance"] == pytest.approx(s["station_floor"], abs=0.01)


def test_an_impossible_balance_is_reported_honestly() -> None:
    # one block holds 60 households: giving anything to its beat only makes things worse
    blocks, beats = grid(
        {"c0r0": "X", "c1r0": "Y", "c2r0": "Y", "c3r0": "Y", "c4r0": "Y"},
        households={"c0r0": 60, "c1r0": 1, "c2r0": 1, "c3r0": 1, "c4r0": 30},
    )
    plan = rebalance(blocks, beats, VISITS)
    s = plan.summary
    assert s["moved_blocks"] == 0 and not s["meets_target"]
    assert s["imbalance"] == s["imbalance_before"] > 1.5


def test_outside_households_go_with_the_post_block() -> None:
    blocks, beats = three_five()
    extra = gpd.GeoDataFrame(
        {"block_id": ["outside:A"], "beat_id": ["A"], "households": [3],
         "vulnerable_households": [0], "open_follow_ups": [0]},
        geometry=[None], crs=UTM,
    )  # fmt: skip
    plan = rebalance(pd.concat([blocks, extra], ignore_index=True), beats, VISITS)
    assert beat_of(plan)["outside:A"] == "A"
    # A carries 30 more minutes from the start, so it takes c1r1 all the same
    assert plan.summary["workload_before"]["A"] == round(330 + 3 * STREETS + 2 * EDGE, 1)
    assert plan.summary["moved_blocks"] == 1


def test_unknown_or_unplanned_locked_blocks_are_refused() -> None:
    blocks, beats = three_five()
    with pytest.raises(PlanError, match="nowhere"):
        rebalance(blocks, beats, VISITS, locked=["nowhere"])


def test_blocks_in_no_beat_stay_out_of_the_plan() -> None:
    blocks, beats = three_five()
    blocks.loc[blocks["block_id"] == "c3r1", "beat_id"] = None
    plan = rebalance(blocks, beats, VISITS)
    assert plan.summary["unplanned_blocks"] == ["c3r1"]
    assert pd.isna(beat_of(plan)["c3r1"])


def test_the_move_penalty_trades_balance_beyond_the_target_for_moves() -> None:
    # a 2 x 6 grid split 5 / 7 (imbalance 1.41): one move evens it out
    cells = [(c, r) for c in range(6) for r in range(2)]
    plan_today = {f"c{c}r{r}": "A" if c < 2 or (c, r) == (2, 0) else "B" for c, r in cells}
    blocks, beats = grid(plan_today)
    loose = DEFAULTS.replace(plan_target_ratio=1.5)
    # already within a 1.5 target: a costly move is not worth it, a free one is
    costly = rebalance(blocks, beats, VISITS, settings=loose.replace(plan_move_penalty=0.5))
    free = rebalance(blocks, beats, VISITS, settings=loose.replace(plan_move_penalty=0.0))
    assert costly.summary["moved_blocks"] == 0 and costly.summary["meets_target"]
    assert costly.summary["imbalance"] == pytest.approx(1.412, abs=1e-3)
    assert free.summary["moved_blocks"] == 1 and free.summary["imbalance"] == 1.0
    # the target itself is reached whatever the penalty
    strict = rebalance(blocks, beats, VISITS, settings=DEFAULTS.replace(plan_move_penalty=0.5))
    assert strict.summary["moved_blocks"] == 1 and strict.summary["imbalance"] == 1.0


# --------------------------------------------------------------------------- fresh plans


def test_a_fresh_plan_of_two_beats_splits_the_grid_in_halves() -> None:
    blocks, beats = three_five()
    plan = fresh_plan(blocks, beats, VISITS, beats_count=2)
    again = fresh_plan(blocks, beats, VISITS, beats_count=2)
    pd.testing.assert_frame_equal(plan.blocks, again.blocks)
    assert sorted(plan.beats["blocks"].tolist()) == [4, 4]
    assert plan.summary["contiguous"] and plan.summary["imbalance"] < 1.01
    assert set(plan.beats["beat_id"]) == {"A", "B"}
    assert plan.summary["new_beats"] == [] and plan.summary["removed_beats"] == []


def test_a_fresh_plan_names_new_beats_and_drops_removed_ones() -> None:
    blocks, beats = grid({f"c{c}r{r}": f"B{1 + c // 2}" for c in range(4) for r in range(2)})
    three = fresh_plan(blocks, beats, VISITS, beats_count=3)
    assert three.summary["new_beats"] == ["B3"]
    assert set(three.beats["beat_id"]) == {"B1", "B2", "B3"}
    new = three.beats.set_index("beat_id").loc["B3"]
    assert new["status"] == "new" and new["name"] == "" and new["station"] == "S"
    one = fresh_plan(blocks, beats, VISITS, beats_count=1)
    assert len(one.summary["removed_beats"]) == 1 and one.summary["beats"] == 1
    assert one.summary["imbalance"] == 1.0


def test_a_fresh_plan_keeps_locked_blocks_and_station_borders() -> None:
    plan_today = {f"c{c}r{r}": "A" if c < 2 else "B" for c in range(4) for r in range(2)}
    blocks, beats = grid(plan_today, stations={"A": "N", "B": "S"})
    plan = fresh_plan(blocks, beats, VISITS, beats_count=3, locked=["c3r1"])
    after = beat_of(plan)
    assert after["c3r1"] == "B"
    station = dict(zip(plan.beats["beat_id"], plan.beats["station"], strict=True))
    assert all(station[after[b]] == ("N" if b[1] in "01" else "S") for b in after)
    with pytest.raises(PlanError, match="station"):
        fresh_plan(blocks, beats, VISITS, beats_count=1)
    with pytest.raises(PlanError, match="at least one beat"):
        fresh_plan(blocks, beats, VISITS, beats_count=0)


# --------------------------------------------------------------------------- export


def test_the_plan_reads_back_as_beats(tmp_path: Path) -> None:
    blocks, beats = three_five()
    plan = rebalance(blocks, beats, VISITS)
    exported = plan_beats(plan, blocks, beats)
    assert list(exported.columns) == list(EXPORT_COLUMNS)
    path = write_table(exported, tmp_path / "plan.geojson", kind="beats")
    back = read_beats(path)
    assert back.report.ok and not back.report.findings
    table = back.table.set_index("beat_id")
    assert table.loc["A", "name"] == "A beat" and table.loc["A", "officer_ids"] == "A1;A2"
    areas = back.table.set_index("beat_id").to_crs(UTM).area
    assert areas.to_dict() == pytest.approx({"A": 40_000, "B": 40_000}, abs=5.0)  # 1 cm of GeoJSON
    a = table.to_crs(UTM).loc["A", "geometry"]
    assert a.geom_type == "Polygon"
    assert a.hausdorff_distance(box(X0, Y0, X0 + 200, Y0 + 200)) < 0.05


def test_export_keeps_land_no_block_covers_and_names_new_beats(tmp_path: Path) -> None:
    # today's beats reach 20 m beyond the grid: that land stays inside some beat
    blocks, beats = grid(
        {f"c{c}r{r}": f"B{1 + c // 2}" for c in range(4) for r in range(2)}, margin=20
    )
    plan = fresh_plan(blocks, beats, VISITS, beats_count=3)
    exported = plan_beats(plan, blocks, beats)
    today = shapely.union_all(beats.geometry.to_numpy())
    planned = shapely.union_all(exported.to_crs(UTM).geometry.to_numpy())
    assert planned.area == pytest.approx(today.area, abs=1.0)
    assert shapely.symmetric_difference(planned, today).area < 1.0
    back = read_beats(write_table(exported, tmp_path / "plan.geojson", kind="beats"))
    assert back.report.ok
    assert back.table.set_index("beat_id").loc["B3", "name"] == ""


# --------------------------------------------------------------------------- the search


def test_load_passes_along_a_chain_where_no_single_move_helps() -> None:
    # a row of 9 equal blocks in beats of 4, 3 and 2 (posts 0, 5, 8): moving a block from
    # A to B, or from B to C, leaves the squared deviations at 2/9; both at once bring 0
    row = regions.Layout.from_pairs(
        [(i, i + 1) for i in range(8)], fixed=np.ones(9), xy=[[i, 0] for i in range(9)]
    )
    flat = DEFAULTS.replace(plan_compactness_weight=0.0, workload_access_detour=0.0)
    start = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
    found = local_search.improve(row, start, [0, 5, 8], settings=flat)
    assert found.assignment.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert found.moves == 2
    assert found.objective_start == pytest.approx(2 / 9) and found.objective == pytest.approx(0)


# --------------------------------------------------------------------------- random layouts


def random_layout(
    rng: np.random.Generator,
) -> tuple[regions.Layout, np.ndarray, np.ndarray, np.ndarray]:
    """Return a Voronoi layout of 12-60 blocks, today's plan, its posts and the cells.

    Stations (1-2) and today's beats (2-5 per layout) are grown from random seeds, so each
    is connected; workloads are lognormal; up to 3 blocks are locked.
    """
    n = int(rng.integers(12, 61))
    pts = shapely.points(rng.uniform(0, 1000, (n, 2)) + [X0, Y0])
    frame = box(X0, Y0, X0 + 1000, Y0 + 1000)
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=frame)),
        frame,
    )
    pairs = block_neighbours(gpd.GeoSeries(cells, crs=UTM), min_shared_m=1.0)
    xy = shapely.get_coordinates(shapely.centroid(cells))
    links = pairs[["left", "right"]].to_numpy()
    plain = regions.Layout.from_pairs(links, fixed=np.ones(n), xy=xy)
    n_st = int(rng.integers(1, 3))
    station = regions.grow(plain, [[s] for s in rng.choice(n, n_st, replace=False)])
    fixed = rng.lognormal(0, 0.8, n)
    groups = []
    for st in range(n_st):
        mine = np.flatnonzero(station == st)
        k = int(rng.integers(1, min(3, len(mine)) + 1))
        groups += [[b] for b in rng.choice(mine, k, replace=False)]
    locked = np.zeros(n, dtype=bool)
    locked[rng.choice(n, int(rng.integers(0, 4)), replace=False)] = True
    layout = regions.Layout.from_pairs(
        links,
        fixed=fixed,
        xy=xy,
        households=fixed,
        area=shapely.area(cells),
        station=station,
        locked=locked,
    )
    today = regions.grow(layout, groups)
    posts = beat_posts(layout.xy, layout.households, layout.area, today, len(groups))
    return layout, today, posts, cells


def test_rules_hold_over_200_random_layouts() -> None:
    rng = np.random.default_rng(20240601)
    for case in range(200):
        layout, today, posts, _ = random_layout(rng)
        k = len(posts)
        found = local_search.rebalance_assignment(layout, today, posts)
        after = found.assignment
        where = f"layout {case}"
        # no beat gains a piece; beats in one piece stay in one piece
        assert (
            regions.components(layout, after, k) <= regions.components(layout, today, k)
        ).all(), where
        # locked blocks and posts stay; no block changes station
        assert (after[layout.locked] == today[layout.locked]).all(), where
        assert (after[posts] == today[posts]).all(), where
        assert (layout.station[posts[after]] == layout.station).all(), where
        # never worse than the start
        assert found.objective <= found.objective_start + 1e-12, where
        before = regions.imbalance(regions.beat_loads(layout, today, posts, settings=DEFAULTS))
        now = regions.imbalance(regions.beat_loads(layout, after, posts, settings=DEFAULTS))
        assert now <= max(before, DEFAULTS.plan_target_ratio) + 1e-9, where
        if case % 20 == 0:  # the same input gives the same plan
            again = local_search.rebalance_assignment(layout, today, posts)
            assert (again.assignment == after).all(), where


def test_fresh_plans_over_random_layouts_are_contiguous() -> None:
    rng = np.random.default_rng(7)
    for case in range(25):
        layout, today, _, cells = random_layout(rng)
        n = layout.n
        blocks = gpd.GeoDataFrame(
            {
                "block_id": [f"K{i:02d}" for i in range(n)],
                "beat_id": [f"T{t}" for t in today],
                "households": np.round(layout.fixed * 10).astype(int),
                "vulnerable_households": 0,
                "open_follow_ups": 0,
            },
            geometry=cells,
            crs=UTM,
        )
        beats = pd.DataFrame(
            {
                "beat_id": [f"T{j}" for j in range(today.max() + 1)],
                "station": [f"S{layout.station[today == j][0]}" for j in range(today.max() + 1)],
            }
        )  # fmt: skip
        locked = blocks.loc[layout.locked, "block_id"].tolist()[:1]  # one: its beat is one piece
        least = len(set(beats["station"]))
        count = int(rng.integers(least, least + 5))
        plan = fresh_plan(blocks, beats, VISITS, beats_count=count, locked=locked, settings=ADJ_1M)
        where = f"layout {case}"
        after = plan.blocks.set_index("block_id")["beat_id"]
        assert plan.summary["beats"] == count, where
        for beat, members in after.groupby(after).groups.items():
            graph = nx.Graph()
            graph.add_nodes_from(members)
            ids = set(members)
            pairs = block_neighbours(
                blocks.set_index("block_id").loc[list(members)].geometry, min_shared_m=1.0
            )
            graph.add_edges_from(
                (members[a], members[b]) for a, b in zip(pairs["left"], pairs["right"], strict=True)
            )
            assert nx.is_connected(graph) and ids, f"{where}: beat {beat}"
            assert plan.beats.set_index("beat_id").loc[beat, "contiguous"], where
        station_of_block = dict(
            zip(blocks["block_id"], [f"S{st}" for st in layout.station], strict=True)
        )
        station_of_beat = plan.beats.set_index("beat_id")["station"]
        assert all(station_of_beat[after[b]] == station_of_block[b] for b in after.index), where
        assert (after[locked] == blocks.set_index("block_id").loc[locked, "beat_id"]).all(), where

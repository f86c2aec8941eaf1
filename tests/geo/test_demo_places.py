"""Acceptance on the demo: every household lands in exactly one block and one beat, or is
reported, and the households counted over all blocks add up to the number of households.

Streets come from the shipped extract with the street cache in a temporary folder, so the
repository is never written. Nothing here depends on today's row counts of the demo.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.blocks import blocks_from_graph
from geo.demo import DEMO_FILES
from geo.importer import Dataset
from geo.joins import OUTSIDE, PLACEMENTS, join_households
from geo.projection import local_utm
from geo.settings import DEFAULTS
from geo.streets import load_streets

MAX_M = DEFAULTS.outside_block_max_m


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("streets-cache")


@pytest.fixture(scope="module")
def graph(cache: Path) -> nx.MultiDiGraph:
    """Parsed from the file (the cache folder starts empty) and written to the cache."""
    return load_streets(DEMO_FILES["streets"], cache_dir=cache)


@pytest.fixture(scope="module")
def blocks(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    return blocks_from_graph(graph)


@pytest.fixture(scope="module")
def demo(demo_data: Dataset) -> Dataset:
    return demo_data


@pytest.fixture(scope="module")
def places(demo: Dataset, blocks: gpd.GeoDataFrame) -> pd.DataFrame:
    return join_households(demo.households, blocks, demo.beats)


def test_street_graph_and_blocks_are_sane(graph: nx.MultiDiGraph, blocks: gpd.GeoDataFrame) -> None:
    assert graph.graph["crs"] == "EPSG:4326"
    assert graph.number_of_nodes() > 100
    assert graph.number_of_edges() > graph.number_of_nodes()  # two-way streets: both ways
    lengths = np.array([length for _, _, length in graph.edges(data="length")], dtype=float)
    assert (lengths > 0).all()
    assert len(blocks) > 10
    assert blocks.crs.to_epsg() == 4326
    assert blocks["block_id"].is_unique
    assert blocks["block_id"].str.fullmatch(r"B[0-9a-f]{10}(-\d+)?").all()
    assert (blocks.geom_type == "Polygon").all() and blocks.is_valid.all()
    assert (blocks["area_m2"] >= DEFAULTS.block_min_area_m2).all()
    # blocks are faces of the street graph: they never overlap
    metric = blocks.geometry.to_crs(local_utm(blocks.geometry))
    union = shapely.union_all(metric.to_numpy())
    assert union.area == pytest.approx(metric.area.sum(), rel=1e-9)


def test_block_ids_are_stable_across_builds(cache: Path, blocks: gpd.GeoDataFrame) -> None:
    # once more from the GraphML cache, and once parsed again without any cache
    from_cache = blocks_from_graph(load_streets(DEMO_FILES["streets"], cache_dir=cache))
    fresh = blocks_from_graph(load_streets(DEMO_FILES["streets"], cache=False))
    for again in (from_cache, fresh):
        assert again["block_id"].tolist() == blocks["block_id"].tolist()
        same = shapely.equals_exact(
            shapely.normalize(again.geometry.to_numpy()),
            shapely.normalize(blocks.geometry.to_numpy()),
            tolerance=1e-9,
        )
        assert same.all()


def test_every_household_is_in_one_block_and_one_beat_or_reported(
    demo: Dataset, blocks: gpd.GeoDataFrame, places: pd.DataFrame
) -> None:
    households = demo.households
    assert places.index.equals(households.index)
    assert set(places["placement"]) <= set(PLACEMENTS)
    assert places["block_id"].notna().all()

    # beats: the one polygon holding the household; none only for households the importer
    # reported as lying outside every beat
    reported = {
        f.row - 2 for f in demo.report.findings if f.code == "outside_beats" and f.row is not None
    }  # rows are spreadsheet rows: the first record is row 2
    no_beat = set(np.flatnonzero(places["beat_id"].isna().to_numpy()))
    assert no_beat <= reported
    beats = demo.beats.set_index("beat_id").geometry
    has_beat = places["beat_id"].notna()
    holders = beats.reindex(places.loc[has_beat, "beat_id"]).to_numpy()
    assert shapely.covers(holders, households.geometry[has_beat].to_numpy()).all()
    # beats do not overlap, so no household could be claimed by two
    crs = local_utm(demo.beats.geometry)
    beats_m = demo.beats.geometry.to_crs(crs)
    assert shapely.union_all(beats_m.to_numpy()).area == pytest.approx(beats_m.area.sum())

    # blocks: the block holding it (inside or on its edge), else the nearest block within
    # outside_block_max_m, else the beat's "outside" pseudo-block, which reports it
    block_geom = blocks.set_index("block_id").geometry
    points_m = households.geometry.to_crs(crs)
    blocks_m = blocks.geometry.to_crs(crs)
    placed = places["placement"].isin(["inside", "boundary"])
    near = places["placement"] == "nearest_block"
    out = places["placement"] == OUTSIDE
    assert (placed | near | out).all()
    held = block_geom.reindex(places.loc[placed, "block_id"]).to_numpy()
    assert shapely.covers(held, households.geometry[placed].to_numpy()).all()
    inside_any = shapely.STRtree(blocks.geometry.to_numpy()).query(
        households.geometry.to_numpy(), predicate="intersects"
    )[0]
    assert not (near | out).to_numpy()[inside_any].any()  # truly outside every block
    gap = shapely.distance(
        blocks_m.set_axis(blocks["block_id"]).reindex(places.loc[near, "block_id"]).to_numpy(),
        points_m[near].to_numpy(),
    )
    assert (gap <= MAX_M + 1e-6).all()
    far = shapely.STRtree(blocks_m.to_numpy()).query(
        points_m[out].to_numpy(), predicate="dwithin", distance=MAX_M
    )
    assert far.size == 0
    expected = (OUTSIDE + ":" + places.loc[out, "beat_id"].astype("string")).fillna(OUTSIDE)
    assert (places.loc[out, "block_id"] == expected).all()
    assert places.loc[~out, "block_id"].isin(blocks["block_id"]).all()


def test_households_over_blocks_sum_to_all_households(
    demo: Dataset, blocks: gpd.GeoDataFrame, places: pd.DataFrame
) -> None:
    per_block = places.groupby("block_id", dropna=False).size()
    assert per_block.sum() == len(demo.households)
    real = per_block[per_block.index.isin(blocks["block_id"])]
    pseudo = per_block[per_block.index.str.startswith(OUTSIDE)]
    assert real.sum() + pseudo.sum() == len(demo.households)
    # and per beat: the households of a beat are those of its blocks and its pseudo-block
    per_beat = places.groupby("beat_id").size()
    assert per_beat.sum() == places["beat_id"].notna().sum()
    assert set(per_beat.index) <= set(demo.beats["beat_id"])

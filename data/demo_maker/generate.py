"""The generator's steps in order, and its command line."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from geo.projection import project
from geo.settings import DEFAULTS

from .addresses import StreetIndex
from .beats import build_beats, entity_beats, station_points
from .households import build_households, export_points
from .osm import Extract, read_extract
from .params import DEFAULT_OSM, DEFAULT_OUT, DEFAULT_SEED
from .planting import (
    build_blocks,
    check_desk_jobs_alone,
    choose_planted,
    plant_bursts,
    plant_desk_jobs,
)
from .readme import boundaries_readme, demo_readme
from .simulation import Visit, check_travel, officer_schedules, simulate, walk_distances
from .truth import Truth, ground_truth, summary
from .writers import ENCODING, beats_geojson, households_csv, visits_csv

OUTPUTS = (
    "boundaries/beats.geojson",
    "boundaries/README.md",
    "demo/households.csv",
    "demo/visits.csv",
    "demo/planted.json",
    "demo/README.md",
)
"""Files the generator writes, relative to its output folder."""


def _spots(extract: Extract, stations: dict[str, Any]) -> list[tuple[str, Any]]:
    """Where bursts are logged from: the stations and the cafés of the window (metric)."""
    cafes = extract.in_window(extract.tagged("amenity", "cafe"))
    cafes = cafes[cafes["osm_type"] == "node"]
    names = [*stations, *(t.get("name", "咖啡馆") for t in cafes["tags"])]
    where = gpd.GeoSeries([*stations.values(), *cafes.geometry], crs="EPSG:4326")
    points = project(where, crs=extract.crs).to_numpy()
    return list(zip(names, points, strict=True))


def _number(visits: list[Visit], ids: list[str], cheats: list[list[dict[str, Any]]]) -> list[Visit]:
    """Sort the visits by time, number them ``V000001`` ..., and renumber references."""
    order = sorted(
        range(len(visits)),
        key=lambda k: (visits[k].day, visits[k].sec, visits[k].officer, ids[visits[k].hh]),
    )
    new_pos = {old: new for new, old in enumerate(order)}
    out = [visits[k] for k in order]
    for v in out:
        if v.follow_up_of >= 0:
            v.follow_up_of = new_pos[v.follow_up_of]
    for k, v in enumerate(out):
        v.visit_id = f"V{k + 1:06d}"
    for group in cheats:
        for entry in group:
            entry["visits"] = sorted(new_pos[k] for k in entry["visits"])
    return out


def generate(osm_path: Path, seed: int) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Build every output file; return ``{relative path: bytes}`` and a summary."""
    extract = read_extract(osm_path)
    streets = StreetIndex(extract.named, extract.crs)
    ent, hstats = build_households(extract, streets, seed)
    stations = station_points(extract)
    beats = build_beats(extract, ent, stations)
    beat_of = entity_beats(ent, beats)
    blocks = build_blocks(extract, ent, beat_of)
    schedule = officer_schedules(beats, seed)
    plan = choose_planted(blocks, ent, beats, schedule, seed)
    walks = walk_distances(extract.walk, ent.lon, ent.lat)
    rules = plan.rules(blocks, len(ent))
    visits, speeds = simulate(ent, beats, beat_of, walks, schedule, rules, seed)
    spots = _spots(extract, stations)
    bursts = plant_bursts(visits, schedule, ent, beats, blocks, plan, spots, seed)
    desks = plant_desk_jobs(visits, ent, beats, beat_of, blocks, plan, seed)
    check_travel(visits, ent.xy(), speeds, settings=DEFAULTS)
    check_desk_jobs_alone(visits)
    visits = _number(visits, ent.ids, [bursts, desks])
    with_gps = [k for k, v in enumerate(visits) if v.gps is not None]
    gcj = export_points(np.array([visits[k].gps for k in with_gps]), ent.crs)[0]
    gps_gcj = dict(zip(with_gps, gcj, strict=True))

    truth = Truth(ent, visits)
    planted = ground_truth(truth, beats, blocks, plan, (bursts, desks), seed)
    figures = summary(truth, beats, blocks, plan, hstats)
    texts = {
        "boundaries/beats.geojson": (beats_geojson(beats), "utf-8"),
        "boundaries/README.md": (boundaries_readme(beats, figures), "utf-8"),
        "demo/households.csv": (households_csv(ent), ENCODING),
        "demo/visits.csv": (visits_csv(visits, ent, gps_gcj), ENCODING),
        "demo/planted.json": (json.dumps(planted, ensure_ascii=False, indent=2) + "\n", "utf-8"),
        "demo/README.md": (demo_readme(figures, planted, seed), "utf-8"),
    }
    files = {rel: text.encode(enc, errors="strict") for rel, (text, enc) in texts.items()}
    return files, figures


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: write the demo files into ``--out``."""
    parser = argparse.ArgumentParser(description="Generate the embedded demo dataset.")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--osm", type=Path, default=DEFAULT_OSM)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    files, figures = generate(args.osm, args.seed)
    for rel, data in files.items():
        path = args.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    figures["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0

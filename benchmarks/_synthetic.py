"""Synthetic coverage inputs over the demo beats, vectorised and seeded (for benchmarks).

Shared by ``benchmarks/coverage_cli.py`` and ``benchmarks/pipeline.py``; what the generator
draws is described in ``benchmarks/coverage_cli.py``'s docstring. Not a benchmark itself
(``make bench`` skips ``benchmarks/_*.py``).
"""

from __future__ import annotations

import ctypes
import gc
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.demo import DEMO_TIMEZONE, load_demo
from geo.projection import local_utm

DAYS = 90
WINDOW_START = pd.Timestamp("2026-07-01 00:00", tz=DEMO_TIMEZONE)
BANDS = {  # name: (start hour, probability of a shift, chance somebody is home)
    "morning": (6, 0.20, 0.60),
    "midday": (11, 0.20, 0.40),
    "working": (9, 0.175, 0.25),
    "afternoon": (14, 0.175, 0.25),
    "evening": (17, 0.25, 0.70),
}
INSET_M = 1.0
"""Least distance in metres from a household to the edge of its ``within`` polygon or beat."""
VULNERABLE = np.array(["elderly_alone", "disabled", "sick", "poor", "left_behind_child"])


def release_memory() -> None:
    """Collect garbage and return freed heap pages to the system (glibc ``malloc_trim``)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def morton(ix: np.ndarray, iy: np.ndarray, bits: int = 20) -> np.ndarray:
    key = np.zeros(len(ix), dtype=np.int64)
    for bit in range(bits):
        key |= ((ix >> bit) & 1) << (2 * bit)
        key |= ((iy >> bit) & 1) << (2 * bit + 1)
    return key


def zero_padded(prefix: str, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), width))


def synthesise(
    n_households: int,
    n_visits: int,
    folder: Path,
    *,
    fmt: str,
    seed: int,
    per_shift: int,
    within: gpd.GeoSeries | None = None,
) -> dict[str, Path]:
    """Write households, visits and beats for the demo beats into ``folder``.

    ``within`` (polygons, e.g. the street blocks) puts every household inside one of them,
    at least :data:`INSET_M` from its edges and from its beat's: no household lies within
    rounding of a block or beat edge, so every point-in-polygon rule gives it the same
    block and beat. Beats then get households in proportion to their area in the polygons.
    """
    rng = np.random.default_rng(seed)
    beats = load_demo().beats  # canonical columns (beat_id, name, station, officer_ids)
    metric = local_utm(beats.geometry)
    beats_m = beats.geometry.to_crs(metric)
    if within is not None:
        inner = shapely.union_all(within.to_crs(metric).buffer(-INSET_M).to_numpy())
        beats_m = beats_m.buffer(-INSET_M).intersection(inner)
    areas = beats_m.area.to_numpy()
    per_beat = rng.multinomial(n_households, areas / areas.sum())

    # households: uniform points inside each beat, sorted on a Z-order curve (1 m cells)
    xs, ys = [], []
    for geom, want in zip(beats_m, per_beat, strict=True):
        shapely.prepare(geom)
        minx, miny, maxx, maxy = geom.bounds
        fill = geom.area / ((maxx - minx) * (maxy - miny))
        got_x, got_y, need = [], [], int(want)
        while need > 0:
            m = int(need / fill * 1.1) + 64
            x, y = rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)
            keep = shapely.contains_xy(geom, x, y)
            got_x.append(x[keep][:need])
            got_y.append(y[keep][:need])
            need -= len(got_x[-1])
        x, y = np.concatenate(got_x), np.concatenate(got_y)
        order = np.argsort(morton((x - minx).astype(np.int64), (y - miny).astype(np.int64)))
        xs.append(x[order])
        ys.append(y[order])
    hx, hy = np.concatenate(xs), np.concatenate(ys)
    offset = np.concatenate([[0], np.cumsum(per_beat)[:-1]])
    to_wgs = pyproj.Transformer.from_crs(metric, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(hx, hy)
    household_ids = zero_padded("0", n_households, 9)
    kind = np.where(rng.random(n_households) < 0.98, "household", "shop")
    vulnerable = np.where(
        (rng.random(n_households) < 0.08) & (kind == "household"),
        VULNERABLE[rng.integers(0, len(VULNERABLE), n_households)],
        "",
    )
    households = pd.DataFrame(
        {
            "household_id": household_ids,
            "address": np.char.add("Synthetic st ", (np.arange(n_households) // 20).astype(str)),
            "residents": np.where(kind == "household", rng.integers(1, 6, n_households), 0),
            "vulnerable": vulnerable,
            "kind": kind,
        }
    )

    # officers: in proportion to their beat's households, ~63 shifts of per_shift visits
    shifts_per_officer = 63
    n_officers = max(len(beats), -(-n_visits // (per_shift * shifts_per_officer)))
    quantile = (np.arange(n_officers) + 0.5) / n_officers
    officer_beat = np.minimum(
        np.searchsorted(np.cumsum(per_beat) / n_households, quantile), len(beats) - 1
    )
    officer_ids = zero_padded("P", n_officers, 6)
    beats = beats.assign(
        officer_ids=[";".join(officer_ids[officer_beat == b]) for b in range(len(beats))]
    )

    # visits: officer o logs its share as shifts of per_shift doors along its beat's curve
    counts = np.full(n_officers, n_visits // n_officers)
    counts[: n_visits % n_officers] += 1
    officer = np.repeat(np.arange(n_officers), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    j = np.arange(n_visits) - first[officer]
    shift, door = j // per_shift, j % per_shift
    max_shifts = int(shift.max()) + 1
    if max_shifts > DAYS:
        msg = f"{max_shifts} shifts per officer do not fit in {DAYS} days; raise --visits-per-shift"
        raise SystemExit(msg)
    days = np.sort(np.argsort(rng.random((n_officers, DAYS)), axis=1)[:, :max_shifts], axis=1)
    band_names = list(BANDS)
    band = rng.choice(len(BANDS), size=(n_officers, max_shifts),
                      p=[BANDS[b][1] for b in band_names])  # fmt: skip
    start_hour = np.array([BANDS[b][0] for b in band_names])[band]
    start_min = start_hour * 60 + rng.uniform(0, 30, (n_officers, max_shifts))
    minute = (
        days[officer, shift] * 1440.0
        + start_min[officer, shift]
        + door * 6.0
        + rng.uniform(-2.0, 2.0, n_visits)
    )
    beat = officer_beat[officer]
    size = per_beat[beat]
    begin = rng.integers(0, np.iinfo(np.int64).max, (n_officers, max_shifts))[officer, shift]
    stride = rng.integers(1, 4, (n_officers, max_shifts))[officer, shift]
    house = offset[beat] + (begin % size + door * stride) % size

    home_rate = np.array([BANDS[b][2] for b in band_names])[band[officer, shift]]
    home = rng.random(n_visits) < home_rate
    outcome = np.where(home, np.where(rng.random(n_visits) < 0.95, "contact", "refused"),
                       "nobody_home")  # fmt: skip
    contact = outcome == "contact"
    duration = np.where(contact, rng.integers(5, 26, n_visits), rng.integers(1, 4, n_visits))
    duration = np.where(contact & (rng.random(n_visits) < 0.005), 1, duration)
    gx = hx[house] + rng.normal(0, 12, n_visits)
    gy = hy[house] + rng.normal(0, 12, n_visits)
    far = rng.random(n_visits) < 0.003
    gx[far] += 300.0
    glon, glat = to_wgs.transform(gx, gy)
    no_fix = rng.random(n_visits) < 0.01
    glon[no_fix] = np.nan
    glat[no_fix] = np.nan
    issue = contact & (rng.random(n_visits) < 0.05)
    rated = contact & (rng.random(n_visits) < 0.4)
    visits = pd.DataFrame(
        {
            "visit_id": zero_padded("V", n_visits, 9),
            "household_id": household_ids[house],
            "officer_id": officer_ids[officer],
            "time": WINDOW_START + pd.to_timedelta(np.round(minute * 60), unit="s"),
            "outcome": outcome,
            "duration_min": duration.astype(float),
            "issue_raised": np.where(issue, "streetlight out", ""),
            "follow_up_of": "",
            "satisfaction": pd.array(
                np.where(rated, rng.integers(1, 6, n_visits), 0), dtype="Int64"
            ),
            "note": "",
        }
    )
    visits.loc[~rated, "satisfaction"] = pd.NA

    folder.mkdir(parents=True, exist_ok=True)
    paths = {"beats": folder / "beats.geojson"}
    beats.to_file(paths["beats"], driver="GeoJSON", engine="pyogrio")
    if fmt == "parquet":
        paths["households"] = folder / "households.parquet"
        paths["visits"] = folder / "visits.parquet"
        gpd.GeoDataFrame(
            households, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
        ).to_parquet(paths["households"])
        gps = gpd.points_from_xy(glon, glat)
        gps[no_fix] = None
        gpd.GeoDataFrame(visits, geometry=gps, crs="EPSG:4326").to_parquet(paths["visits"])
    else:
        paths["households"] = folder / "households.csv"
        paths["visits"] = folder / "visits.csv"
        households.insert(1, "lon", np.round(lon, 7))
        households.insert(2, "lat", np.round(lat, 7))
        households.to_csv(paths["households"], index=False)
        visits.insert(6, "lon", np.round(glon, 7))
        visits.insert(7, "lat", np.round(glat, 7))
        visits["time"] = visits["time"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        visits.to_csv(paths["visits"], index=False)
    return paths

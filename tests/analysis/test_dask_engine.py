"""``--engine dask``: the same bytes as the single-process run, on a real 2-process cluster.

The command line starts its own ``LocalCluster`` of 2 worker processes once (``--workers
2``, as users run it: fresh interpreters that import beatcov and unpickle their parts). The
other runs share the module's cluster of 2 one-thread workers, threads of this process on
loopback TCP (:func:`~analysis.dask_engine.local_cluster`), reached by address
(``--scheduler``): the same scheduler, parts and pickled traffic, without two more
interpreters importing the stack (about 4 CPU-s). The demo is run by both engines in both
formats and compared byte for byte; a synthetic town of two stations, whose officers and
blocks straddle the parts, is analysed both ways in memory; the partition and the shift
renumbering are checked by hand.

The town (metres, UTM 50N near Nanjing, handed over in WGS84): beats A ``[0,200]`` and
B ``[200,400]`` of station S1, C ``[400,600]`` and D ``[600,800]`` of S2, all ``y`` in
``[0,200]``; blocks: eight 100 m squares along ``y`` in ``[0,100]``, and above them
``K_A`` ``[0,150]``, ``K_BC`` ``[150,450]`` (three beats, both stations) and ``K_CD``
``[450,800]``. Officer ``O6`` logs visits alternately in S1 and
S2 minutes apart (impossible travel); the others each work one station; one visit has no
officer, and one record is logged twice.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

import analysis.dask_engine as dask_engine
from analysis.cli import main, write_outputs
from analysis.dask_engine import DaskEngine, local_cluster, officer_parts, renumber_shifts
from analysis.pipeline import analyse
from analysis.verify import verify_visits
from geo.settings import DEFAULTS
from tests.support.demo_cli import demo_coverage_args

UTM = "EPSG:32650"
X0, Y0 = 670_000.0, 3_548_000.0  # Nanjing
TZ = "Asia/Shanghai"
SETTINGS = DEFAULTS.replace(timezone=TZ)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The module's cluster of 2 one-thread workers (threads, loopback TCP); its address."""
    with local_cluster(2, processes=False) as cluster:
        yield cluster.scheduler_address


def demo_args(streets: Path, out: Path, *extra: str) -> list[str]:
    return demo_coverage_args(streets, out, "--no-progress", *extra)


def same_files(one: Path, other: Path) -> None:
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in other.iterdir())
    for name in names:
        assert (one / name).read_bytes() == (other / name).read_bytes(), name


# --------------------------------------------------------------------------- the demo


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_demo_outputs_are_byte_identical(
    fmt: str, request: pytest.FixtureRequest, streets: Path, tmp_path: Path
) -> None:
    """CSV: the cluster the command starts itself (``--workers 2``, processes), as users
    run it; Parquet: the module's cluster (threads) through ``--scheduler``.

    The single-process run is the command's, run once per test process for the tests of
    its outputs too (``demo_csv_run``, ``demo_parquet_run``: tests/analysis/conftest.py).
    """
    dask = tmp_path / "dask"
    if fmt == "csv":
        cluster = ["--workers", "2"]
        local = request.getfixturevalue("demo_csv_run").out
    else:
        cluster = ["--scheduler", request.getfixturevalue("scheduler")]
        local = request.getfixturevalue("demo_parquet_run").out
    assert main(demo_args(streets, dask, "--format", fmt, "--engine", "dask", *cluster)) == 0
    same_files(local, dask)
    if fmt == "csv":  # the equality is worth something: the demo's officers fill both parts
        officers = pd.read_csv(local / "visits.csv", dtype=str)["officer_id"]
        assert sorted(set(officer_parts(officers, parts=2).tolist())) == [0, 1]


# --------------------------------------------------------------------------- a town


def wgs84(geoms: list[shapely.Geometry]) -> gpd.GeoSeries:
    moved = [shapely.transform(shapely.segmentize(g, 50.0), lambda c: c + [X0, Y0]) for g in geoms]
    return gpd.GeoSeries(moved, crs=UTM).to_crs("EPSG:4326")


def town() -> tuple[gpd.GeoDataFrame, ...]:
    """Beats, blocks, households and visits of the two-station town (seeded)."""
    rng = np.random.default_rng(15)
    beats = gpd.GeoDataFrame(
        {
            "beat_id": list("ABCD"),
            "name": list("ABCD"),
            "station": ["S1", "S1", "S2", "S2"],
            "officer_ids": ["O1;O5;O6", "O3", "O2;O6", "O4"],
        },
        geometry=wgs84([box(x, 0, x + 200, 200) for x in (0, 200, 400, 600)]),
    )
    squares = [box(x, 0, x + 100, 100) for x in range(0, 800, 100)]
    squares += [box(0, 100, 150, 200), box(150, 100, 450, 200), box(450, 100, 800, 200)]
    units = gpd.GeoDataFrame(
        {"block_id": [f"K{i}" for i in range(8)] + ["K_A", "K_BC", "K_CD"]},
        geometry=wgs84(squares),
    )
    n = 80
    xy = np.column_stack([rng.uniform(5, 795, n), rng.uniform(5, 195, n)])
    households = gpd.GeoDataFrame(
        {
            "household_id": [f"h{i:02d}" for i in range(n)],
            "vulnerable": rng.choice(["", "", "", "elderly_alone"], n),
        },
        geometry=wgs84([Point(p) for p in xy]),
    )
    station = np.where(xy[:, 0] < 400, "S1", "S2")
    rows = []
    # officers first appear in the order O1..O6; O5 (late) logs the most visits
    plan = {"O1": ("S1", 20), "O2": ("S2", 20), "O3": ("S1", 25), "O4": ("S2", 25),
            "O5": ("S1", 60), "O6": ("S1S2", 30)}  # fmt: skip
    for officer, (where, count) in plan.items():
        start = pd.Timestamp("2026-05-04 08:00", tz=TZ) + pd.Timedelta(hours=int(officer[1]))
        for k in range(count):
            own = station == where[:2] if where != "S1S2" else station == ("S1", "S2")[k % 2]
            home = int(rng.choice(np.flatnonzero(own)))
            day, minute = divmod(k, 10)
            when = start + pd.Timedelta(days=day, minutes=int(minute * rng.integers(4, 30)))
            gps = xy[home] + rng.normal(0, 10, 2) if k % 9 else xy[home] + [300.0, 0.0]
            outcome = rng.choice(["contact", "contact", "nobody_home"])
            rows.append((officer, home, when, outcome, float(rng.integers(1, 20)), gps))
    rows.append((None, 3, pd.Timestamp("2026-05-05 09:00", tz=TZ), "contact", 8.0, xy[3]))
    rows.append(rows[5])  # the same record twice
    frame = pd.DataFrame(
        {
            "visit_id": [f"v{i:03d}" for i in range(len(rows))],
            "household_id": [f"h{r[1]:02d}" for r in rows],
            "officer_id": [r[0] for r in rows],
            "time": pd.DatetimeIndex([r[2] for r in rows]),
            "outcome": [r[3] for r in rows],
            "duration_min": [r[4] for r in rows],
        }
    )
    gps = wgs84([Point(r[5]) for r in rows])
    gps.iloc[7] = None  # no GPS
    visits = gpd.GeoDataFrame(frame, geometry=gps.to_numpy(), crs="EPSG:4326")
    return beats, units, households, visits


def test_a_town_whose_officers_and_blocks_straddle_parts_gives_the_same_bytes(
    scheduler: str, tmp_path: Path
) -> None:
    beats, units, households, visits = town()
    # 2 workers, 2 parts: O5 (60 visits) to 0, O6 (30) to 1, O3 (25) to 1 (55), O4 (25) to
    # 1 (80), O1 (21 with its record logged twice) to 0 (81), O2 (20) to 1 (100), the visit
    # without officer to 0 (82)
    parts = officer_parts(visits["officer_id"], parts=2)
    by_officer = pd.Series(parts, index=visits["officer_id"].fillna("-")).groupby(level=0).first()
    assert by_officer.to_dict() == {"-": 0, "O1": 0, "O2": 1, "O3": 1, "O4": 1, "O5": 0, "O6": 1}
    with DaskEngine(scheduler=scheduler) as engine:
        checks = engine.verify_visits(visits, households, settings=SETTINGS)
        spread = analyse(beats, households, visits, units=units, settings=SETTINGS,
                         verify=engine.verify_visits)  # fmt: skip
    alone = verify_visits(visits, households, settings=SETTINGS)
    pd.testing.assert_frame_equal(checks, alone, check_exact=True)
    # the case holds what it is meant to: a straddling officer caught, shifts renumbered
    o6 = alone[visits["officer_id"].eq("O6").to_numpy()]
    assert o6["flags"].str.contains("impossible_travel").any()
    assert alone["flags"].str.contains("duplicate").any()
    assert alone["shift"].max() > 6
    homes_bc = spread.households.loc[spread.households["block_id"].eq("K_BC"), "beat_id"]
    assert set(homes_bc) >= {"B", "C"}  # one block, households of both stations
    one = analyse(beats, households, visits, units=units, settings=SETTINGS)
    for fmt in ("csv", "parquet"):
        write_outputs(one, tmp_path / f"one-{fmt}", format=fmt)  # type: ignore[arg-type]
        write_outputs(spread, tmp_path / f"spread-{fmt}", format=fmt)  # type: ignore[arg-type]
        same_files(tmp_path / f"one-{fmt}", tmp_path / f"spread-{fmt}")


# --------------------------------------------------------------------------- by hand


def test_officer_parts_by_hand() -> None:
    # a: 5 visits, b: 3, c: 2, none: 1 -> a to 0; b to 1; c to 1 (3 < 5); none to 0 (5 = 5)
    ids = pd.Series(["a", "b", "a", "c", None, "a", "b", "c", "a", "b", "a"])
    assert officer_parts(ids, parts=2).tolist() == [0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0]
    assert officer_parts(ids, parts=1).tolist() == [0] * 11
    # more parts than officers: one officer each, the rest empty
    assert officer_parts(ids, parts=6).tolist() == [0, 1, 0, 2, 3, 0, 1, 2, 0, 1, 0]
    assert officer_parts(pd.Series([], dtype=object), parts=3).tolist() == []
    with pytest.raises(ValueError, match="at least 1"):
        officer_parts(ids, parts=0)


def test_renumber_shifts_by_hand() -> None:
    # officers in order of first appearance: x, y, z. Part 1 has x (local shifts 0, 1) and
    # z (local 2); part 0 has y (local 0, 1). One run: x 0, 1; y 2, 3; z 4.
    ids = pd.Series(["x", "y", "z", "x", "y", "x", None, "z"])
    part = np.array([1, 0, 1, 1, 0, 1, 0, 1])
    local = np.array([0, 0, 2, 1, 1, 0, -1, 2])
    assert renumber_shifts(ids, part, local).tolist() == [0, 2, 4, 1, 3, 0, -1, 4]
    assert renumber_shifts(ids, part, np.full(8, -1)).tolist() == [-1] * 8


# --------------------------------------------------------------------------- refusals


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_scheduler_exits_2_with_its_address(
    streets: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT_S", 1.0)
    address = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "out"
    assert main(demo_args(streets, out, "--engine", "dask", "--scheduler", address)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"beatcov: --scheduler {address}: no Dask scheduler answered")
    assert "dask scheduler" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--scheduler", "tcp://h:8786"], "--scheduler needs --engine dask"),
        (["--workers", "3"], "--workers needs --engine dask"),
        (["--engine", "dask", "--scheduler", "tcp://h:8786", "--workers", "3"], "own workers"),
        (["--engine", "dask", "--workers", "0"], "whole number from 1"),
        (["--engine", "spark"], "invalid choice"),
    ],
)
def test_engine_options_are_checked_before_the_run(
    extra: list[str],
    message: str,
    streets: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(demo_args(streets, tmp_path / "out", *extra))
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_the_command_line_starts_without_dask(cli_start: dict[str, list[Any]]) -> None:
    # what a fresh interpreter had loaded once it imported analysis.cli (one run per test
    # process, shared with test_cli_start.py: tests/analysis/conftest.py)
    assert sorted(set(cli_start["imported"]) & {"dask", "distributed"}) == []


def test_a_second_local_cluster_meets_no_taken_port(scheduler: str) -> None:
    # Without a dashboard, Dask's scheduler still serves health and metrics over HTTP, on
    # port 8787 unless told otherwise: a second cluster beside the module's warned "Port
    # 8787 is already in use" (an error in this suite). Each now takes a free loopback port.
    with local_cluster(1, processes=False) as other:
        assert other.scheduler_address != scheduler
        http = other.scheduler.http_server  # where distributed records what it bound
        assert http.address == "127.0.0.1"
        assert http.port != 8787

"""The coverage outputs on the demo: Arrow-written CSV against the pandas path it replaced,
Parquet against CSV and GeoJSON, and a writer failing midway.

The demo is analysed once (``run_coverage``, as the command line does) and its result
written by :func:`analysis.cli.write_outputs` in each test, so a test costs a write, not a run.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from analysis import cli
from analysis.cli import (
    COVERAGE_FILES,
    OUTPUTS,
    PARQUET_OUTPUTS,
    build_parser,
    main,
    output_decimals,
    run_coverage,
    write_outputs,
)
from analysis.pipeline import Analysis
from analysis.plan_cli import demo_arguments
from geo.demo import DEMO_COORDS, DEMO_FILES
from geo.importer import read_households
from geo.settings import DEFAULTS
from geo.writers import iso_column, iso_times, neutralised, write_csv
from tests.support.demo_cli import CliRun

TABLES = ("households", "visits", "beats")
ROUNDED = ["door_distance_m", "gap_min", "straight_m", "travel_m", "travel_needed_min"]


def demo_args(streets: Path, out: Path, *extra: str) -> list[str]:
    return ["coverage", "--demo", "--streets", str(streets), "--out", str(out), *extra]


@pytest.fixture(scope="module")
def result(streets: Path, tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    out = tmp_path_factory.mktemp("unused") / "out"
    args: argparse.Namespace = build_parser().parse_args(demo_arguments(demo_args(streets, out)))
    settings = DEFAULTS.replace(timezone=args.timezone)
    return run_coverage(args, settings=settings)


@pytest.fixture(scope="module")
def csv_out(result: Analysis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("csv") / "out"
    write_outputs(result, out)
    return out


@pytest.fixture(scope="module")
def parquet_out(result: Analysis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parquet") / "out"
    write_outputs(result, out, format="parquet")
    return out


@pytest.fixture(scope="module")
def pandas_out(result: Analysis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tables as the pandas path wrote them before Arrow (``to_csv``, no rounding)."""
    out = tmp_path_factory.mktemp("pandas")
    for name in TABLES:
        frame = getattr(result, name)
        neutralised(iso_times(frame)).to_csv(out / f"{name}.csv", index=False, encoding="utf-8")
    return out


# --------------------------------------------------------------------------- CSV


def test_metres_and_minutes_are_the_rounded_columns(result: Analysis) -> None:
    assert output_decimals(result.visits) == dict.fromkeys(ROUNDED, 1)
    for frame in (result.households, result.beats, result.blocks):
        assert output_decimals(frame) == {}  # days, shares, priorities: as computed


@pytest.mark.parametrize("name", TABLES)
def test_csv_values_equal_the_pandas_path(name: str, csv_out: Path, pandas_out: Path) -> None:
    new = pd.read_csv(csv_out / f"{name}.csv", dtype={"household_id": str, "officer_id": str})
    old = pd.read_csv(pandas_out / f"{name}.csv", dtype={"household_id": str, "officer_id": str})
    rounded = [c for c in ROUNDED if c in old.columns]
    assert list(new.columns) == list(old.columns)
    pd.testing.assert_frame_equal(new.drop(columns=rounded), old.drop(columns=rounded))
    for column in rounded:  # the same numbers, rounded to 0.1
        np.testing.assert_array_equal(new[column].to_numpy(), np.round(old[column].to_numpy(), 1))


def test_csv_bytes_are_the_pandas_bytes_outside_the_rounded_columns(
    csv_out: Path, pandas_out: Path
) -> None:
    for name in ("households", "beats"):  # no rounded column: byte for byte
        assert (csv_out / f"{name}.csv").read_bytes() == (pandas_out / f"{name}.csv").read_bytes()
    new = pd.read_csv(csv_out / "visits.csv", dtype=str, keep_default_na=False)
    old = pd.read_csv(pandas_out / "visits.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(new.drop(columns=ROUNDED), old.drop(columns=ROUNDED))
    for column in ROUNDED:  # one decimal, always
        written = new.loc[new[column] != "", column]
        assert len(written) > 0 and written.str.fullmatch(r"[0-9]+\.[0-9]").all(), column
    assert not (csv_out / "visits.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # no BOM
    assert b'"' not in (csv_out / "visits.csv").read_bytes()  # no cell needed quotes


# --------------------------------------------------------------------------- Parquet


def test_parquet_writes_its_five_files(parquet_out: Path) -> None:
    assert sorted(p.name for p in parquet_out.iterdir()) == sorted(PARQUET_OUTPUTS)
    assert {p.stat().st_mode & 0o777 for p in parquet_out.iterdir()} == {0o600}


@pytest.mark.parametrize("name", TABLES)
def test_parquet_tables_round_trip_the_csv_values(
    name: str, csv_out: Path, parquet_out: Path, tmp_path: Path
) -> None:
    table = pd.read_parquet(parquet_out / f"{name}.parquet")
    times = [c for c in table.columns if isinstance(table[c].dtype, pd.DatetimeTZDtype)]
    assert times and all(str(table[c].dt.tz) == "Asia/Shanghai" for c in times)  # typed
    # written again as CSV, the Parquet values give the CSV file byte for byte
    again = write_csv(table, tmp_path / f"{name}.csv")
    assert again.read_bytes() == (csv_out / f"{name}.csv").read_bytes()
    typed = pd.read_csv(csv_out / f"{name}.csv", dtype={"household_id": str, "officer_id": str})
    for column in table.columns:
        if column in times:
            expected = pd.to_datetime(typed[column], format="ISO8601", utc=True)
            got = table[column].dt.tz_convert("UTC")
            pd.testing.assert_series_equal(got, expected, check_dtype=False)
        elif pd.api.types.is_numeric_dtype(table[column]) or table[column].dtype == bool:
            np.testing.assert_array_equal(table[column].to_numpy(), typed[column].to_numpy())


def test_geoparquet_blocks_round_trip_the_geojson(csv_out: Path, parquet_out: Path) -> None:
    parquet = gpd.read_parquet(parquet_out / "blocks.parquet")
    geojson = gpd.read_file(csv_out / "blocks.geojson", engine="pyogrio")
    assert parquet.crs == geojson.crs and parquet.crs.to_epsg() == 4326
    assert parquet.columns.drop("geometry").equals(geojson.columns.drop("geometry"))
    located = geojson.geometry.notna()
    assert (parquet.geometry.notna() == located).all()  # the outside pseudo-blocks too
    assert parquet.geometry[located].geom_equals_exact(geojson.geometry[located], 1e-12).all()
    attributes = pd.DataFrame(parquet.drop(columns="geometry"))
    attributes["last_contact"] = iso_column(attributes["last_contact"])
    pd.testing.assert_frame_equal(
        attributes,
        pd.DataFrame(geojson.drop(columns="geometry")),
        check_dtype=False,
    )


def test_format_parquet_from_the_command_line(
    demo_parquet_run: CliRun,
    streets: Path,
    parquet_out: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the command on the demo's files with --format parquet (exit 0), run once per test
    # process: test_dask_engine.py compares the Dask engine's with it too
    out = demo_parquet_run.out
    assert f"wrote {', '.join(PARQUET_OUTPUTS)} to {out}" in demo_parquet_run.err
    for name in PARQUET_OUTPUTS:  # what write_outputs writes, byte for byte
        assert (out / name).read_bytes() == (parquet_out / name).read_bytes(), name
    with pytest.raises(SystemExit) as refused:
        main([*demo_args(streets, tmp_path / "x", "--format", "xlsx")])
    assert refused.value.code == 2 and "invalid choice: 'xlsx'" in capsys.readouterr().err


def test_overwrite_replaces_outputs_of_the_other_format(result: Analysis, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_outputs(result, out)
    write_outputs(result, out, overwrite=True, format="parquet")
    assert sorted(p.name for p in out.iterdir()) == sorted(PARQUET_OUTPUTS)
    assert set(OUTPUTS) | set(PARQUET_OUTPUTS) == set(COVERAGE_FILES)


# --------------------------------------------------------------------------- failure midway


@pytest.mark.parametrize(
    ("fmt", "writer", "blocks"),
    [("csv", "write_csv", "blocks.geojson"), ("parquet", "write_parquet", "blocks.parquet")],
)
def test_a_writer_failing_midway_leaves_the_old_outputs_and_no_partial_folder(
    result: Analysis,
    csv_out: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: Literal["csv", "parquet"],
    writer: str,
    blocks: str,
) -> None:
    out = tmp_path / "out"
    shutil.copytree(csv_out, out)
    (out / "summary.json").write_text("{}", encoding="utf-8")  # an earlier, other run
    earlier = {p.name: p.read_bytes() for p in out.iterdir()}
    real = getattr(cli, writer)

    def fails_on_visits(frame: pd.DataFrame, path: Path, **options: Any) -> Path:
        if path.stem == "visits":  # midway: blocks and households are written by then
            held = sorted(os.listdir(path.parent))
            assert held == sorted([blocks, f"households.{fmt}"])
            raise OSError(28, "No space left on device", str(path))
        return Path(real(frame, path, **options))

    monkeypatch.setattr(cli, writer, fails_on_visits)
    with pytest.raises(OSError, match="No space left"):
        write_outputs(result, out, overwrite=True, format=fmt)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == earlier
    assert sorted(os.listdir(tmp_path)) == ["out"]  # the hidden partial folder is gone


def test_the_inputs_are_kept_lean_after_the_import(result: Analysis) -> None:
    """No command reads or writes a visit's note: the command line keeps the visits without
    it (a city's year of notes is 76 MB through every step); every other column stays.
    The addresses are Arrow text, the same values as the import's."""
    from geo.schema import GPS_COLUMNS, columns

    visits = result.extras["visits"]
    kept = [c for c in columns("visits") if c not in ("geometry", "note")]
    assert list(visits.columns) == [*kept, *GPS_COLUMNS]
    assert "note" not in result.visits.columns
    homes = result.extras["households"]
    assert isinstance(homes["address"].dtype, pd.StringDtype)
    imported = read_households(DEMO_FILES["households"], crs=DEMO_COORDS).table
    assert homes["address"].tolist() == imported["address"].tolist()
    assert imported["address"].str.len().gt(0).any()

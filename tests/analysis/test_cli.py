"""Acceptance tests of ``python -m analysis coverage`` on the embedded demo.

The demo is given as a user gives a station's files: GBK CSV in GCJ-02 (``--coords gcj02``)
with local times (``--timezone Asia/Shanghai``) and WGS84 GeoJSON beats. The CLI caches the
street graph next to the street file, so every run here gets a copy of the shipped extract
in a temporary folder and the repository is never written.

The demo's visits are regenerated from time to time, so nothing here counts today's rows:
every check is a definition (outputs agree with each other and with the inputs) or a
planted pattern read from ``data/demo/planted.json``.

Real station exports (section g) are hand-made files of the Beijing district in
tests/geo/china_fixtures.py: 16 households at block centres of a 4 x 4 street grid, columns
0-1 in beat W1 and 2-3 in E1, each visited once with its GPS point on the door. A run on them
takes a third of the demo's time, so the tests of a rule that does not depend on the inputs
(a bad or ambiguous time, a folder to overwrite, a full disk) run the district too, and
compare with its one shared run (``china_out``) where the demo's tests compare with
``demo_out``. The runs of the district's GCJ-02 exports as exported (``china_out``, the folder
to overwrite, the full disk) share one reading and analysis of them, made by the first
(:func:`tests.support.demo_cli.analysed_once`); the checks of the arguments and of ``--out``,
the write and the exit code are each run's own. The day-first visits are read and analysed
again, and must give ``china_out``'s bytes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import h3
import pandas as pd
import pytest
import shapely

from analysis.cli import OUTPUTS, STEPS, main
from analysis.gaps import REASONS
from analysis.verify import FLAG_CODES, FLAG_GRADES
from geo.demo import DEMO_TIMEZONE
from geo.importer import Dataset
from geo.projection import local_utm
from tests.geo import china_fixtures as cf
from tests.geo.osm_fixtures import town, write_osm
from tests.support.demo_cli import CliRun, analysed_once, demo_coverage_args

ROOT = Path(__file__).resolve().parents[2]
PLANTED = ROOT / "data" / "demo" / "planted.json"

# The columns DESIGN.md ("Outputs") names, in its order.
DESIGN_BLOCKS = [
    "block_id", "name", "beat_id", "households", "contacted_households", "coverage",
    "vulnerable_households", "vulnerable_overdue", "last_contact", "under_visited",
    "reasons", "priority", "recommended_band",
]  # fmt: skip
DESIGN_HOUSEHOLDS = [
    "household_id", "block_id", "block_name", "beat_id", "contacted", "last_contact", "attempts",
    "vulnerable_overdue", "in_under_visited_block",
]  # fmt: skip
DESIGN_VISITS = ["visit_id", "household_id", "officer_id", "verified", "status", "flags", "reason"]
BANDS = {"morning", "midday", "working", "evening"}
OPTIONS = ["--households", "--visits", "--beats", "--streets", "--coords", "--beats-coords",
           "--households-coords", "--visits-coords", "--column", "--timezone", "--date-order",
           "--start", "--end", "--unit", "--out", "--format"]  # fmt: skip


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def cli_args(streets: Path):  # noqa: ANN201
    def args(out: Path, *extra: str, visits: Path | None = None) -> list[str]:
        return demo_coverage_args(streets, out, *extra, visits=visits)

    return args


@pytest.fixture(scope="module")
def demo_out(demo_csv_run: CliRun) -> Path:
    """The outputs of ``main(cli_args(out, "--no-progress"))``, run once per test process
    (tests/analysis/conftest.py; test_dask_engine.py compares with them too): read only."""
    return demo_csv_run.out


@pytest.fixture(scope="module")
def given(demo_data: Dataset) -> Dataset:
    """The demo's inputs as the importer reads them (what the CLI was given)."""
    return demo_data


@pytest.fixture(scope="module")
def china(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the district's streets (WGS84, as OpenStreetMap) and its exports."""
    folder = tmp_path_factory.mktemp("china")
    cf.streets_osm(folder / "streets.osm")
    for system in ("wgs84", "gcj02"):
        cf.write_csv(cf.households_export(system), folder / f"住户-{system}.csv")
        cf.write_csv(cf.visits_export(system), folder / f"走访-{system}.csv")
        cf.beats_geojson(folder / f"beats-{system}.geojson", system)
    cf.households_export("bd09").to_excel(folder / "住户-bd09.xlsx", index=False)
    cf.visits_export("bd09").to_excel(folder / "走访-bd09.xlsx", index=False)
    for cpg in (True, False):
        cf.beats_shapefile_zip(folder / f"警务区-cpg{cpg}.zip", cpg=cpg)
    cf.beats_named_geojson(folder / "oakland.geojson")
    return folder


def china_args(
    folder: Path,
    out: Path,
    households: str | Path,
    visits: str | Path,
    beats: str,
    *extra: str,
    progress: bool = False,
) -> list[str]:
    return [
        "coverage",
        "--households", str(folder / households),
        "--visits", str(folder / visits),
        "--beats", str(folder / beats),
        "--streets", str(folder / "streets.osm"),
        "--out", str(out),
        *([] if progress else ["--no-progress"]),
        *extra,
    ]  # fmt: skip


GCJ02 = ("住户-gcj02.csv", "走访-gcj02.csv", "beats-wgs84.geojson")
"""The district's GCJ-02 CSV exports with WGS84 GeoJSON beats (``--coords gcj02``)."""


def gcj02_args(
    china: Path, out: Path, *extra: str, visits: Path | None = None, progress: bool = False
) -> list[str]:
    """``coverage`` on :data:`GCJ02` (``visits`` instead of its visits, when given)."""
    households, visits_file, beats = GCJ02
    return china_args(
        china, out, households, visits or visits_file, beats, "--coords", "gcj02", *extra,
        progress=progress,
    )  # fmt: skip


@pytest.fixture(scope="module")
def china_analysed_once() -> Iterator[None]:
    with analysed_once():
        yield


@pytest.fixture(scope="module")
def china_out(
    china: Path, tmp_path_factory: pytest.TempPathFactory, china_analysed_once: None
) -> Path:
    """The outputs of :func:`gcj02_args`, run once: the tests that only need some run's
    outputs in a folder, or the same command run again, compare with these (a run of the
    district takes a third of the demo's time)."""
    out = tmp_path_factory.mktemp("china-gcj02") / "out"
    assert main(gcj02_args(china, out)) == 0
    return out


def read_blocks(out: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(out / "blocks.geojson", engine="pyogrio")


def read_households(out: Path) -> pd.DataFrame:
    return pd.read_csv(
        out / "households.csv",
        dtype={"household_id": str, "block_id": str, "beat_id": str},
        keep_default_na=False,
    )


def read_visits(out: Path) -> pd.DataFrame:
    return pd.read_csv(
        out / "visits.csv",
        dtype={"visit_id": str, "household_id": str, "officer_id": str, "flags": str},
        keep_default_na=False,
    )


def planted() -> dict[str, Any]:
    return dict(json.loads(PLANTED.read_text(encoding="utf-8")))


def match_block(wkt: str, blocks: gpd.GeoDataFrame) -> pd.Series:
    """The output block that overlaps a planted polygon most, checked to be the same one.

    Planted blocks are recorded by polygon, so a block builder that names them differently
    can still be scored.
    """
    real = blocks[blocks.geometry.notna()]
    crs = local_utm(real.geometry)
    target = gpd.GeoSeries([shapely.from_wkt(wkt)], crs="EPSG:4326").to_crs(crs).iloc[0]
    geoms = real.geometry.to_crs(crs)
    overlap = geoms.intersection(target).area
    best = overlap.idxmax()
    union = shapely.union(geoms.loc[best], target).area
    assert overlap.loc[best] / union > 0.95, f"no output block matches planted {wkt[:40]}..."
    return real.loc[best]


# --------------------------------------------------------------------------- (a) outputs


def test_writes_exactly_the_five_outputs(demo_out: Path) -> None:
    assert sorted(p.name for p in demo_out.iterdir()) == sorted(OUTPUTS)
    assert set(OUTPUTS) == {
        "blocks.geojson", "households.csv", "visits.csv", "beats.csv", "summary.json"
    }  # fmt: skip


def test_blocks_geojson_columns_and_types(demo_out: Path) -> None:
    raw = json.loads((demo_out / "blocks.geojson").read_text(encoding="utf-8"))
    # GeoJSON in WGS84 longitude/latitude (RFC 7946; GDAL may name it CRS84)
    assert raw.get("crs", {}).get("properties", {}).get("name", "CRS84").endswith("CRS84")
    blocks = read_blocks(demo_out)
    assert blocks.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = blocks.total_bounds
    assert 118.75 < minx < maxx < 118.81 and 32.02 < miny < maxy < 32.07  # Nanjing, Xuanwu
    assert list(blocks.columns[: len(DESIGN_BLOCKS)]) == DESIGN_BLOCKS
    assert blocks["block_id"].is_unique

    for feature in raw["features"]:
        p = feature["properties"]
        assert isinstance(p["block_id"], str) and p["block_id"]
        for name in ("households", "contacted_households", "vulnerable_households",
                     "vulnerable_overdue"):  # fmt: skip
            assert type(p[name]) is int and p[name] >= 0, (name, p)
        assert p["contacted_households"] <= p["households"]
        assert p["vulnerable_overdue"] <= p["vulnerable_households"] <= p["households"]
        assert type(p["under_visited"]) is bool
        assert isinstance(p["reasons"], str)
        codes = [c for c in p["reasons"].split(";") if c]
        assert set(codes) <= set(REASONS) and codes == sorted(codes, key=REASONS.index)
        # under-visited means low coverage; overdue residents and open follow-ups are
        # household to-dos that do not make a block a gap on their own
        assert p["under_visited"] == ("low_coverage" in codes)
        assert p["households_to_visit"] <= p["households"]
        assert isinstance(p["priority"], int | float) and p["priority"] >= 0
        assert isinstance(p["last_contact"], str)
        if p["last_contact"]:
            assert pd.Timestamp(p["last_contact"]).tzinfo is not None
        assert isinstance(p["recommended_band"], str)
        if p["households"]:
            assert isinstance(p["beat_id"], str) and p["beat_id"]
            assert p["coverage"] == pytest.approx(p["contacted_households"] / p["households"])
            assert p["recommended_band"] in BANDS
        else:  # no households: no coverage, nothing to advise
            assert p["coverage"] is None
            assert p["recommended_band"] == "" and not p["under_visited"]
        # pseudo-blocks of households outside every block have no geometry
        assert (feature["geometry"] is None) == p["block_id"].startswith("outside")
    # read back through geopandas, the types survive
    assert pd.api.types.is_integer_dtype(blocks["households"])
    assert pd.api.types.is_float_dtype(blocks["coverage"])
    assert pd.api.types.is_bool_dtype(blocks["under_visited"])
    assert pd.api.types.is_float_dtype(blocks["priority"])


def test_households_csv_columns_and_types(demo_out: Path, given: Dataset) -> None:
    households = read_households(demo_out)
    assert list(households.columns[: len(DESIGN_HOUSEHOLDS)]) == DESIGN_HOUSEHOLDS
    # household ids are text: the leading zeros of the input survive, every household once
    ids = given.households["household_id"]
    assert ids.str.startswith("0").all()
    assert households["household_id"].tolist() == ids.tolist()
    typed = pd.read_csv(demo_out / "households.csv", usecols=DESIGN_HOUSEHOLDS[4:])
    for name in ("contacted", "vulnerable_overdue", "in_under_visited_block"):
        assert pd.api.types.is_bool_dtype(typed[name]), name
    assert pd.api.types.is_integer_dtype(typed["attempts"])
    assert (typed["attempts"] >= 0).all()
    assert (households["block_id"] != "").all()
    beat_ids = set(given.beats["beat_id"])
    assert set(households["beat_id"]) <= beat_ids  # every demo household lies in a beat
    seen = households.loc[households["last_contact"] != "", "last_contact"]
    assert pd.to_datetime(seen, format="ISO8601").dt.tz is not None
    # a household contacted in the window has a last contact
    assert (households.loc[typed["contacted"], "last_contact"] != "").all()


def test_visits_csv_columns_and_types(demo_out: Path, given: Dataset) -> None:
    visits = read_visits(demo_out)
    assert list(visits.columns[: len(DESIGN_VISITS)]) == DESIGN_VISITS
    inputs = given.visits
    assert visits["visit_id"].tolist() == inputs["visit_id"].tolist()
    assert visits["household_id"].tolist() == inputs["household_id"].tolist()  # zeros kept
    assert visits["officer_id"].tolist() == inputs["officer_id"].tolist()  # 警号 "051001"
    assert visits["officer_id"].str.startswith("0").all()
    typed = pd.read_csv(demo_out / "visits.csv", usecols=["verified"])
    assert pd.api.types.is_bool_dtype(typed["verified"])
    codes = visits["flags"].str.split(";")
    assert set(codes.explode()) - {""} <= set(FLAG_CODES)
    # status follows the worst flag's grade; verified unless not counted
    strong = {c for c in FLAG_CODES if FLAG_GRADES[c] == "not_counted"}
    worst = codes.map(
        lambda c: "not_counted" if set(c) & strong else "review" if c != [""] else "counted"
    )
    assert (visits["status"] == worst).all()
    assert (typed["verified"] == (visits["status"] != "not_counted")).all()
    assert ((visits["reason"] == "") == (visits["flags"] == "")).all()


def test_beats_csv_and_summary_json(demo_out: Path, given: Dataset) -> None:
    beats = pd.read_csv(demo_out / "beats.csv", dtype={"beat_id": str})
    households = read_households(demo_out)
    visits = read_visits(demo_out)
    blocks = read_blocks(demo_out)
    given_beats = given.beats
    assert sorted(beats["beat_id"]) == sorted(given_beats["beat_id"])
    per_beat = households.groupby("beat_id")["contacted"].agg(["size", "sum"])
    b = beats.set_index("beat_id")
    assert b["households"].to_dict() == per_beat["size"].to_dict()
    assert b["contacted_households"].to_dict() == per_beat["sum"].to_dict()
    assert (b["coverage"] - b["contacted_households"] / b["households"]).abs().max() < 1e-12

    summary = json.loads((demo_out / "summary.json").read_text(encoding="utf-8"))
    times = given.visits["time"]
    assert summary["window"] == {
        "start": str(times.min().date()),
        "end": str(times.max().date()),
    }  # by default the visits' own span, in local days
    n = len(households)
    assert summary["households"] == n == len(given.households)
    assert summary["contacted_households"] == households["contacted"].sum()
    assert summary["coverage"] == round(households["contacted"].sum() / n, 4)
    assert summary["coverage_as_logged"] >= summary["coverage"]
    assert summary["visits"] == len(visits)
    assert summary["flagged_visits"] == (~visits["verified"]).sum()
    real = blocks[~blocks["block_id"].str.startswith("outside")]
    assert summary["blocks"] == len(real)
    assert summary["under_visited_blocks"] == real["under_visited"].sum()
    assert summary["households_outside_blocks"] == (
        households["block_id"].str.startswith("outside").sum()
    )
    assert summary["vulnerable_overdue"] == households["vulnerable_overdue"].sum()
    assert summary["beats"] == len(given_beats)
    assert isinstance(summary["topology_findings"], list)


def test_blocks_agree_with_households(demo_out: Path) -> None:
    blocks = read_blocks(demo_out).set_index("block_id")
    households = read_households(demo_out)
    per_block = households.groupby("block_id")["contacted"]
    # every household is counted in exactly one block (pseudo-blocks included)
    assert blocks["households"].sum() == len(households)
    counts = blocks.loc[blocks["households"] > 0, "households"]
    assert counts.to_dict() == per_block.size().to_dict()
    assert blocks.loc[counts.index, "contacted_households"].to_dict() == per_block.sum().to_dict()
    flagged = households["block_id"].map(blocks["under_visited"])
    assert (households["in_under_visited_block"] == flagged).all()


def test_blocks_and_households_carry_the_block_names(demo_out: Path) -> None:
    blocks = read_blocks(demo_out).set_index("block_id")
    households = read_households(demo_out)
    names = blocks["name"]
    assert names.is_unique and (names != "").all()
    real = ~names.index.str.startswith("outside")
    # most blocks are named by their own streets (separator), a few by the nearest (~)
    assert names[real].str.contains(" / ").mean() > 0.8
    assert (names[~real] == names.index[~real]).all()  # outside pseudo-blocks: their ids
    assert (households["block_name"] == households["block_id"].map(names)).all()


@pytest.fixture(scope="module")
def demo_process(
    streets: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``python -m analysis coverage --demo`` (progress bar on), run once: a process of its
    own, as a shell starts it; its ``--out`` and the finished process."""
    out = tmp_path_factory.mktemp("demo-process") / "out"
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "coverage", "--demo", "--streets", str(streets),
         "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    return out, run


def test_coverage_demo_runs_on_the_embedded_demo(
    demo_process: tuple[Path, subprocess.CompletedProcess[str]], demo_out: Path
) -> None:
    out, run = demo_process
    assert run.returncode == 0, run.stderr
    for name in OUTPUTS:  # the same files as with every demo input named
        assert (out / name).read_bytes() == (demo_out / name).read_bytes(), name


def test_subprocess_gives_the_same_outputs(
    demo_process: tuple[Path, subprocess.CompletedProcess[str]], demo_out: Path
) -> None:
    out, run = demo_process
    assert run.returncode == 0, run.stderr
    for label in STEPS:  # the progress bar names every step on stderr
        assert label in run.stderr
    assert f"wrote {', '.join(OUTPUTS)} to {out}" in run.stderr
    for name in ("households.csv", "visits.csv", "beats.csv"):
        pd.testing.assert_frame_equal(
            pd.read_csv(out / name, dtype=str), pd.read_csv(demo_out / name, dtype=str)
        )
    assert json.loads((out / "summary.json").read_text()) == json.loads(
        (demo_out / "summary.json").read_text()
    )
    pd.testing.assert_frame_equal(read_blocks(out), read_blocks(demo_out))


# --------------------------------------------------------------------------- (b) help


def test_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["coverage", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for option in OPTIONS:
        assert option in text, option
    assert "h3:RES" in text and "blocks" in text  # --unit says what it takes


# --------------------------------------------------------------------------- (c) bad input


def test_bad_time_is_refused_with_file_row_and_column(
    china: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # a station's GBK export (the district's) with one time garbled: the message names the
    # file's own header (走访时间), not the canonical one
    lines = (china / GCJ02[1]).read_text(encoding="gbk").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    record = 6  # the 7th record: spreadsheet row 8 (the header is row 1)
    cells = lines[1 + record].split(",")
    cells[header.index("走访时间")] = "2026-13-45 25:00"
    lines[1 + record] = ",".join(cells)
    bad = tmp_path / "bad_visits.csv"
    bad.write_bytes("".join(lines).encode("gbk"))
    out = tmp_path / "out"

    code = main(gcj02_args(china, out, visits=bad))
    err = capsys.readouterr().err
    assert code == 2
    assert "refused" in err
    assert "bad_visits.csv, row 8, column '走访时间'" in err
    assert "'2026-13-45 25:00'" in err
    assert not out.exists()  # nothing written


def test_ambiguous_dates_are_refused_until_the_order_is_named(
    china: Path,
    china_out: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the first record's time written day first (01/07/2026): 1 July or 7 January? Refused;
    # named with --date-order dmy, the run gives the outputs of the file as exported (the
    # district's GCJ-02 visits) byte for byte
    lines = (china / GCJ02[1]).read_text(encoding="gbk").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[1].split(",")
    column = header.index("走访时间")
    day, clock = cells[column].split(" ")
    assert day == "2026-07-01"
    cells[column] = f"01/07/2026 {clock}"
    lines[1] = ",".join(cells)
    visits = tmp_path / "day_first.csv"
    visits.write_bytes("".join(lines).encode("gbk"))

    refused = tmp_path / "refused"
    assert main(gcj02_args(china, refused, visits=visits)) == 2
    err = capsys.readouterr().err
    assert "day_first.csv, row 2, column '走访时间'" in err
    assert "could be 2026-07-01 (day/month/year) or 2026-01-07 (month/day/year)" in err
    assert not refused.exists()

    out = tmp_path / "out"
    assert main(gcj02_args(china, out, "--date-order", "dmy", visits=visits)) == 0
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (china_out / name).read_bytes(), name


def test_unknown_unit_exits_2(
    cli_args,  # noqa: ANN001
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    assert main(cli_args(out, "--no-progress", "--unit", "hexagons")) == 2
    assert "--unit 'hexagons'" in capsys.readouterr().err
    assert not out.exists()


# --------------------------------------------------------------------------- (d) h3


def test_h3_cells_as_units(cli_args, given: Dataset, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "out"
    assert main(cli_args(out, "--no-progress", "--unit", "h3:9")) == 0
    blocks = read_blocks(out)
    households = read_households(out)
    assert list(blocks.columns[: len(DESIGN_BLOCKS)]) == DESIGN_BLOCKS
    assert blocks["block_id"].str.startswith("H").all()
    assert {h3.get_resolution(c[1:]) for c in blocks["block_id"]} == {9}
    # cells are added for every household, so none is left outside
    assert households["block_id"].str.startswith("H").all()
    assert blocks["households"].sum() == len(households)
    # and a household sits in the H3 cell of its own point (boundary cases aside)
    points = given.households.set_index("household_id").geometry  # WGS84, as imported
    own = ["H" + h3.latlng_to_cell(points[h].y, points[h].x, 9) for h in households["household_id"]]
    assert (households["block_id"] == pd.Series(own)).mean() > 0.99


# --------------------------------------------------------------------------- (e) window


def test_start_and_end_narrow_the_window(
    cli_args,  # noqa: ANN001
    given: Dataset,
    demo_out: Path,
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    args = cli_args(out, "--no-progress", "--start", "2026-08-01", "--end", "2026-08-31")
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["window"] == {"start": "2026-08-01", "end": "2026-08-31"}
    # attempts count the visits of August (local days) only
    times = given.visits["time"]
    first, after = (pd.Timestamp(d, tz=DEMO_TIMEZONE) for d in ("2026-08-01", "2026-09-01"))
    in_august = ((times >= first) & (times < after)).sum()
    typed = pd.read_csv(out / "households.csv", usecols=["attempts", "contacted"])
    assert typed["attempts"].sum() == in_august < len(times)
    # contacts in August are a subset of contacts in the whole span
    full = pd.read_csv(demo_out / "households.csv", usecols=["contacted"])
    assert not (typed["contacted"] & ~full["contacted"]).any()
    assert (
        summary["contacted_households"]
        < json.loads((demo_out / "summary.json").read_text(encoding="utf-8"))[
            "contacted_households"
        ]
    )


# --------------------------------------------------------------------------- (f) planted


def test_planted_gaps_are_found(demo_out: Path) -> None:
    truth = planted()
    blocks = read_blocks(demo_out)
    for kind in ("under_visited", "evening_only"):
        for spot in truth[kind]:
            found = match_block(spot["polygon_wkt"], blocks)
            assert found["under_visited"], (kind, spot["block_id"], found["reasons"])
            assert "low_coverage" in found["reasons"].split(";")
    # blocks whose residents are home only in the evening, tried only in working hours:
    # the advice is a band nobody tried there yet (evening, or morning before work)
    for spot in truth["evening_only"]:
        found = match_block(spot["polygon_wkt"], blocks)
        assert found["recommended_band"] in {"evening", "morning"}, spot["block_id"]


def test_planted_bursts_are_caught(demo_out: Path) -> None:
    truth = planted()
    blocks = read_blocks(demo_out)
    for spot in truth["burst_blocks"]:
        found = match_block(spot["polygon_wkt"], blocks)
        # the burst contacts count as logged, not after verification
        assert found["coverage"] < found["coverage_as_logged"], spot["block_id"]
    visits = read_visits(demo_out).set_index("visit_id")
    burst_ids = [v for burst in truth["bursts"] for v in burst["visit_ids"]]
    assert len(burst_ids) > 0
    assert not visits.loc[burst_ids, "verified"].any()
    assert visits.loc[burst_ids, "flags"].str.contains("one_spot_burst").all()


def test_planted_desk_jobs_are_caught(demo_out: Path) -> None:
    # two compounds 2 km apart "visited" alternately every 6 minutes: the whole shift
    desk_ids = [v for desk in planted()["desk_jobs"] for v in desk["visit_ids"]]
    assert len(desk_ids) > 0
    visits = read_visits(demo_out).set_index("visit_id").loc[desk_ids]
    assert (visits["status"] == "not_counted").all()
    assert (visits["flags"].str.split(";").str[0] == "desk_job").all()


def test_honest_visits_all_count(demo_out: Path) -> None:
    # every other visit is honest: none is not counted, the only ones in review lack GPS
    truth = planted()
    cheats = {v for kind in ("bursts", "desk_jobs") for e in truth[kind] for v in e["visit_ids"]}
    visits = read_visits(demo_out)
    honest = visits[~visits["visit_id"].isin(cheats)]
    assert (honest["status"] != "not_counted").all()
    assert set(honest.loc[honest["status"] == "review", "flags"]) == {"no_gps"}


# --------------------------------------------------------------------------- (g) coordinates


def assert_placed_right(out: Path) -> None:
    """Every household in its true beat and in the block around its true point; no visit
    off its door (so the visits' GPS points were converted too)."""
    truth = cf.households().set_index("household_id")
    households = read_households(out).set_index("household_id")
    assert households["beat_id"].to_dict() == truth["beat_id"].to_dict()
    blocks = read_blocks(out).set_index("block_id")
    assert households["block_id"].is_unique and len(blocks) == 16
    for household, row in truth.iterrows():
        block = blocks.geometry.loc[households.at[household, "block_id"]]
        assert block.contains(shapely.Point(row["lon"], row["lat"])), household
    visits = read_visits(out)
    assert (visits["status"] == "counted").all(), visits[["visit_id", "flags"]]


def test_gcj02_csv_with_wgs84_geojson_beats_needs_coords_alone(china_out: Path) -> None:
    # china_out is the run of GCJ02 with --coords gcj02 alone
    assert_placed_right(china_out)


@pytest.mark.parametrize("cpg", [True, False])
def test_bd09_excel_with_gbk_shapefile_in_gauss_kruger_needs_coords_alone(
    china: Path, tmp_path: Path, cpg: bool
) -> None:
    out = tmp_path / "out"
    args = china_args(
        china, out, "住户-bd09.xlsx", "走访-bd09.xlsx", f"警务区-cpg{cpg}.zip", "--coords", "bd09"
    )
    assert main(args) == 0
    assert_placed_right(out)
    beats = pd.read_csv(out / "beats.csv", dtype=str)
    assert sorted(beats["beat_id"]) == ["E1", "W1"]


def test_geojson_that_is_really_gcj02_names_beats_coords(
    china: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    files = ("住户-gcj02.csv", "走访-gcj02.csv", "beats-gcj02.geojson")
    assert main(china_args(china, out, *files, "--coords", "gcj02")) == 2
    err = capsys.readouterr().err
    assert "beats-gcj02.geojson looks like GCJ-02 while 住户-gcj02.csv is GCJ-02" in err
    assert "run with --beats-coords gcj02" in err
    assert not out.exists()  # nothing written
    # and the option named does it
    assert main(china_args(china, out, *files, "--coords", "gcj02", "--beats-coords", "gcj02")) == 0
    assert_placed_right(out)


def test_garbage_offset_exits_2_and_writes_nothing(
    china: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 0.05° east and 0.03° south (4.3 km, 3.3 km): no coordinate mix-up explains it
    cf.write_csv(cf.households_export("wgs84", shift=(0.05, -0.03)), tmp_path / "住户.csv")
    out = tmp_path / "out"
    args = china_args(china, out, tmp_path / "住户.csv", "走访-wgs84.csv", "beats-wgs84.geojson")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "100% of the households in 住户.csv (16 of 16) lie outside every beat" in err
    assert "no usual coordinate mix-up explains it" in err
    assert not out.exists()


def test_streets_of_another_place_exit_2(
    china: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = china_args(china, out, "住户-wgs84.csv", "走访-wgs84.csv", "beats-wgs84.geojson")
    # the hand-made town of tests/geo/osm_fixtures.py, in central Helsinki, as an .osm.pbf
    streets = write_osm(tmp_path / "helsinki.osm.pbf", *town())
    args[args.index("--streets") + 1] = str(streets)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{streets.name}: the street blocks miss the beats: 100% of the households" in err
    assert "north-west of the households' centre" in err and "--unit h3:9" in err
    assert not out.exists()


def test_bad_coordinate_option_is_a_usage_error(
    china: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = china_args(china, tmp_path / "out", "住户-wgs84.csv", "走访-wgs84.csv", "b.geojson")
    with pytest.raises(SystemExit) as stop:
        main([*args, "--visits-coords", "mars"])
    assert stop.value.code == 2
    assert "unknown coordinate system 'mars'" in capsys.readouterr().err


def test_unknown_time_zone_is_a_usage_error(
    china: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = china_args(china, tmp_path / "out", "住户-wgs84.csv", "走访-wgs84.csv", "b.geojson")
    with pytest.raises(SystemExit) as stop:
        main([*args, "--timezone", "Mars/Base"])  # read before any file is opened
    assert stop.value.code == 2
    assert "unknown time zone 'Mars/Base': use an IANA name" in capsys.readouterr().err


# --------------------------------------------------------------------------- (f) columns


def test_beat_id_in_name_imports_with_column_option(
    china: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    files = ("住户-wgs84.csv", "走访-wgs84.csv", "oakland.geojson")
    assert main(china_args(china, out, *files)) == 2
    err = capsys.readouterr().err
    assert "missing_column" in err and "required column 'beat_id' is missing" in err
    assert not out.exists()
    assert main(china_args(china, out, *files, "--column", "beats.beat_id=Name")) == 0
    assert_placed_right(out)
    beats = pd.read_csv(out / "beats.csv", dtype=str)
    assert sorted(beats["beat_id"]) == ["E1", "W1"]


def test_column_option_naming_a_header_the_file_lacks_exits_2(
    china: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    files = ("住户-wgs84.csv", "走访-wgs84.csv", "oakland.geojson")
    assert main(china_args(china, out, *files, "--column", "beats.beat_id=Beat")) == 2
    err = capsys.readouterr().err
    assert "unknown_column" in err and "oakland.geojson" in err and "'Beat'" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("beat_id=Name", "write TABLE.CANONICAL=HEADER"),
        ("beats.beat_id=", "write TABLE.CANONICAL=HEADER"),
        ("streets.beat_id=Name", "'streets' is not a table"),
        ("beats.household_id=Name", "'household_id' is not a column of beats"),
    ],
)
def test_bad_column_option_is_a_usage_error(
    china: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    args = china_args(china, tmp_path / "out", "住户-wgs84.csv", "走访-wgs84.csv", "b.geojson")
    with pytest.raises(SystemExit) as stop:
        main([*args, "--column", value])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_one_column_named_twice_is_a_usage_error(
    china: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = china_args(china, tmp_path / "out", "住户-wgs84.csv", "走访-wgs84.csv", "b.geojson")
    with pytest.raises(SystemExit) as stop:
        main([*args, "--column", "beats.beat_id=Name", "--column", "beats.beat_id=OBJECTID"])
    assert stop.value.code == 2
    assert "--column beats.beat_id is named twice ('Name' and 'OBJECTID')" in (
        capsys.readouterr().err
    )


# --------------------------------------------------------------------------- (h) checked first
# Every option, every input path and --out are checked before any file is read: a bad one
# exits 2 with a message naming it, nothing is written, and no step of the run starts
# (the progress bar, on here, would name "reading inputs" on stderr).


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--coverage-threshold", "-5"], "argument --coverage-threshold: '-5' is not a share"),
        (["--coverage-threshold", "1.5"], "'1.5' is not a share: write a number from 0 to 1"),
        (["--coverage-threshold", "nan"], "'nan' is not a share"),
        (["--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus': use an IANA name"),
        (["--start", "2026-02-30"], "argument --start: '2026-02-30' is not a day"),
        (["--end", "01/07/2026"], "argument --end: '01/07/2026' is not a day; write it as"),
        (
            ["--start", "2026-09-01", "--end", "2026-08-01"],
            "--start 2026-09-01 is after --end 2026-08-01; swap them",
        ),
    ],
)
def test_bad_option_values_are_usage_errors(
    cli_args,  # noqa: ANN001
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        main(cli_args(out, *extra))
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and "reading inputs" not in err
    assert not out.exists()


def run_refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``args`` (progress bar on); assert exit 2 before the run; return stderr."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "reading inputs" not in err
    return err


def test_an_input_that_is_a_folder_is_refused_before_the_run(
    cli_args,  # noqa: ANN001
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "households.csv"  # a folder named like the file (IsADirectoryError)
    folder.mkdir()
    args = cli_args(tmp_path / "out")
    args[args.index("--households") + 1] = str(folder)
    err = run_refused(args, capsys)
    assert f"beatcov: --households {folder} is a folder; name the file inside it" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("option", ["--visits", "--streets", "--reviews"])
def test_a_missing_input_is_refused_before_the_run(
    cli_args,  # noqa: ANN001
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
) -> None:
    missing = tmp_path / "missing.csv"
    args = cli_args(tmp_path / "out")
    if option in args:
        args[args.index(option) + 1] = str(missing)
    else:
        args += [option, str(missing)]
    err = run_refused(args, capsys)
    assert f"beatcov: {option} {missing}: no such file; check the path" in err


def test_an_unknown_h3_resolution_is_refused_before_the_run(
    cli_args,  # noqa: ANN001
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = run_refused(cli_args(tmp_path / "out", "--unit", "h3:99"), capsys)
    assert "--unit 'h3:99': use blocks or h3:RES with RES from 0 to 15" in err


def test_out_that_is_a_file_is_refused_before_the_run(
    cli_args,  # noqa: ANN001
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # was: FileExistsError after the whole run
    out = tmp_path / "report.txt"
    out.write_text("the chief's notes", encoding="utf-8")
    for extra in ([], ["--overwrite"]):
        err = run_refused(cli_args(out, *extra), capsys)
        assert f"beatcov: --out {out} is a file, not a folder" in err
    assert out.read_text(encoding="utf-8") == "the chief's notes"


def test_out_with_files_needs_overwrite_and_holds_only_outputs(
    china: Path,
    china_out: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the district's run, not the demo's: the folder rules do not depend on the inputs
    out = tmp_path / "out"
    shutil.copytree(china_out, out)
    (out / "summary.json").write_text("{}", encoding="utf-8")  # an earlier, other run
    (out / "blocks.geojson").unlink()
    earlier = {p.name: p.read_bytes() for p in out.iterdir()}
    err = run_refused(gcj02_args(china, out, progress=True), capsys)
    assert f"--out {out} is not empty (it holds 'beats.csv', 'households.csv', 'summary.json'" in (
        err
    )
    assert "run with --overwrite to replace it whole" in err
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    err = run_refused(gcj02_args(china, out, "--overwrite", progress=True), capsys)
    assert "holds 'notes.txt', which beatcov does not write there" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {**earlier, "notes.txt": b"mine"}

    (out / "notes.txt").unlink()
    assert main(gcj02_args(china, out, "--overwrite")) == 0
    # the whole folder is the new run's: every output, byte for byte the same command's
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {
        p.name: p.read_bytes() for p in china_out.iterdir()
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left beside it


def test_outputs_are_private_and_no_demo_cell_needed_a_quote(demo_out: Path) -> None:
    # the outputs hold personal data: the folder is 0700, its files 0600
    assert demo_out.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in demo_out.iterdir()} == {0o600}
    # no text in the demo begins like a formula, so neutralising changed none of it
    for name in ("households.csv", "visits.csv", "beats.csv"):
        frame = pd.read_csv(demo_out / name, dtype=str, keep_default_na=False)
        assert not frame.apply(lambda c: c.str.startswith("'")).any().any(), name


def test_a_full_disk_while_writing_exits_1_and_keeps_the_earlier_output(
    china: Path,
    china_out: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the district's run, not the demo's: writing fails the same whatever the inputs
    out = tmp_path / "out"
    shutil.copytree(china_out, out)
    (out / "summary.json").write_text("{}", encoding="utf-8")  # an earlier, other run
    earlier = {p.name: p.read_bytes() for p in out.iterdir()}

    def full_disk(data: object, path: Path) -> Path:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr("analysis.cli.write_json", full_disk)  # the last of the five files
    assert main(gcj02_args(china, out, "--overwrite")) == 1
    err = capsys.readouterr().err
    assert "beatcov: [Errno 28] No space left on device" in err
    assert f"{out} is as it was" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == earlier
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # the partial folder is gone

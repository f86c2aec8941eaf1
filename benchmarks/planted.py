"""Score the CLI's under-visited blocks against the patterns planted in the demo.

Run from the repository root::

    .venv/bin/python benchmarks/planted.py            # runs the CLI into a temp folder
    .venv/bin/python benchmarks/planted.py --out DIR  # or scores outputs already in DIR

What it does:

- runs ``python -m analysis coverage`` on the demo as a user would (``--coords gcj02
  --timezone Asia/Shanghai``; a copy of the street extract in a temporary folder, so the
  repository is not written), unless ``--out`` holds outputs;
- matches every planted block of ``data/demo/planted.json`` (``under_visited``,
  ``evening_only``, ``burst_blocks``) to the output block that overlaps its polygon most
  (intersection over union > 0.95), so a block builder that names blocks differently can
  still be scored;
- **recall**: planted blocks flagged ``under_visited``, per kind and overall;
- **precision against planted only**: flagged real blocks that are planted / all flagged
  real blocks (the ``outside:<beat>`` pseudo-blocks are listed apart: they are not blocks);
- **precision against the ground truth**: the demo also holds honest gaps the generator did
  not plant as blocks (vulnerable residents with no contact for 30 days, issues never
  followed up, blocks that are simply below 80 %), so each flagged unplanted block is
  checked reason by reason against what the generator knows: ``low_coverage`` is right when
  the block's *honest* coverage (every logged contact except the planted bursts and
  desk-job shifts) is below the threshold, ``vulnerable_overdue`` when it holds a household of
  ``vulnerable_overdue.all``, ``open_follow_up`` when it holds the household of an
  ``open_issues`` visit whose 14-day limit passed. A block is justified when at least one
  of its reasons is. Unjustified reasons are explained by the verification flags the
  block's honest visits got;
- **evening-only advice**: the ``recommended_band`` of the evening-only blocks (right when
  it is a band nobody tried there: evening, or morning before work);
- **bursts and desk jobs**: coverage vs. coverage as logged in the burst blocks, and how
  many burst and desk-job visits (and how many honest visits) fail verification.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.demo import DEMO_COORDS, DEMO_FILES, DEMO_TIMEZONE, load_demo  # noqa: E402
from geo.projection import local_utm  # noqa: E402
from geo.settings import DEFAULTS  # noqa: E402

PLANTED = ROOT / "data" / "demo" / "planted.json"
KINDS = ("under_visited", "evening_only", "burst_blocks")


def run_cli(out: Path, work: Path) -> None:
    streets = work / DEMO_FILES["streets"].name
    shutil.copyfile(DEMO_FILES["streets"], streets)
    cmd = [
        sys.executable, "-m", "analysis", "coverage",
        "--households", str(DEMO_FILES["households"]),
        "--visits", str(DEMO_FILES["visits"]),
        "--beats", str(DEMO_FILES["beats"]),
        "--streets", str(streets),
        "--coords", DEMO_COORDS,
        "--timezone", DEMO_TIMEZONE,
        "--no-progress",
        "--out", str(out),
    ]  # fmt: skip
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit(f"the CLI failed ({run.returncode}):\n{run.stderr}")


def match(blocks: gpd.GeoDataFrame, wkt: str) -> tuple[str | None, float]:
    """The output block overlapping a planted polygon most, and the intersection over union."""
    real = blocks[blocks.geometry.notna()]
    crs = local_utm(real.geometry)
    target = gpd.GeoSeries([shapely.from_wkt(wkt)], crs="EPSG:4326").to_crs(crs).iloc[0]
    geoms = real.geometry.to_crs(crs)
    overlap = geoms.intersection(target).area
    best = overlap.idxmax()
    iou = float(overlap.loc[best] / shapely.union(geoms.loc[best], target).area)
    return (str(real.loc[best, "block_id"]) if iou > 0.95 else None), iou


def honest_truth(
    households: pd.DataFrame, visits_in: pd.DataFrame, truth: dict[str, Any], window: dict
) -> pd.DataFrame:
    """Per block: honest coverage and whether it holds a true overdue / open follow-up."""
    times = visits_in["time"].dt.tz_convert(DEMO_TIMEZONE)
    start = pd.Timestamp(window["start"], tz=DEMO_TIMEZONE)
    end = pd.Timestamp(window["end"], tz=DEMO_TIMEZONE) + pd.Timedelta(days=1)
    honest = (
        (visits_in["outcome"] == "contact")
        & ~visits_in["visit_id"].isin(cheat_ids(truth))
        & (times >= start)
        & (times < end)
    )
    reached = set(visits_in.loc[honest, "household_id"])
    overdue = set(truth["vulnerable_overdue"]["all"])
    as_of = pd.Timestamp(truth["generator"]["as_of"])
    limit = pd.Timedelta(days=DEFAULTS.follow_up_days)
    issue = visits_in["visit_id"].isin(set(truth["open_issues"])) & (times + limit < as_of)
    open_hh = set(visits_in.loc[issue, "household_id"])
    frame = households[["household_id", "block_id"]].assign(
        honest=households["household_id"].isin(reached),
        overdue=households["household_id"].isin(overdue),
        open=households["household_id"].isin(open_hh),
    )
    return frame.groupby("block_id").agg(
        honest_coverage=("honest", "mean"), true_overdue=("overdue", "any"),
        true_open=("open", "any"),
    )  # fmt: skip


def cheat_ids(truth: dict[str, Any]) -> set[str]:
    """Visits of the planted bursts and desk-job shifts."""
    kinds = ("bursts", "desk_jobs")
    return {v for kind in kinds for entry in truth.get(kind, []) for v in entry["visit_ids"]}


def flag_breakdown(
    visits: pd.DataFrame, households: pd.DataFrame, burst_ids: set[str]
) -> pd.Series:
    """Per block: the verification flags of its honest (non-burst) failed visits."""
    block_of = households.set_index("household_id")["block_id"]
    failed = visits[~visits["verified"] & ~visits["visit_id"].isin(burst_ids)]
    codes = failed.assign(
        block_id=failed["household_id"].map(block_of), code=failed["flags"].str.split(";")
    ).explode("code")
    counts = codes.groupby(["block_id", "code"]).size()
    return counts.groupby(level=0).apply(lambda s: ", ".join(f"{c}={n}" for (_, c), n in s.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="score the outputs in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="beatcov-planted-") as tmp:
        out = args.out
        if out is None or not (out / "blocks.geojson").exists():
            out = out or Path(tmp) / "out"
            run_cli(out, Path(tmp))
        return score(out)


def score(out: Path) -> int:
    truth = json.loads(PLANTED.read_text(encoding="utf-8"))
    blocks = gpd.read_file(out / "blocks.geojson", engine="pyogrio")
    households = pd.read_csv(
        out / "households.csv", dtype={"household_id": str}, keep_default_na=False
    )
    visits = pd.read_csv(
        out / "visits.csv", dtype={"visit_id": str, "household_id": str}, keep_default_na=False
    )
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    visits_in = load_demo().visits  # the inputs as the importer reads them
    burst_ids = {v for b in truth["bursts"] for v in b["visit_ids"]}
    desk_ids = {v for d in truth.get("desk_jobs", []) for v in d["visit_ids"]}

    rows = []
    for kind in KINDS:
        for spot in truth[kind]:
            found, iou = match(blocks, spot["polygon_wkt"])
            rows.append({"kind": kind, "planted": spot["block_id"], "found": found, "iou": iou})
    planted = pd.DataFrame(rows)
    b = blocks.set_index("block_id")
    planted["households"] = planted["found"].map(b["households"])
    planted["planted_hh"] = [len(spot["household_ids"]) for k in KINDS for spot in truth[k]]
    nearest = households[households["placement"] == "nearest_block"].groupby("block_id").size()
    planted["by_nearest"] = planted["found"].map(nearest).fillna(0).astype(int)
    planted["under_visited"] = planted["found"].map(b["under_visited"]).fillna(False)
    planted["reasons"] = planted["found"].map(b["reasons"]).fillna("")
    planted["coverage"] = planted["found"].map(b["coverage"])
    planted["as_logged"] = planted["found"].map(b["coverage_as_logged"])
    planted["band"] = planted["found"].map(b["recommended_band"]).fillna("")

    real = b[b.geometry.notna()]
    flagged = set(real.index[real["under_visited"]])
    planted_set = set(planted["found"].dropna())
    hits = flagged & planted_set

    print(f"demo: {summary['households']} households, {summary['visits']} visits, "
          f"{summary['blocks']} blocks, window {summary['window']['start']} to "
          f"{summary['window']['end']}")  # fmt: skip
    print(f"flagged under-visited: {len(flagged)} of {len(real)} real blocks "
          f"(+ {int(b.loc[b.geometry.isna(), 'under_visited'].sum())} of "
          f"{int(b.geometry.isna().sum())} outside: pseudo-blocks)\n")  # fmt: skip

    print("Planted blocks")
    print(planted.round(3).to_string(index=False), "\n")
    recall = planted.groupby("kind", sort=False)["under_visited"].agg(["sum", "size"])
    recall["recall"] = recall["sum"] / recall["size"]
    print("Recall by kind")
    print(recall.to_string(), "\n")

    check = honest_truth(households, visits_in, truth, summary["window"])
    unplanted = real[real["under_visited"] & ~real.index.isin(planted_set)].join(check)
    breakdown = flag_breakdown(visits, households, burst_ids | desk_ids)
    threshold = DEFAULTS.coverage_threshold

    def verdict(row: pd.Series) -> pd.Series:
        reasons = row["reasons"].split(";")
        right = {
            "low_coverage": bool(row["honest_coverage"] < threshold),
            "vulnerable_overdue": bool(row["true_overdue"]),
            "open_follow_up": bool(row["true_open"]),
        }
        ok = [r for r in reasons if right.get(r)]
        wrong = [r for r in reasons if not right.get(r)]
        return pd.Series({"right": ";".join(ok), "wrong": ";".join(wrong), "justified": bool(ok)})

    if len(unplanted):
        unplanted = unplanted.join(unplanted.apply(verdict, axis=1))
        unplanted["honest_fails"] = [str(breakdown.get(i, "")) for i in unplanted.index]
        cols = ["beat_id", "households", "coverage", "coverage_as_logged", "honest_coverage",
                "reasons", "right", "wrong", "honest_fails"]  # fmt: skip
        print("Flagged blocks that were not planted (honest coverage: all logged contacts but "
              "the planted bursts and desk jobs)")  # fmt: skip
        with pd.option_context("display.width", 250, "display.max_colwidth", 60):
            print(unplanted[cols].round(3).to_string(), "\n")
        justified = int(unplanted["justified"].sum())
        by_reason = unplanted["reasons"].str.split(";").explode().value_counts()
        wrong_reason = unplanted["wrong"].str.split(";").explode()
        wrong_reason = wrong_reason[wrong_reason != ""].value_counts()
    else:
        justified = 0
        by_reason = wrong_reason = pd.Series(dtype=int)

    n_flag = max(len(flagged), 1)
    table = pd.DataFrame(
        {
            "value": [
                len(hits) / max(len(planted_set), 1),
                len(hits) / n_flag,
                (len(hits) + justified) / n_flag,
            ],
            "count": [
                f"{len(hits)}/{len(planted_set)}",
                f"{len(hits)}/{len(flagged)}",
                f"{len(hits) + justified}/{len(flagged)}",
            ],
        },
        index=["recall (planted)", "precision vs planted only", "precision vs ground truth"],
    )
    print("Scores")
    print(table.round(3).to_string(), "\n")
    if len(by_reason):
        print("reasons of the unplanted flagged blocks:", by_reason.to_dict())
        print("reasons the ground truth does not support:", wrong_reason.to_dict(), "\n")

    evening = planted[planted["kind"] == "evening_only"].copy()
    evening["band_source"] = evening["found"].map(b["band_source"])
    evening["ok"] = evening["band"].isin(["evening", "morning"])
    evening["attempts_by_band"] = [s["attempts_by_band"] for s in truth["evening_only"]]
    print("Evening-only blocks: recommended band")
    print(evening[["planted", "found", "band", "band_source", "attempts_by_band", "ok"]]
          .to_string(index=False), "\n")  # fmt: skip

    burst = planted[planted["kind"] == "burst_blocks"]
    caught = visits[visits["visit_id"].isin(burst_ids)]
    desk = visits[visits["visit_id"].isin(desk_ids)]
    honest = visits[~visits["visit_id"].isin(burst_ids | desk_ids)]
    print("Burst blocks: coverage drops from as logged", end=" ")
    print(f"{(burst['coverage'] < burst['as_logged']).sum()}/{len(burst)}")
    print(
        f"burst visits failing verification: {int((~caught['verified']).sum())}/{len(caught)}"
        f" (one_spot_burst: {int(caught['flags'].str.contains('one_spot_burst').sum())})"
    )
    print(
        f"desk-job visits failing verification: {int((~desk['verified']).sum())}/{len(desk)}"
        f" (desk_job: {int(desk['flags'].str.contains('desk_job').sum())})"
    )
    review = honest.loc[honest["status"] == "review", "flags"].str.split(";").explode()
    print(f"honest visits in review: {int((honest['status'] == 'review').sum())}/{len(honest)}"
          f" by flag {review.value_counts().to_dict()}")  # fmt: skip
    fails = honest.loc[~honest["verified"], "flags"].str.split(";").explode().value_counts()
    print(f"honest visits failing verification: {int((~honest['verified']).sum())}/"
          f"{len(honest)} by flag {fails.to_dict()}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

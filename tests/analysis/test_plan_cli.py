"""Acceptance tests of ``python -m analysis plan`` on the embedded demo.

As in tests/analysis/test_cli.py, the street file is a copy in a temporary folder (the
CLI caches its graph next to it), so the repository is never written. Nothing here counts
today's rows: each check is a definition (plan.json agrees with plan.geojson and with
itself) or the issue's acceptance (today's beats rebalanced to 1.10 or better, every beat
in one piece, the plan reads back as beats).

The runs of the same inputs (today's demo beats: the plan, the fresh plan of seven beats,
the unknown locked block) share one reading and analysis of them, made by the first
(:func:`tests.support.demo_cli.analysed_once`): the plan options change only the planning,
which each run does itself, with the argument checks, the write and the exit code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analysis.cli import main
from analysis.plan_cli import demo_arguments
from geo.demo import DEMO_FILES
from geo.importer import read_beats
from tests.support.demo_cli import analysed_once


def plan_args(streets: Path, out: Path, *extra: str) -> list[str]:
    return ["plan", "--demo", "--streets", str(streets), "--out", str(out), "--no-progress", *extra]


@pytest.fixture(scope="module", autouse=True)
def _analysed_once() -> Iterator[None]:
    with analysed_once():
        yield


@pytest.fixture(scope="module")
def rebalanced(streets: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "out"
    assert main(plan_args(streets, out)) == 0
    return out


def read_plan(out: Path) -> dict[str, Any]:
    return dict(json.loads((out / "plan.json").read_text(encoding="utf-8")))


def test_rebalancing_the_demo_meets_the_target(rebalanced: Path) -> None:
    plan = read_plan(rebalanced)
    assert sorted(p.name for p in rebalanced.iterdir()) == ["plan.geojson", "plan.json"]
    assert plan["mode"] == "rebalance" and plan["target"] == 1.1
    assert plan["imbalance_before"] > 1.1 >= plan["imbalance"]
    assert plan["meets_target"] and plan["contiguous"] and plan["contiguous_before"]
    # the figures agree with each other
    work = plan["workload"]
    assert plan["imbalance"] == pytest.approx(max(work.values()) / min(work.values()), abs=1e-3)
    assert plan["moved_blocks"] == len(plan["moved"]) > 0
    assert all(m["from"] != m["to"] for m in plan["moved"])
    assert set(work) == set(plan["workload_before"]) == {b["beat_id"] for b in plan["per_beat"]}
    assert plan["minutes_per_visit_source"] == "visits"
    assert plan["settings"]["plan_target_ratio"] == 1.1


def test_the_plan_reads_back_as_the_same_beats(rebalanced: Path) -> None:
    back = read_beats(rebalanced / "plan.geojson")
    assert back.report.ok, str(back.report)
    today = read_beats(DEMO_FILES["beats"]).table
    table = back.table.set_index("beat_id")
    assert sorted(table.index) == sorted(today["beat_id"])
    for _, beat in today.iterrows():  # names, stations and officers survive
        kept = table.loc[beat["beat_id"]]
        assert (kept["name"], kept["station"], kept["officer_ids"]) == (
            beat["name"],
            beat["station"],
            beat["officer_ids"],
        )
    assert (back.table.geom_type == "Polygon").all()


def test_planning_again_from_the_plan_moves_nothing(
    rebalanced: Path, streets: Path, tmp_path: Path
) -> None:
    # the plan read back as today's beats: same blocks per beat, same workloads, no move
    out = tmp_path / "again"
    beats = rebalanced / "plan.geojson"
    assert main(plan_args(streets, out, "--beats", str(beats))) == 0
    first, again = read_plan(rebalanced), read_plan(out)
    assert again["moved_blocks"] == 0
    assert again["workload_before"] == first["workload"]
    assert again["imbalance_before"] == again["imbalance"] == first["imbalance"]


def test_a_fresh_plan_of_seven_beats(streets: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(plan_args(streets, out, "--beats-count", "7", "--seed", "3")) == 0
    plan = read_plan(out)
    assert plan["mode"] == "fresh" and plan["beats"] == 7 and plan["contiguous"]
    assert plan["new_beats"] == ["B07"] and plan["settings"]["plan_seed"] == 3
    back = read_beats(out / "plan.geojson")
    assert back.report.ok
    assert back.table.set_index("beat_id").loc["B07", "name"] == ""
    # the two stations carry 4 and 3 beats: their means differ, and plan.json says by how much
    assert plan["imbalance"] >= plan["station_floor"] > 1.1


def test_bad_plan_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in (["--beats-count", "0"], ["--target-ratio", "0.9"], ["--move-penalty", "-1"]):
        with pytest.raises(SystemExit) as stop:
            main(["plan", "--demo", "--out", "x", *bad])
        assert stop.value.code == 2
    assert "at least one beat" in capsys.readouterr().err


def test_an_unknown_locked_block_is_refused(
    streets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(plan_args(streets, out, "--lock", "Bnowhere")) == 2
    assert "Bnowhere" in capsys.readouterr().err
    assert not (out / "plan.json").exists()


def test_help_lists_the_plan_and_input_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["plan", "--help"])
    text = capsys.readouterr().out
    options = ["--beats-count", "--lock", "--target-ratio", "--move-penalty", "--seed", "--demo"]
    options += ["--households", "--streets", "--coords", "--column", "--out"]
    assert all(option in text for option in options)


def test_demo_arguments_fill_only_what_is_missing() -> None:
    args = demo_arguments(["plan", "--demo", "--beats=mine.geojson", "--out", "o"])
    assert args.count("--beats") == 0 and "--beats=mine.geojson" in args
    assert args[args.index("--households") + 1] == str(DEMO_FILES["households"])
    assert demo_arguments(["plan", "--out", "o"]) == ["plan", "--out", "o"]
    coverage = demo_arguments(["coverage", "--demo", "--coords", "wgs84", "--out", "o"])
    assert coverage[coverage.index("--coords") + 1] == "wgs84"  # given: kept
    assert coverage[coverage.index("--streets") + 1] == str(DEMO_FILES["streets"])
    assert demo_arguments(["users", "--demo"]) == ["users", "--demo"]


@pytest.mark.parametrize("command", ["coverage", "plan", "report", "route"])
def test_every_command_keeps_the_shared_demo_option(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The commands share the input options' actions: none may take ``--demo`` from another."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "--demo " in capsys.readouterr().out

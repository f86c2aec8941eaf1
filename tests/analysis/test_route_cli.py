"""Acceptance tests of ``python -m analysis route`` on the embedded demo.

As in tests/analysis/test_plan_cli.py the street file is a copy in a temporary folder (the
CLI caches its graph next to it). Each check is a definition: the three files agree with
each other, the stops are in order and begin inside their band, the route keeps its budget.
The two runs (the evening route, the unknown officer) share one reading and analysis of the
demo, made by the first (:func:`tests.support.demo_cli.analysed_once`); each plans, checks
and writes on its own.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from analysis.cli import main
from tests.support.demo_cli import analysed_once

GPX = "{http://www.topografix.com/GPX/1/1}"


def route_args(streets: Path, out: Path, *extra: str) -> list[str]:
    return [
        "route",
        "--demo",
        "--streets",
        str(streets),
        "--out",
        str(out),
        "--no-progress",
        *extra,
    ]


@pytest.fixture(scope="module", autouse=True)
def _analysed_once() -> Iterator[None]:
    with analysed_once():
        yield


@pytest.fixture(scope="module")
def evening(streets: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("route") / "out"
    options = ("--officer", "051001", "--budget-min", "120", "--band", "evening")
    assert main(route_args(streets, out, *options)) == 0
    return out


def read_route(out: Path) -> dict[str, Any]:
    return dict(json.loads((out / "route.json").read_text(encoding="utf-8")))


def test_the_route_keeps_its_budget_and_its_band(evening: Path) -> None:
    assert sorted(p.name for p in evening.iterdir()) == ["route.csv", "route.gpx", "route.json"]
    route = read_route(evening)
    stops = route["stops"]
    assert route["budget_min"] == 120 and route["band"] == "evening" and route["beats"] == ["B01"]
    assert 0 < route["minutes"] <= 120
    assert len(stops) > 0 and [s["order"] for s in stops] == list(range(1, len(stops) + 1))
    assert route["priority_collected"] == pytest.approx(sum(s["priority"] for s in stops), 1e-3)
    assert all(s["priority"] > 0 and s["band"] == "evening" for s in stops)
    arrivals = [s["arrival"] for s in stops]
    assert arrivals == sorted(arrivals) and "17:00" <= arrivals[0] and arrivals[-1] < "19:00"
    assert all(s["address"] and s["beat_id"] == "B01" for s in stops)
    assert len({s["household_id"] for s in stops}) == len(stops)
    assert route["path"]["type"] == "LineString" and route["start"]["time"] == "17:00"


def test_the_gpx_has_the_stops_in_order_and_the_track(evening: Path) -> None:
    route = read_route(evening)
    root = ElementTree.parse(evening / "route.gpx").getroot()
    points = root.findall(f"{GPX}wpt")
    names = [p.findtext(f"{GPX}name") for p in points]
    assert names == [f"{s['order']} {s['address']}" for s in route["stops"]]
    for point, stop in zip(points, route["stops"], strict=True):  # WGS84, as route.json
        assert float(point.get("lon", "")) == pytest.approx(stop["lon"], abs=1e-6)
        assert float(point.get("lat", "")) == pytest.approx(stop["lat"], abs=1e-6)
        assert 118.7 < stop["lon"] < 118.85 and 32.0 < stop["lat"] < 32.1
    track = root.findall(f"{GPX}trk/{GPX}trkseg/{GPX}trkpt")
    assert len(track) == len(route["path"]["coordinates"]) >= len(points) + 1


def test_the_printable_list_has_the_chinese_addresses(evening: Path) -> None:
    data = (evening / "route.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    stops = read_route(evening)["stops"]
    assert [r["address"] for r in rows] == [s["address"] for s in stops]
    assert [r["arrival"] for r in rows] == [s["arrival"] for s in stops]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--officer", "999999", "--budget-min", "60"), "officer '999999' is named in no beat"),
    ],
)
def test_an_unknown_officer_is_refused_without_a_traceback(
    streets: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    options: tuple[str, ...],
    message: str,
) -> None:
    out = tmp_path / "out"
    assert main(route_args(streets, out, *options)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_bad_route_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    bad_options = (
        ["--budget-min", "0"],
        ["--budget-min", "-5"],
        ["--budget-min", "60", "--band", "night"],
        ["--budget-min", "60", "--start-at", "25:00"],
        ["--budget-min", "60", "--start-point", "118.78"],
    )
    for bad in bad_options:
        with pytest.raises(SystemExit) as stop:
            main(["route", "--demo", "--officer", "051001", "--out", "x", *bad])
        assert stop.value.code == 2
    assert "more than 0 minutes" in capsys.readouterr().err

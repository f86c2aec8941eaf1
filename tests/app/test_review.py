"""The Visit quality page's tables, on hand-made visits: the order a chief reads them in,
who decided and when, reasons in both languages, a visit's shift and its block."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from analysis.verify import FLAG_CODES
from app import review
from app.i18n import translate
from geo.settings import DEFAULTS

TZ = "Europe/Helsinki"


def visits() -> gpd.GeoDataFrame:
    rows = [
        # visit, status, flags, decision, time, shift
        ("V1", "counted", "", "", "09:30", 0),
        ("V2", "review", "no_gps", "", "10:00", 0),
        ("V3", "not_counted", "gps_far;too_short", "", "09:00", 0),
        ("V4", "review", "far_from_door", "", "11:00", 1),
        ("V5", "not_counted", "one_spot_burst;far_from_door", "", "08:00", 1),
        ("V6", "counted", "duplicate", "dismissed", "08:30", 1),
        ("V7", "review", "too_short;no_gps", "", "12:00", 1),
        ("V8", "not_counted", "fast_travel", "confirmed", "13:00", -1),
    ]
    frame = pd.DataFrame(rows, columns=["visit_id", "status", "flags", "review", "t", "shift"])
    return gpd.GeoDataFrame(
        frame.drop(columns="t").assign(
            household_id=["h1", "h2", "h3", "h1", "h2", "h3", "h1", "h2"],
            officer_id=["P1", "P1", "P1", "P1", "P1", "P1", "P1", "P2"],
            time=pd.to_datetime("2026-07-01 " + frame["t"]).dt.tz_localize(TZ),
            outcome="contact",
            duration_min=[10.0, 10.0, 1.5, 10.0, 1.0, 10.0, 2.0, 10.0],
            door_distance_m=[5.0, None, 412.0, 180.0, 90.0, 4.0, 3.0, 8.0],
            gap_min=[None, 30.0, 15.0, 20.0, None, 30.0, 60.0, 1.2],
            straight_m=[None, 40.0, 80.0, 60.0, None, 50.0, 70.0, 400.0],
            travel_m=[None, 40.0, 80.0, 60.0, None, 50.0, 70.0, 400.0],
            travel_needed_min=[None, 1.4, 1.9, 1.7, None, 1.6, 1.8, 5.1],
            travel_method="straight_line",
        ),
        geometry=[Point(24.95, 60.17 + i * 0.001) if i != 1 else None for i in range(8)],
        crs="EPSG:4326",
    )


def households() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "household_id": ["h1", "h2", "h3"],
            "address": ["Main st 1", "Main st 2", "Main st 3"],
            "block_id": ["b1", "b1", "b2"],
        },
        geometry=[Point(24.95, 60.17), Point(24.951, 60.17), Point(24.952, 60.17)],
        crs="EPSG:4326",
    )


DECISIONS = pd.DataFrame(
    {
        "visit_id": ["V6", "V8", "V4"],
        "decision": ["dismissed", "confirmed", "confirmed"],
        "reviewer": ["chief", "chief Wang", "chief"],
        "decided_at": pd.to_datetime(
            ["2026-07-02 08:00", "2026-07-02 09:00", "2026-07-02 10:00"], utc=True
        ),
    }
)


def test_visits_to_review_come_worst_first_with_who_decided() -> None:
    listed = review.review_visits(visits(), households(), DECISIONS, settings=DEFAULTS, lang="en")
    # not_counted evidence first (by flag severity), review evidence next, no_gps-only last;
    # V1 has no flag; V6 was dismissed (it counts) but stays listed with its decision, and
    # V8 (fast travel, confirmed) keeps its place among the review evidence: a decision
    # does not move a row under the chief's hand
    assert listed["visit_id"].tolist() == ["V5", "V3", "V6", "V4", "V8", "V7", "V2"]
    assert list(listed.columns[:-1]) == list(review.REVIEW_COLUMNS)
    assert listed.geometry.name == "geometry"
    by_id = listed.set_index("visit_id")
    assert by_id.loc["V6", ["status", "review", "reviewer"]].tolist() == [
        "counted",
        "dismissed",
        "chief",
    ]
    assert by_id.loc["V6", "decided_at"] == pd.Timestamp("2026-07-02 08:00", tz="UTC")
    assert by_id.loc["V8", "reviewer"] == "chief Wang"
    # a stored decision the analysis did not apply (V4: run before it) shows no reviewer
    assert by_id.loc["V4", "reviewer"] == "" and pd.isna(by_id.loc["V4", "decided_at"])
    assert by_id.loc["V3", "address"] == "Main st 3"
    assert by_id.loc["V3", "reason"] == "GPS point 412 m from the door, far beyond any GPS error"
    assert by_id.loc["V7", "reason"] == "contact of 2.0 min, under 3 min"
    assert by_id.loc["V8", "reason"] == (
        "400 m in a straight line from the previous visit in 1.2 min; a brisk walk and a "
        "minimal visit need 5.1 min"
    )
    zh = review.review_visits(visits(), households(), DECISIONS, settings=DEFAULTS, lang="zh")
    assert zh.set_index("visit_id").loc["V3", "reason"] == (
        "GPS 位置离门口 412 米，远超任何定位误差"
    )


def test_nothing_to_review_gives_an_empty_list() -> None:
    quiet = visits().iloc[[0]]
    listed = review.review_visits(
        quiet, households(), DECISIONS.iloc[0:0], settings=DEFAULTS, lang="en"
    )
    assert listed.empty and list(listed.columns[:-1]) == list(review.REVIEW_COLUMNS)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("code", FLAG_CODES)
def test_every_flag_has_a_reason_with_its_figures(code: str, lang: str) -> None:
    record = {
        "flags": f"{code};no_gps",
        "door_distance_m": 1234.4,
        "gap_min": 4.0,
        "straight_m": 2100.0,
        "travel_m": 2500.0,
        "travel_needed_min": 9.5,
        "duration_min": 1.5,
        "travel_method": "network",
    }
    text = review.reason_text(record, settings=DEFAULTS, lang=lang)
    assert text and "{" not in text
    expected = {
        "gps_far": "1,234",
        "far_from_door": "1,234",
        "impossible_travel": "2,100",
        "fast_travel": "2,500",
        "too_short": "1.5",
        "one_spot_burst": str(DEFAULTS.burst_min_households),
        "duplicate": f"{DEFAULTS.duplicate_window_min:g}",
    }
    assert expected.get(code, "") in text
    # a figure that is missing: the flag's short description, never a broken sentence
    bare = review.reason_text({"flags": code}, settings=DEFAULTS, lang=lang)
    if code in expected and code not in ("one_spot_burst", "duplicate"):
        assert bare == translate(f"flag_desc.{code}", lang)
    assert review.reason_text({"flags": ""}, settings=DEFAULTS, lang=lang) == ""


def test_a_visits_shift_is_the_officers_logs_in_time_order() -> None:
    frame = visits()
    path = review.shift_path(frame, "V5")
    assert path["visit_id"].tolist() == ["V5", "V6", "V4", "V7"]  # P1's shift 1, by time
    assert list(path.columns[:-1]) == list(review.PATH_COLUMNS)
    assert review.shift_path(frame, "V8")["visit_id"].tolist() == ["V8"]  # no shift: alone
    assert review.shift_path(frame, "nope").empty


def test_a_visits_block_and_its_coverage() -> None:
    blocks = pd.DataFrame(
        {
            "block_id": ["b1", "b2"],
            "households": [2, 1],
            "contacted_households": [1, 0],
            "coverage": [0.5, 0.0],
        }
    )
    found = review.visit_block("V5", visits(), households(), blocks)
    assert found == {
        "block_id": "b1",
        "households": 2,
        "contacted_households": 1,
        "coverage": 0.5,
    }
    assert review.visit_block("nope", visits(), households(), blocks) == {}


def test_door_lines_skip_visits_without_gps() -> None:
    lines = review.door_lines(visits(), households())
    assert "V2" not in set(lines["visit_id"]) and len(lines) == 7
    assert lines.crs.to_epsg() == 4326
    first = lines.geometry.iloc[0]
    assert list(first.coords) == [(24.95, 60.17), (24.95, 60.17)]  # V1 logged at its door

"""The scope query layer on a tiny analysis whose every row is known.

Two beats side by side near Helsinki, each filled by one square street block::

    beat A (station North, officer P1)      beat B (station South, officers P2, P3)
    block K1: h01, h02                      block K2: h03, h04
                                            h05 lies 1.7 km east, in no beat

=====  ====  ====  =================================================================
visit  by    at    why it is there
=====  ====  ====  =================================================================
v1     P1    h01   own beat
v2     P1    h03   A's officer in beat B: belongs to B, never shown to A
v3     P2    h03   own beat
v4     P2    h04   own beat (nobody home); its previous visit is v3
v5     P3    h02   B's officer in beat A: belongs to A (the household decides)
v6     P1    h05   household in no beat: only the scope of everything sees it
=====  ====  ====  =================================================================

So scope A holds K1, h01 h02, v1 v5, beat A, station North, officer P1; scope B holds
K2, h03 h04, v2 v3 v4, beat B, station South, officers P2 P3. v2's ``previous_visit_id``
is v1 (P1's visit just before, in beat A), so in scope B it is blanked.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from analysis.pipeline import Analysis, analyse
from analysis.scope import (
    Scope,
    account_scope,
    household_beats,
    officer_scope,
    restrict,
    restrict_dataset,
)
from geo.accounts import Account
from geo.errors import Finding, SchemaError, ValidationReport
from geo.importer import Dataset

WGS84 = "EPSG:4326"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    beats = gpd.GeoDataFrame(
        {
            "beat_id": ["A", "B"],
            "name": ["北区", "南区"],
            "station": ["North", "South"],
            "officer_ids": ["P1", "P2;P3"],
        },
        geometry=[box(24.90, 60.10, 24.91, 60.11), box(24.91, 60.10, 24.92, 60.11)],
        crs=WGS84,
    )
    households = gpd.GeoDataFrame(
        {
            "household_id": ["h01", "h02", "h03", "h04", "h05"],
            "address": ["1 A st", "2 A st", "1 B st", "2 B st", "far away"],
            "residents": pd.array([1, 2, 3, 4, 5], dtype="Int64"),
            "vulnerable": ["elderly_alone", "", "", "disabled", ""],
            "kind": ["household"] * 5,
        },
        geometry=[
            Point(24.903, 60.103),
            Point(24.907, 60.107),
            Point(24.913, 60.103),
            Point(24.917, 60.107),
            Point(24.95, 60.105),
        ],
        crs=WGS84,
    )
    rows = [
        ("v1", "h01", "P1", "2026-07-01 08:00", "contact"),
        ("v2", "h03", "P1", "2026-07-01 09:00", "contact"),
        ("v3", "h03", "P2", "2026-07-02 08:00", "contact"),
        ("v4", "h04", "P2", "2026-07-02 09:00", "nobody_home"),
        ("v5", "h02", "P3", "2026-07-03 08:00", "contact"),
        ("v6", "h05", "P1", "2026-07-03 12:00", "contact"),
    ]
    n = len(rows)
    visits = gpd.GeoDataFrame(
        {
            "visit_id": [r[0] for r in rows],
            "household_id": [r[1] for r in rows],
            "officer_id": [r[2] for r in rows],
            "time": pd.to_datetime([r[3] for r in rows]).tz_localize("Asia/Shanghai").as_unit("us"),
            "outcome": [r[4] for r in rows],
            "duration_min": [10.0] * n,
            "issue_raised": [""] * n,
            "follow_up_of": ["", "", "", "", "", ""],
            "satisfaction": pd.array([pd.NA] * n, dtype="Int64"),
            "note": ["private note"] * n,
        },
        geometry=[None] * n,
        crs=WGS84,
    )
    report = ValidationReport(
        [Finding("warning", "outside_beats", "household 'h05' lies outside", "h.csv", 6)]
    )
    return Dataset(beats, households, visits, report, "Asia/Shanghai", "tiny")


@pytest.fixture(scope="module")
def analysis(dataset: Dataset) -> Analysis:
    units = gpd.GeoDataFrame(
        {"block_id": ["K1", "K2"]},
        geometry=[box(24.901, 60.101, 24.909, 60.109), box(24.911, 60.101, 24.919, 60.109)],
        crs=WGS84,
    )
    return analyse(dataset.beats, dataset.households, dataset.visits, units=units)


def test_fixture_is_what_we_think(analysis: Analysis) -> None:
    beat_of = analysis.households.set_index("household_id")["beat_id"]
    assert beat_of.loc[["h01", "h02", "h03", "h04"]].tolist() == ["A", "A", "B", "B"]
    assert pd.isna(beat_of.loc["h05"])
    assert sorted(analysis.blocks["block_id"]) == ["K1", "K2", "outside"]
    assert analysis.visits.set_index("visit_id").loc["v2", "previous_visit_id"] == "v1"
    assert sorted(analysis.stations["station"]) == ["", "North", "South"]
    assert analysis.trend["beat_id"].isna().sum() == 1  # the week of h05, in no beat


def ids(frame: pd.DataFrame, column: str) -> list[str]:
    return sorted(frame[column].astype(str))


def test_officer_sees_only_their_beat(analysis: Analysis, dataset: Dataset) -> None:
    scope = officer_scope(dataset.beats, "P1")
    assert scope == Scope.for_beats(["A"])
    assert scope.label == "officer P1"
    mine = restrict(analysis, scope)
    assert ids(mine.blocks, "block_id") == ["K1"]
    assert ids(mine.households, "household_id") == ["h01", "h02"]
    # v2 is P1's own visit, but to h03 in beat B: not shown; v5 by P3 at h02 is
    assert ids(mine.visits, "visit_id") == ["v1", "v5"]
    assert ids(mine.beats, "beat_id") == ["A"]
    assert ids(mine.stations, "station") == ["North"]
    assert ids(mine.officers, "officer_id") == ["P1"]
    assert set(mine.trend["beat_id"]) == {"A"}
    assert len(mine.trend) == 1
    assert isinstance(mine.blocks, gpd.GeoDataFrame)
    assert mine.blocks.crs == analysis.blocks.crs
    assert mine.window == analysis.window
    # headline figures of the Overview page follow the scope (2 households, 2 visits, 1 block)
    summary = mine.summary()
    assert (summary["households"], summary["visits"], summary["blocks"]) == (2, 2, 1)
    # the input is untouched
    assert len(analysis.households) == 5
    assert len(analysis.visits) == 6


def test_beat_b_and_references_out_of_scope(analysis: Analysis, dataset: Dataset) -> None:
    scope = officer_scope(dataset.beats, "P3")
    assert scope.beats == frozenset({"B"})
    theirs = restrict(analysis, scope)
    assert ids(theirs.blocks, "block_id") == ["K2"]
    assert ids(theirs.households, "household_id") == ["h03", "h04"]
    assert ids(theirs.visits, "visit_id") == ["v2", "v3", "v4"]
    assert ids(theirs.stations, "station") == ["South"]
    assert ids(theirs.officers, "officer_id") == ["P2", "P3"]
    previous = theirs.visits.set_index("visit_id")["previous_visit_id"]
    # v2 followed v1 (beat A): blanked; v4 followed v3 (beat B): kept
    assert previous.loc["v2"] == ""
    assert previous.loc["v4"] == "v3"
    assert analysis.visits.set_index("visit_id").loc["v2", "previous_visit_id"] == "v1"


def test_two_beats_together(analysis: Analysis) -> None:
    both = restrict(analysis, Scope.for_beats(["A", "B"]))
    # everything except what lies in no beat: h05, its visit v6, its block and trend row
    assert ids(both.households, "household_id") == ["h01", "h02", "h03", "h04"]
    assert ids(both.visits, "visit_id") == ["v1", "v2", "v3", "v4", "v5"]
    assert ids(both.blocks, "block_id") == ["K1", "K2"]
    assert ids(both.stations, "station") == ["North", "South"]
    assert both.trend["beat_id"].notna().all()


def test_unknown_officer_sees_nothing(analysis: Analysis, dataset: Dataset) -> None:
    for who in ("P9", "", "  ", "P"):
        scope = officer_scope(dataset.beats, who)
        assert scope.beats == frozenset()
        nothing = restrict(analysis, scope)
        for table in ("blocks", "households", "visits", "beats", "stations", "officers", "trend"):
            frame = getattr(nothing, table)
            assert frame.empty, table
            assert list(frame.columns) == list(getattr(analysis, table).columns), table


def test_everything_is_unchanged(analysis: Analysis, dataset: Dataset) -> None:
    assert restrict(analysis, Scope.everything()) is analysis
    assert restrict_dataset(dataset, Scope.everything(), household_beats={}) is dataset


def test_restrict_dataset(analysis: Analysis, dataset: Dataset) -> None:
    mapping = household_beats(dataset.households, dataset.beats)
    # the same placement as the analysis: h05 in no beat
    expected = analysis.households.set_index("household_id")["beat_id"]
    assert mapping.loc[["h01", "h02", "h03", "h04"]].tolist() == ["A", "A", "B", "B"]
    assert pd.isna(mapping.loc["h05"]) and pd.isna(expected.loc["h05"])
    mine = restrict_dataset(dataset, Scope.for_beats(["A"]), household_beats=mapping)
    assert ids(mine.beats, "beat_id") == ["A"]
    assert ids(mine.households, "household_id") == ["h01", "h02"]
    assert ids(mine.visits, "visit_id") == ["v1", "v5"]
    assert isinstance(mine.households, gpd.GeoDataFrame)
    # the import report names rows of any household: dropped for a limited scope
    assert mine.report.findings == []
    assert (mine.timezone, mine.name) == ("Asia/Shanghai", "tiny")
    # the analysis' own mapping works too; unmapped households are out of scope
    theirs = restrict_dataset(dataset, Scope.for_beats(["B"]), household_beats={"h03": "B"})
    assert ids(theirs.households, "household_id") == ["h03"]
    assert ids(theirs.visits, "visit_id") == ["v2", "v3"]


def test_scope_is_hashable_and_equal_for_equal_beats() -> None:
    a = Scope.for_beats(["B", "A"])
    b = Scope.for_beats({"A", "B"}, label="my beats")
    assert a == b and hash(a) == hash(b)
    assert {a: 1}[b] == 1
    assert Scope.for_beats(["A"]) != a
    assert Scope.everything() == Scope(None, "chief")
    assert Scope.everything() != Scope.for_beats([])
    # a set handed straight to the constructor is frozen (so the scope stays hashable)
    assert Scope({"A", "B"}, "x") == a  # type: ignore[arg-type]
    # one string is one beat id, not its characters
    assert Scope.for_beats("AB").beats == frozenset({"AB"})
    with pytest.raises(AttributeError):
        a.beats = None  # type: ignore[misc]


def test_missing_columns_fail_closed(analysis: Analysis, dataset: Dataset) -> None:
    broken = Analysis(
        blocks=analysis.blocks,
        households=analysis.households.drop(columns="beat_id"),
        visits=analysis.visits,
        beats=analysis.beats,
        stations=analysis.stations,
        officers=analysis.officers,
        trend=analysis.trend,
        topology=analysis.topology,
        window=analysis.window,
    )
    with pytest.raises(SchemaError, match="households table lacks column.*beat_id"):
        restrict(broken, Scope.for_beats(["A"]))
    with pytest.raises(SchemaError, match="beats table lacks column.*officer_ids"):
        officer_scope(dataset.beats.drop(columns="officer_ids"), "P1")


def test_the_scope_of_each_account(analysis: Analysis, dataset: Dataset) -> None:
    # beats A (station North) and B (South); households h01-h02 in A, h03-h04 in B, h05 in none
    def households_of(account: Account) -> list[str]:
        return ids(
            restrict(analysis, account_scope(dataset.beats, account)).households, "household_id"
        )

    assert households_of(Account("li", "chief", (), ("South",))) == ["h03", "h04"]
    assert households_of(Account("li", "chief", (), ("North", "South"))) == [
        "h01",
        "h02",
        "h03",
        "h04",
    ]
    assert households_of(Account("wang", "officer", ("A",), ())) == ["h01", "h02"]
    for role in ("planner", "admin"):  # everything, the household in no beat too
        assert households_of(Account("zhou", role, (), ())) == ["h01", "h02", "h03", "h04", "h05"]
    # a chief of another station, a chief over beats without stations, an unknown role: nothing
    assert households_of(Account("li", "chief", (), ("East",))) == []
    no_station = dataset.beats.drop(columns="station")
    assert account_scope(no_station, Account("li", "chief", (), ("North",))).beats == frozenset()
    assert account_scope(dataset.beats, Account("x", "guest", (), ())).beats == frozenset()
